"""Run N generated national applications through both backends; report time ratio and RSS.

    python benchmarks/scale.py 10000

Figures are ratios within one run and RSS readings of this process (/proc/self/statm),
not absolute claims about other machines.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from typing import Any

import gradient_rules_national
from gradient_rules import Engine

ON = dt.date(2024, 11, 22)
SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
            "production_management", "operations_management"]
TIERS = ["basic", "advanced", "excellent", "leading"]
# The national pack's own attestation names, so this stays in step with the data.
ATTESTATIONS = sorted(
    Engine(plugins=[gradient_rules_national], backend="reference").pack("national").attestations)


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def application(rng: random.Random, i: int) -> dict[str, Any]:
    """A varied national application (seeded)."""
    return {
        "enterprise": {"name": f"企业{i}", "above_designated_size": rng.random() < 0.9},
        "self_assessment": {"maturity_level": rng.randint(1, 5)},
        "construction_completed": rng.random() < 0.8,
        "attestations": {a: rng.random() < 0.95 for a in ATTESTATIONS if rng.random() < 0.97},
        "incidents": [{"kind": rng.choice(["safety", "environmental", "quality"]),
                       "grade": rng.choice(["general", "larger", "major"]),
                       "occurred_on": (ON - dt.timedelta(days=rng.randint(0, 2000))).isoformat()}
                      for _ in range(rng.randint(0, 2))],
        "scenarios": [{"segment": rng.choice(SEGMENTS), "tier": rng.choice(TIERS),
                       "name": f"场景{k}"} for k in range(rng.randint(0, 12))],
        "kpis": {"KPI-01": 80.0} if rng.random() < 0.9 else {},
        "filing": {"online_filed_on": "2024-11-19", "paper_submitted_on": "2024-11-21"},
    }


def run(n: int) -> dict[str, Any]:
    """Assess ``n`` applications with each backend; return the figures."""
    rng = random.Random(20241122)
    apps = [application(rng, i) for i in range(n)]
    durable = Engine(plugins=[gradient_rules_national])
    reference = Engine(plugins=[gradient_rules_national], backend="reference")
    durable.assess(apps[0], jurisdiction="national", on=ON)  # register the ruleset
    checkpoints: dict[int, float] = {}
    verdicts: dict[str, int] = {}
    start = time.perf_counter()
    for i, app in enumerate(apps, 1):
        result = durable.assess(app, jurisdiction="national", on=ON)
        for tier in result.tiers:
            verdicts[tier.verdict.value] = verdicts.get(tier.verdict.value, 0) + 1
        if i in (1000, 2000, n // 2, n):
            checkpoints[i] = rss_mb()
    durable_s = time.perf_counter() - start
    start = time.perf_counter()
    mismatches = 0
    for app in apps:
        ref = reference.assess(app, jurisdiction="national", on=ON)
        mismatches += ref.model_dump(exclude={"backend"}) != durable.assess(
            app, jurisdiction="national", on=ON).model_dump(exclude={"backend"})
    both_s = time.perf_counter() - start
    start = time.perf_counter()
    for app in apps:
        reference.assess(app, jurisdiction="national", on=ON)
    reference_s = time.perf_counter() - start
    start = time.perf_counter()
    list(durable.assess_many(apps, jurisdiction="national", on=ON))
    one_s = time.perf_counter() - start
    start = time.perf_counter()
    list(durable.assess_many(apps, jurisdiction="national", on=ON, workers=2))
    two_s = time.perf_counter() - start
    return {"n": n, "rss_mb": checkpoints, "two_workers_over_one": one_s / two_s,
            "verdicts": verdicts, "mismatches": mismatches,
            "durable_over_reference": durable_s / reference_s,
            "durable_per_s": n / durable_s, "reference_per_s": n / reference_s,
            "check_s": both_s}


if __name__ == "__main__":
    figures = run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    for key, value in figures.items():
        print(f"{key}: {value}")
