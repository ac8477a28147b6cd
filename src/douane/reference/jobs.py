"""Reference imports that run in a background thread of the web process, so an administrator can watch a
large file's progress instead of waiting on one long request.

A job lives in the memory of the process that runs it: a restart forgets running jobs, and since each import
runs in one transaction that commits only at its end, the database is then left as it was. One import runs at
a time per process; the registry refuses a second one while the first runs.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from douane.kernel.clock import Clock
from douane.kernel.errors import Conflict, DouaneError, ImportRejected, RowError
from douane.kernel.imports import ImportReport, Progress

log = logging.getLogger("douane.reference.jobs")
KEPT_JOBS = 20
MAX_ERRORS_KEPT = 200

ImportWork = Callable[[Progress], ImportReport]
"""The import itself: given a progress callback, it runs in its own transaction and returns the report."""


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class ImportJob:
    """What the page shows about one import, updated by the worker thread as rows are read."""

    id: str
    kind: str
    filename: str
    started_by: str
    started_at: datetime
    rows_total: int | None = None
    rows_done: int = 0
    state: JobState = JobState.RUNNING
    finished_at: datetime | None = None
    report: ImportReport | None = None
    error: DouaneError | None = None
    errors: tuple[RowError, ...] = ()
    error_count: int = 0

    @property
    def running(self) -> bool:
        return self.state is JobState.RUNNING

    @property
    def bar_value(self) -> int:
        """Rows done for the progress bar, never past its end (a CSV record may span several lines)."""
        if self.rows_total is None:
            return self.rows_done
        return min(self.rows_done, self.rows_total)

    def record_progress(self, rows_done: int) -> None:
        self.rows_done = rows_done


class ImportJobs:
    """The jobs of one web process, newest last; at most one running."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, ImportJob] = OrderedDict()

    def running(self) -> ImportJob | None:
        with self._lock:
            return next((job for job in self._jobs.values() if job.running), None)

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def latest(self) -> ImportJob | None:
        with self._lock:
            return next(reversed(self._jobs.values()), None)

    def start(
        self, kind: str, filename: str, started_by: str, rows_total: int | None, work: ImportWork,
        stored: Path | None = None,
    ) -> ImportJob:  # fmt: skip
        """Register the job and start its thread; refused while another import runs in this process.
        `stored` (the uploaded file) is removed once the import has finished, whatever its outcome."""
        with self._lock:
            busy = next((job for job in self._jobs.values() if job.running), None)
            if busy is not None:
                raise Conflict(
                    "reference.import_running",
                    "An import is already running ({filename}); wait until it has finished",
                    filename=busy.filename,
                )
            job = ImportJob(uuid.uuid4().hex, kind, filename, started_by, self._clock.now(), rows_total)
            self._jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(
            target=self._run, args=(job, work, stored), name=f"import-{job.id[:8]}", daemon=True
        )
        thread.start()
        return job

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if not job.running]
        for job_id in finished[: max(len(self._jobs) - KEPT_JOBS, 0)]:
            del self._jobs[job_id]

    def _run(self, job: ImportJob, work: ImportWork, stored: Path | None) -> None:
        report, error = self._outcome(job, work)
        if stored is not None:
            stored.unlink(missing_ok=True)
        with self._lock:
            if isinstance(error, ImportRejected):
                job.errors, job.error_count = tuple(error.errors[:MAX_ERRORS_KEPT]), len(error.errors)
            if report is not None:
                job.rows_done = report.rows
            job.report, job.error, job.finished_at = report, error, self._clock.now()
            job.state = JobState.DONE if report is not None else JobState.FAILED

    @staticmethod
    def _outcome(job: ImportJob, work: ImportWork) -> tuple[ImportReport | None, DouaneError | None]:
        try:
            return work(job.record_progress), None
        except DouaneError as exc:
            return None, exc
        except Exception:  # the page must say the job ended, whatever went wrong
            log.exception("reference import %s (%s) failed", job.id, job.filename)
            message = "The import failed unexpectedly; nothing was written"
            return None, DouaneError("reference.import_failed", message)
