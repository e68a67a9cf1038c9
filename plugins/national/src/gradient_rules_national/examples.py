"""Applications for tests of the national rules and of plugins based on them.

``leading_application()`` meets every national rule at every tier on :data:`ON`; a test
changes one thing (``gradient_rules.testing.patched``) and checks one rule's finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["ALL_SEGMENTS", "NATIONAL_ATTESTATIONS", "ON", "leading_application"]

ON = dt.date(2024, 11, 22)
"""The day the example applications are dated (within the 2024 conditions and call)."""

NATIONAL_ATTESTATIONS = [
    "competitive", "sound_operations_and_finances", "no_bad_credit_record", "no_violations",
    "secure_and_controllable", "organisation_and_talent", "kpis_above_province_average",
    "kpis_leading_in_province", "leading_role_in_province", "kpis_leading_nationally",
    "national_leadership_and_supply_chain", "promotable_solution_and_standards",
    "talent_training_system", "kpis_leading_globally", "global_benchmark_replicated",
    "solutions_exported_and_standards", "leading_talent_and_external_guidance",
]
"""Every attestation the national 2024 conditions read."""

ALL_SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
                "production_management", "operations_management"]
"""The five segments (环节)."""


def leading_application() -> dict[str, Any]:
    """An application that meets every national rule at every tier (on :data:`ON`)."""
    return {
        "enterprise": {"name": "样例智造有限公司", "above_designated_size": True,
                       "independent_legal_person": True, "province": "jiangsu"},
        "dated": ON.isoformat(),
        "construction_completed": True,
        "self_assessment": {"maturity_level": 4, "digital_transformation_level": 4},
        "attestations": dict.fromkeys(NATIONAL_ATTESTATIONS, True),
        "incidents": [],
        "scenarios": [{"segment": s, "tier": "leading", "name": f"场景{i}"}
                      for i, s in enumerate(ALL_SEGMENTS)],
        "kpis": {"KPI-01": 90.0},
        "filing": {"online_filed_on": "2024-11-15", "paper_submitted_on": "2024-11-20"},
    }
