"""One screening row: what an application's assessment comes to, or why it has none.

A :class:`ScreeningRow` holds an application's verdict per tier, its highest eligible tier,
the rule ids not met or unknown and what to do next; an application that cannot be read or
assessed keeps its place with a :class:`RowProblem`.  :func:`screen_one` makes the row of
one application under one engine, in whichever process assesses it (``_screening``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ._application import Application
from ._assessment import Assessment, TierAssessment
from ._construct import built
from ._docstrings import describe_fields
from ._errors import ApplicationError, GradientRulesError
from ._vocabulary import Outcome, Tier, Verdict

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["BulkItem", "RowProblem", "Rows", "ScreeningRow", "item_of", "row_of",
           "screen_one"]

MAX_NEXT_STEPS = 5
"""At most this many actions in a row's "what to do next"."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)


class RowProblem(_Model):
    """Why a row has no verdict."""

    kind: Literal["bad_input", "engine", "worker"]
    """``bad_input``: the row cannot be read or is not a valid application (fix the row);
    ``engine``: a plugin or the engine failed on it; ``worker``: the process assessing it
    died, twice."""
    message_en: str
    """What is wrong, naming the field, in English."""
    message_zh: str
    """The same in Chinese."""


class ScreeningRow(_Model):
    """The result of one application of a screening, in input order."""

    index: int
    """Position in the input, from 0."""
    source: str
    """Where the row came from (``file``, ``file:line`` or ``file row n``)."""
    id: str | None = None
    """The row's own id, when the input gives one (``id`` column or key)."""
    enterprise: str | None = None
    """Applicant name, when it could be read."""
    highest_eligible: Tier | None = None
    """The highest tier with verdict eligible."""
    verdicts: dict[Tier, Verdict] = {}
    """Verdict per assessed tier."""
    not_met: tuple[str, ...] = ()
    """Rule ids not met at some assessed tier (pack order)."""
    unknown: tuple[str, ...] = ()
    """Rule ids that could not be judged at some assessed tier (pack order)."""
    next_zh: str = ""
    """What to do next, Chinese: the gaps of the lowest tier not yet eligible."""
    next_en: str = ""
    """The same in English."""
    error: RowProblem | None = None
    """Why there is no verdict (``None`` when the row was assessed)."""
    retried: bool = False
    """The worker assessing the row died and the row was assessed again."""
    overrides: tuple[str, ...] = ()
    """What-if overrides the engine applied (``RULE.path=value``)."""
    assessment: dict[str, Any] | None = None
    """The full assessment in its JSON form, when asked for
    (``Assessment.model_validate(row.assessment)`` gives the object)."""

    @property
    def ok(self) -> bool:
        """Whether the row was assessed."""
        return self.error is None


@dataclass(frozen=True)
class BulkItem:
    """One application to screen, as read: its data, or why it could not be read."""

    source: str
    """Where it came from, for the row."""
    data: Application | Mapping[str, Any] | None = None
    """The application (validated later, in the worker)."""
    error: ApplicationError | None = None
    """Why the row could not be read (its data is then ``None``)."""
    id: str | None = None
    """The row's own id, if the input gives one."""


Rows = tuple[ScreeningRow, ...]
"""One application's rows: one per engine screened (two for a what-if comparison)."""


def _tier_gaps(tier: TierAssessment, lang: Literal["zh", "en"]) -> list[str]:
    return [f.action(lang) or f.message(lang) for f in tier.gaps][:MAX_NEXT_STEPS]


def _next_steps(result: Assessment) -> tuple[str, str]:
    """The gaps of the lowest tier that is not eligible, or a note that none is left."""
    pending = next((t for t in result.tiers if t.verdict is not Verdict.ELIGIBLE), None)
    if pending is None:
        top = result.tiers[-1].tier if result.tiers else None
        return (f"已符合所评估的全部层级（至{top.label_zh}）" if top else "",
                f"eligible for every tier assessed (up to {top.value})" if top else "")
    zh = "；".join(_tier_gaps(pending, "zh"))
    en = "; ".join(_tier_gaps(pending, "en"))
    return (f"{pending.label_zh}：{zh}" if zh else f"{pending.label_zh}：见各项说明",
            f"{pending.tier.value}: {en}" if en else f"{pending.tier.value}: see the findings")


def row_of(index: int, source: str, result: Assessment, *, row_id: str | None = None,
           full: bool = False, overrides: Sequence[str] = ()) -> ScreeningRow:
    """The screening row of one assessment."""
    not_met: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for tier in result.tiers:
        for finding in tier.findings:
            if finding.outcome is Outcome.NOT_MET:
                not_met[finding.rule_id] = None
            elif finding.outcome is Outcome.UNKNOWN:
                unknown[finding.rule_id] = None
    next_zh, next_en = _next_steps(result)
    return built(
        ScreeningRow, index=index, source=source, id=row_id, enterprise=result.enterprise,
        highest_eligible=result.highest_eligible,
        verdicts={t.tier: t.verdict for t in result.tiers},
        not_met=tuple(not_met), unknown=tuple(u for u in unknown if u not in not_met),
        next_zh=next_zh, next_en=next_en, error=None, retried=False,
        overrides=tuple(overrides),
        assessment=result.model_dump(mode="json") if full else None)


def _error_row(index: int, item: BulkItem, error: BaseException) -> ScreeningRow:
    if isinstance(error, ApplicationError):
        kind: Literal["bad_input", "engine", "worker"] = "bad_input"
        en, zh = error.text("en"), error.text("zh")
    elif isinstance(error, GradientRulesError):
        kind, en, zh = "engine", str(error), str(error)
    else:  # a bug in a plugin's condition kind, say: the row says so, the batch goes on
        kind = "engine"
        en = zh = f"{type(error).__name__}: {str(error)[:300]}"
    enterprise = None
    if isinstance(item.data, Application):
        enterprise = item.data.enterprise.name
    return ScreeningRow(index=index, source=item.source, id=item.id, enterprise=enterprise,
                        error=RowProblem(kind=kind, message_en=en[:2000], message_zh=zh[:2000]))


def screen_one(engine: Engine, index: int, item: object, *, jurisdiction: str,
               call: str | None, on: dt.date | None, full: bool) -> ScreeningRow:
    """The row of the application at ``index``.

    ``item`` is the application as the caller gave it, or as a chunk holds it
    (``_workers.Chunk``: a plain dict as it is, anything else as a :class:`BulkItem`).
    """
    data: Application | Mapping[str, Any]
    if type(item) is dict:  # most callers' applications: no BulkItem made for them
        source, data, row_id = f"#{index + 1}", item, None
    else:
        item = item_of(index, item)
        if item.error is not None or item.data is None:
            return _error_row(index, item, item.error or ApplicationError([(
                item.source, "no application", "没有申报数据")]))
        source, data, row_id = item.source, item.data, item.id
    try:
        result = engine.assess(data, jurisdiction=jurisdiction, on=on, call=call)
    except (GradientRulesError, Exception) as error:
        return _error_row(index, item_of(index, item), error)
    return row_of(index, source, result, row_id=row_id, full=full, overrides=engine.overrides)


def item_of(index: int, value: object) -> BulkItem:
    """``value``, the application at ``index``, as a :class:`BulkItem`.

    A value that is neither a mapping nor an :class:`Application` is one with its error.
    """
    if isinstance(value, BulkItem):
        return value
    if isinstance(value, Application | Mapping):
        return BulkItem(source=f"#{index + 1}", data=value)
    return BulkItem(source=f"#{index + 1}", error=ApplicationError([(
        f"#{index + 1}", f"an application must be a mapping or an Application, got "
        f"{type(value).__name__}", "申报须为字段映射或 Application")]))


