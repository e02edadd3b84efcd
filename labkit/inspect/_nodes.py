"""A fitted Spark tree's nodes, read from the folder Spark saves (the reader labkit shares).

:func:`tree_nodes` asks Spark to save the tree model to a temporary folder and
reads its node table back with :mod:`labkit.sparkfolder`, the same reader the
exporter uses; :class:`TreeNode` and :class:`Split` are that reader's nodes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from labkit.sparkfolder import Split, TreeNode, open_folder, read_tree

__all__ = ["Split", "TreeNode", "tree_nodes"]


def tree_nodes(model: Any) -> tuple[TreeNode, dict[str, Any]]:
    """Save a single Spark tree model to a temporary folder and read it back.

    Returns the root node and the saved metadata.
    """
    with tempfile.TemporaryDirectory(prefix="labkit-tree-") as folder:
        path = Path(folder) / "tree"
        model.write().save(str(path))
        saved = open_folder(path)
        return read_tree(saved)[0], saved.meta
