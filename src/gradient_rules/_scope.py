"""What one assessment is evaluated against: a jurisdiction's conditions, and perhaps a call.

A self-assessment's scope is the conditions (要素条件) in force on the evaluation date.  An
application *for a call* is assessed against the conditions edition the call applies plus
the call's own rules, and those of every call it transposes (a municipal notice forwarding
a national call).  Conditions and calls stay apart as data; only here are they put side by
side, once per (conditions edition, call), and checked for clashes when the registry is
built.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ._assessment import CitedClause, Finding, Notice, TierAssessment
from ._calls import BatchRules, Call, FormSpec, Material
from ._catalog import CountingPolicy, Kpi, ScenarioCatalog
from ._conditions import AllOf, Condition, KeyMethod, Pattern, condition_call, reusable
from ._keys import KeyPlan
from ._kinds import MaterialsPresent, built_in, tier_free
from ._rulepack import (
    JurisdictionInfo,
    LaterEdition,
    RecognitionRoute,
    RevocationTrigger,
    RulePack,
    TierNotice,
)
from ._rules import AttestationText, Document, Provision, Rule
from ._vocabulary import DocumentStatus, Outcome, Segment, Strength, Tier

__all__ = ["CheckGroup", "Part", "PlannedRule", "Scope", "build_scope"]

Part = Literal["conditions", "call"]


class PlannedRule(NamedTuple):
    """A rule as the assembly reads it: once per assessment, for each of its tiers."""

    rule: Rule
    rule_id: str
    condition: Condition
    key_method: KeyMethod | None
    """The condition's bound ``explanation_key``; ``None`` when not :func:`reusable`."""
    free: bool
    """Whether the condition is tier free."""
    built_in: bool
    """Whether the condition is a built-in kind throughout (its key needs no checking)."""
    key_plan: KeyPlan | None
    """What its explanation key reads (a built-in kind's), computed without a method call."""
    tiers: tuple[Tier, ...]
    """The rule's tiers in the scope, basic first."""
    pairs: tuple[tuple[str, Tier], ...]
    """(rule id, tier) for each of ``tiers``: the derivation's keys, made once."""


class CheckGroup(NamedTuple):
    """Checks with the same patterns, and the outcome each gives when they match."""

    patterns: tuple[Pattern, ...]
    outcomes: tuple[tuple[str, Tier, Outcome, Strength], ...]
    """(rule id, tier, outcome, the rule's strength), in the scope's rule order."""


@dataclass(frozen=True)
class Scope:
    """The rules, documents and data one assessment is evaluated against."""

    jurisdiction: JurisdictionInfo
    """The jurisdiction asked for (``shanxi``, even where its conditions are the base's)."""
    conditions: RulePack
    """The conditions applied: the jurisdiction's own, or its base's when it has none."""
    calls: tuple[Call, ...]
    """The call applied for, then each call it transposes; empty for a self-assessment."""
    rules: tuple[Rule, ...]
    """The conditions' rules for the scope's tiers, then the calls' (transposed first)."""
    parts: Mapping[str, Part]
    """Rule id -> whether the rule comes from the conditions or from a call."""
    tiers: tuple[Tier, ...]
    """Tiers assessed: the call's, or every tier of the conditions."""
    documents: Mapping[str, Document]
    """Every document a rule of the scope cites, by id."""
    attestations: Mapping[str, AttestationText]
    """Attestations the application may state."""
    provisions: tuple[Provision, ...]
    """Provisions of the conditions and of the calls."""
    recognition: Mapping[Tier, RecognitionRoute]
    """Who recognises each tier (a call's route replaces the conditions')."""
    ruleset_name: str
    """Name of the compiled durable-rules ruleset."""
    foreign_attestations: frozenset[str] = frozenset()
    """Attestations other installed conditions or calls declare but this scope does not read:
    accepted in an application (one file may go to several calls) and reported as unused;
    a name declared nowhere is a typo and refused."""
    foreign_materials: frozenset[str] = frozenset()
    """Material ids of other calls' checklists, likewise."""

    @property
    def call(self) -> Call | None:
        """The call applied for, if any."""
        return self.calls[0] if self.calls else None

    def _from_calls(self, name: Literal["materials", "batch", "form"]) -> object:
        for call in self.calls:  # the most specific call that states it
            value = getattr(call, name)
            if value:
                return value
        return None

    @property
    def materials(self) -> tuple[Material, ...]:
        """The call's materials checklist (empty for a self-assessment)."""
        found = self._from_calls("materials")
        return found if isinstance(found, tuple) else ()

    @property
    def batch(self) -> BatchRules | None:
        """The call's batch rules."""
        found = self._from_calls("batch")
        return found if isinstance(found, BatchRules) else None

    @property
    def form(self) -> FormSpec | None:
        """The call's summary form."""
        found = self._from_calls("form")
        return found if isinstance(found, FormSpec) else None

    @property
    def version(self) -> str:
        """Version of the conditions applied."""
        return self.conditions.version

    @property
    def status(self) -> DocumentStatus:
        """Status of the conditions' primary document."""
        return self.conditions.status

    @property
    def catalog(self) -> ScenarioCatalog | None:
        """The conditions' scenario catalog."""
        return self.conditions.catalog

    @property
    def counts_described_only(self) -> bool:
        """Whether a claim counts only toward tiers its catalog row describes (D16's switch).

        Otherwise (the ladder, D30, and wherever there is no catalog) a claim counts toward
        every tier up to the one it reaches, whatever its row's cells.
        """
        catalog = self.conditions.catalog
        return catalog is not None and catalog.counting is CountingPolicy.DESCRIBED_ONLY

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        """The conditions' KPI reference."""
        return self.conditions.kpis

    @property
    def guide_segments(self) -> Mapping[str, Segment]:
        """The scenario guide's 环节 -> segment map."""
        return self.conditions.guide_segments

    @property
    def guide_segments_unmapped(self) -> tuple[str, ...]:
        """Guide 环节 that count toward no segment."""
        return self.conditions.guide_segments_unmapped

    @property
    def revocation(self) -> tuple[RevocationTrigger, ...]:
        """Events that revoke titles."""
        return self.conditions.revocation

    @property
    def tier_notices(self) -> tuple[TierNotice, ...]:
        """Remarks shown with some tiers."""
        return self.conditions.tier_notices

    @property
    def later_edition(self) -> LaterEdition | None:
        """A newer edition of the conditions known but not encoded."""
        return self.conditions.later_edition

    def label(self, tier: Tier) -> str:
        """The conditions' Chinese name for ``tier``."""
        return self.conditions.label(tier)

    def document(self, doc_id: str) -> Document:
        """A document by id."""
        return self.documents[doc_id]

    @functools.cached_property
    def findings(self) -> dict[Hashable, dict[Tier, tuple[Finding, Notice | None]]]:
        """Findings already built, for reuse by later assessments.

        (rule id, outcome, explanation key) -> tier -> (finding, in-principle warning or
        ``None``); filled and bounded by ``_explain``.  Findings are frozen, so sharing one
        between assessments is safe.
        """
        return {}

    @functools.cached_property
    def tier_assessments(self) -> dict[Hashable, TierAssessment]:
        """Tier assessments already built from shared findings, for reuse (D38).

        (tier, verdict, the findings' identities) -> the tier's assessment; filled and
        bounded by ``_explain``.  A tier's assessment is fixed by its tier, its verdict and
        its findings, and it is frozen, so sharing one is safe.
        """
        return {}

    @functools.cached_property
    def notices_kept(self) -> dict[Hashable, Any]:
        """Notices and routes that depend only on the scope (and a small key), built once.

        Filled by ``_explain``: the tier notices and route of each tier, the notices about
        the scope's documents, and the "next tier" notice per highest eligible tier.  They
        are frozen, so sharing them between assessments is safe.
        """
        return {}

    def forget_reused(self) -> None:
        """Empty the stores of findings and tier assessments kept for reuse."""
        self.findings.clear()
        self.tier_assessments.clear()
        self.notices_kept.clear()

    @functools.cached_property
    def assembly_plan(self) -> tuple[PlannedRule, ...]:
        """The rules in order, each with what assembling its findings reads.

        A tier-free rule's condition has the same outcome and explanation key at every
        tier (:func:`~gradient_rules._kinds.tier_free`), so an assessment works its key out
        once for all tiers.  Plain tuples: the assembly loop reads them for every rule of
        every assessment, and attribute reads on the rule models are slow.
        """
        plan = []
        for rule in self.rules:
            condition = rule.condition
            assert condition is not None, f"{rule.id}: unresolved adoption"
            tiers = tuple(tier for tier in Tier.ordered() if tier in rule.tiers)
            plan.append(PlannedRule(
                rule, rule.id, condition,
                condition.explanation_key if reusable(condition) else None,
                tier_free(condition), built_in(condition),
                condition.key_plan() if reusable(condition) else None, tiers,
                tuple((rule.id, tier) for tier in tiers)))
        return tuple(plan)

    @functools.cached_property
    def check_groups(self) -> tuple[CheckGroup, ...]:
        """Every rule's checks at every tier, grouped by their patterns.

        Checks with the same patterns (e.g. "scenarios not stated", read by every scenario
        rule at every tier) become one durable-rules rule deriving each of their outcomes:
        fewer rules, fewer firings, and far from durable-rules' per-node limits.
        """
        alike: dict[str, tuple[tuple[Pattern, ...], list[tuple[str, Tier, Outcome, Strength]]]] = {}
        for rule in self.rules:
            assert rule.condition is not None, f"{rule.id}: unresolved adoption"
            for tier in rule.tiers:
                for check in condition_call(rule.id, rule.condition, "checks", tier):
                    key = json.dumps(check.patterns, sort_keys=True)
                    alike.setdefault(key, (check.patterns, []))[1].append(
                        (rule.id, tier, check.status, rule.strength))
        return tuple(CheckGroup(patterns, tuple(outcomes)) for patterns, outcomes in alike.values())

    @functools.cached_property
    def check_outcomes(self) -> tuple[tuple[tuple[tuple[str, Tier], Outcome, int], ...], ...]:
        """Per check group (by index): what it derives when it fires.

        Each (rule id, tier) pair the group's checks decide, with its outcome and the
        outcome's severity; the durable backend reads it for every check that fires.
        """
        return tuple(tuple(((rule_id, tier), status, status.severity)
                           for rule_id, tier, status, _ in group.outcomes)
                     for group in self.check_groups)

    @functools.cached_property
    def in_principle_ids(self) -> frozenset[str]:
        """Ids of the rules that hold only in principle (原则上): they never refuse."""
        return frozenset(rule.id for rule in self.rules if rule.strength is Strength.IN_PRINCIPLE)

    @functools.cached_property
    def citations(self) -> Mapping[str, CitedClause]:
        """Rule id -> the clause it rests on, built once per scope and shared by findings."""
        out: dict[str, CitedClause] = {}
        for rule in self.rules:
            doc = self.document(rule.citation.document)
            out[rule.id] = CitedClause(
                document=doc.id, document_title_zh=doc.title_zh, document_status=doc.status,
                clause=rule.citation.clause, text_zh=rule.citation.text_zh)
        return out

    @functools.cached_property
    def kpi_ids(self) -> frozenset[str]:
        """Ids of the conditions' KPI reference."""
        return frozenset(k.id for k in self.kpis)

    @functools.cached_property
    def material_ids(self) -> frozenset[str]:
        """Ids of the call's materials checklist (none for a self-assessment)."""
        return frozenset(m.id for m in self.materials)

    @functools.cached_property
    def attestation_texts(self) -> Mapping[str, tuple[str, str]]:
        """Attestation name -> its text (zh, en)."""
        return {name: (t.zh, t.en) for name, t in self.attestations.items()}


def _materials_read(condition: Condition | None) -> set[str]:
    if isinstance(condition, MaterialsPresent):
        return set(condition.items)
    if isinstance(condition, AllOf):
        return {m for part in condition.conditions for m in _materials_read(part)}
    return set()


def build_scope(jurisdiction: JurisdictionInfo, conditions: RulePack,
                calls: Sequence[Call] = ()) -> Scope:
    """Put conditions and calls side by side; ``ValueError`` names every clash."""
    problems: list[str] = []
    call = calls[0] if calls else None
    tiers = call.tiers if call else conditions.tiers
    for item in calls:
        outside = [t.value for t in item.tiers if t not in conditions.tiers]
        if outside:
            problems.append(f"call {item.key} covers {', '.join(outside)}, which the "
                            f"conditions {conditions.ruleset_name} do not define")
    rules: list[Rule] = []
    parts: dict[str, Part] = {}
    for rule in conditions.rules:
        kept = tuple(t for t in rule.tiers if t in tiers)
        if kept:
            rules.append(rule if kept == rule.tiers else rule.model_copy(update={"tiers": kept}))
            parts[rule.id] = "conditions"
    provisions = list(conditions.provisions)
    documents = {d.id: d for d in conditions.documents}
    attestations = dict(conditions.attestations)
    recognition = {r.tier: r for r in conditions.recognition if r.tier in tiers}
    entries: list[Rule | Provision] = [*conditions.rules, *provisions]
    seen = {entry.id: conditions.ruleset_name for entry in entries}
    for item in reversed(calls):  # transposed calls first, the call applied for last
        for doc in item.documents:
            if documents.setdefault(doc.id, doc) != doc:
                problems.append(f"call {item.key}: document id {doc.id!r} names another "
                                "document already in scope")
        for name, text in item.attestations.items():
            if attestations.setdefault(name, text) != text:
                problems.append(f"call {item.key}: attestation {name!r} is worded differently "
                                "from the one already in scope; use another name")
        own: list[Rule | Provision] = [*item.rules, *item.provisions]
        for entry in own:
            if entry.id in seen:
                problems.append(f"call {item.key}: rule id {entry.id!r} is already used by "
                                f"{seen[entry.id]}")
            seen[entry.id] = item.key
        rules.extend(item.rules)
        parts.update(dict.fromkeys((r.id for r in item.rules), "call"))
        provisions.extend(item.provisions)
        recognition.update({r.tier: r for r in item.recognition if r.tier in tiers})
    scope = Scope(
        jurisdiction=jurisdiction, conditions=conditions, calls=tuple(calls),
        rules=tuple(rules), parts=parts, tiers=tiers, documents=documents,
        attestations=attestations, provisions=tuple(provisions), recognition=recognition,
        ruleset_name=conditions.ruleset_name + (f"+{call.key}" if call else ""),
    )
    cited: list[Rule | Provision] = [*(r for r in rules if parts[r.id] == "call"),
                                     *(p for c in calls for p in c.provisions)]
    for entry in cited:
        if entry.citation.document not in documents:
            problems.append(f"{entry.id} cites unknown document {entry.citation.document!r}; "
                            f"documents: {', '.join(sorted(documents))}")
    for rule in rules:
        if rule.condition is None:
            continue
        for name in sorted(rule.condition.attestation_names() - set(attestations)):
            problems.append(f"{rule.id} reads attestation {name!r}, declared nowhere in scope")
        for material in sorted(_materials_read(rule.condition) - scope.material_ids):
            problems.append(f"{rule.id} reads material {material!r}, which is not in the "
                            "call's materials checklist")
    if problems:
        raise ValueError("; ".join(problems))
    return scope
