"""Rules kept as data in rules/*.toml: loading, validation and first-match evaluation.

Files are read in name order (10-atoz.toml before 90-other.toml) and rules in file order; the
first rule whose `when` conditions all hold and none of whose `unless` conditions hold wins.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gateway.actions import rule_actions
from gateway.judging.conditions import CONDITIONS, Condition, RuleError
from gateway.judging.facts import MailFacts

CASE_STATUSES = ("opened", "answered", "closed")
_RULE_KEYS = {
    "name", "category", "tier", "window", "stated_deadline", "case_status", "tag", "actions",
    "description", "when", "unless",
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_WINDOW = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$")


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    tier: int | None
    window: timedelta | None
    stated_deadline: bool
    case_status: str | None
    tag: str | None
    actions: tuple[str, ...]
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...]
    source: str
    description: str = ""

    def match(self, facts: MailFacts) -> list[str] | None:
        """The reasons this rule matches, or None."""
        reasons = []
        for condition in self.when:
            reason = condition.check(facts)
            if reason is None:
                return None
            reasons.append(reason)
        for condition in self.unless:
            reason = condition.check(facts)
            if reason is not None:
                return None
        return reasons or ["always"]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    files: tuple[str, ...] = field(default=())

    def first_match(self, facts: MailFacts) -> tuple[Rule | None, list[str]]:
        for rule in self.rules:
            reasons = rule.match(facts)
            if reasons is not None:
                return rule, reasons
        return None, []


class RuleFileErrors(ValueError):
    """Every problem found in the rule files, each naming its file and rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_window(value: object) -> timedelta:
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if not match:
        raise RuleError(f"'window' must look like \"48h\", \"7d\" or \"90m\", not {value!r}")
    amount, unit = int(match.group(1)), match.group(2)
    window = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not timedelta(minutes=1) <= window <= timedelta(days=366):
        raise RuleError(f"'window' {value!r} must be between 1 minute and 366 days")
    return window


def _conditions(table: object, where: str) -> tuple[Condition, ...]:
    if not isinstance(table, dict):
        raise RuleError(f"'{where}' must be a table of conditions")
    built = []
    for key, value in table.items():
        if key not in CONDITIONS:
            raise RuleError(f"unknown condition '{where}.{key}'; known: {', '.join(CONDITIONS)}")
        try:
            built.append(CONDITIONS[key](value))
        except RuleError as exc:
            raise RuleError(f"in '{where}': {exc}") from None
    return tuple(built)


def build_rule(data: dict, source: str) -> Rule:
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise RuleError(f"unknown key '{unknown[0]}'; a rule may have {', '.join(sorted(_RULE_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError("'name' is required: lower-case letters, digits, '-', '_' or '.'")
    category = data.get("category")
    if not isinstance(category, str) or not _CATEGORY.match(category):
        raise RuleError("'category' is required: a lower-case identifier such as atoz_claim")
    tier = data.get("tier")
    if tier is not None and tier not in (1, 2):
        raise RuleError(f"'tier' must be 1 or 2 (or left out for untouched mail), not {tier!r}")
    window = parse_window(data["window"]) if "window" in data else None
    stated = data.get("stated_deadline", False)
    if not isinstance(stated, bool):
        raise RuleError("'stated_deadline' must be true or false")
    if stated and window is None:
        raise RuleError("'stated_deadline' needs a 'window': a stated deadline only ever shortens one")
    case_status = data.get("case_status")
    if case_status is not None and case_status not in CASE_STATUSES:
        raise RuleError(f"'case_status' must be one of {', '.join(CASE_STATUSES)}")
    tag = data.get("tag")
    if tag is not None and (not isinstance(tag, str) or not tag.strip() or any(c in tag for c in "[]|\r\n")):
        raise RuleError("'tag' must be a short text without brackets, '|' or line breaks")
    actions = data.get("actions", [])
    known = rule_actions()
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise RuleError(f"'actions' must be a list drawn from {', '.join(known)}")
    unknown_action = next((a for a in actions if a not in known), None)
    if unknown_action is not None:
        raise RuleError(f"'actions' must be a list drawn from {', '.join(known)}; {unknown_action!r} is no action")
    if "when" not in data:
        raise RuleError("'when' is required (use `when = {}` for a rule that matches everything)")
    return Rule(
        name=name,
        category=category,
        tier=tier,
        window=window,
        stated_deadline=stated,
        case_status=case_status,
        tag=tag.strip() if tag else None,
        actions=tuple(actions),
        when=_conditions(data["when"], "when"),
        unless=_conditions(data.get("unless", {}), "unless"),
        source=source,
        description=str(data.get("description", "")),
    )


def load_rules(directory: Path) -> RuleSet:
    """All rules of a directory; raises RuleFileErrors listing every problem at once."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleFileErrors([f"{directory}: rules directory not found"])
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise RuleFileErrors([f"{directory}: no *.toml rule files"])
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        extra = sorted(set(data) - {"rule"})
        if extra:
            problems.append(f"{path.name}: unknown top-level key '{extra[0]}'; rule files hold [[rule]] tables only")
        entries = data.get("rule", [])
        if not isinstance(entries, list) or not entries:
            problems.append(f"{path.name}: no [[rule]] tables")
            continue
        for index, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                problems.append(f"{path.name}: rule #{index}: each [[rule]] must be a table of keys")
                continue
            label = f"{path.name}: rule {entry.get('name', f'#{index}')!s}"
            try:
                rule = build_rule(entry, path.name)
            except RuleError as exc:
                problems.append(f"{label}: {exc}")
                continue
            if rule.name in seen:
                problems.append(f"{label}: name already used in {seen[rule.name]}")
                continue
            seen[rule.name] = path.name
            rules.append(rule)
    if problems:
        raise RuleFileErrors(problems)
    return RuleSet(tuple(rules), tuple(p.name for p in files))
