"""Shared shape of every file import: rows read with their line numbers, errors collected,
the whole file rejected if any row is bad (the caller's transaction is then rolled back)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from douane.kernel.errors import ImportRejected, RowError

Source = Path | IO[bytes] | IO[str]
"""A file to import: a path, or an open binary or text stream (an upload)."""

Progress = Callable[[int], None]
"""Called with the number of rows processed so far."""

MAX_REPORTED_ERRORS = 10_000


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


class RowErrors:
    """Collects row errors; `raise_if_any` rejects the whole file."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, line: int, reason: str, field: str | None = None) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line=line, reason=reason, field=field))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, total_rows: int) -> None:
        if self.errors:
            raise ImportRejected(sorted(self.errors, key=lambda e: e.line), total_rows)


def open_text(source: Source) -> IO[str]:
    """Open a file or wrap a binary stream as UTF-8 text, dropping a byte-order mark."""
    if isinstance(source, Path):
        return source.open(encoding="utf-8-sig", newline="")
    if isinstance(source, io.TextIOBase):
        return source
    return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")  # type: ignore[type-var]


def read_csv(source: Source, required: set[str], errors: RowErrors) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with stripped values; a missing required column rejects the file."""
    handle = open_text(source)
    try:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = required - set(header)
        if missing:
            errors.add(1, f"missing columns: {', '.join(sorted(missing))}")
            errors.raise_if_any(0)
        reader.fieldnames = header
        for row in reader:
            if None in row:
                errors.add(reader.line_num, "more values than columns")
                continue
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except csv.Error as exc:
        errors.add(reader.line_num, f"malformed CSV: {exc}")
    except UnicodeDecodeError:
        errors.add(0, "the file is not UTF-8 text")
    finally:
        if isinstance(source, Path):
            handle.close()
