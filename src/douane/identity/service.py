"""Identity use cases: users, login with slow-down and lock-out, bearer tokens, API keys.

Every function takes the caller's session; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.config import Settings
from douane.db import fetch_page, read_rows
from douane.identity.model import SYSTEM_ROLES, Actor, Role
from douane.identity.passwords import Passwords
from douane.identity.tables import ApiKeyRow, AuthTokenRow, UserRoleRow, UserRow
from douane.kernel.clock import Clock
from douane.kernel.errors import Conflict, InvalidInput, Locked, NotFound, TooManyRequests, Unauthorized

LANGUAGES = ("ar", "fr", "en")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedApiKey:
    key: str
    id: int
    prefix: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_ref(actor: Actor | None) -> ActorRef | None:
    return None if actor is None else ActorRef(actor.user_id, actor.username)


def actor_of(user: UserRow, *, via_api_key: bool = False, client_ip: str | None = None) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r.role) for r in user.roles),
        operator_id=user.operator_id,
        broker_id=user.broker_id,
        officer_id=user.officer_id,
        via_api_key=via_api_key,
        client_ip=client_ip,
    )


def _check_links(
    roles: set[Role], operator_id: int | None, broker_id: int | None, officer_id: int | None
) -> None:
    if Role.TRADER in roles and operator_id is None:
        raise InvalidInput(
            "identity.trader_needs_operator", "A trader user must belong to an economic operator"
        )
    if Role.BROKER in roles and broker_id is None:
        raise InvalidInput("identity.broker_needs_firm", "A broker user must belong to a customs-broker firm")


def create_user(
    session: Session,
    clock: Clock,
    passwords: Passwords,
    *,
    username: str,
    full_name: str,
    password: str | None,
    roles: set[Role],
    operator_id: int | None = None,
    broker_id: int | None = None,
    officer_id: int | None = None,
    email: str | None = None,
    language: str = "fr",
    by: Actor | None = None,
) -> UserRow:
    username = username.strip().lower()
    if not username or len(username) > 150:
        raise InvalidInput("identity.invalid_username", "The user name is empty or too long")
    if language not in LANGUAGES:
        raise InvalidInput("identity.invalid_language", "Language must be one of ar, fr, en")
    if not roles:
        raise InvalidInput("identity.no_role", "A user needs at least one role")
    _check_links(roles, operator_id, broker_id, officer_id)
    is_system = bool(roles & SYSTEM_ROLES)
    if password is None and not is_system:
        raise InvalidInput("identity.password_required", "A person's account needs a password")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise Conflict("identity.username_taken", "This user name is already taken", username=username)
    user = UserRow(
        username=username,
        full_name=full_name,
        email=email,
        password_hash=None if password is None else passwords.hash(password),
        language=language,
        is_active=True,
        is_system=is_system,
        operator_id=operator_id,
        broker_id=broker_id,
        officer_id=officer_id,
        failed_logins=0,
        created_at=clock.now(),
        roles=[UserRoleRow(role=r.value) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(
        session, clock, category=audit.SECURITY, action="user.created", actor=actor_ref(by),
        entity_type="user", entity_id=user.id, detail={"username": username, "roles": sorted(roles)},
    )  # fmt: skip
    return user


def active_actor(session: Session, username: str) -> Actor | None:
    """The Actor of an active user, for commands run on a user's behalf (the CLI's --as)."""
    user = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    return actor_of(user) if user is not None and user.is_active else None


def full_name_of(session: Session, actor: Actor) -> str:
    """The name a document signs for the actor: the user's full name (the login name if it has none)."""
    name = session.scalar(select(UserRow.full_name).where(UserRow.id == actor.user_id))
    return name or actor.username


def get_user(session: Session, user_id: int) -> UserRow:
    user = session.get(UserRow, user_id)
    if user is None:
        raise NotFound("identity.user_not_found", "No such user", user_id=user_id)
    return user


def set_roles(session: Session, clock: Clock, user_id: int, roles: set[Role], *, by: Actor) -> UserRow:
    user = get_user(session, user_id)
    if not roles:
        raise InvalidInput("identity.no_role", "A user needs at least one role")
    _check_links(roles, user.operator_id, user.broker_id, user.officer_id)
    before = sorted(r.role for r in user.roles)
    user.roles = [UserRoleRow(role=r.value) for r in sorted(roles)]
    session.flush()
    audit.record(
        session, clock, category=audit.SECURITY, action="user.roles_changed", actor=actor_ref(by),
        entity_type="user", entity_id=user.id, from_state=",".join(before), to_state=",".join(sorted(roles)),
    )  # fmt: skip
    return user


def set_active(session: Session, clock: Clock, user_id: int, active: bool, *, by: Actor) -> UserRow:
    user = get_user(session, user_id)
    user.is_active = active
    if not active:
        _revoke_all_tokens(session, clock, user.id)
    audit.record(
        session, clock, category=audit.SECURITY, action="user.activated" if active else "user.deactivated",
        actor=actor_ref(by), entity_type="user", entity_id=user.id,
    )  # fmt: skip
    return user


def unlock(session: Session, clock: Clock, user_id: int, *, by: Actor) -> UserRow:
    user = get_user(session, user_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(
        session, clock, category=audit.SECURITY, action="user.unlocked", actor=actor_ref(by),
        entity_type="user", entity_id=user.id,
    )  # fmt: skip
    return user


def change_password(
    session: Session, clock: Clock, passwords: Passwords, user_id: int, new_password: str, *, by: Actor
) -> None:
    user = get_user(session, user_id)
    user.password_hash = passwords.hash(new_password)
    _revoke_all_tokens(session, clock, user.id)
    audit.record(
        session, clock, category=audit.SECURITY, action="user.password_changed", actor=actor_ref(by),
        entity_type="user", entity_id=user.id,
    )  # fmt: skip


def set_language(session: Session, clock: Clock, user_id: int, language: str, *, by: Actor) -> UserRow:
    """Remember the language a user works in (pages and messages)."""
    if language not in LANGUAGES:
        raise InvalidInput("identity.invalid_language", "Language must be one of ar, fr, en")
    user = get_user(session, user_id)
    if user.language != language:
        before = user.language
        user.language = language
        audit.record(
            session, clock, category=audit.DATA, action="user.language_changed", actor=actor_ref(by),
            entity_type="user", entity_id=user.id, from_state=before, to_state=language,
        )  # fmt: skip
    return user


def _retry_wait(settings: Settings, failures: int) -> timedelta:
    """Exponential slow-down once failures pass the threshold: 1 s, 2 s, 4 s ... capped at 5 minutes."""
    excess = failures - settings.login_slowdown_after
    if excess < 0:
        return timedelta(0)
    return timedelta(seconds=min(2**excess, 300))


def _refuse_if_throttled(user: UserRow, now: datetime, settings: Settings) -> None:
    if user.locked_until is not None and user.locked_until > now:
        raise Locked(
            "auth.locked",
            "Too many failed logins: the account is locked until {until}",
            until=user.locked_until.isoformat(),
        )
    if user.last_failed_login_at is not None:
        ready_at = user.last_failed_login_at + _retry_wait(settings, user.failed_logins)
        if user.failed_logins >= settings.login_slowdown_after and ready_at > now:
            raise TooManyRequests(
                "auth.slow_down",
                "Too many failed logins: wait {seconds} seconds before trying again",
                retry_after_seconds=max(1, int((ready_at - now).total_seconds() + 0.999)),
                seconds=max(1, int((ready_at - now).total_seconds() + 0.999)),
            )


def _record_failure(
    session: Session, clock: Clock, settings: Settings, user: UserRow, ip: str | None
) -> None:
    now = clock.now()
    user.failed_logins += 1
    user.last_failed_login_at = now
    locked = user.failed_logins >= settings.login_lockout_after
    if locked:
        user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
    audit.record(
        session, clock, category=audit.SECURITY, action="auth.locked" if locked else "auth.login_failed",
        actor=ActorRef(user.id, user.username), entity_type="user", entity_id=user.id, client_ip=ip,
        detail={"failed_logins": user.failed_logins},
    )  # fmt: skip


def login(
    session: Session,
    clock: Clock,
    settings: Settings,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    client_ip: str | None = None,
) -> tuple[IssuedToken, UserRow]:
    """Check a password and issue a bearer token.

    Failures are committed by the caller even when this raises, so the API layer runs this in a
    transaction that commits on `Unauthorized` (see identity.api).
    """
    now = clock.now()
    user = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if user is None or user.is_system:
        passwords.verify(None, password)
        audit.record(
            session, clock, category=audit.SECURITY, action="auth.login_failed", client_ip=client_ip,
            detail={"username": username[:150], "reason": "unknown user"},
        )  # fmt: skip
        raise Unauthorized("auth.invalid_credentials", "Wrong user name or password")
    _refuse_if_throttled(user, now, settings)
    if not passwords.verify(user.password_hash, password):
        _record_failure(session, clock, settings, user, client_ip)
        raise Unauthorized("auth.invalid_credentials", "Wrong user name or password")
    if not user.is_active:
        audit.record(
            session, clock, category=audit.SECURITY, action="auth.login_refused_inactive",
            actor=ActorRef(user.id, user.username), entity_type="user", entity_id=user.id,
            client_ip=client_ip,
        )  # fmt: skip
        raise Unauthorized("auth.inactive", "This account is deactivated")
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = _issue_token(session, settings, user, now, client_ip)
    audit.record(
        session, clock, category=audit.SECURITY, action="auth.login", actor=ActorRef(user.id, user.username),
        entity_type="user", entity_id=user.id, client_ip=client_ip,
    )  # fmt: skip
    return token, user


def _issue_token(
    session: Session, settings: Settings, user: UserRow, now: datetime, client_ip: str | None
) -> IssuedToken:
    secret = secrets.token_urlsafe(32)
    expires_at = now + timedelta(minutes=settings.token_ttl_minutes)
    session.add(
        AuthTokenRow(
            digest=_digest(secret), user_id=user.id, issued_at=now, expires_at=expires_at, client_ip=client_ip
        )
    )
    return IssuedToken(secret, expires_at)


class _TokenHolder(NamedTuple):
    revoked_at: datetime | None
    expires_at: datetime
    user_id: int
    username: str
    is_active: bool
    operator_id: int | None
    broker_id: int | None
    officer_id: int | None
    role: str | None


_TOKEN_HOLDER = (
    select(
        AuthTokenRow.revoked_at, AuthTokenRow.expires_at, UserRow.id, UserRow.username, UserRow.is_active,
        UserRow.operator_id, UserRow.broker_id, UserRow.officer_id, UserRoleRow.role,
    )
    .join(UserRow, UserRow.id == AuthTokenRow.user_id)
    .outerjoin(UserRoleRow, UserRoleRow.user_id == UserRow.id)
    .where(AuthTokenRow.digest == bindparam("digest"))
)  # fmt: skip


def actor_for_token(session: Session, clock: Clock, token: str, client_ip: str | None = None) -> Actor:
    """The actor a bearer token stands for. Every request starts here, so it is one plain-column read of
    the token, its user and the user's roles (a row per role), straight to the driver."""
    found = [_TokenHolder(*row) for row in read_rows(session, _TOKEN_HOLDER, {"digest": _digest(token)})]
    if not found or found[0].revoked_at is not None:
        raise Unauthorized("auth.invalid_token", "The access token is not valid")
    first = found[0]
    if first.expires_at <= clock.now():
        raise Unauthorized("auth.token_expired", "The access token has expired")
    if not first.is_active:
        raise Unauthorized("auth.inactive", "This account is deactivated")
    return Actor(
        user_id=first.user_id, username=first.username,
        roles=frozenset(Role(r.role) for r in found if r.role),
        operator_id=first.operator_id, broker_id=first.broker_id, officer_id=first.officer_id,
        client_ip=client_ip,
    )  # fmt: skip


def logout(session: Session, clock: Clock, token: str, actor: Actor) -> None:
    row = session.scalar(select(AuthTokenRow).where(AuthTokenRow.digest == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(
            session, clock, category=audit.SECURITY, action="auth.logout", actor=actor_ref(actor),
            entity_type="user", entity_id=actor.user_id, client_ip=actor.client_ip,
        )  # fmt: skip


def _revoke_all_tokens(session: Session, clock: Clock, user_id: int) -> None:
    for row in session.scalars(
        select(AuthTokenRow).where(AuthTokenRow.user_id == user_id, AuthTokenRow.revoked_at.is_(None))
    ):
        row.revoked_at = clock.now()


def create_api_key(
    session: Session, clock: Clock, *, user_id: int, name: str, by: Actor, expires_at: datetime | None = None
) -> IssuedApiKey:
    user = get_user(session, user_id)
    if not user.is_system:
        raise InvalidInput("identity.api_key_needs_system", "API keys are issued to system accounts only")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    row = ApiKeyRow(
        prefix=prefix, digest=_digest(secret), name=name, user_id=user.id,
        created_at=clock.now(), created_by=by.user_id, expires_at=expires_at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.SECURITY, action="api_key.created", actor=actor_ref(by),
        entity_type="api_key", entity_id=row.id, detail={"name": name, "user": user.username},
    )  # fmt: skip
    return IssuedApiKey(f"dk_{prefix}_{secret}", row.id, prefix)


def revoke_api_key(session: Session, clock: Clock, key_id: int, *, by: Actor) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound("identity.api_key_not_found", "No such API key", key_id=key_id)
    row.revoked_at = row.revoked_at or clock.now()
    audit.record(
        session, clock, category=audit.SECURITY, action="api_key.revoked", actor=actor_ref(by),
        entity_type="api_key", entity_id=row.id,
    )  # fmt: skip


def actor_for_api_key(session: Session, clock: Clock, key: str, client_ip: str | None = None) -> Actor:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "dk":
        raise Unauthorized("auth.invalid_api_key", "The API key is not valid")
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == parts[1]))
    now = clock.now()
    valid = (
        row is not None
        and secrets.compare_digest(row.digest, _digest(parts[2]))
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )
    if not valid or row is None:
        audit.record(
            session, clock, category=audit.SECURITY, action="auth.api_key_refused", client_ip=client_ip,
            detail={"prefix": parts[1][:16]},
        )  # fmt: skip
        raise Unauthorized("auth.invalid_api_key", "The API key is not valid")
    user = session.get(UserRow, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("auth.inactive", "This account is deactivated")
    row.last_used_at = now
    return actor_of(user, via_api_key=True, client_ip=client_ip)


def search_users(
    session: Session, q: str | None = None, *, offset: int = 0, limit: int = 50
) -> tuple[list[UserRow], int]:
    """Users whose user name or full name contains `q`, by user name; one page and the total."""
    query = select(UserRow)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(UserRow.username.like(like), func.lower(UserRow.full_name).like(like)))
    return fetch_page(session, query, UserRow.username, offset, limit)
