"""Fuzz: what-if overrides as a policy team (or a stranger's script) writes them.

Keys are drawn from the installed rules' real parameter paths, near misses of them and
junk; values from numbers (huge, negative, not finite), text, tables, lists and nestings
past every bound.  Oracle: ``with_overrides`` gives a new engine or raises
:class:`ApplicationError`, never anything else; an engine it gives assesses the bundled
examples on both backends with the same verdicts; ``--set`` text parses to an override or
is bad input.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from grfuzz import FUZZ, time_limit
from hypothesis import event, given
from hypothesis import strategies as st

from gradient_rules import ApplicationError, Engine, PluginError, load_application
from gradient_rules._whatif import parse_override

ROOT = Path(__file__).resolve().parents[2]
ON = dt.date(2025, 6, 1)
EXAMPLES = {"national": "national/basic-workshop.json", "guizhou": "guizhou/excellent.yaml",
            "shandong": "shandong/tobacco-branch.yaml"}


@cache
def installed() -> Engine:
    return Engine.from_installed()


def _paths(node: Any, prefix: str) -> dict[str, Any]:
    """Every dotted path under ``node`` (a condition as JSON), with the value there."""
    found = {prefix: node}
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "kind":
                found.update(_paths(value, f"{prefix}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.update(_paths(value, f"{prefix}.{i}"))
    return found


@cache
def parameters() -> dict[str, Any]:
    """Every rule's ``enabled`` and every parameter path of its condition, with its value."""
    found: dict[str, Any] = {}
    for code in EXAMPLES:
        for rule in installed().rules(code):
            found[f"{rule.id}.enabled"] = True
            if rule.condition is not None:
                found.update(_paths(rule.condition.model_dump(mode="json"), rule.id))
    return {key: value for key, value in sorted(found.items()) if "." in key}


def _near(value: Any) -> st.SearchStrategy[Any]:
    """Values a policy team might put where ``value`` is: mostly of its own shape."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(value - 3, value + 3) | st.integers(0, 40)
    if isinstance(value, dict) and value and all(k in TIERS for k in value):
        return st.fixed_dictionaries({k: _near(v) for k, v in value.items()}) | st.dictionaries(
            st.sampled_from(TIERS), st.integers(0, 6), max_size=4)
    if isinstance(value, list) and value:
        return st.lists(st.sampled_from(value), max_size=len(value) + 1)
    return st.just(value)


TIERS = ("basic", "advanced", "excellent", "leading")
SCALARS = st.one_of(
    st.integers(-3, 40), st.integers(), st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["basic", "excellent", "生产作业", "PO", ""]),
    st.integers(10_001, 10_003).map(lambda n: "a" * n),
)
HOSTILE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from([*TIERS, "x", ""]), inner, max_size=5),
    max_leaves=12) | st.sampled_from([40, 5000]).map(lambda n: _deep(n))


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _real_key() -> st.SearchStrategy[str]:
    return st.builds(lambda: None).flatmap(lambda _: st.sampled_from(sorted(parameters())))


def _tunable(value: Any) -> bool:
    """A number, a switch, a per-tier table or a list of names: what a what-if changes."""
    if isinstance(value, dict):
        return bool(value) and all(k in TIERS and isinstance(v, int) for k, v in value.items())
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) for v in value)
    return isinstance(value, int)


@cache
def tunable() -> list[str]:
    return [key for key, value in parameters().items() if _tunable(value)]


PLAUSIBLE = st.builds(lambda: None).flatmap(lambda _: st.sampled_from(tunable())).flatmap(
    lambda key: st.tuples(st.just(key), _near(parameters()[key])))
ODD = st.tuples(
    st.one_of(_real_key(), _real_key().map(lambda k: k + ".x"), st.text(max_size=30),
              st.sampled_from(["NAT-BASE-5.", ".minimum", "NOPE-1.minimum", "NAT-BASE-5.kind",
                               "GZ-SCN-B-1.minimum.9", "x" * 500 + ".y"])),
    HOSTILE | _real_key().flatmap(lambda key: _near(parameters()[key])))
OVERRIDES = (st.lists(PLAUSIBLE, min_size=1, max_size=3)
             | st.lists(PLAUSIBLE | ODD, max_size=3)).map(dict)


def _verdicts(engine: Engine, code: str) -> dict[str, str] | str:
    app = load_application(ROOT / "examples" / EXAMPLES[code])
    try:
        result = engine.assess(app, jurisdiction=code, on=ON)
    except PluginError as refused:  # a province relating to a disabled national rule, say
        assert code in engine.refused, code  # listed when the engine was made, never a surprise
        return f"refused: {refused}"
    return {t.tier.value: t.verdict.value for t in result.tiers}


@FUZZ
@given(overrides=OVERRIDES)
def test_overrides_give_an_engine_or_bad_input(overrides: dict[str, Any]) -> None:
    with time_limit(60):
        try:
            changed = installed().with_overrides(overrides)
        except ApplicationError:
            event("bad input")
            return
        event("a changed engine")
        reference = Engine(entry_points=True, strict=False, backend="reference",
                           overrides=overrides)
        for code in EXAMPLES:
            assert _verdicts(changed, code) == _verdicts(reference, code), code


@FUZZ
@given(text=st.text(max_size=60) | st.builds(lambda n: "NAT-BASE-5.minimum=" + "[" * n,
                                              st.integers(0, 30_000)))
def test_set_text_is_an_override_or_bad_input(text: str) -> None:
    try:
        key, _ = parse_override(text)
    except ApplicationError:
        return
    assert "." in key
