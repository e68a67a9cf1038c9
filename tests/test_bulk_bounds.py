"""Bulk inputs from strangers: a workbook, a CSV or a JSON Lines file that would unpack or
grow without bound is bad input naming the limit, in bounded memory; no row is lost.

Each case here used gigabytes before the guard of ``_xlsx_guard`` and the record bounds of
``_bulk_read`` (a 1 MB workbook holding a one-gigabyte cell took 2 GB; a 400 KB one with a
hundred million elements ran out of memory; a CSV line of 200 million commas took 4.7 GB
and silently produced no row; a FIFO was waited on forever).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradient_rules import BulkItem
from gradient_rules import _xlsx_guard as guard
from gradient_rules._bulk_read import MAX_LINE, read_inputs

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
HEADINGS = "<row>" + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'
                             for h in ("id", "enterprise.name")) + "</row>"


def _row(*cells: str) -> str:
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells) + "</row>"


GOOD = _row("a1", "甲公司") + _row("a2", "乙公司")


def _sheet(body: str, after: str = "") -> bytes:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{HEADINGS}{body}</sheetData>{after}' \
           "</worksheet>".encode()


def _workbook(tmp_path: Path, parts: dict[str, bytes], *, name: str = "apps.xlsx",
              entries: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """An openpyxl workbook with ``parts`` replaced or added (and ``entries`` empty ones)."""
    import openpyxl

    base = tmp_path / "base.xlsx"
    openpyxl.Workbook().save(base)
    target = tmp_path / name
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w",
                                                          zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename in drop:
                continue
            replaced = parts.pop(info.filename, None)
            out.writestr(info.filename, source.read(info.filename) if replaced is None
                         else replaced)
        for part, data in parts.items():
            out.writestr(part, data)
        for i in range(entries):
            out.writestr(f"junk/{i}", b"")
    return target


def _named(items: list[BulkItem]) -> list[tuple[str | None, object]]:
    return [(i.id, i.data["enterprise"]["name"] if isinstance(i.data, dict) else None)
            for i in items]


def _items(path: Path) -> list[BulkItem]:
    return list(read_inputs([str(path)]))


def _refused(items: list[BulkItem], fragment: str) -> BulkItem:
    last = items[-1]
    assert last.data is None and last.error is not None
    message = str(last.error)
    assert "the workbook is refused" in message and fragment in message, message
    return last


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> guard.Limits:
    """Limits small enough that each bomb below is a few kilobytes."""
    limits = guard.Limits(directory_bytes=4_000, whole_part_bytes=200_000,
                          streamed_part_bytes=400_000, kept_elements=2_000,
                          kept_characters=50_000, unit_elements=500, unit_characters=5_000,
                          units=100, depth=64)
    monkeypatch.setattr(guard, "LIMITS", limits)
    return limits


def test_an_ordinary_workbook_reads_whole_under_the_guard(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {SHEET: _sheet(GOOD)})
    items = _items(path)
    assert _named(items) == [("a1", "甲公司"), ("a2", "乙公司")]


@pytest.mark.parametrize("dimension", ["", '<dimension ref="A1:B6"/>'])
def test_a_row_of_too_many_cells_ends_the_sheet_after_the_rows_before_it(
        tmp_path: Path, dimension: str) -> None:
    """The sheet is scanned as it is read (D48): the rows before the refused one stand, the
    rest is one error row naming the limit and the sheet row."""
    wide = "<row>" + "<c/>" * (guard.LIMITS.unit_elements + 1) + "</row>"
    sheet = _sheet(GOOD + wide + GOOD).replace(b"<sheetData>",
                                               dimension.encode() + b"<sheetData>")
    items = _items(_workbook(tmp_path, {SHEET: sheet}))
    assert [i.id for i in items] == ["a1", "a2", None]
    error = _refused(items, f"a row with more than {guard.LIMITS.unit_elements:,} elements")
    assert "at sheet row 4; the rows after it were not read" in str(error.error)


def test_a_cell_of_too_many_characters_is_refused(tmp_path: Path, small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet(_row("a9", "x" * 6_000))}))
    _refused(items, f"a row with more than {small.unit_characters:,} characters")


def test_elements_kept_outside_rows_are_bounded(tmp_path: Path, small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD, after="<x/>" * 3_000)}))
    _refused(items, f"more than {small.kept_elements:,} elements outside rows")


def test_text_kept_outside_rows_is_bounded(tmp_path: Path, small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD, after="<x>" + "y" * 60_000 + "</x>")}))
    _refused(items, f"more than {small.kept_characters:,} characters outside rows")


def test_long_attributes_count_as_text(tmp_path: Path, small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD, after=f'<x a="{"y" * 60_000}"/>')}))
    _refused(items, "characters outside rows")


def test_more_rows_than_the_limit_are_refused(tmp_path: Path, small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet("<row/>" * 150)}))
    _refused(items, f"more than {small.units:,} rows")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    deep = "<x>" * 70 + "</x>" * 70
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD, after=deep)}))
    _refused(items, "nested more than 64 deep")


def test_a_document_type_declaration_is_refused(tmp_path: Path) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    items = _items(_workbook(tmp_path, {SHEET: laughs + _sheet(_row("a1", "&b;"))}))
    assert len(items) == 1
    _refused(items, "document type declaration")


def test_a_part_read_whole_is_bounded_by_elements(tmp_path: Path, small: guard.Limits) -> None:
    styles = f'<styleSheet xmlns="{MAIN}">'.encode() + b"<x/>" * 3_000 + b"</styleSheet>"
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD), "xl/styles.xml": styles}))
    assert len(items) == 1
    _refused(items, "part xl/styles.xml: more than 2,000 elements")


def test_a_part_is_refused_by_its_declared_size(tmp_path: Path, small: guard.Limits) -> None:
    big = _sheet(GOOD, after="<!--" + " " * 500_000 + "-->")
    items = _items(_workbook(tmp_path, {SHEET: big}))
    _refused(items, f"part {SHEET}: unpacks to {len(big):,} bytes; the limit is 400,000")


def _with_strings(tmp_path: Path, texts: list[str], sheet: bytes) -> Path:
    """A workbook whose cells index a shared-string table of ``texts``, as Excel writes."""
    strings = (f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{t}</t></si>" for t in texts)
               + "</sst>").encode()
    types = zipfile.ZipFile(_workbook(tmp_path, {}, name="plain.xlsx")).read(
        "[Content_Types].xml").replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return _workbook(tmp_path, {SHEET: sheet, "xl/sharedStrings.xml": strings,
                                "[Content_Types].xml": types})


def _indexed(*rows: tuple[int, ...]) -> bytes:
    body = "".join("<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in row) + "</row>"
                   for row in rows)
    return f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()


def test_shared_strings_within_the_limits_are_read(tmp_path: Path) -> None:
    path = _with_strings(tmp_path, ["id", "enterprise.name", "a1", "甲公司"],
                         _indexed((0, 1), (2, 3)))
    items = _items(path)
    assert _named(items) == [("a1", "甲公司")]


def test_too_many_shared_strings_are_refused(tmp_path: Path, small: guard.Limits) -> None:
    path = _with_strings(tmp_path, ["id", "enterprise.name"] + ["s"] * 150, _indexed((0, 1)))
    _refused(_items(path), "part xl/sharedStrings.xml: more than 100 shared strings")


def test_a_shared_string_index_past_the_table_is_that_sheets_error(tmp_path: Path) -> None:
    path = _with_strings(tmp_path, ["id", "enterprise.name", "a1"], _indexed((0, 1), (2, 2),
                                                                             (2, 9)))
    items = _items(path)
    assert len(items) == 2 and items[0].id == "a1"
    assert "not a readable .xlsx workbook (IndexError), at sheet row 3" in str(items[1].error)


def test_a_zip_directory_of_many_entries_is_refused_unread(tmp_path: Path,
                                                           small: guard.Limits) -> None:
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD)}, entries=200))
    _refused(items, "the zip's directory is")
    assert "at most 4,000" in str(items[0].error)


def test_a_damaged_cell_ends_the_sheet_as_one_error_row(tmp_path: Path) -> None:
    broken = '<row><c t="n"><v>not a number</v></c></row>'
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD + broken + GOOD)}))
    assert [i.id for i in items[:2]] == ["a1", "a2"] and len(items) == 3
    message = str(items[2].error)
    assert "not a readable .xlsx workbook" in message and "sheet row" in message, message


@given(comment=st.binary(max_size=300), entries=st.integers(0, 5))
def test_the_directory_size_is_the_one_zipfile_reads(comment: bytes, entries: int) -> None:
    """Ours and zipfile's end record agree, whatever the comment holds (even a signature)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for i in range(entries):
            out.writestr(f"p{i}", b"x")
        out.comment = comment
    found = zipfile._EndRecData(buffer)  # type: ignore[attr-defined]
    want = None if found is None else found[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    assert guard._directory_size(buffer) == want


def test_a_zip64_end_record_is_read_as_zipfile_reads_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("p", b"x")
    data = bytearray(buffer.getvalue())
    end = data.rfind(b"PK\x05\x06")
    directory = struct.unpack_from("<I", data, end + 12)[0]
    start = end - directory
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1,
                         50_000_000, start)  # claims a 50 MB directory
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1)
    crafted = io.BytesIO(bytes(data[:end]) + record + locator + bytes(data[end:]))
    assert guard._directory_size(crafted) == 50_000_000


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, suffix: str) -> None:
    fifo = tmp_path / f"apps{suffix}"
    os.mkfifo(fifo)
    items = _items(fifo)
    assert len(items) == 1 and "not a regular file" in str(items[0].error)


def test_a_jsonl_line_beyond_the_limit_is_its_rows_error(tmp_path: Path) -> None:
    source = tmp_path / "apps.jsonl"
    good = b'{"id": "a1", "enterprise": {"name": "x"}}\n'
    source.write_bytes(good + b"[" + b" " * (MAX_LINE + 10) + b"]\n" + good)
    items = _items(source)
    assert len(items) == 3 and items[0].id == "a1" and items[2].id == "a1"
    assert "longer than" in str(items[1].error) and items[1].source.endswith(":2")


def _peak(path: Path) -> tuple[list[BulkItem], int]:
    import tracemalloc

    tracemalloc.start()
    try:
        items = _items(path)
        return items, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


CSV_HEAD = b"id,enterprise.name\n"


def test_a_csv_line_of_millions_of_fields_is_its_rows_error_in_bounded_memory(
        tmp_path: Path) -> None:
    source = tmp_path / "apps.csv"
    source.write_bytes(CSV_HEAD + b"a1,x\n" + b"," * (3 * MAX_LINE) + b"\na2,y\n")
    items, peak = _peak(source)
    assert [i.id for i in items] == ["a1", None, "a2"]
    assert f"a record longer than {MAX_LINE:,} characters" in str(items[1].error)
    assert items[1].source.endswith("row 3")
    assert peak < 8 * MAX_LINE  # 6 million empty fields would take ~50 MB


def test_a_csv_record_over_several_lines_is_bounded_as_a_whole(tmp_path: Path) -> None:
    half = MAX_LINE * 3 // 4
    source = tmp_path / "apps.csv"
    source.write_bytes(CSV_HEAD + b"," * half + b'"\n",' + b"," * half + b"\na2,y\n")
    items = _items(source)
    assert [i.id for i in items] == [None, "a2"]
    assert "a record longer than" in str(items[0].error)


def test_a_csv_record_within_the_bound_reads(tmp_path: Path) -> None:
    source = tmp_path / "apps.csv"
    source.write_bytes(CSV_HEAD + b"a1," + b'"' + b"y" * 9_000 + b'"' + b"," * 1000 + b"\n")
    items = _items(source)
    assert len(items) == 1 and items[0].id == "a1" and items[0].error is None


def test_a_long_jsonl_line_is_read_past_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "apps.jsonl"
    source.write_bytes(b" " * (10 * MAX_LINE) + b"\n" + b'{"id": "a2"}\n')
    items, peak = _peak(source)
    assert len(items) == 2 and "longer than" in str(items[0].error) and items[1].id == "a2"
    assert peak < 4 * MAX_LINE  # the whole line would be 10 times that


def test_a_workbook_without_a_worksheet_is_one_error(tmp_path: Path) -> None:
    plain = zipfile.ZipFile(_workbook(tmp_path, {}, name="plain.xlsx"))
    book = plain.read("xl/workbook.xml")
    start, end = book.index(b"<sheets>"), book.index(b"</sheets>") + len(b"</sheets>")
    items = _items(_workbook(tmp_path, {"xl/workbook.xml": book[:start] + b"<sheets/>"
                                        + book[end:]}))
    assert len(items) == 1 and "the workbook has no worksheet" in str(items[0].error)


def test_openpyxl_warnings_about_a_strangers_workbook_are_not_shown(tmp_path: Path) -> None:
    """A stray element among the relationships makes openpyxl warn ("contains invalid
    dependency definitions"); the reader is not the one to fix it, so nothing is shown."""
    import warnings

    rels = "xl/_rels/workbook.xml.rels"
    plain = zipfile.ZipFile(_workbook(tmp_path, {}, name="plain.xlsx")).read(rels)
    stray = plain.replace(b"<Relationship ", b"<x/><Relationship ", 1)
    path = _workbook(tmp_path, {SHEET: _sheet(GOOD), rels: stray})
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        items = _items(path)
    assert len(items) == 1 and items[0].error is not None  # no sheet is found
    assert shown == []


@pytest.mark.parametrize("dimension", ["A1:B2", "A1:B1048576", "A1", "ZZ9:A1"])
def test_a_wrong_dimension_loses_no_row_and_adds_none(tmp_path: Path, dimension: str) -> None:
    """openpyxl's read-only sheet stops at the last row its dimension states (silently: four
    applications in, one out) and pads to it; the rows that are there are read."""
    body = GOOD + _row("a3", "丙公司") + "<row/>" + _row("a4", "丁公司")
    sheet = _sheet(body).replace(b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'
                                 .encode())
    items = _items(_workbook(tmp_path, {SHEET: sheet}))
    assert [i.id for i in items] == ["a1", "a2", "a3", "a4"]
    assert items[3].source.endswith("row 6")


@pytest.mark.parametrize("rows, fragment", [
    ('<row r="999999999"/>', "a row numbered 999,999,999; a sheet has at most 1,048,576"),
    ('<row r="1048576"/><row/>', "a row numbered 1,048,577"),
    ('<row r="5"/><row r="3"/>', "row 3 comes after row 5"),
    ('<row r="3"/>', "row 3 comes after row 3"),  # unnumbered, GOOD's rows are 2 and 3
    ('<row r="2.0"/>', "row 2 comes after row 3"),  # the reader reads "2.0" as 2
    ('<row r="5"/><row r="4.0E0"/>', "row 4 comes after row 5"),
    ('<row r="1.1e7"/>', "a row numbered 11,000,000"),
])
def test_row_numbers_openpyxl_would_fill_or_drop_are_refused(tmp_path: Path, rows: str,
                                                            fragment: str) -> None:
    """A gap in row numbers is filled with empty rows (a billion, from a tiny file); a row
    numbered at or below an earlier one is dropped without a word. Both are refused, after
    the rows before it (the reader checks each row as it starts, D49)."""
    items = _items(_workbook(tmp_path, {SHEET: _sheet(GOOD + rows)}))
    assert _named(items[:-1]) == [("a1", "甲公司"), ("a2", "乙公司")]
    _refused(items, fragment)
    assert "; the rows after it were not read" in str(items[-1].error)


def test_numbered_rows_with_gaps_read_in_order(tmp_path: Path) -> None:
    body = GOOD.replace("<row>", '<row r="2">', 1) + _row("a3", "丙公司").replace(
        "<row>", '<row r="9">')
    items = _items(_workbook(tmp_path, {SHEET: _sheet(body.replace("<row>", '<row r="4">'))}))
    assert [(i.id, i.source.rsplit(" ", 1)[-1]) for i in items] == [
        ("a1", "2"), ("a2", "4"), ("a3", "9")]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_or_broken_link_in_a_folder_is_an_error_row(tmp_path: Path) -> None:
    folder = tmp_path / "apps"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"id": "a1"}\n', encoding="utf-8")
    os.mkfifo(folder / "b.csv")
    (folder / "c.json").symlink_to(tmp_path / "missing.json")
    (folder / "notes.txt").write_text("not an application", encoding="utf-8")
    items = _items(folder)
    assert [Path(i.source.split(":")[0]).name for i in items] == ["a.jsonl", "b.csv", "c.json"]
    assert "not a regular file" in str(items[1].error)
    assert "not found" in str(items[2].error)


_NAMES = st.sampled_from(["a", "b", "b.json", "b-c.json", "B.json", "a.jsonl", ".h.json",
                          "甲.json", "é.csv", "z", "z.txt", "b.json.d"])
_TREES = st.recursive(st.just("file"), lambda inner: st.dictionaries(_NAMES, inner,
                                                                       max_size=4),
                      max_leaves=14)


def _plant(folder: Path, tree: object) -> None:
    assert isinstance(tree, dict)
    for name, sub in tree.items():
        if sub == "file":
            (folder / name).write_text('{"id": "x"}', encoding="utf-8")
        else:
            (folder / name).mkdir()
            _plant(folder / name, sub)


@given(tree=st.dictionaries(_NAMES, _TREES, max_size=5))
def test_a_folder_reads_in_the_order_of_its_sorted_paths(tree: dict[str, object]) -> None:
    """The walk, one folder at a time, gives the order of sorting every path (what it
    replaced: ``sorted(rglob)``, which held the whole tree and recursed)."""
    import tempfile

    with tempfile.TemporaryDirectory() as top:
        folder = Path(top)
        _plant(folder, tree)
        expected = sorted(p for p in folder.rglob("*")
                          if p.suffix.lower() in (".json", ".jsonl", ".csv") and p.is_file())
        items = _items(folder)
        assert [i.source.split(":")[0] for i in items] == [str(p) for p in expected]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's PATH_MAX, 4,096")
def test_a_folder_nested_thousands_deep_is_read_or_named(tmp_path: Path) -> None:
    """1,200 folders deep (``rglob`` raised RecursionError: exit 4) the file is read; past
    the system's path length the folder is that input's error row, and the rest is read."""
    (tmp_path / "first.json").write_text('{"id": "f"}', encoding="utf-8")
    (tmp_path / "zz.json").write_text('{"id": "z"}', encoding="utf-8")
    here = os.getcwd()
    try:
        os.chdir(tmp_path)
        for depth in range(2_100):
            os.mkdir("ab")
            os.chdir("ab")
            if depth == 1_199:
                Path("deep.json").write_text('{"id": "d"}', encoding="utf-8")
        Path("deepest.json").write_text('{"id": "d2"}', encoding="utf-8")
        os.chdir(tmp_path)
        items = _items(tmp_path)
    finally:
        _remove_nested(tmp_path, "ab")  # pytest's own clean-up recurses, and would fail
        os.chdir(here)
    # The 1,201st "ab" sorts before "deep.json": its error row comes first.
    assert "the folder cannot be read" in str(items[0].error)  # past PATH_MAX
    assert [(i.id, i.error) for i in items[1:]] == [("d", None), ("f", None), ("z", None)]


def _remove_nested(top: Path, name: str) -> None:
    """Remove ``top/name/name/...`` from the bottom, one folder at a time."""
    os.chdir(top)
    depth = 0
    while os.path.isdir(name):
        os.chdir(name)
        depth += 1
    for _ in range(depth):
        for entry in os.listdir("."):
            os.remove(entry)
        os.chdir("..")
        os.rmdir(name)


def test_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.json").write_text('{"id": "a"}', encoding="utf-8")
    (real / "loop").symlink_to(tmp_path)  # followed, it would never end
    (tmp_path / "via").symlink_to(real)
    assert [i.source for i in _items(tmp_path)] == [str(real / "a.json")]


# --- how the parts are packed -----------------------------------------------------------


def _repacked(path: Path, *, method: int | None = None, flags: int = 0,
              version: int | None = None) -> Path:
    """``path`` with every part's header patched: compression method, flag bits, version."""
    raw = bytearray(path.read_bytes())
    for signature, at_flags, at_method, at_version in ((b"PK\x03\x04", 6, 8, 4),
                                                      (b"PK\x01\x02", 8, 10, 6)):
        start = raw.find(signature)
        while start >= 0:
            if method is not None:
                struct.pack_into("<H", raw, start + at_method, method)
            if version is not None:
                struct.pack_into("<H", raw, start + at_version, version)
            (old,) = struct.unpack_from("<H", raw, start + at_flags)
            struct.pack_into("<H", raw, start + at_flags, old | flags)
            start = raw.find(signature, start + 4)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 1, 99])
def test_a_part_packed_other_than_stored_or_deflated_is_refused(tmp_path: Path,
                                                                method: int) -> None:
    path = _repacked(_workbook(tmp_path, {SHEET: _sheet(GOOD)}), method=method)
    [item] = _items(path)
    _refused([item], f"compressed with zip method {method}")


@pytest.mark.parametrize("flag", [0x1, 0x20, 0x40])
def test_an_encrypted_part_is_refused_with_what_to_do(tmp_path: Path, flag: int) -> None:
    path = _repacked(_workbook(tmp_path, {SHEET: _sheet(GOOD)}), flags=flag)
    [item] = _items(path)
    _refused([item], "save the workbook without a password")


def test_a_zip_version_zipfile_cannot_read_is_bad_input(tmp_path: Path) -> None:
    path = _repacked(_workbook(tmp_path, {SHEET: _sheet(GOOD)}), version=99)
    [item] = _items(path)
    assert item.data is None and "not a readable .xlsx workbook" in str(item.error)


def test_a_compound_file_is_named_as_a_password_protected_or_old_workbook(
        tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(guard.COMPOUND_FILE + bytes(4096))
    [item] = _items(path)
    _refused([item], "saved with a password to open) or an old .xls")


def test_an_xml_encoding_nobody_knows_is_bad_input(tmp_path: Path) -> None:
    sheet = b'<?xml version="1.0" encoding="x-nobody-knows"?>' + _sheet(GOOD)
    [item] = _items(_workbook(tmp_path, {SHEET: sheet}))
    assert item.data is None
    assert "declares a text encoding that cannot be read" in str(item.error)


def test_a_latin_1_declaration_is_read_as_declared(tmp_path: Path) -> None:
    sheet = _sheet(_row("a1", "caf\xe9")).decode().encode("latin-1")
    items = _items(_workbook(tmp_path, {SHEET: b'<?xml version="1.0" encoding="ISO-8859-1"?>'
                                        + sheet}))
    assert _named(items) == [("a1", "café")]


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A folder to write into, and an ordinary workbook's bytes."""
    folder = tmp_path_factory.mktemp("zip-headers")
    return folder, _workbook(folder, {SHEET: _sheet(GOOD)}).read_bytes()


@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                      max_size=4))
def test_any_damage_to_the_zips_headers_is_bad_input_never_an_exception(
        packed: tuple[Path, bytes], flips: list[tuple[int, int]]) -> None:
    """Every way a header byte can be wrong gives rows, never a raise (rows in = rows out)."""
    folder, good = packed
    raw = bytearray(good)
    headers = [i for i in range(len(raw) - 1) if raw[i:i + 2] == b"PK"]
    for where, value in flips:
        at = headers[where % len(headers)] + where % 46
        if at < len(raw):
            raw[at] = value
    path = folder / "damaged.xlsx"
    path.write_bytes(bytes(raw))
    items = _items(path)
    assert items and all(isinstance(i, BulkItem) for i in items)
    assert all((i.data is None) != (i.error is None) for i in items)


def _far(column: int, value: str, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return (f'<c r="{get_column_letter(column)}{row}" t="inlineStr"><is><t>{value}</t></is>'
            "</c>")


@pytest.mark.parametrize("column", [301, 305, 16_384])
def test_a_workbook_rows_cell_past_the_columns_read_is_its_rows_error(
        tmp_path: Path, column: int) -> None:
    """A value past column 300 is that row's error, as in a CSV file: before, a workbook's
    cells past column 301 were dropped without a word."""
    body = (_row("a1", "甲公司").replace("</row>", _far(column, "x", 2) + "</row>")
            + _row("a2", "乙公司").replace("</row>", _far(column, " ", 3) + "</row>")
            + _row("a3", "丙公司").replace("</row>", _far(column, "", 4).replace(
                ' t="inlineStr"><is><t></t></is>', "><v>0</v>") + "</row>"))
    items = _items(_workbook(tmp_path, {SHEET: _sheet(body)}))
    assert len(items) == 3
    for refused in (items[0], items[2]):  # a text, and the number 0
        assert refused.data is None and "more than 300 columns" in str(refused.error)
    assert _named(items[1:2]) == [("a2", "乙公司")]  # a blank far cell is no value


def test_a_csv_rows_value_past_the_columns_read_is_its_rows_error(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text("id,enterprise.name\n"
                    "a1,甲公司" + "," * 303 + "x\n"
                    "a2,乙公司" + "," * 303 + "0\n"
                    "a3,丙公司" + "," * 303 + " \n", encoding="utf-8")
    items = _items(path)
    assert [i.data is None and "more than 300 columns" in str(i.error) for i in items] == [
        True, True, False]
    assert _named(items[2:]) == [("a3", "丙公司")]


def test_headings_past_the_columns_read_refuse_the_file(tmp_path: Path) -> None:
    """A field named past column 300 would never be read: the file says so, rather than
    each row missing that field."""
    csv_path = tmp_path / "apps.csv"
    csv_path.write_text("id" + "," * 301 + "enterprise.name\na1" + "," * 301 + "甲公司\n",
                        encoding="utf-8")
    headings = HEADINGS.replace("</row>", _far(302, "enterprise.name", 1) + "</row>")
    sheet = _sheet(GOOD).replace(HEADINGS.encode(), headings.encode())
    for path in (csv_path, _workbook(tmp_path, {SHEET: sheet})):
        items = _items(path)
        assert len(items) == 1 and items[0].data is None, path
        assert "headings past column 300" in str(items[0].error), path
