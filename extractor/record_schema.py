"""The JSON Schema of an emitted document (docs/record.schema.json), from typed models.

    python -m extractor.record_schema            # rewrites docs/record.schema.json
    python -m extractor.record_schema --check    # exit 1 if the file is not what this gives

The TypedDicts below are the JSON of docs/record-format.md, key for key, as
extractor/record.py writes it (plus the keys the review service adds to what
it exports). pydantic turns them into a draft 2020-12 schema. The schema
refuses keys it does not list, so a key cannot be emitted without being
documented here first; the golden tests validate every document they
extract against the committed file. Not imported by the extraction path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, with_config
from pydantic import Field as Doc
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from 3.12

from extractor.errors import ErrorCode
from extractor.record import NAME_PATTERN, VALIDATION, Flag

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "record.schema.json"
CLOSED = ConfigDict(extra="forbid")

Name = Annotated[str, Doc(pattern=f"^{NAME_PATTERN}$")]
RuleFlag = Annotated[str, Doc(pattern=f"^{VALIDATION}[A-Za-z0-9_.-]+$", description="validation:<rule id>")]
CellFlag = Flag | RuleFlag
PageNumber = Annotated[int, Doc(ge=1)]
Unit = Annotated[float, Doc(ge=0, le=1)]
BBoxJSON = Annotated[list[float], Doc(min_length=4, max_length=4)]


@with_config(CLOSED)
class CellJSON(TypedDict):
    """One cell of the form: what is printed in it, as read, and where it is."""

    text: Annotated[str, Doc(description='as read; "" for an empty cell (never a missing key)')]
    value: Annotated[float | None, Doc(description="the parsed number of a typed field, else null")]
    confidence: Annotated[Unit, Doc(description="how sure the extractor is that text is right")]
    flags: Annotated[list[CellFlag], Doc(description="why a person should look; [] when nothing")]
    page: Annotated[PageNumber | None, Doc(description="1-based page; null for a missing cell")]
    bbox: Annotated[BBoxJSON | None, Doc(description="x0, y0, x1, y1 in PDF points, origin top-left")]
    reviewed_by: NotRequired[Annotated[str, Doc(description="review export: who decided the cell")]]


# cells by name: a key that is not a name is refused (patternProperties alone would let it by)
CellsJSON = Annotated[dict[Name, CellJSON], Doc(json_schema_extra={"additionalProperties": False})]


@with_config(CLOSED)
class ValidationJSON(TypedDict):
    """A layout rule that failed on this record."""

    rule: Annotated[str, Doc(description="the rule's id in the layout (its flag: validation:<rule>)")]
    cells: Annotated[list[str], Doc(description="the cell keys the rule read")]
    message: str


@with_config(CLOSED)
class ReviewJSON(TypedDict):
    """Review export only: the state of a record's review."""

    status: Literal["open", "done"]
    version: Annotated[int, Doc(ge=0)]
    finished_by: str | None


@with_config(CLOSED)
class RecordJSON(TypedDict):
    """One filled-in form."""

    layout: Annotated[str, Doc(pattern="^[a-z0-9][a-z0-9_-]*$", description="the layout id that matched")]
    pages: Annotated[list[PageNumber], Doc(min_length=1, description="the 1-based pages the form spans")]
    fields: Annotated[
        CellsJSON, Doc(description="a CELL for every field of the layout's field set, by name")
    ]
    indicators: Annotated[
        list[CellsJSON], Doc(description="the 绩效指标 rows in order, a CELL per column")
    ]
    flags: Annotated[
        list[CellFlag], Doc(description="record-level findings: the rules that failed, rows_incomplete")
    ]
    needs_review: Annotated[bool, Doc(description="true when the record or any cell has a flag")]
    layout_score: Annotated[Unit, Doc(description="extension: how well the layout fits the form")]
    validations: Annotated[list[ValidationJSON], Doc(description="extension: each failed rule")]
    review: NotRequired[ReviewJSON]


@with_config(CLOSED)
class SourceJSON(TypedDict):
    """The input document."""

    path: str
    sha256: Annotated[str, Doc(pattern="^([0-9a-f]{64})?$", description='"" when the file could not be read')]
    pages: Annotated[int, Doc(ge=0)]
    kind: Literal["born_digital", "scanned", "mixed"]


@with_config(CLOSED)
class ErrorJSON(TypedDict):
    """What could not be read (docs/errors.md lists the codes)."""

    page: Annotated[PageNumber | None, Doc(description="null for an error about the whole document")]
    code: ErrorCode
    message: Annotated[str, Doc(description="for people")]


@with_config(CLOSED)
class DocumentJSON(TypedDict):
    """One input document: every form found in it, and what could not be read."""

    source: SourceJSON
    records: list[RecordJSON]
    errors: list[ErrorJSON]


def _drop_titles(node: Any, is_property: bool = False) -> Any:
    """pydantic titles every property after its name; the names say it already."""
    if isinstance(node, dict):
        return {
            k: {n: _drop_titles(x, True) for n, x in v.items()} if k == "properties" else _drop_titles(v)
            for k, v in node.items()
            if not (is_property and k == "title")
        }
    if isinstance(node, list):
        return [_drop_titles(v) for v in node]
    return node


def document_schema() -> dict[str, Any]:
    schema = _drop_titles(TypeAdapter(DocumentJSON).json_schema())
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "form-extractor document",
        "$comment": "Generated by `python -m extractor.record_schema` from extractor/record_schema.py;"
        " described in docs/record-format.md. Do not edit by hand.",
    }
    return {**head, **{k: v for k, v in schema.items() if k != "title"}}


def schema_text() -> str:
    return json.dumps(document_schema(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        same = SCHEMA_PATH.is_file() and SCHEMA_PATH.read_text(encoding="utf-8") == text
        verdict = "up to date" if same else "stale: python -m extractor.record_schema"
        print(f"{SCHEMA_PATH.name}: {verdict}")
        return 0 if same else 1
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
