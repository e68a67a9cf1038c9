"""What a screening user could run instead of gradient-rules, on the national conditions.

- :func:`zen_decision`: zen-engine (GoRules, Rust core) with the national conditions of 2024
  written by hand as a JDM decision graph (``national.jdm.json``: one expression node for
  the rules' outcomes, one for the tier verdicts).  zen-engine is a benchmark-only extra
  (``pip install -e ".[bench]"``).
- :func:`floor_verdicts`: a hand-written Python function of the same conditions, verdicts
  only; the floor no rules engine can beat.

Both read the raw application as the generators make it (segments as English codes, not
every input form the library accepts) with ``on`` the evaluation date; both must give the
engine's tier verdicts on every generated application, which the benchmark checks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

__all__ = ["JDM", "floor_verdicts", "zen_decision"]

JDM = Path(__file__).with_name("national.jdm.json")
"""The national conditions as a JDM decision graph."""

_TIERS = ("basic", "advanced", "excellent", "leading")
_MATURITY = {"basic": 2, "advanced": 2, "excellent": 3, "leading": 4}
_COVERAGE = {  # must-rules only: excellent's five segments are in principle (NAT-COV-E)
    "basic": ("production_operations",),
    "advanced": ("production_operations", "production_management", "operations_management"),
    "leading": ("factory_construction", "research_and_design", "production_operations",
                "production_management", "operations_management"),
}
_OUTCOMES = {
    "basic": ("kpis_above_province_average",),
    "advanced": ("kpis_leading_in_province", "leading_role_in_province"),
    "excellent": ("kpis_leading_nationally", "national_leadership_and_supply_chain",
                  "promotable_solution_and_standards", "talent_training_system"),
    "leading": ("kpis_leading_globally", "global_benchmark_replicated",
                "solutions_exported_and_standards", "leading_talent_and_external_guidance"),
}
_BASE = ("competitive", "sound_operations_and_finances", "no_bad_credit_record", "no_violations",
         "secure_and_controllable", "organisation_and_talent")
_RANK = {tier: rank for rank, tier in enumerate(_TIERS)}
_MET, _UNKNOWN, _NOT_MET = 0, 1, 2


def zen_decision() -> Any:
    """The JDM graph loaded into zen-engine (``decision.evaluate(app | {"on": iso})``)."""
    import zen

    return zen.ZenEngine().create_decision(JDM.read_text(encoding="utf-8"))


def _attested(attestations: dict[str, bool] | None, names: tuple[str, ...]) -> int:
    values = [None if attestations is None else attestations.get(n) for n in names]
    if False in values:
        return _NOT_MET
    return _UNKNOWN if None in values else _MET


def _full_years(earlier: dt.date, later: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def floor_verdicts(app: dict[str, Any], on: dt.date) -> dict[str, str]:
    """Tier -> verdict for a national application, straight from the conditions."""
    enterprise = app["enterprise"]
    flag = enterprise.get("above_designated_size")
    revenue = enterprise.get("main_business_revenue_cny")
    size = (_UNKNOWN if flag is None and revenue is None
            else _MET if (flag if flag is not None else revenue >= 20_000_000) else _NOT_MET)
    attestations = app.get("attestations")
    incidents = app.get("incidents")
    if incidents is None:
        record = _UNKNOWN
    else:
        record = _NOT_MET if any(
            i["kind"] in ("safety", "environmental")
            and i["grade"] in ("larger", "major", "especially_major")
            and 0 <= _full_years(dt.date.fromisoformat(i["occurred_on"]), on) < 3
            for i in incidents) else _MET
    common = max(size, record, _attested(attestations, _BASE))
    level = (app.get("self_assessment") or {}).get("maturity_level")
    scenarios = app.get("scenarios")
    verdicts = {}
    for tier in _TIERS:
        worst = max(common, _attested(attestations, _OUTCOMES[tier]),
                    _UNKNOWN if level is None else _MET if level >= _MATURITY[tier] else _NOT_MET)
        if tier in _COVERAGE:
            if scenarios is None:
                worst = max(worst, _UNKNOWN)
            else:
                covered = {s["segment"] for s in scenarios if _RANK[s["tier"]] >= _RANK[tier]}
                worst = max(worst, _MET if covered.issuperset(_COVERAGE[tier]) else _NOT_MET)
        verdicts[tier] = ("eligible", "undetermined", "not_eligible")[worst]
    return verdicts
