"""Every endpoint declares the permission it needs (or says explicitly that it is public)."""

from collections.abc import Iterable, Iterator

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from douane.identity.guards import authenticate, declared_access
from douane.web.deps import transaction


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every endpoint, including those of included routers (newer FastAPI keeps them unflattened)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(included.routes)


def test_the_walk_sees_every_context(client: TestClient) -> None:
    paths = {route.path for route in api_routes(client.app.routes)}  # type: ignore[attr-defined]
    assert {"/health", "/api/v1/auth/token", "/api/v1/operators", "/api/v1/reference/tariff-lines"} <= paths
    assert len(paths) > 40


def test_every_endpoint_declares_its_access(client: TestClient) -> None:
    undeclared = []
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        authenticated = any(dep.call is authenticate for dep in route.dependant.dependencies)
        if not declared_access(route.dependant) and not authenticated:
            undeclared.append(f"{sorted(route.methods)} {route.path}")
    assert undeclared == []


def test_an_anonymous_caller_is_refused_everywhere_but_public_endpoints(client: TestClient) -> None:
    opened = []
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in route.methods or "{" in route.path:
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
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if any(scope != "function" for scope in _transaction_scopes(route.dependant)):
            late.append(route.path)
    assert late == []
