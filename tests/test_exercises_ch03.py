"""Chapter 03's checkers accept right answers and teach on typical wrong ones.

The checkers compare with the chapter's own models (fitted once, as the
chapter fits them), so the lesson's decision tree is no longer accepted where
the exercise asks for the forest.
"""

from __future__ import annotations

import pytest

from labkit.exercises import ch03 as ex
from labkit.inspect import draw_tree, feature_importances


@pytest.fixture(scope="module")
def forest(spark):
    return ex._fitted(*ex.FOREST)


@pytest.fixture(scope="module")
def lesson_tree(spark):
    return ex._fitted(*ex.LESSON_TREE)


def test_importances_accepts_the_named_table(forest):
    model, names = forest
    table = feature_importances(model, feature_names=names)
    outcome = ex.q1.evaluate(table)
    assert outcome.correct and repr(table["feature"][0]) in outcome.message


def test_importances_explains_the_usual_mistakes(forest, lesson_tree):
    model, names = forest
    unnamed = feature_importances(model)
    assert "pass feature_names" in ex.q1.evaluate(unnamed).message
    assert "add up to 1" in ex.q1.evaluate(unnamed.head(2).assign(feature=["a", "b"])).message
    assert "pandas table" in ex.q1.evaluate(model).message
    tree, tree_names = lesson_tree
    of_the_tree = feature_importances(tree, feature_names=tree_names)
    assert "decision tree `model`" in ex.q1.evaluate(of_the_tree).message


def test_drawing_accepts_tree_2_named_in_two_levels(forest):
    model, names = forest
    drawing = draw_tree(model, feature_names=names, tree=2, max_depth=2)
    outcome = ex.q2.evaluate(drawing)
    assert outcome.correct
    assert outcome.message.startswith(f"{drawing.source.count('samples =')} boxes")


def test_drawing_explains_the_usual_mistakes(forest, lesson_tree):
    model, names = forest
    assert "pass feature_names=" in ex.q2.evaluate(draw_tree(model, tree=2, max_depth=2)).message
    whole = draw_tree(model, feature_names=names, tree=2)
    shown = whole.source.count("samples =")
    assert shown > 7  # a depth-4 tree of Adult has more than 7 nodes
    assert f"shows {shown} nodes" in ex.q2.evaluate(whole).message
    assert "graphviz drawing" in ex.q2.evaluate(whole.source).message
    first = draw_tree(model, feature_names=names, tree=0, max_depth=2)
    assert "tree 0 of the forest" in ex.q2.evaluate(first).message
    tree, tree_names = lesson_tree
    of_the_tree = draw_tree(tree, feature_names=tree_names, max_depth=2)
    assert "decision tree `model`" in ex.q2.evaluate(of_the_tree).message


def test_by_hand_accepts_the_small_trees_prediction(spark):
    model, _ = ex._fitted(*ex.SMALL_TREE)
    predicted = model.transform(spark.createDataFrame([ex.PERSON])).first()["predicted_label"]
    assert predicted == ">50K"  # the path the chapter's solution describes
    outcome = ex.q3.evaluate(predicted)
    assert outcome.correct and "pencil and paper" in outcome.message
    assert ex.q3.evaluate(...).status == "not attempted"


def test_by_hand_explains_the_usual_mistakes(spark):
    assert "the other class" in ex.q3.evaluate("<=50K").message
    assert "give the class name" in ex.q3.evaluate(1.0).message
    assert "one of the class names" in ex.q3.evaluate("rich").message
