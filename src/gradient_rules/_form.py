"""Write a recommender's summary form (汇总表) as .xlsx or .csv, headings as printed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ._application import ScenarioClaim
from ._batch import BatchAssessment, BatchRow
from ._calls import FormSpec
from ._errors import ApplicationError

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


def write_form(batch: BatchAssessment, spec: FormSpec, path: str | Path) -> list[FormLine]:
    """Write the form; ``.xlsx`` or ``.csv`` by the file name.  Returns the lines written.

    Refuses (:class:`ApplicationError`, nothing written) a batch whose ranks are not unique,
    since the form is a strict order of priority, and a batch with no line to list.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ApplicationError([("--out", f"unsupported form file type {target.suffix!r}; "
                                 "use .xlsx or .csv",
                                 f"不支持的文件类型 {target.suffix!r}；请用 .xlsx 或 .csv")])
    problems = form_refusals(batch)
    if problems:
        raise ApplicationError(problems)
    lines = form_lines(batch)
    if not lines:
        raise ApplicationError([("", "no row of the batch can go on the form (each is "
                                 "unreadable, beyond the quota or refused)",
                                 "批次中没有可列入汇总表的行（均无法读取、超出名额或被拒）")])
    table = [[line.cell(field) for field in spec.fields] for line in lines]
    head = f"{spec.recommender_label_zh}{batch.recommender}"
    if suffix == ".csv":
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows([[spec.title_zh], [head], list(spec.columns), *table])
            writer.writerows([note] for note in spec.notes_zh)
        return lines
    # Imported here: ~75 ms at import time that only form writers should pay.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "推荐汇总表"
    sheet.append([spec.title_zh])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([head])
    sheet.append(list(spec.columns))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for values in table:
        sheet.append(values)
    for note in spec.notes_zh:
        sheet.append([note])
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=4, max_row=3 + len(table)):
        for cell in line:
            cell.alignment = wrap
    for column, width in zip("ABCDEF", (6, 28, 30, 60, 10, 16), strict=False):
        sheet.column_dimensions[column].width = width
    book.save(target)
    return lines
