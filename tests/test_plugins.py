"""The registry and the data files: what a province team meets when writing a plugin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pytest
from grplugin import ON, RULES, Plugin, make_jurisdiction, prov_app
from grtest import leading_application

from gradient_rules import (
    ApplicationError,
    Check,
    Condition,
    DataFileError,
    Engine,
    EvaluationContext,
    Explanation,
    JurisdictionSource,
    Outcome,
    OutOfValidityError,
    PluginError,
    Tier,
    UnknownJurisdictionError,
    Verdict,
    hookimpl,
)


def test_a_province_plugin_loads_and_assesses(tmp_path: Path, national: Any) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path))])
    assert [j.code for j in engine.jurisdictions()] == ["national", "testprov"]
    app = prov_app(self_assessment__maturity_level=2)
    result = engine.assess(app, jurisdiction="testprov", on=ON, tier="basic")
    finding = result.tier("basic").finding("TP-BASE-1")
    assert finding.outcome is Outcome.NOT_MET
    assert finding.relation is not None and finding.relation.value == "tightens"
    assert finding.relates_to == ("NAT-BASE-5",)
    assert [w.code for w in result.warnings] == ["draft_document"]


def test_an_adopted_rule_takes_the_base_rules_condition_and_tiers(tmp_path: Path,
                                                                  national: Any) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path))])
    rule = {r.id: r for r in engine.rules("testprov")}["TP-BASE-2"]
    national_rule = {r.id: r for r in engine.rules("national")}["NAT-BASE-3"]
    assert rule.condition == national_rule.condition
    assert rule.tiers == tuple(Tier.ordered())
    app = prov_app(attestations__secure_and_controllable=False)
    verdict = engine.assess(app, jurisdiction="testprov", on=ON, tier="leading")
    assert verdict.tier("leading").finding("TP-BASE-2").outcome is Outcome.NOT_MET


def test_a_date_outside_the_packs_validity_is_a_clear_error(tmp_path: Path,
                                                            national: Any) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path))])
    with pytest.raises(OutOfValidityError, match=r"2028-01-01 is outside .* 2025-01-01 to "
                                                 r"2027-12-31"):
        engine.assess(prov_app(), jurisdiction="testprov", on=dt.date(2028, 1, 1))
    engine.assess(prov_app(), jurisdiction="testprov", on=dt.date(2027, 12, 31))


# --- data-file errors name the plugin, the file and the key -------------------------------


@pytest.mark.parametrize("rules, file, key, message", [
    (RULES.replace('title_zh = "成熟度"', 'title_zh = "成熟度"\ncolour = "red"'),
     "rules.toml", "rules[0].colour", "unknown key"),
    (RULES.replace('kind = "min_level"', 'kind = "min_levl"'),
     "rules.toml", "rules[0].condition", "unknown condition kind 'min_levl'; known kinds: "),
    (RULES.replace("minimum = 3", "minimum = { basic = 3 }"),
     "rules.toml", "rules[0]", "minimum has no value for tier(s) advanced"),
    (RULES.replace('document = "measures", clause = "第五条"', 'document = "nope", clause = "x"'),
     "rules.toml", "rules[0]", "TP-BASE-1 cites unknown document 'nope'"),
    (RULES.replace('relation = "tightens"\n', ""),
     "rules.toml", "rules[0]", "must declare `relation`"),
    (RULES.replace('tiers = ["basic", "advanced"]', 'tiers = ["basic", "platinum"]'),
     "rules.toml", "rules[0].tiers[1]", "Input should be"),
    (RULES + '\n[[rules]]\nid = "TP-X"\ntitle_en = "x"\ntitle_zh = "x"\ntiers = ["basic"]\n'
     'relation = "adds"\ncitation = { document = "measures", clause = "x", text_zh = "x" }\n'
     'condition = { kind = "attestation", names = ["undeclared"] }\n',
     "rules.toml", "rules[2]", "reads attestation 'undeclared', which is not declared"),
])
def test_bad_rules_data_names_the_file_and_key(tmp_path: Path, national: Any, rules: str,
                                               file: str, key: str, message: str) -> None:
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))
    with pytest.raises(DataFileError) as info:
        Engine(plugins=[national, plugin])
    error = info.value
    assert error.plugin == "plugin_testprov"
    assert error.file == f"testprov/2025/{file}"
    assert error.key == key
    assert message in str(error)


def test_malformed_toml_names_the_file(tmp_path: Path, national: Any) -> None:
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules="[[rules]\nid = "))
    with pytest.raises(DataFileError, match=r"testprov/2025/rules.toml: not valid TOML"):
        Engine(plugins=[national, plugin])


def test_a_relation_to_an_unknown_national_rule_is_refused(tmp_path: Path,
                                                           national: Any) -> None:
    rules = RULES.replace('relates_to = ["NAT-BASE-5"]', 'relates_to = ["NAT-BASE-9"]')
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))
    with pytest.raises(PluginError, match="TP-BASE-1 relates to NAT-BASE-9, not a rule of "
                                          "'national'"):
        Engine(plugins=[national, plugin])


def test_a_missing_base_jurisdiction_is_reported(tmp_path: Path) -> None:
    plugin = Plugin("testprov", make_jurisdiction(tmp_path))
    with pytest.raises(PluginError, match="has base 'national', which no plugin provides"):
        Engine(plugins=[plugin])


# --- clashes and broken plugins -----------------------------------------------------------


def test_two_plugins_providing_one_jurisdiction_are_both_named(tmp_path: Path,
                                                               national: Any) -> None:
    one = Plugin("testprov", make_jurisdiction(tmp_path / "a"))
    two = Plugin("testprov", make_jurisdiction(tmp_path / "b"))
    two.__name__ = "plugin_other"
    with pytest.raises(PluginError, match="'testprov' is provided by both 'plugin_testprov' "
                                          "and 'plugin_other'"):
        Engine(plugins=[national, one, two])


def test_a_rule_id_used_by_two_jurisdictions_names_both(tmp_path: Path, national: Any) -> None:
    rules = RULES.replace('id = "TP-BASE-1"', 'id = "NAT-BASE-5"')
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))
    with pytest.raises(PluginError, match="'NAT-BASE-5' is used by both 'national' "
                                          r"\(gradient_rules_national\) and 'testprov' "
                                          r"\(plugin_testprov\)"):
        Engine(plugins=[national, plugin])


class Broken:
    __name__ = "broken_plugin"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[JurisdictionSource]:
        raise RuntimeError("cannot find my data")


def test_a_broken_plugin_is_reported_without_hiding_the_others(national: Any) -> None:
    engine = Engine(plugins=[national, Broken()], strict=False)
    assert [j.code for j in engine.jurisdictions()] == ["national"]
    (problem,) = engine.problems
    assert "broken_plugin" in str(problem) and "cannot find my data" in str(problem)
    engine.assess(leading_application(), jurisdiction="national")
    with pytest.raises(PluginError):
        Engine(plugins=[national, Broken()])


def test_a_broken_jurisdiction_raises_its_own_error_when_asked_for(tmp_path: Path,
                                                                   national: Any) -> None:
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules="not toml ["))
    engine = Engine(plugins=[national, plugin], strict=False)
    with pytest.raises(DataFileError, match="not valid TOML"):
        engine.assess(prov_app(), jurisdiction="testprov", on=ON)


class WrongType:
    __name__ = "wrong_type"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[str]:
        return ["testprov"]


def test_a_hook_returning_the_wrong_type_is_reported(national: Any) -> None:
    with pytest.raises(PluginError, match="must yield JurisdictionSource, got str"):
        Engine(plugins=[national, WrongType()])


class Misspelled:
    __name__ = "misspelled"

    @hookimpl
    def gradient_rules_jurisdiction(self) -> list[JurisdictionSource]:
        return []


def test_a_misspelled_hook_is_an_error_not_silence(national: Any) -> None:
    with pytest.raises(PluginError, match="gradient_rules_jurisdiction"):
        Engine(plugins=[national, Misspelled()])


def test_an_unknown_jurisdiction_lists_the_installed_ones(engine: Engine) -> None:
    with pytest.raises(UnknownJurisdictionError, match="unknown jurisdiction 'guizou'; "
                                                       "installed jurisdictions: 'national'"):
        engine.assess(leading_application(), jurisdiction="guizou")


def test_installed_plugins_are_found_through_entry_points() -> None:
    engine = Engine.from_installed()
    assert "national" in [j.code for j in engine.jurisdictions()]
    assert engine.plugin_of("national") == "national"
    assert engine.problems == ()


# --- condition kinds added by a plugin ----------------------------------------------------


class RevenueAtLeast(Condition):
    """A plugin's own kind: revenue at or above a per-plugin threshold."""

    kind: Literal["revenue_at_least"] = "revenue_at_least"
    yuan: int

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        revenue = ctx.case.get("revenue")
        if revenue is None:
            return Outcome.UNKNOWN
        return Outcome.MET if revenue >= self.yuan else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        return [Check(Outcome.NOT_MET, (("case", {"$and": [{"kind": "case"},
                                                            {"$lt": {"revenue": self.yuan}}]}),)),
                Check(Outcome.UNKNOWN, (("case", {"$and": [{"kind": "case"},
                                                            {"$nex": {"revenue": 1}}]}),))]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        return Explanation(ctx.case.get("revenue"), self.yuan, "营收", "revenue")


class KindPlugin:
    __name__ = "kind_plugin"

    @hookimpl
    def gradient_rules_condition_kinds(self) -> list[type[Condition]]:
        return [RevenueAtLeast]


KIND_RULES = RULES + """
[[rules]]
id = "TP-REV"
title_en = "Revenue"
title_zh = "营收"
tiers = ["basic"]
relation = "adds"
citation = { document = "measures", clause = "第七条", text_zh = "营收" }
condition = { kind = "revenue_at_least", yuan = 50_000_000 }
"""


@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_a_plugin_adds_a_condition_kind_that_both_backends_evaluate(
        tmp_path: Path, national: Any, backend: Any) -> None:
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules=KIND_RULES))
    engine = Engine(plugins=[national, KindPlugin(), plugin], backend=backend)
    outcomes = {}
    for revenue in (49_999_999, 50_000_000, None):
        app = prov_app(enterprise__main_business_revenue_cny=revenue)
        result = engine.assess(app, jurisdiction="testprov", on=ON, tier="basic")
        outcomes[revenue] = result.tier("basic").finding("TP-REV").outcome
    assert outcomes == {49_999_999: Outcome.NOT_MET, 50_000_000: Outcome.MET,
                        None: Outcome.UNKNOWN}


def test_a_condition_kind_name_taken_twice_names_both_owners(national: Any) -> None:
    class Clash(RevenueAtLeast):
        kind: Literal["min_level"] = "min_level"  # type: ignore[assignment]

    class ClashPlugin:
        __name__ = "clash_plugin"

        @hookimpl
        def gradient_rules_condition_kinds(self) -> list[type[Condition]]:
            return [Clash]

    with pytest.raises(PluginError, match="'min_level' is defined by both 'gradient_rules' "
                                          "and 'clash_plugin'"):
        Engine(plugins=[national, ClashPlugin()])


# --- scenario catalogs: claims checked against the table ----------------------------------

CATALOG = """
title_zh = "测试场景评价参考"
complete = false
counting_rule = "TP-SCN"
[[scenarios]]
id = "TP-01"
number = 1
segment = "factory_construction"
name_zh = "数字孪生工厂构建"
descriptions = { advanced = "局部孪生", excellent = "多级孪生", leading = "企业级孪生" }
[[scenarios]]
id = "TP-02"
number = 2
segment = "production_operations"
name_zh = "设备运行监控"
descriptions = { basic = "视频监控", advanced = "状态分析", excellent = "效率分析" }
cut_off = ["leading"]
[[scenarios]]
id = "TP-03"
number = 3
segment = "operations_management"
name_zh = "推断场景"
source = "inferred"
"""

COUNT_RULES = RULES + """
[[rules]]
id = "TP-SCN"
title_en = "Scenarios"
title_zh = "场景"
tiers = ["basic", "advanced"]
relation = "adds"
citation = { document = "measures", clause = "第八条", text_zh = "场景" }
condition = { kind = "scenario_count", minimum = { basic = 2, advanced = 2 } }
"""


@pytest.fixture
def catalog_engine(tmp_path: Path, national: Any) -> Engine:
    data = make_jurisdiction(tmp_path, rules=COUNT_RULES, extra_files={"catalog.toml": CATALOG})
    return Engine(plugins=[national, Plugin("testprov", data)])


@pytest.mark.parametrize("scenarios, field, message", [
    ([{"id": "TP-99", "tier": "basic"}], "scenarios[0].id",
     "unknown scenario 'TP-99' in the 'testprov' catalog; ids run TP-01..TP-03"),
    ([{"id": "TP-01", "tier": "basic"}], "scenarios[0].tier",
     "scenario TP-01 (数字孪生工厂构建) has no basic (基础级) description"),
    ([{"segment": "factory_construction", "tier": "basic"}], "scenarios[0].id",
     "'testprov' has a scenario catalog; give the scenario id"),
    ([{"id": "TP-02", "segment": "factory_construction", "tier": "basic"}],
     "scenarios[0].segment", "is in 'production_operations', not 'factory_construction'"),
])
def test_bad_claims_against_a_catalog_name_the_field(catalog_engine: Engine,
                                                     scenarios: list[dict[str, Any]],
                                                     field: str, message: str) -> None:
    app = prov_app(scenarios=scenarios)
    with pytest.raises(ApplicationError) as info:
        catalog_engine.assess(app, jurisdiction="testprov", on=ON)
    (problem,) = info.value.problems
    assert problem[0] == field and message in problem[1]


def test_a_duplicated_scenario_is_refused_naming_both_entries(catalog_engine: Engine) -> None:
    app = prov_app(scenarios=[{"id": "TP-02", "tier": "basic"},
                              {"id": "TP-02", "tier": "advanced"}])
    with pytest.raises(ApplicationError, match=r"scenarios\[1\] duplicates scenarios\[0\] "
                                               r"\('TP-02'\)"):
        catalog_engine.assess(app, jurisdiction="testprov", on=ON)


LADDER_CASE = [{"id": "TP-01", "tier": "excellent"}, {"id": "TP-02", "tier": "advanced"}]


@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_by_default_a_claim_counts_at_its_tier_and_every_lower_one_slash_cells_included(
        tmp_path: Path, national: Any, backend: Any) -> None:
    data = make_jurisdiction(tmp_path, rules=COUNT_RULES, extra_files={"catalog.toml": CATALOG})
    engine = Engine(plugins=[national, Plugin("testprov", data)], backend=backend)
    # TP-01 reached at excellent has no basic cell ("/"); on the ladder it counts at basic too.
    result = engine.assess(prov_app(scenarios=LADDER_CASE), jurisdiction="testprov", on=ON)
    assert result.tier("basic").finding("TP-SCN").observed == 2
    assert result.tier("advanced").finding("TP-SCN").observed == 2
    assert result.tier("basic").verdict is Verdict.ELIGIBLE


@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_with_described_only_a_claim_counts_only_where_the_table_has_a_cell(
        tmp_path: Path, national: Any, backend: Any) -> None:
    catalog = CATALOG.replace('complete = false', 'complete = false\ncounting = "described_only"')
    data = make_jurisdiction(tmp_path, rules=COUNT_RULES, extra_files={"catalog.toml": catalog})
    engine = Engine(plugins=[national, Plugin("testprov", data)], backend=backend)
    result = engine.assess(prov_app(scenarios=LADDER_CASE), jurisdiction="testprov", on=ON)
    assert result.tier("basic").finding("TP-SCN").observed == 1
    assert result.tier("advanced").finding("TP-SCN").observed == 2
    assert result.tier("basic").verdict is Verdict.NOT_ELIGIBLE


def test_a_claim_at_a_cut_off_cell_carries_its_own_warning(catalog_engine: Engine) -> None:
    app = prov_app(scenarios=[{"id": "TP-02", "tier": "leading"}])
    result = catalog_engine.assess(app, jurisdiction="testprov", on=ON)
    (notice,) = [w for w in result.warnings if w.code == "cut_off_cell"]
    assert "scenario TP-02 (设备运行监控) is claimed at leading" in notice.message_en
    app = prov_app(scenarios=[{"id": "TP-02", "tier": "excellent"}])
    codes = [w.code for w in catalog_engine.assess(app, jurisdiction="testprov", on=ON).warnings]
    assert "cut_off_cell" not in codes


def test_claims_on_inferred_rows_and_incomplete_catalogs_are_flagged(
        catalog_engine: Engine) -> None:
    app = prov_app(scenarios=[{"id": "TP-03", "tier": "leading"}])
    codes = [w.code for w in catalog_engine.assess(app, jurisdiction="testprov", on=ON).warnings]
    assert "incomplete_catalog" in codes and "inferred_data" in codes
    app = prov_app(scenarios=[{"id": "TP-02", "tier": "basic"}])
    codes = [w.code for w in catalog_engine.assess(app, jurisdiction="testprov", on=ON).warnings]
    assert "inferred_data" not in codes


def test_attestations_foreign_to_the_jurisdiction_are_refused_by_name(
        tmp_path: Path, national: Any) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path))])
    app = prov_app(attestations__competitve=True)
    with pytest.raises(ApplicationError) as info:
        engine.assess(app, jurisdiction="testprov", on=ON)
    assert info.value.problems == (("attestations.competitve", "not an attestation of "
                                    "'testprov' or of any installed call; known here: "
                                    "competitive, secure_and_controllable"),)


def test_a_tightening_that_loosens_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    # Declared relations are checked when the registry is built ([relation], issue 11).
    rules = RULES.replace("minimum = 3", "minimum = 1")
    with pytest.raises(PluginError) as caught:
        Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))])
    message = str(caught.value)
    assert "[relation] TP-BASE-1 declares tightens NAT-BASE-5" in message
    assert "looser: maturity_level at basic: 1 instead of 2" in message
    assert "looser: maturity_level at advanced: 1 instead of 2" in message
    assert "TP-BASE-2" not in message  # the faithful adoption is not blamed


def test_declared_relations_are_compared_part_by_part(tmp_path: Path, national: Any) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path))])
    checks = {c.rule_id: c for c in engine.consistency("testprov")}
    assert checks["TP-BASE-1"].consistent
    assert [(d.direction, d.message) for d in checks["TP-BASE-1"].differences] == [
        ("stricter", "maturity_level at basic: 3 instead of 2"),
        ("stricter", "maturity_level at advanced: 3 instead of 2")]
    assert checks["TP-BASE-2"].consistent and checks["TP-BASE-2"].differences == ()


def test_an_adopting_rule_with_another_strength_is_refused(tmp_path: Path,
                                                           national: Any) -> None:
    rules = RULES.replace('relates_to = ["NAT-BASE-3"]',
                          'relates_to = ["NAT-BASE-3"]\nstrength = "in_principle"')
    with pytest.raises(PluginError, match="TP-BASE-2 adopts NAT-BASE-3 but declares strength "
                                          "'in_principle'"):
        Engine(plugins=[national, Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))])


LIAONING_CALL = """
title_zh = "测试省2024年度卓越级申报通知"
title_en = "Test province 2024 excellent-tier call"
issuer_zh = "测试省工业和信息化厅"
issuer_en = "Test province department"
level = "province"
year = 2025
tiers = ["excellent"]
issued = 2025-01-01
conditions = "2025"
[[documents]]
id = "call"
title_zh = "通知"
title_en = "Notice"
status = "in_force"
[[provisions]]
id = "TP-QUOTA"
title_en = "Quota"
title_zh = "名额"
applies_as = "batch"
citation = { document = "call", clause = "二", text_zh = "沈阳市不超过15个，其他市不超过2个" }
[batch]
tier = "excellent"
quota = 2
quota_by_recommender = { "沈阳市工业和信息化局" = 15 }
quota_rule = "TP-QUOTA"
"""


@pytest.mark.parametrize("recommender, refused", [("沈阳市工业和信息化局", []),
                                                  ("鞍山市工业和信息化局", [3, 4])])
def test_a_quota_that_varies_by_recommender_is_data(tmp_path: Path, national: Any,
                                                    recommender: str,
                                                    refused: list[int]) -> None:
    engine = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(
        tmp_path, calls={"2025-excellent": LIAONING_CALL}))])
    entries = [{"rank": n, "application": prov_app(enterprise__name=f"企业{n}")}
               for n in range(1, 5)]
    result = engine.assess_batch({"recommender": recommender, "entries": entries},
                                 jurisdiction="testprov", on=ON)
    assert [r.rank for r in result.rows if r.refusals] == refused
    assert result.quota == (15 if not refused else 2)
