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


LAZY_MODULES = ("gradient_rules._batch", "gradient_rules._screening", "gradient_rules._rows",
                "gradient_rules._workers", "gradient_rules._form",
                "gradient_rules._bulk_read", "gradient_rules._bulk_write",
                "gradient_rules._cli_bulk", "gradient_rules._cli_batch",
                "gradient_rules._cli_data", "gradient_rules._cli_author")


def test_one_assessment_on_the_cli_loads_no_screening_batch_or_authoring_code() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "national" / "basic-workshop.json"
    probe = ("import contextlib, io, sys\nfrom gradient_rules._cli import cli\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
             "    try:\n"
             f"        cli(['assess', {str(example)!r}, '--on', '2026-06-01', '--format', 'json'],"
             " prog_name='gradient-rules')\n"
             "    except SystemExit as done:\n        code = done.code\n"
             "assert code == 0 and '\"verdict\"' in out.getvalue(), (code, out.getvalue()[:300])\n"
             f"print(' '.join(m for m in {LAZY_MODULES!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == []


def test_every_command_is_listed_with_the_module_that_defines_it() -> None:
    import importlib

    from gradient_rules._cli_common import COMMAND_MODULES, cli

    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(f"gradient_rules.{module}")
    defined = {name: command.callback.__module__.rpartition(".")[2]
               for name, command in cli.commands.items() if command.callback is not None}
    assert defined == COMMAND_MODULES


def test_lazy_public_names_resolve_and_are_listed() -> None:
    code = ("import gradient_rules as g\n"
            "assert 'gradient_rules._rows' not in sys.modules\n"
            "assert 'ScreeningRow' in dir(g) and 'BatchRow' in dir(g)\n"
            "from gradient_rules import *\n"
            "assert ScreeningRow.__module__ == 'gradient_rules._rows'\n"
            "assert write_form is g._form.write_form\n"
            "try:\n    g.NoSuchName\nexcept AttributeError as e:\n"
            "    assert 'NoSuchName' in str(e)\nelse:\n    raise SystemExit('no error')\n")
    assert _imported_after(code) == []
