"""Writing screening results (JSON Lines, CSV, XLSX with a summary chart) and the template.

Writers take rows one at a time, in input order, and keep nothing but counts: a 100,000-row
screening streams to disk.  ``template`` writes the empty workbook of the flat layout
(``_bulk_read``) for a jurisdiction (and call): headings in Chinese and English, drop-down
lists for enumerations and yes/no, and an example row on its own sheet.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections import Counter
from pathlib import Path
from typing import IO, Any

from ._output import cannot_write, out_target, temporary_beside, write_whole
from ._rows import ScreeningRow
from ._scope import Scope
from ._vocabulary import Industry, Tier, Verdict

__all__ = ["OUT_SUFFIXES", "RESULT_KEYS", "SUMMARY_COLUMNS", "SUMMARY_HEADING", "RowWriter",
           "compact_assessment", "open_writer", "row_record", "write_template"]

OUT_SUFFIXES = (".jsonl", ".csv", ".xlsx")
SUMMARY_COLUMNS = ("row", "source", "id", "enterprise", "highest_eligible",
                   *(f"verdict_{t.value}" for t in Tier.ordered()), "not_met", "unknown",
                   "next_zh", "next_en", "error", "retried", "overrides")
"""The columns of a CSV of results, and of an .xlsx's results sheets."""
SUMMARY_HEADING = "tier 层级"
"""The first cell of an .xlsx of results: its first sheet is the summary."""
RESULT_KEYS = frozenset({"row", "index", "source", "verdicts"})
"""Keys every line of a JSON Lines file of results has (and no application does)."""


def compact_assessment(assessment: dict[str, Any]) -> dict[str, Any]:
    """The assessment without the quoted clause texts (``--compact``)."""
    tiers = []
    for tier in assessment.get("tiers", []):
        findings = [{**f, "citation": {k: v for k, v in f["citation"].items() if k != "text_zh"}}
                    for f in tier.get("findings", [])]
        tiers.append({**tier, "findings": findings})
    return {**assessment, "tiers": tiers}


def row_record(row: ScreeningRow, *, compact: bool = False) -> dict[str, Any]:
    """The JSON form of a row (JSON Lines output)."""
    record = row.model_dump(mode="json", exclude={"assessment"})
    record["row"] = row.index + 1
    if row.assessment is not None:
        record["assessment"] = compact_assessment(row.assessment) if compact else row.assessment
    return record


def _flat(row: ScreeningRow) -> list[Any]:
    error = row.error
    return [row.index + 1, row.source, row.id or "", row.enterprise or "",
            row.highest_eligible.value if row.highest_eligible else "",
            *(row.verdicts[t].value if t in row.verdicts else "" for t in Tier.ordered()),
            " ".join(row.not_met), " ".join(row.unknown), row.next_zh, row.next_en,
            f"{error.kind}: {error.message_en}" if error else "", "yes" if row.retried else "",
            "; ".join(row.overrides)]


class RowWriter:
    """Write rows in order; count verdicts for the summary; :meth:`close` publishes the file.

    The file is built beside its target and renamed over it by :meth:`close`, so the target
    is replaced whole or not at all: a run that stops early (bad input, an interruption)
    calls :meth:`discard` and leaves no file that looks complete but lacks rows.
    """

    def __init__(self, path: Path, *, compact: bool = False) -> None:
        self.path = path
        self.compact = compact
        self.rows = 0
        self.counts: Counter[tuple[str, str]] = Counter()
        self.highest: Counter[str] = Counter()
        self._temporary = temporary_beside(path)
        try:
            self._open()
        except BaseException:
            self._temporary.unlink(missing_ok=True)
            raise

    def _open(self) -> None:
        """Start the file being built (``self._temporary``)."""

    @property
    def files(self) -> tuple[Path, Path]:
        """The file being built and its target: what no input of the run may read."""
        return self._temporary, self.path

    def write(self, row: ScreeningRow) -> None:
        """Write one row."""
        self.rows += 1
        for tier, verdict in row.verdicts.items():
            self.counts[(tier.value, verdict.value)] += 1
        self.highest[row.highest_eligible.value if row.highest_eligible else
                     ("error" if row.error else "none")] += 1
        try:
            self._write(row)
        except OSError as error:  # a full disk, say
            raise cannot_write(self.path, error) from None

    def _write(self, row: ScreeningRow) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file and put it in place of the target."""
        try:
            self._finish()
            os.replace(self._temporary, self.path)
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError):
                raise cannot_write(self.path, error) from None
            raise

    def discard(self) -> None:
        """Drop the file being built; the target is left as it was."""
        with contextlib.suppress(Exception):
            self._abandon()
        self._temporary.unlink(missing_ok=True)

    def _finish(self) -> None:
        pass

    def _abandon(self) -> None:
        pass


class _Stream(RowWriter):
    """A text file written row by row."""

    encoding = "utf-8"

    def _open(self) -> None:
        self._handle: IO[str] = self._temporary.open("w", encoding=self.encoding, newline="")

    def _finish(self) -> None:
        self._handle.close()

    def _abandon(self) -> None:
        self._handle.close()


class _JsonLines(_Stream):
    def _write(self, row: ScreeningRow) -> None:
        self._handle.write(json.dumps(row_record(row, compact=self.compact), ensure_ascii=False,
                                      separators=(",", ":")) + "\n")


class _Csv(_Stream):
    encoding = "utf-8-sig"

    def _open(self) -> None:
        super()._open()
        self._csv = csv.writer(self._handle)
        self._csv.writerow(SUMMARY_COLUMNS)

    def _write(self, row: ScreeningRow) -> None:
        self._csv.writerow([_safe_cell(v) for v in _flat(row)])


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (names come from strangers' files)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Xlsx(RowWriter):
    """An .xlsx of results, with a summary sheet and its chart.

    A sheet holds at most :attr:`SHEET_ROWS` rows (Excel opens no more), so the results go
    on in ``结果 results 2``, ``3``..., each with the heading row.
    """

    SHEET_ROWS = 1_048_576
    """Rows in one sheet, the heading included: Excel's limit."""

    def _open(self) -> None:
        import openpyxl

        self._book = openpyxl.Workbook(write_only=True)
        self._summary = self._book.create_sheet("汇总 summary")
        self._sheets = 0
        self._next_sheet()

    def _next_sheet(self) -> None:
        self._sheets += 1
        suffix = "" if self._sheets == 1 else f" {self._sheets}"
        self._sheet = self._book.create_sheet(f"结果 results{suffix}")
        self._sheet.append(list(SUMMARY_COLUMNS))
        self._sheet_rows = 1

    def _write(self, row: ScreeningRow) -> None:
        if self._sheet_rows >= self.SHEET_ROWS:
            self._next_sheet()
        self._sheet.append([_safe_cell(v) for v in _flat(row)])
        self._sheet_rows += 1

    def _finish(self) -> None:
        from openpyxl.chart import BarChart, Reference

        verdicts = [v.value for v in Verdict]
        self._summary.append([SUMMARY_HEADING, *verdicts])
        for tier in Tier.ordered():
            self._summary.append([f"{tier.label_zh} {tier.value}",
                                  *(self.counts[(tier.value, v)] for v in verdicts)])
        self._summary.append([])
        self._summary.append(["rows 行数", self.rows])
        for key, count in sorted(self.highest.items()):
            self._summary.append([f"highest eligible: {key}", count])
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = "Verdicts per tier 各层级结论"
        data = Reference(self._summary, min_col=2, max_col=1 + len(verdicts), min_row=1,
                         max_row=1 + len(Tier))
        labels = Reference(self._summary, min_col=1, min_row=2, max_row=1 + len(Tier))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        self._summary.add_chart(chart, "F2")
        self._book.save(self._temporary)

    def _abandon(self) -> None:
        # Sheets an unfinished or failed save left open would otherwise finish writing, into
        # a closed file, when collected: tracebacks from inside openpyxl on stderr.
        for sheet in self._book.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()


def open_writer(path: str | Path, *, compact: bool = False) -> RowWriter:
    """A writer for ``path`` by its suffix (.jsonl, .csv, .xlsx)."""
    kinds: dict[str, type[RowWriter]] = {".jsonl": _JsonLines, ".csv": _Csv, ".xlsx": _Xlsx}
    target = out_target(path, OUT_SUFFIXES, "output")
    try:
        return kinds[target.suffix.lower()](target, compact=compact)
    except OSError as error:  # a folder we may not write to, a name too long
        raise cannot_write(target, error) from None


# --- the template ---------------------------------------------------------------------------

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "编号"), ("enterprise.name", "企业名称"), ("enterprise.credit_code", "统一社会信用代码"),
    ("enterprise.province", "所在省份"), ("enterprise.industry", "所属行业"),
    ("enterprise.independent_legal_person", "独立法人"), ("enterprise.is_branch", "分支机构"),
    ("enterprise.above_designated_size", "规模以上"),
    ("enterprise.main_business_revenue_cny", "主营业务收入（元）"), ("project_name", "项目名称"),
    ("dated", "评估日期"), ("construction_completed", "建设完成"),
    ("self_assessment.maturity_level", "智能制造能力成熟度等级"),
    ("self_assessment.digital_transformation_level", "数字化转型水平等级"),
    ("scenarios", "场景（环节—名称—层级；…）"), ("incidents", "事故（类别—等级—日期；…）"),
    ("titles", "已获称号（层级—认定层级—年份；…）"), ("events", "事件（类别—日期；…）"),
    ("kpis", "指标（编号=数值；…）"),
)
_BOOLEAN_COLUMNS = {"enterprise.independent_legal_person", "enterprise.is_branch",
                    "enterprise.above_designated_size", "construction_completed"}
_EXAMPLE = {"id": "A-001", "enterprise.name": "示例智能制造有限公司",
            "enterprise.above_designated_size": "是", "construction_completed": "是",
            "self_assessment.maturity_level": 3, "dated": "2024-11-22",
            "scenarios": "生产作业—人机协同作业—excellent; 生产管理—质量精准追溯—advanced",
            "incidents": "无", "kpis": "KPI-01=80"}


def template_columns(scope: Scope) -> list[tuple[str, str]]:
    """(dotted path, Chinese label) of every column for ``scope``."""
    columns = list(_COLUMNS)
    if scope.call is not None:
        columns += [("filing.online_filed_on", "网上申报日期"),
                    ("filing.paper_submitted_on", "纸质材料报送日期"),
                    ("materials", "已提交材料（编号；…）")]
    columns += [(f"attestations.{name}", text.zh[:40])
                for name, text in sorted(scope.attestations.items())]
    return columns


def write_template(scope: Scope, path: str | Path) -> int:
    """Write the empty flat-layout workbook for ``scope``; return the number of columns."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    target = out_target(path, (".xlsx",), "template")
    columns = template_columns(scope)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报 applications"
    lists = book.create_sheet("选项 lists")
    lists.append(["是", "否"])
    lists.append([i.value for i in Industry])
    lists.append([t.value for t in Tier.ordered()])
    for number, (key, label) in enumerate(columns, 1):
        cell = sheet.cell(row=1, column=number, value=f"{label} {key}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
        sheet.column_dimensions[get_column_letter(number)].width = 24
        source = None
        if key in _BOOLEAN_COLUMNS or key.startswith("attestations."):
            source = "'选项 lists'!$A$1:$B$1"
        elif key == "enterprise.industry":
            source = f"'选项 lists'!$A$2:${get_column_letter(len(Industry))}$2"
        if source:
            rule = DataValidation(type="list", formula1=source, allow_blank=True)
            rule.add(f"{get_column_letter(number)}2:{get_column_letter(number)}100000")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "B2"
    example = book.create_sheet("示例 example")
    example.append([f"{label} {key}" for key, label in columns])
    example.append([_EXAMPLE.get(key, "是" if key.startswith("attestations.") else "")
                    for key, _ in columns])
    lists.sheet_state = "hidden"
    write_whole(target, book.save)
    return len(columns)
