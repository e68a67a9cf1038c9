"""Open a stranger's workbook with bounded memory.

An ``.xlsx`` is a zip of XML parts, and a few hundred kilobytes of zip can unpack to
gigabytes: one cell of a billion characters, a row of fifty million cells, a hundred
million elements openpyxl never frees, a central directory of a million entries.  openpyxl
(like ElementTree under it) reads whatever it is given, so the workbook is opened through
:func:`open_workbook`, which holds it to :data:`LIMITS` before any parser sees a byte:

* the zip's central directory is read only if it is at most 1 MiB (tens of parts, as a
  workbook has, not millions);
* a part openpyxl reads whole (styles, workbook, relationships) unpacks to at most 64 MiB,
  and a part it streams (a worksheet, the shared strings) to at most 1 GiB, as the zip
  declares: zipfile never yields more than a part declares;
* every byte openpyxl reads from a part (the workbook's parts and the shared strings) first
  goes through an expat scan that counts what openpyxl keeps of it: elements and text
  outside a shared string are kept until the part is done.  The worksheet is read by
  :mod:`gradient_rules._xlsx_rows`, which holds its rows to the same limits itself as it
  parses them, in its one pass (D49).  A part is refused once it would keep more than
  1,000,000 elements or 32 Mi characters, a row (or a shared string) with more than 20,000
  elements or 4 Mi characters, more than 1,048,576 rows (Excel's own limit) or rows out of
  order, nesting deeper than 64 elements, or a document type declaration (Excel writes
  none; it is where entity expansion lives);
* a part is stored or deflated, unencrypted, as the Open Packaging Conventions require of
  a workbook (zipfile reads a few other methods, and raises for the rest); a workbook Excel
  saved with a password to open, or an old ``.xls``, is a compound file, not a zip, and is
  refused as one.

A refusal is a :class:`WorkbookRefused` naming the part and the limit; the reader turns it
into bad input for the file.  Each part is decompressed and parsed once; a sheet refused
halfway has had every row before the one refused read (D46, D48, D49).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any
from xml.parsers import expat

from ._xlsx_rows import Budget, sheet_values

__all__ = ["LIMITS", "Limits", "OpenedWorkbook", "WorkbookRefused", "open_workbook"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRING = f"{_MAIN}}}si"  # expat's name for openpyxl's "{main}si" (separator "}")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """What a workbook may unpack to; see the module's docstring and ``docs/security.md``."""

    directory_bytes: int = 1024 * 1024
    whole_part_bytes: int = 64 * 1024 * 1024
    streamed_part_bytes: int = 1024 * 1024 * 1024
    kept_elements: int = 1_000_000
    kept_characters: int = 32 * 1024 * 1024
    unit_elements: int = 20_000
    unit_characters: int = 4 * 1024 * 1024
    units: int = 1_048_576
    depth: int = 64


LIMITS = Limits()


class WorkbookRefused(Exception):
    """The workbook would unpack beyond a limit: ``en``/``zh`` say which, naming the part."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


# --- the central directory -----------------------------------------------------------------

_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"


def _directory_size(handle: IO[bytes]) -> int | None:
    """The central directory's size as zipfile will read it, or ``None`` if it finds none.

    zipfile takes the end record from the last 22 bytes, else the last signature in the last
    64 KiB, and then a zip64 end record just before it when its locator is there; so do we.
    """
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail = min(size, 22 + 65_535 + 20 + 56)
    handle.seek(size - tail)
    data = handle.read(tail)
    if data[-22:-18] == _END and data[-2:] == b"\0\0":
        at = len(data) - 22
    else:
        at = data.rfind(_END, max(0, len(data) - 22 - 65_535))
        if at < 0 or len(data) - at < 22:
            return None
    directory: int = struct.unpack_from("<I", data, at + 12)[0]
    if at >= 20 and data[at - 20:at - 16] == _END64_LOCATOR:
        if at < 76 or data[at - 76:at - 72] != _END64:
            return None  # zipfile finds no usable record either and refuses the file
        directory = max(directory, struct.unpack_from("<Q", data, at - 76 + 40)[0])
    return directory


# --- the scan ------------------------------------------------------------------------------


def refusal(part: str, noun: str, what: str, *numbers: int) -> WorkbookRefused:
    """The refusal of ``part`` past the limit ``what``, with its numbers.

    ``what`` is a :class:`Limits` field, ``strings_characters``, ``doctype``, ``row_number``
    or ``row_order``; ``noun`` names the part's units (``row``, ``shared string``, or none).
    """
    limit = numbers[0] if numbers else 0
    outside = f" outside {noun}s" if noun else ""
    outside_zh = {"row": "行以外的", "shared string": "共享字符串以外的"}.get(noun, "")
    if what == "depth":
        en, zh = f"elements nested more than {limit} deep", f"元素嵌套超过 {limit} 层"
    elif what == "unit_elements":
        en, zh = (f"a {noun} with more than {limit:,} elements",
                  f"某一行或共享字符串的元素超过 {limit:,} 个")
    elif what == "unit_characters":
        en, zh = (f"a {noun} with more than {limit:,} characters",
                  f"某一行或共享字符串超过 {limit:,} 个字符")
    elif what == "units":
        en, zh = f"more than {limit:,} {noun}s", f"行数或共享字符串超过 {limit:,}"
    elif what == "kept_elements":
        en, zh = (f"more than {limit:,} elements{outside}",
                  f"{outside_zh}元素超过 {limit:,} 个")
    elif what == "kept_characters":
        en, zh = (f"more than {limit:,} characters{outside}",
                  f"{outside_zh}字符超过 {limit:,} 个")
    elif what == "strings_characters":
        en, zh = (f"more than {limit:,} characters of shared strings",
                  f"共享字符串超过 {limit:,} 个字符")
    elif what == "row_number":
        number, most = numbers
        en, zh = (f"a row numbered {number:,}; a sheet has at most {most:,}",
                  f"行号 {number:,} 超过上限 {most:,}")
    elif what == "row_order":
        number, last = numbers
        en, zh = (f"row {number:,} comes after row {last:,}; rows out of order would be lost",
                  f"第 {number:,} 行位于第 {last:,} 行之后；行序错乱")
    else:  # doctype
        en, zh = ("a document type declaration (DOCTYPE), which Excel never writes",
                  "含有文档类型声明（DOCTYPE），Excel 不会写入")
    return WorkbookRefused(f"part {part}: {en}", f"部件 {part}：{zh}")


class _Scan:
    """Counts what openpyxl keeps of one part as its bytes go by; raises past a limit.

    ``unit`` names the elements openpyxl keeps one at a time (a shared string) and counts
    against the unit limits; the rest of the part is kept, and counted, until it is done.
    The worksheet is not scanned here: its reader holds it to the same limits (D49).
    """

    def __init__(self, part: str, unit: str | None, limits: Limits) -> None:
        self.part = part
        parser = expat.ParserCreate(namespace_separator="}")
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        noun = "shared string" if unit else ""

        def refuse(what: str, *numbers: int) -> None:
            raise refusal(part, noun, what, *numbers)

        budget = Budget(limits, refuse, unit, keeps_units=True)

        def start(name: str, attributes: list[str]) -> None:
            budget.start(name, sum(map(len, attributes)) if attributes else 0)

        def end(name: str) -> None:
            budget.end()

        def text(data: str) -> None:
            budget.text(len(data))

        def declaration(*_: object) -> None:
            refuse("doctype")

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        parser.StartDoctypeDeclHandler = declaration
        parser.EntityDeclHandler = declaration
        self._parser = parser
        self._broken = False

    def refuse(self, en: str, zh: str) -> None:
        """Raise :class:`WorkbookRefused` for this part."""
        raise WorkbookRefused(f"part {self.part}: {en}", f"部件 {self.part}：{zh}")

    def feed(self, data: bytes, final: bool = False) -> None:
        """Count ``data``; malformed XML ends the scan (openpyxl's parser stops there too)."""
        if self._broken:
            return
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError:
            self._broken = True  # ElementTree (expat too) refuses at the same byte


class _ScannedPart:
    """A part's stream whose bytes are scanned before its parser gets them."""

    def __init__(self, raw: IO[bytes], scan: _Scan, whole_limit: int) -> None:
        self._raw = raw
        self._scan = scan
        self._whole_limit = whole_limit

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # read whole: bounded as a whole part
            chunks, total = [], 0
            while chunk := self.read(_CHUNK):
                total += len(chunk)
                if total > self._whole_limit:
                    self._scan.refuse(f"more than {self._whole_limit:,} bytes read whole",
                                      f"整体读取超过 {self._whole_limit:,} 字节")
                chunks.append(chunk)
            return b"".join(chunks)
        if size == 0:
            return b""
        data = self._raw.read(min(size, _CHUNK))
        self._scan.feed(data, final=not data)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _ScannedPart:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


_PACKINGS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_UNREADABLE_FLAGS = 0x1 | 0x20 | 0x40
"""Encrypted, compressed patched data, strong encryption (APPNOTE 4.4.4)."""


def _check_packing(info: zipfile.ZipInfo) -> None:
    """Refuse a part packed as a workbook's parts never are (OPC: stored or deflated)."""
    named = info.filename[:200]
    if info.flag_bits & _UNREADABLE_FLAGS:
        raise WorkbookRefused(
            f"part {named} is encrypted; save the workbook without a password",
            f"部件 {named} 已加密；请取消密码后另存")
    if info.compress_type not in _PACKINGS:
        raise WorkbookRefused(
            f"part {named} is compressed with zip method {info.compress_type}; a workbook's "
            "parts are stored or deflated", f"部件 {named} 使用了压缩方法 "
            f"{info.compress_type}；工作簿的部件只能是存储或 deflate 压缩")


COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The signature of an OLE compound file: an ``.xls``, or an ``.xlsx`` saved with a password."""


class _GuardedZip(zipfile.ZipFile):
    """The workbook's zip: every part openpyxl opens or reads is sized and scanned."""

    def __init__(self, handle: IO[bytes], limits: Limits) -> None:
        super().__init__(handle)
        self.limits = limits
        self.reading_strings = False

    def _unpacked(self, name: str | zipfile.ZipInfo, limit: int) -> IO[bytes]:
        """The part's unpacked bytes as zipfile streams them, if packed and sized as a part may be.

        zipfile never yields more than the size the zip declares.
        """
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        _check_packing(info)
        if info.file_size > limit:
            named = info.filename[:200]
            raise WorkbookRefused(
                f"part {named}: unpacks to {info.file_size:,} bytes; the limit is {limit:,}",
                f"部件 {named}：解压后 {info.file_size:,} 字节，超过上限 {limit:,}")
        return super().open(info)

    def _part(self, name: str | zipfile.ZipInfo, whole: bool) -> IO[bytes]:
        limit = self.limits.whole_part_bytes if whole else self.limits.streamed_part_bytes
        raw = self._unpacked(name, limit)
        filename = name.filename if isinstance(name, zipfile.ZipInfo) else name
        scan = _Scan(filename[:200], _STRING if self.reading_strings and not whole
                     else None, self.limits)
        part = _ScannedPart(raw, scan, self.limits.whole_part_bytes)
        return part  # type: ignore[return-value]  # the reading half of IO[bytes]

    def open_sheet(self, name: str) -> IO[bytes]:
        """A worksheet's bytes, unscanned: its reader holds the rows to the limits (D49)."""
        return self._unpacked(name, self.limits.streamed_part_bytes)

    def open(self, name: str | zipfile.ZipInfo, mode: str = "r", pwd: bytes | None = None,
             *, force_zip64: bool = False) -> IO[bytes]:
        if mode != "r":  # pragma: no cover - openpyxl only reads here
            raise ValueError("a workbook being read is opened for reading only")
        return self._part(name, whole=False)

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        with self._part(name, whole=True) as part:
            return part.read()


@dataclass
class OpenedWorkbook:
    """What reading a workbook's first sheet needs, as openpyxl read it from the workbook."""

    archive: _GuardedZip
    """The workbook's zip, guarded: close it when done."""
    sheet: str | None
    """The part of the first worksheet (a chartsheet is not one), ``None`` if there is none."""
    strings: list[Any]
    """The shared-string table."""
    dates: Any
    """The style ids whose number format is a date or a time."""
    times: Any
    """The style ids whose number format is a duration."""
    epoch: dt.datetime
    """The workbook's date system: 1900 or 1904."""
    limits: Limits
    """What the sheet is held to as it is read."""

    def open_sheet(self) -> IO[bytes]:
        """The first sheet's bytes (:attr:`sheet` must be a part): pass them to :meth:`values`."""
        assert self.sheet is not None, "the workbook has no worksheet"
        return self.archive.open_sheet(self.sheet)

    def values(self, stream: IO[bytes], width: int) -> Iterator[tuple[Any, ...]]:
        """The rows of ``width`` values in ``stream`` (from :meth:`open_sheet`).

        They are held to :attr:`limits` as they are read: past one, the rows before it are
        given and then :class:`WorkbookRefused` is raised.
        """
        part = (self.sheet or "")[:200]

        def refuse(what: str, *numbers: int) -> None:
            raise refusal(part, "row", what, *numbers)

        return sheet_values(stream, self.strings, self.dates, self.times, self.epoch, width,
                            self.limits, refuse)


def open_workbook(handle: IO[bytes], limits: Limits | None = None) -> OpenedWorkbook:
    """Open the workbook in ``handle`` held to ``limits``: its strings, styles, first sheet.

    openpyxl reads the workbook's parts as its read-only loader does, but builds no sheet:
    its read-only sheet parses a sheet whole to learn its size when the sheet states none,
    and the rows are read by :mod:`gradient_rules._xlsx_rows`.  Raises
    :class:`WorkbookRefused` for a workbook beyond a limit (also later, while the sheet is
    read), and what openpyxl and zipfile raise for one that is not a workbook.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    limits = limits or LIMITS
    if handle.read(len(COMPOUND_FILE)) == COMPOUND_FILE:
        raise WorkbookRefused(
            "it is an encrypted workbook (saved with a password to open) or an old .xls; "
            "save it as .xlsx without a password", "这是加密的工作簿（设置了打开密码）或旧版 "
            ".xls 文件；请取消密码并另存为 .xlsx")
    directory = _directory_size(handle)
    if directory is not None and directory > limits.directory_bytes:
        raise WorkbookRefused(
            f"the zip's directory is {directory:,} bytes; a workbook's is at most "
            f"{limits.directory_bytes:,}", f"压缩目录 {directory:,} 字节，超过上限 "
            f"{limits.directory_bytes:,}")
    handle.seek(0)
    archive = _GuardedZip(handle, limits)
    try:
        reader = ExcelReader(handle, read_only=True, data_only=True)
        reader.archive.close()
        reader.archive = archive
        reader.valid_files = archive.namelist()
        reader.read_manifest()
        archive.reading_strings = True  # the only part streamed here: the shared strings
        try:
            reader.read_strings()
        finally:
            archive.reading_strings = False
        reader.read_workbook()
        apply_stylesheet(archive, reader.wb)
        sheet = next((rel.target for _, rel in reader.parser.find_sheets()
                      if rel.target in reader.valid_files and "chartsheet" not in rel.Type),
                     None)
    except BaseException:
        archive.close()
        raise
    book = reader.wb
    return OpenedWorkbook(archive=archive, sheet=sheet, strings=reader.shared_strings,
                          dates=book._date_formats, times=book._timedelta_formats,
                          epoch=book.epoch, limits=limits)
