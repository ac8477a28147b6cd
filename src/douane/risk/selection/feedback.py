"""Control results as labels: the stored history of controlled declarations exported for `douane risk train`.

One CSV row per goods item of every declaration registered in the window that has a control result; the
label is 1 when the latest result found a discrepancy, else 0. Items are exported as declared: a field the
inspector amended at control takes back its declared value (the amendment's "from"), so the label does not
leak into the features. A mapping TOML written beside the CSV names each column's role.

Scheduled retraining is one cron line (written here over three), e.g. the first of each month at 02:00:

    0 2 1 * * cd /var/lib/douane && douane risk export-history --out history &&
      douane risk train --history history/history.csv --mapping history/mapping.toml
      --out models/next

then an analyst registers and activates the new version after reading its metrics.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from douane.declarations import history_service as declarations
from douane.declarations.history_service import LastControl, StoredDeclaration, StoredItem
from douane.kernel.clock import local_date

COLUMNS = (
    "declaration_id", "date", "office", "declarant", "importer", "hs6", "origin", "departure",
    "transport_mode", "regime", "net_mass", "price", "quantity", "invoice_currency", "invoice_amount",
    "discrepancy_type", "label",
)  # fmt: skip
ROLES = ("declaration_id", "date", "office", "declarant", "importer", "hs6", "origin", "departure",
         "transport_mode", "regime", "net_mass", "price", "quantity")  # fmt: skip
DISCREPANCY = declarations.DISCREPANCY
BATCH = 2_000


@dataclass(frozen=True)
class Export:
    csv_path: Path
    mapping_path: Path
    declarations: int
    rows: int
    positives: int


def export_history(
    session: Session, out_dir: Path, start: date | None = None, end: date | None = None
) -> Export:
    """Write history.csv and mapping.toml into out_dir for declarations registered from start to end."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, mapping_path = out_dir / "history.csv", out_dir / "mapping.toml"
    declarations = rows = positives = 0
    seen: set[int] = set()
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for record in labelled_items(session, start, end):
            writer.writerow(record)
            rows += 1
            if record["declaration_id"] not in seen:
                seen.add(record["declaration_id"])
                declarations += 1
                positives += record["label"]
    mapping_path.write_text(mapping_toml(), encoding="utf-8")
    return Export(csv_path, mapping_path, declarations, rows, positives)


def mapping_toml() -> str:
    columns = "\n".join(f'{role} = "{role}"' for role in ROLES)
    return (
        "# Written by douane with history.csv: each role of the risk model and its column.\n"
        f"[columns]\n{columns}\n\n"
        '[label]\ncolumn = "label"   # 1: the control found a discrepancy\n\n'
        '[extras]\ncategorical = ["invoice_currency"]\nnumeric = ["invoice_amount"]\n\n'
        '[format]\ndate = "%Y-%m-%d"\n'
    )


def labelled_items(session: Session, start: date | None, end: date | None) -> Iterator[dict[str, Any]]:
    """The export's rows in registration order, read in batches of declarations."""
    for declaration, result in declarations.controlled_between(session, start, end, batch=BATCH):
        declared = _declared_values(result.item_amendments)
        for item in sorted(declaration.items, key=lambda i: i.number):
            yield _row(declaration, result, item, declared.get(item.number, {}))


def _declared_values(amendments: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per item, the value each amended field had as declared (the first amendment's "from")."""
    declared: dict[int, dict[str, Any]] = {}
    for change in amendments:
        declared.setdefault(int(change["item"]), {}).setdefault(str(change["field"]), change.get("from"))
    return declared


def _row(
    declaration: StoredDeclaration, result: LastControl, item: StoredItem, declared: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    def value(field: str) -> Any:
        return declared[field] if field in declared else getattr(item, field)

    return {
        "declaration_id": declaration.number or str(declaration.id),
        "date": local_date(declaration.registered_at).isoformat(),
        "office": declaration.office_code, "declarant": _text(declaration.broker_id),
        "importer": declaration.operator_nif,
        "hs6": str(value("line_code") or "")[:6], "origin": value("origin_country") or "",
        "departure": declaration.dispatch_country or "", "transport_mode": declaration.transport_mode or "",
        "regime": declaration.regime, "net_mass": _plain(value("net_mass_kg")),
        "price": _plain(_customs_value(item, declared)), "quantity": _plain(value("supplementary_quantity")),
        "invoice_currency": declaration.invoice_currency, "invoice_amount": _plain(item.invoice_amount),
        "discrepancy_type": result.discrepancy_type or "", "label": int(result.outcome == DISCREPANCY),
    }  # fmt: skip


def _customs_value(item: StoredItem, declared: dict[str, Any]) -> Any:
    """As assessed at lodging, as the engine reads it; the declared value when the control amended it."""
    if "customs_value_dzd" in declared:
        return declared["customs_value_dzd"]
    assessed = item.assessed_customs_value
    return item.customs_value_dzd if assessed is None else assessed.amount


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")
