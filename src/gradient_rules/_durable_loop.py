"""The durable-rules adapter's inner loop: run what the engine schedules (compiled, D41).

Part of the adapter (``_durable``), kept apart so that mypyc compiles it: it runs for every
firing of every assessment.  It imports nothing of durable-rules; the adapter hands it the
C extension's module, the ruleset's handle and its own callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["run_scheduled", "stamped"]


def run_scheduled(native: Any, handle: int, state: int, actions: Mapping[str, object | None],
                  fired: dict[str, list[str]], act: Callable[[str, Any, str], None],
                  failed: Callable[[str, Exception], Exception], sentinel: object) -> None:
    """Start, run and complete every action the engine schedules for ``state``.

    A rule without an action (``None`` in ``actions``) only has its message appended to
    ``fired[name]``; the sentinel's rule (mapped to ``sentinel``, or unknown) is completed
    as it is; any other action runs through ``act(name, action, message)``.  An error of
    the engine's own calls is raised as ``failed(method, error)``.
    """
    method = "start_action_for_state"
    try:
        started = native.start_action_for_state(handle, state)
        message: str | None = started[1] if started else None
        method = "complete_and_start_action"
        while message:
            # The engine writes {"<rule name>":[{<alias>:<fact>,...},...]}; rule names need
            # no escaping (validate_specs), so the name is read without decoding the facts.
            name = message[2:message.index('"', 2)]
            action = actions.get(name, sentinel)
            if action is None:
                found = fired.get(name)
                if found is None:
                    fired[name] = [message]
                else:
                    found.append(message)
            elif action is not sentinel:
                act(name, action, message)
            message = native.complete_and_start_action(handle, state)
    except Exception as error:  # an action's own errors never get here (the adapter's _act)
        raise failed(method, error) from error


def stamped(facts: Sequence[Mapping[str, Any]], first: int, sid: str,
            ids: Sequence[str]) -> list[dict[str, Any]]:
    """Copies of ``facts`` with ``sid`` and the ids ``ids[first]``, ``ids[first + 1]``..."""
    return [{**fact, "sid": sid, "id": ids[number]} for number, fact in enumerate(facts, first)]
