"""Calls apart from conditions (decision D29), and places read as people write them (D32)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from grtest import DELETE, leading_application, patched

import gradient_rules_guizhou
import gradient_rules_national
import gradient_rules_shanxi
from gradient_rules import (
    ApplicationError,
    Engine,
    JurisdictionSource,
    Outcome,
    OutOfValidityError,
    Verdict,
    hookimpl,
)
from gradient_rules._cli import cli

ENGINE = Engine(plugins=[gradient_rules_national, gradient_rules_shanxi, gradient_rules_guizhou])
REFERENCE = Engine(plugins=[gradient_rules_national, gradient_rules_shanxi,
                            gradient_rules_guizhou], backend="reference")
MUNICIPAL, NATIONAL = "2024-excellent-municipal", "2024-excellent"
SHANXI_ATTESTATIONS = {"nationally_leading": True, "supports_onsite_checks": True,
                       "no_state_or_trade_secrets": True}
MATERIALS = ["basic_info", "factory_overview", "scenario_build", "outcomes"]


def shanxi_factory(filed: str = "2024-11-21") -> dict[str, Any]:
    """A Shanxi factory meeting the national conditions, filed online on ``filed``."""
    app = leading_application()
    app["enterprise"]["province"] = "山西省"
    app["attestations"].update(SHANXI_ATTESTATIONS)
    app["materials"] = MATERIALS
    app["filing"] = {"online_filed_on": filed, "paper_submitted_on": "2024-11-22"}
    return app


# --- a self-assessment never involves a call's deadline -------------------------------------


@pytest.mark.parametrize("engine", [ENGINE, REFERENCE], ids=["durable", "reference"])
def test_a_2026_self_assessment_against_the_national_conditions_can_be_excellent(
        engine: Engine) -> None:
    app = patched(leading_application(), dated="2026-03-01")
    result = engine.assess(app, jurisdiction="national")
    excellent = result.tier("excellent")
    assert excellent.verdict is Verdict.ELIGIBLE
    assert result.call is None
    assert not [f for f in excellent.findings if f.rule_id.startswith("NAT-2024")]
    assert all(f.part == "conditions" for f in excellent.findings)
    # the filing dates it carries are not read, and the assessment says so
    assert "unused_input" in [w.code for w in result.warnings]


@pytest.mark.parametrize("filing", [DELETE, {"online_filed_on": "2025-07-01"}])
def test_without_or_with_later_filing_dates_a_self_assessment_is_still_decided(
        filing: Any) -> None:
    app = patched(leading_application(), dated="2025-08-01", filing=filing)
    assert ENGINE.assess(app, jurisdiction="national").tier("excellent").verdict is (
        Verdict.ELIGIBLE)


# --- an application for a call: the conditions plus the call's rules ------------------------


@pytest.mark.parametrize("engine", [ENGINE, REFERENCE], ids=["durable", "reference"])
def test_filed_on_the_21st_the_municipal_call_refuses_and_shanxis_does_not(
        engine: Engine) -> None:
    app = shanxi_factory("2024-11-21")
    on = dt.date(2024, 11, 22)
    municipal = engine.assess(app, jurisdiction="national", call=MUNICIPAL, on=on)
    tier = municipal.tier("excellent")
    assert tier.verdict is Verdict.NOT_ELIGIBLE
    assert [g.rule_id for g in tier.gaps] == ["NAT-2024-DATES"]
    assert "unnamed_issuer" in [w.code for w in municipal.warnings]
    shanxi = engine.assess(app, jurisdiction="shanxi", call="2024-excellent", on=on)
    assert shanxi.tier("excellent").verdict is Verdict.ELIGIBLE
    assert shanxi.tier("excellent").finding("SX-FILE").outcome is Outcome.MET


def test_filed_on_the_20th_the_municipal_call_admits_it() -> None:
    result = ENGINE.assess(shanxi_factory("2024-11-20"), jurisdiction="national",
                           call=MUNICIPAL, on=dt.date(2024, 11, 22))
    assert result.tier("excellent").verdict is Verdict.ELIGIBLE


def test_the_national_call_adds_its_own_condition_and_no_dates() -> None:
    app = patched(leading_application(), construction_completed=False)
    result = ENGINE.assess(app, jurisdiction="national", call=NATIONAL)
    tier = result.tier("excellent")
    assert [g.rule_id for g in tier.gaps] == ["NAT-2024-E-MAT"]
    assert result.call is not None and result.call.level.value == "national"
    assert [t.tier.value for t in result.tiers] == ["excellent"]
    # the same factory, as a self-assessment: construction completion is not a condition
    assert ENGINE.assess(app, jurisdiction="national").tier("excellent").verdict is (
        Verdict.ELIGIBLE)


def test_calls_are_listed_with_their_issuer_year_and_tiers() -> None:
    calls = {c.id: c for c in ENGINE.calls("national")}
    assert set(calls) == {NATIONAL, MUNICIPAL}
    municipal = calls[MUNICIPAL]
    assert municipal.issuer_named is False and municipal.level.value == "city"
    assert municipal.transposes == "national/2024-excellent" and municipal.year == 2024
    (shanxi,) = ENGINE.calls("shanxi")
    assert shanxi.region == "shanxi" and shanxi.issued == dt.date(2024, 11, 4)
    assert ENGINE.calls("guizhou") == ()


def test_an_unknown_call_is_bad_input_listing_the_calls() -> None:
    with pytest.raises(ApplicationError, match="has no call '2023-excellent'; its calls: "
                                               "2024-excellent, 2024-excellent-municipal"):
        ENGINE.assess(leading_application(), jurisdiction="national", call="2023-excellent")


def test_assessing_for_a_call_before_it_was_issued_is_an_error() -> None:
    with pytest.raises(OutOfValidityError, match="before the call shanxi/2024-excellent was "
                                                 "issued"):
        ENGINE.assess(shanxi_factory(), jurisdiction="shanxi", call="2024-excellent",
                      on=dt.date(2024, 11, 1))


def test_materials_outside_the_calls_checklist_are_bad_input() -> None:
    app = patched(shanxi_factory(), materials=["brochure"])
    with pytest.raises(ApplicationError, match="unknown material 'brochure' for "
                                               "shanxi/2024-excellent"):
        ENGINE.assess(app, jurisdiction="shanxi", call="2024-excellent",
                      on=dt.date(2024, 11, 22))


# --- calls as plugin data --------------------------------------------------------------------


class Plugin:
    def __init__(self, code: str, data: Path) -> None:
        self.code, self.data, self.__name__ = code, data, f"plugin_{code}"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[JurisdictionSource]:
        return [JurisdictionSource(self.code, self.data)]


CALL = """
title_zh = "测试通知"
title_en = "Test call"
issuer_zh = "测试省工业和信息化厅"
issuer_en = "Test department"
level = "province"
region = "{region}"
year = 2025
tiers = ["excellent"]
issued = 2025-01-01
conditions = "{conditions}"
transposes = "{transposes}"
[[documents]]
id = "{document}"
title_zh = "通知"
title_en = "Notice"
status = "in_force"
"""


def _call_plugin(tmp_path: Path, **values: str) -> Plugin:
    fields = {"region": "Hunan", "conditions": "2024", "transposes": "national/2024-excellent",
              "document": "tp-call", **values}
    data = tmp_path / "testcalls"
    (data / "calls").mkdir(parents=True)
    (data / "jurisdiction.toml").write_text(
        '[jurisdiction]\ncode = "testcalls"\nname_zh = "测试"\nname_en = "Test"\n'
        'base = "national"\n', encoding="utf-8")
    (data / "calls" / "2025-excellent.toml").write_text(
        textwrap.dedent(CALL.format(**fields)), encoding="utf-8")
    return Plugin("testcalls", data)


def test_a_plugin_ships_a_call_as_data_with_no_conditions_of_its_own(tmp_path: Path) -> None:
    engine = Engine(plugins=[gradient_rules_national, _call_plugin(tmp_path)])
    (call,) = engine.calls("testcalls")
    assert call.region == "hunan"  # "Hunan" as written, stored as its code
    result = engine.assess(leading_application(), jurisdiction="testcalls", call=call.id,
                           on=dt.date(2025, 2, 1))
    assert "NAT-2024-E-MAT" in [f.rule_id for f in result.tier("excellent").findings]


@pytest.mark.parametrize("values, message", [
    ({"conditions": "2019"}, "applies conditions '2019', which 'testcalls' does not have "
                             "(editions: 2024)"),
    ({"transposes": "national/1999-basic"}, "transposes 'national/1999-basic', which no "
                                            "installed plugin provides"),
    ({"document": "forwarding-2024-municipal"}, "document id 'forwarding-2024-municipal' names "
                                                "another document already in scope"),
    ({"region": "Atlantis"}, "unknown province 'Atlantis'"),
])
def test_a_broken_call_is_a_problem_naming_its_file_and_the_rest_works(
        tmp_path: Path, values: dict[str, str], message: str) -> None:
    engine = Engine(plugins=[gradient_rules_national, _call_plugin(tmp_path, **values)],
                    strict=False)
    assert any(message in str(p) and "2025-excellent.toml" in str(p) for p in engine.problems), \
        [str(p) for p in engine.problems]
    assert engine.assess(leading_application(), jurisdiction="national").tier(
        "basic").verdict is Verdict.ELIGIBLE


# --- places ------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["贵州省", "贵州", "Guizhou", "GUIZHOU", "guizhou",
                                     " Guizhou Province "])
def test_a_province_is_read_however_it_is_written(written: str) -> None:
    app = {"enterprise": {"name": "贵州企业", "province": written}}
    result = ENGINE.assess(app, jurisdiction="guizhou", on=dt.date(2025, 9, 1), tier="basic")
    finding = result.tier("basic").finding("GZ-BASE-1")
    assert finding.observed[0] == "guizhou"  # type: ignore[index]
    assert "注册地：贵州省；须在贵州省境内注册" in finding.message_zh
    assert "registered in: Guizhou; must be registered in Guizhou" in finding.message_en


def test_shanxi_and_shaanxi_are_two_provinces() -> None:
    app = {"enterprise": {"name": "企业", "province": "陕西"}}
    finding = ENGINE.assess(app, jurisdiction="guizhou", on=dt.date(2025, 9, 1),
                            tier="basic").tier("basic").finding("GZ-BASE-1")
    assert finding.observed[0] == "shaanxi"  # type: ignore[index]
    assert "注册地：陕西省" in finding.message_zh


def test_an_unknown_province_is_bad_input_listing_the_accepted_names() -> None:
    with pytest.raises(ApplicationError) as info:
        ENGINE.assess({"enterprise": {"name": "x", "province": "Guizho"}},
                      jurisdiction="guizhou", on=dt.date(2025, 9, 1))
    (field, message), = info.value.problems
    assert field == "enterprise.province"
    assert "unknown province 'Guizho'" in message and "贵州省 / 贵州 / Guizhou (guizhou)" in message
    assert "无法识别的省份" in info.value.problems_zh[0][1]


# --- the command line ---------------------------------------------------------------------------


def test_the_calls_command_lists_the_calls() -> None:
    out = CliRunner().invoke(cli, ["calls", "national", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [c["id"] for c in data["calls"]] == [NATIONAL, MUNICIPAL]
    assert data["calls"][1]["rules"] == ["NAT-2024-E-MAT", "NAT-2024-DATES"]
    table = CliRunner().invoke(cli, ["calls", "national"])
    assert "2024-excellent-municipal" in table.output


def test_assess_takes_a_call(tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(shanxi_factory("2024-11-21"), ensure_ascii=False),
                    encoding="utf-8")
    out = CliRunner().invoke(cli, ["assess", str(path), "-j", "national", "--call", MUNICIPAL,
                                   "--tier", "excellent", "--format", "json"])
    assert out.exit_code == 1, out.output
    assert json.loads(out.output)["call"]["id"] == MUNICIPAL
    out = CliRunner().invoke(cli, ["assess", str(path), "-j", "shanxi", "--call",
                                   "2024-excellent", "--tier", "excellent"])
    assert out.exit_code == 0, out.output
