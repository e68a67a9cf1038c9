"""Static checks of rule packs and calls: mistakes an author makes that data alone shows.

Run when the registry is built (an error refuses the pack; warnings are listed by
``gradient-rules plugins``) and by ``gradient-rules check``.  Each finding names the check,
the pack or call, the rules and what to fix.  The checks are decided on the data (the
conditions' parameters, the declared relations), never on applications; the property-based
half lives in :mod:`gradient_rules.testing`.

=================  ========  ==========================================================
code               severity  what it finds
=================  ========  ==========================================================
tier-order         error     a threshold looser at a higher tier (levels, counts,
                             required segments), among the pack's ``must`` rules; a
                             warning when the higher tier asks nothing of the kind
strength-order     warning   a requirement that is ``must`` at a lower tier and only
                             in principle at a higher one
relation           error     a declared ``adopts`` that differs or ``tightens`` that
                             loosens (the ``consistency`` comparison)
relation-tiers     error     an adopted rule on other tiers than the base rule, or a
                             tightened/replaced one sharing no tier with it
unrelated-base     warning   a base rule the pack neither adopts, tightens, replaces
                             nor ``drops``
drops              error     a dropped rule that is not the base's, or is also related
prerequisite       error     a cycle among title prerequisites; a warning when a tier
                             requires its own or a higher tier's title
never-met          error     a rule no application can meet (a count above the catalog,
                             a segment no scenario maps to, a deadline before the call)
never-fails        warning   a rule no application can fail when stated (a minimum of
                             0 scenarios, of level 1)
accepted           warning   an ``[[accepted]]`` entry that matches no warning
=================  ========  ==========================================================
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from ._application import MAX_SCENARIOS
from ._calls import Call
from ._catalog import CountingPolicy, ScenarioCatalog
from ._conditions import leaves, per_tier
from ._consistency import check_relations
from ._docstrings import describe_fields
from ._kinds import Deadline, KpisReported, MinLevel, ScenarioCount, SegmentsCovered, TitleHeld
from ._rulepack import RulePack
from ._rules import Rule
from ._vocabulary import Relation, Segment, Strength, Tier

__all__ = ["CHECKS", "CheckFinding", "Severity", "check_call", "check_pack"]

CHECKS = ("tier-order", "strength-order", "relation", "relation-tiers", "unrelated-base",
          "drops", "prerequisite", "never-met", "never-fails", "accepted")
"""Codes of the static checks, in the order they run."""


class Severity(StrEnum):
    """How much a finding matters."""

    ERROR = "error"
    """The pack or call is refused when the registry is built."""
    WARNING = "warning"
    """Listed; the pack works."""
    ACCEPTED = "accepted"
    """A warning the pack's ``[[accepted]]`` table explains as a property of the text."""


class CheckFinding(BaseModel):
    """One thing a static check found."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)

    check: str
    """The check's code (see :data:`CHECKS`)."""
    severity: Severity
    """Error, warning, or accepted warning."""
    jurisdiction: str
    """The jurisdiction checked."""
    source: str
    """``<jurisdiction>:<version>`` for conditions, ``<jurisdiction>/<call>`` for a call."""
    rules: tuple[str, ...]
    """The rules concerned."""
    message: str
    """What is wrong and what to change."""
    accepted_because: str | None = None
    """For an accepted warning: the reason (and decision) given by the pack."""

    def __str__(self) -> str:
        return f"{self.severity.value} [{self.check}] {self.source}: {self.message}"


# --- the conditions a rule states, per tier ---------------------------------------------


def _ordered(tiers: Iterable[Tier]) -> list[Tier]:
    return sorted(set(tiers), key=lambda t: t.rank)


class _Requirements:
    """The strictest requirement of each aspect at each tier, over a set of rules."""

    def __init__(self, rules: Iterable[Rule], tiers: Sequence[Tier]) -> None:
        self.levels: dict[tuple[str, Tier], tuple[int, str]] = {}
        self.counts: dict[Tier, tuple[int, str]] = {}
        self.segments: dict[Tier, dict[Segment, str]] = {t: {} for t in tiers}
        for rule in rules:
            for tier in rule.tiers:
                if tier not in tiers:
                    continue
                for leaf in leaves(rule.condition):
                    if isinstance(leaf, MinLevel):
                        self._raise(self.levels, (leaf.field, tier),
                                    per_tier(leaf.minimum, tier), rule.id)
                    elif isinstance(leaf, ScenarioCount):
                        self._raise(self.counts, tier, per_tier(leaf.minimum, tier), rule.id)
                    elif isinstance(leaf, SegmentsCovered):
                        for segment in leaf.segments:
                            self.segments[tier].setdefault(segment, rule.id)

    @staticmethod
    def _raise(table: dict[Any, tuple[int, str]], key: object, value: int,
               rule_id: str) -> None:
        if key not in table or value > table[key][0]:
            table[key] = (value, rule_id)


def _order_problems(req: _Requirements,
                    tiers: Sequence[Tier]) -> list[tuple[Tier, list[str], str, bool]]:
    """Where a higher tier asks less than a lower one.

    Each as (the higher tier, rules, message, whether it asks nothing of that aspect).
    """
    out: list[tuple[Tier, list[str], str, bool]] = []
    fields = sorted({f for f, _ in req.levels})
    for low_i, low in enumerate(tiers):
        for high in tiers[low_i + 1:]:
            for field in fields:
                lo = req.levels.get((field, low))
                hi = req.levels.get((field, high))
                if lo and (hi is None or hi[0] < lo[0]):
                    asked = "nothing" if hi is None else f"{hi[0]} ({hi[1]})"
                    out.append((high, [lo[1]] + ([hi[1]] if hi else []),
                                f"{field}: {high.value} asks {asked}, less than "
                                f"{low.value}'s {lo[0]} ({lo[1]})", hi is None))
            lo_count, hi_count = req.counts.get(low), req.counts.get(high)
            if lo_count and (hi_count is None or hi_count[0] < lo_count[0]):
                asked = "no count" if hi_count is None else f"{hi_count[0]} ({hi_count[1]})"
                out.append((high, [lo_count[1]] + ([hi_count[1]] if hi_count else []),
                            f"scenario count: {high.value} asks {asked}, less than "
                            f"{low.value}'s {lo_count[0]} ({lo_count[1]})", hi_count is None))
            missing = sorted(set(req.segments[low]) - set(req.segments[high]),
                             key=lambda s: s.value)
            if missing:
                ids = list(dict.fromkeys(req.segments[low][s] for s in missing))
                out.append((high, ids, f"segments: {high.value} does not require "
                                       f"{', '.join(s.value for s in missing)}, which "
                                       f"{low.value} requires ({', '.join(ids)})",
                            not req.segments[high]))
    return out


# --- the checks ---------------------------------------------------------------------------

class _Collector:
    def __init__(self, jurisdiction: str, source: str) -> None:
        self.jurisdiction = jurisdiction
        self.source = source
        self.found: list[CheckFinding] = []

    def add(self, check: str, severity: Severity, rules: Iterable[str], message: str) -> None:
        self.found.append(CheckFinding(
            check=check, severity=severity, jurisdiction=self.jurisdiction,
            source=self.source, rules=tuple(dict.fromkeys(rules)), message=message))


def _tier_order(out: _Collector, rules: Sequence[Rule], tiers: Sequence[Tier]) -> None:
    must = [r for r in rules if r.strength is Strength.MUST]
    strict = _order_problems(_Requirements(must, tiers), tiers)
    loose = {problem[2] for problem in _order_problems(_Requirements(rules, tiers), tiers)}
    for high, ids, message, absent in strict:
        if message in loose and absent:
            out.add("tier-order", Severity.WARNING, ids,
                    f"{message}: is a rule missing at {high.value}, or should the pack's "
                    "`tiers` leave it out?")
        elif message in loose:
            out.add("tier-order", Severity.ERROR, ids,
                    f"{message}: a higher tier must never be easier to reach; fix the "
                    "threshold or the rule's tiers")
        else:
            in_principle = [r.id for r in rules if r.strength is Strength.IN_PRINCIPLE
                            and high in r.tiers and any(
                                isinstance(leaf, MinLevel | ScenarioCount | SegmentsCovered)
                                for leaf in leaves(r.condition))]
            out.add("strength-order", Severity.WARNING, [*ids, *in_principle],
                    f"{message} as a must; {high.value} asks it only in principle"
                    + (f" ({', '.join(in_principle)})" if in_principle else ""))


def _relations(out: _Collector, pack: RulePack, base: RulePack) -> None:
    base_rules = {r.id: r for r in base.rules}
    for check in check_relations(pack.rules, base.rules):
        if not check.consistent:
            wrong = "; ".join(f"{d.direction}: {d.message}" for d in check.differences
                              if not (check.relation is Relation.TIGHTENS
                                      and d.direction == "stricter")) or "no difference"
            out.add("relation", Severity.ERROR, [check.rule_id, *check.relates_to],
                    f"{check.rule_id} declares {check.relation.value} "
                    f"{', '.join(check.relates_to)} but the data shows {wrong}; declare "
                    "`replaces`, or change the condition")
    for rule in pack.rules:
        if rule.relation not in (Relation.ADOPTS, Relation.TIGHTENS, Relation.REPLACES):
            continue
        related = [base_rules[i] for i in rule.relates_to if i in base_rules]
        base_tiers = {t for b in related for t in b.tiers}
        if rule.relation is Relation.ADOPTS and set(rule.tiers) != base_tiers:
            out.add("relation-tiers", Severity.ERROR, [rule.id, *rule.relates_to],
                    f"{rule.id} adopts {', '.join(rule.relates_to)} "
                    f"({', '.join(t.value for t in _ordered(base_tiers))}) but applies to "
                    f"{', '.join(t.value for t in rule.tiers)}: is `relates_to` the rule you "
                    "mean? An adopted rule applies to the base rule's tiers")
        elif rule.relation is not Relation.ADOPTS and not set(rule.tiers) & base_tiers:
            out.add("relation-tiers", Severity.ERROR, [rule.id, *rule.relates_to],
                    f"{rule.id} {rule.relation.value} {', '.join(rule.relates_to)} but they "
                    "share no tier: is `relates_to` the rule you mean?")
    related_ids = {i for r in pack.rules for i in r.relates_to}
    dropped: dict[str, int] = {}
    for index, drop in enumerate(pack.drops):
        for rule_id in drop.rules:
            dropped[rule_id] = index
            if rule_id not in base_rules:
                out.add("drops", Severity.ERROR, [rule_id],
                        f"drops[{index}] names {rule_id}, not a rule of "
                        f"{base.ruleset_name}")
            elif rule_id in related_ids:
                out.add("drops", Severity.ERROR, [rule_id],
                        f"drops[{index}] names {rule_id}, which a rule of the pack also "
                        "relates to; keep one of the two")
    for rule_id, rule in base_rules.items():
        if rule_id not in related_ids and rule_id not in dropped and any(
                t in pack.tiers for t in rule.tiers):
            out.add("unrelated-base", Severity.WARNING, [rule_id],
                    f"{rule_id} ({rule.title_en}) of {base.ruleset_name} is neither adopted, "
                    "tightened, replaced nor dropped, so it does not apply here; relate a "
                    "rule to it, or list it under [[drops]] with the clause")


def _prerequisites(out: _Collector, rules: Sequence[Rule]) -> None:
    edges: dict[Tier, dict[Tier, str]] = {}
    for rule in rules:
        if rule.strength is not Strength.MUST:
            continue
        for leaf in leaves(rule.condition):
            if not isinstance(leaf, TitleHeld):
                continue
            for tier in rule.tiers:
                edges.setdefault(tier, {}).setdefault(leaf.tier, rule.id)
                if leaf.tier.rank >= tier.rank:
                    which = "its own" if leaf.tier is tier else "a higher"
                    out.add("prerequisite", Severity.WARNING, [rule.id],
                            f"{rule.id}: {tier.value} requires {which} tier's title "
                            f"({leaf.tier.value}, {leaf.issuing_level.value})")
    reported: set[frozenset[Tier]] = set()
    for start in list(edges):
        path = [start]

        def walk(node: Tier, path: list[Tier] = path, start: Tier = start) -> None:
            for nxt in edges.get(node, {}):
                if nxt is start and len(path) > 1:
                    key = frozenset(path)
                    if key not in reported:
                        reported.add(key)
                        ring = [*path, start]
                        ids = [edges[a][b] for a, b in itertools.pairwise(ring)]
                        out.add("prerequisite", Severity.ERROR, ids,
                                "title prerequisites form a cycle: " +
                                " -> ".join(t.value for t in ring) +
                                f" ({', '.join(ids)}); no factory could obtain the first title")
                elif nxt not in path:
                    path.append(nxt)
                    walk(nxt)
                    path.pop()

        walk(start)


def _countable(catalog: ScenarioCatalog | None, tier: Tier) -> int:
    if catalog is None:
        return MAX_SCENARIOS
    if catalog.counting is CountingPolicy.LADDER:
        return len(catalog.scenarios)
    return sum(1 for s in catalog.scenarios if tier in s.descriptions or not s.descriptions)


def _dead_ends(out: _Collector, rules: Sequence[Rule], catalog: ScenarioCatalog | None,
               kpi_count: int, call: Call | None = None) -> None:
    reachable = {s.segment for s in catalog.scenarios} if catalog else set(Segment)
    for rule in rules:
        for leaf in leaves(rule.condition):
            for tier in rule.tiers:
                if isinstance(leaf, ScenarioCount):
                    minimum, most = per_tier(leaf.minimum, tier), _countable(catalog, tier)
                    if minimum > most:
                        out.add("never-met", Severity.ERROR, [rule.id],
                                f"{rule.id} asks {minimum} scenarios at {tier.value}; at most "
                                f"{most} can be counted")
                    elif minimum == 0:
                        out.add("never-fails", Severity.WARNING, [rule.id],
                                f"{rule.id} asks 0 scenarios at {tier.value}")
                elif isinstance(leaf, MinLevel) and per_tier(leaf.minimum, tier) == 1:
                    out.add("never-fails", Severity.WARNING, [rule.id],
                            f"{rule.id}: a {leaf.field} of at least 1 at {tier.value} is met "
                            "by every stated level")
            if isinstance(leaf, SegmentsCovered):
                missing = sorted(s.value for s in leaf.segments if s not in reachable)
                if missing:
                    out.add("never-met", Severity.ERROR, [rule.id],
                            f"{rule.id} requires {', '.join(missing)}, which no scenario of "
                            "the catalog belongs to")
            elif isinstance(leaf, KpisReported) and kpi_count and leaf.minimum > kpi_count:
                out.add("never-met", Severity.ERROR, [rule.id],
                        f"{rule.id} asks {leaf.minimum} KPIs; the reference lists {kpi_count}")
            elif isinstance(leaf, Deadline) and call is not None \
                    and leaf.by < call.issued:
                out.add("never-met", Severity.ERROR, [rule.id],
                        f"{rule.id}: the deadline {leaf.by.isoformat()} is before the call "
                        f"was issued ({call.issued.isoformat()})")


def _apply_accepted(out: _Collector, pack: RulePack) -> None:
    used: set[int] = set()
    result: list[CheckFinding] = []
    for finding in out.found:
        match = next((i for i, a in enumerate(pack.accepted) if a.check == finding.check
                      and set(a.rules) & set(finding.rules)), None)
        if match is None or finding.severity is not Severity.WARNING:
            result.append(finding)
            continue
        used.add(match)
        entry = pack.accepted[match]
        because = entry.reason + (f" ({entry.decision})" if entry.decision else "")
        result.append(finding.model_copy(update={"severity": Severity.ACCEPTED,
                                                 "accepted_because": because}))
    out.found = result
    for index, entry in enumerate(pack.accepted):
        if index not in used:
            out.add("accepted", Severity.WARNING, entry.rules,
                    f"accepted[{index}] ({entry.check}) matches no warning; remove it")


def check_pack(pack: RulePack, base: RulePack | None = None) -> list[CheckFinding]:
    """Every static check of one conditions pack (relations checked against ``base``)."""
    out = _Collector(pack.jurisdiction.code, pack.ruleset_name)
    tiers = _ordered(pack.tiers)
    _tier_order(out, pack.rules, tiers)
    if base is not None:
        _relations(out, pack, base)
    _prerequisites(out, pack.rules)
    _dead_ends(out, pack.rules, pack.catalog, len(pack.kpis))
    _apply_accepted(out, pack)
    return out.found


def check_call(call: Call, conditions: RulePack) -> list[CheckFinding]:
    """The static checks that apply to a call's own rules (against its conditions' data)."""
    out = _Collector(call.jurisdiction, call.key)
    _prerequisites(out, call.rules)
    _dead_ends(out, call.rules, conditions.catalog, len(conditions.kpis), call)
    return out.found
