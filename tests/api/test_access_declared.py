"""Every endpoint declares the permission it needs (or says explicitly that it is public)."""

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from douane.identity.guards import authenticate, declared_access
from douane.web.deps import transaction


def test_every_endpoint_declares_its_access(client: TestClient) -> None:
    undeclared = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute):
            continue
        authenticated = any(dep.call is authenticate for dep in route.dependant.dependencies)
        if not declared_access(route.dependant) and not authenticated:
            undeclared.append(f"{sorted(route.methods)} {route.path}")
    assert undeclared == []


def test_an_anonymous_caller_is_refused_everywhere_but_public_endpoints(client: TestClient) -> None:
    opened = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or "GET" not in route.methods or "{" in route.path:
            continue
        if any(hasattr(dep, "douane_public") for dep in declared_access(route.dependant)):
            continue
        if client.get(route.path).status_code != 401:
            opened.append(route.path)
    assert opened == []


def _transaction_scopes(dependant: object) -> list[str | None]:
    scopes = []
    for dep in dependant.dependencies:  # type: ignore[attr-defined]
        if dep.call is transaction:
            scopes.append(dep.scope)
        scopes.extend(_transaction_scopes(dep))
    return scopes


def test_every_unit_of_work_commits_before_the_response_is_sent(client: TestClient) -> None:
    """A commit that fails after the response left would tell the user 'done' for lost data."""
    late = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and any(s != "function" for s in _transaction_scopes(route.dependant)):
            late.append(route.path)
    assert late == []
