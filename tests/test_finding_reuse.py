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
from gradient_rules._application import parse_application
from gradient_rules._conditions import (
    EvaluationContext,
    Explanation,
    explanation_key,
    reusable,
)
from gradient_rules._kinds import Attestation
from gradient_rules._resolve import resolve


@pytest.mark.parametrize("jurisdiction", sorted(generate.GENERATORS))
def test_reused_findings_equal_fresh_ones(provinces: Engine, jurisdiction: str) -> None:
    on = generate.GENERATORS[jurisdiction][1]
    apps = generate.applications(jurisdiction, 150, seed=5)
    scope = provinces.scope(jurisdiction, on=on)
    scope.findings.clear()
    warm = [provinces.assess(app, jurisdiction=jurisdiction, on=on) for app in apps]
    assert scope.findings, "nothing was kept for reuse"
    for app, reused in zip(apps, warm, strict=True):
        scope.findings.clear()
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
