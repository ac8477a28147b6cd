"""Reference imports run in the background of the web process: the administrator uploads a file, the page
polls the job's status and shows a progress bar, then the report; a refused file writes nothing; a second
upload while one runs is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
from sqlalchemy import func, select

from douane.bootstrap import Context
from douane.kernel.imports import ImportReport, Progress
from douane.reference.tables import TariffLineRow
from douane.reference.views import import_jobs
from tests.web.scenario import Pages, found

Browser = Callable[..., Pages]
TARIFF_HEADER = "code10,hs6,description_fr,dd_pct,tva_pct,valid_from"
GOOD_TARIFF = (
    f"{TARIFF_HEADER}\n"
    "8471309100,847130,Tablettes tactiles,5,19,2026-01-01\n"
    "8471309200,847130,Liseuses électroniques,5,19,2026-01-01\n"
)


def _tariff_lines(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(TariffLineRow)) or 0)


def _upload(admin: Pages, name: str, text: str, kind: str = "tariff") -> httpx.Response:
    admin.get("/admin/imports")
    files = {"file": (name, text.encode(), "text/csv")}
    return admin.client.post(
        "/admin/imports", data={"csrf_token": admin.csrf, "kind": kind}, files=files, follow_redirects=False
    )


def _job_id(started: httpx.Response) -> str:
    assert started.status_code == 303, started.text
    return found(r"job=([0-9a-f]+)", started.headers["location"])


def finished_status(admin: Pages, job_id: str, timeout: float = 20.0) -> str:
    """Poll the status fragment as the page does, until it stops asking to be polled."""
    deadline = time.monotonic() + timeout
    while True:
        fragment = admin.get(f"/admin/imports/jobs/{job_id}/status").text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.05)


def test_a_tariff_file_is_imported_in_the_background_and_its_report_shown(
    browser: Browser, page_ctx: Context
) -> None:
    admin = browser("admin", "en")
    before = _tariff_lines(page_ctx)
    job_id = _job_id(_upload(admin, "tariff-2026.csv", GOOD_TARIFF))
    page = admin.get(f"/admin/imports?job={job_id}").text
    assert 'id="import-job"' in page and "tariff-2026.csv" in page
    report = finished_status(admin, job_id)
    assert 'class="alert ok" role="status"' in report
    assert found(r'id="rows-read">(\d+)<', report) == "2" and found(r'id="rows-added">(\d+)<', report) == "2"
    assert _tariff_lines(page_ctx) == before + 2
    assert not list((page_ctx.settings.data_dir / "imports").iterdir())  # the upload is not kept
    again = finished_status(admin, _job_id(_upload(admin, "tariff-2026.csv", GOOD_TARIFF)))
    assert found(r'id="rows-unchanged">(\d+)<', again) == "2"
    assert found(r'id="rows-added">(\d+)<', again) == "0"


def test_a_refused_tariff_file_shows_its_lines_and_writes_nothing(
    browser: Browser, page_ctx: Context
) -> None:
    admin = browser("admin", "fr")
    before = _tariff_lines(page_ctx)
    bad = (
        f"{TARIFF_HEADER}\n8471309300,847130,Bonne ligne,5,19,2026-01-01\n"
        "84713,847130,Code court,5,19,2026-01-01\n"
    )
    report = finished_status(admin, _job_id(_upload(admin, "tariff-bad.csv", bad)))
    assert 'id="refused-lines"' in report and '<td class="num">3</td>' in report
    assert 'class="alert error" role="alert"' in report
    assert _tariff_lines(page_ctx) == before  # the good line 2 was not written either


def test_a_second_upload_while_one_runs_is_refused(browser: Browser, page_ctx: Context) -> None:
    admin = browser("admin", "en")
    admin.get("/admin/imports")
    jobs = import_jobs(admin.client.app, page_ctx.clock)  # type: ignore[arg-type]
    release = threading.Event()

    def slow_import(progress: Progress) -> ImportReport:
        progress(40)
        release.wait(timeout=20)
        return ImportReport(kind="tariff", rows=100, inserted=100)

    running = jobs.start("tariff", "big-tariff.csv", "Someone else", 100, slow_import)
    try:
        page = admin.get(f"/admin/imports?job={running.id}").text
        assert '<progress id="job-progress" value="40" max="100">' in page and "40 / 100" in page
        assert "big-tariff.csv" in admin.get("/admin/imports").text  # coming back shows the running import
        before = _tariff_lines(page_ctx)
        refused = _upload(admin, "tariff-2026.csv", GOOD_TARIFF)
        assert refused.status_code == 409 and 'id="import-refused"' in refused.text
        assert "big-tariff.csv" in refused.text  # the page shows the import that is running
        assert _tariff_lines(page_ctx) == before
    finally:
        release.set()
    assert found(r'id="rows-added">(\d+)<', finished_status(admin, running.id)) == "100"


def test_import_jobs_are_for_administrators_only(browser: Browser, page_ctx: Context) -> None:
    admin = browser("admin", "en")
    job_id = _job_id(_upload(admin, "tariff-2026.csv", GOOD_TARIFF))
    finished_status(admin, job_id)
    broker = browser("broker", "en")
    assert broker.get(f"/admin/imports/jobs/{job_id}/status").status_code == 403
    assert broker.get(f"/admin/imports?job={job_id}").status_code == 403


def test_a_forgotten_job_stops_the_polling(browser: Browser) -> None:
    fragment = browser("admin", "en").get("/admin/imports/jobs/0123456789abcdef/status")
    assert fragment.status_code == 200 and 'id="job-forgotten"' in fragment.text
    assert "hx-trigger" not in fragment.text
