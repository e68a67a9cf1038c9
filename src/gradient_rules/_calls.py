"""Calls (年度申报通知): who may apply, deadlines, quotas, materials, forms, for a year.

The conditions (要素条件, a :class:`~gradient_rules.RulePack`) say what a factory of each tier
must be; a call is issued by a named body at a level (national, provincial, municipal) for a
year and some tiers, and adds its own rules.  An application assessed *for a call* meets the
conditions the call applies plus the call's rules (and those of the call it transposes); a
self-assessment uses the conditions alone.  Calls ship as data: ``data/calls/<id>.toml``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._limits import IsoDate, StrictBool, Whole
from ._places import province_code
from ._rulepack import RecognitionRoute
from ._rules import AttestationText, DataModel, Document, Provision, Rule, Source
from ._vocabulary import IssuingLevel, Tier

__all__ = ["BatchRules", "Call", "FormSpec", "Material"]

CALL_ID = r"^[a-z0-9][a-z0-9-]*$"


class Material(DataModel):
    """One item of an application materials checklist."""

    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    """Short id the application lists when the material is present."""
    name_zh: str
    """Name as printed (所需材料)."""
    content_zh: str
    """What it contains, as printed (具体内容)."""


class BatchRules(DataModel):
    """Rules over a recommender's ranked batch of applications."""

    tier: Tier
    """The tier the batch recommends for."""
    quota: Whole = Field(ge=1)
    """Most applications one recommender may put forward."""
    quota_by_recommender: dict[str, Whole] = Field(default_factory=dict)
    """Quotas that differ by recommender name (e.g. Liaoning: 沈阳 15, others 2)."""
    quota_rule: str
    """Rule id of the quota."""
    submit_by: IsoDate | None = None
    """Last day for the recommender's submission, inclusive."""
    submit_rule: str | None = None
    """Rule id of the submission deadline."""

    def quota_for(self, recommender: str) -> int:
        """The quota of one recommender."""
        return self.quota_by_recommender.get(recommender, self.quota)


class FormSpec(DataModel):
    """An official summary form (汇总表) as a file."""

    title_zh: str
    """Title as printed."""
    recommender_label_zh: str
    """Label before the recommender's name, e.g. 推荐单位（盖章）："""
    columns: tuple[str, ...] = Field(min_length=1)
    """Column headings as printed."""
    fields: tuple[Literal["rank", "enterprise", "project", "scenarios", "contact",
                          "mobile"], ...]
    """What each column holds, in order."""
    notes_zh: tuple[str, ...] = ()
    """Notes printed under the table."""
    rule: str
    """Rule id of the form."""

    @model_validator(mode="after")
    def _same_length(self) -> FormSpec:
        if len(self.columns) != len(self.fields):
            raise ValueError("columns and fields must have the same length")
        return self


class Call(DataModel):
    """A call for applications (年度申报通知): issued by a body, for a year and some tiers."""

    id: str = Field(pattern=CALL_ID)
    """The call's id within its jurisdiction: the file name, e.g. ``2024-excellent``."""
    jurisdiction: str
    """Code of the jurisdiction whose plugin ships the call."""
    title_zh: str
    """Title of the notice as printed."""
    title_en: str
    """The title in English."""
    issuer_zh: str
    """The issuing body as printed (山西省工业和信息化厅)."""
    issuer_en: str
    """The issuing body in English."""
    issuer_named: StrictBool = True
    """False when the received text does not name the issuing body (its place is unknown)."""
    level: IssuingLevel
    """The issuing body's level: national, province or city."""
    region: str | None = None
    """The province of the issuing body (any spelling, stored as its code); ``None`` for a
    national call or an issuer whose place is not known."""
    year: Whole = Field(ge=2000, le=2100)
    """The programme year the call is for."""
    tiers: tuple[Tier, ...] = Field(min_length=1)
    """The tiers it calls applications for."""
    issued: IsoDate
    """The notice's date; assessing for the call before it is an error."""
    issued_source: Source = "seed"
    """Whether ``issued`` is printed in the seed or inferred."""
    conditions: str
    """Version of the conditions it applies: a pack of its jurisdiction, or of the base
    jurisdiction when the jurisdiction has none of its own (e.g. ``2024``)."""
    transposes: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*/[a-z0-9][a-z0-9-]*$")
    """``jurisdiction/id`` of a call this one forwards or implements: its rules apply too."""
    documents: tuple[Document, ...] = ()
    """Documents its rules cite; the first is the notice itself."""
    attestations: dict[str, AttestationText] = Field(default_factory=dict)
    """Attestations its rules read, beyond the conditions'."""
    rules: tuple[Rule, ...] = ()
    """Its own rules (who may apply, call-specific conditions, deadlines, materials)."""
    provisions: tuple[Provision, ...] = ()
    """Its procedural clauses (quota, submission, form, materials checklist)."""
    recognition: tuple[RecognitionRoute, ...] = ()
    """Who recommends and recognises, for its tiers (replaces the conditions' route)."""
    materials: tuple[Material, ...] = ()
    """The application materials checklist."""
    batch: BatchRules | None = None
    """Rules over a recommender's ranked batch."""
    form: FormSpec | None = None
    """The summary form recommenders file."""
    notes: tuple[str, ...] = ()
    """Remarks on the text as received."""

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: object) -> object:
        return province_code(value)

    @field_validator("tiers")
    @classmethod
    def _ordered(cls, value: tuple[Tier, ...]) -> tuple[Tier, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a tier is listed twice")
        return tuple(sorted(value, key=lambda t: t.rank))

    @model_validator(mode="after")
    def _consistent(self) -> Call:
        problems: list[str] = []
        for index, rule in enumerate(self.rules):
            outside = [t.value for t in rule.tiers if t not in self.tiers]
            if outside:
                problems.append(f"rules[{index}]: {rule.id} applies to "
                                f"{', '.join(outside)}, which the call does not cover")
        if self.batch is not None and self.batch.tier not in self.tiers:
            problems.append(f"batch.tier {self.batch.tier.value!r} is not a tier of the call")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def key(self) -> str:
        """``jurisdiction/id``: how another call names this one in ``transposes``."""
        return f"{self.jurisdiction}/{self.id}"

    def rule_ids(self) -> tuple[str, ...]:
        """Ids of its rules and provisions."""
        return tuple(r.id for r in self.rules) + tuple(p.id for p in self.provisions)
