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

    ``problems`` lists ``(field path, message)`` pairs in English and ``problems_zh`` the
    same pairs in Chinese (same order, same paths); ``str()`` names each English one.
    Built from a plain message, a list of pairs, or a list of ``(path, English, Chinese)``
    triples.
    """

    def __init__(self, problems: str | Sequence[tuple[str, str] | tuple[str, str, str]],
                 *, source: str | None = None,
                 problems_zh: Sequence[tuple[str, str]] | None = None) -> None:
        items = _items(problems)
        english: list[tuple[str, str]] = []
        chinese: list[tuple[str, str]] = []
        for item in items:
            path, message = str(item[0]), str(item[1])
            english.append((path, message))
            chinese.append((path, str(item[2]) if len(item) > 2 and item[2] else message))
        if problems_zh is not None:
            chinese = [(str(path), str(message)) for path, message in problems_zh]
        self.problems: tuple[tuple[str, str], ...] = tuple(english)
        self.problems_zh: tuple[tuple[str, str], ...] = tuple(chinese)
        self.source = source
        super().__init__(self.text("en") or self._where() + "invalid application")

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem, ``source: field: message``, in ``lang`` (``zh`` or ``en``)."""
        where = self._where()
        pairs = self.problems_zh if lang == "zh" else self.problems
        return [f"{where}{path}: {message}" if path else f"{where}{message}"
                for path, message in pairs]

    def text(self, lang: str = "en") -> str:
        """All problems, one per line, in ``lang``."""
        return "\n".join(self.lines(lang))


def _items(problems: object) -> list[tuple[object, ...]]:
    """``(path, message[, Chinese])`` tuples from whatever a caller passed.

    A message, a list of pairs or triples, or (leniently) any other value, shown as text.
    """
    if isinstance(problems, str) or not isinstance(problems, Sequence):
        return [("", str(problems))]
    items: list[tuple[object, ...]] = []
    for item in problems:
        if isinstance(item, tuple | list) and len(item) in (2, 3):
            items.append(tuple(item))
        else:
            items.append(("", str(item)))
    return items


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
