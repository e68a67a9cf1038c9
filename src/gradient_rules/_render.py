"""Human renderings of an assessment: a report for the terminal, and Markdown.

The report puts the conclusion first: the highest eligible tier and one line per tier,
then what to do to reach the next tier, then the findings, each rule shown once with the
tiers it applies to alike.  ``full=True`` keeps the exhaustive per-tier layout.  Lines are
wrapped the way Chinese is typeset (``_textwrap``) and never end in spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._assessment import Assessment, Finding, TierAssessment
from ._textwrap import wrap
from ._vocabulary import Outcome, Strength, Tier, Verdict

__all__ = ["Line", "render_markdown", "report_lines", "report_text"]

Lang = Literal["zh", "en"]
Style = Literal["", "heading", "eligible", "not_eligible", "undetermined", "met", "not_met",
                "unknown", "note"]
_OUTCOME_STYLE: dict[Outcome, Style] = {Outcome.MET: "met", Outcome.NOT_MET: "not_met",
                                        Outcome.UNKNOWN: "unknown"}

_WORDS = {
    "zh": {"rule": "规则", "outcome": "结果", "detail": "实际与要求", "clause": "依据",
           "route": "认定途径", "notices": "提示", "on": "评估日期", "conditions": "要素条件",
           "enterprise": "申报单位", "in_principle": "（原则上）", "todo": "尚需",
           "call": "申报通知", "highest": "最高符合层级", "none": "暂无符合条件的层级",
           "findings": "逐条依据", "all_tiers": "全部层级", "tiers": "层级",
           "to_reach": "达到{tier}尚需", "warnings": "供评审专家研判"},
    "en": {"rule": "Rule", "outcome": "Outcome", "detail": "Observed vs required",
           "clause": "Clause", "route": "Recognised by", "notices": "Notices", "on": "on",
           "conditions": "conditions", "enterprise": "Applicant",
           "in_principle": " (in principle)", "todo": "To reach this tier", "call": "call",
           "highest": "Highest eligible tier", "none": "no tier is eligible",
           "findings": "Findings", "all_tiers": "all tiers", "tiers": "tiers",
           "to_reach": "To reach {tier}", "warnings": "for the reviewers"},
}


@dataclass(frozen=True)
class Line:
    """One logical line of a report: wrapped to the width, with a hanging indent."""

    text: str
    style: Style = ""
    indent: int = 0
    """Columns of indent for the first line; continuation lines get two more."""


def _verdict(tier: TierAssessment, lang: Lang) -> str:
    return tier.verdict.label_zh if lang == "zh" else tier.verdict.value.replace("_", " ")


def _outcome(finding: Finding, lang: Lang) -> str:
    word = finding.outcome.label_zh if lang == "zh" else finding.outcome.value.replace("_", " ")
    if finding.strength is Strength.IN_PRINCIPLE:
        word += _WORDS[lang]["in_principle"]
    return word


def _tier_name(assessment: Assessment, tier: Tier, lang: Lang) -> str:
    label = next((t.label_zh for t in assessment.tiers if t.tier is tier), tier.label_zh)
    return label if lang == "zh" else tier.value


def _clause(finding: Finding) -> str:
    return f"《{finding.citation.document_title_zh}》{finding.citation.clause}"


def _heading(assessment: Assessment, lang: Lang) -> str:
    """What was assessed, against what, on which date (one line)."""
    w = _WORDS[lang]
    status = assessment.pack_status.label_zh if lang == "zh" else (
        assessment.pack_status.value.replace("_", " "))
    parts = [f"{assessment.jurisdiction_name_zh} ({assessment.jurisdiction})",
             f"{w['conditions']} {assessment.conditions_jurisdiction} "
             f"{assessment.pack_version} [{status}]"]
    if assessment.call is not None:
        parts.append(f"{w['call']} {assessment.call.jurisdiction}/{assessment.call.id}")
    parts.append(f"{w['on']} {assessment.on.isoformat()}")
    return " · ".join(parts)


def _counts(tier: TierAssessment, lang: Lang) -> str:
    must = [f for f in tier.findings if f.strength is Strength.MUST]
    unmet = sum(f.outcome is Outcome.NOT_MET for f in must)
    unknown = sum(f.outcome is Outcome.UNKNOWN for f in must)
    soft = sum(f.outcome is not Outcome.MET for f in tier.findings
               if f.strength is Strength.IN_PRINCIPLE)
    if lang == "zh":
        parts = [f"不符合{unmet}项" if unmet else "", f"未知{unknown}项" if unknown else "",
                 f"原则上未满足{soft}项" if soft else ""]
    else:
        parts = [f"{unmet} not met" if unmet else "", f"{unknown} unknown" if unknown else "",
                 f"{soft} in principle short" if soft else ""]
    shown = [p for p in parts if p]
    return ("（" + "，".join(shown) + "）" if lang == "zh" else " (" + ", ".join(shown) + ")"
            ) if shown else ""


def _target(assessment: Assessment) -> TierAssessment | None:
    """The tier to work toward: the one above the highest eligible, if it was assessed."""
    if len(assessment.tiers) == 1:
        only = assessment.tiers[0]
        return None if only.verdict is Verdict.ELIGIBLE else only
    top = assessment.highest_eligible
    wanted = Tier.BASIC if top is None else (
        None if top is Tier.LEADING else Tier.from_rank(top.rank + 1))
    return next((t for t in assessment.tiers if t.tier is wanted), None)


@dataclass(frozen=True)
class _Group:
    finding: Finding
    tiers: tuple[Tier, ...]


def _grouped(assessment: Assessment, lang: Lang) -> list[_Group]:
    """Findings of one rule alike across tiers (same outcome and message) shown once."""
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    order: list[tuple[str, str, str, str]] = []
    for tier in assessment.tiers:
        for finding in tier.findings:
            key = (finding.rule_id, finding.outcome.value, finding.message(lang),
                   finding.action(lang))
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(finding)
    first: dict[str, int] = {}
    for tier in assessment.tiers:
        for finding in tier.findings:
            first.setdefault(finding.rule_id, len(first))
    order.sort(key=lambda key: first[key[0]])  # rule order; tiers ascending within a rule
    return [_Group(groups[k][0], tuple(f.tier for f in groups[k])) for k in order]


def _tiers_text(assessment: Assessment, tiers: Sequence[Tier], lang: Lang) -> str:
    if len(tiers) > 1 and len(tiers) == len(assessment.tiers):
        return _WORDS[lang]["all_tiers"]
    sep = "、" if lang == "zh" else ", "
    return sep.join(_tier_name(assessment, t, lang) for t in tiers)


def report_lines(assessment: Assessment, *, lang: Lang = "zh", full: bool = False) -> list[Line]:
    """The report as logical lines (see :func:`report_text` for wrapped text)."""
    w = _WORDS[lang]
    lines = [Line(f"{w['enterprise']}: {assessment.enterprise}", "heading"),
             Line(_heading(assessment, lang)), Line("")]
    top = assessment.highest_eligible
    conclusion = (f"{w['highest']}: {_tier_name(assessment, top, lang)}" if top is not None
                  else w["none"])
    lines.append(Line(conclusion, "heading"))
    for tier in assessment.tiers:
        lines.append(Line(f"{_tier_name(assessment, tier.tier, lang)}  {_verdict(tier, lang)}"
                          f"{_counts(tier, lang)}", tier.verdict.value, indent=2))
    target = _target(assessment)
    if target is not None:
        todo = [f for f in target.gaps if f.action(lang)]
        soft = [f for f in target.findings if f.strength is Strength.IN_PRINCIPLE
                and f.outcome is not Outcome.MET]
        if todo or soft:
            lines += [Line(""), Line(w["to_reach"].format(
                tier=_tier_name(assessment, target.tier, lang)) + ":", "heading")]
            lines += [Line(f"- {f.rule_id}: {f.action(lang)}", indent=2) for f in todo]
            lines += [Line(f"- {f.rule_id}{w['in_principle']}: {f.message(lang)} "
                           f"({w['warnings']})" if lang == "en" else
                           f"- {f.rule_id}{w['in_principle']}：{f.message(lang)}"
                           f"（{w['warnings']}）", "note", indent=2) for f in soft]
    lines += [Line(""), Line(w["findings"] + ":", "heading")]
    if full:
        lines += _full_findings(assessment, lang)
    else:
        for group in _grouped(assessment, lang):
            finding = group.finding
            lines.append(Line(f"{finding.rule_id}  {_outcome(finding, lang)}  "
                              f"[{_tiers_text(assessment, group.tiers, lang)}]",
                              _OUTCOME_STYLE[finding.outcome], indent=2))
            lines.append(Line(finding.message(lang), indent=6))
            lines.append(Line(f"{w['clause']}: {_clause(finding)}", "note", indent=6))
    routes = [(t, t.route) for t in assessment.tiers if t.route is not None]
    if routes:
        lines += [Line(""), Line(w["route"] + ":", "heading")]
        for tier, route in routes:
            assert route is not None
            text = route.authority_zh if lang == "zh" else route.authority_en
            lines.append(Line(f"{_tier_name(assessment, tier.tier, lang)}: {text} "
                              f"({route.rule_id})", indent=2))
    notices = [n for t in assessment.tiers for n in t.warnings if n.code == "tier_notice"]
    notices += list(assessment.warnings)
    if notices:
        lines += [Line(""), Line(w["notices"] + ":", "heading")]
        seen: set[str] = set()
        for notice in notices:
            if notice.message(lang) not in seen:
                seen.add(notice.message(lang))
                lines.append(Line(f"- {notice.message(lang)}", "note", indent=2))
    return lines


def _full_findings(assessment: Assessment, lang: Lang) -> list[Line]:
    lines: list[Line] = []
    w = _WORDS[lang]
    for tier in assessment.tiers:
        lines.append(Line(f"{tier.label_zh} {tier.tier.value}: {_verdict(tier, lang)}",
                          tier.verdict.value, indent=2))
        for finding in tier.findings:
            lines.append(Line(f"{finding.rule_id}  {_outcome(finding, lang)}",
                              _OUTCOME_STYLE[finding.outcome], indent=4))
            lines.append(Line(finding.message(lang), indent=8))
            lines.append(Line(f"{w['clause']}: {_clause(finding)}", "note", indent=8))
        todo = [f for f in tier.gaps if f.action(lang)] if tier.verdict is not (
            Verdict.ELIGIBLE) else []
        if todo:
            lines.append(Line(f"{w['todo']}:", indent=4))
            lines += [Line(f"- {f.rule_id}: {f.action(lang)}", indent=6) for f in todo]
        lines += [Line(f"! {n.message(lang)}", "note", indent=4) for n in tier.warnings
                  if n.code != "tier_notice"]
    return lines


def report_text(assessment: Assessment, *, lang: Lang = "zh", width: int = 100,
                full: bool = False) -> str:
    """The report as plain text wrapped to ``width`` columns."""
    out: list[str] = []
    for line in report_lines(assessment, lang=lang, full=full):
        out += wrap_line(line, width)
    return "\n".join(out) + "\n"


def wrap_line(line: Line, width: int) -> list[str]:
    """One logical line wrapped to ``width`` with its hanging indent."""
    if not line.text:
        return [""]
    return wrap(line.text, width, indent=" " * (line.indent + 2), first=" " * line.indent)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(assessment: Assessment, *, lang: Lang = "zh", full: bool = False) -> str:
    """The assessment as a Markdown document, conclusion first."""
    w = _WORDS[lang]
    top = assessment.highest_eligible
    lines = [f"# {assessment.enterprise}", "", _heading(assessment, lang), "",
             f"**{w['highest']}:** {_tier_name(assessment, top, lang)}" if top is not None
             else f"**{w['none']}**", "",
             f"| {w['tiers']} | {w['outcome']} |", "|---|---|"]
    for tier in assessment.tiers:
        lines.append(f"| {_tier_name(assessment, tier.tier, lang)} | "
                     f"{_verdict(tier, lang)}{_counts(tier, lang)} |")
    lines.append("")
    target = _target(assessment)
    if target is not None:
        todo = [f for f in target.gaps if f.action(lang)]
        if todo:
            lines += [f"## {w['to_reach'].format(tier=_tier_name(assessment, target.tier, lang))}",
                      "", *(f"- {f.rule_id}: {f.action(lang)}" for f in todo), ""]
        lines += [f"> {n.message(lang)}" for n in target.warnings if n.code != "tier_notice"]
        if target.warnings:
            lines.append("")
    lines += [f"## {w['findings']}", ""]
    if full:
        for tier in assessment.tiers:
            lines += [f"### {tier.label_zh} {tier.tier.value}: {_verdict(tier, lang)}", "",
                      f"| {w['rule']} | {w['outcome']} | {w['detail']} | {w['clause']} |",
                      "|---|---|---|---|"]
            lines += [f"| {f.rule_id} | {_outcome(f, lang)} | {_cell(f.message(lang))} | "
                      f"{_cell(_clause(f))} |" for f in tier.findings]
            lines.append("")
    else:
        lines += [f"| {w['rule']} | {w['tiers']} | {w['outcome']} | {w['detail']} | "
                  f"{w['clause']} |", "|---|---|---|---|---|"]
        for group in _grouped(assessment, lang):
            f = group.finding
            lines.append(f"| {f.rule_id} | {_tiers_text(assessment, group.tiers, lang)} | "
                         f"{_outcome(f, lang)} | {_cell(f.message(lang))} | "
                         f"{_cell(_clause(f))} |")
        lines.append("")
    routes = [t for t in assessment.tiers if t.route is not None]
    if routes:
        lines += [f"## {w['route']}", ""]
        for tier in routes:
            assert tier.route is not None
            text = tier.route.authority_zh if lang == "zh" else tier.route.authority_en
            lines.append(f"- {_tier_name(assessment, tier.tier, lang)}: {text} "
                         f"({tier.route.rule_id})")
        lines.append("")
    notices = [n.message(lang) for t in assessment.tiers for n in t.warnings
               if n.code == "tier_notice"] + [n.message(lang) for n in assessment.warnings]
    if notices:
        lines += [f"## {w['notices']}", "", *(f"- {m}" for m in dict.fromkeys(notices))]
    return "\n".join(lines).rstrip() + "\n"
