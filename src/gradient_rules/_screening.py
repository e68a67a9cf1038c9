"""Screening many applications: one row per application, in input order, none lost.

``Engine.assess_many`` and ``Engine.compare_many`` hand their work here.  The settings are
checked before any row is read; then each application becomes a :class:`ScreeningRow`
(``_rows``) under each engine, in this process or in worker processes or on an executor
(``_workers``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, TypeVar

from ._errors import ApplicationError
from ._i18n import short_repr
from ._limits import MAX_CHUNK, MAX_WORKERS
from ._rows import Rows, ScreeningRow, screen_one
from ._workers import chunks, screen_in_workers

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["assess_many", "compare_many"]

DEFAULT_CHUNK = 100
"""Applications per task sent to a worker: large enough to amortise the hand-over."""

_Picked = TypeVar("_Picked")


def _count(name: str, value: object, most: int) -> int:
    """``value`` as a count from 1 to ``most``; bad input naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ApplicationError([(name, f"must be a whole number from 1 to {most:,}, got "
                                 f"{short_repr(value)}", f"须为 1 至 {most} 的整数")])
    return value


def _checked_settings(workers: object, chunk_size: object, full: object) -> int:
    """The chunk size, once the screening's settings are checked.

    Bad input when ``workers`` or ``chunk_size`` is not a count in its range, or ``full``
    is not a bool (``full="no"`` would otherwise mean yes).
    """
    _count("workers", workers, MAX_WORKERS)
    size = _count("chunk_size", DEFAULT_CHUNK if chunk_size is None else chunk_size,
                  MAX_CHUNK)
    if not isinstance(full, bool):
        raise ApplicationError([("full", f"must be True or False, got {short_repr(full)}",
                                 "须为 True 或 False")])
    return size


def _screen(engines: Sequence[Engine], applications: Iterable[object], *, jurisdiction: str,
            call: str | None, on: dt.date | None, workers: int, executor: Executor | None,
            full: bool, chunk_size: int | None) -> Generator[Rows, None, None]:
    """Every application under each engine: one tuple of rows per application, in order."""
    size = _checked_settings(workers, chunk_size, full)
    # Bad arguments are bad input before any row is read, not one error per row.
    if isinstance(applications, str | bytes | Mapping) or not isinstance(applications,
                                                                          Iterable):
        raise ApplicationError([("applications", "must be an iterable of applications "
                                 f"(mappings or Application), got {type(applications).__name__}",
                                 "须为申报的可迭代序列")])
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ApplicationError([("executor", "must be a concurrent.futures.Executor (e.g. a "
                                 f"Dask Client's get_executor()), got {type(executor).__name__}",
                                 "须为 concurrent.futures.Executor")])
    for engine in engines:
        engine.scope(jurisdiction, on=on, call=call)
    if executor is None and workers == 1:
        return (tuple(screen_one(engine, index, item, jurisdiction=jurisdiction, call=call,
                                 on=on, full=full) for engine in engines)
                for index, item in enumerate(applications))
    recipes = tuple(engine.recipe for engine in engines)  # refused here, before any row
    return screen_in_workers(tuple(engines), recipes, chunks(applications, size),
                             jurisdiction=jurisdiction, call=call, on=on, full=full,
                             workers=workers, executor=executor)


def _picked(rows: Generator[Rows, None, None],
            pick: Callable[[Rows], _Picked]) -> Generator[_Picked, None, None]:
    """``pick`` of each; closing this closes ``rows`` (and shuts its pool) at once."""
    with contextlib.closing(rows):
        for each in rows:
            yield pick(each)


def assess_many(engine: Engine, applications: Iterable[object], *, jurisdiction: str,
                call: str | None = None, on: dt.date | None = None, workers: int = 1,
                executor: Executor | None = None, full: bool = False,
                chunk_size: int | None = None) -> Generator[ScreeningRow, None, None]:
    """Assess every application; yield one :class:`ScreeningRow` each, in input order.

    See :meth:`Engine.assess_many`.
    """
    return _picked(_screen((engine,), applications, jurisdiction=jurisdiction, call=call,
                           on=on, workers=workers, executor=executor, full=full,
                           chunk_size=chunk_size), operator.itemgetter(0))


def compare_many(base: Engine, changed: Engine, applications: Iterable[object], *,
                 jurisdiction: str, call: str | None = None, on: dt.date | None = None,
                 workers: int = 1, executor: Executor | None = None, full: bool = False,
                 chunk_size: int | None = None
                 ) -> Generator[tuple[ScreeningRow, ScreeningRow], None, None]:
    """Each application under ``base`` and under ``changed``: a pair of rows, in input order.

    See :meth:`Engine.compare_many`.  The input is read once, and one pool of ``workers``
    processes (or the executor) assesses each chunk under both engines.
    """
    from ._engine import Engine

    if not isinstance(changed, Engine):
        raise ApplicationError([("changed", "must be an Engine (e.g. engine.with_overrides"
                                 f"(...)), got {type(changed).__name__}", "须为 Engine")])
    return _picked(_screen((base, changed), applications, jurisdiction=jurisdiction,
                           call=call, on=on, workers=workers, executor=executor, full=full,
                           chunk_size=chunk_size), _pair)


def _pair(rows: Rows) -> tuple[ScreeningRow, ScreeningRow]:
    return rows[0], rows[1]


