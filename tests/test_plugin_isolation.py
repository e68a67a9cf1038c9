"""The boundary with third parties: one broken or shadowing plugin never takes the others down.

Each case failed before (decision D34): a second distribution registering the entry point
``national`` silently replaced the national rules; a misspelled hook, a hook with an extra
argument, a generator raising midway, ``SystemExit`` at import, non-UTF-8 or deeply nested
TOML and a condition kind raising in ``checks``/``explain`` made every command exit 3; and
packs beyond durable-rules' capacity loaded fine, then failed at the first assessment.
"""

from __future__ import annotations

import importlib.metadata
import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import pytest
from click.testing import CliRunner
from grplugin import ON, PACK, RULES, Plugin, make_jurisdiction, prov_app
from grtest import leading_application

from gradient_rules import (
    Check,
    Condition,
    Engine,
    EvaluationContext,
    Explanation,
    JurisdictionSource,
    Outcome,
    PluginError,
    Tier,
    hookimpl,
)
from gradient_rules._cli import cli


def _works(engine: Engine) -> None:
    """The national rules still assess."""
    result = engine.assess(leading_application(), jurisdiction="national")
    assert result.tier("leading").verdict.value == "eligible"


def _one_problem(engine: Engine, *fragments: str) -> str:
    (problem,) = engine.problems
    text = str(problem)
    for fragment in fragments:
        assert fragment in text, text
    return text


# --- hooks that are wrong in themselves --------------------------------------------------------


class Misspelled:
    __name__ = "misspelled"

    @hookimpl
    def gradient_rules_jurisdiction(self) -> list[JurisdictionSource]:
        return []


class ExtraArgument:
    __name__ = "extra_argument"

    @hookimpl
    def gradient_rules_jurisdictions(self, config: Any) -> list[JurisdictionSource]:
        return []


class RaisesMidway:
    __name__ = "raises_midway"

    def __init__(self, data: Path) -> None:
        self.data = data

    @hookimpl
    def gradient_rules_jurisdictions(self) -> Iterator[JurisdictionSource]:
        yield JurisdictionSource("testprov", self.data)
        raise RuntimeError("lost my second folder")


class YieldsStrings:
    __name__ = "yields_strings"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[Any]:
        return ["testprov"]


class ExitsInHook:
    __name__ = "exits_in_hook"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[JurisdictionSource]:
        raise SystemExit(3)


class NoHooks:
    __name__ = "no_hooks"


@pytest.mark.parametrize("make, fragments", [
    (lambda d: Misspelled(), ("misspelled", "gradient_rules_jurisdiction")),
    (lambda d: ExtraArgument(), ("extra_argument", "config")),
    (lambda d: RaisesMidway(d), ("raises_midway", "RuntimeError: lost my second folder")),
    (lambda d: YieldsStrings(), ("yields_strings", "must yield JurisdictionSource, got str")),
    (lambda d: ExitsInHook(), ("exits_in_hook", "SystemExit")),
    (lambda d: NoHooks(), ("no_hooks", "implements no gradient_rules hook")),
])
def test_a_broken_hook_is_one_problem_and_the_others_work(
        tmp_path: Path, national: Any, make: Callable[[Path], Any],
        fragments: tuple[str, ...]) -> None:
    engine = Engine(plugins=[national, make(make_jurisdiction(tmp_path))], strict=False)
    _one_problem(engine, *fragments)
    assert [j.code for j in engine.jurisdictions()] == ["national"]
    _works(engine)
    with pytest.raises(PluginError):
        Engine(plugins=[national, make(make_jurisdiction(tmp_path / "again"))])


@pytest.mark.parametrize("plugins, fragment", [
    ("gradient_rules_national", "must be a list of plugin objects"),
    (5, "must be a list of plugin objects"),
    ([5], "implements no gradient_rules hook"),
])
def test_plugins_of_the_wrong_type_are_a_plugin_error(plugins: Any, fragment: str) -> None:
    with pytest.raises(PluginError, match=fragment):
        Engine(plugins=plugins)


# --- plugin data that is wrong -------------------------------------------------------------


def _deep_toml(levels: int) -> str:
    return 'x = ' + "[" * levels + "]" * levels + "\n"


DEEP_ALL_OF = """
[[rules]]
id = "TP-DEEP"
title_en = "Deep"
title_zh = "深"
tiers = ["basic"]
relation = "adds"
citation = { document = "measures", clause = "第九条", text_zh = "深" }
condition = """ + "{ kind = \"all_of\", conditions = [" * 6 + (
    "{ kind = \"min_level\", field = \"maturity_level\", minimum = 1 }") + "] }" * 6 + "\n"

WIDE_ALL_OF = """
[[rules]]
id = "TP-WIDE"
title_en = "Wide"
title_zh = "宽"
tiers = ["basic"]
relation = "adds"
citation = { document = "measures", clause = "第九条", text_zh = "宽" }
condition = { kind = "all_of", conditions = [""" + ", ".join(
    ['{ kind = "min_level", field = "maturity_level", minimum = 1 }'] * 600) + "] }\n"


@pytest.mark.parametrize("where, content, fragments", [
    ("rules.toml", "latin1", ("rules.toml", "UTF-8")),
    ("rules.toml", RULES + _deep_toml(5000), ("rules.toml", "nested")),
    ("rules.toml", RULES + _deep_toml(40), ("rules.toml", "nested")),
    ("rules.toml", RULES + DEEP_ALL_OF,
     ("rules.toml", "rules[2].condition", "nested at most 4 deep")),
    ("rules.toml", RULES + WIDE_ALL_OF, ("rules.toml", "rules[2].condition", "at most 32")),
    ("pack.toml", PACK + "\n[attestations.x]\nzh = \"" + "长" * 20_000 + "\"\n",
     ("pack.toml", "attestations")),
    ("rules.toml", RULES.replace('"TP-BASE-1"', '"TP-\\u001b[2J"'), ("rules.toml", "id")),
])
def test_bad_plugin_data_is_one_problem_naming_the_file(
        tmp_path: Path, national: Any, where: str, content: str,
        fragments: tuple[str, ...]) -> None:
    data = make_jurisdiction(tmp_path)
    path = data / "2025" / where
    if content == "latin1":
        path.write_bytes(RULES.replace("竞争力", "").encode("utf-8") + "é = 1\n".encode("latin-1"))
    else:
        path.write_text(content, encoding="utf-8")
    engine = Engine(plugins=[national, Plugin("testprov", data)], strict=False)
    text = _one_problem(engine, "plugin_testprov", *fragments)
    assert "Traceback" not in text
    _works(engine)
    with pytest.raises(PluginError):
        engine.assess(prov_app(), jurisdiction="testprov", on=ON)


# --- condition kinds that raise --------------------------------------------------------------


class Fragile(Condition):
    """A plugin kind that raises where its author did not expect it to be called."""

    kind: Literal["fragile"] = "fragile"
    fails_in: str

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        if self.fails_in == "evaluate":
            raise KeyError("revenue")
        return Outcome.MET

    def checks(self, tier: Tier) -> list[Check]:
        if self.fails_in == "checks":
            raise ValueError("no pattern for this tier")
        return []

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        if self.fails_in == "explain":
            raise AttributeError("'NoneType' object has no attribute 'zh'")
        return Explanation(None, None, "脆弱", "fragile")


class FragilePlugin:
    __name__ = "fragile_plugin"

    @hookimpl
    def gradient_rules_condition_kinds(self) -> list[type[Condition]]:
        return [Fragile]


def _fragile_rules(fails_in: str) -> str:
    return RULES + textwrap.dedent(f"""
        [[rules]]
        id = "TP-FRAGILE"
        title_en = "Fragile"
        title_zh = "脆弱"
        tiers = ["basic"]
        relation = "adds"
        citation = {{ document = "measures", clause = "第十条", text_zh = "脆弱" }}
        condition = {{ kind = "fragile", fails_in = "{fails_in}" }}
        """)


@pytest.mark.parametrize("fails_in, method", [("checks", "checks"), ("explain", "explain"),
                                              ("evaluate", "evaluate")])
def test_a_condition_kind_that_raises_is_found_at_load_naming_kind_and_rule(
        tmp_path: Path, national: Any, fails_in: str, method: str) -> None:
    data = make_jurisdiction(tmp_path, rules=_fragile_rules(fails_in))
    engine = Engine(plugins=[national, FragilePlugin(), Plugin("testprov", data)], strict=False)
    _one_problem(engine, "testprov", "TP-FRAGILE", "'fragile'", f"in {method}")
    _works(engine)
    with pytest.raises(PluginError, match="TP-FRAGILE"):
        engine.assess(prov_app(), jurisdiction="testprov", on=ON)


# --- entry points: shadowing and import failures ---------------------------------------------


class FakeEntryPoint:
    """An installed entry point of a distribution, as importlib.metadata gives it."""

    group = "gradient_rules"

    def __init__(self, name: str, dist: str, load: Callable[[], Any]) -> None:
        self.name, self.value = name, f"{dist.replace('-', '_')}:plugin"
        self.dist = SimpleNamespace(name=dist)
        self._load = load

    def load(self) -> Any:
        return self._load()


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Add fake distributions' entry points to the real ones."""
    real = importlib.metadata.entry_points

    def install(*fakes: FakeEntryPoint) -> None:
        def entry_points(**kw: Any) -> Any:
            found: list[Any] = list(real(**kw))
            if kw.get("group") == "gradient_rules":
                found += fakes
            return found
        monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    return install


def _lax_national(tmp_path: Path) -> Plugin:
    """A shadow of the national plugin whose leading tier asks maturity level 1."""
    rules = RULES.replace('minimum = 3', 'minimum = 1').replace(
        'relation = "tightens"\nrelates_to = ["NAT-BASE-5"]', 'relation = "adds"').replace(
        'relation = "adopts"\nrelates_to = ["NAT-BASE-3"]', 'relation = "adds"')
    return Plugin("national", make_jurisdiction(tmp_path, "national", rules=rules, base=None))


def test_a_second_distribution_with_the_entry_point_name_national_is_refused(
        tmp_path: Path, installed: Callable[..., None]) -> None:
    shadow = _lax_national(tmp_path)
    installed(FakeEntryPoint("national", "gradient-rules-natl-fork", lambda: shadow))
    engine = Engine.from_installed()
    problem = next(str(p) for p in engine.problems if "'national'" in str(p))
    assert "gradient-rules-natl-fork" in problem and "gradient-rules-national" in problem
    assert "national" not in [j.code for j in engine.jurisdictions()]  # neither is used

    result = CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(cli, ["plugins"])
    assert result.exit_code == 3
    assert "gradient-rules-natl-fork" in result.output


def test_one_jurisdiction_from_two_distributions_names_both(
        tmp_path: Path, installed: Callable[..., None]) -> None:
    shadow = _lax_national(tmp_path)
    installed(FakeEntryPoint("natl_fork", "gradient-rules-natl-fork", lambda: shadow))
    engine = Engine.from_installed()
    problem = next(str(p) for p in engine.problems if "provided by both" in str(p))
    assert "'national' (from gradient-rules-national)" in problem
    assert "'natl_fork' (from gradient-rules-natl-fork)" in problem
    assert "national" not in [j.code for j in engine.jurisdictions()]
    assert "guizhou" not in [j.code for j in engine.jurisdictions()]  # its base is gone too
    result = CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(
        cli, ["plugins", "--format", "json"])
    assert result.exit_code == 3
    assert any("provided by both" in p for p in json.loads(result.output)["problems"])


def _exits() -> Any:
    raise SystemExit("a plugin called sys.exit at import")


def _import_error() -> Any:
    raise ImportError("No module named 'gradient_rules_hebei.missing'")


@pytest.mark.parametrize("load, fragment", [(_exits, "SystemExit"),
                                            (_import_error, "ImportError")])
def test_an_entry_point_that_fails_to_import_is_one_problem(
        installed: Callable[..., None], load: Callable[[], Any], fragment: str) -> None:
    installed(FakeEntryPoint("hebei", "gradient-rules-hebei", load))
    engine = Engine.from_installed()  # never raises for one broken plugin
    _one_problem(engine, "gradient-rules-hebei", "failed to import", fragment)
    assert {"national", "guizhou", "shandong", "shanxi"} <= {j.code for j in
                                                             engine.jurisdictions()}
    _works(engine)
    result = CliRunner(env={"GRADIENT_RULES_LANG": "en"}).invoke(cli, ["plugins"])
    assert result.exit_code == 3 and "gradient-rules-hebei" in result.output
    assessed = CliRunner().invoke(cli, ["rules", "national", "--format", "json"])
    assert assessed.exit_code == 0  # every other command still works


# --- capacity of the C engine ------------------------------------------------------------------


def _many_rules(count: int) -> str:
    """``count`` four-tier rules, each reading its own attestation."""
    return "".join(textwrap.dedent(f"""
        [[rules]]
        id = "TP-A{i:03d}"
        title_en = "Attested {i}"
        title_zh = "承诺{i}"
        tiers = ["basic", "advanced", "excellent", "leading"]
        relation = "adds"
        citation = {{ document = "measures", clause = "第{i}条", text_zh = "承诺" }}
        condition = {{ kind = "attestation", names = ["a{i:03d}"] }}
        """) for i in range(count))


def _many_attestations(count: int) -> str:
    return PACK + "".join(f'\n[attestations.a{i:03d}]\nzh = "承诺{i}"\nen = "attested {i}"\n'
                          for i in range(count))


def _alike_rules(count: int) -> str:
    """``count`` four-tier rules with one and the same condition (a test shared by all)."""
    return "".join(textwrap.dedent(f"""
        [[rules]]
        id = "TP-L{i:03d}"
        title_en = "Level {i}"
        title_zh = "成熟度{i}"
        tiers = ["basic", "advanced", "excellent", "leading"]
        relation = "adds"
        citation = {{ document = "measures", clause = "第{i}条", text_zh = "成熟度" }}
        condition = {{ kind = "min_level", field = "maturity_level", minimum = 3 }}
        """) for i in range(count))


@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_sixty_five_alike_four_tier_rules_load_and_assess(tmp_path: Path, national: Any,
                                                          backend: Any) -> None:
    data = make_jurisdiction(tmp_path, rules=_alike_rules(65))
    engine = Engine(plugins=[national, Plugin("testprov", data)], backend=backend)
    for level, outcome in ((2, Outcome.NOT_MET), (3, Outcome.MET)):
        result = engine.assess(prov_app(self_assessment__maturity_level=level),
                               jurisdiction="testprov", on=ON)
        assert {f.outcome for f in result.tier("leading").findings
                if f.rule_id.startswith("TP-L")} == {outcome}


@pytest.mark.parametrize("backend", ["durable", "reference"])
def test_sixty_five_four_tier_rules_load_and_assess(tmp_path: Path, national: Any,
                                                    backend: Any) -> None:
    data = make_jurisdiction(tmp_path, pack=_many_attestations(65), rules=_many_rules(65))
    engine = Engine(plugins=[national, Plugin("testprov", data)], backend=backend)
    app = prov_app()
    app["attestations"] = {f"a{i:03d}": i != 7 for i in range(65)}
    result = engine.assess(app, jurisdiction="testprov", on=ON)
    assert result.tier("leading").finding("TP-A007").outcome is Outcome.NOT_MET
    assert result.tier("leading").finding("TP-A064").outcome is Outcome.MET


def test_a_pack_beyond_the_engines_capacity_is_a_load_time_problem(tmp_path: Path,
                                                                   national: Any) -> None:
    data = make_jurisdiction(tmp_path, pack=_many_attestations(300), rules=_many_rules(300))
    engine = Engine(plugins=[national, Plugin("testprov", data)], strict=False)
    text = _one_problem(engine, "testprov/2025")
    assert "durable-rules" in text and "error code" in text  # the limit, named
    _works(engine)
    reference = Engine(plugins=[national, Plugin("testprov", data)], backend="reference")
    assert reference.problems == ()  # the reference backend has no such limit


def test_a_fifo_in_plugin_data_is_refused_without_waiting(tmp_path: Path, national: Any) -> None:
    import os

    data = make_jurisdiction(tmp_path)
    (data / "2025" / "rules.toml").unlink()
    os.mkfifo(data / "2025" / "rules.toml")
    engine = Engine(plugins=[national, Plugin("testprov", data)], strict=False)
    _one_problem(engine, "rules.toml", "not a regular file")
    _works(engine)
