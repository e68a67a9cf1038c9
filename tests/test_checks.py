"""The static checks: each seeded fault is reported, and the shipped plugins check clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from grplugin import PACK, RULES, Plugin, make_jurisdiction

from gradient_rules import CheckFinding, Engine, PluginError, Severity
from gradient_rules._cli import cli

NOTE = 'citation = { document = "measures", clause = "第五条", text_zh = "条文" }\n'


def rule(rule_id: str, tiers: str, condition: str, relation: str = "adds",
         extra: str = "") -> str:
    return (f'[[rules]]\nid = "{rule_id}"\ntitle_en = "t"\ntitle_zh = "t"\ntiers = {tiers}\n'
            f'relation = "{relation}"\n{extra}{NOTE}condition = {condition}\n\n')


def load(tmp_path: Path, national: Any, rules: str, pack: str = PACK) -> Engine:
    return Engine(plugins=[national, Plugin("testprov", make_jurisdiction(
        tmp_path, rules=rules, pack=pack))])


def refusal(tmp_path: Path, national: Any, rules: str, pack: str = PACK) -> str:
    with pytest.raises(PluginError) as caught:
        load(tmp_path, national, rules, pack)
    return str(caught.value)


def own(engine: Engine, check: str) -> list[CheckFinding]:
    return [f for f in engine.findings("testprov") if f.check == check]


def test_the_shipped_plugins_check_clean_and_their_warnings_are_accepted() -> None:
    engine = Engine.from_installed()
    assert engine.problems == ()
    findings = engine.findings()
    assert findings, "the shipped texts have documented properties (D18)"
    assert {f.severity for f in findings} == {Severity.ACCEPTED}
    assert all(f.accepted_because and "D18" in f.accepted_because for f in findings)


def test_an_inverted_threshold_within_a_rule_refuses_the_pack(tmp_path: Path,
                                                              national: Any) -> None:
    rules = RULES + rule("TP-LVL-1", '["basic", "advanced"]',
                         '{ kind = "min_level", field = "digital_transformation_level", '
                         'minimum = { basic = 3, advanced = 2 } }')
    message = refusal(tmp_path, national, rules)
    assert "[tier-order] digital_transformation_level: advanced asks 2 (TP-LVL-1), less " \
           "than basic's 3 (TP-LVL-1)" in message


def test_an_inverted_count_across_rules_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    rules = (RULES + rule("TP-CNT-B", '["basic"]', '{ kind = "scenario_count", minimum = 10 }')
             + rule("TP-CNT-A", '["advanced"]', '{ kind = "scenario_count", minimum = 5 }'))
    message = refusal(tmp_path, national, rules)
    assert "[tier-order] scenario count: advanced asks 5 (TP-CNT-A), less than basic's 10 " \
           "(TP-CNT-B)" in message


def test_a_count_a_higher_tier_leaves_out_is_a_warning_not_a_refusal(tmp_path: Path,
                                                                    national: Any) -> None:
    rules = RULES + rule("TP-CNT-B", '["basic"]', '{ kind = "scenario_count", minimum = 5 }')
    engine = load(tmp_path, national, rules)
    messages = [f.message for f in own(engine, "tier-order")]
    assert any("scenario count: advanced asks no count" in m for m in messages), messages
    assert {f.severity for f in own(engine, "tier-order")} == {Severity.WARNING}


def test_a_prerequisite_cycle_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    rules = (RULES
             + rule("TP-PRE-B", '["basic"]', '{ kind = "title_held", tier = "advanced", '
                    'issuing_level = "province", label_zh = "先进级" }')
             + rule("TP-PRE-A", '["advanced"]', '{ kind = "title_held", tier = "basic", '
                    'issuing_level = "city", label_zh = "基础级" }'))
    message = refusal(tmp_path, national, rules)
    assert "[prerequisite] title prerequisites form a cycle" in message
    assert "TP-PRE-A" in message and "TP-PRE-B" in message


def test_a_dangling_adoption_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    message = refusal(tmp_path, national, RULES.replace('"NAT-BASE-3"', '"NAT-BASE-33"'))
    assert "TP-BASE-2 relates to NAT-BASE-33, not a rule of 'national'" in message


def test_an_adoption_on_other_tiers_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    # Meant NAT-COV-B (basic), pointed at NAT-COV-A (advanced).
    rules = RULES + ('[[rules]]\nid = "TP-COV-B"\ntitle_en = "c"\ntitle_zh = "c"\n'
                     'tiers = ["basic"]\nrelation = "adopts"\nrelates_to = ["NAT-COV-A"]\n'
                     + NOTE)
    message = refusal(tmp_path, national, rules)
    assert "[relation-tiers] TP-COV-B adopts NAT-COV-A (advanced) but applies to basic" \
           in message


def test_every_national_rule_left_unmentioned_is_reported_until_dropped(
        tmp_path: Path, national: Any) -> None:
    engine = load(tmp_path, national, RULES)
    unmentioned = {f.rules[0] for f in own(engine, "unrelated-base")}
    national_ids = {r.id for r in engine.pack("national").rules}
    assert unmentioned == national_ids - {"NAT-BASE-5", "NAT-BASE-3"}
    assert all(f.severity is Severity.WARNING for f in own(engine, "unrelated-base"))
    drops = PACK + ('[[drops]]\nrules = ' + json.dumps(sorted(unmentioned)) + '\n'
                    'citation = { document = "measures", clause = "第三条", text_zh = "条文" }\n'
                    'reason_en = "the province states its own conditions"\n')
    dropped = Engine(plugins=[national, Plugin("testprov", make_jurisdiction(
        tmp_path / "again", rules=RULES, pack=drops))])
    assert own(dropped, "unrelated-base") == []


def test_dropping_a_rule_the_base_does_not_have_refuses_the_pack(tmp_path: Path,
                                                                national: Any) -> None:
    pack = PACK + ('[[drops]]\nrules = ["NAT-NONE"]\n'
                   'citation = { document = "measures", clause = "第三条", text_zh = "条文" }\n'
                   'reason_en = "x"\n')
    assert "[drops] drops[0] names NAT-NONE, not a rule of national:2024" in refusal(
        tmp_path, national, RULES, pack)


def test_a_rule_no_application_can_meet_refuses_the_pack(tmp_path: Path, national: Any) -> None:
    rules = RULES + rule("TP-CNT-L", '["leading"]', '{ kind = "scenario_count", minimum = 500 }')
    assert "[never-met] TP-CNT-L asks 500 scenarios at leading; at most 200 can be counted" \
        in refusal(tmp_path, national, rules)


def test_a_rule_no_application_can_fail_is_a_warning(tmp_path: Path, national: Any) -> None:
    rules = RULES + rule("TP-CNT-B", '["basic", "advanced", "excellent", "leading"]',
                         '{ kind = "scenario_count", minimum = 0 }')
    found = own(load(tmp_path, national, rules), "never-fails")
    assert [f.message for f in found][:1] == ["TP-CNT-B asks 0 scenarios at basic"]


def test_an_accepted_entry_that_matches_nothing_is_itself_a_warning(tmp_path: Path,
                                                                   national: Any) -> None:
    pack = PACK + ('[[accepted]]\ncheck = "tier-order"\nrules = ["TP-NONE"]\n'
                   'reason = "x"\n')
    found = own(load(tmp_path, national, RULES, pack), "accepted")
    assert [f.message for f in found] == ["accepted[0] (tier-order) matches no warning; "
                                          "remove it"]


def test_check_command_is_clean_on_the_shipped_plugins_and_names_unknown_ones() -> None:
    clean = CliRunner().invoke(cli, ["check", "--format", "json"])
    assert clean.exit_code == 0, clean.output
    report = json.loads(clean.output)
    assert report["errors"] == report["warnings"] == 0
    assert report["jurisdictions"] == ["guizhou", "national", "shandong", "shanxi"]
    unknown = CliRunner().invoke(cli, ["check", "zhejiang"])
    assert unknown.exit_code == 2
    assert "unknown jurisdiction zhejiang" in unknown.output


def test_check_properties_runs_the_invariants_on_generated_applications() -> None:
    result = CliRunner().invoke(cli, ["check", "guizhou", "--properties", "5", "--format",
                                      "json"])
    assert result.exit_code == 0, result.output
    found = [f for f in json.loads(result.output)["findings"] if f["check"] == "properties"]
    assert [f["source"] for f in found] == ["guizhou"]
    assert "every invariant held on 5 generated applications" in found[0]["message"]
