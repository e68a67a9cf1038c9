"""The gradient-rules command: exit codes, stable JSON shapes, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from grtest import leading_application, patched

from gradient_rules._cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "national" / "excellent-candidate.yaml"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read English output unless they ask for --lang zh (the default is zh)."""
    monkeypatch.setenv("GRADIENT_RULES_LANG", "en")


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def write(tmp_path: Path, data: dict[str, Any], name: str = "app.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_assess_prints_the_conclusion_first_then_what_to_do_then_the_findings() -> None:
    result = run("assess", str(EXAMPLE), "--lang", "zh")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "申报单位: 华东精密机械有限公司"
    assert lines[3] == "最高符合层级: 卓越级"
    assert lines[4:8] == ["  基础级  符合条件", "  先进级  符合条件",
                          "  卓越级  符合条件（原则上未满足1项）",
                          "  领航级  不符合条件（不符合2项，未知1项）"]
    assert lines.index("达到领航级尚需:") < lines.index("逐条依据:")
    assert "NAT-COV-E" in result.output and "《智能工厂梯度培育要素条件》四（一）" in result.output


def test_rules_alike_across_tiers_are_shown_once_with_their_tiers() -> None:
    output = run("assess", str(EXAMPLE), "--lang", "zh").output
    assert output.count("NAT-BASE-1  符合") == 1 and "NAT-BASE-1  符合  [全部层级]" in output
    assert "NAT-BASE-5  符合  [基础级、先进级]" in output
    full = run("assess", str(EXAMPLE), "--lang", "zh", "--full").output
    assert full.count("NAT-BASE-1  符合") == 4


@pytest.mark.parametrize("columns", ["40", "60", "80", "100"])
def test_the_report_breaks_chinese_lines_properly_and_leaves_no_trailing_spaces(
        columns: str) -> None:
    result = CliRunner(env={"COLUMNS": columns}).invoke(
        cli, ["assess", str(EXAMPLE), "--lang", "zh", "--full"])
    for line in result.output.splitlines():
        assert line == line.rstrip(), repr(line)
        assert not line.strip() or line.strip()[0] not in "，。、；：）」』】》”", repr(line)
        assert len(line) <= int(columns)  # at least: never more characters than columns


def test_coverage_lines_say_at_which_tiers_level_they_count() -> None:
    output = run("assess", str(EXAMPLE), "--lang", "zh").output
    assert "达到先进级及以上描述的场景覆盖环节：" in output
    english = run("assess", str(EXAMPLE), "--lang", "en").output
    assert "segments covered by scenarios at advanced or above:" in english


def test_assess_json_has_a_stable_shape() -> None:
    result = run("assess", str(EXAMPLE), "--format", "json")
    data = json.loads(result.output)
    assert set(data) == {"jurisdiction", "jurisdiction_name_zh", "pack_version", "pack_status",
                         "conditions_jurisdiction", "call", "on", "enterprise", "project_name",
                         "backend", "tiers", "warnings", "titles"}
    tier = data["tiers"][2]
    assert set(tier) == {"tier", "label_zh", "verdict", "findings", "warnings", "route"}
    assert (tier["tier"], tier["verdict"]) == ("excellent", "eligible")
    finding = tier["findings"][0]
    assert set(finding) == {"rule_id", "tier", "outcome", "strength", "title_en", "title_zh",
                            "citation", "observed", "required", "message_zh", "message_en",
                            "action_zh", "action_en", "relation", "relates_to", "part"}
    assert set(finding["citation"]) == {"document", "document_title_zh", "document_status",
                                        "clause", "text_zh"}


def test_assess_markdown_and_english() -> None:
    result = run("assess", str(EXAMPLE), "--format", "markdown", "--lang", "en")
    assert result.output.startswith("# 华东精密机械有限公司")
    assert "**Highest eligible tier:** excellent" in result.output
    assert "| leading | not eligible (2 not met, 1 unknown) |" in result.output
    assert "| NAT-BASE-5 | basic, advanced | met |" in result.output
    full = run("assess", str(EXAMPLE), "--format", "markdown", "--lang", "en", "--full").output
    assert "### 领航级 leading: not eligible" in full and "| NAT-BASE-5 | met |" in full


def test_lang_zh_gives_errors_in_chinese_with_the_field_path_unchanged(tmp_path: Path) -> None:
    bad = write(tmp_path, patched(leading_application(), self_assessment__maturity_level=7))
    result = CliRunner().invoke(cli, ["assess", bad, "--lang", "zh"])
    assert result.exit_code == 2
    assert "self_assessment.maturity_level: 应不大于5（收到 7）" in result.output
    by_env = CliRunner(env={"GRADIENT_RULES_LANG": "zh"}).invoke(cli, ["assess", bad])
    assert "应不大于5" in by_env.output
    unknown = CliRunner().invoke(cli, ["assess", str(EXAMPLE), "-j", "guizou", "--lang", "zh"])
    assert "未安装地区 'guizou'" in unknown.output


def test_help_stays_english() -> None:
    assert "Assess the application in INPUTS" in CliRunner(
        env={"GRADIENT_RULES_LANG": "zh"}).invoke(cli, ["assess", "--help"]).output


def test_every_subcommand_that_prints_for_people_takes_format_and_lang() -> None:
    for name, command in cli.commands.items():
        options = {p.name for p in command.params}
        assert {"fmt", "lang"} <= options, name


def test_a_jurisdictions_schema_enumerates_its_names() -> None:
    schema = json.loads(run("schema", "application", "-j", "guizhou").output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:gradient-rules:application:guizhou"
    assert "competitive" in schema["properties"]["attestations"]["properties"]
    assert schema["properties"]["attestations"]["additionalProperties"] is False
    claim_id = schema["$defs"]["ScenarioClaim"]["properties"]["id"]["anyOf"][0]
    assert claim_id["enum"][0] == "GZ-01" and len(claim_id["enum"]) == 40
    province = schema["$defs"]["Enterprise"]["properties"]["province"]["anyOf"][0]["enum"]
    assert {"guizhou", "贵州省", "贵州", "Guizhou"} <= set(province)
    shanxi = json.loads(run("schema", "application", "-j", "shanxi", "--call",
                            "2024-excellent").output)
    assert shanxi["$id"] == "urn:gradient-rules:application:shanxi:2024-excellent"
    assert "KPI-20" in shanxi["properties"]["kpis"]["anyOf"][0]["properties"]
    assert shanxi["properties"]["materials"]["anyOf"][0]["items"]["enum"] == [
        "basic_info", "factory_overview", "scenario_build", "outcomes"]
    assert "supports_onsite_checks" in shanxi["properties"]["attestations"]["properties"]


def test_exit_code_1_when_the_requested_tier_is_not_eligible() -> None:
    assert run("assess", str(EXAMPLE), "--tier", "excellent").exit_code == 0
    assert run("assess", str(EXAMPLE), "--tier", "leading").exit_code == 1


def test_exit_code_1_when_the_requested_tier_is_undetermined(tmp_path: Path) -> None:
    path = write(tmp_path, patched(leading_application(), attestations={}))
    result = run("assess", path, "--tier", "basic", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["tiers"][0]["verdict"] == "undetermined"


@pytest.mark.parametrize("args, fragment", [
    (["assess", "missing.yaml"], "missing.yaml: file not found"),
    (["assess", "{good}", "--jurisdiction", "guizou"], "unknown jurisdiction 'guizou'"),
    (["assess", "{good}", "--on", "2024-02-30"], "'2024-02-30' is not a date"),
    (["assess", "{good}", "--on", "2023-01-01"], "outside the validity"),
    (["assess", "{good}", "--tier", "gold"], "'gold' is not one of"),
    (["assess", "{bad}"], "self_assessment.maturity_level: Input should be less than or equal"),
    (["validate", "{bad}"], "self_assessment.maturity_level"),
    (["rules", "nowhere"], "unknown jurisdiction 'nowhere'"),
])
def test_bad_input_exits_2_with_one_clear_message(tmp_path: Path, args: list[str],
                                                  fragment: str) -> None:
    good = write(tmp_path, leading_application(), "good.yaml")
    bad = write(tmp_path, patched(leading_application(), self_assessment__maturity_level=7),
                "bad.yaml")
    args = [a.replace("{good}", good).replace("{bad}", bad) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_errors_in_json_mode_are_json(tmp_path: Path) -> None:
    bad = write(tmp_path, patched(leading_application(), self_assessment__maturity_level=7,
                                  enterprise__colour="red"))
    result = run("assess", bad, "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["type"] == "ApplicationError"
    assert [p["field"] for p in error["problems"]] == ["enterprise.colour",
                                                       "self_assessment.maturity_level"]


def test_validate_accepts_a_good_file() -> None:
    result = run("validate", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"valid": True, "file": str(EXAMPLE),
                                         "jurisdiction": "national", "call": None,
                                         "enterprise": "华东精密机械有限公司"}


def test_plugins_lists_the_installed_jurisdictions() -> None:
    data = json.loads(run("plugins", "--format", "json").output)
    assert set(data) == {"plugins", "jurisdictions", "problems", "warnings"}
    national = next(j for j in data["jurisdictions"] if j["code"] == "national")
    assert national["plugin"] == "national"
    assert national["packs"] == [{"version": "2024", "status": "in_force",
                                  "valid_from": "2024-10-29", "valid_until": None, "rules": 14}]
    assert national["calls"] == ["2024-excellent", "2024-excellent-municipal"]
    shanxi = next(j for j in data["jurisdictions"] if j["code"] == "shanxi")
    assert shanxi["packs"] == [] and shanxi["conditions_of"] == "national"
    assert data["problems"] == [] and data["warnings"] == []
    assert "national" in run("plugins").output


def test_rules_lists_every_national_rule_and_provision_and_the_calls_theirs() -> None:
    data = json.loads(run("rules", "national", "--format", "json").output)
    ids = [r["id"] for r in data["rules"]] + [p["id"] for p in data["provisions"]]
    conditions = ["NAT-BASE-1", "NAT-BASE-2", "NAT-BASE-3", "NAT-BASE-4", "NAT-BASE-5",
                  "NAT-COV-B", "NAT-COV-A", "NAT-COV-E", "NAT-COV-L", "NAT-OUT-B", "NAT-OUT-A",
                  "NAT-OUT-E", "NAT-OUT-L", "NAT-SEG-MAP", "NAT-KPI", "NAT-PLAN-TIERS",
                  "NAT-PLAN-AUTH"]
    assert sorted(ids) == sorted(conditions)
    assert "NAT-BASE-5" in run("rules", "national").output
    call = json.loads(run("rules", "national", "--call", "2024-excellent-municipal",
                          "--format", "json").output)
    parts = {r["id"]: r["part"] for r in call["rules"]}
    assert parts["NAT-2024-E-MAT"] == parts["NAT-2024-DATES"] == "call"
    assert parts["NAT-BASE-5"] == "conditions" and "NAT-COV-B" not in parts  # excellent only


def test_scenarios_shows_the_segment_map_where_there_is_no_catalog() -> None:
    data = json.loads(run("scenarios", "national", "--format", "json").output)
    assert data["catalog"] is None
    assert data["guide_segments"]["质量管控"] == "production_operations"
    assert data["guide_segments_unmapped"] == ["多环节模式创新"]
    assert "no scenario catalog" in run("scenarios", "national").output


@pytest.mark.parametrize("which, field", [("application", "enterprise"),
                                          ("assessment", "tiers")])
def test_schema_prints_json_schema(which: str, field: str) -> None:
    schema = json.loads(run("schema", which).output)
    assert field in schema["properties"]
    assert schema["additionalProperties"] is False


def test_the_console_script_is_installed() -> None:
    exe = shutil.which("gradient-rules") or str(Path(sys.executable).parent / "gradient-rules")
    result = subprocess.run([exe, "assess", str(EXAMPLE), "--tier", "basic", "--format", "json"],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tiers"][0]["verdict"] == "eligible"
    assert result.stderr == ""


REVIEW = ROOT / "examples" / "shandong" / "review"


def test_review_derives_revocations_with_their_clauses() -> None:
    result = run("review", str(REVIEW / "titles.yaml"), str(REVIEW / "events.yaml"),
                 "-j", "shandong", "--on", "2025-06-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["standing"] for t in data["titles"]] == [False, False]
    assert [r["clause"] for r in data["titles"][1]["revocations"]] == ["第十五条（三）",
                                                                       "第十五条（四）"]
    table = run("review", str(REVIEW / "titles.yaml"), str(REVIEW / "events.yaml"),
                "-j", "shandong", "--on", "2025-06-01")
    assert "第十五条（四）" in table.output


def test_review_refuses_unknown_keys_and_future_events(tmp_path: Path) -> None:
    titles = write(tmp_path, {"titles": [{"tier": "basic", "issuing_level": "city",
                                          "year": 2022}], "colour": 1}, "t.yaml")
    events = write(tmp_path, {"events": [{"kind": "terminated", "occurred_on": "2026-01-01"}]},
                   "e.yaml")
    result = CliRunner().invoke(cli, ["review", titles, events, "-j", "shandong",
                                      "--on", "2025-06-01"])
    assert result.exit_code == 2 and "colour: unknown key" in result.output
    good = write(tmp_path, {"titles": [{"tier": "basic", "issuing_level": "city",
                                        "year": 2022}]}, "g.yaml")
    result = CliRunner().invoke(cli, ["review", good, events, "-j", "shandong",
                                      "--on", "2025-06-01"])
    assert result.exit_code == 2 and "events[0].occurred_on" in result.output


def test_consistency_reports_each_relation() -> None:
    data = json.loads(run("consistency", "shandong", "--format", "json").output)
    checks = {c["rule_id"]: c for c in data["checks"]}
    assert checks["SD-BASE-2"]["relation"] == "replaces"
    assert {d["direction"] for d in checks["SD-BASE-2"]["differences"]} == {"stricter", "looser"}
    assert run("consistency", "national", "--format", "json").output.strip().endswith("}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and SIGHUP are POSIX")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_stop_signal_is_caught_only_while_a_command_runs_and_never_over_a_callers_handler(
        signame: str) -> None:
    """The command's handler (exit 128 + the signal, the results being built removed) is put
    back to the default when it returns; a handler the calling program set stays, and so
    does an ignored SIGHUP (``nohup``)."""
    import signal

    signum = getattr(signal, signame)
    assert signal.getsignal(signum) == signal.SIG_DFL
    assert run("plugins").exit_code == 0
    assert signal.getsignal(signum) == signal.SIG_DFL

    def mine(signum: int, frame: object) -> None:
        """The calling program's own."""

    for theirs in (mine, signal.SIG_IGN):
        signal.signal(signum, theirs)
        try:
            assert run("plugins").exit_code == 0
            assert signal.getsignal(signum) is theirs
        finally:
            signal.signal(signum, signal.SIG_DFL)
