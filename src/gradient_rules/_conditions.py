"""Conditions: the closed, typed set of kinds a rule's test is drawn from, and their base.

A rule is data; its condition is one of the kinds, parametrised from the plugin's TOML.
Each kind states its meaning twice, deliberately independently:

* :meth:`Condition.evaluate` is the plain-Python reading (the *reference* backend);
* :meth:`Condition.checks` compiles it to durable-rules patterns that derive a
  ``not_met`` or ``unknown`` outcome (the *durable* backend).  No derived outcome means met.

The property tests hold the two against each other on thousands of generated applications.
The built-in kinds live in modules by family (``_kinds_applicant``, ``_kinds_record``,
``_kinds_scenarios``, ``_kinds_filing``) and are listed in ``_kinds``; plugins add kinds
through the ``gradient_rules_condition_kinds`` hook.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ._docstrings import describe_fields
from ._errors import GradientRulesError, PluginError
from ._facts import CaseFacts, Holdings, Tally
from ._keys import KeyPlan, compute_key
from ._limits import Whole
from ._vocabulary import Outcome, Tier

__all__ = [
    "KEY_PLANNED",
    "OUTCOME_IN_KEY",
    "AllOf",
    "Check",
    "Condition",
    "EvaluationContext",
    "Explanation",
    "KeyMethod",
    "Pattern",
    "PerTier",
    "absent",
    "any_of",
    "bounded_per_tier",
    "case_pattern",
    "condition_call",
    "condition_error",
    "explanation_key",
    "key_of",
    "leaves",
    "missing_tiers",
    "op",
    "per_tier",
    "reusable",
    "tally_pattern",
    "worst",
]

Pattern = tuple[str, dict[str, Any]]
PerTier = Whole | dict[Tier, Whole]

MAX_PARTS = 32
"""Most parts of one ``all_of``."""
MAX_NESTING = 4
"""Deepest nesting of ``all_of`` inside ``all_of``."""

ZH_NUM = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


def worst(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene conjunction: not met beats unknown beats met; no outcomes means met."""
    result = Outcome.MET
    for outcome in outcomes:  # a loop, not max(): this runs for every all_of and attestation
        if outcome is Outcome.NOT_MET:
            return outcome
        if outcome is Outcome.UNKNOWN:
            result = outcome
        elif outcome is not Outcome.MET:  # not an outcome: fails as it always has, by name
            return max(outcomes, key=lambda o: o.severity)
    return result


@dataclass(frozen=True)
class Check:
    """One durable-rules rule: when ``patterns`` all match, the condition has ``status``."""

    status: Outcome
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Explanation:
    """What was observed, what was required, and a sentence in each language."""

    observed: Any
    required: Any
    message_zh: str
    message_en: str
    action_zh: str = ""
    """What the applicant would have to do or state, when the outcome is not met."""
    action_en: str = ""


@dataclass(frozen=True)
class EvaluationContext:
    """What a condition may read: the facts, the tallies, and the pack's wording."""

    facts: CaseFacts
    tallies: Mapping[Tier, Tally] | None
    """Per-tier scenario tallies; ``None`` when scenarios were not stated."""
    attestation_texts: Mapping[str, tuple[str, str]]
    """Attestation name -> (Chinese text, English text)."""
    holdings: Holdings | None = None
    """Standing titles by tier and level; ``None`` when titles were not stated."""
    revocations: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Title index -> clauses under which it was revoked."""

    @property
    def case(self) -> Mapping[str, Any]:
        """The flat case fact."""
        return self.facts.case

    def attestation_label(self, name: str, lang: Literal["zh", "en"]) -> str:
        """Human wording of an attestation, falling back to its name."""
        zh, en = self.attestation_texts.get(name, (name, name))
        return zh if lang == "zh" else en


# --- durable-rules pattern helpers ------------------------------------------------------


def case_pattern(*conditions: dict[str, Any]) -> Pattern:
    """A pattern on the case fact."""
    return ("case", {"$and": [{"kind": "case"}, *conditions]})


def tally_pattern(tier: Tier, *conditions: dict[str, Any]) -> Pattern:
    """A pattern on the tally fact of ``tier``."""
    return ("tally", {"$and": [{"kind": "tally"}, {"tier": tier.rank}, *conditions]})


def op(op: str, key: str, value: Any) -> dict[str, Any]:
    return {op: {key: value}}


def absent(key: str) -> dict[str, Any]:
    return {"$nex": {key: 1}}


def any_of(*conditions: dict[str, Any]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"$or": list(conditions)}


class Condition(BaseModel):
    """Base of every condition kind.  Subclasses set ``kind`` to a ``Literal``."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=describe_fields)

    kind: str

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Plain-Python reading of the condition for ``tier``."""
        raise NotImplementedError

    def checks(self, tier: Tier) -> list[Check]:
        """durable-rules patterns deriving ``not_met`` / ``unknown`` for ``tier``."""
        raise NotImplementedError

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """Observed and required values, and messages, for an outcome."""
        raise NotImplementedError

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """What :meth:`explain` reads of ``ctx`` for ``tier``, as a hashable value; or ``None``.

        Two applications with equal keys (and the same outcome) get equal explanations, so an
        assessment may reuse a finding built for an earlier one instead of explaining again.
        ``None``, the default, never reuses.  A kind that overrides ``explain`` without
        overriding this method is never reused either (see :func:`reusable`).
        """
        return None

    def key_plan(self) -> KeyPlan | None:
        """What :meth:`explanation_key` reads, as a plan; ``None`` unless a built-in kind.

        ``gradient_rules._keys.compute_key`` works the key out from the plan.  Only the
        built-in classes themselves have one (a subclass, which may read other things, has
        none): the assembly reads a built-in rule's plan once and computes its key directly.
        """
        return self._key_plan() if type(self) in KEY_PLANNED else None

    def _key_plan(self) -> KeyPlan | None:
        """The class's own plan; a built-in kind's ``explanation_key`` computes it."""
        return None

    def attestation_names(self) -> frozenset[str]:
        """Attestations this condition reads (the application may state only declared ones)."""
        return frozenset()

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Problems with per-tier parameters for a rule applying to ``tiers``."""
        return []


_KEY_SAFE: dict[type, bool] = {}


def reusable(condition: Condition) -> bool:
    """Whether ``condition.explanation_key`` may be trusted to stand for its explanation.

    Only when the class that defines ``explanation_key`` also defines ``explain``: a plugin
    kind that subclasses a built-in one and changes ``explain`` alone is never served an
    explanation meant for its parent.
    """
    cls = type(condition)
    safe = _KEY_SAFE.get(cls)
    if safe is None:
        def owner(name: str) -> type:
            return next(c for c in cls.__mro__ if name in c.__dict__)
        safe = _KEY_SAFE[cls] = owner("explain") is owner("explanation_key")
    return safe


def explanation_key(rule_id: str, condition: Condition, ctx: EvaluationContext,
                    tier: Tier) -> Hashable | None:
    """The key under which ``condition``'s finding for ``tier`` may be reused, or ``None``.

    ``None`` when the kind cannot be trusted to give one (:func:`reusable`); a key that is
    not hashable is a :class:`PluginError` naming the kind, like any other fault in it.
    """
    if not reusable(condition):
        return None
    return key_of(rule_id, condition, condition.explanation_key, ctx, tier)


KeyMethod = Callable[[EvaluationContext, Tier], Hashable | None]
"""A condition's bound ``explanation_key``."""


def key_of(rule_id: str, condition: Condition, method: KeyMethod, ctx: EvaluationContext,
           tier: Tier) -> Hashable | None:
    """Call ``method`` (``condition.explanation_key``, looked up once by the caller).

    For a :func:`reusable` condition only.  A key that is not hashable, or an exception
    from the kind, is a :class:`PluginError` naming it.
    """
    try:  # condition_call, inlined: this runs for every rule and tier of every assessment
        key = method(ctx, tier)
    except GradientRulesError:
        raise
    except (Exception, SystemExit) as error:
        raise _raised(rule_id, condition, "explanation_key", error) from error
    try:
        hash(key)
    except TypeError:
        raise PluginError(f"rule {rule_id}: condition kind {condition.kind!r} returned an "
                          f"explanation_key that cannot be hashed ({type(key).__name__})",
                          plugin=type(condition).__module__.split(".")[0]) from None
    return key


KEY_PLANNED: set[type[Condition]] = set()
"""Built-in kinds (exact classes, filled by ``_kinds``) whose :meth:`Condition.key_plan`
stands for their ``explanation_key``."""

OUTCOME_IN_KEY: set[type[Condition]] = set()
"""Built-in kinds (exact classes, filled by ``_kinds``) whose explanation key decides their
outcome at a tier: equal keys at one tier mean equal outcomes there.  ``all_of`` then keys
such a part by its key alone.  A plugin's subclass is never in it, as it may evaluate
differently."""


def per_tier(value: PerTier, tier: Tier) -> int:
    return value if isinstance(value, int) else value[tier]


def condition_call(rule_id: str, condition: Condition, method: str, *args: Any) -> Any:
    """Call ``condition.<method>(*args)``; a condition kind that raises is a PluginError.

    Condition kinds may come from plugins; an exception inside one names the kind, the rule
    and the module that defines it, instead of escaping as a traceback.
    """
    try:
        return getattr(condition, method)(*args)
    except GradientRulesError:
        raise
    except (Exception, SystemExit) as error:
        raise _raised(rule_id, condition, method, error) from error


def condition_error(rule_id: str, condition: Condition, method: str,
                    error: BaseException) -> PluginError:
    """The :class:`PluginError` for an exception raised by ``condition.<method>``."""
    return _raised(rule_id, condition, method, error)


def _raised(rule_id: str, condition: Condition, method: str, error: BaseException) -> PluginError:
    owner = type(condition).__module__.split(".")[0]
    return PluginError(f"rule {rule_id}: condition kind {condition.kind!r} raised "
                       f"{type(error).__name__} in {method}: {str(error)[:200]}", plugin=owner)


def bounded_per_tier(value: Any, low: int, high: int) -> Any:
    """Check a per-tier number (or table) lies within ``low``..``high``; for validators."""
    values = value.values() if isinstance(value, dict) else [value]
    for number in values:
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise ValueError(f"must be whole numbers from {low} to {high}, got {number!r}")
    return value


def missing_tiers(name: str, value: PerTier, tiers: Sequence[Tier]) -> list[str]:
    if isinstance(value, int):
        return []
    missing = [t.value for t in tiers if t not in value]
    return [f"{name} has no value for tier(s) {', '.join(missing)}"] if missing else []


class AllOf(Condition):
    """Several conditions that must all hold (Kleene conjunction)."""

    kind: Literal["all_of"] = "all_of"
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=MAX_PARTS)
    """The parts, each a condition table with its own ``kind`` (at most 32 conditions in
    all, nested at most 4 deep)."""

    @field_validator("conditions", mode="before")
    @classmethod
    def _parse_parts(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = (info.context or {}).get("condition_kinds")
        if kinds is None or not isinstance(value, list | tuple):
            return value
        return tuple(
            item if isinstance(item, Condition) else kinds.parse(item, f"conditions[{i}]")
            for i, item in enumerate(value)
        )

    @field_validator("conditions")
    @classmethod
    def _shallow(cls, value: tuple[Condition, ...]) -> tuple[Condition, ...]:
        def depth(condition: Condition) -> int:
            if isinstance(condition, AllOf):
                return 1 + max(depth(part) for part in condition.conditions)
            return 0

        def leaves(condition: Condition) -> int:
            if isinstance(condition, AllOf):
                return sum(leaves(part) for part in condition.conditions)
            return 1

        if 1 + max(depth(part) for part in value) > MAX_NESTING:
            raise ValueError(f"all_of may be nested at most {MAX_NESTING} deep")
        total = sum(leaves(part) for part in value)
        if total > MAX_PARTS:
            raise ValueError(f"all_of holds {total} conditions in all; at most {MAX_PARTS}")
        return value

    def evaluate(self, ctx: EvaluationContext, tier: Tier) -> Outcome:
        """Worst outcome of the parts."""
        return worst([part.evaluate(ctx, tier) for part in self.conditions])

    def checks(self, tier: Tier) -> list[Check]:
        """Every part's checks derive the same rule's outcome."""
        return [check for part in self.conditions for check in part.checks(tier)]

    def explain(self, ctx: EvaluationContext, tier: Tier, outcome: Outcome) -> Explanation:
        """The parts' explanations joined."""
        parts = [part.explain(ctx, tier, part.evaluate(ctx, tier)) for part in self.conditions]
        return Explanation(
            [p.observed for p in parts], [p.required for p in parts],
            "；".join(p.message_zh for p in parts), "; ".join(p.message_en for p in parts),
            "；".join(p.action_zh for p in parts if p.action_zh),
            "; ".join(p.action_en for p in parts if p.action_en),
        )

    def _key_plan(self) -> KeyPlan | None:
        parts: list[tuple[KeyPlan, Condition | None]] = []
        for part in self.conditions:
            plan = part.key_plan()
            if plan is None:
                return None
            parts.append((plan, None if type(part) in OUTCOME_IN_KEY else part))
        return ("all_of", tuple(parts))

    def explanation_key(self, ctx: EvaluationContext, tier: Tier) -> Hashable | None:
        """The parts' keys with their outcomes; ``None`` if any part has none.

        A built-in part whose key decides its outcome (:data:`OUTCOME_IN_KEY`) gives its key
        alone: its outcome is not worked out a second time.
        """
        plan = self.key_plan()
        if plan is not None:
            return compute_key(plan, ctx, tier)
        keys: list[Hashable] = []
        for part in self.conditions:
            key = part.explanation_key(ctx, tier) if reusable(part) else None
            if key is None:
                return None
            keys.append(key if type(part) in OUTCOME_IN_KEY
                        else (key, part.evaluate(ctx, tier)))
        return tuple(keys)

    def attestation_names(self) -> frozenset[str]:
        """Union of the parts'."""
        return frozenset().union(*(part.attestation_names() for part in self.conditions))

    def tier_problems(self, tiers: Sequence[Tier]) -> list[str]:
        """Union of the parts'."""
        return [p for part in self.conditions for p in part.tier_problems(tiers)]


def leaves(condition: Condition | None) -> Iterator[Condition]:
    """The conditions inside ``condition``, ``all_of`` unfolded (none for ``None``)."""
    if isinstance(condition, AllOf):
        for part in condition.conditions:
            yield from leaves(part)
    elif condition is not None:
        yield condition
