"""Small reference files written on the fly for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from douane.db import Database
from douane.kernel.clock import FixedClock
from douane.reference.importers import import_hs

CLOCK_START = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
NATIONAL_HEADER = (
    "code10,hs6,description_fr,dd_pct,daps_pct,prct_pct,tcs_pct,tic_pct,tva_pct,formalities,valid_from"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def mini_hs(tmp_path: Path, subheadings: set[str]) -> Path:
    """An HS file holding just the given subheadings with their headings and chapters."""
    lines = ["section,hscode,description,parent,level"]
    for code in sorted({s[:2] for s in subheadings}):
        lines.append(f"IV,{code},Chapter {code},TOTAL,2")
    for code in sorted({s[:4] for s in subheadings}):
        lines.append(f"IV,{code},Heading {code},{code[:2]},4")
    for code in sorted(subheadings):
        lines.append(f"IV,{code},Subheading {code},{code[:4]},6")
    lines.append("TOTAL,TOTAL,Total,TOTAL,5")
    return write(tmp_path, "hs-mini.csv", "\n".join(lines))


def load_mini_hs(db: Database, tmp_path: Path, subheadings: set[str]) -> FixedClock:
    clock = FixedClock(CLOCK_START)
    with db.transaction() as session:
        import_hs(session, clock, mini_hs(tmp_path, subheadings))
    return clock
