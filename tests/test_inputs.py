"""Bad input gets one clear message naming the field; good input is read as meant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from grtest import DELETE, ON, leading_application, patched

from gradient_rules import (
    Application,
    ApplicationError,
    Engine,
    IncidentGrade,
    IncidentKind,
    OutOfValidityError,
    Segment,
    Tier,
    load_application,
    parse_application,
)


def _problems(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    with pytest.raises(ApplicationError) as info:
        parse_application(data)
    return info.value.problems


@pytest.mark.parametrize("changes, field, fragment", [
    ({"self_assessment__maturity_level": 6}, "self_assessment.maturity_level",
     "less than or equal to 5"),
    ({"self_assessment__maturity_level": 0}, "self_assessment.maturity_level",
     "greater than or equal to 1"),
    ({"self_assessment__digital_transformation_level": "L3"},
     "self_assessment.digital_transformation_level", "valid integer"),
    ({"enterprise__colour": "red"}, "enterprise.colour", "unknown field"),
    ({"enterprise__name": DELETE}, "enterprise.name", "Field required"),
    ({"scenarios": [{"segment": "marketing", "tier": "basic"}]}, "scenarios[0].segment",
     "'marketing'"),
    ({"scenarios": [{"segment": "production_operations", "tier": "gold"}]},
     "scenarios[0].tier", "'gold'"),
    ({"incidents": [{"kind": "fire", "grade": "major", "occurred_on": "2024-01-01"}]},
     "incidents[0].kind", "'fire'"),
    ({"dated": "2024-13-01"}, "dated", "2024-13-01"),
    ({"attestations__competitive": "perhaps"}, "attestations.competitive", "perhaps"),
])
def test_a_bad_field_is_named_with_its_value(changes: dict[str, Any], field: str,
                                             fragment: str) -> None:
    problems = _problems(patched(leading_application(), **changes))
    assert [p[0] for p in problems] == [field]
    assert fragment in problems[0][1]


def test_unnamed_claims_in_one_segment_must_be_told_apart() -> None:
    claim = {"segment": "production_operations", "tier": "basic"}
    problems = _problems(patched(leading_application(), scenarios=[claim, claim]))
    assert problems == (("scenarios", "scenarios[1] duplicates scenarios[0] (an unnamed "
                         "production_operations scenario); give each scenario a `name` so "
                         "they can be told apart"),)


def test_a_duplicated_scenario_names_both_positions() -> None:
    claim = {"segment": "production_operations", "tier": "basic", "name": "设备运行监控"}
    problems = _problems(patched(leading_application(), scenarios=[claim, claim]))
    assert problems[0][0] == "scenarios"
    assert "scenarios[1] duplicates scenarios[0] ('设备运行监控')" in problems[0][1]


def test_chinese_names_and_codes_are_accepted_for_enums() -> None:
    app = parse_application({
        "enterprise": {"name": "x"},
        "scenarios": [{"segment": "生产作业", "tier": "先进级"},
                      {"segment": "OM", "tier": "basic", "name": "产品精准营销"},
                      {"segment": "经营管理", "tier": "LEADING", "name": "供应链数字化管理"}],
        "incidents": [{"kind": "质量", "grade": "重大", "occurred_on": "2024-01-01"}],
    })
    assert app.scenarios is not None
    assert [c.segment for c in app.scenarios] == [Segment.PRODUCTION_OPERATIONS,
                                                  Segment.OPERATIONS_MANAGEMENT,
                                                  Segment.OPERATIONS_MANAGEMENT]
    assert [c.tier for c in app.scenarios] == [Tier.ADVANCED, Tier.BASIC, Tier.LEADING]
    assert app.incidents is not None
    assert (app.incidents[0].kind, app.incidents[0].grade) == (IncidentKind.QUALITY,
                                                               IncidentGrade.MAJOR)


def test_tiers_are_ordered_by_rank_not_by_spelling() -> None:
    assert sorted([Tier.LEADING, Tier.BASIC, Tier.EXCELLENT, Tier.ADVANCED]) == list(
        Tier.ordered())
    assert Tier.EXCELLENT > Tier.ADVANCED  # "excellent" < "advanced" as strings
    assert [t.label_zh for t in Tier.ordered()] == ["基础级", "先进级", "卓越级", "领航级"]
    assert Tier.from_rank(3) is Tier.EXCELLENT
    with pytest.raises(ValueError, match="ranks run from 1"):
        Tier.from_rank(5)


def test_models_are_frozen() -> None:
    app = parse_application(leading_application())
    with pytest.raises(Exception, match="frozen"):
        app.dated = ON  # type: ignore[misc]


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, text, fragment", [
    ("a.json", '{"enterprise": {"name": "x",}}', "not valid JSON"),
    ("a.toml", "enterprise = {name = }", "not valid TOML"),
    ("a.yaml", "enterprise: [unclosed", "not valid YAML"),
    ("a.yaml", "- just\n- a list\n", "must hold a mapping"),
    ("a.txt", "hello", "unsupported file type '.txt'"),
])
def test_a_malformed_file_is_named_with_the_problem(tmp_path: Path, name: str, text: str,
                                                    fragment: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ApplicationError) as info:
        load_application(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError, match=r"missing\.json: file not found"):
        load_application(tmp_path / "missing.json")


@pytest.mark.parametrize("suffix", ["json", "toml", "yaml"])
def test_the_three_formats_read_the_same_application(tmp_path: Path, suffix: str) -> None:
    import json

    import yaml

    data = {"enterprise": {"name": "样例"}, "dated": "2024-11-01",
            "self_assessment": {"maturity_level": 3}, "attestations": {"competitive": True}}
    path = tmp_path / f"app.{suffix}"
    if suffix == "json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    elif suffix == "yaml":
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text('dated = 2024-11-01\nattestations = { competitive = true }\n'
                        '[enterprise]\nname = "样例"\n[self_assessment]\nmaturity_level = 3\n',
                        encoding="utf-8")
    app = load_application(path)
    assert app == Application.model_validate(data)
    assert app.dated == dt.date(2024, 11, 1)


# --- dates ----------------------------------------------------------------------------------


def test_the_evaluation_date_defaults_to_the_applications_date(engine: Engine) -> None:
    result = engine.assess(patched(leading_application(), dated="2024-11-05", filing=DELETE),
                           jurisdiction="national")
    assert result.on == dt.date(2024, 11, 5)
    explicit = engine.assess(leading_application(), jurisdiction="national",
                             on=dt.date(2025, 1, 2))
    assert explicit.on == dt.date(2025, 1, 2)


def test_without_any_date_the_engine_asks_for_one_and_never_reads_the_clock(
        engine: Engine) -> None:
    with pytest.raises(ApplicationError, match="no evaluation date: pass on="):
        engine.assess(patched(leading_application(), dated=DELETE), jurisdiction="national")


def test_a_date_before_the_national_rules_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(OutOfValidityError, match=r"2024-10-28 is outside the validity of every "
                                                 r"'national' rule pack \(2024: from 2024-10-29\)"):
        engine.assess(leading_application(), jurisdiction="national", on=dt.date(2024, 10, 28))


@pytest.mark.parametrize("changes, field", [
    ({"incidents": [{"kind": "safety", "grade": "general", "occurred_on": "2024-12-01"}]},
     "incidents[0].occurred_on"),
    ({"filing__online_filed_on": "2024-11-23"}, "filing.online_filed_on"),
    ({"titles": [{"tier": "basic", "issuing_level": "city", "year": 2025}]}, "titles[0].year"),
])
def test_facts_dated_after_the_evaluation_date_are_refused(engine: Engine,
                                                           changes: dict[str, Any],
                                                           field: str) -> None:
    with pytest.raises(ApplicationError) as info:
        engine.assess(patched(leading_application(), **changes), jurisdiction="national")
    assert [p[0] for p in info.value.problems] == [field]
    assert "after" in info.value.problems[0][1]


def test_an_unknown_tier_is_named(engine: Engine) -> None:
    with pytest.raises(ApplicationError, match="unknown tier 'gold'; tiers: basic, advanced"):
        engine.assess(leading_application(), jurisdiction="national", tier="gold")


def test_unknown_kpis_and_guide_segments_are_named(engine: Engine) -> None:
    app = patched(leading_application(), kpis={"KPI-21": 1.0},
                  scenarios=[{"guide_segment": "销售", "tier": "basic"}])
    with pytest.raises(ApplicationError) as info:
        engine.assess(app, jurisdiction="national")
    fields = [p[0] for p in info.value.problems]
    assert fields == ["kpis.KPI-21", "scenarios[0].guide_segment"]


def test_a_segment_contradicting_its_guide_segment_is_named(engine: Engine) -> None:
    app = patched(leading_application(), scenarios=[
        {"guide_segment": "质量管控", "segment": "operations_management", "tier": "basic"}])
    with pytest.raises(ApplicationError, match="contradicts guide_segment '质量管控'"):
        engine.assess(app, jurisdiction="national")


def test_validate_checks_without_assessing(engine: Engine) -> None:
    assert isinstance(engine.validate(leading_application(), jurisdiction="national"),
                      Application)
    with pytest.raises(ApplicationError, match=r"attestations\.competetive"):
        engine.validate(patched(leading_application(), attestations__competetive=True),
                        jurisdiction="national")
