"""Strategies and oracles for the fuzz suite (``tests/fuzz``).

Inputs are drawn from the application JSON Schema (per jurisdiction and call, as a portal
would validate), then *mutated*: a value replaced by a hostile one, a key dropped or
added, or the serialised bytes damaged.  The oracles are those of issue 10: the command
exits 0, 1 or 2 (3 only for a broken plugin, never for bad input) with no traceback, within
a time limit; a batch gives one row out per row in; the durable and reference backends
agree on whatever both can read.

Examples per test: ``GRADIENT_RULES_FUZZ_EXAMPLES`` (default 60: under two minutes in all).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["EXAMPLES", "FUZZ", "HOSTILE", "Hang", "damaged", "from_schema", "mutated",
           "serialised", "time_limit"]

EXAMPLES = int(os.environ.get("GRADIENT_RULES_FUZZ_EXAMPLES", "60"))

FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=list(HealthCheck))
"""Hypothesis settings of every fuzz test: no per-example deadline (``time_limit`` is the
hang oracle), every health check off (the inputs are meant to be large and odd)."""


class Hang(Exception):
    """An example ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread when the block runs over ``seconds``."""
    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- valid-shaped values from a JSON Schema ------------------------------------------------

_TEXT = st.text(st.sampled_from("智能工厂贵州山东省市级有限公司ABCxyz0123 -_.（）、—"), max_size=24)


HINTS: dict[str, st.SearchStrategy[Any]] = {
    "credit_code": st.sampled_from(["91140100MA0K1B2C3C", "91320500MA1P2K7Y0X",
                                    "913702001635627803", "91370700MA3QK8FH39"]) | _TEXT,
    "events": st.just([]),
    "titles": st.just([]) | st.lists(st.fixed_dictionaries({
        "tier": st.sampled_from(["basic", "advanced", "excellent"]),
        "issuing_level": st.sampled_from(["city", "province"]),
        "year": st.integers(2022, 2025)}), max_size=2),
}
"""Properties whose free-form schema admits mostly meaningless values: drawn from values
that mean something, so more inputs get past validation to the engines."""


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values shaped by ``schema`` (the subset pydantic emits: objects, arrays, strings,
    numbers, enums, ``anyOf`` and ``$ref`` into ``$defs``), kept small."""
    defs = schema.get("$defs", {})
    return _node(schema, defs, 0)


def _node(node: dict[str, Any], defs: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: _node(defs[name], defs, depth + 1))
    if "anyOf" in node:
        return st.one_of([_node(option, defs, depth) for option in node["anyOf"]])
    if "enum" in node:  # an empty enumeration (nothing declared) admits nothing valid
        return st.sampled_from(node["enum"]) if node["enum"] else _TEXT
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "object":
        return _object(node, defs, depth)
    if kind == "array":
        items = _node(node.get("items", {}), defs, depth + 1)
        return st.lists(items, max_size=min(node.get("maxItems", 6), 6 if depth < 3 else 1))
    if kind == "string":
        if node.get("format") == "date":
            return st.dates(min_value=_date(1995), max_value=_date(2030)).map(
                lambda d: d.isoformat())
        low = node.get("minLength", 0)
        return _TEXT.filter(lambda s: len(s) >= low) if low else _TEXT
    if kind == "integer":
        return st.integers(node.get("minimum", -5), node.get("maximum", 10**9))
    if kind == "number":
        return st.floats(node.get("minimum", 0), node.get("maximum", 1e12), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.none()


def _date(year: int) -> Any:
    import datetime as dt

    return dt.date(year, 1, 1)


def _object(node: dict[str, Any], defs: dict[str, Any],
            depth: int) -> st.SearchStrategy[dict[str, Any]]:
    properties = node.get("properties", {})
    required = set(node.get("required", ()))
    extra = node.get("additionalProperties")
    if not properties and isinstance(extra, dict):
        names = node.get("propertyNames", {}).get("enum") or extra.get("enum")
        keys = st.sampled_from(names) if names else _TEXT.filter(bool)
        return st.dictionaries(keys, _node(extra, defs, depth + 1),
                               max_size=min(node.get("maxProperties", 8), 8))
    def value(key: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        return HINTS[key] if key in HINTS else _node(schema, defs, depth + 1)

    return st.fixed_dictionaries(
        {k: value(k, v) for k, v in properties.items() if k in required},
        optional={k: value(k, v) for k, v in properties.items() if k not in required})


# --- hostile values and mutations -------------------------------------------------------------

_NESTED = st.integers(20, 60).map(lambda n: json.loads("[" * n + "]" * n))

HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.just(""), st.just([]), st.just({}),
    st.integers(-(2**70), 2**70), st.sampled_from([2**63 - 1, 2**63, 10**19, 10**30, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e300, 1e16, -0.0]),
    st.text(max_size=40),  # control characters and unpaired surrogates included
    st.sampled_from(["=1+1", "@SUM(A1)", "-2+3", "\x1b[31mred", "\x1b]0;x\x07", "a\x00b",
                     "\ud800", "9999-12-31", "0001-01-01", "2024-02-30", "1970-01-01",
                     "2024-11-22T10:00:00", "yes", "true", "1", "../../etc/passwd",
                     "/dev/zero", "[/bold]", "贵州", "guizhou", "shandong"]),
    st.integers(10_001, 70_000).map(lambda n: "字" * n),
    _NESTED,
    st.integers(101, 400).map(lambda n: {f"k{i}": True for i in range(n)}),
    st.integers(201, 400).map(lambda n: [{"segment": "production_operations", "tier": "basic",
                                          "name": f"s{i}"} for i in range(n)]),
)
"""Values a stranger's file may hold where a field expects something else."""


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(copy[head], tuple(rest), new)
    return copy


def _drop(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return value
    if len(path) == 1:
        copy: Any = dict(value) if isinstance(value, dict) else list(value)
        del copy[path[0]]
        return copy
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _drop(copy[head], tuple(rest))
    return copy


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any], times: int = 3) -> Any:
    """``base`` with up to ``times`` mutations: a value replaced by a hostile one, a key or
    item dropped, or an unknown key added."""
    value = draw(base)
    if draw(st.integers(0, 2)) == 0:  # one time in three, as drawn: valid-shaped inputs too
        return value
    for _ in range(draw(st.integers(1, times))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if action == "replace":
            value = _replace(value, path, draw(HOSTILE))
        elif action == "drop" and path:
            value = _drop(value, path)
        else:
            target = value
            for key in path:
                target = target[key]
            if isinstance(target, dict):
                key = draw(st.sampled_from(["unknown", "Name", "enterprise", "\x1b", "文件"]))
                value = _replace(value, path, {**target, key: draw(HOSTILE)})
    return value


# --- serialised and damaged files --------------------------------------------------------------


def serialised(value: Any, kind: str) -> bytes:
    """``value`` as a JSON or YAML file (YAML falls back to JSON, a YAML subset, when the
    value holds what YAML cannot write, e.g. an unpaired surrogate)."""
    if kind == "yaml":
        with contextlib.suppress(Exception):
            return yaml.safe_dump(value, allow_unicode=False).encode("utf-8")
    return json.dumps(value, ensure_ascii=True, allow_nan=True,
                      default=lambda v: None if isinstance(v, float) and math.isnan(v)
                      else str(v)).encode("utf-8")


_SPLICES = [b"&a ", b"*a", b"!!python/object:os.system ", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
            b'"dated": "2030-01-01", ', b"NaN", b"1e400", b"9" * 5000, b"[" * 200, b"{", b"}",
            b"\n  - ", b": :", b"\t", b"\\ud800", b'"\\u0000"']


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few byte-level injuries: flips, cuts, splices of hostile syntax."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["flip", "cut", "splice", "splice"]))
        if action == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del out[at:at + draw(st.integers(1, 64))]
        else:
            out[at:at] = draw(st.sampled_from(_SPLICES))
    return bytes(out)
