"""Fuzz: a province plugin's data files, as a third party might ship them.

Oracle: building the engine never raises and never hangs; a bad file is one listed problem
naming the plugin, and the national rules keep working; a province that loads assesses the
same on both backends (and whatever loads on durable-rules loads on the reference backend).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from grfuzz import FUZZ, HOSTILE, damaged, mutated, time_limit
from grplugin import PACK, RULES, Plugin, make_jurisdiction, prov_app
from grtest import leading_application
from hypothesis import event, given
from hypothesis import strategies as st

import gradient_rules_national
from gradient_rules import Engine, GradientRulesError

ON = dt.date(2025, 6, 1)

CONDITIONS = st.sampled_from([
    {"kind": "min_level", "field": "maturity_level", "minimum": 3},
    {"kind": "min_level", "field": "digital_transformation_level",
     "minimum": {"basic": 2, "advanced": 3, "excellent": 4, "leading": 4}},
    {"kind": "attestation", "names": ["competitive"]},
    {"kind": "scenario_count", "minimum": 2},
    {"kind": "all_of", "conditions": [{"kind": "min_level", "field": "maturity_level",
                                       "minimum": 2},
                                      {"kind": "attestation", "names": ["competitive"]}]},
])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if (
            math.isinf(value)) else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)  # TOML basic strings take JSON's escapes (most of them)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    return '""'


def toml_text(data: Any) -> str:
    """A TOML document: top-level arrays of tables as ``[[name]]``, the rest inline."""
    if not isinstance(data, dict):  # a mutation replaced the whole document
        data = {"value": data}
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in data.items()
             if not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v))]
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            for item in value:
                lines.append(f"[[{json.dumps(key)}]]")
                lines += [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def rules_data(draw: st.DrawFn) -> dict[str, Any]:
    """The test province's rules, some conditions swapped, some rules added."""
    data = tomllib.loads(RULES)
    for rule in data["rules"]:
        if draw(st.integers(0, 3)) == 0:
            rule["condition"] = draw(CONDITIONS)
    for index in range(draw(st.integers(0, 3))):
        data["rules"].append({
            "id": f"TP-X{index}", "title_en": "x", "title_zh": "x",
            "tiers": draw(st.sampled_from([["basic"], ["basic", "advanced", "excellent",
                                                       "leading"]])),
            "relation": "adds", "condition": draw(CONDITIONS | st.just({"kind": "no_kind"})),
            "citation": {"document": "measures", "clause": "第九条", "text_zh": "x"}})
    return data


def _engine(data: Path, backend: Any) -> Engine:
    with time_limit(120):
        return Engine(plugins=[gradient_rules_national, Plugin("testprov", data)],
                      strict=False, backend=backend)


def _assess(engine: Engine) -> Any:
    try:
        with time_limit(60):
            return engine.assess(prov_app(), jurisdiction="testprov", on=ON).model_dump(
                exclude={"backend"})
    except GradientRulesError as error:
        return type(error).__name__


INJURIES = ["none", "rules", "rules", "pack", "base", "damage", "catalog"]


@FUZZ
@given(data=st.data(), injury=st.sampled_from(INJURIES))
def test_fuzz_plugin_data(data: st.DataObject, injury: str) -> None:
    rules: Any = data.draw(st.composite(rules_data)(), label="rules")
    pack: Any = tomllib.loads(PACK)
    if injury == "rules":
        rules = data.draw(mutated(st.just(rules), times=3), label="mutated rules")
    elif injury == "pack":
        pack = data.draw(mutated(st.just(pack), times=2), label="mutated pack")
    rules_text, pack_text = toml_text(rules), toml_text(pack)
    if injury == "damage":
        damaged_text = data.draw(damaged(rules_text.encode()), label="damaged rules")
        rules_text = damaged_text.decode("utf-8", "replace")
    with tempfile.TemporaryDirectory() as root:
        folder = make_jurisdiction(Path(root), pack=pack_text, rules=rules_text)
        if injury == "base":
            line = data.draw(st.sampled_from(['base = "testprov"\n', 'base = "nowhere"\n', '',
                                              'code = "other"\n']), label="jurisdiction.toml")
            text = (folder / "jurisdiction.toml").read_text(encoding="utf-8")
            (folder / "jurisdiction.toml").write_text(
                text.replace('base = "national"\n', line), encoding="utf-8")
        if injury == "catalog":
            (folder / "2025" / "catalog.toml").write_text(
                toml_text({"title_zh": data.draw(HOSTILE), "scenarios": []}), encoding="utf-8")
        durable = _engine(folder, "durable")
        reference = _engine(folder, "reference")
        for engine in (durable, reference):
            engine.assess(leading_application(), jurisdiction="national")  # still works
        codes = {j.code for j in durable.jurisdictions()}
        if "testprov" in codes:
            event("province loaded")
            assert "testprov" in {j.code for j in reference.jurisdictions()}
            assert _assess(durable) == _assess(reference)
        else:
            event("province refused")
            assert durable.problems, "a province missing without a problem listed"
            assert any("plugin_testprov" in str(p) for p in durable.problems)
