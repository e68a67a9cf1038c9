"""Rule records shared by rule packs and calls: rules, provisions, their citations."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ._conditions import Condition
from ._docstrings import describe_fields
from ._limits import IsoDate
from ._vocabulary import DocumentStatus, Relation, Strength, Tier

__all__ = [
    "RULE_ID",
    "AttestationText",
    "Citation",
    "DataModel",
    "Document",
    "Provision",
    "Rule",
    "Source",
]

RULE_ID = r"^[A-Z]{2,4}(-[A-Z0-9]+)+$"
Source = Literal["seed", "inferred"]


class DataModel(BaseModel):
    """Base of every model read from a plugin's data files: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)


class Document(DataModel):
    """A source document and its legal status."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    """Short id used by citations."""
    title_zh: str
    """Official title."""
    title_en: str
    """English rendering of the title."""
    reference: str | None = None
    """Document number (文号), where known."""
    status: DocumentStatus
    """Draft for comment, draft for review, or in force."""
    issued: IsoDate | None = None
    """Issue date, where known."""
    issued_source: Source = "seed"
    """Whether ``issued`` is printed in the seed or inferred from other sources."""
    seed: str | None = None
    """File name of the text in ``shared/seeds``."""
    notes: tuple[str, ...] = ()
    """Remarks on the text as received."""


class Citation(DataModel):
    """Where a rule stands: document, clause, and the words as printed."""

    document: str
    """A document id of the pack."""
    clause: str
    """Clause number as printed, e.g. ``一、5`` or ``第十二条``."""
    text_zh: str
    """The clause quoted as printed."""


class Rule(DataModel):
    """One eligibility rule: evaluated to met, not met or unknown for each of its tiers."""

    id: str = Field(pattern=RULE_ID)
    """Inventory id, never reused (e.g. ``NAT-BASE-5``)."""
    title_en: str
    """What the rule asks, in a line."""
    title_zh: str
    """The same in Chinese."""
    tiers: tuple[Tier, ...] = ()
    """Tiers the rule applies to (taken from the base rule when adopting and omitted)."""
    strength: Strength = Strength.MUST
    """``must`` refuses when not met; ``in_principle`` only warns."""
    citation: Citation
    """The clause."""
    condition: Condition | None = None
    """The test; may be omitted only when the rule adopts a base rule."""
    relation: Relation | None = None
    """Relation to the base jurisdiction's rules (required in a pack with a base)."""
    relates_to: tuple[str, ...] = ()
    """Base rule ids this rule adopts, tightens or replaces."""
    source: Source = "seed"
    """Whether the rule is read from a seed or inferred."""

    @field_validator("condition", mode="before")
    @classmethod
    def _parse_condition(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = (info.context or {}).get("condition_kinds")
        if value is None or kinds is None:
            return value
        return kinds.parse(value)

    @field_validator("tiers")
    @classmethod
    def _unique_tiers(cls, value: tuple[Tier, ...]) -> tuple[Tier, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a tier is listed twice")
        return tuple(sorted(value, key=lambda t: t.rank))

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not self.tiers and self.relation is not Relation.ADOPTS:
            raise ValueError("`tiers` is required unless the rule adopts a base rule")
        if self.condition is None and self.relation is not Relation.ADOPTS:
            raise ValueError("a rule needs a `condition` unless it adopts a base rule")
        if self.relation in (Relation.ADOPTS, Relation.TIGHTENS, Relation.REPLACES) and not (
            self.relates_to
        ):
            raise ValueError(f"relation {self.relation.value!r} needs `relates_to`")
        if self.condition is not None:
            problems = self.condition.tier_problems(self.tiers)
            if problems:
                raise ValueError("; ".join(problems))
        return self


class Provision(DataModel):
    """A definitional or procedural clause: not a test, but applied by the engine."""

    id: str = Field(pattern=RULE_ID)
    """Inventory id."""
    title_en: str
    """What it provides."""
    title_zh: str
    """The same in Chinese."""
    citation: Citation
    """The clause."""
    applies_as: Literal["segment_map", "kpi_reference", "recognition", "tier_ladder",
                        "scenario_catalog", "revocation", "tier_notice", "informational",
                        "validity", "materials", "batch", "form"]
    """Which part of the pack's data it governs."""


class AttestationText(DataModel):
    """How an attestation reads."""

    zh: str
    """Chinese wording (usually the clause's words)."""
    en: str
    """English wording."""
