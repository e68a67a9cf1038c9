"""``gradient-rules check`` and ``gradient-rules new-plugin``: the plugin author's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._checks import CheckFinding, Severity
from ._cli_common import (
    EXIT_BAD_INPUT,
    EXIT_NOT_ELIGIBLE,
    cli,
    echo,
    emit_json,
    engine,
    format_option,
    lang_option,
    new_table,
    print_table,
)
from ._engine import Engine
from ._errors import GradientRulesError
from ._scaffold import ScaffoldError, scaffold

__all__ = ["check", "new_plugin"]


def _properties(found: Engine, codes: list[str], examples: int) -> list[CheckFinding]:
    try:
        from .testing import run_properties
    except ImportError as error:  # hypothesis is in the `testing` extra
        echo(f"--properties needs the testing extra: pip install 'gradient-rules[testing]' "
             f"({error})", err=True)
        sys.exit(EXIT_BAD_INPUT)
    reference = Engine.from_installed(backend="reference")
    out = []
    for code in codes:
        targets: list[str | None] = [None, *(c.id for c in found.calls(code))]
        for call in targets:
            source = f"{code}/{call}" if call else code
            failure = run_properties(found, reference, code, call=call, examples=examples)
            if failure is not None:
                out.append(CheckFinding(
                    check="properties", severity=Severity.ERROR, jurisdiction=code,
                    source=source, rules=(),
                    message="; ".join(failure.broken) + f" — smallest application: "
                            f"{failure.application}"))
            else:
                out.append(CheckFinding(
                    check="properties", severity=Severity.ACCEPTED, jurisdiction=code,
                    source=source, rules=(),
                    message=f"every invariant held on {examples} generated applications "
                            f"(and {examples} stating every fact)",
                    accepted_because="passed"))
    return out


@cli.command()
@click.argument("jurisdictions", nargs=-1)
@click.option("--properties", "examples", type=click.IntRange(1, 100_000), default=None,
              metavar="N", help="Also run the kit's invariants on N generated applications "
                                "per conditions and call (needs gradient-rules[testing]).")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--all", "show_all", is_flag=True,
              help="Also list accepted warnings (properties of the text, with the reason).")
@format_option("table", "json")
@lang_option
def check(jurisdictions: tuple[str, ...], examples: int | None, strict: bool,
          show_all: bool, fmt: str, lang: str) -> None:
    """Static checks of the installed rule packs and calls (default: every jurisdiction).

    Tier order, declared relations, base rules left unmentioned, prerequisite cycles, rules
    that can never be met or never fail (docs/testing.md lists them).  Errors are what
    refuses a pack when plugins load; warnings are listed by `plugins` too.  Exit 1 on an
    error (or, with --strict, a warning), 2 for an unknown jurisdiction.
    """
    found = engine()
    known = {j.code for j in found.jurisdictions()} | set(found.refused)
    unknown = [j for j in jurisdictions if j not in known]
    if unknown:
        echo(f"error: unknown jurisdiction {', '.join(unknown)}; installed: "
             f"{', '.join(sorted(known)) or 'none'}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    codes = list(jurisdictions) or sorted(known)
    findings = list(found.findings(*codes))
    checked = {f.source for f in findings if f.severity is Severity.ERROR}
    for problem in found.problems:  # refusals that are not static checks (bad data files)
        text = str(problem)
        if any(text.find(f"{code}/") >= 0 or text.find(f"'{code}'") >= 0 for code in codes) \
                and not any(source in text for source in checked):
            findings.append(CheckFinding(check="load", severity=Severity.ERROR,
                                         jurisdiction=problem.plugin or "?", source="plugins",
                                         rules=(), message=text))
    if examples is not None:
        loaded = [c for c in codes if c in {j.code for j in found.jurisdictions()}]
        try:
            findings += _properties(found, loaded, examples)
        except GradientRulesError as error:
            echo(f"error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    _show(findings, codes, fmt, lang, show_all)
    worst = {f.severity for f in findings}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        sys.exit(EXIT_NOT_ELIGIBLE)


def _show(findings: list[CheckFinding], codes: list[str], fmt: str, lang: str,
          show_all: bool) -> None:
    if fmt == "json":
        emit_json({"jurisdictions": codes,
                   "findings": [f.model_dump(mode="json") for f in findings],
                   "errors": sum(f.severity is Severity.ERROR for f in findings),
                   "warnings": sum(f.severity is Severity.WARNING for f in findings)})
        return
    zh = lang == "zh"
    table = new_table(*(("级别", "检查", "来源", "规则", "说明") if zh else
                        ("severity", "check", "source", "rules", "message")))
    table.columns[4].overflow = "fold"
    shown = [f for f in findings if show_all or f.severity is not Severity.ACCEPTED]
    for f in shown:
        message = f.message + (f" — {f.accepted_because}" if f.accepted_because else "")
        table.add_row(f.severity.value, f.check, f.source, ", ".join(f.rules), message)
    if shown:
        print_table(table)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    accepted = len(findings) - errors - warnings
    echo(f"{', '.join(codes)}: {errors} 个错误，{warnings} 个警告，{accepted} 个已说明的警告"
         "（--all 列出）" if zh else
         f"{', '.join(codes)}: {errors} error(s), {warnings} warning(s), {accepted} accepted "
         "(--all lists them)")


@cli.command(name="new-plugin")
@click.argument("code")
@click.option("--base", default="national", show_default=True,
              help="The jurisdiction whose rules the new one adopts, tightens or replaces.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where to create the distribution (default: "
                                 "./gradient-rules-CODE).")
@click.option("--name-zh", default=None, help="Chinese name, e.g. 浙江省.")
@click.option("--name-en", default=None, help="English name, e.g. Zhejiang.")
@format_option("table", "json")
@lang_option
def new_plugin(code: str, base: str, directory: Path | None, name_zh: str | None,
               name_en: str | None, fmt: str, lang: str) -> None:
    """Scaffold a plugin distribution for jurisdiction CODE, ready to install and test.

    It adopts every rule of BASE (edit rules.toml to tighten, replace, add or drop), inherits
    BASE's shared data, and ships a README, a decisions.md and tests on the kit.
    """
    found = engine()
    try:
        base_pack = found.pack(base)
    except GradientRulesError as error:
        echo(f"error: --base {base}: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    target = directory or Path(f"gradient-rules-{code.replace('_', '-')}")
    try:
        written = scaffold(code, base_pack, target, name_zh=name_zh, name_en=name_en,
                           base_distribution=_distribution(found, base))
    except ScaffoldError as error:
        echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if fmt == "json":
        emit_json({"created": str(target), "files": [str(p) for p in written]})
        return
    if lang == "zh":
        echo(f"已创建 {target}（{len(written)} 个文件）。下一步：\n  pip install -e {target}\n"
             f"  gradient-rules check {code}\n  python -m pytest {target}")
        return
    echo(f"created {target} ({len(written)} files). Next:\n"
         f"  pip install -e {target}\n"
         f"  gradient-rules check {code}\n"
         f"  python -m pytest {target}")


def _distribution(found: Engine, code: str) -> str:
    return found.distribution_of(code) or f"gradient-rules-{code.replace('_', '-')}"
