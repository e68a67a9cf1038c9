"""Every Guizhou rule met and not met, at its thresholds' boundaries; the catalog as data.

Cases start from an application that meets every Guizhou rule at every tier and change one
thing.  The completeness test fails when a rule or provision of the pack has no case.
"""

from __future__ import annotations

import datetime as dt
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

import gradient_rules_guizhou
import gradient_rules_national
from gradient_rules import (
    ApplicationError,
    Engine,
    JurisdictionSource,
    Outcome,
    Segment,
    Tier,
    Verdict,
    hookimpl,
)
from gradient_rules.testing import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    check_rule_case,
    patched,
)

ON = dt.date(2025, 9, 1)
ATTESTATIONS = ["competitive", "sound_operations_and_finances", "no_bad_credit_record",
                "no_violations", "secure_and_controllable", "organisation_and_talent"]
# Rows whose basic cell is not "/", by segment (catalog rows 1-20, as printed).
BASIC_ROWS = {"FC": [1, 2], "RD": [4, 6], "PO": [11, 13, 14, 15, 16, 17], "PM": [18, 19, 20]}

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
"""The official texts (shared/seeds, beside the repository)."""



def claims(rows: list[int], tier: str) -> list[dict[str, str]]:
    return [{"id": f"GZ-{n:02d}", "tier": tier} for n in rows]


def guizhou_application() -> dict[str, Any]:
    """Meets every Guizhou rule at every tier: 30 leading claims covering all five segments."""
    return {
        "enterprise": {"name": "贵阳智造有限公司", "province": "guizhou",
                       "independent_legal_person": True, "above_designated_size": True},
        "dated": ON.isoformat(),
        "self_assessment": {"maturity_level": 4, "digital_transformation_level": 4},
        "attestations": dict.fromkeys(ATTESTATIONS, True),
        "incidents": [],
        "scenarios": claims(list(range(1, 31)), "leading"),
    }


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    return (Engine(plugins=[gradient_rules_national, gradient_rules_guizhou]),
            Engine(plugins=[gradient_rules_national, gradient_rules_guizhou],
                   backend="reference"))


Case = RuleCase


MET, NOT, UNK = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
BASIC_ANY = [*BASIC_ROWS["PO"], *BASIC_ROWS["FC"], *BASIC_ROWS["RD"], *BASIC_ROWS["PM"]]
ADVANCED_OK = [11, 13, 14, 15, 18, 19, 20, 30, 31, 32]        # PO, PM, OM: ten rows
EXCELLENT_OK = [*range(1, 20), 30]                              # twenty rows, all five segments

CASES = [
    Case("GZ-BASE-1", "basic", MET, "a competitive 规上 legal person registered in Guizhou"),
    Case("GZ-BASE-1", "basic", NOT, "registered in Shandong",
         {"enterprise__province": "shandong"}),
    Case("GZ-BASE-1", "advanced", NOT, "not an independent legal person",
         {"enterprise__independent_legal_person": False}),
    Case("GZ-BASE-1", "excellent", NOT, "below designated size",
         {"enterprise__above_designated_size": False}),
    Case("GZ-BASE-1", "leading", UNK, "province not stated", {"enterprise__province": DELETE}),
    Case("GZ-BASE-1", "leading", UNK, "competitiveness not attested",
         {"attestations__competitive": DELETE}),
    Case("GZ-BASE-2", "basic", MET, "no accidents declared"),
    Case("GZ-BASE-2", "advanced", NOT, "a larger environmental accident last year",
         {"incidents": [{"kind": "environmental", "grade": "larger",
                         "occurred_on": "2024-10-01"}]}),
    Case("GZ-BASE-2", "excellent", UNK, "accidents not stated", {"incidents": DELETE}),
    Case("GZ-BASE-3", "basic", MET, "security attested"),
    Case("GZ-BASE-3", "leading", NOT, "security attested false",
         {"attestations__secure_and_controllable": False}),
    Case("GZ-BASE-4", "basic", MET, "organisation attested"),
    Case("GZ-BASE-4", "advanced", NOT, "organisation attested false",
         {"attestations__organisation_and_talent": False}),
    # GZ-BASE-5 at each boundary of both levels
    Case("GZ-BASE-5", "basic", MET, "L2 and maturity 2 reach basic",
         {"self_assessment": {"digital_transformation_level": 2, "maturity_level": 2}}),
    Case("GZ-BASE-5", "basic", NOT, "L1 misses basic",
         {"self_assessment": {"digital_transformation_level": 1, "maturity_level": 2}}),
    Case("GZ-BASE-5", "advanced", MET, "L2 and maturity 2 reach advanced",
         {"self_assessment": {"digital_transformation_level": 2, "maturity_level": 2}}),
    Case("GZ-BASE-5", "advanced", NOT, "maturity 1 misses advanced",
         {"self_assessment": {"digital_transformation_level": 2, "maturity_level": 1}}),
    Case("GZ-BASE-5", "excellent", MET, "L3 and maturity 3 reach excellent",
         {"self_assessment": {"digital_transformation_level": 3, "maturity_level": 3}}),
    Case("GZ-BASE-5", "excellent", NOT, "L2 misses excellent",
         {"self_assessment": {"digital_transformation_level": 2, "maturity_level": 3}}),
    Case("GZ-BASE-5", "leading", MET, "L4 and maturity 4 reach leading"),
    Case("GZ-BASE-5", "leading", NOT, "L3 misses leading",
         {"self_assessment": {"digital_transformation_level": 3, "maturity_level": 4}}),
    Case("GZ-BASE-5", "leading", UNK, "digital-transformation self-assessment not done",
         {"self_assessment": {"maturity_level": 4}}),
    # scenario counts at their boundaries
    Case("GZ-SCN-B-1", "basic", MET, "5 qualifying scenarios",
         {"scenarios": claims(BASIC_ANY[:5], "basic")}),
    Case("GZ-SCN-B-1", "basic", NOT, "4 qualifying scenarios",
         {"scenarios": claims(BASIC_ANY[:4], "basic")}),
    Case("GZ-SCN-B-1", "basic", UNK, "scenarios not stated", {"scenarios": DELETE}),
    Case("GZ-SCN-B-1", "basic", MET, "a scenario claimed above a basic '/' cell counts at "
         "basic: the tiers are a ladder (D30)",
         {"scenarios": claims(BASIC_ANY[:4], "basic") + claims([3], "advanced")}),
    Case("GZ-SCN-B-2", "basic", MET, "production operations covered"),
    Case("GZ-SCN-B-2", "basic", NOT, "five scenarios, none in production operations",
         {"scenarios": claims([1, 2, 4, 6, 18], "basic")}),
    Case("GZ-SCN-A-1", "advanced", MET, "10 qualifying scenarios",
         {"scenarios": claims(ADVANCED_OK, "advanced")}),
    Case("GZ-SCN-A-1", "advanced", NOT, "9 qualifying scenarios",
         {"scenarios": claims(ADVANCED_OK[:9], "advanced")}),
    Case("GZ-SCN-A-1", "advanced", NOT, "10 claimed, one reached only at basic",
         {"scenarios": claims(ADVANCED_OK[:9], "advanced") + claims([16], "basic")}),
    Case("GZ-SCN-A-2", "advanced", MET, "PO, PM and OM covered",
         {"scenarios": claims(ADVANCED_OK, "advanced")}),
    Case("GZ-SCN-A-2", "advanced", NOT, "operations management missing",
         {"scenarios": claims([11, 13, 14, 15, 16, 17, 18, 19, 20, 21], "advanced")}),
    Case("GZ-SCN-E-1", "excellent", MET, "20 qualifying scenarios",
         {"scenarios": claims(EXCELLENT_OK, "excellent")}),
    Case("GZ-SCN-E-1", "excellent", NOT, "19 qualifying scenarios",
         {"scenarios": claims(EXCELLENT_OK[1:], "excellent")}),
    Case("GZ-SCN-E-2", "excellent", MET, "all five segments covered",
         {"scenarios": claims(EXCELLENT_OK, "excellent")}),
    Case("GZ-SCN-E-2", "excellent", NOT, "operations management missing (in principle)",
         {"scenarios": claims(list(range(1, 21)), "excellent")}),
    Case("GZ-SCN-L-1", "leading", MET, "30 qualifying scenarios"),
    Case("GZ-SCN-L-1", "leading", NOT, "29 qualifying scenarios",
         {"scenarios": claims(list(range(2, 31)), "leading")}),
    Case("GZ-SCN-L-2", "leading", MET, "all five segments covered"),
    Case("GZ-SCN-L-2", "leading", NOT, "operations management missing",
         {"scenarios": claims(list(range(1, 30)), "leading")}, alone=False),
]


def _assess(engine: Engine, case: Case) -> Any:
    app = patched(guizhou_application(), **case.changes)
    return engine.assess(app, jurisdiction="guizhou", on=ON, tier=case.tier)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.tier}-{c.why}")
def test_rule_outcome(case: Case, engines: tuple[Engine, Engine]) -> None:
    check_rule_case(case, engines, guizhou_application(), "guizhou", ON)


def test_every_rule_has_a_met_and_a_not_met_case(engines: tuple[Engine, Engine]) -> None:
    pack = engines[0].pack("guizhou", on=ON)
    assert_cases_cover(pack.rules, CASES)
    assert {p.id for p in pack.provisions} == set(PROVISION_TESTS)
    # Each inventory id is encoded (GZ-SCN-x as GZ-SCN-x-1 and -2, decision D17).
    inventory = ["GZ-BASE-1", "GZ-BASE-2", "GZ-BASE-3", "GZ-BASE-4", "GZ-BASE-5", "GZ-SCN-B",
                 "GZ-SCN-A", "GZ-SCN-E", "GZ-SCN-L", "GZ-CATALOG", "GZ-AUTH"]
    ids = pack.rule_ids()
    for item in inventory:
        assert item in ids or {f"{item}-1", f"{item}-2"} <= set(ids), item


def test_the_in_principle_coverage_shortfall_is_eligible_with_a_warning(
        engines: tuple[Engine, Engine]) -> None:
    case = next(c for c in CASES if c.rule == "GZ-SCN-E-2" and c.outcome is NOT)
    tier = _assess(engines[0], case).tier("excellent")
    assert tier.verdict is Verdict.ELIGIBLE
    assert [w.rule_id for w in tier.warnings] == ["GZ-SCN-E-2"]


def test_relations_to_national_rules_are_declared_and_adopted_conditions_copied(
        engines: tuple[Engine, Engine]) -> None:
    national = {r.id: r for r in engines[0].rules("national")}
    for rule in engines[0].rules("guizhou", on=ON):
        assert rule.relation is not None, rule.id
        if rule.relation.value == "adopts":
            base = national[rule.relates_to[0]]
            assert (rule.condition, rule.tiers, rule.strength) == (
                base.condition, base.tiers, base.strength)


# --- counting: D16 ------------------------------------------------------------------------


def test_a_scenario_counts_at_its_tier_and_every_lower_one(
        engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(), scenarios=claims([3], "excellent") +
                  claims([11], "advanced"))
    for engine in engines:
        result = engine.assess(app, jurisdiction="guizhou", on=ON)
        counts = {t.tier: t.finding(f"GZ-SCN-{t.tier.value[0].upper()}-1").observed
                  for t in result.tiers}
        # GZ-03 has no basic cell ("/"); reaching excellent, it counts at basic too (D30).
        assert counts == {Tier.BASIC: 2, Tier.ADVANCED: 2, Tier.EXCELLENT: 1, Tier.LEADING: 0}


# Ten scenarios reached at advanced, seven of them in rows whose basic cell is "/" (four of
# those in production operations), and three with a basic cell (two PM, one OM).
LADDER_ROWS = claims([3, 5, 7, 8, 9, 10, 12, 18, 19, 30], "advanced")


def test_the_ladder_makes_a_factory_eligible_for_advanced_eligible_for_basic_too(
        engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(), scenarios=LADDER_ROWS)
    for engine in engines:
        result = engine.assess(app, jurisdiction="guizhou", on=ON)
        assert result.tier("advanced").verdict is Verdict.ELIGIBLE
        assert result.tier("basic").verdict is Verdict.ELIGIBLE
        basic = result.tier("basic")
        assert basic.finding("GZ-SCN-B-1").observed == 10
        coverage = basic.finding("GZ-SCN-B-2")
        assert coverage.outcome is MET and "生产作业" in coverage.message_zh


class CopiedPlugin:
    """The Guizhou data copied to a folder, as a province team edits it."""

    __name__ = "guizhou_copy"

    def __init__(self, data: Path) -> None:
        self.data = data

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[JurisdictionSource]:
        return [JurisdictionSource("guizhou", self.data)]


def test_the_counting_policy_is_switched_in_data_without_code(tmp_path: Path,
                                                              ) -> None:
    data = tmp_path / "data"
    shutil.copytree(str(files("gradient_rules_guizhou") / "data"), data)
    catalog = data / "2025" / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    assert 'counting = "ladder"' in text
    catalog.write_text(text.replace('counting = "ladder"', 'counting = "described_only"'),
                       encoding="utf-8")
    engine = Engine(plugins=[gradient_rules_national, CopiedPlugin(data)])
    app = patched(guizhou_application(), scenarios=claims([3], "excellent"))
    result = engine.assess(app, jurisdiction="guizhou", on=ON, tier="basic")
    assert result.tier("basic").finding("GZ-SCN-B-1").observed == 0
    # D16's reading, switched back on: the issue's example is then eligible for advanced but
    # not for basic, and told it lacks production operations despite four such scenarios.
    result = engine.assess(patched(guizhou_application(), scenarios=LADDER_ROWS),
                           jurisdiction="guizhou", on=ON)
    assert result.tier("advanced").verdict is Verdict.ELIGIBLE
    assert result.tier("basic").verdict is Verdict.NOT_ELIGIBLE
    assert result.tier("basic").finding("GZ-SCN-B-2").outcome is NOT


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, field, fragment", [
    ({"scenarios": claims([41], "basic")}, "scenarios[0].id",
     "unknown scenario 'GZ-41' in the 'guizhou' catalog; ids run GZ-01..GZ-40"),
    ({"scenarios": claims([5], "basic")}, "scenarios[0].tier",
     "scenario GZ-05 (产品虚拟验证) has no basic (基础级) description"),
    ({"scenarios": [{"segment": "production_operations", "tier": "basic"}]},
     "scenarios[0].id", "'guizhou' has a scenario catalog; give the scenario id"),
    ({"scenarios": claims([5, 5], "advanced")}, "scenarios",
     "scenarios[1] duplicates scenarios[0] ('GZ-05')"),
    ({"self_assessment__digital_transformation_level": 6},
     "self_assessment.digital_transformation_level", "less than or equal to 5"),
    ({"self_assessment__maturity_level": 0}, "self_assessment.maturity_level",
     "greater than or equal to 1"),
])
def test_bad_guizhou_input_names_the_field(engines: tuple[Engine, Engine],
                                           changes: dict[str, Any], field: str,
                                           fragment: str) -> None:
    with pytest.raises(ApplicationError) as info:
        engines[0].assess(patched(guizhou_application(), **changes), jurisdiction="guizhou",
                          on=ON)
    (problem,) = info.value.problems
    assert problem[0] == field and fragment in problem[1]


def test_a_date_before_the_draft_is_outside_its_validity(engines: tuple[Engine, Engine]) -> None:
    with pytest.raises(ApplicationError, match="outside the validity of every 'guizhou'"):
        engines[0].assess(guizhou_application(), jurisdiction="guizhou",
                          on=dt.date(2025, 1, 1))


# --- warnings and the gap report ------------------------------------------------------------


def test_every_assessment_says_the_rules_are_a_draft_and_the_table_incomplete(
        engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(), scenarios=claims(BASIC_ANY[:5], "basic"))
    codes = [w.code for w in engines[0].assess(app, jurisdiction="guizhou", on=ON).warnings]
    assert codes[:2] == ["draft_document", "incomplete_catalog"]
    assert "inferred_data" not in codes


def test_relying_on_an_inferred_row_is_flagged(engines: tuple[Engine, Engine]) -> None:
    codes = [w.code for w in engines[0].assess(guizhou_application(), jurisdiction="guizhou",
                                               on=ON).warnings]
    assert "inferred_data" in codes


def test_the_gap_report_says_how_many_scenarios_which_segments_and_which_levels(
        engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(),
                  self_assessment={"digital_transformation_level": 2, "maturity_level": 2},
                  scenarios=claims([11, 13, 14, 15, 16, 17, 18, 19, 20, 21], "advanced")
                  + claims([30], "basic"))
    tier = engines[0].assess(app, jurisdiction="guizhou", on=ON, tier="excellent").tier(
        "excellent")
    actions = {g.rule_id: g.action_zh for g in tier.gaps}
    assert actions["GZ-SCN-E-1"] == ("再增加20个达到卓越级描述的场景"
                                     "（另有11个已申报场景未计入本级，可优先提升）")
    assert actions["GZ-BASE-5"] == ("将数字化转型水平从L2提升到L3；"
                                    "将智能制造能力成熟度从二级提升到三级")
    warning = tier.warnings[0]
    # Nothing is claimed at excellent, so all five segments are missing there.
    assert warning.rule_id == "GZ-SCN-E-2"
    assert "尚缺：工厂建设、研发设计、生产作业、生产管理、运营管理" in warning.message_zh
    advanced = engines[0].assess(app, jurisdiction="guizhou", on=ON, tier="advanced").tier(
        "advanced")
    assert {g.rule_id: g.action_en for g in advanced.gaps} == {
        "GZ-SCN-A-2": "add at least one scenario reaching the advanced description in: "
                      "operations management"}


# --- the catalog as data --------------------------------------------------------------------


def test_the_catalog_has_forty_rows_in_five_segments(engines: tuple[Engine, Engine]) -> None:
    catalog = engines[0].catalog("guizhou", on=ON)
    assert catalog is not None and not catalog.complete
    assert [s.id for s in catalog.scenarios] == [f"GZ-{n:02d}" for n in range(1, 41)]
    sizes: dict[Segment, int] = {}
    for row in catalog.scenarios:
        sizes[row.segment] = sizes.get(row.segment, 0) + 1
    assert [sizes[s] for s in Segment.ordered()] == [3, 4, 10, 12, 11]


def test_slash_cells_are_absent_and_row_20s_leading_cell_is_cut_off(
        engines: tuple[Engine, Engine]) -> None:
    catalog = engines[0].catalog("guizhou", on=ON)
    assert catalog is not None
    rows = catalog.by_id()
    no_basic = sorted(r.number for r in catalog.scenarios if r.source == "seed"
                      and Tier.BASIC not in r.descriptions)
    assert no_basic == [3, 5, 7, 8, 9, 10, 12]
    assert rows["GZ-20"].cut_off == (Tier.LEADING,)
    assert Tier.LEADING not in rows["GZ-20"].descriptions
    assert rows["GZ-20"].cells() == frozenset(Tier)
    for row in catalog.scenarios[20:]:
        assert row.source == "inferred" and row.descriptions == {} and row.cells() is None


def test_every_description_is_copied_verbatim_from_the_seed(
        engines: tuple[Engine, Engine]) -> None:
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds is not beside the repository")
    seed = (SEEDS / "000_267e835f98146f9b.txt").read_text(encoding="utf-8")
    catalog = engines[0].catalog("guizhou", on=ON)
    assert catalog is not None
    described = [(row, text) for row in catalog.scenarios for text in row.descriptions.values()]
    assert len(described) == 20 * 4 - 7 - 1
    for row, text in described:
        assert f"\t{text}\n" in seed, (row.id, text)
        assert f"\t{row.name_zh}\n" in seed


def test_every_citation_quotes_text_found_in_its_seed(engines: tuple[Engine, Engine]) -> None:
    assert_citations_in_seeds(engines[0].pack("guizhou", on=ON), SEEDS)


# --- provisions -----------------------------------------------------------------------------


def test_catalog_claims_are_read_against_the_guizhou_table(
        engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(), scenarios=claims([15], "basic"))
    finding = engines[0].assess(app, jurisdiction="guizhou", on=ON, tier="basic").tier(
        "basic").finding("GZ-SCN-B-2")
    assert finding.outcome is MET and finding.observed == ["production_operations"]


def test_catalog_claims_without_an_id_are_not_accepted(engines: tuple[Engine, Engine]) -> None:
    app = patched(guizhou_application(), scenarios=[{"segment": "production_operations",
                                                     "tier": "basic"}])
    with pytest.raises(ApplicationError, match="give the scenario id"):
        engines[0].assess(app, jurisdiction="guizhou", on=ON)


def test_auth_routes_advanced_to_the_province(engines: tuple[Engine, Engine]) -> None:
    result = engines[0].assess(guizhou_application(), jurisdiction="guizhou", on=ON)
    route = result.tier("advanced").route
    assert route is not None and route.rule_id == "GZ-AUTH" and "省工业和信息化厅" in (
        route.authority_zh)
    excellent = result.tier("excellent").route
    assert excellent is not None and "初审推荐" in excellent.authority_zh


def test_auth_names_no_recognising_body_for_basic(engines: tuple[Engine, Engine]) -> None:
    route = engines[0].assess(guizhou_application(), jurisdiction="guizhou", on=ON).tier(
        "basic").route
    assert route is not None and "未规定基础级的认定主体" in route.authority_zh


PROVISION_TESTS = {
    "GZ-CATALOG": (test_catalog_claims_are_read_against_the_guizhou_table,
                   test_catalog_claims_without_an_id_are_not_accepted),
    "GZ-AUTH": (test_auth_routes_advanced_to_the_province,
                test_auth_names_no_recognising_body_for_basic),
}
