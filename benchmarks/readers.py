"""The bulk readers' benchmark: the same applications read from JSON Lines, CSV and XLSX.

``python benchmarks/readers.py [N]`` writes N fixed-seed national applications
(:mod:`generate`) in the three bulk formats, in the flat layout of ``docs/bulk.md`` for
CSV and XLSX (the workbook written by openpyxl, as ``gradient-rules template`` writes one),
checks that every format reads back as the same applications, and prints, in one run, each
format's rows per second (best of three ``read_inputs`` passes) and its time as a multiple
of CSV's.  It exits 1 when the formats disagree.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate import applications

from gradient_rules._bulk_read import read_inputs

__all__ = ["flat_row", "main", "write_all"]


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def flat_row(app: dict[str, Any], row_id: str) -> dict[str, str]:
    """A national application as one row of the flat layout (``docs/bulk.md``)."""
    row = {"id": row_id, "enterprise.name": app["enterprise"]["name"]}
    for key, value in app["enterprise"].items():
        if key != "name":
            row[f"enterprise.{key}"] = _yes_no(value)
    for key, value in app.get("self_assessment", {}).items():
        row[f"self_assessment.{key}"] = str(value)
    if "construction_completed" in app:
        row["construction_completed"] = _yes_no(app["construction_completed"])
    for key, value in app.get("attestations", {}).items():
        row[f"attestations.{key}"] = _yes_no(value)
    row["incidents"] = "; ".join(f"{x['kind']}—{x['grade']}—{x['occurred_on']}"
                                 for x in app.get("incidents", [])) or "无"
    row["scenarios"] = "; ".join(f"{x['segment']}—{x['name']}—{x['tier']}"
                                 for x in app.get("scenarios", [])) or "无"
    row["kpis"] = "; ".join(f"{k}={v}" for k, v in app.get("kpis", {}).items()) or "无"
    for key, value in app.get("filing", {}).items():
        row[f"filing.{key}"] = value
    known = {"enterprise", "self_assessment", "construction_completed", "attestations",
             "incidents", "scenarios", "kpis", "filing"}
    if set(app) - known:
        raise ValueError(f"no flat form for {sorted(set(app) - known)}")
    return row


def write_all(apps: list[dict[str, Any]], folder: Path) -> dict[str, Path]:
    """``apps`` as ``apps.jsonl``, ``apps.csv`` and ``apps.xlsx`` in ``folder``."""
    import openpyxl

    rows = [flat_row(app, f"N{i}") for i, app in enumerate(apps)]
    headings = sorted({key for row in rows for key in row}, key=lambda k: (k != "id", k))
    paths = {suffix: folder / f"apps.{suffix}" for suffix in ("jsonl", "csv", "xlsx")}
    with paths["jsonl"].open("w", encoding="utf-8") as out:
        for i, app in enumerate(apps):
            out.write(json.dumps({"id": f"N{i}", **app}, ensure_ascii=False) + "\n")
    with paths["csv"].open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headings)
        writer.writerows([row.get(h, "") for h in headings] for row in rows)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(h) for h in headings])
    book.save(paths["xlsx"])
    return paths


def _read(path: Path) -> list[tuple[str | None, Any]]:
    return [(item.id, item.data if item.error is None else str(item.error))
            for item in read_inputs([str(path)])]


def _count(path: Path) -> int:
    return sum(1 for _ in read_inputs([str(path)]))


def _best(work: Callable[[], int], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _canonical(data: Any) -> Any:
    """An application as the three formats must agree on it (JSON's view of its values)."""
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def main() -> int:
    """Write, check and time the three formats; exit 1 when they read differently."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    args = parser.parse_args()
    apps = applications("national", args.n)
    with tempfile.TemporaryDirectory(prefix="gr-readers-") as folder:
        paths = write_all(apps, Path(folder))
        read = {suffix: _read(path) for suffix, path in paths.items()}
        bad = 0
        for suffix in ("csv", "xlsx"):
            for (row_id, data), (json_id, json_data) in zip(read[suffix], read["jsonl"],
                                                            strict=True):
                if row_id != json_id or _canonical(data) != _canonical(
                        {k: v for k, v in json_data.items() if k != "id"}):
                    bad += 1
        seconds = {suffix: _best(functools.partial(_count, path))
                   for suffix, path in paths.items()}
    print(f"{args.n:,} national applications, read with read_inputs (best of three):")
    for suffix, taken in seconds.items():
        print(f"  {suffix:>5}: {args.n / taken:>9,.0f} rows/s   "
              f"{taken / seconds['csv']:.2f}x CSV's time")
    print(f"rows read differently from the JSON Lines file: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
