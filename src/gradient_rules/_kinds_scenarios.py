"""Condition kinds about what the factory has built: scenarios, segments covered, KPIs."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

from pydantic import Field, field_validator

from ._conditions import (
    Check,
    Condition,
    EvaluationContext,
    Explanation,
    PerTier,
    absent,
    any_of,
    bounded_per_tier,
    case_pattern,
    missing_tiers,
    op,
    per_tier,
    tally_pattern,
)
from ._facts import SEGMENT_KEYS
from ._keys import KeyPlan, compute_key
from ._limits import Whole
from ._vocabulary import Outcome, Segment, Tier

__all__ = [
    "KpisReported",
    "ScenarioCount",
    "SegmentsCovered",
]


def _segment_list(segments: Sequence[Segment], lang: Literal["zh", "en"]) -> str:
    if lang == "zh":
        return "、".join(s.label_zh for s in segments) or "无"
    return ", ".join(s.label_en for s in segments) or "none"


class SegmentsCovered(Condition):
    """Qualifying scenarios cover every listed segment at the tier assessed."""

    kind: Literal["segments_covered"] = "segments_covered"
    segments: tuple[Segment, ...] = Field(min_length=1)
    """Segments that must each have at least one qualifying scenario."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when scenarios are unstated; otherwise every segment needs a scenario."""
        if ctx.tallies is None:
            return Outcome.UNKNOWN
        covered = set(ctx.tallies[tier].covered())
        return Outcome.MET if set(self.segments) <= covered else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Some listed segment has a zero count; scenarios unstated."""
        return [
            Check(Outcome.NOT_MET, (tally_pattern(tier, any_of(
                *(op("$lt", SEGMENT_KEYS[s], 1) for s in self.segments))),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("scenarios_stated")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("covered",)

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The segments covered at ``tier``."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Covered vs required segments, and what is missing."""
        required = [s.value for s in self.segments]
        if ctx.tallies is None:
            return Explanation(
                None, required,
                f"未填写场景；要求覆盖{_segment_list(self.segments, 'zh')}",
                f"no scenarios stated; must cover {_segment_list(self.segments, 'en')}",
                "填写申报的场景（scenarios）", "state the scenarios claimed",
            )
        covered = ctx.tallies[tier].covered()
        missing = [s for s in self.segments if s not in covered]
        text_zh = (f"达到{tier.label_zh}及以上描述的场景覆盖环节：{_segment_list(covered, 'zh')}；"
                   f"要求覆盖{_segment_list(self.segments, 'zh')}")
        text_en = (f"segments covered by scenarios at {tier.value} or above: "
                   f"{_segment_list(covered, 'en')}; must cover "
                   f"{_segment_list(self.segments, 'en')}")
        act_zh = act_en = ""
        if missing:
            text_zh += f"；尚缺：{_segment_list(missing, 'zh')}"
            text_en += f"; missing: {_segment_list(missing, 'en')}"
            act_zh = (f"在{_segment_list(missing, 'zh')}环节各增加至少1个达到"
                      f"{tier.label_zh}描述的场景")
            act_en = (f"add at least one scenario reaching the {tier.value} description in: "
                      f"{_segment_list(missing, 'en')}")
        return Explanation([s.value for s in covered], required, text_zh, text_en,
                           act_zh, act_en)


class ScenarioCount(Condition):
    """At least a per-tier number of qualifying scenarios."""

    kind: Literal["scenario_count"] = "scenario_count"
    minimum: PerTier
    """Minimum number of qualifying scenarios (0-1000), one number or a table by tier."""

    @field_validator("minimum")
    @classmethod
    def _counts(cls, value: PerTier) -> PerTier:
        result: PerTier = bounded_per_tier(value, 0, 1000)
        return result

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when scenarios are unstated."""
        if ctx.tallies is None:
            return Outcome.UNKNOWN
        return (Outcome.MET if ctx.tallies[tier].qualifying >= per_tier(self.minimum, tier)
                else Outcome.NOT_MET)

    def checks(self, tier: Tier) -> list[Check]:
        """Too few; unstated."""
        return [
            Check(Outcome.NOT_MET, (tally_pattern(
                tier, op("$lt", "qualifying", per_tier(self.minimum, tier))),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("scenarios_stated")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("counted",)

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The qualifying and claimed counts at ``tier``."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Count vs minimum and the shortfall."""
        minimum = per_tier(self.minimum, tier)
        if ctx.tallies is None:
            return Explanation(None, f">= {minimum}",
                               f"未填写场景；要求符合条件的场景不少于{minimum}个",
                               f"no scenarios stated; at least {minimum} qualifying required",
                               "填写申报的场景（scenarios）", "state the scenarios claimed")
        tally = ctx.tallies[tier]
        n = tally.qualifying
        zh = f"达到{tier.label_zh}及以上描述的场景{n}个，要求不少于{minimum}个"
        en = f"{n} scenarios at {tier.value} or above, at least {minimum} required"
        act_zh = act_en = ""
        if n < minimum:
            zh += f"；尚缺{minimum - n}个"
            en += f"; {minimum - n} more needed"
            act_zh = f"再增加{minimum - n}个达到{tier.label_zh}描述的场景"
            act_en = f"add {minimum - n} more scenarios reaching the {tier.value} description"
            others = tally.claimed - n
            if others > 0:
                act_zh += f"（另有{others}个已申报场景未计入本级，可优先提升）"
                act_en += (f" ({others} claimed scenarios do not count at this tier yet and "
                           "may be raised first)")
        return Explanation(n, f">= {minimum}", zh, en, act_zh, act_en)

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Every tier needs a minimum."""
        return missing_tiers("minimum", self.minimum, tiers)


class KpisReported(Condition):
    """Outcomes evaluated against the KPI reference: at least ``minimum`` KPIs reported."""

    kind: Literal["kpis_reported"] = "kpis_reported"
    minimum: Whole = Field(default=1, ge=1, le=100)
    """How many KPIs of the reference must be reported."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when KPIs are unstated."""
        n = ctx.case.get("kpis_reported")
        if n is None:
            return Outcome.UNKNOWN
        return Outcome.MET if n >= self.minimum else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Too few; unstated."""
        return [
            Check(Outcome.NOT_MET, (case_pattern(op("$lt", "kpis_reported", self.minimum)),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("kpis_reported")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("value", "kpis_reported")

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The number of KPIs reported."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Number reported vs minimum."""
        n = ctx.case.get("kpis_reported")
        if n is None:
            return Explanation(None, f">= {self.minimum}", "未填写关键绩效指标",
                               "no key performance indicators stated",
                               "参照关键绩效指标参考填写 kpis",
                               "state kpis from the KPI reference")
        short = n < self.minimum
        return Explanation(
            n, f">= {self.minimum}",
            f"参照关键绩效指标参考填报{n}项，要求至少{self.minimum}项",
            f"{n} KPIs of the reference reported, at least {self.minimum} expected",
            f"再填报{self.minimum - n}项参考指标" if short else "",
            f"report {self.minimum - n} more KPIs of the reference" if short else "",
        )
