"""Hostile files and values: each is bad input (exit 2, one message), never a crash or a hang.

Every case here crashed, hung or was misread before the limits of ``_limits``/``_loading``
(decision D34): tracebacks exiting 1, a FIFO read forever, a duplicate key silently
overriding the first, ``true`` read as a level, ``0`` as 1970-01-01.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from grtest import leading_application, patched

from gradient_rules import ApplicationError, Engine, parse_application
from gradient_rules._cli import cli


def _cli(*args: str) -> Any:
    return CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(cli, list(args))


def _assert_bad_input(result: Any, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert fragment in result.output, result.output


BASE = '{"enterprise": {"name": "x"}, "dated": "2024-11-22"'


@pytest.mark.parametrize("name, text, fragment", [
    ("digits.json", BASE + ', "kpis": {"KPI-01": ' + "9" * 5000 + "}}", "5000 digits"),
    ("huge.json", BASE + ', "kpis": {"KPI-01": 1e400}}', "beyond the accepted numbers"),
    ("nan.json", BASE + ', "kpis": {"KPI-01": NaN}}', "NaN (not a number)"),
    ("deep.json", BASE + ', "kpis": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply"),
    ("deep32.json", BASE + ', "kpis": ' + "[" * 40 + "]" * 40 + "}", "nested more than 32"),
    ("dup.json", '{"enterprise": {"name": "x"}, "dated": "2030-01-01", "dated": "2024-11-22"}',
     "the key 'dated' is given twice"),
    ("dup.yaml", "enterprise: {name: x}\ndated: 2030-01-01\ndated: 2024-11-22\n",
     "the key 'dated' is given twice"),
    ("dup.toml", 'dated = 2030-01-01\ndated = 2024-11-22\n[enterprise]\nname = "x"\n',
     "not valid TOML"),
    ("bomb.yaml", 'a: &a ["x", "x"]\nb: [*a, *a]\nenterprise: {name: x}\n',
     "anchors (&name) are not accepted"),
    ("alias.yaml", "enterprise: *x\n", "aliases (*name) are not accepted"),
    ("tag.yaml", "enterprise: !!python/object:os.system {}\n", "tags (!tag) are not accepted"),
    ("digits.yaml", "enterprise: {name: x}\nkpis: {KPI-01: " + "9" * 5000 + "}\n",
     "a value cannot be read"),
    ("digits.toml", 'kpis = { KPI-01 = ' + "9" * 5000 + ' }\n[enterprise]\nname = "x"\n',
     "a value cannot be read"),
    ("latin1.json", None, "not UTF-8 text"),
])
def test_a_malformed_file_is_bad_input(tmp_path: Path, name: str, text: str | None,
                                       fragment: str) -> None:
    path = tmp_path / name
    if text is None:
        path.write_bytes('{"enterprise": {"name": "é"}}'.encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    _assert_bad_input(_cli("assess", str(path)), fragment)


def test_a_fifo_a_device_and_a_directory_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    _assert_bad_input(_cli("assess", str(fifo)), "not a regular file")
    device = tmp_path / "zero.json"
    device.symlink_to("/dev/zero")
    _assert_bad_input(_cli("assess", str(device)), "not a regular file")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    result = _cli("assess", str(folder))
    assert result.exit_code == 2 and "Traceback" not in result.output


LONG = "a" * 5000
"""A name longer than any file system takes (ENAMETOOLONG, which ``Path.exists`` raises)."""


@pytest.mark.parametrize("args", [
    ("assess", LONG),
    ("assess", LONG + ".jsonl", "--quiet"),
    ("assess", "examples/national/basic-workshop.json", LONG),
    ("validate", LONG),
    ("template", "-j", "national", "--out", LONG + ".xlsx"),
    ("batch", LONG, "-j", "shanxi"),
    ("form", "examples/shanxi/taiyuan-batch.yaml", "-j", "shanxi", "--out", LONG + ".xlsx"),
    ("new-plugin", "zhejiang", "--dir", LONG),
    ("whatif", LONG, "-j", "national", "--set", "NAT-BASE-5.minimum.excellent=4"),
    ("assess", "examples/national/basic-workshop.json", "--out", LONG + ".csv"),
    ("whatif", "examples/national/basic-workshop.json", "-j", "national", "--set",
     "NAT-BASE-5.minimum.excellent=4", "--out", LONG + ".xlsx"),
])
def test_a_name_too_long_for_the_system_is_bad_input(args: tuple[str, ...]) -> None:
    root = Path(__file__).resolve().parents[1]
    args = tuple(str(root / a) if a.startswith("examples/") else a for a in args)
    result = _cli(*args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="/proc: a folder nobody writes to")
@pytest.mark.parametrize("out", ["/nonexistent-folder/x.xlsx", "/proc/x.xlsx", "/proc/x.csv",
                                 "/proc/x.jsonl"])
@pytest.mark.parametrize("command", [
    ("template", "-j", "national"),
    ("assess", "examples/national/basic-workshop.json", "--quiet"),
    ("whatif", "examples/national/basic-workshop.json", "-j", "national", "--set",
     "NAT-BASE-5.minimum.excellent=4", "--quiet"),
    ("form", "shanxi", "examples/shanxi/taiyuan-batch.yaml"),
])
def test_an_out_file_that_cannot_be_written_is_bad_input(command: tuple[str, ...],
                                                         out: str) -> None:
    root = Path(__file__).resolve().parents[1]
    args = [str(root / a) if a.startswith("examples/") else a for a in command]
    result = _cli(*args, "--out", out)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "internal error" not in result.output


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(BASE + ', "project_name": "' + "x" * (3 * 1024 * 1024) + '"}',
                    encoding="utf-8")
    _assert_bad_input(_cli("assess", str(path)), "the limit is 2,097,152")


@pytest.mark.parametrize("changes, field, fragment", [
    ({"self_assessment__maturity_level": True}, "self_assessment.maturity_level",
     "valid integer"),
    ({"self_assessment__maturity_level": "3"}, "self_assessment.maturity_level",
     "valid integer"),
    ({"incidents": [{"kind": "safety", "grade": "major", "occurred_on": 0}]},
     "incidents[0].occurred_on", "must be a date"),
    ({"incidents": [{"kind": "safety", "grade": "major", "occurred_on": "9999-01-01"}]},
     "incidents[0].occurred_on", "outside 1900-01-01..2099-12-31"),
    ({"enterprise__above_designated_size": "yes"}, "enterprise.above_designated_size",
     "valid boolean"),
    ({"enterprise__above_designated_size": 1}, "enterprise.above_designated_size",
     "valid boolean"),
    ({"enterprise__main_business_revenue_cny": 10**400}, "", "more than 19 digits"),
    ({"enterprise__main_business_revenue_cny": 10**16},
     "enterprise.main_business_revenue_cny", "less than or equal to"),
    ({"enterprise__province": "a" * (1 << 24)}, "enterprise.province", "16,777,216"),
    ({"enterprise__name": "x\x1b[31mRED"}, "enterprise.name", "control character U+001B"),
    ({"enterprise__name": "x\ud800"}, "enterprise.name", "unpaired surrogate"),
    ({"enterprise__name": "x" * 201}, "enterprise.name", "at most 200 characters"),
    ({"scenarios": [{"segment": "production_operations", "tier": "basic", "name": f"s{i}"}
                    for i in range(201)]}, "scenarios", "at most 200 items"),
    ({"kpis": {"KPI-01": float("inf")}}, "kpis.KPI-01", "finite"),
    ({"dated": "2024-11-22T10:00:00"}, "dated", "not a date"),
])
def test_a_value_a_person_would_not_mean_is_refused_by_name(changes: dict[str, Any], field: str,
                                                           fragment: str) -> None:
    app = patched(leading_application(), **changes)
    with pytest.raises(ApplicationError) as info:
        parse_application(app)
    assert any(path.startswith(field) and fragment in message
               for path, message in info.value.problems), info.value.problems


def test_an_evaluation_date_out_of_range_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(leading_application(), ensure_ascii=False), encoding="utf-8")
    _assert_bad_input(_cli("assess", str(path), "--on", "9999-12-31"), "9999-12-31")


def test_the_engine_takes_every_application_within_the_limits(engine: Engine,
                                                              reference_engine: Engine) -> None:
    # The most the limits allow, through both backends (the durable one had a 9,999-fact cap).
    app = patched(leading_application(), scenarios=[
        {"segment": "production_operations", "tier": "leading", "name": f"场景{i}"}
        for i in range(200)], incidents=[
        {"kind": "safety", "grade": "general", "occurred_on": "2024-01-01"}] * 100)
    app["attestations"].update({f"extra_{i}": True for i in range(100 - len(app["attestations"]))})
    for name in list(app["attestations"])[17:]:
        del app["attestations"][name]  # only the national names: foreign ones are refused
    durable = engine.assess(app, jurisdiction="national")
    reference = reference_engine.assess(app, jurisdiction="national")
    assert durable.model_dump(exclude={"backend"}) == reference.model_dump(exclude={"backend"})


# --- rule parameters: plugin data and what-if overrides ---------------------------------------


@pytest.mark.parametrize("key", ["NAT-BASE-5.minimum", "NAT-BASE-5.minimum.excellent",
                                 "NAT-KPI.minimum", "GZ-SCN-B-1.minimum"])
@pytest.mark.parametrize("value", [True, 2.0, "3"])
def test_an_overridden_count_must_be_a_whole_number(key: str, value: object) -> None:
    """``whatif --set NAT-BASE-5.minimum=true`` ran as a minimum of level 1 (pydantic's lax
    mode reads ``true`` as 1, ``2.0`` as 2 and ``"3"`` as 3), and exited 0."""
    engine = Engine.from_installed()
    with pytest.raises(ApplicationError) as info:
        engine.with_overrides({key: value})
    text = str(info.value)
    assert text.startswith(f"{key}: not a valid value for this rule: ")
    assert repr(value) in text and "pydantic.dev" not in text, text


def _model_data() -> list[tuple[type[Any], dict[str, Any], str]]:
    from gradient_rules._calls import BatchRules, Call
    from gradient_rules._catalog import CatalogScenario, ScenarioCatalog
    from gradient_rules._kinds_applicant import AboveDesignatedSize
    from gradient_rules._kinds_filing import Deadline
    from gradient_rules._kinds_record import NoIncidents
    from gradient_rules._rules import Document

    engine = Engine.from_installed()
    call = next(c for j in ("national", "guizhou", "shandong", "shanxi")
                for c in engine.calls(j) if c.batch is not None)
    catalog = engine.catalog("guizhou")
    assert catalog is not None and call.batch is not None
    data: list[tuple[type[Any], dict[str, Any], str]] = [
        (Call, call.model_dump(), field) for field in ("year", "issuer_named", "issued")]
    data += [(BatchRules, call.batch.model_dump(), field) for field in ("quota", "submit_by")]
    data += [(ScenarioCatalog, catalog.model_dump(), "complete")]
    data += [(CatalogScenario, catalog.scenarios[0].model_dump(), "number")]
    data += [(NoIncidents, {"kinds": ["safety"], "min_grade": "larger", "years": 3}, "years"),
             (AboveDesignatedSize, {}, "revenue_threshold_cny"),
             (Deadline, {"field": "online_filed_on", "by": dt.date(2025, 1, 1)}, "by"),
             (Document, engine.packs("national")[0].documents[0].model_dump(), "issued")]
    return data


_WRONG = {"flag": (1, "true", "yes"), "number": (True, 2.0, "3"),
          "date": (0, 86_400 * 20_000, dt.datetime(2025, 1, 1), "1 May 2025")}


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "flag"
    return "date" if isinstance(value, dt.date) else "number"


@pytest.mark.parametrize("kind", sorted(_WRONG))
def test_a_plugin_data_number_flag_or_date_is_read_strictly(kind: str) -> None:
    """A data file's ``year = "2025"``, ``complete = 1`` or ``by = 0`` was read as what it
    looks like (``0`` as 1970-01-01); the applications were already read strictly (``true``
    is not a level, ``0`` not a date): plugin data is read the same way, so a slip in a
    file is an error naming the key, not a guess."""
    from pydantic import ValidationError

    checked = set()
    for model, data, field in _model_data():
        loaded = model.model_validate(data)  # the data as loaded is valid
        if _kind_of(getattr(loaded, field)) != kind:
            continue
        for value in _WRONG[kind]:
            with pytest.raises(ValidationError) as info:
                model.model_validate({**data, field: value})
            assert info.value.errors()[0]["loc"][0] == field, (model, field, value)
        checked.add(f"{model.__name__}.{field}")
    assert len(checked) == {"flag": 2, "number": 5, "date": 4}[kind], checked
