"""Misusing the Python API raises the library's errors, naming the argument, never a bare
``TypeError``/``AttributeError`` from deep inside (decision D34)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from grtest import leading_application

from gradient_rules import (
    ApplicationError,
    Engine,
    GradientRulesError,
    PluginError,
    load_application,
    parse_application,
    write_form,
)

ON = dt.date(2024, 11, 22)
APP = leading_application()

CASES: dict[str, tuple[Callable[[Engine], Any], str]] = {
    "jurisdiction int": (lambda e: e.assess(APP, jurisdiction=3), "jurisdiction"),  # type: ignore[arg-type]
    "jurisdiction None": (lambda e: e.assess(APP, jurisdiction=None), "jurisdiction"),  # type: ignore[arg-type]
    "on not a date": (lambda e: e.assess(APP, jurisdiction="national", on="2024-13-01"), "on"),  # type: ignore[arg-type]
    "on a number": (lambda e: e.assess(APP, jurisdiction="national", on=5), "on"),  # type: ignore[arg-type]
    "on a date-time": (lambda e: e.assess(APP, jurisdiction="national",
                                          on=dt.datetime(2024, 11, 22)), "on"),
    "tier unknown": (lambda e: e.assess(APP, jurisdiction="national", tier="gold"), "tier"),
    "tier a number": (lambda e: e.assess(APP, jurisdiction="national", tier=3), "tier"),  # type: ignore[arg-type]
    "call a number": (lambda e: e.assess(APP, jurisdiction="national", call=3), "call"),  # type: ignore[arg-type]
    "application a list": (lambda e: e.assess([1, 2], jurisdiction="national"), "mapping"),  # type: ignore[arg-type]
    "application None": (lambda e: e.assess(None, jurisdiction="national"), "mapping"),  # type: ignore[arg-type]
    "batch a number": (lambda e: e.assess_batch(5, jurisdiction="national"), "batch"),  # type: ignore[arg-type]
    "batch a list": (lambda e: e.assess_batch([1], jurisdiction="national"), "batch"),  # type: ignore[arg-type]
    "batch on": (lambda e: e.assess_batch({"entries": []}, jurisdiction="shanxi", on=3), "on"),  # type: ignore[arg-type]
    "batch base": (lambda e: e.assess_batch({"entries": []}, jurisdiction="national",
                                            on=ON, base=3), "base"),  # type: ignore[arg-type]
    "scope": (lambda e: e.scope(5), "jurisdiction"),  # type: ignore[arg-type]
    "packs": (lambda e: e.packs(5), "jurisdiction"),  # type: ignore[arg-type]
    "pack on": (lambda e: e.pack("national", on="x"), "on"),  # type: ignore[arg-type]
    "calls": (lambda e: e.calls(5), "jurisdiction"),  # type: ignore[arg-type]
    "call id": (lambda e: e.call("national", 5), "call"),  # type: ignore[arg-type]
    "plugin_of": (lambda e: e.plugin_of(5), "jurisdiction"),  # type: ignore[arg-type]
    "validate": (lambda e: e.validate(5, jurisdiction="national"), "mapping"),  # type: ignore[arg-type]
    "review titles": (lambda e: e.review(5, jurisdiction="national", on=ON), "titles"),  # type: ignore[arg-type]
    "review title": (lambda e: e.review([5], jurisdiction="national", on=ON), "titles[0]"),  # type: ignore[list-item]
    "review events": (lambda e: e.review([], 5, jurisdiction="national", on=ON), "events"),  # type: ignore[arg-type]
    "review enterprise": (lambda e: e.review([], jurisdiction="national", on=ON,
                                             enterprise=5), "enterprise.name"),  # type: ignore[arg-type]
    "write_form": (lambda e: write_form(5, 5, "x.csv"), "BatchAssessment"),  # type: ignore[arg-type]
    "load_application": (lambda e: load_application(5), "path"),  # type: ignore[arg-type]
    "parse_application": (lambda e: parse_application(5), "mapping"),  # type: ignore[arg-type]
    "backend": (lambda e: Engine(backend="zen"), "backend"),  # type: ignore[arg-type]
    "assess_many None": (lambda e: e.assess_many(None, jurisdiction="national"),  # type: ignore[arg-type]
                         "applications"),
    "assess_many a text": (lambda e: e.assess_many("apps.jsonl", jurisdiction="national"),  # type: ignore[arg-type]
                           "applications"),
    "assess_many one mapping": (lambda e: e.assess_many(APP, jurisdiction="national"),  # type: ignore[arg-type]
                                "applications"),
    "assess_many workers": (lambda e: e.assess_many([], jurisdiction="national", workers="2"),  # type: ignore[arg-type]
                            "workers"),
    "assess_many executor": (lambda e: e.assess_many([APP], jurisdiction="national",
                                                     executor="x"), "executor"),  # type: ignore[arg-type]
    "assess_many jurisdiction": (lambda e: e.assess_many([], jurisdiction=3), "jurisdiction"),  # type: ignore[arg-type]
    "overrides a number": (lambda e: e.with_overrides(5), "overrides"),  # type: ignore[arg-type]
    "overrides None": (lambda e: e.with_overrides(None), "overrides"),  # type: ignore[arg-type]
    "overrides a text": (lambda e: e.with_overrides("NAT-BASE-5.minimum=3"), "overrides"),  # type: ignore[arg-type]
    "engine overrides": (lambda e: Engine(overrides=5), "overrides"),  # type: ignore[arg-type]
    "compare_many changed": (lambda e: e.compare_many("x", [], jurisdiction="national"),  # type: ignore[arg-type]
                             "changed"),
    "compare_many applications": (lambda e: e.compare_many(e, 5, jurisdiction="national"),  # type: ignore[arg-type]
                                  "applications"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_misuse_is_a_library_error_naming_the_argument(engine: Engine, name: str) -> None:
    call, fragment = CASES[name]
    with pytest.raises(GradientRulesError) as info:
        call(engine)
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("plugins", ["gradient_rules_national", 5, [5], [None]])
def test_plugins_of_the_wrong_kind_are_a_plugin_error(plugins: Any) -> None:
    with pytest.raises(PluginError):
        Engine(plugins=plugins)


@pytest.mark.parametrize("problems, text", [
    ("a plain message", "a plain message"),
    ([("field", "is wrong")], "field: is wrong"),
    ([("field", "is wrong", "有误")], "field: is wrong"),
    (5, "5"),
    (["loose text"], "loose text"),
])
def test_application_error_takes_what_a_caller_would_pass(problems: Any, text: str) -> None:
    error = ApplicationError(problems)
    assert str(error) == text and error.lines() == [text]


def test_an_iso_date_string_is_accepted_where_a_date_is(engine: Engine) -> None:
    by_string = engine.assess(APP, jurisdiction="national", on="2024-11-22")  # type: ignore[arg-type]
    assert by_string == engine.assess(APP, jurisdiction="national", on=ON)


def test_kept_scopes_answer_as_the_first_asking_did(national: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine keeps the scope and tiers of each request that succeeded; a request that
    # failed is asked again (and fails again), and the store stays bounded.
    import gradient_rules._engine as engine_module

    monkeypatch.setattr(engine_module, "SCOPES_KEPT", 2)
    engine = Engine(plugins=[national])
    for _ in range(2):
        with pytest.raises(GradientRulesError, match="nowhere"):
            engine.assess(APP, jurisdiction="nowhere", on=ON)
        with pytest.raises(ApplicationError, match="jurisdiction"):
            engine.assess(APP, jurisdiction=["national"], on=ON)  # type: ignore[arg-type]
    first = [engine.assess(APP, jurisdiction="national", on=ON + dt.timedelta(days=d))
             for d in range(4)]
    assert len(engine._scopes) <= 2
    again = [engine.assess(APP, jurisdiction="national", on=ON + dt.timedelta(days=d))
             for d in range(4)]
    assert [a.model_dump() for a in again] == [a.model_dump() for a in first]
    one = engine.assess(APP, jurisdiction="national", on=ON, tier="leading")
    assert [t.tier.value for t in one.tiers] == ["leading"]
