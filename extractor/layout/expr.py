"""The small, safe expression language of a layout's `rules:`.

    sum(indicators.weight) + funds.total.weight == total.weight
    approx(funds.total.execution_rate, 100 * funds.total.executed / funds.total.budget_full_year, 1)

Names are field keys (dotted); `indicators.<column>` is the list of that
column's values. Operators: + - * /, comparisons, and/or/not; functions sum,
approx(a, b, tol), abs, min, max. An empty or unparsable value is None: it
propagates through arithmetic (sum skips it), and a comparison involving
None is "not checkable", which passes, so only a real contradiction fails.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

Value = float | None | list[float | None]
Resolver = Callable[[str], tuple[Value, tuple[str, ...]]]  # name -> value, cell keys used

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_EPS = 1e-6


def _close(a: float, b: float, tol: float = 0.0) -> bool:
    return abs(a - b) <= max(tol, _EPS * max(1.0, abs(a), abs(b)))


_CMPOPS: dict[type, Callable[[float, float], bool]] = {
    ast.Eq: _close,
    ast.NotEq: lambda a, b: not _close(a, b),
    ast.Lt: lambda a, b: a < b and not _close(a, b),
    ast.LtE: lambda a, b: a <= b or _close(a, b),
    ast.Gt: lambda a, b: a > b and not _close(a, b),
    ast.GtE: lambda a, b: a >= b or _close(a, b),
}
FUNCTIONS = {"sum", "approx", "abs", "min", "max"}


def dotted_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def compile_check(source: str, known: set[str]) -> ast.Expression:
    """Parse and check a rule; ValueError says what is wrong."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"not an expression: {e.msg}") from e
    _check_node(tree.body, known)
    return tree


def _check_node(node: ast.AST, known: set[str]) -> None:
    name = dotted_name(node)
    if name is not None:
        if name not in known:
            raise ValueError(f"unknown field {name!r}")
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return
    if isinstance(node, ast.Call):
        fname = dotted_name(node.func)
        if fname not in FUNCTIONS or node.keywords:
            raise ValueError(f"unknown function {fname!r}; known: {sorted(FUNCTIONS)}")
        for a in node.args:
            _check_node(a, known)
        return
    children: list[ast.AST]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        children = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        children = [node.operand]
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.BoolOp):
        children = list(node.values)
    else:
        raise ValueError(f"not allowed in a rule: {ast.unparse(node)!r}")
    for c in children:
        _check_node(c, known)


def evaluate(tree: ast.Expression, resolve: Resolver) -> tuple[Any, tuple[str, ...]]:
    """(result, cell keys involved). result is True/False, or None when not checkable."""
    used: list[str] = []

    def ev(node: ast.AST) -> Any:
        name = dotted_name(node)
        if name is not None:
            value, keys = resolve(name)
            used.extend(keys)
            return value
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # checked by compile_check
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if a is None or b is None or isinstance(a, list) or isinstance(b, list):
                return None
            if isinstance(node.op, ast.Div) and b == 0:
                return None
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if v is None:
                return None
            return (not v) if isinstance(node.op, ast.Not) else -v
        if isinstance(node, ast.Compare):
            a, b = ev(node.left), ev(node.comparators[0])
            if a is None or b is None:
                return None
            return _CMPOPS[type(node.ops[0])](a, b)
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            if any(v is None for v in vals):
                return None
            return all(vals) if isinstance(node.op, ast.And) else any(vals)
        if isinstance(node, ast.Call):
            return _call(dotted_name(node.func) or "", [ev(a) for a in node.args])
        raise ValueError(ast.unparse(node))

    return ev(tree.body), tuple(dict.fromkeys(used))


def _flatten(args: list[Any]) -> list[float | None]:
    out: list[float | None] = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def _call(fname: str, args: list[Any]) -> Any:
    if fname == "approx":
        a, b, *rest = args
        if a is None or b is None:
            return None
        return _close(a, b, float(rest[0]) if rest else 0.0)
    values = [v for v in _flatten(args) if v is not None]
    if fname == "sum":
        return sum(values) if values else None
    if not values:
        return None
    if fname == "abs":
        return abs(values[0])
    return min(values) if fname == "min" else max(values)
