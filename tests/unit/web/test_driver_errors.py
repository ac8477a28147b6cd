"""Rows written through the database driver itself (COPY, pipelines) that the database refuses answer the
same problems as an ORM write: 409 for a broken constraint, 422 for a value the column cannot hold."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import errors

from douane.web import problems


def _app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/write")
    def write() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.UniqueViolation("duplicate key value"), 409, "conflict.integrity"),
        (errors.ForeignKeyViolation("no such parent"), 409, "conflict.integrity"),
        (errors.NumericValueOutOfRange("out of range"), 422, "request.out_of_range"),
        (errors.DatetimeFieldOverflow("year 20260 out of range"), 422, "request.out_of_range"),
        (errors.UntranslatableCharacter("NUL in text"), 422, "request.unstorable_value"),
    ],
)
def test_a_refusal_by_the_database_is_a_problem_not_a_server_error(
    error: Exception, status: int, code: str
) -> None:
    response = _app_raising(error).get("/write")

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
