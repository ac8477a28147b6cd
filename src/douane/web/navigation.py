"""Where each role lands after login, and the menu each one sees."""

from __future__ import annotations

from douane.identity.model import Permission, Role
from douane.web.session import Viewer

P = Permission

HOMES = {
    Role.ADMIN: "/admin",
    Role.OFFICE_CHIEF: "/dashboard",
    Role.INSPECTOR: "/inspection",
    Role.LIQUIDATION_INSPECTOR: "/liquidation",
    Role.CASHIER: "/cashier",
    Role.RISK_ANALYST: "/risk/rules",
}
NAVIGATION: tuple[tuple[str, str, tuple[Permission, ...], tuple[Role, ...]], ...] = (
    # (path, label, any of these permissions, or any of these roles)
    ("/dashboard", "Office dashboard", (P.DECLARATIONS_APPROVE,), ()),
    ("/invalidations", "Invalidation requests", (P.DECLARATIONS_APPROVE,), ()),
    ("/inspection", "My control queue", (P.DECLARATIONS_CONTROL,), ()),
    ("/liquidation", "Liquidation queue", (P.DECLARATIONS_ASSESS,), ()),
    ("/cashier", "Cashier desk", (P.PAYMENTS_COLLECT,), ()),
    ("/declarations", "Declarations", (P.DECLARATIONS_READ,), ()),
    ("/declarations/new", "New declaration", (), (Role.BROKER, Role.TRADER)),
    ("/amounts-due", "Amounts due", (), (Role.BROKER, Role.TRADER)),
    ("/risk/rules", "Targeting rules", (P.RULES_MANAGE,), ()),
    ("/risk/notices", "Targeting notices", (P.NOTICES_MANAGE,), ()),
    ("/risk/models", "Risk models", (P.MODELS_MANAGE,), ()),
    ("/risk/selectivity", "Selectivity settings", (P.SELECTIVITY_MANAGE,), ()),
    ("/risk/monitoring", "Monitoring", (P.MODELS_MANAGE,), ()),
    ("/admin/staff", "Officers", (P.STAFF_MANAGE,), ()),
    ("/admin", "Administration", (P.USERS_MANAGE,), ()),
)


def home_of(viewer: Viewer) -> str:
    return HOMES.get(viewer.role, "/declarations")


def navigation(viewer: Viewer) -> list[tuple[str, str]]:
    return [
        (path, label)
        for path, label, permissions, roles in NAVIGATION
        if (permissions and viewer.can(*permissions)) or any(viewer.actor.has_role(r) for r in roles)
    ]
