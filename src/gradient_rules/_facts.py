"""Turn a validated application into flat facts, the common input of both backends.

A fact is a dict of JSON scalars with a ``kind``.  An unstated input is an *absent key*,
never ``None``, so that a rule can test for it (durable-rules ``$nex``).  Booleans are
stored as 1/0 and dates as ordinals, so every comparison is numeric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._application import Application
from ._vocabulary import EventKind, IssuingLevel, Segment, Tier, TitleStatus

__all__ = ["CaseFacts", "ClaimFact", "Holdings", "Tally", "build_facts", "holdings_of",
           "tally_matched"]

Scalar = int | float | str
Fact = dict[str, Scalar | list[int]]

SEGMENT_KEYS: dict[Segment, str] = {s: f"seg_{s.code}" for s in Segment}


def full_years_between(earlier: dt.date, later: dt.date) -> int:
    """Whole years elapsed from ``earlier`` to ``later`` (0 within the first year)."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


@dataclass(slots=True)
class ClaimFact:
    """A scenario claim reduced to what qualification needs (made by resolve, only read)."""

    index: int
    segment: Segment | None
    reached: Tier
    cells: frozenset[Tier]
    """Tiers for which the catalog has a description; all four where there is no catalog."""
    inferred: bool = False
    """True when the claim relies on a catalog row marked ``source = "inferred"``."""

    def as_fact(self, *, cells: bool = True) -> Fact:
        """The durable-rules form; ``cells=False`` leaves the described tiers out.

        A scope whose catalog counts every claim up the ladder (or that has no catalog)
        never reads them: its ``qualify`` rules test the tier reached alone.
        """
        fact: Fact = {"kind": "claim", "claim": self.index, "reached": self.reached.rank}
        if cells:
            ranks = _RANKS.get(self.cells)
            if ranks is None:
                ranks = _RANKS[self.cells] = sorted(t.rank for t in self.cells)
            fact["cells"] = ranks  # shared: facts are read, never changed
        if self.segment is not None:
            fact["segment"] = self.segment.code
        return fact


_RANKS: dict[frozenset[Tier], list[int]] = {}
"""The sorted ranks of each set of tiers met so far (at most 16 sets)."""


@dataclass(frozen=True)
class CaseFacts:
    """Everything the rules may read about one application on one date."""

    on: dt.date
    case: Mapping[str, Scalar]
    claims: tuple[ClaimFact, ...] | None
    incidents: tuple[Mapping[str, Scalar], ...]
    titles: tuple[Mapping[str, Scalar], ...] | None = None
    """Title facts; ``None`` when titles were not stated."""
    events: tuple[Mapping[str, Scalar], ...] = ()
    """Event facts (stated events, and incidents as accident events)."""

    @property
    def claim_segments(self) -> dict[int, Segment | None]:
        """Claim index -> its segment (empty when scenarios were not stated)."""
        return {claim.index: claim.segment for claim in self.claims or ()}

    def input_facts(self, *, cells: bool = True) -> list[Mapping[str, Scalar | list[int]]]:
        """All input facts in durable-rules form (this object's own: read, never change).

        ``cells=False``: claim facts without the tiers their catalog rows describe (see
        :meth:`ClaimFact.as_fact`).
        """
        facts: list[Mapping[str, Scalar | list[int]]] = [self.case]
        if self.claims:
            facts += [claim.as_fact(cells=cells) for claim in self.claims]
        facts += self.incidents
        if self.titles:
            facts += self.titles
        facts += self.events
        return facts


class Tally:
    """Counts for one tier: qualifying scenarios in all and per segment (made, then read)."""

    __slots__ = ("claimed", "per_segment", "qualifying", "tier")

    def __init__(self, tier: Tier, qualifying: int,
                 per_segment: Mapping[Segment, int] | None = None, claimed: int = 0) -> None:
        self.tier = tier
        self.qualifying = qualifying
        self.per_segment: Mapping[Segment, int] = {} if per_segment is None else per_segment
        self.claimed = claimed
        """All scenarios claimed, counting toward this tier or not."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return (self.tier, self.qualifying, dict(self.per_segment), self.claimed) == (
            other.tier, other.qualifying, dict(other.per_segment), other.claimed)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Tally(tier={self.tier!r}, qualifying={self.qualifying!r}, "
                f"per_segment={dict(self.per_segment)!r}, claimed={self.claimed!r})")

    def covered(self) -> tuple[Segment, ...]:
        """Segments with at least one qualifying scenario, in official order."""
        counts = self.per_segment
        return tuple([s for s in _SEGMENTS if counts.get(s, 0) > 0])

    def as_fact(self) -> Fact:
        """The durable-rules form."""
        fact: Fact = {"kind": "tally", "tier": self.tier.rank, "qualifying": self.qualifying}
        counts = self.per_segment
        for segment, key in SEGMENT_KEYS.items():
            fact[key] = counts.get(segment, 0)
        return fact


HOLDING_KEYS = {(tier, level): f"h_{tier.value}_{level.value}"
                for tier in Tier for level in IssuingLevel}


@dataclass(frozen=True)
class Holdings:
    """Titles still standing (stated valid and not revoked), by tier and issuing level."""

    counts: Mapping[tuple[Tier, IssuingLevel], int]

    def held(self, tier: Tier, level: IssuingLevel) -> int:
        """How many standing titles of that tier and level."""
        return self.counts.get((tier, level), 0)

    def as_fact(self) -> Fact:
        """The durable-rules form."""
        fact: Fact = {"kind": "holdings"}
        for key, name in HOLDING_KEYS.items():
            fact[name] = self.counts.get(key, 0)
        return fact


def holdings_of(titles: Iterable[Mapping[str, Scalar]], revoked: Iterable[int]) -> Holdings:
    """Count standing titles: stated valid, and not revoked by any event."""
    gone = set(revoked)
    counts: dict[tuple[Tier, IssuingLevel], int] = {}
    for title in titles:
        if title["valid"] and title["n"] not in gone:
            key = (Tier.from_rank(int(title["tier"])), _LEVELS[int(title["level"])])
            counts[key] = counts.get(key, 0) + 1
    return Holdings(counts)


_LEVELS = {level.rank: level for level in IssuingLevel}


def tally_matched(segments: Mapping[int, Segment | None],
                  matched: Mapping[Tier, Iterable[int]]) -> dict[Tier, Tally]:
    """Tallies per tier from the claims (index -> segment) and those matched per tier.

    An index matched twice for a tier counts once.
    """
    tallies: dict[Tier, Tally] = {}
    for tier in _TIERS:
        indices = set(matched.get(tier, ()))
        per_segment = dict.fromkeys(_SEGMENTS, 0)
        for index in indices:
            segment = segments[index]
            if segment is not None:
                per_segment[segment] += 1
        tallies[tier] = Tally(tier, len(indices), per_segment, len(segments))
    return tallies


_TIERS = Tier.ordered()
_SEGMENTS = Segment.ordered()


_ATTESTATION_KEYS: dict[str, str] = {}
"""Attestation name -> its property on the case fact (``att_<name>``), made once.  Only
names some installed scope declares get here (others are refused before), so it stays
small."""


def build_facts(
    application: Application,
    *,
    on: dt.date,
    claims: tuple[ClaimFact, ...] | None,
    kpi_ids: frozenset[str],
) -> CaseFacts:
    """Flatten ``application`` for evaluation on ``on``; claims are resolved by the caller."""
    # Only what is stated becomes a property: an unstated input is an absent key.
    enterprise = application.enterprise
    sa = application.self_assessment
    filing = application.filing
    case: dict[str, Scalar] = {"kind": "case", "on_day": on.toordinal()}
    if enterprise.province is not None:
        case["province"] = enterprise.province
    if enterprise.independent_legal_person is not None:
        case["legal_person"] = int(enterprise.independent_legal_person)
    if enterprise.is_branch is not None:
        case["branch"] = int(enterprise.is_branch)
    if enterprise.industry is not None:
        case["industry"] = enterprise.industry.value
    if enterprise.credit_code:
        case["has_credit_code"] = 1
    if enterprise.above_designated_size is not None:
        case["above_size"] = int(enterprise.above_designated_size)
    if enterprise.main_business_revenue_cny is not None:
        case["revenue"] = enterprise.main_business_revenue_cny
    if sa.maturity_level is not None:
        case["maturity"] = sa.maturity_level
    if sa.digital_transformation_level is not None:
        case["dt_level"] = sa.digital_transformation_level
    if application.construction_completed is not None:
        case["construction_completed"] = int(application.construction_completed)
    if application.scenarios is not None:
        case["scenarios_stated"] = 1
    if application.incidents is not None:
        case["incidents_stated"] = 1
    if application.titles is not None:
        case["titles_stated"] = 1
    if application.kpis is not None:
        case["kpis_reported"] = sum(1 for key in application.kpis if key in kpi_ids)
    if filing is not None:
        if filing.online_filed_on is not None:
            case["online_filed_day"] = filing.online_filed_on.toordinal()
        if filing.paper_submitted_on is not None:
            case["paper_submitted_day"] = filing.paper_submitted_on.toordinal()
    for name, value in application.attestations.items():
        key = _ATTESTATION_KEYS.get(name)
        if key is None:
            key = _ATTESTATION_KEYS[name] = f"att_{name}"
        case[key] = 1 if value else 0
    if application.materials is not None:
        case["materials_stated"] = 1
        for material in application.materials:
            case[f"mat_{material}"] = 1
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
    titles: tuple[Mapping[str, Scalar], ...] | None = None if application.titles is None else tuple(
        {"kind": "title", "n": index, "tier": title.tier.rank, "level": title.issuing_level.rank,
         "since_day": title.since().toordinal(),
         "valid": int(title.status is TitleStatus.VALID)}
        for index, title in enumerate(application.titles)
    )
    events: list[dict[str, Scalar]] = []
    for index, event in enumerate(application.events or ()):
        fact: dict[str, Scalar] = {"kind": "event", "event": index, "type": event.kind.value,
                                   "day": event.occurred_on.toordinal(),
                                   "target": -1 if event.title is None else event.title}
        if event.accident_kind is not None and event.grade is not None:
            fact.update(accident_kind=event.accident_kind.value, grade=event.grade.rank)
        events.append(fact)
    for index, incident in enumerate(application.incidents or ()):
        # A declared accident is also an event that may cost a title.
        events.append({"kind": "event", "event": -1 - index, "type": EventKind.ACCIDENT.value,
                       "day": incident.occurred_on.toordinal(), "target": -1,
                       "accident_kind": incident.kind.value, "grade": incident.grade.rank})
    return CaseFacts(on=on, case=case, claims=claims, incidents=incidents, titles=titles,
                     events=tuple(events))
