"""Scenario catalogs and KPI references: the tables a jurisdiction's rules count against."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from ._limits import StrictBool, Whole
from ._rules import DataModel, Source
from ._vocabulary import Segment, Tier

__all__ = ["CatalogScenario", "CountingPolicy", "Kpi", "ScenarioCatalog"]


class Kpi(DataModel):
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
    """When a scenario claim counts toward a tier (docs/decisions.md D30)."""

    LADDER = "ladder"
    """A claim counts toward the tier it reaches and every lower tier, whether or not a lower
    tier's cell is "/": the tiers are a ladder, each built on the one below (the default)."""
    DESCRIBED_ONLY = "described_only"
    """A claim counts toward a tier only where that tier's cell is not "/" (D16's reading,
    superseded by D30; kept as a switch)."""


class CatalogScenario(DataModel):
    """One row of a scenario catalog."""

    id: str = Field(pattern=r"^[A-Z]{2,4}-\d{2}$")
    """Catalog id, e.g. ``GZ-03``."""
    number: Whole = Field(ge=1)
    """Row number as printed."""
    segment: Segment
    """The segment it belongs to."""
    name_zh: str
    """Scenario name as printed."""
    descriptions: dict[Tier, str] = Field(default_factory=dict)
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


class ScenarioCatalog(DataModel):
    """A jurisdiction's scenario reference table."""

    title_zh: str
    """Title as printed."""
    complete: StrictBool
    """False when rows or cells are missing from the received text."""
    counting: CountingPolicy = CountingPolicy.LADDER
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
