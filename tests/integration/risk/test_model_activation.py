"""Two analysts activating two model versions at the same moment on PostgreSQL: one active version after."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import select

from douane.bootstrap import Context
from douane.db import Database
from douane.risk.models import service as models
from douane.risk.tables import ModelVersionRow
from tests.conftest import make_context


def _registered(ctx: Context, folder: Path, version: str) -> int:
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"version": version, "rows": 10}), encoding="utf-8")
    with ctx.db.transaction() as session:
        return models.register(session, ctx.clock, folder).id


def test_concurrent_activations_leave_exactly_one_active_version(pg_db: Database, tmp_path: Path) -> None:
    ctx = make_context(pg_db, tmp_path)
    ids = [_registered(ctx, tmp_path / f"m{n}", f"m-{n}") for n in (1, 2)]
    start = threading.Barrier(len(ids))

    def activate(model_id: int) -> None:
        start.wait()
        with ctx.db.transaction() as session:
            models.activate(session, ctx.clock, model_id)

    threads = [threading.Thread(target=activate, args=(model_id,)) for model_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with ctx.db.transaction() as session:
        statuses = session.scalars(select(ModelVersionRow.status).order_by(ModelVersionRow.id)).all()
    assert sorted(statuses) == ["active", "candidate"]
