"""JSON Schemas of an application, general or for one jurisdiction (and call).

For a scope the schema enumerates what that scope reads: its attestation names (with their
wording), its scenario catalog's ids or its scenario guide's 环节, its KPI ids, its call's
materials, and the provinces as the place vocabulary accepts them, so a portal can check a
form before submitting it.  ``$id`` names the jurisdiction and call as a URN.
"""

from __future__ import annotations

from typing import Any

from ._application import Application
from ._places import PROVINCES
from ._scope import Scope

__all__ = ["application_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def application_schema(scope: Scope | None = None) -> dict[str, Any]:
    """The application's JSON Schema; with ``scope``, its names enumerated."""
    schema: dict[str, Any] = {"$schema": DIALECT, **Application.model_json_schema()}
    if scope is None:
        schema["$id"] = "urn:gradient-rules:application"
        return schema
    code = scope.jurisdiction.code
    schema["$id"] = f"urn:gradient-rules:application:{code}" + (
        f":{scope.call.id}" if scope.call else "")
    schema["title"] = f"Application ({code}" + (f", call {scope.call.id})" if scope.call
                                               else ")")
    properties = schema["properties"]
    defs = schema["$defs"]

    names = [name for p in PROVINCES for name in (p.code, p.name_zh, p.short_zh, p.name_en)]
    province = defs["Enterprise"]["properties"]["province"]
    province["anyOf"] = [{"type": "string", "enum": names}, {"type": "null"}]

    attestations = properties["attestations"]
    attestations.pop("additionalProperties", None)
    attestations["properties"] = {
        name: {"type": "boolean", "description": f"{text.zh} / {text.en}"}
        for name, text in sorted(scope.attestations.items())}
    attestations["additionalProperties"] = False

    claim = defs["ScenarioClaim"]["properties"]
    if scope.catalog is not None:
        claim["id"]["anyOf"] = [{"type": "string",
                                 "enum": [row.id for row in scope.catalog.scenarios]},
                                {"type": "null"}]
    guide = [*scope.guide_segments, *scope.guide_segments_unmapped]
    claim["guide_segment"]["anyOf"] = [{"type": "string", "enum": guide}, {"type": "null"}]

    properties["kpis"] = _nullable({
        "type": "object", "additionalProperties": False,
        "properties": {kpi.id: {"type": "number", "description": f"{kpi.name_zh} ({kpi.unit})"}
                       for kpi in scope.kpis}})
    if scope.materials:
        properties["materials"] = _nullable({
            "type": "array", "uniqueItems": True,
            "items": {"type": "string", "enum": [m.id for m in scope.materials]},
            "description": "; ".join(f"{m.id}: {m.name_zh}" for m in scope.materials)})
    return schema
