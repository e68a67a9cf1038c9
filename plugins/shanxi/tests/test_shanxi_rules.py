"""Shanxi's 2024 excellent-tier call: every rule, the batch rules, the summary form.

The call applies the national 2024 conditions (Shanxi has none of its own) and transposes
the national call; its own rules are the SX-* ones (decision D29).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradient_rules_national
import gradient_rules_shanxi
from gradient_rules import ApplicationError, BatchAssessment, Engine, Outcome, Verdict
from gradient_rules._form import write_form
from gradient_rules.testing import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    check_rule_case,
    patched,
)

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml"
ON = dt.date(2024, 11, 21)
CALL = "2024-excellent"
DURABLE = Engine(plugins=[gradient_rules_national, gradient_rules_shanxi])
REFERENCE = Engine(plugins=[gradient_rules_national, gradient_rules_shanxi], backend="reference")

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
"""The official texts (shared/seeds, beside the repository)."""



def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def good_application() -> dict[str, Any]:
    """Rank 1 of the example: meets every Shanxi rule."""
    app: dict[str, Any] = copy.deepcopy(example()["entries"][0]["application"])
    return app


def assess(app: dict[str, Any], engine: Engine = DURABLE) -> Any:
    return engine.assess(app, jurisdiction="shanxi", on=ON, call=CALL).tier("excellent")


MET, NOT, UNK = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
_CASES: list[tuple[str, Outcome, str, dict[str, Any]]] = [
    ("SX-E-1", MET, "registered in Shanxi, a legal person", {}),
    ("SX-E-1", NOT, "registered in Hebei", {"enterprise__province": "hebei"}),
    ("SX-E-1", MET, "registered in 山西 (short name)", {"enterprise__province": "山西"}),
    ("SX-E-1", MET, "registered in SHANXI (English, upper case)",
     {"enterprise__province": "SHANXI"}),
    ("SX-E-1", NOT, "registered in Shaanxi (陕西, not 山西)", {"enterprise__province": "Shaanxi"}),
    ("SX-E-1", NOT, "not an independent legal person",
     {"enterprise__independent_legal_person": False}),
    ("SX-E-2", MET, "built and nationally leading", {}),
    ("SX-E-2", NOT, "construction not completed", {"construction_completed": False}),
    ("SX-E-2", UNK, "national lead not attested", {"attestations__nationally_leading": DELETE}),
    ("SX-E-3", MET, "supports on-site checks", {}),
    ("SX-E-3", NOT, "refuses on-site checks", {"attestations__supports_onsite_checks": False}),
    ("SX-FILE", MET, "filed online on 2024-11-22 with all four materials",
     {"filing__online_filed_on": "2024-11-21"}),
    ("SX-FILE", NOT, "a material missing", {"materials": ["basic_info", "outcomes"]}),
    ("SX-FILE", NOT, "secrets in the materials",
     {"attestations__no_state_or_trade_secrets": False}),
    ("SX-FILE", UNK, "materials not stated", {"materials": DELETE}),
]


CASES = [RuleCase(rule, "excellent", outcome, why, changes, call=CALL)
         for rule, outcome, why, changes in _CASES]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.why}")
def test_rule_outcome(case: RuleCase) -> None:
    check_rule_case(case, (DURABLE, REFERENCE), good_application(), "shanxi", ON)


@pytest.mark.parametrize("filed, outcome", [("2024-11-22", MET), ("2024-11-23", NOT)])
def test_online_filing_deadline_at_its_boundary(filed: str, outcome: Outcome) -> None:
    app = patched(good_application(), filing__online_filed_on=filed)
    finding = DURABLE.assess(app, jurisdiction="shanxi", on=dt.date(2024, 11, 30),
                             call=CALL).tier("excellent").finding("SX-FILE")
    assert finding.outcome is outcome


def test_missing_materials_are_listed_by_name() -> None:
    finding = assess(patched(good_application(), materials=["basic_info"])).finding("SX-FILE")
    missing = "缺少申报材料：智能工厂基本情况、智能工厂场景建设情况、智能工厂建设成效"
    assert missing in finding.message_zh
    assert finding.action_zh.startswith("补齐：智能工厂基本情况")


def test_unknown_material_ids_are_bad_input() -> None:
    with pytest.raises(ApplicationError, match=r"unknown material 'brochure'"):
        assess(patched(good_application(), materials=["brochure"]))


def test_the_call_covers_the_excellent_tier_only() -> None:
    result = DURABLE.assess(good_application(), jurisdiction="shanxi", on=ON, call=CALL)
    assert [t.tier.value for t in result.tiers] == ["excellent"]
    assert result.call is not None and result.call.issuer_zh == "山西省工业和信息化厅"
    with pytest.raises(ApplicationError, match="covers excellent only, not basic"):
        DURABLE.assess(good_application(), jurisdiction="shanxi", on=ON, tier="basic", call=CALL)


def test_the_call_applies_the_national_conditions_and_the_national_calls_rule() -> None:
    tier = assess(good_application())
    parts = {f.rule_id: f.part for f in tier.findings}
    assert parts["NAT-BASE-1"] == parts["NAT-COV-E"] == parts["NAT-OUT-E"] == "conditions"
    assert parts["SX-E-1"] == parts["SX-FILE"] == "call"
    assert parts["NAT-2024-E-MAT"] == "call"  # transposed from the national call
    assert "NAT-2024-DATES" not in parts  # the unnamed municipality's dates bind nobody here
    refused = assess(patched(good_application(), self_assessment__maturity_level=2))
    assert refused.finding("NAT-BASE-5").outcome is NOT  # the conditions, not a copy of them


def test_a_self_assessment_in_shanxi_uses_the_national_conditions() -> None:
    result = DURABLE.assess(good_application(), jurisdiction="shanxi", on=ON)
    assert [t.tier.value for t in result.tiers] == ["basic", "advanced", "excellent", "leading"]
    assert result.conditions_jurisdiction == "national" and result.call is None
    assert not [f for t in result.tiers for f in t.findings if f.rule_id.startswith("SX-")]
    assert "base_conditions" in [w.code for w in result.warnings]


def test_kpis_of_the_reference_the_notice_prints_are_accepted() -> None:
    app = patched(good_application(), kpis={"KPI-01": 12.5, "KPI-20": 3})
    assert assess(app).finding("NAT-KPI").outcome is MET
    with pytest.raises(ApplicationError, match=r"kpis\.KPI-99"):
        assess(patched(good_application(), kpis={"KPI-99": 1}))


def test_a_batch_whose_rows_state_kpis_is_read_and_its_form_filled(tmp_path: Path) -> None:
    data = example()
    for entry in data["entries"]:
        entry["application"]["kpis"] = {"KPI-01": 90.5, "KPI-07": 31}
    result = run(data)
    assert all(not row.errors for row in result.rows)
    assert [row.recommended for row in result.rows] == ["yes", "no", "yes", "no"]
    spec = DURABLE.call("shanxi", CALL).form
    assert spec is not None
    assert len(write_form(result, spec, tmp_path / "form.csv")) == 3


def test_every_rule_and_provision_has_both_cases() -> None:
    call = DURABLE.call("shanxi", CALL)
    assert_cases_cover(call.rules, CASES)
    assert {p.id for p in call.provisions} == set(PROVISION_TESTS)


def test_every_citation_quotes_text_found_in_its_seed() -> None:
    assert_citations_in_seeds(DURABLE.scope("shanxi", call=CALL), SEEDS)


# --- the batch -----------------------------------------------------------------------------


def batch(**changes: Any) -> dict[str, Any]:
    return patched(example(), **changes)


def run(data: dict[str, Any], engine: Engine = DURABLE, **kw: Any) -> BatchAssessment:
    return engine.assess_batch(data, jurisdiction="shanxi", call=CALL, **kw)


def test_the_example_batch() -> None:
    result = run(example())
    assert [(r.rank, r.verdict, r.recommended) for r in result.rows] == [
        (1, Verdict.ELIGIBLE, "yes"), (2, Verdict.NOT_ELIGIBLE, "no"),
        (3, Verdict.ELIGIBLE, "yes"), (4, Verdict.ELIGIBLE, "no")]
    (refusal,) = result.row(4).refusals
    assert refusal.rule_id == "SX-QUOTA" and refusal.clause == "二（二）；附件1 注"
    assert result.findings == ()


def test_quota_three_is_within_and_the_fourth_is_refused_by_rank() -> None:
    data = example()
    data["entries"] = data["entries"][:3]
    assert [r.refusals for r in run(data).rows] == [(), (), ()]
    data = example()
    data["entries"] = list(reversed(data["entries"]))  # file order does not matter, rank does
    result = run(data)
    refused = [r.rank for r in result.rows if r.refusals]
    assert refused == [4]


@pytest.mark.parametrize("submitted, recommended", [("2024-11-22", "yes"), ("2024-11-23", "no")])
def test_the_submission_deadline_at_its_boundary(submitted: str, recommended: str) -> None:
    result = run(batch(submitted_on=submitted))
    assert result.row(1).recommended == recommended
    if recommended == "no":
        (finding,) = result.findings
        assert finding.rule_id == "SX-SUBMIT" and "晚于截止日期2024-11-22" in finding.message_zh


def test_an_unstated_submission_date_leaves_the_batch_undetermined() -> None:
    result = run(batch(submitted_on=DELETE), on=ON)
    assert result.row(1).recommended == "undetermined"
    assert result.findings[0].rule_id == "SX-SUBMIT"


def test_duplicate_ranks_are_named_once_per_rank_and_refused() -> None:
    data = example()
    data["entries"][2]["rank"] = 1
    result = run(data)
    for number in (1, 3):
        row = result.row(number)
        assert row.recommended == "no"
        assert "推荐次序1被2行重复使用" in row.refusals[0].message_zh
    (finding,) = [f for f in result.findings if f.rule_id == "SX-QUOTA"]
    assert finding.message_zh == "推荐次序1被第1、3行重复使用"


def test_an_application_from_another_province_is_named_and_not_recommended() -> None:
    data = example()
    data["entries"][0]["application"]["enterprise"]["province"] = "河北省"
    row = run(data).row(1)
    (finding,) = [f for f in row.findings if f.rule_id == "SX-E-1"]
    assert finding.outcome is NOT and finding.citation.clause == "一（一）"
    assert "注册地：河北省；须在山西省境内注册" in finding.message_zh
    assert row.recommended == "no" and row.verdict is Verdict.NOT_ELIGIBLE


def test_an_invalid_phone_number_is_named_and_the_row_still_assessed() -> None:
    data = example()
    data["entries"][0]["contact"]["mobile"] = "0351-3183088"
    row = run(data).row(1)
    assert row.problems == ("contact.mobile: '0351-3183088' is not a valid mainland China "
                            "mobile number (11 digits starting with 1)",)
    assert row.verdict is Verdict.ELIGIBLE


def test_a_bad_row_never_stops_the_rest_of_the_batch() -> None:
    data = example()
    data["entries"][1]["application"]["self_assessment"]["maturity_level"] = 9
    data["entries"][2]["rank"] = "three"
    data["entries"].append("not a row")
    result = run(data)
    assert result.row(1).recommended == "yes"
    assert result.row(2).errors == (
        "application.self_assessment.maturity_level: Input should be less than or equal to 5 "
        "(got 9)",)
    assert result.row(3).errors == ("rank: 'three' is not a whole number from 1 to 1,000,000",)
    assert result.row(5).errors[0].startswith("the row must be a mapping")
    assert result.row(4).verdict is Verdict.ELIGIBLE and result.row(4).position == 3
    assert [r.row for r in result.rows] == [1, 2, 4, 3, 5]


def test_a_batch_file_with_application_files_relative_to_it(tmp_path: Path) -> None:
    data = example()
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(data["entries"][0]["application"],
                                                      allow_unicode=True), encoding="utf-8")
    data["entries"] = [{"rank": 1, "file": "one.yaml", "contact": data["entries"][0]["contact"]},
                       {"rank": 2, "file": "missing.yaml"}]
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = DURABLE.assess_batch(path, jurisdiction="shanxi")  # the one call with a batch
    assert result.row(1).recommended == "yes"
    assert result.row(2).errors == ("application: file not found",)


PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)


@PROPS
@given(ranks=st.lists(st.integers(1, 6), min_size=1, max_size=6),
       submitted=st.sampled_from(["2024-11-21", "2024-11-22", "2024-11-23", None]),
       missing=st.sets(st.integers(0, 5)))
def test_durable_batch_rules_agree_with_plain_python(ranks: list[int], submitted: str | None,
                                                     missing: set[int]) -> None:
    base = example()
    entries = []
    for index, rank in enumerate(ranks):
        entry = copy.deepcopy(base["entries"][index % 4])
        entry["rank"] = rank
        entry["application"]["enterprise"]["name"] += str(index)
        if index in missing:
            entry["application"]["materials"] = ["basic_info"]
        entries.append(entry)
    data = {"recommender": base["recommender"], "entries": entries}
    if submitted:
        data["submitted_on"] = submitted
    leave_out: Any = {"backend": True, "rows": {"__all__": {"assessment": {"backend"}}}}
    durable = run(data, on=ON).model_dump(exclude=leave_out)
    reference = run(data, REFERENCE, on=ON).model_dump(exclude=leave_out)
    assert durable == reference


# --- the summary form and the provisions ----------------------------------------------------

HEADINGS = ("序号", "申报单位名称", "卓越级智能工厂项目名称", "涉及典型场景实例（罗列）", "联系人",
            "联系方式（手机号）")


def test_the_form_is_written_and_read_back(tmp_path: Path) -> None:
    result = run(example())
    spec = DURABLE.call("shanxi", CALL).form
    assert spec is not None
    target = tmp_path / "summary.xlsx"
    lines = write_form(result, spec, target)
    assert len(lines) == 3
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "卓越级智能工厂项目推荐汇总表"
    assert rows[1][0] == "推荐单位（盖章）：太原市工业和信息化局"
    assert rows[2] == HEADINGS
    assert [r[:3] for r in rows[3:6]] == [
        (1, "太原重型装备制造有限公司", "大型矿山装备卓越级智能工厂"),
        (2, "太原精密电子有限公司", "精密电子元件卓越级智能工厂"),
        (3, "山西新材料科技有限公司", "特种钢材卓越级智能工厂")]
    third = "3. 生产作业—人机协同作业—多机协同的减速机壳体柔性加工与检测"
    assert rows[3][3].split("\n")[2] == third
    assert rows[3][4:] == ("王磊", "13903510001")
    assert rows[6][0].startswith("注：1.推荐的卓越级智能工厂项目按优先次序排名")
    assert len(rows) == 7


def test_the_form_as_csv(tmp_path: Path) -> None:
    result = run(example())
    spec = DURABLE.call("shanxi", CALL).form
    assert spec is not None
    target = tmp_path / "summary.csv"
    write_form(result, spec, target)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[2]) == HEADINGS
    assert [r[1] for r in rows[3:6]] == ["太原重型装备制造有限公司", "太原精密电子有限公司",
                                         "山西新材料科技有限公司"]


def _cli(*args: str) -> Any:
    from click.testing import CliRunner

    from gradient_rules._cli import cli

    return CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(cli, list(args))


def test_the_form_command_writes_the_file_and_names_rows_left_out(tmp_path: Path) -> None:
    target = tmp_path / "summary.xlsx"
    outcome = _cli("form", "shanxi", str(EXAMPLE), "--out", str(target))
    assert outcome.exit_code == 0, outcome.output
    assert "wrote" in outcome.output and target.is_file()
    assert "SX-FILE not met: " in outcome.output  # row 2, and why
    assert "missing materials: outcomes" in outcome.output
    bad = _cli("form", "shanxi", str(EXAMPLE), "--out", str(tmp_path / "x.pdf"))
    assert bad.exit_code == 2 and "use .xlsx or .csv" in bad.output


def test_duplicate_ranks_stop_the_form_naming_the_rows(tmp_path: Path) -> None:
    data = example()
    data["entries"][2]["rank"] = 1
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "summary.csv"
    outcome = _cli("form", "shanxi", str(path), "--out", str(target))
    assert outcome.exit_code == 2, outcome.output
    assert "rank 1 is used by rows 1 and 3" in outcome.output
    assert not target.exists()


def test_a_batch_with_no_recommendable_row_writes_no_form_and_exits_1(tmp_path: Path) -> None:
    data = example()
    for entry in data["entries"]:
        entry["application"]["materials"] = ["basic_info"]
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "summary.xlsx"
    outcome = _cli("form", "shanxi", str(path), "--out", str(target))
    assert outcome.exit_code == 1, outcome.output
    assert "no row of the batch can be recommended" in outcome.output
    assert "SX-FILE not met" in outcome.output and not target.exists()


def test_batch_command_json_carries_each_rows_reasons() -> None:
    import json

    outcome = _cli("batch", str(EXAMPLE), "-j", "shanxi", "--format", "json")
    data = json.loads(outcome.output)
    assert [r["recommended"] for r in data["rows"]] == ["yes", "no", "yes", "no"]
    assert "assessment" not in data["rows"][0]
    (finding,) = [f for f in data["rows"][1]["findings"] if f["outcome"] == "not_met"]
    assert finding["rule_id"] == "SX-FILE" and finding["citation"]["clause"] == "二（一）"
    assert "缺少申报材料：智能工厂建设成效" in finding["message_zh"]
    table = _cli("batch", str(EXAMPLE), "-j", "shanxi", "--lang", "zh")
    assert "SX-FILE 不符合: " in table.output and "缺少申报材料：智能工厂建设成效" in table.output


def test_quota_provision_refuses_beyond_three() -> None:
    assert run(example()).row(4).refusals[0].rule_id == "SX-QUOTA"


def test_quota_provision_admits_three() -> None:
    assert all(not r.refusals for r in run(example()).rows if r.rank and r.rank <= 3)


def test_submit_provision_refuses_a_late_batch() -> None:
    assert run(batch(submitted_on="2024-11-23")).findings[0].rule_id == "SX-SUBMIT"


def test_submit_provision_admits_a_timely_batch() -> None:
    assert run(batch(submitted_on="2024-11-22")).findings == ()


def test_form_provision_headings_are_as_printed() -> None:
    spec = DURABLE.call("shanxi", CALL).form
    assert spec is not None and spec.columns == HEADINGS and spec.rule == "SX-FORM"


def test_form_provision_leaves_out_rows_beyond_the_quota(tmp_path: Path) -> None:
    spec = DURABLE.call("shanxi", CALL).form
    assert spec is not None
    lines = write_form(run(example()), spec, tmp_path / "f.csv")
    assert [line.row.rank for line in lines] == [1, 2, 3]


def test_materials_provision_lists_the_four_items() -> None:
    materials = DURABLE.call("shanxi", CALL).materials
    assert [m.name_zh for m in materials] == ["申报单位基本信息", "智能工厂基本情况",
                                              "智能工厂场景建设情况", "智能工厂建设成效"]


def test_materials_provision_refuses_an_incomplete_set() -> None:
    assert assess(patched(good_application(), materials=[])).finding(
        "SX-FILE").outcome is NOT


PROVISION_TESTS = {
    "SX-QUOTA": (test_quota_provision_refuses_beyond_three, test_quota_provision_admits_three),
    "SX-SUBMIT": (test_submit_provision_refuses_a_late_batch,
                  test_submit_provision_admits_a_timely_batch),
    "SX-FORM": (test_form_provision_headings_are_as_printed,
                test_form_provision_leaves_out_rows_beyond_the_quota),
    "SX-MATERIALS": (test_materials_provision_lists_the_four_items,
                     test_materials_provision_refuses_an_incomplete_set),
}
