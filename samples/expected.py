"""Truth texts -> expected records, typed and validated by the same layout spec.

The expected `text` of every cell comes from the seed (what is printed);
`value` and the flags follow from the layout's types and rules applied to
those true texts, so a golden file lists exactly the `validation:` flags of
the forms that really are inconsistent.
"""

from __future__ import annotations

from typing import Any

from extractor.layout.indicators import check_grade
from extractor.layout.rules import validate
from extractor.layout.spec import LayoutSpec
from extractor.layout.types import parse_value
from extractor.models import Field, Record


def _field(text: str, type_name: str) -> Field:
    value, flags = parse_value(type_name, text)
    return Field(text, value, 1.0, flags)


def truth_to_record(spec: LayoutSpec, form: dict[str, Any], pages: list[int]) -> Record:
    fields = {k: _field(form["fields"].get(k, ""), spec.field_type(k)) for k in spec.field_keys}
    rows = []
    assert spec.indicators is not None
    for row in form["indicators"]:
        typed = {c.key: _field(row.get(c.key, ""), c.type) for c in spec.indicators.columns}
        rows.append(check_grade(typed, spec.vocabularies))
    record = Record(spec.id, tuple(pages), fields, tuple(rows))
    return validate(record, spec)
