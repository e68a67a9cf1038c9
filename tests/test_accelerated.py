"""The modules compiled with mypyc (D41): used only when built from the source beside them.

An edited source in an editable install must take effect, so a stale or partial set of
extensions is never used; and the compiled and the source forms give the same assessments.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gradient_rules import _accelerated
from gradient_rules._accelerated import COMPILED, ENVIRONMENT, choose, digest

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _package(tmp_path: Path, *, compiled: tuple[str, ...] = COMPILED) -> dict[str, str]:
    """A folder with each module's source, extensions for ``compiled``; the build's record."""
    record = {}
    for name in COMPILED:
        source = f"# {name}\n".encode()
        (tmp_path / f"{name}.py").write_bytes(source)
        record[name] = digest(source)
        if name in compiled:
            (tmp_path / f"{name}{SUFFIX}").write_bytes(b"\x7fELF")
    return record


def test_extensions_built_from_the_sources_beside_them_are_used(tmp_path: Path) -> None:
    record = _package(tmp_path)
    assert choose(tmp_path, record, {}) == "compiled"


def test_an_edited_source_is_loaded_instead_of_its_stale_extension(tmp_path: Path) -> None:
    record = _package(tmp_path)
    (tmp_path / "_facts.py").write_text("# _facts, edited\n")
    assert choose(tmp_path, record, {}) == "source: _facts.py changed since it was compiled"


@pytest.mark.parametrize(("compiled", "record", "environment", "why"), [
    ((), True, {}, "source: not compiled (a pure-Python build)"),
    (COMPILED[1:], True, {}, f"source: no compiled {COMPILED[0]}"),
    (COMPILED, False, {}, "source: the build left no record of its sources"),
    (COMPILED, True, {ENVIRONMENT: "1"}, f"source: {ENVIRONMENT}=1"),
])
def test_anything_short_of_a_whole_fresh_build_loads_every_module_from_source(
        tmp_path: Path, compiled: tuple[str, ...], record: bool, environment: dict[str, str],
        why: str) -> None:
    made = _package(tmp_path, compiled=compiled)
    assert choose(tmp_path, made if record else None, environment) == why


def test_the_modules_load_as_the_state_says() -> None:
    for name in COMPILED:
        module = importlib.import_module(f"gradient_rules.{name}")
        assert module.__file__ is not None
        extension = module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
        assert extension == (_accelerated.STATE == "compiled"), (name, _accelerated.STATE)


def test_the_build_compiled_the_modules_the_package_lists() -> None:
    # setup.py reads COMPILED from _accelerated.py; what it compiled, it recorded.
    if _accelerated.STATE == "source: not compiled (a pure-Python build)":
        pytest.skip("a pure-Python build compiles nothing")
    record = importlib.import_module("gradient_rules._compiled_from").SOURCES
    assert tuple(sorted(record)) == tuple(sorted(COMPILED))


def _assess(environment: dict[str, str]) -> dict[str, object]:
    code = textwrap.dedent("""
        import json, sys
        import generate
        import gradient_rules_guizhou, gradient_rules_national
        from gradient_rules import Engine, _accelerated
        engine = Engine(plugins=[gradient_rules_national, gradient_rules_guizhou])
        out = [engine.assess(app, jurisdiction=j, on=generate.GENERATORS[j][1]).model_dump_json()
               for j in ("national", "guizhou") for app in generate.applications(j, 40, seed=9)]
        print(json.dumps({"state": _accelerated.STATE, "assessments": out}))
    """)
    env = {**os.environ, **environment, "PYTHONPATH": str(ROOT / "benchmarks")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_the_source_and_the_compiled_forms_assess_alike() -> None:
    pure = _assess({ENVIRONMENT: "1"})
    default = _assess({})
    assert pure["state"] == f"source: {ENVIRONMENT}=1"
    assert default["state"] == _accelerated.STATE
    assert pure["assessments"] == default["assessments"]
