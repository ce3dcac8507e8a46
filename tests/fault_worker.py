"""`extractor worker` with faults injected by code: the fault tests' own worker entry.

    python -m tests.fault_worker [--page-sleep S[:SHA]] [--poison SHA] [--init-sleep S]
                                  [--beat-every S] -- worker ARGS...

Patches the reading of each page in workers/page_step.py (after the task's
deliveries are counted, before the page is read), then runs the real CLI, so
the worker, its pool and its tasks are the production ones (OCRmyPDF's
tests/plugins/ inject faults the same way). Production code reads no
test-only variable.

- `--page-sleep S[:SHA]`: every page (of documents whose sha256 starts
  with SHA) sleeps S seconds first: a worker to kill mid-page, a page over
  its time limit.
- `--poison SHA`: the pages of documents whose sha256 starts with SHA
  end their process at once (`os._exit(70)`), like a segfault in a native
  library: no exception, no cleanup.
- `--init-sleep S`: each pool process sleeps S seconds when it starts (a slow
  model warm-up): the worker receives tasks it cannot start yet.
- `--beat-every S`: the beat schedule's entries (the periodic sweep) run every S
  seconds instead of celery_app.SWEEP_INTERVAL: a test need not wait 300 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any


def inject(page_sleep: str | None, poison: str | None) -> None:
    from workers import page_step

    real_read_page = page_step._read_page
    pause, _, prefix = (page_sleep or "").partition(":")

    def faulty_read_page(ctx: Any, job: Any, number: int) -> Any:
        if poison and job.sha256.startswith(poison):
            os._exit(70)
        if pause and job.sha256.startswith(prefix):
            time.sleep(float(pause))
        return real_read_page(ctx, job, number)

    page_step._read_page = faulty_read_page


def slow_start(seconds: float) -> None:
    from celery.signals import worker_process_init

    def sleep(**_: Any) -> None:
        time.sleep(seconds)

    worker_process_init.connect(sleep, weak=False)


def beat_every(seconds: float) -> None:
    from workers.celery_app import app

    schedule = {name: {**entry, "schedule": seconds} for name, entry in app.conf.beat_schedule.items()}
    app.conf.beat_schedule = schedule


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="fault_worker", description=__doc__)
    ap.add_argument("--page-sleep", metavar="S[:SHA]")
    ap.add_argument("--poison", metavar="SHA")
    ap.add_argument("--init-sleep", type=float, metavar="S")
    ap.add_argument("--beat-every", type=float, metavar="S")
    ap.add_argument("cli", nargs=argparse.REMAINDER, help="-- then the arguments of `extractor`")
    args = ap.parse_args(argv)
    cli = args.cli[1:] if args.cli[:1] == ["--"] else args.cli
    inject(args.page_sleep, args.poison)
    if args.init_sleep:
        slow_start(args.init_sleep)
    if args.beat_every:
        beat_every(args.beat_every)
    from extractor.cli import main as extractor_main

    return extractor_main(cli)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
