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
from functools import cache
from pathlib import Path

from grfuzz import FUZZ, damaged, time_limit
from hypothesis import given
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
