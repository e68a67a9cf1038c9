"""What every ``gradient-rules`` subcommand shares: the group, options, errors and output.

Exit codes: 0 done; 1 assessed, and the tier asked for is not eligible (or undetermined), or
a declared relation is contradicted, or no row of a batch can go on the form; 2 bad input
(file, field, date, jurisdiction, option); 3 a plugin or the engine is broken; 4 an internal
error (a bug: one line naming the command and its input, the traceback with ``--debug``);
130 interrupted; 141 the output pipe closed; 143 terminated (SIGTERM); 129 the terminal
closed (SIGHUP).  A crash never exits 0 or 1.  Errors in JSON mode are printed as
``{"error": {...}}`` on standard output; otherwise one line per problem on standard error,
in the language of ``--lang`` (field paths stay as written).  Whatever is printed for a
person has its control characters made visible, so a name cannot drive the terminal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import click

from ._engine import Engine
from ._errors import (
    ApplicationError,
    EngineError,
    GradientRulesError,
    PluginError,
    UnknownJurisdictionError,
)
from ._render import Line, wrap_line
from ._textwrap import visible

if TYPE_CHECKING:  # rich is imported when a table or a terminal needs it (~20 ms at start-up)
    from rich.table import Table

__all__ = [
    "COMMAND_MODULES",
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_ELIGIBLE",
    "Lang",
    "call_option",
    "cli",
    "echo",
    "emit_json",
    "engine",
    "fail",
    "format_option",
    "lang_option",
    "new_table",
    "parse_date",
    "print_lines",
    "print_table",
]

F = TypeVar("F", bound=Callable[..., Any])
Lang = Literal["zh", "en"]

EXIT_NOT_ELIGIBLE = 1
EXIT_BAD_INPUT = 2
EXIT_BROKEN = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 141
EXIT_TERMINATED = 143
EXIT_HUNG_UP = 129


class Terminated(KeyboardInterrupt):
    """A stop signal, raised in the command's process as an interrupt.

    SIGTERM (a job scheduler's stop, ``timeout``) or SIGHUP (the terminal closed).  As an
    interrupt, so that what a run was building is removed on the way out (a results
    file half written) and the engine is left correct; the exit is 128 plus the signal's
    number, as for the signal itself: 143 for SIGTERM, 129 for SIGHUP.
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = int(signum)


STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
"""The signals a command turns into :class:`Terminated` (SIGHUP where the system has it)."""


@contextlib.contextmanager
def _stop_signals_caught() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` in this process while the block runs.

    Only from the main thread, and only for a signal no other handler is set for (a program
    that runs the command keeps its own; ``nohup`` keeps SIGHUP ignored); the default is put
    back afterwards.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    mine = os.getpid()
    caught = [signum for signum in STOP_SIGNALS if signal.getsignal(signum) == signal.SIG_DFL]

    def terminated(signum: int, frame: object) -> None:
        if os.getpid() != mine:  # a worker forked with the handler: end as the signal asks
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(signum)

    for signum in caught:
        signal.signal(signum, terminated)
    try:
        yield
    finally:
        for signum in caught:
            signal.signal(signum, signal.SIG_DFL)


def _interrupted(error: BaseException) -> int:
    """Say why the run stopped (where anyone can still read it); the exit code for it."""
    if isinstance(error, Terminated):
        hung_up = error.signum != signal.SIGTERM
        code = EXIT_HUNG_UP if hung_up else EXIT_TERMINATED
        said = "terminated (SIGHUP: the terminal closed)" if hung_up else "terminated"
    else:
        code, said = EXIT_INTERRUPTED, "interrupted"
    with contextlib.suppress(OSError):  # a terminal that has closed cannot be told
        click.echo(said, err=True)
    return code

LANG_VARIABLE = "GRADIENT_RULES_LANG"

_STYLES = {"heading": "bold", "eligible": "bold green", "not_eligible": "bold red",
           "undetermined": "bold yellow", "met": "green", "not_met": "red",
           "unknown": "yellow", "note": "dim", "": ""}


_ARGV = "gradient_rules.argv"

COMMAND_MODULES = {
    "assess": "_cli_assess", "validate": "_cli_assess", "schema": "_cli_assess",
    "batch": "_cli_batch", "form": "_cli_batch", "review": "_cli_batch",
    "template": "_cli_bulk", "whatif": "_cli_bulk",
    "plugins": "_cli_data", "rules": "_cli_data", "scenarios": "_cli_data",
    "calls": "_cli_data", "consistency": "_cli_data",
    "check": "_cli_author", "new-plugin": "_cli_author",
}
"""Which module defines each subcommand: a command's module (and what it needs) is imported
when the command runs or help lists it, so ``assess`` does not load the screening, batch and
authoring code at start-up.  ``tests/test_cli_startup.py`` checks the table against the
modules."""


def _quiet_streams() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. under a test runner)
        pass


class _Group(click.Group):
    """The command group; an unexpected exception is exit 4, never 0 or 1.

    Click itself exits 1 for an interrupt, an abort and a closed pipe, which here would read
    as "not eligible"; they exit 130 (interrupted) and 141 (closed pipe) instead.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with _stop_signals_caught():
                code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except (click.Abort, KeyboardInterrupt, EOFError) as error:
            sys.exit(_interrupted(error))
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if cmd_name not in self.commands and module is not None:
            import_module(f"{__package__}.{module}")  # its decorators register its commands
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGV] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt as error:
            ctx.exit(_interrupted(error))
        except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
            _quiet_streams()
            ctx.exit(EXIT_CLOSED_PIPE)
        except Exception as error:
            argv = [a for a in ctx.meta.get(_ARGV, []) if a != "--debug"]
            command = argv[0] if argv else "?"
            inputs = " ".join(argv[1:])[:200]
            if ctx.meta.get("gradient_rules.debug") or os.environ.get("GRADIENT_RULES_DEBUG"):
                click.echo(traceback.format_exc(), err=True)
            click.echo(visible(f"gradient-rules {command}: internal error "
                               f"({type(error).__name__}: {str(error)[:200]}) with: {inputs}; "
                               "this is a bug: please report it with the output of --debug"),
                       err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradient-rules")
@click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Assess smart factories against the tiers of 智能工厂梯度培育, with citations.

    Messages follow --lang, or the GRADIENT_RULES_LANG environment variable (zh or en),
    else Chinese.  Exit codes: 0 done; 1 not eligible (with --tier), a contradicted
    relation, or no recommendable row; 2 bad input; 3 a broken plugin or engine; 4 an
    internal error; 130 interrupted; 143 terminated; 129 the terminal closed.
    """
    ctx.meta["gradient_rules.debug"] = debug


def _default_lang() -> str:
    value = os.environ.get(LANG_VARIABLE, "zh").strip().lower()
    return value if value in ("zh", "en") else "zh"


def lang_option(function: F) -> F:
    """``--lang zh|en``, defaulting to $GRADIENT_RULES_LANG, else zh."""
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=_default_lang,
                        show_default="zh, or $GRADIENT_RULES_LANG",
                        help="Language of messages and errors.")(function)


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with the first choice as default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


call_option = click.option(
    "--call", "call", metavar="ID",
    help="Assess for this call (年度申报通知) of the jurisdiction; see `gradient-rules calls`.")


def engine() -> Engine:
    """The engine of the installed plugins (broken ones are reported, not fatal)."""
    return Engine.from_installed(strict=False)


def parse_date(value: str | None, option: str = "--on") -> dt.date | None:
    """A ``YYYY-MM-DD`` option value; a usage error (exit 2) otherwise."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD",
                                 param_hint=f"'{option}'") from None


def echo(text: str, *, err: bool = False) -> None:
    """Print text for a person, control characters made visible."""
    click.echo(visible(text), err=err)


def emit_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (Chinese kept as is)."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def _messages(error: GradientRulesError, lang: str) -> list[tuple[str, str]]:
    if isinstance(error, ApplicationError):
        pairs = error.problems_zh if lang == "zh" else error.problems
        return [(field, message) for field, message in pairs]
    text = str(error)
    if lang == "zh":
        if isinstance(error, UnknownJurisdictionError):
            known = "、".join(error.known) or "无"
            text = f"未安装地区 {error.code!r} 的规则；已安装：{known}"
        elif isinstance(error, PluginError):
            text = f"插件有误：{text}"
        elif isinstance(error, EngineError):
            text = f"规则引擎无法运行：{text}"
    return [("", text)]


def fail(error: GradientRulesError, fmt: str, lang: str = "en") -> NoReturn:
    """Report ``error`` and exit: 2 for bad input, 3 for a broken plugin or engine."""
    bad_input = isinstance(error, ApplicationError | UnknownJurisdictionError)
    code = EXIT_BAD_INPUT if bad_input else EXIT_BROKEN
    messages = _messages(error, lang)
    source = getattr(error, "source", None)
    if fmt == "json":
        emit_json({"error": {
            "type": type(error).__name__, "source": source,
            "message": "\n".join(f"{f}: {m}" if f else m for f, m in messages),
            "problems": [{"field": f, "message": m} for f, m in messages if f or m]}})
    else:
        where = f"{source}: " if source else ""
        word = "错误" if lang == "zh" else "error"
        for field, message in messages:
            echo(f"{word}: {where}{field}: {message}" if field else
                 f"{word}: {where}{message}", err=True)
    sys.exit(code)


def _terminal() -> bool:
    return sys.stdout.isatty()


def _width() -> int:
    if _terminal():
        from rich.console import Console

        return Console().width
    try:
        return max(40, int(os.environ.get("COLUMNS", "100")))
    except ValueError:
        return 100


def print_lines(lines: Sequence[Line]) -> None:
    """Print report lines wrapped to the terminal (styled there, plain when piped)."""
    width = _width()
    if not _terminal():
        click.echo("\n".join(visible(text) for line in lines
                             for text in wrap_line(line, width)))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line in lines:
        for text in wrap_line(line, width):
            console.print(Text(visible(text), style=_STYLES[line.style]))


def new_table(*headers: str, title: str | None = None, caption: str | None = None) -> Table:
    """A rich table with these column headers (rich is imported here, when first needed)."""
    from rich.table import Table

    return Table(*headers, title=title, caption=caption)


def print_table(table: Table) -> None:
    """Print a rich table; piped, as plain text without trailing spaces.

    Cells are made visible first (control characters escaped) and taken as plain text, never
    as rich markup (a name like ``[/bold]`` is printed as written), then measured.
    """
    from rich.console import Console
    from rich.text import Text

    for column in table.columns:
        column._cells = [Text(visible(cell)) if isinstance(cell, str) else cell
                         for cell in column._cells]
    if _terminal():
        Console(highlight=False).print(table)
        return
    console = Console(width=_width(), highlight=False, color_system=None, soft_wrap=False)
    with console.capture() as captured:
        console.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
