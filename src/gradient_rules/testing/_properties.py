"""Run the invariants over generated applications, outside a test suite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from .._engine import Engine
from .._errors import GradientRulesError
from .._vocabulary import Outcome, Tier
from ._invariants import check_invariants
from ._strategies import applications

__all__ = ["PropertyFailure", "find_application", "run_properties"]


@dataclass(frozen=True)
class PropertyFailure:
    """An invariant that broke, and the (shrunk) application that breaks it."""

    jurisdiction: str
    """Where."""
    call: str | None
    """The call, or ``None`` for a self-assessment."""
    broken: tuple[str, ...]
    """``invariant: what happened`` lines."""
    application: dict[str, Any]
    """The smallest application hypothesis found."""


def run_properties(engine: Engine, reference: Engine, jurisdiction: str, *,
                   call: str | None = None, on: dt.date | None = None,
                   examples: int = 100) -> PropertyFailure | None:
    """Check every invariant on ``examples`` generated applications.

    And on as many stating every fact.  Returns the first failure, shrunk, or ``None``.
    """
    config = settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), derandomize=True)
    for all_stated in (False, True):
        failure = _run(engine, reference, jurisdiction, call, on, config, all_stated)
        if failure is not None:
            return failure
    return None


def _run(engine: Engine, reference: Engine, jurisdiction: str, call: str | None,
         on: dt.date | None, config: settings, all_stated: bool) -> PropertyFailure | None:
    found: list[PropertyFailure] = []
    strategy = applications(engine, jurisdiction, call=call, on=on, unstated=not all_stated)

    @config
    @given(app=strategy)
    def holds(app: dict[str, Any]) -> None:
        try:
            broken = check_invariants(engine, app, jurisdiction=jurisdiction, call=call, on=on,
                                      reference=reference, all_stated=all_stated)
        except GradientRulesError as error:
            broken = [f"valid-input: a generated application was refused: {error}"]
        if broken:
            found.append(PropertyFailure(jurisdiction, call, tuple(broken), app))
            raise AssertionError("; ".join(broken))

    try:
        holds()
    except AssertionError:
        return found[-1]  # the last failing call is the shrunk example
    return None


def find_application(engine: Engine, jurisdiction: str, rule_id: str, outcome: Outcome, *,
                     call: str | None = None, on: dt.date | None = None,
                     examples: int = 5000) -> tuple[dict[str, Any], Tier]:
    """An application on which ``rule_id`` has ``outcome`` at some tier, and the tier.

    Searches generated applications; returns the first found (not shrunk).  Fails
    (``AssertionError``) when none of ``examples`` tries does: the rule may be one no
    application can meet or fail.
    """
    scope = engine.scope(jurisdiction, call=call, on=on)
    rule = next((r for r in scope.rules if r.id == rule_id), None)
    assert rule is not None, f"{rule_id} is not a rule of {jurisdiction}"
    strategy = st.one_of(
        applications(engine, jurisdiction, call=call, on=on, unstated=False),
        applications(engine, jurisdiction, call=call, on=on, near_thresholds=True))

    def tier_of(app: dict[str, Any]) -> Tier | None:
        try:
            result = engine.assess(app, jurisdiction=jurisdiction, call=call, on=on)
        except GradientRulesError:
            return None
        for tier in result.tiers:
            if tier.tier in rule.tiers and tier.finding(rule_id).outcome is outcome:
                return tier.tier
        return None

    config = settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), derandomize=True,
                      phases=(Phase.explicit, Phase.generate))  # the first found will do
    try:
        app = find(strategy, lambda a: tier_of(a) is not None, settings=config)
    except NoSuchExample:
        raise AssertionError(f"no generated application has {rule_id} {outcome.value} "
                             f"(tried {examples})") from None
    tier = tier_of(app)
    assert tier is not None
    return app, tier
