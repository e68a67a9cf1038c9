"""Rule packs: one jurisdiction's rules for one document version, as validated data.

A pack is read from a directory of TOML files that ship inside the plugin's wheel::

    jurisdiction.toml        code, names, base jurisdiction
    <version>/pack.toml      validity, documents, attestations, recognition, segment map
    <version>/rules.toml     [[rules]] and [[provisions]]
    <version>/kpis.toml      optional KPI reference
    <version>/catalog.toml   optional scenario catalog

Errors name the plugin, the file and the key path (``rules[3].condition.minimum``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from importlib.resources.abc import Traversable
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._conditions import BUILTIN_KINDS, Condition
from ._errors import DataFileError, PluginError
from ._vocabulary import (
    DocumentStatus,
    EventKind,
    IncidentGrade,
    IncidentKind,
    Relation,
    Segment,
    Strength,
    Tier,
)

__all__ = [
    "AttestationText",
    "BatchRules",
    "CatalogScenario",
    "Citation",
    "ConditionKinds",
    "CountingPolicy",
    "Document",
    "FormSpec",
    "JurisdictionInfo",
    "Kpi",
    "LaterEdition",
    "Material",
    "Provision",
    "RecognitionRoute",
    "RevocationTrigger",
    "Rule",
    "RulePack",
    "ScenarioCatalog",
    "TierNotice",
    "load_jurisdiction",
]

RULE_ID = r"^[A-Z]{2,4}(-[A-Z0-9]+)+$"
Source = Literal["seed", "inferred"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ConditionKinds:
    """The registry of condition kinds: the built-in closed set plus plugins' additions."""

    def __init__(self, extra: Iterable[tuple[str, type[Condition]]] = ()) -> None:
        self._kinds: dict[str, type[Condition]] = {}
        self._owners: dict[str, str] = {}
        for cls in BUILTIN_KINDS:
            self._add(cls, "gradient_rules")
        for owner, cls in extra:
            self._add(cls, owner)

    def _add(self, cls: type[Condition], owner: str) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Condition)):
            raise PluginError(f"condition kind {cls!r} is not a subclass of Condition",
                              plugin=owner)
        field = cls.model_fields.get("kind")
        name = field.default if field is not None else None
        if not isinstance(name, str) or not name:
            raise PluginError(f"condition kind {cls.__name__} needs a default for `kind`",
                              plugin=owner)
        if name in self._kinds:
            raise PluginError(
                f"condition kind {name!r} is defined by both {self._owners[name]!r} and "
                f"{owner!r}; rename one of them", plugin=owner)
        self._kinds[name] = cls
        self._owners[name] = owner

    def names(self) -> tuple[str, ...]:
        """Known kind names, sorted."""
        return tuple(sorted(self._kinds))

    def get(self, name: str) -> type[Condition]:
        """The class of a kind."""
        return self._kinds[name]

    def parse(self, data: Any, where: str = "condition") -> Condition:
        """Validate a condition table; the kind picks the model."""
        if isinstance(data, Condition):
            return data
        if not isinstance(data, Mapping) or "kind" not in data:
            raise ValueError(f"{where} must be a table with a `kind` key")
        kind = data["kind"]
        if kind not in self._kinds:
            raise ValueError(
                f"unknown condition kind {kind!r}; known kinds: {', '.join(self.names())}")
        return self._kinds[kind].model_validate(dict(data), context={"condition_kinds": self})


class Document(_Model):
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
    issued: dt.date | None = None
    """Issue date, where known."""
    issued_source: Source = "seed"
    """Whether ``issued`` is printed in the seed or inferred from other sources."""
    seed: str | None = None
    """File name of the text in ``shared/seeds``."""
    notes: tuple[str, ...] = ()
    """Remarks on the text as received."""


class Citation(_Model):
    """Where a rule stands: document, clause, and the words as printed."""

    document: str
    """A document id of the pack."""
    clause: str
    """Clause number as printed, e.g. ``一、5`` or ``第十二条``."""
    text_zh: str
    """The clause quoted as printed."""


class Rule(_Model):
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


class Provision(_Model):
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


class RevocationTrigger(_Model):
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


class TierNotice(_Model):
    """A remark shown with the verdict of some tiers (e.g. "follow each year's MIIT notice")."""

    tiers: tuple[Tier, ...] = Field(min_length=1)
    """Tiers it is shown for."""
    rule: str
    """The provision it rests on."""
    zh: str
    """Text, Chinese."""
    en: str
    """Text, English."""


class Material(_Model):
    """One item of an application materials checklist."""

    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    """Short id the application lists when the material is present."""
    name_zh: str
    """Name as printed (所需材料)."""
    content_zh: str
    """What it contains, as printed (具体内容)."""


class BatchRules(_Model):
    """Rules over a recommender's ranked batch of applications."""

    tier: Tier
    """The tier the batch recommends for."""
    quota: int = Field(ge=1)
    """Most applications one recommender may put forward."""
    quota_by_recommender: dict[str, int] = {}
    """Quotas that differ by recommender name (e.g. Liaoning: 沈阳 15, others 2)."""
    quota_rule: str
    """Rule id of the quota."""
    submit_by: dt.date | None = None
    """Last day for the recommender's submission, inclusive."""
    submit_rule: str | None = None
    """Rule id of the submission deadline."""
    province: str | None = None
    """Place code every application of the batch must be registered in."""

    def quota_for(self, recommender: str) -> int:
        """The quota of one recommender."""
        return self.quota_by_recommender.get(recommender, self.quota)


class FormSpec(_Model):
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


class AttestationText(_Model):
    """How an attestation reads."""

    zh: str
    """Chinese wording (usually the clause's words)."""
    en: str
    """English wording."""


class RecognitionRoute(_Model):
    """Who recognises a tier."""

    tier: Tier
    """The tier."""
    authority_zh: str
    """Recognising authority and procedure, in Chinese."""
    authority_en: str
    """The same in English."""
    rule: str
    """Id of the provision or rule it rests on."""


class Kpi(_Model):
    """One indicator of a KPI reference."""

    id: str = Field(pattern=r"^KPI-\d{2}$")
    """``KPI-01`` ... ``KPI-20``."""
    group_zh: str
    """Group name as printed."""
    group_en: str
    """Group name in English."""
    name_zh: str
    """Indicator name as printed."""
    unit: Literal["%", "count"]
    """Unit: per cent, or a count (个 / 家)."""


class CountingPolicy(StrEnum):
    """When a scenario counts toward a tier (see docs/decisions.md)."""

    AT_OR_ABOVE = "at_or_above"
    """Counts for tier T when the factory reaches T or higher *and* T's cell is not "/"."""
    AT_OR_ABOVE_ANY_CELL = "at_or_above_any_cell"
    """Counts for tier T when the factory reaches T or higher, even if T's cell is "/"."""


class CatalogScenario(_Model):
    """One row of a scenario catalog."""

    id: str = Field(pattern=r"^[A-Z]{2,4}-\d{2}$")
    """Catalog id, e.g. ``GZ-03``."""
    number: int = Field(ge=1)
    """Row number as printed."""
    segment: Segment
    """The segment it belongs to."""
    name_zh: str
    """Scenario name as printed."""
    descriptions: dict[Tier, str] = {}
    """Per-tier description as printed; a "/" cell is an absent key."""
    cut_off: tuple[Tier, ...] = ()
    """Tiers whose cell exists but whose text is cut off in the received copy."""
    source: Source = "seed"
    """``inferred`` rows have no descriptions and unknown cells."""

    def cells(self) -> frozenset[Tier] | None:
        """Tiers with a cell (described or cut off); ``None`` when not known (inferred)."""
        if self.source == "inferred" and not self.descriptions:
            return None
        return frozenset(self.descriptions) | frozenset(self.cut_off)


class ScenarioCatalog(_Model):
    """A jurisdiction's scenario reference table."""

    title_zh: str
    """Title as printed."""
    complete: bool
    """False when rows or cells are missing from the received text."""
    counting: CountingPolicy = CountingPolicy.AT_OR_ABOVE
    """How claims count toward tiers."""
    counting_rule: str
    """The rule or decision id behind the counting policy."""
    scenarios: tuple[CatalogScenario, ...]
    """Rows in printed order."""

    @model_validator(mode="after")
    def _unique(self) -> ScenarioCatalog:
        ids = [s.id for s in self.scenarios]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"scenario ids listed twice: {', '.join(sorted(dup))}")
        return self

    def by_id(self) -> dict[str, CatalogScenario]:
        """Rows keyed by id."""
        return {s.id: s for s in self.scenarios}


class LaterEdition(_Model):
    """A newer edition of the rules that is known to exist but is not encoded."""

    reference: str
    """Its document number."""
    warn_from: dt.date
    """Assessments on or after this date carry a notice."""
    warn_from_source: Source = "seed"
    """Whether ``warn_from`` is printed somewhere or inferred."""
    note_zh: str
    """Notice text, Chinese."""
    note_en: str
    """Notice text, English."""


class JurisdictionInfo(_Model):
    """Names of a jurisdiction."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Place code: ``national``, ``guizhou``, ``shandong``, ``shanxi``."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    base: str | None = None
    """The jurisdiction whose rules this one adopts or overrides (usually ``national``)."""


class RulePack(_Model):
    """One jurisdiction's rules for one document version."""

    jurisdiction: JurisdictionInfo
    """Who."""
    version: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    """Version label, unique within the jurisdiction (e.g. ``2024``)."""
    valid_from: dt.date
    """First day the pack may be applied."""
    valid_until: dt.date | None = None
    """Last day, inclusive; ``None`` when open-ended."""
    documents: tuple[Document, ...] = Field(min_length=1)
    """Source documents; the first is the primary one."""
    tier_labels: dict[Tier, str] = {}
    """Jurisdiction's own tier names (e.g. 先进级（省级）); national names otherwise."""
    attestations: dict[str, AttestationText] = {}
    """Attestations the application may state."""
    rules: tuple[Rule, ...] = ()
    """Eligibility rules."""
    provisions: tuple[Provision, ...] = ()
    """Definitional and procedural clauses."""
    recognition: tuple[RecognitionRoute, ...] = ()
    """Who recognises each tier."""
    guide_segments: dict[str, Segment] = {}
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
    """Tiers the pack assesses (a call for one tier names only that tier)."""
    materials: tuple[Material, ...] = ()
    """Application materials checklist."""
    batch: BatchRules | None = None
    """Rules over a recommender's batch."""
    form: FormSpec | None = None
    """The summary form recommenders file."""

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
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --- loading ----------------------------------------------------------------------------


def _read_toml(file: Traversable, label: str, plugin: str) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise DataFileError(label, "", "file is missing", plugin=plugin) from None
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(label, "", f"not valid TOML: {error}", plugin=plugin) from None


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validate(model: type[_Model], data: Any, label: str, plugin: str, kinds: ConditionKinds,
              prefix: str = "") -> Any:
    try:
        return model.model_validate(data, context={"condition_kinds": kinds})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = _key_path(tuple(first["loc"]))
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = _clean(str(first["msg"]))
        if first["type"] == "extra_forbidden":
            message = "unknown key; see docs/data-files.md for the keys this file takes"
        raise DataFileError(label, key, message + more, plugin=plugin) from None


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _file_of(key: str) -> str:
    return {"rules": "rules.toml", "provisions": "rules.toml", "kpis": "kpis.toml",
            "catalog": "catalog.toml"}.get(key, "pack.toml")


def load_pack(directory: Traversable, info: JurisdictionInfo, kinds: ConditionKinds,
              *, plugin: str) -> RulePack:
    """Load one pack directory."""
    where = f"{info.code}/{directory.name}"
    pack_data = _read_toml(directory / "pack.toml", f"{where}/pack.toml", plugin)
    rules_data = _read_toml(directory / "rules.toml", f"{where}/rules.toml", plugin)
    data: dict[str, Any] = {"jurisdiction": info, "version": directory.name}
    for key in ("jurisdiction", "version"):
        if key in pack_data:
            raise DataFileError(f"{where}/pack.toml", key,
                                "set in jurisdiction.toml and by the directory name", plugin=plugin)
    data.update(pack_data)
    for key in ("rules", "provisions"):
        if key in rules_data:
            data[key] = rules_data.pop(key)
    for key in rules_data:
        raise DataFileError(f"{where}/rules.toml", key,
                            "unknown key; rules.toml takes [[rules]] and [[provisions]]",
                            plugin=plugin)
    kpi_file = directory / "kpis.toml"
    if kpi_file.is_file():
        kpi_data = _read_toml(kpi_file, f"{where}/kpis.toml", plugin)
        data["kpis"] = kpi_data.get("kpis", [])
    catalog_file = directory / "catalog.toml"
    if catalog_file.is_file():
        data["catalog"] = _read_toml(catalog_file, f"{where}/catalog.toml", plugin)
    try:
        pack: RulePack = RulePack.model_validate(data, context={"condition_kinds": kinds})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        file = _file_of(str(loc[0])) if loc else "pack.toml"
        key = _key_path(loc[1:] if file == "catalog.toml" else loc)
        message = _clean(str(first["msg"]))
        addressed = re.match(r"^((rules|provisions)\[\d+\]): (.*)$", message, re.S)
        if not loc and addressed:  # a cross-check naming one rule
            file, key, message = "rules.toml", addressed.group(1), addressed.group(3)
        if first["type"] == "extra_forbidden":
            message = "unknown key; see docs/data-files.md for the keys this file takes"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise DataFileError(f"{where}/{file}", key, message + more, plugin=plugin) from None
    return pack


def load_jurisdiction(root: Traversable, kinds: ConditionKinds | None = None,
                      *, plugin: str = "?") -> tuple[JurisdictionInfo, tuple[RulePack, ...]]:
    """Load ``jurisdiction.toml`` and every pack directory beside it."""
    kinds = kinds or ConditionKinds()
    raw = _read_toml(root / "jurisdiction.toml", "jurisdiction.toml", plugin)
    info: JurisdictionInfo = _validate(JurisdictionInfo, raw.get("jurisdiction", raw),
                                       "jurisdiction.toml", plugin, kinds)
    packs = tuple(
        load_pack(entry, info, kinds, plugin=plugin)
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_dir() and (entry / "pack.toml").is_file()
    )
    if not packs:
        raise DataFileError(f"{info.code}/", "", "no pack directory (with a pack.toml) found",
                            plugin=plugin)
    return info, packs
