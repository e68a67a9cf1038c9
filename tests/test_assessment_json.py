"""``Assessment.model_dump_json()`` put together from each shared tier's and finding's kept JSON.

It must give pydantic's text byte for byte, on both backends and every generated
jurisdiction; options go to pydantic; kept JSON never outlives its finding or tier.
"""

from __future__ import annotations

import gc
import json
import weakref

import generate
import orjson
import pytest
from grtest import ON, leading_application
from pydantic import BaseModel

from gradient_rules import Assessment, Engine
from gradient_rules import _assessment as assessment_module


@pytest.mark.parametrize("jurisdiction", sorted(generate.GENERATORS))
def test_the_json_is_pydantics_byte_for_byte(provinces: Engine, jurisdiction: str) -> None:
    on = generate.GENERATORS[jurisdiction][1]
    for app in generate.applications(jurisdiction, 120, seed=11):
        assessment = provinces.assess(app, jurisdiction=jurisdiction, on=on)
        text = assessment.model_dump_json()
        assert text == BaseModel.model_dump_json(assessment)
        assert Assessment.model_validate_json(text) == assessment


def test_options_go_to_pydantic(national: object) -> None:
    assessment = Engine(plugins=[national]).assess(leading_application(), jurisdiction="national",
                                                   on=ON)
    assert assessment.model_dump_json(indent=2) == BaseModel.model_dump_json(assessment, indent=2)
    trimmed = json.loads(assessment.model_dump_json(exclude={"tiers"}))
    assert "tiers" not in trimmed and trimmed["enterprise"] == assessment.enterprise


def test_kept_json_goes_with_its_finding_or_tier(national: object) -> None:
    engine = Engine(plugins=[national])
    assessment = engine.assess(leading_application(), jurisdiction="national", on=ON)
    assessment.model_dump_json()
    kept = {id(f) for t in assessment.tiers for f in t.findings} | {id(t) for t in assessment.tiers}
    assert kept <= set(assessment_module._KEPT_JSON)
    engine.scope("national", on=ON).forget_reused()
    del assessment, engine
    gc.collect()
    assert not kept & set(assessment_module._KEPT_JSON)


def test_an_entry_left_for_another_object_at_the_address_is_not_used(national: object) -> None:
    # Were an entry to outlive its finding, and a new finding get the same address, the
    # entry's reference (to another object) keeps its JSON from being served.
    assessment = Engine(plugins=[national]).assess(leading_application(),
                                                   jurisdiction="national", on=ON)
    one, other = assessment.tiers[0].findings[0], assessment.tiers[-1].findings[-1]
    wrong = orjson.Fragment(b'{"stale":true}')
    assessment_module._KEPT_JSON[id(other)] = (weakref.ref(one), wrong)
    got = assessment_module._kept_json(other, assessment_module._finding_json)
    assert got is not wrong
    assert orjson.dumps(got).decode() == BaseModel.model_dump_json(other)
    tier = assessment.tiers[-1]
    assessment_module._KEPT_JSON[id(tier)] = (weakref.ref(one), wrong)
    assert assessment.model_dump_json() == BaseModel.model_dump_json(assessment)


def test_built_models_are_model_construct_without_the_defaults() -> None:
    values = {"authority_zh": "省工信厅", "authority_en": "the provincial MIIT office",
              "rule_id": "X-1"}
    made = assessment_module.built(assessment_module.Route, **values)
    constructed = assessment_module.Route.model_construct(
        authority_zh=values["authority_zh"], authority_en=values["authority_en"],
        rule_id=values["rule_id"])
    assert made == constructed == assessment_module.Route(**values)
    assert made.model_fields_set == constructed.model_fields_set == set(values)
    assert made.model_dump_json() == constructed.model_dump_json()
    assert made.model_copy(update={"rule_id": "X-2"}).rule_id == "X-2"
    with pytest.raises(TypeError, match=r"Route: missing \['rule_id'\], unknown \[\]"):
        assessment_module.built(assessment_module.Route, authority_zh="a", authority_en="b")
    with pytest.raises(TypeError, match=r"unknown \['extra'\]"):
        assessment_module.built(assessment_module.Route, **values, extra=1)
