"""Write a recommender's summary form (汇总表) as .xlsx or .csv, headings as printed.

A form leaves this library for a spreadsheet, so every text cell is written as text: in
.xlsx as a string cell with a quote prefix (never a formula), in .csv with a leading
apostrophe when it starts like a formula (``= + - @``, tab, carriage return), as OWASP
recommends against CSV injection.  A cell over Excel's 32,767 characters is refused, not
cut.  The file is written whole or not at all: to a temporary file beside it, then renamed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ._application import ScenarioClaim
from ._batch import BatchAssessment, BatchRow
from ._calls import FormSpec
from ._errors import ApplicationError
from ._i18n import InvalidValue
from ._limits import check_text
from ._output import out_target, write_whole

__all__ = ["FormLine", "form_lines", "form_refusals", "scenario_instance", "write_form"]


def scenario_instance(claim: ScenarioClaim) -> str:
    """环节名—场景名—实例名, from the parts that are stated."""
    segment = claim.guide_segment or (claim.segment.label_zh if claim.segment else "")
    return "—".join(p for p in (segment, claim.name, claim.instance) if p)


@dataclass(frozen=True)
class FormLine:
    """One line of the form: a batch row and its scenario instances."""

    row: BatchRow
    instances: tuple[str, ...]

    def cell(self, field: str) -> str | int:
        """The value of one column."""
        contact = self.row.contact
        values: dict[str, str | int] = {
            "rank": self.row.position or 0,
            "enterprise": self.row.enterprise or "",
            "project": self.row.project or "",
            "scenarios": "\n".join(f"{i}. {text}"
                                   for i, text in enumerate(self.instances, start=1)),
            "contact": (contact.name or "") if contact else "",
            "mobile": (contact.mobile or "") if contact else "",
        }
        return values[field]


def form_lines(batch: BatchAssessment) -> list[FormLine]:
    """The rows that go on the form: readable, within the quota, unrefused, by rank."""
    return [FormLine(row, tuple(scenario_instance(c) for c in row.scenarios))
            for row in batch.rows
            if not row.errors and row.position is not None and row.position <= batch.quota
            and not row.refusals]


def form_refusals(batch: BatchAssessment) -> list[tuple[str, str, str]]:
    """Why the form cannot be written: ranks used twice, or no line at all."""
    problems: list[tuple[str, str, str]] = []
    by_rank: dict[int, list[int]] = {}
    for row in batch.rows:
        if row.rank is not None:
            by_rank.setdefault(row.rank, []).append(row.row)
    for rank, rows in sorted(by_rank.items()):
        if len(rows) > 1:
            en = " and ".join([", ".join(map(str, rows[:-1])), str(rows[-1])])
            zh = "、".join(map(str, rows))
            problems.append(("rank", f"rank {rank} is used by rows {en}; the form lists "
                             "projects in a strict order of priority, so ranks must be unique",
                             f"推荐次序{rank}被第{zh}行重复使用；汇总表须按优先次序唯一排名"))
    return problems


CELL_LIMIT = 32_767
"""Most characters in one spreadsheet cell (Excel's limit)."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _checked_table(table: list[list[str | int]], columns: tuple[str, ...],
                   rows: list[FormLine]) -> None:
    for values, line in zip(table, rows, strict=True):
        for value, column in zip(values, columns, strict=True):
            if isinstance(value, str) and len(value) > CELL_LIMIT:
                raise ApplicationError([(f"row {line.row.row}", f"{column}: {len(value):,} "
                                         f"characters; a spreadsheet cell holds at most "
                                         f"{CELL_LIMIT:,}", f"{column}：{len(value):,}个字符，"
                                         f"超过单元格上限{CELL_LIMIT:,}")])
            if isinstance(value, str):
                try:
                    check_text(value.replace("\n", " "))
                except InvalidValue as error:
                    raise ApplicationError([(f"row {line.row.row}", f"{column}: {error.message_en}",
                                             f"{column}：{error.message_zh}")]) from None


def _csv_cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_form(batch: BatchAssessment, spec: FormSpec, path: str | Path) -> list[FormLine]:
    """Write the form; ``.xlsx`` or ``.csv`` by the file name.  Returns the lines written.

    Refuses (:class:`ApplicationError`, nothing written) a batch whose ranks are not unique,
    since the form is a strict order of priority, a batch with no line to list, a cell over
    32,767 characters, and a target in a missing folder or onto a folder.  Text cells are
    written as text, never as formulas; the file is replaced whole or not at all.
    """
    if not isinstance(batch, BatchAssessment) or not isinstance(spec, FormSpec):
        raise ApplicationError([("", "write_form takes a BatchAssessment (from "
                                 "Engine.assess_batch) and the call's FormSpec (Call.form), got "
                                 f"{type(batch).__name__} and {type(spec).__name__}",
                                 "write_form 须传入批次评估结果与申报通知的汇总表定义")])
    target = out_target(path, (".xlsx", ".csv"), "form")
    problems = form_refusals(batch)
    if problems:
        raise ApplicationError(problems)
    lines = form_lines(batch)
    if not lines:
        raise ApplicationError([("", "no row of the batch can go on the form (each is "
                                 "unreadable, beyond the quota or refused)",
                                 "批次中没有可列入汇总表的行（均无法读取、超出名额或被拒）")])
    table = [[line.cell(field) for field in spec.fields] for line in lines]
    _checked_table(table, spec.columns, lines)
    head = f"{spec.recommender_label_zh}{batch.recommender}"
    notes: list[list[str | int]] = [[note] for note in spec.notes_zh]
    rows: list[list[str | int]] = [[spec.title_zh], [head], list(spec.columns), *table, *notes]
    if target.suffix.lower() == ".csv":
        def write_csv(temporary: Path) -> None:
            with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
                csv.writer(handle).writerows([_csv_cell(v) for v in row] for row in rows)
        write_whole(target, write_csv)
        return lines

    def write_xlsx(temporary: Path) -> None:
        # Imported here: ~75 ms at import time that only form writers should pay.
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "推荐汇总表"
        wrap = Alignment(wrap_text=True, vertical="top")
        for number, values in enumerate(rows, start=1):
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=number, column=column)
                cell.value = value
                if isinstance(value, str):  # text, never a formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
                if 4 <= number < 4 + len(table):
                    cell.alignment = wrap
        sheet["A1"].font = Font(bold=True, size=14)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDEF", (6, 28, 30, 60, 10, 16), strict=False):
            sheet.column_dimensions[letter].width = width
        book.save(temporary)

    write_whole(target, write_xlsx)
    return lines
