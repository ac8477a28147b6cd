"""PLACEHOLDER."""

from douane.bootstrap import Context
from douane.config import Settings


def demo_password(settings: Settings) -> str:
    return "placeholder"


def load_demo_if_empty(ctx: Context) -> bool:
    return False
