"""The pluggy registry: collect, type-check and de-duplicate what plugins provide.

A broken plugin is reported as a :class:`PluginError` naming it, and the others still load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pluggy

from . import _hookspecs
from ._calls import Call
from ._checks import CheckFinding, Severity, check_call, check_pack
from ._datafiles import load_jurisdiction
from ._durable import RuleSpec, validate_specs
from ._errors import ApplicationError, GradientRulesError, PluginError
from ._evaluation import compile_scope
from ._explain import probe
from ._hookspecs import JurisdictionSource
from ._kinds import ConditionKinds
from ._rulepack import JurisdictionInfo, RulePack
from ._rules import Rule
from ._scope import Scope, build_scope
from ._vocabulary import Relation
from ._whatif import Override, apply_overrides

__all__ = ["Registry", "base_pack_of", "build_registry", "compile_into"]

ENTRY_POINT_GROUP = "gradient_rules"


@dataclass
class Registered:
    """One jurisdiction as loaded."""

    info: JurisdictionInfo
    packs: tuple[RulePack, ...]
    """Its own conditions, one pack per edition (adoptions resolved)."""
    plugin: str
    calls: tuple[Call, ...] = ()
    """Its calls that load and fit their conditions."""
    conditions: tuple[RulePack, ...] = ()
    """The conditions it applies: its own packs, or its base's when it has none."""
    pack_scopes: dict[str, Scope] = field(default_factory=dict)
    """Conditions version -> the scope of a self-assessment."""
    call_scopes: dict[str, Scope] = field(default_factory=dict)
    """Call id -> the scope of an application for that call."""
    broken_calls: dict[str, PluginError] = field(default_factory=dict)
    """Call id -> why it cannot be used."""


@dataclass
class Registry:
    """Everything the installed or given plugins provide."""

    jurisdictions: dict[str, Registered] = field(default_factory=dict)
    problems: list[PluginError] = field(default_factory=list)
    broken: dict[str, PluginError] = field(default_factory=dict)
    """Jurisdiction code -> the error that keeps it from loading."""
    kinds: ConditionKinds = field(default_factory=ConditionKinds)
    plugin_names: list[str] = field(default_factory=list)
    compiled: dict[str, list[RuleSpec]] = field(default_factory=dict)
    """Ruleset name -> its durable-rules rules, compiled (and checked) when loaded."""
    distributions: dict[str, str] = field(default_factory=dict)
    """Plugin name -> the installed distribution it came from (entry points only)."""
    findings: list[CheckFinding] = field(default_factory=list)
    """What the static checks found in every pack and call (errors refused them)."""
    overridden: set[str] = field(default_factory=set)
    """Jurisdictions whose own packs or calls hold a rule a what-if override changed."""

    def label(self, plugin: str) -> str:
        """A plugin's name, with its distribution when installed: ``'national' (pkg)``."""
        dist = self.distributions.get(plugin)
        return f"{plugin!r} (from {dist})" if dist else repr(plugin)


def _impls(pm: pluggy.PluginManager, hook_name: str) -> list[Any]:
    hook = getattr(pm.hook, hook_name)
    return list(hook.get_hookimpls())


def _call(impl: Any, hook: str) -> list[Any]:
    """Call one plugin's hook; whatever goes wrong is that plugin's :class:`PluginError`."""
    try:
        result = impl.function()
        if result is None:
            return []
        if isinstance(result, str | bytes) or not isinstance(result, Iterable):
            raise PluginError(f"hook {hook} must return an iterable, got "
                              f"{type(result).__name__}", plugin=impl.plugin_name)
        return list(result)  # a generator may raise midway: still this plugin's problem
    except PluginError:
        raise
    except (Exception, SystemExit) as error:
        raise PluginError(f"hook {hook} raised {type(error).__name__}: {str(error)[:300]}",
                          plugin=impl.plugin_name) from error


def base_pack_of(base: Registered, pack: RulePack) -> RulePack:
    """The edition of ``base`` that ``pack`` relates to: in force when it starts, else latest."""
    covering = [p for p in base.packs if p.covers(pack.valid_from)]
    candidates = covering or list(base.packs)
    return max(candidates, key=lambda p: p.valid_from)


def _resolve_relations(reg: Registry) -> None:
    """Fill adopted rules from the base jurisdiction and check every ``relates_to``."""
    for code, item in list(reg.jurisdictions.items()):
        base_code = item.info.base
        if base_code is None:
            continue
        base = reg.jurisdictions.get(base_code)
        if base is None:
            missing = PluginError(
                f"jurisdiction {code!r} has base {base_code!r}, which no plugin provides"
                + (f" ({reg.broken[base_code]})" if base_code in reg.broken else ""),
                plugin=item.plugin)
            reg.problems.append(missing)
            reg.broken[code] = missing
            del reg.jurisdictions[code]
            continue
        resolved: list[RulePack] = []
        try:
            for pack in item.packs:
                source_pack = base_pack_of(base, pack)
                base_rules = {r.id: r for r in source_pack.rules}
                rules: list[Rule] = []
                for rule in pack.rules:
                    unknown = [i for i in rule.relates_to if i not in base_rules]
                    if unknown:
                        raise PluginError(
                            f"{code}/{pack.version}: rule {rule.id} relates to "
                            f"{', '.join(unknown)}, not a rule of {base_code!r}",
                            plugin=item.plugin)
                    if (rule.relation is Relation.ADOPTS and len(rule.relates_to) == 1
                            and rule.strength is not base_rules[rule.relates_to[0]].strength):
                        base_rule = base_rules[rule.relates_to[0]]
                        raise PluginError(
                            f"{code}/{pack.version}: rule {rule.id} adopts {base_rule.id} but "
                            f"declares strength {rule.strength.value!r} where the base has "
                            f"{base_rule.strength.value!r}; set the same strength, or "
                            "declare `tightens`/`replaces`", plugin=item.plugin)
                    if rule.condition is None:
                        if rule.relation is not Relation.ADOPTS or len(rule.relates_to) != 1:
                            raise PluginError(
                                f"{code}/{pack.version}: rule {rule.id} has no condition; only "
                                "a rule adopting exactly one base rule may omit it",
                                plugin=item.plugin)
                        source = base_rules[rule.relates_to[0]]
                        rule = rule.model_copy(update={
                            "condition": source.condition,
                            "tiers": rule.tiers or source.tiers,
                        })
                    rules.append(rule)
                # Attestations read by adopted conditions keep the base pack's wording.
                base_texts = source_pack.attestations
                texts = dict(pack.attestations)
                for rule in rules:
                    assert rule.condition is not None
                    for name in rule.condition.attestation_names() - set(texts):
                        if name not in base_texts:
                            raise PluginError(
                                f"{code}/{pack.version}: rule {rule.id} reads attestation "
                                f"{name!r}, declared neither here nor by {base_code!r}",
                                plugin=item.plugin)
                        texts[name] = base_texts[name]
                update: dict[str, object] = {"rules": tuple(rules), "attestations": texts}
                if "kpis" in pack.inherits:
                    update["kpis"] = source_pack.kpis
                if "guide_segments" in pack.inherits:
                    update["guide_segments"] = source_pack.guide_segments
                    update["guide_segments_unmapped"] = source_pack.guide_segments_unmapped
                resolved.append(pack.model_copy(update=update))
        except PluginError as error:
            reg.problems.append(error)
            reg.broken[code] = error
            del reg.jurisdictions[code]
            continue
        item.packs = tuple(resolved)


def build_registry(plugins: Sequence[object] | None, *, entry_points: bool,
                   overrides: Sequence[Override] = ()) -> Registry:
    """Register ``plugins`` (and, if asked, installed entry points) and load their data.

    ``overrides`` (what-if runs, ``_whatif``) change rule parameters in the loaded packs and
    calls before they are checked and compiled; a key naming no rule is bad input.
    """
    pm = pluggy.PluginManager(_hookspecs.PROJECT)
    pm.add_hookspecs(_hookspecs)
    reg = Registry()
    if entry_points:
        _load_entry_points(pm, reg)
    if plugins is not None and (isinstance(plugins, str | bytes)
                                or not isinstance(plugins, Iterable)):
        raise PluginError("plugins must be a list of plugin objects (modules), got "
                          f"{type(plugins).__name__}")
    for plugin in plugins or ():
        name = getattr(plugin, "__name__", None)
        if not isinstance(name, str):
            name = type(plugin).__name__
        _register_checked(pm, reg, plugin, name)
    reg.plugin_names = [name for name, _ in pm.list_name_plugin()]

    for impl in _impls(pm, "gradient_rules_condition_kinds"):
        try:
            kinds = _call(impl, "gradient_rules_condition_kinds")
        except PluginError as error:
            reg.problems.append(error)
            continue
        for kind in kinds:
            try:
                reg.kinds.add(kind, impl.plugin_name)
            except PluginError as error:
                reg.problems.append(error)

    owners: dict[str, str] = {}
    for impl in _impls(pm, "gradient_rules_jurisdictions"):
        try:
            sources = _call(impl, "gradient_rules_jurisdictions")
        except PluginError as error:
            reg.problems.append(error)
            continue
        for source in sources:
            if not isinstance(source, JurisdictionSource):
                reg.problems.append(PluginError(
                    "gradient_rules_jurisdictions must yield JurisdictionSource, got "
                    f"{type(source).__name__}", plugin=impl.plugin_name))
                continue
            if source.code in owners:
                clash = PluginError(
                    f"jurisdiction {source.code!r} is provided by both "
                    f"{reg.label(owners[source.code])} and {reg.label(impl.plugin_name)}; "
                    "neither is used: uninstall one of them", plugin=impl.plugin_name)
                reg.problems.append(clash)
                reg.broken[source.code] = clash
                reg.jurisdictions.pop(source.code, None)
                continue
            owners[source.code] = impl.plugin_name
            try:
                loaded = load_jurisdiction(source.data, reg.kinds, plugin=impl.plugin_name)
            except PluginError as error:
                reg.problems.append(error)
                reg.broken[source.code] = error
                continue
            except (Exception, SystemExit) as error:  # a data directory that is not one
                problem = PluginError(f"jurisdiction {source.code!r} cannot be read: "
                                      f"{type(error).__name__}: {str(error)[:300]}",
                                      plugin=impl.plugin_name)
                reg.problems.append(problem)
                reg.broken[source.code] = problem
                continue
            info = loaded.info
            if info.code != source.code:
                mismatch = PluginError(
                    f"declares jurisdiction {source.code!r} but its jurisdiction.toml says "
                    f"{info.code!r}", plugin=impl.plugin_name)
                reg.problems.append(mismatch)
                reg.broken[source.code] = mismatch
                continue
            reg.jurisdictions[info.code] = Registered(info, loaded.packs, impl.plugin_name,
                                                      calls=loaded.calls)

    _check_rule_ids(reg)
    if overrides:  # before adoptions are resolved, so a rule adopting a changed one follows it
        _override(reg, overrides)
    _resolve_relations(reg)
    _check_packs(reg)
    _build_scopes(reg)
    return reg


_Ruled = TypeVar("_Ruled", RulePack, Call)


def _override(reg: Registry, overrides: Sequence[Override]) -> None:
    used: set[str] = set()

    def overridden(model: _Ruled, code: str) -> _Ruled:
        rules, found = apply_overrides(model.rules, overrides, reg.kinds)
        if not found:
            return model
        used.update(found)
        reg.overridden.add(code)
        return model.model_copy(update={"rules": rules})

    for code, item in reg.jurisdictions.items():
        item.packs = tuple(overridden(pack, code) for pack in item.packs)
        item.calls = tuple(overridden(call, code) for call in item.calls)
    unknown = [key for key, _ in overrides if key not in used]
    if unknown:
        raise ApplicationError([(key, f"no rule {key.partition('.')[0]!r} in the loaded "
                                 "packs or calls (see `gradient-rules rules -j J`)",
                                 f"已加载的规则中没有 {key.partition('.')[0]!r}")
                                for key in unknown])


def _refusal(findings: Sequence[CheckFinding]) -> str | None:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors:
        return None
    return "; ".join(f"[{f.check}] {f.message}" for f in errors)


def _check_packs(reg: Registry) -> None:
    """The static checks of every pack: an error refuses the jurisdiction."""
    for code, item in sorted(reg.jurisdictions.items()):
        base = reg.jurisdictions.get(item.info.base) if item.info.base else None
        for pack in item.packs:
            try:
                found = check_pack(pack, base_pack_of(base, pack) if base else None)
            except Exception as error:  # a plugin's own condition kind may misbehave
                found = []
                problem = PluginError(f"{code}/{pack.version}: the static checks failed: "
                                      f"{type(error).__name__}: {str(error)[:300]}",
                                      plugin=item.plugin)
                reg.problems.append(problem)
                reg.broken[code] = problem
            reg.findings.extend(found)
            refusal = _refusal(found)
            if refusal and code not in reg.broken:
                problem = PluginError(f"{code}/{pack.version}: {refusal}", plugin=item.plugin)
                reg.problems.append(problem)
                reg.broken[code] = problem
    for code in list(reg.broken):
        reg.jurisdictions.pop(code, None)


def _check_rule_ids(reg: Registry) -> None:
    seen: dict[str, str] = {}
    for code, item in sorted(reg.jurisdictions.items()):
        ids = {rule_id for pack in item.packs for rule_id in pack.rule_ids()}
        ids |= {rule_id for call in item.calls for rule_id in call.rule_ids()}
        for rule_id in sorted(ids):
            other = seen.setdefault(rule_id, code)
            if other != code:
                reg.problems.append(PluginError(
                    f"rule id {rule_id!r} is used by both {other!r} "
                    f"({reg.jurisdictions[other].plugin}) and {code!r} ({item.plugin}); "
                    "rule ids are never shared: give the provincial rule its own id and "
                    "declare `relates_to`", plugin=item.plugin))


def _call_chain(reg: Registry, call: Call) -> list[Call]:
    chain = [call]
    while chain[-1].transposes is not None:
        code, _, call_id = chain[-1].transposes.partition("/")
        owner = reg.jurisdictions.get(code)
        found = next((c for c in owner.calls if c.id == call_id), None) if owner else None
        if found is None:
            raise ValueError(f"transposes {chain[-1].transposes!r}, which no installed plugin "
                             "provides")
        if found in chain:
            raise ValueError("transposes itself through " + " -> ".join(c.key for c in chain))
        chain.append(found)
    return chain


def _checked(reg: Registry, scope: Scope) -> Scope:
    """Compile ``scope`` (its patterns checked as durable-rules needs them) and probe it."""
    specs = compile_scope(scope)
    validate_specs(specs)
    probe(scope)
    reg.compiled[scope.ruleset_name] = specs
    return scope


def compile_into(reg: Registry, ensure: Callable[[Scope, Sequence[RuleSpec]], None]) -> None:
    """Hand every scope and its compiled rules to ``ensure``; list what fails.

    A durable engine registers them.  A conditions scope that fails breaks its jurisdiction;
    a call scope, that call.
    """
    for code, item in sorted(reg.jurisdictions.items()):
        for version, scope in list(item.pack_scopes.items()):
            try:
                ensure(scope, reg.compiled[scope.ruleset_name])
            except GradientRulesError as error:
                problem = PluginError(f"{code}/{version}: {error}", plugin=item.plugin)
                reg.problems.append(problem)
                reg.broken[code] = problem
        for call_id, scope in list(item.call_scopes.items()):
            try:
                ensure(scope, reg.compiled[scope.ruleset_name])
            except GradientRulesError as error:
                problem = PluginError(f"{code}/calls/{call_id}.toml: {error}",
                                      plugin=item.plugin)
                reg.problems.append(problem)
                item.broken_calls[call_id] = problem
                item.calls = tuple(c for c in item.calls if c.id != call_id)
                del item.call_scopes[call_id]
    for code in list(reg.broken):
        reg.jurisdictions.pop(code, None)


def _build_scopes(reg: Registry) -> None:
    """Every self-assessment and call scope, built now so a clash is reported at load time."""
    for item in reg.jurisdictions.values():
        base = reg.jurisdictions.get(item.info.base) if item.info.base else None
        item.conditions = item.packs or (base.packs if base else ())
    for code, item in sorted(reg.jurisdictions.items()):
        for pack in item.conditions:
            try:
                item.pack_scopes[pack.version] = _checked(reg, build_scope(item.info, pack))
            except (ValueError, GradientRulesError) as error:
                problem = PluginError(f"{code}/{pack.version}: {error}", plugin=item.plugin)
                reg.problems.append(problem)
                reg.broken[code] = problem
        usable: list[Call] = []
        for call in item.calls:
            where = f"{code}/calls/{call.id}.toml"
            try:
                applied = next((p for p in item.conditions if p.version == call.conditions),
                               None)
                if applied is None:
                    known = ", ".join(p.version for p in item.conditions) or "none"
                    raise ValueError(f"applies conditions {call.conditions!r}, which "
                                     f"{code!r} does not have (editions: {known})")
                found = check_call(call, applied)
                reg.findings.extend(found)
                refusal = _refusal(found)
                if refusal:
                    raise ValueError(refusal)
                item.call_scopes[call.id] = _checked(
                    reg, build_scope(item.info, applied, _call_chain(reg, call)))
                usable.append(call)
            except (ValueError, GradientRulesError) as error:
                problem = PluginError(f"{where}: {error}", plugin=item.plugin)
                reg.problems.append(problem)
                item.broken_calls[call.id] = problem
        item.calls = tuple(usable)
    for code in list(reg.broken):
        reg.jurisdictions.pop(code, None)
    _share_vocabulary(reg)


def _share_vocabulary(reg: Registry) -> None:
    """Tell every scope which attestation and material names the others declare."""
    scopes = [(item, kind, key, scope) for item in reg.jurisdictions.values()
              for kind, table in (("pack", item.pack_scopes), ("call", item.call_scopes))
              for key, scope in table.items()]
    attestations = frozenset(n for *_, scope in scopes for n in scope.attestations)
    materials = frozenset(m.id for *_, scope in scopes for m in scope.materials)
    for item, kind, key, scope in scopes:
        table = item.pack_scopes if kind == "pack" else item.call_scopes
        table[key] = replace(
            scope, foreign_attestations=attestations - frozenset(scope.attestations),
            foreign_materials=materials - scope.material_ids)


def _register_checked(pm: pluggy.PluginManager, reg: Registry, plugin: object,
                      name: str) -> None:
    """Register one plugin if it passes pluggy's checks on its own; else list the problem."""
    scratch = pluggy.PluginManager(_hookspecs.PROJECT)
    scratch.add_hookspecs(_hookspecs)
    try:
        scratch.register(plugin, name=name)
        scratch.check_pending()
        if not scratch.get_hookcallers(plugin):
            reg.problems.append(PluginError(
                "implements no gradient_rules hook: a plugin is a module or object with "
                "functions marked @hookimpl and named after a hook in docs/hooks.md",
                plugin=name))
            return
    except pluggy.PluginValidationError as error:
        reg.problems.append(PluginError(
            f"{error}; hook implementations must be named after a hook in docs/hooks.md and "
            "take the hook's arguments only", plugin=name))
        return
    except (Exception, SystemExit) as error:
        reg.problems.append(PluginError(f"could not register: {type(error).__name__}: "
                                        f"{str(error)[:300]}", plugin=name))
        return
    try:
        pm.register(plugin, name=name)
    except ValueError as error:
        reg.problems.append(PluginError(f"could not register: {error}", plugin=name))


def _distribution(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    return str(getattr(dist, "name", None) or ep.value)


def _load_entry_points(pm: pluggy.PluginManager, reg: Registry) -> None:
    """Load each entry point of the group; one name from two distributions loads neither."""
    from importlib.metadata import entry_points

    by_name: dict[str, list[Any]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        by_name.setdefault(ep.name, []).append(ep)
    for name, eps in sorted(by_name.items()):
        sources = sorted({_distribution(ep) for ep in eps})
        if len(sources) > 1:
            reg.problems.append(PluginError(
                f"the entry point {name!r} is registered by {len(sources)} distributions ("
                f"{', '.join(sources)}); neither is loaded: uninstall all but one",
                plugin=name))
            continue
        ep = eps[0]
        try:
            plugin = ep.load()
        except (Exception, SystemExit) as error:
            reg.problems.append(PluginError(
                f"entry point {ep.value!r} of {_distribution(ep)} failed to import: "
                f"{type(error).__name__}: {str(error)[:300]}", plugin=name))
            continue
        if pm.is_registered(plugin) or pm.get_plugin(name) is not None:
            continue
        reg.distributions[name] = _distribution(ep)
        _register_checked(pm, reg, plugin, name)
