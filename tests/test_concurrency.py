"""Threads, interrupts and forks around the durable-rules adapter.

Each case failed before (decision D34): the first use of a shared engine from 8 threads
raised "already registered"; a KeyboardInterrupt just after the sentinel fact left the
session in the C engine, so every later assessment on that ruleset failed ("Message has
already been observed"); a fork while another thread assessed deadlocked the child; and
a process that built engine after engine ran out of C ruleset handles (error code 112).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest
import yaml
from grtest import leading_application, patched

import gradient_rules_national
import gradient_rules_shanxi
from gradient_rules import Engine
from gradient_rules._durable import DurableAdapter, RuleSpec, load_durable

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = [gradient_rules_national, gradient_rules_shanxi]


def _batch() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml").read_text(encoding="utf-8"))
    return data


def _apps() -> list[dict[str, Any]]:
    return [patched(leading_application(), self_assessment__maturity_level=1 + i % 5,
                    attestations__competitive=bool(i % 3)) for i in range(16)]


def _one_x(session: Any) -> Any:
    session.assert_facts([{"kind": "x"}])
    return session.results


# --- threads -----------------------------------------------------------------------------------


def test_ensure_registers_once_when_eight_threads_race() -> None:
    adapter = DurableAdapter()
    calls: list[int] = []
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def factory() -> list[RuleSpec]:
        calls.append(1)
        return [RuleSpec("r", (("m", {"kind": "x"}),), lambda s, m: s.record("hit", 1))]

    def work() -> None:
        try:
            barrier.wait()
            adapter.ensure("t", factory)
            result = adapter.evaluate("t", _one_x)
            assert result == {"hit": [1]}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(calls) == 1


def test_first_use_of_a_shared_engine_from_eight_threads() -> None:
    apps = _apps()
    batch = _batch()
    reference = Engine(plugins=PLUGINS, backend="reference")
    expected = [reference.assess(app, jurisdiction="national") for app in apps]
    expected_batch = reference.assess_batch(copy.deepcopy(batch), jurisdiction="shanxi")
    shared = Engine(plugins=PLUGINS)  # nothing assessed yet: the batch ruleset is unregistered
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    results: dict[int, Any] = {}
    batches: list[Any] = []

    def work(offset: int) -> None:
        try:
            barrier.wait()
            batches.append(shared.assess_batch(copy.deepcopy(batch), jurisdiction="shanxi"))
            for i in range(offset, len(apps), 8):
                results[i] = shared.assess(apps[i], jurisdiction="national")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    leave_out: Any = {"backend": True, "rows": {"__all__": {"assessment": {"backend"}}}}
    for i, result in results.items():
        assert result.model_dump(exclude={"backend"}) == expected[i].model_dump(
            exclude={"backend"})
    assert len(batches) == 8
    for result in batches:
        assert result.model_dump(exclude=leave_out) == expected_batch.model_dump(
            exclude=leave_out)


# --- interrupts at each call into the C engine ----------------------------------------------


class _Interrupting:
    """Stands in for ``durable_rules_engine``: counts calls, interrupts at one of them."""

    def __init__(self, native: Any, at: int | None = None, when: str = "before") -> None:
        self._native, self._at, self._when = native, at, when
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        function = getattr(self._native, name)
        if not callable(function) or name == "error":
            return function

        def call(*args: Any) -> Any:
            number = len(self.calls)
            self.calls.append(name)
            if number == self._at and self._when == "before":
                raise KeyboardInterrupt
            result = function(*args)
            if number == self._at and self._when == "after":
                raise KeyboardInterrupt
            return result
        return call


def _route(monkeypatch: pytest.MonkeyPatch, engine: Engine, native: Any) -> None:
    """Send the engine's calls into the C engine through ``native``."""
    assert engine._adapter is not None
    for registered in engine._adapter._rulesets.values():  # a rebuilt ruleset included
        monkeypatch.setattr(registered.handle, "native", native)


@pytest.mark.parametrize("session", ["fresh", "kept"])
def test_an_interrupt_at_any_c_call_leaves_the_engine_correct(
        monkeypatch: pytest.MonkeyPatch, session: str) -> None:
    # On a fresh session (sentinel first) and on one kept from the last evaluation (D39).
    durable = load_durable()
    engine = Engine(plugins=PLUGINS)
    assert engine._adapter is not None
    app = leading_application()
    expected = engine.assess(app, jurisdiction="national").model_dump()

    def ready() -> None:
        if session == "fresh":
            engine._adapter.close_sessions()  # type: ignore[union-attr]
        else:
            engine.assess(app, jurisdiction="national")  # a session is kept

    ready()
    counter = _Interrupting(durable.native)
    _route(monkeypatch, engine, counter)
    engine.assess(app, jurisdiction="national")
    total = len(counter.calls)
    first = "assert_fact" if session == "fresh" else "assert_facts"  # the sentinel, or not
    assert total >= 4 and counter.calls[0] == first
    assert counter.calls[-3:] == ["retract_facts", "start_action_for_state", "get_facts"]

    interrupted = 0
    for at in range(total):
        for when in ("before", "after"):
            _route(monkeypatch, engine, durable.native)
            ready()
            _route(monkeypatch, engine, _Interrupting(durable.native, at, when))
            try:
                engine.assess(app, jurisdiction="national")
            except KeyboardInterrupt:
                interrupted += 1
            _route(monkeypatch, engine, durable.native)
            again = engine.assess(app, jurisdiction="national").model_dump()
            assert again == expected, (at, when, counter.calls[at])
    assert interrupted == 2 * total  # each interruption reached the caller, none was eaten


def test_an_interrupt_inside_an_action_is_an_interrupt_and_the_engine_recovers() -> None:
    adapter = DurableAdapter()
    state = {"interrupt": True}

    def action(session: Any, frames: Any) -> None:
        if state["interrupt"]:
            raise KeyboardInterrupt
        session.record("hit", frames[0]["m"]["n"])

    adapter.register("t", [RuleSpec("r", (("m", {"kind": "x"}),), action)])

    def driver(session: Any) -> Any:
        session.assert_facts([{"kind": "x", "n": 1}])
        return session.results

    with pytest.raises(KeyboardInterrupt):
        adapter.evaluate("t", driver)
    state["interrupt"] = False
    assert adapter.evaluate("t", driver) == {"hit": [1]}


# --- fork ---------------------------------------------------------------------------------------


def test_a_fork_while_another_thread_assesses_gives_a_working_child() -> None:
    script = textwrap.dedent("""
        import os, sys, threading, time
        import gradient_rules_national
        sys.path.insert(0, sys.argv[1])
        from grtest import leading_application
        from gradient_rules import Engine

        engine = Engine(plugins=[gradient_rules_national])
        app = leading_application()
        expected = engine.assess(app, jurisdiction="national").model_dump()
        stop = threading.Event()

        def busy():
            while not stop.is_set():
                engine.assess(app, jurisdiction="national")

        worker = threading.Thread(target=busy)
        worker.start()
        failures = 0
        for _ in range(20):
            time.sleep(0.01)
            pid = os.fork()
            if pid == 0:
                ok = engine.assess(app, jurisdiction="national").model_dump() == expected
                os._exit(0 if ok else 1)
            deadline = time.monotonic() + 30
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    failures += os.waitstatus_to_exitcode(status) != 0
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    print("child deadlocked")
                    failures += 1
                    break
                time.sleep(0.01)
        stop.set()
        worker.join()
        print("failures", failures)
        """)
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script,
                           str(ROOT / "tests" / "support")],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "failures 0" in done.stdout, done.stdout + done.stderr


# --- C handles ----------------------------------------------------------------------------------


def test_a_collected_engine_frees_its_adapter() -> None:
    engine = Engine(plugins=PLUGINS)
    engine.assess(leading_application(), jurisdiction="national")
    assert engine._adapter is not None
    adapter = weakref.ref(engine._adapter)
    del engine
    assert adapter() is None


@pytest.mark.slow
def test_more_rulesets_than_the_c_engine_holds_at_once_over_a_processs_life() -> None:
    spec = [RuleSpec("r", (("m", {"kind": "x"}),), lambda s, m: s.record("hit", 1))]
    for number in range(135_000):  # the C engine holds 131,071 at once
        adapter = DurableAdapter()
        adapter.register("t", spec)
        if number % 5000 == 0:
            assert adapter.evaluate("t", _one_x) == {"hit": [1]}
