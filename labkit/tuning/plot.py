"""A picture of a cross-validation: every candidate's score and spread, and its fit time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit.tuning.cv import CVResult, _describe

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    >>> import pandas as pd
    >>> from pyspark.ml.classification import DecisionTreeClassifier
    >>> depth = DecisionTreeClassifier().maxDepth
    >>> table = pd.DataFrame({"maxDepth": [2, 4], "mean": [0.80, 0.85], "std": [0.01, 0.02],
    ...                       "se": [0.006, 0.012], "fit_seconds": [1.0, 2.0]})
    >>> result = CVResult(table, [{depth: 2}, {depth: 4}], "areaUnderROC", 1, 1, None)
    >>> figure = plot_cv(result)
    >>> [axes.get_xlabel() for axes in figure.axes]
    ['maxDepth', 'maxDepth']
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
