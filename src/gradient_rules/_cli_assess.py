"""``gradient-rules assess``, ``validate`` and ``schema``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ._application import Application
from ._assessment import Assessment
from ._cli_common import (
    EXIT_NOT_ELIGIBLE,
    Lang,
    call_option,
    cli,
    echo,
    emit_json,
    engine,
    fail,
    format_option,
    lang_option,
    parse_date,
    print_lines,
)
from ._errors import ApplicationError, GradientRulesError
from ._limits import MAX_WORKERS
from ._loading import is_folder, load_application
from ._render import render_markdown, report_lines
from ._schema import application_schema
from ._textwrap import visible
from ._vocabulary import Verdict

__all__ = ["assess", "is_bulk", "schema", "validate"]


def is_bulk(inputs: Sequence[str], out: str | None, workers: int,
            scheduler: str | None) -> bool:
    """Whether ``assess`` screens in bulk rather than reporting one application."""
    if out or workers > 1 or scheduler or len(inputs) != 1:
        return True
    only = inputs[0]
    return only == "-" or is_folder(only) or Path(only).suffix.lower() in (
        ".jsonl", ".csv", ".xlsx")


_jurisdiction_option = click.option(
    "--jurisdiction", "-j", default="national", show_default=True,
    help="Jurisdiction code (see `gradient-rules plugins`).")


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@_jurisdiction_option
@click.option("--on", "on", help="Evaluation date YYYY-MM-DD (default: the application's "
              "`dated`).")
@click.option("--tier", type=click.Choice(["basic", "advanced", "excellent", "leading"]),
              help="Assess one tier; exit 1 unless it is eligible (one application only).")
@call_option
@click.option("--full", is_flag=True, help="Every finding of every tier, tier by tier.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Screen in bulk into this file: .jsonl, .csv or .xlsx (with a summary).")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1, show_default=True,
              help="Worker processes for a screening.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Screen on a Dask cluster (tcp://host:8786); needs gradient-rules[dask].")
@click.option("--quiet", is_flag=True, help="No progress bar or summary line.")
@click.option("--compact", is_flag=True, help="JSON results without the quoted clause texts.")
@format_option("table", "json", "markdown")
@lang_option
def assess(inputs: tuple[str, ...], jurisdiction: str, on: str | None, tier: str | None,
           call: str | None, full: bool, out: str | None, workers: int, scheduler: str | None,
           quiet: bool, compact: bool, fmt: str, lang: str) -> None:
    """Assess the application in INPUTS (one JSON, TOML or YAML file), or screen many.

    Without --call, a self-assessment against the conditions (要素条件) in force; with
    --call ID, an application to that call (see `gradient-rules calls J`).  The report
    gives the conclusion first, then what to do, then each rule with its clause.

    Several inputs, a folder, - (JSON Lines on stdin), a .jsonl/.csv/.xlsx file (one
    application per line or row; see `gradient-rules template`), --out, --workers or
    --scheduler screen in bulk: one row per application, in input order, bad rows kept
    with their error (docs/bulk.md).
    """
    day = parse_date(on)
    if scheduler is not None and not scheduler.strip():
        fail(ApplicationError([("--scheduler", "an empty address; give the scheduler's, e.g. "
                                "tcp://host:8786", "调度器地址为空")]), fmt, lang)
    if is_bulk(inputs, out, workers, scheduler):
        from ._cli_bulk import screen  # screening's modules load only for a screening

        if tier is not None:
            fail(ApplicationError([("--tier", "--tier assesses one application; a screening "
                                    "gives every tier's verdict", "--tier 只用于单份申报")]),
                 fmt, lang)
        screen(inputs, jurisdiction=jurisdiction, on=day, call=call, out=out, fmt=fmt,
               lang=lang, workers=workers, scheduler=scheduler, quiet=quiet, compact=compact)
        return
    file = inputs[0]
    try:
        application = load_application(file)
        result: Assessment = engine().assess(application, jurisdiction=jurisdiction, on=day,
                                             tier=tier, call=call)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    language: Lang = "zh" if lang == "zh" else "en"
    if fmt == "json":
        payload = result.model_dump(mode="json")
        if compact:
            from ._bulk_write import compact_assessment

            payload = compact_assessment(payload)
        emit_json(payload)
    elif fmt == "markdown":
        click.echo(visible(render_markdown(result, lang=language, full=full)), nl=False)
    else:
        print_lines(report_lines(result, lang=language, full=full))
    if tier is not None and result.tier(tier).verdict is not Verdict.ELIGIBLE:
        sys.exit(EXIT_NOT_ELIGIBLE)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_jurisdiction_option
@click.option("--on", "on", help="Evaluation date YYYY-MM-DD.")
@call_option
@format_option("table", "json")
@lang_option
def validate(file: str, jurisdiction: str, on: str | None, call: str | None, fmt: str,
             lang: str) -> None:
    """Check FILE against the schema and the jurisdiction (and call), without assessing."""
    day = parse_date(on)
    try:
        app: Application = engine().validate(load_application(file),
                                             jurisdiction=jurisdiction, on=day, call=call)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    if fmt == "json":
        emit_json({"valid": True, "file": file, "jurisdiction": jurisdiction, "call": call,
                   "enterprise": app.enterprise.name})
    elif lang == "zh":
        echo(f"{file}：符合 {jurisdiction}{' ' + call if call else ''} 的填报要求")
    else:
        echo(f"{file}: valid for {jurisdiction!r}" + (f", call {call!r}" if call else ""))


@cli.command()
@click.argument("which", type=click.Choice(["application", "assessment"]))
@click.option("--jurisdiction", "-j", help="Enumerate this jurisdiction's names (attestations, "
              "scenario ids, KPI ids, materials, provinces).")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the conditions (default: latest).")
@call_option
@format_option("json")
@lang_option
def schema(which: str, jurisdiction: str | None, on: str | None, call: str | None, fmt: str,
           lang: str) -> None:
    """Print the JSON Schema of an application (for a jurisdiction and call) or an assessment.

    With -j, the application schema lists that jurisdiction's own names, so a portal can
    validate a form before submitting it.
    """
    if which == "assessment":
        emit_json(Assessment.model_json_schema())
        return
    try:
        scope = None if jurisdiction is None else engine().scope(
            jurisdiction, on=parse_date(on), call=call)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    emit_json(application_schema(scope))
