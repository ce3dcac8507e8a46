"""A layout's cross-field rules, run over a record: failures become flags.

A failed rule adds `validation:<id>` to the record and to the cells it marks
(by default every cell it read; a sum over a column marks just its total,
so one misread cell does not flag the column), and a RuleFailure naming
every cell it read (emitted as `validations`, highlighted for a reviewer).
"""

from __future__ import annotations

from dataclasses import replace

from extractor.layout.expr import Resolver, Value, evaluate
from extractor.layout.spec import LayoutSpec, RuleSpec
from extractor.models import Record, RuleFailure
from extractor.record import CellKey, row_key, validation_flag


def _record_resolver(record: Record, row: int | None = None) -> Resolver:
    def resolve(name: str) -> tuple[Value, tuple[str, ...]]:
        if row is not None and name in record.indicators[row]:
            return record.indicators[row][name].value, (row_key(row, name),)
        if name.startswith("indicators."):
            col = name.split(".", 1)[1]
            values = [r[col].value if col in r else None for r in record.indicators]
            keys = tuple(row_key(i, col) for i in range(len(record.indicators)))
            return values, keys
        field = record.fields.get(name)
        return (field.value if field else None), (name,)

    return resolve


def check_rule(rule: RuleSpec, record: Record) -> list[RuleFailure]:
    tree = rule.tree
    assert tree is not None, "rules are compiled when their layout is loaded"
    rows: list[int | None] = (
        list(range(len(record.indicators))) if rule.each == "indicators" else [None]
    )
    failures = []
    for row in rows:
        ok, cells = evaluate(tree, _record_resolver(record, row))
        if ok is False:
            where = f" (indicator row {row + 1})" if row is not None else ""
            message = (rule.message or rule.check) + where
            failures.append(RuleFailure(rule.id, cells, message))
    return failures


def _marked(key: str, mark: tuple[str, ...]) -> bool:
    """Does the rule's `mark` list name this cell? `indicators.score` and a row rule's
    `score` name every indicators[i].score."""
    if not mark or key in mark:
        return True
    k = CellKey.parse(key)
    return k.row is not None and (k.name in mark or f"indicators.{k.name}" in mark)


def _flag_cells(record: Record, failures: list[tuple[RuleFailure, tuple[str, ...]]]) -> Record:
    fields = dict(record.fields)
    rows = [dict(r) for r in record.indicators]
    for failure, mark in failures:
        flag = validation_flag(failure.rule)
        for key in (k for k in failure.cells if _marked(k, mark)):
            k = CellKey.parse(key)
            if k.row is not None:
                if k.name in rows[k.row]:
                    rows[k.row][k.name] = rows[k.row][k.name].with_flags(flag)
            elif key in fields:
                fields[key] = fields[key].with_flags(flag)
    return replace(record, fields=fields, indicators=tuple(rows))


def validate(record: Record, spec: LayoutSpec) -> Record:
    marked = [(f, rule.mark) for rule in spec.rules for f in check_rule(rule, record)]
    failures = [f for f, _ in marked]
    flagged = _flag_cells(record, marked)
    flags = tuple(dict.fromkeys(record.flags + tuple(validation_flag(f.rule) for f in failures)))
    return replace(flagged, flags=flags, failures=record.failures + tuple(failures))
