"""Invariants any jurisdiction's rules must keep, checked on one application at a time.

Each ``assert_*`` function assesses an application (a mapping, as the strategies draw
them) and raises ``AssertionError`` saying what broke.  Use them inside ``@given`` tests, or
all at once through :func:`check_invariants` (what ``gradient-rules check --properties``
runs).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .._application import parse_application
from .._assessment import Assessment
from .._conditions import AllOf, Condition
from .._engine import Engine
from .._evaluation import evaluate_reference
from .._kinds import ScenarioCount, SegmentsCovered
from .._resolve import resolve
from .._vocabulary import Outcome, Relation, Strength, Tier, Verdict

__all__ = [
    "INVARIANTS",
    "assert_backends_agree",
    "assert_deterministic",
    "assert_in_principle_never_refuses",
    "assert_ladder",
    "assert_monotonic",
    "assert_no_unknown_when_all_stated",
    "assert_order_independent",
    "assert_tightens_holds",
    "check_invariants",
]

App = Mapping[str, Any]


def _assess(engine: Engine, app: App, jurisdiction: str, call: str | None,
            on: dt.date | None) -> Assessment:
    return engine.assess(app, jurisdiction=jurisdiction, call=call, on=on)


def _eligible(result: Assessment) -> set[Tier]:
    return {t.tier for t in result.tiers if t.verdict is Verdict.ELIGIBLE}


def assert_deterministic(engine: Engine, app: App, *, jurisdiction: str,
                         call: str | None = None, on: dt.date | None = None) -> None:
    """The same application assessed twice gives the same assessment."""
    first = _assess(engine, app, jurisdiction, call, on)
    assert first == _assess(engine, app, jurisdiction, call, on), "two assessments differ"


def _reversed(app: App) -> dict[str, Any]:
    out = copy.deepcopy(dict(app))
    for key in ("scenarios", "incidents", "titles", "events"):
        if isinstance(out.get(key), list):
            out[key] = out[key][::-1]
    titles = out.get("titles")
    if isinstance(titles, list):  # events point at titles by position
        for event in out.get("events") or []:
            if isinstance(event, dict) and isinstance(event.get("title"), int):
                event["title"] = len(titles) - 1 - event["title"]
    return out


def assert_order_independent(engine: Engine, app: App, *, jurisdiction: str,
                             call: str | None = None, on: dt.date | None = None) -> None:
    """Listing scenarios, incidents, titles or events in another order changes nothing."""
    before = _assess(engine, app, jurisdiction, call, on)
    after = _assess(engine, _reversed(app), jurisdiction, call, on)
    for a, b in zip(before.tiers, after.tiers, strict=True):
        assert a.verdict is b.verdict, f"{a.tier.value}: {a.verdict.value} -> {b.verdict.value}"
        assert [(f.rule_id, f.outcome) for f in a.findings] == [
            (f.rule_id, f.outcome) for f in b.findings], f"{a.tier.value}: findings differ"


def _more(engine: Engine, app: App, jurisdiction: str, call: str | None,
          on: dt.date | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Variants of ``app`` stating more: a level higher, one more scenario or title."""
    scope = engine.scope(jurisdiction, call=call, on=on)
    levels = app.get("self_assessment") or {}
    for name, value in levels.items():
        if isinstance(value, int) and value < 5:
            yield f"{name} {value} -> {value + 1}", {
                **app, "self_assessment": {**levels, name: value + 1}}
    claims = app.get("scenarios")
    if isinstance(claims, list):
        if scope.catalog is not None:
            taken = {c.get("id") for c in claims}
            free = [row for row in scope.catalog.scenarios if row.id not in taken]
            if free:
                row = free[0]
                cells = row.cells()
                tier = max(cells or set(Tier), key=lambda t: t.rank)
                yield f"one more scenario ({row.id})", {
                    **app, "scenarios": [*claims, {"id": row.id, "tier": tier.value}]}
        else:
            yield "one more scenario", {**app, "scenarios": [
                *claims, {"segment": "production_operations", "tier": "leading",
                          "name": f"场景{len(claims) + 1}"}]}
    titles = app.get("titles")
    day = on or scope.conditions.valid_from
    if isinstance(titles, list):
        for tier in Tier:
            for level in ("city", "province", "national"):
                yield f"one more title ({tier.value}, {level})", {**app, "titles": [
                    *titles, {"tier": tier.value, "issuing_level": level,
                              "year": max(2000, day.year - 1)}]}


def assert_monotonic(engine: Engine, app: App, *, jurisdiction: str, call: str | None = None,
                     on: dt.date | None = None) -> None:
    """A higher level, one more scenario or one more title never loses a tier."""
    before = _eligible(_assess(engine, app, jurisdiction, call, on))
    if not before:
        return
    for what, variant in _more(engine, app, jurisdiction, call, on):
        lost = before - _eligible(_assess(engine, variant, jurisdiction, call, on))
        assert not lost, f"{what} loses {', '.join(t.value for t in lost)}"


def assert_no_unknown_when_all_stated(engine: Engine, app: App, *, jurisdiction: str,
                                      call: str | None = None,
                                      on: dt.date | None = None) -> None:
    """No finding is unknown when the application states every fact.

    For applications drawn with ``applications(..., unstated=False)``.
    """
    for tier in _assess(engine, app, jurisdiction, call, on).tiers:
        unknown = [f.rule_id for f in tier.findings if f.outcome is Outcome.UNKNOWN]
        assert not unknown, f"{tier.tier.value}: unknown although all is stated: {unknown}"


def assert_in_principle_never_refuses(engine: Engine, app: App, *, jurisdiction: str,
                                      call: str | None = None,
                                      on: dt.date | None = None) -> None:
    """Verdicts follow from the ``must`` rules alone; an in-principle shortfall is a warning."""
    for tier in _assess(engine, app, jurisdiction, call, on).tiers:
        must = [f.outcome for f in tier.findings if f.strength is Strength.MUST]
        expected = (Verdict.NOT_ELIGIBLE if Outcome.NOT_MET in must else
                    Verdict.UNDETERMINED if Outcome.UNKNOWN in must else Verdict.ELIGIBLE)
        assert tier.verdict is expected, (
            f"{tier.tier.value}: {tier.verdict.value}, the must rules say {expected.value}")
        short = sorted(f.rule_id for f in tier.findings
                       if f.strength is Strength.IN_PRINCIPLE and f.outcome is not Outcome.MET)
        warned = sorted(str(w.rule_id) for w in tier.warnings if w.rule_id in short)
        assert short == warned, f"{tier.tier.value}: shortfalls {short}, warnings {warned}"


def _scenario_rule(condition: Condition | None) -> bool:
    if isinstance(condition, AllOf):
        return all(_scenario_rule(c) for c in condition.conditions)
    return isinstance(condition, ScenarioCount | SegmentsCovered)


def assert_ladder(engine: Engine, app: App, *, jurisdiction: str, call: str | None = None,
                  on: dt.date | None = None) -> None:
    """A tier's scenario count and coverage met implies every lower tier's."""
    scope = engine.scope(jurisdiction, call=call, on=on)
    ids = {r.id for r in scope.rules if _scenario_rule(r.condition)}
    result = _assess(engine, app, jurisdiction, call, on)
    met = {t.tier: all(f.outcome is Outcome.MET for f in t.findings if f.rule_id in ids)
           for t in result.tiers}
    for high, ok in met.items():
        if ok:
            lower = [t for t in met if t.rank < high.rank and not met[t]]
            assert not lower, (f"count and coverage met at {high.value} but not at "
                               f"{', '.join(t.value for t in lower)}")


def assert_tightens_holds(engine: Engine, app: App, *, jurisdiction: str,
                          call: str | None = None, on: dt.date | None = None) -> None:
    """A rule declared ``tightens`` is at least as strict as the base rules it names.

    Met here implies each base rule met, on the tiers they share, on the same facts.
    """
    application = parse_application(app)
    day = on or application.dated
    assert day is not None, "give `on` or a dated application"
    scope = engine.scope(jurisdiction, call=call, on=day)
    tightening = [r for r in scope.rules if r.relation is Relation.TIGHTENS]
    base = engine.base_pack(scope.conditions)
    if base is None or not tightening:
        return
    base_rules = {r.id: r for r in base.rules}
    facts = resolve(scope, application, day).facts
    mine = evaluate_reference(scope, facts).outcomes
    compared = []
    for rule in tightening:
        for base_id in rule.relates_to:
            shared = tuple(t for t in base_rules[base_id].tiers if t in rule.tiers)
            if shared:
                compared.append((rule.id, base_rules[base_id].model_copy(
                    update={"tiers": shared, "strength": Strength.MUST})))
    theirs = evaluate_reference(replace(scope, rules=tuple(r for _, r in compared)),
                                facts).outcomes
    for rule_id, base_rule in compared:
        for tier in base_rule.tiers:
            if (rule_id, tier) not in mine:  # met here
                assert (base_rule.id, tier) not in theirs, (
                    f"{rule_id} tightens {base_rule.id} but at {tier.value} it is met where "
                    f"{base_rule.id} is {theirs[(base_rule.id, tier)].value}")


def assert_backends_agree(engine: Engine, reference: Engine, app: App, *, jurisdiction: str,
                          call: str | None = None, on: dt.date | None = None) -> None:
    """durable-rules and the reference evaluator give the same assessment."""
    durable = _assess(engine, app, jurisdiction, call, on).model_dump(exclude={"backend"})
    plain = _assess(reference, app, jurisdiction, call, on).model_dump(exclude={"backend"})
    assert durable == plain, "durable-rules and the reference evaluator disagree"


Invariant = Callable[..., None]

INVARIANTS: Mapping[str, Invariant] = {
    "deterministic": assert_deterministic,
    "order-independent": assert_order_independent,
    "monotonic": assert_monotonic,
    "in-principle-never-refuses": assert_in_principle_never_refuses,
    "ladder": assert_ladder,
    "tightens-holds": assert_tightens_holds,
}
"""The invariants :func:`check_invariants` runs on every application, by name."""


def check_invariants(engine: Engine, app: App, *, jurisdiction: str, call: str | None = None,
                     on: dt.date | None = None, reference: Engine | None = None,
                     all_stated: bool = False,
                     names: Sequence[str] | None = None) -> list[str]:
    """Run the invariants on one application; return what broke (empty when all hold).

    ``reference`` adds the backends' agreement; ``all_stated`` (the application states every
    fact) adds "no unknown".
    """
    broken = []
    checks: dict[str, Invariant] = {n: f for n, f in INVARIANTS.items()
                                    if names is None or n in names}
    for name, check in checks.items():
        try:
            check(engine, app, jurisdiction=jurisdiction, call=call, on=on)
        except AssertionError as error:
            broken.append(f"{name}: {error}")
    if reference is not None:
        try:
            assert_backends_agree(engine, reference, app, jurisdiction=jurisdiction, call=call,
                                  on=on)
        except AssertionError as error:
            broken.append(f"backends-agree: {error}")
    if all_stated:
        try:
            assert_no_unknown_when_all_stated(engine, app, jurisdiction=jurisdiction,
                                              call=call, on=on)
        except AssertionError as error:
            broken.append(f"no-unknown: {error}")
    return broken
