"""The closed, typed set of condition kinds.

A rule is data; its condition is one of these kinds, parametrised from the plugin's TOML.
Each kind states its meaning twice, deliberately independently:

* :meth:`Condition.evaluate` is the plain-Python reading (the *reference* backend);
* :meth:`Condition.checks` compiles it to durable-rules patterns that derive a
  ``not_met`` or ``unknown`` outcome (the *durable* backend).  No derived outcome means met.

The property tests hold the two against each other on thousands of generated applications.
Plugins add kinds through the ``gradient_rules_condition_kinds`` hook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ._facts import HOLDING_KEYS, SEGMENT_KEYS, CaseFacts, Holdings, Tally
from ._vocabulary import (
    IncidentGrade,
    IncidentKind,
    Industry,
    IssuingLevel,
    Outcome,
    Segment,
    Tier,
)

__all__ = [
    "AboveDesignatedSize",
    "AllOf",
    "Attestation",
    "Check",
    "Condition",
    "Deadline",
    "EvaluationContext",
    "Explanation",
    "Flag",
    "KpisReported",
    "LegalPersonOrBranch",
    "MaterialsPresent",
    "MinLevel",
    "NoIncidents",
    "RegisteredIn",
    "ScenarioCount",
    "SegmentsCovered",
    "TitleHeld",
    "worst",
]

Pattern = tuple[str, dict[str, Any]]
PerTier = int | dict[Tier, int]

_ZH_NUM = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


def worst(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene conjunction: not met beats unknown beats met; no outcomes means met."""
    return max(outcomes, key=lambda o: o.severity, default=Outcome.MET)


@dataclass(frozen=True)
class Check:
    """One durable-rules rule: when ``patterns`` all match, the condition has ``status``."""

    status: Outcome
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Explanation:
    """What was observed, what was required, and a sentence in each language."""

    observed: Any
    required: Any
    message_zh: str
    message_en: str
    action_zh: str = ""
    """What the applicant would have to do or state, when the outcome is not met."""
    action_en: str = ""


@dataclass(frozen=True)
class EvaluationContext:
    """What a condition may read: the facts, the tallies, and the pack's wording."""

    facts: CaseFacts
    tallies: Mapping[Tier, Tally] | None
    """Per-tier scenario tallies; ``None`` when scenarios were not stated."""
    attestation_texts: Mapping[str, tuple[str, str]]
    """Attestation name -> (Chinese text, English text)."""
    holdings: Holdings | None = None
    """Standing titles by tier and level; ``None`` when titles were not stated."""
    revocations: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Title index -> clauses under which it was revoked."""

    @property
    def case(self) -> Mapping[str, Any]:
        """The flat case fact."""
        return self.facts.case

    def attestation_label(self, name: str, lang: Literal["zh", "en"]) -> str:
        """Human wording of an attestation, falling back to its name."""
        zh, en = self.attestation_texts.get(name, (name, name))
        return zh if lang == "zh" else en


# --- durable-rules pattern helpers ------------------------------------------------------


def case_pattern(*conditions: dict[str, Any]) -> Pattern:
    """A pattern on the case fact."""
    return ("case", {"$and": [{"kind": "case"}, *conditions]})


def tally_pattern(tier: Tier, *conditions: dict[str, Any]) -> Pattern:
    """A pattern on the tally fact of ``tier``."""
    return ("tally", {"$and": [{"kind": "tally"}, {"tier": tier.rank}, *conditions]})


def _op(op: str, key: str, value: Any) -> dict[str, Any]:
    return {op: {key: value}}


def _absent(key: str) -> dict[str, Any]:
    return {"$nex": {key: 1}}


def _any(*conditions: dict[str, Any]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"$or": list(conditions)}


class Condition(BaseModel):
    """Base of every condition kind.  Subclasses set ``kind`` to a ``Literal``."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: str

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Plain-Python reading of the condition for ``tier``."""
        raise NotImplementedError

    def checks(self, tier: Tier) -> list[Check]:
        """durable-rules patterns deriving ``not_met`` / ``unknown`` for ``tier``."""
        raise NotImplementedError

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Observed and required values, and messages, for an outcome."""
        raise NotImplementedError

    def attestation_names(self) -> frozenset[str]:
        """Attestations this condition reads (the application may state only declared ones)."""
        return frozenset()

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Problems with per-tier parameters for a rule applying to ``tiers``."""
        return []


def _per_tier(value: PerTier, tier: Tier) -> int:
    return value if isinstance(value, int) else value[tier]


def _missing_tiers(name: str, value: PerTier, tiers: Sequence[Tier]) -> list[str]:
    if isinstance(value, int):
        return []
    missing = [t.value for t in tiers if t not in value]
    return [f"{name} has no value for tier(s) {', '.join(missing)}"] if missing else []


# --- kinds ------------------------------------------------------------------------------

_LEVEL_FIELDS: dict[str, tuple[str, str, str]] = {
    # field: (fact key, English name, Chinese name)
    "maturity_level": ("maturity", "GB/T 39116 maturity", "智能制造能力成熟度"),
    "digital_transformation_level": ("dt_level", "digital-transformation level", "数字化转型水平"),
}


class MinLevel(Condition):
    """A self-assessed level at or above a per-tier minimum."""

    kind: Literal["min_level"] = "min_level"
    field: Literal["maturity_level", "digital_transformation_level"]
    """Which self-assessment level."""
    minimum: PerTier
    """Minimum level, one number or a table by tier."""

    def _render(self, level: int) -> tuple[str, str]:
        if self.field == "maturity_level":
            return f"{_ZH_NUM.get(level, str(level))}级", f"level {level}"
        return f"L{level}", f"L{level}"

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met when the stated level reaches the minimum."""
        value = ctx.case.get(_LEVEL_FIELDS[self.field][0])
        if value is None:
            return Outcome.UNKNOWN
        return Outcome.MET if value >= _per_tier(self.minimum, tier) else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Below the minimum, or absent."""
        key = _LEVEL_FIELDS[self.field][0]
        minimum = _per_tier(self.minimum, tier)
        return [
            Check(Outcome.NOT_MET, (case_pattern(_op("$lt", key, minimum)),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent(key)),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Level stated vs required."""
        key, name_en, name_zh = _LEVEL_FIELDS[self.field]
        minimum = _per_tier(self.minimum, tier)
        value = ctx.case.get(key)
        req_zh, req_en = self._render(minimum)
        if value is None:
            return Explanation(
                None, f">= {minimum}",
                f"未填写{name_zh}；要求{req_zh}及以上",
                f"{name_en} not stated; at least {req_en} required",
                f"完成{name_zh}自评估并填写结果", f"complete the {name_en} self-assessment "
                "and state the result",
            )
        got_zh, got_en = self._render(int(value))
        short = outcome is Outcome.NOT_MET
        return Explanation(
            value, f">= {minimum}",
            f"{name_zh}{got_zh}，要求{req_zh}及以上",
            f"{name_en} {got_en}, at least {req_en} required",
            f"将{name_zh}从{got_zh}提升到{req_zh}" if short else "",
            f"raise the {name_en} from {got_en} to {req_en}" if short else "",
        )

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Every tier needs a minimum."""
        return _missing_tiers("minimum", self.minimum, tiers)


class Attestation(Condition):
    """Judgement calls the applicant must attest as true (e.g. competitive products)."""

    kind: Literal["attestation"] = "attestation"
    names: tuple[str, ...] = Field(min_length=1)
    """Attestation names; each must be declared in the pack's ``[attestations]`` table."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Kleene AND of the attested values."""
        outcomes = []
        for name in self.names:
            value = ctx.case.get(f"att_{name}")
            outcomes.append(
                Outcome.UNKNOWN if value is None else Outcome.MET if value else Outcome.NOT_MET
            )
        return worst(outcomes)

    def checks(self, tier: Tier) -> list[Check]:
        """Any attested false; any unstated."""
        keys = [f"att_{name}" for name in self.names]
        return [
            Check(Outcome.NOT_MET, (case_pattern(_any(*(_op("$eq", k, 0) for k in keys))),)),
            Check(Outcome.UNKNOWN, (case_pattern(_any(*(_absent(k) for k in keys))),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Each attestation with its stated value."""
        observed = {n: (None if (v := ctx.case.get(f"att_{n}")) is None else bool(v))
                    for n in self.names}
        zh_parts, en_parts = [], []
        for name, value in observed.items():
            zh_word = "未声明" if value is None else ("是" if value else "否")
            en_word = "not stated" if value is None else ("yes" if value else "no")
            zh_parts.append(f"{ctx.attestation_label(name, 'zh')}：{zh_word}")
            en_parts.append(f"{ctx.attestation_label(name, 'en')}: {en_word}")
        false = [n for n, v in observed.items() if v is False]
        unstated = [n for n, v in observed.items() if v is None]
        act_zh, act_en = [], []
        if false:
            act_zh.append("满足：" + "；".join(ctx.attestation_label(n, "zh") for n in false))
            act_en.append("meet: " + "; ".join(ctx.attestation_label(n, "en") for n in false))
        if unstated:
            act_zh.append("声明：" + "；".join(ctx.attestation_label(n, "zh") for n in unstated))
            act_en.append("attest: " + "; ".join(ctx.attestation_label(n, "en") for n in unstated))
        return Explanation(
            observed, dict.fromkeys(self.names, True),
            "；".join(zh_parts) + "（须声明为是）",
            "; ".join(en_parts) + " (each must be attested yes)",
            "；".join(act_zh), "; ".join(act_en),
        )

    def attestation_names(self) -> frozenset[str]:
        """The names read."""
        return frozenset(self.names)


_FLAG_FIELDS: dict[str, tuple[str, str, str]] = {
    "construction_completed": ("construction_completed", "smart-factory construction completed",
                               "已完成智能工厂建设"),
    "independent_legal_person": ("legal_person", "independent legal person", "具有独立法人资格"),
}


class Flag(Condition):
    """A yes/no fact of the application that must be yes."""

    kind: Literal["flag"] = "flag"
    field: Literal["construction_completed", "independent_legal_person"]
    """The application field."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met when stated true."""
        value = ctx.case.get(_FLAG_FIELDS[self.field][0])
        return Outcome.UNKNOWN if value is None else Outcome.MET if value else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Stated false; unstated."""
        key = _FLAG_FIELDS[self.field][0]
        return [
            Check(Outcome.NOT_MET, (case_pattern(_op("$eq", key, 0)),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent(key)),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """The stated value."""
        key, en, zh = _FLAG_FIELDS[self.field]
        value = ctx.case.get(key)
        observed = None if value is None else bool(value)
        zh_word = "未填写" if value is None else ("是" if value else "否")
        en_word = "not stated" if value is None else ("yes" if value else "no")
        return Explanation(observed, True, f"{zh}：{zh_word}（须为是）",
                           f"{en}: {en_word} (must be yes)",
                           "" if value else (f"填写：{zh}" if value is None else f"须{zh}"),
                           "" if value else (f"state: {en}" if value is None else f"needs: {en}"))


class RegisteredIn(Condition):
    """Registered in a given province."""

    kind: Literal["registered_in"] = "registered_in"
    province: str = Field(pattern=r"^[a-z]+$")
    """Place code, e.g. ``guizhou``."""
    province_zh: str
    """Chinese name, e.g. 贵州省."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met when the stated province matches."""
        value = ctx.case.get("province")
        if value is None:
            return Outcome.UNKNOWN
        return Outcome.MET if value == self.province else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Another province; unstated."""
        return [
            Check(Outcome.NOT_MET, (case_pattern(_op("$neq", "province", self.province)),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("province")),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Stated vs required province."""
        value = ctx.case.get("province")
        if value is None:
            action = ("填写注册地（enterprise.province）", "state the province of registration")
        elif value != self.province:
            action = (f"本规则仅适用于在{self.province_zh}境内注册的企业",
                      f"this rule admits only enterprises registered in {self.province}")
        else:
            action = ("", "")
        return Explanation(
            value, self.province,
            f"注册地：{value or '未填写'}；须在{self.province_zh}境内注册",
            f"registered in: {value or 'not stated'}; must be registered in {self.province}",
            *action,
        )


class AboveDesignatedSize(Condition):
    """A 规模以上工业企业: the statistics flag, or revenue at or above the threshold."""

    kind: Literal["above_designated_size"] = "above_designated_size"
    revenue_threshold_cny: int = 20_000_000
    """Annual main-business revenue threshold (国家统计局: 2000万元 since 2011)."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """The explicit flag wins; otherwise revenue decides; neither stated is unknown."""
        flag = ctx.case.get("above_size")
        if flag is not None:
            return Outcome.MET if flag else Outcome.NOT_MET
        revenue = ctx.case.get("revenue")
        if revenue is None:
            return Outcome.UNKNOWN
        return Outcome.MET if revenue >= self.revenue_threshold_cny else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Flag 0, or no flag and revenue below threshold; neither stated."""
        return [
            Check(Outcome.NOT_MET, (case_pattern(_op("$eq", "above_size", 0)),)),
            Check(Outcome.NOT_MET, (case_pattern(
                _absent("above_size"), _op("$lt", "revenue", self.revenue_threshold_cny)),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("above_size"), _absent("revenue")),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Flag or revenue vs threshold."""
        flag = ctx.case.get("above_size")
        revenue = ctx.case.get("revenue")
        wan = self.revenue_threshold_cny // 10_000
        short = outcome is Outcome.NOT_MET
        act = ("须为规模以上工业企业" if short else "",
               "the enterprise must be above designated size" if short else "")
        if flag is not None:
            return Explanation(
                bool(flag), True,
                f"规模以上工业企业：{'是' if flag else '否'}",
                f"above designated size: {'yes' if flag else 'no'}", *act,
            )
        if revenue is not None:
            return Explanation(
                revenue, f">= {self.revenue_threshold_cny}",
                f"年主营业务收入{revenue / 10_000:g}万元，规上标准为{wan}万元及以上",
                f"main-business revenue {revenue:,} yuan; at least "
                f"{self.revenue_threshold_cny:,} yuan required", *act,
            )
        return Explanation(
            None, True,
            f"未填写是否规模以上工业企业（或年主营业务收入，标准{wan}万元）",
            "above-designated-size status (or main-business revenue) not stated",
            "填写 enterprise.above_designated_size 或 main_business_revenue_cny",
            "state enterprise.above_designated_size or main_business_revenue_cny",
        )


_GRADE_BY_RANK = {grade.rank: grade for grade in IncidentGrade}


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


class NoIncidents(Condition):
    """No accident of the given kinds at or above a grade within the last years."""

    kind: Literal["no_incidents"] = "no_incidents"
    kinds: tuple[IncidentKind, ...] = Field(min_length=1)
    """Accident kinds that count."""
    min_grade: IncidentGrade
    """The lowest grade that disqualifies (inclusive: 较大及以上 is ``larger``)."""
    years: int = Field(ge=1, le=10)
    """Look-back window in whole years before the evaluation date."""

    def _disqualifying(self, incident: Mapping[str, Any]) -> bool:
        return (
            incident["type"] in {k.value for k in self.kinds}
            and incident["grade"] >= self.min_grade.rank
            and 0 <= incident["years_ago"] < self.years
        )

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Not met on any disqualifying incident; unknown when incidents are unstated."""
        if any(self._disqualifying(i) for i in ctx.facts.incidents):
            return Outcome.NOT_MET
        return Outcome.MET if "incidents_stated" in ctx.case else Outcome.UNKNOWN

    def checks(self, tier: Tier) -> list[Check]:
        """A disqualifying incident fact; incidents unstated."""
        incident = ("incident", {"$and": [
            {"kind": "incident"},
            _any(*({"type": k.value} for k in self.kinds)),
            _op("$gte", "grade", self.min_grade.rank),
            _op("$gte", "years_ago", 0),
            _op("$lt", "years_ago", self.years),
        ]})
        return [
            Check(Outcome.NOT_MET, (incident,)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("incidents_stated")),)),
        ]

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
            Check(Outcome.NOT_MET, (tally_pattern(tier, _any(
                *(_op("$lt", SEGMENT_KEYS[s], 1) for s in self.segments))),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("scenarios_stated")),)),
        ]

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
        text_zh = (f"已覆盖环节：{_segment_list(covered, 'zh')}；"
                   f"要求覆盖{_segment_list(self.segments, 'zh')}")
        text_en = (f"segments covered: {_segment_list(covered, 'en')}; must cover "
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
    """Minimum number of qualifying scenarios, one number or a table by tier."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Unknown when scenarios are unstated."""
        if ctx.tallies is None:
            return Outcome.UNKNOWN
        return (Outcome.MET if ctx.tallies[tier].qualifying >= _per_tier(self.minimum, tier)
                else Outcome.NOT_MET)

    def checks(self, tier: Tier) -> list[Check]:
        """Too few; unstated."""
        return [
            Check(Outcome.NOT_MET, (tally_pattern(
                tier, _op("$lt", "qualifying", _per_tier(self.minimum, tier))),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("scenarios_stated")),)),
        ]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Count vs minimum and the shortfall."""
        minimum = _per_tier(self.minimum, tier)
        if ctx.tallies is None:
            return Explanation(None, f">= {minimum}",
                               f"未填写场景；要求符合条件的场景不少于{minimum}个",
                               f"no scenarios stated; at least {minimum} qualifying required",
                               "填写申报的场景（scenarios）", "state the scenarios claimed")
        tally = ctx.tallies[tier]
        n = tally.qualifying
        zh = f"符合条件的场景{n}个，要求不少于{minimum}个"
        en = f"{n} qualifying scenarios, at least {minimum} required"
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
        return _missing_tiers("minimum", self.minimum, tiers)


class KpisReported(Condition):
    """Outcomes evaluated against the KPI reference: at least ``minimum`` KPIs reported."""

    kind: Literal["kpis_reported"] = "kpis_reported"
    minimum: int = Field(default=1, ge=1)
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
            Check(Outcome.NOT_MET, (case_pattern(_op("$lt", "kpis_reported", self.minimum)),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("kpis_reported")),)),
        ]

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


_DEADLINE_FIELDS: dict[str, tuple[str, str, str]] = {
    "online_filed_on": ("online_filed_day", "online filing", "线上申报"),
    "paper_submitted_on": ("paper_submitted_day", "paper submission", "纸质材料报送"),
}


class Deadline(Condition):
    """A filing step done on or before a date."""

    kind: Literal["deadline"] = "deadline"
    field: Literal["online_filed_on", "paper_submitted_on"]
    """Which filing date (in ``filing``)."""
    by: dt.date
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
            Check(Outcome.NOT_MET, (case_pattern(_op("$gt", key, self.by.toordinal())),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent(key)),)),
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


class LegalPersonOrBranch(Condition):
    """An independent legal person, or a branch in a listed industry with a credit code.

    A Kleene disjunction of the two routes: met by either, not met when both fail.
    """

    kind: Literal["legal_person_or_branch"] = "legal_person_or_branch"
    branch_industries: tuple[Industry, ...] = Field(min_length=1)
    """Industries whose branches (分支机构) may apply."""

    def _branch(self, case: Mapping[str, Any]) -> Outcome:
        branch, industry = case.get("branch"), case.get("industry")
        allowed = {i.value for i in self.branch_industries}
        if branch == 0 or (industry is not None and industry not in allowed):
            return Outcome.NOT_MET
        if branch == 1 and industry in allowed and "has_credit_code" in case:
            return Outcome.MET
        return Outcome.UNKNOWN

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met by either route; not met when both fail; unknown otherwise."""
        person = ctx.case.get("legal_person")
        legal = Outcome.UNKNOWN if person is None else (
            Outcome.MET if person else Outcome.NOT_MET)
        routes = {legal, self._branch(ctx.case)}
        if Outcome.MET in routes:
            return Outcome.MET
        return Outcome.NOT_MET if routes == {Outcome.NOT_MET} else Outcome.UNKNOWN

    def checks(self, tier: Tier) -> list[Check]:
        """Each way both routes fail, and each way neither succeeds nor both fail."""
        inside = _any(*({"industry": i.value} for i in self.branch_industries))
        outside = {"$and": [{"$ex": {"industry": 1}},
                            *({"$neq": {"industry": i.value}} for i in self.branch_industries)]}
        lp_no, lp_unknown = _op("$eq", "legal_person", 0), _absent("legal_person")
        branch_no, branch_yes, branch_unknown = (_op("$eq", "branch", 0), _op("$eq", "branch", 1),
                                                 _absent("branch"))
        branch_route_unknown = [  # the branch route is neither met nor failed
            (branch_unknown, _absent("industry")), (branch_unknown, inside),
            (branch_yes, _absent("industry")), (branch_yes, inside, _absent("has_credit_code")),
        ]
        branch_route_not_met = [(branch_no,), (outside,)]
        checks = [Check(Outcome.NOT_MET, (case_pattern(lp_no, *parts),))
                  for parts in branch_route_not_met]
        checks += [Check(Outcome.UNKNOWN, (case_pattern(lp_no, *parts),))
                   for parts in branch_route_unknown]
        checks += [Check(Outcome.UNKNOWN, (case_pattern(lp_unknown, *parts),))
                   for parts in [*branch_route_not_met, *branch_route_unknown]]
        return checks

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Which route, and what is missing."""
        case = ctx.case
        industries_zh = "、".join(i.label_zh for i in self.branch_industries)
        industries_en = ", ".join(i.value for i in self.branch_industries)
        industry = case.get("industry")
        observed = {
            "independent_legal_person": None if (v := case.get("legal_person")) is None
            else bool(v),
            "is_branch": None if (b := case.get("branch")) is None else bool(b),
            "industry": industry, "credit_code": "has_credit_code" in case,
        }
        code = "有" if observed["credit_code"] else "未填写"
        zh = (f"独立法人：{_yes_no_zh(observed['independent_legal_person'])}；分支机构："
              f"{_yes_no_zh(observed['is_branch'])}；行业：{_industry_zh(industry)}；"
              f"统一社会信用代码：{code}（须为独立法人，或{industries_zh}行业"
              "有统一社会信用代码的分支机构）")
        en = (f"independent legal person: {_yes_no_en(observed['independent_legal_person'])}; "
              f"branch: {_yes_no_en(observed['is_branch'])}; industry: {industry or 'not stated'};"
              f" credit code: {'given' if observed['credit_code'] else 'not stated'} (must be an "
              f"independent legal person, or a branch in {industries_en} with a credit code)")
        act_zh = act_en = ""
        if outcome is Outcome.NOT_MET:
            act_zh = f"须为独立法人；分支机构仅限{industries_zh}行业"
            act_en = f"must be an independent legal person; branches only in {industries_en}"
        elif outcome is Outcome.UNKNOWN:
            act_zh = ("填写 enterprise.independent_legal_person；分支机构还须填写 is_branch、"
                      "industry 和 credit_code")
            act_en = ("state enterprise.independent_legal_person; a branch also states "
                      "is_branch, industry and credit_code")
        return Explanation(observed, {"independent_legal_person": True,
                                      "or_branch_in": [i.value for i in self.branch_industries]},
                           zh, en, act_zh, act_en)


def _yes_no_zh(value: bool | None) -> str:
    return "未填写" if value is None else ("是" if value else "否")


def _yes_no_en(value: bool | None) -> str:
    return "not stated" if value is None else ("yes" if value else "no")


def _industry_zh(code: Any) -> str:
    return "未填写" if code is None else Industry(code).label_zh


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
    label_zh: str
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
                                                            _op("$lt", key, 1)]}),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("titles_stated")),)),
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


class MaterialsPresent(Condition):
    """Every listed application material is present."""

    kind: Literal["materials_present"] = "materials_present"
    items: tuple[str, ...] = Field(min_length=1)
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
                _op("$eq", "materials_stated", 1),
                _any(*(_absent(f"mat_{i}") for i in self.items))),)),
            Check(Outcome.UNKNOWN, (case_pattern(_absent("materials_stated")),)),
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


class AllOf(Condition):
    """Several conditions that must all hold (Kleene conjunction)."""

    kind: Literal["all_of"] = "all_of"
    conditions: tuple[Condition, ...] = Field(min_length=1)
    """The parts, each a condition table with its own ``kind``."""

    @field_validator("conditions", mode="before")
    @classmethod
    def _parse_parts(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = (info.context or {}).get("condition_kinds")
        if kinds is None or not isinstance(value, list | tuple):
            return value
        return tuple(
            item if isinstance(item, Condition) else kinds.parse(item, f"conditions[{i}]")
            for i, item in enumerate(value)
        )

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Worst outcome of the parts."""
        return worst([part.evaluate(ctx, tier) for part in self.conditions])

    def checks(self, tier: Tier) -> list[Check]:
        """Every part's checks derive the same rule's outcome."""
        return [check for part in self.conditions for check in part.checks(tier)]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """The parts' explanations joined."""
        parts = [part.explain(ctx, tier, part.evaluate(ctx, tier)) for part in self.conditions]
        return Explanation(
            [p.observed for p in parts], [p.required for p in parts],
            "；".join(p.message_zh for p in parts), "; ".join(p.message_en for p in parts),
            "；".join(p.action_zh for p in parts if p.action_zh),
            "; ".join(p.action_en for p in parts if p.action_en),
        )

    def attestation_names(self) -> frozenset[str]:
        """Union of the parts'."""
        return frozenset().union(*(part.attestation_names() for part in self.conditions))

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Union of the parts'."""
        return [p for part in self.conditions for p in part.tier_problems(tiers)]


BUILTIN_KINDS: tuple[type[Condition], ...] = (
    MinLevel, Attestation, Flag, RegisteredIn, AboveDesignatedSize, NoIncidents,
    SegmentsCovered, ScenarioCount, KpisReported, Deadline, AllOf, LegalPersonOrBranch,
    TitleHeld, MaterialsPresent,
)
