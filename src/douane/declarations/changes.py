"""What changed from one version of a declaration to the next, field by field, for the officer who checks an
amendment: the header's fields, each item's (by its number), and the documents listed.

Versions are compared in their stored form (`model.declaration_to_dict`): a field's value as text, a party or
a list as it is written there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from douane.declarations.tables import DeclarationVersionRow

PARTS = ("items", "documents")


@dataclass(frozen=True)
class FieldChange:
    """One field that a version changed: `path` as findings name fields (items[0].invoice_amount, counted
    from 0 so that the pages label it "Item 1 · Invoice amount")."""

    version: int
    at: datetime
    by: str
    reason: str
    path: str
    before: str | None
    after: str | None


def of_versions(versions: Sequence[DeclarationVersionRow]) -> list[FieldChange]:
    """Every field each version changed from the one before it, oldest first."""
    found: list[FieldChange] = []
    for earlier, later in pairwise(versions):
        if earlier.snapshot is None or later.snapshot is None:
            continue
        found += [
            FieldChange(
                later.version_number, later.created_at, later.created_by_name or "", later.reason or "", path,
                before, after,
            )
            for path, before, after in between(earlier.snapshot, later.snapshot)
        ]  # fmt: skip
    return found


def between(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """The fields that differ, as (path, value before, value after)."""
    changed = [
        (name, _text(before.get(name)), _text(after.get(name)))
        for name in after
        if name not in PARTS and before.get(name) != after.get(name)
    ]
    changed += _items_between(before.get("items") or [], after.get("items") or [])
    documents_before, documents_after = _documents(before), _documents(after)
    if documents_before != documents_after:
        changed.append(("documents", documents_before or None, documents_after or None))
    return changed


def _items_between(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    earlier = {item["number"]: item for item in before}
    later = {item["number"]: item for item in after}
    changed: list[tuple[str, Any, Any]] = []
    for number in sorted(earlier.keys() | later.keys()):
        path = f"items[{number - 1}]"
        old, new = earlier.get(number), later.get(number)
        if old is None or new is None:  # an item added or taken out: its tariff line on the side it is on
            changed.append((path, old and old["line_code"], new and new["line_code"]))
            continue
        changed += [
            (f"{path}.{name}", _text(old.get(name)), _text(new.get(name)))
            for name in new
            if old.get(name) != new.get(name)
        ]
    return changed


def _documents(snapshot: Mapping[str, Any]) -> str:
    return ", ".join(f"{d['type_code']} {d['number']}" for d in snapshot.get("documents") or [])


def _text(value: Any) -> str | None:
    if value is None or value == [] or value == {}:
        return None
    if isinstance(value, Mapping):
        return " · ".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)
