"""The closed vocabularies of the programme: tiers, segments, outcomes and friends.

English identifiers, official Chinese names kept as data (``label_zh``).  Tiers are
ordered by an explicit ``rank``, never by comparing their string values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = [
    "DocumentStatus",
    "EventKind",
    "IncidentGrade",
    "IncidentKind",
    "Industry",
    "IssuingLevel",
    "Outcome",
    "Relation",
    "Segment",
    "Strength",
    "Tier",
    "TitleStatus",
    "Verdict",
]


def _lookup(enum_cls: Any, value: object, extra: dict[str, Any]) -> Any:
    """Accept an enum's value, its name (any case) or one of its Chinese names."""
    if isinstance(value, str):
        text = value.strip()
        for member in enum_cls:
            if text in (member.value, member.name) or text.upper() == member.name:
                return member
        if text in extra:
            return extra[text]
    return None


class Tier(StrEnum):
    """A tier (梯度/层级) of the smart-factory programme, ordered by ``rank``."""

    BASIC = "basic"
    ADVANCED = "advanced"
    EXCELLENT = "excellent"
    LEADING = "leading"

    rank: int
    # 1 for basic up to 4 for leading; the only way tiers are ordered.  A plain attribute
    # set below, not a property: it is read on every comparison.

    @property
    def label_zh(self) -> str:
        """The national Chinese name (基础级, 先进级, 卓越级, 领航级)."""
        return _TIER_ZH[self]

    @classmethod
    def ordered(cls) -> tuple[Tier, ...]:
        """All tiers from basic to leading."""
        return _TIERS

    @classmethod
    def from_rank(cls, rank: int) -> Tier:
        """The tier with this rank (1-4)."""
        if type(rank) is int and 1 <= rank <= len(_TIERS):
            return _TIERS[rank - 1]
        raise ValueError(f"no tier has rank {rank!r}; ranks run from 1 (basic) to 4 (leading)")

    @classmethod
    def _missing_(cls, value: object) -> Tier | None:
        found: Tier | None = _lookup(cls, value, {zh: t for t, zh in _TIER_ZH.items()})
        return found

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank >= other.rank

    # The member is the str of its value: hash it as that str, in C (Enum's own
    # ``__hash__`` is Python code hashing the name, and tiers are dict keys everywhere).
    __hash__ = str.__hash__


_TIER_RANK = {Tier.BASIC: 1, Tier.ADVANCED: 2, Tier.EXCELLENT: 3, Tier.LEADING: 4}
for _tier, _rank in _TIER_RANK.items():
    _tier.rank = _rank
_TIERS = tuple(sorted(Tier, key=lambda t: t.rank))
_TIER_ZH = {
    Tier.BASIC: "基础级",
    Tier.ADVANCED: "先进级",
    Tier.EXCELLENT: "卓越级",
    Tier.LEADING: "领航级",
}


class Segment(StrEnum):
    """One of the five assessment segments (环节) of the 要素条件."""

    FACTORY_CONSTRUCTION = "factory_construction"
    RESEARCH_AND_DESIGN = "research_and_design"
    PRODUCTION_OPERATIONS = "production_operations"
    PRODUCTION_MANAGEMENT = "production_management"
    OPERATIONS_MANAGEMENT = "operations_management"

    @property
    def code(self) -> str:
        """Two-letter code used in the rules inventory (FC, RD, PO, PM, OM)."""
        return _SEGMENT_CODE[self]

    @property
    def label_zh(self) -> str:
        """The Chinese name (工厂建设, 研发设计, 生产作业, 生产管理, 运营管理)."""
        return _SEGMENT_ZH[self]

    @property
    def label_en(self) -> str:
        """A short English name."""
        return self.value.replace("_", " ")

    @classmethod
    def ordered(cls) -> tuple[Segment, ...]:
        """The five segments in the order the official texts list them."""
        return _SEGMENTS

    @classmethod
    def _missing_(cls, value: object) -> Segment | None:
        extra: dict[str, Segment] = {zh: s for s, zh in _SEGMENT_ZH.items()}
        extra.update({code: s for s, code in _SEGMENT_CODE.items()})
        # The leading-tier text of the 要素条件 calls the fifth segment 经营管理.
        extra["经营管理"] = cls.OPERATIONS_MANAGEMENT
        found: Segment | None = _lookup(cls, value, extra)
        return found

    # The member is the str of its value: hash it as that str, in C (Enum's own
    # ``__hash__`` is Python code hashing the name, and tiers are dict keys everywhere).
    __hash__ = str.__hash__


_SEGMENTS = tuple(Segment)
_SEGMENT_CODE = {
    Segment.FACTORY_CONSTRUCTION: "FC",
    Segment.RESEARCH_AND_DESIGN: "RD",
    Segment.PRODUCTION_OPERATIONS: "PO",
    Segment.PRODUCTION_MANAGEMENT: "PM",
    Segment.OPERATIONS_MANAGEMENT: "OM",
}
_SEGMENT_ZH = {
    Segment.FACTORY_CONSTRUCTION: "工厂建设",
    Segment.RESEARCH_AND_DESIGN: "研发设计",
    Segment.PRODUCTION_OPERATIONS: "生产作业",
    Segment.PRODUCTION_MANAGEMENT: "生产管理",
    Segment.OPERATIONS_MANAGEMENT: "运营管理",
}


class Strength(StrEnum):
    """How binding a rule is: ``must`` (须/应) refuses, ``in_principle`` (原则上) warns."""

    MUST = "must"
    IN_PRINCIPLE = "in_principle"

    @property
    def label_zh(self) -> str:
        """须/应 or 原则上."""
        return "须/应" if self is Strength.MUST else "原则上"


class Outcome(StrEnum):
    """Three-valued result of one condition: met, not met, or unknown (a fact unstated)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    severity: int
    # Order used for Kleene conjunction: the worst outcome wins (a plain attribute set
    # below: read on every conjunction).

    @property
    def label_zh(self) -> str:
        """符合 / 不符合 / 未知."""
        return {"met": "符合", "not_met": "不符合", "unknown": "未知"}[self.value]


for _outcome, _severity in (("met", 0), ("unknown", 1), ("not_met", 2)):
    Outcome(_outcome).severity = _severity


class Verdict(StrEnum):
    """Per-tier verdict."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"

    @property
    def label_zh(self) -> str:
        """符合条件 / 不符合条件 / 待定."""
        return {"eligible": "符合条件", "not_eligible": "不符合条件", "undetermined": "待定"}[
            self.value
        ]


class Relation(StrEnum):
    """How a provincial rule relates to a national one."""

    ADOPTS = "adopts"
    TIGHTENS = "tightens"
    REPLACES = "replaces"
    ADDS = "adds"


class DocumentStatus(StrEnum):
    """Legal status of a source document."""

    DRAFT_FOR_COMMENT = "draft_for_comment"
    DRAFT_FOR_REVIEW = "draft_for_review"
    IN_FORCE = "in_force"

    @property
    def label_zh(self) -> str:
        """征求意见稿 / 送审稿 / 施行."""
        return {
            "draft_for_comment": "征求意见稿",
            "draft_for_review": "送审稿",
            "in_force": "施行",
        }[self.value]


_LEVEL_RANK = {"city": 1, "province": 2, "national": 3}


class IssuingLevel(StrEnum):
    """The level of government that recognised a title."""

    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"

    @property
    def rank(self) -> int:
        """1 city, 2 province, 3 national."""
        return _LEVEL_RANK[self._value_]


class TitleStatus(StrEnum):
    """Whether a recognised title still stands."""

    VALID = "valid"
    REVOKED = "revoked"


class IncidentKind(StrEnum):
    """Kinds of accident named by the basic requirements."""

    SAFETY = "safety"
    ENVIRONMENTAL = "environmental"
    QUALITY = "quality"

    @property
    def label_zh(self) -> str:
        """安全 / 环保 / 质量."""
        return {"safety": "安全", "environmental": "环保", "quality": "质量"}[self.value]

    @classmethod
    def _missing_(cls, value: object) -> IncidentKind | None:
        found: IncidentKind | None = _lookup(
            cls, value, {"安全": cls.SAFETY, "环保": cls.ENVIRONMENTAL, "质量": cls.QUALITY}
        )
        return found


_GRADE_RANK = {"general": 1, "larger": 2, "major": 3, "especially_major": 4}


class IncidentGrade(StrEnum):
    """Accident grades of Chinese production-safety law, ordered by ``rank``."""

    GENERAL = "general"
    LARGER = "larger"
    MAJOR = "major"
    ESPECIALLY_MAJOR = "especially_major"

    @property
    def rank(self) -> int:
        """1 一般, 2 较大, 3 重大, 4 特别重大."""
        return _GRADE_RANK[self._value_]

    @property
    def label_zh(self) -> str:
        """一般 / 较大 / 重大 / 特别重大."""
        return {"general": "一般", "larger": "较大", "major": "重大",
                "especially_major": "特别重大"}[self.value]

    @classmethod
    def _missing_(cls, value: object) -> IncidentGrade | None:
        found: IncidentGrade | None = _lookup(
            cls,
            value,
            {"一般": cls.GENERAL, "较大": cls.LARGER, "重大": cls.MAJOR,
             "特别重大": cls.ESPECIALLY_MAJOR},
        )
        return found


_INDUSTRY_ZH = {
    "petrochemical": "石油石化", "steel": "钢铁", "nonferrous_metals": "有色金属",
    "building_materials": "建材", "chemicals": "化工", "textiles": "纺织", "light_industry": "轻工",
    "food": "食品", "tobacco": "烟草", "pharmaceuticals": "医药", "machinery": "机械",
    "automotive": "汽车", "shipbuilding": "船舶", "aerospace": "航空航天",
    "rail_transit": "轨道交通", "electrical_equipment": "电气装备", "electronics": "电子信息",
    "new_energy": "新能源", "other": "其他",
}


class Industry(StrEnum):
    """Industry of the applicant, as the policies name sectors (see the glossary).

    A closed list so that a misspelt industry is an error; ``other`` covers the rest.
    """

    PETROCHEMICAL = "petrochemical"
    STEEL = "steel"
    NONFERROUS_METALS = "nonferrous_metals"
    BUILDING_MATERIALS = "building_materials"
    CHEMICALS = "chemicals"
    TEXTILES = "textiles"
    LIGHT_INDUSTRY = "light_industry"
    FOOD = "food"
    TOBACCO = "tobacco"
    PHARMACEUTICALS = "pharmaceuticals"
    MACHINERY = "machinery"
    AUTOMOTIVE = "automotive"
    SHIPBUILDING = "shipbuilding"
    AEROSPACE = "aerospace"
    RAIL_TRANSIT = "rail_transit"
    ELECTRICAL_EQUIPMENT = "electrical_equipment"
    ELECTRONICS = "electronics"
    NEW_ENERGY = "new_energy"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        """Chinese name (石油石化, 有色金属, 烟草, 汽车...)."""
        return _INDUSTRY_ZH[self.value]

    @classmethod
    def _missing_(cls, value: object) -> Industry | None:
        found: Industry | None = _lookup(
            cls, value, {zh: cls(code) for code, zh in _INDUSTRY_ZH.items()})
        return found


class EventKind(StrEnum):
    """Events that may cost an enterprise its title (Shandong 第十五条)."""

    FALSE_INFORMATION = "false_information"
    """False information or another violation in the application (（一）)."""
    TERMINATED = "terminated"
    """The enterprise is terminated by law (（二）)."""
    MONITORING_FAILED = "monitoring_failed"
    """Monitoring failed and still fails after rectification (（三）)."""
    ACCIDENT = "accident"
    """An accident; its kind and grade decide whether it counts (（四）)."""
    PENALTY = "penalty"
    """A penalty for another violation that removes eligibility (（五）)."""

    @property
    def label_zh(self) -> str:
        """Chinese description."""
        return {"false_information": "提供虚假信息或违规", "terminated": "企业被依法终止",
                "monitoring_failed": "运行监测评估不合格经整改仍未达标", "accident": "发生事故",
                "penalty": "受到处罚不再符合认定条件"}[self.value]
