"""A recommender's ranked batch (推荐汇总) for a call: quotas, ranks, deadline, each entry.

Each row is read and assessed on its own, for the call: a row that cannot be read is
reported with its errors and the others are still assessed; rows in = rows out.  Then the
call's batch rules (``_batch_rules``) run over the rows.  A quota that varies by recommender
is data (``quota_by_recommender``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._application import (
    Application,
    ScenarioClaim,
    parse_application,
    translate_validation_error,
)
from ._assessment import Assessment, Finding
from ._batch_rules import positions, rank_uses, run_batch_rules
from ._docstrings import describe_fields
from ._durable import DurableAdapter
from ._errors import ApplicationError
from ._i18n import InvalidValue, short_repr
from ._limits import (
    BATCH_BYTES,
    BATCH_VALUES,
    MAX_BATCH_ROWS,
    MAX_RANK,
    IsoDate,
    Name,
    walk,
)
from ._loading import path_label, read_mapping
from ._rules import Provision, Rule
from ._scope import Scope
from ._vocabulary import Outcome, Tier, Verdict

__all__ = ["BatchAssessment", "BatchFinding", "BatchRow", "Contact", "RawRow", "batch_input",
           "batch_rows", "read_batch", "run_batch"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)


class Contact(_Model):
    """The applicant's contact person for the summary form."""

    name: Name | None = None
    """联系人."""
    mobile: str | None = None
    """Mainland mobile number (联系方式（手机号）), normalised to 11 digits."""

    @field_validator("mobile", mode="before")
    @classmethod
    def _mainland_mobile(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidValue("must be a mobile number (text or digits)", "须为手机号码")
        text = str(value).strip()
        if len(text) > 30:
            raise InvalidValue(f"{short_repr(text)} is not a phone number",
                               f"{short_repr(text)} 不是电话号码")
        import phonenumbers  # on the first number checked: ~13 ms that others need not pay

        try:
            number = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            raise InvalidValue(f"{short_repr(text)} is not a phone number",
                               f"{short_repr(text)} 不是电话号码") from None
        kind = phonenumbers.number_type(number)
        mobile = kind in (phonenumbers.PhoneNumberType.MOBILE,
                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        if number.country_code != 86 or not phonenumbers.is_valid_number(number) or not mobile:
            raise InvalidValue(f"{short_repr(text)} is not a valid mainland China mobile number "
                               "(11 digits starting with 1)",
                               f"{short_repr(text)} 不是有效的大陆手机号（以1开头的11位数字）")
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
    mapping: bool = True
    """Whether the row was a mapping at all (``data`` is empty when not)."""
    unreadable: tuple[tuple[str, str], ...] = ()
    """(English, Chinese) values beyond the limits (``data`` is empty then)."""


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
    errors_zh: tuple[str, ...] = ()
    """The same, in Chinese."""
    problems: tuple[str, ...] = ()
    """Data problems that do not stop the assessment (e.g. an invalid mobile number)."""
    verdict: Verdict | None = None
    """The application's own verdict for the batch tier; ``None`` when unreadable."""
    findings: tuple[Finding, ...] = ()
    """The rules of its own assessment not met or unknown at the batch tier, with clauses."""
    refusals: tuple[BatchFinding, ...] = ()
    """Batch rules refusing this row (quota, duplicate rank)."""
    recommended: Literal["yes", "no", "undetermined"]
    """Whether the row can go forward."""
    assessment: Assessment | None = None
    """The full assessment of the application."""


class BatchAssessment(_Model):
    """A recommender's batch, assessed for a call."""

    jurisdiction: str
    """Jurisdiction code."""
    call: str
    """The call's id."""
    pack_version: str
    """Version of the conditions applied."""
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
    """Batch-level findings (late or unstated submission, each rank used more than once)."""
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

    recommender: Name = Field(min_length=1)
    """推荐单位 (a city bureau, or the 综改示范区)."""
    submitted_on: IsoDate | None = None
    """When the recommender submitted the batch."""
    entries: list[Any] = Field(min_length=1, max_length=MAX_BATCH_ROWS)
    """Rows: ``rank``, ``contact``, and ``application`` (inline) or ``file`` (a path)."""


def batch_rows(data: Mapping[str, Any],
               source: str | None = None) -> tuple[BatchFile, list[RawRow]]:
    """Split a batch mapping into its head, which must be valid, and its rows.

    Rows are checked later, each on its own, so a bad row never stops the others.
    """
    if not isinstance(data, Mapping):
        raise ApplicationError([("", f"a batch must be a mapping, got {type(data).__name__}",
                                 "批次须为字段映射（键值表）")], source=source)
    problems = walk(data, values=BATCH_VALUES)
    by_row: dict[int, list[tuple[str, str]]] = {}
    for path, en, zh in problems:
        index = _row_index(path)
        if index is None:  # the head, or the whole file: the batch cannot be read
            raise ApplicationError(problems, source=source)
        inner = path.split("]", 1)[1].lstrip(".") or "row"
        by_row.setdefault(index, []).append((f"{inner}: {en}", f"{inner}：{zh}"))
    try:
        head = BatchFile.model_validate(dict(data))
    except ValidationError as error:
        raise translate_validation_error(error, source=source) from None
    rows = []
    for index, entry in enumerate(head.entries, start=1):
        raw = entry if isinstance(entry, dict) else {}
        rank = raw.get("rank")
        valid_rank = (isinstance(rank, int) and not isinstance(rank, bool)
                      and 1 <= rank <= MAX_RANK)
        if index in by_row:  # a value beyond the limits: this row's error, not the batch's
            rows.append(RawRow(row=index, rank=None, data={}, source=source,
                               unreadable=tuple(by_row[index])))
            continue
        rows.append(RawRow(row=index, rank=rank if valid_rank else None, data=raw,
                           source=source, mapping=isinstance(entry, dict)))
    return head, rows


def _row_index(path: str) -> int | None:
    """The row (from 1) a ``walk`` path such as ``entries[3].rank`` lies in, if any."""
    if not path.startswith("entries["):
        return None
    number = path[len("entries["):].split("]", 1)[0]
    return int(number) + 1 if number.isdigit() else None


def read_batch(path: str | Path) -> tuple[BatchFile, list[RawRow]]:
    """Read a batch file (JSON, TOML or YAML) of at most BATCH_BYTES."""
    # Bounds are checked by batch_rows, so a value beyond them is its row's error only.
    return batch_rows(read_mapping(path, limit=BATCH_BYTES, values=BATCH_VALUES, bounds=False),
                      source=path_label(path))


Errors = list[tuple[str, str]]
"""(English, Chinese) lines."""


def _row_application(raw: RawRow, base: Path | None,
                     allow_outside: bool) -> tuple[Application | None, Contact | None, Errors,
                                                   list[str]]:
    """Read one row; every failure is the row's error, never the batch's."""
    try:
        return _read_row(raw, base, allow_outside)
    except Exception as error:  # a row never loses the batch; the class names the fault
        return None, None, [(f"the row cannot be read ({type(error).__name__})",
                             f"该行无法读取（{type(error).__name__}）")], []


def _read_row(raw: RawRow, base: Path | None,
              allow_outside: bool) -> tuple[Application | None, Contact | None, Errors,
                                            list[str]]:
    errors: Errors = []
    problems: list[str] = []
    data = raw.data
    if raw.unreadable:
        return None, None, list(raw.unreadable), []
    if not raw.mapping:
        return None, None, [("the row must be a mapping with rank, contact and application",
                             "每行须为包含 rank、contact 和 application 的映射")], []
    unknown = sorted(set(data) - {"rank", "contact", "application", "file"})
    if unknown:
        errors.append((f"{unknown[0][:60]}: unknown key; a row takes rank, contact, "
                       "application or file", f"{unknown[0][:60]}：未知字段；每行只接受 rank、"
                       "contact、application 或 file"))
    if raw.rank is None:
        errors.append((f"rank: {short_repr(data.get('rank'))} is not a whole number from 1 to "
                       f"{MAX_RANK:,}", f"rank：{short_repr(data.get('rank'))} 不是1至"
                       f"{MAX_RANK:,}之间的整数"))
    contact = None
    try:
        contact = Contact.model_validate(data.get("contact") or {})
    except ValidationError as error:
        problems.extend(f"contact.{p}: {m}" if p else f"contact: {m}"
                        for p, m in translate_validation_error(error).problems)
    application = None
    try:
        if "file" in data and "application" in data:
            errors.append(("application, file: give one of them, not both",
                           "application 与 file 只能给出一个"))
        elif "file" in data:
            target = _row_file(data["file"], base, allow_outside)
            application = parse_application(read_mapping(target), source=path_label(target))
        elif "application" in data:
            application = parse_application(data["application"])
        else:
            errors.append(("application: missing; give `application` (inline) or `file`",
                           "application：缺失；请内嵌 application 或用 file 指向申报文件"))
    except ApplicationError as error:
        errors.extend(_prefixed(error))
    return (None if errors else application), contact, errors, problems


def _row_file(value: Any, base: Path | None, allow_outside: bool) -> Path:
    """The file a row names, confined to the batch's folder unless the caller allows more."""
    if not isinstance(value, str) or not value or len(value) > 1000 or "\0" in value:
        raise ApplicationError([("file", "must be a file path: text of at most 1,000 "
                                 "characters, without NUL characters",
                                 "须为文件路径：不超过1000个字符，且不含 NUL 字符")])
    if base is None:
        raise ApplicationError([("file", "a row's file is read from the batch's folder; a "
                                 "batch given as a mapping needs base= (the folder)",
                                 "按行读取文件须指定批次所在文件夹（base=）")])
    target = Path(value)
    if not target.is_absolute():
        target = base / target
    if not allow_outside:
        folder = os.path.realpath(base)
        resolved = os.path.realpath(target)
        if os.path.commonpath([folder, resolved]) != folder:
            raise ApplicationError([(
                "file", "refused: rows may read only files inside the batch file's folder "
                "(after resolving links); the caller may allow others (--allow-outside, "
                "allow_outside=True)",
                "已拒绝：每行只能读取批次文件所在文件夹内的文件（解析链接后）；"
                "如需读取其他位置，须由调用方显式允许（--allow-outside）")])
    return target


def _prefixed(error: ApplicationError) -> Errors:
    return [(f"application.{p}: {m}" if p else f"application: {m}",
             f"application.{pz}: {mz}" if pz else f"application: {mz}")
            for (p, m), (pz, mz) in zip(error.problems, error.problems_zh, strict=True)]


def batch_input(batch: object, base: object) -> tuple[BatchFile, list[RawRow], Path | None]:
    """A batch given as a file's path or a mapping: its head, its rows and its folder.

    The folder is the one its rows may read files from: ``base``, else the batch file's
    folder; none for a mapping given without ``base``.
    """
    if base is not None and not isinstance(base, str | Path):
        raise ApplicationError([("base", "must be a folder's path", "须为文件夹路径")])
    if isinstance(batch, Mapping):
        head, rows = batch_rows(batch)
        folder = None
    elif isinstance(batch, str | Path):
        head, rows = read_batch(batch)
        folder = Path(batch).parent
    else:
        raise ApplicationError([("batch", "must be a batch file's path or a mapping, got "
                                 f"{type(batch).__name__}", "须为批次文件路径或映射")])
    return head, rows, (Path(base) if base is not None else folder)


def run_batch(scope: Scope, head: BatchFile, rows: Sequence[RawRow], *, base: Path | None,
              allow_outside: bool = False, on: dt.date,
              assess: Callable[[Application], Assessment],
              adapter: DurableAdapter | None, backend: Literal["durable", "reference"],
              ) -> BatchAssessment:
    """Assess every row for the scope's call, then apply the call's batch rules."""
    rules = scope.batch
    assert scope.call is not None
    if rules is None:
        raise ApplicationError([("call", f"the call {scope.call.key} has no batch rules "
                                 "(no recommender quota or summary form)",
                                 f"申报通知 {scope.call.key} 没有推荐批次规则")])
    places = positions({r.row: r.rank for r in rows if r.rank is not None})
    items: list[_Item] = []
    facts: list[dict[str, Any]] = []
    for raw in rows:
        app, contact, errors, problems = _row_application(raw, base, allow_outside)
        result: Assessment | None = None
        if app is not None:
            try:
                result = assess(app)
            except ApplicationError as error:
                errors.extend(_prefixed(error))
        verdict = None if result is None else result.tier(rules.tier).verdict
        if raw.rank is not None:
            facts.append({"kind": "entry", "row": raw.row, "rank": raw.rank,
                          "position": places[raw.row],
                          "verdict": verdict.value if verdict else "unreadable"})
        items.append(_Item(raw, app, contact, errors, problems, result, verdict))
    quota = rules.quota_for(head.recommender)
    batch_fact: dict[str, Any] = {"kind": "batch"}
    if rules.submit_by is not None:
        batch_fact["deadline"] = rules.submit_by.toordinal()
        if head.submitted_on is not None:
            batch_fact["submitted_day"] = head.submitted_on.toordinal()
    facts += [*rank_uses([r.rank for r in rows if r.rank is not None]),
              {"kind": "quota", "limit": quota}, batch_fact]
    derived = run_batch_rules(adapter, scope, facts)
    return _result(scope, head, quota, on, items, places, derived, backend)


@dataclass(frozen=True)
class _Item:
    raw: RawRow
    app: Application | None
    contact: Contact | None
    errors: Errors
    problems: list[str]
    result: Assessment | None
    verdict: Verdict | None


def _clause(scope: Scope, rule_id: str) -> str:
    items: list[Rule | Provision] = [*scope.provisions, *scope.rules]
    return next((item.citation.clause for item in items if item.id == rule_id), "")


def _result(scope: Scope, head: BatchFile, quota: int, on: dt.date, items: Sequence[_Item],
            places: Mapping[int, int], derived: Mapping[str, list[tuple[Any, ...]]],
            backend: Literal["durable", "reference"]) -> BatchAssessment:
    rules = scope.batch
    assert rules is not None and scope.call is not None
    refusals: dict[int, list[BatchFinding]] = {}
    quota_clause = _clause(scope, rules.quota_rule)
    for (row,) in derived.get("over_quota", []):
        refusals.setdefault(int(row), []).append(BatchFinding(
            rule_id=rules.quota_rule, clause=quota_clause,
            message_zh=f"排名第{places[int(row)]}位，超过推荐上限{quota}个",
            message_en=f"ranked {places[int(row)]}, beyond the quota of {quota}"))
    findings: list[BatchFinding] = []
    duplicated: dict[int, list[int]] = {}
    for row, rank, uses in derived.get("duplicate", []):
        duplicated.setdefault(int(rank), []).append(int(row))
        refusals.setdefault(int(row), []).append(BatchFinding(
            rule_id=rules.quota_rule, clause=quota_clause,
            message_zh=f"推荐次序{rank}被{uses}行重复使用，须按优先次序唯一排名",
            message_en=f"rank {rank} is used by {uses} rows; ranks must be unique"))
    for rank, used_by in sorted(duplicated.items()):  # once per rank, naming its rows
        listed = "、".join(str(r) for r in sorted(used_by))
        findings.append(BatchFinding(
            rule_id=rules.quota_rule, clause=quota_clause,
            message_zh=f"推荐次序{rank}被第{listed}行重复使用",
            message_en=f"rank {rank} is used by rows {', '.join(map(str, sorted(used_by)))}"))
    submit_rule = rules.submit_rule or rules.quota_rule
    deadline = rules.submit_by.isoformat() if rules.submit_by else ""
    late = bool(derived.get("late"))
    unknown_submission = bool(derived.get("submission_unknown"))
    if late and head.submitted_on is not None:
        findings.append(BatchFinding(
            rule_id=submit_rule, clause=_clause(scope, submit_rule),
            message_zh=f"推荐单位于{head.submitted_on.isoformat()}报送，晚于截止日期{deadline}",
            message_en=f"submitted on {head.submitted_on.isoformat()}, after the {deadline} "
                       "deadline"))
    if unknown_submission:
        findings.append(BatchFinding(
            rule_id=submit_rule, clause=_clause(scope, submit_rule),
            message_zh=f"未填写推荐单位报送日期（截止{deadline}）",
            message_en=f"the recommender's submission date is not stated (deadline {deadline})"))
    own_no = {int(r) for (r,) in derived.get("own_no", [])}
    own_unknown = {int(r) for (r,) in derived.get("own_unknown", [])}
    out: list[BatchRow] = []
    for item in items:
        raw = item.raw
        row_refusals = tuple(refusals.get(raw.row, ()))
        recommended: Literal["yes", "no", "undetermined"]
        if item.errors or raw.row in own_no or row_refusals or late or raw.rank is None:
            recommended = "no"
        elif raw.row in own_unknown or unknown_submission:
            recommended = "undetermined"
        else:
            recommended = "yes"
        own = () if item.result is None else tuple(
            f for f in item.result.tier(rules.tier).findings if f.outcome is not Outcome.MET)
        out.append(BatchRow(
            row=raw.row, rank=raw.rank, position=places.get(raw.row),
            enterprise=None if item.app is None else item.app.enterprise.name,
            project=None if item.app is None else item.app.project_name,
            contact=item.contact,
            scenarios=tuple(item.app.scenarios or ()) if item.app is not None else (),
            errors=tuple(e for e, _ in item.errors), errors_zh=tuple(z for _, z in item.errors),
            problems=tuple(item.problems), verdict=item.verdict, findings=own,
            refusals=row_refusals, recommended=recommended, assessment=item.result))
    out.sort(key=lambda r: (r.position is None, r.position or 0, r.row))
    return BatchAssessment(
        jurisdiction=scope.jurisdiction.code, call=scope.call.id, pack_version=scope.version,
        on=on, tier=rules.tier, recommender=head.recommender, quota=quota,
        submitted_on=head.submitted_on, findings=tuple(findings), rows=tuple(out),
        backend=backend)


