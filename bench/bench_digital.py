"""Born-digital throughput: our pipeline per stage beside pdfplumber and camelot.

    python bench/bench_digital.py [PDF ...] [--no-camelot]

Every measurement runs in a fresh process pinned to one core, so its peak
memory (max RSS) is its own. Prints pages/s and peak MiB per stage, and the
ratios to pdfplumber's bare `extract_tables` and camelot's lattice mode on
the same annex (which give tables, not fields).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing as mp
import os
import queue as queue_module
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT = sorted((ROOT / "samples" / "digital").glob("annex2-*.pdf"))  # the seed annexes


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def _ours(path: str) -> dict[str, Any]:
    from extractor import ingest
    from extractor.config import load_settings
    from extractor.layout.spec import load_layouts
    from extractor.models import Source
    from extractor.pipeline import assemble, read_page

    settings = load_settings({})
    layouts = load_layouts(settings.layouts_dir)
    t0 = time.perf_counter()
    doc = ingest.open_document(Path(path), settings)
    t1 = time.perf_counter()
    readings = [read_page(doc, p.number, settings) for p in doc.pages]
    t2 = time.perf_counter()
    source = Source(path, doc.sha256, len(doc.pages), doc.kind)
    result = assemble(source, readings, layouts, [], settings)
    t3 = time.perf_counter()
    return {
        "pages": len(doc.pages),
        "stages": {"open": t1 - t0, "read pages (grid + text)": t2 - t1, "split + map + validate": t3 - t2},
        "seconds": t3 - t0,
        "records": len(result.records),
    }


def _pdfplumber(path: str) -> dict[str, Any]:
    import pdfplumber

    t0 = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        n = len(pdf.pages)
        tables = sum(len(p.extract_tables()) for p in pdf.pages)
    return {"pages": n, "seconds": time.perf_counter() - t0, "tables": tables}


def _camelot(path: str) -> dict[str, Any]:
    import camelot

    t0 = time.perf_counter()
    tables = camelot.read_pdf(path, pages="all", flavor="lattice")
    n = len({t.page for t in tables})
    cells = sum(int(t.df.size) for t in tables)
    return {"pages": n, "seconds": time.perf_counter() - t0, "tables": len(tables), "cells": cells}


def _child(fn_name: str, path: str, queue: Any) -> None:
    _pin()
    out = globals()[fn_name](path)
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(out)


def measure(fn_name: str, path: Path) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn_name, str(path), queue))
    proc.start()
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        try:
            result: dict[str, Any] = queue.get(timeout=1)
        except queue_module.Empty:
            if not proc.is_alive():  # the child died (an import error, say): no result will come
                raise RuntimeError(f"{fn_name} on {path.name} failed (exit code {proc.exitcode})") from None
            continue
        proc.join()
        return result
    proc.kill()
    raise TimeoutError(f"{fn_name} on {path.name} took over 1800 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdfs", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--no-camelot", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    raw = {}
    for pdf in args.pdfs:
        ours = measure("_ours", pdf)
        plumber = measure("_pdfplumber", pdf)
        rows = [(f"ours: {k}", ours["pages"] / v, None) for k, v in ours["stages"].items()]
        ours_pps = ours["pages"] / ours["seconds"]
        plumber_pps = plumber["pages"] / plumber["seconds"]
        rows.append(("ours: end to end (fields mapped, validated)", ours_pps, ours["peak_mib"]))
        rows.append(("pdfplumber extract_tables", plumber_pps, plumber["peak_mib"]))
        cam = None
        if not args.no_camelot and importlib.util.find_spec("camelot") is None:
            print("camelot is not installed (pip install camelot-py): its row is left out", file=sys.stderr)
            args.no_camelot = True
        if not args.no_camelot:
            cam = measure("_camelot", pdf)
            rows.append(("camelot lattice", ours["pages"] / cam["seconds"], cam["peak_mib"]))
        print(f"\n{pdf.name}: {ours['pages']} pages, {ours['records']} records (one core)")
        for name, pps, mib in rows:
            mem = f"{mib:7.0f} MiB peak" if mib else ""
            print(f"  {name:48s} {pps:8.1f} pages/s  {mem}")
        print(f"  ratio ours / pdfplumber: {ours_pps / plumber_pps:.2f}x")
        if cam:
            print(f"  ratio ours / camelot:    {ours_pps / (ours['pages'] / cam['seconds']):.2f}x"
                  f"  (camelot found {cam['tables']} tables, {cam['cells']} cells)")
        raw[pdf.name] = {"ours": ours, "pdfplumber": plumber, "camelot": cam}
    if args.json:
        print(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
