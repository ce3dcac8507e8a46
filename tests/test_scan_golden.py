"""Golden scans: the printed-and-scanned samples (samples/scans, made by
`python -m samples.scan_sim`) must give the born-digital expected records of the
same forms (samples/expected), with the wrong cells flagged.

Targets (issue #3, typical scans): short fields >= 99% exact, >= 95% of wrong
cells flagged, <= 10% of cells flagged, <= 0.5% of unflagged cells wrong. Where
the scan path does not reach a target, FLOORS can hold the measured level as a
regression guard; the test prints the figures either way.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devkit.scoring import Score, score_forms

from .conftest import assert_valid_document

ROOT = Path(__file__).resolve().parent.parent
SCANS = ROOT / "samples" / "scans"
EXPECTED = ROOT / "samples" / "expected"

TARGETS = {"short_exact": 0.99, "wrong_flagged": 0.95, "flagged_share": 0.10,
           "engine_flagged_share": 0.10, "unflagged_wrong": 0.005}
# Measured 2026-11-27 (bench/bench_scan.py): clean 100% exact, 1.5% flagged; typical
# 99.27% exact, 100% of wrong cells flagged, 4.7% flagged (3.7% by OCR, the rest by the
# layout's rules, a sum marking its total only), 0.00% of unflagged cells wrong. Clean
# scans are held above the typical target.
FLOORS = {
    "clean": {**TARGETS, "short_exact": 0.995},
    "typical": TARGETS,
}
FILES = {"clean": ["annex2-2022-direct-clean.pdf"],
         "typical": ["annex2-2022-direct-typical.pdf", "annex2-2022-word-typical.pdf",
                     "annex2-2022-word-fax.tiff", "annex2-2022-direct-form4.png",
                     "annex2-2022-direct-form6.jpg"]}


def _manifest() -> dict[str, Any]:
    # in the repository; remade by python -m samples.scan_sim
    return json.loads((SCANS / "manifest.json").read_text(encoding="utf-8"))


def _extract(name: str) -> dict[str, Any]:
    from extractor.config import load_settings
    from extractor.emit import document_to_dict
    from extractor.pipeline import extract_document

    return document_to_dict(extract_document(SCANS / name, load_settings({})))


def _score(level: str) -> Score:
    entries = {e["file"]: e for e in _manifest()["files"]}
    names = [n for n in FILES[level] if n in entries]
    with ProcessPoolExecutor(max_workers=2) as pool:  # one document per core
        docs = dict(zip(names, pool.map(_extract, names), strict=True))
    score = Score()
    for name in names:
        assert_valid_document(docs[name])
        entry = entries[name]
        expected = json.loads((ROOT / "samples" / entry["expected"]).read_text(encoding="utf-8"))
        want = [expected["records"][f["form"] - 1] for f in entry["forms"]]
        score.add(score_forms(docs[name], want, [f["pages"] for f in entry["forms"]], name))
    return score


@pytest.mark.parametrize("level", ["clean", "typical"])
def test_scans_give_the_expected_records(level: str) -> None:
    score = _score(level)
    s = score.summary()
    print(f"\n{level}: {s}")
    for o in list(score.wrong())[:40]:
        print(f"  {o.key}: {o.got!r} != {o.expected!r} {o.confidence:.2f} {o.flags}")
    assert_meets(s, FLOORS[level], level)


HIGHER_IS_BETTER = ("short_exact", "wrong_flagged")


def assert_meets(s: dict[str, float], floor: dict[str, float], label: str) -> None:
    """Print the gap to the issue's targets; assert the floor (the target where it is met)."""
    gaps = {k: (s[k], TARGETS[k]) for k in TARGETS
            if (s[k] < TARGETS[k] if k in HIGHER_IS_BETTER else s[k] > TARGETS[k])}
    if gaps:
        print(f"  {label}: short of the issue's targets (measured, target): {gaps}")
    for k in TARGETS:
        if k in HIGHER_IS_BETTER:
            assert s[k] >= floor[k], (k, s[k])
        else:
            assert s[k] <= floor[k], (k, s[k])
