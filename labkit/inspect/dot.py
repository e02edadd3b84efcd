"""Trees drawn with Graphviz: names, counts, impurity, and colour for class and purity."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labkit.inspect._labels import NodeLabeller
from labkit.inspect._nodes import TreeNode
from labkit.inspect._resolve import TreeView, tree_view
from labkit.pipeline import Feature

_GRAPH_ATTR = {"ranksep": "0.35", "nodesep": "0.25"}
_NODE_ATTR = {
    "shape": "box",
    "style": "filled, rounded",
    "fontname": "Helvetica",
    "fontsize": "10",
    "color": "#444444",
}
_EDGE_ATTR = {"fontname": "Helvetica", "fontsize": "9", "color": "#444444"}


def draw_tree(
    model: Any,
    *,
    feature_names: Sequence[str | Feature] | None = None,
    class_names: Sequence[str] | None = None,
    max_depth: int | None = None,
    precision: int = 3,
    tree: int | None = None,
) -> Any:
    """Draw a fitted tree as a ``graphviz.Digraph`` (shown inline by JupyterLab).

    Each box shows the split (with feature and category names), the impurity,
    how many training rows reached it, the rows per class and the predicted
    class; boxes take the colour of their class, paler when less pure. Edges
    say ``yes`` (the condition holds: left) or ``no``. Below ``max_depth``,
    each hidden subtree is a dashed box saying how many nodes it holds.

    Parameters are those of :func:`~labkit.inspect.debug_string`.

    Returns
    -------
    graph : graphviz.Digraph
        Render with ``graph.render(...)`` or ``graph.pipe(format="png")``; its
        ``source`` is the DOT text.

    Examples
    --------
    >>> graph = draw_tree(fitted, feature_names=pipeline_features(fitted, test), max_depth=2)
    >>> graph.source.count("samples =")
    7
    """
    view = tree_view(model, tree=tree, feature_names=feature_names, class_names=class_names)
    return render_graph(view, max_depth=max_depth, precision=precision)


def render_graph(view: TreeView, *, max_depth: int | None = None, precision: int = 3) -> Any:
    """The ``graphviz.Digraph`` of an already read :class:`TreeView`."""
    import graphviz

    labeller = NodeLabeller(view, precision=precision)
    graph = graphviz.Digraph(
        "tree", graph_attr=_GRAPH_ATTR, node_attr=_NODE_ATTR, edge_attr=_EDGE_ATTR
    )
    _add(graph, view.root, labeller, depth=0, max_depth=max_depth)
    return graph


def tree_to_dot(
    model: Any,
    *,
    out_file: str | Path | None = None,
    feature_names: Sequence[str | Feature] | None = None,
    class_names: Sequence[str] | None = None,
    max_depth: int | None = None,
    precision: int = 3,
    tree: int | None = None,
) -> str | None:
    """The DOT source of :func:`draw_tree`; written to ``out_file`` when one is given.

    Returns
    -------
    dot : str or None
        The DOT text when ``out_file`` is None, else None.

    Examples
    --------
    >>> print(tree_to_dot(fitted, max_depth=0).splitlines()[0])
    digraph tree {
    """
    graph = draw_tree(
        model,
        feature_names=feature_names,
        class_names=class_names,
        max_depth=max_depth,
        precision=precision,
        tree=tree,
    )
    if out_file is None:
        return graph.source
    Path(out_file).write_text(graph.source, encoding="utf-8")
    return None


def _add(graph: Any, node: TreeNode, labeller: NodeLabeller, *, depth: int, max_depth: int | None):
    import graphviz

    text = "\\n".join(_escape(line) for line in labeller.lines(node))
    graph.node(str(node.id), graphviz.nohtml(text), fillcolor=labeller.fill(node))
    if node.split is None:
        return
    hidden = max_depth is not None and depth >= max_depth
    for child, answer in ((node.left, "yes"), (node.right, "no")):
        if hidden:
            graph.node(
                str(child.id),
                f"... {child.size} node{'' if child.size == 1 else 's'}",
                style="dashed, rounded",
                fillcolor="#ffffff",
            )
            graph.edge(str(node.id), str(child.id), label=answer, style="dashed")
            continue
        graph.edge(str(node.id), str(child.id), label=answer)
        _add(graph, child, labeller, depth=depth + 1, max_depth=max_depth)


def _escape(text: str) -> str:
    """Make a line safe inside a quoted DOT string (backslashes and quotes)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
