"""Exercises of chapter 03: inspecting trees."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from labkit.exercises._core import EqualityCheck, Exercise, Incorrect, close

#: The models of the chapter: its decision tree ``model`` and the exercises' ``forest``.
LESSON_TREE = ("decision_tree", (("maxDepth", 5),))
FOREST = ("random_forest", (("numTrees", 5), ("maxDepth", 4)))
#: The chapter's tree small enough to read, and exercise 3's person to follow through it.
SMALL_TREE = ("decision_tree", (("maxDepth", 3), ("minInstancesPerNode", 500)))
PERSON = {
    "age": 41,
    "workclass": "Private",
    "fnlwgt": 187_000,
    "education": "Some-college",
    "education-num": 10,
    "marital-status": "Married-civ-spouse",
    "occupation": "Craft-repair",
    "relationship": "Husband",
    "race": "White",
    "sex": "Male",
    "capital-gain": 7_298,
    "capital-loss": 0,
    "hours-per-week": 45,
    "native-country": "United-States",
}
CLASSES = ("<=50K", ">50K")


@cache
def _fitted(kind: str, params: tuple[tuple[str, Any], ...]) -> tuple[Any, list[Any]]:
    """The chapter's model of that kind, fitted as the chapter fits it, with its feature names."""
    from labkit.data import load_adult
    from labkit.pipeline import adult_spec, fit_pipeline, pipeline_features
    from labkit.session import get_spark

    train = load_adult(get_spark(), "train")
    model = fit_pipeline(train, adult_spec(), kind, params=dict(params))
    return model, pipeline_features(model, train)


def _importances(which: tuple[str, tuple]) -> dict[str, float]:
    from labkit.inspect import feature_importances

    model, names = _fitted(*which)
    table = feature_importances(model, feature_names=names)
    return dict(zip(table["feature"], table["importance"], strict=True))


def _drawing(which: tuple[str, tuple], tree: int | None) -> str:
    from labkit.inspect import draw_tree

    model, names = _fitted(*which)
    return draw_tree(model, feature_names=names, tree=tree, max_depth=2).source


class NamedImportances(Exercise):
    prompt = (
        "Make the feature-importance table of the random forest `forest` with real feature "
        "names, and set `forest_importances` to it."
    )
    hints = (
        "`feature_importances(model, feature_names=...)` returns the table.",
        "The names come from `pipeline_features(forest, train)`.",
    )
    answer_code = (
        "forest_importances = feature_importances(\n"
        "    forest, feature_names=pipeline_features(forest, train)\n)"
    )

    def _check(self, answer: Any) -> str:
        if not hasattr(answer, "columns") or "feature" not in getattr(answer, "columns", []):
            raise Incorrect(
                "`forest_importances` should be the pandas table that feature_importances returns."
            )
        names = list(answer["feature"])
        if any(re.fullmatch(r"feature \d+", n) for n in names):
            raise Incorrect(
                "The table says `feature 3`, not a column name: pass "
                "feature_names=pipeline_features(forest, train)."
            )
        if abs(answer["importance"].sum() - 1) > 1e-6:
            raise Incorrect("The importances should add up to 1; is this the whole table?")
        given = dict(zip(answer["feature"], answer["importance"], strict=True))
        if not close(given, _importances(FOREST)):
            if close(given, _importances(LESSON_TREE)):
                raise Incorrect(
                    "That is the table of the chapter's decision tree `model`. Make it for "
                    "`forest`: a forest spreads the credit over more features than one tree."
                )
            raise Incorrect(
                "These are not the importances of `forest`: pass `forest` itself, and the "
                "names from pipeline_features(forest, train)."
            )
        return f"the forest leans most on {names[0]!r}, then {names[1]!r}."


class ReadableForestTree(Exercise):
    prompt = (
        "Draw tree number 2 of `forest`, with names, cut to 2 levels, and set `forest_tree` "
        "to the drawing."
    )
    hints = (
        "`draw_tree` takes `tree=` to choose one tree of an ensemble.",
        "`draw_tree(forest, feature_names=names, tree=2, max_depth=2)`",
    )
    answer_code = (
        "forest_tree = draw_tree(\n"
        "    forest, feature_names=pipeline_features(forest, train), tree=2, max_depth=2\n)"
    )

    def _check(self, answer: Any) -> str:
        source = getattr(answer, "source", None)
        if not isinstance(source, str):
            raise Incorrect(
                f"`forest_tree` should be the graphviz drawing draw_tree returns, "
                f"got {type(answer).__name__}."
            )
        if re.search(r"feature \d+ ", source):
            raise Incorrect("The boxes say `feature 5`: pass feature_names=.")
        shown = source.count("samples =")
        if shown > 7:
            raise Incorrect(
                f"The drawing shows {shown} nodes; with max_depth=2 it shows at most 7 (1 + 2 + 4)."
            )
        if source != _drawing(FOREST, 2):
            if source == _drawing(LESSON_TREE, None):
                raise Incorrect(
                    "That is the chapter's decision tree `model`; draw one tree of `forest`."
                )
            others = [n for n in range(5) if n != 2 and source == _drawing(FOREST, n)]
            if others:
                raise Incorrect(
                    f"That is tree {others[0]} of the forest; trees are numbered from 0, "
                    "and the exercise asks for tree=2."
                )
            raise Incorrect("That is not tree 2 of `forest` cut to 2 levels; check the arguments.")
        return f"{shown} boxes a person can read in one glance."


class PredictByHand(EqualityCheck):
    prompt = (
        "Follow `person` through the small tree's printout by hand and set `by_hand` to the "
        "class it predicts, '<=50K' or '>50K'."
    )
    hints = (
        "Start at the top. Each `If` asks about one column: look that column up in `person`, "
        "go into the `If` when the condition holds and into its `Else` when it does not.",
        "Three questions at most: marital status, then education-num, then capital-gain.",
    )
    answer_code = (
        'by_hand = ">50K"  # married; education-num 10 <= 12.5; capital-gain 7298 > 4973.5'
    )
    name = "by_hand"
    right_note = "{expected}: you have just run a decision tree with pencil and paper."
    otherwise = "Answer with one of the class names, '<=50K' or '>50K'."
    mistakes = (
        (
            lambda self: CLASSES[1 - CLASSES.index(self.expected())],
            "That is the other class. Follow `person` again from the top: at each `If`, compare "
            "the one column it names with `person`'s value, and take the `Else` when it fails.",
        ),
        (
            lambda self: float(CLASSES.index(self.expected())),
            "That is the class index the printout says (`Predict: 1.0`); give the class name. "
            "The label order is fixed: 0.0 is '<=50K' and 1.0 is '>50K'.",
        ),
    )

    def solve(self) -> str:
        from labkit.session import get_spark

        model, _ = _fitted(*SMALL_TREE)
        row = get_spark().createDataFrame([PERSON])
        return model.transform(row).first()["predicted_label"]


q1 = NamedImportances()
q2 = ReadableForestTree()
q3 = PredictByHand()
