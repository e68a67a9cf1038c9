"""Models the engine builds from its own values, set without validation (compiled, D41)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["built", "rebuilt"]

_M = TypeVar("_M", bound=BaseModel)


def built(cls: type[_M], **values: Any) -> _M:
    """``cls.model_construct(**values)`` for results the engine builds, every field given.

    Findings and tier assessments are made from the engine's own values, so they are not
    validated again (their types are checked by mypy and the suite's round trips).
    pydantic's ``model_construct`` looks at every field for aliases and defaults; here every
    field is given, so they are set directly, in about a third of the time.  A missing or
    unknown field is a ``TypeError``: no default is ever filled in silently.
    """
    if values.keys() != cls.__pydantic_fields__.keys():
        given, fields = set(values), set(cls.__pydantic_fields__)
        raise TypeError(f"{cls.__name__}: missing {sorted(fields - given)}, "
                        f"unknown {sorted(given - fields)}")
    return _set(cls, values)


def rebuilt(cls: type[_M], fields: tuple[str, ...], values: tuple[Any, ...]) -> _M:
    """A model of ``cls`` made again from the values of its ``fields``, read off one built.

    ``fields`` is every field of ``cls``, in order, and ``values`` theirs, as a worker
    process sends an engine-built model back (a tuple pickles in a third of a model's
    time); no field is checked, as for :func:`built`.
    """
    return _set(cls, dict(zip(fields, values, strict=True)))


def _set(cls: type[_M], values: dict[str, Any]) -> _M:
    """A model of ``cls`` holding ``values``, every field set, as ``model_construct`` sets it."""
    model = cls.__new__(cls)
    setter = object.__setattr__
    setter(model, "__dict__", values)
    setter(model, "__pydantic_fields_set__", set(values))
    setter(model, "__pydantic_extra__", None)
    setter(model, "__pydantic_private__", None)
    return model
