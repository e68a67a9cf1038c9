"""gradient_rules.testing: strategies, invariants, the property runner, rule coverage."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from grplugin import Plugin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradient_rules_guizhou
import gradient_rules_national
from gradient_rules import ApplicationError, Engine, Outcome, Segment, Tier
from gradient_rules.testing import (
    RuleCoverage,
    applications,
    assert_ladder,
    assert_no_unknown_when_all_stated,
    check_invariants,
    find_application,
    run_properties,
)

ENGINE = Engine.from_installed()
REFERENCE = Engine.from_installed(backend="reference")
SCOPES = [(j.code, c) for j in ENGINE.jurisdictions()
          for c in [None, *(call.id for call in ENGINE.calls(j.code))]]
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize(("jurisdiction", "call"), SCOPES)
def test_generated_applications_are_valid_and_the_backends_agree(
        jurisdiction: str, call: str | None) -> None:
    @SETTINGS
    @given(app=applications(ENGINE, jurisdiction, call=call, near_thresholds=True))
    def valid(app: dict[str, Any]) -> None:
        durable = ENGINE.assess(app, jurisdiction=jurisdiction, call=call)
        plain = REFERENCE.assess(app, jurisdiction=jurisdiction, call=call)
        assert durable.model_dump(exclude={"backend"}) == plain.model_dump(exclude={"backend"})

    valid()


@pytest.mark.parametrize(("jurisdiction", "call"), SCOPES)
def test_applications_stating_everything_leave_nothing_unknown(
        jurisdiction: str, call: str | None) -> None:
    @SETTINGS
    @given(app=applications(ENGINE, jurisdiction, call=call, unstated=False))
    def stated(app: dict[str, Any]) -> None:
        assert_no_unknown_when_all_stated(ENGINE, app, jurisdiction=jurisdiction, call=call)

    stated()


@SETTINGS
@given(data=st.data(), where=st.sampled_from(SCOPES))
def test_invalid_applications_are_always_refused(data: st.DataObject,
                                                 where: tuple[str, str | None]) -> None:
    jurisdiction, call = where
    app = data.draw(applications(ENGINE, jurisdiction, call=call, invalid=True))
    with pytest.raises(ApplicationError):
        ENGINE.assess(app, jurisdiction=jurisdiction, call=call)


@pytest.mark.parametrize(("jurisdiction", "call"), SCOPES)
def test_every_invariant_holds_on_the_shipped_rules(jurisdiction: str,
                                                    call: str | None) -> None:
    assert run_properties(ENGINE, REFERENCE, jurisdiction, call=call, examples=15) is None


def test_the_runner_reports_a_broken_invariant_with_a_small_application(
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Engine.from_installed(backend="reference")
    derive = broken._derive

    def drop_refusals(scope: Any, facts: Any) -> Any:  # a reference evaluator with a bug
        result = derive(scope, facts)
        result._verdicts = {}  # every tier eligible, whatever was not met
        return result

    monkeypatch.setattr(broken, "_derive", drop_refusals)
    failure = run_properties(ENGINE, broken, "national", examples=50)
    assert failure is not None
    assert any(line.startswith("backends-agree") for line in failure.broken), failure.broken
    assert failure.application["enterprise"]  # the application is given, to reproduce


def _described_only_guizhou(tmp_path: Path) -> Engine:
    data = tmp_path / "guizhou"
    shutil.copytree(Path(gradient_rules_guizhou.__file__).parent / "data", data)
    catalog = data / "2025" / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    assert 'counting = "ladder"' in text or "counting" not in text
    text = text.replace('counting = "ladder"', 'counting = "described_only"') \
        if "counting" in text else 'counting = "described_only"\n' + text
    catalog.write_text(text, encoding="utf-8")
    return Engine(plugins=[gradient_rules_national, Plugin("guizhou", data)])


def test_the_ladder_invariant_catches_the_superseded_described_only_reading(
        tmp_path: Path) -> None:
    engine = _described_only_guizhou(tmp_path)
    catalog = engine.catalog("guizhou")
    assert catalog is not None
    gapped = [r for r in catalog.scenarios if Tier.BASIC not in (r.cells() or {Tier.BASIC})]
    rows = list(gapped)
    for segment in (Segment.PRODUCTION_OPERATIONS, Segment.PRODUCTION_MANAGEMENT,
                    Segment.OPERATIONS_MANAGEMENT):
        if not any(r.segment is segment for r in rows):
            rows.append(next(r for r in catalog.scenarios if r.segment is segment
                             and Tier.BASIC in (r.cells() or {Tier.BASIC})))
    rows += [r for r in catalog.scenarios if r not in rows][:10 - len(rows)]
    app = {"enterprise": {"name": "样例", "province": "guizhou"}, "dated": "2025-09-01",
           "scenarios": [{"id": r.id, "tier": "advanced"} for r in rows[:10]]}
    with pytest.raises(AssertionError, match="count and coverage met at advanced but not at "
                                             "basic"):
        assert_ladder(engine, app, jurisdiction="guizhou")
    assert_ladder(ENGINE, app, jurisdiction="guizhou")  # the shipped (ladder) reading holds
    assert check_invariants(ENGINE, app, jurisdiction="guizhou", names=["ladder"]) == []


def test_find_application_finds_each_outcome_of_a_rule() -> None:
    for outcome in (Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN):
        app, tier = find_application(ENGINE, "shandong", "SD-PRE-EL", outcome)
        finding = ENGINE.assess(app, jurisdiction="shandong").tier(tier).finding("SD-PRE-EL")
        assert finding.outcome is outcome


def test_rule_coverage_records_the_outcomes_seen() -> None:
    coverage = RuleCoverage()
    app, _ = find_application(ENGINE, "national", "NAT-BASE-1", Outcome.NOT_MET)
    ENGINE.assess(app, jurisdiction="national")  # not recorded: outside the block
    assert coverage.seen == {}
    with coverage.recording():
        ENGINE.assess(app, jurisdiction="national")
    rows = {row.rule_id: row for row in coverage.report(ENGINE, ["national"])}
    assert Outcome.NOT_MET in rows["NAT-BASE-1"].outcomes
    assert set(rows) == {r.id for p in ENGINE.packs("national") for r in p.rules} | {
        r.id for c in ENGINE.calls("national") for r in c.rules}


def test_the_pytest_plugin_fails_a_run_that_leaves_a_rule_uncovered(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text(textwrap.dedent("""
        from gradient_rules import Engine

        def test_one_assessment(gr_engine: Engine, gr_reference_engine: Engine) -> None:
            assert gr_engine.backend == "durable" and gr_reference_engine.backend == "reference"
            gr_engine.assess({"enterprise": {"name": "x"}}, jurisdiction="shanxi",
                             call="2024-excellent", on="2024-11-20")
    """), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--gr-coverage=shanxi", str(tmp_path)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "gradient-rules rule coverage: shanxi" in run.stdout
    assert "\nMISS " in run.stdout
    assert "rules seen met and not met (0%)" in run.stdout
