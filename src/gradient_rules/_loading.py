"""Read an application from a JSON, TOML or YAML file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from ._application import Application, parse_application
from ._errors import ApplicationError

__all__ = ["load_application", "read_mapping"]

SUFFIXES = {".json": "JSON", ".toml": "TOML", ".yaml": "YAML", ".yml": "YAML"}


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Parse a JSON, TOML or YAML file into a mapping; errors name the file and position."""
    file = Path(path)
    label = str(file)
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise ApplicationError([("", f"unsupported file type {file.suffix!r}; use "
                                 ".json, .toml, .yaml or .yml")], source=label)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ApplicationError([("", "file not found")], source=label) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ApplicationError([("", f"cannot read the file: {error}")], source=label) from None
    try:
        if kind == "JSON":
            data: Any = json.loads(text)
        elif kind == "TOML":
            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise ApplicationError([("", f"not valid JSON: {error.msg} at line {error.lineno}, "
                                 f"column {error.colno}")], source=label) from None
    except tomllib.TOMLDecodeError as error:
        raise ApplicationError([("", f"not valid TOML: {error}")], source=label) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise ApplicationError([("", f"not valid YAML: {problem}{where}")],
                               source=label) from None
    if not isinstance(data, dict):
        raise ApplicationError([("", f"the file must hold a mapping of fields, got "
                                 f"{type(data).__name__}")], source=label)
    return data


def load_application(path: str | Path) -> Application:
    """Read and validate an application file (``.json``, ``.toml``, ``.yaml``/``.yml``).

    Raises :class:`ApplicationError` naming the file and every bad field.
    """
    return parse_application(read_mapping(path), source=str(path))
