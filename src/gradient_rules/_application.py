"""The application (申报): what an enterprise states about itself and its factory.

Every optional fact may be left unstated (``None``); a rule that needs an unstated fact
reports ``unknown`` rather than guessing.  Judgement calls ("competitive products") are
attestations: the applicant states them true or false, or leaves them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from ._docstrings import describe_fields
from ._errors import ApplicationError
from ._i18n import InvalidValue, short_repr, zh_for_pydantic
from ._limits import (
    NUMBER,
    Code,
    Free,
    IsoDate,
    Label,
    Name,
    Number,
    StrictBool,
    Whole,
    check_text,
    walk,
)
from ._places import province_code
from ._vocabulary import (
    EventKind,
    IncidentGrade,
    IncidentKind,
    Industry,
    IssuingLevel,
    Segment,
    Tier,
    TitleStatus,
)

__all__ = [
    "Application",
    "Enterprise",
    "Event",
    "Filing",
    "Incident",
    "ScenarioClaim",
    "SelfAssessment",
    "Title",
    "parse_application",
]

MAX_SCENARIOS = 200
"""Most scenario claims in one application."""
MAX_TITLES = 20
"""Most titles in one application."""

Level = Annotated[int, Strict(), Field(ge=1, le=5)]
"""A self-assessed level, 1 to 5, written as a number (``true`` is not level 1)."""



GOOD_NAMES_KEPT = 4096
"""Most attestation names remembered as well formed (checked once each)."""
_GOOD_NAMES: set[str] = set()


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)


class Enterprise(_Model):
    """The applicant enterprise (申报主体)."""

    name: Name = Field(min_length=1)
    """Registered name of the enterprise (申报单位名称), at most 200 characters."""

    credit_code: str | None = None
    """Unified social credit code (统一社会信用代码), 18 characters, GB 32100-2015."""

    province: str | None = None
    """Province of registration, as people write it (贵州省, 贵州, Guizhou or ``guizhou``),
    stored as its place code; unstated if ``None``."""

    independent_legal_person: StrictBool | None = None
    """Whether the applicant is an independent legal person (具有独立法人资格)."""

    is_branch: StrictBool | None = None
    """Whether the applicant is a branch (分支机构) of a legal person."""

    industry: Industry | None = None
    """Industry of the applicant, e.g. ``tobacco`` (烟草); see the glossary."""

    above_designated_size: StrictBool | None = None
    """Whether the enterprise is in the statistics of 规模以上工业企业."""

    main_business_revenue_cny: Whole | None = Field(default=None, ge=0, le=NUMBER)
    """Annual main-business revenue in yuan; used when ``above_designated_size`` is unstated."""


    @field_validator("province", mode="before")
    @classmethod
    def _place(cls, value: Any) -> Any:
        return province_code(value)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _digits_from_yaml(cls, value: Any) -> Any:
        # YAML reads an all-digit code as an integer; codes never start with 0.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > 40:
            raise InvalidValue(f"{short_repr(value)} is not a unified social credit code "
                               "(18 characters)",
                               f"{short_repr(value)} 不是统一社会信用代码（18位）")
        check_text(value)
        # python-stdnum is imported on the first code checked: it brings in ssl (~9 ms),
        # which an application without a code, and the CLI's start-up, need not pay.
        from stdnum.cn import uscc
        from stdnum.exceptions import ValidationError as NumberError

        try:
            return str(uscc.validate(value))
        except NumberError as error:
            raise InvalidValue(
                f"{short_repr(value)} is not a valid unified social credit code "
                f"(GB 32100-2015): {str(error).rstrip('.').lower()}",
                f"{short_repr(value)} 不是有效的统一社会信用代码（GB 32100-2015）") from None


class SelfAssessment(_Model):
    """Results of the self-assessments the rules cite."""

    maturity_level: Level | None = None
    """GB/T 39116-2020 smart-manufacturing capability maturity level, 1-5 (一级 to 五级)."""

    digital_transformation_level: Level | None = None
    """Digital-transformation level, L1-L5, as an integer 1-5."""


class ScenarioClaim(_Model):
    """One typical scenario (典型场景) the factory claims, with the tier it reaches there."""

    id: Code | None = None
    """Scenario id in the jurisdiction's catalog (e.g. ``GZ-13``); ``None`` where it has none."""

    segment: Segment | None = None
    """The assessment segment; may be omitted when ``id`` or ``guide_segment`` implies it."""

    guide_segment: Code | None = None
    """The 环节 of the 2024 typical-scenario guide (e.g. ``质量管控``), mapped onto a segment."""

    name: Name | None = None
    """Scenario name (场景名)."""

    instance: Label | None = None
    """The applicant's own instance name (实例名)."""

    tier: Tier
    """The highest tier whose description the factory reaches in this scenario."""


class Title(_Model):
    """A title already recognised (已认定的智能工厂称号)."""

    tier: Tier
    """The tier of the title."""

    issuing_level: IssuingLevel
    """Who recognised it: city, province or national."""

    year: Whole = Field(ge=2000, le=2099)
    """Year of recognition."""

    status: TitleStatus = TitleStatus.VALID
    """``valid`` or ``revoked``."""

    issuer: Name | None = None
    """Name of the recognising authority."""

    recognised_on: IsoDate | None = None
    """Date of recognition, where known (otherwise the year stands for it)."""

    @model_validator(mode="after")
    def _same_year(self) -> Title:
        if self.recognised_on is not None and self.recognised_on.year != self.year:
            raise InvalidValue(f"recognised_on {self.recognised_on.isoformat()} is not in year "
                               f"{self.year}",
                               f"认定日期{self.recognised_on.isoformat()}不在{self.year}年")
        return self

    def since(self) -> dt.date:
        """The day the title took effect: ``recognised_on``, else 1 January of its year."""
        return self.recognised_on or dt.date(self.year, 1, 1)


class Incident(_Model):
    """An accident (事故) the enterprise had."""

    kind: IncidentKind
    """``safety`` (安全), ``environmental`` (环保) or ``quality`` (质量)."""

    grade: IncidentGrade
    """``general`` (一般), ``larger`` (较大), ``major`` (重大), ``especially_major`` (特别重大)."""

    occurred_on: IsoDate
    """Date of the accident."""

    description: Free | None = None
    """Free text."""


class Event(_Model):
    """Something that happened after a title was recognised (it may cost the title)."""

    kind: EventKind
    """What happened."""

    occurred_on: IsoDate
    """When."""

    accident_kind: IncidentKind | None = None
    """For an accident: safety, environmental or quality."""

    grade: IncidentGrade | None = None
    """For an accident: its grade."""

    title: Whole | None = Field(default=None, ge=0, le=MAX_TITLES)
    """Index into ``titles`` of the title concerned; ``None`` concerns every title."""

    description: Free | None = None
    """Free text."""

    @model_validator(mode="after")
    def _accident_details(self) -> Event:
        is_accident = self.kind is EventKind.ACCIDENT
        if is_accident and (self.accident_kind is None or self.grade is None):
            raise InvalidValue("an accident event needs `accident_kind` and `grade`",
                               "事故类事件须填写 accident_kind 和 grade")
        if not is_accident and (self.accident_kind is not None or self.grade is not None):
            raise InvalidValue("`accident_kind` and `grade` belong to accident events only",
                               "accident_kind 和 grade 只用于事故类事件")
        return self


class Filing(_Model):
    """Dates of the application's filing steps."""

    online_filed_on: IsoDate | None = None
    """Date the online application was completed (线上申报)."""

    paper_submitted_on: IsoDate | None = None
    """Date the paper copies reached the authority (纸质版报送)."""


class Application(_Model):
    """An application to be assessed."""

    enterprise: Enterprise
    """The applicant."""

    project_name: Name | None = None
    """Name of the smart-factory project (智能工厂项目名称)."""

    dated: IsoDate | None = None
    """Date of the application; the evaluation date when ``on=`` is not given."""

    construction_completed: StrictBool | None = None
    """Whether the smart-factory construction is completed (已完成智能工厂建设)."""

    self_assessment: SelfAssessment = SelfAssessment()
    """Self-assessment results."""

    attestations: dict[str, StrictBool] = Field(default_factory=dict, max_length=100)
    """Judgement calls the applicant attests, by name; a missing name is unstated."""

    scenarios: list[ScenarioClaim] | None = Field(default=None, max_length=MAX_SCENARIOS)
    """Scenarios claimed; ``None`` means not stated (coverage is then unknown)."""

    incidents: list[Incident] | None = Field(default=None, max_length=100)
    """Accidents of the last years; ``[]`` states there were none, ``None`` leaves it unstated."""

    titles: list[Title] | None = Field(default=None, max_length=MAX_TITLES)
    """Titles already held; ``[]`` states there are none."""

    events: list[Event] | None = Field(default=None, max_length=100)
    """Events since titles were recognised (revocation triggers); ``None`` when unstated."""

    kpis: dict[str, Number] | None = Field(default=None, max_length=100)
    """Key performance indicators by id of the jurisdiction's KPI reference (e.g. ``KPI-01``)."""

    filing: Filing | None = None
    """Filing dates."""

    materials: list[Code] | None = Field(default=None, max_length=50)
    """Ids of the application materials present (the call's checklist)."""

    @field_validator("attestations")
    @classmethod
    def _attestation_names(cls, value: dict[str, bool]) -> dict[str, bool]:
        if value.keys() <= _GOOD_NAMES:  # the names of the last applications, as a rule
            return value
        for name in value:
            if name in _GOOD_NAMES:
                continue
            if not name or not name.replace("_", "").isalnum() or not name.isascii():
                raise InvalidValue(
                    f"attestation name {short_repr(name)} must be a snake_case identifier",
                    f"声明项名称 {short_repr(name)} 须为小写英文与下划线组成的标识符")
            if len(_GOOD_NAMES) < GOOD_NAMES_KEPT:
                _GOOD_NAMES.add(name)
        return value

    @model_validator(mode="after")
    def _events_name_titles(self) -> Application:
        count = len(self.titles or ())
        for index, event in enumerate(self.events or ()):
            if event.title is not None and not 0 <= event.title < count:
                raise InvalidValue(
                    f"events[{index}].title is {event.title}, but titles has {count} "
                    f"entr{'y' if count == 1 else 'ies'} (index from 0)",
                    f"events[{index}].title 为{event.title}，但 titles 只有{count}项（从0编号）")
        return self

    @field_validator("scenarios")
    @classmethod
    def _no_duplicate_scenarios(
        cls, scenarios: list[ScenarioClaim] | None
    ) -> list[ScenarioClaim] | None:
        seen: dict[tuple[Any, ...], int] = {}
        for index, claim in enumerate(scenarios or ()):
            key: tuple[Any, ...] = (
                ("id", claim.id)
                if claim.id is not None
                else ("free", claim.segment, claim.guide_segment, claim.name, claim.instance)
            )
            if key in seen:
                if claim.id is not None or claim.name is not None:
                    label = short_repr(claim.id if claim.id is not None else claim.name)
                    hint = "claim each scenario once, at the highest tier it reaches"
                    hint_zh = "每个场景只申报一次，按其达到的最高层级"
                else:
                    where = claim.segment.value if claim.segment else claim.guide_segment
                    label = f"an unnamed {where} scenario"
                    hint = "give each scenario a `name` so they can be told apart"
                    hint_zh = "请为每个场景填写 name 以便区分"
                raise InvalidValue(
                    f"scenarios[{index}] duplicates scenarios[{seen[key]}] ({label}); {hint}",
                    f"scenarios[{index}] 与 scenarios[{seen[key]}] 重复（{label}）；{hint_zh}")
            seen[key] = index
        return scenarios


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def translate_validation_error(
    error: ValidationError, *, source: str | None = None
) -> ApplicationError:
    """Turn a pydantic error into an :class:`ApplicationError` naming each field."""
    problems: list[tuple[str, str, str]] = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidValue):
            message = cause.message_en
        if item["type"] == "extra_forbidden":
            message = ("unknown field; check its spelling against "
                       "`gradient-rules schema application`")
        message_zh = zh_for_pydantic(item, message)
        if (item["type"] not in ("missing", "extra_forbidden") and "input" in item
                and not isinstance(item["input"], dict | list)
                and short_repr(item["input"]) not in message):
            message += f" (got {short_repr(item['input'])})"
            message_zh += f"（收到 {short_repr(item['input'])}）"
        problems.append((_field_path(tuple(item["loc"])), message, message_zh))
    return ApplicationError(problems, source=source)


def parse_application(data: Mapping[str, Any], *, source: str | None = None) -> Application:
    """Validate a mapping (from JSON, TOML or YAML) into an :class:`Application`.

    Raises :class:`ApplicationError` naming every bad field.
    """
    if not isinstance(data, Mapping):
        raise ApplicationError(
            [("", f"an application must be a mapping of fields, got {type(data).__name__}",
              "申报须为字段映射（键值表）")], source=source)
    problems = walk(data)
    if problems:
        raise ApplicationError(problems, source=source)
    try:
        return Application.model_validate(dict(data))
    except ValidationError as error:
        raise translate_validation_error(error, source=source) from None
