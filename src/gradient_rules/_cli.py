"""The ``gradient-rules`` command: the entry point and its subcommands.

The commands live in modules by job (``_cli_assess``: assess, validate, schema;
``_cli_data``: plugins, rules, scenarios, calls, consistency; ``_cli_batch``: batch, form,
review; ``_cli_author``: check, new-plugin); what they share is in ``_cli_common``,
including the exit codes.
"""

from __future__ import annotations

from . import _cli_assess, _cli_author, _cli_batch, _cli_bulk, _cli_data
from ._cli_common import cli

__all__ = ["cli", "main"]

# Importing the command modules registers their subcommands.
_COMMANDS = (_cli_assess, _cli_batch, _cli_bulk, _cli_data, _cli_author)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradient-rules")
