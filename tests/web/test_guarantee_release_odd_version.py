"""A guarantee release form whose version field was tampered with is refused as a page, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.scenario import Pages


@pytest.mark.parametrize("version", ["²", "١٢", "1e3"])
def test_a_version_that_is_not_a_plain_number_is_not_a_server_error(
    browser: Callable[..., Pages], version: str
) -> None:
    chief = browser("chief")
    chief.get("/")
    answer = chief.post("/guarantees/1/release", {"reason": "Demande de l'opérateur", "version": version})
    assert answer.status_code == 404  # there is no such guarantee
