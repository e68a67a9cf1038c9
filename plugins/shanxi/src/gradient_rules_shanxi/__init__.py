"""Shanxi rules (the 2024 excellent-tier call) of 智能工厂梯度培育 for gradient-rules.

The plugin only points the host at its data: every rule, threshold, the quota, the
materials checklist, the summary form and their citations live in ``data/`` (see
README.md beside this package).
"""

from __future__ import annotations

from gradient_rules import JurisdictionSource, hookimpl

__all__ = ["gradient_rules_jurisdictions"]


@hookimpl
def gradient_rules_jurisdictions() -> list[JurisdictionSource]:
    """The Shanxi jurisdiction."""
    return [JurisdictionSource.from_package("shanxi", __name__)]
