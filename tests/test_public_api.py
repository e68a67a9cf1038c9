"""The public namespace is pinned; private modules stay private; durable-rules stays in one."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import gradient_rules

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = [
    "AcceptedFinding", "CheckFinding", "DroppedRules", "Severity",
    "Application", "ApplicationError", "Assessment", "CatalogScenario", "Check", "Citation",
    "CitedClause", "Condition", "CountingPolicy", "DataFileError", "Document", "DocumentStatus",
    "Engine", "EngineError", "Enterprise", "EvaluationContext", "Explanation", "Filing",
    "Finding", "GradientRulesError", "Incident", "IncidentGrade", "IncidentKind",
    "IssuingLevel", "JurisdictionInfo", "JurisdictionSource", "Kpi", "Notice",
    "OutOfValidityError", "Outcome", "PluginError", "Provision", "Relation", "Route", "Rule",
    "RuleEvaluationError", "RulePack", "ScenarioCatalog", "ScenarioClaim", "Segment",
    "SelfAssessment", "Strength", "Tier", "TierAssessment", "Title", "TitleStatus",
    "UnknownJurisdictionError", "Verdict", "__version__", "hookimpl", "load_application",
    "parse_application", "Event", "EventKind", "Industry", "Revocation", "RevocationTrigger",
    "TierNotice", "TitleReview", "TitleStanding", "Difference", "RelationCheck",
    "BatchAssessment", "BatchFinding", "BatchRow", "Contact", "BatchRules", "FormSpec",
    "Material", "write_form", "BulkItem", "EngineRecipe", "RowProblem", "ScreeningRow",
]


def test_all_is_pinned() -> None:
    assert sorted(gradient_rules.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert hasattr(gradient_rules, name), name


def test_every_public_name_has_a_docstring() -> None:
    for name in PUBLIC:
        obj = getattr(gradient_rules, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_every_error_derives_from_one_base() -> None:
    errors = [getattr(gradient_rules, n) for n in PUBLIC if n.endswith("Error")]
    assert all(issubclass(e, gradient_rules.GradientRulesError) for e in errors)


def test_both_packages_ship_py_typed() -> None:
    assert (ROOT / "src" / "gradient_rules" / "py.typed").is_file()
    for plugin in (ROOT / "plugins").iterdir():
        if (plugin / "pyproject.toml").is_file():
            assert list((plugin / "src").glob("*/py.typed")), plugin.name


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names.add(node.args[0].value.split(".")[0])
    return names


def test_only_the_adapter_imports_durable_rules() -> None:
    users = sorted(str(p.relative_to(ROOT)) for p in
                   [*ROOT.glob("src/**/*.py"), *ROOT.glob("plugins/*/src/**/*.py")]
                   if {"durable", "durable_rules_engine"} & _imports(p))
    assert users == ["src/gradient_rules/_durable.py"]


def test_the_library_never_reads_the_clock_to_decide() -> None:
    # The adapter times actions (durable-rules' 10 s window); nothing else reads a clock.
    for path in ROOT.glob("src/gradient_rules/*.py"):
        if path.name == "_durable.py":
            continue
        text = path.read_text(encoding="utf-8")
        for call in ("date.today(", "datetime.now(", "datetime.today(", "time.time(",
                     "utcnow("):
            assert call not in text, f"{path.name} calls {call}"
