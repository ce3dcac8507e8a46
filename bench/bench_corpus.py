"""Accuracy and confidence quality on the scan corpus, per level and split (one core).

    python bench/bench_corpus.py [--levels clean,typical,hard] [--splits tuning,untuned]
        [--pages 50] [--cache samples/corpus] [--silent 8] [--raw OUT.json]

The corpus (samples/scan_corpus.py) is made into the cache on first use and
reused while its generator is unchanged. For each split and level the scan path
reads every file as bench/bench_scan.py does and each expected cell is scored
(devkit/scoring.py): short fields exact, goal CER, wrong cells flagged,
unflagged cells wrong (the review queue's promise), cells flagged, AUROC of
the confidence for a short cell being right, ECE over 10 bins, and seconds a
page (the scan stages and the mapping, models loaded once before). Then the
silent errors (wrong short cells without a flag), counted by class and field
with examples. Prints figures; asserts nothing. The scan path's memo of line
decisions lives for one page, so a level's figures do not depend on which
levels ran first.

The untuned split is for reading only: never fit a threshold on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.bench_scan as bench_scan  # first: it pins the process to one core

# isort: split

import argparse
import json
import re
import time
from collections import Counter, defaultdict
from typing import Any

from devkit.scoring import Observation, Score
from extractor.compare import normalize_text
from extractor.config import load_settings
from samples.scan_corpus import CACHE, make_split_level

SYMBOLS = set("%≥≤<>./-+×")


def column_texts(score: Score) -> dict[tuple[str, str], set[str]]:
    """(form tag, indicator column) -> the expected texts of that column in the form."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in score.observations:
        if "[" in o.key:
            tag, key = o.key.split(":", 1)
            out[(tag, key.split(".", 1)[-1])].add(normalize_text(o.expected))
    return out


def silent_class(o: Observation, found: set[str], columns: dict[tuple[str, str], set[str]]) -> str:
    """A coarse class for a wrong cell, from its expected and read texts; `found`: the
    forms (key tags) that got a record; `columns`: column_texts of the score."""
    want, got = normalize_text(o.expected), normalize_text(o.got or "")
    tag, key = o.key.split(":", 1)
    if o.got is None:
        if tag not in found:
            return "record missing (the document has an error)"
        return "indicator row missing" if "[" in o.key else "field missing"
    if "[" in key and got and got in columns.get((tag, key.split(".", 1)[-1]), set()):
        return "another row's value (rows shifted or merged)"
    if not got:
        return "lone mark read as empty" if len(want) == 1 and want in SYMBOLS else "ink read as empty"
    if not want:
        return "text read in an empty cell"
    lost = {c for c in want if c in SYMBOLS} - set(got)
    if lost:
        return "symbol lost or read as a digit (" + "".join(sorted(lost)) + ")"
    if re.fullmatch(r"[\d.,%]+", want) and re.fullmatch(r"[\d.,%]+", got):
        return "digit misread"
    if len(want) == len(got):
        return "glyph substituted"
    return "glyphs dropped" if len(got) < len(want) else "glyphs added"


def field_of(key: str) -> str:
    return re.sub(r"\[\d+\]", "[]", key.split(":", 1)[-1])


def found_forms(score: Score) -> tuple[set[str], int]:
    """The forms (key tags) that got a record, and the number of expected forms."""
    forms: dict[str, bool] = {}
    for o in score.observations:
        tag = o.key.split(":", 1)[0]
        forms[tag] = forms.get(tag, False) or o.got is not None
    return {t for t, got in forms.items() if got}, len(forms)


def print_silent(score: Score, examples: int) -> None:
    found, forms = found_forms(score)
    silent = [o for o in score.wrong() if not o.flagged]
    print(f"  forms without a record: {forms - len(found)}/{forms}; silent errors: {len(silent)}")
    by_class: dict[str, list[Observation]] = defaultdict(list)
    columns = column_texts(score)
    for o in silent:
        by_class[silent_class(o, found, columns)].append(o)
    for cls, obs in sorted(by_class.items(), key=lambda kv: -len(kv[1])):
        fields = Counter(field_of(o.key) for o in obs).most_common(3)
        print(f"    {len(obs):>4}  {cls}  [{', '.join(f'{f} {n}' for f, n in fields)}]")
        for o in obs[:examples]:
            print(f"            {o.key}: {o.got!r} for {o.expected!r} conf {o.confidence:.2f}")


def print_missing_causes(score: Score, entries: list[dict[str, Any]]) -> None:
    """The forms without a record by their worst page: rotated past 3°, else copier/bleed."""
    found, _ = found_forms(score)
    tags = {o.key.split(":", 1)[0] for o in score.observations} - found
    causes: Counter[str] = Counter()
    for tag in tags:
        name, form = tag.rsplit("#", 1)
        entry = next(e for e in entries if e["file"] == name)
        degs = [entry["degradation"][p - 1] for p in entry["forms"][int(form) - 1]["pages"]]
        if max(abs(d["rotate"]) for d in degs) > 3:
            causes["a page rotated more than 3 degrees"] += 1
        elif len(degs) > 1:
            causes["a multi-page form (rotation <= 3 degrees)"] += 1
        else:
            causes[f"one page, {entry['scan']['dpi']} dpi {entry['scan']['colour']}, "
                   f"copier {degs[0]['copier'] or 'none'}, typeset {entry['typeset']}"] += 1
    for cause, n in causes.most_common():
        print(f"    {n:>4} forms without a record: {cause}")


def found_only(score: Score) -> Score:
    """The cells of the forms that got a record (a form without one is a document error)."""
    found, _ = found_forms(score)
    return Score([o for o in score.observations if o.key.split(":", 1)[0] in found])


HEADER = (f"{'split':<8} {'level':<8} {'pages':>5} {'cells':>6} {'short exact':>11} {'goal CER':>8} "
          f"{'wrong flagged':>13} {'unflagged wrong':>15} {'flagged':>7} {'AUROC':>6} {'ECE':>6} "
          f"{'s/page':>6}")


def row(split: str, level: str, pages: int, score: Score, per_page: float) -> str:
    s = score.summary()
    return (f"{split:<8} {level:<8} {pages:>5} {s['cells']:>6} {s['short_exact']:>11.2%} "
            f"{s['goal_cer']:>8.2%} {s['wrong_flagged']:>13.1%} {s['unflagged_wrong']:>15.2%} "
            f"{s['flagged_share']:>7.1%} {s['auroc']:>6.3f} {s['ece']:>6.3f} {per_page:>6.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="clean,typical,hard")
    ap.add_argument("--splits", default="tuning,untuned")
    ap.add_argument("--pages", type=int, default=50, help="corpus pages per split and level")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--silent", type=int, default=3, help="examples per silent-error class")
    ap.add_argument("--raw", type=Path, help="write every scored cell here (JSON, by split/level)")
    args = ap.parse_args(argv)
    settings = load_settings(ocr_engine=args.engine)
    rows, raw = [], {}
    for split in args.splits.split(","):
        for level in args.levels.split(","):
            folder = make_split_level(split, level, args.pages, args.cache)
            entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
            bench_scan.SCANS = folder
            wall = time.perf_counter()
            score, stages, pages = bench_scan.bench_ours(entries, settings, False)
            wall = time.perf_counter() - wall
            per_page = sum(stages.seconds.values()) / max(1, pages)
            rows.append(row(split, level, pages, score, per_page))
            rows.append(row(split, level + "*", pages, found_only(score), per_page))
            print(f"{split} {level}: {len(entries)} files, {pages} pages, {wall:.0f} s wall")
            print(HEADER)
            print("\n".join(rows[-2:]))
            print_silent(score, args.silent)
            print_missing_causes(score, entries)
            raw[f"{split}/{level}"] = [o.__dict__ for o in score.observations]
    print("\n" + HEADER + "\n(level*: only the forms that got a record)")
    print("\n".join(rows))
    if args.raw:
        args.raw.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
