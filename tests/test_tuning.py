"""labkit.tuning: every candidate in the table, the one-SE rule, AUC from probability, one test."""

from __future__ import annotations

import math
import time

import pandas as pd
import pytest
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder
from pyspark.sql import functions as F

from labkit.errors import BadGrid, HeldOutReused, MisleadingEvaluator, MissingColumns
from labkit.pipeline import adult_spec, build_pipeline, index_label, required_max_bins
from labkit.tuning import (
    FOLD_COL,
    CVResult,
    auc_evaluator,
    check_evaluator,
    cross_validate,
    evaluate,
    hold_out,
    plot_cv,
    simplest_within_one_se,
)

DEPTHS = [2, 4, 7]

# --- the one-standard-error rule on crafted tables --------------------------


def test_one_se_rule_takes_the_simplest_close_candidate():
    table = pd.DataFrame(
        {"maxDepth": [8, 2, 4, 6], "mean": [0.860, 0.800, 0.851, 0.858], "se": [0.010] * 4}
    )
    # best 0.860 - se 0.010 = 0.850: depths 4, 6, 8 qualify; 4 is the simplest
    assert simplest_within_one_se(table, simpler=["maxDepth"]) == 2
    narrow = table.assign(se=0.001)
    assert simplest_within_one_se(narrow, simpler=["maxDepth"]) == 0


def test_one_se_rule_keeps_the_best_when_it_is_already_the_simplest():
    table = pd.DataFrame({"maxDepth": [2, 4, 8], "mean": [0.86, 0.855, 0.70], "se": [0.01] * 3})
    assert simplest_within_one_se(table, simpler=["maxDepth"]) == 0


def test_one_se_rule_counts_a_candidate_exactly_on_the_bar():
    table = pd.DataFrame({"maxDepth": [2, 4], "mean": [0.75, 0.85], "se": [0.0, 0.1]})
    assert simplest_within_one_se(table, simpler=["maxDepth"]) == 0


def test_one_se_rule_breaks_ties_by_the_next_column_then_the_mean_then_the_order():
    table = pd.DataFrame(
        {
            "maxDepth": [3, 3, 3, 5],
            "minInfoGain": [0.0, 0.01, 0.01, 0.0],
            "mean": [0.84, 0.83, 0.835, 0.845],
            "se": [0.02] * 4,
        }
    )
    assert simplest_within_one_se(table, simpler=["maxDepth", "minInfoGain"]) == 0
    # with a larger minInfoGain counted as simpler, the better of the two 0.01 rows wins
    assert simplest_within_one_se(table, simpler=["maxDepth", "-minInfoGain"]) == 2
    twins = pd.DataFrame({"maxDepth": [3, 3], "mean": [0.8, 0.8], "se": [0.01, 0.01]})
    assert simplest_within_one_se(twins, simpler=["maxDepth"]) == 0


def test_one_se_rule_when_smaller_is_better_and_larger_is_simpler():
    table = pd.DataFrame(
        {"regParam": [0.0, 0.1, 1.0], "mean": [0.30, 0.31, 0.40], "se": [0.02] * 3}
    )
    # an error metric: best 0.30 + se 0.02 = 0.32 admits regParam 0.1, the stronger penalty
    assert simplest_within_one_se(table, simpler=["-regParam"], larger_is_better=False) == 1
    assert simplest_within_one_se(table, simpler=["regParam"], larger_is_better=False) == 0


def test_one_se_rule_names_missing_columns_and_refuses_an_empty_table():
    with pytest.raises(BadGrid, match=r"lacks column\(s\) \['se'\]"):
        simplest_within_one_se(pd.DataFrame({"maxDepth": [1], "mean": [0.5]}), simpler=["maxDepth"])
    empty = pd.DataFrame({"maxDepth": [], "mean": [], "se": []})
    with pytest.raises(BadGrid, match="no rows"):
        simplest_within_one_se(empty, simpler=["maxDepth"])


# --- cross-validation on Adult ----------------------------------------------


@pytest.fixture(scope="module")
def spec():
    return adult_spec()


@pytest.fixture(scope="module")
def split(adult_train, spec):
    return hold_out(index_label(adult_train, spec), fraction=0.2, seed=7)


@pytest.fixture(scope="module")
def pipeline(adult_train, spec):
    return build_pipeline(spec, "decision_tree", max_bins=required_max_bins(adult_train, spec))


@pytest.fixture(scope="module")
def cv(pipeline, split):
    tree = pipeline.getStages()[-2]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, DEPTHS).build()
    lines = []
    started = time.perf_counter()
    result = cross_validate(
        pipeline, grid, split[0], folds=3, simpler=["maxDepth"], progress=lines.append
    )
    return result, lines, time.perf_counter() - started


@pytest.fixture(scope="module")
def adult_scored(cv, adult_test, spec):
    """The chosen tree's predictions for adult.test (not the held-out set: that is used once)."""
    return cv[0].model.transform(index_label(adult_test, spec)).cache()


def test_cv_table_has_one_row_per_grid_point_with_fold_statistics(cv):
    result, lines, _ = cv
    table = result.table
    assert list(table["maxDepth"]) == DEPTHS
    assert list(table.columns) == [
        "maxDepth", "fold_1", "fold_2", "fold_3", "mean", "std", "se", "fit_seconds"
    ]  # fmt: skip
    folds = table[["fold_1", "fold_2", "fold_3"]]
    assert list(table["mean"]) == pytest.approx(list(folds.mean(axis=1)))
    assert list(table["std"]) == pytest.approx(list(folds.std(axis=1, ddof=1)))
    assert list(table["se"]) == pytest.approx(list(table["std"] / math.sqrt(3)))
    assert (table["std"] > 0).all()
    assert table.loc[2, "mean"] > table.loc[0, "mean"]  # depth 7 separates better than depth 2


def test_progress_prints_one_line_per_candidate_without_timings(cv):
    result, lines, _ = cv
    assert lines == [
        f"candidate {i + 1}/3 maxDepth={d}: mean areaUnderROC {result.table.loc[i, 'mean']:.4f}"
        for i, d in enumerate(DEPTHS)
    ]


def test_fit_times_are_measured_within_the_wall_clock(cv):
    result, _, wall_seconds = cv
    fit_seconds = result.table["fit_seconds"]
    assert (fit_seconds > 0).all()
    assert fit_seconds.sum() * 3 < wall_seconds  # three folds each, inside the whole run


def test_a_fold_score_equals_a_pipeline_fitted_on_that_fold_alone(cv, pipeline, split):
    """Indexers are fitted on the fold's training part only, exactly as a plain fit would."""
    result, _, _ = cv
    assigned = split[0].withColumn(FOLD_COL, F.floor(F.rand(42) * 3)).cache()
    fit_part = assigned.filter(F.col(FOLD_COL) != 0)
    score_part = assigned.filter(F.col(FOLD_COL) == 0)
    tree = pipeline.getStages()[-2]
    model = pipeline.fit(fit_part, {tree.maxDepth: DEPTHS[1]})
    assert evaluate(model, score_part) == pytest.approx(result.table.loc[1, "fold_1"], abs=1e-9)
    assigned.unpersist()


def test_means_agree_with_sparks_own_cross_validator(cv, pipeline, split):
    result, _, _ = cv
    tree = pipeline.getStages()[-2]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, [DEPTHS[0]]).build()
    assigned = split[0].withColumn(FOLD_COL, F.floor(F.rand(42) * 3).cast("int")).cache()
    spark_cv = CrossValidator(
        estimator=pipeline,
        estimatorParamMaps=grid,
        evaluator=auc_evaluator(),
        numFolds=3,
        foldCol=FOLD_COL,
    ).fit(assigned)
    assert spark_cv.avgMetrics[0] == pytest.approx(result.table.loc[0, "mean"], abs=1e-9)
    population_std = result.table.loc[0, "std"] * math.sqrt(2 / 3)  # Spark divides by n
    assert spark_cv.stdMetrics[0] == pytest.approx(population_std, abs=1e-9)
    assigned.unpersist()


def test_cv_chooses_by_the_rule_and_refits_the_choice(cv):
    result, _, _ = cv
    assert result.best_index == int(result.table["mean"].idxmax())
    assert result.chosen_index == simplest_within_one_se(result.table, simpler=["maxDepth"])
    assert result.chosen_params == {"maxDepth": DEPTHS[result.chosen_index]}
    assert result.model.stages[-2].getMaxDepth() == result.chosen_params["maxDepth"]


def test_the_held_out_set_gives_one_score_then_refuses(cv, split, adult_train):
    result, _, _ = cv
    rest, test = split
    assert rest.count() + test._frame.count() == adult_train.count()
    assert not test.used and "not used yet" in repr(test)
    score = test.evaluate(result.model)
    assert score == auc_evaluator().evaluate(result.model.transform(test._frame))
    assert test.used and test.score == score
    with pytest.raises(HeldOutReused, match=f"already gave its one score \\({score:.4f}\\)"):
        test.evaluate(result.model)
    with pytest.raises(BadGrid, match="fraction must be between 0 and 1"):
        hold_out(rest, fraction=1.5)


def _mann_whitney_auc(labels: pd.Series, scores: pd.Series) -> float:
    """AUC as the chance a random positive outscores a random negative (ties count half)."""
    ranks = scores.rank()
    positives = labels == 1.0
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def test_auc_from_probability_is_right_for_a_tree_and_leaf_counts_are_not(adult_scored):
    rows = adult_scored.select("label", "probability", "rawPrediction").toPandas()
    probability = rows["probability"].map(lambda v: float(v[1]))
    leaf_count = rows["rawPrediction"].map(lambda v: float(v[1]))
    assert (leaf_count > 1).any()  # counts of training rows, not scores in [0, 1]
    from_probability = auc_evaluator().evaluate(adult_scored)
    from_raw = BinaryClassificationEvaluator(labelCol="label").evaluate(adult_scored)
    assert from_probability == pytest.approx(_mann_whitney_auc(rows["label"], probability))
    assert from_raw == pytest.approx(_mann_whitney_auc(rows["label"], leaf_count))
    assert from_probability > from_raw + 0.05


def test_leaf_count_evaluators_are_refused_for_trees_only(cv, pipeline, split, spec):
    naive = BinaryClassificationEvaluator(labelCol="label")
    with pytest.raises(MisleadingEvaluator, match="class counts of each leaf"):
        evaluate(cv[0].model, split[0], naive)
    tree = pipeline.getStages()[-2]
    grid = ParamGridBuilder().addGrid(tree.maxDepth, [2]).build()
    with pytest.raises(MisleadingEvaluator, match="rawPredictionCol='probability'"):
        cross_validate(pipeline, grid, split[0], evaluator=naive)
    check_evaluator(naive, build_pipeline(spec, "logistic_regression").getStages())
    check_evaluator(auc_evaluator(), pipeline.getStages())


def test_plot_shows_every_candidate_the_bar_and_the_choice(cv):
    result, _, _ = cv
    figure = plot_cv(result)
    scores, times = figure.axes
    assert len(times.patches) == len(result.table)
    assert [t.get_text() for t in times.get_xticklabels()] == [str(d) for d in DEPTHS]
    assert [b.get_height() for b in times.patches] == list(result.table["fit_seconds"])
    assert "areaUnderROC" in scores.get_ylabel() and scores.get_xlabel() == "maxDepth"
    best = result.table.loc[result.best_index]
    bar = [line for line in scores.get_lines() if line.get_label() == "best ∓ 1 SE"][0]
    assert bar.get_ydata()[0] == pytest.approx(best["mean"] - best["se"])
    chosen = [line for line in scores.get_lines() if line.get_label() == "chosen"][0]
    assert list(chosen.get_xdata()) == [result.chosen_index]


def test_plot_labels_each_candidate_when_several_parameters_are_tuned(pipeline):
    tree = pipeline.getStages()[-2]
    grid = (
        ParamGridBuilder().addGrid(tree.maxDepth, [3, 5]).addGrid(tree.minInfoGain, [0.0, 0.01])
    ).build()
    table = pd.DataFrame(
        {
            "maxDepth": [3, 3, 5, 5],
            "minInfoGain": [0.0, 0.01, 0.0, 0.01],
            "mean": [0.82, 0.81, 0.85, 0.84],
            "std": [0.01] * 4,
            "se": [0.006] * 4,
            "fit_seconds": [1.0, 1.1, 1.5, 1.4],
        }
    )
    result = CVResult(table, grid, "areaUnderROC", best_index=2, chosen_index=2, model=None)
    _, times = plot_cv(result).axes
    labels = [t.get_text() for t in times.get_xticklabels()]
    assert labels == [
        f"maxDepth={p[tree.maxDepth]}\nminInfoGain={p[tree.minInfoGain]}" for p in grid
    ]


def test_bad_set_ups_are_refused_with_the_fix(pipeline, split):
    with pytest.raises(BadGrid, match="grid is empty"):
        cross_validate(pipeline, [], split[0])
    foreign = build_pipeline(adult_spec(), "decision_tree").getStages()[-2]
    grid = ParamGridBuilder().addGrid(foreign.maxDepth, [2]).build()
    with pytest.raises(BadGrid, match="No grid parameter belongs to a stage"):
        cross_validate(pipeline, grid, split[0])
    with pytest.raises(BadGrid, match="folds must be at least 2"):
        cross_validate(pipeline, grid, split[0], folds=1)
    own = ParamGridBuilder().addGrid(pipeline.getStages()[-2].maxDepth, [2]).build()
    with pytest.raises(BadGrid, match="Did you mean 'maxDepth'"):
        cross_validate(pipeline, own, split[0], simpler=["maxdepth"])
    with pytest.raises(MissingColumns, match="index_label"):
        cross_validate(pipeline, own, split[0].drop("label"))
