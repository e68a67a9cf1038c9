"""A province plugin built in a temporary folder, as a province team would write one."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from grtest import patched

from gradient_rules import JurisdictionSource, hookimpl

__all__ = ["ON", "PACK", "RULES", "Plugin", "make_jurisdiction", "prov_app"]

PACK = """
valid_from = 2025-01-01
valid_until = 2027-12-31
[[documents]]
id = "measures"
title_zh = "测试省智能工厂认定办法"
title_en = "Test province measures"
status = "draft_for_review"
[attestations.competitive]
zh = "有竞争力"
en = "competitive"
"""

RULES = """
[[rules]]
id = "TP-BASE-1"
title_en = "Maturity"
title_zh = "成熟度"
tiers = ["basic", "advanced"]
relation = "tightens"
relates_to = ["NAT-BASE-5"]
citation = { document = "measures", clause = "第五条", text_zh = "成熟度三级及以上" }
condition = { kind = "min_level", field = "maturity_level", minimum = 3 }

[[rules]]
id = "TP-BASE-2"
title_en = "Competitive"
title_zh = "竞争力"
relation = "adopts"
relates_to = ["NAT-BASE-3"]
citation = { document = "measures", clause = "第六条", text_zh = "安全可控" }
"""


def make_jurisdiction(root: Path, code: str = "testprov", *, pack: str = PACK,
                      rules: str = RULES, base: str | None = "national",
                      extra_files: dict[str, str] | None = None,
                      calls: dict[str, str] | None = None) -> Path:
    data = root / code
    (data / "2025").mkdir(parents=True)
    for name, text in (calls or {}).items():
        (data / "calls").mkdir(exist_ok=True)
        (data / "calls" / f"{name}.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    base_line = f'base = "{base}"\n' if base else ""
    (data / "jurisdiction.toml").write_text(
        f'[jurisdiction]\ncode = "{code}"\nname_zh = "测试省"\nname_en = "Test"\n{base_line}',
        encoding="utf-8")
    (data / "2025" / "pack.toml").write_text(textwrap.dedent(pack), encoding="utf-8")
    (data / "2025" / "rules.toml").write_text(textwrap.dedent(rules), encoding="utf-8")
    for name, text in (extra_files or {}).items():
        (data / "2025" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return data


class Plugin:
    """A plugin object, as a province team would write one."""

    def __init__(self, code: str, data: Path) -> None:
        self.code, self.data = code, data
        self.__name__ = f"plugin_{code}"

    @hookimpl
    def gradient_rules_jurisdictions(self) -> list[JurisdictionSource]:
        return [JurisdictionSource(self.code, self.data)]


ON = dt.date(2025, 6, 1)


def prov_app(**changes: Any) -> dict[str, Any]:
    """An application shaped for the test province (its own attestations only)."""
    base = {"enterprise": {"name": "测试企业", "main_business_revenue_cny": 60_000_000},
            "self_assessment": {"maturity_level": 4},
            "attestations": {"competitive": True, "secure_and_controllable": True}}
    return patched(base, **changes)
