"""Resolve an application against a scope: check it, map its claims, flatten it into facts.

The step between reading and deriving.  Everything the scope cannot read is bad input
named by field (an attestation it does not declare, a KPI outside its reference, a
material outside the call's checklist, a scenario the catalog does not have or does not
describe at the tier claimed, a date after the evaluation date).  What the assessment
should warn about is recorded, not refused: catalog rows that are inferred, cells the
received table cut off, and inputs only a call reads when no call is assessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ._application import Application, ScenarioClaim
from ._catalog import CountingPolicy
from ._errors import ApplicationError
from ._facts import CaseFacts, ClaimFact, build_facts
from ._scope import Scope
from ._vocabulary import Tier

__all__ = ["CutOffClaim", "Resolution", "resolve"]

Problems = list[tuple[str, str, str]]
"""(field path, English, Chinese)."""


@dataclass(frozen=True)
class CutOffClaim:
    """A claim at a tier whose cell exists but whose text the received table cut off."""

    scenario: str
    name_zh: str
    tier: Tier


@dataclass(frozen=True)
class Resolution:
    """An application resolved against a scope."""

    facts: CaseFacts
    inferred_rows: tuple[str, ...] = ()
    """Catalog ids of rows marked ``source = "inferred"`` that claims rely on."""
    cut_off: tuple[CutOffClaim, ...] = ()
    """Claims at a cell the received table cut off."""
    unused: tuple[str, ...] = ()
    """Inputs this assessment does not read: a call's filing dates, materials and
    attestations given without a call, or names only other installed calls declare."""


_ALL_TIERS: frozenset[Tier] = frozenset(Tier)


def _check_names(scope: Scope, app: Application, problems: Problems) -> list[str]:
    """Refuse names declared nowhere (typos); return those only other scopes read."""
    code = scope.jurisdiction.code
    unused: list[str] = []
    for name in sorted(app.attestations.keys() - scope.attestations.keys()):
        if name in scope.foreign_attestations:
            unused.append(f"attestations.{name}")
            continue
        known = ", ".join(sorted(scope.attestations)) or "none"
        problems.append((f"attestations.{name}",
                         f"not an attestation of {code!r} or of any installed call; known "
                         f"here: {known}",
                         f"不是{scope.jurisdiction.name_zh}规则或任何已安装申报通知所用的声明项；"
                         f"本规则可用：{known}"))
    material_ids = scope.material_ids
    for index, material in enumerate(app.materials or ()):
        if material in material_ids:
            continue
        if material in scope.foreign_materials:
            unused.append(f"materials[{index}]")
            continue
        checklist = ", ".join(m.id for m in scope.materials) or "none"
        where = scope.call.key if scope.call else code
        problems.append((f"materials[{index}]",
                         f"unknown material {material!r} for {where} and every installed call; "
                         f"this checklist: {checklist}",
                         f"申报材料 {material!r} 不在任何申报通知的材料清单中；本通知清单："
                         f"{checklist}"))
    kpi_ids = scope.kpi_ids
    for key in sorted(set(app.kpis or ()) - kpi_ids):
        listed = ", ".join(sorted(kpi_ids)) or "none (no reference)"
        problems.append((f"kpis.{key}",
                         f"not in the KPI reference of {code!r}; ids: {listed}",
                         f"不在关键绩效指标参考中；可用编号：{listed}"))
    return unused


def _check_dates(app: Application, on: dt.date, problems: Problems) -> None:
    dated: list[tuple[str, dt.date | None]] = [
        *((f"incidents[{i}].occurred_on", x.occurred_on)
          for i, x in enumerate(app.incidents or ())),
        *((f"titles[{i}].recognised_on", x.recognised_on)
          for i, x in enumerate(app.titles or ()) if x.year <= on.year),
        *((f"events[{i}].occurred_on", x.occurred_on) for i, x in enumerate(app.events or ())),
        *((f"filing.{name}", getattr(app.filing, name))
          for name in ("online_filed_on", "paper_submitted_on") if app.filing is not None),
    ]
    for index, title in enumerate(app.titles or ()):
        if title.year > on.year:
            problems.append((f"titles[{index}].year",
                             f"{title.year} is after the year of the evaluation date "
                             f"{on.isoformat()}",
                             f"{title.year}年晚于评估日期{on.isoformat()}所在年份"))
    problems.extend((where, f"{when.isoformat()} is after the evaluation date {on.isoformat()}",
                     f"{when.isoformat()}晚于评估日期{on.isoformat()}")
                    for where, when in dated if when is not None and when > on)


def _resolve_claims(scope: Scope, claims: Sequence[ScenarioClaim], problems: Problems,
                    ) -> tuple[tuple[ClaimFact, ...], tuple[str, ...], tuple[CutOffClaim, ...]]:
    """Map each claim to a segment and the tiers it may count for; report bad claims."""
    catalog = scope.catalog
    code = scope.jurisdiction.code
    resolved: list[ClaimFact] = []
    inferred: list[str] = []
    cut_off: list[CutOffClaim] = []
    rows = catalog.by_id() if catalog else {}
    for index, claim in enumerate(claims):
        where = f"scenarios[{index}]"
        segment = claim.segment
        if claim.guide_segment is not None:
            known_guide = (*scope.guide_segments, *scope.guide_segments_unmapped)
            if claim.guide_segment not in known_guide:
                known = "、".join(known_guide) or "none"
                problems.append((f"{where}.guide_segment",
                                 f"unknown 环节 {claim.guide_segment!r} for {code!r}; known: "
                                 f"{known}",
                                 f"无法识别的环节 {claim.guide_segment!r}；可用：{known}"))
                continue
            mapped = scope.guide_segments.get(claim.guide_segment)
            if segment is not None and mapped is not None and mapped is not segment:
                problems.append((f"{where}.segment",
                                 f"{segment.value!r} contradicts guide_segment "
                                 f"{claim.guide_segment!r}, which maps to {mapped.value!r}",
                                 f"与环节{claim.guide_segment}不符：该环节属于{mapped.label_zh}"))
                continue
            segment = segment or mapped
        cells = _ALL_TIERS
        row_inferred = False
        if catalog is not None:
            if claim.id is None:
                problems.append((f"{where}.id",
                                 f"{code!r} has a scenario catalog; give the scenario id (see "
                                 f"`gradient-rules scenarios {code}`)",
                                 f"请填写场景编号（见 gradient-rules scenarios {code}）"))
                continue
            row = rows.get(claim.id)
            if row is None:
                span = f"{catalog.scenarios[0].id}..{catalog.scenarios[-1].id}"
                problems.append((f"{where}.id",
                                 f"unknown scenario {claim.id!r} in the {code!r} catalog; ids "
                                 f"run {span}",
                                 f"场景编号 {claim.id!r} 不在场景评价参考中；编号范围 {span}"))
                continue
            if segment is not None and segment is not row.segment:
                problems.append((f"{where}.segment",
                                 f"scenario {row.id} ({row.name_zh}) is in "
                                 f"{row.segment.value!r}, not {segment.value!r}",
                                 f"场景{row.id}（{row.name_zh}）属于{row.segment.label_zh}环节，"
                                 f"不属于{segment.label_zh}"))
                continue
            segment = row.segment
            row_cells = row.cells()
            if row_cells is not None and claim.tier not in row_cells:
                described = ", ".join(t.value for t in sorted(row_cells))
                problems.append((f"{where}.tier",
                                 f"scenario {row.id} ({row.name_zh}) has no {claim.tier.value} "
                                 f"({claim.tier.label_zh}) description (the table shows \"/\"); "
                                 f"claim a tier it describes: {described}",
                                 f"场景{row.id}（{row.name_zh}）在{claim.tier.label_zh}一栏为“/”，"
                                 f"不能按该级申报；可申报：" +
                                 "、".join(t.label_zh for t in sorted(row_cells))))
                continue
            if catalog.counting is CountingPolicy.DESCRIBED_ONLY and row_cells is not None:
                cells = row_cells
            row_inferred = row.source == "inferred"
            if row_inferred:
                inferred.append(row.id)
            if claim.tier in row.cut_off:
                cut_off.append(CutOffClaim(row.id, row.name_zh, claim.tier))
        else:
            if claim.id is not None:
                problems.append((f"{where}.id",
                                 f"{code!r} has no scenario catalog; leave `id` out and give "
                                 "`segment` or `guide_segment`",
                                 "本规则无场景评价参考，请删去 id，填写 segment 或 guide_segment"))
                continue
            if segment is None and claim.guide_segment is None:
                problems.append((f"{where}.segment",
                                 "give `segment` (one of factory_construction, "
                                 "research_and_design, production_operations, "
                                 "production_management, operations_management) or "
                                 "`guide_segment`",
                                 "请填写 segment（工厂建设、研发设计、生产作业、生产管理、"
                                 "运营管理之一）或 guide_segment（场景指引中的环节）"))
                continue
        resolved.append(ClaimFact(index, segment, claim.tier, cells, row_inferred))
    return tuple(resolved), tuple(sorted(set(inferred))), tuple(cut_off)


def resolve(scope: Scope, app: Application, on: dt.date) -> Resolution:
    """Check ``app`` against ``scope`` on ``on`` and build its facts.

    Raises :class:`ApplicationError` naming every bad field, in English and Chinese.
    """
    problems: Problems = []
    unused = _check_names(scope, app, problems)
    _check_dates(app, on, problems)
    claims: tuple[ClaimFact, ...] | None = None
    inferred: tuple[str, ...] = ()
    cut_off: tuple[CutOffClaim, ...] = ()
    if app.scenarios is not None:
        claims, inferred, cut_off = _resolve_claims(scope, app.scenarios, problems)
    if problems:
        raise ApplicationError(problems)
    kpi_ids = scope.kpi_ids
    if scope.call is None:  # filing dates and materials are only ever read by a call
        unused = [name for name in ("filing", "materials") if getattr(app, name) is not None] + [
            name for name in unused if not name.startswith("materials[")]
    return Resolution(build_facts(app, on=on, claims=claims, kpi_ids=kpi_ids),
                      inferred, cut_off, tuple(unused))
