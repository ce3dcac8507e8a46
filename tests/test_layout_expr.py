import pytest

from extractor.layout.expr import compile_check, evaluate

KNOWN = {"a", "b", "c", "indicators.w", "total.w"}


def run(src, values):
    tree = compile_check(src, KNOWN)

    def resolve(name):
        v = values.get(name)
        keys = tuple(f"{name}[{i}]" for i in range(len(v))) if isinstance(v, list) else (name,)
        return v, keys

    return evaluate(tree, resolve)


def test_sum_skips_empty_cells_and_compares_with_tolerance():
    ok, cells = run("sum(indicators.w) + a == total.w", {"indicators.w": [10.1, None, 20.2], "a": 69.7, "total.w": 100})
    assert ok is True
    assert cells == ("indicators.w[0]", "indicators.w[1]", "indicators.w[2]", "a", "total.w")
    assert run("sum(indicators.w) + a == total.w", {"indicators.w": [10, 20], "a": 10, "total.w": 100})[0] is False


def test_none_makes_a_rule_uncheckable_not_failed():
    assert run("a <= b", {"a": None, "b": 3})[0] is None
    assert run("approx(a, 100 * b / c, 1)", {"a": 98, "b": 146.916283, "c": 0})[0] is None
    assert run("approx(a, 100 * b / c, 1)", {"a": 98, "b": 146.916283, "c": 150})[0] is True
    assert run("approx(a, 100 * b / c, 1)", {"a": 100, "b": 9.8467, "c": 10})[0] is False


def test_comparisons():
    assert run("a < b", {"a": 1, "b": 2})[0] is True
    assert run("a >= b", {"a": 1, "b": 2})[0] is False
    assert run("a != b and not a > b", {"a": 1, "b": 2})[0] is True
    assert run("max(a, b) - min(a, b) == abs(-1)", {"a": 1, "b": 2})[0] is True


@pytest.mark.parametrize("src", ["open('x')", "a.__class__", "[a]", "a if b else c", "lambda: 1", "a == b == c", "'s'"])
def test_only_the_small_language_is_accepted(src):
    with pytest.raises(ValueError):
        compile_check(src, KNOWN)
