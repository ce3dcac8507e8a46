"""Scan path benchmark: seconds per page and peak memory per stage, accuracy by
record-format comparison, on the scanned samples; img2table on the same pages.

    python bench/bench_scan.py [--level typical] [--engine auto|rapid|tesseract]
        [--no-second] [--img2table] [--memory] [--raw OUT.json] [--limit N]

Runs pinned to one core (sched_setaffinity, thread variables set before numpy
loads). Prints figures; asserts nothing. `--raw` writes every scored cell
(text, expected, confidence, flags) for calibrating the thresholds in
extractor/scan.py.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devkit.scoring import Score, score_forms  # noqa: E402
from extractor import ingest, pipeline  # noqa: E402
from extractor.config import Settings, load_settings  # noqa: E402
from extractor.emit import document_to_dict  # noqa: E402
from extractor.layout.spec import load_layouts  # noqa: E402
from extractor.models import PageReading, Source  # noqa: E402
from extractor.scan import scan_page  # noqa: E402
from extractor.scan import thresholds as scan  # noqa: E402  (scan.ACCEPT: the chain's)

SCANS = ROOT / "samples" / "scans"
SAMPLES = ROOT / "samples"


class Stages:
    """Seconds and tracemalloc peaks per stage, summed over pages."""

    def __init__(self, memory: bool):
        self.seconds: dict[str, float] = defaultdict(float)
        self.peak: dict[str, float] = defaultdict(float)
        self.memory = memory

    def run(self, stage: str, fn: Any, *args: Any) -> Any:
        if self.memory:
            tracemalloc.start()
        t = time.perf_counter()
        out = fn(*args)
        self.seconds[stage] += time.perf_counter() - t
        if self.memory:
            self.peak[stage] = max(self.peak[stage], tracemalloc.get_traced_memory()[1] / 1e6)
            tracemalloc.stop()
        return out


def read_scan(path: Path, settings: Settings, stages: Stages) -> tuple[Source, list[PageReading]]:
    doc = ingest.open_document(path, settings)
    readings = []
    try:
        for page in doc.pages:
            image, scale = stages.run("render", ingest.page_image, doc, page.number,
                                      settings.render_dpi)
            if stages.memory:  # one tracemalloc window over the three scan stages
                reading, timings = stages.run("scan", scan_page, image, scale, page, settings)
                stages.seconds["scan"] -= sum(timings.values())
            else:
                reading, timings = scan_page(image, scale, page, settings)
            for k, v in timings.items():
                stages.seconds[k] += v
            readings.append(reading)
        return Source(str(path), doc.sha256, len(doc.pages), doc.kind), readings
    finally:
        doc.close()


def expected_for(entry: dict[str, Any]) -> tuple[list[dict[str, Any]], list[list[int]]]:
    expected = json.loads((SAMPLES / entry["expected"]).read_text(encoding="utf-8"))["records"]
    forms = entry["forms"]
    return [expected[f["form"] - 1] for f in forms], [f["pages"] for f in forms]


ENGINE_USE: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # name -> [seconds, lines]


def count_engine_use() -> None:
    """Time every engine's recognize_batch and count the lines it was given."""
    from extractor.ocr.rapid import RapidEngine
    from extractor.ocr.tesseract import TesseractEngine

    for cls in (RapidEngine, TesseractEngine):  # TinyEngine is a RapidEngine
        inner = cls.recognize_batch

        def timed(self: Any, images: Any, kind: str = "text", _inner: Any = inner) -> Any:
            t = time.perf_counter()
            out = _inner(self, images, kind)
            use = ENGINE_USE[self.name]
            use[0] += time.perf_counter() - t
            use[1] += len(images)
            return out

        cls.recognize_batch = timed  # type: ignore[method-assign]


def bench_ours(entries: list[dict[str, Any]], settings: Settings, memory: bool) -> tuple[Score, Stages, int]:
    layouts = load_layouts(settings.layouts_dir)
    stages, score, pages = Stages(memory), Score(), 0
    for entry in entries:
        source, readings = read_scan(SCANS / entry["file"], settings, stages)
        pages += len(readings)
        result = stages.run("mapping", pipeline.assemble, source, readings, layouts, [], settings)
        want, form_pages = expected_for(entry)
        score.add(score_forms(document_to_dict(result), want, form_pages, entry["file"]))
    return score, stages, pages


def bench_img2table(entries: list[dict[str, Any]], settings: Settings) -> tuple[Score, float, int]:
    from bench.img2table_adapter import read_page_img2table

    layouts = load_layouts(settings.layouts_dir)
    score, seconds, pages = Score(), 0.0, 0
    for entry in entries:
        doc = ingest.open_document(SCANS / entry["file"], settings)
        readings = []
        try:
            for page in doc.pages:
                image, scale = ingest.page_image(doc, page.number, settings.render_dpi)
                t = time.perf_counter()
                readings.append(read_page_img2table(image, scale, page))
                seconds += time.perf_counter() - t
            source = Source(str(doc.path), doc.sha256, len(doc.pages), doc.kind)
        finally:
            doc.close()
        pages += len(readings)
        result = pipeline.assemble(source, readings, layouts, [], settings)
        want, form_pages = expected_for(entry)
        score.add(score_forms(document_to_dict(result), want, form_pages, entry["file"]))
    return score, seconds, pages


def print_score(name: str, score: Score) -> None:
    s = score.summary()
    print(f"{name:<28} cells {s['cells']:>5}  short exact {s['short_exact']:.2%}  "
          f"goal CER {s['goal_cer']:.2%}  wrong flagged {s['wrong_flagged']:.1%}  "
          f"flagged {s['flagged_share']:.1%} (by OCR {s['engine_flagged_share']:.1%})  "
          f"unflagged wrong {s['unflagged_wrong']:.2%}  "
          f"conf>=0.9 wrong {s['confident_wrong']:.2%}")


ENGINE_FLAGS = {"low_confidence", "engines_disagree", "unreadable"}


def calibrate(primary_raw: Path, second_raw: Path) -> None:
    """Replay the decision rule of extractor/scan.py over two raw runs (--accept 0
    --no-second, one per engine) for a range of ACCEPT thresholds."""
    from devkit.scoring import Observation
    from extractor.compare import normalize_text

    first = json.loads(primary_raw.read_text(encoding="utf-8"))
    second = {o["key"]: o for o in json.loads(second_raw.read_text(encoding="utf-8"))}
    print("ACCEPT  short exact  wrong flagged  flagged  unflagged wrong  conf>=0.9 wrong  2nd asked")
    for t in (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995):
        score, asked = Score(), 0
        for o in first:
            other = set(o["flags"]) - ENGINE_FLAGS
            conf, got = o["confidence"], o["got"]
            engine_flag = bool(set(o["flags"]) & {"unreadable"})
            if got is not None and not engine_flag and conf < t:
                asked += 1
                alt = second.get(o["key"], {}).get("got")
                if alt is not None and normalize_text(alt) == normalize_text(got):
                    conf = max(conf, 0.95)
                else:
                    engine_flag, conf = True, min(conf, 0.6)
            flags = tuple(sorted(other | ({"low_confidence"} if engine_flag else set())))
            score.observations.append(Observation(o["key"], o["expected"], got, flags, conf))
        s = score.summary()
        print(f"{t:<7} {s['short_exact']:>10.2%} {s['wrong_flagged']:>14.1%} "
              f"{s['flagged_share']:>8.1%} {s['unflagged_wrong']:>16.2%} "
              f"{s['confident_wrong']:>16.2%} {asked / max(1, len(first)):>10.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", default="typical")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--no-second", action="store_true")
    ap.add_argument("--img2table", action="store_true")
    ap.add_argument("--memory", action="store_true", help="tracemalloc peaks per stage (slower)")
    ap.add_argument("--raw", type=Path, help="write every scored cell here (JSON)")
    ap.add_argument("--limit", type=int, default=0, help="first N files only")
    ap.add_argument("--show-wrong", action="store_true")
    ap.add_argument("--engine-use", action="store_true", help="seconds and lines per engine")
    ap.add_argument("--scans", type=Path, default=None, help="folder with manifest.json")
    ap.add_argument("--accept", type=float,
                    help="override every engine's scan.ACCEPT (0: raw engine scores)")
    ap.add_argument("--rec-height", type=int, help="PP-OCRv4 (rapid) input height (default 40)")
    ap.add_argument("--calibrate", nargs=2, type=Path, metavar=("PRIMARY_RAW", "SECOND_RAW"),
                    help="replay the decision rule over two --raw files and stop")
    args = ap.parse_args(argv)
    if args.calibrate:
        calibrate(*args.calibrate)
        return 0
    if args.rec_height:
        from extractor.ocr import rapid

        rapid.REC_HEIGHT = args.rec_height
    global SCANS
    SCANS = args.scans or SCANS
    if args.accept is not None:
        scan.ACCEPT = dict.fromkeys(scan.ACCEPT, args.accept)
    manifest = json.loads((SCANS / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest["files"] if e["level"] == args.level]
    entries = entries[: args.limit] if args.limit else entries
    settings = load_settings(ocr_engine=args.engine, ocr_second_opinion=not args.no_second)
    print(f"level {args.level}: {len(entries)} files, engine {args.engine}, "
          f"second opinion {not args.no_second}, one core")
    if args.engine_use:
        count_engine_use()
    wall = time.perf_counter()
    score, stages, pages = bench_ours(entries, settings, args.memory)
    wall = time.perf_counter() - wall
    print_score("ours", score)
    per_page = {k: v / max(1, pages) for k, v in stages.seconds.items()}
    print(f"{pages} pages, {wall / max(1, pages):.2f} s/page end to end (incl. model load); "
          + ", ".join(f"{k} {v:.3f}" for k, v in per_page.items()))
    if args.memory:
        print("tracemalloc peak MB per stage: "
              + ", ".join(f"{k} {v:.0f}" for k, v in stages.peak.items()))
    for name, (secs, lines) in ENGINE_USE.items():
        print(f"engine {name}: {lines / max(1, pages):.1f} lines/page, "
              f"{secs / max(1, pages):.3f} s/page, {1000 * secs / max(1, lines):.1f} ms/line")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.show_wrong:
        for o in score.wrong():
            print(f"  WRONG {o.key}: {o.got!r} != {o.expected!r} conf {o.confidence:.3f} {o.flags}")
    if args.raw:
        args.raw.write_text(json.dumps([o.__dict__ for o in score.observations],
                                       ensure_ascii=False), encoding="utf-8")
    if args.img2table:
        s2, secs, n = bench_img2table(entries, settings)
        print_score("img2table+tesseract", s2)
        print(f"img2table: {secs / max(1, n):.2f} s/page (grid + OCR)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
