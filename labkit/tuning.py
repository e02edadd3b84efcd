"""Cross-validation that shows every candidate, picks a simple one, and keeps the test set out.

Spark's ``CrossValidator`` returns the best model and the mean metric per
candidate. :func:`cross_validate` does the same work but keeps what a person
needs to choose: every fold's score, the spread, the fit time, and progress
while it runs. :func:`simplest_within_one_se` applies the one-standard-error
rule: among the candidates whose mean is within one standard error of the best,
take the simplest, because the difference is noise and the simple one is cheaper.

Stages before the first tuned stage (indexers, assembler) are fitted once per
fold, on that fold's training part only, then reused by every candidate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.errors import BadGrid

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.evaluation import Evaluator
    from pyspark.sql import DataFrame

FOLD_COL = "_labkit_fold"


def auc_evaluator(label_col: str = "label"):
    """Area under the ROC curve, scored from ``probability``: right for trees and everything else.

    A tree's ``rawPrediction`` holds the class *counts* of its leaf, not a score,
    so ranking by it (Spark's default) gives a much lower AUC than the model earns.

    Examples
    --------
    >>> auc_evaluator().getRawPredictionCol()
    'probability'
    """
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    return BinaryClassificationEvaluator(
        labelCol=label_col, rawPredictionCol="probability", metricName="areaUnderROC"
    )


@dataclass
class CVResult:
    """What cross-validation found: every candidate, the best, the chosen one, its model."""

    table: pd.DataFrame
    metric: str
    best_index: int
    chosen_index: int
    model: PipelineModel | None

    @property
    def chosen_params(self) -> dict[str, Any]:
        """The chosen candidate's parameters, by name."""
        row = self.table.iloc[self.chosen_index]
        return {c: row[c] for c in self.table.attrs.get("params", [])}


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
        From ``ParamGridBuilder().addGrid(...).build()``.
    train : DataFrame
        Training data only: split the test set off before calling this.
    evaluator : Evaluator, default=auc_evaluator()
    folds : int, default=3
    seed : int, default=42
        Fixes the fold assignment.
    simpler : sequence of str, optional
        Parameter names where a smaller value means a simpler model (e.g.
        ``["maxDepth"]``); with it the chosen candidate is the simplest within one
        standard error of the best, else the best.
    refit : bool, default=True
        Fit the chosen candidate on all of ``train`` (``result.model``).
    progress : callable, default=print
        Called with one line per candidate; None for silence.

    Returns
    -------
    result : CVResult
        ``table`` has one row per grid point: the parameters, ``fold_1``.. scores,
        ``mean``, ``std``, ``se`` and ``fit_seconds`` (total over folds).

    Examples
    --------
    >>> grid = ParamGridBuilder().addGrid(tree.maxDepth, [2, 4]).build()
    >>> result = cross_validate(pipeline, grid, index_label(train, spec), simpler=["maxDepth"])
    >>> len(result.table)
    2
    """
    import pandas as pd

    evaluator = evaluator or auc_evaluator()
    _check_grid(grid, folds)
    prefix, rest = _split_stages(pipeline, grid)
    parts = _fold_parts(prefix, train, folds, seed)
    rows = []
    for number, params in enumerate(grid, start=1):
        scores, seconds = [], 0.0
        for fit_part, score_part in parts:
            started = time.perf_counter()
            model = rest.fit(fit_part, params)
            seconds += time.perf_counter() - started
            scores.append(evaluator.evaluate(model.transform(score_part)))
        row = _row(params, scores, seconds)
        rows.append(row)
        if progress is not None:
            progress(
                f"candidate {number}/{len(grid)} {_describe(params)}: "
                f"mean {evaluator.getMetricName()} {row['mean']:.4f}"
            )
    for part in (frame for pair in parts for frame in pair):
        part.unpersist()
    table = pd.DataFrame(rows)
    table.attrs["params"] = sorted({p.name for params in grid for p in params})
    larger = evaluator.isLargerBetter()
    best = int(table["mean"].idxmax() if larger else table["mean"].idxmin())
    chosen = (
        simplest_within_one_se(table, simpler=simpler, larger_is_better=larger) if simpler else best
    )
    model = pipeline.fit(train, grid[chosen]) if refit else None
    return CVResult(table, evaluator.getMetricName(), best, chosen, model)


def simplest_within_one_se(
    table: pd.DataFrame, *, simpler: Sequence[str], larger_is_better: bool = True
) -> int:
    """Index of the simplest row whose ``mean`` is within one ``se`` of the best row's.

    Rows are compared by the ``simpler`` columns in order (smaller is simpler);
    ties go to the better mean.

    Examples
    --------
    >>> table = pd.DataFrame({"maxDepth": [2, 4, 8], "mean": [0.80, 0.85, 0.86],
    ...                       "se": [0.01, 0.01, 0.02]})
    >>> simplest_within_one_se(table, simpler=["maxDepth"])
    1
    """
    missing = [c for c in [*simpler, "mean", "se"] if c not in table.columns]
    if missing:
        raise BadGrid(
            f"The candidate table lacks column(s) {missing}; it has {list(table.columns)}."
        )
    sign = 1 if larger_is_better else -1
    best = (table["mean"] * sign).idxmax()
    bar = table.at[best, "mean"] * sign - table.at[best, "se"]
    eligible = table[table["mean"] * sign >= bar - 1e-12]
    ranked = eligible.assign(_score=-eligible["mean"] * sign)
    ranked = ranked.sort_values([*simpler, "_score"], kind="stable")
    return int(ranked.index[0])


def evaluate(model: PipelineModel, test: DataFrame, evaluator: Evaluator | None = None) -> float:
    """Score a fitted model once on the held-out test set.

    Examples
    --------
    >>> round(evaluate(result.model, index_label(test, spec)), 3)
    0.88
    """
    return (evaluator or auc_evaluator()).evaluate(model.transform(test))


def plot_cv(result: CVResult, *, x: str) -> Figure:
    """Mean ± one standard deviation across folds against ``x``, and fit time beside it.

    Examples
    --------
    >>> figure = plot_cv(result, x="maxDepth")
    >>> len(figure.axes)
    2
    """
    from matplotlib.figure import Figure

    table = result.table.sort_values(x)
    figure = Figure(figsize=(9, 3.4), layout="constrained")
    score_axes, time_axes = figure.subplots(1, 2)
    score_axes.errorbar(table[x], table["mean"], yerr=table["std"], marker="o", capsize=4)
    chosen = result.table.iloc[result.chosen_index]
    score_axes.plot([chosen[x]], [chosen["mean"]], "s", color="#e58139", label="chosen")
    score_axes.set(xlabel=x, ylabel=f"{result.metric} (mean ± std over folds)")
    score_axes.legend(loc="lower right")
    time_axes.bar(table[x].astype(str), table["fit_seconds"], color="#399de5")
    time_axes.set(xlabel=x, ylabel="fit time, all folds (s)")
    return figure


def _check_grid(grid: Sequence[dict], folds: int) -> None:
    if not grid:
        raise BadGrid("The parameter grid is empty: add at least one value with addGrid().")
    if folds < 2:
        raise BadGrid(f"folds must be at least 2 to cross-validate, got {folds}.")


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


def _fold_parts(prefix: list, train: DataFrame, folds: int, seed: int) -> list:
    """(fit part, score part) per fold, the untuned stages fitted on the fit part only."""
    from pyspark.ml import Pipeline
    from pyspark.sql import functions as F

    assigned = train.withColumn(FOLD_COL, F.floor(F.rand(seed) * folds)).cache()
    parts = []
    for fold in range(folds):
        fit_part = assigned.filter(F.col(FOLD_COL) != fold)
        score_part = assigned.filter(F.col(FOLD_COL) == fold)
        if prefix:
            prepared = Pipeline(stages=prefix).fit(fit_part)
            fit_part, score_part = prepared.transform(fit_part), prepared.transform(score_part)
        parts.append((fit_part.cache(), score_part.cache()))
    return parts


def _row(params: dict, scores: list[float], seconds: float) -> dict[str, Any]:
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
    row: dict[str, Any] = {p.name: v for p, v in params.items()}
    row |= {f"fold_{i}": s for i, s in enumerate(scores, start=1)}
    return row | {
        "mean": mean,
        "std": std,
        "se": std / math.sqrt(len(scores)),
        "fit_seconds": seconds,
    }


def _describe(params: dict) -> str:
    return ", ".join(f"{p.name}={v}" for p, v in sorted(params.items(), key=lambda kv: kv[0].name))
