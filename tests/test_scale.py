"""A 10,000-application run through the durable-rules engine: no crash, flat memory."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import pytest

from gradient_rules import Engine

spec = importlib.util.spec_from_file_location(
    "scale", Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py")
assert spec is not None and spec.loader is not None
scale: Any = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scale)


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
