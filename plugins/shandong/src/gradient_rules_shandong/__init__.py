"""Shandong rules of 智能工厂梯度培育 for gradient-rules.

The plugin only points the host at its data: every rule, threshold, revocation trigger
and their citations live in ``data/`` (see README.md beside this package).
"""

from __future__ import annotations

from gradient_rules import JurisdictionSource, hookimpl

__all__ = ["gradient_rules_jurisdictions"]


@hookimpl
def gradient_rules_jurisdictions() -> list[JurisdictionSource]:
    """The Shandong jurisdiction."""
    return [JurisdictionSource.from_package("shandong", __name__)]
