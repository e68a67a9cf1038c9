"""Hold a province's declared relations (adopts / tightens / replaces) against its data.

Conditions are compared mechanically, part by part: what the province adds or makes
stricter, what it drops or makes looser, and what simply differs.  A rule declared
``adopts`` must not differ; one declared ``tightens`` must not loosen anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ._conditions import Condition, leaves
from ._docstrings import describe_fields
from ._kinds import (
    AboveDesignatedSize,
    Attestation,
    MinLevel,
    NoIncidents,
    ScenarioCount,
    SegmentsCovered,
)
from ._rules import Rule
from ._vocabulary import Relation, Strength, Tier

__all__ = ["Difference", "RelationCheck", "check_relations"]

Direction = Literal["stricter", "looser", "different"]


class Difference(BaseModel):
    """One way a province rule differs from the base rule it relates to."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)

    aspect: str
    """What differs (a condition kind, or ``strength``, ``tiers``)."""
    direction: Direction
    """Stricter, looser, or not comparable."""
    message: str
    """What the difference is."""


class RelationCheck(BaseModel):
    """A province rule's declared relation and what the data shows."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)

    rule_id: str
    """The province rule."""
    relation: Relation
    """As declared."""
    relates_to: tuple[str, ...]
    """Base rules."""
    differences: tuple[Difference, ...]
    """Found by comparison."""
    consistent: bool
    """False when the declaration is contradicted (adopts with differences, tightens that
    loosens)."""


def _parts(condition: Condition | None) -> list[Condition]:
    return list(leaves(condition))


def _of(parts: Iterable[Condition], kind: type[Any]) -> list[Any]:
    return [p for p in parts if isinstance(p, kind)]


def _per_tier(value: int | dict[Tier, int], tiers: Sequence[Tier]) -> dict[Tier, int]:
    return {t: value if isinstance(value, int) else value[t] for t in tiers
            if isinstance(value, int) or t in value}


def _compare(base: list[Condition], prov: list[Condition],
             tiers: Sequence[Tier]) -> list[Difference]:
    out: list[Difference] = []
    # Attestations: the union of names on each side.
    b_names = {n for a in _of(base, Attestation) for n in a.names}
    p_names = {n for a in _of(prov, Attestation) for n in a.names}
    if p_names - b_names:
        out.append(Difference(aspect="attestation", direction="stricter",
                              message="adds attestations " + ", ".join(sorted(p_names - b_names))))
    if b_names - p_names:
        out.append(Difference(aspect="attestation", direction="looser",
                              message="drops attestations " + ", ".join(sorted(b_names - p_names))))
    # Levels, by field and tier.
    for field in ("maturity_level", "digital_transformation_level"):
        b = [c for c in _of(base, MinLevel) if c.field == field]
        p = [c for c in _of(prov, MinLevel) if c.field == field]
        if p and not b:
            out.append(Difference(aspect="min_level", direction="stricter",
                                  message=f"adds a minimum {field}"))
        elif b and not p:
            out.append(Difference(aspect="min_level", direction="looser",
                                  message=f"drops the minimum {field}"))
        elif b and p:
            bt, pt = _per_tier(b[0].minimum, tiers), _per_tier(p[0].minimum, tiers)
            for tier in tiers:
                if tier in bt and tier in pt and bt[tier] != pt[tier]:
                    direction: Direction = "stricter" if pt[tier] > bt[tier] else "looser"
                    out.append(Difference(
                        aspect="min_level", direction=direction,
                        message=f"{field} at {tier.value}: {pt[tier]} instead of {bt[tier]}"))
    # Accidents.
    b_inc, p_inc = _of(base, NoIncidents), _of(prov, NoIncidents)
    if b_inc and p_inc:
        b0, p0 = b_inc[0], p_inc[0]
        added = sorted(k.value for k in set(p0.kinds) - set(b0.kinds))
        dropped = sorted(k.value for k in set(b0.kinds) - set(p0.kinds))
        if added:
            out.append(Difference(aspect="no_incidents", direction="stricter",
                                  message="also counts " + ", ".join(added) + " accidents"))
        if dropped:
            out.append(Difference(aspect="no_incidents", direction="looser",
                                  message="no longer counts " + ", ".join(dropped) + " accidents"))
        if p0.min_grade.rank != b0.min_grade.rank:
            looser = p0.min_grade.rank > b0.min_grade.rank
            out.append(Difference(
                aspect="no_incidents", direction="looser" if looser else "stricter",
                message=f"counts accidents from grade {p0.min_grade.value} "
                        f"({p0.min_grade.label_zh}) instead of {b0.min_grade.value} "
                        f"({b0.min_grade.label_zh})"))
        if p0.years != b0.years:
            out.append(Difference(aspect="no_incidents",
                                  direction="stricter" if p0.years > b0.years else "looser",
                                  message=f"looks back {p0.years} years instead of {b0.years}"))
    elif p_inc or b_inc:
        out.append(Difference(aspect="no_incidents", direction="stricter" if p_inc else "looser",
                              message=("adds" if p_inc else "drops") + " the accident condition"))
    # Coverage and counts.
    b_seg = {s for c in _of(base, SegmentsCovered) for s in c.segments}
    p_seg = {s for c in _of(prov, SegmentsCovered) for s in c.segments}
    if p_seg - b_seg:
        names = ", ".join(sorted(s.value for s in p_seg - b_seg))
        out.append(Difference(aspect="segments_covered", direction="stricter",
                              message=f"also requires {names}"))
    if b_seg - p_seg:
        names = ", ".join(sorted(s.value for s in b_seg - p_seg))
        out.append(Difference(aspect="segments_covered", direction="looser",
                              message=f"no longer requires {names}"))
    b_cnt, p_cnt = _of(base, ScenarioCount), _of(prov, ScenarioCount)
    if p_cnt and not b_cnt:
        out.append(Difference(aspect="scenario_count", direction="stricter",
                              message="adds a scenario count"))
    b_size, p_size = _of(base, AboveDesignatedSize), _of(prov, AboveDesignatedSize)
    if b_size and p_size and b_size[0].revenue_threshold_cny != p_size[0].revenue_threshold_cny:
        higher = p_size[0].revenue_threshold_cny > b_size[0].revenue_threshold_cny
        out.append(Difference(aspect="above_designated_size",
                              direction="stricter" if higher else "looser",
                              message=f"revenue threshold {p_size[0].revenue_threshold_cny}"))
    elif b_size and not p_size:
        out.append(Difference(aspect="above_designated_size", direction="looser",
                              message="drops the above-designated-size condition"))
    # Kinds without a comparison above: added, dropped, or changed.
    compared = (Attestation, MinLevel, NoIncidents, SegmentsCovered, ScenarioCount,
                AboveDesignatedSize)
    b_rest = [c for c in base if not isinstance(c, compared)]
    p_rest = [c for c in prov if not isinstance(c, compared)]
    for cond in p_rest:
        if cond not in b_rest:
            same_kind = any(c.kind == cond.kind for c in b_rest)
            out.append(Difference(aspect=cond.kind,
                                  direction="different" if same_kind else "stricter",
                                  message=("changes" if same_kind else "adds") +
                                          f" a {cond.kind} condition"))
    for cond in b_rest:
        if not any(c.kind == cond.kind for c in p_rest):
            out.append(Difference(aspect=cond.kind, direction="looser",
                                  message=f"drops the {cond.kind} condition"))
    return out


def check_relations(rules: Iterable[Rule], base_rules: Iterable[Rule]) -> tuple[RelationCheck, ...]:
    """Compare every province rule with the base rules it declares a relation to."""
    by_id = {rule.id: rule for rule in base_rules}
    checks = []
    for rule in rules:
        if rule.relation is None:
            continue
        differences: list[Difference] = []
        bases = [by_id[i] for i in rule.relates_to if i in by_id]
        if bases:
            base_parts = [p for b in bases for p in _parts(b.condition)]
            differences = _compare(base_parts, _parts(rule.condition), rule.tiers)
            base_strengths = {b.strength for b in bases}
            if rule.strength not in base_strengths:
                stricter = rule.strength is Strength.MUST
                differences.append(Difference(
                    aspect="strength", direction="stricter" if stricter else "looser",
                    message=f"strength {rule.strength.value} instead of "
                            f"{'/'.join(sorted(s.value for s in base_strengths))}"))
            base_tiers = {t for b in bases for t in b.tiers}
            if set(rule.tiers) - base_tiers:
                differences.append(Difference(
                    aspect="tiers", direction="stricter",
                    message="also applies to " + ", ".join(
                        t.value for t in rule.tiers if t not in base_tiers)))
        if rule.relation is Relation.ADOPTS:
            consistent = not differences
        elif rule.relation is Relation.TIGHTENS:
            consistent = all(d.direction == "stricter" for d in differences) and bool(differences)
        else:
            consistent = True
        checks.append(RelationCheck(rule_id=rule.id, relation=rule.relation,
                                    relates_to=rule.relates_to,
                                    differences=tuple(differences), consistent=consistent))
    return tuple(checks)
