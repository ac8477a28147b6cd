"""Every endpoint declares the permission it needs (or says explicitly that it is public)."""

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from douane.identity.guards import authenticate, declared_access


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
