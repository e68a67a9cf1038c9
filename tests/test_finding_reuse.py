"""Findings reused between assessments equal findings built afresh.

``_explain`` reuses a finding when the rule, tier, outcome and the condition's
``explanation_key`` match an earlier application's.  These tests hold the reused
assessments against ones built with the store emptied before every application, on the
benchmark's generated applications of three jurisdictions (hypothesis-generated national
ones in test_properties.py); and check a plugin kind that changes ``explain`` alone is never reused.
"""

from __future__ import annotations

from typing import Any

import generate
import pytest

import gradient_rules_national
from gradient_rules import Engine, Outcome, PluginError, Tier
from gradient_rules import _explain as explain_module
from gradient_rules._application import parse_application
from gradient_rules._conditions import (
    OUTCOME_IN_KEY,
    AllOf,
    EvaluationContext,
    Explanation,
    explanation_key,
    leaves,
    reusable,
)
from gradient_rules._evaluation import evaluate_reference
from gradient_rules._facts import CaseFacts
from gradient_rules._kinds import Attestation, MinLevel, NoIncidents, tier_free
from gradient_rules._kinds_applicant import AboveDesignatedSize
from gradient_rules._resolve import resolve


@pytest.mark.parametrize("jurisdiction", sorted(generate.GENERATORS))
def test_reused_findings_equal_fresh_ones(provinces: Engine, jurisdiction: str) -> None:
    on = generate.GENERATORS[jurisdiction][1]
    apps = generate.applications(jurisdiction, 150, seed=5)
    scope = provinces.scope(jurisdiction, on=on)
    scope.forget_reused()
    warm = [provinces.assess(app, jurisdiction=jurisdiction, on=on) for app in apps]
    assert scope.findings, "nothing was kept for reuse"
    for app, reused in zip(apps, warm, strict=True):
        scope.forget_reused()
        fresh = provinces.assess(app, jurisdiction=jurisdiction, on=on)
        assert reused == fresh
        assert reused.model_dump_json() == fresh.model_dump_json()


class _Reworded(Attestation):
    """A plugin's attestation kind with its own explanation, but the parent's key."""

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        return Explanation(None, None, "改写", "reworded")


class _ReworderWithKey(_Reworded):
    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Any:
        return "always the same"


def test_a_kind_that_changes_explain_alone_is_never_reused() -> None:
    assert reusable(Attestation(names=("competitive",)))
    assert not reusable(_Reworded(names=("competitive",)))
    assert not reusable(_ReworderWithKey(names=("competitive",)))  # explain lives in a parent


class _ListKey(Attestation):
    """A kind whose key is a list: a plugin fault, named as such."""

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        return Explanation(None, None, "列表", "a list")

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Any:
        return [1]


def test_an_unhashable_key_is_a_plugin_error_naming_the_kind() -> None:
    app = generate.applications("national", 1)[0]
    engine = Engine(plugins=[gradient_rules_national])
    scope = engine.scope("national", on=generate.ON)
    resolution = resolve(scope, parse_application(app), generate.ON)
    ctx = EvaluationContext(facts=resolution.facts, tallies=None,
                            attestation_texts=scope.attestation_texts)
    with pytest.raises(PluginError, match=r"attestation.*cannot be hashed"):
        explanation_key("X-1", _ListKey(names=("competitive",)), ctx, Tier.BASIC)
    assert explanation_key("X-1", _Reworded(names=("competitive",)), ctx, Tier.BASIC) is None


# --- tier-free keys and shared tier assessments (D38) ----------------------------------------


@pytest.mark.parametrize("jurisdiction", sorted(generate.GENERATORS))
def test_a_tier_free_rule_has_one_outcome_and_key_at_every_tier(provinces: Engine,
                                                                jurisdiction: str) -> None:
    # The assessment works a tier-free rule's explanation key (and, when not kept, its
    # explanation) out once for all its tiers; that is exact only if the kinds in
    # TIER_FREE_KINDS never read the tier.
    on = generate.GENERATORS[jurisdiction][1]
    scope = provinces.scope(jurisdiction, on=on)
    free = {entry.rule_id: entry.condition for entry in scope.assembly_plan if entry.free}
    assert free, "no tier-free rule to check"
    outcomes_seen = set()
    for app in generate.applications(jurisdiction, 150, seed=7):
        resolution = resolve(scope, parse_application(app), on)
        derivation = evaluate_reference(scope, resolution.facts)
        ctx = EvaluationContext(facts=resolution.facts, tallies=derivation.tallies,
                                attestation_texts=scope.attestation_texts,
                                holdings=derivation.holdings)
        for rule_id, condition in free.items():
            assert condition is not None
            keys = {explanation_key(rule_id, condition, ctx, tier) for tier in Tier}
            outcomes = {condition.evaluate(ctx, tier) for tier in Tier}
            assert len(keys) == 1 and len(outcomes) == 1, (rule_id, keys, outcomes)
            outcome = outcomes.pop()
            whys = [condition.explain(ctx, tier, outcome) for tier in Tier]
            assert all(why == whys[0] for why in whys), rule_id
            outcomes_seen.add(outcome)
    assert len(outcomes_seen) == 3  # met, not met and unknown all checked


def test_only_built_in_kinds_that_read_no_tier_are_tier_free() -> None:
    att = Attestation(names=("competitive",))
    accidents = NoIncidents(kinds=("safety",), min_grade="larger", years=3)
    level = MinLevel(field="maturity_level", minimum=2)
    assert tier_free(att) and tier_free(accidents)
    assert tier_free(AllOf(conditions=(att, accidents)))
    assert not tier_free(level)  # its minimum may be per tier
    assert not tier_free(AllOf(conditions=(att, level)))
    assert not tier_free(_Reworded(names=("competitive",)))  # a plugin's subclass may read it


def test_a_tier_assessment_is_shared_only_when_all_its_findings_are(national: Any) -> None:
    engine = Engine(plugins=[national])
    scope = engine.scope("national", on=generate.ON)
    app = generate.applications("national", 1, seed=3)[0]
    app["incidents"] = []
    first = engine.assess(app, jurisdiction="national", on=generate.ON)
    again = engine.assess(dict(app, enterprise={**app["enterprise"], "name": "另一家"}),
                          jurisdiction="national", on=generate.ON)
    assert all(a is b for a, b in zip(first.tiers, again.tiers, strict=True))
    kept = len(scope.tier_assessments)
    day = generate.ON.replace(year=generate.ON.year - 1).isoformat()
    app["incidents"] = [{"kind": "safety", "grade": "major", "occurred_on": day}]
    accident = engine.assess(app, jurisdiction="national", on=generate.ON)
    # Its accident finding names a date, so it is not kept, nor is any tier holding it.
    assert all(t.verdict.value == "not_eligible" for t in accident.tiers)
    assert len(scope.tier_assessments) == kept
    assert accident.tiers[0] is not engine.assess(app, jurisdiction="national",
                                                  on=generate.ON).tiers[0]


def test_the_tier_store_is_bounded_and_stays_exact(national: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explain_module, "FINDINGS_KEPT", 3)
    engine = Engine(plugins=[national])
    scope = engine.scope("national", on=generate.ON)
    apps = generate.applications("national", 40, seed=9)
    warm = []
    for app in apps:
        warm.append(engine.assess(app, jurisdiction="national", on=generate.ON))
        assert len(scope.tier_assessments) <= 3 and len(scope.findings) <= 3
    for app, reused in zip(apps, warm, strict=True):
        scope.forget_reused()
        assert engine.assess(app, jurisdiction="national", on=generate.ON) == reused


def _case(**case: Any) -> EvaluationContext:
    facts = CaseFacts(on=generate.ON, case={"kind": "case", **case}, claims=None, incidents=())
    return EvaluationContext(facts=facts, tallies=None, attestation_texts={})


def test_a_stated_size_flag_is_the_whole_key_of_the_size_explanation() -> None:
    # With the flag stated, the explanation never reads the revenue, so applications that
    # differ only in revenue share the finding; without it, the revenue is the key.
    size = AboveDesignatedSize()
    flagged = [_case(above_size=1, revenue=r) for r in (1, 50_000_000)]
    assert size.explanation_key(flagged[0], Tier.BASIC) == size.explanation_key(
        flagged[1], Tier.BASIC)
    assert size.explain(flagged[0], Tier.BASIC, Outcome.MET) == size.explain(
        flagged[1], Tier.BASIC, Outcome.MET)
    by_revenue = [_case(revenue=r) for r in (1, 50_000_000)]
    assert size.explanation_key(by_revenue[0], Tier.BASIC) != size.explanation_key(
        by_revenue[1], Tier.BASIC)
    assert size.explain(by_revenue[0], Tier.BASIC, Outcome.NOT_MET) != size.explain(
        by_revenue[1], Tier.BASIC, Outcome.NOT_MET)
    # A flag of 1 and a revenue of 1 are different keys.
    assert size.explanation_key(_case(above_size=1), Tier.BASIC) != size.explanation_key(
        _case(revenue=1), Tier.BASIC)


def test_notices_of_the_scope_are_built_once_and_equal_fresh_ones(national: Any) -> None:
    engine = Engine(plugins=[national])
    scope = engine.scope("national", on=generate.ON)
    apps = generate.applications("national", 30, seed=11)
    first = [engine.assess(app, jurisdiction="national", on=generate.ON) for app in apps]
    assert scope.notices_kept, "nothing was kept"
    routes = {id(t.route) for a in first for t in a.tiers if t.tier is Tier.BASIC}
    assert len(routes) == 1  # one route object for every basic tier
    for app, kept in zip(apps, first, strict=True):
        scope.forget_reused()
        assert not scope.notices_kept
        assert engine.assess(app, jurisdiction="national", on=generate.ON) == kept


# --- kinds whose key decides their outcome (all_of keys them without the outcome) ------------


def test_a_key_decides_the_outcome_of_the_kinds_that_say_so(provinces: Engine) -> None:
    # all_of keys a part of these kinds by its key alone; that is exact only if, at one
    # tier, two applications with equal keys always have equal outcomes.
    seen: dict[tuple[str, type, Tier, object], Outcome] = {}
    kinds_met: set[type] = set()
    for jurisdiction in sorted(generate.GENERATORS):
        on = generate.GENERATORS[jurisdiction][1]
        scope = provinces.scope(jurisdiction, on=on)
        parts = [(rule.id, index, part, rule.tiers) for rule in scope.rules
                 for index, part in enumerate(leaves(rule.condition))
                 if type(part) in OUTCOME_IN_KEY]
        for app in generate.applications(jurisdiction, 200, seed=11):
            resolution = resolve(scope, parse_application(app), on)
            derivation = evaluate_reference(scope, resolution.facts)
            ctx = EvaluationContext(facts=resolution.facts, tallies=derivation.tallies,
                                    attestation_texts=scope.attestation_texts,
                                    holdings=derivation.holdings)
            for rule_id, index, part, tiers in parts:
                for tier in tiers:
                    key = part.explanation_key(ctx, tier)
                    if key is None:
                        continue
                    outcome = part.evaluate(ctx, tier)
                    slot = (f"{rule_id}#{index}", type(part), tier, key)
                    assert seen.setdefault(slot, outcome) is outcome, slot
                    kinds_met.add(type(part))
    assert len(kinds_met) >= 6, kinds_met  # most of the set is exercised


def test_a_plugin_subclass_is_keyed_with_its_outcome() -> None:
    class Stricter(Attestation):
        def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
            return Outcome.NOT_MET

    assert Attestation in OUTCOME_IN_KEY and Stricter not in OUTCOME_IN_KEY
    case: dict[str, int | float | str] = {"kind": "case", "att_competitive": 1}
    ctx = EvaluationContext(facts=CaseFacts(on=generate.ON, case=case, claims=None,
                                            incidents=()),
                            tallies=None, attestation_texts={})
    plain = AllOf(conditions=(Attestation(names=("competitive",)),))
    strict = AllOf(conditions=(Stricter(names=("competitive",)),))
    assert plain.explanation_key(ctx, Tier.BASIC) == ((1,),)
    assert strict.explanation_key(ctx, Tier.BASIC) == (((1,), Outcome.NOT_MET),)


# --- key plans (the assembly's direct route to a built-in kind's key) -------------------------


def test_key_plans_give_the_kinds_own_keys(provinces: Engine) -> None:
    from gradient_rules._keys import compute_key

    planned = 0
    for jurisdiction in sorted(generate.GENERATORS):
        on = generate.GENERATORS[jurisdiction][1]
        scope = provinces.scope(jurisdiction, on=on)
        for app in generate.applications(jurisdiction, 60, seed=13):
            resolution = resolve(scope, parse_application(app), on)
            derivation = evaluate_reference(scope, resolution.facts)
            ctx = EvaluationContext(facts=resolution.facts, tallies=derivation.tallies,
                                    attestation_texts=scope.attestation_texts,
                                    holdings=derivation.holdings)
            for entry in scope.assembly_plan:
                if entry.key_plan is None:
                    continue
                for tier in entry.tiers:
                    assert compute_key(entry.key_plan, ctx, tier) == \
                        entry.condition.explanation_key(ctx, tier), entry.rule_id
                    planned += 1
    assert planned > 1000


def test_only_the_built_in_classes_have_key_plans() -> None:
    class Wider(Attestation):
        def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Any:
            return ("wider", super().explanation_key(ctx, tier))

    assert Attestation(names=("competitive",)).key_plan() == ("values", ("att_competitive",))
    assert Wider(names=("competitive",)).key_plan() is None
    # an all_of holding such a part has no plan either: its own method keys it
    assert AllOf(conditions=(Wider(names=("competitive",)),)).key_plan() is None
    assert AllOf(conditions=(Attestation(names=("competitive",)),)).key_plan() is not None
