"""The bundled examples stay valid and keep the verdicts their comments describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradient_rules import Engine, load_application

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "national/excellent-candidate.yaml": ("eligible", "eligible", "eligible", "not_eligible"),
    "national/basic-workshop.json": ("eligible", "not_eligible", "not_eligible", "not_eligible"),
    "national/undetermined-self-check.toml": ("undetermined", "undetermined", "undetermined",
                                              "not_eligible"),
    "guizhou/basic.yaml": ("eligible", "not_eligible", "not_eligible", "not_eligible"),
    "guizhou/advanced-not-excellent.yaml": ("eligible", "eligible", "not_eligible",
                                            "not_eligible"),
    "guizhou/excellent.yaml": ("eligible", "eligible", "eligible", "not_eligible"),
    "guizhou/excellent-in-principle-warning.yaml": ("eligible", "eligible", "eligible",
                                                    "not_eligible"),
    "guizhou/leading.yaml": ("eligible", "eligible", "eligible", "eligible"),
    "shandong/no-city-title-asks-advanced.yaml": ("eligible", "not_eligible", "not_eligible",
                                                  "not_eligible"),
    "shandong/tobacco-branch.yaml": ("eligible", "eligible", "not_eligible", "not_eligible"),
    "shandong/revoked-after-quality-accident.yaml": ("not_eligible", "not_eligible",
                                                     "not_eligible", "not_eligible"),
}
REVIEW_FILES = ["shandong/review/events.yaml", "shandong/review/titles.yaml"]
BATCHES = {"shanxi/taiyuan-batch.yaml": ("yes", "no", "yes", "no")}


def test_every_example_has_expected_verdicts() -> None:
    found = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.*"))
    assert found == sorted([*EXPECTED, *REVIEW_FILES, *BATCHES])


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_example_batches(name: str) -> None:
    result = Engine.from_installed().assess_batch(EXAMPLES / name,
                                                  jurisdiction=name.split("/")[0])
    assert tuple(r.recommended for r in result.rows) == BATCHES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_verdicts(name: str) -> None:
    jurisdiction = name.split("/")[0]
    result = Engine.from_installed().assess(load_application(EXAMPLES / name),
                                            jurisdiction=jurisdiction)
    assert tuple(t.verdict.value for t in result.tiers) == EXPECTED[name]


def test_the_in_principle_example_warns_only_on_excellent_coverage() -> None:
    result = Engine.from_installed().assess(
        load_application(EXAMPLES / "guizhou" / "excellent-in-principle-warning.yaml"),
        jurisdiction="guizhou")
    excellent = result.tier("excellent")
    assert excellent.gaps == ()
    assert [w.rule_id for w in excellent.warnings] == ["GZ-SCN-E-2"]
