"""The kit for plugin authors and consistency testers (``pip install gradient-rules[testing]``).

- :mod:`~gradient_rules.testing` strategies (hypothesis): :func:`applications`,
  :func:`scenario_claims`, :func:`batches`, built from a jurisdiction's own data;
- invariants any rules must keep: :func:`check_invariants` and the ``assert_*`` functions;
- the rule-case harness the shipped plugins' tests use: :class:`RuleCase`,
  :func:`check_rule_case`, :func:`assert_cases_cover`, :func:`patched`, :data:`DELETE`;
- :func:`run_properties`: the invariants over N generated applications (``gradient-rules
  check --properties N``);
- :class:`RuleCoverage`; and a pytest plugin (fixtures ``gr_engine``,
  ``gr_reference_engine``; option ``--gr-coverage``), loaded automatically.

See docs/testing.md.
"""

from __future__ import annotations

from .._coverage import CoverageRow, RuleCoverage
from ._cases import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    call_rules,
    check_rule_case,
    patched,
)
from ._invariants import (
    INVARIANTS,
    assert_backends_agree,
    assert_deterministic,
    assert_in_principle_never_refuses,
    assert_ladder,
    assert_monotonic,
    assert_no_unknown_when_all_stated,
    assert_order_independent,
    assert_tightens_holds,
    check_invariants,
)
from ._properties import PropertyFailure, find_application, run_properties
from ._strategies import ScopeData, applications, batches, scenario_claims, scope_data

__all__ = [
    "DELETE",
    "INVARIANTS",
    "CoverageRow",
    "PropertyFailure",
    "RuleCase",
    "RuleCoverage",
    "ScopeData",
    "applications",
    "assert_backends_agree",
    "assert_cases_cover",
    "assert_citations_in_seeds",
    "assert_deterministic",
    "assert_in_principle_never_refuses",
    "assert_ladder",
    "assert_monotonic",
    "assert_no_unknown_when_all_stated",
    "assert_order_independent",
    "assert_tightens_holds",
    "batches",
    "call_rules",
    "check_invariants",
    "check_rule_case",
    "find_application",
    "patched",
    "run_properties",
    "scenario_claims",
    "scope_data",
]
