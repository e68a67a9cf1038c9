"""A plugin that works in the main process and kills any worker process that imports it.

For the screening tests: worker processes that die as they start must give every row a
worker error, in order, and the screening must end.
"""

from __future__ import annotations

import multiprocessing
import os

from gradient_rules_national import gradient_rules_jurisdictions

__all__ = ["gradient_rules_jurisdictions"]

if multiprocessing.parent_process() is not None:
    os._exit(17)
