"""The ``gradient-rules`` command: the entry point and its subcommands.

The commands live in modules by job (``_cli_assess``: assess, validate, schema;
``_cli_data``: plugins, rules, scenarios, calls, consistency; ``_cli_batch``: batch, form,
review; ``_cli_author``: check, new-plugin); what they share is in ``_cli_common``,
including the exit codes.  A command's module is imported when the command is asked for
(``COMMAND_MODULES`` in ``_cli_common``), so a single assessment starts quickly.
"""

from __future__ import annotations

from ._cli_common import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradient-rules")
