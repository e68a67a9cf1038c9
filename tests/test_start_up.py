"""What ``import gradient_rules`` and the CLI's start-up leave out until it is needed.

The CLI's first result is one of the benchmark's targets (issue 12).  Some dependencies
serve one input only: PyYAML reads YAML files, python-stdnum checks a credit code (and
imports ssl), phonenumbers checks a batch contact's mobile, rich draws tables and terminal
output, multiprocessing runs worker pools.  They are imported on first use; these tests pin
that, and that the use still works (the pools' tests are in ``test_screening.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradient_rules import ApplicationError, load_application

LAZY = ("yaml", "stdnum", "phonenumbers", "rich", "ssl", "multiprocessing")


def _imported_after(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stdout.split()


def test_importing_the_library_and_the_cli_leaves_them_out() -> None:
    assert _imported_after("import gradient_rules, gradient_rules._cli") == []


def test_models_do_not_read_their_sources_at_import() -> None:
    code = ("import gradient_rules\nfrom gradient_rules._docstrings import attribute_docstrings\n"
            "assert attribute_docstrings.cache_info().currsize == 0, 'sources were read'")
    assert _imported_after(code) == []


def test_each_is_imported_when_its_input_comes(tmp_path: Path) -> None:
    yaml_file = tmp_path / "app.yaml"
    yaml_file.write_text("enterprise: {name: 甲}\n", encoding="utf-8")
    code = ("import gradient_rules\ntry:\n"
            f"    gradient_rules.load_application({str(yaml_file)!r})\n"
            "except gradient_rules.ApplicationError:\n    pass\n")
    assert _imported_after(code) == ["yaml"]


def test_a_yaml_syntax_error_is_still_bad_input_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("enterprise: [unclosed\n", encoding="utf-8")
    with pytest.raises(ApplicationError, match=r"not valid YAML: .* at line \d+, column \d+"):
        load_application(bad)
    aliased = tmp_path / "alias.yaml"
    aliased.write_text("a: &x 1\nb: *x\n", encoding="utf-8")
    with pytest.raises(ApplicationError, match="anchors"):
        load_application(aliased)
