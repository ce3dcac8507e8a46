"""Peak RSS of each worker over a long mixed batch, hostile files mixed in (issue 14).

Starts its own redis-server on a free port and real `extractor worker --concurrency 1`
processes (SQLite in a temp folder, the default OCR engine), and submits one batch:
copies of every born-digital sample (samples/digital, one byte appended to each so every
copy is a new document), copies of the scans (samples/scans: PDFs, PNG, JPEG, TIFF, read by
OCR), and hostile files made here, spread through the batch: a 1 KB PDF of one 20000 pt
page, a 14000 x 14000 PNG, a truncated PDF, a non-document, and the normal-size pages that
are memory bombs of tests/hostile_files.py (a 40000^2 soft mask, a 30000^2 inline image,
400 MB of drawing instructions, forms drawing forms, a 40000^2 image).

While it runs it reads /proc every 0.25 s: each worker's main process and its pool process
(VmRSS now, VmHWM: the process's own peak, so nothing between two samples is missed), and
prints a row at every 10% of the pages, so a growth shows as a rising column, against the
pool processes' ceiling (EXTRACTOR_WORKER_MAX_MEMORY_MB: Celery replaces a pool process that
grew past it after its task; the replacements are counted).

    taskset -c 1 python bench/bench_memory.py                 # 15 rounds: about 2,100 pages
    python bench/bench_memory.py --rounds 2 --scan-rounds 1   # a quick look (about 330 pages)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from extractor.config import load_settings  # noqa: E402
from tests import hostile_files as hostile  # noqa: E402
from tests.service_support import (  # noqa: E402
    copy_with_byte,
    redis_server,
    run_cli,
    service_env,
    workers,
)
from workers.store import ResultStore  # noqa: E402

DIGITAL = sorted((REPO / "samples" / "digital").glob("*.pdf"))
SCANS = sorted(p for p in (REPO / "samples" / "scans").iterdir()
               if p.suffix in (".pdf", ".png", ".jpg", ".tiff"))
SAMPLE_EVERY = 0.25


def hostile_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        hostile.huge_page_pdf(folder / "huge-page.pdf"),
        hostile.huge_png(folder / "huge.png"),
        hostile.truncated_pdf(folder / "truncated.pdf", DIGITAL[0]),
        hostile.not_a_document(folder / "not-a-document.pdf"),
        hostile.huge_soft_mask_pdf(folder / "soft-mask.pdf"),
        hostile.huge_inline_image_pdf(folder / "inline-image.pdf"),
        hostile.huge_content_pdf(folder / "content.pdf"),
        hostile.nested_forms_pdf(folder / "nested-forms.pdf"),
        hostile.huge_image_pdf(folder / "image-40000.pdf"),
    ]


def page_count(path: Path) -> int:
    """Pages a file has (0: it does not open)."""
    try:
        if path.suffix == ".pdf":
            import pypdfium2 as pdfium

            with pdfium.PdfDocument(str(path)) as pdf:
                return len(pdf)
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = None
        with Image.open(path) as im:
            return int(getattr(im, "n_frames", 1))
    except Exception:
        return 0


def batch(folder: Path, rounds: int, scan_rounds: int) -> tuple[list[Path], list[Path]]:
    """The files in submission order (scans and hostile files spread through the copies of
    the born-digital samples), and the hostile ones."""
    folder.mkdir(parents=True, exist_ok=True)
    digital = [copy_with_byte(src, folder / f"r{r:02d}-{src.name}", f"memory bench {r}")
               for r in range(rounds) for src in DIGITAL]
    scans = [copy_with_byte(src, folder / f"s{r:02d}-{src.name}", f"memory bench scan {r}")
             for r in range(scan_rounds) for src in SCANS]  # (bytes after an image's end: ignored)
    bad = hostile_files(folder / "hostile")
    files = list(digital)
    for extra in (scans, bad):
        step = max(1, len(files) // (len(extra) + 1))
        for i, path in enumerate(extra):
            files.insert(min(len(files), (i + 1) * step + i), path)
    return files, bad


# --- memory of the worker processes, from /proc ------------------------------------------


def group_pids(pgid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def vm(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in MB; (0, 0) once it is gone."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        return 0, 0
    return int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0))


@dataclass
class WorkerMemory:
    name: str
    pgid: int
    main_now: int = 0
    main_peak: int = 0
    pool_now: int = 0
    pool_peak: int = 0
    pool_pids: set[int] = field(default_factory=set)

    def sample(self) -> None:
        self.pool_now = 0
        for pid in group_pids(self.pgid):
            now, peak = vm(pid)
            if pid == self.pgid:
                self.main_now, self.main_peak = now, max(self.main_peak, peak)
            else:
                self.pool_pids.add(pid)
                self.pool_now = max(self.pool_now, now)
                self.pool_peak = max(self.pool_peak, peak)

    def cell(self) -> str:
        return f"{self.pool_now:5d} {self.pool_peak:5d} {self.main_now:4d}"


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, tmp: Path) -> None:
    files, bad = batch(tmp / "in", args.rounds, args.scan_rounds)
    expected = sum(map(page_count, files))
    ceiling = load_settings(environ={}).worker_max_memory_mb
    print(f"{len(files)} files, {expected} pages ({len(bad)} hostile files, scans"
          f" {args.scan_rounds} x {len(SCANS)}), {args.workers} workers, pool ceiling {ceiling} MB,"
          f" load average {os.getloadavg()[0]:.2f}", flush=True)
    cpu0 = children_cpu()
    with redis_server(tmp / "redis") as server:
        env = service_env(tmp, server.url)
        env.pop("EXTRACTOR_OCR_ENGINE")  # the default engine reads the scans
        with workers([f"w{i}" for i in range(args.workers)], env, tmp) as started:
            mem = [WorkerMemory(w.name, w.proc.pid) for w in started]
            store = ResultStore(env["EXTRACTOR_DATABASE_URL"])
            t0 = time.perf_counter()
            out = run_cli(["submit", *map(str, files), "--batch", "memory"], env, timeout=600)
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            print("  pages   done  wall s  " + "  ".join(f"{m.name}: pool now/peak main MB"
                                                        for m in mem), flush=True)
            watch(store, mem, len(files), expected, t0)
            seconds = time.perf_counter() - t0
            report(store, mem, bad, ceiling)
            store.close()
    cpu = children_cpu() - cpu0
    print(f"  {seconds:.0f} s wall, {cpu:.0f} CPU s in the service processes ({cpu / expected * 1000:.0f}"
          f" ms/page, start-up included); load average {os.getloadavg()[0]:.2f}")


def watch(store: ResultStore, mem: list[WorkerMemory], n_files: int, expected: int,
          t0: float) -> None:
    """Sample every SAMPLE_EVERY s until every job finished; a row at every 10% of pages."""
    next_tenth = 1
    while True:
        for m in mem:
            m.sample()
        with store.engine.connect() as c:
            done = c.execute(sa.text("select count(*) from page_results"
                                     " where status != 'pending'")).scalar_one()
            finished = c.execute(sa.text("select count(*) from jobs where status in"
                                         " ('done', 'failed')")).scalar_one()
        last = finished >= n_files
        while next_tenth <= 10 and (done >= expected * next_tenth / 10 or last):
            print(f"  {done:5d} {next_tenth * 10:4d}% {time.perf_counter() - t0:7.0f}  "
                  + "  ".join(m.cell() for m in mem), flush=True)
            next_tenth += 1
        if last:
            return
        time.sleep(SAMPLE_EVERY)


def children_cpu() -> float:
    """CPU seconds of every reaped child process tree (workers and their pools, redis, submit)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def report(store: ResultStore, mem: list[WorkerMemory], bad: list[Path], ceiling: int) -> None:
    jobs = store.jobs(batch="memory")
    by_name = {j.filename: j for j in jobs}
    for path in bad:
        job = by_name.get(path.name)
        doc = store.document(job.id) if job else None
        codes = sorted({e["code"] for e in (doc or {}).get("errors", [])})
        print(f"  hostile {path.name} ({path.stat().st_size:,} bytes): job"
              f" {job.status if job else 'missing'} {job.error_code or '' if job else ''} {codes}")
    good = [j for j in jobs if j.filename not in {p.name for p in bad}]
    print(f"  other documents: {sum(j.status == 'done' for j in good)} done,"
          f" {sum(j.status == 'failed' for j in good)} failed, of {len(good)}")
    for m in mem:
        print(f"  {m.name}: pool process peak {m.pool_peak} MB ({m.pool_peak / ceiling:.0%} of the"
              f" {ceiling} MB ceiling; {len(m.pool_pids)} pool process(es) over the run),"
              f" main process peak {m.main_peak} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15,
                    help=f"copies of every born-digital sample ({len(DIGITAL)} files, 134 pages)")
    ap.add_argument("--scan-rounds", type=int, default=2,
                    help=f"copies of every scan sample ({len(SCANS)} files)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as d:
        run(args, Path(d))


if __name__ == "__main__":
    main()
