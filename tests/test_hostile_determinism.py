"""The same bytes give the same record whatever the process read before (issue 14, item 11).

The OCR line memo (extractor/scan/line_memo.py) lives for one page's reading: a scan read
in a fresh process and read after other scans in a long-lived one (a worker, a batch of
`extract`) gives identical records, byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.pipeline import extract_document

REPO = Path(__file__).resolve().parent.parent
SCANS = REPO / "samples" / "scans"
TARGET = SCANS / "annex2-2022-direct-form4.png"
BEFORE = [SCANS / "annex2-2022-direct-form6.jpg", SCANS / "annex2-2022-word-fax.tiff"]

pytestmark = pytest.mark.skipif(not TARGET.exists(), reason="samples/scans not present")


def records_of(doc: dict) -> str:
    return json.dumps(doc["records"], ensure_ascii=False, sort_keys=True)


def test_a_scan_reads_the_same_alone_and_after_other_scans(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env["PYTHONPATH"] = str(REPO)
    res = subprocess.run([sys.executable, "-m", "extractor.cli", "extract", str(TARGET), "-o",
                          str(tmp_path)], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    alone = json.loads((tmp_path / f"{TARGET.stem}.json").read_text(encoding="utf-8"))

    settings = load_settings(environ={})
    for path in BEFORE:  # what this process read before changes nothing
        extract_document(path, settings)
    after = document_to_dict(extract_document(TARGET, settings))
    assert records_of(after) == records_of(alone)
