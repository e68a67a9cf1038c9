"""What the library writes and prints: forms that cannot run formulas, output that cannot drive
a terminal, exit codes that never let a crash pass for a verdict.

Each case failed before (decision D34): names starting with ``=`` became live formulas in
the xlsx and raw formulas in the CSV, a crash mid-write truncated an existing form, a
missing ``--out`` folder was a traceback, escape sequences reached stdout, an unexpected
exception exited 1 (which means "not eligible") and an interrupt did too.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from gradient_rules import _form
from gradient_rules._cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml"
EXAMPLE_APP = ROOT / "examples" / "national" / "basic-workshop.json"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0"]


def _cli(*args: str) -> Any:
    return CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(cli, list(args))


def batch_file(folder: Path, change: Any = None) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    path = folder / "batch.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def hostile_names(data: dict[str, Any]) -> None:
    first = data["entries"][0]
    first["application"]["enterprise"]["name"] = FORMULAS[0]
    first["application"]["project_name"] = FORMULAS[1]
    first["contact"]["name"] = FORMULAS[3]
    third = data["entries"][2]
    third["application"]["enterprise"]["name"] = FORMULAS[4]
    third["application"]["project_name"] = FORMULAS[2]


# --- forms ------------------------------------------------------------------------------------


def test_formula_like_names_are_text_in_the_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    result = _cli("form", "shanxi", str(batch_file(tmp_path, hostile_names)), "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)}
    for text in (FORMULAS[0], FORMULAS[1], FORMULAS[3], FORMULAS[4], FORMULAS[2]):
        assert text in cells, text
        assert cells[text].data_type == "s"  # a string, not a formula ("f")
        assert cells[text].quotePrefix  # Excel shows it as text even when edited
    with zipfile.ZipFile(out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_formula_like_names_carry_a_leading_apostrophe_in_the_csv(tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    result = _cli("form", "shanxi", str(batch_file(tmp_path, hostile_names)), "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        values = [value for row in csv.reader(handle) for value in row]
    for text in (FORMULAS[0], FORMULAS[1], FORMULAS[3], FORMULAS[4], FORMULAS[2]):
        assert "'" + text in values, text
        assert text not in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_a_crash_mid_write_leaves_the_existing_form_whole(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "summary.csv"
    out.write_text("the form as submitted yesterday\n", encoding="utf-8")

    class Failing:
        def __init__(self, handle: Any) -> None:
            self.inner = csv.writer(handle)

        def writerows(self, rows: Any) -> None:
            for number, row in enumerate(rows):
                if number == 4:
                    raise OSError(28, "No space left on device")
                self.inner.writerow(row)

    monkeypatch.setattr(_form.csv, "writer", Failing)  # type: ignore[attr-defined]
    result = _cli("form", "shanxi", str(batch_file(tmp_path)), "--out", str(out))
    assert result.exit_code == 4, result.output
    assert "internal error" in result.output and "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "the form as submitted yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.json", "summary.csv"]


@pytest.mark.parametrize("target, fragment", [
    ("missing/summary.xlsx", "does not exist"),
    ("folder.xlsx", "is a folder"),
    ("summary.pdf", "unsupported form file type"),
])
def test_a_bad_out_path_is_bad_input(tmp_path: Path, target: str, fragment: str) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    result = _cli("form", "shanxi", str(batch_file(tmp_path)), "--out", str(tmp_path / target))
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_a_cell_over_the_spreadsheet_limit_is_refused_naming_row_and_column(
        tmp_path: Path) -> None:
    def long_scenarios(data: dict[str, Any]) -> None:
        scenario = data["entries"][0]["application"]["scenarios"][0]
        data["entries"][0]["application"]["scenarios"] = [
            dict(copy.deepcopy(scenario), name=f"场景{i:03d}" + "名" * 190,
                 instance=f"实例{i:03d}" + "例" * 490) for i in range(200)]

    out = tmp_path / "summary.xlsx"
    result = _cli("form", "shanxi", str(batch_file(tmp_path, long_scenarios)), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "row 1" in result.output and "a spreadsheet cell holds at most 32,767" in result.output
    assert not out.exists()


def test_control_characters_and_surrogates_never_reach_a_form(tmp_path: Path) -> None:
    def escape(data: dict[str, Any]) -> None:
        data["entries"][0]["application"]["enterprise"]["name"] = "企业\x1b[2J"
        data["entries"][2]["application"]["project_name"] = "项目\ud800"

    path = tmp_path / "batch.yaml"
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    escape(data)
    path.write_text(json.dumps(data), encoding="utf-8")  # \ud800 as an escape, valid JSON
    path = path.rename(tmp_path / "batch.json")
    out = tmp_path / "summary.xlsx"
    result = _cli("form", "shanxi", str(path), "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert 1 not in payload["rows"] and 3 not in payload["rows"]  # unreadable: left out
    reasons = {item["row"]: " ".join(item["reasons"]) for item in payload["left_out"]}
    assert "control character U+001B" in reasons[1]
    assert "unpaired surrogate" in reasons[3]
    openpyxl.load_workbook(out)  # it opens


# --- terminal output -------------------------------------------------------------------------


def test_escape_sequences_in_names_are_shown_not_obeyed(tmp_path: Path) -> None:
    def hostile(data: dict[str, Any]) -> None:
        data["entries"][0]["\x1b]0;owned\x07"] = 1  # an unknown key is echoed in the error
        data["entries"][1]["rank"] = "\x1b[2J\x1b[31mthree"

    path = batch_file(tmp_path, hostile)
    for fmt in ("table", "json"):
        result = _cli("batch", str(path), "-j", "shanxi", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
    table = _cli("batch", str(path), "-j", "shanxi").output
    assert "\\x1b]0;owned\\x07: unknown key" in table


def test_rich_markup_in_plugin_data_is_printed_as_written(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from grplugin import RULES, Plugin, make_jurisdiction

    rules = RULES.replace('title_en = "Maturity"',
                          'title_en = "[/bold][link=http://x.example]Maturity"')
    plugin = Plugin("testprov", make_jurisdiction(tmp_path, rules=rules))
    real = importlib.metadata.entry_points
    fake = type("EP", (), {"name": "testprov", "value": "testprov:plugin", "dist": None,
                           "group": "gradient_rules", "load": lambda self: plugin})()
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda **kw: [*real(**kw), *([fake] if kw.get("group") ==
                                                     "gradient_rules" else [])])
    result = CliRunner(env={"GRADIENT_RULES_LANG": "en", "COLUMNS": "400"}).invoke(
        cli, ["rules", "testprov"])
    assert result.exit_code == 0, result.output
    assert "[/bold][link=http://x.example]Maturity" in result.output


# --- exit codes ------------------------------------------------------------------------------


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise ZeroDivisionError("a bug deep inside")


def test_an_unexpected_exception_is_exit_4_with_one_line(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from gradient_rules import Engine

    monkeypatch.setattr(Engine, "assess", _explode)
    app = ROOT / "examples" / "national" / "basic-workshop.json"
    result = _cli("assess", str(app), "-j", "national", "--tier", "basic")
    assert result.exit_code == 4
    (line,) = result.output.strip().splitlines()
    assert line.startswith("gradient-rules assess: internal error (ZeroDivisionError")
    assert str(app) in line and "Traceback" not in result.output

    debug = _cli("--debug", "assess", str(app), "-j", "national")
    assert debug.exit_code == 4 and "Traceback (most recent call last)" in debug.output


def test_an_interrupt_is_exit_130_not_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    from gradient_rules import Engine

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "assess", interrupt)
    app = ROOT / "examples" / "national" / "basic-workshop.json"
    result = _cli("assess", str(app), "-j", "national", "--tier", "basic")
    assert result.exit_code == 130 and "interrupted" in result.output


def test_a_closed_pipe_is_exit_141_not_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    from gradient_rules import Engine

    def closed(*args: Any, **kwargs: Any) -> Any:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(Engine, "assess", closed)
    app = ROOT / "examples" / "national" / "basic-workshop.json"
    assert _cli("assess", str(app), "-j", "national").exit_code == 141


def test_the_console_script_exits_4_on_a_crash_in_a_real_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "crash.py"
    script.write_text(
        "import sys\n"
        "from gradient_rules import Engine\n"
        "from gradient_rules._cli import main\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('boom')\n"
        "Engine.assess = boom\n"
        f"sys.argv = ['gradient-rules', 'assess', {str(EXAMPLE_APP)!r},"
        " '-j', 'national', '--tier', 'basic']\n"
        "main()\n", encoding="utf-8")
    env = dict(os.environ, GRADIENT_RULES_LANG="en")
    env.pop("GRADIENT_RULES_DEBUG", None)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 4, done.stderr
    assert "internal error (RuntimeError: boom)" in done.stderr
    assert "Traceback" not in done.stderr
