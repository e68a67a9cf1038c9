"""The assessment: per-tier verdicts, findings with citations, warnings."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, JsonValue

from ._construct import built
from ._docstrings import describe_fields
from ._vocabulary import (
    DocumentStatus,
    EventKind,
    IssuingLevel,
    Outcome,
    Relation,
    Strength,
    Tier,
    TitleStatus,
    Verdict,
)

__all__ = ["Assessment", "CallSummary", "CitedClause", "Finding", "Notice", "Revocation",
           "Route", "TierAssessment", "TitleReview", "TitleStanding", "built"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)


class CitedClause(_Model):
    """The clause a finding rests on."""

    document: str
    """Document id within the pack."""
    document_title_zh: str
    """Official title of the document."""
    document_status: DocumentStatus
    """Legal status of the document."""
    clause: str
    """Clause number as printed."""
    text_zh: str
    """Clause text as printed."""


class Finding(_Model):
    """One rule's outcome for one tier, with what was observed and what was required."""

    rule_id: str
    """Inventory id."""
    tier: Tier
    """The tier assessed."""
    outcome: Outcome
    """met / not_met / unknown."""
    strength: Strength
    """must / in_principle."""
    title_en: str
    """What the rule asks."""
    title_zh: str
    """The same in Chinese."""
    citation: CitedClause
    """The clause."""
    observed: JsonValue
    """What the application states (``None`` when unstated)."""
    required: JsonValue
    """What the rule requires."""
    message_zh: str
    """Explanation in Chinese."""
    message_en: str
    """Explanation in English."""
    action_zh: str = ""
    """What the applicant would have to do or state (empty when met)."""
    action_en: str = ""
    """The same in English."""
    relation: Relation | None = None
    """Relation to the base jurisdiction's rules."""
    relates_to: tuple[str, ...] = ()
    """Base rules it relates to."""
    part: Literal["conditions", "call"] = "conditions"
    """Whether the rule belongs to the conditions (要素条件) or to the call assessed for."""

    def message(self, lang: Literal["zh", "en"] = "en") -> str:
        """The explanation in ``lang``."""
        return self.message_zh if lang == "zh" else self.message_en

    def action(self, lang: Literal["zh", "en"] = "en") -> str:
        """What to do, in ``lang``."""
        return self.action_zh if lang == "zh" else self.action_en


class Notice(_Model):
    """A warning for reviewers: it never changes a verdict by itself."""

    code: Literal["in_principle_shortfall", "in_principle_unknown", "draft_document",
                  "inferred_data", "incomplete_catalog", "superseded_edition", "next_tier",
                  "tier_notice", "cut_off_cell", "unused_input", "base_conditions",
                  "unnamed_issuer", "what_if"]
    """What kind of notice."""
    message_zh: str
    """Chinese text."""
    message_en: str
    """English text."""
    rule_id: str | None = None
    """Rule or provision it concerns."""

    def message(self, lang: Literal["zh", "en"] = "en") -> str:
        """The text in ``lang``."""
        return self.message_zh if lang == "zh" else self.message_en


class CallSummary(_Model):
    """The call (年度申报通知) an application was assessed for."""

    id: str
    """The call's id within its jurisdiction."""
    jurisdiction: str
    """The jurisdiction whose plugin ships it."""
    title_zh: str
    """Title as printed."""
    issuer_zh: str
    """The issuing body as printed (or a note that the text does not name it)."""
    issuer_named: bool
    """False when the received text does not name the issuing body."""
    level: IssuingLevel
    """national, province or city."""
    year: int
    """The programme year."""
    issued: dt.date
    """The notice's date."""


class Route(_Model):
    """Who recognises the tier, so the applicant knows where to apply."""

    authority_zh: str
    """Authority and procedure, Chinese."""
    authority_en: str
    """The same, English."""
    rule_id: str
    """The provision it rests on."""


class Revocation(_Model):
    """Why a title no longer stands: the clause and the event."""

    rule_id: str
    """Rule or provision id (e.g. ``SD-REVOKE``)."""
    clause: str
    """Clause as printed."""
    text_zh: str
    """The clause quoted."""
    event: EventKind
    """The kind of event."""
    occurred_on: dt.date
    """When the event happened."""
    event_index: int | None = None
    """Index into the application's ``events``; ``None`` for a declared accident."""


class TitleStanding(_Model):
    """A title held, and whether it still stands on the evaluation date."""

    index: int
    """Index into the application's ``titles``."""
    tier: Tier
    """Tier of the title."""
    issuing_level: IssuingLevel
    """Who recognised it."""
    year: int
    """Year of recognition."""
    stated_status: TitleStatus
    """Status as the application states it."""
    standing: bool
    """Stated valid and not revoked by any event."""
    revocations: tuple[Revocation, ...] = ()
    """Revocations derived from events, with their clauses."""


class TitleReview(_Model):
    """The outcome of reviewing titles against events (revocation rules)."""

    jurisdiction: str
    """Jurisdiction code."""
    pack_version: str
    """Version of the rule pack applied."""
    on: dt.date
    """Evaluation date."""
    titles: tuple[TitleStanding, ...]
    """Each title and whether it stands."""


class TierAssessment(_Model):
    """The verdict for one tier and everything behind it."""

    tier: Tier
    """The tier."""
    label_zh: str
    """The jurisdiction's name for the tier."""
    verdict: Verdict
    """eligible / not_eligible / undetermined."""
    findings: tuple[Finding, ...]
    """One per rule applying to the tier, in pack order."""
    warnings: tuple[Notice, ...] = ()
    """In-principle shortfalls and other notices for this tier."""
    route: Route | None = None
    """Recognition route, where the pack gives one."""

    def finding(self, rule_id: str) -> Finding:
        """The finding of a rule; ``KeyError`` if the rule does not apply to this tier."""
        for finding in self.findings:
            if finding.rule_id == rule_id:
                return finding
        raise KeyError(f"rule {rule_id!r} does not apply to tier {self.tier.value!r}")

    @property
    def gaps(self) -> tuple[Finding, ...]:
        """Must-rules not met or unknown: what stands between the applicant and this tier.

        Each finding's message says what is missing (segments, counts, levels).
        """
        return tuple(f for f in self.findings
                     if f.strength is Strength.MUST and f.outcome is not Outcome.MET)


class Assessment(_Model):
    """The result of assessing one application under one jurisdiction on one date."""

    jurisdiction: str
    """Jurisdiction code."""
    jurisdiction_name_zh: str
    """Chinese name."""
    pack_version: str
    """Version of the conditions (要素条件) applied."""
    pack_status: DocumentStatus
    """Status of the conditions' primary document."""
    conditions_jurisdiction: str
    """Whose conditions were applied: the jurisdiction's own, or its base's."""
    call: CallSummary | None = None
    """The call assessed for; ``None`` for a self-assessment against the conditions."""
    on: dt.date
    """Evaluation date."""
    enterprise: str
    """Applicant name."""
    project_name: str | None = None
    """Project name."""
    backend: Literal["durable", "reference"]
    """Which evaluator produced the outcomes."""
    tiers: tuple[TierAssessment, ...]
    """Assessed tiers, from basic up."""
    warnings: tuple[Notice, ...] = ()
    """Notices that concern the whole assessment."""
    titles: tuple[TitleStanding, ...] = ()
    """Titles held and whether each still stands (empty when none are stated)."""

    def model_dump_json(self, **options: Any) -> str:
        """The assessment as JSON; with no options, each shared finding's JSON is made once.

        Findings are shared between assessments (the engine reuses one finding for every
        application whose explanation would be the same, D36), so without options the text
        is put together from each finding's JSON, made on first use and kept while the
        finding lives.  The text is the same, byte for byte, as pydantic's (tested); any
        option (``indent``, ``exclude``, ...) goes to pydantic.
        """
        if options:
            return super().model_dump_json(**options)
        return _assessment_json(self)

    def tier(self, tier: Tier | str) -> TierAssessment:
        """The assessment of one tier."""
        wanted = Tier(tier)
        for item in self.tiers:
            if item.tier is wanted:
                return item
        raise KeyError(f"tier {wanted.value!r} was not assessed")

    @property
    def highest_eligible(self) -> Tier | None:
        """The highest tier with verdict eligible, if any."""
        eligible = [t.tier for t in self.tiers if t.verdict is Verdict.ELIGIBLE]
        return max(eligible, key=lambda t: t.rank) if eligible else None


# --- JSON from shared findings ------------------------------------------------------------

_KEPT_JSON: dict[int, tuple[weakref.ref[BaseModel], orjson.Fragment]] = {}
"""id(finding or tier assessment) -> (a reference to it, its JSON); an entry goes when its
object does."""


def _kept_json(model: BaseModel, make: Callable[[BaseModel], bytes]) -> orjson.Fragment:
    """``model``'s JSON, made by ``make`` on first use and kept while ``model`` lives."""
    key = id(model)
    entry = _KEPT_JSON.get(key)
    if entry is not None and entry[0]() is model:
        return entry[1]
    fragment = orjson.Fragment(make(model))

    def forget(_: weakref.ref[BaseModel]) -> None:
        _KEPT_JSON.pop(key, None)

    _KEPT_JSON[key] = (weakref.ref(model, forget), fragment)
    return fragment


def _finding_json(finding: BaseModel) -> bytes:
    return BaseModel.model_dump_json(finding).encode()


def _tier_json(tier: BaseModel) -> bytes:
    assert isinstance(tier, TierAssessment)
    return orjson.dumps(_ordered(tier, "findings",
                                 [_kept_json(f, _finding_json) for f in tier.findings]))


def _ordered(model: BaseModel, name: str, value: Any) -> dict[str, Any]:
    """``model`` as JSON values, field ``name`` replaced by ``value``, in field order."""
    rest = model.model_dump(mode="json", exclude={name})
    return {field: value if field == name else rest[field] for field in type(model).model_fields}


def _assessment_json(assessment: Assessment) -> str:
    tiers = [_kept_json(tier, _tier_json) for tier in assessment.tiers]
    return orjson.dumps(_ordered(assessment, "tiers", tiers)).decode()
