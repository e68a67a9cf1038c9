"""What-if overrides: rule parameters changed for a new engine, the installed plugins untouched.

Like an OpenFisca reform: ``engine.with_overrides({"GZ-SCN-B-1.minimum": 8})`` builds a new
engine whose packs have the parameter changed.  A key is a rule id and a dotted path into
the parameters of its condition (``minimum``, ``minimum.excellent`` for a per-tier table,
``conditions.1.minimum`` inside an ``all_of``), or ``RULE.enabled`` with ``false`` to leave
a rule out.  The changed condition is parsed again by its kind, so a value of the wrong
type, an unknown rule or an unknown parameter is bad input naming the key.  Every
assessment the engine makes lists the overrides among its warnings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from ._application import translate_validation_error
from ._conditions import condition_call
from ._errors import ApplicationError, GradientRulesError
from ._kinds import ConditionKinds
from ._limits import STRING, walk
from ._rules import Rule

__all__ = ["Override", "apply_overrides", "format_override", "parse_override", "parse_value"]

MAX_OVERRIDES = 200
MAX_KEY = 200
"""Characters in an override's key (``RULE.path``)."""
MAX_VALUES = 1_000
"""Values in one override's value (a per-tier table has four)."""

Override = tuple[str, Any]
"""(``RULE.path``, value)."""


def format_override(key: str, value: Any) -> str:
    """``RULE.path=value`` as shown on results."""
    return f"{key}={json.dumps(value, ensure_ascii=False)}"


def parse_value(text: str) -> Any:
    """A value given on the command line: JSON when it parses (8, true, [..]), else text.

    Bad input when longer than a text may be, or nested too deep for the JSON reader.
    """
    if len(text) > STRING:
        raise ApplicationError([("--set", f"a value of {len(text):,} characters; at most "
                                 f"{STRING:,}", f"值的长度超过 {STRING:,} 个字符")])
    try:
        return json.loads(text)
    except RecursionError:
        raise ApplicationError([("--set", "the value is nested too deep",
                                 "值的嵌套层数过多")]) from None
    except ValueError:
        return text


def parse_override(text: str) -> Override:
    """``RULE.path=value`` -> (``RULE.path``, value); bad input when malformed."""
    key, sep, value = text.partition("=")
    if not sep or "." not in key.strip():
        raise ApplicationError([("--set", f"{text[:100]!r} is not RULE.path=value (e.g. "
                                 "GZ-SCN-B-1.minimum=8)",
                                 f"{text[:100]!r} 不是 规则.参数=值 的形式")])
    return key.strip(), parse_value(value.strip())


def normalise(overrides: Mapping[str, Any] | Sequence[Override]) -> tuple[Override, ...]:
    """The overrides as a sorted tuple of pairs; bad input when not RULE.path keys."""
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Mapping | Iterable):
        raise ApplicationError([("overrides", "must be a mapping of \"RULE.path\" to value, or "
                                 f"(\"RULE.path\", value) pairs; got {type(overrides).__name__}",
                                 "须为 规则.参数 到值的映射，或（规则.参数，值）对")])
    pairs = list(overrides.items()) if isinstance(overrides, Mapping) else list(overrides)
    if len(pairs) > MAX_OVERRIDES:
        raise ApplicationError([("overrides", f"at most {MAX_OVERRIDES} overrides",
                                 f"最多 {MAX_OVERRIDES} 项")])
    out: dict[str, Any] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str)
                and "." in pair[0]):
            raise ApplicationError([("overrides", f"{_short(pair)} is not (\"RULE.path\", "
                                     "value)", "须为（规则.参数，值）")])
        key, value = pair
        if len(key) > MAX_KEY:
            raise ApplicationError([("overrides", f"a key of {len(key):,} characters; at most "
                                     f"{MAX_KEY}", f"键的长度超过 {MAX_KEY} 个字符")])
        # Bounded before anything recurses into it: depth, text, numbers, size (D34).
        problems = walk(value, values=MAX_VALUES)
        if problems:
            raise ApplicationError([(key + ("." if path[:1] not in ("", "[") else "") + path,
                                     en, zh) for path, en, zh in problems])
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ApplicationError([(key, "the value must be JSON-like (number, text, "
                                     "true/false, list, table)",
                                     "值须为数字、文本、真假、列表或表")]) from None
        out[key] = value
    return tuple(sorted(out.items()))


def _short(value: object) -> str:
    """At most 100 characters of ``value``'s text, however large or odd it is."""
    try:
        return repr(value)[:100]
    except Exception:  # a hostile __repr__, or one nested past the recursion limit
        return f"a {type(value).__name__}"


def _set(node: Any, path: list[str], value: Any, key: str) -> Any:
    """``node`` with the value at ``path`` replaced (copies, never mutates)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        if head not in node:
            known = ", ".join(k for k in node if k != "kind") or "none"
            raise ApplicationError([(key, f"no parameter {head!r} here; parameters: {known}",
                                     f"没有参数 {head!r}；可用：{known}")])
        return {**node, head: _set(node[head], rest, value, key)}
    if isinstance(node, list):
        if not head.isdigit() or int(head) >= len(node):
            raise ApplicationError([(key, f"{head!r} is not an index of this list (0-"
                                     f"{len(node) - 1})", f"{head!r} 不是列表的序号")])
        copy = list(node)
        copy[int(head)] = _set(node[int(head)], rest, value, key)
        return copy
    raise ApplicationError([(key, f"{head!r}: this parameter has no parts",
                             f"{head!r}：该参数没有下级")])


def _changed(rule: Rule, path: list[str], value: Any, key: str,
             kinds: ConditionKinds) -> Rule | None:
    if path == ["enabled"]:
        if value is False:
            return None
        if value is True:
            return rule
        raise ApplicationError([(key, "enabled takes true or false", "enabled 须为 true 或 false")])
    if path and path[0] == "kind":
        raise ApplicationError([(key, "a rule's kind cannot be overridden; override its "
                                 "parameters", "不能改变规则的条件类型")])
    assert rule.condition is not None
    data = _set(rule.condition.model_dump(mode="json"), path, value, key)
    try:
        condition = kinds.parse(data)
    except (GradientRulesError, ValueError) as error:
        en, zh = _why(error)
        raise ApplicationError([(key, f"not a valid value for this rule: {en}",
                                 f"该规则不接受此值：{zh}")]) from None
    # model_copy does not validate: the rule's own check that the condition has a value for
    # each of its tiers (a per-tier table that lost one) is made here.
    problems = condition_call(rule.id, condition, "tier_problems", rule.tiers)
    if problems:
        raise ApplicationError([(key, "; ".join(problems), "；".join(problems))])
    return rule.model_copy(update={"condition": condition})


def apply_overrides(rules: Sequence[Rule], overrides: Sequence[Override],
                    kinds: ConditionKinds) -> tuple[tuple[Rule, ...], set[str]]:
    """``rules`` with the overrides that name them applied; and the keys that did."""
    used: set[str] = set()
    out: list[Rule] = []
    for rule in rules:
        current: Rule | None = rule
        for key, value in overrides:
            rule_id, _, path = key.partition(".")
            if rule_id != rule.id or current is None:
                continue
            if current.condition is None and path != "enabled":
                # An adoption takes its base rule's condition when relations are resolved.
                base = current.relates_to[0] if current.relates_to else "its base rule"
                raise ApplicationError([(key, f"{rule_id} adopts {base}'s condition: override "
                                         f"{base}.{path} (the adopting rule follows it)",
                                         f"{rule_id} 采用 {base} 的条件：请改 {base}.{path}")])
            current = _changed(current, path.split("."), value, key, kinds)
            used.add(key)
        if current is not None:
            out.append(current)
    return tuple(out), used


def _why(error: Exception) -> tuple[str, str]:
    """What is wrong with an overridden value, in English and Chinese.

    The deepest problem pydantic found (in a per-tier table, the tier's value rather than
    the table), worded as an application's would be, not pydantic's whole report.
    """
    if not isinstance(error, ValidationError):
        return str(error)[:300], str(error)[:300]
    locations = [len(item["loc"]) for item in error.errors(include_url=False)]
    deepest = locations.index(max(locations))
    worded = translate_validation_error(error)
    return worded.problems[deepest][1][:300], worded.problems_zh[deepest][1][:300]
