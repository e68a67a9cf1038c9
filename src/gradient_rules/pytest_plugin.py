"""The pytest plugin of gradient-rules, loaded by pytest wherever gradient-rules is installed.

Entry point ``pytest11``.

Fixtures ``gr_engine`` (durable-rules backend) and ``gr_reference_engine`` (plain Python),
both built from the installed plugins once per session, and the option
``--gr-coverage=J[,J...]``: after the run, a table of every rule of those jurisdictions with
the outcomes the suite exercised; the run fails when a rule was never seen met or never
seen not met (like ``opa test --coverage``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._coverage import CoverageRow, RuleCoverage
from ._engine import Engine
from ._vocabulary import Outcome

__all__ = ["gr_engine", "gr_reference_engine"]

_KEY = pytest.StashKey[RuleCoverage]()
_ROWS = pytest.StashKey[list[CoverageRow]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--gr-coverage``."""
    group = parser.getgroup("gradient-rules")
    group.addoption("--gr-coverage", metavar="J[,J...]", default=None,
                    help="report which rules of these jurisdictions the tests saw met, not "
                         "met and unknown; fail when one lacks a met or a not-met case")


@pytest.fixture(scope="session")
def gr_engine() -> Engine:
    """An engine of every installed plugin, on the durable-rules backend."""
    return Engine.from_installed()


@pytest.fixture(scope="session")
def gr_reference_engine() -> Engine:
    """An engine of every installed plugin, on the reference (plain Python) backend."""
    return Engine.from_installed(backend="reference")


def _jurisdictions(config: pytest.Config) -> list[str]:
    value = config.getoption("--gr-coverage")
    return [j.strip() for j in str(value).split(",") if j.strip()] if value else []


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Iterator[Any]:
    """Record assessments while the tests run, when ``--gr-coverage`` is given."""
    if not _jurisdictions(session.config):
        return (yield)
    coverage = RuleCoverage()
    session.config.stash[_KEY] = coverage
    with coverage.recording():
        return (yield)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a rule lacks a met or a not-met outcome."""
    coverage = session.config.stash.get(_KEY, None)
    codes = _jurisdictions(session.config)
    if coverage is None or not codes:
        return
    engine = Engine.from_installed(backend="reference")
    missing = [c for c in codes if c not in {j.code for j in engine.jurisdictions()}]
    rows = coverage.report(engine, [c for c in codes if c not in missing])
    session.config.stash[_ROWS] = rows
    if missing or any(not row.complete for row in rows):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The coverage table."""
    rows = config.stash.get(_ROWS, None)
    codes = _jurisdictions(config)
    if rows is None or not codes:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"gradient-rules rule coverage: {', '.join(codes)}")
    marks = {Outcome.MET: "met", Outcome.NOT_MET: "not met", Outcome.UNKNOWN: "unknown"}
    for row in rows:
        seen = ", ".join(marks[o] for o in Outcome if o in row.outcomes) or "never assessed"
        write(f"{'ok  ' if row.complete else 'MISS'} {row.rule_id:<16} {row.source:<28} {seen}")
    complete = sum(row.complete for row in rows)
    total = len(rows)
    share = 100.0 * complete / total if total else 100.0
    write(f"{complete} of {total} rules seen met and not met ({share:.0f}%)")
    known = {row.source.split(":")[0].split("/")[0] for row in rows}
    for code in codes:
        if code not in known:
            write(f"MISS {code}: no such jurisdiction installed (or it has no rules)")
