"""Read a worksheet's values in one expat pass, as openpyxl's read-only sheet gives them.

openpyxl builds an ElementTree element for every cell and a descriptor-checked object for
every inline string, which made reading a workbook eighteen times slower than reading the
same rows as CSV: the reader, not the engine, was the bottleneck of a screening from a
spreadsheet.  openpyxl still opens the workbook (its shared strings, its date styles, which
part is the first sheet: everything read once); the rows are read here with openpyxl's
semantics for ``iter_rows(values_only=True, max_col=width)`` after ``reset_dimensions()``:

* a row is numbered by its ``r`` (``"2.0"`` is 2), else one past the last; a gap in the
  numbers is that many empty rows (the guard refuses numbers past 1,048,576 or out of
  order, so a row is never dropped);
* every child of a row is a cell, placed by its ``r`` (``B7``), else one past the last;
* a cell's value is its ``<v>`` text (empty is none): a number (an int unless it has ``.``
  or an exponent), a date or a time when its style is a date format, a shared string by
  index, a boolean, an ISO date (``t="d"``), else the text; an inline string is its text,
  rich-text runs joined, read by openpyxl itself unless it is one plain ``<t>``.

The sheet is held to the guard's limits as it is read, in this one pass (D49): nesting
depth; a row's elements and characters (attribute values count); the number of rows, their
numbers (at most 1,048,576) and their order (increasing: openpyxl fills a gap with empty
rows and drops a row numbered at or below an earlier one); elements and characters outside
rows; no document type declaration.  Past a limit the rows before it are given, then the
caller's ``refuse`` raises.

``tests/test_xlsx_rows.py`` holds it to openpyxl's own reading, value for value, on
generated and hand-written sheets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

if TYPE_CHECKING:
    from ._xlsx_guard import Limits

__all__ = ["Budget", "Refuse", "row_number", "sheet_values"]

Refuse = Callable[..., None]
"""Called with a limit's name and numbers when the sheet goes past it; raises."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW = f"{_MAIN}}}row"
_VALUE = f"{_MAIN}}}v"
_INLINE = f"{_MAIN}}}is"
_TEXT = f"{_MAIN}}}t"
_CHUNK = 64 * 1024
_DIGITS = "0123456789"



def _tag(name: str) -> str:
    """ElementTree's name for expat's ``uri}local`` (``{uri}local``)."""
    return "{" + name if "}" in name else name


_NONE: dict[str, str] = {}


def _tree(events: list[tuple[int, str, dict[str, str]]]) -> Element:
    """The element of recorded (1 start, 0 text, -1 end) events, for openpyxl to read."""
    builder = TreeBuilder()
    for kind, value, attributes in events:
        if kind > 0:
            builder.start(_tag(value), {_tag(k): v for k, v in attributes.items()})
        elif kind < 0:
            builder.end(_tag(value))
        else:
            builder.data(value)
    return builder.close()


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def row_number(text: str) -> int:
    """A row's number as openpyxl reads its ``r``: ``"7"`` and ``"7.0"`` are 7; else ValueError."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if value.is_integer():
            return int(value)
        raise ValueError(f"{text} is not a valid row number") from None


class Budget:
    """What a parser keeps of one part, counted as its elements start and its text goes by.

    ``unit`` names the elements kept one at a time (rows, shared strings): each is held to
    the unit limits, and, when ``keeps_units`` (a shared string stays in its table), kept
    afterwards.  Everything else is kept until the part is done.  Past a limit ``refuse``
    is called with the limit's name and number, and raises.  The guard's scan of the parts
    openpyxl reads and the sheet's reader count with this one budget (D49).
    """

    def __init__(self, limits: Limits, refuse: Refuse, unit: str | None,
                 keeps_units: bool) -> None:
        self.refuse = refuse
        self.unit = unit
        self.keeps_units = keeps_units
        self.max_depth: int = limits.depth
        self.max_unit_elements: int = limits.unit_elements
        self.max_unit_characters: int = limits.unit_characters
        self.max_units: int = limits.units
        self.max_kept_elements: int = limits.kept_elements
        self.max_kept_characters: int = limits.kept_characters
        self.depth = 0
        self.unit_depth = 0  # the depth of the unit being read; 0 outside one
        self.unit_elements = 0
        self.unit_characters = 0
        self.units = 0
        self.kept_elements = 0
        self.kept_characters = 0

    def start(self, name: str, size: int) -> None:
        """An element starts, its attributes ``size`` characters long (names and values)."""
        self.depth += 1
        if self.depth > self.max_depth:
            self.refuse("depth", self.max_depth)
        if self.unit_depth:
            self.unit_elements += 1
            self.unit_characters += size
            if self.unit_elements > self.max_unit_elements:
                self.refuse("unit_elements", self.max_unit_elements)
            if self.unit_characters > self.max_unit_characters:
                self.refuse("unit_characters", self.max_unit_characters)
        elif name == self.unit:
            self.unit_depth = self.depth
            self.units += 1
            self.unit_elements = 0
            self.unit_characters = size
            if self.units > self.max_units:
                self.refuse("units", self.max_units)
        else:
            self.kept_elements += 1
            self.kept_characters += size
            if self.kept_elements > self.max_kept_elements:
                self.refuse("kept_elements", self.max_kept_elements)
            if self.kept_characters > self.max_kept_characters:
                self.refuse("kept_characters", self.max_kept_characters)

    def end(self) -> None:
        """The innermost open element ends."""
        if self.depth == self.unit_depth:
            self.unit_depth = 0
            if self.keeps_units:
                self.kept_characters += self.unit_characters
                if self.kept_characters > self.max_kept_characters:
                    self.refuse("strings_characters", self.max_kept_characters)
        self.depth -= 1

    def text(self, length: int) -> None:
        """``length`` characters of text go by."""
        if self.unit_depth:
            self.unit_characters += length
            if self.unit_characters > self.max_unit_characters:
                self.refuse("unit_characters", self.max_unit_characters)
        else:
            self.kept_characters += length
            if self.kept_characters > self.max_kept_characters:
                self.refuse("kept_characters", self.max_kept_characters)


class _Reader:
    """expat handlers that turn a sheet's XML into rows of values, within the limits."""

    def __init__(self, strings: list[Any], dates: set[int], times: set[int],
                 epoch: dt.datetime, limits: Limits, refuse: Refuse) -> None:
        from openpyxl.cell.text import Text
        from openpyxl.utils.cell import coordinate_to_tuple
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings = strings
        self.dates = dates
        self.times = times
        self.epoch = epoch
        self.rows: list[tuple[int, list[tuple[int, Any]]]] = []
        self.text_from_tree = Text.from_tree
        self.coordinate_to_tuple = coordinate_to_tuple
        self.columns: dict[str, int] = {}  # column letters met, with their numbers
        self.from_excel = from_excel
        self.from_iso = from_ISO8601
        self.depth = 0
        self.row_depth = 0  # the depth of the open row; 0 outside one
        self.row_counter = 0
        self.col_counter = 0
        self.cells: list[tuple[int, Any]] = []
        self.cell: dict[str, str] = {}
        self.value: list[str] | None = None  # the first <v>'s text, once it is met
        self.reading = 0  # the depth whose own text is being read, else 0
        self.inline: list[tuple[int, str, dict[str, str]]] | None = None  # the <is>'s events
        self.inline_depth = 0
        self.plain: list[str] | None = None  # the text of the <is>'s one plain <t>
        self.simple = True  # the <is> holds at most one <t> and nothing else
        self.inline_value: Any = None
        self.has_inline = False
        self.refuse = refuse
        self.max_rows: int = limits.units
        self.budget = Budget(limits, refuse, _ROW, False)

    def _numbered(self, number: str | None) -> int:
        """The starting row's number: its ``r``, else one past the last.

        openpyxl fills a gap with empty rows (``r="999999999"`` in a tiny file is a billion
        of them) and drops a row numbered at or below an earlier one without a word: both
        are refused.
        """
        last = self.row_counter
        counted = last + 1 if number is None else row_number(number)
        if counted > self.max_rows:
            self.refuse("row_number", counted, self.max_rows)
        if counted <= last:
            self.refuse("row_order", counted, last)
        return counted

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        size = 0
        for key, value in attributes.items():
            size += len(key) + len(value)
        self.budget.start(name, size)
        self.reading = 0  # text after a child is the child's tail, not the element's text
        if self.inline is not None:
            self.inline.append((1, name, attributes))
            if depth == self.inline_depth + 1 and name == _TEXT and self.plain is None:
                self.plain = []
                self.reading = depth
            else:
                self.simple = False
            return
        if not self.row_depth:
            if name == _ROW:
                self.row_depth = depth
                self.row_counter = self._numbered(attributes.get("r"))
                self.col_counter = 0
                self.cells = []
            return
        if depth == self.row_depth + 1:  # a cell (openpyxl takes every child as one)
            self.cell = attributes
            self.value = None
            self.has_inline = False
        elif depth == self.row_depth + 2:
            if name == _VALUE and self.value is None:
                self.value = []
                self.reading = depth
            elif name == _INLINE and not self.has_inline and self.cell.get("t") == "inlineStr":
                self.inline = [(1, name, attributes)]
                self.inline_depth = depth
                self.plain = None
                self.simple = True
        elif name == _ROW:
            raise ValueError("a row inside a row")

    def end(self, name: str) -> None:
        self.budget.end()
        depth = self.depth
        self.depth -= 1
        self.reading = 0
        if self.inline is not None:
            self.inline.append((-1, name, _NONE))
            if depth == self.inline_depth:
                self.has_inline = True
                self.inline_value = ("".join(self.plain or ()) if self.simple
                                     else self.text_from_tree(_tree(self.inline)).content)
                self.inline = None
            return
        if not self.row_depth:
            return
        if depth == self.row_depth + 1:
            self._cell_end()
        elif depth == self.row_depth:
            self.row_depth = 0
            self.rows.append((self.row_counter, self.cells))

    def text(self, data: str) -> None:
        self.budget.text(len(data))
        if self.inline is not None:
            self.inline.append((0, data, _NONE))
            if self.reading and self.plain is not None:
                self.plain.append(data)
        elif self.reading and self.value is not None:
            self.value.append(data)

    def _column(self, coordinate: str) -> int:
        """The column of a cell reference (``AB12`` is 28), as openpyxl reads it.

        Letters met before, then ASCII digits: openpyxl splits there too, so the cached
        number is its answer.  Anything else is openpyxl's to read (or to refuse).
        """
        letters = coordinate.rstrip(_DIGITS)
        known = self.columns.get(letters)
        if known is not None and len(letters) < len(coordinate):
            return known
        column: int = self.coordinate_to_tuple(coordinate)[1]
        if (len(letters) < len(coordinate) and len(self.columns) < 20_000
                and not any(c in _DIGITS for c in letters)):
            self.columns[letters] = column
        return column

    def _cell_end(self) -> None:
        cell = self.cell
        kind = cell.get("t", "n")
        style: Any = cell.get("s", 0)
        if style:
            style = int(style)
        coordinate = cell.get("r")
        if coordinate:
            column = self._column(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            column = self.col_counter
        value: Any = None
        if kind != "inlineStr" and self.value:
            value = "".join(self.value) or None
        if value is not None:
            if kind == "n":
                value = _number(value)
                if style in self.dates:
                    try:
                        value = self.from_excel(value, self.epoch, timedelta=style in self.times)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"
            elif kind == "s":
                value = self.strings[int(value)]
            elif kind == "b":
                value = bool(int(value))
            elif kind == "d":
                value = self.from_iso(value)
        elif kind == "inlineStr" and self.has_inline:
            value = self.inline_value
        self.value = None
        self.has_inline = False
        self.cells.append((column, value))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _first_filled(far: dict[int, Any], otherwise: object) -> object:
    """The value of the leftmost column of ``far`` that is not blank, else ``otherwise``."""
    leftmost = -1
    for column, value in far.items():  # one pass: a row may hold 20,000 cells
        if (leftmost < 0 or column < leftmost) and not _blank(value):
            leftmost = column
    return far[leftmost] if leftmost >= 0 else otherwise


def sheet_values(stream: IO[bytes], strings: list[Any], dates: Any, times: Any,
                 epoch: dt.datetime, width: int, limits: Limits,
                 refuse: Refuse) -> Iterator[tuple[Any, ...]]:
    """The rows of the sheet in ``stream`` as openpyxl would give them (module docstring).

    ``strings`` is the workbook's shared-string table, ``dates``/``times`` its date and
    duration style ids, ``epoch`` its date system; each row is ``width`` values.  When the
    last of them is blank, it holds the leftmost value past the width that is not (so a
    reader that refuses rows of more than ``width - 1`` values sees such a row, rather than
    losing its far cells without a word).  Past one of ``limits``, ``refuse`` is called
    with the limit's name and numbers, and must raise.
    Raises what openpyxl raises for the same damage (ValueError, IndexError, expat's
    error), or what ``refuse`` raises, after the rows before it.
    """
    reader = _Reader(strings, dates, times, epoch, limits, refuse)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text

    def declaration(*_: object) -> None:
        refuse("doctype")

    parser.StartDoctypeDeclHandler = declaration
    parser.EntityDeclHandler = declaration
    empty = (None,) * width
    counter = 1
    while True:
        chunk = stream.read(_CHUNK)
        failed: Exception | None = None
        try:
            parser.Parse(chunk, not chunk)
        except Exception as error:  # raised below, after the rows before it
            failed = error
        for number, cells in reader.rows:
            while counter < number:
                counter += 1
                yield empty
            if counter <= number:
                row: list[Any] = [None] * width
                far: dict[int, Any] | None = None
                for column, value in cells:
                    if 1 <= column <= width:
                        row[column - 1] = value
                    elif column > width:
                        if far is None:
                            far = {}
                        far[column] = value
                if far is not None and _blank(row[width - 1]):  # the row goes on: say so
                    row[width - 1] = _first_filled(far, row[width - 1])
                counter += 1
                yield tuple(row)
        reader.rows.clear()
        if failed is not None:  # as openpyxl, which meets the damage after the rows before it
            raise failed
        if not chunk:
            return
