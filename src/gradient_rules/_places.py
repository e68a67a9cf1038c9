"""Provinces as people write them: 贵州省, 贵州, Guizhou, GUIZHOU and guizhou are one place.

The 31 provincial-level divisions of the mainland, each with a place code (pinyin; 陕西 is
``shaanxi``), its official Chinese name, its short name and its English name.  Every
place-like field (an applicant's province, a call's region, a rule's province) is read
through :func:`province_code`, so a spelling never silently turns into "registered
elsewhere"; an unknown value is bad input listing the accepted names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._i18n import InvalidValue, short_repr

__all__ = ["PROVINCES", "Province", "UnknownPlace", "accepted_names", "province", "province_code",
           "province_name_en", "province_name_zh"]


@dataclass(frozen=True)
class Province:
    """A provincial-level division."""

    code: str
    """Place code (pinyin, lower case): ``guizhou``, ``shaanxi``, ``neimenggu``."""
    name_zh: str
    """Official name: 贵州省, 北京市, 广西壮族自治区."""
    short_zh: str
    """Short name: 贵州, 北京, 广西."""
    name_en: str
    """English name: Guizhou, Beijing, Inner Mongolia."""
    aliases: tuple[str, ...] = ()
    """Other spellings met in practice (Tibet, Nei Mongol)."""


PROVINCES: tuple[Province, ...] = (
    Province("beijing", "北京市", "北京", "Beijing"),
    Province("tianjin", "天津市", "天津", "Tianjin"),
    Province("hebei", "河北省", "河北", "Hebei"),
    Province("shanxi", "山西省", "山西", "Shanxi"),
    Province("neimenggu", "内蒙古自治区", "内蒙古", "Inner Mongolia", ("Nei Mongol",)),
    Province("liaoning", "辽宁省", "辽宁", "Liaoning"),
    Province("jilin", "吉林省", "吉林", "Jilin"),
    Province("heilongjiang", "黑龙江省", "黑龙江", "Heilongjiang"),
    Province("shanghai", "上海市", "上海", "Shanghai"),
    Province("jiangsu", "江苏省", "江苏", "Jiangsu"),
    Province("zhejiang", "浙江省", "浙江", "Zhejiang"),
    Province("anhui", "安徽省", "安徽", "Anhui"),
    Province("fujian", "福建省", "福建", "Fujian"),
    Province("jiangxi", "江西省", "江西", "Jiangxi"),
    Province("shandong", "山东省", "山东", "Shandong"),
    Province("henan", "河南省", "河南", "Henan"),
    Province("hubei", "湖北省", "湖北", "Hubei"),
    Province("hunan", "湖南省", "湖南", "Hunan"),
    Province("guangdong", "广东省", "广东", "Guangdong"),
    Province("guangxi", "广西壮族自治区", "广西", "Guangxi", ("Guangxi Zhuang",)),
    Province("hainan", "海南省", "海南", "Hainan"),
    Province("chongqing", "重庆市", "重庆", "Chongqing"),
    Province("sichuan", "四川省", "四川", "Sichuan"),
    Province("guizhou", "贵州省", "贵州", "Guizhou"),
    Province("yunnan", "云南省", "云南", "Yunnan"),
    Province("xizang", "西藏自治区", "西藏", "Xizang", ("Tibet",)),
    Province("shaanxi", "陕西省", "陕西", "Shaanxi"),
    Province("gansu", "甘肃省", "甘肃", "Gansu"),
    Province("qinghai", "青海省", "青海", "Qinghai"),
    Province("ningxia", "宁夏回族自治区", "宁夏", "Ningxia", ("Ningxia Hui",)),
    Province("xinjiang", "新疆维吾尔自治区", "新疆", "Xinjiang", ("Xinjiang Uyghur",)),
)

_LATIN_SUFFIX = re.compile(r"(province|municipality|autonomousregion|sheng|shi)$")


def _latin_key(text: str) -> str:
    key = re.sub(r"[\s_\-'’.]", "", text).casefold()
    stripped = _LATIN_SUFFIX.sub("", key)
    return stripped or key


_BY_NAME: dict[str, Province] = {}
for _item in PROVINCES:
    for _name in (_item.name_zh, _item.short_zh):
        _BY_NAME[_name] = _item
    for _name in (_item.code, _item.name_en, *_item.aliases):
        _BY_NAME[_latin_key(_name)] = _item
_BY_CODE = {p.code: p for p in PROVINCES}


def province(value: str) -> Province | None:
    """The province a name means, in any accepted spelling; ``None`` when unknown."""
    text = value.strip()
    return _BY_NAME.get(text) or _BY_NAME.get(_latin_key(text))


def accepted_names() -> str:
    """The accepted names, for error messages: ``贵州省 / 贵州 / Guizhou (guizhou)``."""
    return "; ".join(f"{p.name_zh} / {p.short_zh} / {p.name_en} ({p.code})" for p in PROVINCES)


class UnknownPlace(InvalidValue):
    """A place name that is no province; carries the message in both languages."""

    def __init__(self, value: str) -> None:
        shown = short_repr(value)
        super().__init__(
            f"unknown province {shown}; write the province's Chinese name (贵州省 or 贵州), its "
            f"English name (Guizhou) or its code: {accepted_names()}",
            f"无法识别的省份 {shown}；请填写省级行政区的中文全称或简称（如贵州省、贵州）、"
            f"英文名（Guizhou）或代码：{accepted_names()}")


def province_code(value: Any) -> Any:
    """Normalise a place-like value to its code; non-strings pass through for type checks.

    Raises :class:`UnknownPlace` (a ``ValueError``) for a string that names no province.
    """
    if not isinstance(value, str):
        return value
    found = province(value)
    if found is None:
        raise UnknownPlace(value)
    return found.code


def province_name_en(code: str | None) -> str:
    """Guizhou for ``guizhou``; the code itself when it is not a province code."""
    if code is None:
        return ""
    found = _BY_CODE.get(code)
    return found.name_en if found else code


def province_name_zh(code: str | None) -> str:
    """贵州省 for ``guizhou``; the code itself when it is not a province code."""
    if code is None:
        return ""
    found = _BY_CODE.get(code)
    return found.name_zh if found else code
