"""The ``gradient-rules`` command.

Exit codes: 0 done; 1 assessed, and the tier asked for with ``--tier`` is not eligible
(not eligible or undetermined); 2 bad input (file, field, date, jurisdiction, option);
3 a plugin or the engine is broken.  Every subcommand takes ``--format json`` with a
stable shape; errors in JSON mode are printed as ``{"error": {...}}`` on standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ._application import Application
from ._assessment import Assessment
from ._batch import BatchAssessment
from ._engine import Engine
from ._errors import ApplicationError, GradientRulesError, UnknownJurisdictionError
from ._form import write_form
from ._loading import load_application, read_mapping
from ._render import render_markdown, render_table
from ._scope import Scope
from ._vocabulary import Verdict

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_NOT_ELIGIBLE = 1
EXIT_BAD_INPUT = 2
EXIT_BROKEN = 3


def _console() -> Console:
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140"))
    return Console(width=width, soft_wrap=False, highlight=False)


def _emit_json(payload: Any) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def _fail(error: GradientRulesError, fmt: str) -> NoReturn:
    bad_input = isinstance(error, ApplicationError | UnknownJurisdictionError)
    code = EXIT_BAD_INPUT if bad_input else EXIT_BROKEN
    if fmt == "json":
        problems = [{"field": f, "message": m} for f, m in getattr(error, "problems", ())]
        _emit_json({"error": {"type": type(error).__name__, "message": str(error),
                              "problems": problems}})
    else:
        click.echo(f"error: {error}", err=True)
    sys.exit(code)


def _engine() -> Engine:
    return Engine.from_installed(strict=False)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD",
                                 param_hint="'--on'") from None


_call_option = click.option(
    "--call", "call", metavar="ID",
    help="Assess for this call (年度申报通知) of the jurisdiction; see `gradient-rules calls`.")


def _format_option(*choices: str) -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradient-rules")
def cli() -> None:
    """Assess smart factories against the tiers of 智能工厂梯度培育, with citations."""


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", default="national", show_default=True,
              help="Jurisdiction code (see `gradient-rules plugins`).")
@click.option("--on", "on", help="Evaluation date YYYY-MM-DD (default: the application's "
              "`dated`).")
@click.option("--tier", type=click.Choice(["basic", "advanced", "excellent", "leading"]),
              help="Assess one tier; exit 1 unless it is eligible.")
@_call_option
@_format_option("table", "json", "markdown")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of messages.")
def assess(file: str, jurisdiction: str, on: str | None, tier: str | None, call: str | None,
           fmt: str, lang: str) -> None:
    """Assess the application in FILE (JSON, TOML or YAML).

    Without --call, a self-assessment against the conditions (要素条件) in force; with
    --call ID, an application to that call (see `gradient-rules calls J`).
    """
    day = _date(on)
    try:
        application = load_application(file)
        result: Assessment = _engine().assess(application, jurisdiction=jurisdiction, on=day,
                                              tier=tier, call=call)
    except GradientRulesError as error:
        _fail(error, fmt)
    if fmt == "json":
        _emit_json(result.model_dump(mode="json"))
    elif fmt == "markdown":
        click.echo(render_markdown(result, lang="zh" if lang == "zh" else "en"), nl=False)
    else:
        render_table(result, _console(), lang="zh" if lang == "zh" else "en")
    if tier is not None and result.tier(tier).verdict is not Verdict.ELIGIBLE:
        sys.exit(EXIT_NOT_ELIGIBLE)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", default="national", show_default=True)
@click.option("--on", "on", help="Evaluation date YYYY-MM-DD.")
@_call_option
@_format_option("table", "json")
def validate(file: str, jurisdiction: str, on: str | None, call: str | None, fmt: str) -> None:
    """Check FILE against the schema and the jurisdiction (and call), without assessing."""
    day = _date(on)
    try:
        app: Application = _engine().validate(load_application(file),
                                              jurisdiction=jurisdiction, on=day, call=call)
    except GradientRulesError as error:
        _fail(error, fmt)
    if fmt == "json":
        _emit_json({"valid": True, "file": file, "jurisdiction": jurisdiction,
                    "enterprise": app.enterprise.name})
    else:
        click.echo(f"{file}: valid for {jurisdiction!r}")


@cli.command()
@_format_option("table", "json")
def plugins(fmt: str) -> None:
    """List installed plugins, their jurisdictions and packs, and any plugin problems."""
    engine = _engine()
    rows: list[dict[str, Any]] = []
    for info in engine.jurisdictions():
        own = [p for p in engine.packs(info.code) if p.jurisdiction.code == info.code]
        rows.append({
            "code": info.code, "name_zh": info.name_zh, "name_en": info.name_en,
            "base": info.base, "plugin": engine.plugin_of(info.code),
            "packs": [{"version": p.version, "status": p.status.value,
                       "valid_from": p.valid_from.isoformat(),
                       "valid_until": p.valid_until.isoformat() if p.valid_until else None,
                       "rules": len(p.rules)}
                      for p in own],
            "conditions_of": info.code if own else info.base,
            "calls": [c.id for c in engine.calls(info.code)],
        })
    problems = [str(p) for p in engine.problems]
    if fmt == "json":
        _emit_json({"plugins": list(engine.plugin_names), "jurisdictions": rows,
                    "problems": problems})
    else:
        table = Table("code", "name", "plugin", "conditions", "calls")
        for row in rows:
            packs = "; ".join(f"{p['version']} ({p['status']}, {p['rules']} rules)"
                              for p in row["packs"]) or f"those of {row['conditions_of']}"
            table.add_row(row["code"], f"{row['name_zh']} {row['name_en']}", row["plugin"], packs,
                          ", ".join(row["calls"]) or "-")
        _console().print(table)
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(EXIT_BROKEN)


def _scope(jurisdiction: str, on: str | None, fmt: str, call: str | None = None) -> Scope:
    day = _date(on)
    try:
        return _engine().scope(jurisdiction, on=day, call=call)
    except GradientRulesError as error:
        _fail(error, fmt)


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the pack (default: the latest).")
@_call_option
@_format_option("table", "json")
def rules(jurisdiction: str, on: str | None, call: str | None, fmt: str) -> None:
    """List the rules of JURISDICTION (and of --call) with tiers, strength and clause."""
    pack = _scope(jurisdiction, on, fmt, call)
    if fmt == "json":
        _emit_json({
            "jurisdiction": jurisdiction, "version": pack.version,
            "call": pack.call.id if pack.call else None,
            "status": pack.status.value,
            "rules": [rule.model_dump(mode="json") | {"part": pack.parts[rule.id]}
                      for rule in pack.rules],
            "provisions": [p.model_dump(mode="json") for p in pack.provisions],
        })
        return
    table = Table("id", "tiers", "strength", "rule", "clause")
    for column in table.columns[3:]:
        column.overflow = "fold"
    for rule in pack.rules:
        doc = pack.document(rule.citation.document)
        table.add_row(rule.id, ", ".join(t.value for t in rule.tiers), rule.strength.value,
                      f"{rule.title_zh}\n{rule.title_en}",
                      f"《{doc.title_zh}》{rule.citation.clause}")
    for prov in pack.provisions:
        doc = pack.document(prov.citation.document)
        table.add_row(prov.id, "-", prov.applies_as, f"{prov.title_zh}\n{prov.title_en}",
                      f"《{doc.title_zh}》{prov.citation.clause}")
    _console().print(table)


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the pack (default: the latest).")
@_format_option("table", "json")
def scenarios(jurisdiction: str, on: str | None, fmt: str) -> None:
    """Print the scenario catalog of JURISDICTION (or its segment map if it has none)."""
    pack = _scope(jurisdiction, on, fmt)
    catalog = pack.catalog
    if fmt == "json":
        _emit_json({
            "jurisdiction": jurisdiction, "version": pack.version,
            "catalog": None if catalog is None else catalog.model_dump(mode="json"),
            "guide_segments": {k: v.value for k, v in pack.guide_segments.items()},
            "guide_segments_unmapped": list(pack.guide_segments_unmapped),
        })
        return
    console = _console()
    if catalog is None:
        console.print(f"{jurisdiction!r} has no scenario catalog: coverage comes from the "
                      "segments the application claims, directly or through the scenario "
                      "guide's 环节:")
        table = Table("guide 环节", "segment")
        for name, segment in pack.guide_segments.items():
            table.add_row(name, f"{segment.label_zh} {segment.value}")
        for name in pack.guide_segments_unmapped:
            table.add_row(name, "(no segment)")
        console.print(table)
        return
    table = Table("no.", "id", "segment", "scenario", "tiers described", "source",
                  title=f"{catalog.title_zh}{'' if catalog.complete else ' (incomplete)'}",
                  caption="* the cell exists but its text is cut off in the received copy; "
                          "\"/\" tiers are absent; inferred rows have no descriptions")
    for row in catalog.scenarios:
        cells = row.cells()
        described = "unknown" if cells is None else ", ".join(
            t.value + ("*" if t in row.cut_off else "") for t in sorted(cells))
        table.add_row(str(row.number), row.id, f"{row.segment.label_zh} {row.segment.code}",
                      row.name_zh, described, row.source)
    console.print(table)


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the pack (default: the latest).")
@_format_option("table", "json")
def consistency(jurisdiction: str, on: str | None, fmt: str) -> None:
    """Check JURISDICTION's declared relations against the national rules' data.

    Exit 1 when a declaration is contradicted (an `adopts` that differs, a `tightens`
    that loosens something).
    """
    day = _date(on)
    try:
        checks = _engine().consistency(jurisdiction, on=day)
    except GradientRulesError as error:
        _fail(error, fmt)
    if fmt == "json":
        _emit_json({"jurisdiction": jurisdiction,
                    "checks": [c.model_dump(mode="json") for c in checks]})
    else:
        table = Table("rule", "relation", "relates to", "ok", "differences")
        table.columns[4].overflow = "fold"
        for check in checks:
            table.add_row(check.rule_id, check.relation.value, ", ".join(check.relates_to),
                          "yes" if check.consistent else "NO",
                          "\n".join(f"{d.direction}: {d.message}" for d in check.differences))
        _console().print(table)
    if any(not c.consistent for c in checks):
        sys.exit(EXIT_NOT_ELIGIBLE)


@cli.command()
@click.argument("titles_file", type=click.Path(dir_okay=False))
@click.argument("events_file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", required=True, help="Jurisdiction code, e.g. shandong.")
@click.option("--on", "on", required=True, help="Evaluation date YYYY-MM-DD.")
@_format_option("table", "json")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def review(titles_file: str, events_file: str, jurisdiction: str, on: str, fmt: str,
           lang: str) -> None:
    """Derive which titles in TITLES_FILE still stand, given the events in EVENTS_FILE.

    TITLES_FILE holds `titles:` (and optionally `enterprise:` with a name); EVENTS_FILE
    holds `events:` and optionally `incidents:` (accidents).  Each revocation names its
    clause.
    """
    day = _date(on)
    assert day is not None
    try:
        titles_data = read_mapping(titles_file)
        events_data = read_mapping(events_file)
        for label, data, allowed in ((titles_file, titles_data, {"titles", "enterprise"}),
                                     (events_file, events_data, {"events", "incidents"})):
            extra = sorted(set(data) - allowed)
            if extra:
                raise ApplicationError([(extra[0], f"unknown key; this file takes "
                                         f"{', '.join(sorted(allowed))}")], source=label)
        enterprise = titles_data.get("enterprise", {})
        name = enterprise.get("name", "(review)") if isinstance(enterprise, dict) else "(review)"
        result = _engine().review(titles_data.get("titles") or [],
                                  events_data.get("events") or [],
                                  incidents=events_data.get("incidents"),
                                  jurisdiction=jurisdiction, on=day, enterprise=str(name))
    except GradientRulesError as error:
        _fail(error, fmt)
    if fmt == "json":
        _emit_json(result.model_dump(mode="json"))
        return
    table = Table("#", "title", "year", "stands", "revoked under")
    table.columns[4].overflow = "fold"
    for title in result.titles:
        label = f"{title.tier.label_zh} ({title.issuing_level.value})"
        why = "\n".join(
            f"{r.rule_id} {r.clause}: {r.text_zh} ← "
            f"{r.event.label_zh if lang == 'zh' else r.event.value} {r.occurred_on.isoformat()}"
            for r in title.revocations)
        if title.stated_status.value == "revoked":
            why = (why + "\n" if why else "") + ("申报材料已注明撤销" if lang == "zh"
                                                 else "stated revoked")
        table.add_row(str(title.index), label, str(title.year),
                      "yes" if title.standing else "no", why)
    _console().print(table)


def _batch_or_fail(file: str, jurisdiction: str, on: str | None, call: str | None,
                   fmt: str) -> BatchAssessment:
    day = _date(on)
    try:
        return _engine().assess_batch(file, jurisdiction=jurisdiction, call=call, on=day)
    except GradientRulesError as error:
        _fail(error, fmt)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", required=True, help="Jurisdiction code, e.g. shanxi.")
@click.option("--on", "on", help="Evaluation date (default: the batch's submitted_on).")
@_call_option
@_format_option("table", "json")
def batch(file: str, jurisdiction: str, on: str | None, call: str | None, fmt: str) -> None:
    """Assess a recommender's ranked batch in FILE for a call: quota, ranks, deadline, each row.

    --call may be left out when exactly one call of the jurisdiction has batch rules.
    """
    result = _batch_or_fail(file, jurisdiction, on, call, fmt)
    if fmt == "json":
        _emit_json(result.model_dump(mode="json", exclude={"rows": {"__all__": {"assessment"}}}))
        return
    console = _console()
    console.print(f"{result.recommender} · {result.jurisdiction} {result.tier.label_zh} · "
                  f"quota {result.quota} · on {result.on.isoformat()}")
    table = Table("rank", "row", "applicant", "own verdict", "recommended", "why")
    table.columns[5].overflow = "fold"
    for row in result.rows:
        why = [f"{r.rule_id} {r.clause}: {r.message_zh}" for r in row.refusals]
        why += list(row.errors) + list(row.problems)
        if row.assessment is not None:
            tier = row.assessment.tier(result.tier)
            why += [f"{g.rule_id}: {g.message_zh}" for g in tier.gaps]
        table.add_row(str(row.rank or "?"), str(row.row), row.enterprise or "?",
                      row.verdict.label_zh if row.verdict else "无法评估", row.recommended,
                      "\n".join(why))
    console.print(table)
    for finding in result.findings:
        console.print(f"{finding.rule_id} {finding.clause}: {finding.message_zh}")


@cli.command()
@click.argument("jurisdiction")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, help="summary.xlsx or summary.csv")
@click.option("--on", "on", help="Evaluation date (default: the batch's submitted_on).")
@_call_option
def form(jurisdiction: str, file: str, out: str, on: str | None, call: str | None) -> None:
    """Write a call's summary form for the batch in FILE to --out (.xlsx or .csv)."""
    result = _batch_or_fail(file, jurisdiction, on, call, "table")
    try:
        spec = _engine().scope(jurisdiction, on=result.on, call=result.call).form
        if spec is None:
            raise ApplicationError([("call", f"the call {result.call!r} has no summary form")])
        lines = write_form(result, spec, out)
    except GradientRulesError as error:
        _fail(error, "table")
    click.echo(f"wrote {out}: {len(lines)} of {len(result.rows)} rows "
               f"(quota {result.quota}, by rank)")
    for row in result.rows:
        if row.errors or row.recommended != "yes":
            reasons = [r.message_zh for r in row.refusals] + list(row.errors)
            if row.assessment is not None:
                reasons += [g.rule_id for g in row.assessment.tier(result.tier).gaps]
            click.echo(f"  row {row.row} ({row.enterprise or '?'}): {row.recommended}; "
                       + "; ".join(reasons), err=True)


@cli.command()
@click.argument("jurisdiction")
@_format_option("table", "json")
def calls(jurisdiction: str, fmt: str) -> None:
    """List the calls (年度申报通知) of JURISDICTION: issuer, year, tiers, dates."""
    engine = _engine()
    try:
        found = engine.calls(jurisdiction)
    except GradientRulesError as error:
        _fail(error, fmt)
    rows: list[dict[str, Any]] = [
            {"id": c.id, "jurisdiction": c.jurisdiction, "title_zh": c.title_zh,
             "issuer_zh": c.issuer_zh, "issuer_named": c.issuer_named, "level": c.level.value,
             "region": c.region, "year": c.year, "tiers": [t.value for t in c.tiers],
             "issued": c.issued.isoformat(), "issued_source": c.issued_source,
             "conditions": c.conditions, "transposes": c.transposes,
             "rules": [r.id for r in engine.rules(jurisdiction, call=c.id)
                       if engine.scope(jurisdiction, call=c.id).parts[r.id] == "call"],
             "batch": c.batch is not None, "form": c.form is not None}
            for c in found]
    if fmt == "json":
        _emit_json({"jurisdiction": jurisdiction, "calls": rows})
        return
    table = Table("id", "year", "tiers", "issuer", "issued", "call rules")
    table.columns[3].overflow = "fold"
    for row in rows:
        issuer = row["issuer_zh"] + ("" if row["issuer_named"] else " *")
        table.add_row(row["id"], str(row["year"]), ", ".join(row["tiers"]), issuer,
                      row["issued"] + (" (inferred)" if row["issued_source"] == "inferred"
                                       else ""),
                      ", ".join(row["rules"]))
    _console().print(table)
    if not rows:
        click.echo(f"{jurisdiction!r} ships no calls; assess against its conditions without "
                   "--call.")


@cli.command()
@click.argument("which", type=click.Choice(["application", "assessment"]))
def schema(which: str) -> None:
    """Print the JSON Schema of an application or an assessment."""
    model = Application if which == "application" else Assessment
    _emit_json(model.model_json_schema())


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradient-rules")
