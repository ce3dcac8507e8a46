"""Compare emitted documents with expected ones (golden files), by record-format's rules.

Compared per record: layout, pages, record flags, and per cell the text (after
the record-format normalisation), the value and the flags. Geometry and
confidence are not part of a golden file's promise.
"""

from __future__ import annotations

from typing import Any

from extractor.compare import normalize_text
from extractor.record import record_cells as cells_by_key


def _cells(rec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(cells_by_key(rec))


def _value_differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is not b
    return abs(float(a) - float(b)) > 1e-9


def diff_records(actual: dict[str, Any], expected: dict[str, Any], where: str = "") -> list[str]:
    out = []
    for key in ("layout", "pages"):
        if actual[key] != expected[key]:
            out.append(f"{where}{key}: {actual[key]!r} != expected {expected[key]!r}")
    if sorted(actual["flags"]) != sorted(expected["flags"]):
        out.append(f"{where}flags: {sorted(actual['flags'])} != expected {sorted(expected['flags'])}")
    got, want = _cells(actual), _cells(expected)
    for key in sorted(set(got) | set(want)):
        if key not in got or key not in want:
            out.append(f"{where}{key}: {'missing' if key not in got else 'unexpected'}")
            continue
        a, e = got[key], want[key]
        if normalize_text(a["text"]) != normalize_text(e["text"]):
            out.append(f"{where}{key}: text {a['text']!r} != expected {e['text']!r}")
        elif _value_differs(a["value"], e["value"]):
            out.append(f"{where}{key}: value {a['value']!r} != expected {e['value']!r}")
        if sorted(a["flags"]) != sorted(e["flags"]):
            out.append(f"{where}{key}: flags {sorted(a['flags'])} != expected {sorted(e['flags'])}")
    return out


def diff_documents(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    out = []
    if len(actual["records"]) != len(expected["records"]):
        out.append(f"records: {len(actual['records'])} != expected {len(expected['records'])}")
    for i, (a, e) in enumerate(zip(actual["records"], expected["records"], strict=False)):
        out += diff_records(a, e, f"record {i + 1}: ")
    got_errors = sorted((e["page"] or 0, e["code"]) for e in actual["errors"])
    want_errors = sorted((e["page"] or 0, e["code"]) for e in expected["errors"])
    if got_errors != want_errors:
        out.append(f"errors: {got_errors} != expected {want_errors}")
    return out
