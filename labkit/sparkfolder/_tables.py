"""The values Spark stores in parquet: vectors, matrices and tree node tables.

A tree is one row per node (``data/`` of a single tree; ``{treeID, nodeData}``
rows for an ensembles, whose weights sit in ``treesMetadata/``)::

    id, prediction, impurity, impurityStats, rawCount, gain, leftChild, rightChild,
    split {featureIndex, leftCategoriesOrThreshold, numCategories}

Ids are pre-order, root 0; leaves have ``leftChild == rightChild == -1``. A
split is continuous when ``numCategories == -1`` (left when ``value <= threshold``)
and categorical otherwise (left when the category is in the left set).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from labkit.errors import ModelFolderError
from labkit.sparkfolder._folder import StageFolder


def vector(value: dict[str, Any]) -> list[float]:
    """A stored vector ``{type: 0 sparse | 1 dense, size, indices, values}`` as a list.

    Examples
    --------
    >>> vector({"type": 0, "size": 3, "indices": [2], "values": [5.0]})
    [0.0, 0.0, 5.0]
    """
    if value["type"] == 1:
        return [float(v) for v in value["values"]]
    dense = [0.0] * value["size"]
    for index, v in zip(value["indices"], value["values"], strict=True):
        dense[index] = float(v)
    return dense


def matrix(value: dict[str, Any]) -> list[list[float]]:
    """A stored matrix as a list of rows (dense or sparse, either orientation).

    Examples
    --------
    >>> matrix({"type": 1, "numRows": 1, "numCols": 2, "values": [1.0, 2.0],
    ...         "isTransposed": True, "colPtrs": None, "rowIndices": None})
    [[1.0, 2.0]]
    """
    rows, cols = value["numRows"], value["numCols"]
    values, transposed = value["values"], value["isTransposed"]
    out = [[0.0] * cols for _ in range(rows)]
    if value["type"] == 1:  # dense: column-major, or row-major when transposed
        for r in range(rows):
            for c in range(cols):
                out[r][c] = float(values[r * cols + c] if transposed else values[c * rows + r])
        return out
    pointers, indices = value["colPtrs"], value["rowIndices"]
    outer = rows if transposed else cols  # CSR when transposed, CSC otherwise
    for major in range(outer):
        for k in range(pointers[major], pointers[major + 1]):
            r, c = (major, indices[k]) if transposed else (indices[k], major)
            out[r][c] = float(values[k])
    return out


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


def build_tree(rows: list[dict[str, Any]], where: str = "the node table") -> list[TreeNode]:
    """Link node rows (any order) into a tree; return its nodes by id (root first).

    Raises
    ------
    ModelFolderError
        When ids are not ``0..n-1`` or a child link does not point further down the
        pre-order (``where`` names the table in the message).
    """
    by_id = sorted(rows, key=lambda r: r["id"])
    if [r["id"] for r in by_id] != list(range(len(by_id))) or not by_id:
        raise ModelFolderError(f"{where}: tree node ids are not 0..{len(by_id) - 1}.")
    nodes: list[TreeNode | None] = [None] * len(by_id)
    for row in reversed(by_id):  # children have larger pre-order ids: build them first
        nodes[row["id"]] = _node(row, nodes, where)
    return nodes  # type: ignore[return-value]


def _node(row: dict[str, Any], built: list[TreeNode | None], where: str) -> TreeNode:
    node_id, left, right = row["id"], row["leftChild"], row["rightChild"]
    leaf = left == -1 and right == -1
    if not leaf and not (node_id < left < len(built) and node_id < right < len(built)):
        raise ModelFolderError(
            f"{where}: node {node_id} links to children {left} and {right}, "
            f"not to later nodes of 0..{len(built) - 1}."
        )
    return TreeNode(
        id=node_id, prediction=float(row["prediction"]), impurity=float(row["impurity"]),
        stats=tuple(float(s) for s in row["impurityStats"] or ()),
        count=int(row["rawCount"]), gain=float(row["gain"]),
        split=None if leaf else _split(row["split"]),
        left=None if leaf else built[left], right=None if leaf else built[right],
    )  # fmt: skip


def _split(raw: dict[str, Any]) -> Split:
    values = raw["leftCategoriesOrThreshold"]
    if raw["numCategories"] < 0:
        return Split(raw["featureIndex"], threshold=float(values[0]))
    categories = tuple(sorted(int(v) for v in values))
    return Split(raw["featureIndex"], left_categories=categories,
                 num_categories=raw["numCategories"])  # fmt: skip


def read_tree(folder: StageFolder) -> list[TreeNode]:
    """The nodes (by id) of a saved single tree model (``DecisionTree*Model``)."""
    return build_tree(folder.rows(), f"{folder.path}/data")


def read_ensemble(folder: StageFolder) -> list[tuple[list[TreeNode], float]]:
    """``(nodes by id, weight)`` of each tree of a saved forest or GBT, by tree id."""
    by_tree: dict[int, list[dict[str, Any]]] = {}
    for row in folder.rows():
        if "treeID" not in row or "nodeData" not in row:
            raise ModelFolderError(
                f"{folder.path}/data has columns {sorted(row)}, not treeID and nodeData: "
                "not an ensemble layout this reader knows."
            )
        by_tree.setdefault(row["treeID"], []).append(row["nodeData"])
    weights = _tree_weights(folder)
    if sorted(weights) != sorted(by_tree):
        raise ModelFolderError(
            f"{folder.path}: treesMetadata lists trees {sorted(weights)}, data holds "
            f"{sorted(by_tree)}; the saved model is incomplete."
        )
    return [
        (build_tree(by_tree[i], f"{folder.path}/data (tree {i})"), weights[i])
        for i in sorted(by_tree)
    ]


def _tree_weights(folder: StageFolder) -> dict[int, float]:
    """Tree id -> weight: columns ``_1, _2, _3`` in Spark 4, ``treeID, metadata, weights`` in 3."""
    weights = {}
    for row in folder.rows("treesMetadata"):
        if "_1" in row and "_3" in row:
            weights[int(row["_1"])] = float(row["_3"])
        elif "treeID" in row and "weights" in row:
            weights[int(row["treeID"])] = float(row["weights"])
        else:
            raise ModelFolderError(
                f"{folder.path}/treesMetadata has columns {sorted(row)}: neither Spark 4's "
                "(_1, _2, _3) nor Spark 3's (treeID, metadata, weights)."
            )
    return weights
