"""Fuzz: bulk inputs (.csv, .jsonl, .xlsx) as strangers write them.

Oracle: reading never raises; every item is either an application (a mapping) or a
bad-input error naming where it came from; a CSV row holding a byte that is not UTF-8
costs only itself (every other row reads exactly as from the intact file); the screening
gives one result row per item, in order.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from grfuzz import FUZZ, damaged, time_limit
from hypothesis import event, given
from hypothesis import strategies as st

from gradient_rules import BulkItem, Engine
from gradient_rules._bulk_read import read_inputs

HEADINGS = ["id", "企业名称 enterprise.name", "self_assessment.maturity_level",
            "attestations.competitive", "scenarios"]
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["是", "否", "2", "5", "生产作业—人机协同作业—basic", "无", "=1+1", ""]),
)
ROW = st.lists(CELL, min_size=0, max_size=7)
PLAIN_ROW = st.lists(CELL.filter(lambda cell: not set(cell) & set(',"\r\n')), max_size=7)
"""Cells that need no quoting: a byte inserted anywhere in the row cannot change where
records end (which a stray byte next to a quote would)."""


@cache
def engine() -> Engine:
    return Engine.from_installed()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


FOLDER = Path(tempfile.mkdtemp(prefix="gr-fuzz-bulk-"))
"""Every example's file is written here, under one name, so sources compare equal."""


def _read(suffix: str, data: bytes) -> list[BulkItem]:
    path = FOLDER / f"apps{suffix}"
    path.write_bytes(data)
    with time_limit(20):
        return list(read_inputs([str(path)]))


def _summary(item: BulkItem) -> tuple[object, ...]:
    return item.source, item.id, item.data, None if item.error is None else str(item.error)


@FUZZ
@given(rows=st.lists(PLAIN_ROW, min_size=1, max_size=12), data=st.data())
def test_a_row_that_is_not_utf8_costs_only_itself(rows: list[list[str]],
                                                  data: st.DataObject) -> None:
    rows = [[f"r{i}", *row] for i, row in enumerate(rows)]  # no row is blank
    clean = _read(".csv", _csv(rows))
    assert len(clean) == len(rows)
    k = data.draw(st.integers(0, len(rows) - 1))
    lines = [_csv([]), *(_csv([row])[len(_csv([])):] for row in rows)]
    line = lines[k + 1]
    at = data.draw(st.integers(0, len(line) - 2))  # before the line's end
    lines[k + 1] = line[:at] + b"\xff" + line[at:]
    items = _read(".csv", b"".join(lines))
    assert len(items) == len(rows)
    for i, (got, want) in enumerate(zip(items, clean, strict=True)):
        if i == k:
            assert got.data is None and "not UTF-8" in str(got.error)
        else:
            assert _summary(got) == _summary(want)


@FUZZ
@given(rows=st.lists(ROW, max_size=12), data=st.data())
def test_a_damaged_csv_reads_as_rows_or_errors(rows: list[list[str]],
                                               data: st.DataObject) -> None:
    bad = data.draw(damaged(_csv(rows)))
    items = _read(".csv", bad)
    for item in items:
        assert (item.data is None) != (item.error is None)
    with time_limit(60):
        out = list(engine().assess_many(items, jurisdiction="national"))
    assert [r.index for r in out] == list(range(len(items)))


@FUZZ
@given(blob=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".jsonl", ".xlsx"]))
def test_any_bytes_read_as_rows_or_errors(blob: bytes, suffix: str) -> None:
    for item in _read(suffix, blob):
        assert (item.data is None) != (item.error is None)


XML_SPLICES = [b'<c t="s"><v>99</v></c>', b'<c t="n"><v>x</v></c>', b'<row r="-1">',
               b'<c r="ZZZZ999999999"><v>1</v></c>', b'<c t="d"><v>99999-13-45</v></c>',
               b'<c t="b"><v>7</v></c>', b'<c t="e"><v>#N/A</v></c>', b'<c s="999"><v>1</v></c>',
               b"<!DOCTYPE x>", b"<![CDATA[<row>]]>", b'<c t="n"><v>1e400</v></c>',
               b'<dimension ref="A1:ZZZZ9"/>', b'<c t="inlineStr"><is><t>&#0;</t></is></c>',
               b"<row><row>", b'<c><v>2958466</v></c>', b'<x:c xmlns:x="urn:x"/>']
"""Cells and rows as a stranger's tool might write them wrong."""


@st.composite
def xml_damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` damaged at the byte level, or with a wrong cell or row spliced in at a tag."""
    if draw(st.booleans()):
        return draw(damaged(data))
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        tags = [i for i, byte in enumerate(out) if byte == ord("<")]
        at = draw(st.sampled_from(tags))
        out[at:at] = draw(st.sampled_from(XML_SPLICES))
    return bytes(out)


def _workbook(rows: list[list[str]], damage: st.DataObject) -> bytes:
    """A workbook of ``rows`` with one part (often the sheet) damaged as ``damage`` draws."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in [HEADINGS, *rows]:
        sheet.append(row)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        hurt = damage.draw(st.sampled_from(names) | st.sampled_from(
            [n for n in names if n.startswith("xl/worksheets/")]))  # a sheet, or any part
        for name in names:
            data = source.read(name)
            if name == hurt:
                data = damage.draw(xml_damaged(data))
            target.writestr(name, data)
    return out.getvalue()


SHEET_ROW = st.lists(st.one_of(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["是", "否", "2", "5", "生产作业—人机协同作业—basic", "无", "=1+1", ""]),
), max_size=7)
"""Cells a workbook can hold (openpyxl refuses to write control characters)."""


@FUZZ
@given(rows=st.lists(SHEET_ROW, max_size=8), data=st.data())
def test_a_workbook_with_damaged_xml_reads_as_rows_or_errors(rows: list[list[str]],
                                                             data: st.DataObject) -> None:
    """openpyxl meets the damage while it reads: each item is an application or an error
    naming the file, and reading never raises (decision D46)."""
    items = _read(".xlsx", _workbook(rows, data))
    for item in items:
        assert (item.data is None) != (item.error is None)
        assert item.source.startswith(str(FOLDER))
    event("read", "no row" if not items else "ends in an error" if items[-1].error
          else "rows only")
