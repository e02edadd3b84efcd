"""Look inside fitted models: trees as text and drawings, importances by name.

- :func:`debug_string`: Spark's ``toDebugString`` with feature and category names.
- :func:`draw_tree` / :func:`tree_to_dot`: a Graphviz drawing (inline in JupyterLab) / its DOT.
- :func:`feature_importances` / :func:`plot_feature_importances`: a table / a bar chart.

Tree structure is read from the node table Spark writes when it saves a tree
model (``labkit.inspect._nodes``), never by parsing ``toDebugString``.
"""

from labkit.inspect.dot import draw_tree, tree_to_dot
from labkit.inspect.importances import feature_importances, plot_feature_importances
from labkit.inspect.text import debug_string

__all__ = [
    "debug_string",
    "draw_tree",
    "feature_importances",
    "plot_feature_importances",
    "tree_to_dot",
]
