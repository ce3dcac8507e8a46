"""A layout's cross-field rules, run over a record: failures become flags.

A failed rule adds `validation:<id>` to the record and to the cells it marks
(by default every cell it read; a sum over a column marks just its total,
so one misread cell does not flag the column), and a RuleFailure naming
every cell it read (emitted as `validations`, highlighted for a reviewer).

A failed rule also flags, marked or not, each cell whose value ten or a hundred times
larger or smaller would make it hold (SHIFTS): a decimal point lost (`2.5` read `25`,
`9.83` read `983`) or a symbol read as a digit is the likely culprit, not the total the
rule marks.

An equality that holds over at least CONFIRM_VALUES numbers (a column's sum and
its total) vouches for them: a misread digit would break it. A number it added
whose only doubt was the reading's (`low_confidence`, `engines_disagree`: the
engines unsure, or its column's header read poorly) is taken as read, at
CONFIRMED_CONFIDENCE. A cell it could not add (empty, unparsable) gains nothing,
nor does a zero (the sum holds with it or without: a speck read as 0), nor any
other flag. An equality with a term not found or unreadable vouches for nothing:
it cannot tell whose number it holds (a row's label lost, its values read for
another row's). Fewer numbers (a total equal to its one filled term)
vouch for nothing: the same print misread the same way in both cells would agree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import replace

from extractor.layout.expr import Resolver, Value, evaluate
from extractor.layout.spec import LayoutSpec, RuleSpec
from extractor.models import Field, Record, RuleFailure
from extractor.record import CellKey, Flag, row_key, validation_flag

CONFIRM_VALUES = 3  # an equality holding over at least this many numbers vouches for them
CONFIRMED_CONFIDENCE = 0.9  # what a number a holding equality vouches for reports (fields.SURE)
READING_DOUBTS = frozenset({Flag.LOW_CONFIDENCE, Flag.ENGINES_DISAGREE})
UNKNOWN_TERM = frozenset({Flag.MISSING, Flag.FORMAT, Flag.UNREADABLE})  # a term the sum could not add


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


SHIFTS = (10.0, 0.1, 100.0, 0.01)  # a value off by these factors is a decimal point lost or
# gained: ten to the number of digits after it (2.5 read 25, 9.83 read 983)


def _shifted(resolve: Resolver, key: str, factor: float) -> Resolver:
    """`resolve` with the value of one cell multiplied by `factor`."""
    def shifted(name: str) -> tuple[Value, tuple[str, ...]]:
        value, keys = resolve(name)
        if key not in keys:
            return value, keys
        if isinstance(value, list):
            i = keys.index(key)
            v = value[i]
            value = [*value[:i], None if v is None else v * factor, *value[i + 1:]]
        elif isinstance(value, (int, float)):
            value = value * factor
        return value, keys
    return shifted


def culprits(rule: RuleSpec, record: Record, row: int | None, cells: tuple[str, ...]) -> tuple[str, ...]:
    """The cells of a failed rule whose value off by a power of ten (SHIFTS) would make it hold."""
    assert rule.tree is not None
    resolve = _record_resolver(record, row)
    return tuple(k for k in cells if any(
        evaluate(rule.tree, _shifted(resolve, k, f))[0] is True for f in SHIFTS))


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


def _flag_culprits(record: Record, spec: LayoutSpec) -> Record:
    """Each failed rule's cells off by a power of ten (SHIFTS) flagged, marked or not."""
    out = record
    for rule in spec.rules:
        for failure in check_rule(rule, record):
            row = _row_of(failure, rule, record)
            out = _with_cells(out, culprits(rule, record, row, failure.cells), _flagged(failure.rule))
    return out


def _row_of(failure: RuleFailure, rule: RuleSpec, record: Record) -> int | None:
    if rule.each != "indicators":
        return None
    rows = {CellKey.parse(k).row for k in failure.cells} - {None}
    return rows.pop() if len(rows) == 1 else None


def _marked(key: str, mark: tuple[str, ...]) -> bool:
    """Does the rule's `mark` list name this cell? `indicators.score` and a row rule's
    `score` name every indicators[i].score."""
    if not mark or key in mark:
        return True
    k = CellKey.parse(key)
    return k.row is not None and (k.name in mark or f"indicators.{k.name}" in mark)


def _flag_cells(record: Record, failures: list[tuple[RuleFailure, tuple[str, ...]]]) -> Record:
    for failure, mark in failures:
        marked = (k for k in failure.cells if _marked(k, mark))
        record = _with_cells(record, marked, _flagged(failure.rule))
    return record


def _flagged(rule: str) -> Callable[[Field], Field]:
    flag = validation_flag(rule)
    return lambda f: f.with_flags(flag)


def _with_cells(record: Record, keys: Iterable[str], change: Callable[[Field], Field]) -> Record:
    """The record with `change` made to each of its cells that `keys` names."""
    named = set(keys)
    fields = {k: change(f) if k in named else f for k, f in record.fields.items()}
    rows = tuple({n: change(f) if row_key(i, n) in named else f for n, f in row.items()}
                 for i, row in enumerate(record.indicators))
    return replace(record, fields=fields, indicators=rows)


def _field(record: Record, key: str) -> Field | None:
    k = CellKey.parse(key)
    return record.fields.get(key) if k.row is None else record.indicators[k.row].get(k.name)


def vouched(record: Record, spec: LayoutSpec) -> set[str]:
    """The cells an equality that holds vouches for (see above)."""
    out: set[str] = set()
    for rule in spec.rules:
        tree = rule.tree
        if tree is None or rule.each or not (
                isinstance(tree.body, ast.Compare) and isinstance(tree.body.ops[0], ast.Eq)):
            continue
        ok, cells = evaluate(tree, _record_resolver(record))
        terms = {k: f for k in cells if (f := _field(record, k)) is not None}
        unknown = any(set(f.flags) & UNKNOWN_TERM for f in terms.values())
        if ok is not True or len(terms) < len(cells) or unknown:
            continue
        numbers = [k for k, f in terms.items() if f.value]
        if len(numbers) >= CONFIRM_VALUES:
            out.update(numbers)
    return out


def _confirm(record: Record, keys: set[str]) -> Record:
    def lifted(f: Field) -> Field:
        if not f.flags or not set(f.flags) <= READING_DOUBTS:
            return f
        return replace(f, confidence=max(f.confidence, CONFIRMED_CONFIDENCE), flags=())

    return _with_cells(record, keys, lifted)


def validate(record: Record, spec: LayoutSpec) -> Record:
    record = _confirm(record, vouched(record, spec))
    marked = [(f, rule.mark) for rule in spec.rules for f in check_rule(rule, record)]
    failures = [f for f, _ in marked]
    flagged = _flag_culprits(_flag_cells(record, marked), spec)
    flags = tuple(dict.fromkeys(record.flags + tuple(validation_flag(f.rule) for f in failures)))
    return replace(flagged, flags=flags, failures=record.failures + tuple(failures))
