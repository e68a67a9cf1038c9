"""The benchmark's generators and peers, checked against the engine.

- 10,000 applications through the durable-rules engine: no crash, flat memory (slow).
- The hand-written floor and the zen-engine JDM graph (benchmarks/peers.py) give the
  engine's tier verdicts: the benchmark's ratios compare like with like.
- Every generated application is assessed without bad input, in each jurisdiction.
"""

from __future__ import annotations

import random

import generate
import peers
import pytest
import scale
from hypothesis import given, settings
from hypothesis import strategies as st

from gradient_rules import Engine, Verdict


@pytest.mark.slow
def test_ten_thousand_applications_run_with_flat_memory(engine: Engine) -> None:
    rng = random.Random(7)
    readings: dict[int, float] = {}
    verdicts: set[str] = set()
    for i in range(1, 10_001):
        result = engine.assess(scale.application(rng, i), jurisdiction="national", on=scale.ON)
        verdicts.update(t.verdict.value for t in result.tiers)
        if i % 2000 == 0:
            readings[i] = scale.rss_mb()
    assert verdicts == {"eligible", "not_eligible", "undetermined"}
    # After warm-up, 8,000 more evaluations may not grow the process by more than 8 MB
    # (a leaked session costs ~1 MB each, per the field notes).
    assert readings[10_000] - readings[2000] < 8, readings


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_floor_gives_the_engines_verdicts(engine: Engine, seed: int) -> None:
    app = generate.national(random.Random(seed), 0)
    result = engine.assess(app, jurisdiction="national", on=generate.ON)
    assert peers.floor_verdicts(app, generate.ON) == {
        t.tier.value: t.verdict.value for t in result.tiers}


def test_floor_sees_each_verdict_and_a_recent_accident(engine: Engine) -> None:
    apps = generate.applications("national", 400)
    seen = {v for app in apps for v in peers.floor_verdicts(app, generate.ON).values()}
    assert seen == {v.value for v in Verdict}
    # An accident of grade larger two years ago refuses every tier; four years ago it does not.
    app = {**apps[0], "incidents": [{"kind": "safety", "grade": "larger",
                                      "occurred_on": "2022-11-23"}]}
    assert set(peers.floor_verdicts(app, generate.ON).values()) == {"not_eligible"}
    old = {**app, "incidents": [{"kind": "safety", "grade": "larger",
                                 "occurred_on": "2021-11-22"}]}
    assert engine.assess(old, jurisdiction="national", on=generate.ON).tiers[0].verdict \
        .value == peers.floor_verdicts(old, generate.ON)["basic"]


def test_zen_graph_gives_the_engines_verdicts(engine: Engine) -> None:
    pytest.importorskip("zen", reason="zen-engine is the [bench] extra")
    decision = peers.zen_decision()
    for app in generate.applications("national", 300, seed=11):
        result = engine.assess(app, jurisdiction="national", on=generate.ON)
        zen = decision.evaluate({**app, "on": generate.ON.isoformat()})["result"]["verdicts"]
        assert zen == {t.tier.value: t.verdict.value for t in result.tiers}


@pytest.mark.parametrize("jurisdiction", sorted(generate.GENERATORS))
def test_generated_applications_are_assessed(jurisdiction: str) -> None:
    import gradient_rules_guizhou
    import gradient_rules_national
    import gradient_rules_shandong

    engine = Engine(plugins=[gradient_rules_national, gradient_rules_guizhou,
                             gradient_rules_shandong])
    on = generate.GENERATORS[jurisdiction][1]
    rows = list(engine.assess_many(generate.applications(jurisdiction, 60),
                                   jurisdiction=jurisdiction, on=on))
    assert len(rows) == 60 and all(row.error is None for row in rows), [
        row.error for row in rows if row.error]
