"""Rule packs: one jurisdiction's conditions (要素条件) for one edition, as validated data.

A pack is read from a directory of TOML files that ship inside the plugin's wheel
(``_datafiles``)::

    jurisdiction.toml        code, names, base jurisdiction
    <version>/pack.toml      validity, documents, attestations, recognition, segment map
    <version>/rules.toml     [[rules]] and [[provisions]]
    <version>/kpis.toml      optional KPI reference
    <version>/catalog.toml   optional scenario catalog
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from ._catalog import Kpi, ScenarioCatalog
from ._limits import IsoDate
from ._rules import AttestationText, Citation, DataModel, Document, Provision, Rule, Source
from ._vocabulary import DocumentStatus, EventKind, IncidentGrade, IncidentKind, Segment, Tier

__all__ = [
    "AcceptedFinding",
    "DroppedRules",
    "JurisdictionInfo",
    "LaterEdition",
    "RecognitionRoute",
    "RevocationTrigger",
    "RulePack",
    "TierNotice",
]


class RevocationTrigger(DataModel):
    """An event that revokes a title recognised before it (a clause of a revocation rule)."""

    event: EventKind
    """The kind of event."""
    rule: str
    """The rule or provision id (e.g. ``SD-REVOKE``)."""
    clause: str
    """Clause as printed, e.g. ``第十五条（四）``."""
    text_zh: str
    """The clause quoted as printed."""
    accident_kinds: tuple[IncidentKind, ...] = ()
    """For accidents: the kinds that count."""
    min_grade: IncidentGrade | None = None
    """For accidents: the lowest grade that counts."""

    @model_validator(mode="after")
    def _accident_fields(self) -> RevocationTrigger:
        accident = self.event is EventKind.ACCIDENT
        if accident != bool(self.accident_kinds) or accident != (self.min_grade is not None):
            raise ValueError("an accident trigger needs `accident_kinds` and `min_grade`; "
                             "other triggers take neither")
        return self


class TierNotice(DataModel):
    """A remark shown with the verdict of some tiers (e.g. "follow each year's MIIT notice")."""

    tiers: tuple[Tier, ...] = Field(min_length=1)
    """Tiers it is shown for."""
    rule: str
    """The provision it rests on."""
    zh: str
    """Text, Chinese."""
    en: str
    """Text, English."""


class RecognitionRoute(DataModel):
    """Who recognises a tier."""

    tier: Tier
    """The tier."""
    authority_zh: str
    """Recognising authority and procedure, in Chinese."""
    authority_en: str
    """The same in English."""
    rule: str
    """Id of the provision or rule it rests on."""


class LaterEdition(DataModel):
    """A newer edition of the rules that is known to exist but is not encoded."""

    reference: str
    """Its document number."""
    warn_from: IsoDate
    """Assessments on or after this date carry a notice."""
    warn_from_source: Source = "seed"
    """Whether ``warn_from`` is printed somewhere or inferred."""
    note_zh: str
    """Notice text, Chinese."""
    note_en: str
    """Notice text, English."""


class DroppedRules(DataModel):
    """Base rules a province deliberately does not apply, and the clause that says so."""

    rules: tuple[str, ...] = Field(min_length=1)
    """Ids of the base jurisdiction's rules left out."""
    citation: Citation
    """The province's clause showing its conditions stand without them."""
    reason_en: str
    """Why, in a sentence."""


class AcceptedFinding(DataModel):
    """A warning of ``gradient-rules check`` that is a known property of the text.

    Only warnings can be accepted; an error always refuses the pack.
    """

    check: str
    """The check's code, e.g. ``strength-order``."""
    rules: tuple[str, ...] = Field(min_length=1)
    """The rules it is about (any one of them matches)."""
    reason: str
    """Why it is right for this text."""
    decision: str | None = None
    """The decision record, e.g. ``D18``."""


class JurisdictionInfo(DataModel):
    """Names of a jurisdiction."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Place code: ``national``, ``guizhou``, ``shandong``, ``shanxi``."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    base: str | None = None
    """The jurisdiction whose rules this one adopts or overrides (usually ``national``)."""


class RulePack(DataModel):
    """One jurisdiction's rules for one document version."""

    jurisdiction: JurisdictionInfo
    """Who."""
    version: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    """Version label, unique within the jurisdiction (e.g. ``2024``)."""
    valid_from: IsoDate
    """First day the pack may be applied."""
    valid_until: IsoDate | None = None
    """Last day, inclusive; ``None`` when open-ended."""
    documents: tuple[Document, ...] = Field(min_length=1)
    """Source documents; the first is the primary one."""
    tier_labels: dict[Tier, str] = Field(default_factory=dict)
    """Jurisdiction's own tier names (e.g. 先进级（省级）); national names otherwise."""
    attestations: dict[str, AttestationText] = Field(default_factory=dict)
    """Attestations the application may state."""
    rules: tuple[Rule, ...] = ()
    """Eligibility rules."""
    provisions: tuple[Provision, ...] = ()
    """Definitional and procedural clauses."""
    recognition: tuple[RecognitionRoute, ...] = ()
    """Who recognises each tier."""
    guide_segments: dict[str, Segment] = Field(default_factory=dict)
    """Scenario-guide 环节 -> assessment segment."""
    guide_segments_unmapped: tuple[str, ...] = ()
    """Scenario-guide 环节 that count toward no segment (e.g. 多环节模式创新)."""
    kpis: tuple[Kpi, ...] = ()
    """KPI reference."""
    catalog: ScenarioCatalog | None = None
    """Scenario catalog, if the jurisdiction has one."""
    later_edition: LaterEdition | None = None
    """A newer edition known to exist but not encoded here."""
    revocation: tuple[RevocationTrigger, ...] = ()
    """Events that revoke titles."""
    tier_notices: tuple[TierNotice, ...] = ()
    """Remarks shown with some tiers' verdicts."""
    tiers: tuple[Tier, ...] = tuple(Tier)
    """Tiers the conditions define."""
    inherits: tuple[Literal["guide_segments", "kpis"], ...] = ()
    """Shared data taken from the base jurisdiction's pack instead of being copied: the
    scenario guide's segment map (``guide_segments`` and ``guide_segments_unmapped``) and
    the KPI reference (``kpis``)."""
    drops: tuple[DroppedRules, ...] = ()
    """Base rules this pack neither adopts, tightens nor replaces, on purpose."""
    accepted: tuple[AcceptedFinding, ...] = ()
    """Warnings of the static checks that are properties of the text."""

    @property
    def status(self) -> DocumentStatus:
        """Status of the primary document."""
        return self.documents[0].status

    @property
    def ruleset_name(self) -> str:
        """Name of the compiled ruleset: jurisdiction and version."""
        return f"{self.jurisdiction.code}:{self.version}"

    def label(self, tier: Tier) -> str:
        """The jurisdiction's Chinese name for ``tier``."""
        return self.tier_labels.get(tier, tier.label_zh)

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is within the pack's validity."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def validity_text(self) -> str:
        """``2024-10-29 to 2027-12-31`` or ``from 2024-10-29``."""
        if self.valid_until is None:
            return f"from {self.valid_from.isoformat()}"
        return f"{self.valid_from.isoformat()} to {self.valid_until.isoformat()}"

    def document(self, doc_id: str) -> Document:
        """A document by id."""
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(doc_id)

    def rule_ids(self) -> tuple[str, ...]:
        """Ids of rules and provisions."""
        return tuple(r.id for r in self.rules) + tuple(p.id for p in self.provisions)

    @model_validator(mode="after")
    def _cross_check(self) -> RulePack:
        problems: list[str] = []
        doc_ids = {d.id for d in self.documents}
        ids = self.rule_ids()
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"rule id {dup!r} is used twice")
        cited: tuple[tuple[str, tuple[Rule | Provision, ...]], ...] = (
            ("rules", self.rules), ("provisions", self.provisions))
        for kind, items in cited:
            for index, item in enumerate(items):
                if item.citation.document not in doc_ids:
                    problems.append(
                        f"{kind}[{index}]: {item.id} cites unknown document "
                        f"{item.citation.document!r}; documents: {', '.join(sorted(doc_ids))}")
        for index, rule in enumerate(self.rules):
            if self.jurisdiction.base is not None and rule.relation is None:
                problems.append(
                    f"rules[{index}]: {rule.id} must declare `relation` (adopts, tightens, "
                    f"replaces or adds) because the pack has base {self.jurisdiction.base!r}")
            if rule.condition is not None:
                for name in sorted(rule.condition.attestation_names() - set(self.attestations)):
                    problems.append(
                        f"rules[{index}]: {rule.id} reads attestation {name!r}, which is not "
                        "declared in [attestations]")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            problems.append("valid_until is before valid_from")
        if self.inherits and self.jurisdiction.base is None:
            problems.append("inherits needs a base jurisdiction (jurisdiction.toml `base`)")
        own = {"kpis": bool(self.kpis),
               "guide_segments": bool(self.guide_segments or self.guide_segments_unmapped)}
        for name in self.inherits:
            if own[name]:
                problems.append(f"inherits {name!r} but also declares it; keep one of the two")
        if problems:
            raise ValueError("; ".join(problems))
        return self
