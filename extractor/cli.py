"""The `extractor` command: the core commands (extract, layouts) and the command groups that
register themselves under the "extractor.commands" entry points (workers/, review/).

Start-up is kept light: this module imports the standard library only, and each command
imports what it needs when it runs (`extractor --help` loads no PDF, OCR or service
library; bench/bench_startup.py measures it).
"""

from __future__ import annotations

import argparse
import glob
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from extractor.config import Settings
    from extractor.layout.spec import LayoutSpec
    from extractor.models import DocumentResult

ENTRY_POINT_GROUP = "extractor.commands"  # each loads `add_commands(subparsers) -> None`
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


def dash_files(argv: list[str]) -> list[str]:
    """Arguments before `--` that argparse would take for options but that name existing
    files (a file called `-o.pdf`): said to the user rather than silently misread."""
    head = argv[: argv.index("--")] if "--" in argv else argv
    return [a for a in head if a.startswith("-") and len(a) > 1 and Path(a).is_file()]


class OutputFolder(argparse.Action):
    """`-o/--output` given once, and naming a folder, not a document: `-o.pdf` (a file
    named so, taken by argparse as `-o .pdf`) or `-o a.pdf` is refused."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice (a file named like an option? write"
                         " ./NAME or put the files after --)")
        if str(values).lower().endswith(tuple(INPUT_SUFFIXES)):
            parser.error(f"{option_string} {values}: the output is a folder, not a document"
                         f" (a file named {option_string}{values}? write ./{option_string}{values}"
                         " or put the files after --)")
        setattr(namespace, self.dest, values)


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
    from extractor.emit import document_to_dict, parse_formats, write_json, write_tables
    from extractor.layout.spec import load_layouts

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
        write_tables(docs, out_dir, formats, settings.review_url or None)
    print(summary_line(docs))
    return EXIT_FAILED_DOCUMENTS if any(document_failed(d) for d in docs) else EXIT_OK


def extract_or_report(path: Path, settings: Settings, layouts: list[LayoutSpec]) -> DocumentResult:
    """One document; an unexpected failure becomes its error and the batch goes on."""
    from extractor.errors import error_from_exception
    from extractor.models import DocumentResult, Source
    from extractor.pipeline import extract_document

    try:
        return extract_document(path, settings, layouts)
    except Exception as e:
        return DocumentResult(Source(str(path), "", 0, "born_digital"), errors=(error_from_exception(e),))


def cmd_layouts(args: argparse.Namespace, settings: Settings) -> int:
    from extractor.layout.spec import load_layout, load_layouts

    if args.files[:1] in (["draft"], ["show"]):  # `layouts draft FILE`, `layouts show FILE`
        from extractor.layout.commands import layout_command

        return layout_command(args.files[0], args.files[1:], args, settings)
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


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from extractor.doctor import all_checks, report

    return report(all_checks(settings), lambda line: print(line, flush=True))


def build_parser(failures: list[str] | None = None) -> argparse.ArgumentParser:
    """The core commands, then every command group found; a group that fails to load is
    left out and its reason appended to `failures`."""
    parser = argparse.ArgumentParser(
        prog="extractor", description="Extract filled-in forms from PDF annexes and scans."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract records from documents into OUTDIR/<stem>.json",
                        epilog="file names starting with '-': write ./-x.pdf, or put them after --")
    ex.add_argument("inputs", nargs="+", metavar="PATH", help="files, folders or globs")
    ex.add_argument("-o", "--output", required=True, metavar="OUTDIR", action=OutputFolder)
    ex.add_argument("--format", default="json", help="comma list of json,csv,xlsx (default json)")
    ex.set_defaults(func=cmd_extract)
    lay = sub.add_parser("layouts", help="list and validate the layout specs")
    lay.add_argument(
        "files", nargs="*", help="layout YAML files (default: the layouts folder); or draft FILE, show FILE"
    )
    lay.add_argument(
        "--check", nargs="+", metavar="PDF", help="show the layout each form of these documents fits"
    )
    lay.add_argument("--page", type=int, default=1, help="draft/show: the form's first page")
    lay.add_argument("-o", "--output", metavar="PATH", help="draft: the YAML to write; show: the PNG")
    lay.add_argument("--layout", metavar="ID", help="show: the layout (id or YAML file)")
    lay.set_defaults(func=cmd_layouts)
    doc = sub.add_parser("doctor", help="check each engine, model, system package and service")
    doc.set_defaults(func=cmd_doctor)
    for group in command_groups():
        try:
            group.load()(sub)
        except Exception as e:  # a group missing from this install must not break the others
            if failures is not None:
                failures.append(f"{group.name} ({group.value}): {type(e).__name__}: {e}")
    return parser


def command_groups() -> list[EntryPoint]:
    """The installed command groups, by name (pyproject's [project.entry-points."extractor.commands"])."""
    from importlib.metadata import entry_points

    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return {name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for name in dash_files(argv):
        print(f"extractor: {name!r} would be taken for an option; to mean the file, write"
              f" ./{name} or put the files after --", file=sys.stderr)
        return EXIT_USAGE
    failures: list[str] = []
    parser = build_parser(failures)
    asked = next((a for a in argv if not a.startswith("-")), None)
    if failures and asked is not None and asked not in _commands(parser):
        for reason in failures:  # only now: the command asked for may be in a group left out
            print(f"extractor: command group not loaded: {reason}", file=sys.stderr)
    args = parser.parse_args(argv)
    return run(args.func, args)


def run(func: Callable[[argparse.Namespace, Settings], int], args: argparse.Namespace) -> int:
    """Load the settings and run the command; an ExtractError is reported as usage (2)."""
    from extractor.config import load_settings
    from extractor.errors import ExtractError

    try:
        return int(func(args, load_settings()))
    except ExtractError as e:
        print(f"extractor: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
