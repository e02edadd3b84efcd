"""Feature importances by name: a table and a bar chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labkit.errors import FeatureNamesMismatch, NotATreeModel
from labkit.inspect._resolve import last_model_stage
from labkit.pipeline import Feature

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def feature_importances(
    model: Any, *, feature_names: Sequence[str | Feature] | None = None
) -> pd.DataFrame:
    """Spark's ``featureImportances`` as a table, largest first.

    Spark measures a feature's importance as the impurity decrease of its
    splits, weighted by the rows they split, summed over the tree(s) and
    normalised to 1. It says what the model *uses*, not what causes the label.

    Parameters
    ----------
    model : tree model, ensemble or PipelineModel ending in one
    feature_names : sequence of str or Feature, optional
        Defaults to ``feature 0``, ``feature 1``, ...

    Returns
    -------
    importances : pandas.DataFrame
        Columns ``feature`` and ``importance`` (summing to 1), sorted by importance.

    Raises
    ------
    NotATreeModel
        For a model without feature importances (e.g. logistic regression).
    FeatureNamesMismatch
        When the number of names differs from the number of features.

    Examples
    --------
    >>> feature_importances(fitted, feature_names=names).iloc[0]["feature"]
    'relationship'
    """
    import pandas as pd

    learnt = last_model_stage(model)
    if not hasattr(learnt, "featureImportances"):
        raise NotATreeModel(
            f"{type(learnt).__name__} has no feature importances; they exist for "
            "tree models. For a linear model look at its coefficients."
        )
    values = learnt.featureImportances.toArray()
    names = _names(feature_names, len(values))
    table = pd.DataFrame({"feature": names, "importance": values})
    table = table.sort_values("importance", ascending=False, kind="stable")
    return table.reset_index(drop=True)


def plot_feature_importances(
    model: Any,
    *,
    feature_names: Sequence[str | Feature] | None = None,
    top: int = 15,
    title: str = "Feature importances",
) -> Figure:
    """A horizontal bar chart of the ``top`` importances, largest at the top.

    ``model`` may also be a table from :func:`feature_importances`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Shown inline by Jupyter; save with ``figure.savefig(path)``.

    Examples
    --------
    >>> figure = plot_feature_importances(fitted, feature_names=names, top=5)
    >>> len(figure.axes[0].patches)
    5
    """
    from matplotlib.figure import Figure

    table = model if _is_table(model) else feature_importances(model, feature_names=feature_names)
    shown = table.head(top).iloc[::-1]
    figure = Figure(figsize=(7, 0.35 * len(shown) + 1.2), layout="constrained")
    axes = figure.subplots()
    axes.barh(shown["feature"], shown["importance"], color="#399de5")
    axes.set_xlabel("importance (share of impurity decrease)")
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def _is_table(value: Any) -> bool:
    return hasattr(value, "columns") and {"feature", "importance"} <= set(value.columns)


def _names(feature_names: Sequence[str | Feature] | None, count: int) -> list[str]:
    if feature_names is None:
        return [f"feature {i}" for i in range(count)]
    if len(feature_names) != count:
        raise FeatureNamesMismatch(
            f"Got {len(feature_names)} feature names, but the model has {count} features. "
            "Pass pipeline_features(pipeline_model, data) for a labkit pipeline."
        )
    return [n.name if isinstance(n, Feature) else str(n) for n in feature_names]
