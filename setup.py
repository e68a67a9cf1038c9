"""Build the package's extensions (everything else is in pyproject.toml).

* ``gradient_rules._pyeval_shim``: the one symbol durable-rules lacks on CPython 3.13+
  (``src/gradient_rules/_pyeval_shim.c``, decision D28), built against the stable ABI.
* The modules listed in ``gradient_rules._accelerated.COMPILED``, compiled with mypyc
  (decision D41), and ``_compiled_from.py`` recording the source each was compiled from, so
  that an edited source is never shadowed by a stale extension.  Set
  ``GRADIENT_RULES_PURE_PYTHON=1`` when building to compile none of them.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PACKAGE = Path("src") / "gradient_rules"
"""Relative to ROOT, as setuptools wants the sources named."""
PURE = "GRADIENT_RULES_PURE_PYTHON"
"""Set to ``1`` to build no compiled module (the shim is always built)."""


def _compiled_modules() -> tuple[str, ...]:
    """``COMPILED`` as the package states it (read, not imported: nothing is installed yet)."""
    tree = ast.parse((ROOT / PACKAGE / "_accelerated.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and node.target.id == "COMPILED" and node.value is not None):
            value = ast.literal_eval(node.value)
            assert isinstance(value, tuple)
            return tuple(str(name) for name in value)
    raise RuntimeError("src/gradient_rules/_accelerated.py states no COMPILED tuple")


def _digest() -> Callable[[bytes], str]:
    """``_accelerated.digest``, run from its source: the import-time check uses the same."""
    source = (ROOT / PACKAGE / "_accelerated.py").read_text(encoding="utf-8")
    found = [node for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef) and node.name == "digest"]
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=found, type_ignores=[]), "_accelerated.py", "exec"), namespace)
    digest: Callable[[bytes], str] = namespace["digest"]
    return digest


def _record(modules: tuple[str, ...]) -> None:
    """Write ``_compiled_from.py``: each compiled module's source digest."""
    digest = _digest()
    lines = []
    for name in modules:
        source = (ROOT / PACKAGE / f"{name}.py").read_bytes()
        lines.append(f'    "{name}": "{digest(source)}",')
    (ROOT / PACKAGE / "_compiled_from.py").write_text(
        '"""Written by setup.py: the digest of each source compiled with mypyc (D41)."""\n\n'
        "SOURCES: dict[str, str] = {\n" + "\n".join(lines) + "\n}\n", encoding="utf-8")


MYPY_CONFIG = """\
[mypy]
mypy_path = src
plugins = pydantic.mypy
ignore_missing_imports = True
follow_imports = silent
"""
"""The type check mypyc compiles under: the build environment holds pydantic (for its
plugin) but not every runtime dependency, so the modules that are not compiled are
followed silently and missing libraries are Any.  ``mypy --strict`` with the project's own
configuration checks everything in CI."""


class BuildExtensions(build_ext):
    """``build_ext`` that first generates the compiled modules' C.

    Only when building: setuptools also runs this script to ask what a build requires.
    """

    def finalize_options(self) -> None:
        """Add the mypyc extensions (or, for a pure-Python build, drop the record)."""
        if os.environ.get(PURE) == "1":
            (ROOT / PACKAGE / "_compiled_from.py").unlink(missing_ok=True)
        else:
            assert self.distribution.ext_modules is not None
            self.distribution.ext_modules.extend(_mypyc_extensions())
        super().finalize_options()


def _mypyc_extensions() -> list[Extension]:
    from mypyc.build import mypycify

    modules = _compiled_modules()
    _record(modules)
    build = Path("build") / "mypyc"
    build.mkdir(parents=True, exist_ok=True)
    config = build / "mypy.ini"
    config.write_text(MYPY_CONFIG, encoding="utf-8")
    found: list[Extension] = mypycify(
        ["--config-file", str(config), "--cache-dir", str(build / "cache"),
         *(str(PACKAGE / f"{name}.py") for name in modules)],
        opt_level="3", group_name="gradient_rules")
    return found


SHIM = Extension("gradient_rules._pyeval_shim", sources=[str(PACKAGE / "_pyeval_shim.c")],
                 define_macros=[("Py_LIMITED_API", "0x030B0000")], py_limited_api=True)

if __name__ == "__main__":  # as setuptools runs it (imported, it only defines)
    setup(ext_modules=[SHIM], cmdclass={"build_ext": BuildExtensions})
