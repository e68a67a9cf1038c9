"""Screening from the command line: many inputs, ``--out``, workers, Dask; ``template``, ``whatif``.

``gradient-rules assess`` with several inputs, a folder, ``-``, a ``.jsonl``/``.csv``/``.xlsx``
input, ``--out``, ``--workers`` or ``--scheduler`` screens in bulk (this module); with one
application file it prints that application's report (``_cli_assess``).

Exit codes of a screening: 0 every row assessed; 2 some row is bad input (every row is
still written, each bad one with its error); 3 some row met a broken plugin or engine, or a
worker died twice on it.  Never 1: a screening is not one verdict.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ._bulk_read import read_inputs
from ._bulk_write import RowWriter, open_writer, row_record, write_template
from ._cli_common import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN,
    call_option,
    cli,
    echo,
    emit_json,
    engine,
    fail,
    format_option,
    lang_option,
    parse_date,
)
from ._engine import Engine
from ._errors import ApplicationError, GradientRulesError
from ._limits import MAX_WORKERS
from ._rows import ScreeningRow
from ._whatif import parse_override

__all__ = ["screen", "template", "whatif"]


def _executor(scheduler: str | None) -> Any:
    if scheduler is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise ApplicationError([("--scheduler", "Dask is not installed: pip install "
                                 "'gradient-rules[dask]'", "未安装 Dask")]) from None
    try:
        return Client(scheduler, timeout="20s").get_executor()  # type: ignore[no-untyped-call]
    except Exception as error:  # what distributed raises depends on the address scheme
        # An unreachable host, an unknown scheme, a scheme whose set-up is missing (tls://
        # without Dask's TLS configuration raises TypeError, ucx:// without UCX another):
        # the address or the set-up is what to fix, never an internal error.
        why = f"{type(error).__name__}: {str(error)[:300]}"
        raise ApplicationError([("--scheduler", f"cannot connect to {scheduler[:200]!r} ({why})",
                                 f"无法连接 {scheduler[:200]!r}（{why}）")]) from None


@contextlib.contextmanager
def _published(writer: RowWriter | None) -> Iterator[None]:
    """Publish ``writer``'s file when the block completes; discard it when anything stops it.

    A run stopped by bad input, a broken engine or an interruption leaves no results file
    that looks whole but lacks rows (the target, if any, is left as it was).
    """
    if writer is None:
        yield
        return
    try:
        yield
    except BaseException:
        writer.discard()
        raise
    writer.close()


def _written(writer: RowWriter | None) -> tuple[Path, ...]:
    """The files ``writer`` writes, which the run must not read as inputs."""
    return writer.files if writer is not None else ()


_Row = TypeVar("_Row")


def _progress(rows: Iterator[_Row], quiet: bool) -> Iterator[_Row]:
    """A progress bar on a terminal (stderr); nothing when piped or with ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        yield from rows
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    # The first row before the bar: worker processes start on it, and the bar's refresh
    # thread, once running, would make them spawn rather than fork (decision D43).
    first = next(rows, None)
    if first is None:
        return
    columns = (SpinnerColumn(), TextColumn("{task.completed} rows"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("screening")
        bar.advance(task)
        yield first
        for row in rows:
            bar.advance(task)
            yield row


def _line(row: ScreeningRow, lang: str) -> str:
    if row.error is not None:
        message = row.error.message_zh if lang == "zh" else row.error.message_en
        return f"{row.index + 1}\t{row.source}\t{row.error.kind}: {message}"
    top = row.highest_eligible.value if row.highest_eligible else "-"
    verdicts = " ".join(f"{t.value}={v.value}" for t, v in row.verdicts.items())
    return f"{row.index + 1}\t{row.enterprise}\t{top}\t{verdicts}"


def screen(inputs: Sequence[str], *, jurisdiction: str, on: dt.date | None, call: str | None,
           out: str | None, fmt: str, lang: str, workers: int, scheduler: str | None,
           quiet: bool, compact: bool, eng: Engine | None = None) -> None:
    """Screen every application of ``inputs``; write or print one row each; exit by outcome."""
    try:
        the_engine = eng or engine()
        writer = open_writer(out, compact=compact) if out else None
        kinds: Counter[str] = Counter()
        retried = 0
        with _published(writer):
            rows = the_engine.assess_many(read_inputs(inputs, exclude=_written(writer)),
                                          jurisdiction=jurisdiction, on=on, call=call,
                                          workers=workers,
                                          executor=_executor(scheduler),
                                          full=fmt == "json" or (out or "").endswith(".jsonl"))
            for row in _progress(rows, quiet):
                kinds[row.error.kind if row.error else "ok"] += 1
                retried += row.retried
                if writer is not None:
                    writer.write(row)
                elif fmt == "json":
                    click.echo(visible_json(row_record(row, compact=compact)))
                else:
                    echo(_line(row, lang))
    except GradientRulesError as error:
        fail(error, fmt, lang)
    total = sum(kinds.values())
    if not total:
        fail(ApplicationError([(" ".join(inputs)[:200], "no application found (folders are "
                                "searched for .json, .toml, .yaml, .jsonl, .csv and .xlsx files)",
                                "没有找到申报数据")]), fmt, lang)
    if retried:
        echo(f"a worker process died; {retried} rows were assessed again", err=True)
    if not quiet:
        summary = ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
        echo(f"{total} rows ({summary})" + (f" -> {out}" if out else ""), err=True)
    if kinds["engine"] or kinds["worker"]:
        sys.exit(EXIT_BROKEN)
    if kinds["bad_input"]:
        sys.exit(EXIT_BAD_INPUT)


def visible_json(record: dict[str, Any]) -> str:
    """One JSON Lines line (JSON escapes control characters itself)."""
    import json

    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@cli.command()
@click.option("--jurisdiction", "-j", default="national", show_default=True,
              help="Jurisdiction code.")
@call_option
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the conditions (default: latest).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the workbook (.xlsx).")
@format_option("table", "json")
@lang_option
def template(jurisdiction: str, call: str | None, on: str | None, out: str, fmt: str,
             lang: str) -> None:
    """Write an empty .xlsx for screening many applications (one per row).

    Headings in Chinese and English, drop-down lists for yes/no and enumerations, an example
    row on its own sheet.  Fill the first sheet and run `gradient-rules assess FILE.xlsx
    -j J --out results.xlsx`.
    """
    if not out.lower().endswith(".xlsx"):
        fail(ApplicationError([("--out", "the template is an .xlsx workbook",
                                "模板须为 .xlsx 文件")]), fmt, lang)
    try:
        scope = engine().scope(jurisdiction, on=parse_date(on), call=call)
        columns = write_template(scope, out)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    if fmt == "json":
        emit_json({"out": out, "columns": columns, "jurisdiction": jurisdiction, "call": call})
        return
    echo(f"{out}: {columns} columns for {jurisdiction}" + (f", call {call}" if call else ""))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--jurisdiction", "-j", default="national", show_default=True,
              help="Jurisdiction code.")
@call_option
@click.option("--on", "on", help="Evaluation date YYYY-MM-DD (default: each application's).")
@click.option("--set", "settings", multiple=True, required=True, metavar="RULE.path=VALUE",
              help="A changed parameter, e.g. GZ-SCN-B-1.minimum=8 (repeatable).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the rows whose verdict changed (.jsonl, .csv or .xlsx).")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar or summary line.")
@format_option("table", "json")
@lang_option
def whatif(inputs: tuple[str, ...], jurisdiction: str, call: str | None, on: str | None,
           settings: tuple[str, ...], out: str | None, workers: int, quiet: bool, fmt: str,
           lang: str) -> None:
    """How many applications change verdict if rule parameters change.

    Every application in INPUTS (files, folders, -, .jsonl/.csv/.xlsx) is assessed under the
    installed rules and under the changed ones; per tier, prints how many became eligible,
    how many lost eligibility, and other changes.
    """
    day = parse_date(on)
    try:
        base = engine()
        changed = base.with_overrides([parse_override(s) for s in settings])
        changed.scope(jurisdiction, on=day, call=call)  # refused by the change: bad input
    except GradientRulesError as error:
        if not isinstance(error, ApplicationError):  # refused by the change: bad input
            error = ApplicationError([("--set", str(error), str(error))])
        fail(error, fmt, lang)
    moves: Counter[tuple[str, str, str]] = Counter()
    rows = 0
    try:
        writer = open_writer(out) if out else None
        with _published(writer):
            # The inputs are read once (stdin cannot be read twice); one pool of workers
            # assesses each chunk under both engines.
            pairs = base.compare_many(changed, read_inputs(inputs, exclude=_written(writer)),
                                      jurisdiction=jurisdiction, on=day, call=call,
                                      workers=workers)
            for old, new in _progress(pairs, quiet):
                rows += 1
                if old.error or new.error:
                    continue
                differs = False
                for tier, verdict in old.verdicts.items():
                    now = new.verdicts.get(tier)
                    if now is not None and now is not verdict:
                        moves[(tier.value, verdict.value, now.value)] += 1
                        differs = True
                if differs and writer is not None:
                    writer.write(new.model_copy(update={
                        "next_en": f"before: {_verdicts(old)}; after: {_verdicts(new)}"}))
    except GradientRulesError as error:
        fail(error, fmt, lang)
    if fmt == "json":
        emit_json({"rows": rows, "overrides": list(changed.overrides),
                   "changes": [{"tier": t, "from": a, "to": b, "count": n}
                               for (t, a, b), n in sorted(moves.items())]})
        return
    echo(f"{rows} applications; what-if: {'; '.join(changed.overrides)}")
    for level in ("basic", "advanced", "excellent", "leading"):
        gained = sum(n for (t, _, v), n in moves.items() if t == level and v == "eligible")
        lost = sum(n for (t, v, _), n in moves.items() if t == level and v == "eligible")
        other = sum(n for (t, _, _), n in moves.items() if t == level) - gained - lost
        echo(f"  {level:<10} became eligible: {gained:>6}   no longer eligible: {lost:>6}   "
             f"other changes: {other:>6}")
    with contextlib.suppress(Exception):
        sys.stdout.flush()


def _verdicts(row: ScreeningRow) -> str:
    return " ".join(f"{t.value}={v.value}" for t, v in row.verdicts.items())
