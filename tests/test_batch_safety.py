"""Batches from strangers: rows read only what they may, every row comes out, any size works.

Each case here failed before (decision D34): a row's ``file:`` read any path on the machine
and echoed its values, a NUL byte in one path lost the whole batch, a row with both
``application`` and ``file`` silently dropped one, 10,000 rows hit durable-rules' fact cap,
ranks of 2**63 collapsed in the C engine, and 1,000 rows sharing a rank produced output
quadratic in the rows.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import gradient_rules_national
import gradient_rules_shanxi
from gradient_rules import ApplicationError, BatchAssessment, Engine
from gradient_rules import _batch_rules as batch_rules
from gradient_rules._cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shanxi" / "taiyuan-batch.yaml"
PLUGINS = [gradient_rules_national, gradient_rules_shanxi]
SECRET = "TOKEN-5f3a9c-do-not-print"


@pytest.fixture(scope="module")
def durable() -> Engine:
    return Engine(plugins=PLUGINS)


@pytest.fixture(scope="module")
def reference() -> Engine:
    return Engine(plugins=PLUGINS, backend="reference")


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def application(index: int = 0) -> dict[str, Any]:
    app: dict[str, Any] = copy.deepcopy(example()["entries"][index]["application"])
    return app


def write_batch(folder: Path, entries: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"recommender": example()["recommender"], "submitted_on": "2024-11-21",
            "entries": entries}
    path = folder / "batch.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def secret_application(path: Path) -> Path:
    """A file outside the batch's folder, holding a valid application and a secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    app = application()
    app["enterprise"]["name"] = SECRET
    path.write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    return path


def dump(result: BatchAssessment) -> str:
    return result.model_dump_json()


# --- confinement ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "symlinked_folder"])
def test_a_row_may_not_read_a_file_outside_the_batch_folder(tmp_path: Path, durable: Engine,
                                                            how: str) -> None:
    secret = secret_application(tmp_path / "elsewhere" / "token.json")
    batch_folder = tmp_path / "batches" / "taiyuan"
    batch_folder.mkdir(parents=True)
    if how == "absolute":
        named = str(secret)
    elif how == "dotdot":
        named = "../../elsewhere/token.json"
    elif how == "symlink":
        (batch_folder / "link.json").symlink_to(secret)
        named = "link.json"
    else:
        (batch_folder / "sub").symlink_to(secret.parent, target_is_directory=True)
        named = "sub/token.json"
    path = write_batch(batch_folder, [
        {"rank": 1, "application": application()},
        {"rank": 2, "file": named},
    ])
    result = durable.assess_batch(path, jurisdiction="shanxi")
    assert [row.row for row in result.rows] == [1, 2]
    assert result.row(1).recommended == "yes"
    (error,) = result.row(2).errors
    assert "rows may read only files inside the batch file's folder" in error
    assert result.row(2).recommended == "no"
    assert SECRET not in dump(result)  # the rule is named, never the content

    allowed = durable.assess_batch(path, jurisdiction="shanxi", allow_outside=True)
    assert allowed.row(2).errors == () and allowed.row(2).enterprise == SECRET


def test_a_file_inside_the_folder_or_a_subfolder_is_read(tmp_path: Path,
                                                         durable: Engine) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "one.json").write_text(json.dumps(application(), ensure_ascii=False),
                                                encoding="utf-8")
    (tmp_path / "alias.json").symlink_to(tmp_path / "apps" / "one.json")  # a link that stays in
    path = write_batch(tmp_path, [{"rank": 1, "file": "apps/one.json"},
                                  {"rank": 2, "file": str(tmp_path / "apps" / "one.json")},
                                  {"rank": 3, "file": "alias.json"}])
    result = durable.assess_batch(path, jurisdiction="shanxi")
    assert [row.errors for row in result.rows] == [(), (), ()]


def test_the_cli_refuses_outside_files_unless_allowed(tmp_path: Path) -> None:
    secret = secret_application(tmp_path / "elsewhere" / "token.json")
    path = write_batch(tmp_path / "batch", [{"rank": 1, "file": str(secret)}])
    runner = CliRunner(env={"GRADIENT_RULES_LANG": "en"})
    refused = runner.invoke(cli, ["batch", str(path), "-j", "shanxi", "--format", "json"])
    assert refused.exit_code == 0, refused.output  # the batch is read; the row is refused
    (row,) = json.loads(refused.output)["rows"]
    assert "inside the batch file's folder" in row["errors"][0]
    assert SECRET not in refused.output
    allowed = runner.invoke(cli, ["batch", str(path), "-j", "shanxi", "--allow-outside",
                                  "--format", "json"])
    assert json.loads(allowed.output)["rows"][0]["errors"] == []


def test_a_mapping_batch_reads_files_only_from_a_given_base(tmp_path: Path,
                                                            durable: Engine) -> None:
    (tmp_path / "one.json").write_text(json.dumps(application(), ensure_ascii=False),
                                       encoding="utf-8")
    data = {"recommender": example()["recommender"], "submitted_on": "2024-11-21",
            "entries": [{"rank": 1, "file": "one.json"}]}
    without = durable.assess_batch(data, jurisdiction="shanxi")
    assert "needs base=" in without.row(1).errors[0]
    with_base = durable.assess_batch(data, jurisdiction="shanxi", base=tmp_path)
    assert with_base.row(1).errors == ()


# --- one bad row never loses the batch -------------------------------------------------------


@pytest.mark.parametrize("row, fragment", [
    ({"rank": 2, "file": "one\0.json"}, "without NUL characters"),
    ({"rank": 2, "file": "x" * 5000}, "at most 1,000"),
    ({"rank": 2, "file": ["a.json"]}, "must be a file path"),
    ({"rank": 2, "file": "folder.json"}, "a directory"),
    ({"rank": 2, "file": "fifo.json"}, "not a regular file"),
    ({"rank": 2, "application": {}, "file": "one.json"}, "give one of them, not both"),
    ({"rank": 2}, "application: missing"),
])
def test_a_bad_row_is_that_rows_error_and_every_row_comes_out(tmp_path: Path, durable: Engine,
                                                              row: dict[str, Any],
                                                              fragment: str) -> None:
    import os

    (tmp_path / "folder.json").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "one.json").write_text(json.dumps(application(), ensure_ascii=False),
                                       encoding="utf-8")
    path = write_batch(tmp_path, [{"rank": 1, "application": application()}, row,
                                  {"rank": 3, "application": application(2)}])
    result = durable.assess_batch(path, jurisdiction="shanxi")
    assert [r.row for r in sorted(result.rows, key=lambda r: r.row)] == [1, 2, 3]
    assert result.row(1).errors == () and result.row(3).errors == ()
    assert any(fragment in error for error in result.row(2).errors), result.row(2).errors
    assert result.row(2).recommended == "no"


def test_an_unexpected_failure_reading_one_row_is_that_rows_error(
        tmp_path: Path, durable: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradient_rules import _batch

    real = _batch.parse_application  # type: ignore[attr-defined]

    def flaky(data: Any, **kw: Any) -> Any:
        if data.get("enterprise", {}).get("name") == "boom":
            raise MemoryError("simulated")
        return real(data, **kw)

    monkeypatch.setattr(_batch, "parse_application", flaky)  # the name _batch looks up
    boom = application()
    boom["enterprise"]["name"] = "boom"
    path = write_batch(tmp_path, [{"rank": 1, "application": application()},
                                  {"rank": 2, "application": boom}])
    result = durable.assess_batch(path, jurisdiction="shanxi")
    assert result.row(1).recommended == "yes"
    assert result.row(2).errors == ("the row cannot be read (MemoryError)",)


# --- size: many rows, huge ranks, shared ranks -----------------------------------------------


def _rows(count: int, rank: Any = None) -> dict[str, Any]:
    base = example()
    entries = []
    for index in range(count):
        entry = copy.deepcopy(base["entries"][index % 4])
        entry["rank"] = index + 1 if rank is None else rank
        entries.append(entry)
    return {"recommender": base["recommender"], "submitted_on": "2024-11-21",
            "entries": entries}


def _same(durable: BatchAssessment, reference: BatchAssessment) -> None:
    leave_out: Any = {"backend": True, "rows": {"__all__": {"assessment": {"backend"}}}}
    assert durable.model_dump(exclude=leave_out) == reference.model_dump(exclude=leave_out)


def test_a_batch_larger_than_one_durable_session_is_evaluated_in_chunks(
        durable: Engine, reference: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 5 rows stand in for chunks of 2,000 (the 9,999-fact cap of one session).
    monkeypatch.setattr(batch_rules, "CHUNK", 5)
    data = _rows(23)
    data["entries"][7]["rank"] = 3  # a duplicate across chunks
    data["entries"][21]["rank"] = 3
    result = durable.assess_batch(data, jurisdiction="shanxi")
    assert len(result.rows) == 23
    assert {r.row for r in result.rows if any("推荐次序3" in f.message_zh
                                              for f in r.refusals)} == {3, 8, 22}
    _same(result, reference.assess_batch(data, jurisdiction="shanxi"))


@pytest.mark.slow
def test_ten_thousand_rows_work_on_the_durable_backend(durable: Engine) -> None:
    result = durable.assess_batch(_rows(10_000), jurisdiction="shanxi")
    assert len(result.rows) == 10_000
    assert sum(r.recommended == "yes" for r in result.rows) == 2  # quota 3; rank 2 lacks one
    assert {r.position for r in result.rows} == set(range(1, 10_001))


def test_more_rows_than_the_limit_is_bad_input_naming_it(durable: Engine) -> None:
    from gradient_rules._limits import MAX_BATCH_ROWS

    data = {"recommender": "太原市工业和信息化局", "submitted_on": "2024-11-21",
            "entries": [{"rank": 1}] * (MAX_BATCH_ROWS + 1)}
    with pytest.raises(ApplicationError, match="at most 50000 items"):
        durable.assess_batch(data, jurisdiction="shanxi")


@pytest.mark.parametrize("rank", [2**63 - 1, 2**63, 2**64 + 1, 10**30, 1_000_001, 0, -1, 1.0,
                                  True, "1"])
def test_a_rank_out_of_range_is_the_rows_error_on_both_backends(durable: Engine,
                                                                reference: Engine,
                                                                rank: Any) -> None:
    data = _rows(3)
    data["entries"][0]["rank"] = 2**63 - 1 if rank == 2**63 else 2**63  # two huge ranks
    data["entries"][1]["rank"] = rank
    result = durable.assess_batch(data, jurisdiction="shanxi")
    for number in (1, 2):
        error = result.row(number).errors[0]
        assert error.startswith("rank: ") and ("from 1 to 1,000,000" in error
                                               or "more than 19 digits" in error), error
        assert not any("重复" in f.message_zh for f in result.row(number).refusals)
    assert result.row(3).errors == ()
    _same(result, reference.assess_batch(data, jurisdiction="shanxi"))


def test_a_rank_shared_by_many_rows_is_reported_once_per_rank(durable: Engine) -> None:
    def size(count: int) -> tuple[int, BatchAssessment]:
        entries = [{"rank": 1, "application": {"enterprise": {"name": f"企业{i}"}}}
                   for i in range(count)]
        result = durable.assess_batch({"recommender": "太原市工业和信息化局",
                                       "submitted_on": "2024-11-21", "entries": entries},
                                      jurisdiction="shanxi")
        refusals = [f for r in result.rows for f in r.refusals] + list(result.findings)
        return sum(len(f.message_zh) + len(f.message_en) for f in refusals), result

    small, _ = size(50)
    large, result = size(500)
    assert large < 12 * small  # ten times the rows, about ten times the text, not a hundred
    duplicate = [f for f in result.findings if "重复" in f.message_zh]
    assert len(duplicate) == 1 and duplicate[0].message_zh.startswith("推荐次序1被第1、2、3")
    assert all(len(r.refusals) <= 2 for r in result.rows)


def test_a_value_beyond_the_limits_in_a_batch_file_is_its_rows_error(tmp_path: Path,
                                                                     durable: Engine) -> None:
    data = _rows(3)
    data["entries"][1]["rank"] = 10**30
    data["entries"][2]["application"]["enterprise"]["name"] = "x" * 20_000
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = durable.assess_batch(path, jurisdiction="shanxi")
    assert result.row(1).errors == ()
    assert result.row(2).errors == ("rank: a number of more than 19 digits",)
    assert result.row(3).errors == ("application.enterprise.name: text of 20,000 characters; "
                                    "at most 10,000",)
