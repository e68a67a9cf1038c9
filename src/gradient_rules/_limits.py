"""Bounds on everything read from outside, checked before it reaches the models or the engine.

Applications, batches and plugin data come from strangers.  Every file is a regular file no
larger than its limit; every parsed value is walked once: nesting depth, string length,
unpaired surrogates, integer size, finite numbers, and the number of values are bounded.
The models then bound each field (text length, list length, number range, date range) and
read values strictly: ``true`` is not a level and ``0`` is not a date.  The limits are
documented in ``docs/security.md``; a value beyond one is bad input naming the field and
the limit, never a crash inside a dependency.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from ._i18n import InvalidValue

__all__ = [
    "APPLICATION_BYTES",
    "BATCH_BYTES",
    "BATCH_VALUES",
    "DEPTH",
    "EARLIEST",
    "INTEGER",
    "LATEST",
    "MAX_BATCH_ROWS",
    "MAX_CHUNK",
    "MAX_RANK",
    "MAX_WORKERS",
    "NUMBER",
    "PLUGIN_FILE_BYTES",
    "STRING",
    "Code",
    "Free",
    "IsoDate",
    "Label",
    "Name",
    "Number",
    "StrictBool",
    "Whole",
    "check_text",
    "walk",
]

APPLICATION_BYTES = 2 * 1024 * 1024
"""Largest application file read (bytes)."""
BATCH_BYTES = 64 * 1024 * 1024
"""Largest batch file read (bytes)."""
PLUGIN_FILE_BYTES = 4 * 1024 * 1024
"""Largest plugin data file read (bytes)."""
DEPTH = 32
"""Deepest nesting of mappings and lists in any file."""
STRING = 10_000
"""Longest string anywhere in a file (characters); fields have tighter limits."""
NUMBER = 10**15
"""Largest magnitude of a number field (revenue in yuan, KPI values)."""
INTEGER = 10**19
"""Largest magnitude of any integer in a file (an 18-digit credit code read by YAML as a
number fits; fields have tighter bounds)."""
VALUES = 200_000
"""Most values (strings, numbers, mappings, lists) in one application."""
BATCH_VALUES = 20_000_000
"""Most values in one batch file."""
MAX_BATCH_ROWS = 50_000
"""Most rows in one batch."""
MAX_RANK = 1_000_000
"""Largest rank (序号) a batch row may give."""
MAX_WORKERS = 256
"""Most worker processes one screening starts (``workers=``, ``--workers``): each is a
process of its own, started at once, so a mistyped count must not fork thousands."""
MAX_CHUNK = 10_000
"""Largest ``chunk_size`` of a screening: up to ``2 * workers + 2`` chunks are in flight."""
EARLIEST = dt.date(1900, 1, 1)
"""Earliest date accepted anywhere."""
LATEST = dt.date(2099, 12, 31)
"""Latest date accepted anywhere (evaluation dates included)."""

_SURROGATES = f"{chr(0xD800)}-{chr(0xDFFF)}"
"""The surrogate range, for character classes (built with ``chr``: mypyc compiles no
surrogate literals)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_REFUSED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")
"""Any character :func:`check_text` refuses: one scan for the common case, text that is fine."""


def check_text(value: str) -> str:
    """Refuse control characters (tab and newlines aside) and unpaired surrogates."""
    if _REFUSED.search(value) is None:
        return value
    found = _CONTROL.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise InvalidValue(f"contains the control character {code}; remove it",
                           f"含有控制字符 {code}，请删除")
    if any(unicodedata.category(char) == "Cs" for char in value):
        raise InvalidValue("contains an unpaired surrogate (not valid Unicode text)",
                           "含有无效的 Unicode 代理字符")
    return value


Code = Annotated[str, Strict(), Field(max_length=40), AfterValidator(check_text)]
"""An id or code (scenario id, material id, guide 环节): at most 40 characters."""
Name = Annotated[str, Strict(), Field(max_length=200), AfterValidator(check_text)]
"""A name (enterprise, project, scenario, authority): at most 200 characters."""
Label = Annotated[str, Strict(), Field(max_length=500), AfterValidator(check_text)]
"""A longer label (a scenario instance): at most 500 characters."""
Free = Annotated[str, Strict(), Field(max_length=2000), AfterValidator(check_text)]
"""Free text (a description): at most 2,000 characters."""


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise InvalidValue("must be a date (YYYY-MM-DD), not a date and time",
                           "须为日期（YYYY-MM-DD），不能带时间")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValue(f"{value[:40]!r} is not a date; write YYYY-MM-DD",
                               f"{value[:40]!r} 不是日期，请写作 YYYY-MM-DD") from None
    if not isinstance(value, dt.date):
        raise InvalidValue(f"must be a date written YYYY-MM-DD, got {type(value).__name__}",
                           "须为日期，写作 YYYY-MM-DD")
    if not EARLIEST <= value <= LATEST:
        raise InvalidValue(f"{value.isoformat()} is outside {EARLIEST.isoformat()}.."
                           f"{LATEST.isoformat()}",
                           f"{value.isoformat()}超出可接受的日期范围（{EARLIEST.isoformat()}至"
                           f"{LATEST.isoformat()}）")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written ``YYYY-MM-DD`` (or a TOML/YAML date), within EARLIEST..LATEST; numbers
and date-times are refused."""

Whole = Annotated[int, Strict()]
"""A whole number as a number: ``true`` and ``"3"`` are refused."""

StrictBool = Annotated[bool, Strict()]
"""``true`` or ``false``: ``1`` and ``"yes"`` are refused."""


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue("must be a number", "须为数字")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue("must be a finite number", "须为有限的数字")
    if abs(value) > NUMBER:
        raise InvalidValue(f"must be at most {NUMBER:.0e} in magnitude",
                           f"绝对值不能超过{NUMBER:.0e}")
    return float(value)


Number = Annotated[float, BeforeValidator(_number)]
"""A finite number (an integer or a decimal), bounded by NUMBER; ``true`` is refused."""


_SURROGATE = re.compile(f"[{_SURROGATES}]")

_Path = tuple[Any, str | int] | None
"""A value's place as (parent's place, key or list index), rendered only for a problem."""


def _render(place: _Path) -> str:
    parts: list[str | int] = []
    while place is not None:
        place, part = place
        parts.append(part)
    out = ""
    for part in reversed(parts):
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def _plain(item: Any) -> bool:
    """A scalar within every bound (the common case, checked without a stack entry)."""
    kind = type(item)
    if kind is str:
        return len(item) <= STRING and (item.isascii() or not _SURROGATE.search(item))
    return (kind is int and -INTEGER < item < INTEGER) or item is None or kind is bool


def walk(data: Any, *, values: int = VALUES) -> list[tuple[str, str, str]]:
    """Problems with ``data`` as parsed: depth, string length, surrogates, numbers, size.

    Iterative, so a hostile nesting cannot exhaust the stack.  Returns ``(path, English,
    Chinese)`` triples; empty when every bound holds.
    """
    problems: list[tuple[str, str, str]] = []
    stack: list[tuple[Any, _Path, int]] = [(data, None, 0)]
    count = 0
    while stack and len(problems) < 20:
        value, place, depth = stack.pop()
        count += 1
        if count > values:
            break
        if depth > DEPTH:
            problems.append((_render(place), f"nested more than {DEPTH} levels deep",
                             f"嵌套超过{DEPTH}层"))
            continue
        inline = depth < DEPTH  # a child one level down is still within the depth bound
        kind = type(value)  # exact types first: abc checks (Mapping) are slow
        if kind is str or (kind is not dict and kind is not list and isinstance(value, str)):
            if len(value) > STRING:
                problems.append((_render(place), f"text of {len(value):,} characters; at most "
                                 f"{STRING:,}", f"文本长度{len(value):,}，超过上限{STRING:,}"))
            elif _SURROGATE.search(value):
                problems.append((_render(place), "contains an unpaired surrogate (not valid "
                                 "Unicode)", "含有无效的 Unicode 代理字符"))
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            for key, item in value.items():
                if type(key) is not str and not isinstance(key, str):
                    problems.append((_render(place), f"a key is not text "
                                     f"({type(key).__name__})", "键须为文本"))
                    continue
                if len(key) > 200:
                    problems.append((_render((place, key[:60])), "a key longer than 200 "
                                     "characters", "键超过200个字符"))
                    continue
                if inline:  # _plain(item), inlined: this runs for every value of every file
                    sort = type(item)
                    if (sort is str and len(item) <= STRING
                            and (item.isascii() or not _SURROGATE.search(item))) or (
                            sort is int and -INTEGER < item < INTEGER) or item is None or (
                            sort is bool):
                        count += 1
                        continue
                stack.append((item, (place, key[:60]), depth + 1))
        elif kind is list or isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if inline and _plain(item):
                    count += 1
                else:
                    stack.append((item, (place, index), depth + 1))
        elif isinstance(value, bool) or value is None or isinstance(value, dt.date):
            continue
        elif isinstance(value, int):
            if abs(value) >= INTEGER:
                problems.append((_render(place), f"a number of more than "
                                 f"{len(str(INTEGER)) - 1} digits",
                                 f"数字超过{len(str(INTEGER)) - 1}位"))
        elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > NUMBER):
            problems.append((_render(place), "not a finite number within bounds",
                             "数字须为有限值且在范围内"))
    if count > values:
        problems.append(("", f"more than {values:,} values; the limit for one file",
                         f"数据项超过{values:,}个，超出单个文件的上限"))
    return problems
