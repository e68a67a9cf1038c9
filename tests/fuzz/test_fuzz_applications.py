"""Fuzz: application files from strangers, through the CLI and the Python API.

Oracle: ``assess``/``validate`` exit 0, 1 or 2 (bad input is never 3 or 4) with no
traceback, within the time limit; the durable and reference backends give the same
assessment whenever the application can be read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from grfuzz import FUZZ, damaged, from_schema, mutated, serialised, time_limit
from hypothesis import event, given
from hypothesis import strategies as st

from gradient_rules import Engine, GradientRulesError, load_application
from gradient_rules._cli import cli
from gradient_rules._schema import application_schema

ROOT = Path(__file__).resolve().parents[2]
TARGETS = [("national", None), ("national", "2024-excellent"), ("guizhou", None),
           ("shandong", None), ("shanxi", "2024-excellent")]
EXAMPLE_FILES = sorted(p for p in (ROOT / "examples").rglob("*")
                       if p.suffix in (".json", ".yaml", ".toml") and "batch" not in p.name
                       and "review" not in p.parts)
RUNNER = CliRunner(env={"GRADIENT_RULES_LANG": "en"})


@cache
def engines() -> tuple[Engine, Engine]:
    return Engine.from_installed(), Engine.from_installed(backend="reference")


@cache
def schema(jurisdiction: str, call: str | None) -> dict[str, Any]:
    return application_schema(engines()[0].scope(jurisdiction, call=call))


@st.composite
def target(draw: st.DrawFn) -> tuple[str, str | None, dt.date | None]:
    jurisdiction, call = draw(st.sampled_from(TARGETS))
    scope = engines()[0].scope(jurisdiction, call=call)
    start = scope.call.issued if scope.call else scope.conditions.valid_from
    on = draw(st.sampled_from([None, *(start + dt.timedelta(days=d) for d in (0, 30, 200, 400))]
                              + [start + dt.timedelta(days=d) for d in (1, 60, 365)]))
    return jurisdiction, call, on


@cache
def examples(jurisdiction: str) -> list[dict[str, Any]]:
    """The bundled applications of a jurisdiction, as mappings (valid starting points)."""
    from gradient_rules._loading import read_mapping

    found = [read_mapping(p) for p in EXAMPLE_FILES if p.parent.name == jurisdiction]
    if jurisdiction == "shanxi":
        batch = read_mapping(ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml")
        found += [entry["application"] for entry in batch["entries"]]
    return found or examples("national")


def application(jurisdiction: str, call: str | None) -> st.SearchStrategy[Any]:
    """Drawn from the jurisdiction's schema, or one of its examples; then mutated."""
    start = from_schema(schema(jurisdiction, call)) | st.sampled_from(examples(jurisdiction))
    return mutated(start)


def _args(path: Path, jurisdiction: str, call: str | None, on: dt.date | None,
          tier: str | None, fmt: str) -> list[str]:
    args = ["assess", str(path), "-j", jurisdiction, "--format", fmt]
    if call:
        args += ["--call", call]
    if on:
        args += ["--on", on.isoformat()]
    if tier:
        args += ["--tier", tier]
    return args


def _check_cli(args: list[str]) -> int:
    with time_limit(60):
        result = RUNNER.invoke(cli, args)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output[-2000:])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    event(f"{args[0]} exit {result.exit_code}")
    return int(result.exit_code)


def _check_backends(path: Path, jurisdiction: str, call: str | None,
                    on: dt.date | None) -> None:
    durable, reference = engines()
    try:
        app = load_application(path)
    except GradientRulesError:
        return
    outcomes: list[object] = []
    for engine in (durable, reference):
        try:
            with time_limit(60):
                outcomes.append(engine.assess(app, jurisdiction=jurisdiction, call=call,
                                              on=on).model_dump(exclude={"backend"}))
        except GradientRulesError as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]


@FUZZ
@given(where=target(), data=st.data(), kind=st.sampled_from(["json", "yaml"]),
       tier=st.sampled_from([None, "basic", "excellent"]),
       fmt=st.sampled_from(["table", "json", "markdown"]))
def test_fuzz_application_files(where: tuple[str, str | None, dt.date | None],
                                data: st.DataObject, kind: str, tier: str | None,
                                fmt: str) -> None:
    jurisdiction, call, on = where
    value = data.draw(application(jurisdiction, call), label="application")
    raw = serialised(value, kind)
    if data.draw(st.integers(0, 3), label="damage the bytes one time in four") == 0:
        raw = data.draw(damaged(raw), label="damaged")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"application.{kind}"
        path.write_bytes(raw)
        code = _check_cli(_args(path, jurisdiction, call, on, tier, fmt))
        if code != 2:
            _check_backends(path, jurisdiction, call, on)
        _check_cli(["validate", str(path), "-j", jurisdiction])


@FUZZ
@given(example=st.sampled_from(EXAMPLE_FILES), data=st.data())
def test_fuzz_damaged_example_files(example: Path, data: st.DataObject) -> None:
    raw = data.draw(damaged(example.read_bytes()), label="damaged")
    jurisdiction = example.parent.name if example.parent.name != "examples" else "national"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / example.name
        path.write_bytes(raw)
        code = _check_cli(["assess", str(path), "-j", jurisdiction])
        if code != 2:
            _check_backends(path, jurisdiction, None, None)


@FUZZ
@given(where=target(), data=st.data())
def test_fuzz_the_python_api_raises_only_library_errors(
        where: tuple[str, str | None, dt.date | None], data: st.DataObject) -> None:
    jurisdiction, call, on = where
    value = data.draw(application(jurisdiction, call), label="application")
    results: list[object] = []
    for engine in engines():
        try:
            with time_limit(60):
                results.append(engine.assess(value, jurisdiction=jurisdiction, call=call,
                                             on=on).model_dump(exclude={"backend"}))
        except GradientRulesError as error:
            results.append(str(error))
    assert results[0] == results[1]
