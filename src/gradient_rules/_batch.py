"""A recommender's ranked batch (推荐汇总): quotas, ranks, deadline, each entry's verdict.

Each row is read on its own: a row that cannot be read is reported with its errors and the
others are still assessed.  The batch rules run as their own durable-rules ruleset:

* ``entry`` ⋈ ``quota`` with ``position > limit`` -> over quota (the fourth and later, by rank);
* ``entry`` ⋈ ``entry`` with the same rank -> duplicate rank;
* ``batch`` with ``submitted_day > deadline`` -> late (unknown when unstated);
* ``entry`` with its own verdict -> refused / undetermined / unreadable.

A quota that varies by recommender is data (``quota_by_recommender``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._application import (
    Application,
    ScenarioClaim,
    parse_application,
    translate_validation_error,
)
from ._assessment import Assessment
from ._durable import DurableAdapter, RuleSpec, Session
from ._errors import ApplicationError
from ._loading import read_mapping
from ._rulepack import BatchRules, RulePack
from ._vocabulary import Tier, Verdict

__all__ = ["BatchAssessment", "BatchFinding", "BatchRow", "Contact", "RawRow", "batch_rows",
           "read_batch"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Contact(_Model):
    """The applicant's contact person for the summary form."""

    name: str | None = None
    """联系人."""
    mobile: str | None = None
    """Mainland mobile number (联系方式（手机号）), normalised to 11 digits."""

    @field_validator("mobile", mode="before")
    @classmethod
    def _mainland_mobile(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        try:
            number = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            raise ValueError(f"{text!r} is not a phone number") from None
        kind = phonenumbers.number_type(number)
        mobile = kind in (phonenumbers.PhoneNumberType.MOBILE,
                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        if number.country_code != 86 or not phonenumbers.is_valid_number(number) or not mobile:
            raise ValueError(f"{text!r} is not a valid mainland China mobile number "
                             "(11 digits starting with 1)")
        return str(number.national_number)


class RawRow(_Model):
    """One row of a batch file as read, before its application is validated."""

    row: int
    """Position in the file, from 1."""
    rank: int | None
    """Priority (序号) as given; ``None`` when missing or not a whole number."""
    data: dict[str, Any]
    """The row's mapping."""
    source: str | None = None
    """Where the application came from (inline, or a file)."""


class BatchFinding(_Model):
    """A batch rule that applies to a row or to the whole batch."""

    rule_id: str
    """Rule id (e.g. ``SX-QUOTA``)."""
    clause: str
    """Clause as printed."""
    message_zh: str
    """Chinese."""
    message_en: str
    """English."""


class BatchRow(_Model):
    """One application of the batch and what became of it."""

    row: int
    """Position in the file, from 1."""
    rank: int | None
    """Priority as given."""
    position: int | None = None
    """Place in the ranking (1 = first), counting rows by rank then file order."""
    enterprise: str | None = None
    """Applicant name."""
    project: str | None = None
    """Project name."""
    contact: Contact | None = None
    """Contact person."""
    scenarios: tuple[ScenarioClaim, ...] = ()
    """The application's scenario claims (for the form's 场景实例 column)."""
    errors: tuple[str, ...] = ()
    """Why the row could not be assessed (field: message)."""
    problems: tuple[str, ...] = ()
    """Data problems that do not stop the assessment (e.g. an invalid mobile number)."""
    verdict: Verdict | None = None
    """The application's own verdict for the batch tier; ``None`` when unreadable."""
    refusals: tuple[BatchFinding, ...] = ()
    """Batch rules refusing this row (quota, duplicate rank)."""
    recommended: Literal["yes", "no", "undetermined"]
    """Whether the row can go forward."""
    assessment: Assessment | None = None
    """The full assessment of the application."""


class BatchAssessment(_Model):
    """A recommender's batch, assessed."""

    jurisdiction: str
    """Jurisdiction code."""
    pack_version: str
    """Pack applied."""
    on: dt.date
    """Evaluation date."""
    tier: Tier
    """Tier recommended for."""
    recommender: str
    """推荐单位."""
    quota: int
    """This recommender's quota."""
    submitted_on: dt.date | None = None
    """When the recommender submitted."""
    findings: tuple[BatchFinding, ...] = ()
    """Batch-level findings (late or unstated submission)."""
    rows: tuple[BatchRow, ...]
    """Rows by rank (then file order); unreadable ranks last."""
    backend: Literal["durable", "reference"]
    """Which evaluator produced it."""

    def row(self, number: int) -> BatchRow:
        """A row by its position in the file."""
        for row in self.rows:
            if row.row == number:
                return row
        raise KeyError(f"no row {number}")


class BatchFile(_Model):
    """The head of a batch file."""

    recommender: str = Field(min_length=1)
    """推荐单位 (a city bureau, or the 综改示范区)."""
    submitted_on: dt.date | None = None
    """When the recommender submitted the batch."""
    entries: list[Any] = Field(min_length=1)
    """Rows: ``rank``, ``contact``, and ``application`` (inline) or ``file`` (a path)."""


def batch_rows(data: Mapping[str, Any],
               source: str | None = None) -> tuple[BatchFile, list[RawRow]]:
    """Split a batch mapping into its head, which must be valid, and its rows.

    Rows are checked later, each on its own, so a bad row never stops the others.
    """
    try:
        head = BatchFile.model_validate(dict(data))
    except ValidationError as error:
        raise translate_validation_error(error, source=source) from None
    rows = []
    for index, entry in enumerate(head.entries, start=1):
        raw = entry if isinstance(entry, dict) else {"_not_a_mapping": entry}
        rank = raw.get("rank")
        valid_rank = isinstance(rank, int) and not isinstance(rank, bool) and rank >= 1
        rows.append(RawRow(row=index, rank=rank if valid_rank else None, data=raw,
                           source=source))
    return head, rows


def read_batch(path: str | Path) -> tuple[BatchFile, list[RawRow]]:
    """Read a batch file (JSON, TOML or YAML)."""
    return batch_rows(read_mapping(path), source=str(path))


def _row_application(raw: RawRow, base: Path | None) -> tuple[Application | None,
                                                            Contact | None,
                                                            list[str], list[str]]:
    errors: list[str] = []
    problems: list[str] = []
    data = raw.data
    if "_not_a_mapping" in data:
        return None, None, ["the row must be a mapping with rank, contact and application"], []
    unknown = sorted(set(data) - {"rank", "contact", "application", "file"})
    if unknown:
        errors.append(f"{unknown[0]}: unknown key; a row takes rank, contact, application "
                      "or file")
    if raw.rank is None:
        errors.append(f"rank: {data.get('rank')!r} is not a whole number from 1")
    contact = None
    try:
        contact = Contact.model_validate(data.get("contact") or {})
    except ValidationError as error:
        problems.extend(f"contact.{p}: {m}" if p else f"contact: {m}"
                        for p, m in translate_validation_error(error).problems)
    application = None
    try:
        if "file" in data:
            target = Path(str(data["file"]))
            if base is not None and not target.is_absolute():
                target = base / target
            application = parse_application(read_mapping(target), source=str(target))
        elif "application" in data:
            application = parse_application(data["application"])
        else:
            errors.append("application: missing; give `application` (inline) or `file`")
    except ApplicationError as error:
        errors.extend(f"application.{p}: {m}" if p else f"application: {m}"
                      for p, m in error.problems)
    return (None if errors else application), contact, errors, problems


# --- the batch rules: durable-rules and plain Python ---------------------------------------


def _record(name: str, *fields: str) -> Any:
    def action(session: Session, matched: Mapping[str, Mapping[str, Any]]) -> None:
        values = [matched[alias][key] for alias, key in (f.split(".") for f in fields)]
        session.record(name, tuple(values))
    return action


def compile_batch(rules: BatchRules) -> list[RuleSpec]:
    """The batch rules as durable-rules rule specs."""
    return [
        RuleSpec("quota", (("quota", {"kind": "quota"}),
                           ("entry", {"$and": [{"kind": "entry"},
                                               {"$gt": {"position": {"quota": "limit"}}}]})),
                 _record("over_quota", "entry.row")),
        RuleSpec("duplicate_rank",
                 (("first", {"kind": "entry"}),
                  ("second", {"$and": [{"kind": "entry"}, {"rank": {"first": "rank"}},
                                       {"$gt": {"row": {"first": "row"}}}]})),
                 _record("duplicate", "first.row", "second.row")),
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


def _reference(facts: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    entries = [f for f in facts if f["kind"] == "entry"]
    quota = next(f for f in facts if f["kind"] == "quota")
    batch = next(f for f in facts if f["kind"] == "batch")
    for e in entries:
        if e["position"] > quota["limit"]:
            out.setdefault("over_quota", []).append((e["row"],))
        if e["verdict"] in ("not_eligible", "unreadable"):
            out.setdefault("own_no", []).append((e["row"],))
        if e["verdict"] == "undetermined":
            out.setdefault("own_unknown", []).append((e["row"],))
        for other in entries:
            if other["rank"] == e["rank"] and other["row"] > e["row"]:
                out.setdefault("duplicate", []).append((e["row"], other["row"]))
    if "deadline" in batch:
        if "submitted_day" not in batch:
            out["submission_unknown"] = [(batch["deadline"],)]
        elif batch["submitted_day"] > batch["deadline"]:
            out["late"] = [(batch["submitted_day"],)]
    return out


def run_batch_rules(adapter: DurableAdapter | None, pack: RulePack,
                    facts: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Evaluate the batch facts with durable-rules (or in Python when ``adapter`` is None)."""
    assert pack.batch is not None
    if adapter is None:
        return {key: sorted(values) for key, values in _reference(facts).items()}
    name = f"{pack.ruleset_name}:batch"
    if not adapter.is_registered(name):
        adapter.register(name, compile_batch(pack.batch))

    def driver(session: Session) -> dict[str, list[tuple[Any, ...]]]:
        session.assert_facts(facts)
        # Sorted, so findings never depend on the order the engine fired in.
        return {key: sorted(tuple(v) for v in values) for key, values in session.results.items()}

    return adapter.evaluate(name, driver)


def positions(rows: Sequence[RawRow]) -> dict[int, int]:
    """Place in the ranking of each row with a rank: by rank, then file order."""
    ranked = sorted((r for r in rows if r.rank is not None),
                    key=lambda r: (r.rank if r.rank is not None else 0, r.row))
    return {r.row: place for place, r in enumerate(ranked, start=1)}
