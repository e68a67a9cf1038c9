"""Messages in Chinese for the errors a person who fills in an application can meet.

pydantic reports validation errors in English by type (``int_type``, ``missing``...); this
module gives each type a Chinese text with the same parameters.  Our own validators raise
:class:`InvalidValue`, which carries its message in both languages.  Field paths are never
translated (they name keys of the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["InvalidValue", "short_repr", "zh_for_pydantic"]


SHOWN = 60
"""How many characters of a bad value an error message shows."""


def short_repr(value: object) -> str:
    """``repr(value)``, cut to :data:`SHOWN` characters: errors name a value, never echo it."""
    text = repr(value) if not isinstance(value, str) or len(value) <= SHOWN else (
        repr(value[:SHOWN]) + f"… ({len(value)} characters)")
    return text if len(text) <= SHOWN + 40 else text[:SHOWN] + "…"


class InvalidValue(ValueError):
    """A ``ValueError`` raised inside a validator, with its message in English and Chinese."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        self.message_en = message_en
        self.message_zh = message_zh
        super().__init__(message_en)


_TEXTS: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段；请对照 `gradient-rules schema application` 检查拼写",
    "string_type": "应为文本",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "最多{max_length}个字符",
    "string_pattern_mismatch": "格式不符（须匹配 {pattern}）",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "不是有效日期，请写作 YYYY-MM-DD",
    "date_from_datetime_parsing": "不是有效日期，请写作 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "应不小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "应不大于{le}",
    "too_short": "至少{min_length}项",
    "too_long": "最多{max_length}项",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为键值表（映射）",
    "model_type": "应为键值表（映射）",
    "model_attributes_type": "应为键值表（映射）",
    "is_instance_of": "类型不符",
    "json_invalid": "不是有效的 JSON",
    "recursion_loop": "嵌套过深或循环引用",
}


def zh_for_pydantic(error: Mapping[str, Any], english: str) -> str:
    """The Chinese text of one pydantic error (``english`` when no translation applies)."""
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, InvalidValue):
        return cause.message_zh
    template = _TEXTS.get(str(error.get("type")))
    if template is None:
        return english
    try:
        return template.format(**{k: v for k, v in context.items() if k != "error"})
    except (KeyError, IndexError, ValueError):
        return template
