"""The one exception tree of gradient-rules.

Every error a caller can see derives from :class:`GradientRulesError`.  Exceptions of
dependencies (pydantic, durable-rules, tomllib, PyYAML) are translated where they arise.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ApplicationError",
    "DataFileError",
    "EngineError",
    "GradientRulesError",
    "OutOfValidityError",
    "PluginError",
    "RuleEvaluationError",
    "UnknownJurisdictionError",
]


class GradientRulesError(Exception):
    """Base class of every error raised by gradient-rules."""


class ApplicationError(GradientRulesError, ValueError):
    """An application (or another caller input) is invalid.

    ``problems`` lists ``(field path, message)`` pairs; ``str()`` names each one.
    """

    def __init__(self, problems: Sequence[tuple[str, str]], *, source: str | None = None) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        self.source = source
        where = f"{source}: " if source else ""
        lines = [f"{where}{path}: {message}" if path else f"{where}{message}"
                 for path, message in self.problems]
        super().__init__("\n".join(lines) if lines else f"{where}invalid application")


class OutOfValidityError(ApplicationError):
    """The evaluation date falls outside every rule pack of the jurisdiction."""


class UnknownJurisdictionError(GradientRulesError, LookupError):
    """No installed plugin provides the requested jurisdiction."""

    def __init__(self, code: str, known: Sequence[str]) -> None:
        self.code = code
        self.known = tuple(known)
        choices = ", ".join(repr(k) for k in self.known) or "none installed"
        super().__init__(f"unknown jurisdiction {code!r}; installed jurisdictions: {choices}")


class PluginError(GradientRulesError):
    """A plugin is broken: it failed to load, returned bad values, or clashes with another."""

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}" if plugin else message)


class DataFileError(PluginError):
    """A plugin's data file is malformed; the message names the file and the key path."""

    def __init__(self, file: str, key: str, message: str, *, plugin: str | None = None) -> None:
        self.file = file
        self.key = key
        where = f"{file}, key {key!r}" if key else file
        super().__init__(f"{where}: {message}", plugin=plugin)


class EngineError(GradientRulesError):
    """The rules engine failed; the lower library's error is kept as ``__cause__``."""


class RuleEvaluationError(EngineError):
    """Code inside one or more rules raised; ``errors`` holds ``(rule name, exception)``."""

    def __init__(self, ruleset: str, errors: Sequence[tuple[str, BaseException]]) -> None:
        self.ruleset = ruleset
        self.errors = tuple(errors)
        detail = "; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in self.errors)
        super().__init__(f"rule evaluation failed in ruleset {ruleset!r}: {detail}")
