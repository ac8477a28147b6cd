"""The app registers every risk router, so these tests use the root `client` (create_app as it is); it is
re-exported here only because tests/api/risk/models/conftest.py imports it from this module."""

from tests.conftest import client

__all__ = ["client"]
