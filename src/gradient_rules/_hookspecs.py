"""Hook specifications: the contract between gradient-rules and jurisdiction plugins.

A plugin is any object (usually a module) with functions marked ``@hookimpl``, registered
under the entry-point group ``gradient_rules``.  Every hook is documented in
``docs/hooks.md``; a test fails when one is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

import pluggy

from ._conditions import Condition

__all__ = ["JurisdictionSource", "hookimpl", "hookspec"]

PROJECT = "gradient_rules"
hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification (used by this module only)."""
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation: ``@hookimpl def gradient_rules_jurisdictions(): ...``."""


@dataclass(frozen=True)
class JurisdictionSource:
    """Where a jurisdiction's data directory lies (``jurisdiction.toml`` plus pack dirs)."""

    code: str
    """The jurisdiction code the directory must declare."""
    data: Traversable
    """The directory; usually ``importlib.resources.files(package) / "data"``."""

    @classmethod
    def from_package(cls, code: str, package: str, directory: str = "data") -> JurisdictionSource:
        """The data directory shipped inside ``package``."""
        return cls(code, files(package) / directory)


@hookspec
def gradient_rules_jurisdictions() -> Iterable[JurisdictionSource]:  # type: ignore[empty-body]
    """Return the jurisdictions this plugin provides.

    Called once, when an :class:`~gradient_rules.Engine` is built.  Return an iterable of
    :class:`JurisdictionSource`; the host reads and validates the TOML files and reports
    errors naming the plugin, file and key.  A jurisdiction code provided by two plugins is
    an error naming both; a rule id used by two jurisdictions likewise.

    Example::

        @hookimpl
        def gradient_rules_jurisdictions():
            return [JurisdictionSource.from_package("guizhou", "gradient_rules_guizhou")]
    """


@hookspec
def gradient_rules_condition_kinds() -> Iterable[type[Condition]]:  # type: ignore[empty-body]
    """Return condition kinds this plugin adds to the closed built-in set.

    Called once, before any rule pack is read, so every plugin's TOML may use every kind.
    Each item is a subclass of :class:`~gradient_rules.Condition` whose ``kind`` field is a
    ``Literal`` with a default; it implements ``evaluate`` (plain Python), ``checks``
    (durable-rules patterns deriving ``not_met``/``unknown``) and ``explain``.  A kind name
    already taken (built in, or by another plugin) is an error naming both owners.

    Example::

        @hookimpl
        def gradient_rules_condition_kinds():
            return [CreditCodeValid]
    """
