"""Condition kinds about the applicant's record: accidents, and titles already held."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Mapping
from typing import Any, Literal

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
from ._facts import HOLDING_KEYS
from ._keys import KeyPlan, compute_key, disqualifying
from ._limits import Whole
from ._vocabulary import IncidentGrade, IncidentKind, IssuingLevel, Outcome, Tier

__all__ = [
    "NoIncidents",
    "TitleHeld",
]


_GRADE_BY_RANK = {grade.rank: grade for grade in IncidentGrade}


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


@functools.lru_cache(maxsize=256)
def _kind_values(kinds: tuple[IncidentKind, ...]) -> frozenset[str]:
    return frozenset(k.value for k in kinds)


class NoIncidents(Condition):
    """No accident of the given kinds at or above a grade within the last years."""

    kind: Literal["no_incidents"] = "no_incidents"
    kinds: tuple[IncidentKind, ...] = Field(min_length=1)
    """Accident kinds that count."""
    min_grade: IncidentGrade
    """The lowest grade that disqualifies (inclusive: 较大及以上 is ``larger``)."""
    years: Whole = Field(ge=1, le=10)
    """Look-back window in whole years before the evaluation date."""

    def _disqualifying(self, incident: Mapping[str, Any]) -> bool:
        return disqualifying(incident, self.min_grade.rank, self.years, _kind_values(self.kinds))

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Not met on any disqualifying incident; unknown when incidents are unstated."""
        if any(self._disqualifying(i) for i in ctx.facts.incidents):
            return Outcome.NOT_MET
        return Outcome.MET if "incidents_stated" in ctx.case else Outcome.UNKNOWN

    def checks(self, tier: Tier) -> list[Check]:
        """A disqualifying incident fact; incidents unstated."""
        incident = ("incident", {"$and": [
            {"kind": "incident"},
            any_of(*({"type": k.value} for k in self.kinds)),
            op("$gte", "grade", self.min_grade.rank),
            op("$gte", "years_ago", 0),
            op("$lt", "years_ago", self.years),
        ]})
        return [
            Check(Outcome.NOT_MET, (incident,)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("incidents_stated")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("incidents", self.min_grade.rank, self.years, _kind_values(self.kinds))

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """Unstated, or stated with none disqualifying; ``None`` (not reused) otherwise.

        A disqualifying accident's explanation names its date, which is nearly unique to
        one application: keeping it would only fill the store.
        """
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """The disqualifying incidents, if any."""
        kinds_zh = "、".join(k.label_zh for k in self.kinds)
        kinds_en = ", ".join(k.value for k in self.kinds)
        required = {"kinds": [k.value for k in self.kinds], "grade_below": self.min_grade.value,
                    "years": self.years}
        if "incidents_stated" not in ctx.case:
            return Explanation(
                None, required,
                f"未填写近{self.years}年事故情况",
                f"accidents of the last {self.years} years not stated",
                "填写 incidents（没有事故则填空列表 []）",
                "state incidents (an empty list [] if there were none)",
            )
        bad = [i for i in ctx.facts.incidents if self._disqualifying(i)]
        observed = [{"kind": i["type"], "grade": _GRADE_BY_RANK[int(i["grade"])].value}
                    for i in bad]
        head_zh = f"近{self.years}年无{self.min_grade.label_zh}及以上{kinds_zh}等事故"
        head_en = (f"no {kinds_en} accident of grade {self.min_grade.value} or above in the "
                   f"last {self.years} years")
        if not bad:
            return Explanation([], required, f"{head_zh}：符合", f"{head_en}: none declared")
        latest = max(dt.date.fromordinal(int(i["day"])) for i in bad)
        clear = _years_after(latest, self.years).isoformat()
        return Explanation(
            observed, required,
            f"{head_zh}：申报了{len(bad)}起",
            f"{head_en}: {len(bad)} declared",
            f"最近一起事故（{latest.isoformat()}）于{clear}起不再计入近{self.years}年",
            f"the latest such accident ({latest.isoformat()}) leaves the {self.years}-year "
            f"window on {clear}",
        )


_LEVEL_ZH = {IssuingLevel.CITY: "市级", IssuingLevel.PROVINCE: "省级",
             IssuingLevel.NATIONAL: "国家级"}


class TitleHeld(Condition):
    """A title of a given tier and issuing level already recognised and still standing.

    Standing means stated valid and not revoked by any event.
    """

    kind: Literal["title_held"] = "title_held"
    tier: Tier
    """The tier of the title required."""
    issuing_level: IssuingLevel
    """The level that must have recognised it."""
    label_zh: str = Field(max_length=100)
    """How the text names the title, e.g. 基础级（市级）智能工厂."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when titles are unstated."""
        if ctx.holdings is None:
            return Outcome.UNKNOWN
        held = ctx.holdings.held(self.tier, self.issuing_level)
        return Outcome.MET if held > 0 else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """No standing title of that kind; titles unstated."""
        key = HOLDING_KEYS[(self.tier, self.issuing_level)]
        return [
            Check(Outcome.NOT_MET, (("holdings", {"$and": [{"kind": "holdings"},
                                                            op("$lt", key, 1)]}),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("titles_stated")),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Titles of that kind, and why any does not count."""
        required = {"tier": self.tier.value, "issuing_level": self.issuing_level.value}
        if ctx.facts.titles is None:
            return Explanation(None, required, f"未填写已获称号；须已认定为{self.label_zh}",
                               f"titles not stated; must already hold {self.label_zh}",
                               "填写已获称号（titles；没有则填空列表 []）",
                               "state titles held (an empty list [] if none)")
        relevant = [t for t in ctx.facts.titles
                    if t["tier"] == self.tier.rank]
        notes_zh, notes_en, standing = [], [], 0
        for title in relevant:
            level = next(lv for lv in IssuingLevel if lv.rank == title["level"])
            where = f"{_LEVEL_ZH[level]}{self.tier.label_zh}（第{int(title['n']) + 1}项）"
            where_en = f"{level.value} {self.tier.value} title #{int(title['n']) + 1}"
            clauses = ctx.revocations.get(int(title["n"]), ())
            if level is not self.issuing_level:
                notes_zh.append(f"{where}认定层级不符")
                notes_en.append(f"{where_en} was recognised at the wrong level")
            elif not title["valid"]:
                notes_zh.append(f"{where}已被撤销")
                notes_en.append(f"{where_en} is stated revoked")
            elif clauses:
                notes_zh.append(f"{where}依{'、'.join(clauses)}撤销")
                notes_en.append(f"{where_en} is revoked under {', '.join(clauses)}")
            else:
                standing += 1
        zh = f"须已认定为{self.label_zh}：{'有' if standing else '无'}有效称号"
        en = (f"must already hold {self.label_zh}: "
              f"{'a standing title' if standing else 'no standing title'}")
        if notes_zh:
            zh += "（" + "；".join(notes_zh) + "）"
            en += " (" + "; ".join(notes_en) + ")"
        short = outcome is Outcome.NOT_MET
        return Explanation(
            standing, required, zh, en,
            f"先取得{self.label_zh}称号" if short else "",
            f"first obtain the {self.label_zh} title" if short else "",
        )
