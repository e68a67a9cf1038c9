"""Explain a derivation: findings with their clauses, warnings, titles, the whole assessment.

Both backends derive the same :class:`~gradient_rules._evaluation.Derivation`; this module
turns it into the :class:`~gradient_rules.Assessment` callers read.  Every finding carries
the clause it rests on, what the application states and what the rule requires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from typing import Final, Literal

from ._application import Application, Enterprise
from ._assessment import (
    Assessment,
    CallSummary,
    Finding,
    Notice,
    Revocation,
    Route,
    TierAssessment,
    TitleStanding,
)
from ._conditions import (
    EvaluationContext,
    Explanation,
    condition_call,
    condition_error,
    key_of,
)
from ._construct import built
from ._errors import GradientRulesError
from ._evaluation import Derivation, evaluate_reference, revokes
from ._facts import CaseFacts
from ._keys import compute_key
from ._resolve import Resolution, resolve
from ._rules import Rule
from ._scope import Scope
from ._vocabulary import DocumentStatus, Outcome, Strength, Tier, TitleStatus, Verdict

__all__ = ["assemble", "probe", "standings"]

Backend = Literal["durable", "reference"]


def standings(scope: Scope, app: Application, facts: CaseFacts,
              derivation: Derivation) -> tuple[TitleStanding, ...]:
    """Each title held and whether it still stands, with the revocations and their events."""
    out = []
    for index, title in enumerate(app.titles or ()):
        found: list[Revocation] = []
        assert facts.titles is not None
        for trigger_index in sorted(derivation.revoked.get(index, ())):
            trigger = scope.revocation[trigger_index]
            for event in facts.events:  # which events the revocation rests on, for the record
                if revokes(trigger, event, facts.titles[index]):
                    number = int(event["event"])
                    found.append(Revocation(
                        rule_id=trigger.rule, clause=trigger.clause, text_zh=trigger.text_zh,
                        event=trigger.event, occurred_on=dt.date.fromordinal(int(event["day"])),
                        event_index=number if number >= 0 else None))
        out.append(TitleStanding(
            index=index, tier=title.tier, issuing_level=title.issuing_level, year=title.year,
            stated_status=title.status, revocations=tuple(found),
            standing=title.status is TitleStatus.VALID and not found))
    return tuple(out)


_MET: Final = Outcome.MET  # enum members read per assessment: module attributes are faster
_ELIGIBLE: Final = Verdict.ELIGIBLE
_LEADING: Final = Tier.LEADING

FINDINGS_KEPT = 4096
"""Most entries a scope's stores of findings and of tier assessments keep for reuse (a
finding entry holds one rule's findings for one outcome and key, one per tier); a store
starts afresh when full."""


def _finding(scope: Scope, ctx: EvaluationContext, rule: Rule, tier: Tier,
             outcome: Outcome, why: Explanation | None = None) -> tuple[Finding, Notice | None]:
    assert rule.condition is not None
    if why is None:
        why = condition_call(rule.id, rule.condition, "explain", ctx, tier, outcome)
    # Built from the engine's own values, not from input: constructed without
    # re-validation (the models' types are checked by mypy and the suite's round trips).
    finding = built(
        Finding,
        rule_id=rule.id, tier=tier, outcome=outcome, strength=rule.strength,
        title_en=rule.title_en, title_zh=rule.title_zh, citation=scope.citations[rule.id],
        observed=why.observed, required=why.required,
        message_zh=why.message_zh, message_en=why.message_en,
        action_zh=why.action_zh if outcome is not Outcome.MET else "",
        action_en=why.action_en if outcome is not Outcome.MET else "",
        relation=rule.relation, relates_to=rule.relates_to, part=scope.parts[rule.id],
    )
    if rule.strength is not Strength.IN_PRINCIPLE or outcome is Outcome.MET:
        return finding, None
    unknown = outcome is Outcome.UNKNOWN
    return finding, Notice(
        code="in_principle_unknown" if unknown else "in_principle_shortfall",
        rule_id=rule.id,
        message_zh=f"{rule.id}（原则上）{'无法判断' if unknown else '未满足'}："
                   f"{why.message_zh}；供评审专家研判，不自动否决",
        message_en=f"{rule.id} (in principle) "
                   f"{'cannot be judged' if unknown else 'not met'}: "
                   f"{why.message_en}; for the reviewers, not an automatic refusal",
    )


Made = tuple[Finding, Notice | None]
"""A finding, and the in-principle warning that goes with it (if any)."""


def _findings(scope: Scope, ctx: EvaluationContext, derivation: Derivation,
              wanted: Sequence[Tier]) -> tuple[dict[Tier, list[Made]], set[Tier]]:
    """Each wanted tier's findings in rule order, and the tiers holding one not kept.

    The scope's rules are walked once, each for all its tiers.  A finding depends only on
    the rule, the tier, the outcome and what the condition's explanation reads (its key):
    one built for an earlier application is reused.  A tier-free rule's key, and its
    explanation when not kept, are worked out once for all its tiers (D38).
    """
    kept = scope.findings
    outcomes = derivation.outcomes
    met = _MET
    made: dict[Tier, list[Made]] = {tier: [] for tier in wanted}
    fresh: set[Tier] = set()
    for (rule, rule_id, condition, key_method, free, trusted, key_plan, tiers,
         pairs) in scope.assembly_plan:
        key: Hashable | None = None
        keyed = False
        whys: dict[Outcome, Explanation] | None = None
        group: dict[Tier, Made] | None = None
        group_outcome: Outcome | None = None
        for tier, pair in zip(tiers, pairs):  # noqa: B905 (made together, same length)
            into = made.get(tier)
            if into is None:
                continue
            outcome = outcomes.get(pair, met)
            if not (keyed and free):
                if key_method is None:
                    key = None
                elif trusted:  # key_of without the hash check: a built-in key hashes
                    try:
                        key = (key_method(ctx, tier) if key_plan is None
                               else compute_key(key_plan, ctx, tier))
                    except GradientRulesError:
                        raise
                    except (Exception, SystemExit) as error:
                        raise condition_error(rule_id, condition, "explanation_key",
                                              error) from error
                else:
                    key = key_of(rule_id, condition, key_method, ctx, tier)
                keyed = True
                group = None
            if key is None:  # not kept: explained afresh (a tier-free rule once per outcome)
                if whys is None:
                    whys = {}
                why = whys.get(outcome) if free else None
                if why is None:
                    why = condition_call(rule_id, condition, "explain", ctx, tier, outcome)
                    if free:
                        whys[outcome] = why
                into.append(_finding(scope, ctx, rule, tier, outcome, why))
                fresh.add(tier)
                continue
            # The store holds, per rule, outcome and key, the rule's findings by tier: a
            # tier-free rule looks its key up once for all its tiers.
            if group is None or outcome is not group_outcome:
                store_key = (rule_id, outcome, key)
                group = kept.get(store_key)
                if group is None:
                    if len(kept) >= FINDINGS_KEPT:
                        kept.clear()
                    group = kept[store_key] = {}
                group_outcome = outcome
            found = group.get(tier)
            if found is None:
                found = group[tier] = _finding(scope, ctx, rule, tier, outcome)
            into.append(found)
    return made, fresh


def _tier(scope: Scope, tier: Tier, verdict: Verdict, made: list[Made],
          shareable: bool) -> TierAssessment:
    """The tier's assessment; shared between assessments when all its findings are kept."""
    if not shareable:
        return _tier_assessment(scope, tier, verdict, made)
    # Every finding is a shared one: so may the whole tier be.  The kept assessment holds
    # its findings, so their identities cannot pass to other objects while it is kept.
    memo = scope.tier_assessments
    memo_key = (tier, verdict, *[id(finding) for finding, _ in made])
    assessment = memo.get(memo_key)
    if assessment is None:
        assessment = _tier_assessment(scope, tier, verdict, made)
        if len(memo) >= FINDINGS_KEPT:
            memo.clear()
        memo[memo_key] = assessment
    return assessment


def _tier_assessment(scope: Scope, tier: Tier, verdict: Verdict,
                     made: list[Made]) -> TierAssessment:
    label, notices, route = _tier_constants(scope, tier)
    findings = []
    warnings = []
    for finding, notice in made:
        findings.append(finding)
        if notice is not None:
            warnings.append(notice)
    # Like findings, built from the engine's own values: constructed without re-validation.
    return built(
        TierAssessment, tier=tier, label_zh=label, verdict=verdict, findings=tuple(findings),
        warnings=(*warnings, *notices) if warnings else notices, route=route,
    )


def _tier_constants(scope: Scope, tier: Tier) -> tuple[str, tuple[Notice, ...], Route | None]:
    """The tier's label, notices and route: the same for every assessment, so made once."""
    kept = scope.notices_kept
    found: tuple[str, tuple[Notice, ...], Route | None] | None = kept.get(("tier", tier))
    if found is None:
        route = scope.recognition.get(tier)
        found = kept[("tier", tier)] = (
            scope.label(tier),
            tuple(Notice(code="tier_notice", rule_id=n.rule, message_zh=n.zh, message_en=n.en)
                  for n in scope.tier_notices if tier in n.tiers),
            None if route is None else Route(authority_zh=route.authority_zh,
                                             authority_en=route.authority_en,
                                             rule_id=route.rule))
    return found


def assemble(scope: Scope, app: Application, resolution: Resolution, derivation: Derivation,
             wanted: tuple[Tier, ...], backend: Backend, *,
             overrides: Sequence[str] = ()) -> Assessment:
    """The assessment of ``app``: one :class:`TierAssessment` per tier in ``wanted``.

    ``overrides`` (a what-if engine's) are listed first among the warnings.
    """
    facts = resolution.facts
    ctx = EvaluationContext(
        facts=facts, tallies=derivation.tallies,
        attestation_texts=scope.attestation_texts,
        holdings=derivation.holdings,
        revocations={title: tuple(scope.revocation[k].clause for k in sorted(ids))
                     for title, ids in derivation.revoked.items()},
    )
    made, fresh = _findings(scope, ctx, derivation, wanted)
    tiers = [_tier(scope, tier, derivation.verdict(tier), made[tier], tier not in fresh)
             for tier in wanted]
    notices = [Notice(code="what_if",
                      message_zh="假设分析：规则参数已按以下设定修改，结果不代表现行规则："
                      + "；".join(overrides),
                      message_en="what-if run: rule parameters changed as follows, so this is "
                      "not a verdict under the rules as published: " + "; ".join(overrides))
               ] if overrides else []
    notices += _notices(scope, facts.on, resolution)
    notices.extend(_next_tier(scope, tiers))
    call = scope.call
    return built(
        Assessment,
        jurisdiction=scope.jurisdiction.code, jurisdiction_name_zh=scope.jurisdiction.name_zh,
        pack_version=scope.version, pack_status=scope.status,
        conditions_jurisdiction=scope.conditions.jurisdiction.code,
        call=None if call is None else CallSummary(
            id=call.id, jurisdiction=call.jurisdiction, title_zh=call.title_zh,
            issuer_zh=call.issuer_zh, issuer_named=call.issuer_named, level=call.level,
            year=call.year, issued=call.issued),
        on=facts.on, enterprise=app.enterprise.name, project_name=app.project_name,
        backend=backend, tiers=tuple(tiers), warnings=tuple(notices),
        titles=standings(scope, app, facts, derivation),
    )


def _notices(scope: Scope, on: dt.date, resolution: Resolution) -> list[Notice]:
    notices = list(_scope_notices(scope))
    later = _later_edition_notice(scope)
    if later is not None and on >= later[0]:
        notices.append(later[1])
    notices += _catalog_notices(scope)
    if resolution.inferred_rows:
        rows = ", ".join(resolution.inferred_rows)
        notices.append(Notice(
            code="inferred_data",
            message_zh=f"部分申报场景属于推断得出的目录行（{rows}，source = inferred），"
                       "尚未与官方文本核对",
            message_en=f"some claimed scenarios rely on catalog rows marked inferred ({rows}), "
                       "not yet checked against the official text",
        ))
    catalog = scope.catalog
    for claim in sorted(resolution.cut_off, key=lambda c: c.scenario):
        notices.append(Notice(
            code="cut_off_cell", rule_id=catalog.counting_rule if catalog else None,
            message_zh=f"场景{claim.scenario}（{claim.name_zh}）按{claim.tier.label_zh}申报，"
                       "但收到的评价参考中该栏文字被截断，无法与官方描述核对",
            message_en=f"scenario {claim.scenario} ({claim.name_zh}) is claimed at "
                       f"{claim.tier.value}, whose description is cut off in the table as "
                       "received; it cannot be checked against the official text",
        ))
    if resolution.unused:
        notices.append(_unused_notice(scope, resolution.unused))
    return notices


UNUSED_KEPT = 256
"""Most notices of unread inputs a scope keeps (one per set of input names)."""


def _unused_notice(scope: Scope, unused: tuple[str, ...]) -> Notice:
    """The notice of inputs this assessment does not read; kept per set of names."""
    kept: dict[tuple[str, ...], Notice] = scope.notices_kept.setdefault("unused", {})
    found = kept.get(unused)
    if found is not None:
        return found
    names = ", ".join(unused)
    why_zh, why_en = (("截止日期、申报材料等属于年度申报通知，自评估只依据要素条件",
                       "filing dates, materials and a call's attestations belong to calls; "
                       "a self-assessment reads the conditions only")
                      if scope.call is None else
                      ("这些项属于其他已安装的规则或申报通知",
                       "they belong to other installed rules or calls"))
    found = Notice(
        code="unused_input",
        message_zh=f"以下填报项未用于本次评估：{names}（{why_zh}）",
        message_en=f"not read by this assessment: {names} ({why_en})",
    )
    if len(kept) < UNUSED_KEPT:
        kept[unused] = found
    return found


def _scope_notices(scope: Scope) -> tuple[Notice, ...]:
    """Notices about the scope itself (base conditions, unnamed issuer, draft): built once."""
    kept = scope.notices_kept
    found: tuple[Notice, ...] | None = kept.get("scope")
    if found is not None:
        return found
    notices: list[Notice] = []
    own, conditions = scope.jurisdiction, scope.conditions.jurisdiction
    if own.code != conditions.code:
        notices.append(Notice(
            code="base_conditions",
            message_zh=f"{own.name_zh}未制定本地的要素条件，适用{conditions.name_zh}的"
                       f"《{scope.conditions.documents[0].title_zh}》（{scope.version}）",
            message_en=f"{own.name_en} has no conditions of its own; the {conditions.name_en} "
                       f"conditions ({scope.version}) apply"))
    call = scope.call
    if call is not None and not call.issuer_named:
        notices.append(Notice(
            code="unnamed_issuer",
            message_zh=f"《{call.title_zh}》的发文单位在收到的文本中未署名；其截止日期等只约束"
                       "该单位辖区内的申报，请核对本地通知",
            message_en=f"the issuing body of {call.title_en!r} is not named in the text as "
                       "received; its dates bind only applicants in its own area, so check "
                       "your local notice"))
    doc = scope.conditions.documents[0]
    if doc.status is not DocumentStatus.IN_FORCE:
        notices.append(Notice(
            code="draft_document",
            message_zh=f"依据文件《{doc.title_zh}》为{doc.status.label_zh}，正式文件可能不同",
            message_en=f"the rules come from a {doc.status.value.replace('_', ' ')} "
                       f"({doc.title_en}); the final text may differ",
        ))
    kept["scope"] = found = tuple(notices)
    return found


def _later_edition_notice(scope: Scope) -> tuple[dt.date, Notice] | None:
    """The notice of a newer edition, and the day from which it is shown: built once."""
    kept = scope.notices_kept
    if "later" not in kept:
        later = scope.later_edition
        kept["later"] = None if later is None else (later.warn_from, Notice(
            code="superseded_edition", message_zh=later.note_zh, message_en=later.note_en))
    found: tuple[dt.date, Notice] | None = kept["later"]
    return found


def _catalog_notices(scope: Scope) -> tuple[Notice, ...]:
    """The notice of an incomplete scenario catalog, if any: built once."""
    kept = scope.notices_kept
    found: tuple[Notice, ...] | None = kept.get("catalog")
    if found is None:
        catalog = scope.catalog
        kept["catalog"] = found = (Notice(
            code="incomplete_catalog", rule_id=catalog.counting_rule,
            message_zh=f"《{catalog.title_zh}》收到的文本不完整，部分行或单元格缺失",
            message_en="the scenario catalog as received is incomplete (rows or cells missing)",
        ),) if catalog is not None and not catalog.complete else ()
    return found


def _next_tier(scope: Scope, tiers: Sequence[TierAssessment]) -> list[Notice]:
    if len(tiers) < len(Tier):
        return []
    top: Tier | None = None
    for assessed in tiers:
        if assessed.verdict is _ELIGIBLE and (top is None or assessed.tier.rank > top.rank):
            top = assessed.tier
    if top is None or top is _LEADING:
        return []
    kept = scope.notices_kept
    if ("next", top) not in kept:
        ladder = next((p for p in scope.provisions if p.applies_as == "tier_ladder"), None)
        nxt = Tier.from_rank(top.rank + 1)
        kept[("next", top)] = None if ladder is None else Notice(
            code="next_tier", rule_id=ladder.id,
            message_zh=f"已符合{scope.label(top)}条件；鼓励向{scope.label(nxt)}升级",
            message_en=f"eligible for {top.value}; the programme encourages upgrading to "
                       f"{nxt.value}",
        )
    notice: Notice | None = kept[("next", top)]
    return [] if notice is None else [notice]


def probe(scope: Scope) -> None:
    """Assess an empty application against ``scope``.

    A rule whose condition kind raises is then found when plugins are loaded, rather than
    at someone's assessment.
    """
    day = scope.call.issued if scope.call else scope.conditions.valid_from
    app = Application(enterprise=Enterprise(name="probe"))
    resolution = resolve(scope, app, day)
    derivation = evaluate_reference(scope, resolution.facts)
    assemble(scope, app, resolution, derivation, scope.tiers, "reference")
