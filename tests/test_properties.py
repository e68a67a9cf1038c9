"""Invariants of the national rules, checked on generated applications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from grtest import NATIONAL_ATTESTATIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gradient_rules import Assessment, Engine, Outcome, Strength, Tier, Verdict

ON = dt.date(2024, 11, 22)
SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
            "production_management", "operations_management"]
GUIDE = ["工厂建设", "质量管控", "计划调度", "供应链管理", "工艺设计", "多环节模式创新"]
TIERS = ["basic", "advanced", "excellent", "leading"]

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    max_examples=300)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


days_before = st.integers(min_value=0, max_value=6 * 365).map(
    lambda n: (ON - dt.timedelta(days=n)).isoformat())

claim = st.one_of(
    st.builds(lambda s, t: {"segment": s, "tier": t}, st.sampled_from(SEGMENTS),
              st.sampled_from(TIERS)),
    st.builds(lambda g, t: {"guide_segment": g, "tier": t}, st.sampled_from(GUIDE),
              st.sampled_from(TIERS)),
)


def _name_claims(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "name": f"场景{i}"} for i, c in enumerate(claims)]


incident = st.fixed_dictionaries({
    "kind": st.sampled_from(["safety", "environmental", "quality"]),
    "grade": st.sampled_from(["general", "larger", "major", "especially_major"]),
    "occurred_on": days_before,
})


@st.composite
def applications(draw: st.DrawFn, complete: bool = False) -> dict[str, Any]:
    """National applications; ``complete`` states every input the rules read."""
    opt = (lambda s: s) if complete else maybe
    enterprise: dict[str, Any] = {"name": "生成企业"}
    size = draw(opt(st.booleans()))
    if size is not None:
        enterprise["above_designated_size"] = size
    revenue = draw(maybe(st.integers(min_value=19_999_000, max_value=20_001_000)))
    if revenue is not None:
        enterprise["main_business_revenue_cny"] = revenue
    app: dict[str, Any] = {"enterprise": enterprise}
    app["self_assessment"] = {"maturity_level": draw(opt(st.integers(1, 5)))}
    app["construction_completed"] = draw(opt(st.booleans()))
    attest: dict[str, bool] = {}
    for name in NATIONAL_ATTESTATIONS:
        value = draw(opt(st.booleans().filter(lambda b: True) if complete else
                         st.sampled_from([True, True, True, False])))
        if value is not None:
            attest[name] = value
    app["attestations"] = attest
    app["incidents"] = draw(opt(st.lists(incident, max_size=3)))
    scenarios = draw(opt(st.lists(claim, max_size=9)))
    app["scenarios"] = None if scenarios is None else _name_claims(scenarios)
    app["kpis"] = draw(opt(st.dictionaries(
        st.sampled_from([f"KPI-{i:02d}" for i in range(1, 21)]), st.floats(0, 100),
        max_size=3)))
    online = draw(opt(st.sampled_from(["2024-11-19", "2024-11-20", "2024-11-21"])))
    paper = draw(opt(st.sampled_from(["2024-11-21", "2024-11-22"])))
    app["filing"] = {"online_filed_on": online, "paper_submitted_on": paper}
    return app


def _assess(engine: Engine, app: dict[str, Any]) -> Assessment:
    return engine.assess(app, jurisdiction="national", on=ON)


@SETTINGS
@given(app=applications(), data=st.data())
def test_scenario_order_never_changes_the_assessment(engine: Engine, app: dict[str, Any],
                                                     data: st.DataObject) -> None:
    scenarios = app["scenarios"]
    if not scenarios:
        return
    shuffled = data.draw(st.permutations(scenarios))
    assert _assess(engine, app) == _assess(engine, {**app, "scenarios": shuffled})


@SETTINGS
@given(app=applications(), extra=claim)
def test_one_more_scenario_never_turns_eligible_into_not_eligible(
        engine: Engine, app: dict[str, Any], extra: dict[str, Any]) -> None:
    before = _assess(engine, app)
    more = _name_claims([*(app["scenarios"] or []), extra])
    after = _assess(engine, {**app, "scenarios": more})
    for tier in Tier.ordered():
        if before.tier(tier).verdict is Verdict.ELIGIBLE:
            assert after.tier(tier).verdict is Verdict.ELIGIBLE, tier


@SETTINGS
@given(app=applications(complete=True))
def test_unknown_appears_only_when_an_input_is_unstated(engine: Engine,
                                                        app: dict[str, Any]) -> None:
    result = _assess(engine, app)
    for tier in result.tiers:
        assert tier.verdict is not Verdict.UNDETERMINED
        assert all(f.outcome is not Outcome.UNKNOWN for f in tier.findings), tier.tier


@SETTINGS
@given(app=applications())
def test_every_unknown_rule_reads_something_left_unstated(engine: Engine,
                                                          app: dict[str, Any]) -> None:
    # Stating every unstated input (with any value) removes every unknown.
    result = _assess(engine, app)
    if not any(f.outcome is Outcome.UNKNOWN for t in result.tiers for f in t.findings):
        return
    filled = dict(app)
    filled["enterprise"] = {**app["enterprise"], "above_designated_size": True}
    filled["self_assessment"] = {"maturity_level":
                                 app["self_assessment"]["maturity_level"] or 1}
    filled["construction_completed"] = bool(app["construction_completed"])
    filled["attestations"] = {n: app["attestations"].get(n, False)
                              for n in NATIONAL_ATTESTATIONS}
    filled["incidents"] = app["incidents"] or []
    filled["scenarios"] = app["scenarios"] or []
    filled["kpis"] = app["kpis"] or {}
    filled["filing"] = {k: v or "2024-11-22" for k, v in app["filing"].items()}
    for tier in _assess(engine, filled).tiers:
        assert all(f.outcome is not Outcome.UNKNOWN for f in tier.findings)


@SETTINGS
@given(app=applications())
def test_verdicts_follow_from_must_rules_and_in_principle_never_refuses(
        engine: Engine, app: dict[str, Any]) -> None:
    for tier in _assess(engine, app).tiers:
        must = [f for f in tier.findings if f.strength is Strength.MUST]
        if any(f.outcome is Outcome.NOT_MET for f in must):
            assert tier.verdict is Verdict.NOT_ELIGIBLE
        elif any(f.outcome is Outcome.UNKNOWN for f in must):
            assert tier.verdict is Verdict.UNDETERMINED
        else:
            assert tier.verdict is Verdict.ELIGIBLE
        shortfalls = [f.rule_id for f in tier.findings
                      if f.strength is Strength.IN_PRINCIPLE and f.outcome is not Outcome.MET]
        assert sorted(shortfalls) == sorted(str(w.rule_id) for w in tier.warnings)


@SETTINGS
@given(app=applications())
def test_reused_findings_equal_fresh_ones(engine: Engine, app: dict[str, Any]) -> None:
    reused = _assess(engine, app)  # findings kept from earlier examples may be reused
    engine.scope("national", on=ON).forget_reused()
    assert _assess(engine, app) == reused


@SETTINGS
@given(app=applications())
def test_assessment_json_is_pydantics_byte_for_byte(engine: Engine, app: dict[str, Any]) -> None:
    assessment = _assess(engine, app)
    text = assessment.model_dump_json()  # from the findings' kept JSON
    assert text == BaseModel.model_dump_json(assessment)
    assert Assessment.model_validate_json(text) == assessment


def _backends_agree(engine: Engine, reference_engine: Engine, app: dict[str, Any]) -> None:
    durable = _assess(engine, app).model_dump(exclude={"backend"})
    reference = _assess(reference_engine, app).model_dump(exclude={"backend"})
    assert durable == reference


@SETTINGS
@given(app=applications())
def test_durable_rules_agrees_with_the_plain_python_evaluation(
        engine: Engine, reference_engine: Engine, app: dict[str, Any]) -> None:
    # Runs on every Python CI tests (on 3.13+, durable-rules through the shim, D28).
    _backends_agree(engine, reference_engine, app)


@pytest.mark.slow
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=3000)
@given(app=applications())
def test_durable_rules_agrees_with_the_plain_python_evaluation_on_3000_applications(
        engine: Engine, reference_engine: Engine, app: dict[str, Any]) -> None:
    _backends_agree(engine, reference_engine, app)
