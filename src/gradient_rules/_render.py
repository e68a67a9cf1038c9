"""Human renderings of an assessment: a terminal table (rich) and Markdown."""

from __future__ import annotations

from typing import Literal

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._assessment import Assessment, Finding, TierAssessment
from ._vocabulary import Outcome, Strength, Verdict

__all__ = ["render_markdown", "render_table"]

Lang = Literal["zh", "en"]

_VERDICT_STYLE = {Verdict.ELIGIBLE: "bold green", Verdict.NOT_ELIGIBLE: "bold red",
                  Verdict.UNDETERMINED: "bold yellow"}
_OUTCOME_STYLE = {Outcome.MET: "green", Outcome.NOT_MET: "red", Outcome.UNKNOWN: "yellow"}

_WORDS = {
    "zh": {"rule": "规则", "outcome": "结果", "detail": "实际与要求", "clause": "依据",
           "route": "认定途径", "notices": "提示", "on": "评估日期", "pack": "规则版本",
           "enterprise": "申报单位", "in_principle": "（原则上）", "todo": "尚需"},
    "en": {"rule": "Rule", "outcome": "Outcome", "detail": "Observed vs required",
           "clause": "Clause", "route": "Recognised by", "notices": "Notices", "on": "on",
           "pack": "rules", "enterprise": "Applicant", "in_principle": " (in principle)",
           "todo": "To reach this tier"},
}


def _verdict(tier: TierAssessment, lang: Lang) -> str:
    return tier.verdict.label_zh if lang == "zh" else tier.verdict.value.replace("_", " ")


def _outcome(finding: Finding, lang: Lang) -> str:
    word = finding.outcome.label_zh if lang == "zh" else finding.outcome.value.replace("_", " ")
    if finding.strength is Strength.IN_PRINCIPLE:
        word += _WORDS[lang]["in_principle"]
    return word


def _todo(tier: TierAssessment, lang: Lang) -> list[str]:
    """Actions for the findings that keep the tier from being eligible."""
    if tier.verdict is Verdict.ELIGIBLE:
        return []
    return [f"{f.rule_id}: {f.action(lang)}" for f in tier.gaps if f.action(lang)]


def _clause(finding: Finding) -> str:
    return f"《{finding.citation.document_title_zh}》{finding.citation.clause}"


def _heading(assessment: Assessment, lang: Lang) -> str:
    w = _WORDS[lang]
    status = assessment.pack_status.label_zh if lang == "zh" else (
        assessment.pack_status.value.replace("_", " "))
    return (f"{w['enterprise']}: {assessment.enterprise} · {assessment.jurisdiction_name_zh} "
            f"({assessment.jurisdiction}) · {w['pack']} {assessment.pack_version} [{status}] · "
            f"{w['on']} {assessment.on.isoformat()}")


def render_table(assessment: Assessment, console: Console, *, lang: Lang = "zh") -> None:
    """Print the assessment as one table per tier."""
    w = _WORDS[lang]
    console.print(Text(_heading(assessment, lang), style="bold"))
    for tier in assessment.tiers:
        title = Text.assemble(
            (f"{tier.label_zh} {tier.tier.value}: ", "bold"),
            (_verdict(tier, lang), _VERDICT_STYLE[tier.verdict]),
        )
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, expand=True)
        table.add_column(w["rule"], no_wrap=True)
        table.add_column(w["outcome"], no_wrap=True)
        table.add_column(w["detail"], ratio=3, overflow="fold")
        table.add_column(w["clause"], ratio=2, overflow="fold")
        for finding in tier.findings:
            table.add_row(finding.rule_id,
                          Text(_outcome(finding, lang), style=_OUTCOME_STYLE[finding.outcome]),
                          finding.message(lang), _clause(finding))
        console.print(table)
        todo = _todo(tier, lang)
        if todo:
            console.print(Text(f"  {w['todo']}:", style="bold"))
            for line in todo:
                console.print(f"    - {line}")
        for notice in tier.warnings:
            console.print(Text(f"  ! {notice.message(lang)}", style="yellow"))
        if tier.route is not None:
            route = tier.route.authority_zh if lang == "zh" else tier.route.authority_en
            console.print(f"  {w['route']}: {route} ({tier.route.rule_id})")
    if assessment.warnings:
        console.print(Text(w["notices"], style="bold"))
        for notice in assessment.warnings:
            console.print(f"  - {notice.message(lang)}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(assessment: Assessment, *, lang: Lang = "zh") -> str:
    """The assessment as a Markdown document."""
    w = _WORDS[lang]
    lines = [f"# {assessment.enterprise}", "", _heading(assessment, lang), ""]
    for tier in assessment.tiers:
        lines += [f"## {tier.label_zh} {tier.tier.value}: {_verdict(tier, lang)}", "",
                  f"| {w['rule']} | {w['outcome']} | {w['detail']} | {w['clause']} |",
                  "|---|---|---|---|"]
        for f in tier.findings:
            lines.append(f"| {f.rule_id} | {_outcome(f, lang)} | {_cell(f.message(lang))} | "
                         f"{_cell(_clause(f))} |")
        lines.append("")
        todo = _todo(tier, lang)
        if todo:
            lines += [f"**{w['todo']}:**", "", *(f"- {line}" for line in todo), ""]
        lines += [f"> {notice.message(lang)}" for notice in tier.warnings]
        if tier.route is not None:
            route = tier.route.authority_zh if lang == "zh" else tier.route.authority_en
            lines += [f"{w['route']}: {route} ({tier.route.rule_id})", ""]
    if assessment.warnings:
        lines += [f"## {w['notices']}", ""]
        lines += [f"- {notice.message(lang)}" for notice in assessment.warnings]
    return "\n".join(lines).rstrip() + "\n"
