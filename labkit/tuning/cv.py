"""Cross-validation that keeps every fold's score, the spread and the fit time of every candidate.

Spark's ``CrossValidator`` returns the best model with the mean (and, since
3.3, the population standard deviation) of the metric per candidate. It keeps
no per-fold scores and no fit times, and it refits the feature stages for every
candidate. :func:`cross_validate` runs the folds itself. Stages before the first
tuned stage (indexers, assembler) are fitted once per fold, on that fold's
training part only, then reused by every candidate.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.errors import BadGrid, MissingColumns
from labkit.tuning.evaluation import auc_evaluator, check_evaluator
from labkit.tuning.selection import simplest_within_one_se

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.evaluation import Evaluator
    from pyspark.sql import DataFrame

FOLD_COL = "_labkit_fold"


#: Columns of the candidate table that are not parameters.
SCORE_COLUMNS = ("mean", "std", "se", "fit_seconds")


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
    ``people`` is a small DataFrame whose income follows age exactly; with 20
    rows per fold both depths score the same, and the rule keeps the shallower.

    >>> from pyspark.ml.tuning import ParamGridBuilder
    >>> from labkit.pipeline import build_pipeline, index_label
    >>> pipeline = build_pipeline(people_spec, "decision_tree")
    >>> tree = pipeline.getStages()[-2]
    >>> grid = ParamGridBuilder().addGrid(tree.maxDepth, [1, 3]).build()
    >>> result = cross_validate(pipeline, grid, index_label(people, people_spec),
    ...                         folds=2, simpler=["maxDepth"])
    candidate 1/2 maxDepth=1: mean areaUnderROC 0.8958
    candidate 2/2 maxDepth=3: mean areaUnderROC 0.8958
    >>> list(result.table.columns[:3]), result.chosen_params
    (['maxDepth', 'fold_1', 'fold_2'], {'maxDepth': 1})
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
