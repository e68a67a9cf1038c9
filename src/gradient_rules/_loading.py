"""Read an application (or a batch) from a JSON, TOML or YAML file, as hostile input.

Only a regular file no larger than its limit is opened (never a FIFO, a device or
``/dev/zero``).  JSON, TOML and YAML are read strictly: a key given twice is bad input (no
format silently keeps the last); YAML is read with the safe loader and refuses anchors,
aliases (so no "billion laughs") and explicit tags; numbers beyond the limits, ``NaN`` and
deeper nesting than :data:`~gradient_rules._limits.DEPTH` are bad input.  Every error names
the file and, where the parser knows it, the line and column.
"""

from __future__ import annotations

import json
import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

from ._application import Application, parse_application
from ._errors import ApplicationError
from ._limits import APPLICATION_BYTES, VALUES, walk

__all__ = ["is_folder", "load_application", "open_regular", "parse_text", "path_exists",
           "path_label", "read_bytes", "read_mapping"]

SUFFIXES = {".json": "JSON", ".toml": "TOML", ".yaml": "YAML", ".yml": "YAML"}


def _bad(label: str, en: str, zh: str) -> ApplicationError:
    return ApplicationError([("", en, zh)], source=label)


def _check_path(path: object) -> None:
    if not isinstance(path, str | os.PathLike):
        raise ApplicationError([("path", f"must be a file path, got {type(path).__name__}",
                                 f"须为文件路径，收到 {type(path).__name__}")])


def _stat_mode(path: str | os.PathLike[str]) -> int | None:
    """The file's mode, or ``None`` when there is nothing there that can be looked at.

    ``Path.exists``/``is_dir`` raise for a name too long for the system (ENAMETOOLONG) or a
    path that is not valid (a NUL); a name given on the command line is anybody's text.
    """
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def path_label(path: str | os.PathLike[str], limit: int = 300) -> str:
    r"""``path`` as text every output takes, cut at ``limit`` characters.

    A name the file system gives in bytes that are not UTF-8 reaches Python with lone
    surrogates (``\udcff``), which no UTF-8 file, CSV, JSON or workbook may hold: they
    are shown as the bytes they stand for (``\xff``).
    """
    text: object = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str):  # a caller's mistake, named rather than raised
        text = repr(text)
    if not text.isascii():
        try:
            raw = os.fsencode(text)
        except UnicodeEncodeError:  # a surrogate no file system gave
            raw = text.encode("utf-8", "backslashreplace")
        text = raw.decode("utf-8", "backslashreplace")
    return text[:limit]


def path_exists(path: str | os.PathLike[str]) -> bool:
    """Whether something is at ``path``; never raises."""
    return _stat_mode(path) is not None


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder; never raises."""
    mode = _stat_mode(path)
    return mode is not None and stat.S_ISDIR(mode)


def open_regular(path: str | Path, *, limit: int | None = APPLICATION_BYTES) -> BinaryIO:
    """``path`` opened for reading bytes: a regular file of at most ``limit`` bytes.

    Anything else is bad input naming the file.  The file is opened without blocking and
    checked once open, so a FIFO or a device (``/dev/zero``) swapped in after the first look
    is refused too, never waited on.  ``limit=None`` leaves the size to the reader (a file
    that is streamed).
    """
    _check_path(path)
    label = path_label(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ValueError:  # an embedded NUL character
        raise _bad(label, "the path contains a NUL character", "路径中含有 NUL 字符") from None
    except FileNotFoundError:
        raise _bad(label, "file not found", "文件不存在") from None
    except IsADirectoryError:
        raise _bad(label, "a directory; give a regular file", "是文件夹，请指定一个文件") from None
    except (OSError, TypeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise _bad(label, f"cannot read the file: {reason}", f"无法读取文件：{reason}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _bad(label, "a directory; give a regular file", "是文件夹，请指定一个文件")
        if not stat.S_ISREG(info.st_mode):
            raise _bad(label, "not a regular file; give a regular file",
                       "不是普通文件，请指定一个文件")
        raise _bad(label, f"the file is {info.st_size:,} bytes; the limit is {limit:,}",
                   f"文件大小{info.st_size:,}字节，超过上限{limit:,}字节")
    return os.fdopen(fd, "rb")


def read_bytes(path: str | Path, *, limit: int = APPLICATION_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; bad input otherwise."""
    label = path_label(path)
    with open_regular(path, limit=limit) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise _bad(label, f"cannot read the file: {error.strerror or error}",
                       f"无法读取文件：{error.strerror or error}") from None
    if len(data) > limit:  # it grew while we looked
        raise _bad(label, f"the file is larger than the limit of {limit:,} bytes",
                   f"文件超过上限{limit:,}字节")
    return data


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _Duplicate(key)
        mapping[key] = value
    return mapping


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _json_int(text: str) -> int:
    # Beyond Python's own 4,300 digits the text is refused unread; shorter numbers beyond the
    # limits are refused by ``walk``, which names the field.
    if len(text.lstrip("-")) > 4300:
        raise _Limit(f"a number of {len(text)} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: not a number Python can hold
        raise _Limit(f"the number {text[:30]}")
    return value  # beyond NUMBER, refused by ``walk``, which names the field


def _json_constant(name: str) -> float:
    raise _Limit(f"{name} (not a number)")


class _Limit(ValueError):
    pass


class _YamlSyntax(ValueError):
    """A YAML text that PyYAML (or the strict loader) refused, with where, in two languages."""

    def __init__(self, problem: str, where: str, where_zh: str) -> None:
        super().__init__(problem)
        self.problem, self.where, self.where_zh = problem, where, where_zh


def _read_yaml(text: str) -> Any:
    """Parse YAML with the strict loader; PyYAML is imported only when a YAML file is read."""
    import yaml

    from ._yaml import StrictLoader

    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        where_zh = f"（第{mark.line + 1}行第{mark.column + 1}列）" if mark else ""
        raise _YamlSyntax(getattr(error, "problem", None) or "syntax error", where,
                          where_zh) from None


def parse_text(data: bytes, kind: str, label: str, *, values: int = VALUES,
               bounds: bool = True) -> Any:
    """Parse JSON, TOML or YAML bytes strictly and check the bounds of what they hold.

    ``bounds=False`` leaves the bounds to the caller (a batch checks them row by row).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _bad(label, f"not UTF-8 text (byte {error.start})",
                   f"不是 UTF-8 文本（第{error.start}字节）") from None
    try:
        if kind == "JSON":
            parsed: Any = json.loads(text, object_pairs_hook=_json_pairs, parse_int=_json_int,
                                     parse_float=_json_float, parse_constant=_json_constant)
        elif kind == "TOML":
            parsed = tomllib.loads(text)
        else:
            parsed = _read_yaml(text)
    except _Duplicate as error:
        raise _bad(label, f"the key {error.key[:60]!r} is given twice in one mapping",
                   f"同一映射中键 {error.key[:60]!r} 出现两次") from None
    except _Limit as error:
        raise _bad(label, f"{error} is beyond the accepted numbers",
                   f"{error} 超出可接受的数字范围") from None
    except json.JSONDecodeError as error:
        raise _bad(label, f"not valid JSON: {error.msg} at line {error.lineno}, column "
                   f"{error.colno}", f"不是有效的 JSON：第{error.lineno}行第{error.colno}列 "
                   f"{error.msg}") from None
    except tomllib.TOMLDecodeError as error:
        raise _bad(label, f"not valid TOML: {error}", f"不是有效的 TOML：{error}") from None
    except _YamlSyntax as error:
        raise _bad(label, f"not valid YAML: {error.problem}{error.where}",
                   f"不是有效的 YAML：{error.problem}{error.where_zh}") from None
    except RecursionError:
        raise _bad(label, "nested too deeply", "嵌套过深") from None
    except (ValueError, OverflowError) as error:  # e.g. an integer of thousands of digits
        raise _bad(label, f"a value cannot be read: {str(error)[:120]}",
                   f"无法读取其中的值：{str(error)[:120]}") from None
    problems = walk(parsed, values=values) if bounds else []
    if problems:
        raise ApplicationError(problems, source=label)
    return parsed


def read_mapping(path: str | Path, *, limit: int = APPLICATION_BYTES,
                 values: int = VALUES, bounds: bool = True) -> dict[str, Any]:
    """Parse a JSON, TOML or YAML file into a mapping; errors name the file and position.

    ``bounds=False`` leaves checking the bounds of the values to the caller.
    """
    _check_path(path)
    file = Path(path) if not isinstance(path, Path) else path
    label = str(file)[:300]
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise _bad(label, f"unsupported file type {file.suffix[:20]!r}; use .json, .toml, .yaml "
                   "or .yml",
                   f"不支持的文件类型 {file.suffix[:20]!r}；请用 .json、.toml、.yaml 或 .yml")
    data = parse_text(read_bytes(file, limit=limit), kind, label, values=values, bounds=bounds)
    if not isinstance(data, dict):
        raise _bad(label, f"the file must hold a mapping of fields, got {type(data).__name__}",
                   "文件内容须为字段映射（键值表）")
    return data


def load_application(path: str | Path) -> Application:
    """Read and validate an application file (``.json``, ``.toml``, ``.yaml``/``.yml``).

    Raises :class:`ApplicationError` naming the file and every bad field.
    """
    return parse_application(read_mapping(path), source=path_label(path))
