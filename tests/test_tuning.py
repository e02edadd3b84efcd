"""labkit.tuning: every candidate in the table, the one-SE rule, AUC from probability."""

from __future__ import annotations

import pandas as pd
import pytest
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.tuning import ParamGridBuilder

from labkit.errors import BadGrid
from labkit.pipeline import adult_spec, build_pipeline, index_label, required_max_bins
from labkit.tuning import (
    auc_evaluator,
    cross_validate,
    evaluate,
    plot_cv,
    simplest_within_one_se,
)

# --- the one-standard-error rule on crafted tables --------------------------


def test_one_se_rule_takes_the_simplest_close_candidate():
    table = pd.DataFrame({"maxDepth": [8, 2, 4, 6], "mean": [0.860, 0.800, 0.851, 0.858],
                          "se": [0.010, 0.010, 0.010, 0.010]})  # fmt: skip
    # best 0.860 - se 0.010 = 0.850: depths 4, 6, 8 qualify; 4 is the simplest
    assert simplest_within_one_se(table, simpler=["maxDepth"]) == 2
    narrow = table.assign(se=0.001)
    assert simplest_within_one_se(narrow, simpler=["maxDepth"]) == 0


def test_one_se_rule_breaks_ties_by_the_next_column_then_the_mean():
    table = pd.DataFrame({"maxDepth": [3, 3, 3, 5], "minInfoGain": [0.0, 0.01, 0.01, 0.0],
                          "mean": [0.84, 0.83, 0.835, 0.845], "se": [0.02] * 4})  # fmt: skip
    assert simplest_within_one_se(table, simpler=["maxDepth", "minInfoGain"]) == 0
    assert simplest_within_one_se(table, simpler=["maxDepth", "minInfoGain"][::-1]) == 0
    assert simplest_within_one_se(table.drop(index=0), simpler=["maxDepth"]) == 2


def test_one_se_rule_when_smaller_is_better():
    table = pd.DataFrame({"regParam": [0.0, 0.1, 1.0], "mean": [0.30, 0.31, 0.40],
                          "se": [0.02, 0.02, 0.02]})  # fmt: skip
    # an error metric: best 0.30 + se 0.02 = 0.32 admits regParam 0.1 (larger = simpler here)
    simpler_first = table.assign(penalty=-table["regParam"])
    assert simplest_within_one_se(simpler_first, simpler=["penalty"], larger_is_better=False) == 1


def test_one_se_rule_names_missing_columns():
    with pytest.raises(BadGrid, match=r"lacks column\(s\) \['se'\]"):
        simplest_within_one_se(pd.DataFrame({"maxDepth": [1], "mean": [0.5]}), simpler=["maxDepth"])


# --- cross-validation on Adult ----------------------------------------------


@pytest.fixture(scope="module")
def spec():
    return adult_spec()


@pytest.fixture(scope="module")
def split(adult_train, spec):
    labelled = index_label(adult_train, spec)
    train, test = labelled.randomSplit([0.8, 0.2], seed=7)
    return train.cache(), test.cache()


@pytest.fixture(scope="module")
def pipeline(adult_train, spec):
    return build_pipeline(spec, "decision_tree", max_bins=required_max_bins(adult_train, spec))


@pytest.fixture(scope="module")
def cv(pipeline, split):
    tree = pipeline.getStages()[-2]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, [2, 4, 7]).build()
    lines = []
    result = cross_validate(pipeline, grid, split[0], folds=3, simpler=["maxDepth"],
                            progress=lines.append)  # fmt: skip
    return result, lines


def test_cv_table_has_one_row_per_grid_point(cv):
    result, lines = cv
    table = result.table
    assert sorted(table["maxDepth"]) == [2, 4, 7]
    assert len(lines) == 3 and lines[0].startswith("candidate 1/3 maxDepth=2: mean areaUnderROC")
    folds = table[["fold_1", "fold_2", "fold_3"]]
    assert list(table["mean"]) == pytest.approx(list(folds.mean(axis=1)))
    assert list(table["std"]) == pytest.approx(list(folds.std(axis=1, ddof=1)))
    assert list(table["se"]) == pytest.approx(list(table["std"] / 3**0.5))
    assert (table["fit_seconds"] > 0).all()
    assert (
        table.loc[table["maxDepth"] == 7, "mean"].item()
        > table.loc[table["maxDepth"] == 2, "mean"].item()
    )


def test_cv_chooses_by_the_rule_and_refits_the_choice(cv):
    result, _ = cv
    assert result.best_index == int(result.table["mean"].idxmax())
    assert result.chosen_index == simplest_within_one_se(result.table, simpler=["maxDepth"])
    assert result.chosen_params == {"maxDepth": result.table.at[result.chosen_index, "maxDepth"]}
    assert result.model.stages[-2].getMaxDepth() == result.chosen_params["maxDepth"]


def test_test_set_score_is_computed_once_on_held_out_rows(cv, split):
    result, _ = cv
    test_auc = evaluate(result.model, split[1])
    manual = auc_evaluator().evaluate(result.model.transform(split[1]))
    assert test_auc == manual and 0.5 < test_auc < 1


def test_auc_from_leaf_counts_understates_a_tree(cv, split):
    scored = cv[0].model.transform(split[1]).cache()
    from_probability = auc_evaluator().evaluate(scored)
    from_raw = BinaryClassificationEvaluator(labelCol="label").evaluate(scored)
    assert from_probability > from_raw + 0.05


def test_plot_shows_every_candidate(cv):
    result, _ = cv
    figure = plot_cv(result, x="maxDepth")
    scores, times = figure.axes
    assert len(times.patches) == len(result.table)
    assert [t.get_text() for t in times.get_xticklabels()] == ["2", "4", "7"]
    assert "areaUnderROC" in scores.get_ylabel()


def test_bad_grids_are_refused(pipeline, split):
    with pytest.raises(BadGrid, match="grid is empty"):
        cross_validate(pipeline, [], split[0])
    foreign = build_pipeline(adult_spec(), "decision_tree").getStages()[-2]
    grid = ParamGridBuilder().addGrid(foreign.maxDepth, [2]).build()
    with pytest.raises(BadGrid, match="No grid parameter belongs to a stage"):
        cross_validate(pipeline, grid, split[0])
    with pytest.raises(BadGrid, match="folds must be at least 2"):
        cross_validate(pipeline, grid, split[0], folds=1)
