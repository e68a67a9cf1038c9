"""What the core's own tests share: the public kit and the national example application.

Plugin tests do not use this module (they import ``gradient_rules.testing`` as a third
party would); the core's tests import through here for brevity.
"""

from __future__ import annotations

from pathlib import Path

from gradient_rules.testing import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    call_rules,
    check_rule_case,
    patched,
)
from gradient_rules_national.examples import (
    ALL_SEGMENTS,
    NATIONAL_ATTESTATIONS,
    ON,
    leading_application,
)

__all__ = [
    "ALL_SEGMENTS",
    "DELETE",
    "NATIONAL_ATTESTATIONS",
    "ON",
    "SEEDS",
    "RuleCase",
    "assert_cases_cover",
    "assert_citations_in_seeds",
    "call_rules",
    "check_rule_case",
    "leading_application",
    "patched",
]

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
