"""What durable-rules 2.0.28 accepts, checked before anything reaches its C engine.

Rule definitions (known operators, well-formed operands, rule names that need no JSON
escaping, property names free of FNV-1a collisions, a bounded number of rules), facts
(plain numbers, strings and lists of them, within 64 bits and finite, at most 253
properties), and what the engine's capacity error codes mean.  Kept apart from the
adapter (``_durable``), which drives the engine; nothing here imports durable-rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ._errors import EngineError

__all__ = ["MAX_PROPERTIES", "MAX_RULES", "capacity_hint", "check_fact", "fnv1a_32",
           "literal_kinds", "validate_specs"]

MAX_PROPERTIES = 255
"""durable-rules' bound on a fact's properties (sid and id included)."""


class Spec(Protocol):
    """A compiled rule as these checks read it (the adapter's ``RuleSpec``)."""

    @property
    def name(self) -> str: ...

    @property
    def patterns(self) -> tuple[tuple[str, dict[str, Any]], ...]: ...


_OPERATORS = frozenset({"$lt", "$lte", "$gt", "$gte", "$eq", "$neq", "$ex", "$nex", "$and",
                        "$or", "$iany", "$iall", "$mt", "$imt"})


def fnv1a_32(text: str) -> int:
    """The 32-bit FNV-1a hash durable-rules uses for sids, fact ids and property names."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def _has_reference(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_reference(item) for item in node)
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key in ("$and", "$or"):
            if _has_reference(value):
                return True
        elif key.startswith("$"):
            if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
                return True
        elif isinstance(value, dict):
            return True
    return False


def _check_condition(node: Any, where: str, names: set[str]) -> None:
    if not isinstance(node, dict):
        raise EngineError(f"{where}: a condition must be a JSON object, got {node!r}")
    for key, value in node.items():
        if key.startswith("$"):
            if key not in _OPERATORS:
                raise EngineError(f"{where}: unknown operator {key!r}")
            if key in ("$and", "$or"):
                if not isinstance(value, list) or not value:
                    raise EngineError(f"{where}: {key} needs a non-empty list")
                if key == "$or" and _has_reference(value):
                    # Measured on 2.0.28: the constant branches of such an $or never match.
                    raise EngineError(
                        f"{where}: an $or containing a cross-fact reference silently ignores "
                        "its other branches in durable-rules 2.0.28; split it into rules")
                for item in value:
                    _check_condition(item, where, names)
            elif isinstance(value, dict):
                for prop, operand in value.items():
                    names.add(prop)
                    if key in ("$iany", "$iall", "$ex", "$nex"):
                        continue
                    if not isinstance(operand, int | float | str | dict):
                        raise EngineError(f"{where}: operand of {key} on {prop!r} must be a "
                                          f"number, string or reference, got {operand!r}")
        else:
            names.add(key)
            reference = (isinstance(value, dict) and len(value) == 1
                         and all(isinstance(v, str) for v in value.values()))
            if not reference and (not isinstance(value, int | float | str)
                                  or isinstance(value, bool)):
                raise EngineError(f"{where}: equality on {key!r} needs a number, a string or "
                                  f"a reference {{alias: field}}, got {value!r}")


MAX_RULES = 2_000
"""Most rules in one ruleset (durable-rules holds 4,096 actions; keep a wide margin)."""


_RULE_NAME = re.compile(r"[A-Za-z0-9_|.:\-]{1,200}")
"""Rule names need no escaping in JSON, so an action's name is read without decoding."""


def validate_specs(specs: Sequence[Spec]) -> None:
    """Check compiled rules as durable-rules would need them, without loading it.

    Known operators only, well-formed operands, unique rule names, property names free of
    FNV-1a collisions, and no more than :data:`MAX_RULES` rules; :class:`EngineError`
    names the first problem.
    """
    if len(specs) > MAX_RULES:
        raise EngineError(f"{len(specs)} rules; durable-rules is given at most {MAX_RULES}")
    property_names: set[str] = {"kind", "sid", "id"}
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen or spec.name.startswith("__"):
            raise EngineError(f"rule name {spec.name!r} is reserved or used twice")
        if not _RULE_NAME.fullmatch(spec.name):
            raise EngineError(f"rule name {spec.name!r}: use letters, digits and _ | . : - "
                              "only (at most 200)")
        seen.add(spec.name)
        if not spec.patterns:
            raise EngineError(f"rule {spec.name!r} has no pattern")
        for alias, condition in spec.patterns:
            _check_condition(condition, f"rule {spec.name!r}", property_names)
            if not alias.isidentifier():
                raise EngineError(f"rule {spec.name!r}: alias {alias!r} is not a name")
    hashes: dict[int, str] = {}
    for prop in sorted(property_names):
        other = hashes.setdefault(fnv1a_32(prop), prop)
        if other != prop:
            raise EngineError(f"property names {other!r} and {prop!r} collide in "
                              "durable-rules' 32-bit hash; rename one")


def literal_kinds(specs: Sequence[Spec]) -> frozenset[str] | None:
    """The fact kinds the rules' patterns name: ``{"kind": k}`` alone or in an ``$and``.

    ``None`` when some pattern names no kind that way (it may then match a fact of any
    kind).  A fact of a kind outside the set can match no pattern.
    """
    kinds: set[str] = set()
    for spec in specs:
        for _, condition in spec.patterns:
            tests = condition.get("$and", [condition]) if isinstance(condition, Mapping) else []
            named = [test["kind"] for test in tests
                     if isinstance(test, Mapping) and set(test) == {"kind"}
                     and isinstance(test["kind"], str)]
            if not named:
                return None
            kinds.update(named)
    return frozenset(kinds)


_INT64 = 2**63


def check_fact(fact: Mapping[str, Any]) -> None:
    """Refuse a fact durable-rules cannot take or compare, naming the property."""
    if "kind" not in fact:
        raise EngineError(f"every fact needs a 'kind': {dict(fact)!r}")
    if len(fact) + 2 > MAX_PROPERTIES:  # sid and id are added
        raise EngineError(
            f"a {fact['kind']!r} fact has {len(fact)} properties; durable-rules takes at most "
            f"{MAX_PROPERTIES - 2} besides sid and id")
    # Exact types first, without naming anything: the facts the engine builds are texts,
    # 64-bit integers and lists of them.  Anything else goes to the full check.
    for value in fact.values():
        kind = type(value)
        if kind is str:
            continue
        if kind is int:
            if -_INT64 <= value < _INT64:
                continue
        elif kind is list:
            for item in value:
                if type(item) is str or (type(item) is int and -_INT64 <= item < _INT64):
                    continue
                break
            else:
                continue
        _check_values(fact)
        return


def _check_values(fact: Mapping[str, Any]) -> None:
    """Every property of ``fact`` in turn: a finite float passes; the rest is refused."""
    for key, value in fact.items():
        kind = type(value)  # exact types first: the facts the engine builds are plain
        if kind is str or (kind is int and -_INT64 <= value < _INT64) or (
                kind is list and all(type(v) is str or (type(v) is int and -_INT64 <= v < _INT64)
                                     for v in value)):
            continue
        if any(isinstance(v, int) and not -_INT64 <= v < _INT64
               for v in (value if isinstance(value, list) else [value])):
            raise EngineError(f"fact property {key!r} of a {fact['kind']!r} fact holds an integer "
                              "outside 64 bits, which durable-rules cannot compare")
        if isinstance(value, float) and not math.isfinite(value):
            raise EngineError(f"fact property {key!r} of a {fact['kind']!r} fact is {value}; "
                              "durable-rules needs a finite number")
        if isinstance(value, bool) or not (
            isinstance(value, int | float | str)
            or (isinstance(value, list) and all(isinstance(v, int | str) for v in value))
        ):
            raise EngineError(
                f"fact property {key!r} of a {fact['kind']!r} fact must be a number, a string "
                f"or a list of them, got {type(value).__name__} {value!r}")


_MEANINGS = {
    "106": "more rules or distinct tests on one fact than its network holds (4,096 rules; "
           "512 distinct tests after one test)",
    "107": "more than 128 'not stated' tests after one test (e.g. too many attestations or "
           "materials read by one jurisdiction)",
    "108": "more than 256 rules ending on one test (too many rules alike)",
    "113": "more than 32 expressions in one join",
    "202": "a malformed rule definition",
}


def capacity_hint(error: BaseException, specs: Sequence[Spec]) -> str:
    """durable-rules' error with what the code means and how large the ruleset is."""
    text = str(error)
    code = text.rsplit("error code:", 1)[-1].strip() if "error code:" in text else ""
    absent = {key for spec in specs for _, pattern in spec.patterns
              for key in _absent_keys(pattern)}
    meaning = _MEANINGS.get(code, "")
    return (f"{text}{' — ' + meaning if meaning else ''} ({len(specs)} rules, "
            f"{len(absent)} distinct 'not stated' tests)")


def _absent_keys(node: Any) -> set[str]:
    if isinstance(node, list):
        return {key for item in node for key in _absent_keys(item)}
    if not isinstance(node, dict):
        return set()
    found = set(node["$nex"]) if isinstance(node.get("$nex"), dict) else set()
    for key in ("$and", "$or"):
        if key in node:
            found |= _absent_keys(node[key])
    return found
