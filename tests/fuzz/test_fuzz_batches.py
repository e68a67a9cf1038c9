"""Fuzz: recommenders' batches and the summary forms written from them.

Oracle: a batch either is refused as a whole (bad input, exit 2: its head or its syntax) or
gives exactly one row out per row in, each row's error its own; a row never reads a file
outside the batch's folder (a secret kept there never shows); the two backends agree; the
``batch`` command exits 0 or 2 and ``form`` 0, 1 or 2, never with a traceback; a written
form reads back with no formula in it.
"""

from __future__ import annotations

import copy
import csv
import os
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from click.testing import CliRunner
from grfuzz import FUZZ, HOSTILE, damaged, mutated, serialised, time_limit
from hypothesis import event, given
from hypothesis import strategies as st

from gradient_rules import ApplicationError, BatchAssessment, Engine
from gradient_rules._cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml"
SECRET = "SECRET-7c1e-never-shown"
RUNNER = CliRunner(env={"GRADIENT_RULES_LANG": "en"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@cache
def engines() -> tuple[Engine, Engine]:
    return Engine.from_installed(), Engine.from_installed(backend="reference")


@cache
def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


FILE_NAMES = st.sampled_from([
    "inside.json", "sub/inside.yaml", "../outside.json", "OUTSIDE_ABSOLUTE", "link.json",
    "missing.json", "folder.json", "a\x00b.json", "x" * 1200, "", "fifo.json", "/dev/zero",
    "inside.JSON", "inside.txt"])


@st.composite
def row(draw: st.DrawFn) -> Any:
    entries = example()["entries"]
    base = copy.deepcopy(entries[draw(st.integers(0, len(entries) - 1))])
    shape = draw(st.sampled_from(["inline", "inline", "file", "both", "neither", "hostile"]))
    if shape == "file":
        base.pop("application")
        base["file"] = draw(FILE_NAMES)
    elif shape == "both":
        base["file"] = draw(FILE_NAMES)
    elif shape == "neither":
        base.pop("application")
    elif shape == "hostile":
        return draw(HOSTILE)
    base["rank"] = draw(st.integers(1, 6) | HOSTILE)
    return draw(mutated(st.just(base), times=2))


@st.composite
def batch(draw: st.DrawFn) -> dict[str, Any]:
    head = {"recommender": example()["recommender"],
            "submitted_on": draw(st.sampled_from(["2024-11-21", "2024-11-22", "2024-11-23"]))}
    value = {**head, "entries": draw(st.lists(row(), min_size=1, max_size=8))}
    return draw(mutated(st.just(value), times=1)) if draw(st.booleans()) else value


def _folder(root: Path) -> Path:
    """A batch folder with files a row may name, and an outside file holding a secret."""
    app = copy.deepcopy(example()["entries"][0]["application"])
    outside = copy.deepcopy(app)
    outside["enterprise"]["name"] = SECRET
    (root / "outside.json").write_text(serialised(outside, "json").decode(), encoding="utf-8")
    folder = root / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "inside.json").write_bytes(serialised(app, "json"))
    (folder / "inside.JSON").write_bytes(serialised(app, "json"))
    (folder / "inside.txt").write_bytes(serialised(app, "json"))
    (folder / "sub" / "inside.yaml").write_bytes(serialised(app, "yaml"))
    (folder / "link.json").symlink_to(root / "outside.json")
    (folder / "folder.json").mkdir()
    os.mkfifo(folder / "fifo.json")
    return folder


def _entries(value: Any) -> int | None:
    """How many rows the batch holds, if it has a list of entries at all."""
    entries = value.get("entries") if isinstance(value, dict) else None
    return len(entries) if isinstance(entries, list) else None


def _comparable(result: BatchAssessment) -> Any:
    leave_out: Any = {"backend": True, "rows": {"__all__": {"assessment": {"backend"}}}}
    return result.model_dump(exclude=leave_out)


@FUZZ
@given(value=batch(), kind=st.sampled_from(["json", "yaml"]), data=st.data())
def test_fuzz_batches(value: dict[str, Any], kind: str, data: st.DataObject) -> None:
    raw = serialised(value, kind)
    damage = data.draw(st.integers(0, 9), label="damage one time in ten") == 0
    if damage:
        raw = data.draw(damaged(raw), label="damaged")
    with tempfile.TemporaryDirectory() as root:
        folder = _folder(Path(root))
        path = folder / f"batch.{kind}"
        path.write_bytes(raw.replace(b"OUTSIDE_ABSOLUTE", str(Path(root) /
                                                               "outside.json").encode()))
        outcomes = []
        for engine in engines():
            try:
                with time_limit(120):
                    result = engine.assess_batch(path, jurisdiction="shanxi")
            except ApplicationError as error:
                outcomes.append(str(error))
                continue
            if not damage:
                assert len(result.rows) == _entries(value)  # rows in = rows out
            assert sorted(r.row for r in result.rows) == list(range(1, len(result.rows) + 1))
            assert SECRET not in result.model_dump_json()
            outcomes.append(_comparable(result))
        assert outcomes[0] == outcomes[1]
        event("refused whole" if isinstance(outcomes[0], str) else "assessed")

        with time_limit(120):
            cli_result = RUNNER.invoke(cli, ["batch", str(path), "-j", "shanxi", "--format",
                                             data.draw(st.sampled_from(["table", "json"]))])
        assert cli_result.exit_code in (0, 2), cli_result.output[-2000:]
        assert "Traceback" not in cli_result.output and SECRET not in cli_result.output
        event(f"batch exit {cli_result.exit_code}")


NAMES = st.one_of(
    st.sampled_from(["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1", "@SUM(A1)", "\t=1",
                     "=cmd|' /C calc'!A0", "[/bold]", "正常企业", "x" * 200, "\x1b[2J",
                     "\ud800", "a\nb", "'=1"]),
    st.text(max_size=30))


@st.composite
def form_batch(draw: st.DrawFn) -> dict[str, Any]:
    """The example batch with hostile names, contacts and scenario texts."""
    value = copy.deepcopy(example())
    for entry in value["entries"]:
        app = entry["application"]
        app["enterprise"]["name"] = draw(NAMES)
        app["project_name"] = draw(NAMES)
        entry["contact"]["name"] = draw(NAMES)
        for scenario in app["scenarios"]:
            if draw(st.booleans()):
                scenario["instance"] = draw(NAMES)
        if draw(st.integers(0, 9)) == 0:
            scenario = app["scenarios"][0]
            app["scenarios"] = [dict(scenario, name=f"场景{i}" + "名" * 190,
                                     instance=f"实例{i}" + "例" * 490) for i in range(200)]
    if draw(st.integers(0, 4)) == 0:
        value["entries"][1]["rank"] = 1
    return value


def _read_back(out: Path) -> list[str]:
    if out.suffix == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as handle:
            return [cell for line in csv.reader(handle) for cell in line]
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    book = openpyxl.load_workbook(out)
    assert book.active is not None
    return [c.value for r in book.active.iter_rows() for c in r if isinstance(c.value, str)]


@FUZZ
@given(value=form_batch(), suffix=st.sampled_from([".xlsx", ".csv"]),
       existing=st.booleans())
def test_fuzz_forms(value: dict[str, Any], suffix: str, existing: bool) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "batch.json"
        path.write_bytes(serialised(value, "json"))
        out = Path(root) / f"summary{suffix}"
        if existing:
            out.write_bytes(b"the form as it was")
        with time_limit(120):
            result = RUNNER.invoke(cli, ["form", "shanxi", str(path), "--out", str(out)])
        assert result.exit_code in (0, 1, 2), result.output[-2000:]
        assert "Traceback" not in result.output and "\x1b" not in result.output
        event(f"form exit {result.exit_code}")
        if result.exit_code != 0:  # refused: nothing written, an existing form untouched
            assert (out.read_bytes() == b"the form as it was") if existing else not out.exists()
            return
        cells = _read_back(out)
        if suffix == ".csv":
            assert not any(cell.startswith(FORMULA_START) for cell in cells), cells
        assert sorted(p.name for p in Path(root).iterdir()) == ["batch.json", out.name]
