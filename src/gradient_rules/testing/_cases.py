"""The rule-case harness: one rule, one tier, one change to an application.

A province's tests start from an application that meets every rule at every tier and change
one thing per case; :func:`check_rule_case` assesses it on every engine given and checks the
rule's finding, and :func:`assert_cases_cover` fails when a rule has no met or not-met case.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._assessment import Assessment
from .._engine import Engine
from .._rules import Provision, Rule
from .._vocabulary import Outcome, Strength, Verdict

__all__ = [
    "DELETE",
    "RuleCase",
    "assert_cases_cover",
    "assert_citations_in_seeds",
    "call_rules",
    "check_rule_case",
    "patched",
]


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()
"""A value for :func:`patched` (and :attr:`RuleCase.changes`) that removes the key."""


def patched(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with dotted-path changes.

    ``patched(app, enterprise__province="hunan")`` sets ``app["enterprise"]["province"]``;
    the value :data:`DELETE` removes the key; missing mappings on the way are created.
    """
    data: dict[str, Any] = copy.deepcopy(dict(base))
    for path, value in changes.items():
        keys = path.split("__")
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return data


@dataclass(frozen=True)
class RuleCase:
    """One rule, one tier, one change to an application that meets everything."""

    rule: str
    """The rule id whose finding is checked."""
    tier: str
    """The tier assessed (``basic`` ... ``leading``)."""
    outcome: Outcome
    """The finding expected."""
    why: str
    """What the case shows, in a line (shown when it fails)."""
    changes: dict[str, Any] = field(default_factory=dict)
    """Dotted-path changes to the base application (see :func:`patched`)."""
    alone: bool = True
    """Only this rule fails, so it alone decides the verdict."""
    call: str | None = None
    """Assess for this call of the jurisdiction (a call rule), or against the conditions."""

    def __str__(self) -> str:
        return f"{self.rule} {self.tier} {self.outcome.value}: {self.why}"


def check_rule_case(case: RuleCase, engines: Sequence[Engine], base: Mapping[str, Any],
                    jurisdiction: str, on: dt.date | None = None) -> list[Assessment]:
    """Assess ``base`` changed by ``case`` on every engine and check the rule's finding.

    Checks the outcome, that the finding cites a clause, that a shortfall says what to do,
    and (for a ``must`` rule failing alone) the tier's verdict.  Returns the assessments.
    """
    results = []
    for engine in engines:
        app = patched(base, **case.changes)
        result = engine.assess(app, jurisdiction=jurisdiction, on=on, tier=case.tier,
                               call=case.call)
        results.append(result)
        tier = result.tier(case.tier)
        finding = tier.finding(case.rule)
        assert finding.outcome is case.outcome, (
            f"{case}: {engine.backend} found {finding.outcome.value}: {finding.message_en}")
        assert finding.citation.clause and finding.citation.text_zh, f"{case}: no citation"
        if case.outcome is Outcome.MET:
            continue
        assert finding.action_zh and finding.action_en, f"{case}: no action given"
        if finding.strength is Strength.MUST and case.alone:
            expected = (Verdict.NOT_ELIGIBLE if case.outcome is Outcome.NOT_MET
                        else Verdict.UNDETERMINED)
            assert tier.verdict is expected, (
                f"{case}: verdict {tier.verdict.value}, gaps {[g.rule_id for g in tier.gaps]}")
            assert finding in tier.gaps, f"{case}: not among the gaps"
    return results


def assert_cases_cover(rules: Iterable[Rule], cases: Sequence[RuleCase]) -> None:
    """Every rule has a met and a not-met case, and every case names one of the rules."""
    covered: dict[str, set[Outcome]] = {}
    for case in cases:
        covered.setdefault(case.rule, set()).add(case.outcome)
    ids = {rule.id for rule in rules}
    lacking = sorted(i for i in ids
                     if not {Outcome.MET, Outcome.NOT_MET} <= covered.get(i, set()))
    assert not lacking, f"rules without a met or a not-met case: {', '.join(lacking)}"
    unknown = sorted(set(covered) - ids)
    assert not unknown, f"cases for rules not in the list: {', '.join(unknown)}"


def call_rules(engine: Engine, jurisdiction: str, call: str) -> list[Rule]:
    """The rules a call adds to the conditions (its own and those it transposes)."""
    scope = engine.scope(jurisdiction, call=call)
    return [rule for rule in scope.rules if scope.parts[rule.id] == "call"]


def assert_citations_in_seeds(pack: Any, seeds: Path | str) -> None:
    """Every quoted clause of a pack, call or scope appears in its document's text.

    ``seeds`` is the folder holding the texts named by each document's ``seed``.  White
    space is ignored; "……" marks an omission and "1．" an enumerator joining several items.
    Documents without a ``seed`` are skipped; a missing folder fails.  Covers rules,
    provisions and (for packs) the citations of ``[[drops]]``.
    """
    folder = Path(seeds)
    assert folder.is_dir(), f"{folder} is not a folder of source texts"
    documents: Iterable[Any] = (pack.documents.values() if isinstance(pack.documents, Mapping)
                                else pack.documents)
    texts = {doc.id: (folder / doc.seed).read_text(encoding="utf-8") for doc in documents
             if doc.seed}
    squash = str.maketrans("", "", " \n\t\u3000")
    items: list[tuple[str, Any]] = [(item.id, item.citation) for item in
                                    [*pack.rules, *pack.provisions]
                                    if isinstance(item, Rule | Provision)]
    items += [(f"drops {', '.join(d.rules)}", d.citation) for d in getattr(pack, "drops", ())]
    for name, citation in items:
        if citation.document not in texts:
            continue  # a document not among the texts (e.g. a notice only forwarded)
        source = texts[citation.document].translate(squash)
        for part in citation.text_zh.split("……"):
            for piece in re.split(r"\d[．.]", part.translate(squash).strip("。.")):
                assert piece.strip("。") in source, f"{name}: {piece!r} is not in the text"
