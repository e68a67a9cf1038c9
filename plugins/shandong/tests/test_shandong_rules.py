"""Every Shandong rule met and not met; the prerequisite chain; revocation over events."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradient_rules_national
import gradient_rules_shandong
from gradient_rules import (
    ApplicationError,
    Engine,
    Outcome,
    OutOfValidityError,
    Tier,
    Verdict,
)
from gradient_rules.testing import (
    DELETE,
    RuleCase,
    assert_cases_cover,
    assert_citations_in_seeds,
    check_rule_case,
    patched,
)

ON = dt.date(2025, 6, 1)
ATTESTATIONS = ["competitive", "sound_operations_and_finances", "not_seriously_dishonest",
                "secure_and_controllable", "organisation_and_talent", "city_leading_role",
                "province_integration_leading", "national_integration_leading",
                "global_benchmark_ecosystem"]
SEGMENTS = ["factory_construction", "research_and_design", "production_operations",
            "production_management", "operations_management"]
CITY_BASIC = {"tier": "basic", "issuing_level": "city", "year": 2022}
PROVINCE_ADVANCED = {"tier": "advanced", "issuing_level": "province", "year": 2023}
CODE = "91370100MA3C5R8T28"

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
"""The official texts (shared/seeds, beside the repository)."""



def shandong_application() -> dict[str, Any]:
    """Meets every Shandong rule at every tier, holding city basic and province advanced."""
    return {
        "enterprise": {"name": "济南智造有限公司", "province": "shandong", "credit_code": CODE,
                       "independent_legal_person": True, "above_designated_size": True,
                       "industry": "machinery"},
        "dated": ON.isoformat(),
        "self_assessment": {"maturity_level": 4},
        "attestations": dict.fromkeys(ATTESTATIONS, True),
        "incidents": [],
        "events": [],
        "titles": [CITY_BASIC, PROVINCE_ADVANCED],
        "scenarios": [{"segment": s, "tier": "leading", "name": s} for s in SEGMENTS],
    }


DURABLE = Engine(plugins=[gradient_rules_national, gradient_rules_shandong])
REFERENCE = Engine(plugins=[gradient_rules_national, gradient_rules_shandong],
                   backend="reference")


def assess(app: dict[str, Any], engine: Engine = DURABLE, **kw: Any) -> Any:
    return engine.assess(app, jurisdiction="shandong", on=ON, **kw)


Case = RuleCase


MET, NOT, UNK = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
BRANCH = {"enterprise__independent_legal_person": False, "enterprise__is_branch": True}


def accident(kind: str, grade: str, when: str) -> dict[str, str]:
    return {"kind": kind, "grade": grade, "occurred_on": when}


CASES = [
    Case("SD-BASE-1", "basic", MET, "a legal person registered in Shandong"),
    Case("SD-BASE-1", "basic", NOT, "registered in Hebei", {"enterprise__province": "hebei"}),
    Case("SD-BASE-1", "advanced", MET, "a tobacco branch with a credit code",
         {**BRANCH, "enterprise__industry": "tobacco"}),
    Case("SD-BASE-1", "advanced", MET, "an automotive branch with a credit code",
         {**BRANCH, "enterprise__industry": "automotive"}),
    Case("SD-BASE-1", "advanced", UNK, "a machinery branch, its industry's special "
         "circumstances not attested (等 is illustrative)",
         {**BRANCH, "attestations__industry_special_circumstances": DELETE}),
    Case("SD-BASE-1", "advanced", MET, "a chemicals branch attesting special circumstances",
         {**BRANCH, "enterprise__industry": "chemicals",
          "attestations__industry_special_circumstances": True}),
    Case("SD-BASE-1", "advanced", NOT, "a machinery branch attesting no special circumstances",
         {**BRANCH, "attestations__industry_special_circumstances": False}),
    Case("SD-BASE-1", "excellent", UNK, "a petrochemical branch without a credit code",
         {**BRANCH, "enterprise__industry": "petrochemical", "enterprise__credit_code": DELETE}),
    Case("SD-BASE-1", "excellent", NOT, "neither a legal person nor a branch",
         {"enterprise__independent_legal_person": False, "enterprise__is_branch": False}),
    Case("SD-BASE-1", "leading", UNK, "legal-person status not stated",
         {"enterprise__independent_legal_person": DELETE}),
    Case("SD-BASE-2", "basic", MET, "no accidents"),
    Case("SD-BASE-2", "basic", NOT, "a major quality accident last year",
         {"incidents": [accident("quality", "major", "2024-08-01")]}),
    Case("SD-BASE-2", "advanced", MET, "a larger safety accident is below 重大",
         {"incidents": [accident("safety", "larger", "2024-08-01")]}),
    Case("SD-BASE-2", "advanced", NOT, "an especially major environmental accident",
         {"incidents": [accident("environmental", "especially_major", "2023-01-01")]}),
    Case("SD-BASE-2", "excellent", NOT, "on the seriously-dishonest list",
         {"attestations__not_seriously_dishonest": False}),
    Case("SD-BASE-2", "leading", UNK, "accidents not stated", {"incidents": DELETE}),
    Case("SD-BASE-3", "basic", MET, "security attested"),
    Case("SD-BASE-3", "basic", NOT, "security attested false",
         {"attestations__secure_and_controllable": False}),
    Case("SD-BASE-4", "advanced", MET, "organisation attested"),
    Case("SD-BASE-4", "advanced", NOT, "organisation attested false",
         {"attestations__organisation_and_talent": False}),
    Case("SD-BASE-5", "advanced", MET, "maturity 2 reaches advanced",
         {"self_assessment__maturity_level": 2}),
    Case("SD-BASE-5", "excellent", NOT, "maturity 2 misses excellent",
         {"self_assessment__maturity_level": 2}),
    Case("SD-COV-B", "basic", MET, "production operations covered"),
    Case("SD-COV-B", "basic", NOT, "only operations management",
         {"scenarios": [{"segment": "operations_management", "tier": "leading"}]}),
    Case("SD-COV-A", "advanced", MET, "PO, PM and OM covered"),
    Case("SD-COV-A", "advanced", NOT, "production management missing",
         {"scenarios": [{"segment": s, "tier": "leading", "name": s} for s in SEGMENTS
                        if s != "production_management"]}),
    Case("SD-COV-E", "excellent", MET, "all five covered"),
    Case("SD-COV-E", "excellent", NOT, "research and design missing (in principle)",
         {"scenarios": [{"segment": s, "tier": "leading", "name": s} for s in SEGMENTS
                        if s != "research_and_design"]}),
    Case("SD-COV-L", "leading", MET, "all five covered"),
    Case("SD-COV-L", "leading", NOT, "research and design missing",
         {"scenarios": [{"segment": s, "tier": "leading", "name": s} for s in SEGMENTS
                        if s != "research_and_design"]}),
    Case("SD-OUT-B", "basic", MET, "a leading role in the city"),
    Case("SD-OUT-B", "basic", NOT, "no leading role in the city",
         {"attestations__city_leading_role": False}),
    Case("SD-OUT-A", "advanced", MET, "integration and a leading role in the province"),
    Case("SD-OUT-A", "advanced", UNK, "provincial outcome not attested",
         {"attestations__province_integration_leading": DELETE}),
    Case("SD-OUT-A", "advanced", NOT, "no integration",
         {"attestations__province_integration_leading": False}),
    Case("SD-OUT-E", "excellent", MET, "national outcomes"),
    Case("SD-OUT-E", "excellent", NOT, "no national lead",
         {"attestations__national_integration_leading": False}),
    Case("SD-OUT-L", "leading", MET, "a global benchmark"),
    Case("SD-OUT-L", "leading", NOT, "no global benchmark",
         {"attestations__global_benchmark_ecosystem": False}),
    # the prerequisite chain
    Case("SD-PRE-A", "advanced", MET, "a city basic title held"),
    Case("SD-PRE-A", "advanced", NOT, "no title at all", {"titles": []}),
    Case("SD-PRE-A", "advanced", NOT, "the city basic title was revoked",
         {"titles": [{**CITY_BASIC, "status": "revoked"}, PROVINCE_ADVANCED]}),
    Case("SD-PRE-A", "advanced", NOT, "a basic title recognised by the province, not a city",
         {"titles": [{**CITY_BASIC, "issuing_level": "province"}]}),
    Case("SD-PRE-A", "advanced", UNK, "titles not stated", {"titles": DELETE}),
    Case("SD-PRE-EL", "excellent", MET, "a province advanced title held"),
    Case("SD-PRE-EL", "excellent", NOT, "only a city basic title", {"titles": [CITY_BASIC]}),
    Case("SD-PRE-EL", "leading", NOT, "an advanced title recognised by a city",
         {"titles": [CITY_BASIC, {**PROVINCE_ADVANCED, "issuing_level": "city"}]}),
    Case("SD-PRE-EL", "leading", NOT, "the advanced title revoked by a later terminated event",
         {"events": [{"kind": "terminated", "occurred_on": "2025-01-10"}]}),
    Case("SD-PRE-EL", "leading", MET, "an event before the title was recognised does not count",
         {"events": [{"kind": "penalty", "occurred_on": "2022-06-01", "title": 1}]}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.tier}-{c.why}")
def test_rule_outcome(case: Case) -> None:
    check_rule_case(case, (DURABLE, REFERENCE), shandong_application(), "shandong", ON)


PROVISION_TESTS: dict[str, tuple[str, str]] = {}


F = TypeVar("F", bound=Callable[..., Any])


def provision(rule_id: str, kind: str) -> Callable[[F], F]:
    """Record that ``fn`` tests ``rule_id`` applied, or absent."""
    def mark(fn: F) -> F:
        PROVISION_TESTS.setdefault(rule_id, ("", ""))
        applied, absent = PROVISION_TESTS[rule_id]
        PROVISION_TESTS[rule_id] = (fn.__name__, absent) if kind == "applied" else (applied,
                                                                                  fn.__name__)
        return fn
    return mark


def test_every_rule_and_provision_has_both_cases() -> None:
    pack = DURABLE.pack("shandong", on=ON)
    assert_cases_cover(pack.rules, CASES)
    for prov in pack.provisions:
        assert all(PROVISION_TESTS.get(prov.id, ("", ""))), f"{prov.id} lacks a test"


def test_every_citation_quotes_text_found_in_its_seed() -> None:
    pack = DURABLE.pack("shandong", on=ON)
    assert_citations_in_seeds(pack, SEEDS)
    seed = (SEEDS / "003_19823b8922961ac0.txt").read_text(encoding="utf-8")
    revoke = next(p for p in pack.provisions if p.id == "SD-REVOKE")
    for trigger in pack.revocation:
        assert trigger.clause.removeprefix("第十五条") + trigger.text_zh in seed
        assert trigger.text_zh in revoke.citation.text_zh


def test_tier_names_carry_shandongs_labels() -> None:
    labels = [t.label_zh for t in assess(shandong_application()).tiers]
    assert labels == ["基础级（市级）", "先进级（省级）", "卓越级", "领航级"]


# --- the prerequisite chain across the tiers ----------------------------------------------


@pytest.mark.parametrize("titles, expected", [
    ([], ("eligible", "not_eligible", "not_eligible", "not_eligible")),
    ([CITY_BASIC], ("eligible", "eligible", "not_eligible", "not_eligible")),
    ([CITY_BASIC, PROVINCE_ADVANCED], ("eligible", "eligible", "eligible", "eligible")),
    ([PROVINCE_ADVANCED], ("eligible", "not_eligible", "eligible", "eligible")),
    ([{**CITY_BASIC, "status": "revoked"}, {**PROVINCE_ADVANCED, "status": "revoked"}],
     ("eligible", "not_eligible", "not_eligible", "not_eligible")),
])
def test_the_prerequisite_chain_across_all_four_tiers(titles: list[dict[str, Any]],
                                                      expected: tuple[str, ...]) -> None:
    for engine in (DURABLE, REFERENCE):
        result = assess(patched(shandong_application(), titles=titles), engine)
        assert tuple(t.verdict.value for t in result.tiers) == expected


def test_a_refusal_by_prerequisite_names_the_clause() -> None:
    tier = assess(patched(shandong_application(), titles=[]), tier="advanced").tier("advanced")
    (gap,) = tier.gaps
    assert gap.rule_id == "SD-PRE-A" and gap.citation.clause == "第十二条"
    assert gap.citation.text_zh == "先进级（省级）智能工厂，应先认定为基础级（市级）智能工厂。"
    assert gap.action_zh == "先取得基础级（市级）智能工厂称号"


# --- revocation (SD-REVOKE) ----------------------------------------------------------------


@pytest.mark.parametrize("event, clause", [
    ({"kind": "false_information", "occurred_on": "2025-02-01"}, "第十五条（一）"),
    ({"kind": "terminated", "occurred_on": "2025-02-01"}, "第十五条（二）"),
    ({"kind": "monitoring_failed", "occurred_on": "2025-02-01"}, "第十五条（三）"),
    ({"kind": "accident", "accident_kind": "safety", "grade": "major",
      "occurred_on": "2025-02-01"}, "第十五条（四）"),
    ({"kind": "penalty", "occurred_on": "2025-02-01"}, "第十五条（五）"),
])
@provision("SD-REVOKE", "applied")
def test_each_trigger_revokes_a_title_with_its_clause(event: dict[str, Any],
                                                      clause: str) -> None:
    for engine in (DURABLE, REFERENCE):
        review = engine.review([CITY_BASIC, PROVINCE_ADVANCED], [event],
                               jurisdiction="shandong", on=ON)
        for title in review.titles:
            assert not title.standing
            assert [r.clause for r in title.revocations] == [clause]
            assert title.revocations[0].rule_id == "SD-REVOKE"


@pytest.mark.parametrize("event", [
    {"kind": "accident", "accident_kind": "quality", "grade": "larger",
     "occurred_on": "2025-02-01"},
    {"kind": "terminated", "occurred_on": "2021-12-31"},
])
@provision("SD-REVOKE", "absent")
def test_lesser_accidents_and_earlier_events_revoke_nothing(event: dict[str, Any]) -> None:
    for engine in (DURABLE, REFERENCE):
        review = engine.review([CITY_BASIC], [event], jurisdiction="shandong", on=ON)
        assert review.titles[0].standing and review.titles[0].revocations == ()


def test_an_event_naming_one_title_revokes_only_that_title() -> None:
    event = {"kind": "monitoring_failed", "occurred_on": "2025-02-01", "title": 1}
    for engine in (DURABLE, REFERENCE):
        review = engine.review([CITY_BASIC, PROVINCE_ADVANCED], [event],
                               jurisdiction="shandong", on=ON)
        assert [t.standing for t in review.titles] == [True, False]


def test_a_declared_major_accident_revokes_titles_and_the_prerequisite_falls() -> None:
    app = patched(shandong_application(),
                  incidents=[accident("quality", "major", "2025-03-12")])
    result = assess(app)
    assert [t.standing for t in result.titles] == [False, False]
    assert result.titles[1].revocations[0].event.value == "accident"
    excellent = result.tier("excellent")
    assert excellent.finding("SD-PRE-EL").outcome is NOT
    assert "第十五条（四）" in excellent.finding("SD-PRE-EL").message_zh


TITLE = st.fixed_dictionaries({
    "tier": st.sampled_from(["basic", "advanced", "excellent", "leading"]),
    "issuing_level": st.sampled_from(["city", "province", "national"]),
    "year": st.integers(2020, 2025),
    "status": st.sampled_from(["valid", "valid", "revoked"]),
})
EVENT = st.one_of(
    st.fixed_dictionaries({
        "kind": st.sampled_from(["false_information", "terminated", "monitoring_failed",
                                 "penalty"]),
        "occurred_on": st.dates(dt.date(2020, 1, 1), ON).map(dt.date.isoformat)}),
    st.fixed_dictionaries({
        "kind": st.just("accident"),
        "accident_kind": st.sampled_from(["safety", "environmental", "quality"]),
        "grade": st.sampled_from(["general", "larger", "major", "especially_major"]),
        "occurred_on": st.dates(dt.date(2020, 1, 1), ON).map(dt.date.isoformat)}),
)
PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200)


@PROPS
@given(titles=st.lists(TITLE, max_size=4), events=st.lists(EVENT, max_size=3), extra=EVENT)
def test_an_event_never_un_revokes_a_title(titles: list[dict[str, Any]],
                                           events: list[dict[str, Any]],
                                           extra: dict[str, Any]) -> None:
    before = DURABLE.review(titles, events, jurisdiction="shandong", on=ON)
    after = DURABLE.review(titles, [*events, extra], jurisdiction="shandong", on=ON)
    for b, a in zip(before.titles, after.titles, strict=True):
        assert a.standing <= b.standing
    reference = REFERENCE.review(titles, [*events, extra], jurisdiction="shandong", on=ON)
    assert reference == after


@PROPS
@given(titles=st.lists(TITLE, max_size=3), extra=TITLE, events=st.lists(EVENT, max_size=2))
def test_holding_more_titles_never_turns_eligible_into_not_eligible(
        titles: list[dict[str, Any]], extra: dict[str, Any],
        events: list[dict[str, Any]]) -> None:
    app = patched(shandong_application(), titles=titles, events=events)
    before = assess(app)
    after = assess(patched(app, titles=[*titles, extra]))
    for tier in Tier.ordered():
        if before.tier(tier).verdict is Verdict.ELIGIBLE:
            assert after.tier(tier).verdict is Verdict.ELIGIBLE
    assert assess(patched(app, titles=[*titles, extra]), REFERENCE).model_dump(
        exclude={"backend"}) == after.model_dump(exclude={"backend"})


def test_the_branch_route_agrees_on_every_combination_of_inputs() -> None:
    # Exhaustive over legal person x branch x industry x credit code x the special-
    # circumstances attestation (stated or not): 162 applications, both backends.
    options = {
        "enterprise__independent_legal_person": [True, False, DELETE],
        "enterprise__is_branch": [True, False, DELETE],
        "enterprise__industry": ["tobacco", "machinery", DELETE],
        "enterprise__credit_code": [CODE, DELETE],
        "attestations__industry_special_circumstances": [True, False, DELETE],
    }
    seen = set()
    for combo in itertools.product(*options.values()):
        app = patched(shandong_application(), **dict(zip(options, combo, strict=True)))
        outcomes = [assess(app, engine, tier="basic").tier("basic").finding("SD-BASE-1").outcome
                    for engine in (DURABLE, REFERENCE)]
        assert outcomes[0] is outcomes[1], combo
        person, branch, industry, code, special = combo
        eligible = industry == "tobacco" or (industry == "machinery" and special is True)
        refused = industry == "machinery" and special is False
        if person is True or (branch is True and eligible and code == CODE):
            assert outcomes[0] is MET, combo
        elif person is False and (branch is False or refused):
            assert outcomes[0] is NOT, combo
        else:
            assert outcomes[0] is UNK, combo
        seen.add(outcomes[0])
    assert seen == {MET, NOT, UNK}


def test_a_chemicals_branch_is_unknown_and_told_what_to_attest() -> None:
    app = patched(shandong_application(), enterprise__independent_legal_person=False,
                  enterprise__is_branch=True, enterprise__industry="化工",
                  attestations__industry_special_circumstances=DELETE)
    finding = assess(app, tier="advanced").tier("advanced").finding("SD-BASE-1")
    assert finding.outcome is UNK
    assert "化工不在列举行业中，行业特殊情况：未填写" in finding.message_zh
    assert "industry_special_circumstances" in finding.action_en


# --- provisions, validity, routes ----------------------------------------------------------


@provision("SD-VALID", "applied")
def test_the_last_day_of_validity_is_assessed() -> None:
    result = DURABLE.assess(shandong_application(), jurisdiction="shandong",
                            on=dt.date(2027, 12, 31))
    assert result.pack_status.value == "draft_for_review"


@provision("SD-VALID", "absent")
def test_a_date_after_2027_is_a_clear_error() -> None:
    with pytest.raises(OutOfValidityError, match=r"2028-01-01 is outside the validity of every "
                                                 r"'shandong' rule pack \(2024: 2024-10-29 to "
                                                 r"2027-12-31\)"):
        DURABLE.assess(shandong_application(), jurisdiction="shandong", on=dt.date(2028, 1, 1))


@provision("SD-ANNUAL", "applied")
def test_excellent_and_leading_carry_the_annual_notice() -> None:
    result = assess(shandong_application())
    for tier in ("excellent", "leading"):
        assert [w.rule_id for w in result.tier(tier).warnings] == ["SD-ANNUAL"]


@provision("SD-ANNUAL", "absent")
def test_basic_and_advanced_do_not_carry_the_annual_notice() -> None:
    result = assess(shandong_application())
    assert result.tier("basic").warnings == () and result.tier("advanced").warnings == ()


@provision("SD-AUTH", "applied")
def test_routes_name_the_city_and_the_province() -> None:
    result = assess(shandong_application())
    basic, advanced = result.tier("basic").route, result.tier("advanced").route
    assert basic is not None and "报省工业和信息化厅备案" in basic.authority_zh
    assert advanced is not None and "初审并推荐" in advanced.authority_zh
    assert basic.rule_id == advanced.rule_id == "SD-AUTH"


@provision("SD-AUTH", "absent")
def test_a_tier_not_assessed_has_no_route() -> None:
    result = assess(shandong_application(), tier="basic")
    with pytest.raises(KeyError):
        result.tier("advanced")


@provision("SD-SCENE", "applied")
@provision("SD-RENAME", "applied")
def test_informational_provisions_are_listed_with_their_clauses() -> None:
    pack = DURABLE.pack("shandong", on=ON)
    info = {p.id: p for p in pack.provisions if p.applies_as == "informational"}
    assert set(info) == {"SD-SCENE", "SD-RENAME"}
    assert info["SD-SCENE"].citation.clause == "第十条"
    assert info["SD-RENAME"].citation.clause == "第十六条"


@provision("SD-SCENE", "absent")
@provision("SD-RENAME", "absent")
def test_informational_provisions_never_touch_a_verdict() -> None:
    result = assess(shandong_application())
    ids = {f.rule_id for t in result.tiers for f in t.findings} | {
        w.rule_id for t in result.tiers for w in t.warnings}
    assert not ids & {"SD-SCENE", "SD-RENAME"}


# --- bad input and the consistency check ---------------------------------------------------


@pytest.mark.parametrize("changes, field, fragment", [
    ({"enterprise__credit_code": "91370100MA3C5R8T29"}, "enterprise.credit_code",
     "not a valid unified social credit code (GB 32100-2015): the number's checksum"),
    ({"enterprise__credit_code": "9137010"}, "enterprise.credit_code", "invalid length"),
    ({"enterprise__industry": "tabacco"}, "enterprise.industry", "'tobacco'"),
    ({"titles": [{**CITY_BASIC, "year": 2026}]}, "titles[0].year", "after the year"),
    ({"titles": [{**CITY_BASIC, "year": 2025, "recognised_on": "2025-06-02"}]},
     "titles[0].recognised_on", "after the evaluation date"),
    ({"events": [{"kind": "terminated", "occurred_on": "2025-07-01"}]},
     "events[0].occurred_on", "after the evaluation date"),
    ({"events": [{"kind": "accident", "occurred_on": "2025-01-01"}]}, "events[0]",
     "needs `accident_kind` and `grade`"),
])
def test_bad_shandong_input_names_the_field(changes: dict[str, Any], field: str,
                                            fragment: str) -> None:
    with pytest.raises(ApplicationError) as info:
        assess(patched(shandong_application(), **changes))
    (problem,) = info.value.problems
    assert problem[0] == field and fragment in problem[1], problem


def test_the_consistency_check_reports_how_sd_base_2_differs_from_nat_base_2() -> None:
    checks = {c.rule_id: c for c in DURABLE.consistency("shandong")}
    base2 = checks["SD-BASE-2"]
    assert base2.relation.value == "replaces" and base2.consistent
    found = {(d.direction, d.message) for d in base2.differences}
    assert ("stricter", "also counts quality accidents") in found
    assert ("looser", "counts accidents from grade major (重大) instead of larger (较大)") in found
    assert all(c.consistent for c in checks.values())
    assert checks["SD-BASE-3"].differences == ()
