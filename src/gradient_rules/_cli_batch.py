"""``gradient-rules batch``, ``form`` and ``review``."""

from __future__ import annotations

import sys

import click

from ._batch import BatchAssessment, BatchRow
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
    new_table,
    parse_date,
    print_lines,
    print_table,
)
from ._errors import ApplicationError, GradientRulesError
from ._form import form_refusals, write_form
from ._loading import read_mapping
from ._render import Line

__all__ = ["batch", "form", "review"]


allow_outside_option = click.option(
    "--allow-outside", is_flag=True,
    help="Let rows' `file:` name files outside the batch file's folder (by default refused).")


def _batch_or_fail(file: str, jurisdiction: str, on: str | None, call: str | None,
                   fmt: str, lang: str, allow_outside: bool) -> BatchAssessment:
    day = parse_date(on)
    try:
        return engine().assess_batch(file, jurisdiction=jurisdiction, call=call, on=day,
                                     allow_outside=allow_outside)
    except GradientRulesError as error:
        fail(error, fmt, lang)


def _reasons(row: BatchRow, lang: Lang) -> list[str]:
    """Why a row is not (or not surely) recommended: refusals, errors, its own findings."""
    zh = lang == "zh"
    out = [f"{r.rule_id} {r.clause}: {r.message_zh if zh else r.message_en}"
           for r in row.refusals]
    out += list(row.errors_zh if zh else row.errors) + list(row.problems)
    for finding in row.findings:
        outcome = finding.outcome.label_zh if zh else finding.outcome.value.replace("_", " ")
        strength = ("（原则上）" if zh else " (in principle)") if (
            finding.strength.value == "in_principle") else ""
        out.append(f"{finding.rule_id} {outcome}{strength}: {finding.message(lang)}"
                   f"（{finding.citation.clause}）" if zh else
                   f"{finding.rule_id} {outcome}{strength}: {finding.message(lang)} "
                   f"({finding.citation.clause})")
    return out


def _batch_lines(result: BatchAssessment, lang: Lang) -> list[Line]:
    zh = lang == "zh"
    recommended = {"yes": "是" if zh else "yes", "no": "否" if zh else "no",
                   "undetermined": "待定" if zh else "undetermined"}
    lines = [Line(f"{result.recommender} · {result.jurisdiction}/{result.call} "
                  f"{result.tier.label_zh if zh else result.tier.value} · "
                  f"{'名额' if zh else 'quota'} {result.quota} · "
                  f"{'评估日期' if zh else 'on'} {result.on.isoformat()}", "heading"), Line("")]
    for row in result.rows:
        place = (f"第{row.position}位" if zh else f"#{row.position}") if row.position else "?"
        own = (row.verdict.label_zh if zh else row.verdict.value) if row.verdict else (
            "无法评估" if zh else "unreadable")
        style = {"yes": "eligible", "no": "not_eligible", "undetermined": "undetermined"}
        lines.append(Line(
            f"{place} · {'第' if zh else 'row '}{row.row}{'行' if zh else ''} · "
            f"{row.enterprise or '?'} · {'本身' if zh else 'own verdict'}: {own} · "
            f"{'推荐' if zh else 'recommended'}: {recommended[row.recommended]}",
            style[row.recommended]))  # type: ignore[arg-type]
        lines += [Line(f"- {reason}", indent=4) for reason in _reasons(row, lang)]
    if result.findings:
        lines += [Line(""), Line("批次" if zh else "Batch", "heading")]
        lines += [Line(f"- {f.rule_id} {f.clause}: {f.message_zh if zh else f.message_en}",
                       indent=2) for f in result.findings]
    return lines


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", required=True, help="Jurisdiction code, e.g. shanxi.")
@click.option("--on", "on", help="Evaluation date (default: the batch's submitted_on).")
@call_option
@allow_outside_option
@format_option("table", "json")
@lang_option
def batch(file: str, jurisdiction: str, on: str | None, call: str | None,
          allow_outside: bool, fmt: str, lang: str) -> None:
    """Assess a recommender's ranked batch in FILE for a call: quota, ranks, deadline, each row.

    Every row carries the reasons of its own assessment (rule, outcome, message, clause).
    --call may be left out when exactly one call of the jurisdiction has batch rules.  A
    row's `file:` is read only from inside the batch file's folder unless --allow-outside.
    """
    result = _batch_or_fail(file, jurisdiction, on, call, fmt, lang, allow_outside)
    if fmt == "json":
        emit_json(result.model_dump(mode="json", exclude={"rows": {"__all__": {"assessment"}}}))
        return
    print_lines(_batch_lines(result, "zh" if lang == "zh" else "en"))


@cli.command()
@click.argument("jurisdiction")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, help="summary.xlsx or summary.csv")
@click.option("--on", "on", help="Evaluation date (default: the batch's submitted_on).")
@call_option
@allow_outside_option
@format_option("table", "json")
@lang_option
def form(jurisdiction: str, file: str, out: str, on: str | None, call: str | None,
         allow_outside: bool, fmt: str, lang: str) -> None:
    """Write a call's summary form for the batch in FILE to --out (.xlsx or .csv).

    Ranks must be unique (exit 2 naming the rows otherwise).  When no row of the batch can
    be recommended, nothing is written and the command exits 1 with each row's reasons.
    """
    zh = lang == "zh"
    language: Lang = "zh" if zh else "en"
    result = _batch_or_fail(file, jurisdiction, on, call, fmt, lang, allow_outside)
    try:
        spec = engine().scope(jurisdiction, on=result.on, call=result.call).form
        if spec is None:
            raise ApplicationError([("call", f"the call {result.call!r} has no summary form",
                                     f"申报通知 {result.call} 没有推荐汇总表")])
        refusals = form_refusals(result)  # bad input first: the ranking itself is malformed
        if refusals:
            raise ApplicationError(refusals)
        if not any(row.recommended == "yes" for row in result.rows):
            _no_form(result, fmt, language)
        lines = write_form(result, spec, out)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    left_out = [row for row in result.rows if row.recommended != "yes"]
    if fmt == "json":
        emit_json({"written": out, "rows": [line.row.row for line in lines],
                   "left_out": [{"row": row.row, "recommended": row.recommended,
                                 "reasons": _reasons(row, language)} for row in left_out]})
        return
    echo(f"已写入 {out}：{len(lines)}/{len(result.rows)} 行（名额 {result.quota}，按排名）"
               if zh else f"wrote {out}: {len(lines)} of {len(result.rows)} rows "
               f"(quota {result.quota}, by rank)")
    for row in left_out:
        echo(f"  {'第' if zh else 'row '}{row.row}{'行' if zh else ''} "
                   f"({row.enterprise or '?'}): {row.recommended}; "
                   + "; ".join(_reasons(row, language)), err=True)


def _no_form(result: BatchAssessment, fmt: str, lang: Lang) -> None:
    zh = lang == "zh"
    reason = ("没有可推荐的行，未写入汇总表" if zh else
              "no row of the batch can be recommended; the form was not written")
    if fmt == "json":
        emit_json({"written": None, "reason": reason,
                   "rows": [{"row": row.row, "recommended": row.recommended,
                             "reasons": _reasons(row, lang)} for row in result.rows]})
    else:
        echo(reason, err=True)
        for row in result.rows:
            echo(f"  {'第' if zh else 'row '}{row.row}{'行' if zh else ''} "
                       f"({row.enterprise or '?'}): " + "; ".join(_reasons(row, lang)),
                       err=True)
    sys.exit(EXIT_NOT_ELIGIBLE)


@cli.command()
@click.argument("titles_file", type=click.Path(dir_okay=False))
@click.argument("events_file", type=click.Path(dir_okay=False))
@click.option("--jurisdiction", "-j", required=True, help="Jurisdiction code, e.g. shandong.")
@click.option("--on", "on", required=True, help="Evaluation date YYYY-MM-DD.")
@format_option("table", "json")
@lang_option
def review(titles_file: str, events_file: str, jurisdiction: str, on: str, fmt: str,
           lang: str) -> None:
    """Derive which titles in TITLES_FILE still stand, given the events in EVENTS_FILE.

    TITLES_FILE holds `titles:` (and optionally `enterprise:` with a name); EVENTS_FILE
    holds `events:` and optionally `incidents:` (accidents).  Each revocation names its
    clause.
    """
    day = parse_date(on)
    assert day is not None
    try:
        titles_data = read_mapping(titles_file)
        events_data = read_mapping(events_file)
        for label, data, allowed in ((titles_file, titles_data, {"titles", "enterprise"}),
                                     (events_file, events_data, {"events", "incidents"})):
            extra = sorted(set(data) - allowed)
            if extra:
                keys = ", ".join(sorted(allowed))
                raise ApplicationError([(extra[0], f"unknown key; this file takes {keys}",
                                         f"未知字段；此文件只接受 {keys}")], source=label)
        enterprise = titles_data.get("enterprise", {})
        name = enterprise.get("name", "(review)") if isinstance(enterprise, dict) else "(review)"
        result = engine().review(titles_data.get("titles") or [],
                                 events_data.get("events") or [],
                                 incidents=events_data.get("incidents"),
                                 jurisdiction=jurisdiction, on=day, enterprise=str(name))
    except GradientRulesError as error:
        fail(error, fmt, lang)
    if fmt == "json":
        emit_json(result.model_dump(mode="json"))
        return
    zh = lang == "zh"
    table = new_table(*(("#", "称号", "年度", "是否有效", "撤销依据") if zh else
                        ("#", "title", "year", "stands", "revoked under")))
    table.columns[4].overflow = "fold"
    for title in result.titles:
        label = f"{title.tier.label_zh} ({title.issuing_level.value})"
        why = "\n".join(
            f"{r.rule_id} {r.clause}: {r.text_zh} ← "
            f"{r.event.label_zh if zh else r.event.value} {r.occurred_on.isoformat()}"
            for r in title.revocations)
        if title.stated_status.value == "revoked":
            why = (why + "\n" if why else "") + ("申报材料已注明撤销" if zh else "stated revoked")
        table.add_row(str(title.index), label, str(title.year),
                      ("是" if zh else "yes") if title.standing else ("否" if zh else "no"), why)
    print_table(table)

