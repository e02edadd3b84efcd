"""Generated standalone source: valid, inert and ASCII whatever the names contain; same answers."""

from __future__ import annotations

import ast
import math

import pytest
from _export_specs import logistic_specs, scorer_of, tree_specs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.export import to_python_source
from labkit.export.codegen import literal

#: Strings that have broken code generators: quotes, escapes, docstring ends, unicode.
NASTY = ['"""', "'''", "\\", "\\n", "\n", "\r\n", "\x00", "\u2028", "é", "🙂", "{x}", "%s",
         "__import__('os').system('false')", "\ud800"]  # fmt: skip
names = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=12))


def _load(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "generated_scorer.py", "exec"), namespace)
    return namespace


def _top_level_is_inert(source: str) -> bool:
    """Only imports, defs, classes and assignments at module level (no calls but prepare)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.FunctionDef | ast.ClassDef | ast.AnnAssign):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Assign):
            calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
            if all(isinstance(c.func, ast.Name) and c.func.id == "prepare" for c in calls):
                continue
        return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(names, min_size=2, max_size=4, unique=True),
       classes=st.lists(names, min_size=2, max_size=2, unique=True),
       column=names, number=names)  # fmt: skip
def test_any_names_give_valid_inert_ascii_source(labels, classes, column, number):
    if column == number or "label_text" in (column, number):
        return
    for specs in (
        tree_specs(labels=tuple(labels), classes=tuple(classes), column=column, number=number),
        logistic_specs(labels=tuple(labels), classes=tuple(classes), column=column, number=number),
    ):
        scorer = scorer_of(specs)
        source = to_python_source(scorer)
        assert source.isascii()
        assert _top_level_is_inert(source)
        predict = _load(source)["predict"]
        for label in [*labels, "never seen", None]:
            for size in (0.0, 2.5, 3.0):
                row = {column: label, number: size}
                assert predict(row) == scorer.predict(row).to_dict()


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
))  # fmt: skip
def test_literal_evaluates_back_to_the_value(value):
    text = literal(value)
    assert text.isascii()
    assert eval(text, {"math": math}) == value  # eval only in the test, on our own output


def test_non_finite_floats_are_written_with_math():
    assert literal([math.inf, -math.inf]) == "[math.inf, -math.inf]"
    assert math.isnan(eval(literal(math.nan), {"math": math}))


def test_generated_module_agrees_with_the_scorer_on_skip_and_errors(tmp_path):
    scorer = scorer_of(tree_specs(handle="skip"))
    path = to_python_source(scorer, tmp_path / "scorer_module.py")
    module = _load(path.read_text(encoding="ascii"))
    assert module["INPUT_FIELDS"] == ["color", "size"]
    assert module["SPARK_VERSION"] == "4.3.0"
    skipped = module["predict"]({"color": None, "size": 1.0})
    assert skipped == scorer.predict({"color": None, "size": 1.0}).to_dict()
    assert skipped["skipped"].startswith("StringIndexerModel: null in column 'color'")
    with pytest.raises(module["InvalidRow"], match="no field 'size'"):
        module["predict"]({"color": "red"})
    with pytest.raises(module["InvalidRow"], match="must be a number"):
        module["predict"]({"color": "red", "size": "7"})
