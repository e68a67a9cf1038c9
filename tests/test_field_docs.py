"""Field descriptions come from attribute docstrings when a JSON schema is generated.

The models no longer have pydantic copy the docstrings at class creation (it parsed each
class's source during ``import gradient_rules``); ``describe_fields`` reads them when a schema
is asked for.  These tests pin that the schemas say what the docstrings say.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field
from pydantic._internal._docs_extraction import extract_docstrings_from_cls

import gradient_rules
from gradient_rules._docstrings import attribute_docstrings, describe_fields


def _package_models() -> list[type[BaseModel]]:
    for module in pkgutil.iter_modules(gradient_rules.__path__):
        importlib.import_module(f"gradient_rules.{module.name}")

    def below(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted({c for c in below(BaseModel)
                   if c.__module__.startswith("gradient_rules.") and "[" not in c.__name__},
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _expected(cls: type[BaseModel], name: str) -> str | None:
    """What pydantic's own docstring reading gives: the class that declares the field."""
    for klass in cls.__mro__:
        if name in vars(klass).get("__annotations__", {}):
            return extract_docstrings_from_cls(klass, use_inspect=True).get(name)
    return None


def test_every_documented_field_of_every_model_is_described_in_its_schema() -> None:
    models = _package_models()
    assert len(models) > 50
    described = 0
    for model in models:
        schema = model.model_json_schema()
        properties: dict[str, Any] = schema.get("properties", {})
        for name in model.model_fields:
            want = _expected(model, name)
            got = properties.get(name, {}).get("description")
            if want is not None:
                assert got == want, f"{model.__qualname__}.{name}"
                described += 1
    assert described > 300


def test_no_model_reads_its_source_at_import() -> None:
    for model in _package_models():
        assert not model.model_config.get("use_attribute_docstrings"), model.__qualname__


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, json_schema_extra=describe_fields)

    plain: int
    """Documented in the base."""
    explicit: int = Field(0, description="Given explicitly.")
    """Not this one."""
    undocumented: int = 0


class _Child(_Base):
    extra: str = ""
    """Documented in the child,
        over two lines."""


class _Redeclared(_Base):
    plain: int = 0  # redeclared without a docstring: pydantic gives it no description


class _Nested(BaseModel):
    model_config = ConfigDict(json_schema_extra=describe_fields)

    child: _Child
    """A nested model."""


def test_a_schema_carries_own_inherited_and_explicit_descriptions() -> None:
    properties = _Child.model_json_schema()["properties"]
    assert properties["plain"]["description"] == "Documented in the base."
    assert properties["explicit"]["description"] == "Given explicitly."
    assert "description" not in properties["undocumented"]
    assert properties["extra"]["description"] == "Documented in the child,\nover two lines."
    assert "description" not in _Redeclared.model_json_schema()["properties"]["plain"]
    nested = _Nested.model_json_schema()
    assert nested["properties"]["child"]["description"] == "A nested model."
    assert nested["$defs"]["_Child"]["properties"]["plain"]["description"] == (
        "Documented in the base.")


def test_the_same_as_pydantics_own_reading() -> None:
    class Read(BaseModel):
        model_config = ConfigDict(use_attribute_docstrings=True)

        plain: int
        """Documented in the base."""
        explicit: int = Field(0, description="Given explicitly.")
        """Not this one."""
        undocumented: int = 0

    assert Read.model_json_schema()["properties"] == _Base.model_json_schema()["properties"]


def test_a_class_without_source_has_no_docstrings() -> None:
    made = pydantic.create_model("Made", value=(int, 0))
    assert attribute_docstrings(made) == {}
    assert "description" not in made.model_json_schema()["properties"]["value"]
