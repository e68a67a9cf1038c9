"""Explanation keys of the built-in condition kinds, worked out from key plans (compiled, D41).

A built-in kind states what its explanation reads as a *key plan*, a small tuple made
once per condition (``Condition.key_plan``); :func:`compute_key` works the key out from it.
The kinds' ``explanation_key`` methods call the same function, so the assembly (which
reads each plan directly, once per rule and assessment) and the methods always agree.

Plans, by their first item:

* ``("value", name)``: the case fact's property ``name`` (``None`` when unstated);
* ``("values", names)``: those properties, as a tuple;
* ``("above_size",)``: the size flag when stated, else the revenue;
* ``("legal", attestation)``: the legal-person, branch, industry and credit-code facts,
  and the special-circumstances attestation's property (or ``None``);
* ``("incidents", min_rank, years, kinds)``: unstated, none disqualifying, or ``None``;
* ``("covered",)`` / ``("counted",)``: the segments covered / the counts at the tier;
* ``("all_of", parts)``: each part's key, with its outcome unless its key decides it
  (each part is ``(plan, condition or None)``; the condition is evaluated when given).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from ._vocabulary import Tier

__all__ = ["KeyPlan", "compute_key", "disqualifying"]

KeyPlan = tuple[Any, ...]
"""What a built-in condition's explanation reads (see the module's docstring)."""


def disqualifying(incident: Mapping[str, Any], min_rank: int, years: int,
                  kinds: frozenset[str]) -> bool:
    """Whether an incident fact is of a counted kind and grade within the look-back years."""
    return (incident["grade"] >= min_rank and 0 <= incident["years_ago"] < years
            and incident["type"] in kinds)


def compute_key(plan: KeyPlan, ctx: Any, tier: Tier) -> Hashable | None:
    """The explanation key ``plan`` describes, for ``ctx`` (an EvaluationContext) at ``tier``."""
    tag = plan[0]
    if tag == "values":
        case = ctx.facts.case
        return tuple([case.get(name) for name in plan[1]])
    if tag == "value":
        found: Hashable | None = ctx.facts.case.get(plan[1])
        return found
    if tag == "covered":
        tallies = ctx.tallies
        return "unstated" if tallies is None else tallies[tier].covered()
    if tag == "all_of":
        keys: list[Hashable] = []
        for part_plan, condition in plan[1]:
            key = compute_key(part_plan, ctx, tier)
            if key is None:
                return None
            keys.append(key if condition is None else (key, condition.evaluate(ctx, tier)))
        return tuple(keys)
    if tag == "above_size":
        case = ctx.facts.case
        flag = case.get("above_size")
        return ("flag", flag) if flag is not None else ("revenue", case.get("revenue"))
    if tag == "incidents":
        facts = ctx.facts
        if "incidents_stated" not in facts.case:
            return "unstated"
        _, min_rank, years, kinds = plan
        for incident in facts.incidents:
            if disqualifying(incident, min_rank, years, kinds):
                return None
        return "none disqualifying"
    if tag == "counted":
        tallies = ctx.tallies
        if tallies is None:
            return "unstated"
        tally = tallies[tier]
        return tally.qualifying, tally.claimed
    if tag == "legal":
        case = ctx.facts.case
        attestation = plan[1]
        return (case.get("legal_person"), case.get("branch"), case.get("industry"),
                "has_credit_code" in case,
                None if attestation is None else case.get(attestation))
    raise ValueError(f"unknown key plan {tag!r}")
