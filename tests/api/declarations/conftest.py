from __future__ import annotations

import pytest

from douane.bootstrap import Context
from tests.integration.declarations import fixtures


@pytest.fixture
def demo(ctx: Context) -> fixtures.Demo:
    return fixtures.load(ctx)
