"""The docs are complete and true: hooks, condition kinds, the README's commands and output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from gradient_rules import _hookspecs
from gradient_rules._kinds import ConditionKinds

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_every_hook_has_a_heading_with_its_signature_in_the_hook_reference() -> None:
    doc = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(_hookspecs) if name.startswith("gradient_rules_")]
    assert hooks == ["gradient_rules_condition_kinds", "gradient_rules_jurisdictions"]
    headings = re.findall(r"^## (\w+)\(", doc, re.M)
    assert sorted(headings) == hooks


def test_every_condition_kind_is_in_the_data_file_reference() -> None:
    doc = (ROOT / "docs" / "data-files.md").read_text(encoding="utf-8")
    for kind in ConditionKinds().names():
        assert f"| `{kind}` |" in doc, kind


def test_the_readme_gives_two_commands_first_and_ci_runs_the_test_one() -> None:
    first_screen = README.split("## ", 1)[0]
    commands = _blocks(first_screen, "sh")
    assert len(commands) == 2
    assert "gradient-rules assess examples/" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_the_readme_python_example_prints_what_the_readme_shows() -> None:
    code = _blocks(README, "python")[0]
    shown = _blocks(README, "text")[0]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def test_every_decision_cited_in_the_docs_exists() -> None:
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^\*\*(D\d+)\.", decisions, re.M))
    cited: set[str] = set()
    for path in [*ROOT.glob("docs/*.md"), *ROOT.glob("plugins/*/README.md"),
                 *ROOT.glob("plugins/*/src/*/data/*/*.toml")]:
        cited |= set(re.findall(r"\b(D\d+)\b", path.read_text(encoding="utf-8")))
    assert cited <= defined, cited - defined


def test_the_readme_guizhou_example_shows_the_real_output() -> None:
    section = README.split("## A Guizhou example", 1)[1]
    command = _blocks(section, "sh")[0].strip().split()
    shown = re.findall(r"````markdown\n(.*?)````", section, re.S)[0]
    exe = Path(sys.executable).parent / command[0]
    result = subprocess.run([str(exe), *command[1:]], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 1
    assert result.stdout == shown
