"""Condition kinds of a call's filing: deadlines and the materials checklist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field

from ._conditions import (
    Check,
    Condition,
    EvaluationContext,
    Explanation,
    absent,
    any_of,
    case_pattern,
    op,
)
from ._limits import IsoDate
from ._vocabulary import Outcome, Tier

__all__ = [
    "Deadline",
    "MaterialsPresent",
]


_DEADLINE_FIELDS: dict[str, tuple[str, str, str]] = {
    "online_filed_on": ("online_filed_day", "online filing", "线上申报"),
    "paper_submitted_on": ("paper_submitted_day", "paper submission", "纸质材料报送"),
}


class Deadline(Condition):
    """A filing step done on or before a date."""

    kind: Literal["deadline"] = "deadline"
    field: Literal["online_filed_on", "paper_submitted_on"]
    """Which filing date (in ``filing``)."""
    by: IsoDate
    """Last admissible day, inclusive."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when the date is unstated."""
        day = ctx.case.get(_DEADLINE_FIELDS[self.field][0])
        if day is None:
            return Outcome.UNKNOWN
        return Outcome.MET if day <= self.by.toordinal() else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Late; unstated."""
        key = _DEADLINE_FIELDS[self.field][0]
        return [
            Check(Outcome.NOT_MET, (case_pattern(op("$gt", key, self.by.toordinal())),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent(key)),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Date done vs deadline."""
        key, en, zh = _DEADLINE_FIELDS[self.field]
        day = ctx.case.get(key)
        when = None if day is None else dt.date.fromordinal(int(day)).isoformat()
        if when is None:
            action = (f"填写{zh}日期（filing.{self.field}）", f"state filing.{self.field}")
        elif outcome is Outcome.NOT_MET:
            action = (f"已逾期（截止{self.by.isoformat()}），本轮申报无法补救",
                      f"missed the {self.by.isoformat()} deadline; this call cannot be made up")
        else:
            action = ("", "")
        return Explanation(
            when, f"<= {self.by.isoformat()}",
            f"{zh}日期：{when or '未填写'}；截止{self.by.isoformat()}",
            f"{en} date: {when or 'not stated'}; deadline {self.by.isoformat()}",
            *action,
        )


class MaterialsPresent(Condition):
    """Every listed application material is present."""

    kind: Literal["materials_present"] = "materials_present"
    items: tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,40}$")], ...] = Field(
        min_length=1, max_length=50)
    """Material ids of the pack's checklist."""
    names_zh: tuple[str, ...] = ()
    """Their names, for messages (same order)."""

    def _name(self, item: str) -> str:
        names = dict(zip(self.items, self.names_zh, strict=False))
        return names.get(item, item)

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when materials are unstated."""
        if "materials_stated" not in ctx.case:
            return Outcome.UNKNOWN
        missing = [i for i in self.items if f"mat_{i}" not in ctx.case]
        return Outcome.NOT_MET if missing else Outcome.MET

    def checks(self, tier: Tier) -> list[Check]:
        """Some material absent; materials unstated."""
        return [
            Check(Outcome.NOT_MET, (case_pattern(
                op("$eq", "materials_stated", 1),
                any_of(*(absent(f"mat_{i}") for i in self.items))),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("materials_stated")),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Missing materials by name."""
        if "materials_stated" not in ctx.case:
            return Explanation(None, list(self.items), "未填写申报材料",
                               "application materials not stated",
                               "填写已备齐的申报材料（materials）",
                               "state the materials present (materials)")
        missing = [i for i in self.items if f"mat_{i}" not in ctx.case]
        present = [i for i in self.items if i not in missing]
        if not missing:
            return Explanation(present, list(self.items), "申报材料齐全",
                               "all application materials present")
        names = "、".join(self._name(i) for i in missing)
        return Explanation(present, list(self.items), f"缺少申报材料：{names}",
                           f"missing materials: {', '.join(missing)} ({names})",
                           f"补齐：{names}", f"add: {names}")

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Names, when given, match the items."""
        if self.names_zh and len(self.names_zh) != len(self.items):
            return ["names_zh must name every item"]
        return []
