"""The tiers are a ladder (方案二（一）; decision D30), in every shipped jurisdiction.

For every generated application: when a tier's scenario-count and coverage rules are all
met, so are those of every lower tier.  Conditions only (no call); prerequisite titles are
other rules and play no part.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import gradient_rules_guizhou
import gradient_rules_national
import gradient_rules_shandong
import gradient_rules_shanxi
from gradient_rules import Assessment, Engine, Outcome, Tier

ENGINE = Engine(plugins=[gradient_rules_national, gradient_rules_guizhou,
                         gradient_rules_shandong, gradient_rules_shanxi])
TIERS = ["basic", "advanced", "excellent", "leading"]
SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
            "production_management", "operations_management"]
GUIDE = ["工厂建设", "信息基础设施", "工艺设计", "质量管控", "设备管理", "计划调度", "能碳管理",
         "营销与售后", "供应链管理", "多环节模式创新"]
DATES = {"national": dt.date(2024, 11, 22), "shanxi": dt.date(2024, 11, 22),
         "shandong": dt.date(2025, 3, 1), "guizhou": dt.date(2025, 9, 1)}
SCENARIO_KINDS = {"scenario_count", "segments_covered"}


def _free_claim(index: int, draw: st.DrawFn) -> dict[str, Any]:
    claim: dict[str, Any] = {"name": f"场景{index}", "tier": draw(st.sampled_from(TIERS))}
    if draw(st.booleans()):
        claim["segment"] = draw(st.sampled_from(SEGMENTS))
    else:
        claim["guide_segment"] = draw(st.sampled_from(GUIDE))
    return claim


@st.composite
def applications(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    jurisdiction = draw(st.sampled_from(sorted(DATES)))
    if jurisdiction == "guizhou":
        catalog = ENGINE.catalog("guizhou", on=DATES["guizhou"])
        assert catalog is not None
        # Rows with a "/" cell below a described one are where readings differ: draw some
        # of those first, then any rows.
        gapped = [r for r in catalog.scenarios if r.cells() is not None
                  and min(r.cells() or (), key=lambda t: t.rank) is not Tier.BASIC]
        rows = draw(st.lists(st.sampled_from(gapped), unique_by=lambda r: r.id,
                             min_size=draw(st.sampled_from([0, len(gapped) - 1]))))
        rows += draw(st.lists(st.sampled_from(catalog.scenarios), unique_by=lambda r: r.id,
                              max_size=30))
        rows = list({r.id: r for r in rows}.values())
        scenarios = []
        for row in rows:
            cells = row.cells()
            allowed = [t for t in TIERS if cells is None or Tier(t) in cells]
            scenarios.append({"id": row.id, "tier": draw(st.sampled_from(allowed))})
    else:
        n = draw(st.integers(0, 12))
        scenarios = [_free_claim(i, draw) for i in range(n)]
    return jurisdiction, {"enterprise": {"name": "阶梯企业"}, "scenarios": scenarios}


def _scenario_rules_met(result: Assessment, tier: Tier) -> bool:
    rules = {r.id: r for r in ENGINE.rules(result.jurisdiction, on=result.on)}
    findings = [f for f in result.tier(tier).findings
                if rules[f.rule_id].condition is not None
                and rules[f.rule_id].condition.kind in SCENARIO_KINDS]  # type: ignore[union-attr]
    return all(f.outcome is Outcome.MET for f in findings)


# The case that made the reading change: ten scenarios reached at advanced, seven of them in
# rows whose basic cell is "/".
GUIZHOU_GAPPED = ("guizhou", {"enterprise": {"name": "阶梯企业"}, "scenarios": [
    {"id": f"GZ-{n:02d}", "tier": "advanced"} for n in (3, 5, 7, 8, 9, 10, 12, 18, 19, 30)]})


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@example(case=GUIZHOU_GAPPED)
@given(case=applications())
def test_meeting_a_tiers_count_and_coverage_meets_every_lower_tiers(
        case: tuple[str, dict[str, Any]]) -> None:
    jurisdiction, app = case
    result = ENGINE.assess(app, jurisdiction=jurisdiction, on=DATES[jurisdiction])
    for tier in Tier.ordered():
        if _scenario_rules_met(result, tier):
            for lower in Tier.ordered()[:tier.rank - 1]:
                assert _scenario_rules_met(result, lower), (jurisdiction, tier, lower)


def test_the_property_is_not_vacuous() -> None:
    # Leading's count and coverage met by thirty Guizhou scenarios at leading.
    app = {"enterprise": {"name": "阶梯企业"},
           "scenarios": [{"id": f"GZ-{n:02d}", "tier": "leading"} for n in range(1, 31)]}
    result = ENGINE.assess(app, jurisdiction="guizhou", on=DATES["guizhou"])
    assert all(_scenario_rules_met(result, tier) for tier in Tier.ordered())
    # ...and at basic only, leading's are not met while basic's are.
    app["scenarios"] = [{"id": f"GZ-{n:02d}", "tier": "basic"} for n in (1, 2, 11, 13, 14)]
    result = ENGINE.assess(app, jurisdiction="guizhou", on=DATES["guizhou"])
    assert _scenario_rules_met(result, Tier.BASIC)
    assert not _scenario_rules_met(result, Tier.LEADING)
