"""The bounds walk (``_limits.walk``) against a plain oracle of what it must report.

The walk checks plain scalars in place, without a stack entry each (it runs on every
application); the oracle below visits every value the obvious way.  Both must find the
same problems at the same paths, in the same order.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gradient_rules import _limits
from gradient_rules._limits import DEPTH, INTEGER, NUMBER, STRING, walk


def _path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def oracle(data: Any) -> list[tuple[str, str]]:
    """(path, English) of every problem, depth first in the walk's order."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, list[str | int], int]] = [(data, [], 0)]
    while stack and len(found) < 20:
        value, parts, depth = stack.pop()
        where = _path(parts)
        if depth > DEPTH:
            found.append((where, f"nested more than {DEPTH} levels deep"))
        elif isinstance(value, str):
            if len(value) > STRING:
                found.append((where, f"text of {len(value):,} characters; at most {STRING:,}"))
            elif any(0xD800 <= ord(c) <= 0xDFFF for c in value):
                found.append((where, "contains an unpaired surrogate (not valid Unicode)"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    found.append((where, f"a key is not text ({type(key).__name__})"))
                elif len(key) > 200:
                    found.append((_path([*parts, key[:60]]),
                                  "a key longer than 200 characters"))
                else:
                    stack.append((item, [*parts, key[:60]], depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((item, [*parts, i], depth + 1) for i, item in enumerate(value))
        elif isinstance(value, bool) or value is None or isinstance(value, dt.date):
            pass
        elif isinstance(value, int):
            if abs(value) >= INTEGER:
                found.append((where, f"a number of more than {len(str(INTEGER)) - 1} digits"))
        elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > NUMBER):
            found.append((where, "not a finite number within bounds"))
    return found


class _Text(str):
    """A str subclass (as some loaders make): checked like any text, not waved through."""


edge_text = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["先进级", "a\ud800", "\udfff", "x" * (STRING + 1), "ok"]),
    st.sampled_from([_Text("x" * (STRING + 1)), _Text("b\ud800"), _Text("fine")]),
)
edge_number = st.one_of(
    st.integers(), st.sampled_from([INTEGER - 1, INTEGER, -INTEGER, 10**40]),
    st.floats(), st.sampled_from([float("nan"), float("inf"), NUMBER * 2.0]),
    st.booleans(), st.none(), st.dates(),
)
keys = st.one_of(st.text(max_size=6), st.sampled_from(["k" * 201, "先" * 300]),
                 st.integers(0, 3), st.sampled_from([_Text("k" * 201), _Text("key")]))
values = st.recursive(
    st.one_of(edge_text, edge_number),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=40,
)


def nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=400)
@given(values)
def test_the_walk_reports_what_the_oracle_finds(data: Any) -> None:
    assert [(p, en) for p, en, _ in walk(data)] == oracle(data)


@settings(max_examples=100)
@given(st.integers(DEPTH - 2, DEPTH + 2), st.one_of(edge_text, edge_number))
def test_depth_is_bounded_for_scalars_and_containers_alike(depth: int, leaf: Any) -> None:
    for data in (nested(leaf, depth), nested({"k": leaf}, depth), nested([], depth)):
        assert [(p, en) for p, en, _ in walk(data)] == oracle(data)


def test_the_number_of_values_is_bounded_however_they_nest() -> None:
    flat = list(range(50))
    assert walk(flat, values=51) == []
    assert walk(flat, values=50)[-1][1] == "more than 50 values; the limit for one file"
    deep = {"a": [{"b": i} for i in range(30)]}  # 1 + 1 + 30 dicts + 30 numbers = 62
    assert walk(deep, values=62) == []
    assert walk(deep, values=61)[-1][1] == "more than 61 values; the limit for one file"


def test_plain_means_within_every_bound() -> None:
    assert _limits._plain("先进级") and _limits._plain(INTEGER - 1) and _limits._plain(None)
    assert not _limits._plain("a\ud800")
    assert not _limits._plain(INTEGER)
    assert not _limits._plain("x" * (STRING + 1))
    assert not _limits._plain(1.5)  # floats take the full check
