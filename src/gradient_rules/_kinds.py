"""The built-in condition kinds, in one closed tuple, and the registry plugins add kinds to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._conditions import KEY_PLANNED, OUTCOME_IN_KEY, AllOf, Condition
from ._errors import PluginError
from ._kinds_applicant import (
    AboveDesignatedSize,
    Attestation,
    Flag,
    LegalPersonOrBranch,
    MinLevel,
    RegisteredIn,
)
from ._kinds_filing import Deadline, MaterialsPresent
from ._kinds_record import NoIncidents, TitleHeld
from ._kinds_scenarios import KpisReported, ScenarioCount, SegmentsCovered

__all__ = [
    "BUILTIN_KINDS",
    "AboveDesignatedSize",
    "AllOf",
    "Attestation",
    "ConditionKinds",
    "Deadline",
    "Flag",
    "KpisReported",
    "LegalPersonOrBranch",
    "MaterialsPresent",
    "MinLevel",
    "NoIncidents",
    "RegisteredIn",
    "ScenarioCount",
    "SegmentsCovered",
    "TitleHeld",
    "built_in",
    "tier_free",
]

BUILTIN_KINDS: tuple[type[Condition], ...] = (
    MinLevel, Attestation, Flag, RegisteredIn, AboveDesignatedSize, NoIncidents,
    SegmentsCovered, ScenarioCount, KpisReported, Deadline, AllOf, LegalPersonOrBranch,
    TitleHeld, MaterialsPresent,
)

TIER_FREE_KINDS: frozenset[type[Condition]] = frozenset({
    Attestation, Flag, RegisteredIn, AboveDesignatedSize, LegalPersonOrBranch, NoIncidents,
    KpisReported,
})
"""Built-in kinds whose ``evaluate``, ``explanation_key`` and ``explain`` never read the tier
asked for.

Exact classes: a plugin's subclass may read the tier, so it is not in the set."""


KEY_PLANNED.update({
    Attestation, Flag, RegisteredIn, AboveDesignatedSize, LegalPersonOrBranch, NoIncidents,
    MinLevel, SegmentsCovered, ScenarioCount, KpisReported, AllOf,
})
# Each computes its explanation_key from its own key plan (_keys.compute_key).

OUTCOME_IN_KEY.update({
    Attestation, Flag, RegisteredIn, AboveDesignatedSize, LegalPersonOrBranch, NoIncidents,
    MinLevel, SegmentsCovered, ScenarioCount, KpisReported,
})
# Each of these reads in ``evaluate`` only what its ``explanation_key`` returns (plus the
# tier and its own parameters); tests/test_finding_reuse.py holds them to it.


_BUILTIN = frozenset(BUILTIN_KINDS)


def built_in(condition: Condition) -> bool:
    """Whether ``condition`` is a built-in kind throughout (``all_of`` parts included).

    Exact classes: a plugin's subclass is not built in.  A built-in kind's explanation key
    is always hashable, so the assembly does not check it.
    """
    cls = type(condition)
    if cls is AllOf:
        assert isinstance(condition, AllOf)
        return all(built_in(part) for part in condition.conditions)
    return cls in _BUILTIN


def tier_free(condition: Condition) -> bool:
    """Whether ``condition``'s outcome, key and explanation are the same at every tier.

    Then one explanation key (and one explanation) serves every tier of an assessment
    (D38).  ``all_of`` is tier free when all its parts are; any other kind only when it is
    one of ``TIER_FREE_KINDS``.
    """
    cls = type(condition)
    if cls is AllOf:
        assert isinstance(condition, AllOf)
        return all(tier_free(part) for part in condition.conditions)
    return cls in TIER_FREE_KINDS


class ConditionKinds:
    """The registry of condition kinds: the built-in closed set plus plugins' additions."""

    def __init__(self, extra: Iterable[tuple[str, type[Condition]]] = ()) -> None:
        self._kinds: dict[str, type[Condition]] = {}
        self._owners: dict[str, str] = {}
        for cls in BUILTIN_KINDS:
            self._add(cls, "gradient_rules")
        for owner, cls in extra:
            self._add(cls, owner)

    def add(self, cls: type[Condition], owner: str) -> None:
        """Add a plugin's kind; a duplicate name or a non-kind is a :class:`PluginError`."""
        self._add(cls, owner)

    def _add(self, cls: type[Condition], owner: str) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Condition)):
            raise PluginError(f"condition kind {cls!r} is not a subclass of Condition",
                              plugin=owner)
        field = cls.model_fields.get("kind")
        name = field.default if field is not None else None
        if not isinstance(name, str) or not name:
            raise PluginError(f"condition kind {cls.__name__} needs a default for `kind`",
                              plugin=owner)
        if name in self._kinds:
            raise PluginError(
                f"condition kind {name!r} is defined by both {self._owners[name]!r} and "
                f"{owner!r}; rename one of them", plugin=owner)
        self._kinds[name] = cls
        self._owners[name] = owner

    def owner(self, name: str) -> str:
        """The plugin (or ``gradient_rules``) that defines a kind."""
        return self._owners.get(name, "?")

    def names(self) -> tuple[str, ...]:
        """Known kind names, sorted."""
        return tuple(sorted(self._kinds))

    def get(self, name: str) -> type[Condition]:
        """The class of a kind."""
        return self._kinds[name]

    def parse(self, data: Any, where: str = "condition") -> Condition:
        """Validate a condition table; the kind picks the model."""
        if isinstance(data, Condition):
            return data
        if not isinstance(data, Mapping) or "kind" not in data:
            raise ValueError(f"{where} must be a table with a `kind` key")
        kind = data["kind"]
        if kind not in self._kinds:
            raise ValueError(
                f"unknown condition kind {kind!r}; known kinds: {', '.join(self.names())}")
        return self._kinds[kind].model_validate(dict(data), context={"condition_kinds": self})
