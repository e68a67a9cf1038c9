"""The public entry point: :class:`Engine`, a thin facade over the pipeline.

read (``_loading``) -> resolve facts (``_resolve``) -> derive (``_evaluation``, durable or
reference) -> explain (``_explain``) -> render (``_render``).  The engine picks the scope
(the conditions in force, plus a call when one is assessed for) and hands each step on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
from collections.abc import Generator, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ._application import Application, Event, Incident, Title, parse_application
from ._assessment import Assessment, TitleReview
from ._calls import Call
from ._catalog import ScenarioCatalog
from ._checks import CheckFinding
from ._durable import DurableAdapter, load_durable
from ._errors import (
    ApplicationError,
    EngineError,
    OutOfValidityError,
    PluginError,
    UnknownJurisdictionError,
)
from ._evaluation import Derivation, evaluate_durable, evaluate_reference
from ._explain import assemble, standings
from ._facts import CaseFacts
from ._i18n import short_repr
from ._limits import EARLIEST, LATEST
from ._registry import Registered, Registry, base_pack_of, build_registry, compile_into
from ._resolve import resolve
from ._rulepack import JurisdictionInfo, RulePack
from ._rules import Rule
from ._scope import Scope
from ._vocabulary import Tier
from ._whatif import Override, format_override, normalise

if TYPE_CHECKING:  # screening, batches and relations are imported when first used (start-up)
    from ._batch import BatchAssessment
    from ._consistency import RelationCheck
    from ._rows import BulkItem, ScreeningRow
    from ._workers import EngineRecipe

__all__ = ["Engine"]

Backend = Literal["durable", "reference"]


class _RecipeParts(NamedTuple):
    """The fields of :class:`EngineRecipe` (made on demand: it lives with screening)."""

    entry_points: bool
    modules: tuple[str, ...]
    strict: bool
    backend: Backend
    overrides: tuple[Override, ...]


SCOPES_KEPT = 256
"""Most (jurisdiction, date, call, tier) requests whose scope an engine keeps at hand."""


class Engine:
    """Assess applications against the rules of installed or given jurisdiction plugins.

    ``Engine(plugins=[...])`` uses exactly the plugin objects given (what tests want);
    :meth:`from_installed` discovers plugins through the ``gradient_rules`` entry points.
    With ``strict=True`` any plugin problem raises :class:`PluginError`; otherwise broken
    plugins are listed in :attr:`problems` and the others work.

    ``backend="durable"`` (the default) evaluates with durable-rules forward chaining;
    ``backend="reference"`` with the plain-Python twin (same packs, same answers).

    A *self-assessment* is assessed against a jurisdiction's conditions (要素条件) in force
    on the evaluation date; an application *for a call* (``call=``, see :meth:`calls`)
    against the conditions the call applies plus the call's own rules.
    """

    def __init__(
        self,
        *,
        plugins: Sequence[object] = (),
        entry_points: bool = False,
        strict: bool = True,
        backend: Backend = "durable",
        overrides: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
    ) -> None:
        if backend not in ("durable", "reference"):
            raise ApplicationError([("backend", f"must be 'durable' or 'reference', got "
                                     f"{short_repr(backend)}", "须为 durable 或 reference")])
        self._overrides: tuple[Override, ...] = normalise(overrides)
        self._registry: Registry = build_registry(plugins, entry_points=entry_points,
                                                  overrides=self._overrides)
        self.backend: Backend = backend
        self._override_texts = tuple(format_override(key, value) for key, value in self._overrides)
        self._scopes: dict[tuple[object, ...], tuple[Scope, tuple[Tier, ...]]] = {}
        self._recipe = _recipe(plugins, entry_points, strict, backend, self._overrides)
        self._adapter = DurableAdapter() if backend == "durable" else None
        if self._adapter is not None:
            self._register_rulesets(self._adapter)
        if strict and self._registry.problems:
            problems = self._registry.problems
            if len(problems) == 1:
                raise problems[0]
            raise PluginError("\n".join(str(p) for p in problems))

    def _register_rulesets(self, adapter: DurableAdapter) -> None:
        """Compile every scope into durable-rules now: limits are found at load time."""
        try:
            load_durable()
        except EngineError:
            return  # the first assessment reports it, with the cause and the remedy
        compile_into(self._registry,
                     lambda scope, specs: adapter.ensure(scope.ruleset_name, lambda: specs))

    @classmethod
    def from_installed(cls, *, strict: bool = False, backend: Backend = "durable") -> Engine:
        """An engine with every plugin installed under the ``gradient_rules`` entry points."""
        return cls(entry_points=True, strict=strict, backend=backend)

    # --- what-if and screening --------------------------------------------------------------

    def with_overrides(self, overrides: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> Engine:
        """A new engine whose rules have parameters changed; this one and the plugins untouched.

        Keys are ``RULE.path``: a dotted path into the rule's condition parameters
        (``GZ-SCN-B-1.minimum``, ``NAT-BASE-5.minimum.excellent``), or ``RULE.enabled``
        with ``False`` to leave the rule out.  Overrides add to this engine's own.  Raises
        :class:`ApplicationError` naming an unknown rule, parameter or a bad value.  Every
        assessment of the new engine lists the overrides among its warnings.
        """
        if self._recipe is None:
            raise ApplicationError([("overrides", "this engine's plugins are objects, not "
                                     "modules or installed plugins, so it cannot be rebuilt "
                                     "with changes", "该引擎的插件无法重建")])
        combined = dict(self._overrides)
        combined.update(dict(normalise(overrides)))
        recipe = self._recipe
        changed = Engine(plugins=[importlib.import_module(m) for m in recipe.modules],
                         entry_points=recipe.entry_points, strict=False,
                         backend=recipe.backend, overrides=combined)
        # A jurisdiction whose own rules changed and no longer load (a threshold that makes
        # a higher tier easier, say) is bad input.  Another that only relates to a changed
        # rule (a province's declared "tightens" of a national threshold) stays listed in
        # `problems` and refuses its own assessments with the reason.
        refused = changed._registry.broken
        new = [str(refused[code]) for code in sorted(changed._registry.overridden)
               if code in refused and code not in self._registry.broken]
        if new:
            raise ApplicationError([("overrides", f"the changed rules do not load: {p}",
                                     f"修改后的规则无法加载：{p}") for p in new])
        return changed

    @property
    def overrides(self) -> tuple[str, ...]:
        """The what-if overrides of this engine, as ``RULE.path=value`` (usually none)."""
        return self._override_texts

    @property
    def recipe(self) -> EngineRecipe:
        """How worker processes build this same engine (plugins, backend, overrides)."""
        if self._recipe is None:
            raise ApplicationError([("workers", "this engine's plugins are objects, not "
                                     "modules or installed plugins, so worker processes cannot "
                                     "build it; use workers=1", "该引擎的插件无法在工作进程中重建；"
                                     "请用 workers=1")])
        from ._workers import EngineRecipe

        return EngineRecipe(*self._recipe)

    def assess_many(
        self,
        applications: Iterable[Application | Mapping[str, Any] | BulkItem],
        *,
        jurisdiction: str,
        call: str | None = None,
        on: dt.date | None = None,
        workers: int = 1,
        executor: Executor | None = None,
        full: bool = False,
        chunk_size: int | None = None,
    ) -> Generator[ScreeningRow, None, None]:
        """Assess many applications; yield one :class:`ScreeningRow` each, in input order.

        Rows in = rows out: an application that cannot be read or assessed keeps its place
        with its error.  ``workers=N`` runs N processes (at most 256), each building this
        engine once; ``executor=`` any :class:`concurrent.futures.Executor` (e.g. a Dask
        cluster's ``Client.get_executor()``).  Input is consumed lazily through a bounded
        window of ``chunk_size`` rows (100 by default, at most 10,000) a chunk, so memory
        does not grow with the input.  A chunk whose worker died is retried once (its rows
        say ``retried``); if it fails again its rows carry the error.  ``full=True`` adds
        each full assessment (JSON form) to its row.  ``close()`` the generator to stop
        early: its worker processes end with it.  If iterating ``applications`` raises, the
        row of every application read before it is given first, then the error is raised,
        with workers as without.
        """
        from ._screening import assess_many

        return assess_many(self, applications, jurisdiction=jurisdiction, call=call, on=on,
                           workers=workers, executor=executor, full=full,
                           chunk_size=chunk_size)

    def compare_many(
        self,
        changed: Engine,
        applications: Iterable[Application | Mapping[str, Any] | BulkItem],
        *,
        jurisdiction: str,
        call: str | None = None,
        on: dt.date | None = None,
        workers: int = 1,
        executor: Executor | None = None,
        full: bool = False,
        chunk_size: int | None = None,
    ) -> Generator[tuple[ScreeningRow, ScreeningRow], None, None]:
        """Each application's row under this engine and under ``changed``, in input order.

        A what-if run: ``changed`` is usually ``self.with_overrides(...)``.  The input is
        read once, and each chunk is assessed under both engines by the same worker (one
        pool of ``workers`` processes, or ``executor``).  Otherwise as :meth:`assess_many`.
        """
        from ._screening import compare_many

        return compare_many(self, changed, applications, jurisdiction=jurisdiction, call=call,
                            on=on, workers=workers, executor=executor, full=full,
                            chunk_size=chunk_size)

    # --- discovery ------------------------------------------------------------------------

    @property
    def problems(self) -> tuple[PluginError, ...]:
        """Plugin problems found while loading (empty when all is well)."""
        return tuple(self._registry.problems)

    def findings(self, *jurisdictions: str) -> tuple[CheckFinding, ...]:
        """What the static checks found when the plugins loaded (``gradient-rules check``).

        Errors refused their pack or call (they are also in :attr:`problems`); warnings and
        accepted warnings are listed.  Limited to ``jurisdictions`` when given.
        """
        return tuple(f for f in self._registry.findings
                     if not jurisdictions or f.jurisdiction in jurisdictions)

    @property
    def refused(self) -> Mapping[str, PluginError]:
        """Jurisdiction code -> why it was refused when the plugins loaded."""
        return dict(self._registry.broken)

    def distribution_of(self, jurisdiction: str) -> str | None:
        """The installed distribution providing a jurisdiction, if it came from one."""
        return self._registry.distributions.get(self.plugin_of(jurisdiction))

    @property
    def plugin_names(self) -> tuple[str, ...]:
        """Names of the registered plugins."""
        return tuple(self._registry.plugin_names)

    def jurisdictions(self) -> tuple[JurisdictionInfo, ...]:
        """The jurisdictions available, sorted by code."""
        return tuple(item.info for _, item in sorted(self._registry.jurisdictions.items()))

    def plugin_of(self, jurisdiction: str) -> str:
        """Name of the plugin providing a jurisdiction."""
        return self._registered(jurisdiction).plugin

    def _registered(self, jurisdiction: str) -> Registered:
        if not isinstance(jurisdiction, str):
            raise ApplicationError([("jurisdiction", "must be a jurisdiction code string, got "
                                     f"{short_repr(jurisdiction)}",
                                     f"须为地区代码字符串，收到 {short_repr(jurisdiction)}")])
        item = self._registry.jurisdictions.get(jurisdiction)
        if item is None:
            if jurisdiction in self._registry.broken:
                raise self._registry.broken[jurisdiction]
            raise UnknownJurisdictionError(jurisdiction, list(self._registry.jurisdictions))
        return item

    def packs(self, jurisdiction: str) -> tuple[RulePack, ...]:
        """The conditions editions a jurisdiction applies, oldest first.

        Its own packs, or its base's when it has none of its own (e.g. a province that only
        ships calls).
        """
        return tuple(sorted(self._registered(jurisdiction).conditions,
                            key=lambda p: p.valid_from))

    def pack(self, jurisdiction: str, *, on: dt.date | None = None) -> RulePack:
        """The conditions in force on ``on`` (the latest edition when ``on`` is ``None``).

        Raises :class:`OutOfValidityError` when no edition covers the date.
        """
        packs = self.packs(jurisdiction)
        if on is None:
            return packs[-1]
        on = _day(on)
        covering = [p for p in packs if p.covers(on)]
        if not covering:
            ranges = "; ".join(f"{p.version}: {p.validity_text()}" for p in packs)
            raise OutOfValidityError([(
                "on",
                f"{on.isoformat()} is outside the validity of every {jurisdiction!r} rule "
                f"pack ({ranges}); assess on a date within one of them",
                f"{on.isoformat()}不在任何规则版本的有效期内（{ranges}）",
            )])
        return covering[-1]

    def calls(self, jurisdiction: str) -> tuple[Call, ...]:
        """The calls (年度申报通知) a jurisdiction's plugin ships, by issue date."""
        return tuple(sorted(self._registered(jurisdiction).calls, key=lambda c: (c.issued, c.id)))

    def call(self, jurisdiction: str, call: str) -> Call:
        """One call of a jurisdiction, by id; bad input listing the ids when unknown."""
        item = self._registered(jurisdiction)
        found = next((c for c in item.calls if c.id == call), None)
        if found is not None:
            return found
        if call in item.broken_calls:
            raise item.broken_calls[call]
        known = ", ".join(c.id for c in self.calls(jurisdiction)) or "none"
        raise ApplicationError([("call", f"{jurisdiction!r} has no call {call!r}; its calls: "
                                 f"{known} (see `gradient-rules calls {jurisdiction}`)",
                                 f"{jurisdiction} 没有申报通知 {call!r}；可用：{known}")])

    def scope(self, jurisdiction: str, *, on: dt.date | None = None,
              call: str | None = None) -> Scope:
        """What an assessment on ``on`` (for ``call``) is evaluated against."""
        item = self._registered(jurisdiction)
        on = None if on is None else _day(on)
        if call is None:
            return item.pack_scopes[self.pack(jurisdiction, on=on).version]
        if not isinstance(call, str):
            raise ApplicationError([("call", f"must be a call id string, got {call!r}",
                                     f"须为申报通知编号，收到 {call!r}")])
        found = self.call(jurisdiction, call)
        if on is not None and on < found.issued:
            raise OutOfValidityError([(
                "on", f"{on.isoformat()} is before the call {found.key} was issued "
                f"({found.issued.isoformat()})",
                f"{on.isoformat()}早于申报通知的发布日期{found.issued.isoformat()}")])
        return item.call_scopes[found.id]

    def rules(self, jurisdiction: str, *, on: dt.date | None = None,
              call: str | None = None) -> tuple[Rule, ...]:
        """The rules of the conditions in force on ``on``, plus ``call``'s when given."""
        return self.scope(jurisdiction, on=on, call=call).rules

    def catalog(self, jurisdiction: str, *, on: dt.date | None = None) -> ScenarioCatalog | None:
        """The scenario catalog of the conditions, or ``None`` where there is none."""
        return self.pack(jurisdiction, on=on).catalog

    # --- validation and assessment --------------------------------------------------------

    @staticmethod
    def _coerce(application: Application | Mapping[str, Any]) -> Application:
        if isinstance(application, Application):
            return application
        return parse_application(application)

    @staticmethod
    def _date(app: Application, on: dt.date | None) -> dt.date:
        day = on if on is not None else app.dated
        if day is None:
            raise ApplicationError([(
                "on", "no evaluation date: pass on= (CLI: --on YYYY-MM-DD) or set `dated` in "
                "the application; the system clock is never used",
                "缺少评估日期：请传入 on=（命令行 --on YYYY-MM-DD）或在申报中填写 dated；"
                "本工具从不读取系统时钟")])
        return _day(day)

    def validate(
        self,
        application: Application | Mapping[str, Any],
        *,
        jurisdiction: str,
        on: dt.date | None = None,
        call: str | None = None,
    ) -> Application:
        """Check an application against a jurisdiction (and call) without assessing it.

        Raises :class:`ApplicationError` naming every bad field.
        """
        app = self._coerce(application)
        day = self._date(app, on)
        resolve(self.scope(jurisdiction, on=day, call=call), app, day)
        return app

    def assess(
        self,
        application: Application | Mapping[str, Any],
        *,
        jurisdiction: str,
        on: dt.date | None = None,
        tier: Tier | str | None = None,
        call: str | None = None,
    ) -> Assessment:
        """Assess ``application`` under ``jurisdiction`` on date ``on``.

        Without ``call`` it is a self-assessment against the conditions in force on ``on``;
        with ``call`` (an id from :meth:`calls`) an application to that call: the
        conditions it applies plus its own rules, for its tiers.  ``on`` defaults to the
        application's ``dated``; the system clock is never read.  ``tier`` restricts the
        assessment to one tier.  Raises :class:`ApplicationError` (bad input),
        :class:`OutOfValidityError`, :class:`UnknownJurisdictionError`,
        :class:`PluginError` or :class:`EngineError`.
        """
        app = self._coerce(application)
        day = self._date(app, on)
        scope, wanted = self._scope_and_tiers(jurisdiction, day, call, tier)
        resolution = resolve(scope, app, day)
        derivation = self._derive(scope, resolution.facts)
        return assemble(scope, app, resolution, derivation, wanted, self.backend,
                        overrides=self._override_texts)

    def _scope_and_tiers(self, jurisdiction: str, day: dt.date, call: str | None,
                         tier: Tier | str | None) -> tuple[Scope, tuple[Tier, ...]]:
        """:meth:`scope` and :meth:`_tiers`, kept for each request that succeeded.

        A screening asks the same few questions for every row; the answers depend only on
        the request and the engine's plugins, which never change after it is built.
        """
        request = (jurisdiction, day, call, tier)
        try:
            found = self._scopes.get(request)
        except TypeError:  # an unhashable argument: the checks below name it
            found = None
        if found is None:
            scope = self.scope(jurisdiction, on=day, call=call)
            found = (scope, self._tiers(scope, tier))
            if len(self._scopes) >= SCOPES_KEPT:
                self._scopes.clear()
            self._scopes[request] = found
        return found

    @staticmethod
    def _tiers(scope: Scope, tier: Tier | str | None) -> tuple[Tier, ...]:
        if tier is None:
            return tuple(t for t in Tier.ordered() if t in scope.tiers)
        try:
            wanted = Tier(tier)
        except ValueError:
            names = ", ".join(t.value for t in Tier.ordered())
            raise ApplicationError([("tier", f"unknown tier {tier!r}; tiers: {names}",
                                     f"无法识别的层级 {tier!r}；可用：{names}")]) from None
        if wanted not in scope.tiers:
            covered = ", ".join(t.value for t in scope.tiers)
            what = (f"the call {scope.call.key}" if scope.call else
                    f"{scope.jurisdiction.code!r} pack {scope.version}")
            raise ApplicationError([("tier", f"{what} covers {covered} only, not {wanted.value}",
                                     f"{what} 仅涉及 {covered}，不含 {wanted.label_zh}")])
        return (wanted,)

    def _derive(self, scope: Scope, facts: CaseFacts) -> Derivation:
        if self._adapter is not None:
            return evaluate_durable(self._adapter, scope, facts)
        return evaluate_reference(scope, facts)

    def assess_batch(
        self,
        batch: str | Path | Mapping[str, Any],
        *,
        jurisdiction: str,
        call: str | None = None,
        on: dt.date | None = None,
        base: str | Path | None = None,
        allow_outside: bool = False,
    ) -> BatchAssessment:
        """Assess a recommender's ranked batch for a call, under the call's batch rules.

        ``batch`` is a batch file (JSON, TOML or YAML) or its mapping: ``recommender``,
        ``submitted_on`` and ``entries`` (each with ``rank``, ``contact`` and ``application``
        inline or ``file``).  ``call`` may be left out when exactly one call of the
        jurisdiction has batch rules.  ``on`` defaults to ``submitted_on``.  Each row is
        assessed on its own; a row that cannot be read is reported and the others still are.

        A row's ``file`` is read only from inside ``base`` (the batch file's folder by
        default; a mapping batch needs ``base=`` to read files at all), after resolving
        links, unless ``allow_outside=True``.
        """
        from ._batch import batch_input, run_batch

        head, rows, folder = batch_input(batch, base)
        day = on if on is not None else head.submitted_on
        if day is None:
            raise ApplicationError([("on", "no evaluation date: pass on= (CLI: --on) or set "
                                     "`submitted_on` in the batch",
                                     "缺少评估日期：请传入 on=（命令行 --on）或在批次中填写 "
                                     "submitted_on")])
        day = _day(day)
        scope = self.scope(jurisdiction, on=day, call=call or self._batch_call(jurisdiction))
        call_id = scope.call.id if scope.call else None
        tier = scope.batch.tier if scope.batch else None
        return run_batch(
            scope, head, rows, base=folder, allow_outside=bool(allow_outside), on=day,
            adapter=self._adapter, backend=self.backend,
            assess=lambda app: self.assess(app, jurisdiction=jurisdiction, on=day, tier=tier,
                                           call=call_id))

    def _batch_call(self, jurisdiction: str) -> str:
        with_batch = [c.id for c in self.calls(jurisdiction) if c.batch is not None]
        if len(with_batch) == 1:
            return with_batch[0]
        listed = ", ".join(with_batch) or "none"
        raise ApplicationError([("call", f"name the call the batch is for (--call); "
                                 f"{jurisdiction!r} calls with batch rules: {listed}",
                                 f"请指定批次所属的申报通知（--call）；可用：{listed}")])

    # --- relations and titles -------------------------------------------------------------

    def consistency(self, jurisdiction: str, *,
                    on: dt.date | None = None) -> tuple[RelationCheck, ...]:
        """Compare each rule's declared relation with the base rule's data.

        Reports, per province rule, what is stricter, looser or different from the national
        rule it adopts, tightens or replaces, and whether the declaration holds.  Empty for
        a jurisdiction without a base, or without conditions of its own.
        """
        from ._consistency import check_relations

        pack = self.pack(jurisdiction, on=on)
        base = self.base_pack(pack)
        return () if base is None else check_relations(pack.rules, base.rules)

    def base_pack(self, pack: RulePack) -> RulePack | None:
        """The base jurisdiction's edition that ``pack`` relates to, or ``None``.

        The edition in force on the day ``pack`` starts, else the latest; ``None`` for a pack
        without a base.
        """
        code = pack.jurisdiction.base
        return None if code is None else base_pack_of(self._registered(code), pack)

    def review(
        self,
        titles: Sequence[Title | Mapping[str, Any]],
        events: Sequence[Event | Mapping[str, Any]] = (),
        *,
        jurisdiction: str,
        on: dt.date,
        incidents: Sequence[Incident | Mapping[str, Any]] | None = None,
        enterprise: str = "(review)",
    ) -> TitleReview:
        """Derive which titles still stand on ``on``, given events since they were recognised.

        Uses the jurisdiction's revocation rules (e.g. Shandong 第十五条); every revocation
        names its clause and the event.  An event never restores a title.
        """
        on = _day(on)
        app = self._coerce({"enterprise": {"name": enterprise}, "titles": _listed(titles),
                            "events": _listed(events), "incidents": _listed(incidents)})
        scope = self.scope(jurisdiction, on=on)
        resolution = resolve(scope, app, on)
        derivation = self._derive(scope, resolution.facts)
        return TitleReview(jurisdiction=scope.jurisdiction.code, pack_version=scope.version,
                           on=on, titles=standings(scope, app, resolution.facts, derivation))


def _recipe(plugins: Sequence[object], entry_points: bool, strict: bool, backend: Backend,
            overrides: tuple[Override, ...]) -> _RecipeParts | None:
    """The arguments of :class:`EngineRecipe` that build this engine elsewhere.

    ``None`` when a plugin is not an importable module.
    """
    modules = []
    for plugin in plugins:
        name = getattr(plugin, "__name__", None)
        if not isinstance(name, str) or sys.modules.get(name) is not plugin:
            return None
        modules.append(name)
    return _RecipeParts(entry_points, tuple(modules), strict, backend, overrides)


def _listed(values: object) -> object:
    """A sequence as a list of mappings; anything else as given, for validation to name."""
    if isinstance(values, Sequence) and not isinstance(values, str | bytes):
        return [v.model_dump() if isinstance(v, Title | Event | Incident) else v
                for v in values]
    return values


def _day(on: object) -> dt.date:
    """An evaluation date within EARLIEST..LATEST.

    A ``date`` (not a date-time) or an ISO ``YYYY-MM-DD`` string.
    """
    if isinstance(on, str) and len(on) == 10 and on[4] == "-" and on[7] == "-":
        with contextlib.suppress(ValueError):
            on = dt.date.fromisoformat(on)
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ApplicationError([("on", f"must be a date, got {short_repr(on)}",
                                 f"须为日期，收到 {short_repr(on)}")])
    if not EARLIEST <= on <= LATEST:
        raise ApplicationError([("on", f"{on.isoformat()} is outside {EARLIEST.isoformat()}.."
                                 f"{LATEST.isoformat()}",
                                 f"{on.isoformat()}超出可接受的日期范围")])
    return on
