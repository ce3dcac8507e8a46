"""Write the expected records (golden files) of the born-digital samples.

    python -m samples.make_expected

Reads samples/truth/annex2-2022.json (the parsed seed) and
samples/truth/page-map.json (which pages each form landed on in each PDF)
and writes samples/expected/<pdf stem>.json in the record format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from extractor.config import PROJECT_ROOT
from extractor.emit import record_to_dict, write_json
from extractor.ingest import sha256_file
from extractor.layout.spec import LayoutSpec, load_layout
from samples.expected import truth_to_record

SAMPLES = Path(__file__).resolve().parent
TRUTH = SAMPLES / "truth" / "annex2-2022.json"
PAGE_MAP = SAMPLES / "truth" / "page-map.json"
EXPECTED = SAMPLES / "expected"


def expected_document(spec: LayoutSpec, truth: dict[str, Any], produced: dict[str, Any]) -> dict[str, Any]:
    pdf = SAMPLES / produced["pdf"]
    records = [
        record_to_dict(truth_to_record(spec, form, placed["pages"]))
        for form, placed in zip(truth["forms"], produced["forms"], strict=True)
    ]
    return {
        "source": {
            "path": str(pdf.relative_to(PROJECT_ROOT)),
            "sha256": sha256_file(pdf),
            "pages": produced["pages"],
            "kind": "born_digital",
        },
        "records": records,
        "errors": [],
    }


def main() -> None:
    spec = load_layout(PROJECT_ROOT / "layouts" / "perf-selfeval.yaml")
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    page_map = json.loads(PAGE_MAP.read_text(encoding="utf-8"))
    for produced in page_map.values():
        doc = expected_document(spec, truth, produced)
        out = write_json(doc, EXPECTED / (Path(produced["pdf"]).stem + ".json"))
        flagged = sum(bool(r["flags"]) for r in doc["records"])
        print(f"{out}: {len(doc['records'])} records, {flagged} with validation flags")


if __name__ == "__main__":
    main()
