"""A fitted Spark tree's nodes, read from the folder Spark saves (the reader labkit shares).

:func:`tree_nodes` asks Spark to save the tree model to a temporary folder and
reads its node table back with :mod:`labkit.sparkfolder`, the same reader the
exporter uses; :class:`TreeNode` and :class:`Split` are that reader's nodes.

On Spark Connect the *server* writes that folder, on its own disk: the nodes
are then read back through the session (``open_folder(path, spark=...)``),
so names in debug strings and drawings work with a server on another machine.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from labkit.sparkfolder import Split, TreeNode, open_folder, read_tree

__all__ = ["Split", "TreeNode", "connect_session", "tree_nodes"]


def connect_session(model: Any) -> Any:
    """The Spark Connect session ``model`` lives in, or None for a classic (JVM) model.

    Examples
    --------
    >>> connect_session(object()) is None
    True
    """
    from pyspark.sql.utils import is_remote

    if not is_remote() or not hasattr(model, "write"):
        return None
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def tree_nodes(model: Any) -> tuple[TreeNode, dict[str, Any]]:
    """Save a single Spark tree model to a temporary folder and read it back.

    Returns the root node and the saved metadata.
    """
    session = connect_session(model)
    if session is not None:
        # The server saves under its own temporary folder; read the files through Spark.
        path = f"{tempfile.gettempdir()}/labkit-tree-{uuid.uuid4().hex}"
        model.write().save(path)
        try:
            saved = open_folder(path, spark=session)
            return read_tree(saved)[0], saved.meta
        finally:  # when the server shares this machine's disk; a remote one keeps its copy
            shutil.rmtree(path, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="labkit-tree-") as folder:
        path = Path(folder) / "tree"
        model.write().save(str(path))
        saved = open_folder(path)
        return read_tree(saved)[0], saved.meta
