"""Cross-validation that shows every candidate, picks a simple one, and keeps the test set out.

Spark's ``CrossValidator`` returns the best model with the mean (and, since
3.3, the population standard deviation) of the metric per candidate. It keeps
no per-fold scores and no fit times, and it refits the feature stages for every
candidate. :func:`cross_validate` runs the folds itself to keep what a person
needs to choose: every fold's score, the spread, the measured fit time, and a
progress line per candidate. :func:`simplest_within_one_se` applies the
one-standard-error rule: among the candidates whose mean is within one standard
error of the best, take the simplest, because the difference is noise and the
simple one is cheaper to run and easier to read.

Stages before the first tuned stage (indexers, assembler) are fitted once per
fold, on that fold's training part only, then reused by every candidate.

The test set is split off before any of this (:func:`hold_out`) and wrapped in
a :class:`HeldOut` that gives exactly one score.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.errors import BadGrid, HeldOutReused, MisleadingEvaluator, MissingColumns

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.evaluation import Evaluator
    from pyspark.sql import DataFrame

FOLD_COL = "_labkit_fold"
#: Columns of the candidate table that are not parameters.
SCORE_COLUMNS = ("mean", "std", "se", "fit_seconds")


def auc_evaluator(label_col: str = "label"):
    """Area under the ROC curve, scored from ``probability``: right for trees and everything else.

    A decision tree's ``rawPrediction`` holds the class *counts* of its leaf, not
    a score, so ranking by it (Spark's default) gives a much lower AUC than the
    model earns. ``probability`` ranks every classifier correctly.

    Examples
    --------
    >>> auc_evaluator().getRawPredictionCol()
    'probability'
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    return BinaryClassificationEvaluator(
        labelCol=label_col, rawPredictionCol="probability", metricName="areaUnderROC"
    )


def check_evaluator(evaluator: Evaluator, stages: Sequence[Any]) -> None:
    """Refuse a binary evaluator that would rank a decision tree by its leaf counts.

    Raises
    ------
    MisleadingEvaluator
        When ``stages`` hold a ``DecisionTreeClassifier`` (or its model) and the
        evaluator reads that stage's ``rawPrediction`` column.

    Examples
    --------
    >>> check_evaluator(auc_evaluator(), pipeline.getStages())  # fine: reads probability
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    if not isinstance(evaluator, BinaryClassificationEvaluator):
        return
    for stage in stages:
        is_tree = type(stage).__name__.startswith("DecisionTreeClassifi")
        if is_tree and evaluator.getRawPredictionCol() == stage.getRawPredictionCol():
            raise MisleadingEvaluator(
                f"The evaluator scores {evaluator.getMetricName()} from "
                f"{evaluator.getRawPredictionCol()!r}, which for a decision tree holds the class "
                "counts of each leaf, not a score: big leaves outrank pure ones and the metric "
                "comes out far too low. Use rawPredictionCol='probability' "
                "(labkit.tuning.auc_evaluator() does)."
            )


@dataclass
class CVResult:
    """What cross-validation found: every candidate, the best, the chosen one, its model."""

    table: pd.DataFrame
    grid: list[dict]
    metric: str
    best_index: int
    chosen_index: int
    model: PipelineModel | None
    larger_is_better: bool = True

    @property
    def params(self) -> list[str]:
        """Names of the tuned parameters (the table's first columns)."""
        return sorted({p.name for params in self.grid for p in params})

    @property
    def chosen_params(self) -> dict[str, Any]:
        """The chosen candidate's parameters, by name."""
        return {p.name: v for p, v in self.grid[self.chosen_index].items()}


def cross_validate(
    pipeline: Pipeline,
    grid: Sequence[dict],
    train: DataFrame,
    *,
    evaluator: Evaluator | None = None,
    folds: int = 3,
    seed: int = 42,
    simpler: Sequence[str] | None = None,
    refit: bool = True,
    progress: Callable[[str], None] | None = print,
) -> CVResult:
    """Score every grid point on every fold; choose by the one-standard-error rule.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted on ``train``, which must hold the numeric label already.
    grid : sequence of param maps
        From ``ParamGridBuilder().addGrid(...).build()``, built from this
        pipeline's own stages.
    train : DataFrame
        Training data only: split the test set off before calling this.
    evaluator : Evaluator, default=auc_evaluator()
    folds : int, default=3
    seed : int, default=42
        Fixes the fold assignment.
    simpler : sequence of str, optional
        Parameter names in order of importance where a smaller value means a
        simpler model (``["maxDepth"]``); prefix a name with ``-`` when a larger
        value is simpler (``["-regParam"]``). With it the chosen candidate is the
        simplest within one standard error of the best, else the best.
    refit : bool, default=True
        Fit the chosen candidate on all of ``train`` (``result.model``).
    progress : callable, default=print
        Called with one line per candidate (no timings, so output is repeatable);
        None for silence.

    Returns
    -------
    result : CVResult
        ``table`` has one row per grid point, in grid order: the parameters,
        ``fold_1``.. scores, ``mean``, ``std`` (sample standard deviation across
        folds; Spark's ``stdMetrics`` divides by n instead of n - 1), ``se``
        (``std / sqrt(folds)``) and ``fit_seconds`` (mean measured seconds per fold).

    Raises
    ------
    BadGrid
        For an empty grid, fewer than 2 folds, a grid not built from the
        pipeline's stages, or a ``simpler`` name that is not in the grid.
    MissingColumns
        When ``train`` lacks the evaluator's label column.
    MisleadingEvaluator
        When the evaluator would score a decision tree from leaf counts.

    Examples
    --------
    >>> tree = pipeline.getStages()[-2]
    >>> grid = ParamGridBuilder().addGrid(tree.maxDepth, [2, 4]).build()
    >>> result = cross_validate(pipeline, grid, train, simpler=["maxDepth"])
    candidate 1/2 maxDepth=2: mean areaUnderROC 0.8306
    candidate 2/2 maxDepth=4: mean areaUnderROC 0.8452
    >>> len(result.table)
    2
    """
    import pandas as pd
    from pyspark.sql import functions as F

    evaluator = evaluator or auc_evaluator()
    _check_grid(grid, folds, simpler or ())
    _check_label(train, evaluator)
    check_evaluator(evaluator, pipeline.getStages())
    prefix, rest = _split_stages(pipeline, grid)
    assigned = train.withColumn(FOLD_COL, F.floor(F.rand(seed) * folds)).cache()
    parts = _fold_parts(prefix, assigned, folds)
    rows = []
    try:
        for number, params in enumerate(grid, start=1):
            rows.append(_score_candidate(rest, params, parts, evaluator))
            if progress is not None:
                progress(
                    f"candidate {number}/{len(grid)} {_describe(params)}: "
                    f"mean {evaluator.getMetricName()} {rows[-1]['mean']:.4f}"
                )
    finally:
        for fit_part, score_part in parts:
            fit_part.unpersist()
            score_part.unpersist()
        assigned.unpersist()
    table = pd.DataFrame(rows)
    larger = evaluator.isLargerBetter()
    best = int(table["mean"].idxmax() if larger else table["mean"].idxmin())
    if simpler:
        chosen = simplest_within_one_se(table, simpler=simpler, larger_is_better=larger)
    else:
        chosen = best
    model = pipeline.fit(train, grid[chosen]) if refit else None
    return CVResult(table, list(grid), evaluator.getMetricName(), best, chosen, model, larger)


def simplest_within_one_se(
    table: pd.DataFrame, *, simpler: Sequence[str], larger_is_better: bool = True
) -> int:
    """Index of the simplest row whose ``mean`` is within one ``se`` of the best row's.

    Rows are ordered by the ``simpler`` columns in turn (smaller is simpler;
    a ``-`` before the name means larger is simpler); ties go to the better mean,
    then to the earlier row. When the best row is also the simplest, it is chosen.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per candidate with the ``simpler`` columns, ``mean`` and ``se``.
    simpler : sequence of str
        Column names, most important first, e.g. ``["maxDepth", "-minInfoGain"]``.
    larger_is_better : bool, default=True
        False for error metrics (RMSE, log loss).

    Returns
    -------
    index : int
        The chosen row's index label.

    Raises
    ------
    BadGrid
        When a needed column is missing, or ``table`` is empty.

    Examples
    --------
    >>> table = pd.DataFrame({"maxDepth": [2, 4, 8], "mean": [0.80, 0.85, 0.86],
    ...                       "se": [0.01, 0.01, 0.02]})
    >>> simplest_within_one_se(table, simpler=["maxDepth"])
    1
    """
    names = [name.removeprefix("-") for name in simpler]
    missing = [c for c in [*names, "mean", "se"] if c not in table.columns]
    if missing:
        raise BadGrid(
            f"The candidate table lacks column(s) {missing}; it has {list(table.columns)}."
        )
    if table.empty:
        raise BadGrid("The candidate table has no rows: cross-validate at least one candidate.")
    sign = 1 if larger_is_better else -1
    best = (table["mean"] * sign).idxmax()
    bar = table.at[best, "mean"] * sign - table.at[best, "se"]
    # A hair of tolerance so a candidate exactly on the bar is not lost to float rounding.
    eligible = table[table["mean"] * sign >= bar - 1e-12]
    keys = {
        f"_key{i}": -eligible[n] if s.startswith("-") else eligible[n]
        for i, (s, n) in enumerate(zip(simpler, names, strict=True))
    }
    ranked = eligible.assign(**keys, _worse=-eligible["mean"] * sign)
    ranked = ranked.sort_values([*keys, "_worse"], kind="stable")
    return int(ranked.index[0])


def evaluate(model: PipelineModel, frame: DataFrame, evaluator: Evaluator | None = None) -> float:
    """Score a fitted model on ``frame`` (AUC from ``probability`` unless told otherwise).

    Raises
    ------
    MisleadingEvaluator
        When the evaluator would score a decision tree from leaf counts.

    Examples
    --------
    >>> round(evaluate(result.model, validation), 3)
    0.88
    """
    evaluator = evaluator or auc_evaluator()
    check_evaluator(evaluator, getattr(model, "stages", [model]))
    return evaluator.evaluate(model.transform(frame))


class HeldOut:
    """A test set kept aside before tuning starts: it gives one score, then refuses.

    Every look at a test set that changes what you do next (another depth,
    another feature) turns it into one more validation set, and its score
    becomes as optimistic as the cross-validation score. Wrapping it makes the
    one honest look explicit.

    Parameters
    ----------
    frame : DataFrame
        The held-out rows, with the numeric label.
    name : str, default="test set"
        Used in messages.

    Examples
    --------
    >>> train, test = hold_out(index_label(load_adult(spark, "train"), spec), seed=42)
    >>> score = test.evaluate(result.model)
    >>> test.used
    True
    """

    def __init__(self, frame: DataFrame, *, name: str = "test set") -> None:
        self._frame = frame
        self.name = name
        self.score: float | None = None

    @property
    def used(self) -> bool:
        """True once :meth:`evaluate` has given its score."""
        return self.score is not None

    def evaluate(self, model: PipelineModel, evaluator: Evaluator | None = None) -> float:
        """Score ``model`` on the held-out rows; a second call raises :class:`HeldOutReused`."""
        evaluator = evaluator or auc_evaluator()
        if self.score is not None:
            raise HeldOutReused(
                f"The {self.name} already gave its one score ({self.score:.4f}). Scoring again, "
                "after changing anything because of that number, makes it one more validation "
                "set. Report the first score; to tune further, split a new test set off data "
                "the model has never seen."
            )
        self.score = evaluate(model, self._frame, evaluator)
        return self.score

    def __repr__(self) -> str:
        state = f"used, score {self.score:.4f}" if self.score is not None else "not used yet"
        return f"HeldOut({self.name!r}, {state})"


def hold_out(
    frame: DataFrame, *, fraction: float = 0.2, seed: int = 42, name: str = "test set"
) -> tuple[DataFrame, HeldOut]:
    """Split a test set off ``frame`` before tuning: (the rest, cached; the :class:`HeldOut`).

    Raises
    ------
    BadGrid
        When ``fraction`` is not strictly between 0 and 1.

    Examples
    --------
    >>> train, test = hold_out(labelled, fraction=0.2, seed=42)
    >>> test
    HeldOut('test set', not used yet)
    """
    if not 0 < fraction < 1:
        raise BadGrid(f"fraction must be between 0 and 1 (e.g. 0.2 for a fifth), got {fraction}.")
    rest, test = frame.randomSplit([1 - fraction, fraction], seed=seed)
    return rest.cache(), HeldOut(test.cache(), name=name)


def plot_cv(result: CVResult, *, x: str | None = None) -> Figure:
    """Every candidate's mean ± std across folds, the one-SE bar, and measured fit time.

    Parameters
    ----------
    result : CVResult
    x : str, optional
        A tuned parameter for the horizontal axis. Default: the only tuned
        parameter, or one label per candidate when several were tuned.

    Examples
    --------
    >>> figure = plot_cv(result)
    >>> len(figure.axes)
    2
    """
    from matplotlib.figure import Figure

    table = result.table
    if x is None and len(result.params) == 1:
        x = result.params[0]
    labels = [str(v) for v in table[x]] if x else [_describe(p, sep="\n") for p in result.grid]
    order = (
        sorted(range(len(table)), key=lambda i: table[x].iloc[i]) if x else list(range(len(table)))
    )
    positions = range(len(order))
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    score_axes, time_axes = figure.subplots(1, 2)
    means, spreads = table["mean"].iloc[order], table["std"].iloc[order]
    score_axes.errorbar(positions, means, yerr=spreads, marker="o", capsize=4, label="candidates")
    best, chosen = table.iloc[result.best_index], table.iloc[result.chosen_index]
    bar = best["mean"] - best["se"] if result.larger_is_better else best["mean"] + best["se"]
    score_axes.axhline(bar, linestyle="--", color="grey", label="best ∓ 1 SE")
    score_axes.plot(
        [order.index(result.chosen_index)],
        [chosen["mean"]],
        "s",
        color="#e58139",
        markersize=10,
        label="chosen",
    )
    score_axes.set(xlabel=x or "candidate", ylabel=f"{result.metric}, mean ± std over folds")
    time_axes.bar(positions, table["fit_seconds"].iloc[order], color="#399de5")
    time_axes.set(xlabel=x or "candidate", ylabel="fit time per fold (s)")
    for axes in (score_axes, time_axes):
        axes.set_xticks(list(positions), [labels[i] for i in order])
    score_axes.legend(loc="best", fontsize="small")
    return figure


def _check_grid(grid: Sequence[dict], folds: int, simpler: Sequence[str]) -> None:
    if not grid:
        raise BadGrid("The parameter grid is empty: add at least one value with addGrid().")
    if folds < 2:
        raise BadGrid(f"folds must be at least 2 to cross-validate, got {folds}.")
    tuned = sorted({p.name for params in grid for p in params})
    for name in simpler:
        if name.removeprefix("-") not in tuned:
            close = difflib.get_close_matches(name.removeprefix("-"), tuned, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise BadGrid(
                f"simpler names {name!r}, which the grid does not tune.{hint} "
                f"The grid tunes {tuned}."
            )


def _check_label(train: DataFrame, evaluator: Evaluator) -> None:
    label = evaluator.getLabelCol() if evaluator.hasParam("labelCol") else None
    if label and label not in train.columns:
        raise MissingColumns(
            f"The evaluator reads the label from {label!r}, but the training data has only "
            f"{train.columns}. Add the numeric label first (labkit.pipeline.index_label).",
            (label,),
        )


def _split_stages(pipeline: Pipeline, grid: Sequence[dict]) -> tuple[list, Pipeline]:
    """Stages untouched by the grid that come first (fit once per fold), and the rest."""
    from pyspark.ml import Pipeline

    stages = pipeline.getStages()
    owners = {p.parent for params in grid for p in params}
    tuned = [i for i, s in enumerate(stages) if s.uid in owners]
    if not tuned:
        raise BadGrid(
            "No grid parameter belongs to a stage of this pipeline: build the grid "
            "from the pipeline's own stages (e.g. pipeline.getStages()[-2].maxDepth)."
        )
    return stages[: tuned[0]], Pipeline(stages=stages[tuned[0] :])


def _fold_parts(prefix: list, assigned: DataFrame, folds: int) -> list:
    """(fit part, score part) per fold, the untuned stages fitted on the fit part only.

    Parts are cached and counted here, so the first candidate's fit time does
    not include reading and preparing the data.
    """
    from pyspark.ml import Pipeline
    from pyspark.sql import functions as F

    parts = []
    for fold in range(folds):
        fit_part = assigned.filter(F.col(FOLD_COL) != fold)
        score_part = assigned.filter(F.col(FOLD_COL) == fold)
        if prefix:
            prepared = Pipeline(stages=prefix).fit(fit_part)
            fit_part, score_part = prepared.transform(fit_part), prepared.transform(score_part)
        fit_part, score_part = fit_part.cache(), score_part.cache()
        if fit_part.count() == 0 or score_part.count() == 0:
            raise BadGrid(f"Fold {fold + 1} of {folds} is empty: use fewer folds or more rows.")
        parts.append((fit_part, score_part))
    return parts


def _score_candidate(rest: Pipeline, params: dict, parts: list, evaluator: Evaluator) -> dict:
    scores, seconds = [], []
    for fit_part, score_part in parts:
        started = time.perf_counter()
        model = rest.fit(fit_part, params)
        seconds.append(time.perf_counter() - started)
        scores.append(evaluator.evaluate(model.transform(score_part)))
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
    row: dict[str, Any] = {p.name: v for p, v in sorted(params.items(), key=lambda kv: kv[0].name)}
    row |= {f"fold_{i}": s for i, s in enumerate(scores, start=1)}
    return row | {
        "mean": mean,
        "std": std,
        "se": std / math.sqrt(len(scores)),
        "fit_seconds": sum(seconds) / len(seconds),
    }


def _describe(params: dict, sep: str = ", ") -> str:
    return sep.join(f"{p.name}={v}" for p, v in sorted(params.items(), key=lambda kv: kv[0].name))
