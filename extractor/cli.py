"""The `extractor` command: extract, layouts, and (from workers/) the service commands."""

from __future__ import annotations

import argparse
import glob
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from extractor.config import Settings, load_settings
from extractor.emit import document_to_dict, parse_formats, write_json, write_tables
from extractor.errors import ExtractError, error_from_exception
from extractor.layout.spec import LayoutSpec, load_layout, load_layouts
from extractor.models import DocumentResult, Source

INPUT_SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}
EXIT_OK, EXIT_FAILED_DOCUMENTS, EXIT_USAGE = 0, 1, 2


def expand_inputs(items: Iterable[str]) -> list[Path]:
    """Files as given; folders searched recursively for known suffixes; globs expanded."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in INPUT_SUFFIXES)
        elif p.exists():
            out.append(p)
        else:
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            out += matches if matches else [p]  # a missing file becomes a file_not_found error
    return list(dict.fromkeys(out))


def _out_name(path: Path, taken: set[str]) -> str:
    name, n = path.stem, 2
    while name in taken:
        name, n = f"{path.stem}-{n}", n + 1
    taken.add(name)
    return name + ".json"


def _progress(items: list[Path]) -> Iterable[Path]:
    if sys.stderr.isatty() and len(items) > 1:
        from tqdm import tqdm

        return tqdm(items, unit="doc", file=sys.stderr)
    return items


def document_failed(doc: dict[str, Any]) -> bool:
    """Failed: nothing came out, or the document as a whole could not be read."""
    return not doc["records"] or any(e["page"] is None for e in doc["errors"])


def summary_line(docs: list[dict[str, Any]]) -> str:
    records = [r for d in docs for r in d["records"]]
    return (
        f"{len(docs)} documents, {sum(d['source']['pages'] for d in docs)} pages,"
        f" {len(records)} records, {sum(r['needs_review'] for r in records)} needing review,"
        f" {sum(len(d['errors']) for d in docs)} errors"
        f" ({sum(document_failed(d) for d in docs)} documents failed)"
    )


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    try:
        formats = parse_formats(args.format)
    except ValueError as e:
        print(f"extractor: {e}", file=sys.stderr)
        return EXIT_USAGE
    layouts = load_layouts(settings.layouts_dir)
    inputs = expand_inputs(args.inputs)
    if not inputs:
        print("extractor: no input documents found", file=sys.stderr)
        return EXIT_USAGE
    out_dir = Path(args.output)
    docs: list[dict[str, Any]] = []
    taken: set[str] = set()
    for path in _progress(inputs):
        doc = document_to_dict(extract_or_report(path, settings, layouts))
        write_json(doc, out_dir / _out_name(path, taken))
        docs.append(doc)
    if formats - {"json"}:
        write_tables(docs, out_dir, formats)
    print(summary_line(docs))
    return EXIT_FAILED_DOCUMENTS if any(document_failed(d) for d in docs) else EXIT_OK


def extract_or_report(path: Path, settings: Settings, layouts: list[LayoutSpec]) -> DocumentResult:
    """One document; an unexpected failure becomes its error and the batch goes on."""
    from extractor.pipeline import extract_document

    try:
        return extract_document(path, settings, layouts)
    except Exception as e:
        return DocumentResult(Source(str(path), "", 0, "born_digital"), errors=(error_from_exception(e),))


def cmd_layouts(args: argparse.Namespace, settings: Settings) -> int:
    specs: list[LayoutSpec] = (
        [load_layout(Path(f)) for f in args.files] if args.files else load_layouts(settings.layouts_dir)
    )
    if args.check:
        return check_layouts(expand_inputs(args.check), settings, specs)
    for s in specs:
        n_ind = len(s.indicators.columns) if s.indicators else 0
        print(
            f"{s.id}\t{s.name}\t{len(s.field_keys)} fields, {n_ind} indicator columns,"
            f" {len(s.rules)} rules\t{s.path}"
        )
    print(f"{len(specs)} layout(s) valid")
    return EXIT_OK


def check_layouts(paths: list[Path], settings: Settings, specs: list[LayoutSpec]) -> int:
    """Which layout each form of each document fits, how well, and the runner-up."""
    from extractor.pipeline import check_document

    for path in paths:
        fits, errors = check_document(path, settings, specs)
        for err in errors:
            print(f"{path.name}\t{f'page {err.page}' if err.page else '-'}\t{err.code}: {err.message}")
        for fit in fits:
            (score, best), runner = fit.ranked[0], fit.ranked[1:2]
            verdict = "ok" if score >= settings.min_layout_score else "layout_unmatched"
            nxt = f"\tnext: {runner[0][1].id} {runner[0][0]:.3f}" if runner else ""
            pages = ",".join(map(str, fit.pages))
            print(f"{path.name}\tpages {pages}\t{best.id} {score:.3f}{nxt}\t{verdict}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="extractor", description="Extract filled-in forms from PDF annexes and scans."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract records from documents into OUTDIR/<stem>.json")
    ex.add_argument("inputs", nargs="+", metavar="PATH", help="files, folders or globs")
    ex.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    ex.add_argument("--format", default="json", help="comma list of json,csv,xlsx (default json)")
    ex.set_defaults(func=cmd_extract)
    lay = sub.add_parser("layouts", help="list and validate the layout specs")
    lay.add_argument("files", nargs="*", help="layout YAML files (default: the layouts folder)")
    lay.add_argument(
        "--check", nargs="+", metavar="PDF", help="show the layout each form of these documents fits"
    )
    lay.set_defaults(func=cmd_layouts)
    try:
        from workers.commands import add_commands
    except ImportError:
        pass
    else:
        add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return int(args.func(args, settings))
    except ExtractError as e:
        print(f"extractor: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
