"""The ``gradient-rules`` command: the entry point and its subcommands.

The commands live in modules by job (``_cli_assess``: assess, validate, schema;
``_cli_data``: plugins, rules, scenarios, calls, consistency; ``_cli_batch``: batch, form,
review); what they share is in ``_cli_common``, including the exit codes.
"""

from __future__ import annotations

from . import _cli_assess, _cli_batch, _cli_data
from ._cli_common import cli

__all__ = ["cli", "main"]

_COMMANDS = (_cli_assess, _cli_batch, _cli_data)  # importing them registers the subcommands


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradient-rules")
