"""``gradient-rules plugins``, ``rules``, ``scenarios``, ``calls`` and ``consistency``."""

from __future__ import annotations

import sys
from typing import Any

import click

from ._checks import Severity
from ._cli_common import (
    EXIT_BROKEN,
    EXIT_NOT_ELIGIBLE,
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
    print_table,
)
from ._errors import GradientRulesError
from ._scope import Scope

__all__ = ["calls", "consistency", "plugins", "rules", "scenarios"]

_SHIPPED = ("gradient-rules-national (national), gradient-rules-guizhou (guizhou), "
            "gradient-rules-shandong (shandong), gradient-rules-shanxi (shanxi)")


@cli.command()
@format_option("table", "json")
@lang_option
def plugins(fmt: str, lang: str) -> None:
    """List installed plugins, their jurisdictions, conditions and calls, and any problems.

    Exit 3 when a plugin is broken (the others are listed and work).
    """
    found = engine()
    rows: list[dict[str, Any]] = []
    for info in found.jurisdictions():
        own = [p for p in found.packs(info.code) if p.jurisdiction.code == info.code]
        rows.append({
            "code": info.code, "name_zh": info.name_zh, "name_en": info.name_en,
            "base": info.base, "plugin": found.plugin_of(info.code),
            "packs": [{"version": p.version, "status": p.status.value,
                       "valid_from": p.valid_from.isoformat(),
                       "valid_until": p.valid_until.isoformat() if p.valid_until else None,
                       "rules": len(p.rules)}
                      for p in own],
            "conditions_of": info.code if own else info.base,
            "calls": [c.id for c in found.calls(info.code)],
        })
    problems = [str(p) for p in found.problems]
    warnings = [str(f) for f in found.findings() if f.severity is Severity.WARNING]
    if fmt == "json":
        emit_json({"plugins": list(found.plugin_names), "jurisdictions": rows,
                   "problems": problems, "warnings": warnings})
    else:
        zh = lang == "zh"
        table = new_table(*(("代码", "名称", "插件", "要素条件", "申报通知") if zh else
                            ("code", "name", "plugin", "conditions", "calls")))
        for row in rows:
            packs = "; ".join(f"{p['version']} ({p['status']}, {p['rules']} rules)"
                              for p in row["packs"]) or (
                f"沿用 {row['conditions_of']}" if zh else f"those of {row['conditions_of']}")
            table.add_row(row["code"], f"{row['name_zh']} {row['name_en']}", row["plugin"],
                          packs, ", ".join(row["calls"]) or "-")
        print_table(table)
        if not rows:
            echo(("未安装任何地区插件。随本项目发布的插件包：" if zh else
                  "no jurisdiction plugin is installed. The shipped ones are distributions of "
                  "their own: ") + _SHIPPED + ("；例如 pip install gradient-rules-national" if zh
                  else "; e.g. pip install gradient-rules-national (from a clone: pip install "
                       "-e plugins/national)"), err=True)
        for warning in warnings:
            echo(f"{'警告' if zh else 'warning'}: {warning} (gradient-rules check)", err=True)
        for problem in problems:
            echo(f"{'问题' if zh else 'problem'}: {problem}", err=True)
    if problems:
        sys.exit(EXIT_BROKEN)


def _scope(jurisdiction: str, on: str | None, fmt: str, lang: str,
           call: str | None = None) -> Scope:
    day = parse_date(on)
    try:
        return engine().scope(jurisdiction, on=day, call=call)
    except GradientRulesError as error:
        fail(error, fmt, lang)


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the conditions (default: latest).")
@call_option
@format_option("table", "json")
@lang_option
def rules(jurisdiction: str, on: str | None, call: str | None, fmt: str, lang: str) -> None:
    """List the rules of JURISDICTION (and of --call) with tiers, strength and clause."""
    scope = _scope(jurisdiction, on, fmt, lang, call)
    if fmt == "json":
        emit_json({
            "jurisdiction": jurisdiction, "version": scope.version,
            "call": scope.call.id if scope.call else None, "status": scope.status.value,
            "rules": [rule.model_dump(mode="json") | {"part": scope.parts[rule.id]}
                      for rule in scope.rules],
            "provisions": [p.model_dump(mode="json") for p in scope.provisions],
        })
        return
    zh = lang == "zh"
    table = new_table(*(("编号", "层级", "约束", "规则", "依据") if zh else
                        ("id", "tiers", "strength", "rule", "clause")))
    for column in table.columns[3:]:
        column.overflow = "fold"
    for rule in scope.rules:
        doc = scope.document(rule.citation.document)
        tiers = ("、".join(t.label_zh for t in rule.tiers) if zh else
                 ", ".join(t.value for t in rule.tiers))
        table.add_row(rule.id, tiers, rule.strength.label_zh if zh else rule.strength.value,
                      rule.title_zh if zh else rule.title_en,
                      f"《{doc.title_zh}》{rule.citation.clause}")
    for prov in scope.provisions:
        doc = scope.document(prov.citation.document)
        table.add_row(prov.id, "-", prov.applies_as, prov.title_zh if zh else prov.title_en,
                      f"《{doc.title_zh}》{prov.citation.clause}")
    print_table(table)


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the conditions (default: latest).")
@format_option("table", "json")
@lang_option
def scenarios(jurisdiction: str, on: str | None, fmt: str, lang: str) -> None:
    """Print the scenario catalog of JURISDICTION (or its segment map if it has none)."""
    scope = _scope(jurisdiction, on, fmt, lang)
    catalog = scope.catalog
    if fmt == "json":
        emit_json({
            "jurisdiction": jurisdiction, "version": scope.version,
            "catalog": None if catalog is None else catalog.model_dump(mode="json"),
            "guide_segments": {k: v.value for k, v in scope.guide_segments.items()},
            "guide_segments_unmapped": list(scope.guide_segments_unmapped),
        })
        return
    zh = lang == "zh"
    if catalog is None:
        echo(f"{jurisdiction} 没有场景评价参考：按申报的环节（或场景指引中的环节）计算覆盖："
                   if zh else
                   f"{jurisdiction!r} has no scenario catalog: coverage comes from the "
                   "segments the application claims, directly or through the scenario "
                   "guide's 环节:")
        table = new_table(*(("场景指引环节", "对应环节") if zh else ("guide 环节", "segment")))
        for name, segment in scope.guide_segments.items():
            table.add_row(name, f"{segment.label_zh} {segment.value}")
        for name in scope.guide_segments_unmapped:
            table.add_row(name, "（不计入任何环节）" if zh else "(no segment)")
        print_table(table)
        return
    table = new_table(*(("序号", "编号", "环节", "场景", "有描述的层级", "来源") if zh else
                        ("no.", "id", "segment", "scenario", "tiers described", "source")),
                      title=f"{catalog.title_zh}{'' if catalog.complete else ' (incomplete)'}",
                      caption=("* 该栏存在但收到的文本被截断；“/”的层级不列；推断的行没有描述" if zh
                               else "* the cell exists but its text is cut off in the received "
                               "copy; \"/\" tiers are absent; inferred rows have no descriptions"))
    for row in catalog.scenarios:
        cells = row.cells()
        described = ("未知" if zh else "unknown") if cells is None else ", ".join(
            t.value + ("*" if t in row.cut_off else "") for t in sorted(cells))
        table.add_row(str(row.number), row.id, f"{row.segment.label_zh} {row.segment.code}",
                      row.name_zh, described, row.source)
    print_table(table)


@cli.command()
@click.argument("jurisdiction")
@format_option("table", "json")
@lang_option
def calls(jurisdiction: str, fmt: str, lang: str) -> None:
    """List the calls (年度申报通知) of JURISDICTION: issuer, year, tiers, dates, rules."""
    found = engine()
    try:
        listed = found.calls(jurisdiction)
        scopes = {c.id: found.scope(jurisdiction, call=c.id) for c in listed}
    except GradientRulesError as error:
        fail(error, fmt, lang)
    rows: list[dict[str, Any]] = [
        {"id": c.id, "jurisdiction": c.jurisdiction, "title_zh": c.title_zh,
         "title_en": c.title_en, "issuer_zh": c.issuer_zh, "issuer_en": c.issuer_en,
         "issuer_named": c.issuer_named, "level": c.level.value, "region": c.region,
         "year": c.year, "tiers": [t.value for t in c.tiers], "issued": c.issued.isoformat(),
         "issued_source": c.issued_source, "conditions": c.conditions,
         "transposes": c.transposes,
         "rules": [r.id for r in scopes[c.id].rules if scopes[c.id].parts[r.id] == "call"],
         "batch": c.batch is not None, "form": c.form is not None}
        for c in listed]
    if fmt == "json":
        emit_json({"jurisdiction": jurisdiction, "calls": rows})
        return
    zh = lang == "zh"
    table = new_table(*(("编号", "年度", "层级", "发文单位", "发布日期", "通知规则") if zh else
                        ("id", "year", "tiers", "issuer", "issued", "call rules")))
    table.columns[0].no_wrap = True
    table.columns[3].overflow = "fold"
    for row in rows:
        issuer = row["issuer_zh" if zh else "issuer_en"] + ("" if row["issuer_named"] else " *")
        inferred = ("（推断）" if zh else " (inferred)") if row["issued_source"] == "inferred" \
            else ""
        table.add_row(row["id"], str(row["year"]), ", ".join(row["tiers"]), issuer,
                      row["issued"] + inferred, ", ".join(row["rules"]))
    print_table(table)
    if any(not row["issuer_named"] for row in rows):
        echo("* 收到的文本未署名发文单位" if zh else
                   "* the issuing body is not named in the text as received")
    if not rows:
        echo(f"{jurisdiction} 没有申报通知；不带 --call 按要素条件评估" if zh else
                   f"{jurisdiction!r} ships no calls; assess against its conditions without "
                   "--call.")


@cli.command()
@click.argument("jurisdiction")
@click.option("--on", "on", help="Date YYYY-MM-DD selecting the conditions (default: latest).")
@format_option("table", "json")
@lang_option
def consistency(jurisdiction: str, on: str | None, fmt: str, lang: str) -> None:
    """Check JURISDICTION's declared relations against the national rules' data.

    Exit 1 when a declaration is contradicted (an `adopts` that differs, a `tightens`
    that loosens something).
    """
    day = parse_date(on)
    try:
        checks = engine().consistency(jurisdiction, on=day)
    except GradientRulesError as error:
        fail(error, fmt, lang)
    if fmt == "json":
        emit_json({"jurisdiction": jurisdiction,
                   "checks": [c.model_dump(mode="json") for c in checks]})
    else:
        zh = lang == "zh"
        table = new_table(*(("规则", "关系", "对应国家规则", "一致", "差异") if zh else
                            ("rule", "relation", "relates to", "ok", "differences")))
        table.columns[4].overflow = "fold"
        for check in checks:
            table.add_row(check.rule_id, check.relation.value, ", ".join(check.relates_to),
                          ("是" if zh else "yes") if check.consistent else ("否" if zh else "NO"),
                          "\n".join(f"{d.direction}: {d.message}" for d in check.differences))
        print_table(table)
    if any(not c.consistent for c in checks):
        sys.exit(EXIT_NOT_ELIGIBLE)
