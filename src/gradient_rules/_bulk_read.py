"""Reading many applications: files, folders, JSON Lines, CSV and XLSX in the flat layout.

Every source is read lazily, one application at a time, so an input of any length streams.
A row that cannot be read becomes a :class:`BulkItem` with its error and keeps its place.

The flat layout (one application per row, ``docs/bulk.md``): a heading names a field by its
dotted path (``enterprise.name``), optionally after its Chinese label (``企业名称
enterprise.name``); ``attestations.<name>`` is one attestation; list cells use ``;`` between
items and ``—`` (or ``|``) between an item's parts:

* ``scenarios``: ``segment—name—tier`` or ``id—tier`` (``生产作业—人机协同作业—excellent``);
* ``incidents``: ``kind—grade—YYYY-MM-DD``;  ``titles``: ``tier—level—year[—status]``;
* ``events``: ``kind—YYYY-MM-DD[—accident kind—grade]``;  ``kpis``: ``KPI-01=80; KPI-02=3``;
* ``materials``: ``id; id``.

An empty cell is unstated; ``无``/``none`` in a list cell is an empty list.  Yes/no cells take
``是/否``, ``yes/no``, ``true/false``, ``1/0``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import stat
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._errors import ApplicationError
from ._limits import APPLICATION_BYTES, BATCH_BYTES, STRING
from ._loading import (
    SUFFIXES,
    is_folder,
    open_regular,
    parse_text,
    path_exists,
    path_label,
    read_mapping,
)
from ._rows import BulkItem

__all__ = ["BULK_SUFFIXES", "LIST_FIELDS", "MAX_COLUMNS", "read_inputs", "row_application"]

BULK_SUFFIXES = (".jsonl", ".csv", ".xlsx")
MAX_COLUMNS = 300
"""Most columns read from a spreadsheet row (the template has far fewer)."""
MAX_LINE = APPLICATION_BYTES
"""Longest JSON Lines line (one application)."""
XLSX_BYTES = BATCH_BYTES
"""Largest workbook opened (compressed size; its rows are then streamed)."""
LIST_FIELDS = ("scenarios", "incidents", "titles", "events", "kpis", "materials")
_BOOLEANS = {"是": True, "否": False, "yes": True, "no": False, "true": True, "false": False,
             "1": True, "0": False, "y": True, "n": False}
_BOOLEAN_KEYS = frozenset({"enterprise.independent_legal_person", "enterprise.is_branch",
                           "enterprise.above_designated_size", "construction_completed"})
_WHOLE_KEYS = frozenset({"self_assessment.maturity_level",
                         "self_assessment.digital_transformation_level",
                         "enterprise.main_business_revenue_cny"})
_SHAPES: dict[str, dict[int, tuple[str, ...]]] = {
    "scenarios": {2: ("id", "tier"), 3: ("segment", "name", "tier")},
    "incidents": {3: ("kind", "grade", "occurred_on")},
    "titles": {3: ("tier", "issuing_level", "year"),
               4: ("tier", "issuing_level", "year", "status")},
    "events": {2: ("kind", "occurred_on"),
               4: ("kind", "occurred_on", "accident_kind", "grade")},
}
_EMPTY_LIST = {"无", "none", "[]"}
_ITEM_SPLIT = re.compile(r"\s*[;；\n]\s*")
_PART_SPLIT = re.compile(r"\s*[—|]\s*")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\s*$")


def _bad(source: str, en: str, zh: str) -> ApplicationError:
    return ApplicationError([(source, en, zh)])


def _not_results(label: str, first: dict[str, Any] | list[object]) -> None:
    """Bad input for the whole file when it holds results ``assess --out`` wrote (D55).

    ``first`` is the file's heading row, or its first JSON Lines record.  An earlier run's
    results left in an input folder would otherwise be read row by row, each an application
    missing every field: as many error rows, none saying why.
    """
    from ._bulk_write import RESULT_KEYS, SUMMARY_COLUMNS, SUMMARY_HEADING

    if isinstance(first, dict):
        found = first.keys() >= RESULT_KEYS
    else:
        cells = [str(v).strip() if v is not None else "" for v in first[:len(SUMMARY_COLUMNS)]]
        found = (cells[:1] == [SUMMARY_HEADING]
                 or cells[:5] == list(SUMMARY_COLUMNS[:5]))
    if found:
        raise _bad(label, "holds the results of a screening (`gradient-rules assess --out`), "
                   "not applications; take it out of the inputs",
                   "这是评估结果文件（gradient-rules assess --out 所写），不是申报数据；"
                   "请将其移出输入")


# --- the flat layout ----------------------------------------------------------------------


def heading_key(heading: object) -> str | None:
    """The dotted field path a heading names (``企业名称 enterprise.name`` -> the path)."""
    if heading is None:
        return None
    text = str(heading).strip()
    if not text:
        return None
    found = _KEY.search(text)
    return found.group(1) if found else None


def _boolean(value: str, where: str) -> bool:
    found = _BOOLEANS.get(value.strip().lower())
    if found is None:
        raise _bad(where, f"{value[:40]!r} is not yes or no (是/否, yes/no, true/false, 1/0)",
                   f"{value[:40]!r} 不是“是/否”")
    return found


def _parts(cell: str) -> list[list[str]]:
    return [_PART_SPLIT.split(item) for item in _ITEM_SPLIT.split(cell.strip()) if item]


def _list_cell(name: str, cell: str, where: str) -> Any:
    if cell.strip().lower() in _EMPTY_LIST:
        return {} if name == "kpis" else []
    items = _parts(cell)
    if name == "materials":
        return ["—".join(parts) for parts in items]
    if name == "kpis":
        out: dict[str, Any] = {}
        for item in _ITEM_SPLIT.split(cell.strip()):
            key, sep, value = item.partition("=")
            if not sep:
                raise _bad(where, f"{item[:40]!r} is not KPI-ID=value",
                           f"{item[:40]!r} 不是 指标=数值")
            try:
                out[key.strip()] = float(value) if "." in value else int(value)
            except ValueError:
                out[key.strip()] = value.strip()  # the schema names the bad value
        return out
    shapes = _SHAPES[name]
    rows = []
    for number, parts in enumerate(items, 1):
        keys = shapes.get(len(parts))
        if keys is None:
            forms = " or ".join("—".join(k) for k in shapes.values())
            raise _bad(f"{where} item {number}", f"{'—'.join(parts)[:80]!r} has {len(parts)} "
                       f"parts; write {forms}", f"应写作 {forms}")
        rows.append(dict(zip(keys, parts, strict=True)))
    return rows


def row_application(cells: dict[str, str], where: str) -> tuple[dict[str, Any], str | None]:
    """A flat row (dotted path -> cell text) as an application mapping, and the row's id."""
    data: dict[str, Any] = {}
    row_id: str | None = None
    for key, raw in cells.items():
        cell = raw.strip()
        if not cell:
            continue  # unstated
        if len(cell) > STRING:
            raise _bad(f"{where} {key}", f"the cell holds {len(cell)} characters; at most {STRING}",
                       f"单元格超过 {STRING} 个字符")
        if key == "id":
            row_id = cell
            continue
        head, _, rest = key.partition(".")
        value: Any
        if head in LIST_FIELDS and not rest:
            value = _list_cell(head, cell, f"{where} {key}")
        elif (head == "attestations" and rest) or key in _BOOLEAN_KEYS:
            value = _boolean(cell, f"{where} {key}")
        elif key in _WHOLE_KEYS:
            # A number of at most 19 digits (the limits' INTEGER); longer stays text, for
            # validation to refuse: int() of 4,300+ digits raises, and no count is that large.
            value = int(cell) if re.fullmatch(r"-?\d{1,19}", cell) else cell
        else:
            value = cell
        target = data
        path = [head, rest] if head == "attestations" and rest else key.split(".")
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise _bad(where, f"column {key!r} clashes with another column",
                           f"列 {key!r} 与其他列冲突")
        target[path[-1]] = value
    return data, row_id


@dataclass(frozen=True)
class _Unreadable:
    """A record the file format could not give (a bad byte, a broken quote)."""

    en: str
    zh: str


def _filled_past(values: list[object]) -> bool:
    """Whether a value that is not blank stands past the columns read."""
    return any(v is not None and str(v).strip() for v in values[MAX_COLUMNS:])


def _flat_rows(headings: list[object], rows: Iterable[list[object] | _Unreadable], label: str,
               first: int) -> Iterator[BulkItem]:
    if _filled_past(headings):
        raise _bad(label, f"the first row has headings past column {MAX_COLUMNS}, which would "
                   f"not be read; keep the fields within the first {MAX_COLUMNS} columns",
                   f"首行第 {MAX_COLUMNS} 列之后仍有标题，不会被读取；"
                   f"请将字段放在前 {MAX_COLUMNS} 列内")
    _not_results(label, headings)
    keys = [heading_key(h) for h in headings[:MAX_COLUMNS]]
    if not any(keys):
        raise _bad(label, "the first row holds no headings naming fields (e.g. enterprise.name);"
                   " start from `gradient-rules template`", "首行没有字段标题；请使用模板")
    columns = [(at, key) for at, key in enumerate(keys) if key]  # a sheet row is 301 wide
    for number, row in enumerate(rows, first):
        if isinstance(row, _Unreadable):
            where = f"{label} row {number}"
            yield BulkItem(source=where, error=_bad(where, row.en, row.zh))
            continue
        if len(row) > MAX_COLUMNS and _filled_past(row):
            yield BulkItem(source=f"{label} row {number}", error=_bad(
                f"{label} row {number}", f"more than {MAX_COLUMNS} columns",
                f"超过 {MAX_COLUMNS} 列"))
            continue
        width = len(row)
        cells = {key: "" if row[at] is None else _cell_text(row[at]) for at, key in columns
                 if at < width}
        if not any(cells.values()):
            continue  # a blank row is not an application
        where = f"{label} row {number}"
        try:
            data, row_id = row_application(cells, where)
        except ApplicationError as error:
            yield BulkItem(source=where, error=error, id=cells.get("id") or None)
            continue
        yield BulkItem(source=where, data=data, id=row_id)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]  # a date cell
    return str(value)


# --- sources --------------------------------------------------------------------------------


def _lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """The lines of ``stream``; ``None`` for one longer than :data:`MAX_LINE`, read past unkept."""
    while line := stream.readline(MAX_LINE + 1):
        if len(line) <= MAX_LINE:
            yield line
            continue
        while line and not line.endswith(b"\n"):  # the rest of the long line, a piece at a time
            line = stream.readline(MAX_LINE)
        yield None


def _jsonl(stream: IO[bytes], label: str) -> Iterator[BulkItem]:
    first = True
    for number, line in enumerate(_lines(stream), 1):
        where = f"{label}:{number}"
        if line is None:
            yield BulkItem(source=where, error=_bad(where, f"the line is longer than {MAX_LINE:,} "
                                                    "bytes", f"该行超过 {MAX_LINE:,} 字节"))
            continue
        if not line.strip():
            continue
        try:
            data = parse_text(line, "JSON", where)
        except ApplicationError as error:
            yield BulkItem(source=where, error=error)
            continue
        if not isinstance(data, dict):
            yield BulkItem(source=where, error=_bad(where, "each line must be a JSON object (one "
                                                    "application)", "每行须为一个 JSON 对象"))
            continue
        if first:  # results are known by their first record: the file is then one error
            first = False
            try:
                _not_results(label, data)
            except ApplicationError as error:
                yield BulkItem(source=label, error=error)
                return
        row_id = data.pop("id", None)
        yield BulkItem(source=where, data=data,
                       id=None if row_id is None else str(row_id)[:200])


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape keeps them


class _StuckReader(Exception):
    """The CSV reader fails without moving on: the rest of the file cannot be read."""


class _RecordTooLong(Exception):
    """A CSV record (or one of its lines) is longer than :data:`MAX_LINE` characters."""


class _BoundedLines:
    """A text file's lines for :func:`csv.reader`, each record at most :data:`MAX_LINE` long.

    csv bounds a field, not a record: a line of two hundred million commas is that many empty
    fields.  A line or record beyond the bound is read past in pieces (never held whole) and
    raises :class:`_RecordTooLong`; csv starts its next record afresh at the next line.
    """

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self.record = 0
        """Characters of the record being read; the caller resets it for each record."""

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._handle.readline(MAX_LINE + 1)
        if not line:
            raise StopIteration
        self.record += len(line)
        if self.record > MAX_LINE:
            while line and not line.endswith(("\n", "\r")):
                line = self._handle.readline(MAX_LINE)
            raise _RecordTooLong
        return line


def _csv_records(reader: Any, lines: _BoundedLines) -> Iterator[list[object] | _Unreadable]:
    """The records of ``reader``; one it cannot give is an :class:`_Unreadable`, not the end.

    Bytes that are not UTF-8 spoil only their own record (decoded with ``surrogateescape``),
    and after a malformed or overlong record the reader goes on with the next line.
    """
    while True:
        line = reader.line_num
        lines.record = 0
        try:
            record = next(reader)
        except StopIteration:
            return
        except _RecordTooLong:
            yield _Unreadable(f"a record longer than {MAX_LINE:,} characters",
                              f"记录超过 {MAX_LINE:,} 个字符")
            continue
        except csv.Error as error:
            if reader.line_num == line:  # no progress: give up on the rest of the file
                raise _StuckReader(str(error)) from None
            yield _Unreadable(f"not a readable CSV record: {error}", "无法读取的 CSV 记录")
            continue
        if any(_NOT_UTF8.search(cell) for cell in record):
            yield _Unreadable("this row is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)",
                              "该行不是 UTF-8 编码；请另存为 UTF-8 编码的 CSV")
            continue
        yield list(record)


def _csv(path: Path, label: str) -> Iterator[BulkItem]:
    csv.field_size_limit(STRING + 2)
    with open_regular(path, limit=None) as raw, io.TextIOWrapper(
            raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        lines = _BoundedLines(handle)
        reader = csv.reader(lines)
        try:
            first = next(_csv_records(reader, lines), [])
            if isinstance(first, _Unreadable):
                raise _bad(label, f"the heading row: {first.en}", f"标题行：{first.zh}")
            yield from _flat_rows(first, _csv_records(reader, lines), label, 2)
        except _StuckReader as error:
            raise _bad(label, f"not a readable CSV file: {error}", "无法读取的 CSV 文件") from None


def _xlsx(path: Path, label: str) -> Iterator[BulkItem]:
    from ._xlsx_guard import open_workbook

    unreadable = _unreadable_workbook()
    with open_regular(path, limit=XLSX_BYTES) as handle, contextlib.ExitStack() as stack:
        try:
            with _openpyxl_quiet():
                book = open_workbook(handle)
                stack.callback(book.archive.close)
                if book.sheet is not None:  # the template's first sheet; its example is on another
                    stream = stack.enter_context(book.open_sheet())
        except unreadable as error:
            raise _workbook_error(label, error, 0) from None
        if book.sheet is None:
            raise _bad(label, "the workbook has no worksheet; start from `gradient-rules "
                       "template`", "工作簿中没有工作表；请使用模板")
        rows = _sheet_rows(book.values(stream, MAX_COLUMNS + 1), label, unreadable)
        headings = next(rows, [])
        yield from _flat_rows(headings, rows, label, 2)


@contextlib.contextmanager
def _openpyxl_quiet() -> Iterator[None]:
    """Hide openpyxl's warnings about a stranger's workbook while openpyxl opens it.

    No default style, an unsupported extension, an invalid relationship: none is the
    reader's to fix, and each would print a source line from inside openpyxl.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")
        yield


def _unreadable_workbook() -> tuple[type[Exception], ...]:
    """What reading a workbook raises for one that is damaged, hostile or not a workbook.

    Cells are read as they are met: a shared-string index past the table is an IndexError,
    a number that is not one a ValueError, a cell reference that is not one openpyxl's
    CellCoordinatesException; zipfile and zlib raise for a broken zip (zipfile a
    NotImplementedError for a zip version it does not read), ElementTree and expat for
    broken XML (expat a LookupError for an encoding it does not know).
    """
    import struct
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    from openpyxl.utils.exceptions import CellCoordinatesException

    from ._xlsx_guard import WorkbookRefused

    return (WorkbookRefused, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error,
            ParseError, ExpatError, CellCoordinatesException, EOFError, OSError, KeyError,
            IndexError, ValueError, TypeError, OverflowError, NotImplementedError, LookupError)


def _sheet_rows(rows: Iterator[tuple[object, ...]], label: str,
                unreadable: tuple[type[Exception], ...]) -> Iterator[list[object]]:
    """The sheet's rows as lists; a part that cannot be read ends them as bad input."""
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except unreadable as error:
            raise _workbook_error(label, error, number + 1) from None
        number += 1
        yield list(row)


def _workbook_error(label: str, error: Exception, row: int) -> ApplicationError:
    from ._xlsx_guard import WorkbookRefused

    if isinstance(error, WorkbookRefused):
        en, zh = f"the workbook is refused: {error.en}", f"工作簿被拒绝：{error.zh}"
    elif isinstance(error, LookupError) and not isinstance(error, IndexError | KeyError):
        en = "not a readable .xlsx workbook: a part declares a text encoding that cannot be read"
        zh = "无法读取的 .xlsx 工作簿：某个部件声明了无法识别的文本编码"
    else:
        en = f"not a readable .xlsx workbook ({type(error).__name__})"
        zh = "无法读取的 .xlsx 工作簿"
    if row:
        en, zh = f"{en}, at sheet row {row}; the rows after it were not read", \
            f"{zh}（工作表第 {row} 行起未读取）"
    return _bad(label, en, zh)


def _file(path: Path) -> Iterator[BulkItem]:
    label = path_label(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with open_regular(path, limit=None) as handle:
            yield from _jsonl(handle, label)
    elif suffix == ".csv":
        yield from _csv(path, label)
    elif suffix == ".xlsx":
        yield from _xlsx(path, label)
    else:
        try:
            data = read_mapping(path)
        except ApplicationError as error:
            yield BulkItem(source=label, error=error)
            return
        row_id = data.pop("id", None) if isinstance(data.get("id"), str | int) else None
        yield BulkItem(source=label, data=data, id=None if row_id is None else str(row_id))


def _readable(path: Path) -> bool:
    return path.suffix.lower() in (*SUFFIXES, *BULK_SUFFIXES)


def read_inputs(inputs: Iterable[str], stdin: IO[bytes] | None = None, *,
                exclude: Iterable[str | os.PathLike[str]] = ()) -> Iterator[BulkItem]:
    """Every application in ``inputs`` (files, folders, ``-`` for JSON Lines on stdin), in order.

    A folder contributes its application files, sorted by path (sub-folders included).  An
    input that does not exist is bad input at once; a file that cannot be parsed is a row
    with its error.  ``exclude`` names files that are never read: the results being
    written (``--out``, and the file built beside it, which would otherwise be read as it
    grows, without end).  An input naming one of them is bad input; a folder's copy is
    passed over.  A file is the same as an excluded one if it is that file (through any
    path or link), judged when reading starts.
    """
    paths: list[str] = list(inputs)
    if paths.count("-") > 1:  # stdin is read once: a second "-" would be silently empty
        raise _bad("-", "standard input is given more than once", "标准输入（-）只能给出一次")
    for name in paths:
        if name != "-" and not path_exists(name):
            raise _bad(path_label(name), "no such file or folder", "文件或文件夹不存在")
    outputs = frozenset(filter(None, map(_identity, exclude)))
    for name in paths:
        if outputs and name != "-" and _identity(name) in outputs:
            raise _bad(path_label(name), "is the file the results are written to; write them "
                       "to another file", "是结果的输出文件，请将结果写入其他文件")
    for name in paths:
        if name == "-":
            yield from _jsonl(stdin or sys.stdin.buffer, "stdin")
            continue
        path = Path(name)
        if is_folder(path):
            yield from _folder(path, outputs)
        else:
            yield from _safe(path)


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The device and inode of the file at ``path`` (links followed); ``None`` if none."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _folder(top: Path, outputs: frozenset[tuple[int, int]] = frozenset()) -> Iterator[BulkItem]:
    """The rows of every application file under ``top``, sorted by path.

    One folder is listed at a time, and its sub-folders are walked from a stack, not by
    recursion: a tree nested thousands deep is read (``Path.rglob`` raised RecursionError),
    and only the listings on the way down are held, never the whole tree.  Each folder's
    entries are sorted by name and a sub-folder is walked where its name sorts, which is
    the order of sorting every path.  Links to folders are not followed (as ``rglob``).
    Not only regular files: a FIFO, a device or a broken link with an application's
    suffix is that input's error row, and so is a folder that cannot be listed, rather
    than an input that silently vanished.  A file that is one of ``outputs`` (device and
    inode) is passed over.
    """
    stack: list[tuple[Path, Iterator[tuple[str, bool]]]] = []
    folder: Path | None = top
    while True:
        if folder is not None:
            try:
                stack.append((folder, iter(_listing(folder))))
            except OSError as error:
                yield _unlisted(folder, error)
        if not stack:
            return
        where, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            folder = None
            continue
        name, real_folder = entry
        child = where / name
        folder = child if real_folder else None
        if real_folder or not _readable(child):
            continue
        try:
            info = os.stat(child)
        except (OSError, ValueError):  # a broken link: its opening says so, as a row
            info = None
        if info is None or not (stat.S_ISDIR(info.st_mode)
                                or (info.st_dev, info.st_ino) in outputs):
            yield from _safe(child)


def _listing(folder: Path) -> list[tuple[str, bool]]:
    """The names in ``folder``, sorted, each with whether it is a folder (not a link)."""
    found: list[tuple[str, bool]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                real_folder = entry.is_dir(follow_symlinks=False)
            except OSError:  # read as a file, whose opening then says what is wrong
                real_folder = False
            found.append((entry.name, real_folder))
    found.sort()
    return found


def _unlisted(folder: Path, error: OSError) -> BulkItem:
    where = path_label(folder)
    return BulkItem(source=where, error=_bad(
        where, f"the folder cannot be read: {error.strerror or type(error).__name__}",
        "无法读取该文件夹"))


def _safe(path: Path) -> Iterator[BulkItem]:
    """A file's rows; a file that fails as a whole is one row with its error."""
    try:
        yield from _file(path)
    except ApplicationError as error:
        yield BulkItem(source=path_label(path), error=error)
    except OSError as error:
        yield BulkItem(source=path_label(path), error=_bad(
            path_label(path), f"cannot be read: {error.strerror}", "无法读取"))
