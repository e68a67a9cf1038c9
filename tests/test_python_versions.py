"""Every supported Python: durable-rules loads lazily, the 3.13 shim provides one symbol only.

See docs/decisions.md D28.  CI runs this file on 3.11, 3.12 and 3.13.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gradient_rules import EngineError, _durable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "national" / "excellent-candidate.yaml"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, check=False, cwd=ROOT)


@pytest.fixture
def fresh_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test load durable-rules again (the real loader state is restored afterwards)."""
    monkeypatch.setattr(_durable, "_loaded", None)


def test_importing_the_package_does_not_import_durable_rules() -> None:
    result = _run("""
        import sys
        import gradient_rules
        from gradient_rules import Engine
        import gradient_rules_national
        loaded = lambda: sorted(m for m in sys.modules
                                if m.split('.')[0] in ('durable', 'durable_rules_engine'))
        Engine(plugins=[gradient_rules_national], backend="reference")
        print(loaded())  # neither the import nor a reference engine loads durable-rules
        Engine(plugins=[gradient_rules_national])  # a durable engine compiles its rulesets
        print(loaded())
    """)
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.strip().split("\n")
    assert before == "[]"
    assert "durable_rules_engine" in after


def test_without_durable_rules_the_reference_backend_works_and_durable_explains() -> None:
    result = _run(f"""
        import sys
        sys.modules['durable'] = None                # both made unimportable
        sys.modules['durable_rules_engine'] = None
        import gradient_rules_national
        from gradient_rules import Engine, EngineError, load_application
        app = load_application({str(EXAMPLE)!r})
        reference = Engine(plugins=[gradient_rules_national], backend='reference')
        print([t.verdict.value for t in reference.assess(app, jurisdiction='national').tiers])
        durable = Engine(plugins=[gradient_rules_national])
        try:
            durable.assess(app, jurisdiction='national')
        except EngineError as error:
            print('EngineError:', error)
    """)
    assert result.returncode == 0, result.stderr
    verdicts, error = result.stdout.strip().split("\n")
    assert verdicts == "['eligible', 'eligible', 'eligible', 'not_eligible']"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert error.startswith("EngineError: the durable-rules engine cannot be loaded on CPython "
                            f"{python}.")
    assert "durable_rules_engine" in error  # the cause
    assert "pip install durable-rules==2.0.28" in error  # the remedy
    assert "backend='reference'" in error


def test_the_durable_backend_loads_here_and_the_shim_only_where_the_symbol_is_gone() -> None:
    durable = _durable.load_durable()
    assert durable.shimmed is (sys.version_info >= (3, 13))
    assert durable.native.__name__ == "durable_rules_engine"


# --- the loader's decisions, with the import failures durable-rules can give -------------


def _fake_imports(monkeypatch: pytest.MonkeyPatch, failures: list[str]) -> list[str]:
    """Make the next imports of the C extension fail with ``failures``; record shim loads."""
    _durable._load()  # the real extension in sys.modules (on 3.13+ through the real shim)
    events: list[str] = []
    real = _durable._import_native

    def fake_import() -> ModuleType:
        if failures:
            raise ImportError(failures.pop(0))
        return real()

    monkeypatch.setattr(_durable, "_import_native", fake_import)
    monkeypatch.setattr(_durable, "_load_shim", lambda: events.append("shim"))
    return events


UNDEFINED = "/x/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: undefined symbol: {}"


@pytest.mark.usefixtures("fresh_loader")
def test_the_shim_is_loaded_only_for_the_one_missing_symbol(
        monkeypatch: pytest.MonkeyPatch) -> None:
    events = _fake_imports(monkeypatch, [UNDEFINED.format("PyEval_CallObject")])
    assert _durable.load_durable().shimmed is True
    assert events == ["shim"]


@pytest.mark.usefixtures("fresh_loader")
def test_another_missing_symbol_is_reported_and_the_shim_not_tried(
        monkeypatch: pytest.MonkeyPatch) -> None:
    events = _fake_imports(monkeypatch, [UNDEFINED.format("PyEval_CallFunction")])
    with pytest.raises(EngineError, match="undefined symbol: PyEval_CallFunction") as info:
        _durable.load_durable()
    assert events == []
    assert "backend='reference'" in str(info.value)


@pytest.mark.usefixtures("fresh_loader")
def test_a_second_missing_symbol_behind_the_first_is_never_masked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    events = _fake_imports(monkeypatch, [UNDEFINED.format("PyEval_CallObject"),
                                         UNDEFINED.format("PyEval_CallMethod")])
    with pytest.raises(EngineError, match="undefined symbol: PyEval_CallMethod") as info:
        _durable.load_durable()
    assert events == ["shim"]
    assert "the shim provides only PyEval_CallObject" in str(info.value)


@pytest.mark.usefixtures("fresh_loader")
def test_a_missing_shim_is_an_engine_error_with_the_remedy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_durable, "_import_native", lambda: (_ for _ in ()).throw(
        ImportError(UNDEFINED.format("PyEval_CallObject"))))
    monkeypatch.setattr(_durable, "SHIM_MODULE", "gradient_rules._no_such_shim")
    with pytest.raises(EngineError) as info:
        _durable.load_durable()
    message = str(info.value)
    assert "Python 3.13 removed" in message and "--no-binary gradient-rules" in message
    assert "backend='reference'" in message


# --- the shim itself ---------------------------------------------------------------------


def _shim_path() -> str:
    spec = importlib.util.find_spec(_durable.SHIM_MODULE)
    assert spec is not None and spec.origin, "the shim is not built; pip install -e ."
    return spec.origin


def test_the_shim_is_built_for_the_stable_abi() -> None:
    assert _shim_path().endswith(".abi3.so")


def test_the_shim_exports_one_symbol_besides_its_module_init() -> None:
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm (binutils) is not installed")
    out = subprocess.run([nm, "-D", "--defined-only", _shim_path()], capture_output=True,
                         text=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines()
                      if re.search(r" [TDB] ", line))
    assert exported == ["PyEval_CallObject", "PyInit__pyeval_shim"]


def test_the_shim_fails_closed_and_never_calls_the_callable() -> None:
    shim = ctypes.PyDLL(_shim_path())
    function = shim.PyEval_CallObject
    function.restype = ctypes.py_object
    function.argtypes = [ctypes.py_object, ctypes.py_object]
    called: list[Any] = []
    with pytest.raises(RuntimeError, match="supports no such callback"):
        function(lambda *args: called.append(args), ("ruleset", "sid"))
    assert called == []


def test_a_library_missing_another_symbol_still_fails_to_load_after_the_shim(
        tmp_path: Path) -> None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) to build the probe library")
    source = tmp_path / "probe.c"
    source.write_text(textwrap.dedent("""
        extern void *PyEval_CallObject(void *, void *);
        extern void *PyEval_GoneToo(void *);
        void *probe(void *a) { return PyEval_GoneToo(PyEval_CallObject(a, a)); }
    """))
    library = tmp_path / "probe.so"
    subprocess.run([compiler, "-shared", "-fPIC", str(source), "-o", str(library)], check=True)
    ctypes.CDLL(_shim_path(), mode=os.RTLD_GLOBAL)
    with pytest.raises(OSError, match="undefined symbol: PyEval_GoneToo"):
        ctypes.CDLL(str(library), mode=os.RTLD_NOW)


# --- what the package says it supports ----------------------------------------------------


def test_requires_python_and_classifiers_name_the_versions_ci_runs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    listed = sorted(c.rsplit(" ", 1)[1] for c in project["classifiers"]
                    if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c))
    assert listed == ["3.11", "3.12", "3.13"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for version in listed[1:]:
        assert f"{version}" in ci, f".ci/run does not run the suite on {version}"
    for plugin in (ROOT / "plugins").glob("*/pyproject.toml"):
        data = tomllib.loads(plugin.read_text(encoding="utf-8"))["project"]
        assert data["requires-python"] == project["requires-python"], plugin
