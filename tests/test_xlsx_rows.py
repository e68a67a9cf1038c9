"""The sheet reader of ``_xlsx_rows`` gives what openpyxl's read-only sheet gives.

Oracle: openpyxl itself (``load_workbook(read_only=True, data_only=True)``, the dimension
reset, ``iter_rows(values_only=True)``, cut to ``WIDTH`` values as ``_within`` says), which
read every workbook before D48. On generated sheets of every cell type, style, numbering
and inline-string shape, the two give the same rows, value for value, and fail (or not) on
the same sheets, after the same rows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from gradient_rules._xlsx_guard import open_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
WIDTH = 6
ZZZ = 18_278
"""The last column openpyxl reads (``ZZZ``): without ``max_col`` it cuts a row at its last
cell's column, whatever the columns of the cells before it."""
STRINGS = ["id", "甲公司", "", " spaced ", "a&amp;b", "x005F_x000D_"]
INLINE = [
    "<is><t>plain</t></is>", '<is><t xml:space="preserve"> 空格 </t></is>',
    "<is><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></is>",
    '<is><t>a</t><rPh sb="0" eb="1"><t>ふ</t></rPh></is>', "<is/>", "<is><t/></is>",
    "<is><t>a</t><t>b</t></is>", "<is><t>&lt;x&gt; &amp;</t></is>", "<is>loose<t>t</t></is>",
    "<is><t>a<x/>b</t></is>",
]
ODD_REFERENCES = ["b1", "A01", "C1_2", "AAAA1", "1A", "A", "", "A1B2", "ZZZ3", "D١", "E1١",
                  " F1", "XFD1", "aB3"]
"""Cell references as only a stranger's tool writes them; openpyxl reads some, refuses most."""
VALUES = ["0", "1", "3.5", "1e3", "-2", "44927", "44927.5", "abc", "2024-01-02",
          "2024-01-02T03:04:05", "99999999", "", "1", "2", "9", "-1", " 7 ", "1E-2"]


@cache
def _base() -> dict[str, bytes]:
    """The parts of a workbook whose styles 1 and 2 are a date and a duration format."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = dt.datetime(2024, 1, 1)
    sheet["A2"] = 1.5
    sheet["A2"].number_format = "[h]:mm:ss"
    sheet["A3"] = 2
    sheet["A3"].number_format = "0.00"
    path = Path(tempfile.mkdtemp()) / "base.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    strings = (f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{s}</t></si>" for s in STRINGS)
               + "</sst>").encode()
    parts["xl/sharedStrings.xml"] = strings
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return parts


@st.composite
def cells(draw: st.DrawFn) -> str:
    attributes = ""
    if draw(st.booleans()):
        attributes += f' r="{draw(st.sampled_from("ABCDEFGH"))}{draw(st.integers(1, 9))}"'
    elif draw(st.integers(0, 19)) == 0:
        attributes += f' r="{draw(st.sampled_from(ODD_REFERENCES))}"'
    kind = draw(st.sampled_from([None, "n", "s", "b", "str", "e", "d", "inlineStr", "zz"]))
    if kind is not None:
        attributes += f' t="{kind}"'
    style = draw(st.sampled_from([None, "0", "1", "2", "3"]))
    if style is not None:
        attributes += f' s="{style}"'
    inner = ""
    if kind == "inlineStr" or draw(st.integers(0, 9)) == 0:
        inner += draw(st.sampled_from(INLINE))
    if draw(st.integers(0, 4)):
        inner += f"<v>{draw(st.sampled_from(VALUES))}</v>"
    if draw(st.integers(0, 9)) == 0:
        inner += "<f>1+1</f>"
    tag = draw(st.sampled_from(["c"] * 9 + ["x"]))  # openpyxl takes any child for a cell
    return f"<{tag}{attributes}>{inner}</{tag}>" if inner else f"<{tag}{attributes}/>"


@st.composite
def sheets(draw: st.DrawFn) -> bytes:
    rows, number = [], 0
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):  # numbered, maybe past a gap
            number += draw(st.integers(1, 3))
            numbered = f' r="{number}"' if draw(st.integers(0, 5)) else f' r="{number}.0"'
        else:  # one past the last, as openpyxl counts
            number += 1
            numbered = ""
        rows.append(f"<row{numbered}>{''.join(draw(st.lists(cells(), max_size=7)))}</row>")
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>' \
        .encode()


def _write(sheet: bytes) -> Path:
    path = Path(tempfile.mkdtemp()) / "apps.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for name, data in {**_base(), SHEET: sheet}.items():
            out.writestr(name, data)
    return path


def _openpyxl(path: Path) -> tuple[list[tuple[Any, ...]], bool]:
    import warnings

    rows: list[tuple[Any, ...]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()
            for row in sheet.iter_rows(values_only=True, max_col=ZZZ):
                rows.append(_within(row))
        except Exception:
            return rows, True
        finally:
            book.close()
    return rows, False


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _within(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """openpyxl's whole row as ours gives it: ``WIDTH`` values, the last of which (when
    blank) holds the leftmost value past the width that is not blank."""
    kept = list(row[:WIDTH]) + [None] * (WIDTH - len(row))
    if _blank(kept[-1]):
        kept[-1] = next((v for v in row[WIDTH:] if not _blank(v)), kept[-1])
    return tuple(kept)


def _ours(path: Path) -> tuple[list[tuple[Any, ...]], bool]:
    rows: list[tuple[Any, ...]] = []
    with path.open("rb") as handle:
        book = open_workbook(handle)
        try:
            assert book.sheet is not None
            with book.open_sheet() as stream:
                for row in book.values(stream, WIDTH):
                    rows.append(row)
        except Exception:
            return rows, True
        finally:
            book.archive.close()
    return rows, False


@settings(max_examples=400, deadline=None)
@given(sheet=sheets())
def test_the_reader_gives_what_openpyxl_gives(sheet: bytes) -> None:
    path = _write(sheet)
    assert _ours(path) == _openpyxl(path)


def test_the_generated_sheets_reach_every_kind_of_value() -> None:
    """The oracle compares something: the hand-written cases give values of every type."""
    body = "".join([
        '<row><c t="s"><v>1</v></c><c><v>3.5</v></c><c s="1"><v>44927</v></c>'
        '<c t="b"><v>1</v></c><c t="d"><v>2024-01-02</v></c>'
        '<c t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>',
        '<row r="4"><c r="C4" t="str"><v>text</v></c><c s="2"><v>1.5</v></c></row>',
    ])
    path = _write(f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
                  .encode())
    rows, failed = _ours(path)
    assert (rows, failed) == _openpyxl(path)
    assert rows[0] == ("甲公司", 3.5, dt.datetime(2023, 1, 1), True, dt.date(2024, 1, 2),
                       "ab")
    assert rows[1] == rows[2] == (None,) * WIDTH  # rows 2 and 3 are not in the sheet
    assert rows[3][2:4] == ("text", dt.timedelta(days=1, hours=12))
