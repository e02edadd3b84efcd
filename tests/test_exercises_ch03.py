"""Chapter 03's checkers accept right answers and teach on typical wrong ones."""

from __future__ import annotations

import pytest

from labkit.exercises import ch03 as ex
from labkit.inspect import draw_tree, feature_importances
from labkit.pipeline import adult_spec, fit_pipeline, pipeline_features


@pytest.fixture(scope="module")
def forest(adult_train):
    params = {"numTrees": 3, "maxDepth": 3}
    return fit_pipeline(adult_train, adult_spec(), "random_forest", params=params)


@pytest.fixture(scope="module")
def names(forest, adult_train):
    return pipeline_features(forest, adult_train)


def test_importances_accepts_the_named_table(forest, names):
    table = feature_importances(forest, feature_names=names)
    outcome = ex.q1.evaluate(table)
    assert outcome.correct and repr(table["feature"][0]) in outcome.message


def test_importances_explains_the_usual_mistakes(forest):
    unnamed = feature_importances(forest)
    assert "pass feature_names" in ex.q1.evaluate(unnamed).message
    assert "add up to 1" in ex.q1.evaluate(unnamed.head(2).assign(feature=["a", "b"])).message
    assert "pandas table" in ex.q1.evaluate(forest).message


def test_drawing_accepts_a_named_two_level_tree(forest, names):
    drawing = draw_tree(forest, feature_names=names, tree=2, max_depth=2)
    outcome = ex.q2.evaluate(drawing)
    assert outcome.correct
    assert outcome.message.startswith(f"{drawing.source.count('samples =')} boxes")


def test_drawing_explains_the_usual_mistakes(forest, names):
    assert "pass feature_names=" in ex.q2.evaluate(draw_tree(forest, tree=2, max_depth=2)).message
    whole = draw_tree(forest, feature_names=names, tree=2)
    shown = whole.source.count("samples =")
    assert shown > 7  # a depth-3 tree of Adult has more than 7 nodes
    assert f"shows {shown} nodes" in ex.q2.evaluate(whole).message
    assert "graphviz drawing" in ex.q2.evaluate(whole.source).message
