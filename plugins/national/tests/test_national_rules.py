"""Every national rule, met and not met (and unknown where a fact can be unstated).

Each case starts from an application that meets every rule at every tier and changes one
thing.  The completeness test fails when a rule or provision of the pack has no case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gradient_rules import Engine, Outcome, Tier, Verdict
from gradient_rules.testing import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    call_rules,
    check_rule_case,
    patched,
)
from gradient_rules_national.examples import ON, leading_application

Case = RuleCase

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
"""The official texts (shared/seeds, beside the repository)."""



def _incident(kind: str, grade: str, when: str) -> dict[str, str]:
    return {"kind": kind, "grade": grade, "occurred_on": when}


MET, NOT, UNK = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
ONLY = {"segment": "operations_management", "tier": "leading"}

CASES = [
    # NAT-BASE-1
    Case("NAT-BASE-1", "basic", MET, "a competitive enterprise above designated size"),
    Case("NAT-BASE-1", "basic", NOT, "an enterprise below designated size",
         {"enterprise__above_designated_size": False}),
    Case("NAT-BASE-1", "advanced", MET, "revenue of exactly 20 million yuan is above size",
         {"enterprise__above_designated_size": DELETE,
          "enterprise__main_business_revenue_cny": 20_000_000}),
    Case("NAT-BASE-1", "advanced", NOT, "revenue one yuan short of 20 million is below size",
         {"enterprise__above_designated_size": DELETE,
          "enterprise__main_business_revenue_cny": 19_999_999}),
    Case("NAT-BASE-1", "excellent", NOT, "products attested not competitive",
         {"attestations__competitive": False}),
    Case("NAT-BASE-1", "excellent", UNK, "competitiveness not attested",
         {"attestations__competitive": DELETE}),
    Case("NAT-BASE-1", "leading", UNK, "neither size flag nor revenue stated",
         {"enterprise__above_designated_size": DELETE}),
    # NAT-BASE-2
    Case("NAT-BASE-2", "basic", MET, "no accidents declared"),
    Case("NAT-BASE-2", "basic", NOT, "a larger safety accident two years ago",
         {"incidents": [_incident("safety", "larger", "2022-12-01")]}),
    Case("NAT-BASE-2", "advanced", NOT, "a major environmental accident last month",
         {"incidents": [_incident("environmental", "major", "2024-10-01")]}),
    Case("NAT-BASE-2", "advanced", MET, "a larger accident exactly three years ago is outside",
         {"incidents": [_incident("safety", "larger", "2021-11-22")]}),
    Case("NAT-BASE-2", "advanced", NOT, "a larger accident three years less a day ago is inside",
         {"incidents": [_incident("safety", "larger", "2021-11-23")]}),
    Case("NAT-BASE-2", "excellent", MET, "a general (一般) safety accident does not count",
         {"incidents": [_incident("safety", "general", "2024-01-05")]}),
    Case("NAT-BASE-2", "excellent", MET, "a quality accident is not named by the national text",
         {"incidents": [_incident("quality", "major", "2024-01-05")]}),
    Case("NAT-BASE-2", "leading", UNK, "accidents not stated", {"incidents": DELETE}),
    Case("NAT-BASE-2", "leading", NOT, "a bad credit record attested",
         {"attestations__no_bad_credit_record": False}),
    # NAT-BASE-3 / 4
    Case("NAT-BASE-3", "basic", MET, "security attested"),
    Case("NAT-BASE-3", "basic", NOT, "security attested false",
         {"attestations__secure_and_controllable": False}),
    Case("NAT-BASE-3", "leading", UNK, "security not attested",
         {"attestations__secure_and_controllable": DELETE}),
    Case("NAT-BASE-4", "basic", MET, "organisation and talent attested"),
    Case("NAT-BASE-4", "advanced", NOT, "organisation attested false",
         {"attestations__organisation_and_talent": False}),
    Case("NAT-BASE-4", "advanced", UNK, "organisation not attested",
         {"attestations__organisation_and_talent": DELETE}),
    # NAT-BASE-5 at each boundary
    Case("NAT-BASE-5", "basic", MET, "maturity 2 reaches basic",
         {"self_assessment__maturity_level": 2}),
    Case("NAT-BASE-5", "basic", NOT, "maturity 1 misses basic",
         {"self_assessment__maturity_level": 1}),
    Case("NAT-BASE-5", "advanced", MET, "maturity 2 reaches advanced",
         {"self_assessment__maturity_level": 2}),
    Case("NAT-BASE-5", "excellent", NOT, "maturity 2 misses excellent",
         {"self_assessment__maturity_level": 2}),
    Case("NAT-BASE-5", "excellent", MET, "maturity 3 reaches excellent",
         {"self_assessment__maturity_level": 3}),
    Case("NAT-BASE-5", "leading", NOT, "maturity 3 misses leading",
         {"self_assessment__maturity_level": 3}),
    Case("NAT-BASE-5", "leading", MET, "maturity 4 reaches leading"),
    Case("NAT-BASE-5", "leading", UNK, "maturity not stated",
         {"self_assessment__maturity_level": DELETE}),
    # coverage
    Case("NAT-COV-B", "basic", MET, "production operations covered"),
    Case("NAT-COV-B", "basic", NOT, "only operations management covered", {"scenarios": [ONLY]}),
    Case("NAT-COV-B", "basic", UNK, "scenarios not stated", {"scenarios": DELETE}),
    Case("NAT-COV-A", "advanced", MET, "PO, PM and OM covered at advanced"),
    Case("NAT-COV-A", "advanced", NOT, "production management missing",
         {"scenarios": [{"segment": "production_operations", "tier": "leading"}, ONLY]}),
    Case("NAT-COV-A", "advanced", NOT, "production management reached only at basic",
         {"scenarios": [{"segment": "production_operations", "tier": "leading"}, ONLY,
                        {"segment": "production_management", "tier": "basic"}]}),
    Case("NAT-COV-E", "excellent", MET, "all five segments covered at excellent"),
    Case("NAT-COV-E", "excellent", NOT, "research and design missing (in principle)",
         {"scenarios": [{"segment": s, "tier": "leading"} for s in (
             "factory_construction", "production_operations", "production_management",
             "operations_management")]}),
    Case("NAT-COV-L", "leading", MET, "all five segments covered at leading"),
    Case("NAT-COV-L", "leading", NOT, "one segment reached only at excellent",
         {"scenarios": [{"segment": s, "tier": "leading" if s != "factory_construction"
                         else "excellent"} for s in (
             "factory_construction", "research_and_design", "production_operations",
             "production_management", "operations_management")]}),
    # outcomes
    Case("NAT-OUT-B", "basic", MET, "KPIs above the province average attested"),
    Case("NAT-OUT-B", "basic", NOT, "KPIs below the province average",
         {"attestations__kpis_above_province_average": False}),
    Case("NAT-OUT-B", "basic", UNK, "province-average KPIs not attested",
         {"attestations__kpis_above_province_average": DELETE}),
    Case("NAT-OUT-A", "advanced", MET, "province-leading KPIs and role attested"),
    Case("NAT-OUT-A", "advanced", NOT, "no leading role in the province",
         {"attestations__leading_role_in_province": False}),
    Case("NAT-OUT-E", "excellent", MET, "national outcomes attested"),
    Case("NAT-OUT-E", "excellent", NOT, "no talent-training system",
         {"attestations__talent_training_system": False}),
    Case("NAT-OUT-E", "excellent", UNK, "national KPIs not attested",
         {"attestations__kpis_leading_nationally": DELETE}),
    Case("NAT-OUT-L", "leading", MET, "global outcomes attested"),
    Case("NAT-OUT-L", "leading", NOT, "solutions not exported",
         {"attestations__solutions_exported_and_standards": False}),
    # KPI reference
    Case("NAT-KPI", "basic", MET, "one KPI of the reference reported"),
    Case("NAT-KPI", "basic", NOT, "an empty KPI table (in principle)", {"kpis": {}}),
    Case("NAT-KPI", "excellent", UNK, "KPIs not stated", {"kpis": DELETE}),
]

NATIONAL_CALL, MUNICIPAL_CALL = "2024-excellent", "2024-excellent-municipal"
CALL_CASES = [
    # the national 2024 excellent-tier call (and, transposed, the municipality's)
    Case("NAT-2024-E-MAT", "excellent", MET, "construction completed at maturity 3",
         {"self_assessment__maturity_level": 3}, call=NATIONAL_CALL),
    Case("NAT-2024-E-MAT", "excellent", NOT, "construction not completed",
         {"construction_completed": False}, call=NATIONAL_CALL),
    Case("NAT-2024-E-MAT", "excellent", UNK, "completion not stated",
         {"construction_completed": DELETE}, call=NATIONAL_CALL),
    Case("NAT-2024-E-MAT", "excellent", NOT, "construction not completed (municipal call)",
         {"construction_completed": False}, call=MUNICIPAL_CALL),
    # the municipality's own dates
    Case("NAT-2024-DATES", "excellent", MET, "filed online on the last day, 2024-11-20",
         {"filing__online_filed_on": "2024-11-20", "filing__paper_submitted_on": "2024-11-22"},
         call=MUNICIPAL_CALL),
    Case("NAT-2024-DATES", "excellent", NOT, "filed online a day late, 2024-11-21",
         {"filing__online_filed_on": "2024-11-21"}, call=MUNICIPAL_CALL),
    Case("NAT-2024-DATES", "excellent", NOT, "paper copies a day late, 2024-11-23",
         {"dated": "2024-11-23", "filing__paper_submitted_on": "2024-11-23"},
         call=MUNICIPAL_CALL),
    Case("NAT-2024-DATES", "excellent", UNK, "filing dates not stated", {"filing": DELETE},
         call=MUNICIPAL_CALL),
]


def _assess(gr_engine: Engine, case: Case) -> Any:
    app = patched(leading_application(), **case.changes)
    return gr_engine.assess(app, jurisdiction="national", tier=case.tier)


@pytest.mark.parametrize("case", CASES + CALL_CASES,
                         ids=lambda c: f"{c.rule}-{c.tier}-{c.why}")
def test_rule_outcome(case: Case, gr_engine: Engine, gr_reference_engine: Engine) -> None:
    check_rule_case(case, (gr_engine, gr_reference_engine), leading_application(), "national")


def test_every_rule_has_a_met_and_a_not_met_case(gr_engine: Engine) -> None:
    pack = gr_engine.pack("national", on=ON)
    assert_cases_cover(pack.rules, CASES)
    assert_cases_cover(call_rules(gr_engine, "national", MUNICIPAL_CALL), CALL_CASES)
    provisions = {p.id for p in pack.provisions}
    assert provisions == set(PROVISION_TESTS), "every provision needs an applied/not-applied test"


def test_the_in_principle_coverage_shortfall_warns_and_never_refuses(gr_engine: Engine) -> None:
    case = next(c for c in CASES if c.rule == "NAT-COV-E" and c.outcome is NOT)
    tier = _assess(gr_engine, case).tier("excellent")
    assert tier.verdict is Verdict.ELIGIBLE
    assert [w.rule_id for w in tier.warnings] == ["NAT-COV-E"]
    assert tier.warnings[0].code == "in_principle_shortfall"
    assert "研发设计" in tier.warnings[0].message_zh


def test_the_leading_coverage_shortfall_refuses(gr_engine: Engine) -> None:
    case = next(c for c in CASES if c.rule == "NAT-COV-L" and c.outcome is NOT)
    tier = _assess(gr_engine, case).tier("leading")
    assert tier.verdict is Verdict.NOT_ELIGIBLE
    assert "factory construction" in tier.finding("NAT-COV-L").message_en


# --- provisions: applied and not applied -------------------------------------------------


def test_seg_map_quality_control_counts_toward_production_operations(gr_engine: Engine) -> None:
    app = patched(leading_application(), scenarios=[{"guide_segment": "质量管控", "tier": "basic"}])
    assert gr_engine.assess(app, jurisdiction="national", tier="basic").tier("basic").finding(
        "NAT-COV-B").outcome is MET


def test_seg_map_multi_segment_innovation_counts_toward_no_segment(gr_engine: Engine) -> None:
    app = patched(leading_application(),
                  scenarios=[{"guide_segment": "多环节模式创新", "tier": "leading"}])
    finding = gr_engine.assess(app, jurisdiction="national", tier="basic").tier("basic").finding(
        "NAT-COV-B")
    assert finding.outcome is NOT
    assert finding.observed == []


def test_plan_tiers_suggests_the_next_tier(gr_engine: Engine) -> None:
    app = patched(leading_application(), self_assessment__maturity_level=2)
    notices = gr_engine.assess(app, jurisdiction="national").warnings
    nxt = [n for n in notices if n.code == "next_tier"]
    assert len(nxt) == 1 and nxt[0].rule_id == "NAT-PLAN-TIERS"
    assert "excellent" in nxt[0].message_en


def test_plan_tiers_suggests_nothing_beyond_leading(gr_engine: Engine) -> None:
    notices = gr_engine.assess(leading_application(), jurisdiction="national").warnings
    assert not [n for n in notices if n.code == "next_tier"]


def test_plan_auth_names_the_recognising_authority_for_each_tier(gr_engine: Engine) -> None:
    result = gr_engine.assess(leading_application(), jurisdiction="national")
    routes = {t.tier: t.route for t in result.tiers}
    assert all(r is not None and r.rule_id == "NAT-PLAN-AUTH" for r in routes.values())
    assert "工业和信息化部" in routes[Tier.EXCELLENT].authority_zh  # type: ignore[union-attr]
    assert "省级" in routes[Tier.ADVANCED].authority_zh  # type: ignore[union-attr]


def test_plan_auth_is_not_given_for_a_tier_not_assessed(gr_engine: Engine) -> None:
    result = gr_engine.assess(leading_application(), jurisdiction="national", tier="basic")
    assert [t.tier for t in result.tiers] == [Tier.BASIC]
    assert result.tier("basic").route is not None
    with pytest.raises(KeyError):
        result.tier("excellent")


PROVISION_TESTS = {
    "NAT-SEG-MAP": (test_seg_map_quality_control_counts_toward_production_operations,
                    test_seg_map_multi_segment_innovation_counts_toward_no_segment),
    "NAT-PLAN-TIERS": (test_plan_tiers_suggests_the_next_tier,
                       test_plan_tiers_suggests_nothing_beyond_leading),
    "NAT-PLAN-AUTH": (test_plan_auth_names_the_recognising_authority_for_each_tier,
                      test_plan_auth_is_not_given_for_a_tier_not_assessed),
}


# --- data ----------------------------------------------------------------------------------


def test_kpi_reference_has_twenty_items_in_the_five_printed_groups(gr_engine: Engine) -> None:
    kpis = gr_engine.pack("national", on=ON).kpis
    assert [k.id for k in kpis] == [f"KPI-{i:02d}" for i in range(1, 21)]
    groups: dict[str, int] = {}
    for kpi in kpis:
        groups[kpi.group_en] = groups.get(kpi.group_en, 0) + 1
    assert groups == {"capability": 4, "value": 2, "efficiency": 9, "sustainability": 4,
                      "diffusion": 1}
    assert {k.id for k in kpis if k.unit == "count"} == {"KPI-04", "KPI-20"}


def test_segment_map_covers_the_fourteen_guide_segments(gr_engine: Engine) -> None:
    pack = gr_engine.pack("national", on=ON)
    assert len(pack.guide_segments) == 14
    assert pack.guide_segments_unmapped == ("多环节模式创新",)
    counts: dict[str, int] = {}
    for segment in pack.guide_segments.values():
        counts[segment.code] = counts.get(segment.code, 0) + 1
    assert counts == {"FC": 2, "RD": 2, "PO": 3, "PM": 5, "OM": 2}


def test_every_citation_quotes_text_found_in_its_seed(gr_engine: Engine) -> None:
    assert_citations_in_seeds(gr_engine.pack("national", on=ON), SEEDS)
    assert_citations_in_seeds(gr_engine.scope("national", call=MUNICIPAL_CALL), SEEDS)
