"""Roles and the permissions each one holds. Pure: no database, no web."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    BROKER = "broker"
    TRADER = "trader"
    INSPECTOR = "inspector"
    LIQUIDATION_INSPECTOR = "liquidation_inspector"
    CASHIER = "cashier"
    RISK_ANALYST = "risk_analyst"
    OFFICE_CHIEF = "office_chief"
    AUDITOR = "auditor"
    # System accounts, used through API keys.
    BANK = "bank"
    MINISTRY = "ministry"
    CARRIER = "carrier"


OFFICER_ROLES = frozenset(
    {
        Role.INSPECTOR,
        Role.LIQUIDATION_INSPECTOR,
        Role.CASHIER,
        Role.RISK_ANALYST,
        Role.OFFICE_CHIEF,
        Role.AUDITOR,
    }
)
SYSTEM_ROLES = frozenset({Role.BANK, Role.MINISTRY, Role.CARRIER})


class Permission(StrEnum):
    REFERENCE_READ = "reference:read"
    REFERENCE_MANAGE = "reference:manage"
    OFFICES_READ = "offices:read"
    OFFICES_MANAGE = "offices:manage"
    OPERATORS_READ = "operators:read"  # scoped: a trader sees only its own operator
    OPERATORS_READ_ALL = "operators:read-all"
    OPERATORS_MANAGE = "operators:manage"
    BROKERS_READ = "brokers:read"
    BROKERS_MANAGE = "brokers:manage"
    STAFF_READ = "staff:read"
    STAFF_MANAGE = "staff:manage"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api-keys:manage"
    AUDIT_READ = "audit:read"
    DECLARATIONS_READ = "declarations:read"  # scoped: a broker sees its firm's, a trader its own
    DECLARATIONS_LODGE = "declarations:lodge"
    DECLARATIONS_CONTROL = "declarations:control"
    DECLARATIONS_ASSESS = "declarations:assess"
    DECLARATIONS_RELEASE = "declarations:release"
    DECLARATIONS_APPROVE = "declarations:approve"  # invalidation and other chief's approvals
    DECLARATIONS_DISCHARGE = "declarations:discharge"  # end a suspensive regime (apurement)
    SELECTIVITY_MANAGE = "selectivity:manage"
    RISK_READ = "risk:read"  # rules, notices, indicators, models and why a declaration got its channel
    RULES_MANAGE = "rules:manage"  # targeting rules and value indicators, backtests
    NOTICES_MANAGE = "notices:manage"  # issue, close and cancel targeting notices
    MODELS_MANAGE = "models:manage"  # register, activate and retire risk models
    PAYMENTS_READ = "payments:read"  # scoped like declarations for brokers and traders
    PAYMENTS_COLLECT = "payments:collect"
    GUARANTEES_MANAGE = "guarantees:manage"


_P = Permission
_READ_REGISTRY = {
    _P.REFERENCE_READ,
    _P.OFFICES_READ,
    _P.OPERATORS_READ,
    _P.OPERATORS_READ_ALL,
    _P.BROKERS_READ,
}
_OFFICER = _READ_REGISTRY | {_P.STAFF_READ, _P.DECLARATIONS_READ, _P.PAYMENTS_READ, _P.RISK_READ}
_DECLARANT = {_P.DECLARATIONS_READ, _P.DECLARATIONS_LODGE, _P.PAYMENTS_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.BROKER: frozenset({_P.REFERENCE_READ, _P.OFFICES_READ, _P.OPERATORS_READ, _P.OPERATORS_READ_ALL,
                            _P.BROKERS_READ} | _DECLARANT),
    Role.TRADER: frozenset({_P.REFERENCE_READ, _P.OFFICES_READ, _P.OPERATORS_READ, _P.BROKERS_READ}
                           | _DECLARANT),
    Role.INSPECTOR: frozenset(_OFFICER | {_P.DECLARATIONS_CONTROL, _P.DECLARATIONS_RELEASE,
                                          _P.DECLARATIONS_DISCHARGE}),
    Role.LIQUIDATION_INSPECTOR: frozenset(_OFFICER | {_P.DECLARATIONS_ASSESS}),
    Role.CASHIER: frozenset(_OFFICER | {_P.PAYMENTS_COLLECT, _P.GUARANTEES_MANAGE}),
    Role.RISK_ANALYST: frozenset(_OFFICER | {_P.SELECTIVITY_MANAGE, _P.RULES_MANAGE, _P.NOTICES_MANAGE,
                                             _P.MODELS_MANAGE}),
    Role.OFFICE_CHIEF: frozenset(_OFFICER | {_P.STAFF_MANAGE, _P.DECLARATIONS_APPROVE,
                                             _P.DECLARATIONS_RELEASE, _P.DECLARATIONS_DISCHARGE,
                                             _P.SELECTIVITY_MANAGE, _P.GUARANTEES_MANAGE}),
    Role.AUDITOR: frozenset(_OFFICER | {_P.AUDIT_READ}),
    Role.BANK: frozenset({_P.REFERENCE_READ, _P.OPERATORS_READ, _P.OPERATORS_READ_ALL}),
    Role.MINISTRY: frozenset({_P.REFERENCE_READ, _P.OPERATORS_READ, _P.OPERATORS_READ_ALL}),
    Role.CARRIER: frozenset({_P.REFERENCE_READ, _P.OFFICES_READ}),
}  # fmt: skip


def permissions_for(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a use case."""

    user_id: int
    username: str
    roles: frozenset[Role]
    operator_id: int | None = None
    broker_id: int | None = None
    officer_id: int | None = None
    via_api_key: bool = False
    client_ip: str | None = None
    permissions: frozenset[Permission] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.permissions:
            object.__setattr__(self, "permissions", permissions_for(self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def has_role(self, role: Role) -> bool:
        return role in self.roles
