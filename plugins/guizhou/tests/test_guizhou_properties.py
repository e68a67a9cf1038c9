"""Invariants of the Guizhou rules on generated claim sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradient_rules_guizhou
import gradient_rules_national
from gradient_rules import Engine, Tier, Verdict

ON = dt.date(2025, 9, 1)
NO_BASIC = {3, 5, 7, 8, 9, 10, 12}
TIERS = ["basic", "advanced", "excellent", "leading"]


@st.composite
def guizhou_apps(draw: st.DrawFn) -> dict[str, Any]:
    rows = draw(st.lists(st.integers(1, 40), unique=True, max_size=36))
    scenarios = []
    for row in rows:
        allowed = TIERS[1:] if row in NO_BASIC else TIERS
        scenarios.append({"id": f"GZ-{row:02d}", "tier": draw(st.sampled_from(allowed))})
    levels = st.one_of(st.none(), st.integers(1, 5))
    return {
        "enterprise": {"name": "生成企业", "province": draw(st.sampled_from(["guizhou", "hunan"])),
                       "independent_legal_person": True, "above_designated_size": True},
        "self_assessment": {"maturity_level": draw(levels),
                            "digital_transformation_level": draw(levels)},
        "attestations": {"competitive": True, "sound_operations_and_finances": True,
                         "no_bad_credit_record": True, "no_violations": True,
                         "secure_and_controllable": True, "organisation_and_talent": True},
        "incidents": [],
        "scenarios": scenarios,
    }


DURABLE = Engine(plugins=[gradient_rules_national, gradient_rules_guizhou])
REFERENCE = Engine(plugins=[gradient_rules_national, gradient_rules_guizhou],
                   backend="reference")
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    max_examples=400)


@SETTINGS
@given(app=guizhou_apps())
def test_durable_rules_agrees_with_the_plain_python_evaluation(app: dict[str, Any]) -> None:
    durable = DURABLE.assess(app, jurisdiction="guizhou", on=ON)
    reference = REFERENCE.assess(app, jurisdiction="guizhou", on=ON)
    assert durable.model_dump(exclude={"backend"}) == reference.model_dump(exclude={"backend"})


@SETTINGS
@given(app=guizhou_apps(), data=st.data())
def test_claim_order_never_matters(app: dict[str, Any], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(app["scenarios"]))
    assert (DURABLE.assess(app, jurisdiction="guizhou", on=ON)
            == DURABLE.assess({**app, "scenarios": shuffled}, jurisdiction="guizhou", on=ON))


@SETTINGS
@given(app=guizhou_apps(), row=st.integers(1, 40), tier=st.sampled_from(TIERS))
def test_one_more_scenario_never_turns_eligible_into_not_eligible(
        app: dict[str, Any], row: int, tier: str) -> None:
    claimed = {s["id"] for s in app["scenarios"]}
    if f"GZ-{row:02d}" in claimed or (row in NO_BASIC and tier == "basic"):
        return
    before = DURABLE.assess(app, jurisdiction="guizhou", on=ON)
    more = {**app, "scenarios": [*app["scenarios"], {"id": f"GZ-{row:02d}", "tier": tier}]}
    after = DURABLE.assess(more, jurisdiction="guizhou", on=ON)
    for t in Tier.ordered():
        if before.tier(t).verdict is Verdict.ELIGIBLE:
            assert after.tier(t).verdict is Verdict.ELIGIBLE
