"""Rule coverage: which rules a test suite saw met, not met and unknown.

:class:`RuleCoverage` records every assessment made while it is active (it wraps
``Engine.assess`` for the duration, on every engine) and reports, for the rules of the
jurisdictions under test, which outcomes were exercised.  The pytest plugin's
``--gr-coverage`` option uses it; it works the same from a script.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._assessment import Assessment
from ._engine import Engine
from ._vocabulary import Outcome

__all__ = ["CoverageRow", "RuleCoverage"]


@dataclass(frozen=True)
class CoverageRow:
    """One rule's coverage."""

    rule_id: str
    """The rule."""
    source: str
    """Where it is defined: ``<jurisdiction>:<version>`` or ``<jurisdiction>/<call>``."""
    outcomes: frozenset[Outcome]
    """Outcomes some test saw."""

    @property
    def complete(self) -> bool:
        """Seen both met and not met."""
        return {Outcome.MET, Outcome.NOT_MET} <= self.outcomes


@dataclass
class RuleCoverage:
    """Outcomes seen per rule id while :meth:`recording`."""

    seen: dict[str, set[Outcome]] = field(default_factory=dict)

    def add(self, assessment: Assessment) -> None:
        """Count the findings of one assessment."""
        for tier in assessment.tiers:
            for finding in tier.findings:
                self.seen.setdefault(finding.rule_id, set()).add(finding.outcome)

    @contextmanager
    def recording(self) -> Iterator[RuleCoverage]:
        """Record every ``Engine.assess`` made inside the ``with`` block."""
        original = Engine.assess

        def assess(engine: Engine, *args: Any, **kwargs: Any) -> Assessment:
            result = original(engine, *args, **kwargs)
            self.add(result)
            return result

        Engine.assess = assess  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            Engine.assess = original  # type: ignore[method-assign]

    def report(self, engine: Engine, jurisdictions: Iterable[str]) -> list[CoverageRow]:
        """One row per rule defined by ``jurisdictions`` (their own packs and calls)."""
        rows: list[CoverageRow] = []
        done: set[str] = set()
        for code in jurisdictions:
            sources = [(p.ruleset_name, p.rules) for p in engine.packs(code)
                       if p.jurisdiction.code == code]
            sources += [(c.key, c.rules) for c in engine.calls(code)]
            for source, rules in sources:
                for rule in rules:
                    if rule.id not in done:
                        done.add(rule.id)
                        rows.append(CoverageRow(rule.id, source,
                                                frozenset(self.seen.get(rule.id, ()))))
        return rows
