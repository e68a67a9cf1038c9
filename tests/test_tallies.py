"""The durable backend counts qualifying claims in the engine's messages.

Counting occurrences in the ``qualify`` rules' messages must give exactly the tallies of the
decoded matches, and the qualifying pairs read from them must equal the reference backend's.
"""

from __future__ import annotations

import random
from typing import Any

import generate
import pytest

import gradient_rules_guizhou
import gradient_rules_national
from gradient_rules import Engine
from gradient_rules._application import parse_application
from gradient_rules._durable import Session
from gradient_rules._evaluation import (
    QUALIFY,
    _matched_claims,
    _tallies,
    evaluate_durable,
    evaluate_reference,
)
from gradient_rules._facts import CaseFacts, tally_matched
from gradient_rules._resolve import resolve
from gradient_rules._scope import Scope


@pytest.fixture(scope="module")
def durable() -> Engine:
    return Engine(plugins=[gradient_rules_national, gradient_rules_guizhou])


def _fired(engine: Engine, scope: Scope, facts: CaseFacts) -> dict[str, list[str]]:
    """The first batch's firings, as the driver sees them."""
    def first(session: Session) -> dict[str, list[str]]:
        session.assert_facts(facts.input_facts(cells=scope.counts_described_only),
                             checked=True)
        return {name: list(messages) for name, messages in session.fired.items()}
    assert engine._adapter is not None
    evaluate_durable(engine._adapter, scope, facts)  # registers the ruleset
    return engine._adapter.evaluate(scope.ruleset_name, first)


@pytest.mark.parametrize("jurisdiction", ["national", "guizhou"])
def test_counted_tallies_equal_the_decoded_matches(durable: Engine, jurisdiction: str) -> None:
    on = generate.GENERATORS[jurisdiction][1]
    scope = durable.scope(jurisdiction, on=on)
    checked = 0
    for app in generate.applications(jurisdiction, 120, seed=3):
        facts = resolve(scope, parse_application(app), on).facts
        if facts.claims is None:
            continue
        fired = _fired(durable, scope, facts)
        decoded = tally_matched(facts.claim_segments, _matched_claims(fired))
        counted, tally_facts = _tallies(fired, facts.claims)
        assert counted == decoded
        assert tally_facts == [tally.as_fact() for tally in decoded.values()]
        derived = evaluate_durable(durable._adapter, scope, facts)  # type: ignore[arg-type]
        assert derived.qualifying == evaluate_reference(scope, facts).qualifying
        assert derived.tallies == decoded
        checked += 1
    assert checked > 50


def test_counts_that_do_not_add_up_are_decoded_instead(durable: Engine) -> None:
    scope = durable.scope("national", on=generate.ON)
    app: dict[str, Any] = generate.national(random.Random(1), 0)
    app["scenarios"] = [{"segment": "production_operations", "tier": "leading", "name": "a"},
                        {"segment": "research_and_design", "tier": "basic", "name": "b"}]
    facts = resolve(scope, parse_application(app), generate.ON).facts
    assert facts.claims is not None
    fired = _fired(durable, scope, facts)
    name = QUALIFY[next(iter(QUALIFY))]
    # A message claiming more matches than there are claims is not trusted as counted:
    # the decoded matches (which name each claim once) decide.
    message = fired[name][0]
    inner = message[message.index("[") + 1:message.rindex("]")]
    fired[name] = [message.replace(inner, f"{inner},{inner}", 1)]  # every match twice
    counted, _ = _tallies(fired, facts.claims)
    assert counted == tally_matched(facts.claim_segments, _matched_claims(fired))
    assert counted[next(iter(QUALIFY))].qualifying == 2  # each claim once, as decoded
