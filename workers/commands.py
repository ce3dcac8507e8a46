"""The service's subcommands of `extractor`: submit, watch, sweep, status, worker, export, report.

`add_commands(subparsers)` is found by extractor/cli.py through the
`extractor.commands` entry point; each command is `func(args, settings) ->
exit code`. Cheap to import (`extractor --help` loads it): Celery, SQLAlchemy
and the extractor load inside the commands. Without EXTRACTOR_REDIS_URL (the
embedded default) submit and watch run the jobs in this process through the
same steps a worker runs (workers/jobs.py), so the service works with no
Redis at all.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractor.config import Settings
    from workers import jobs
    from workers.store import JobView, ResultStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BAR_WIDTH = 30


def service_context(settings: Settings) -> tuple[jobs.Context, jobs.LocalDispatch | None]:
    """Celery dispatch when EXTRACTOR_REDIS_URL is set, else a local queue run in-process."""
    from workers import jobs
    from workers.store import ResultStore

    store = ResultStore(settings.database_url)
    if settings.redis_url:
        from workers.tasks import CeleryDispatch, task_lease_seconds

        return jobs.Context(settings, store, CeleryDispatch(), task_lease_seconds(settings),
                            in_process=False), None
    local = jobs.LocalDispatch()
    return jobs.Context(settings, store, local), local


# --- submit -----------------------------------------------------------------------


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    import kombu.exceptions

    from extractor.cli import expand_inputs
    from extractor.errors import ExtractError
    from workers import jobs

    ctx, local = service_context(settings)
    submitted: list[str] = []
    for path in expand_inputs(args.paths):
        try:
            sub = jobs.submit(path, ctx, force=args.force, batch=args.batch)
        except (ExtractError, OSError, kombu.exceptions.OperationalError) as e:
            print(f"extractor: {path}: {e}", file=sys.stderr)
            return EXIT_FAILED
        note = "" if sub.created else "\t(resumed)" if sub.resumed else "\t(already submitted)"
        print(f"{sub.job_id}\t{path}{note}")
        submitted.append(sub.job_id)
        sys.stdout.flush()
    if local is not None:
        local.drain(ctx)
        failed = [j for j in map(ctx.store.get_job, submitted) if j and j.status == "failed"]
        for job in failed:
            print(f"{job.id}\tfailed\t{job.error_code}: {job.error_message}", file=sys.stderr)
        return EXIT_FAILED if failed else EXIT_OK
    return EXIT_OK


# --- watch ------------------------------------------------------------------------


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from workers.watch import Watcher

    ctx, local = service_context(settings)
    watcher = Watcher(Path(args.inbox), ctx, local, settle=args.settle, batch=args.batch)
    if args.once:
        try:
            watcher.run_once(timeout=args.timeout)
        except TimeoutError as e:
            print(f"extractor watch: {e}", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK
    print(f"watching {args.inbox} (Ctrl-C to stop)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        watcher.run_forever(args.interval)
    return EXIT_OK


# --- sweep ---------------------------------------------------------------------------


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    """Resume (or fail) every job left queued or running by a process that died."""
    from workers.sweep import sweep

    ctx, local = service_context(settings)
    swept = sweep(ctx, fail=args.fail)
    for s in swept:
        print(f"{s.job.id}\t{s.job.filename}\t{s.job.status}\t{s.action}")
    if local is not None:
        local.drain(ctx)
    print(f"{len(swept)} abandoned job(s)", file=sys.stderr)
    return EXIT_OK


# --- status --------------------------------------------------------------------------


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = int(width * done / total) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from workers.store import ResultStore
    from workers.store.schema import JOB_STATUSES

    store = ResultStore(settings.database_url)
    if args.job:
        matches = store.find_jobs(args.job)
        if len(matches) != 1:
            print(f"extractor: {len(matches)} jobs match {args.job!r}", file=sys.stderr)
            return EXIT_USAGE
        print(job_report(store, matches[0]))
        return EXIT_OK
    summaries = store.batch_summaries()
    if args.batch is not None:
        summaries = [s for s in summaries if s.batch == args.batch]
    if not summaries:
        print("no jobs")
    for s in summaries:
        total = sum(s.counts.values())
        finished = s.counts.get("done", 0) + s.counts.get("failed", 0)
        counts = " ".join(f"{k} {s.counts.get(k, 0)}" for k in JOB_STATUSES)
        print(
            f"{s.batch or '(no batch)'}\t{bar(finished, total)} {finished}/{total} documents"
            f"  {counts}  pages {s.pages_finished}/{s.pages_total}"
        )
    return EXIT_OK


def job_report(store: ResultStore, job: JobView) -> str:
    lines = [
        f"job       {job.id}",
        f"file      {job.filename}  (sha256 {job.sha256[:16]}...)",
        f"batch     {job.batch or '-'}",
        f"status    {job.status}" + (f"  {job.error_code}: {job.error_message}" if job.error_code
                                     else ""),
        f"pages     {bar(job.pages_finished, job.pages_total or 0)}"
        f" {job.pages_finished}/{job.pages_total if job.pages_total is not None else '?'}",
        f"attempts  {job.attempts}",
        f"created   {job.created_at:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if job.finished_at and job.started_at:
        lines.append(f"took      {(job.finished_at - job.started_at).total_seconds():.1f} s")
    if job.status == "done":
        flagged = store.flagged_cells(job.id)
        lines.append(f"records   {store.record_count(job.id)}  ({len(flagged)} flagged cells)")
    return "\n".join(lines)


# --- worker -------------------------------------------------------------------------


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        print(
            "extractor worker: EXTRACTOR_REDIS_URL is not set. Without Redis, `extractor submit`"
            " and `extractor watch` run jobs in-process; a worker needs a broker.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from workers.store import ResultStore

    ResultStore(settings.database_url).close()  # migrate before the pool starts
    from workers.celery_app import QUEUE, app

    argv = [
        "worker", "--loglevel", args.loglevel, "--queues", QUEUE,
        "--concurrency", str(args.concurrency or os.cpu_count() or 1),
        "--pool", args.pool, "--without-gossip", "--without-mingle",
    ]
    if args.hostname:
        argv += ["--hostname", args.hostname]
    if args.beat:
        argv += ["--beat", "--schedule", str(Path(settings.store) / "celerybeat-schedule")]
    if args.max_tasks_per_child:
        argv += ["--max-tasks-per-child", str(args.max_tasks_per_child)]
    app.worker_main(argv)
    return EXIT_OK


# --- export ---------------------------------------------------------------------------


def parse_since(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from e


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from extractor.cli import _out_name, summary_line
    from extractor.emit import parse_formats, write_json, write_tables
    from workers.store import ResultStore, reviewed_document

    try:
        formats = parse_formats(args.format)
    except ValueError as e:
        print(f"extractor: {e}", file=sys.stderr)
        return EXIT_USAGE
    store = ResultStore(settings.database_url)
    rows = store.documents(args.batch, args.since, args.needs_review)
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs: list[dict[str, Any]] = []
    taken: set[str] = set()
    for job, original in rows:
        doc = reviewed_document(store, job.id, original) or original  # reviewed records win
        if "json" in formats:
            write_json(doc, out_dir / _out_name(Path(job.filename), taken))
        docs.append(doc)
    if formats - {"json"}:
        write_tables(docs, out_dir, formats, settings.review_url or None)
    print(summary_line(docs))
    return EXIT_OK


# --- report ---------------------------------------------------------------------------------


def job_facts(job: JobView) -> Any:
    from extractor.report import JobFacts

    return JobFacts(job.filename, job.status, job.pages_total, job.error_code, job.error_message,
                    job.started_at, job.finished_at)


def record_links(store: ResultStore, job_ids: list[str], review_url: str) -> dict[tuple[str, int], str]:
    """(job id, record position) -> the record's review page, /records/<record id>."""
    from sqlalchemy import select

    from workers.store.schema import RecordRow

    base = review_url.rstrip("/")
    with store._read() as s:
        rows = s.execute(select(RecordRow.id, RecordRow.job_id, RecordRow.position)
                         .where(RecordRow.job_id.in_(job_ids))).all()
    return {(job_id, pos): f"{base}/records/{rid}" for rid, job_id, pos in rows}


def store_pairs(store: ResultStore, batch: str | None, review_url: str) -> tuple[list[Any], dict[Any, Any]]:
    """Each job of the batch with its document (reviewed records in place), and the links."""
    from workers.store import reviewed_document

    documents = {job.id: doc for job, doc in store.documents(batch)}
    jobs = store.jobs(batch)
    pairs = [((reviewed_document(store, j.id, documents[j.id]) or documents[j.id])
              if j.id in documents else None, job_facts(j)) for j in jobs]
    if not review_url:
        return pairs, {}
    index = {j.id: n for n, j in enumerate(jobs)}
    by_job = record_links(store, list(index), review_url)
    links = {(index[jid], pos): url for (jid, pos), url in by_job.items()}
    return pairs, links


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from extractor.i18n import normalize
    from extractor.report import build_report, documents_from_dir, write_report

    language = normalize(args.lang) if args.lang else settings.language
    if language is None:
        print(f"extractor: --lang {args.lang!r}: not zh_CN or en", file=sys.stderr)
        return EXIT_USAGE
    if args.source:
        folder = Path(args.source)
        if not folder.is_dir():
            print(f"extractor: --from {folder}: not a folder", file=sys.stderr)
            return EXIT_USAGE
        pairs: list[Any] = [(d, None) for d in documents_from_dir(folder)]
        links = None
        title = args.title or folder.name
    else:
        from workers.store import ResultStore

        store = ResultStore(settings.database_url)
        try:
            pairs, links = store_pairs(store, args.batch, settings.review_url)
        finally:
            store.close()
        title = args.title or args.batch or ""
    html = build_report(pairs, title=title, language=language, review_url=settings.review_url or None,
                        links=links or None, layouts=_layouts(settings))
    out = write_report(html, Path(args.output))
    print(f"{out}: {len(pairs)} documents")
    return EXIT_OK


def _layouts(settings: Settings) -> Any:
    from extractor.layout.spec import load_layouts

    return load_layouts(settings.layouts_dir)


# --- argparse -----------------------------------------------------------------------------


def add_commands(sub: Any) -> None:
    p = sub.add_parser("submit", help="queue documents as jobs (prints one job id per file)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs")
    p.add_argument("--force", action="store_true", help="run again even if the bytes were seen")
    p.add_argument("--batch", metavar="NAME", help="group the jobs under this batch name")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("watch", help="turn files dropped in INBOX into jobs (a drop folder)")
    p.add_argument("inbox", metavar="INBOX")
    p.add_argument("--once", action="store_true", help="take what is there now, then exit")
    p.add_argument("--settle", type=float, default=2.0,
                   help="seconds a file must keep its size before pickup (default 2)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between scans")
    p.add_argument("--timeout", type=float, default=None, help="with --once: give up after S s")
    p.add_argument("--batch", metavar="NAME", help="batch name for the jobs")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("sweep", help="resume the jobs whose process died (left queued/running)")
    p.add_argument("--fail", action="store_true",
                   help="fail them with job_abandoned instead of resuming them")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("status", help="progress of the batches, or one job")
    p.add_argument("job", nargs="?", metavar="JOB", help="a job id (or a unique prefix)")
    p.add_argument("--batch", metavar="NAME")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("worker", help="run a Celery worker (needs EXTRACTOR_REDIS_URL)")
    p.add_argument("-c", "--concurrency", type=int, default=0,
                   help="worker processes (default: one per core)")
    p.add_argument("-l", "--loglevel", default="INFO")
    p.add_argument("--pool", default="prefork", choices=("prefork", "solo", "threads"))
    p.add_argument("-n", "--hostname", default=None)
    p.add_argument("--max-tasks-per-child", type=int, default=0)
    p.add_argument("--beat", action="store_true",
                   help="also run the periodic sweep for abandoned jobs (one worker only)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("export", help="write stored documents as record-format JSON, CSV, XLSX")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.add_argument("--format", default="json", help="comma list of json,csv,xlsx (default json)")
    p.add_argument("--batch", metavar="NAME")
    p.add_argument("--since", type=parse_since, metavar="DATE", help="stored on or after DATE")
    p.add_argument("--needs-review", action="store_true",
                   help="only documents with a record that needs review")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="a batch report: one self-contained HTML file (charts inline)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. report.html")
    p.add_argument("--batch", metavar="NAME", help="only this batch of the result store")
    p.add_argument("--from", dest="source", metavar="OUTDIR",
                   help="the JSON files `extractor extract -o OUTDIR` wrote, instead of the store")
    p.add_argument("--lang", metavar="LANG", help="zh_CN or en (default: EXTRACTOR_LANGUAGE)")
    p.add_argument("--title", metavar="TEXT", help="shown under the heading (default: the batch)")
    p.set_defaults(func=cmd_report)


def main(argv: list[str] | None = None) -> int:
    """`python -m workers.commands ...`: the service commands without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="extractor")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    from extractor.config import load_settings
    from extractor.errors import ExtractError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args, load_settings()))
    except ExtractError as e:
        print(f"extractor: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
