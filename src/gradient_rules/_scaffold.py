"""``gradient-rules new-plugin``: a complete plugin distribution, from the base's data.

The scaffold adopts every rule of the base pack (so it loads, checks and tests clean at
once), inherits the base's shared data, and leaves placeholders only where the province's
own text must go: the document, and each rule's clause.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ._rulepack import RulePack

__all__ = ["ScaffoldError", "scaffold"]

CODE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class ScaffoldError(ValueError):
    """The scaffold cannot be written (bad code, folder not empty)."""


def _q(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def _prefix(code: str) -> str:
    letters = re.sub(r"[^a-z]", "", code).upper()
    return (letters[:2] if len(letters) >= 2 else (letters + "XX")[:2])


def _pyproject(code: str, dist: str, base_dist: str, package: str) -> str:
    from . import __version__  # the package itself, imported by the time a command runs

    major, minor = (int(p) for p in __version__.split(".")[:2])
    core = f"gradient-rules>={major}.{minor},<{major}.{minor + 1}"
    return f'''[build-system]
requires = ["setuptools>=77", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "Rules of the smart-factory gradient programme for {code}, for gradient-rules."
requires-python = ">=3.11"
dependencies = ["{core}", "{base_dist}"]

[project.optional-dependencies]
test = ["gradient-rules[testing]"]

[project.entry-points.gradient_rules]
{code} = "{package}"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
{package} = ["py.typed", "data/*.toml", "data/*/*.toml", "data/calls/*.toml"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''


def _init(code: str) -> str:
    return f'''"""Rules of the smart-factory gradient programme for {code}, for gradient-rules.

The plugin only points the host at its data: rules, thresholds and citations live in
``data/`` (see README.md).
"""

from __future__ import annotations

from gradient_rules import JurisdictionSource, hookimpl

__all__ = ["gradient_rules_jurisdictions"]


@hookimpl
def gradient_rules_jurisdictions() -> list[JurisdictionSource]:
    """The {code} jurisdiction."""
    return [JurisdictionSource.from_package("{code}", __name__)]
'''


def _pack(base: RulePack, name_zh: str, prefix: str) -> str:
    inherits = [name for name, has in (("guide_segments", bool(base.guide_segments)),
                                       ("kpis", bool(base.kpis))) if has]
    return f'''# The conditions (要素条件) of {name_zh}.
# docs/data-files.md in gradient-rules lists every key.
valid_from = {base.valid_from.isoformat()}
# valid_until = 2027-12-31
# Shared data taken from the base's pack instead of being copied.
inherits = {json.dumps(inherits)}

[[documents]]
id = "conditions"
title_zh = {_q(name_zh + "智能工厂梯度培育要素条件（待填写正式标题）")}
title_en = "Smart-factory gradient conditions (replace with the official title)"
status = "draft_for_comment"
# reference = "X工信发〔2025〕1号"
# seed = "file name of the text, for the citation test"
''' + _accepted(base, prefix)


def _own(prefix: str, rule_id: str) -> str:
    return prefix + rule_id[rule_id.index("-"):]


def _accepted(base: RulePack, prefix: str) -> str:
    """The base's accepted warnings, for the adopted rules that carry them."""
    out = []
    for entry in base.accepted:
        out.append(f'''
# Accepted in {base.ruleset_name}; keep it only if your text says the same.
[[accepted]]
check = "{entry.check}"
rules = {json.dumps([_own(prefix, r) for r in entry.rules])}
reason = {_q(entry.reason)}
''' + (f'decision = "{entry.decision}"\n' if entry.decision else ""))
    return "".join(out)


def _rules(base: RulePack, prefix: str) -> str:
    out = [f"# Every rule of {base.ruleset_name}, adopted as it stands. For each rule, quote\n"
           "# your own clause; then change `relation` to tightens / replaces (with a\n"
           "# `condition`) where your text differs, add your own rules with relation = \"adds\",\n"
           "# and list base rules your text leaves out under [[drops]] in pack.toml.\n"]
    for rule in base.rules:
        own = _own(prefix, rule.id)
        out.append(f'''
[[rules]]
id = "{own}"
title_en = {_q(rule.title_en)}
title_zh = {_q(rule.title_zh)}
strength = "{rule.strength.value}"
relation = "adopts"
relates_to = ["{rule.id}"]
citation = {{ document = "conditions", clause = "（待填写）", text_zh = "（待填写：条文原文）" }}
''')
    return "".join(out)


def _tests(code: str, base: RulePack, prefix: str) -> str:
    rules = [_own(prefix, r.id) for r in base.rules]
    return f'''"""Tests of the {code} rules, on the gradient-rules kit (gradient_rules.testing).

Run ``python -m pytest --gr-coverage={code}`` to see which rules the tests exercised.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from gradient_rules import Engine, Outcome, Severity
from gradient_rules.testing import applications, check_invariants, find_application

JURISDICTION = "{code}"
RULES = {json.dumps(rules, indent=4)}

ENGINE = Engine.from_installed()


def test_the_pack_loads_and_checks_clean(gr_engine: Engine) -> None:
    assert JURISDICTION in {{j.code for j in gr_engine.jurisdictions()}}, gr_engine.problems
    errors = [f for f in gr_engine.findings(JURISDICTION) if f.severity is Severity.ERROR]
    assert not errors


@pytest.mark.parametrize("outcome", [Outcome.MET, Outcome.NOT_MET])
@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_can_be_met_and_not_met(gr_engine: Engine, gr_reference_engine: Engine,
                                           rule_id: str, outcome: Outcome) -> None:
    # An application on which the rule has this outcome; then both backends agree on it.
    app, tier = find_application(gr_engine, JURISDICTION, rule_id, outcome)
    for engine in (gr_engine, gr_reference_engine):
        finding = engine.assess(app, jurisdiction=JURISDICTION).tier(tier).finding(rule_id)
        assert finding.outcome is outcome


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=applications(ENGINE, JURISDICTION))
def test_the_invariants_hold(gr_engine: Engine, gr_reference_engine: Engine,
                             app: dict[str, object]) -> None:
    assert check_invariants(gr_engine, app, jurisdiction=JURISDICTION,
                            reference=gr_reference_engine) == []
'''


def _readme(code: str, dist: str, name_zh: str, base: RulePack) -> str:
    return f'''# {dist}

The rules of 智能工厂梯度培育 for **{name_zh}** (`{code}`, base `{base.jurisdiction.code}`),
as a plugin of [gradient-rules](https://pypi.org/project/gradient-rules/).

## Status

Scaffolded by `gradient-rules new-plugin`: every rule of `{base.ruleset_name}` is adopted as
it stands. Replace the placeholders in `src/*/data/*/pack.toml` (the document) and
`rules.toml` (each rule's clause), then encode where your text differs.

## Use

    pip install -e .                 # or: pip install -e ".[test]"
    gradient-rules check {code}
    python -m pytest --gr-coverage={code}

## Readings

Readings of ambiguous clauses are recorded in `decisions.md`.
'''


def _decisions(code: str) -> str:
    return f'''# Decisions of the {code} plugin

Readings of ambiguous clauses, numbered; a new reading supersedes an old one by number.

**{code.upper()}-D1. Scaffolded from the base rules.** Every base rule is adopted until the
provincial text is encoded; a rule adopted unchanged cites the provincial clause that
repeats it.
'''


def scaffold(code: str, base: RulePack, target: Path, *, base_distribution: str,
             name_zh: str | None = None, name_en: str | None = None) -> list[Path]:
    """Write the distribution for ``code`` under ``target``; return the files written."""
    if not CODE.match(code):
        raise ScaffoldError(f"code {code!r} must be lower-case letters, digits and _, "
                            "starting with a letter (e.g. zhejiang)")
    try:
        taken = target.exists() and (not target.is_dir() or any(target.iterdir()))
    except (OSError, ValueError) as error:  # a name too long, a folder we may not list
        raise ScaffoldError(f"{str(target)[:300]}: {_why(error)}") from None
    if taken:
        raise ScaffoldError(f"{str(target)[:300]} exists and is not an empty folder")
    package = f"gradient_rules_{code}"
    dist = f"gradient-rules-{code.replace('_', '-')}"
    prefix = _prefix(code)
    zh = name_zh or code
    en = name_en or code.replace("_", " ").title()
    data = target / "src" / package / "data"
    files = {
        target / "pyproject.toml": _pyproject(code, dist, base_distribution, package),
        target / "README.md": _readme(code, dist, zh, base),
        target / "decisions.md": _decisions(code),
        target / "src" / package / "__init__.py": _init(code),
        target / "src" / package / "py.typed": "",
        data / "jurisdiction.toml": (f'[jurisdiction]\ncode = "{code}"\nname_zh = {_q(zh)}\n'
                                     f'name_en = {_q(en)}\nbase = "{base.jurisdiction.code}"\n'),
        data / base.version / "pack.toml": _pack(base, zh, prefix),
        data / base.version / "rules.toml": _rules(base, prefix),
        target / "tests" / f"test_{code}_rules.py": _tests(code, base, prefix),
    }
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as error:  # no permission, no space, a name too long
            raise ScaffoldError(f"cannot write {str(path)[:300]}: {_why(error)}") from None
    return list(files)


def _why(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)[:200]
