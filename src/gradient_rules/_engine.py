"""The public entry point: :class:`Engine`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ._application import (
    Application,
    Enterprise,
    Event,
    Incident,
    ScenarioClaim,
    Title,
    parse_application,
)
from ._assessment import (
    Assessment,
    CitedClause,
    Finding,
    Notice,
    Revocation,
    Route,
    TierAssessment,
    TitleReview,
    TitleStanding,
)
from ._batch import (
    BatchAssessment,
    BatchFinding,
    BatchRow,
    RawRow,
    _row_application,
    batch_rows,
    positions,
    read_batch,
    run_batch_rules,
)
from ._conditions import EvaluationContext
from ._consistency import RelationCheck, check_relations
from ._durable import DurableAdapter
from ._errors import (
    ApplicationError,
    OutOfValidityError,
    PluginError,
    UnknownJurisdictionError,
)
from ._evaluation import Derivation, evaluate_durable, evaluate_reference, revokes
from ._facts import CaseFacts, ClaimFact, build_facts
from ._registry import Registered, Registry, build_registry
from ._rulepack import (
    BatchRules,
    CountingPolicy,
    JurisdictionInfo,
    Provision,
    Rule,
    RulePack,
    ScenarioCatalog,
)
from ._vocabulary import DocumentStatus, Outcome, Strength, Tier, TitleStatus, Verdict

__all__ = ["Engine"]

Backend = Literal["durable", "reference"]
Problems = list[tuple[str, str]]


class Engine:
    """Assess applications against the rules of installed or given jurisdiction plugins.

    ``Engine(plugins=[...])`` uses exactly the plugin objects given (what tests want);
    :meth:`from_installed` discovers plugins through the ``gradient_rules`` entry points.
    With ``strict=True`` any plugin problem raises :class:`PluginError`; otherwise broken
    plugins are listed in :attr:`problems` and the others work.

    ``backend="durable"`` (the default) evaluates with durable-rules forward chaining;
    ``backend="reference"`` with the plain-Python twin (same packs, same answers).
    """

    def __init__(
        self,
        *,
        plugins: Sequence[object] = (),
        entry_points: bool = False,
        strict: bool = True,
        backend: Backend = "durable",
    ) -> None:
        if backend not in ("durable", "reference"):
            raise ValueError(f"backend must be 'durable' or 'reference', got {backend!r}")
        self._registry: Registry = build_registry(plugins, entry_points=entry_points)
        if strict and self._registry.problems:
            problems = self._registry.problems
            if len(problems) == 1:
                raise problems[0]
            raise PluginError("\n".join(str(p) for p in problems))
        self.backend: Backend = backend
        self._adapter = DurableAdapter() if backend == "durable" else None

    @classmethod
    def from_installed(cls, *, strict: bool = False, backend: Backend = "durable") -> Engine:
        """An engine with every plugin installed under the ``gradient_rules`` entry points."""
        return cls(entry_points=True, strict=strict, backend=backend)

    # --- discovery ------------------------------------------------------------------------

    @property
    def problems(self) -> tuple[PluginError, ...]:
        """Plugin problems found while loading (empty when all is well)."""
        return tuple(self._registry.problems)

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
            raise TypeError(f"jurisdiction must be a code string, got {jurisdiction!r}")
        item = self._registry.jurisdictions.get(jurisdiction)
        if item is None:
            if jurisdiction in self._registry.broken:
                raise self._registry.broken[jurisdiction]
            raise UnknownJurisdictionError(jurisdiction, list(self._registry.jurisdictions))
        return item

    def packs(self, jurisdiction: str) -> tuple[RulePack, ...]:
        """All rule packs (document versions) of a jurisdiction, oldest first."""
        return tuple(sorted(self._registered(jurisdiction).packs, key=lambda p: p.valid_from))

    def pack(self, jurisdiction: str, *, on: dt.date | None = None) -> RulePack:
        """The pack in force on ``on`` (the latest pack when ``on`` is ``None``).

        Raises :class:`OutOfValidityError` when no pack covers the date.
        """
        packs = self.packs(jurisdiction)
        if on is None:
            return packs[-1]
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            raise ApplicationError([("on", f"must be a date, got {on!r}")])
        covering = [p for p in packs if p.covers(on)]
        if not covering:
            ranges = "; ".join(f"{p.version}: {p.validity_text()}" for p in packs)
            raise OutOfValidityError([(
                "on",
                f"{on.isoformat()} is outside the validity of every {jurisdiction!r} rule "
                f"pack ({ranges}); assess on a date within one of them",
            )])
        return covering[-1]

    def rules(self, jurisdiction: str, *, on: dt.date | None = None) -> tuple[Rule, ...]:
        """The rules of the pack in force on ``on`` (the latest pack when ``None``)."""
        return self.pack(jurisdiction, on=on).rules

    def catalog(self, jurisdiction: str, *, on: dt.date | None = None) -> ScenarioCatalog | None:
        """The scenario catalog of the pack, or ``None`` where the jurisdiction has none."""
        return self.pack(jurisdiction, on=on).catalog

    # --- validation -----------------------------------------------------------------------

    def validate(
        self,
        application: Application | Mapping[str, Any],
        *,
        jurisdiction: str,
        on: dt.date | None = None,
    ) -> Application:
        """Check an application against a jurisdiction without assessing it.

        Raises :class:`ApplicationError` naming every bad field.
        """
        app = self._coerce(application)
        day = self._date(app, on)
        pack = self.pack(jurisdiction, on=day)
        self._prepare(pack, app, day)
        return app

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
                "the application; the system clock is never used")])
        return day

    def _prepare(self, pack: RulePack, app: Application, on: dt.date) -> tuple[CaseFacts, bool]:
        problems: Problems = []
        for name in sorted(set(app.attestations) - set(pack.attestations)):
            known = ", ".join(sorted(pack.attestations)) or "none"
            problems.append((f"attestations.{name}",
                             f"not an attestation of {pack.jurisdiction.code!r}; known: {known}"))
        material_ids = [m.id for m in pack.materials]
        for index, material in enumerate(app.materials or ()):
            if material not in material_ids:
                problems.append((f"materials[{index}]", f"unknown material {material!r} for "
                                 f"{pack.jurisdiction.code!r}; the checklist: "
                                 + (", ".join(material_ids) or "none")))
        kpi_ids = frozenset(k.id for k in pack.kpis)
        for key in sorted(set(app.kpis or ()) - kpi_ids):
            problems.append((f"kpis.{key}", f"not in the KPI reference of "
                             f"{pack.jurisdiction.code!r}; ids: "
                             f"{', '.join(sorted(kpi_ids)) or 'none (no reference)'}"))
        dated: list[tuple[str, dt.date | None]] = [
            *((f"incidents[{i}].occurred_on", x.occurred_on)
              for i, x in enumerate(app.incidents or ())),
            *((f"titles[{i}].recognised_on", x.recognised_on)
              for i, x in enumerate(app.titles or ()) if x.year <= on.year),
            *((f"events[{i}].occurred_on", x.occurred_on) for i, x in enumerate(app.events or ())),
            *((f"filing.{name}", getattr(app.filing, name))
              for name in ("online_filed_on", "paper_submitted_on") if app.filing is not None),
        ]
        for index, title in enumerate(app.titles or ()):
            if title.year > on.year:
                problems.append((f"titles[{index}].year", f"{title.year} is after the year of "
                                 f"the evaluation date {on.isoformat()}"))
        problems.extend((where, f"{when.isoformat()} is after the evaluation date "
                                f"{on.isoformat()}")
                        for where, when in dated if when is not None and when > on)
        claims, inferred = (None, False) if app.scenarios is None else _resolve_claims(
            pack, app.scenarios, problems)
        if problems:
            raise ApplicationError(problems)
        return build_facts(app, on=on, claims=claims, kpi_ids=kpi_ids), inferred

    # --- assessment -----------------------------------------------------------------------

    def assess(
        self,
        application: Application | Mapping[str, Any],
        *,
        jurisdiction: str,
        on: dt.date | None = None,
        tier: Tier | str | None = None,
    ) -> Assessment:
        """Assess ``application`` under ``jurisdiction`` on date ``on``.

        ``on`` defaults to the application's ``dated``; the system clock is never read.
        ``tier`` restricts the assessment to one tier.  Raises :class:`ApplicationError`
        (bad input), :class:`OutOfValidityError`, :class:`UnknownJurisdictionError`,
        :class:`PluginError` or :class:`EngineError`.
        """
        app = self._coerce(application)
        day = self._date(app, on)
        wanted: tuple[Tier, ...]
        pack = self.pack(jurisdiction, on=day)
        if tier is None:
            wanted = tuple(t for t in Tier.ordered() if t in pack.tiers)
        else:
            try:
                wanted = (Tier(tier),)
            except ValueError:
                raise ApplicationError([("tier", f"unknown tier {tier!r}; tiers: "
                                         + ", ".join(t.value for t in Tier.ordered()))]) from None
            if wanted[0] not in pack.tiers:
                raise ApplicationError([("tier", f"{jurisdiction!r} pack {pack.version} covers "
                                         + ", ".join(t.value for t in pack.tiers)
                                         + f" only, not {wanted[0].value}")])
        facts, inferred = self._prepare(pack, app, day)
        derivation = self._derive(pack, facts)
        return _assemble(pack, app, facts, derivation, wanted, inferred, self.backend)

    def _derive(self, pack: RulePack, facts: CaseFacts) -> Derivation:
        if self._adapter is not None:
            return evaluate_durable(self._adapter, pack, facts)
        return evaluate_reference(pack, facts)

    def assess_batch(
        self,
        batch: str | Path | Mapping[str, Any],
        *,
        jurisdiction: str,
        on: dt.date | None = None,
    ) -> BatchAssessment:
        """Assess a recommender's ranked batch under the jurisdiction's batch rules.

        ``batch`` is a batch file (JSON, TOML or YAML) or its mapping: ``recommender``,
        ``submitted_on`` and ``entries`` (each with ``rank``, ``contact`` and ``application``
        inline or ``file``).  ``on`` defaults to ``submitted_on``.  Each row is assessed on its
        own; a row that cannot be read is reported and the others still are.
        """
        base: Path | None = None
        if isinstance(batch, Mapping):
            head, rows = batch_rows(batch)
        else:
            head, rows = read_batch(batch)
            base = Path(batch).parent
        day = on if on is not None else head.submitted_on
        if day is None:
            raise ApplicationError([("on", "no evaluation date: pass on= (CLI: --on) or set "
                                     "`submitted_on` in the batch")])
        pack = self.pack(jurisdiction, on=day)
        rules = pack.batch
        if rules is None:
            raise ApplicationError([("jurisdiction", f"{jurisdiction!r} has no batch rules "
                                     "(no recommender quota or summary form)")])
        places = positions(rows)
        out_rows: list[dict[str, Any]] = []
        facts: list[dict[str, Any]] = []
        for raw in rows:
            app, contact, errors, problems = _row_application(raw, base)
            result: Assessment | None = None
            if app is not None:
                province = app.enterprise.province
                if rules.province and province != rules.province:
                    problems.append(
                        f"enterprise.province: registered in {province or 'an unstated province'}"
                        f"; a {jurisdiction} batch takes only applications registered in "
                        f"{rules.province}")
                try:
                    result = self.assess(app, jurisdiction=jurisdiction, on=day, tier=rules.tier)
                except ApplicationError as error:
                    errors.extend(f"application.{p}: {m}" if p else f"application: {m}"
                                  for p, m in error.problems)
            verdict = None if result is None else result.tier(rules.tier).verdict
            if raw.rank is not None:
                facts.append({"kind": "entry", "row": raw.row, "rank": raw.rank,
                              "position": places[raw.row],
                              "verdict": verdict.value if verdict else "unreadable"})
            out_rows.append({"raw": raw, "app": app, "contact": contact, "errors": errors,
                             "problems": problems, "result": result, "verdict": verdict})
        quota = rules.quota_for(head.recommender)
        batch_fact: dict[str, Any] = {"kind": "batch"}
        if rules.submit_by is not None:
            batch_fact["deadline"] = rules.submit_by.toordinal()
            if head.submitted_on is not None:
                batch_fact["submitted_day"] = head.submitted_on.toordinal()
        facts += [{"kind": "quota", "limit": quota}, batch_fact]
        derived = run_batch_rules(self._adapter, pack, facts)
        return _batch_result(pack, rules, head.recommender, head.submitted_on, quota, day,
                             out_rows, places, derived, self.backend)

    def consistency(self, jurisdiction: str, *,
                    on: dt.date | None = None) -> tuple[RelationCheck, ...]:
        """Compare each rule's declared relation with the base rule's data.

        Reports, per province rule, what is stricter, looser or different from the national
        rule it adopts, tightens or replaces, and whether the declaration holds.  Empty for
        a jurisdiction without a base.
        """
        pack = self.pack(jurisdiction, on=on)
        base_code = pack.jurisdiction.base
        if base_code is None:
            return ()
        base = self.pack(base_code, on=pack.valid_from) if any(
            p.covers(pack.valid_from) for p in self.packs(base_code)) else self.pack(base_code)
        return check_relations(pack.rules, base.rules)

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
        app = self._coerce({
            "enterprise": Enterprise(name=enterprise),
            "titles": [t if isinstance(t, Title) else dict(t) for t in titles],
            "events": [e if isinstance(e, Event) else dict(e) for e in events],
            "incidents": None if incidents is None else [
                i if isinstance(i, Incident) else dict(i) for i in incidents],
        })
        pack = self.pack(jurisdiction, on=on)
        facts, _ = self._prepare(pack, app, on)
        derivation = self._derive(pack, facts)
        return TitleReview(jurisdiction=pack.jurisdiction.code, pack_version=pack.version,
                           on=on, titles=_standings(pack, app, facts, derivation))


# --- helpers ------------------------------------------------------------------------------


def _clause(pack: RulePack, rule_id: str) -> str:
    items: list[Rule | Provision] = [*pack.provisions, *pack.rules]
    for item in items:
        if item.id == rule_id:
            return item.citation.clause
    return ""


def _batch_result(pack: RulePack, rules: BatchRules, recommender: str,
                  submitted_on: dt.date | None, quota: int, on: dt.date,
                  rows: list[dict[str, Any]], places: Mapping[int, int],
                  derived: Mapping[str, list[tuple[Any, ...]]],
                  backend: Backend) -> BatchAssessment:
    refusals: dict[int, list[BatchFinding]] = {}
    quota_clause = _clause(pack, rules.quota_rule)
    for (row,) in derived.get("over_quota", []):
        refusals.setdefault(int(row), []).append(BatchFinding(
            rule_id=rules.quota_rule, clause=quota_clause,
            message_zh=f"排名第{places[int(row)]}位，超过推荐上限{quota}个",
            message_en=f"ranked {places[int(row)]}, beyond the quota of {quota}"))
    for first, second in derived.get("duplicate", []):
        rank = next(r["raw"].rank for r in rows if r["raw"].row == first)
        for row in (first, second):
            refusals.setdefault(int(row), []).append(BatchFinding(
                rule_id=rules.quota_rule, clause=quota_clause,
                message_zh=f"推荐次序{rank}被第{first}行和第{second}行重复使用，须按优先次序唯一排名",
                message_en=f"rank {rank} is used by rows {first} and {second}; ranks must be "
                           "unique"))
    findings: list[BatchFinding] = []
    submit_rule = rules.submit_rule or rules.quota_rule
    deadline = rules.submit_by.isoformat() if rules.submit_by else ""
    late = bool(derived.get("late"))
    unknown_submission = bool(derived.get("submission_unknown"))
    if late and submitted_on is not None:
        findings.append(BatchFinding(
            rule_id=submit_rule, clause=_clause(pack, submit_rule),
            message_zh=f"推荐单位于{submitted_on.isoformat()}报送，晚于截止日期{deadline}",
            message_en=f"submitted on {submitted_on.isoformat()}, after the {deadline} deadline"))
    if unknown_submission:
        findings.append(BatchFinding(
            rule_id=submit_rule, clause=_clause(pack, submit_rule),
            message_zh=f"未填写推荐单位报送日期（截止{deadline}）",
            message_en=f"the recommender's submission date is not stated (deadline {deadline})"))
    own_no = {int(r) for (r,) in derived.get("own_no", [])}
    own_unknown = {int(r) for (r,) in derived.get("own_unknown", [])}
    out: list[BatchRow] = []
    for item in rows:
        raw: RawRow = item["raw"]
        app: Application | None = item["app"]
        row_refusals = tuple(refusals.get(raw.row, ()))
        if item["errors"] or raw.row in own_no or row_refusals or late or raw.rank is None:
            recommended: Literal["yes", "no", "undetermined"] = "no"
        elif raw.row in own_unknown or unknown_submission:
            recommended = "undetermined"
        else:
            recommended = "yes"
        out.append(BatchRow(
            row=raw.row, rank=raw.rank, position=places.get(raw.row),
            enterprise=None if app is None else app.enterprise.name,
            project=None if app is None else app.project_name,
            contact=item["contact"],
            scenarios=tuple(app.scenarios or ()) if app is not None else (),
            errors=tuple(item["errors"]),
            problems=tuple(item["problems"]), verdict=item["verdict"],
            refusals=row_refusals, recommended=recommended, assessment=item["result"]))
    out.sort(key=lambda r: (r.position is None, r.position or 0, r.row))
    return BatchAssessment(
        jurisdiction=pack.jurisdiction.code, pack_version=pack.version, on=on, tier=rules.tier,
        recommender=recommender, quota=quota, submitted_on=submitted_on,
        findings=tuple(findings), rows=tuple(out), backend=backend)


def _resolve_claims(pack: RulePack, claims: Sequence[ScenarioClaim],
                    problems: Problems) -> tuple[tuple[ClaimFact, ...], bool]:
    """Map each claim to a segment and the tiers it may count for; report bad claims."""
    catalog = pack.catalog
    code = pack.jurisdiction.code
    resolved: list[ClaimFact] = []
    inferred_used = False
    rows = catalog.by_id() if catalog else {}
    for index, claim in enumerate(claims):
        where = f"scenarios[{index}]"
        segment = claim.segment
        if claim.guide_segment is not None:
            known_guide = (*pack.guide_segments, *pack.guide_segments_unmapped)
            if claim.guide_segment not in known_guide:
                known = "、".join(known_guide) or "none"
                problems.append((f"{where}.guide_segment", f"unknown 环节 {claim.guide_segment!r} "
                                 f"for {code!r}; known: {known}"))
                continue
            mapped = pack.guide_segments.get(claim.guide_segment)
            if segment is not None and mapped is not None and mapped is not segment:
                problems.append((f"{where}.segment", f"{segment.value!r} contradicts "
                                 f"guide_segment {claim.guide_segment!r}, which maps to "
                                 f"{mapped.value!r}"))
                continue
            segment = segment or mapped
        cells: frozenset[Tier] = frozenset(Tier)
        row_inferred = False
        if catalog is not None:
            if claim.id is None:
                problems.append((f"{where}.id", f"{code!r} has a scenario catalog; give the "
                                 "scenario id (see `gradient-rules scenarios " + code + "`)"))
                continue
            row = rows.get(claim.id)
            if row is None:
                problems.append((f"{where}.id", f"unknown scenario {claim.id!r} in the {code!r} "
                                 f"catalog; ids run {catalog.scenarios[0].id}.."
                                 f"{catalog.scenarios[-1].id}"))
                continue
            if segment is not None and segment is not row.segment:
                problems.append((f"{where}.segment", f"scenario {row.id} ({row.name_zh}) is in "
                                 f"{row.segment.value!r}, not {segment.value!r}"))
                continue
            segment = row.segment
            row_cells = row.cells()
            row_inferred = row.source == "inferred"
            if row_cells is not None and claim.tier not in row_cells:
                problems.append((f"{where}.tier", f"scenario {row.id} ({row.name_zh}) has no "
                                 f"{claim.tier.value} ({claim.tier.label_zh}) description (the "
                                 "table shows \"/\"); claim a tier it describes: "
                                 + ", ".join(t.value for t in sorted(row_cells))))
                continue
            if catalog.counting is CountingPolicy.AT_OR_ABOVE and row_cells is not None:
                cells = row_cells
        else:
            if claim.id is not None:
                problems.append((f"{where}.id", f"{code!r} has no scenario catalog; leave `id` "
                                 "out and give `segment` or `guide_segment`"))
                continue
            if segment is None and claim.guide_segment is None:
                problems.append((f"{where}.segment", "give `segment` (one of "
                                 "factory_construction, research_and_design, "
                                 "production_operations, production_management, "
                                 "operations_management) or `guide_segment`"))
                continue
        inferred_used = inferred_used or row_inferred
        resolved.append(ClaimFact(index, segment, claim.tier, cells, row_inferred))
    return tuple(resolved), inferred_used


def _cite(pack: RulePack, rule: Rule) -> CitedClause:
    doc = pack.document(rule.citation.document)
    return CitedClause(document=doc.id, document_title_zh=doc.title_zh,
                       document_status=doc.status, clause=rule.citation.clause,
                       text_zh=rule.citation.text_zh)


def _standings(pack: RulePack, app: Application, facts: CaseFacts,
               derivation: Derivation) -> tuple[TitleStanding, ...]:
    standings = []
    for index, title in enumerate(app.titles or ()):
        found: list[Revocation] = []
        assert facts.titles is not None
        for trigger_index in sorted(derivation.revoked.get(index, ())):
            trigger = pack.revocation[trigger_index]
            for event in facts.events:  # which events the revocation rests on, for the record
                if revokes(trigger, event, facts.titles[index]):
                    number = int(event["event"])
                    found.append(Revocation(
                        rule_id=trigger.rule, clause=trigger.clause, text_zh=trigger.text_zh,
                        event=trigger.event, occurred_on=dt.date.fromordinal(int(event["day"])),
                        event_index=number if number >= 0 else None))
        standings.append(TitleStanding(
            index=index, tier=title.tier, issuing_level=title.issuing_level, year=title.year,
            stated_status=title.status, revocations=tuple(found),
            standing=title.status is TitleStatus.VALID and not found))
    return tuple(standings)


def _assemble(pack: RulePack, app: Application, facts: CaseFacts, derivation: Derivation,
              wanted: tuple[Tier, ...], inferred: bool, backend: Backend) -> Assessment:
    ctx = EvaluationContext(
        facts=facts, tallies=derivation.tallies,
        attestation_texts={name: (t.zh, t.en) for name, t in pack.attestations.items()},
        holdings=derivation.holdings,
        revocations={title: tuple(pack.revocation[k].clause for k in sorted(ids))
                     for title, ids in derivation.revoked.items()},
    )
    routes = {r.tier: r for r in pack.recognition}
    tiers: list[TierAssessment] = []
    for tier in wanted:
        findings: list[Finding] = []
        warnings: list[Notice] = []
        for rule in pack.rules:
            if tier not in rule.tiers:
                continue
            assert rule.condition is not None
            outcome = derivation.outcome(rule.id, tier)
            why = rule.condition.explain(ctx, tier, outcome)
            findings.append(Finding(
                rule_id=rule.id, tier=tier, outcome=outcome, strength=rule.strength,
                title_en=rule.title_en, title_zh=rule.title_zh, citation=_cite(pack, rule),
                observed=why.observed, required=why.required,
                message_zh=why.message_zh, message_en=why.message_en,
                action_zh=why.action_zh if outcome is not Outcome.MET else "",
                action_en=why.action_en if outcome is not Outcome.MET else "",
                relation=rule.relation, relates_to=rule.relates_to,
            ))
            if rule.strength is Strength.IN_PRINCIPLE and outcome is not Outcome.MET:
                unknown = outcome is Outcome.UNKNOWN
                warnings.append(Notice(
                    code="in_principle_unknown" if unknown else "in_principle_shortfall",
                    rule_id=rule.id,
                    message_zh=f"{rule.id}（原则上）{'无法判断' if unknown else '未满足'}："
                               f"{why.message_zh}；供评审专家研判，不自动否决",
                    message_en=f"{rule.id} (in principle) "
                               f"{'cannot be judged' if unknown else 'not met'}: "
                               f"{why.message_en}; for the reviewers, not an automatic refusal",
                ))
        warnings.extend(Notice(code="tier_notice", rule_id=n.rule, message_zh=n.zh,
                               message_en=n.en)
                        for n in pack.tier_notices if tier in n.tiers)
        route = routes.get(tier)
        tiers.append(TierAssessment(
            tier=tier, label_zh=pack.label(tier), verdict=derivation.verdict(tier),
            findings=tuple(findings), warnings=tuple(warnings),
            route=None if route is None else Route(authority_zh=route.authority_zh,
                                                   authority_en=route.authority_en,
                                                   rule_id=route.rule),
        ))
    notices = _pack_notices(pack, facts.on, inferred)
    notices.extend(_next_tier(pack, tiers))
    return Assessment(
        jurisdiction=pack.jurisdiction.code, jurisdiction_name_zh=pack.jurisdiction.name_zh,
        pack_version=pack.version, pack_status=pack.status, on=facts.on,
        enterprise=app.enterprise.name, project_name=app.project_name, backend=backend,
        tiers=tuple(tiers), warnings=tuple(notices),
        titles=_standings(pack, app, facts, derivation),
    )


def _pack_notices(pack: RulePack, on: dt.date, inferred: bool) -> list[Notice]:
    notices: list[Notice] = []
    doc = pack.documents[0]
    if doc.status is not DocumentStatus.IN_FORCE:
        notices.append(Notice(
            code="draft_document",
            message_zh=f"依据文件《{doc.title_zh}》为{doc.status.label_zh}，正式文件可能不同",
            message_en=f"the rules come from a {doc.status.value.replace('_', ' ')} "
                       f"({doc.title_en}); the final text may differ",
        ))
    later = pack.later_edition
    if later is not None and on >= later.warn_from:
        notices.append(Notice(code="superseded_edition", message_zh=later.note_zh,
                              message_en=later.note_en))
    if pack.catalog is not None and not pack.catalog.complete:
        notices.append(Notice(
            code="incomplete_catalog", rule_id=pack.catalog.counting_rule,
            message_zh=f"《{pack.catalog.title_zh}》收到的文本不完整，部分行或单元格缺失",
            message_en="the scenario catalog as received is incomplete (rows or cells missing)",
        ))
    if inferred:
        notices.append(Notice(
            code="inferred_data",
            message_zh="部分申报场景属于推断得出的目录行（source = inferred），尚未与官方文本核对",
            message_en="some claimed scenarios rely on catalog rows marked inferred, not yet "
                       "checked against the official text",
        ))
    return notices


def _next_tier(pack: RulePack, tiers: Sequence[TierAssessment]) -> list[Notice]:
    ladder = next((p for p in pack.provisions if p.applies_as == "tier_ladder"), None)
    if ladder is None or len(tiers) < len(Tier):
        return []
    eligible = [t.tier for t in tiers if t.verdict is Verdict.ELIGIBLE]
    if not eligible:
        return []
    top = max(eligible, key=lambda t: t.rank)
    if top is Tier.LEADING:
        return []
    nxt = Tier.from_rank(top.rank + 1)
    return [Notice(
        code="next_tier", rule_id=ladder.id,
        message_zh=f"已符合{pack.label(top)}条件；鼓励向{pack.label(nxt)}升级",
        message_en=f"eligible for {top.value}; the programme encourages upgrading to {nxt.value}",
    )]
