"""Risk reads other contexts through their services, never through their tables (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import douane.risk

RISK = Path(douane.risk.__file__).parent


def _imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _is_foreign_tables(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 3 and parts[0] == "douane" and parts[2] == "tables" and parts[1] != "risk"


def test_risk_imports_no_other_context_tables() -> None:
    offenders = sorted(
        {
            f"{path.relative_to(RISK.parent)}: {'.'.join(module.split('.')[:3])}"
            for path in RISK.rglob("*.py")
            for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
            if _is_foreign_tables(module)
        }
    )
    assert offenders == []
