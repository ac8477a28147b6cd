"""The risk routers on the test client (see tests/api/risk/notices/conftest.py)."""

from tests.api.risk.notices.conftest import client

__all__ = ["client"]
