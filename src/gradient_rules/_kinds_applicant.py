"""Condition kinds about the applicant: where and what it is, its levels, its attestations."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ._conditions import (
    ZH_NUM,
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
)
from ._keys import KeyPlan, compute_key
from ._limits import NUMBER, Whole
from ._places import province_code, province_name_en, province_name_zh
from ._vocabulary import Industry, Outcome, Tier

__all__ = [
    "AboveDesignatedSize",
    "Attestation",
    "Flag",
    "LegalPersonOrBranch",
    "MinLevel",
    "RegisteredIn",
]


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
    """Minimum level (1-5), one number or a table by tier."""

    @field_validator("minimum")
    @classmethod
    def _levels(cls, value: PerTier) -> PerTier:
        result: PerTier = bounded_per_tier(value, 1, 5)
        return result

    def _render(self, level: int) -> tuple[str, str]:
        if self.field == "maturity_level":
            return f"{ZH_NUM.get(level, str(level))}级", f"level {level}"
        return f"L{level}", f"L{level}"

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met when the stated level reaches the minimum."""
        value = ctx.case.get(_LEVEL_FIELDS[self.field][0])
        if value is None:
            return Outcome.UNKNOWN
        return Outcome.MET if value >= per_tier(self.minimum, tier) else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Below the minimum, or absent."""
        key = _LEVEL_FIELDS[self.field][0]
        minimum = per_tier(self.minimum, tier)
        return [
            Check(Outcome.NOT_MET, (case_pattern(op("$lt", key, minimum)),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent(key)),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("value", _LEVEL_FIELDS[self.field][0])

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The stated level."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Level stated vs required."""
        key, name_en, name_zh = _LEVEL_FIELDS[self.field]
        minimum = per_tier(self.minimum, tier)
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
        return missing_tiers("minimum", self.minimum, tiers)


AttestationName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


@functools.lru_cache(maxsize=4096)
def _fact_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """The case fact's properties holding these attestations (made once per set of names)."""
    return tuple(f"att_{name}" for name in names)


class Attestation(Condition):
    """Judgement calls the applicant must attest as true (e.g. competitive products)."""

    kind: Literal["attestation"] = "attestation"
    names: tuple[AttestationName, ...] = Field(min_length=1, max_length=32)
    """Attestation names; each must be declared in the pack's ``[attestations]`` table."""

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Kleene AND of the attested values."""
        case = ctx.case
        result = Outcome.MET
        for key in _fact_keys(self.names):
            value = case.get(key)
            if value is None:
                result = Outcome.UNKNOWN
            elif not value:
                return Outcome.NOT_MET
        return result

    def checks(self, tier: Tier) -> list[Check]:
        """Any attested false; any unstated."""
        keys = [f"att_{name}" for name in self.names]
        return [
            Check(Outcome.NOT_MET, (case_pattern(any_of(*(op("$eq", k, 0) for k in keys))),)),
            Check(Outcome.UNKNOWN, (case_pattern(any_of(*(absent(k) for k in keys))),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("values", _fact_keys(self.names))

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The attested values."""
        return compute_key(self._key_plan(), ctx, tier)

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
            Check(Outcome.NOT_MET, (case_pattern(op("$eq", key, 0)),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent(key)),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("value", _FLAG_FIELDS[self.field][0])

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The stated value."""
        return compute_key(self._key_plan(), ctx, tier)

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
    province: str
    """The province, in any spelling the place vocabulary accepts (贵州省, 贵州, Guizhou),
    stored as its place code (``guizhou``)."""

    @field_validator("province", mode="before")
    @classmethod
    def _place(cls, value: object) -> object:
        return province_code(value)

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Met when the stated province matches."""
        value = ctx.case.get("province")
        if value is None:
            return Outcome.UNKNOWN
        return Outcome.MET if value == self.province else Outcome.NOT_MET

    def checks(self, tier: Tier) -> list[Check]:
        """Another province; unstated."""
        return [
            Check(Outcome.NOT_MET, (case_pattern(op("$neq", "province", self.province)),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("province")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("value", "province")

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The stated province."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Stated vs required province, by name."""
        value = ctx.case.get("province")
        want_zh, want_en = province_name_zh(self.province), province_name_en(self.province)
        got_zh = province_name_zh(value) if value else "未填写"
        got_en = province_name_en(value) if value else "not stated"
        if value is None:
            action = ("填写注册地（enterprise.province）", "state the province of registration")
        elif value != self.province:
            action = (f"本规则仅适用于在{want_zh}境内注册的企业",
                      f"this rule admits only enterprises registered in {want_en}")
        else:
            action = ("", "")
        return Explanation(
            value, self.province,
            f"注册地：{got_zh}；须在{want_zh}境内注册",
            f"registered in: {got_en}; must be registered in {want_en}",
            *action,
        )


class AboveDesignatedSize(Condition):
    """A 规模以上工业企业: the statistics flag, or revenue at or above the threshold."""

    kind: Literal["above_designated_size"] = "above_designated_size"
    revenue_threshold_cny: Whole = Field(default=20_000_000, ge=0, le=NUMBER)
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
            Check(Outcome.NOT_MET, (case_pattern(op("$eq", "above_size", 0)),)),
            Check(Outcome.NOT_MET, (case_pattern(
                absent("above_size"), op("$lt", "revenue", self.revenue_threshold_cny)),)),
            Check(Outcome.UNKNOWN, (case_pattern(absent("above_size"), absent("revenue")),)),
        ]

    def _key_plan(self) -> KeyPlan:
        return ("above_size",)

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The flag when stated (the explanation then never reads revenue), else the revenue."""
        return compute_key(self._key_plan(), ctx, tier)

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


class LegalPersonOrBranch(Condition):
    """An independent legal person, or a branch in a listed industry with a credit code.

    A Kleene disjunction of the two routes: met by either, not met when both fail.  Where
    the list is illustrative ("石油石化、有色金属、烟草、汽车**等**有行业特殊情况的"),
    ``others_by_attestation`` names the attestation by which a branch in another industry
    states its industry's special circumstances: unknown until attested, then as a listed
    industry when true and not met when false.
    """

    kind: Literal["legal_person_or_branch"] = "legal_person_or_branch"
    branch_industries: tuple[Industry, ...] = Field(min_length=1)
    """Industries whose branches (分支机构) may apply."""
    others_by_attestation: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,59}$")
    """Attestation by which a branch in an industry not listed claims its industry's special
    circumstances; ``None`` when the list is exhaustive."""

    def _branch(self, case: Mapping[str, Any]) -> Outcome:
        branch, industry = case.get("branch"), case.get("industry")
        if branch == 0:
            return Outcome.NOT_MET
        if industry is None:
            return Outcome.UNKNOWN
        if industry not in {i.value for i in self.branch_industries}:
            if self.others_by_attestation is None:
                return Outcome.NOT_MET
            attested = case.get(f"att_{self.others_by_attestation}")
            if attested is None:
                return Outcome.UNKNOWN
            if not attested:
                return Outcome.NOT_MET
        return Outcome.MET if branch == 1 and "has_credit_code" in case else Outcome.UNKNOWN

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
        inside = any_of(*({"industry": i.value} for i in self.branch_industries))
        outside = {"$and": [{"$ex": {"industry": 1}},
                            *({"$neq": {"industry": i.value}} for i in self.branch_industries)]}
        lp_no, lp_unknown = op("$eq", "legal_person", 0), absent("legal_person")
        branch_no, branch_yes, branch_unknown = (op("$eq", "branch", 0), op("$eq", "branch", 1),
                                                 absent("branch"))
        no_code = absent("has_credit_code")
        Parts = tuple[dict[str, Any], ...]
        eligible: list[Parts] = [(inside,)]  # an industry whose branches may apply
        undecided: list[Parts] = [(absent("industry"),)]
        not_met: list[Parts] = [(branch_no,)]
        if self.others_by_attestation is None:
            not_met.append((outside,))
        else:
            key = f"att_{self.others_by_attestation}"
            eligible.append((outside, op("$eq", key, 1)))
            undecided.append((outside, absent(key)))
            not_met.append((outside, op("$eq", key, 0)))
        unknown: list[Parts] = [  # the branch route is neither met nor failed
            *((state, *parts) for state in (branch_unknown, branch_yes) for parts in undecided),
            *((branch_unknown, *parts) for parts in eligible),
            *((branch_yes, *parts, no_code) for parts in eligible),
        ]
        checks = [Check(Outcome.NOT_MET, (case_pattern(lp_no, *parts),)) for parts in not_met]
        checks += [Check(Outcome.UNKNOWN, (case_pattern(lp_no, *parts),)) for parts in unknown]
        checks += [Check(Outcome.UNKNOWN, (case_pattern(lp_unknown, *parts),))
                   for parts in [*not_met, *unknown]]
        return checks

    def attestation_names(self) -> frozenset[str]:
        """The special-circumstances attestation, when the list is illustrative."""
        return frozenset({self.others_by_attestation} if self.others_by_attestation else ())

    def _key_plan(self) -> KeyPlan:
        att = self.others_by_attestation
        return ("legal", None if att is None else f"att_{att}")

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The legal-person, branch, industry and credit-code facts (and the attestation)."""
        return compute_key(self._key_plan(), ctx, tier)

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Which route, and what is missing."""
        case = ctx.case
        industries_zh = "、".join(i.label_zh for i in self.branch_industries)
        industries_en = ", ".join(i.value for i in self.branch_industries)
        if self.others_by_attestation is not None:
            industries_zh += "等有行业特殊情况的"
            industries_en += " (or another industry with special circumstances, attested)"
        industry = case.get("industry")
        observed: dict[str, Any] = {
            "independent_legal_person": None if (v := case.get("legal_person")) is None
            else bool(v),
            "is_branch": None if (b := case.get("branch")) is None else bool(b),
            "industry": industry, "credit_code": "has_credit_code" in case,
        }
        listed = industry is None or industry in {i.value for i in self.branch_industries}
        special = None
        if self.others_by_attestation is not None and not listed:
            value = case.get(f"att_{self.others_by_attestation}")
            special = None if value is None else bool(value)
            observed["special_circumstances"] = special
        code = "有" if observed["credit_code"] else "未填写"
        zh = (f"独立法人：{_yes_no_zh(observed['independent_legal_person'])}；分支机构："
              f"{_yes_no_zh(observed['is_branch'])}；行业：{_industry_zh(industry)}；"
              f"统一社会信用代码：{code}")
        en = (f"independent legal person: {_yes_no_en(observed['independent_legal_person'])}; "
              f"branch: {_yes_no_en(observed['is_branch'])}; industry: {industry or 'not stated'};"
              f" credit code: {'given' if observed['credit_code'] else 'not stated'}")
        if "special_circumstances" in observed:
            name = self.others_by_attestation or ""
            zh += (f"；{_industry_zh(industry)}不在列举行业中，行业特殊情况："
                   f"{_yes_no_zh(special)}（声明项 {name}）")
            en += (f"; {industry} is not a listed industry, its special circumstances: "
                   f"{_yes_no_en(special)} (attestation {name})")
        zh += f"（须为独立法人，或{industries_zh}行业有统一社会信用代码的分支机构）"
        en += (f" (must be an independent legal person, or a branch in {industries_en} with a "
               "credit code)")
        act_zh = act_en = ""
        if outcome is Outcome.NOT_MET:
            act_zh = f"须为独立法人；分支机构仅限{industries_zh}行业"
            act_en = f"must be an independent legal person; branches only in {industries_en}"
        elif outcome is Outcome.UNKNOWN and "special_circumstances" in observed and (
                special is None):
            name = self.others_by_attestation or ""
            act_zh = (f"分支机构所在行业不在列举之列：声明 {name}（该行业是否属“等有行业特殊"
                      "情况的”行业），或填写 independent_legal_person")
            act_en = (f"the branch's industry is not listed: attest {name} (whether it is an "
                      "industry with special circumstances), or state independent_legal_person")
        elif outcome is Outcome.UNKNOWN:
            act_zh = ("填写 enterprise.independent_legal_person；分支机构还须填写 is_branch、"
                      "industry 和 credit_code")
            act_en = ("state enterprise.independent_legal_person; a branch also states "
                      "is_branch, industry and credit_code")
        return Explanation(observed, {"independent_legal_person": True,
                                      "or_branch_in": [i.value for i in self.branch_industries],
                                      "or_attested": self.others_by_attestation},
                           zh, en, act_zh, act_en)


def _yes_no_zh(value: bool | None) -> str:
    return "未填写" if value is None else ("是" if value else "否")


def _yes_no_en(value: bool | None) -> str:
    return "not stated" if value is None else ("yes" if value else "no")


def _industry_zh(code: Any) -> str:
    return "未填写" if code is None else Industry(code).label_zh
