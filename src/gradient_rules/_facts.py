"""Turn a validated application into flat facts, the common input of both backends.

A fact is a dict of JSON scalars with a ``kind``.  An unstated input is an *absent key*,
never ``None``, so that a rule can test for it (durable-rules ``$nex``).  Booleans are
stored as 1/0 and dates as ordinals, so every comparison is numeric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ._application import Application
from ._vocabulary import Segment, Tier

__all__ = ["CaseFacts", "ClaimFact", "Tally", "build_facts", "tally_qualifying"]

Scalar = int | float | str
Fact = dict[str, Scalar | list[int]]

SEGMENT_KEYS: dict[Segment, str] = {s: f"seg_{s.code}" for s in Segment}


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def full_years_between(earlier: dt.date, later: dt.date) -> int:
    """Whole years elapsed from ``earlier`` to ``later`` (0 within the first year)."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


@dataclass(frozen=True)
class ClaimFact:
    """A scenario claim reduced to what qualification needs."""

    index: int
    segment: Segment | None
    reached: Tier
    cells: frozenset[Tier]
    """Tiers for which the catalog has a description; all four where there is no catalog."""
    inferred: bool = False
    """True when the claim relies on a catalog row marked ``source = "inferred"``."""

    def as_fact(self) -> Fact:
        """The durable-rules form."""
        fact: Fact = {
            "kind": "claim",
            "claim": self.index,
            "reached": self.reached.rank,
            "cells": sorted(t.rank for t in self.cells),
        }
        if self.segment is not None:
            fact["segment"] = self.segment.code
        return fact


@dataclass(frozen=True)
class CaseFacts:
    """Everything the rules may read about one application on one date."""

    on: dt.date
    case: Mapping[str, Scalar]
    claims: tuple[ClaimFact, ...] | None
    incidents: tuple[Mapping[str, Scalar], ...]
    extra: tuple[Mapping[str, Scalar], ...] = ()
    """Facts of kinds added by plugins."""

    def input_facts(self) -> list[Fact]:
        """All input facts in durable-rules form (claims, incidents, the case)."""
        facts: list[Fact] = [dict(self.case)]
        facts.extend(claim.as_fact() for claim in self.claims or ())
        facts.extend(dict(incident) for incident in self.incidents)
        facts.extend(dict(item) for item in self.extra)
        return facts


@dataclass(frozen=True)
class Tally:
    """Counts for one tier: qualifying scenarios in all and per segment."""

    tier: Tier
    qualifying: int
    per_segment: Mapping[Segment, int] = field(default_factory=dict)
    claimed: int = 0
    """All scenarios claimed, counting toward this tier or not."""

    def covered(self) -> tuple[Segment, ...]:
        """Segments with at least one qualifying scenario, in official order."""
        return tuple(s for s in Segment.ordered() if self.per_segment.get(s, 0) > 0)

    def as_fact(self) -> Fact:
        """The durable-rules form."""
        fact: Fact = {"kind": "tally", "tier": self.tier.rank, "qualifying": self.qualifying}
        for segment, key in SEGMENT_KEYS.items():
            fact[key] = self.per_segment.get(segment, 0)
        return fact


def tally_qualifying(
    claims: Iterable[ClaimFact], qualifying: Iterable[tuple[int, Tier]]
) -> dict[Tier, Tally]:
    """Count qualifying (claim index, tier) pairs per tier and per segment."""
    by_index = {claim.index: claim for claim in claims}
    counts: dict[Tier, int] = dict.fromkeys(Tier, 0)
    per_segment: dict[Tier, dict[Segment, int]] = {t: dict.fromkeys(Segment, 0) for t in Tier}
    for index, tier in set(qualifying):
        counts[tier] += 1
        segment = by_index[index].segment
        if segment is not None:
            per_segment[tier][segment] += 1
    return {t: Tally(t, counts[t], per_segment[t], len(by_index)) for t in Tier}


def build_facts(
    application: Application,
    *,
    on: dt.date,
    claims: tuple[ClaimFact, ...] | None,
    kpi_ids: frozenset[str],
) -> CaseFacts:
    """Flatten ``application`` for evaluation on ``on``; claims are resolved by the caller."""
    enterprise = application.enterprise
    sa = application.self_assessment
    filing = application.filing
    values: dict[str, Scalar | None] = {
        "kind": "case",
        "on_day": on.toordinal(),
        "province": enterprise.province,
        "legal_person": _flag(enterprise.independent_legal_person),
        "branch": _flag(enterprise.is_branch),
        "industry": enterprise.industry,
        "above_size": _flag(enterprise.above_designated_size),
        "revenue": enterprise.main_business_revenue_cny,
        "maturity": sa.maturity_level,
        "dt_level": sa.digital_transformation_level,
        "construction_completed": _flag(application.construction_completed),
        "scenarios_stated": 1 if application.scenarios is not None else None,
        "incidents_stated": 1 if application.incidents is not None else None,
        "titles_stated": 1 if application.titles is not None else None,
        "kpis_reported": (
            None
            if application.kpis is None
            else sum(1 for key in application.kpis if key in kpi_ids)
        ),
        "online_filed_day": (
            filing.online_filed_on.toordinal() if filing and filing.online_filed_on else None
        ),
        "paper_submitted_day": (
            filing.paper_submitted_on.toordinal()
            if filing and filing.paper_submitted_on
            else None
        ),
    }
    for name, value in application.attestations.items():
        values[f"att_{name}"] = int(value)
    case = {key: value for key, value in values.items() if value is not None}
    incidents = tuple(
        {
            "kind": "incident",
            "incident": index,
            "type": incident.kind.value,
            "grade": incident.grade.rank,
            "day": incident.occurred_on.toordinal(),
            "years_ago": full_years_between(incident.occurred_on, on),
        }
        for index, incident in enumerate(application.incidents or ())
    )
    return CaseFacts(on=on, case=case, claims=claims, incidents=incidents)
