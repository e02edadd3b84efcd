"""Read a Spark decision tree's nodes from its saved node table (a documented parquet layout).

Spark saves a single tree model as a folder::

    metadata/part-00000          one JSON line: class, uid, params, numFeatures (, numClasses)
    data/part-*.parquet          one row per node, pre-order ids, root first:
        id, prediction, impurity, impurityStats, rawCount, gain, leftChild, rightChild,
        split {featureIndex, leftCategoriesOrThreshold, numCategories}

Leaves have ``leftChild == rightChild == -1``. A split is continuous when
``numCategories == -1`` (go left when ``value <= threshold``) and categorical
otherwise (go left when the category index is in the list).

This module only reads; it imports neither labkit's drawing code nor
(apart from :func:`tree_nodes`, which asks Spark to save the model) pyspark,
so the exporter can share it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Split:
    """How an internal node routes a row: left when the condition holds."""

    feature: int
    threshold: float | None = None
    left_categories: tuple[int, ...] | None = None
    num_categories: int = -1

    @property
    def is_categorical(self) -> bool:
        """True for a split on category sets, False for a threshold."""
        return self.left_categories is not None


@dataclass(frozen=True)
class TreeNode:
    """One node of a fitted tree, with its children (``None`` for a leaf).

    ``stats`` are Spark's impurity statistics: the (weighted) count of each class
    for a classifier; ``[count, sum, sum of squares]`` of the label for a regressor.
    ``count`` is the number of training rows that reached the node.
    """

    id: int
    prediction: float
    impurity: float
    stats: tuple[float, ...]
    count: int
    gain: float
    split: Split | None = None
    left: TreeNode | None = None
    right: TreeNode | None = None

    @property
    def is_leaf(self) -> bool:
        """True when the node has no split."""
        return self.split is None

    def walk(self, depth: int = 0) -> Iterator[tuple[TreeNode, int]]:
        """Yield ``(node, depth)`` in pre-order (the order of Spark's node ids)."""
        yield self, depth
        for child in (self.left, self.right):
            if child is not None:
                yield from child.walk(depth + 1)

    @property
    def depth(self) -> int:
        """Levels below this node (0 for a leaf), as Spark counts ``depth``."""
        return max((d for _, d in self.walk()), default=0)

    @property
    def size(self) -> int:
        """Number of nodes in this subtree, itself included."""
        return sum(1 for _ in self.walk())


def read_node_table(folder: str | Path) -> list[dict[str, Any]]:
    """Return the rows of a saved tree's ``data/`` parquet table as dicts."""
    import pyarrow.parquet as pq

    return pq.read_table(Path(folder) / "data").to_pylist()


def read_metadata(folder: str | Path) -> dict[str, Any]:
    """Return the JSON metadata Spark wrote beside the node table."""
    part = sorted((Path(folder) / "metadata").glob("part-*"))[0]
    return json.loads(part.read_text().splitlines()[0])


def build_tree(rows: list[dict[str, Any]]) -> TreeNode:
    """Link node-table rows into a tree and return its root (id 0)."""
    by_id = {row["id"]: row for row in rows}

    def build(node_id: int) -> TreeNode:
        row = by_id[node_id]
        split = _split(row) if row["leftChild"] >= 0 else None
        return TreeNode(
            id=row["id"], prediction=row["prediction"], impurity=row["impurity"],
            stats=tuple(row["impurityStats"]), count=int(row["rawCount"]), gain=row["gain"],
            split=split,
            left=build(row["leftChild"]) if split else None,
            right=build(row["rightChild"]) if split else None,
        )  # fmt: skip

    return build(0)


def _split(row: dict[str, Any]) -> Split:
    raw = row["split"]
    values = raw["leftCategoriesOrThreshold"]
    if raw["numCategories"] < 0:
        return Split(raw["featureIndex"], threshold=values[0])
    categories = tuple(sorted(int(v) for v in values))
    return Split(raw["featureIndex"], left_categories=categories,
                 num_categories=raw["numCategories"])  # fmt: skip


def tree_nodes(model: Any) -> tuple[TreeNode, dict[str, Any]]:
    """Save a single Spark tree model to a temporary folder and read it back.

    Returns the root node and the saved metadata.
    """
    with tempfile.TemporaryDirectory(prefix="labkit-tree-") as folder:
        path = Path(folder) / "tree"
        model.write().save(str(path))
        return build_tree(read_node_table(path)), read_metadata(path)
