"""The only module that imports durable-rules (pinned to 2.0.28), and only on first use.

``import gradient_rules`` never imports durable-rules: :func:`load_durable` does, the first
time a durable backend registers a ruleset.  If it cannot, the error is an
:class:`EngineError` naming the Python version, the cause and the remedy.  On CPython 3.13+
durable-rules' C extension lacks one symbol, ``PyEval_CallObject``; the project's own shim
(``_pyeval_shim.c``) provides it, loaded only when the import fails naming exactly that
symbol (docs/decisions.md, D28).

It follows ``shared/docs/durable-rules-notes.md`` ("Recommended wrapping"):

* the C engine (``durable_rules_engine``) driven directly: rulesets are created with
  ``create_ruleset`` and each asserted batch's actions are started, run and completed by
  this module, so durable-rules' Python ``Host`` (its dispatcher and timer threads, the
  per-action state serialisation, ``Content`` wrappers and ``Promise`` cycles) is never in
  the path, and never ``durable.lang``'s global host or DSL;
* one session per ruleset with a fixed sid, used by one evaluation at a time under the
  ruleset's lock: no 1024-session cap, no retry-after-MemoryError segfault, no sid hash
  collision.  Each evaluation retracts every fact it asserted and checks that the session
  holds the sentinel alone before the next one may use it; otherwise (and after any error,
  and every :data:`SESSION_EVALUATIONS` evaluations) the session is deleted and the next
  evaluation opens a fresh one (D39);
* a sentinel fact, matched by a no-op rule and asserted alone first, so ``delete_state``
  never meets a session in which no action completed (segfault);
* a sink rule that observes every fact, so no fact is "not handled" and no batch leaves
  actions pending;
* every rule capped at :data:`MAX_FACTS` matches per firing, so an action runs once per
  asserted batch with all of its rule's matches, not once per match;
* explicit fact ids ``"0"``..``"9999"`` (checked collision-free under FNV-1a 32), so facts
  are never merged by content hash (``'9' == 9``);
* every action run by the adapter: exceptions are collected with the rule name and
  re-raised as :class:`RuleEvaluationError` (nothing is stored in the session state, where
  durable-rules' own runner would hide it); an action that outlives durable-rules' 10 s
  completion window is an error, not a silently dropped chain;
* definitions validated and deep-copied before registration; the ``durable`` logger
  silenced; ``engine._unix_now`` replaced (it calls the deprecated ``utcfromtimestamp``).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import json
import logging
import os
import platform
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar, overload

import orjson

from ._durable_checks import capacity_hint, check_fact, fnv1a_32, literal_kinds, validate_specs
from ._durable_loop import run_scheduled, stamped
from ._errors import EngineError, RuleEvaluationError

__all__ = ["Action", "DurableAdapter", "Frame", "RuleSpec", "Session", "capacity_hint",
           "fnv1a_32", "frames_of", "load_durable", "validate_specs"]


def _now() -> float:
    # durable-rules only uses differences of this clock (lease and 10 s completion window).
    return time.time()


SID = "1"
SESSION_EVALUATIONS = 10_000
"""Evaluations one session serves before it is deleted and opened afresh: a bound on
anything the C engine might keep after a retraction that ``get_facts`` cannot show."""
MAX_FACTS = 10_000
"""Explicit ids run "0".."9999"; that range is FNV-1a collision-free (tested)."""
ACTION_TIME_LIMIT = 10.0
"""durable-rules abandons an action that runs longer than this many seconds."""

SHIMMED_SYMBOL = "PyEval_CallObject"
"""The one symbol the shim provides (removed from CPython in 3.13)."""
SHIM_MODULE = "gradient_rules._pyeval_shim"

T = TypeVar("T")
Frame = Mapping[str, Mapping[str, Any]]
"""One match of a rule: the matched facts by alias."""
Action = Callable[["Session", Sequence[Frame]], None]
"""Runs once per batch of matches of its rule (every match the engine has scheduled)."""
_IDS = tuple(str(n) for n in range(MAX_FACTS))
"""Fact ids as the engine reads them, made once."""
_RETRACTED = tuple(f'{{"sid":"{SID}","id":"{n}"}}' for n in range(MAX_FACTS))
"""A retraction of fact ``n``: durable-rules finds a fact to retract by sid and id alone."""


# --- loading durable-rules --------------------------------------------------------------


@dataclass(frozen=True)
class _Durable:
    """durable-rules as loaded: its Python engine module and its C extension."""

    engine: ModuleType
    native: ModuleType
    host_class: type
    shimmed: bool
    """Whether the PyEval_CallObject shim had to be loaded."""


_loaded: _Durable | None = None
_load_lock = threading.Lock()
_UNDEFINED = re.compile(r"undefined symbol: (\w+)")


def _python() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def _cannot_load(cause: str, remedy: str) -> EngineError:
    return EngineError(
        f"the durable-rules engine cannot be loaded on {_python()}: {cause}. {remedy} "
        "Engine(backend='reference') gives the same verdicts without durable-rules.")


def _import_native() -> ModuleType:
    return importlib.import_module("durable_rules_engine")


def _load_shim() -> None:
    """Make ``PyEval_CallObject`` resolvable for libraries loaded after this call."""
    spec = importlib.util.find_spec(SHIM_MODULE)
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        raise _cannot_load(
            f"durable-rules' C extension needs {SHIMMED_SYMBOL}, which Python 3.13 removed, "
            f"and gradient-rules' shim ({SHIM_MODULE}) is not installed",
            "Reinstall gradient-rules from its source with a C compiler present "
            "(pip install --force-reinstall --no-binary gradient-rules gradient-rules, or "
            "pip install -e . in a clone) so the shim is built.")
    try:
        ctypes.CDLL(spec.origin, mode=os.RTLD_GLOBAL)
    except OSError as error:
        raise _cannot_load(f"the shim {spec.origin} does not load ({error})",
                           "Reinstall gradient-rules with a C compiler present.") from error


def _load() -> _Durable:
    shimmed = False
    try:
        native = _import_native()
    except ImportError as error:
        missing = _UNDEFINED.search(str(error))
        if missing is None or missing.group(1) != SHIMMED_SYMBOL:
            raise _cannot_load(
                f"{type(error).__name__}: {error}",
                "Install it with `pip install durable-rules==2.0.28` (it builds from source: "
                "a C compiler and the Python headers are needed).") from error
        _load_shim()
        shimmed = True
        try:
            native = _import_native()
        except ImportError as again:  # another symbol is missing: never masked
            raise _cannot_load(
                f"{type(again).__name__}: {again}",
                "This build of durable-rules does not fit this Python; the shim provides "
                f"only {SHIMMED_SYMBOL}.") from again
    engine: Any = importlib.import_module("durable.engine")
    logging.getLogger("durable").addHandler(logging.NullHandler())
    logging.getLogger("durable").propagate = False
    # Replaces datetime.utcfromtimestamp, deprecated since 3.12 (a DeprecationWarning per
    # fired rule); durable-rules only takes differences of this clock.
    engine._unix_now = _now

    class _QuietHost(engine.Host):  # type: ignore[misc]
        """A host that never starts the dispatcher and timer threads."""

        def _run(self) -> None:
            return None

    return _Durable(engine=engine, native=native, host_class=_QuietHost, shimmed=shimmed)


def load_durable() -> _Durable:
    """Import durable-rules once per process; raise :class:`EngineError` when it cannot."""
    global _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = _load()
        return _loaded


@dataclass(frozen=True)
class RuleSpec:
    """A rule: named patterns (alias -> condition JSON) that must all match, and an action.

    The action receives the session and the rule's matches, each a :data:`Frame` (the
    matched facts by alias): every match the engine found in one asserted batch comes in
    one call (durable-rules' ``cap``), so a rule matching twenty claims fires once, not
    twenty times.  A rule without an action only records that it fired: each firing's
    matches, as the engine wrote them, are appended to ``Session.fired[name]`` (read them
    with :func:`frames_of`), without a Python call while the engine runs.
    """

    name: str
    patterns: tuple[tuple[str, dict[str, Any]], ...]
    action: Action | None


def _dumps(value: Any) -> str:
    """Compact JSON, as durable-rules reads it (orjson: a batch is encoded ~10x faster)."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):  # e.g. non-string keys, which json converts
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


SENTINEL = _dumps({"sid": SID, "id": "0", "kind": "__sentinel__"})
_SENTINEL_ALONE = f"[{SENTINEL}]"
"""``get_facts`` of a session that holds the sentinel and nothing else."""


class _Handle:
    """One ruleset as the C engine holds it, called directly.

    durable-rules' Python ``Host``/``Ruleset``/``Closure``/``Promise`` layer is not used:
    it serialises the session state after every action, wraps every message in ``Content``
    objects and makes a reference cycle per action.  Errors of the C engine become
    :class:`EngineError` naming the call and the ruleset.
    """

    def __init__(self, name: str, definition: str) -> None:
        self.name = name
        self.native: Any = load_durable().native
        """The C extension, ``durable_rules_engine``."""
        try:
            self.id: int = self.native.create_ruleset(name, definition)
        except Exception as error:
            raise self.failed("create_ruleset", error) from error

    def call(self, method: str, *args: Any) -> Any:
        """Call ``durable_rules_engine.<method>(handle, *args)``."""
        try:
            return getattr(self.native, method)(self.id, *args)
        except Exception as error:
            raise self.failed(method, error) from error

    def failed(self, method: str, error: Exception) -> EngineError:
        """durable_rules_engine.error, or anything else the C engine raised, as ours."""
        return EngineError(f"durable-rules failed in {method} on {self.name!r}: {error}")

    def get_state(self) -> Any:
        """The session's state as the engine holds it (``EngineError`` 309 when none)."""
        return orjson.loads(self.call("get_state", SID))


def frames_of(message: str, name: str) -> list[Frame]:
    """The matches in one firing of rule ``name``, decoded from the engine's message."""
    frames = orjson.loads(message)[name]
    # A capped rule always sends a list; the sentinel (uncapped) a single frame.
    return frames if isinstance(frames, list) else [frames]


class _Frames(Sequence[Frame]):
    """An action's matches, decoded from the engine's message on first use.

    Most actions only record that they fired; they never pay for decoding.
    """

    __slots__ = ("_frames", "_message", "_name")

    def __init__(self, message: str, name: str) -> None:
        self._message = message
        self._name = name
        self._frames: list[Frame] | None = None

    def _decoded(self) -> list[Frame]:
        if self._frames is None:
            self._frames = frames_of(self._message, self._name)
        return self._frames

    @overload
    def __getitem__(self, index: int) -> Frame: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Frame]: ...

    def __getitem__(self, index: int | slice) -> Frame | Sequence[Frame]:
        return self._decoded()[index]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())


class Session:
    """One evaluation in progress: assert facts, derive facts, collect results.

    The adapter drives the C engine itself: a batch is asserted, then each action the
    engine schedules runs and is completed in turn; facts an action derives are asserted
    together when it returns, before it completes, so what chains from them is scheduled in
    the same loop.  A rule without an action is completed at once, its matches kept in
    :attr:`fired`.
    """

    def __init__(self, ruleset: str, registered: _Registered) -> None:
        # No reference to the adapter: a kept session must not hold its adapter alive.
        self.ruleset = ruleset
        self._handle = registered.handle
        self._actions = registered.actions
        self._kinds = registered.kinds
        self.opened = False
        """The sentinel's action has completed: deleting the session is safe."""
        self._begin()

    def _begin(self) -> None:
        """Start an evaluation: no facts sent, no results, no errors."""
        self._next_id = 1
        """Facts ``1`` .. ``_next_id - 1`` were sent: what the evaluation retracts."""
        self._derived_keys: set[str] = set()
        self._pending: list[dict[str, Any]] | None = None
        self.errors: list[tuple[str, BaseException]] = []
        self.results: dict[str, list[Any]] = {}
        """Named lists the actions append to; read by the caller."""
        self.fired: dict[str, list[str]] = {}
        """Rules without an action: each firing's matches, as the engine wrote them."""

    def _stamped(self, facts: Sequence[Mapping[str, Any]], *,
                 checked: bool = False) -> list[dict[str, Any]]:
        """Copies of ``facts`` with the session's sid and the next fact ids.

        Each fact is checked first (:func:`check_fact`) unless ``checked``.
        """
        first = self._next_id
        if first + len(facts) > MAX_FACTS:
            raise EngineError(f"more than {MAX_FACTS - 1} facts in one evaluation")
        if not checked:
            for fact in facts:
                check_fact(fact)
        self._next_id = first + len(facts)
        return stamped(facts, first, SID, _IDS)

    def _retraction(self) -> str:
        """Every fact this evaluation sent, by sid and id (all durable-rules reads)."""
        return f"[{','.join(_RETRACTED[1:self._next_id])}]"

    def _raise_if_failed(self) -> None:
        for _, error in self.errors:
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise error  # an interruption inside an action stays an interruption
        if self.errors:
            raise RuleEvaluationError(self.ruleset, self.errors)

    def _cleared(self) -> bool:
        """Retract every fact this evaluation sent; whether the sentinel alone is left.

        Retracting a fact never asserted is silent (notes §5), so every id handed out is
        retracted; ``get_facts`` then shows whether anything else survived.
        """
        if self._next_id > 1:
            self._run(self._asserted("retract_facts", self._retraction()))
            self._next_id = 1
        return not self.errors and self._handle.call("get_facts", SID) == _SENTINEL_ALONE

    def assert_facts(self, facts: Sequence[Mapping[str, Any]], *, checked: bool = False) -> None:
        """Assert a batch in one call; every matched action runs before this returns.

        Each fact is checked for what the C engine cannot take (:func:`check_fact`), unless
        the caller passes ``checked=True`` for facts it built itself from validated values
        (the library's own input facts: texts, bounded integers and finite numbers, each
        ``kind`` a text).  Such facts of a kind no pattern names are not sent: they could
        match nothing but the sink.
        """
        kinds = self._kinds
        if checked and kinds is not None:
            facts = [fact for fact in facts if fact["kind"] in kinds]
        if not facts:
            return
        if self._pending is not None:
            raise EngineError("assert_facts() may not be called from inside an action; "
                              "use derive()")
        self._run(self._asserted("assert_facts", _dumps(self._stamped(facts, checked=checked))))
        self._raise_if_failed()

    def _asserted(self, method: str, payload: str) -> int:
        code, state = self._handle.call(method, payload)
        if code == 1:  # the sink observes every fact, so this is a broken ruleset
            raise EngineError(f"durable-rules: a fact was not handled by {self.ruleset!r}")
        if code == 2:
            raise EngineError(f"durable-rules: a fact was already observed in {self.ruleset!r}")
        return int(state)

    def _run(self, state: int) -> None:
        """Run every action the engine schedules for the session, to quiescence."""
        handle = self._handle
        run_scheduled(handle.native, handle.id, state, self._actions, self.fired,
                      self._act_on, handle.failed, _SENTINEL_ACTION)

    def _act_on(self, name: str, action: Action, message: str) -> None:
        self._act(name, action, _Frames(message, name))

    def _act(self, name: str, action: Action, frames: Sequence[Frame]) -> None:
        started = _now()
        self._pending = []
        try:
            action(self, frames)
            if self._pending:
                self._asserted("assert_facts", _dumps(self._pending))
        except BaseException as error:  # surfaced as RuleEvaluationError by the caller
            self.errors.append((name, error))
        finally:
            self._pending = None
        if _now() - started >= ACTION_TIME_LIMIT:
            self.errors.append((name, EngineError(
                f"the action took {(_now() - started):.1f} s; durable-rules abandons "
                f"actions after {ACTION_TIME_LIMIT:.0f} s and would drop what chains from it")))

    def derive(self, fact: Mapping[str, Any]) -> None:
        """From inside an action: assert a derived fact, once per distinct content."""
        if self._pending is None:
            raise EngineError("derive() may only be called from inside an action")
        key = repr(sorted(fact.items()))
        if key in self._derived_keys:
            return
        self._derived_keys.add(key)
        self._pending.extend(self._stamped([fact]))

    def record(self, name: str, value: Any) -> None:
        """From inside an action: append a result to ``results[name]``."""
        self.results.setdefault(name, []).append(value)


def _sentinel_action(session: Session, frames: Sequence[Frame]) -> None:
    """Stands for the sentinel's rule, which has no action to run."""


_SENTINEL_ACTION: Action = _sentinel_action


@dataclass
class _Registered:
    """One ruleset: its rules, their actions by name, and its handle in the C engine."""

    specs: tuple[RuleSpec, ...]
    handle: _Handle
    actions: dict[str, Action | None]
    lock: threading.Lock = field(default_factory=threading.Lock)
    poisoned: bool = False
    """The last evaluation was interrupted at a point where its session may survive in the
    C engine; the next evaluation rebuilds the ruleset instead of trusting it."""
    live: Session | None = None
    """The idle session, holding the sentinel alone, that the next evaluation uses."""
    served: int = 0
    kinds: frozenset[str] | None = None
    """The fact kinds its patterns name (``None``: a pattern may match any kind)."""
    """Evaluations the live session has served."""


_ADAPTERS: weakref.WeakSet[DurableAdapter] = weakref.WeakSet()


class DurableAdapter:
    """Registers rulesets in the C engine and runs evaluations.

    Thread-safe: registration is idempotent under a lock and each ruleset evaluates under
    its own lock.  An evaluation interrupted anywhere (``KeyboardInterrupt`` included)
    leaves its ruleset marked poisoned and the next one starts on a rebuilt ruleset.  After
    ``os.fork`` the child gets fresh locks and rebuilds every ruleset.
    """

    def __init__(self) -> None:
        self._rulesets: dict[str, _Registered] = {}
        self._registry_lock = threading.Lock()
        _ADAPTERS.add(self)
        # The C engine holds at most 131,071 rulesets per process (error code 112) and never
        # frees one by itself: free this adapter's when it is collected, so a process may
        # build engines without end (e.g. one per request).
        finalizer = weakref.finalize(self, _free_rulesets, self._rulesets)
        finalizer.atexit = False

    def is_registered(self, name: str) -> bool:
        """Whether a ruleset of that name is registered."""
        return name in self._rulesets

    def register(self, name: str, rules: Sequence[RuleSpec]) -> None:
        """Validate and register a ruleset (adds the sentinel and sink rules).

        Registering a name twice is an error; :meth:`ensure` registers only once.
        """
        with self._registry_lock:
            if name in self._rulesets:
                raise EngineError(
                    f"a ruleset named {name!r} is already registered on this host; durable-rules "
                    "cannot replace it (build a new Engine to load changed rules)")
            self._rulesets[name] = self._registered(name, tuple(rules))

    def ensure(self, name: str, rules: Callable[[], Sequence[RuleSpec]]) -> None:
        """Register ``rules()`` under ``name`` unless already registered (safe under threads)."""
        if name in self._rulesets:
            return
        with self._registry_lock:
            if name in self._rulesets:
                return
            self._rulesets[name] = self._registered(name, tuple(rules()))

    def _registered(self, name: str, specs: tuple[RuleSpec, ...]) -> _Registered:
        return _Registered(specs, self._compile(name, specs),
                           {spec.name: spec.action for spec in specs},
                           kinds=literal_kinds(specs))

    @staticmethod
    def _definition(specs: Sequence[RuleSpec]) -> dict[str, Any]:
        validate_specs(specs)
        definition: dict[str, Any] = {
            spec.name: {"all": [{alias: cond} for alias, cond in spec.patterns],  # dumped now
                        "cap": MAX_FACTS}
            for spec in specs}
        definition["__sentinel__"] = {"all": [{"m": {"kind": "__sentinel__"}}]}
        definition["__sink__"] = {"all": [{"m": {"$ex": {"kind": 1}}}, {"never": {"__never__": 1}}]}
        return definition

    def _compile(self, name: str, specs: Sequence[RuleSpec]) -> _Handle:
        """A freshly compiled ruleset in the C engine."""
        definition = _dumps(self._definition(specs))
        load_durable()  # its own error when it cannot load, not a refused ruleset
        try:
            return _Handle(name, definition)
        except EngineError as error:
            raise EngineError(f"durable-rules refused ruleset {name!r}: "
                              f"{capacity_hint(error, specs)}") from error

    def evaluate(self, ruleset: str, driver: Callable[[Session], T]) -> T:
        """Run ``driver`` on the ruleset's session; no fact of it outlives the evaluation.

        A session opens with a sentinel fact whose action completes before anything else
        (so deleting the session never meets one in which no action completed).  After the
        driver returns, every fact it asserted is retracted and the session is kept for the
        next evaluation only if it then holds the sentinel alone (D39); after an error,
        when anything is left, or after :data:`SESSION_EVALUATIONS` evaluations, it is
        deleted.  When an interruption leaves that uncertain, the ruleset is marked
        poisoned and the next evaluation rebuilds it.
        """
        registered = self._rulesets.get(ruleset)
        if registered is None:
            raise EngineError(f"no ruleset named {ruleset!r} is registered")
        with registered.lock:
            if registered.poisoned:
                registered.handle = self._compile(ruleset, registered.specs)
                registered.poisoned = False
                registered.live = None
            session, registered.live = registered.live, None
            if session is None:
                session = Session(ruleset, registered)
                registered.served = 0
            else:
                session._begin()
            kept = failed = False
            try:
                if not session.opened:
                    # The sentinel, alone, so an action has completed before any delete_state.
                    session._run(session._asserted("assert_fact", SENTINEL))
                    session.opened = True
                result = driver(session)
                kept = session._cleared()
                return result
            except BaseException:
                failed = True
                raise
            finally:
                registered.served += 1
                if kept and registered.served < SESSION_EVALUATIONS:
                    registered.live = session
                else:
                    self._close(registered, session, raising=not failed)

    def _close(self, registered: _Registered, session: Session, *, raising: bool) -> None:
        """Delete ``session`` in the C engine, or poison the ruleset if that is unsafe."""
        if not session.opened:  # interrupted around the sentinel: never delete, rebuild
            registered.poisoned = True
            return
        try:  # the sentinel's action completed, so deleting is safe
            session._handle.call("delete_state", SID)
        except BaseException:
            registered.poisoned = True
            if raising:
                raise

    def close_sessions(self) -> None:
        """Delete every ruleset's idle session; the next evaluation opens a fresh one."""
        for registered in list(self._rulesets.values()):
            with registered.lock:
                session, registered.live = registered.live, None
                if session is not None:
                    self._close(registered, session, raising=True)

    def _after_fork(self) -> None:
        """In a forked child: fresh locks, and every ruleset rebuilt on first use."""
        self._registry_lock = threading.Lock()
        for registered in self._rulesets.values():
            registered.lock = threading.Lock()
            registered.poisoned = True
            registered.live = None


def _free_rulesets(rulesets: dict[str, _Registered]) -> None:
    """Delete the C rulesets of a collected adapter (not those an interruption poisoned)."""
    native = _loaded.native if _loaded is not None else None
    if native is None:
        return
    for registered in list(rulesets.values()):
        if registered.poisoned:
            continue  # a session may be half set up: leave it rather than risk the C engine
        with contextlib.suppress(Exception):
            if registered.live is not None:  # delete_ruleset does not free its sessions
                native.delete_state(registered.handle.id, SID)
            native.delete_ruleset(registered.handle.id)
    rulesets.clear()


def _reset_after_fork() -> None:
    global _load_lock
    _load_lock = threading.Lock()
    for adapter in list(_ADAPTERS):
        adapter._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)
