"""Application builders shared by the core and plugin tests (on pytest's pythonpath)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gradient_rules import Document, Engine, Outcome, Provision, Rule, Strength, Verdict

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

ON = dt.date(2024, 11, 22)
DELETE = object()

NATIONAL_ATTESTATIONS = [
    "competitive", "sound_operations_and_finances", "no_bad_credit_record", "no_violations",
    "secure_and_controllable", "organisation_and_talent", "kpis_above_province_average",
    "kpis_leading_in_province", "leading_role_in_province", "kpis_leading_nationally",
    "national_leadership_and_supply_chain", "promotable_solution_and_standards",
    "talent_training_system", "kpis_leading_globally", "global_benchmark_replicated",
    "solutions_exported_and_standards", "leading_talent_and_external_guidance",
]

ALL_SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
                "production_management", "operations_management"]


def leading_application() -> dict[str, Any]:
    """An application that meets every national rule at every tier (on ON)."""
    return {
        "enterprise": {"name": "样例智造有限公司", "above_designated_size": True,
                       "independent_legal_person": True, "province": "jiangsu"},
        "dated": ON.isoformat(),
        "construction_completed": True,
        "self_assessment": {"maturity_level": 4, "digital_transformation_level": 4},
        "attestations": dict.fromkeys(NATIONAL_ATTESTATIONS, True),
        "incidents": [],
        "scenarios": [{"segment": s, "tier": "leading", "name": f"场景{i}"}
                      for i, s in enumerate(ALL_SEGMENTS)],
        "kpis": {"KPI-01": 90.0},
        "filing": {"online_filed_on": "2024-11-15", "paper_submitted_on": "2024-11-20"},
    }


def patched(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with dotted-path changes (``enterprise__province='x'``);
    the value ``DELETE`` removes the key."""
    data = copy.deepcopy(base)
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


def assert_citations_in_seeds(pack: Any) -> None:
    """Every quoted clause of a pack, call or scope appears in its seed text (white space
    aside; "……" marks an omission, "1．" an enumerator joining several items)."""
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds is not beside the repository")
    documents: Iterable[Document] = (pack.documents.values() if isinstance(pack.documents, Mapping)
                                     else pack.documents)
    texts = {doc.id: (SEEDS / doc.seed).read_text(encoding="utf-8") for doc in documents
             if doc.seed}
    squash = str.maketrans("", "", " \n\t")
    items: list[Rule | Provision] = [*pack.rules, *pack.provisions]
    for item in items:
        if item.citation.document not in texts:
            continue  # a document not in the seeds (e.g. the national notice itself)
        source = texts[item.citation.document].translate(squash)
        for part in item.citation.text_zh.split("……"):
            for piece in re.split(r"\d[．.]", part.translate(squash).strip("。.")):
                assert piece.strip("。") in source, f"{item.id}: {piece!r} not in the seed"


@dataclass(frozen=True)
class RuleCase:
    """One rule, one tier, one change to an application that meets everything."""

    rule: str
    tier: str
    outcome: Outcome
    why: str
    changes: dict[str, Any] = field(default_factory=dict)
    alone: bool = True
    """Only this rule fails, so it alone decides the verdict."""
    call: str | None = None
    """Assess for this call of the jurisdiction (a call rule), or against the conditions."""


def check_rule_case(case: RuleCase, engines: Sequence[Engine], base: dict[str, Any],
                    jurisdiction: str, on: dt.date | None = None) -> None:
    """Assess ``base`` changed by ``case`` on every engine and check the rule's finding."""
    for engine in engines:
        app = patched(base, **case.changes)
        tier = engine.assess(app, jurisdiction=jurisdiction, on=on, tier=case.tier,
                             call=case.call).tier(case.tier)
        finding = tier.finding(case.rule)
        assert finding.outcome is case.outcome, (engine.backend, finding.message_en)
        assert finding.citation.clause and finding.citation.text_zh
        if case.outcome is Outcome.MET:
            continue
        assert finding.action_zh and finding.action_en, finding
        if finding.strength is Strength.MUST and case.alone:
            expected = (Verdict.NOT_ELIGIBLE if case.outcome is Outcome.NOT_MET
                        else Verdict.UNDETERMINED)
            assert tier.verdict is expected, [g.rule_id for g in tier.gaps]
            assert finding in tier.gaps


def assert_cases_cover(rules: Iterable[Rule], cases: Sequence[RuleCase]) -> None:
    """Every rule has a met and a not-met case, and every case names one of the rules."""
    covered: dict[str, set[Outcome]] = {}
    for case in cases:
        covered.setdefault(case.rule, set()).add(case.outcome)
    ids = {rule.id for rule in rules}
    for rule_id in ids:
        assert {Outcome.MET, Outcome.NOT_MET} <= covered.get(rule_id, set()), (
            f"{rule_id} lacks a met or a not-met case")
    assert set(covered) <= ids, f"cases for unknown rules: {set(covered) - ids}"


def call_rules(engine: Engine, jurisdiction: str, call: str) -> list[Rule]:
    """The rules a call adds to the conditions (its own and those it transposes)."""
    scope = engine.scope(jurisdiction, call=call)
    return [rule for rule in scope.rules if scope.parts[rule.id] == "call"]
