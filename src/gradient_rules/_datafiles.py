"""Read a jurisdiction's TOML data files into validated packs; errors name plugin, file, key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._calls import Call
from ._errors import ApplicationError, DataFileError
from ._kinds import ConditionKinds
from ._limits import PLUGIN_FILE_BYTES, walk
from ._loading import read_bytes
from ._rulepack import JurisdictionInfo, RulePack
from ._rules import DataModel

__all__ = ["JurisdictionData", "load_call", "load_jurisdiction", "load_pack"]

CALLS_DIRECTORY = "calls"


@dataclass(frozen=True)
class JurisdictionData:
    """One jurisdiction as read from its data directory."""

    info: JurisdictionInfo
    packs: tuple[RulePack, ...]
    """Its conditions, one pack per edition (none when it uses its base's)."""
    calls: tuple[Call, ...]
    """Its calls, from ``calls/<id>.toml``."""


def _read_toml(file: Traversable, label: str, plugin: str) -> dict[str, Any]:
    """A plugin's TOML file, read as untrusted data: size, encoding and nesting bounded."""
    try:
        if isinstance(file, Path):  # a regular file only: never wait on a FIFO or a device
            data = read_bytes(file, limit=PLUGIN_FILE_BYTES)
        else:  # inside a zip or another resource reader
            with file.open("rb") as handle:
                data = handle.read(PLUGIN_FILE_BYTES + 1)
    except ApplicationError as error:
        raise DataFileError(label, "", error.problems[0][1], plugin=plugin) from None
    except FileNotFoundError:
        raise DataFileError(label, "", "file is missing", plugin=plugin) from None
    except OSError as error:
        raise DataFileError(label, "", f"cannot be read: {error}", plugin=plugin) from None
    if len(data) > PLUGIN_FILE_BYTES:
        raise DataFileError(label, "", f"larger than {PLUGIN_FILE_BYTES:,} bytes",
                            plugin=plugin)
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise DataFileError(label, "", f"not UTF-8 (byte {error.start})",
                            plugin=plugin) from None
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(label, "", f"not valid TOML: {error}", plugin=plugin) from None
    except RecursionError:
        raise DataFileError(label, "", "nested too deeply", plugin=plugin) from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise DataFileError(label, "", f"a value cannot be read: {str(error)[:120]}",
                            plugin=plugin) from None
    problems = walk(parsed)
    if problems:
        path, message, _ = problems[0]
        raise DataFileError(label, path, message, plugin=plugin)
    return parsed


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validate(model: type[DataModel], data: Any, label: str, plugin: str, kinds: ConditionKinds,
              prefix: str = "") -> Any:
    try:
        return model.model_validate(data, context={"condition_kinds": kinds})
    except RecursionError:
        raise DataFileError(label, prefix, "nested too deeply", plugin=plugin) from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = _key_path(tuple(first["loc"]))
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = _clean(str(first["msg"]))
        if first["type"] == "extra_forbidden":
            message = "unknown key; see docs/data-files.md for the keys this file takes"
        raise DataFileError(label, key, message + more, plugin=plugin) from None


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _file_of(key: str) -> str:
    return {"rules": "rules.toml", "provisions": "rules.toml", "kpis": "kpis.toml",
            "catalog": "catalog.toml"}.get(key, "pack.toml")


def load_pack(directory: Traversable, info: JurisdictionInfo, kinds: ConditionKinds,
              *, plugin: str) -> RulePack:
    """Load one pack directory."""
    where = f"{info.code}/{directory.name}"
    pack_data = _read_toml(directory / "pack.toml", f"{where}/pack.toml", plugin)
    rules_data = _read_toml(directory / "rules.toml", f"{where}/rules.toml", plugin)
    data: dict[str, Any] = {"jurisdiction": info, "version": directory.name}
    for key in ("jurisdiction", "version"):
        if key in pack_data:
            raise DataFileError(f"{where}/pack.toml", key,
                                "set in jurisdiction.toml and by the directory name", plugin=plugin)
    data.update(pack_data)
    for key in ("rules", "provisions"):
        if key in rules_data:
            data[key] = rules_data.pop(key)
    for key in rules_data:
        raise DataFileError(f"{where}/rules.toml", key,
                            "unknown key; rules.toml takes [[rules]] and [[provisions]]",
                            plugin=plugin)
    kpi_file = directory / "kpis.toml"
    if kpi_file.is_file():
        kpi_data = _read_toml(kpi_file, f"{where}/kpis.toml", plugin)
        data["kpis"] = kpi_data.get("kpis", [])
    catalog_file = directory / "catalog.toml"
    if catalog_file.is_file():
        data["catalog"] = _read_toml(catalog_file, f"{where}/catalog.toml", plugin)
    try:
        pack: RulePack = RulePack.model_validate(data, context={"condition_kinds": kinds})
    except RecursionError:
        raise DataFileError(f"{where}/rules.toml", "", "nested too deeply",
                            plugin=plugin) from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        file = _file_of(str(loc[0])) if loc else "pack.toml"
        key = _key_path(loc[1:] if file == "catalog.toml" else loc)
        message = _clean(str(first["msg"]))
        addressed = re.match(r"^((rules|provisions)\[\d+\]): (.*)$", message, re.S)
        if not loc and addressed:  # a cross-check naming one rule
            file, key, message = "rules.toml", addressed.group(1), addressed.group(3)
        if first["type"] == "extra_forbidden":
            message = "unknown key; see docs/data-files.md for the keys this file takes"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise DataFileError(f"{where}/{file}", key, message + more, plugin=plugin) from None
    return pack


def load_call(file: Traversable, info: JurisdictionInfo, kinds: ConditionKinds,
              *, plugin: str) -> Call:
    """Load one call file, ``calls/<id>.toml``; its rules default to the call's tiers."""
    label = f"{info.code}/{CALLS_DIRECTORY}/{file.name}"
    data = _read_toml(file, label, plugin)
    for key in ("id", "jurisdiction"):
        if key in data:
            raise DataFileError(label, key, "set by the file name and jurisdiction.toml",
                                plugin=plugin)
    data = {"id": file.name.removesuffix(".toml"), "jurisdiction": info.code, **data}
    tiers = data.get("tiers")
    rules = data.get("rules")
    if isinstance(rules, list):
        data["rules"] = [{"tiers": tiers, **rule} if isinstance(rule, dict) and tiers is not None
                         else rule for rule in rules]
    call: Call = _validate(Call, data, label, plugin, kinds)
    return call


def load_jurisdiction(root: Traversable, kinds: ConditionKinds | None = None,
                      *, plugin: str = "?") -> JurisdictionData:
    """Load ``jurisdiction.toml``, every pack directory beside it and every call file."""
    kinds = kinds or ConditionKinds()
    raw = _read_toml(root / "jurisdiction.toml", "jurisdiction.toml", plugin)
    info: JurisdictionInfo = _validate(JurisdictionInfo, raw.get("jurisdiction", raw),
                                       "jurisdiction.toml", plugin, kinds)
    entries = sorted(root.iterdir(), key=lambda e: e.name)
    packs = tuple(load_pack(entry, info, kinds, plugin=plugin) for entry in entries
                  if entry.is_dir() and (entry / "pack.toml").is_file())
    calls_dir = root / CALLS_DIRECTORY
    calls = tuple(load_call(entry, info, kinds, plugin=plugin)
                  for entry in (sorted(calls_dir.iterdir(), key=lambda e: e.name)
                                if calls_dir.is_dir() else ())
                  if entry.is_file() and entry.name.endswith(".toml"))
    if not packs and info.base is None:
        raise DataFileError(f"{info.code}/", "", "no pack directory (with a pack.toml) found; "
                            "a jurisdiction without conditions of its own needs a `base`",
                            plugin=plugin)
    if not packs and not calls:
        raise DataFileError(f"{info.code}/", "", "neither a pack directory nor a calls/ "
                            "directory found", plugin=plugin)
    return JurisdictionData(info, packs, calls)
