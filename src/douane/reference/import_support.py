"""Helpers shared by the reference importers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.kernel.clock import Clock
from douane.kernel.imports import ImportReport, Progress, RowErrors, Source, open_text

PROGRESS_EVERY = 500
T = TypeVar("T")


def counted(rows: Iterator[T], progress: Progress | None) -> Iterator[T]:
    """Pass rows through, telling `progress` how many were read every few hundred rows."""
    count = 0
    for count, item in enumerate(rows, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
        yield item
    if progress:
        progress(count)


def read_text(source: Source, errors: RowErrors) -> str:
    """The whole file as text (reference files are a few MB at most); not UTF-8 rejects the file."""
    handle = open_text(source)
    try:
        return handle.read()
    except UnicodeDecodeError:
        errors.add(0, "the file is not UTF-8 text")
        errors.raise_if_any(0)
        raise
    finally:
        if isinstance(source, Path):
            handle.close()


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def record_import(
    session: Session, clock: Clock, by: ActorRef | None, report: ImportReport, **detail: Any
) -> None:
    audit.record(
        session,
        clock,
        category=audit.DATA,
        action=f"reference.{report.kind}_imported",
        actor=by,
        entity_type=report.kind,
        detail={
            "rows": report.rows,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            **detail,
        },
    )
