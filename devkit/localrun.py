"""Fill a result store in-process (no Redis): the job path `extractor submit` takes.

Used by the tests, the bench and a demo; `cut_pages` makes a small PDF of
some pages of a sample annex so that a store fills in a second or two.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from extractor.config import Settings
from workers import jobs
from workers.store import ResultStore


def run_jobs(
    settings: Settings, paths: Sequence[Path], batch: str | None = None,
    store: ResultStore | None = None,
) -> list[str]:
    """Submit each file and run its steps here; the job ids, in order."""
    store = store or ResultStore(settings.database_url)
    local = jobs.LocalDispatch()
    ctx = jobs.Context(settings, store, local)
    ids = [jobs.submit(Path(p), ctx, batch=batch).job_id for p in paths]
    local.drain(ctx)
    return ids


def cut_pages(src: Path, pages: Sequence[int], dest: Path) -> Path:
    """A PDF of some pages (1-based) of `src`."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(src))
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(pdf, [p - 1 for p in pages])
        dest.parent.mkdir(parents=True, exist_ok=True)
        out.save(str(dest))
    finally:
        out.close()
        pdf.close()
    return dest


class ServerThread:
    """The app under uvicorn on 127.0.0.1:`port` in a thread (tests, bench); `stop()` ends it."""

    def __init__(self, app: object, port: int):
        import threading

        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",  # type: ignore[arg-type]
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                self.stop()
                raise TimeoutError(f"the review server did not start within {timeout} s")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
