"""Two evaluators of one scope (conditions, and a call): durable-rules forward chaining, and Python.

Both read the same flat facts (``_facts``) and return a :class:`Derivation`.  The durable
ruleset works in two batches, the rules matching inside the engine:

1. ``claim`` facts -> which claims count toward which tier (``qualify`` rules); ``title`` and
   ``event`` facts -> which titles are revoked (``revoke`` rules);
2. Python counts the qualifying claims per tier (durable-rules has no counting quantifier;
   see the field notes, Q6) and asserts ``tally`` and ``holdings`` facts; case, incident,
   tally and holdings facts -> the outcome of each rule not met or unknown for a tier
   (``check`` rules, one per distinct pattern).

The actions only record what matched: no derived fact is asserted that no rule reads (each
costs a round trip through the engine).  Refusals, unknowns and in-principle shortfalls are
the outcomes grouped by the rules' strength (:func:`_derivation`, shared by both backends).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._conditions import EvaluationContext, condition_call
from ._durable import Action, DurableAdapter, Frame, RuleSpec, Session, frames_of
from ._facts import CaseFacts, Holdings, Tally, holdings_of, tally_matched, tally_qualifying
from ._rulepack import RevocationTrigger
from ._scope import Scope
from ._vocabulary import Outcome, Strength, Tier, Verdict

__all__ = ["Derivation", "compile_scope", "evaluate_durable", "evaluate_reference", "revokes"]

Backend = Literal["durable", "reference"]


@dataclass(frozen=True)
class Derivation:
    """What an evaluator derived for one application."""

    qualifying: frozenset[tuple[int, Tier]]
    """(claim index, tier) pairs: the claim counts toward the tier."""
    tallies: Mapping[Tier, Tally] | None
    """Counts per tier; ``None`` when scenarios were not stated."""
    outcomes: Mapping[tuple[str, Tier], Outcome]
    """Outcome per (rule id, tier); a pair that is absent was met."""
    refused: Mapping[Tier, frozenset[str]] = field(default_factory=dict)
    """Must-rules not met, per tier."""
    undetermined: Mapping[Tier, frozenset[str]] = field(default_factory=dict)
    """Must-rules unknown, per tier."""
    shortfalls: Mapping[Tier, frozenset[str]] = field(default_factory=dict)
    """In-principle rules not met or unknown, per tier."""
    revoked: Mapping[int, frozenset[int]] = field(default_factory=dict)
    """Title index -> indices of the revocation triggers that revoke it."""
    holdings: Holdings | None = None
    """Standing titles; ``None`` when titles were not stated."""

    def outcome(self, rule_id: str, tier: Tier) -> Outcome:
        """The outcome of a rule for a tier."""
        return self.outcomes.get((rule_id, tier), Outcome.MET)

    def verdict(self, tier: Tier) -> Verdict:
        """Not eligible on any refusal; undetermined on any unknown must-rule; else eligible."""
        if self.refused.get(tier):
            return Verdict.NOT_ELIGIBLE
        if self.undetermined.get(tier):
            return Verdict.UNDETERMINED
        return Verdict.ELIGIBLE


# --- durable-rules ----------------------------------------------------------------------


def _record_revoked(index: int) -> Action:
    def action(session: Session, frames: Sequence[Frame]) -> None:
        session.results.setdefault("revoked", []).extend(
            (int(frame["held"]["n"]), index) for frame in frames)
    return action


def _event_pattern(trigger: RevocationTrigger, target: dict[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"kind": "event"}, {"type": trigger.event.value}, target,
        {"$gte": {"day": {"held": "since_day"}}},
    ]
    if trigger.min_grade is not None:
        kinds = [{"accident_kind": k.value} for k in trigger.accident_kinds]
        parts += [kinds[0] if len(kinds) == 1 else {"$or": kinds},
                  {"$gte": {"grade": trigger.min_grade.rank}}]
    return {"$and": parts}


def revokes(trigger: RevocationTrigger, event: Mapping[str, Any], title: Mapping[str, Any]) -> bool:
    """Plain-Python reading of one revocation trigger."""
    return (event["type"] == trigger.event.value
            and event["target"] in (-1, title["n"])
            and event["day"] >= title["since_day"]
            and (trigger.min_grade is None
                 or (event.get("accident_kind") in {k.value for k in trigger.accident_kinds}
                     and event["grade"] >= trigger.min_grade.rank)))


def compile_scope(scope: Scope) -> list[RuleSpec]:
    """Compile a scope's rules into durable-rules rule specs."""
    specs: list[RuleSpec] = []
    for index, trigger in enumerate(scope.revocation):
        # Two rules, not one $or: durable-rules ignores constant branches of an $or that
        # also holds a cross-fact reference (see the adapter).
        for reach, target in (("all", {"target": -1}), ("one", {"target": {"held": "n"}})):
            specs.append(RuleSpec(
                f"revoke|{index}|{reach}",
                (("held", {"kind": "title"}), ("event", _event_pattern(trigger, target))),
                _record_revoked(index),
            ))
    for tier in Tier.ordered():
        specs.append(RuleSpec(
            QUALIFY[tier],
            (("claim", {"$and": [{"kind": "claim"}, {"$gte": {"reached": tier.rank}},
                                 {"$iany": {"cells": {"$i": tier.rank}}}]}),),
            None,  # fired: the driver counts the claims matched
        ))
    for index, group in enumerate(scope.check_groups):
        # No action: the driver reads which fired and looks up what each derives.
        specs.append(RuleSpec(f"{CHECK}{index}", group.patterns, None))
    return specs


CHECK = "check|"
"""Prefix of the rules deriving outcomes: ``check|<index in Scope.check_groups>``."""
QUALIFY = {tier: f"qualify|{tier.value}" for tier in Tier}
"""The rule, one per tier, whose matches are the claims counting toward that tier."""



def _derivation(*, qualifying: frozenset[tuple[int, Tier]], tallies: Mapping[Tier, Tally] | None,
                outcomes: Mapping[tuple[str, Tier], Outcome], strengths: Mapping[str, Strength],
                revoked: Mapping[int, frozenset[int]], holdings: Holdings | None) -> Derivation:
    """Group the outcomes into refusals, unknowns and in-principle shortfalls per tier.

    A must-rule not met refuses the tier; a must-rule unknown leaves it undetermined; an
    in-principle rule not met or unknown is a shortfall for the reviewers.
    """
    refused: dict[Tier, set[str]] = {}
    undetermined: dict[Tier, set[str]] = {}
    shortfalls: dict[Tier, set[str]] = {}
    for (rule_id, tier), outcome in outcomes.items():
        if strengths[rule_id] is Strength.IN_PRINCIPLE:
            shortfalls.setdefault(tier, set()).add(rule_id)
        elif outcome is Outcome.NOT_MET:
            refused.setdefault(tier, set()).add(rule_id)
        else:
            undetermined.setdefault(tier, set()).add(rule_id)
    return Derivation(
        qualifying=qualifying, tallies=tallies, outcomes=outcomes,
        refused={t: frozenset(v) for t, v in refused.items()},
        undetermined={t: frozenset(v) for t, v in undetermined.items()},
        shortfalls={t: frozenset(v) for t, v in shortfalls.items()},
        revoked=revoked, holdings=holdings,
    )


_CLAIM_INDEX = re.compile(r'"claim":(-?\d+)')
"""The ``claim`` property of a claim fact as the engine echoes it (orjson's compact JSON:
the adapter's own encoding of facts this module built)."""
_FRAME = '{"claim":{'
"""How each match of a ``qualify`` rule opens: the alias, then the claim fact."""


def _matched_claims(fired: Mapping[str, list[str]]) -> dict[Tier, list[int]]:
    """Per tier, the index of every claim its ``qualify`` rule matched.

    The indices are read from the engine's messages without decoding them; a message whose
    count of indices is not its count of matches is decoded in full instead.
    """
    matched: dict[Tier, list[int]] = {}
    for tier, name in QUALIFY.items():
        indices = matched[tier] = []
        for message in fired.get(name, ()):
            found = _CLAIM_INDEX.findall(message)
            if len(found) == message.count(_FRAME):
                indices += map(int, found)
            else:  # never with facts this module built; kept so a change cannot miscount
                indices += [int(frame["claim"]["claim"]) for frame in frames_of(message, name)]
    return matched


def _outcomes(scope: Scope, fired: Mapping[str, list[str]]
              ) -> tuple[dict[tuple[str, Tier], Outcome], dict[str, Strength]]:
    """The worst outcome per (rule, tier) among the checks that fired, and the rules' strengths."""
    groups = scope.check_groups
    outcomes: dict[tuple[str, Tier], Outcome] = {}
    strengths: dict[str, Strength] = {}
    for name in fired:
        if not name.startswith(CHECK):
            continue
        for rule_id, tier, status, strength in groups[int(name[len(CHECK):])].outcomes:
            key = (rule_id, tier)
            before = outcomes.get(key)
            if before is None or status.severity > before.severity:  # Kleene: the worst wins
                outcomes[key] = status
            strengths[rule_id] = strength
    return outcomes, strengths


def evaluate_durable(adapter: DurableAdapter, scope: Scope, facts: CaseFacts) -> Derivation:
    """Evaluate with the durable-rules ruleset of ``scope`` (registered on first use)."""
    adapter.ensure(scope.ruleset_name, lambda: compile_scope(scope))

    def driver(session: Session) -> Derivation:
        session.assert_facts(facts.input_facts())
        second: list[dict[str, Any]] = []
        tallies: dict[Tier, Tally] | None = None
        qualifying: frozenset[tuple[int, Tier]] = frozenset()
        if facts.claims is not None:
            matched = _matched_claims(session.fired)
            qualifying = frozenset((index, tier) for tier, indices in matched.items()
                                   for index in indices)
            tallies = tally_matched({claim.index: claim.segment for claim in facts.claims},
                                    matched)
            second += [tally.as_fact() for tally in tallies.values()]
        revoked: dict[int, set[int]] = {}
        for title, trigger in session.results.get("revoked", []):
            revoked.setdefault(title, set()).add(trigger)
        holdings = None
        if facts.titles is not None:
            holdings = holdings_of(facts.titles, revoked)
            second.append(holdings.as_fact())
        session.assert_facts(second)
        outcomes, strengths = _outcomes(scope, session.fired)
        return _derivation(
            qualifying=qualifying,
            tallies=tallies,
            outcomes=outcomes,
            strengths=strengths,
            revoked={title: frozenset(ids) for title, ids in revoked.items()},
            holdings=holdings,
        )

    return adapter.evaluate(scope.ruleset_name, driver)


# --- plain Python -----------------------------------------------------------------------


def evaluate_reference(scope: Scope, facts: CaseFacts) -> Derivation:
    """Evaluate the same scope directly in Python (the reference the engine is tested on)."""
    qualifying: set[tuple[int, Tier]] = set()
    tallies: dict[Tier, Tally] | None = None
    if facts.claims is not None:
        for claim in facts.claims:
            for tier in Tier:
                if claim.reached.rank >= tier.rank and tier in claim.cells:
                    qualifying.add((claim.index, tier))
        tallies = tally_qualifying(facts.claims, qualifying)
    revoked: dict[int, frozenset[int]] = {}
    holdings = None
    if facts.titles is not None:
        for title in facts.titles:
            ids = frozenset(k for k, trigger in enumerate(scope.revocation)
                            for event in facts.events if revokes(trigger, event, title))
            if ids:
                revoked[int(title["n"])] = ids
        holdings = holdings_of(facts.titles, revoked)
    ctx = EvaluationContext(facts=facts, tallies=tallies, attestation_texts={},
                            holdings=holdings)
    outcomes: dict[tuple[str, Tier], Outcome] = {}
    strengths: dict[str, Strength] = {}
    for rule in scope.rules:
        assert rule.condition is not None, f"{rule.id}: unresolved adoption"
        for tier in rule.tiers:
            outcome = condition_call(rule.id, rule.condition, "evaluate", ctx, tier)
            if outcome is not Outcome.MET:
                outcomes[(rule.id, tier)] = outcome
                strengths[rule.id] = rule.strength
    return _derivation(qualifying=frozenset(qualifying), tallies=tallies, outcomes=outcomes,
                       strengths=strengths, revoked=revoked, holdings=holdings)
