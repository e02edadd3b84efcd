"""Exercises of chapter 03: inspecting trees."""

from __future__ import annotations

import re
from typing import Any

from labkit.exercises._core import Exercise, Incorrect


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
        return f"{shown} boxes a person can read in one glance."


q1 = NamedImportances()
q2 = ReadableForestTree()
