"""Modules compiled with mypyc, and whether their compiled forms are used (decision D41).

The modules on the assessment path that hold plain functions and classes (no pydantic
models, no classes that others subclass or weakly reference) are compiled to C extensions
with mypyc when the package is built (``setup.py``).  They are the same source, typed and
checked by ``mypy --strict``; compiled, an assessment takes about a sixth fewer
instructions.  The build records each compiled module's source digest (:func:`digest`) in
``_compiled_from.py``.

On import the package uses the compiled modules only when every one of them was built from
the source now beside it.  Otherwise (a source edited in an editable install since the
last build, an extension missing, no record) or when the environment sets
``GRADIENT_RULES_PURE_PYTHON=1``, every one of them is loaded from its source: the two
forms never mix, and an edit always takes effect.  :data:`STATE` says which, and why.

Nothing here imports anything of the package: it runs before any compiled module loads.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["COMPILED", "ENVIRONMENT", "STATE", "choose", "digest", "install"]

COMPILED: tuple[str, ...] = (
    "_construct", "_durable_loop", "_evaluation", "_explain", "_facts", "_keys", "_limits",
    "_resolve", "_xlsx_rows",
)
"""The modules of ``gradient_rules`` that the build compiles with mypyc."""

ENVIRONMENT = "GRADIENT_RULES_PURE_PYTHON"
"""Set to ``1`` to load every compiled module from its source (at build time: to build none)."""

STATE = "not checked"
"""``compiled``, or ``source: <why>``: how the modules of :data:`COMPILED` were loaded."""

_PACKAGE = "gradient_rules"
_HERE = Path(__file__).resolve().parent


def digest(source: bytes) -> str:
    """The digest the build records for a module's source: its length and CRC-32.

    It tells an edited source from the one compiled (not a security check: the sources
    are the package's own).  zlib, not hashlib: hashlib would load OpenSSL at every start.
    setup.py runs this very function (read from this file), so the two cannot differ.
    """
    import zlib

    return f"{len(source)}-{zlib.crc32(source):08x}"


def choose(folder: Path, record: Mapping[str, str] | None, environment: Mapping[str, str],
           modules: Sequence[str] = COMPILED) -> str:
    """``compiled`` when every module's extension in ``folder`` was built from its source.

    Otherwise ``source: <why>``.  ``record`` is what the build recorded (module -> source
    digest), ``None`` when there is no record.
    """
    if environment.get(ENVIRONMENT) == "1":
        return f"source: {ENVIRONMENT}=1"
    built = [name for name in modules if _extension(folder, name) is not None]
    if not built:
        return "source: not compiled (a pure-Python build)"
    missing = sorted(set(modules) - set(built))
    if missing:
        return f"source: no compiled {', '.join(missing)}"
    if record is None:
        return "source: the build left no record of its sources"
    for name in modules:
        try:
            now = digest((folder / f"{name}.py").read_bytes())
        except OSError:
            return f"source: {name}.py cannot be read"
        if record.get(name) != now:
            return f"source: {name}.py changed since it was compiled"
    return "compiled"


def _extension(folder: Path, name: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


class _FromSource:
    """Finds the compiled modules' sources, ahead of their extensions (a meta path finder)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != _PACKAGE or name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, _HERE / f"{name}.py")


def install() -> str:
    """Decide how the compiled modules load (before any of them is imported); the state."""
    global STATE
    if STATE == "not checked":
        record: Mapping[str, str] | None
        try:  # written by the build, next to the extensions it compiled
            record = importlib.import_module(f"{_PACKAGE}._compiled_from").SOURCES
        except ImportError:
            record = None
        STATE = choose(_HERE, record, os.environ)
        if STATE != "compiled":
            sys.meta_path.insert(0, _FromSource())
    return STATE


install()  # on import: the package imports this module before any other of its own
