"""The batch rules as a durable-rules ruleset of their own, with a plain-Python twin.

* ``entry`` ⋈ ``quota`` with ``position > limit`` -> over quota (the fourth and later, by rank);
* ``entry`` ⋈ ``rank_use`` with ``uses > 1`` -> the entry's rank is used more than once
  (ranks are counted in Python first, as scenario tallies are: durable-rules has no counting
  quantifier, and a pairwise join would grow with the square of the rows);
* ``batch`` with ``submitted_day > deadline`` -> late (unknown when unstated);
* ``entry`` with its own verdict -> refused / undetermined / unreadable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._calls import BatchRules
from ._durable import Action, DurableAdapter, Frame, RuleSpec, Session
from ._scope import Scope

__all__ = ["compile_batch", "positions", "rank_uses", "run_batch_rules"]

Derived = dict[str, list[tuple[Any, ...]]]


def _record(name: str, *fields: str) -> Action:
    paths = [tuple(f.split(".")) for f in fields]

    def action(session: Session, frames: Sequence[Frame]) -> None:
        for frame in frames:
            session.record(name, tuple(frame[alias][key] for alias, key in paths))
    return action


def compile_batch(rules: BatchRules) -> list[RuleSpec]:
    """The batch rules as durable-rules rule specs."""
    return [
        RuleSpec("quota", (("quota", {"kind": "quota"}),
                           ("entry", {"$and": [{"kind": "entry"},
                                               {"$gt": {"position": {"quota": "limit"}}}]})),
                 _record("over_quota", "entry.row")),
        RuleSpec("duplicate_rank",
                 (("use", {"$and": [{"kind": "rank_use"}, {"$gt": {"uses": 1}}]}),
                  ("entry", {"$and": [{"kind": "entry"}, {"rank": {"use": "rank"}}]})),
                 _record("duplicate", "entry.row", "use.rank", "use.uses")),
        # {"$m": field} compares two fields of the same fact.
        RuleSpec("late", (("batch", {"$and": [{"kind": "batch"},
                                              {"$gt": {"submitted_day": {"$m": "deadline"}}}]}),),
                 _record("late", "batch.submitted_day")),
        RuleSpec("submission_unknown",
                 (("batch", {"$and": [{"kind": "batch"}, {"$ex": {"deadline": 1}},
                                      {"$nex": {"submitted_day": 1}}]}),),
                 _record("submission_unknown", "batch.deadline")),
        RuleSpec("own_not_eligible", (("entry", {"$and": [{"kind": "entry"},
                                                          {"verdict": "not_eligible"}]}),),
                 _record("own_no", "entry.row")),
        RuleSpec("own_undetermined", (("entry", {"$and": [{"kind": "entry"},
                                                          {"verdict": "undetermined"}]}),),
                 _record("own_unknown", "entry.row")),
        RuleSpec("unreadable", (("entry", {"$and": [{"kind": "entry"},
                                                    {"verdict": "unreadable"}]}),),
                 _record("own_no", "entry.row")),
    ]


def _reference(facts: list[dict[str, Any]]) -> Derived:
    out: Derived = {}
    entries = [f for f in facts if f["kind"] == "entry"]
    uses = {f["rank"]: f["uses"] for f in facts if f["kind"] == "rank_use"}
    quota = next(f for f in facts if f["kind"] == "quota")
    batch = next(f for f in facts if f["kind"] == "batch")
    for e in entries:
        if e["position"] > quota["limit"]:
            out.setdefault("over_quota", []).append((e["row"],))
        if e["verdict"] in ("not_eligible", "unreadable"):
            out.setdefault("own_no", []).append((e["row"],))
        if e["verdict"] == "undetermined":
            out.setdefault("own_unknown", []).append((e["row"],))
        if uses.get(e["rank"], 0) > 1:
            out.setdefault("duplicate", []).append((e["row"], e["rank"], uses[e["rank"]]))
    if "deadline" in batch:
        if "submitted_day" not in batch:
            out["submission_unknown"] = [(batch["deadline"],)]
        elif batch["submitted_day"] > batch["deadline"]:
            out["late"] = [(batch["submitted_day"],)]
    return out


def rank_uses(ranks: Sequence[int]) -> list[dict[str, Any]]:
    """One ``rank_use`` fact per rank: how many rows use it."""
    return [{"kind": "rank_use", "rank": rank, "uses": n}
            for rank, n in sorted(Counter(ranks).items())]


CHUNK = 2_000
"""Entries per durable-rules session: one evaluation takes at most MAX_FACTS facts, and a
batch may hold tens of thousands of rows.  Every rule reads one entry with the facts it
joins (its rank's use count, the quota), so chunks are independent."""


def _chunks(facts: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    entries = [f for f in facts if f["kind"] == "entry"]
    uses = {f["rank"]: f for f in facts if f["kind"] == "rank_use"}
    shared = [f for f in facts if f["kind"] in ("quota",)]
    batch = [f for f in facts if f["kind"] == "batch"]
    chunks = []
    for start in range(0, max(len(entries), 1), CHUNK):
        part = entries[start:start + CHUNK]
        ranks = {f["rank"] for f in part}
        chunk = [*part, *(uses[r] for r in sorted(ranks) if r in uses), *shared]
        if start == 0:
            chunk += batch  # the submission rules read the batch fact once
        chunks.append(chunk)
    return chunks


def _driver(chunk: list[dict[str, Any]]) -> Callable[[Session], dict[str, list[Any]]]:
    def driver(session: Session) -> dict[str, list[Any]]:
        session.assert_facts(chunk)
        return session.results
    return driver


def run_batch_rules(adapter: DurableAdapter | None, scope: Scope,
                    facts: list[dict[str, Any]]) -> Derived:
    """Evaluate the batch facts with durable-rules (or in Python when ``adapter`` is None)."""
    assert scope.batch is not None
    if adapter is None:
        return {key: sorted(values) for key, values in _reference(facts).items()}
    name = f"{scope.ruleset_name}:batch"
    rules = scope.batch
    adapter.ensure(name, lambda: compile_batch(rules))

    merged: Derived = {}
    for chunk in _chunks(facts):
        for key, values in adapter.evaluate(name, _driver(chunk)).items():
            merged.setdefault(key, []).extend(tuple(v) for v in values)
    # Sorted, so findings never depend on the order the engine fired in.
    return {key: sorted(values) for key, values in merged.items()}


def positions(ranks: Mapping[int, int]) -> dict[int, int]:
    """Place in the ranking of each row (row -> rank given): by rank, then file order."""
    ordered = sorted(ranks.items(), key=lambda item: (item[1], item[0]))
    return {row: place for place, (row, _) in enumerate(ordered, start=1)}
