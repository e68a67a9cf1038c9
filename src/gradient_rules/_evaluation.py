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
the outcomes grouped by the rules' strength (:class:`Derivation`, shared by both backends).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Final, Literal

from ._conditions import EvaluationContext, condition_call
from ._durable import Action, DurableAdapter, Frame, RuleSpec, Session, frames_of
from ._facts import (
    SEGMENT_KEYS,
    CaseFacts,
    ClaimFact,
    Holdings,
    Tally,
    holdings_of,
    tally_matched,
)
from ._rulepack import RevocationTrigger
from ._scope import Scope
from ._vocabulary import Outcome, Segment, Tier, Verdict

__all__ = ["Derivation", "compile_scope", "evaluate_durable", "evaluate_reference", "revokes"]

Backend = Literal["durable", "reference"]


# Members read in loops: an enum class's attribute is slow to read (its metaclass has a
# __getattr__), a module's is not.
_NOT_MET: Final = Outcome.NOT_MET
_ELIGIBLE: Final = Verdict.ELIGIBLE
_NOT_ELIGIBLE: Final = Verdict.NOT_ELIGIBLE
_UNDETERMINED: Final = Verdict.UNDETERMINED


class Derivation:
    """What an evaluator derived for one application.

    Built once per assessment by either backend and only read afterwards.  The verdict of
    each tier is worked out when the derivation is made; which rules refuse, leave
    undetermined or fall short at a tier is grouped only when asked for.
    """

    __slots__ = ("_matched", "_verdicts", "holdings", "in_principle", "outcomes", "revoked",
                 "tallies")

    def __init__(self, *, matched: Callable[[], Mapping[Tier, Sequence[int]]] | None,
                 tallies: Mapping[Tier, Tally] | None,
                 outcomes: Mapping[tuple[str, Tier], Outcome],
                 in_principle: AbstractSet[str],
                 revoked: Mapping[int, frozenset[int]],
                 holdings: Holdings | None) -> None:
        self._matched = matched
        self.tallies = tallies
        """Counts per tier; ``None`` when scenarios were not stated."""
        self.outcomes = outcomes
        """Outcome per (rule id, tier); a pair that is absent was met."""
        self.in_principle = in_principle
        """Ids of the in-principle rules among ``outcomes`` (they never refuse)."""
        self.revoked = revoked
        """Title index -> indices of the revocation triggers that revoke it."""
        self.holdings = holdings
        """Standing titles; ``None`` when titles were not stated."""
        # Not eligible on any must-rule not met; undetermined on any must-rule unknown.
        verdicts: dict[Tier, Verdict] = {}
        for (rule_id, tier), outcome in outcomes.items():
            if rule_id in in_principle:
                continue
            if outcome is _NOT_MET:
                verdicts[tier] = _NOT_ELIGIBLE
            elif verdicts.get(tier) is not _NOT_ELIGIBLE:
                verdicts[tier] = _UNDETERMINED
        self._verdicts = verdicts

    @property
    def qualifying(self) -> frozenset[tuple[int, Tier]]:
        """(claim index, tier) pairs: the claim counts toward the tier."""
        matched = {} if self._matched is None else self._matched()
        return frozenset((index, tier) for tier, indices in matched.items() for index in indices)

    def _grouped(self, wanted: Callable[[str, Outcome], bool]) -> dict[Tier, frozenset[str]]:
        grouped: dict[Tier, set[str]] = {}
        for (rule_id, tier), outcome in self.outcomes.items():
            if wanted(rule_id, outcome):
                grouped.setdefault(tier, set()).add(rule_id)
        return {tier: frozenset(ids) for tier, ids in grouped.items()}

    @property
    def refused(self) -> dict[Tier, frozenset[str]]:
        """Must-rules not met, per tier."""
        return self._grouped(lambda rule_id, outcome: rule_id not in self.in_principle
                             and outcome is Outcome.NOT_MET)

    @property
    def undetermined(self) -> dict[Tier, frozenset[str]]:
        """Must-rules unknown, per tier."""
        return self._grouped(lambda rule_id, outcome: rule_id not in self.in_principle
                             and outcome is not Outcome.NOT_MET)

    @property
    def shortfalls(self) -> dict[Tier, frozenset[str]]:
        """In-principle rules not met or unknown, per tier."""
        return self._grouped(lambda rule_id, outcome: rule_id in self.in_principle)

    def outcome(self, rule_id: str, tier: Tier) -> Outcome:
        """The outcome of a rule for a tier."""
        return self.outcomes.get((rule_id, tier), Outcome.MET)

    def verdict(self, tier: Tier) -> Verdict:
        """Not eligible on any refusal; undetermined on any unknown must-rule; else eligible."""
        return self._verdicts.get(tier, _ELIGIBLE)


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
    described_only = scope.counts_described_only
    for tier in Tier.ordered():
        # A claim counts toward every tier up to the one it reaches (D30); under the
        # described-only switch (D16), only where its catalog row describes the tier.
        tests: list[dict[str, Any]] = [{"kind": "claim"}, {"$gte": {"reached": tier.rank}}]
        if described_only:
            tests.append({"$iany": {"cells": {"$i": tier.rank}}})
        specs.append(RuleSpec(
            QUALIFY[tier], (("claim", {"$and": tests}),),
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



_CLAIM_INDEX = re.compile(r'"claim":(-?\d+)')
"""The ``claim`` property of a claim fact as the engine echoes it (orjson's compact JSON:
the adapter's own encoding of facts this module built)."""
_FRAME = '{"claim":{'
"""How each match of a ``qualify`` rule opens: the alias, then the claim fact."""
_SEGMENT_MARKS = tuple((segment, f'"segment":"{segment.code}"') for segment in Segment.ordered())
"""How a matched claim fact of each segment shows it, in the engine's messages."""


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


def _tallies(fired: Mapping[str, list[str]], claims: Sequence[ClaimFact]
             ) -> tuple[dict[Tier, Tally], list[Mapping[str, Any]]]:
    """The tallies per tier, counted in the ``qualify`` rules' messages, and their facts.

    A message holds one frame per claim matched and each claim fact names its segment, so
    the counts are occurrences in the text, not decoded (each claim fact, sent once with
    its own id, matches a rule at most once).  Should the counts not add up (more matches
    than claims, or more segments than matches), the messages are decoded instead.
    """
    claimed = len(claims)
    tallies: dict[Tier, Tally] = {}
    facts: list[Mapping[str, Any]] = []
    for tier, name in QUALIFY.items():
        per_segment = dict.fromkeys(_SEGMENTS, 0)
        count = 0
        for message in fired.get(name, ()):
            count += message.count(_FRAME)
            for segment, mark in _SEGMENT_MARKS:
                per_segment[segment] += message.count(mark)
        if count > claimed or sum(per_segment.values()) > count:
            decoded = tally_matched({c.index: c.segment for c in claims}, _matched_claims(fired))
            return decoded, [tally.as_fact() for tally in decoded.values()]
        tallies[tier] = Tally(tier, count, per_segment, claimed)
        fact: dict[str, Any] = {"kind": "tally", "tier": tier.rank, "qualifying": count}
        for segment, key in SEGMENT_KEYS.items():
            fact[key] = per_segment[segment]
        facts.append(fact)
    return tallies, facts


_SEGMENTS = Segment.ordered()


def _outcomes(scope: Scope, fired: Mapping[str, list[str]]) -> dict[tuple[str, Tier], Outcome]:
    """The worst outcome per (rule, tier) among the checks that fired."""
    plan = scope.check_outcomes
    outcomes: dict[tuple[str, Tier], Outcome] = {}
    for name in fired:
        if not name.startswith(CHECK):
            continue
        for key, status, severity in plan[int(name[6:])]:
            before = outcomes.get(key)
            if before is None or severity > before.severity:  # Kleene: the worst wins
                outcomes[key] = status
    return outcomes


def evaluate_durable(adapter: DurableAdapter, scope: Scope, facts: CaseFacts) -> Derivation:
    """Evaluate with the durable-rules ruleset of ``scope`` (registered on first use)."""
    adapter.ensure(scope.ruleset_name, lambda: compile_scope(scope))

    def driver(session: Session) -> Derivation:
        # The input facts were built by build_facts from a validated application: their
        # values are texts and bounded integers and numbers by construction (checked=True).
        session.assert_facts(facts.input_facts(cells=scope.counts_described_only),
                             checked=True)
        second: list[Mapping[str, Any]] = []
        tallies: dict[Tier, Tally] | None = None
        matched: Callable[[], dict[Tier, list[int]]] | None = None
        fired = session.fired
        if facts.claims is not None:
            tallies, second = _tallies(fired, facts.claims)
            matched = functools.partial(_matched_claims, fired)  # read only if asked for
        revoked: dict[int, set[int]] = {}
        for title, trigger in session.results.get("revoked", ()):
            revoked.setdefault(title, set()).add(trigger)
        holdings = None
        if facts.titles is not None:
            holdings = holdings_of(facts.titles, revoked)
            second.append(holdings.as_fact())
        session.assert_facts(second, checked=True)
        return Derivation(
            matched=matched,
            tallies=tallies,
            outcomes=_outcomes(scope, fired),
            in_principle=scope.in_principle_ids,
            revoked={title: frozenset(ids) for title, ids in revoked.items()} if revoked else {},
            holdings=holdings,
        )

    return adapter.evaluate(scope.ruleset_name, driver)


# --- plain Python -----------------------------------------------------------------------


def evaluate_reference(scope: Scope, facts: CaseFacts) -> Derivation:
    """Evaluate the same scope directly in Python (the reference the engine is tested on)."""
    matched: dict[Tier, list[int]] | None = None
    tallies: dict[Tier, Tally] | None = None
    if facts.claims is not None:
        matched = {tier: [claim.index for claim in facts.claims
                          if claim.reached.rank >= tier.rank and tier in claim.cells]
                   for tier in Tier.ordered()}
        tallies = tally_matched(facts.claim_segments, matched)
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
    for rule in scope.rules:
        assert rule.condition is not None, f"{rule.id}: unresolved adoption"
        for tier in rule.tiers:
            outcome = condition_call(rule.id, rule.condition, "evaluate", ctx, tier)
            if outcome is not Outcome.MET:
                outcomes[(rule.id, tier)] = outcome
    return Derivation(matched=None if matched is None else functools.partial(dict, matched),
                      tallies=tallies, outcomes=outcomes,
                      in_principle=scope.in_principle_ids, revoked=revoked, holdings=holdings)
