"""``toDebugString`` with real feature and category names, cut to a readable depth."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.inspect._labels import NodeLabeller
from labkit.inspect._nodes import TreeNode
from labkit.inspect._resolve import TreeView, tree_view
from labkit.pipeline import Feature


def debug_string(
    model: Any,
    *,
    feature_names: Sequence[str | Feature] | None = None,
    class_names: Sequence[str] | None = None,
    max_depth: int | None = None,
    precision: int = 4,
    tree: int | None = None,
) -> str:
    """Spark's ``toDebugString`` layout, with names instead of ``feature 17`` and ``1.0``.

    Parameters
    ----------
    model : tree model, ensemble or PipelineModel
        A fitted decision tree (classifier or regressor), a random forest or GBT
        model (with ``tree=``), or a PipelineModel ending in one of them.
    feature_names : sequence of str or Feature, optional
        One per feature; :class:`~labkit.pipeline.Feature` objects (from
        :func:`~labkit.pipeline.pipeline_features`) also name categories.
    class_names : sequence of str, optional
        Defaults to a labkit pipeline's class names, else ``class 0``, ``class 1``...
    max_depth : int, optional
        Show this many levels of splits; deeper subtrees become one ``...`` line.
    precision : int, default=4
        Decimals for thresholds and values.
    tree : int, optional
        Which tree of an ensemble.

    Returns
    -------
    text : str

    Examples
    --------
    >>> print(debug_string(fitted, feature_names=pipeline_features(fitted, test), max_depth=1))
    DecisionTreeClassificationModel: depth=4, numNodes=31, numClasses=2, numFeatures=14
      If (relationship in {Husband, Wife})
       ... 15 nodes, mostly <=50K
      Else (relationship not in {Husband, Wife})
       ... 15 nodes, mostly <=50K
    """
    view = tree_view(model, tree=tree, feature_names=feature_names, class_names=class_names)
    return render_text(view, max_depth=max_depth, precision=precision)


def render_text(view: TreeView, *, max_depth: int | None = None, precision: int = 4) -> str:
    """The debug string of an already read :class:`TreeView`."""
    labeller = NodeLabeller(view, precision=precision)
    header = f"{view.model_name}: depth={view.root.depth}, numNodes={view.root.size}"
    if view.class_names is not None:
        header += f", numClasses={len(view.class_names)}"
    lines = [header + f", numFeatures={view.num_features}"]
    _write(view.root, labeller, lines, depth=0, max_depth=max_depth)
    return "\n".join(lines)


def _write(
    node: TreeNode, labeller: NodeLabeller, lines: list[str], *, depth: int, max_depth: int | None
) -> None:
    indent = " " * (depth + 2)
    if max_depth is not None and depth > max_depth:
        word = "mostly" if labeller.view.class_names is not None else "mean"
        lines.append(f"{indent}... {_nodes(node.size)}, {word} {labeller.prediction(node)}")
        return
    if node.split is None:
        lines.append(f"{indent}Predict: {labeller.prediction(node)}")
        return
    for child, holds in ((node.left, True), (node.right, False)):
        keyword = "If" if holds else "Else"
        lines.append(f"{indent}{keyword} ({labeller.condition(node.split, holds=holds)})")
        _write(child, labeller, lines, depth=depth + 1, max_depth=max_depth)


def _nodes(count: int) -> str:
    return f"{count} node" if count == 1 else f"{count} nodes"
