"""Targeting rule use cases: write, edit, activate, suspend, retire, read with history, compare versions.

Every change adds a TargetingRuleVersionRow (who, what, when, why) and an audit event in the caller's
transaction. `expected_version` is the rule's row_version as the analyst read it: a stale one is refused
(409), and so is a concurrent write caught at flush. `active_rules` gives selectivity the compiled active
rules, shared between units of work until a rule is written.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from douane.audit import service as audit
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, InvalidInput, NotFound
from douane.read_cache import cached, watch_writes
from douane.registry import service as registry
from douane.risk.model import office_code_format, plain_text, storable_id
from douane.risk.rules import CompiledRule, RuleError, compile_rule
from douane.risk.tables import TargetingRuleRow, TargetingRuleVersionRow
from douane.risk.targeting.model import (
    ActiveRule,
    FieldChange,
    RuleAction,
    RuleContent,
    RuleStatus,
    Transition,
    check_editable,
    diff,
    expression_diff,
    next_status,
    reason_required,
)
from douane.risk.targeting.schema import DECLARATION_SCHEMA

# Active rules are compiled once per process and kept until a rule or a version is written.
watch_writes(TargetingRuleRow, TargetingRuleVersionRow)

log = logging.getLogger(__name__)
REGIME_CODE = re.compile(r"^[A-Z0-9]{1,8}$")
SYSTEM_NAME = "system"


@dataclass(frozen=True)
class RuleView:
    """A rule with its current version."""

    rule: TargetingRuleRow
    current: TargetingRuleVersionRow


# --- checks -----------------------------------------------------------------------------------------


def check_expression(expression: str) -> CompiledRule:
    """Compile against the declaration fields; RuleError (422, with line and column) when it does not."""
    return compile_rule(expression, DECLARATION_SCHEMA)


def _checked(session: Session, content: RuleContent) -> RuleContent:
    content = replace(content, name=plain_text(content.name), description=plain_text(content.description))
    content.check()
    check_expression(content.expression)
    offices = tuple(
        dict.fromkeys(registry.get_office(session, office_code_format(code)).code for code in content.offices)
    )
    regimes = tuple(dict.fromkeys(code.strip().upper() for code in content.regimes))
    for regime in regimes:
        if not REGIME_CODE.match(regime):
            raise InvalidInput("rules.bad_regime", '"{regime}" is not a regime code', regime=regime[:10])
    return RuleContent(**{**asdict(content), "offices": offices, "regimes": regimes})


def _reason(reason: str | None, status: RuleStatus) -> str:
    text = plain_text(reason)
    if not text and reason_required(status):
        raise InvalidInput("rules.reason_required", "Say why the rule changes")
    if len(text) > 2000:
        raise InvalidInput("rules.reason_too_long", "A reason holds at most 2000 characters")
    return text


def _check_row_version(rule: TargetingRuleRow, expected: int | None) -> None:
    if expected is not None and rule.row_version != expected:
        raise Conflict(
            "rules.stale_version",
            "The rule changed since you read it (version {actual}, you had {expected}); reload it",
            actual=rule.row_version, expected=expected,
        )  # fmt: skip


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "rules.concurrent_change", "Someone else changed this rule at the same time; reload it"
        ) from exc


# --- writing ----------------------------------------------------------------------------------------


def create_rule(
    session: Session, clock: Clock, content: RuleContent, *, by: Actor | None, reason: str | None = None
) -> RuleView:
    """A new draft rule, coded R-YYYY-NNNN (year of creation, Algerian date)."""
    content = _checked(session, content)
    now = clock.now()
    who = actor_ref(by)
    rule = TargetingRuleRow(
        code=_next_code(session, local_date(now).year), status=RuleStatus.DRAFT.value, current_version=0,
        created_at=now, created_by=who.name if who else SYSTEM_NAME,
    )  # fmt: skip
    session.add(rule)
    _flush(session)
    version = _add_version(
        session, clock, rule, content, RuleStatus.DRAFT, plain_text(reason) or "created", by
    )
    _audit(session, clock, rule, "targeting_rule.created", None, RuleStatus.DRAFT, version.reason, by)
    return RuleView(rule, version)


def _next_code(session: Session, year: int) -> str:
    prefix = f"R-{year}-"
    last = session.scalar(  # R-2026-10000 comes after R-2026-9999: longer codes first, then by text
        select(TargetingRuleRow.code)
        .where(TargetingRuleRow.code.like(f"{prefix}%"))
        .order_by(func.length(TargetingRuleRow.code).desc(), TargetingRuleRow.code.desc())
        .limit(1)
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def edit_rule(
    session: Session,
    clock: Clock,
    rule_id: int,
    content: RuleContent,
    *,
    reason: str | None,
    expected_version: int | None,
    by: Actor | None,
) -> RuleView:
    """A new version with the new content; the status stays (an active rule's new version is in force)."""
    rule = _rule(session, rule_id)
    status = RuleStatus(rule.status)
    check_editable(status)
    _check_row_version(rule, expected_version)
    text = _reason(reason, status) or "edited"
    content = _checked(session, content)
    version = _add_version(session, clock, rule, content, status, text, by)
    _audit(session, clock, rule, "targeting_rule.edited", status, status, text, by)
    return RuleView(rule, version)


def change_status(
    session: Session,
    clock: Clock,
    rule_id: int,
    transition: Transition,
    *,
    reason: str | None,
    expected_version: int | None,
    by: Actor | None,
) -> RuleView:
    """Activate, suspend or retire: a new version with the same content and the new status."""
    rule = _rule(session, rule_id)
    before = RuleStatus(rule.status)
    after = next_status(before, transition)
    _check_row_version(rule, expected_version)
    text = _reason(reason, RuleStatus.ACTIVE)  # a status change always says why
    if after is RuleStatus.ACTIVE:
        check_expression(current_version(session, rule).expression)  # the language may have narrowed
    content = content_of(current_version(session, rule))
    version = _add_version(session, clock, rule, content, after, text, by)
    _audit(session, clock, rule, f"targeting_rule.{transition.value}", before, after, text, by)
    return RuleView(rule, version)


def _add_version(
    session: Session,
    clock: Clock,
    rule: TargetingRuleRow,
    content: RuleContent,
    status: RuleStatus,
    reason: str,
    by: Actor | None,
) -> TargetingRuleVersionRow:
    who = actor_ref(by)
    number = rule.current_version + 1
    version = TargetingRuleVersionRow(
        rule_id=rule.id, version=number, status=status.value, name=content.name.strip(),
        description=content.description.strip(), expression=content.expression, action=content.action.value,
        score_increase=content.score_increase, priority=content.priority, scope_offices=list(content.offices),
        scope_regimes=list(content.regimes), valid_from=content.valid_from, valid_to=content.valid_to,
        reason=reason, changed_by_id=who.id if who else None, changed_by=who.name if who else SYSTEM_NAME,
        changed_at=clock.now(),
    )  # fmt: skip
    session.add(version)
    rule.current_version = number
    rule.status = status.value
    _flush(session)
    return version


def _audit(
    session: Session,
    clock: Clock,
    rule: TargetingRuleRow,
    action: str,
    before: RuleStatus | None,
    after: RuleStatus,
    reason: str,
    by: Actor | None,
) -> None:
    audit.record(
        session, clock, category=audit.STATE, action=action, actor=actor_ref(by),
        entity_type="targeting_rule", entity_id=rule.code, from_state=before.value if before else None,
        to_state=after.value, reason=reason,
        detail={"rule_id": rule.id, "version": rule.current_version},
    )  # fmt: skip


# --- reading ----------------------------------------------------------------------------------------


def _rule(session: Session, rule_id: int) -> TargetingRuleRow:
    rule = session.get(TargetingRuleRow, rule_id) if storable_id(rule_id) else None
    if rule is None:
        raise NotFound("rules.not_found", "No targeting rule has the id {rule_id}", rule_id=rule_id)
    return rule


def get_rule(session: Session, rule_id: int) -> RuleView:
    rule = _rule(session, rule_id)
    return RuleView(rule, current_version(session, rule))


def rule_id_of_code(session: Session, code: str) -> int:
    rule_id = session.scalar(select(TargetingRuleRow.id).where(TargetingRuleRow.code == code.strip().upper()))
    if rule_id is None:
        raise NotFound(
            "rules.code_not_found", "No targeting rule has the code {rule_code}", rule_code=code[:20]
        )
    return int(rule_id)


def current_version(session: Session, rule: TargetingRuleRow) -> TargetingRuleVersionRow:
    return version_of(session, rule.id, rule.current_version)


def version_of(session: Session, rule_id: int, number: int) -> TargetingRuleVersionRow:
    query = select(TargetingRuleVersionRow).where(
        TargetingRuleVersionRow.rule_id == rule_id, TargetingRuleVersionRow.version == number
    )
    version = session.scalars(query).first()
    if version is None:
        raise NotFound(
            "rules.version_not_found",
            "Rule {rule_id} has no version {version}",
            rule_id=rule_id,
            version=number,
        )
    return version


def versions(session: Session, rule_id: int) -> list[TargetingRuleVersionRow]:
    """Every version of the rule, newest first."""
    _rule(session, rule_id)
    query = (
        select(TargetingRuleVersionRow)
        .where(TargetingRuleVersionRow.rule_id == rule_id)
        .order_by(TargetingRuleVersionRow.version.desc())
    )
    return list(session.scalars(query))


def content_of(version: TargetingRuleVersionRow) -> RuleContent:
    return RuleContent(
        name=version.name, expression=version.expression, action=RuleAction(version.action),
        priority=version.priority, description=version.description, score_increase=version.score_increase,
        offices=tuple(version.scope_offices), regimes=tuple(version.scope_regimes),
        valid_from=version.valid_from, valid_to=version.valid_to,
    )  # fmt: skip


def _comparable(version: TargetingRuleVersionRow) -> dict[str, Any]:
    return {
        "status": version.status, "name": version.name, "description": version.description,
        "expression": version.expression, "action": version.action, "score_increase": version.score_increase,
        "priority": version.priority, "scope_offices": list(version.scope_offices),
        "scope_regimes": list(version.scope_regimes), "valid_from": version.valid_from,
        "valid_to": version.valid_to,
    }  # fmt: skip


@dataclass(frozen=True)
class VersionDiff:
    rule_id: int
    before: int
    after: int
    changes: list[FieldChange]
    expression_lines: list[str]


def compare_versions(session: Session, rule_id: int, before: int, after: int) -> VersionDiff:
    old, new = version_of(session, rule_id, before), version_of(session, rule_id, after)
    return VersionDiff(
        rule_id, before, after, diff(_comparable(old), _comparable(new)),
        expression_diff(old.expression, new.expression),
    )  # fmt: skip


def list_rules(
    session: Session,
    *,
    status: str | None = None,
    action: str | None = None,
    office: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[RuleView], int]:
    """Rules with their current version; `office` keeps rules whose scope lists it or lists no office."""
    query = select(TargetingRuleRow, TargetingRuleVersionRow).join(
        TargetingRuleVersionRow,
        and_(
            TargetingRuleVersionRow.rule_id == TargetingRuleRow.id,
            TargetingRuleVersionRow.version == TargetingRuleRow.current_version,
        ),
    )
    if status:
        query = query.where(TargetingRuleRow.status == status)
    if action:
        query = query.where(TargetingRuleVersionRow.action == action)
    if office:
        offices = cast(TargetingRuleVersionRow.scope_offices, String)
        query = query.where(or_(offices.like(f'%"{_like_safe(office)}"%'), offices.like("[]")))
    if q and q.strip():
        pattern = f"%{_like_safe(q.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(TargetingRuleRow.code).like(pattern),
                func.lower(TargetingRuleVersionRow.name).like(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(TargetingRuleVersionRow.priority, TargetingRuleRow.code).offset(offset).limit(limit)
    ).all()
    return [RuleView(rule, version) for rule, version in rows], total


def _like_safe(text: str) -> str:
    return re.sub(r"[%_\\\"]", "", plain_text(text))[:100]


# --- for selectivity and backtests ------------------------------------------------------------------


def active_rules(session: Session, on: date) -> list[ActiveRule]:
    """The active rules whose dates cover `on`, compiled, in priority order."""
    every = all_active_rules(session)
    return [rule for rule in every if (rule.valid_from is None or rule.valid_from <= on)
            and (rule.valid_to is None or on <= rule.valid_to)]  # fmt: skip


def all_active_rules(session: Session) -> tuple[ActiveRule, ...]:
    """Every active rule, whatever its dates, compiled, in priority order."""
    return cached(session, ("risk.active_rules",), lambda: _load_active_rules(session), shared=True)


def _load_active_rules(session: Session) -> tuple[ActiveRule, ...]:
    query = (
        select(TargetingRuleRow, TargetingRuleVersionRow)
        .join(
            TargetingRuleVersionRow,
            and_(
                TargetingRuleVersionRow.rule_id == TargetingRuleRow.id,
                TargetingRuleVersionRow.version == TargetingRuleRow.current_version,
            ),
        )
        .where(TargetingRuleRow.status == RuleStatus.ACTIVE.value)
        .order_by(TargetingRuleVersionRow.priority, TargetingRuleRow.id)
    )
    rules = []
    for rule, version in session.execute(query).all():
        try:
            rules.append(active_rule(rule.code, version))
        except RuleError:  # written under an older language: never silently wrong, left out and logged
            log.warning(
                "active rule %s v%s no longer compiles; it is not applied", rule.code, version.version
            )
    return tuple(rules)


def active_rule(code: str, version: TargetingRuleVersionRow) -> ActiveRule:
    return ActiveRule(
        rule_id=version.rule_id, code=code, version=version.version, name=version.name,
        action=RuleAction(version.action), score_increase=version.score_increase, priority=version.priority,
        offices=frozenset(version.scope_offices), regimes=frozenset(version.scope_regimes),
        valid_from=version.valid_from, valid_to=version.valid_to,
        compiled=check_expression(version.expression),
    )  # fmt: skip
