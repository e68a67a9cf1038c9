"""Fixtures for every test: engines built from explicit plugin objects."""

from __future__ import annotations

from typing import Any

import pytest

import gradient_rules_national
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
