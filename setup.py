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
import hashlib
import os
from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent
PACKAGE = Path("src") / "gradient_rules"
"""Relative to ROOT, as setuptools wants the sources named."""


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


def _record(modules: tuple[str, ...]) -> None:
    """Write ``_compiled_from.py``: each compiled module's source digest."""
    lines = []
    for name in modules:
        source = (ROOT / PACKAGE / f"{name}.py").read_bytes()
        lines.append(f'    "{name}": "{hashlib.sha256(source).hexdigest()}",')
    (ROOT / PACKAGE / "_compiled_from.py").write_text(
        '"""Written by setup.py: the digest of each source compiled with mypyc (D41)."""\n\n'
        "SOURCES: dict[str, str] = {\n" + "\n".join(lines) + "\n}\n", encoding="utf-8")


def extensions() -> list[Extension]:
    """The shim, and the compiled modules unless a pure-Python build is asked for."""
    found = [Extension("gradient_rules._pyeval_shim",
                       sources=[str(PACKAGE / "_pyeval_shim.c")],
                       define_macros=[("Py_LIMITED_API", "0x030B0000")],
                       py_limited_api=True)]
    if os.environ.get("GRADIENT_RULES_PURE_PYTHON") == "1":
        (ROOT / PACKAGE / "_compiled_from.py").unlink(missing_ok=True)
        return found
    from mypyc.build import mypycify

    modules = _compiled_modules()
    _record(modules)
    found += mypycify([str(PACKAGE / f"{name}.py") for name in modules],
                      opt_level="3", group_name="gradient_rules")
    return found


if __name__ == "__main__":  # as setuptools runs it (imported, it only defines)
    setup(ext_modules=extensions())
