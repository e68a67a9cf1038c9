"""Screening at scale: assess_many, bulk inputs and outputs, workers, a killed worker, Dask,
what-if overrides, the template round trip, progress off when piped."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import multiprocessing
import os
import random
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from grtest import ON, leading_application, patched

import gradient_rules_national
from gradient_rules import ApplicationError, Engine, ScreeningRow, _workers
from gradient_rules._cli import cli
from gradient_rules._limits import MAX_CHUNK, MAX_WORKERS


def _apps(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        app = leading_application()
        app["enterprise"]["name"] = f"企业{i}"
        app["self_assessment"] = {"maturity_level": rng.randint(1, 5)}
        app["scenarios"] = app["scenarios"][: rng.randint(0, len(app["scenarios"]))]
        out.append(app)
    return out


_FORK_WARNING = "ignore:This process .* is multi-threaded:DeprecationWarning"
"""Python 3.12+ warns on a fork while threads run; an earlier test (Dask's) may leave one."""


@pytest.fixture(scope="module")
def installed() -> Engine:
    return Engine.from_installed()


@pytest.fixture(params=["fork", "spawn"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Worker processes started each way the pool may start them (whatever ran before)."""
    method: str = request.param
    monkeypatch.setattr(_workers, "start_method", lambda: method)
    if method == "fork":  # an earlier test (Dask's) may have left an idle thread running
        request.applymarker(pytest.mark.filterwarnings(_FORK_WARNING))
    return method


def test_workers_fork_only_from_a_single_threaded_linux_process() -> None:
    alone = threading.active_count() == 1
    expected = "fork" if alone and sys.platform.startswith("linux") else "spawn"
    assert _workers.start_method() == expected
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert _workers.start_method() == "spawn"  # a thread's lock could hang the child
    finally:
        release.set()
        other.join()


@pytest.mark.parametrize(("setting", "named"), [
    ({"workers": 10**9}, "workers"),
    ({"workers": MAX_WORKERS + 1}, "workers"),
    ({"chunk_size": MAX_CHUNK + 1}, "chunk_size"),
    ({"chunk_size": 10**12}, "chunk_size"),
    ({"full": "no"}, "full"),
    ({"full": 1}, "full"),
])
@pytest.mark.parametrize("how", ["assess_many", "compare_many"])
def test_settings_out_of_range_are_bad_input_before_any_worker_starts(
        installed: Engine, monkeypatch: pytest.MonkeyPatch, setting: dict[str, Any],
        named: str, how: str) -> None:
    """``workers=10**9`` forked until the machine ran out of memory (5,400 processes and
    24 GB in two minutes, found by hand); ``full="no"`` meant yes."""
    def no_pool(*args: object) -> None:
        raise AssertionError("no worker may start for settings that are refused")

    monkeypatch.setattr(_workers, "_process_pool", no_pool)
    args: dict[str, Any] = {"jurisdiction": "national", "on": ON, **setting}
    screen = (installed.assess_many if how == "assess_many"
              else functools.partial(installed.compare_many, installed))
    with pytest.raises(ApplicationError) as info:
        next(iter(screen(_apps(3), **args)))
    assert str(info.value).startswith(f"{named}: must be")


def test_the_largest_settings_are_accepted(installed: Engine) -> None:
    rows = list(installed.assess_many(_apps(3), jurisdiction="national", on=ON, full=True,
                                      chunk_size=MAX_CHUNK))
    assert [row.index for row in rows] == [0, 1, 2]
    assert all(row.assessment is not None for row in rows)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_a_thread_that_is_ending_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    if threading.active_count() != 1:
        pytest.skip("an earlier test left a thread running: fork is not used")
    listed = iter([["1", "2"]] * 3)  # a joined thread, listed for a moment as it exits

    def tasks(path: str) -> list[str]:
        assert path == "/proc/self/task"
        return next(listed, ["1"])

    monkeypatch.setattr(os, "listdir", tasks)
    assert _workers.start_method() == "fork"
    assert next(listed, None) is None  # it asked again until the thread had gone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_a_thread_that_stays_makes_workers_spawn_after_a_bounded_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(os, "listdir", lambda path: ["1", "2"])
    start = time.monotonic()
    assert _workers.start_method() == "spawn"
    waited = time.monotonic() - start
    assert _workers.THREAD_EXIT_WAIT <= waited < 5


_BACK_TO_BACK = """
import datetime as dt, json, sys
from gradient_rules import Engine
from gradient_rules._workers import start_method
engine = Engine.from_installed()
app = json.load(open(sys.argv[1], encoding="utf-8"))
for _ in range(6):
    rows = list(engine.assess_many([app] * 200, jurisdiction="national",
                                   on=dt.date(2026, 6, 1), workers=2, chunk_size=20))
    assert len(rows) == 200 and all(row.ok for row in rows)
    print(start_method())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_screenings_run_back_to_back_each_fork_their_workers() -> None:
    """The pool of the screening before has just joined its threads: the next still forks.

    The kernel lists a joined thread for a moment after Python lets it go; without the wait
    for it, most of these screenings started their workers as fresh interpreters.
    """
    import subprocess

    example = Path(__file__).parents[1] / "examples" / "national" / "basic-workshop.json"
    done = subprocess.run([sys.executable, "-c", _BACK_TO_BACK, str(example)],
                          capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.split() == ["fork"] * 6


_LOW_LEVEL_THREAD = """
import _thread, threading
from gradient_rules._workers import start_method
print(start_method())
release, done = _thread.allocate_lock(), _thread.allocate_lock()
release.acquire()
done.acquire()
def low_level():  # like a C library's thread: threading does not count it
    release.acquire()
    done.release()
_thread.start_new_thread(low_level, ())
print(threading.active_count(), start_method())
release.release()
done.acquire()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_a_thread_python_does_not_count_still_makes_workers_spawn() -> None:
    import subprocess

    # A fresh interpreter: this test process may run threads of earlier tests.
    done = subprocess.run([sys.executable, "-c", _LOW_LEVEL_THREAD], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.split() == ["fork", "1", "spawn"]


def test_rows_come_back_in_order_with_bad_rows_in_place(installed: Engine) -> None:
    apps: list[Any] = _apps(30)
    apps[4] = {"enterprise": {}}  # no name
    apps[9] = "not a mapping"
    rows = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    assert [r.index for r in rows] == list(range(30))
    assert rows[4].error is not None and rows[4].error.kind == "bad_input"
    assert "enterprise.name" in rows[4].error.message_en
    assert rows[9].error is not None and rows[9].error.kind == "bad_input"
    for i in (0, 1, 17):
        single = installed.assess(apps[i], jurisdiction="national", on=ON)
        assert rows[i].highest_eligible == single.highest_eligible
        assert rows[i].verdicts == {t.tier: t.verdict for t in single.tiers}
        assert set(rows[i].not_met) == {f.rule_id for t in single.tiers for f in t.findings
                                        if f.outcome.value == "not_met"}


def test_bad_arguments_are_bad_input_before_any_row(installed: Engine) -> None:
    with pytest.raises(ApplicationError, match="workers"):
        list(installed.assess_many([], jurisdiction="national", workers=0))
    with pytest.raises(Exception, match="nowhere"):
        installed.assess_many([], jurisdiction="nowhere")


@pytest.mark.parametrize("how", ["in process", "2 workers", "an executor"])
def test_an_input_that_fails_gives_every_row_read_then_its_error(installed: Engine,
                                                                 how: str) -> None:
    """The caller's iterator raising after 25 applications: the 25 rows, then its error.

    With workers, the error came out of the first refill of the window: no row at all,
    though four chunks of them were read (and some assessed)."""
    from concurrent.futures import ThreadPoolExecutor

    apps = _apps(25)

    def feed() -> Iterator[dict[str, Any]]:
        yield from apps
        raise ValueError("the caller's source broke")

    kwargs: dict[str, Any] = {"in process": {}, "2 workers": {"workers": 2}}.get(how, {})
    with contextlib.ExitStack() as stack:
        if how == "an executor":
            kwargs["executor"] = stack.enter_context(ThreadPoolExecutor(2))
        rows = installed.assess_many(feed(), jurisdiction="national", on=ON, chunk_size=4,
                                     **kwargs)
        got: list[Any] = []
        with pytest.raises(ValueError, match="the caller's source broke"):
            for row in rows:
                got.append(row)
    assert [r.index for r in got] == list(range(25))
    assert all(r.ok for r in got)
    alone = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    assert [r.verdicts for r in got] == [r.verdicts for r in alone]


def test_two_workers_give_the_same_rows_as_one(installed: Engine, start: str) -> None:
    apps = _apps(120)
    one = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    two = list(installed.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                     chunk_size=16))
    assert one == two


def test_workers_give_the_same_rows_as_one_for_every_kind_of_input(installed: Engine,
                                                                 start: str) -> None:
    """Plain dicts travel to the workers as they are; everything else as a BulkItem."""
    from collections import OrderedDict

    from gradient_rules import Application, BulkItem

    apps: list[Any] = _apps(30)
    apps[3] = OrderedDict(apps[3])  # a mapping that is not a plain dict
    apps[5] = Application.model_validate(apps[5])
    apps[7] = "not a mapping"
    apps[9] = {"enterprise": {}}  # no name: bad input, from the worker
    apps[11] = BulkItem(source="clients.csv row 12", data=apps[11], id="C-12")
    apps[13] = BulkItem(source="clients.csv row 14", error=ApplicationError(
        [("clients.csv row 14", "unreadable", "无法读取")]))
    one = list(installed.assess_many(apps, jurisdiction="national", on=ON, full=True))
    two = list(installed.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                     chunk_size=4, full=True))
    assert one == two
    assert [r.model_fields_set for r in one] == [r.model_fields_set for r in two]
    assert [r.ok for r in two].count(False) == 3
    assert (two[11].source, two[11].id, two[11].ok) == ("clients.csv row 12", "C-12", True)
    assert two[0].source == "#1" and two[0].assessment is not None


def test_a_row_that_cannot_be_sent_to_a_worker_spoils_only_itself(installed: Engine,
                                                                  start: str) -> None:
    """A lambda in a dict cannot be pickled: its chunk failed twice and every row of it was
    a worker error ("died twice"), though no worker died (D57).  The chunk is now assessed
    in the calling process, so the rows are what ``workers=1`` gives."""
    apps: list[Any] = _apps(12)
    apps[5] = {**apps[5], "enterprise": {**apps[5]["enterprise"], "name": lambda: "x"}}
    one = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    two = list(installed.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                     chunk_size=4))
    assert [r.ok for r in two] == [i != 5 for i in range(12)]
    assert two[5].error is not None and two[5].error.kind == "bad_input"
    assert "enterprise.name" in two[5].error.message_en
    assert [r.model_dump(exclude={"error"}) for r in two] == [
        r.model_dump(exclude={"error"}) for r in one]
    pairs = list(installed.compare_many(installed.with_overrides({"NAT-BASE-5.minimum.excellent":
                                                                  4}),
                                        apps, jurisdiction="national", on=ON, workers=2,
                                        chunk_size=4))
    assert [(a.ok, b.ok) for a, b in pairs] == [(i != 5, i != 5) for i in range(12)]


def test_a_row_sent_back_packed_is_the_same_row(installed: Engine) -> None:
    apps: list[Any] = [*_apps(3), "not a mapping"]
    rows = list(installed.assess_many(apps, jurisdiction="national", on=ON, full=True))
    packed = [(_workers._packed(row),) for row in rows]
    assert isinstance(packed[3][0], ScreeningRow)  # an error row goes as itself
    assert all(isinstance(p, tuple) for (p,) in packed[:3])
    again = [row for (row,) in _workers._unpacked(packed)]
    assert again == rows
    assert [r.model_fields_set for r in again] == [r.model_fields_set for r in rows]
    assert again[0].model_dump_json() == rows[0].model_dump_json()


def _killing(apps: list[dict[str, Any]], at: int) -> Iterator[dict[str, Any]]:
    """Yield the applications; when row ``at`` is pulled, SIGKILL a worker of the pool."""
    for index, app in enumerate(apps):
        if index == at:
            children = multiprocessing.active_children()
            assert children, "no worker process to kill"
            for child in children:
                if child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)
                    break
        yield app


def test_a_killed_worker_loses_no_row(installed: Engine, start: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import Future

    apps = _apps(200)
    expected = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    # The screening never cancels its own pool's futures from this thread: the pool's
    # manager thread, failing them as the pool breaks, would race it (CPython 3.11 then
    # raises InvalidStateError in that thread).
    cancel = Future.cancel
    cancelled_here: list[object] = []

    def recording(future: Future[Any]) -> bool:
        if threading.current_thread() is threading.main_thread():
            cancelled_here.append(future)
        return cancel(future)

    monkeypatch.setattr(Future, "cancel", recording)
    rows = list(installed.assess_many(_killing(apps, 120), jurisdiction="national", on=ON,
                                      workers=2, chunk_size=10))
    monkeypatch.undo()
    assert cancelled_here == []
    assert len(rows) == len(apps)
    assert [r.index for r in rows] == list(range(200))
    assert any(r.retried for r in rows)  # the kill was felt, and reported on the rows
    assert [r.model_copy(update={"retried": False}) for r in rows] == expected


def test_engines_made_of_plugin_objects_refuse_workers_clearly() -> None:
    class Plugin:
        gradient_rules_jurisdictions = staticmethod(
            gradient_rules_national.gradient_rules_jurisdictions)

    engine = Engine(plugins=[gradient_rules_national])
    assert engine.recipe.modules == ("gradient_rules_national",)
    odd = Engine(plugins=[Plugin()], strict=False)
    with pytest.raises(ApplicationError, match="workers=1"):
        odd.assess_many(_apps(2), jurisdiction="national", on=ON, workers=2)  # at the call
    with pytest.raises(ApplicationError, match="workers=1"):
        engine.compare_many(odd, _apps(2), jurisdiction="national", on=ON, workers=2)
    pairs = list(engine.compare_many(odd, _apps(2), jurisdiction="national", on=ON))
    assert [old == new for old, new in pairs] == [True, True]  # in this process, it can


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_rows(installed: Engine) -> None:
    distributed = pytest.importorskip("distributed")
    apps = _apps(60)
    expected = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        rows = list(installed.assess_many(apps, jurisdiction="national", on=ON,
                                          executor=client.get_executor(), chunk_size=10))
        changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
        pairs = list(installed.compare_many(changed, apps, jurisdiction="national", on=ON,
                                            executor=client.get_executor(), chunk_size=10))
    assert rows == expected
    assert pairs == list(installed.compare_many(changed, apps, jurisdiction="national", on=ON))


@pytest.mark.parametrize("address", ["", " ", "foo://x", "tls://127.0.0.1:9", "ucx://127.0.0.1:9"])
def test_a_scheduler_address_that_cannot_serve_is_bad_input(address: str) -> None:
    if address.strip():
        pytest.importorskip("distributed")
    example = Path(__file__).parents[1] / "examples" / "national" / "basic-workshop.json"
    result = _run("assess", str(example), "--scheduler", address, "--lang", "en")
    assert result.exit_code == 2, result.output  # the address to fix, not an internal error
    assert "--scheduler" in result.output and "internal error" not in result.output


# --- what-if ------------------------------------------------------------------------------


def test_an_override_changes_verdicts_and_says_so(installed: Engine) -> None:
    app = patched(leading_application(), self_assessment={"maturity_level": 3})
    before = installed.assess(app, jurisdiction="national", on=ON)
    changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
    after = changed.assess(app, jurisdiction="national", on=ON)
    assert before.tier("excellent").verdict.value == "eligible"
    assert after.tier("excellent").verdict.value == "not_eligible"
    assert after.warnings[0].code == "what_if" and "NAT-BASE-5.minimum.excellent=4" in (
        after.warnings[0].message_en)
    # The installed engine is untouched.
    assert installed.assess(app, jurisdiction="national", on=ON) == before
    row = next(changed.assess_many([app], jurisdiction="national", on=ON))
    assert row.overrides == ("NAT-BASE-5.minimum.excellent=4",)


def test_a_disabled_rule_is_left_out(installed: Engine) -> None:
    changed = installed.with_overrides({"GZ-SCN-B-1.enabled": False})
    assert "GZ-SCN-B-1" not in {r.id for r in changed.rules("guizhou")}
    assert "GZ-SCN-B-1" in {r.id for r in installed.rules("guizhou")}
    adopting = installed.with_overrides({"SD-COV-B.enabled": False})  # an adoption, too
    assert "SD-COV-B" not in {r.id for r in adopting.rules("shandong")}
    assert "SD-COV-B" in {r.id for r in installed.rules("shandong")}


def test_a_value_nested_past_any_stack_is_bad_input(installed: Engine) -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ApplicationError, match="nested more than 32 levels"):
        installed.with_overrides({"NAT-BASE-5.minimum.excellent": deep})
    for text in ("[" * 100_000, "[" * 9_000):  # too long; too deep for the JSON reader
        result = _run("whatif", "-", "-j", "national", "--set",
                      f"NAT-BASE-5.minimum.excellent={text}", input="")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize(("overrides", "names"), [
    ({"NOPE-1.minimum": 3}, "no rule 'NOPE-1'"),
    ({"GZ-SCN-B-1.maximum": 3}, "no parameter 'maximum'"),
    ({"GZ-SCN-B-1.minimum": "many"}, "not a valid value"),
    ({"GZ-SCN-B-1.kind": "x"}, "cannot be overridden"),
    ({"NAT-BASE-5.minimum.basic": 4}, "higher tier must never be easier"),
    ({"bare": 1}, "RULE.path"),
    # model_copy does not validate: a table that lost a tier is caught by the override
    ({"NAT-BASE-5.minimum": {"basic": 2}}, "no value for tier.s. advanced, excellent, leading"),
    # an adoption's condition is its base rule's: the message says which key to change
    ({"SD-COV-B.segments": ["PO"]}, "adopts NAT-COV-B's condition: override NAT-COV-B.segm"),
    # bounded before anything recurses into the value (D34's limits)
    ({"NAT-BASE-5.minimum.excellent": float("nan")}, "not a finite number"),
    ({"NAT-BASE-5.minimum.excellent": json.loads("[" * 35 + "1" + "]" * 35)},
     "nested more than 32 levels"),
    ({"NAT-BASE-5.minimum.excellent": "x" * 10_001}, "at most 10,000"),
    ({"NAT-BASE-5." + "x" * 300: 1}, "a key of 311 characters"),
])
def test_bad_overrides_are_bad_input(installed: Engine, overrides: dict[str, Any],
                                     names: str) -> None:
    with pytest.raises(ApplicationError, match=names):
        installed.with_overrides(overrides)


# --- bulk files and the CLI ---------------------------------------------------------------


def _run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def test_jsonl_csv_and_xlsx_outputs_keep_every_row_in_order(tmp_path: Path) -> None:
    apps = _apps(12)
    lines = [json.dumps(a, ensure_ascii=False) for a in apps]
    lines.insert(3, "{broken")
    lines.insert(7, "[1]")
    source = tmp_path / "apps.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for suffix in ("jsonl", "csv", "xlsx"):
        out = tmp_path / f"r.{suffix}"
        result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat(),
                      "--out", str(out))
        assert result.exit_code == 2, result.output  # some rows are bad input
        if suffix == "jsonl":
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            sources = [r["source"] for r in rows]
            assert rows[3]["error"]["kind"] == "bad_input" and rows[0]["assessment"]
        elif suffix == "csv":
            with out.open(encoding="utf-8-sig") as handle:
                rows = list(csv.DictReader(handle))
            sources = [r["source"] for r in rows]
            assert rows[7]["error"].startswith("bad_input")
        else:
            book = openpyxl.load_workbook(out)
            sheet = book["结果 results"]
            rows = list(sheet.iter_rows(min_row=2, values_only=True))
            sources = [r[1] for r in rows]
            summary = {r[0]: r[1:] for r in book["汇总 summary"].iter_rows(values_only=True)}
            assert summary["rows 行数"][0] == 14
            assert book["汇总 summary"]._charts
        assert sources == [f"{source}:{n}" for n in range(1, 15)]


def test_xlsx_results_past_a_sheets_rows_go_on_in_the_next_sheet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel opens at most 1,048,576 rows of a sheet: results beyond go on in a new sheet,
    each under the heading row, in order, none lost (the limit shrunk to 5 rows here)."""
    from gradient_rules import _bulk_write

    monkeypatch.setattr(_bulk_write._Xlsx, "SHEET_ROWS", 5)
    source = tmp_path / "apps.jsonl"
    source.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in _apps(10)) + "\n",
                      encoding="utf-8")
    out = tmp_path / "r.xlsx"
    result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(out))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    names = ["结果 results", "结果 results 2", "结果 results 3"]
    assert book.sheetnames == ["汇总 summary", *names]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in names]
    assert [len(rows) for rows in sheets] == [5, 5, 3]
    assert all(rows[0] == sheets[0][0] for rows in sheets)
    sources = [row[1] for rows in sheets for row in rows[1:]]
    assert sources == [f"{source}:{n}" for n in range(1, 11)]


def test_an_xlsx_that_fails_to_save_leaves_the_old_file_and_no_noise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import errno
    import gc

    from gradient_rules._bulk_write import open_writer

    target = tmp_path / "results.xlsx"
    target.write_bytes(b"the previous results")
    rows = list(Engine.from_installed().assess_many(_apps(3), jurisdiction="national", on=ON))

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", full)
    writer = open_writer(target)
    for row in rows:
        writer.write(row)
    with pytest.raises(ApplicationError, match=r"cannot write .*No space left on device"):
        writer.close()
    del writer
    gc.collect()  # openpyxl's unfinished sheets would complain here, on stderr
    assert target.read_bytes() == b"the previous results"  # replaced whole or not at all
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.xlsx"]  # no temporary left
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_a_run_that_stops_leaves_the_old_results_and_no_temporary(tmp_path: Path,
                                                                   suffix: str) -> None:
    target = tmp_path / f"results{suffix}"
    target.write_bytes(b"the previous results")
    target.chmod(0o640)
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps(leading_application(), ensure_ascii=False) + "\n", "utf-8")
    # An input that does not exist stops the run (bad input) after the output was opened.
    stopped = _run("assess", str(good), str(tmp_path / "missing.json"), "--out", str(target))
    assert stopped.exit_code == 2, stopped.output
    assert target.read_bytes() == b"the previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", target.name]
    # A run that completes replaces the file whole, keeping its permissions.
    done = _run("assess", str(good), "--out", str(target), "--quiet")
    assert done.exit_code == 0, done.output
    assert target.read_bytes() != b"the previous results"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", target.name]


def test_stdin_folders_and_single_files_mix_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, app in enumerate(_apps(3)):
        (folder / f"{i}.json").write_text(json.dumps(app, ensure_ascii=False), "utf-8")
    (folder / "notes.txt").write_text("ignored", "utf-8")
    stdin = json.dumps(_apps(1)[0], ensure_ascii=False) + "\n"
    result = _run("assess", str(folder), "-", "-j", "national", "--on", ON.isoformat(),
                  "--format", "json", "--quiet", input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["source"] for r in rows] == [str(folder / "0.json"), str(folder / "1.json"),
                                          str(folder / "2.json"), "stdin:1"]


def test_stdin_twice_is_bad_input_not_silently_empty() -> None:
    stdin = json.dumps(_apps(1)[0], ensure_ascii=False) + "\n"
    for command in ("assess", "whatif"):
        extra = ("--set", "NAT-BASE-5.minimum.excellent=4") if command == "whatif" else ()
        result = _run(command, "-", "-", "-j", "national", "--on", ON.isoformat(), *extra,
                      "--quiet", "--lang", "en", input=stdin)
        assert result.exit_code == 2, result.output
        assert "standard input is given more than once" in result.output


def test_progress_is_off_when_piped(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps(_apps(1)[0], ensure_ascii=False) + "\n", "utf-8")
    result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat())
    assert result.exit_code == 0
    assert "\r" not in result.output and "\x1b" not in result.output
    assert result.output.splitlines()[0].startswith("1\t企业0\t")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_starts_after_the_first_row(monkeypatch: pytest.MonkeyPatch,
                                                     installed: Engine) -> None:
    # Workers start on the first row; the bar's thread must not be running yet, or they
    # could not fork.  The bar does show on a terminal, and every row goes through.
    from gradient_rules._cli_bulk import _progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    threads: list[int] = []
    rows = list(installed.assess_many(_apps(3), jurisdiction="national", on=ON))

    def source() -> Iterator[Any]:
        for row in rows:
            threads.append(threading.active_count())
            yield row

    before = threading.active_count()
    assert list(_progress(source(), quiet=False)) == rows
    assert threads[0] == before  # pulled before the bar started its thread
    assert max(threads) > before  # the bar did run, with its refresh thread
    assert list(_progress(iter(()), quiet=False)) == []


def test_template_round_trip(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert _run("template", "-j", "national", "--out", str(template)).exit_code == 0
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    assert "企业名称 enterprise.name" in headings
    assert sheet.data_validations.dataValidation  # drop-down lists
    example = [c.value for c in book["示例 example"][2]]
    sheet.append(example)
    bad = list(example)
    bad[headings.index("企业名称 enterprise.name")] = None
    sheet.append(bad)
    odd = list(example)
    odd[headings.index("场景（环节—名称—层级；…） scenarios")] = "只有一段"
    sheet.append(odd)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    out = tmp_path / "r.jsonl"
    result = _run("assess", str(filled), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(out))
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == 3 and result.exit_code == 2
    assert rows[0]["error"] is None and rows[0]["id"] == "A-001"
    assert rows[0]["verdicts"]["basic"] == "eligible"
    assert "enterprise.name" in rows[1]["error"]["message_en"]
    assert "scenarios" in rows[2]["error"]["message_en"]


def test_spreadsheet_formulas_are_never_written_live(tmp_path: Path) -> None:
    app = _apps(1)[0]
    app["enterprise"]["name"] = "=HYPERLINK(\"http://x\")"
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps(app, ensure_ascii=False) + "\n", "utf-8")
    out = tmp_path / "r.csv"
    assert _run("assess", str(source), "-j", "national", "--on", ON.isoformat(), "--out",
                str(out)).exit_code == 0
    assert "'=HYPERLINK" in out.read_text("utf-8-sig")


def test_whatif_counts_changes_per_tier(tmp_path: Path) -> None:
    apps = [patched(leading_application(), self_assessment={"maturity_level": 3})
            for _ in range(3)]
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in apps), "utf-8")
    out = tmp_path / "changed.csv"
    result = _run("whatif", str(source), "-j", "national", "--on", ON.isoformat(),
                  "--set", "NAT-BASE-5.minimum.excellent=4", "--out", str(out))
    assert result.exit_code == 0, result.output
    excellent = next(line for line in result.output.splitlines()
                     if line.strip().startswith("excellent"))
    assert "no longer eligible:      3" in excellent
    with out.open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 3
    bad = _run("whatif", str(source), "-j", "national", "--set", "NOPE-1.minimum=3")
    assert bad.exit_code == 2 and "NOPE-1" in bad.output


def test_whatif_reads_stdin_once(tmp_path: Path) -> None:
    # Both screenings (installed rules, changed rules) are fed from one reading: stdin
    # cannot be read twice, and a second reading of a file could differ from the first.
    apps = [patched(leading_application(), self_assessment={"maturity_level": level})
            for level in (3, 3, 4, 2, 3)]
    text = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in apps)
    source = tmp_path / "a.jsonl"
    source.write_text(text, "utf-8")
    how = ("-j", "national", "--on", ON.isoformat(), "--set",
           "NAT-BASE-5.minimum.excellent=4", "--format", "json", "--quiet")
    from_file = _run("whatif", str(source), *how)
    from_stdin = _run("whatif", "-", *how, input=text)
    on_workers = _run("whatif", "-", *how, "--workers", "2", input=text)
    assert from_file.exit_code == 0, from_file.output
    assert from_stdin.exit_code == 0, from_stdin.output
    assert on_workers.exit_code == 0, on_workers.output
    counted = json.loads(from_stdin.output)
    assert counted == json.loads(from_file.output) == json.loads(on_workers.output)
    assert counted["rows"] == 5
    assert {"tier": "excellent", "from": "eligible", "to": "not_eligible",
            "count": 3} in counted["changes"]


def test_a_comparison_pairs_each_row_under_both_engines(installed: Engine, start: str,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
    apps: list[Any] = [*_apps(30), "not an application", *_apps(9, seed=3)]
    before = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    after = list(changed.assess_many(apps, jurisdiction="national", on=ON))
    assert [a.verdicts for a in after] != [b.verdicts for b in before]  # a real change
    # In this process, and on one pool of two workers that assess each chunk both ways.
    pools: list[int] = []
    made = _workers._process_pool

    def counted(workers: int, *args: Any) -> Any:
        pools.append(workers)
        return made(workers, *args)

    monkeypatch.setattr(_workers, "_process_pool", counted)
    here = list(installed.compare_many(changed, apps, jurisdiction="national", on=ON))
    pooled = list(installed.compare_many(changed, iter(apps), jurisdiction="national", on=ON,
                                         workers=2, chunk_size=7))
    assert pools == [2]  # one pool, not one per engine
    for pairs in (here, pooled):
        assert [old for old, _ in pairs] == before
        assert [new for _, new in pairs] == after
    assert pooled[30][0].error is not None and pooled[30][1].error is not None


def test_a_comparison_with_a_killed_worker_loses_no_pair(installed: Engine, start: str
                                                         ) -> None:
    changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
    apps = _apps(120)
    expected = list(installed.compare_many(changed, apps, jurisdiction="national", on=ON))
    pairs = list(installed.compare_many(changed, _killing(apps, 70), jurisdiction="national",
                                        on=ON, workers=2, chunk_size=10))
    assert [(old.index, new.index) for old, new in pairs] == [(i, i) for i in range(120)]
    assert any(old.retried and new.retried for old, new in pairs)
    unmarked = [(old.model_copy(update={"retried": False}),
                 new.model_copy(update={"retried": False})) for old, new in pairs]
    assert unmarked == expected


def test_closing_a_screening_early_stops_its_workers(installed: Engine, start: str) -> None:
    changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
    for rows in (installed.assess_many(_apps(200), jurisdiction="national", on=ON,
                                       workers=2, chunk_size=10),
                 installed.compare_many(changed, _apps(200), jurisdiction="national", on=ON,
                                        workers=2, chunk_size=10)):
        assert len([next(rows) for _ in range(5)]) == 5
        assert multiprocessing.active_children()  # the pool is working
        rows.close()
        assert multiprocessing.active_children() == []  # and is gone, not left running


def test_workers_build_the_overridden_engine(installed: Engine, start: str) -> None:
    changed = installed.with_overrides({"NAT-BASE-5.minimum.excellent": 4})
    apps = _apps(40)
    one = list(changed.assess_many(apps, jurisdiction="national", on=ON))
    two = list(changed.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                   chunk_size=8))
    assert two == one
    assert all(r.overrides == ("NAT-BASE-5.minimum.excellent=4",) for r in two)


def test_workers_take_overrides_whose_values_are_tables(installed: Engine, start: str) -> None:
    # A per-tier table (or a list) does not hash: the workers' engine cache must not need to.
    table = {"basic": 2, "advanced": 3, "excellent": 5, "leading": 5}
    changed = installed.with_overrides({"NAT-BASE-5.minimum": table})
    apps = _apps(24)
    one = list(changed.assess_many(apps, jurisdiction="national", on=ON))
    two = list(changed.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                   chunk_size=4))
    assert all(r.error is None for r in two)
    assert two == one
    plain = list(installed.assess_many(apps, jurisdiction="national", on=ON))
    assert [r.verdicts for r in one] != [r.verdicts for r in plain]  # the table took effect


def test_a_csv_row_that_is_not_utf8_spoils_only_itself(tmp_path: Path) -> None:
    source = tmp_path / "apps.csv"
    source.write_bytes(
        b"id,enterprise.name,self_assessment.maturity_level\n"
        + "a1,甲公司,2\n".encode() + b"a2,\xff\xfe\xb2\xbb,3\n" + "a3,丙公司,3\n".encode())
    out = tmp_path / "out.jsonl"
    result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(out), "--quiet")
    assert result.exit_code == 2, result.output  # some row is bad input
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["id"], r["source"]) for r in rows] == [
        ("a1", f"{source} row 2"), (None, f"{source} row 3"), ("a3", f"{source} row 4")]
    assert rows[0]["error"] is None and rows[2]["error"] is None and rows[2]["verdicts"]
    assert rows[1]["error"]["kind"] == "bad_input"
    assert "not UTF-8" in rows[1]["error"]["message_en"]


def test_a_csv_number_too_long_to_convert_spoils_only_its_row(tmp_path: Path) -> None:
    # int() refuses 4,300+ digits: such a cell was an internal error for the whole file.
    source = tmp_path / "apps.csv"
    source.write_text("id,enterprise.name,self_assessment.maturity_level\n"
                      f"a1,甲公司,{'9' * 5000}\na2,乙公司,{'9' * 25}\na3,丙公司,3\n", "utf-8")
    out = tmp_path / "out.jsonl"
    result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(out), "--quiet")
    assert result.exit_code == 2, result.output  # some row is bad input
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]
    for row in rows[:2]:
        assert row["error"]["kind"] == "bad_input"
        assert "maturity_level" in row["error"]["message_en"]
    assert rows[2]["error"] is None and rows[2]["verdicts"]


def test_a_csv_heading_row_that_is_not_utf8_is_one_error(tmp_path: Path) -> None:
    source = tmp_path / "apps.csv"
    source.write_bytes(b"id,\xffname\n" + "a1,甲\n".encode())
    out = tmp_path / "out.jsonl"
    result = _run("assess", str(source), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(out), "--quiet")
    assert result.exit_code == 2
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == 1 and "heading row" in rows[0]["error"]["message_en"]


def test_workers_that_die_as_they_start_give_every_row_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import grdoomed

    monkeypatch.setattr(_workers, "start_method", lambda: "spawn")  # imports grdoomed

    engine = Engine(plugins=[grdoomed])
    assert engine.recipe.modules == ("grdoomed",)
    apps = _apps(40)
    rows = list(engine.assess_many(apps, jurisdiction="national", on=ON, workers=2,
                                   chunk_size=4))
    assert [r.index for r in rows] == list(range(40))  # every row, in order, once
    assert all(r.error is not None and r.error.kind == "worker" for r in rows)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
@pytest.mark.filterwarnings(_FORK_WARNING)  # an earlier test (Dask's) may leave a thread
def test_forked_workers_start_with_what_they_inherited_frozen(installed: Engine) -> None:
    import gc
    from concurrent.futures import ProcessPoolExecutor

    before = gc.get_freeze_count()
    recipe = installed.recipe
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_workers._adopt,
                             initargs=((recipe,), (installed,))) as pool:
        # The worker's collector leaves what it inherited alone ...
        assert pool.submit(gc.get_freeze_count).result() > before + 1000
        # ... and the worker assesses with the engine it was handed.
        packed = pool.submit(_workers._assess_chunk, (recipe,), "national", None, ON,
                             False, (0, list(_apps(2)))).result()
    rows = _workers._unpacked(packed)
    assert [r.error for (r,) in rows] == [None, None]
    assert gc.get_freeze_count() <= before  # the caller's collector is as it was


def _die_as_forked(*_: object) -> None:
    os._exit(17)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
@pytest.mark.filterwarnings(_FORK_WARNING)  # an earlier test (Dask's) may leave a thread
def test_forked_workers_that_die_as_they_start_give_every_row_an_error(
        installed: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers, "start_method", lambda: "fork")
    monkeypatch.setattr(_workers, "_adopt", _die_as_forked)  # the forked worker's first act
    rows = list(installed.assess_many(_apps(30), jurisdiction="national", on=ON, workers=2,
                                      chunk_size=4))
    assert [r.index for r in rows] == list(range(30))
    assert all(r.error is not None and r.error.kind == "worker" for r in rows)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux names are bytes; others are text")
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_file_names_that_are_not_utf8_are_written_as_their_bytes(tmp_path: Path,
                                                                suffix: str) -> None:
    """A name in bytes that are not UTF-8 (``\\xff``) reaches Python with lone surrogates,
    which no output may hold: CSV and JSON Lines crashed (exit 4) and the workbook was
    written unreadable.  The row's source shows the bytes."""
    folder = tmp_path / "in"
    folder.mkdir()
    app = json.dumps(_apps(1)[0], ensure_ascii=False).encode()
    with open(os.path.join(os.fsencode(folder), b"\xff\xfe.json"), "wb") as handle:
        handle.write(app)
    with open(os.path.join(os.fsencode(folder), b"ok\xe9.jsonl"), "wb") as handle:
        handle.write(app + b"\n")
    target = tmp_path / f"out{suffix}"
    result = _run("assess", str(folder), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(target), "--quiet")
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        with target.open(encoding="utf-8-sig", newline="") as handle:
            sources = [r["source"] for r in csv.DictReader(handle)]
    elif suffix == ".jsonl":
        sources = [json.loads(line)["source"] for line in target.read_text("utf-8").splitlines()]
    else:
        sheet = openpyxl.load_workbook(target)["结果 results"]  # it read unreadable before
        sources = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sources == [f"{folder}/ok\\xe9.jsonl:1", f"{folder}/\\xff\\xfe.json"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_results_written_into_an_input_folder_are_not_read_as_inputs(tmp_path: Path,
                                                                     suffix: str) -> None:
    """The file being built (``.r.jsonl.x1y2.jsonl``, beside the target) sorts after a name
    like ``-a.json``: it was read as an input while it grew, each row it gave written to it
    again, without end (a gigabyte a minute).  Neither it nor the target is read now."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i, app in enumerate(_apps(3)):
        (folder / f"-a{i}.json").write_text(json.dumps(app, ensure_ascii=False), "utf-8")
    target = folder / f"r{suffix}"
    for _ in range(2):  # the second run finds the first one's results in the folder
        result = _run("assess", str(folder), "-j", "national", "--on", ON.isoformat(),
                      "--out", str(target))
        assert result.exit_code == 0, result.output
        assert "3 rows (ok: 3)" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["-a0.json", "-a1.json", "-a2.json",
                                                        target.name]
    changed = _run("whatif", str(folder), "-j", "national", "--on", ON.isoformat(),
                   "--set", "NAT-BASE-5.minimum.excellent=4", "--out", str(target))
    assert changed.exit_code == 0, changed.output
    assert changed.output.startswith("3 applications")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_an_earlier_runs_results_among_the_inputs_are_one_error_saying_so(
        tmp_path: Path, suffix: str) -> None:
    """Results under another name than ``--out`` were read as applications: one error row
    per result, each an application missing every field, none saying why."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i, app in enumerate(_apps(3)):
        (folder / f"a{i}.json").write_text(json.dumps(app, ensure_ascii=False), "utf-8")
    first = _run("assess", str(folder), "-j", "national", "--on", ON.isoformat(),
                 "--out", str(folder / f"old{suffix}"))
    assert first.exit_code == 0, first.output
    again = tmp_path / "new.jsonl"
    result = _run("assess", str(folder), "-j", "national", "--on", ON.isoformat(),
                  "--out", str(again))
    rows = [json.loads(line) for line in again.read_text("utf-8").splitlines()]
    assert [r["source"].rpartition("/")[2] for r in rows] == ["a0.json", "a1.json", "a2.json",
                                                              f"old{suffix}"]
    assert [r["error"] is None for r in rows] == [True, True, True, False]
    assert "holds the results of a screening" in rows[3]["error"]["message_en"]
    assert "评估结果文件" in rows[3]["error"]["message_zh"]
    assert result.exit_code == 2  # a bad row: bad input, as for any
    if suffix == ".jsonl":  # the same on standard input
        piped = _run("assess", "-", "-j", "national", "--on", ON.isoformat(), "--format",
                     "json", input=(folder / "old.jsonl").read_text("utf-8"))
        assert piped.output.count("holds the results of a screening") == 1


def test_an_application_whose_fields_are_unknown_is_not_taken_for_results(
        tmp_path: Path) -> None:
    """Only a record with every key of a result row is one; three of them are not enough."""
    lines = tmp_path / "apps.jsonl"
    lines.write_text(json.dumps({"row": 1, "index": 0, "source": "x"}) + "\n"
                     + json.dumps(_apps(1)[0], ensure_ascii=False) + "\n", "utf-8")
    result = _run("assess", str(lines), "-j", "national", "--on", ON.isoformat(), "--format",
                  "json")
    assert "holds the results" not in result.output
    assert "2 rows (bad_input: 1, ok: 1)" in result.output


@pytest.mark.parametrize("command", ["assess", "whatif"])
def test_an_input_that_is_the_output_is_bad_input_and_kept(tmp_path: Path,
                                                           command: str) -> None:
    """``assess apps.jsonl --out apps.jsonl`` replaced the applications with the results."""
    source = tmp_path / "apps.jsonl"
    text = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in _apps(2))
    source.write_text(text, "utf-8")
    (tmp_path / "link.jsonl").symlink_to(source)
    extra = ("--set", "NAT-BASE-5.minimum.excellent=4") if command == "whatif" else ()
    for given in ("apps.jsonl", "link.jsonl"):
        result = _run(command, str(tmp_path / given), "-j", "national", "--on",
                      ON.isoformat(), "--out", str(source), "--lang", "en", *extra)
        assert result.exit_code == 2, result.output
        assert "is the file the results are written to" in result.output
        assert source.read_text("utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apps.jsonl", "link.jsonl"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and SIGHUP are POSIX")
@pytest.mark.parametrize(("signame", "workers", "code", "said"), [
    ("SIGTERM", "1", 143, "terminated"),
    ("SIGTERM", "2", 143, "terminated"),
    ("SIGHUP", "2", 129, "terminated (SIGHUP: the terminal closed)"),
])
def test_a_stop_signal_removes_the_results_being_built_and_exits_128_plus_it(
        tmp_path: Path, signame: str, workers: str, code: int, said: str) -> None:
    """A job scheduler's stop, or ``timeout``, sends SIGTERM, a closing terminal SIGHUP:
    Python's default ended the run where it stood and left the half-written
    ``.r.csv.x1y2.csv`` beside the target (and, with workers, the workers running)."""
    import subprocess
    import time

    source = tmp_path / "apps.jsonl"
    source.write_text((json.dumps(_apps(1)[0], ensure_ascii=False) + "\n") * 20_000, "utf-8")
    target = tmp_path / "r.csv"
    target.write_text("previous", "utf-8")
    exe = Path(sys.executable).with_name("gradient-rules")
    run = subprocess.Popen([str(exe), "assess", str(source), "-j", "national", "--on",
                            ON.isoformat(), "--out", str(target), "--workers", workers,
                            "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".r.csv.") and p.stat().st_size
                      for p in tmp_path.iterdir()):  # rows are being written
            assert run.poll() is None, run.stderr.read() if run.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        run.send_signal(getattr(signal, signame))
        _, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == code, err
    assert err.strip().endswith(said)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apps.jsonl", "r.csv"]
    assert target.read_text("utf-8") == "previous"
