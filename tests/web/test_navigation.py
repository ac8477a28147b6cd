"""The menu offers each role the pages it may use, and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.scenario import Pages

STAFF_LINK = '<a href="/admin/staff"'


def test_the_office_chief_reaches_staff_management_from_the_menu(browser: Callable[..., Pages]) -> None:
    chief = browser("chief")
    home = chief.get("/dashboard").text
    assert STAFF_LINK in home and ">Agents</a>" in home
    assert chief.get("/admin/staff").status_code == 200


def test_a_broker_has_no_staff_management_link(browser: Callable[..., Pages]) -> None:
    broker = browser("broker")
    page = broker.get("/declarations").text
    assert "<nav" in page and STAFF_LINK not in page
