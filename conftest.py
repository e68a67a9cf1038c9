"""Fixtures for every test: engines built from explicit plugin objects."""

from __future__ import annotations

from typing import Any

import pytest

import gradient_rules_guizhou
import gradient_rules_national
import gradient_rules_shandong
from gradient_rules import Engine


@pytest.fixture(scope="session")
def national() -> Any:
    return gradient_rules_national


@pytest.fixture(scope="session")
def engine(national: Any) -> Engine:
    return Engine(plugins=[national])


@pytest.fixture(scope="session")
def reference_engine(national: Any) -> Engine:
    return Engine(plugins=[national], backend="reference")


@pytest.fixture(scope="module", params=["durable", "reference"])
def provinces(request: pytest.FixtureRequest) -> Engine:
    """National, Guizhou and Shandong (the benchmark's generated jurisdictions), each backend."""
    return Engine(plugins=[gradient_rules_national, gradient_rules_guizhou,
                           gradient_rules_shandong], backend=request.param)
