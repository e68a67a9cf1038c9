"""The screening benchmark: gradient-rules against its peers, in one run, as ratios.

    python benchmarks/scale.py                # 10,000 applications; RSS read at 10k and 100k
    python benchmarks/scale.py 2000 --quick   # fewer, and no 100k streaming run

On the same fixed-seed national applications it times ``Engine.assess`` on the durable and
reference backends (and durable with full JSON serialisation), zen-engine evaluating the
national conditions as a JDM graph (when ``zen-engine`` is installed: the ``[bench]``
extra), and a hand-written Python function (the floor).  Every contender's tier verdicts
must equal the durable engine's on every application, or the run exits 1.  Then Guizhou
(5-35 catalog claims) and Shandong (titles) on both backends, 1 against 2 worker
processes (for a screening and a what-if comparison), RSS while streaming 10k and 100k
applications through ``assess_many``, and the time the CLI takes to print its first result.

Figures are ratios within one run (and RSS readings of this process, /proc/self/statm);
absolute rates depend on the machine.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Literal

from generate import GENERATORS, ON, applications, national
from peers import floor_verdicts, zen_decision

import gradient_rules_guizhou
import gradient_rules_national
import gradient_rules_shandong
from gradient_rules import Engine

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = [gradient_rules_national, gradient_rules_guizhou, gradient_rules_shandong]

__all__ = ["ON", "application", "rss_mb", "run"]

application = national
"""A national application (kept under this name for the scale test)."""


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


SLICE = 100
"""Contenders take turns on slices of this many applications, so drift in the machine's
speed (large on shared hosts, from one second to the next) falls on all of them alike
instead of on whichever ran last; the order of turns rotates from slice to slice, so none
always runs first.  Each slice's results are compared and dropped before the next, so no
contender runs with a heap full of the others' results (the cycle collector's passes grow
with it)."""


def _verdicts(assessment: Any) -> dict[str, str]:
    return {t.tier.value: t.verdict.value for t in assessment.tiers}


def _mismatches(outs: dict[str, list[Any]]) -> dict[str, int]:
    """Contenders whose answers on a slice differ from the durable engine's."""
    ours = outs["durable"]
    expected = [_verdicts(a) for a in ours]
    found = {"reference": sum(a.model_dump(exclude={"backend"})
                              != b.model_dump(exclude={"backend"})
                              for a, b in zip(ours, outs["reference"], strict=True)),
             "floor": sum(f != e for f, e in zip(outs["floor"], expected, strict=True))}
    if "zen" in outs:
        found["zen"] = sum(z["result"]["verdicts"] != e
                           for z, e in zip(outs["zen"], expected, strict=True))
    return found


def contenders(n: int) -> dict[str, Any]:
    """Cases per second of each contender on the same ``n`` national applications."""
    apps = applications("national", n)
    durable = Engine(plugins=PLUGINS)
    reference = Engine(plugins=PLUGINS, backend="reference")
    for engine in (durable, reference):  # build scopes and register rulesets first
        engine.assess(apps[0], jurisdiction="national", on=ON)
    works: dict[str, Callable[[Any], Any]] = {
        "durable": lambda a: durable.assess(a, jurisdiction="national", on=ON),
        "durable+json": lambda a: durable.assess(a, jurisdiction="national",
                                                 on=ON).model_dump_json(),
        "reference": lambda a: reference.assess(a, jurisdiction="national", on=ON),
        "floor": lambda a: floor_verdicts(a, ON),
    }
    try:
        decision = zen_decision()
    except ImportError:
        print("zen-engine not installed (pip install -e '.[bench]'); its column is skipped")
    else:
        iso = ON.isoformat()
        works["zen"] = lambda a: decision.evaluate({**a, "on": iso})
    spent = dict.fromkeys(works, 0.0)
    mismatches: dict[str, int] = {}
    order = list(works)
    for turn, start in enumerate(range(0, len(apps), SLICE)):
        part = apps[start:start + SLICE]
        outs: dict[str, list[Any]] = {}
        for name in order[turn % len(order):] + order[:turn % len(order)]:
            work = works[name]
            begun = time.perf_counter()
            outs[name] = [work(item) for item in part]
            spent[name] += time.perf_counter() - begun
        for name, count in _mismatches(outs).items():
            mismatches[name] = mismatches.get(name, 0) + count
    return {"rates": {name: len(apps) / spent[name] for name in works},
            "mismatches": mismatches}


def provinces(n: int) -> dict[str, Any]:
    """Durable against reference on Guizhou and Shandong applications.

    The two backends take turns on slices, as the national contenders do (``SLICE``), and
    every assessment of one is compared with the other's.
    """
    durable = Engine(plugins=PLUGINS)
    reference = Engine(plugins=PLUGINS, backend="reference")
    figures: dict[str, Any] = {}
    for jurisdiction in ("guizhou", "shandong"):
        apps = applications(jurisdiction, n)
        on = GENERATORS[jurisdiction][1]
        for engine in (durable, reference):
            engine.assess(apps[0], jurisdiction=jurisdiction, on=on)
        engines = {"durable": durable, "reference": reference}
        spent = dict.fromkeys(engines, 0.0)
        mismatches = 0
        for turn, start in enumerate(range(0, len(apps), SLICE)):
            part = apps[start:start + SLICE]
            outs: dict[str, list[Any]] = {}
            names = list(engines)[turn % 2:] + list(engines)[:turn % 2]
            for name in names:
                begun = time.perf_counter()
                outs[name] = [engines[name].assess(a, jurisdiction=jurisdiction, on=on)
                              for a in part]
                spent[name] += time.perf_counter() - begun
            mismatches += sum(a.model_dump(exclude={"backend"}) != b.model_dump(exclude={"backend"})
                              for a, b in zip(outs["durable"], outs["reference"], strict=True))
        figures[jurisdiction] = {"durable_per_s": len(apps) / spent["durable"],
                                 "reference_per_s": len(apps) / spent["reference"],
                                 "mismatches": mismatches}
    return figures


def workers(n: int, rounds: int = 2) -> dict[str, float]:
    """Throughput of 2 worker processes over one, on ``n`` national applications.

    ``two_over_one``: 2 workers (started the default way: forked on Linux, see
    ``gradient_rules._workers.start_method``) against ``workers=1``, which assesses in the
    calling process (what a user gains); ``spawn_over_one``: the same with workers started
    as fresh interpreters (what a caller with other threads running gets);
    ``two_over_pool_of_one``: against a pool of one worker process (the same start-up and
    transfer costs on both sides).  Each is timed ``rounds`` times, alternating, and the
    best of each counts, so a neighbour's burst on a shared host spoils one reading, not
    the figure.
    """
    from gradient_rules import _workers

    apps = applications("national", n)
    engine = Engine(plugins=PLUGINS)

    def timed(**how: Any) -> float:
        start = time.perf_counter()
        rows = sum(1 for _ in engine.assess_many(apps, jurisdiction="national", on=ON, **how))
        assert rows == n
        return time.perf_counter() - start

    def spawn() -> Literal["fork", "spawn"]:
        return "spawn"

    def spawned() -> float:
        default = _workers.start_method
        _workers.start_method = spawn
        try:
            return timed(workers=2)
        finally:
            _workers.start_method = default

    def one() -> float:
        return timed(workers=1)

    def two() -> float:
        return timed(workers=2)

    def pool_of_one() -> float:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            return timed(executor=pool)

    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, measure in (("one", one), ("two", two), ("spawn", spawned),
                              ("pool_of_one", pool_of_one)):
            best[name] = min(best.get(name, float("inf")), measure())
    return {"two_over_one": best["one"] / best["two"],
            "spawn_over_one": best["one"] / best["spawn"],
            "two_over_pool_of_one": best["pool_of_one"] / best["two"]}


def whatif(n: int, rounds: int = 2) -> dict[str, float]:
    """A what-if comparison of ``n`` national applications: 2 workers against 1.

    ``whatif_two_over_one``: ``compare_many`` (one pool whose workers assess each chunk under
    both engines) with 2 workers against in-process; ``one_pool_over_two``: against the form
    it replaced (D44), two ``assess_many`` screenings of 2 workers each, fed by ``tee``.
    """
    apps = applications("national", n)
    base = Engine(plugins=PLUGINS)
    changed = base.with_overrides({"NAT-BASE-5.minimum.excellent": 4})

    def compared(workers: int) -> float:
        start = time.perf_counter()
        pairs = base.compare_many(changed, apps, jurisdiction="national", on=ON,
                                  workers=workers)
        assert sum(1 for _ in pairs) == n
        return time.perf_counter() - start

    def two_pools() -> float:
        start = time.perf_counter()
        mine, theirs = itertools.tee(apps)
        before = base.assess_many(mine, jurisdiction="national", on=ON, workers=2)
        after = changed.assess_many(theirs, jurisdiction="national", on=ON, workers=2)
        assert sum(1 for _ in zip(before, after, strict=True)) == n
        return time.perf_counter() - start

    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, measure in (("one", partial(compared, 1)), ("two", partial(compared, 2)),
                              ("two_pools", two_pools)):
            best[name] = min(best.get(name, float("inf")), measure())
    return {"whatif_two_over_one": best["one"] / best["two"],
            "one_pool_over_two": best["two_pools"] / best["two"]}


_SOLO: list[Engine] = []


def _assess_all(apps: list[dict[str, Any]]) -> float:
    """Seconds this process takes to assess ``apps`` (its engine built beforehand)."""
    if not _SOLO:
        _SOLO.append(Engine(plugins=PLUGINS))
        _SOLO[0].assess(apps[0], jurisdiction="national", on=ON)
    start = time.perf_counter()
    for app in apps:
        _SOLO[0].assess(app, jurisdiction="national", on=ON)
    return time.perf_counter() - start


def machine_scaling(n: int, rounds: int = 3) -> float:
    """The machine's own 2-process scaling on this work, in this run: the ceiling.

    Two started processes each assess the same ``n`` applications at once, with no
    screening machinery between them, against one doing so alone: 2 x (time alone) / (time
    the slower took, together).  Both processes first assess the whole set once (warm
    caches), then ``rounds`` of alone-then-together follow and the best reading of each
    counts.  On a host whose two vCPUs share a physical core's caches and units, each
    process is slower when both run, and no worker pool can scale past this.
    """
    apps = applications("national", n)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_assess_all, [apps, apps]))  # both started, engines built, warm
        alone = together = float("inf")
        for _ in range(rounds):
            alone = min(alone, pool.submit(_assess_all, apps).result())  # the other idles
            together = min(together, max(pool.map(_assess_all, [apps, apps])))
    return 2 * alone / together


def streaming(total: int) -> dict[int, float]:
    """RSS (MB) after 1k, 10k and ``total`` applications streamed through ``assess_many``."""
    import random

    def feed() -> Iterator[dict[str, Any]]:
        rng = random.Random(3)
        for i in range(total):
            yield national(rng, i)

    engine = Engine(plugins=PLUGINS)
    readings: dict[int, float] = {}
    marks = {1000, 10_000, total}
    for i, _ in enumerate(engine.assess_many(feed(), jurisdiction="national", on=ON), 1):
        if i in marks:
            readings[i] = rss_mb()
    return readings


def cli_first_result() -> dict[str, float]:
    """Seconds until the CLI has printed one assessment, and two floors to read it by.

    ``python_s``: a bare interpreter's start; ``pydantic_s``: an interpreter that imports
    pydantic and makes, validates and prints a one-field model (pydantic builds its schema
    machinery on the first model, whatever the program).

    Timed as an installed package runs: from compiled bytecode.  An editable install's
    modules are compiled on first import, and not at all under ``PYTHONDONTWRITEBYTECODE``
    (set on some machines), which would add ~0.1 s of compiling to every run.  So the runs
    write their bytecode to a temporary ``PYTHONPYCACHEPREFIX``, and the first run, which
    compiles, is not counted.
    """
    example = ROOT / "examples" / "national" / "basic-workshop.json"
    cli = Path(sys.executable).with_name("gradient-rules")

    with tempfile.TemporaryDirectory(prefix="gr-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def best(command: list[str]) -> float:
            subprocess.run(command, check=False, capture_output=True, env=env)  # compiles
            times = []
            for _ in range(5):
                start = time.perf_counter()
                subprocess.run(command, check=False, capture_output=True, env=env)
                times.append(time.perf_counter() - start)
            return min(times)

        floor = ("from pydantic import BaseModel\n"
                 "class Model(BaseModel):\n    x: int\n"
                 "print(Model(x=1))")
        return {"cli_s": best([str(cli), "assess", str(example), "--on", ON.isoformat()]),
                "python_s": best([sys.executable, "-c", "pass"]),
                "pydantic_s": best([sys.executable, "-c", floor])}


def run(n: int, *, quick: bool = False) -> dict[str, Any]:
    """All the figures, in one run."""
    figures: dict[str, Any] = {"n": n}
    # Streaming first, so the other runs' garbage does not sit in the RSS readings.
    figures["rss_mb"] = streaming(20_000 if quick else 100_000)
    figures.update(contenders(n))
    figures["provinces"] = provinces(max(n // 5, 200))
    # Screening sizes: the programme counts 30,000+ basic-tier factories; each worker's start
    # (a fresh interpreter, the plugins loaded, the rulesets compiled) is paid once per run.
    figures["workers_n"] = 3 * n
    figures["machine_scaling"] = machine_scaling(n // 2)
    figures.update(workers(3 * n))
    figures.update(whatif(n))
    figures.update(cli_first_result())
    return figures


def report(figures: dict[str, Any]) -> None:
    """Print the ratios (and the rates they come from)."""
    rates = figures["rates"]
    print(f"national, {figures['n']} applications, cases/s:")
    for name, rate in rates.items():
        print(f"  {name:>13}: {rate:10.0f}")
    print("ratios (throughput):")
    pairs = [("durable", "reference"), ("durable", "zen"), ("durable+json", "zen"),
             ("reference", "zen"), ("floor", "durable")]
    for a, b in pairs:
        if a in rates and b in rates:
            print(f"  {a} / {b}: {rates[a] / rates[b]:.2f}")
    print(f"verdict mismatches against the durable engine: {figures['mismatches']}")
    for jurisdiction, row in figures["provinces"].items():
        print(f"{jurisdiction}: durable {row['durable_per_s']:.0f}/s, reference "
              f"{row['reference_per_s']:.0f}/s, durable / reference "
              f"{row['durable_per_s'] / row['reference_per_s']:.2f}, "
              f"mismatches {row['mismatches']}")
    ceiling = figures["machine_scaling"]
    print(f"2 workers / 1 (throughput, {figures['workers_n']} applications): "
          f"{figures['two_over_one']:.2f} against workers=1 (in-process; "
          f"{figures['two_over_one'] / ceiling:.0%} of the ceiling), "
          f"{figures['spawn_over_one']:.2f} with spawned workers, "
          f"{figures['two_over_pool_of_one']:.2f} against a pool of one worker; "
          f"the machine's ceiling in this run (two processes assessing at once, no "
          f"pool between them): {ceiling:.2f}")
    print(f"what-if, {figures['n']} applications under two engines: 2 workers / 1: "
          f"{figures['whatif_two_over_one']:.2f}; one pool / a pool per engine (the form "
          f"it replaced, D44): {figures['one_pool_over_two']:.2f}")
    rss = figures["rss_mb"]
    marks = sorted(rss)
    print("RSS MB while streaming: " + ", ".join(f"{k}: {rss[k]:.1f}" for k in marks)
          + f"; growth {marks[1]}->{marks[-1]}: {rss[marks[-1]] - rss[marks[1]]:+.1f} MB")
    print(f"CLI first result: {figures['cli_s']:.3f} s (a bare interpreter starts in "
          f"{figures['python_s']:.3f} s; one that imports pydantic and makes and prints a "
          f"one-field model, the floor of any pydantic program, in "
          f"{figures['pydantic_s']:.3f} s)")


def main() -> int:
    """Run the benchmark; exit 1 when any contender's verdicts differ from the engine's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="stream 20k, not 100k")
    args = parser.parse_args()
    figures = run(args.n, quick=args.quick)
    report(figures)
    bad = sum(figures["mismatches"].values()) + sum(
        row["mismatches"] for row in figures["provinces"].values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
