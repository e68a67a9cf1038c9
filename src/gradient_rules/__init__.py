"""gradient-rules: which tier of the smart-factory gradient programme a factory qualifies for.

Decide eligibility for 智能工厂梯度培育 tiers (基础级, 先进级, 卓越级, 领航级) under the
national conditions and each province's rules, and explain every verdict with its clause::

    from gradient_rules import Engine
    engine = Engine.from_installed()
    assessment = engine.assess(application, jurisdiction="national", on=date(2024, 11, 15))

Everything public is re-exported here; modules starting with ``_`` are private.
"""

from typing import TYPE_CHECKING, Any

from . import _accelerated  # noqa: F401  (first: compiled modules, or all from source; D41)
from ._application import (
    Application,
    Enterprise,
    Event,
    Filing,
    Incident,
    ScenarioClaim,
    SelfAssessment,
    Title,
    parse_application,
)
from ._assessment import (
    Assessment,
    CitedClause,
    Finding,
    Notice,
    Revocation,
    Route,
    TierAssessment,
    TitleReview,
    TitleStanding,
)
from ._calls import BatchRules, FormSpec, Material
from ._catalog import CatalogScenario, CountingPolicy, Kpi, ScenarioCatalog
from ._checks import CheckFinding, Severity
from ._conditions import Check, Condition, EvaluationContext, Explanation
from ._engine import Engine
from ._errors import (
    ApplicationError,
    DataFileError,
    EngineError,
    GradientRulesError,
    OutOfValidityError,
    PluginError,
    RuleEvaluationError,
    UnknownJurisdictionError,
)
from ._hookspecs import JurisdictionSource, hookimpl
from ._loading import load_application
from ._rulepack import (
    AcceptedFinding,
    DroppedRules,
    JurisdictionInfo,
    RevocationTrigger,
    RulePack,
    TierNotice,
)
from ._rules import Citation, Document, Provision, Rule
from ._vocabulary import (
    DocumentStatus,
    EventKind,
    IncidentGrade,
    IncidentKind,
    Industry,
    IssuingLevel,
    Outcome,
    Relation,
    Segment,
    Strength,
    Tier,
    TitleStatus,
    Verdict,
)

if TYPE_CHECKING:
    from ._batch import BatchAssessment, BatchFinding, BatchRow, Contact
    from ._consistency import Difference, RelationCheck
    from ._form import write_form
    from ._rows import BulkItem, RowProblem, ScreeningRow
    from ._workers import EngineRecipe

__version__ = "0.1.0"

_LAZY = {
    "BatchAssessment": "_batch", "BatchFinding": "_batch", "BatchRow": "_batch",
    "Contact": "_batch", "Difference": "_consistency", "RelationCheck": "_consistency",
    "write_form": "_form", "BulkItem": "_rows", "EngineRecipe": "_workers",
    "RowProblem": "_rows", "ScreeningRow": "_rows",
}
"""Public names whose modules load on first use: what a single assessment (the CLI's first
result) does not need, kept out of ``import gradient_rules`` (docs/scaling.md)."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gradient_rules' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "AcceptedFinding",
    "Application",
    "ApplicationError",
    "Assessment",
    "BatchAssessment",
    "BatchFinding",
    "BatchRow",
    "BatchRules",
    "BulkItem",
    "CatalogScenario",
    "Check",
    "CheckFinding",
    "Citation",
    "CitedClause",
    "Condition",
    "Contact",
    "CountingPolicy",
    "DataFileError",
    "Difference",
    "Document",
    "DocumentStatus",
    "DroppedRules",
    "Engine",
    "EngineError",
    "EngineRecipe",
    "Enterprise",
    "EvaluationContext",
    "Event",
    "EventKind",
    "Explanation",
    "Filing",
    "Finding",
    "FormSpec",
    "GradientRulesError",
    "Incident",
    "IncidentGrade",
    "IncidentKind",
    "Industry",
    "IssuingLevel",
    "JurisdictionInfo",
    "JurisdictionSource",
    "Kpi",
    "Material",
    "Notice",
    "OutOfValidityError",
    "Outcome",
    "PluginError",
    "Provision",
    "Relation",
    "RelationCheck",
    "Revocation",
    "RevocationTrigger",
    "Route",
    "RowProblem",
    "Rule",
    "RuleEvaluationError",
    "RulePack",
    "ScenarioCatalog",
    "ScenarioClaim",
    "ScreeningRow",
    "Segment",
    "SelfAssessment",
    "Severity",
    "Strength",
    "Tier",
    "TierAssessment",
    "TierNotice",
    "Title",
    "TitleReview",
    "TitleStanding",
    "TitleStatus",
    "UnknownJurisdictionError",
    "Verdict",
    "__version__",
    "hookimpl",
    "load_application",
    "parse_application",
    "write_form",
]
