"""Hypothesis strategies built from a jurisdiction's own data.

Everything an application may state is drawn from the scope it will be assessed against:
attestation names, catalog rows and the tiers their cells describe, guide 环节, KPI ids,
materials, title kinds, accident kinds and the conditions' thresholds.  So the same
strategies work for any plugin, including one written after this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .._conditions import leaves, per_tier
from .._engine import Engine
from .._kinds import (
    AboveDesignatedSize,
    Deadline,
    LegalPersonOrBranch,
    MinLevel,
    NoIncidents,
    RegisteredIn,
    ScenarioCount,
    TitleHeld,
)
from .._scope import Scope
from .._vocabulary import (
    EventKind,
    IncidentGrade,
    IncidentKind,
    Industry,
    IssuingLevel,
    Segment,
    Tier,
    TitleStatus,
)

__all__ = ["ScopeData", "applications", "batches", "scenario_claims", "scope_data"]

_PROVINCES = ("jiangsu", "hunan", "guangdong")
_CREDIT_CODE = "91370100613500000F"
"""A well-formed 统一社会信用代码 (GB 32100-2015 check character)."""



@dataclass(frozen=True)
class ScopeData:
    """What the rules of one scope read, gathered once (the strategies draw from it)."""

    scope: Scope
    """The scope applications are generated for."""
    on: dt.date
    """The evaluation date the applications are dated."""
    levels: dict[str, set[int]] = field(default_factory=dict)
    """Self-assessment field -> the minimums the rules ask."""
    counts: set[int] = field(default_factory=set)
    """Scenario-count minimums."""
    provinces: tuple[str, ...] = ()
    """Provinces named by the rules (registration)."""
    revenue: set[int] = field(default_factory=set)
    """Revenue thresholds (规上)."""
    branch_industries: tuple[Industry, ...] = ()
    """Industries whose branches a rule admits."""
    look_back_years: set[int] = field(default_factory=set)
    """Accident look-back periods."""
    deadlines: dict[str, set[dt.date]] = field(default_factory=dict)
    """Filing field -> deadlines."""
    titles: tuple[tuple[Tier, IssuingLevel], ...] = ()
    """Title kinds a prerequisite asks."""


def scope_data(engine: Engine, jurisdiction: str, *, call: str | None = None,
               on: dt.date | None = None) -> ScopeData:
    """Gather what the scope's rules read.

    ``on`` defaults to the day after the call's last deadline (or its issue date), or the
    first day of the conditions in force.
    """
    scope = engine.scope(jurisdiction, call=call, on=on)
    day = on or (scope.call.issued if scope.call else scope.conditions.valid_from)
    data = ScopeData(scope=scope, on=day)
    provinces: list[str] = []
    industries: list[Industry] = []
    titles: list[tuple[Tier, IssuingLevel]] = []
    for rule in scope.rules:
        for leaf in leaves(rule.condition):
            if isinstance(leaf, MinLevel):
                data.levels.setdefault(leaf.field, set()).update(
                    per_tier(leaf.minimum, t) for t in rule.tiers)
            elif isinstance(leaf, ScenarioCount):
                data.counts.update(per_tier(leaf.minimum, t) for t in rule.tiers)
            elif isinstance(leaf, RegisteredIn):
                provinces.append(leaf.province)
            elif isinstance(leaf, AboveDesignatedSize):
                data.revenue.add(leaf.revenue_threshold_cny)
            elif isinstance(leaf, LegalPersonOrBranch):
                industries.extend(leaf.branch_industries)
            elif isinstance(leaf, NoIncidents):
                data.look_back_years.add(leaf.years)
            elif isinstance(leaf, Deadline):
                data.deadlines.setdefault(leaf.field, set()).add(leaf.by)
            elif isinstance(leaf, TitleHeld):
                titles.append((leaf.tier, leaf.issuing_level))
    if on is None and data.deadlines:  # late enough to file on either side of each deadline
        latest = max(d for days in data.deadlines.values() for d in days)
        day = max(day, latest + dt.timedelta(days=1))
    return ScopeData(scope=scope, on=day, levels=data.levels, counts=data.counts,
                     provinces=tuple(dict.fromkeys(provinces)), revenue=data.revenue,
                     branch_industries=tuple(dict.fromkeys(industries)),
                     look_back_years=data.look_back_years, deadlines=data.deadlines,
                     titles=tuple(dict.fromkeys(titles)))


def _near(values: set[int], low: int, high: int) -> list[int]:
    return sorted({v + d for v in values for d in (-1, 0, 1) if low <= v + d <= high})


def scenario_claims(data: ScopeData, *, near_thresholds: bool = False,
                    max_size: int = 40) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Valid scenario claims: catalog rows at tiers their cells allow, or segments/环节."""
    catalog = data.scope.catalog
    tiers = list(Tier.ordered())
    sizes = st.integers(0, max_size)
    if near_thresholds and data.counts:
        sizes = st.sampled_from(_near(data.counts, 0, max_size) or [0])
    if catalog is not None:
        rows = catalog.scenarios

        @st.composite
        def from_catalog(draw: st.DrawFn) -> list[dict[str, Any]]:
            size = min(draw(sizes), len(rows))
            chosen = draw(st.lists(st.sampled_from(rows), min_size=size, max_size=size,
                                   unique_by=lambda r: r.id))
            claims = []
            for row in chosen:
                cells = row.cells()
                allowed = [t for t in tiers if cells is None or t in cells]
                claims.append({"id": row.id, "tier": draw(st.sampled_from(allowed)).value})
            return claims

        return from_catalog()
    guide = list(data.scope.guide_segments) + list(data.scope.guide_segments_unmapped)
    where = st.one_of(st.sampled_from(list(Segment)).map(lambda s: {"segment": s.value}),
                      *([st.sampled_from(guide).map(lambda g: {"guide_segment": g})]
                        if guide else []))

    @st.composite
    def named(draw: st.DrawFn) -> list[dict[str, Any]]:
        size = draw(sizes)
        return [{**draw(where), "tier": draw(st.sampled_from(tiers)).value,
                 "name": f"场景{i + 1}"} for i in range(size)]

    return named()


def _maybe(strategy: st.SearchStrategy[Any], unstated: bool) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy) if unstated else strategy


def _day(data: ScopeData, days: int) -> str:
    return (data.on - dt.timedelta(days=days)).isoformat()


@st.composite
def _valid(draw: st.DrawFn, data: ScopeData, unstated: bool,
           near_thresholds: bool) -> dict[str, Any]:
    scope = data.scope
    provinces = [*data.provinces, *_PROVINCES]
    enterprise: dict[str, Any] = {
        "name": "生成样例企业有限公司",
        "province": draw(st.sampled_from(provinces)),
    }
    flags = {"independent_legal_person": st.booleans(),
             "above_designated_size": st.booleans()}
    for key, strategy in flags.items():
        value = draw(_maybe(strategy, unstated))
        if value is not None:
            enterprise[key] = value
    thresholds = data.revenue or {20_000_000}
    revenue: st.SearchStrategy[int] = (
        st.sampled_from(_near(thresholds, 0, 10**15)) if near_thresholds
        else st.integers(0, 10**10))
    if unstated and draw(st.booleans()):
        enterprise.pop("above_designated_size", None)
        amount = draw(_maybe(revenue, unstated))
        if amount is not None:
            enterprise["main_business_revenue_cny"] = amount
    if data.branch_industries:
        branch = draw(_maybe(st.booleans(), unstated))
        if branch is not None:
            enterprise["is_branch"] = branch
            if draw(_maybe(st.just(True), unstated)):  # a branch is admitted with its code
                enterprise["credit_code"] = _CREDIT_CODE
            enterprise["industry"] = draw(st.sampled_from(
                [*data.branch_industries, *Industry])).value
    app: dict[str, Any] = {"enterprise": enterprise, "dated": data.on.isoformat()}
    completed = draw(_maybe(st.booleans(), unstated))
    if completed is not None:
        app["construction_completed"] = completed
    levels: dict[str, Any] = {}
    for name in ("maturity_level", "digital_transformation_level"):
        asked = data.levels.get(name, set())
        values: st.SearchStrategy[int] = (st.sampled_from(_near(asked, 1, 5))
                                          if near_thresholds and asked else st.integers(1, 5))
        level = draw(_maybe(values, unstated))
        if level is not None:
            levels[name] = level
    app["self_assessment"] = levels
    attestations = {}
    for name in sorted(scope.attestations):
        value = draw(_maybe(st.sampled_from([True, True, True, False]), unstated))
        if value is not None:
            attestations[name] = value
    app["attestations"] = attestations
    claims = draw(_maybe(scenario_claims(data, near_thresholds=near_thresholds), unstated))
    if claims is not None:
        app["scenarios"] = claims
    years = max(data.look_back_years or {3})
    ages = (st.sampled_from(sorted({365 * y + d for y in data.look_back_years or {3}
                                    for d in (-1, 0, 1, 2)}))
            if near_thresholds else st.integers(0, 366 * (years + 1)))
    incident = st.fixed_dictionaries({
        "kind": st.sampled_from(list(IncidentKind)).map(lambda k: k.value),
        "grade": st.sampled_from(list(IncidentGrade)).map(lambda g: g.value),
        "occurred_on": ages.map(lambda n: _day(data, n)),
    })
    incidents = draw(_maybe(st.lists(incident, max_size=3), unstated))
    if incidents is not None:
        app["incidents"] = incidents
    if data.titles or scope.revocation:
        kinds = list(data.titles) or [(t, lvl) for t in Tier for lvl in IssuingLevel]
        title = st.sampled_from(kinds).flatmap(lambda k: st.fixed_dictionaries({
            "tier": st.just(k[0].value), "issuing_level": st.just(k[1].value),
            "year": st.integers(max(2000, data.on.year - 4), data.on.year - 1),
            "status": st.sampled_from([TitleStatus.VALID.value, TitleStatus.VALID.value,
                                       TitleStatus.REVOKED.value]),
        }))
        titles = draw(_maybe(st.lists(title, max_size=3), unstated))
        if titles is not None:
            app["titles"] = titles
            if scope.revocation:
                app["events"] = draw(st.lists(_event(data, len(titles)), max_size=2))
    if scope.kpis:
        ids = [k.id for k in scope.kpis]
        kpis = draw(_maybe(st.dictionaries(st.sampled_from(ids),
                                           st.floats(0, 100, allow_nan=False), max_size=3),
                           unstated))
        if kpis is not None:
            app["kpis"] = kpis
    if data.deadlines:
        filing: dict[str, str] = {}
        for name, days in data.deadlines.items():
            near = sorted({(d + dt.timedelta(days=k)).isoformat() for d in days
                           for k in (-1, 0, 1)})
            value = draw(_maybe(st.sampled_from(near), unstated))
            if value is not None:
                filing[name] = value
        app["filing"] = filing
    if scope.materials:
        ids = [m.id for m in scope.materials]
        given = draw(_maybe(st.lists(st.sampled_from(ids), unique=True), unstated))
        if given is not None:
            app["materials"] = given
    return app


def _event(data: ScopeData, titles: int) -> st.SearchStrategy[dict[str, Any]]:
    kinds = [k for k in EventKind]

    def build(kind: EventKind, age: int, accident: IncidentKind, grade: IncidentGrade,
              target: int | None) -> dict[str, Any]:
        event: dict[str, Any] = {"kind": kind.value, "occurred_on": _day(data, age)}
        if kind is EventKind.ACCIDENT:
            event["accident_kind"], event["grade"] = accident.value, grade.value
        if target is not None and titles:
            event["title"] = target % titles
        return event

    return st.builds(build, st.sampled_from(kinds), st.integers(0, 400),
                     st.sampled_from(list(IncidentKind)), st.sampled_from(list(IncidentGrade)),
                     st.one_of(st.none(), st.integers(0, 19)))


_BREAKAGES: tuple[tuple[str, Any], ...] = (
    ("unknown_field", 1),
    ("self_assessment", {"maturity_level": 6}),
    ("self_assessment", {"maturity_level": True}),
    ("enterprise", {"name": ""}),
    ("enterprise", {"name": "样例", "province": "亚特兰蒂斯"}),
    ("attestations", {"competitive": "yes"}),
    ("attestations", {"no_such_attestation_anywhere": True}),
    ("scenarios", "not a list"),
    ("dated", "2024-02-30"),
    ("incidents", [{"kind": "safety"}]),
    ("incidents", [{"kind": "safety", "grade": "major", "occurred_on": 0}]),
)


def applications(engine: Engine, jurisdiction: str, *, call: str | None = None,
                 on: dt.date | None = None, unstated: bool = True,
                 near_thresholds: bool = False,
                 invalid: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Applications for ``jurisdiction`` (and ``call``), as mappings ready for ``assess``.

    - ``unstated``: each fact may be left out (then rules reading it are ``unknown``);
      ``False`` states every fact the rules read.
    - ``near_thresholds``: levels, scenario counts, revenue, accident dates and filing dates
      are drawn at and one either side of the thresholds the rules state.
    - ``invalid``: every application is bad input (one field broken in a way a person
      might), for testing that it is refused with ``ApplicationError``.
    """
    data = scope_data(engine, jurisdiction, call=call, on=on)
    valid = _valid(data, unstated, near_thresholds)
    if not invalid:
        return valid

    def broken(app: dict[str, Any], breakage: tuple[str, Any]) -> dict[str, Any]:
        key, value = breakage
        if key == "enterprise" and "province" not in value:
            return {**app, "enterprise": {**app["enterprise"], **value}}
        return {**app, key: value}

    return st.builds(broken, valid, st.sampled_from(_BREAKAGES))


def batches(engine: Engine, jurisdiction: str, *, call: str | None = None,
            on: dt.date | None = None, max_rows: int = 8,
            unstated: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Batch mappings: ``recommender``, ``submitted_on`` and ``entries``.

    Rows carry inline applications and ranks (sometimes repeated, for the batch rules).
    """
    data = scope_data(engine, jurisdiction, call=call, on=on)
    row = st.fixed_dictionaries({
        "rank": st.integers(1, max_rows + 1),
        "application": _valid(data, unstated, False),
    })
    return st.fixed_dictionaries({
        "recommender": st.sampled_from(["样例市工业和信息化局", "示范区经济发展局"]),
        "submitted_on": st.sampled_from([_day(data, d) for d in (-1, 0, 1, 10)]),
        "entries": st.lists(row, min_size=1, max_size=max_rows),
    })
