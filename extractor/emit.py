"""DocumentResult -> the JSON of docs/record-format.md; batches -> CSV / XLSX.

The JSON itself is extractor/record.py's (document_to_dict, record_to_dict
are re-exported here for the callers that write documents). The tabular
writers take record-format dicts (not model objects), so the CLI, the
service's export and tests all go through the same JSON.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from extractor.record import document_to_dict, record_cells, record_to_dict

__all__ = [
    "FORMATS",
    "batch_tables",
    "document_to_dict",
    "parse_formats",
    "record_to_dict",
    "write_json",
    "write_tables",
]

FORMATS = {"json", "csv", "xlsx"}


def parse_formats(text: str) -> set[str]:
    """`json,csv` -> {"json", "csv"}; ValueError names what is unknown."""
    formats = {f.strip() for f in text.split(",") if f.strip()}
    if not formats <= FORMATS:
        raise ValueError(f"unknown format(s) {sorted(formats - FORMATS)}; known: json, csv, xlsx")
    return formats


def write_json(document: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def _record_key(doc: dict[str, Any], i: int) -> str:
    return f"{Path(doc['source']['path']).name}#{i + 1}"


def batch_tables(documents: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """Three sheets: records (a row per form), indicators (a row per indicator row), flags."""
    field_keys: list[str] = []
    ind_keys: list[str] = []
    for doc in documents:
        for rec in doc["records"]:
            field_keys += [k for k in rec["fields"] if k not in field_keys]
            for row in rec["indicators"]:
                ind_keys += [k for k in row if k not in ind_keys]
    head = ["record", "source", "sha256", "layout", "pages", "needs_review"]
    records: list[list[Any]] = [[*head, *field_keys]]
    indicators: list[list[Any]] = [["record", "row", *ind_keys]]
    flags: list[list[Any]] = [["record", "source", "page", "cell", "flag", "text", "confidence"]]
    for doc in documents:
        src = doc["source"]
        for i, rec in enumerate(doc["records"]):
            key = _record_key(doc, i)
            f = rec["fields"]
            pages = ",".join(str(p) for p in rec["pages"])
            records.append(
                [key, src["path"], src["sha256"], rec["layout"], pages, rec["needs_review"]]
                + [f[k]["text"] if k in f else None for k in field_keys]
            )
            for n, row in enumerate(rec["indicators"], start=1):
                indicators.append([key, n] + [row[k]["text"] if k in row else None for k in ind_keys])
            for flag in rec["flags"]:
                flags.append([key, src["path"], rec["pages"][0], "", flag, "", None])
            for cell_key, cell in record_cells(rec):
                for flag in cell["flags"]:
                    flags.append(
                        [key, src["path"], cell["page"], cell_key, flag, cell["text"], cell["confidence"]]
                    )
        for err in doc["errors"]:
            flags.append(["", src["path"], err["page"], "", f"error:{err['code']}", err["message"], None])
    return {"records": records, "indicators": indicators, "flags": flags}


def write_tables(
    documents: list[dict[str, Any]], out_dir: Path, formats: set[str], review_url: str | None = None
) -> list[Path]:
    """batch.csv (+ batch.indicators.csv, batch.flags.csv) and/or batch.xlsx (docs/export.md)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "csv" in formats:
        for name, rows in batch_tables(documents).items():
            path = out_dir / ("batch.csv" if name == "records" else f"batch.{name}.csv")
            with path.open("w", newline="", encoding="utf-8-sig") as f:
                csv.writer(f).writerows(rows)
            written.append(path)
    if "xlsx" in formats:
        from extractor.sheets import write_xlsx

        written.append(write_xlsx(documents, out_dir / "batch.xlsx", review_url))
    return written
