"""Screening in worker processes, or on any ``concurrent.futures.Executor``.

Applications go out in chunks (:data:`Chunk`) through a bounded window, so a 100,000-row
input never sits in memory as results; each worker builds its engines once, from their
:class:`EngineRecipe` (or, forked, adopts its parent's), and sends its rows back packed.
A chunk whose worker died is retried once on a fresh pool; if it dies again its rows
carry the error rather than disappear.  A chunk that fails twice while its worker lives
(a row that cannot be pickled) is assessed in the calling process (D57).  Rows come back
in input order.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import operator
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, CancelledError, Executor, Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._construct import rebuilt
from ._errors import EngineError
from ._rows import BulkItem, RowProblem, Rows, ScreeningRow, item_of, screen_one

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from ._engine import Engine

__all__ = ["Chunk", "EngineRecipe", "chunks", "screen_in_workers", "start_method"]

log = logging.getLogger("gradient_rules")
log.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class EngineRecipe:
    """How to build the same engine in another process: plugins, backend and overrides."""

    entry_points: bool
    modules: tuple[str, ...]
    strict: bool
    backend: Literal["durable", "reference"]
    overrides: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Engine:
        """The engine this recipe describes."""
        import importlib

        from ._engine import Engine

        plugins = [importlib.import_module(name) for name in self.modules]
        # The overrides were validated where the recipe was made: build once, with them.
        return Engine(plugins=plugins, entry_points=self.entry_points, strict=self.strict,
                      backend=self.backend, overrides=self.overrides)


_ENGINES: dict[str, Engine] = {}


def _key(recipe: EngineRecipe) -> str:
    """``recipe`` as text, to look its engine up by.

    Override values may be tables or lists, which do not hash; JSON with sorted keys gives
    equal recipes one key.
    """
    return json.dumps([recipe.entry_points, recipe.modules, recipe.strict, recipe.backend,
                       recipe.overrides], sort_keys=True, ensure_ascii=False)


def _engine_for(recipe: EngineRecipe) -> Engine:
    """The engine of ``recipe`` in this process, built once."""
    key = _key(recipe)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = recipe.build()
    return engine


def _adopt(recipes: Sequence[EngineRecipe], engines: Sequence[Engine]) -> None:
    """A forked worker's start: the engines its parent built serve their ``recipes`` here.

    Everything the worker inherited is frozen for its garbage collector first
    (``gc.freeze``, which moves whole lists, touching no object).  Its collections would
    otherwise walk the caller's whole heap, the applications list included, and copy every
    page they touch that the two processes share: about a twentieth of a worker's time
    when the caller holds much.  The caller's own collector is left as it was.
    """
    import gc

    gc.freeze()
    for recipe, engine in zip(recipes, engines, strict=True):
        _ENGINES[_key(recipe)] = engine


Chunk = tuple[int, list[BulkItem | dict[str, Any]]]
"""Work for a worker: the index of its first application, and the applications.

A plain ``dict`` (most callers' applications) travels as it is; anything else as the
:class:`BulkItem` that :func:`item_of` makes of it, in the caller's process, so a value that
is not an application is an error row there rather than a chunk that cannot be sent.
Numbering by the first index and leaving dicts unwrapped spare the caller's process,
which shares the machine with its workers, the making and pickling of an object per row.
"""

_ROW_FIELDS = tuple(ScreeningRow.model_fields)
_row_values = operator.itemgetter(*_ROW_FIELDS)
Packed = tuple[Any, ...] | ScreeningRow
"""A row as a worker sends it back: an assessed row as the tuple of its fields' values
(:func:`_packed`), which pickles and unpickles in a third of the time a model takes; an
error row as itself."""


def _packed(row: ScreeningRow) -> Packed:
    """``row`` as its worker sends it back; :func:`_unpacked` is the inverse."""
    if row.error is None and len(row.model_fields_set) == len(_ROW_FIELDS):
        values: tuple[Any, ...] = _row_values(row.__dict__)
        return values
    return row


def _unpacked(rows: Sequence[tuple[Packed, ...]]) -> list[Rows]:
    """A chunk's rows as its worker sent them back, as models again."""
    return [tuple(row if isinstance(row, ScreeningRow)
                  else rebuilt(ScreeningRow, _ROW_FIELDS, row) for row in each)
            for each in rows]


def _assess_chunk(recipes: Sequence[EngineRecipe], jurisdiction: str, call: str | None,
                  on: dt.date | None, full: bool, chunk: Chunk) -> list[tuple[Packed, ...]]:
    """What a worker runs: each engine built once per process, every row of the chunk.

    The rows go back packed (:func:`_packed`); :func:`_unpacked` makes them models again.
    """
    engines = [_engine_for(recipe) for recipe in recipes]
    start, items = chunk
    return [tuple(_packed(screen_one(engine, index, item, jurisdiction=jurisdiction,
                                     call=call, on=on, full=full)) for engine in engines)
            for index, item in enumerate(items, start)]


def chunks(items: Iterable[object], size: int) -> Iterator[Chunk]:
    """``items`` in chunks of ``size``, numbered from 0.

    When iterating ``items`` raises (the caller's generator failed), the items read before
    it still make a last chunk, and the error is raised after it.
    """
    start = 0
    chunk: list[BulkItem | dict[str, Any]] = []
    append = chunk.append
    try:
        for index, value in enumerate(items):
            append(value if type(value) is dict else item_of(index, value))
            if len(chunk) >= size:
                yield start, chunk
                start, chunk = index + 1, []
                append = chunk.append
    except Exception:
        if chunk:
            yield start, chunk
        raise
    if chunk:
        yield start, chunk


def _numbered(chunk: Chunk) -> Iterator[tuple[int, BulkItem]]:
    """The chunk's applications, each with its index, as BulkItems."""
    start, items = chunk
    for index, value in enumerate(items, start):
        yield index, item_of(index, value)


def _died(chunk: Chunk, error: BaseException, width: int) -> list[Rows]:
    why = f"{type(error).__name__}: {str(error)[:300]}"
    problem = RowProblem(kind="worker",
                         message_en=f"the worker assessing this row died twice ({why}); "
                                    "assess it again on its own",
                         message_zh=f"评估本行的工作进程两次异常退出（{why}）；请单独重新评估")
    return [(ScreeningRow(index=index, source=item.source, id=item.id, retried=True,
                          error=problem),) * width
            for index, item in _numbered(chunk)]


def _marked_retried(rows: list[Rows]) -> list[Rows]:
    return [tuple(row.model_copy(update={"retried": True}) for row in each) for each in rows]


@dataclass
class _Task:
    chunk: Chunk
    future: Future[list[tuple[Packed, ...]]]
    attempt: int = 0


def start_method() -> Literal["fork", "spawn"]:
    """How worker processes start: ``fork`` where it is safe, else ``spawn``.

    ``fork`` on Linux when the calling process runs no other thread, none that Python
    started and none that a C library did (``/proc/self/task`` lists one, once a thread
    that is ending has gone: D51).  A worker then starts as a copy of the caller with its
    engine already built (the durable-rules adapter rebuilds its rulesets with fresh locks
    in the child), in milliseconds rather than the half second a fresh interpreter takes
    to import and load the plugins.  ``spawn`` everywhere else: forking a process that runs
    other threads (a progress bar's, a web server's) can deadlock the child on a lock one
    of them held, and macOS's system libraries are not fork-safe.
    """
    import multiprocessing
    import threading

    if (sys.platform.startswith("linux") and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods() and _one_task()):
        return "fork"
    return "spawn"


THREAD_EXIT_WAIT = 0.05
"""Seconds :func:`start_method` waits for threads that are ending to leave ``/proc``."""


def _one_task() -> bool:
    """Whether the kernel lists one thread in this process, once ending threads are gone.

    A thread Python has joined is still listed for a moment (a fraction of a millisecond)
    while it exits.  A screening's pool joins its threads as the screening ends, so the
    next one, started at once (a what-if loop), would otherwise find two threads and start
    its workers the slow way.  A thread that stays (a C library's) makes this wait
    :data:`THREAD_EXIT_WAIT` seconds, once per pool, and then answers ``False``.
    """
    deadline = time.monotonic() + THREAD_EXIT_WAIT
    while True:
        try:
            if len(os.listdir("/proc/self/task")) == 1:
                return True
        except OSError:  # no /proc to ask: do not guess
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.0005)


def _process_pool(workers: int, recipes: tuple[EngineRecipe, ...],
                  engines: tuple[Engine, ...]) -> ProcessPoolExecutor:
    # multiprocessing is imported here, when a pool is first made: ~8 ms of every start-up.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = start_method()
    if method == "fork":  # the initializer's arguments are inherited, not pickled
        return ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_adopt, initargs=(recipes, engines))
    # spawn: a fresh interpreter builds the engine from the recipe on its first chunk.
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))


MAX_POOL_BREAKS = 3
"""Worker pools that may break in a row, no chunk finishing in between, before the rest of
the rows are given up as worker errors (workers that die as they start would otherwise be
restarted for every chunk)."""


class _WorkersDying(Exception):
    """Worker processes keep dying before finishing any work."""


def screen_in_workers(engines: tuple[Engine, ...], recipes: tuple[EngineRecipe, ...],
                      work: Iterator[Chunk], *, jurisdiction: str, call: str | None,
                      on: dt.date | None, full: bool, workers: int,
                      executor: Executor | None) -> Generator[Rows, None, None]:
    """Every chunk of ``work`` under each engine: one tuple of rows per application, in order.

    On ``workers`` processes of a pool of ours, or on ``executor``.
    """
    own = executor is None
    width = len(engines)
    pool: Executor = (executor if executor is not None
                      else _process_pool(workers, recipes, engines))
    window_size = 2 * max(workers, 1) + 2
    window: deque[_Task] = deque()
    breaks = 0
    broken: Exception | None = None  # the input's failure, raised once its rows are given

    def drop(future: Future[list[tuple[Packed, ...]]]) -> None:
        """Give up a chunk's future: cancel another executor's; leave a pool of ours alone.

        A pool of ours cancels its pending work itself as it shuts down, in its manager
        thread.  Cancelling from here would race that thread when the pool breaks: CPython
        3.11's ``terminate_broken`` then fails on the cancelled future (``InvalidStateError``
        in a background thread, its traceback on stderr).
        """
        if not own:
            future.cancel()

    def submit(chunk: Chunk, attempt: int) -> _Task:
        try:
            future = pool.submit(_assess_chunk, recipes, jurisdiction, call, on, full, chunk)
        except RuntimeError as error:  # BrokenExecutor is one
            if not own:
                raise EngineError(f"the executor refused work: {error}") from error
            replace_pool()  # once: a pool that breaks again at once cannot start workers
            try:
                future = pool.submit(_assess_chunk, recipes, jurisdiction, call, on, full,
                                     chunk)
            except RuntimeError as again:
                raise EngineError(f"worker processes cannot be started: {again}") from again
        return _Task(chunk, future, attempt)

    def refill() -> None:
        nonlocal broken
        while broken is None and len(window) < window_size:
            try:
                chunk = next(work, None)
            except Exception as error:  # as in process (workers=1): every row read comes first
                broken = error
                return
            if chunk is None:
                return
            try:
                window.append(submit(chunk, 0))
            except _WorkersDying:
                lost: Future[list[tuple[Packed, ...]]] = Future()
                lost.cancel()
                window.append(_Task(chunk, lost))  # taken from the input: never dropped
                raise

    def here(chunk: Chunk) -> list[Rows]:
        """The chunk's rows assessed in this process, as ``workers=1`` would."""
        start, items = chunk
        return [tuple(screen_one(engine, index, item, jurisdiction=jurisdiction, call=call,
                                 on=on, full=full) for engine in engines)
                for index, item in enumerate(items, start)]

    def replace_pool() -> None:
        nonlocal pool, breaks
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
            breaks += 1
            if breaks >= MAX_POOL_BREAKS:
                raise _WorkersDying(f"{breaks} worker pools in a row died before finishing "
                                    "any work")
            pool = _process_pool(workers, recipes, engines)

    current: _Task | None = None  # taken from the window, its rows not yet given
    try:
        try:
            refill()
            while window:
                current = task = window.popleft()
                try:
                    rows = _unpacked(task.future.result())
                except Exception as error:  # a dead worker, a lost Dask task
                    rows = _retry(task, error, window, submit, replace_pool, drop, width,
                                  here)
                else:
                    breaks = 0
                    if task.attempt:  # submitted again after its pool broke
                        rows = _marked_retried(rows)
                current = None
                yield from rows
                refill()
        except _WorkersDying as dying:
            log.error("%s; the remaining rows are reported as worker errors", dying)
            yield from _give_up(current, window, work, dying, drop, width)
        if broken is not None:  # the input failed: every row read before it has been given
            raise broken
    finally:
        for waiting in window:
            drop(waiting.future)
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _give_up(task: _Task | None, window: deque[_Task],
             work: Iterator[Chunk], dying: _WorkersDying,
             drop: Callable[[Future[list[tuple[Packed, ...]]]], None],
             width: int) -> Iterator[Rows]:
    """Every row not yet given, in order: finished chunks' results, the rest worker errors."""
    if task is not None:
        yield from _died(task.chunk, dying, width)
    while window:
        waiting = window.popleft()
        future = waiting.future
        if future.done() and not future.cancelled() and future.exception() is None:
            yield from _unpacked(future.result())
        else:
            drop(future)
            yield from _died(waiting.chunk, dying, width)
    for chunk in work:
        yield from _died(chunk, dying, width)


def _lost(task: _Task) -> bool:
    """Whether a chunk's result was lost with a broken pool (failed, cancelled or pending)."""
    future = task.future
    return not future.done() or future.cancelled() or future.exception() is not None


def _resubmit_lost(window: deque[_Task],
                   submit: Callable[[Chunk, int], _Task],
                   drop: Callable[[Future[list[tuple[Packed, ...]]]], None]) -> None:
    for index, waiting in enumerate(window):
        if _lost(waiting):
            drop(waiting.future)
            window[index] = submit(waiting.chunk, waiting.attempt + 1)


def _retry(task: _Task, error: BaseException, window: deque[_Task],
           submit: Callable[[Chunk, int], _Task], replace_pool: Callable[[], None],
           drop: Callable[[Future[list[tuple[Packed, ...]]]], None], width: int,
           here: Callable[[Chunk], list[Rows]]) -> list[Rows]:
    """Assess a failed chunk once more (on a fresh pool when the pool broke).

    A chunk whose worker died twice gives its rows a worker error: one of them may crash
    whichever process assesses it, so it is never assessed in this one.  A chunk that
    failed twice while its worker lived (a row that cannot be pickled to a worker, or
    unpickled in one: a lambda in a dict, a class a spawned worker cannot import) is
    assessed ``here``, in this process, so its rows are what they would be with
    ``workers=1`` rather than all of them lost to one row (D57).
    """
    first, last = task.chunk[0], task.chunk[0] + len(task.chunk[1]) - 1
    log.warning("a worker failed on rows %d-%d (%s: %s); retrying them once", first, last,
                type(error).__name__, error)
    if task.attempt >= 1:
        second: BaseException = error
    else:
        if isinstance(error, BrokenExecutor | CancelledError):
            replace_pool()
            _resubmit_lost(window, submit, drop)  # every chunk lost with the pool goes again
        again = submit(task.chunk, 1)
        try:
            return _marked_retried(_unpacked(again.future.result()))
        except Exception as failed:
            second = failed
    if isinstance(second, BrokenExecutor | CancelledError):
        replace_pool()
        _resubmit_lost(window, submit, drop)
        return _died(task.chunk, second, width)
    log.warning("rows %d-%d failed twice in a worker that lived (%s: %s); assessing them in "
                "this process", first, last, type(second).__name__, second)
    return here(task.chunk)
