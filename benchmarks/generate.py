"""Fixed-seed generators of realistic applications for the benchmarks.

Three shapes, each drawn from what the rules read and in the proportions an intake sees
(most fields stated, a few left out, a few attested ``false``):

- ``national``: the national conditions; 0-12 scenarios by segment, incidents, KPIs.
- ``guizhou``: 5-35 claims against Guizhou's scenario catalog (by row id), both levels.
- ``shandong``: titles already held (some revoked by a later accident), industry, branches.

The attestation names come from each pack, so the generators stay in step with the data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from functools import cache
from typing import Any

import gradient_rules_guizhou
import gradient_rules_national
import gradient_rules_shandong
from gradient_rules import Engine

__all__ = ["GENERATORS", "ON", "applications", "guizhou", "national", "shandong"]

ON = dt.date(2024, 11, 22)
"""The evaluation date of the national run."""
GUIZHOU_ON = dt.date(2025, 9, 1)
SHANDONG_ON = dt.date(2025, 6, 30)
SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
            "production_management", "operations_management"]
TIERS = ["basic", "advanced", "excellent", "leading"]
INCIDENT_KINDS = ["safety", "environmental", "quality"]
GRADES = ["general", "larger", "major"]


@cache
def _engine() -> Engine:
    return Engine(plugins=[gradient_rules_national, gradient_rules_guizhou,
                           gradient_rules_shandong], backend="reference")


@cache
def _attestations(jurisdiction: str) -> list[str]:
    return sorted(_engine().pack(jurisdiction).attestations)


@cache
def _catalog() -> dict[str, list[str]]:
    """Guizhou's catalog rows: id -> the tiers the table describes (claimable)."""
    catalog = _engine().pack("guizhou").catalog
    assert catalog is not None
    return {row.id: TIERS if (cells := row.cells()) is None else [t for t in TIERS if t in cells]
            for row in catalog.scenarios}


def _attested(rng: random.Random, names: list[str]) -> dict[str, bool]:
    return {a: rng.random() < 0.95 for a in names if rng.random() < 0.97}


def _incidents(rng: random.Random, on: dt.date) -> list[dict[str, Any]]:
    return [{"kind": rng.choice(INCIDENT_KINDS), "grade": rng.choice(GRADES),
             "occurred_on": (on - dt.timedelta(days=rng.randint(0, 2000))).isoformat()}
            for _ in range(rng.randint(0, 2))]


def national(rng: random.Random, i: int) -> dict[str, Any]:
    """A varied national application (seeded)."""
    return {
        "enterprise": {"name": f"企业{i}", "above_designated_size": rng.random() < 0.9},
        "self_assessment": {"maturity_level": rng.randint(1, 5)},
        "construction_completed": rng.random() < 0.8,
        "attestations": _attested(rng, _attestations("national")),
        "incidents": _incidents(rng, ON),
        "scenarios": [{"segment": rng.choice(SEGMENTS), "tier": rng.choice(TIERS),
                       "name": f"场景{k}"} for k in range(rng.randint(0, 12))],
        "kpis": {"KPI-01": 80.0} if rng.random() < 0.9 else {},
        "filing": {"online_filed_on": "2024-11-19", "paper_submitted_on": "2024-11-21"},
    }


def guizhou(rng: random.Random, i: int) -> dict[str, Any]:
    """A Guizhou application claiming 5-35 catalog scenarios (seeded)."""
    catalog = _catalog()
    rows = rng.sample(sorted(catalog), rng.randint(5, min(35, len(catalog))))
    top = TIERS.index(rng.choice(TIERS))

    def claim(row: str) -> str:
        described = [t for t in catalog[row] if TIERS.index(t) <= top] or catalog[row][:1]
        return rng.choice(described)
    return {
        "enterprise": {"name": f"贵州企业{i}", "province": "guizhou",
                       "independent_legal_person": rng.random() < 0.97,
                       "above_designated_size": rng.random() < 0.9},
        "self_assessment": {"maturity_level": rng.randint(1, 5),
                            "digital_transformation_level": rng.randint(1, 5)},
        "attestations": _attested(rng, _attestations("guizhou")),
        "incidents": _incidents(rng, GUIZHOU_ON),
        "scenarios": [{"id": row, "tier": claim(row)} for row in rows],
    }


def shandong(rng: random.Random, i: int) -> dict[str, Any]:
    """A Shandong application with titles held, some later revoked by an accident (seeded)."""
    titles = []
    for tier, level in (("basic", "city"), ("advanced", "province"), ("excellent", "national")):
        if rng.random() < 0.6:
            titles.append({"tier": tier, "issuing_level": level, "year": rng.randint(2021, 2024)})
        else:
            break
    branch = rng.random() < 0.05
    return {
        "enterprise": {"name": f"山东企业{i}", "province": "shandong",
                       "independent_legal_person": not branch, "is_branch": branch,
                       "industry": rng.choice(["tobacco", "chemicals", "machinery"]),
                       "above_designated_size": rng.random() < 0.9},
        "self_assessment": {"maturity_level": rng.randint(1, 5)},
        "attestations": _attested(rng, _attestations("shandong")),
        "incidents": _incidents(rng, SHANDONG_ON),
        "titles": titles,
        "scenarios": [{"segment": rng.choice(SEGMENTS), "tier": rng.choice(TIERS),
                       "name": f"场景{k}"} for k in range(rng.randint(1, 10))],
    }


GENERATORS: dict[str, tuple[Callable[[random.Random, int], dict[str, Any]], dt.date]] = {
    "national": (national, ON), "guizhou": (guizhou, GUIZHOU_ON),
    "shandong": (shandong, SHANDONG_ON),
}
"""Jurisdiction -> (generator, evaluation date)."""


def applications(jurisdiction: str, n: int, seed: int = 20241122) -> list[dict[str, Any]]:
    """``n`` applications for ``jurisdiction`` from a fixed seed."""
    make, _ = GENERATORS[jurisdiction]
    rng = random.Random(seed)
    return [make(rng, i) for i in range(n)]
