"""Decision trees and their ensembles (random forest, gradient-boosted trees).

A tree is stored as parallel per-node lists indexed by Spark's preorder node
id (root 0): ``feature`` (-1 for a leaf), ``threshold``, ``numCategories``
(-1 for a continuous split), ``leftCategories``, ``left``/``right`` child ids,
the leaf's ``prediction`` and, for classifiers, its class ``stats``.

The walk follows Spark's ``Split.shouldGoLeft``: a continuous split goes left
when ``x <= threshold`` (NaN goes right); a categorical split with left set
``L`` of ``n`` categories tests ``x in L`` when ``len(L) <= n // 2`` and
``x not in (range(n) - L)`` otherwise. The two agree on real categories and
differ on anything else (an unknown index, a NaN bucket), exactly as in Spark.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labkit.errors import InvalidValue
from labkit.export import _classify as C
from labkit.export import _runtime as RT
from labkit.export import _spec as S
from labkit.export._base import Batch, Predictor, np

LEAF = -1


class Tree:
    """One tree: per-node lists (see the module docstring), validated on construction."""

    def __init__(self, nodes: dict[str, list], *, num_features: int, num_classes: int,
                 where: str, positive_counts: bool = False) -> None:  # fmt: skip
        self.nodes = nodes
        self._check(num_features, num_classes, where, positive_counts)
        self._walk_nodes = RT.tree_nodes(self.to_spec(), num_classes)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str, *, num_features: int,
                  num_classes: int, positive_counts: bool = False) -> Tree:  # fmt: skip
        size = len(S.get_list(spec, "left", where))
        if size == 0:
            raise S.invalid(f"{where}.left", "at least one node", [])
        nodes = {
            "feature": S.get_int_list(spec, "feature", where, length=size, minimum=LEAF),
            "threshold": S.get_float_list(spec, "threshold", where, length=size, finite=True),
            "numCategories": S.get_int_list(
                spec, "numCategories", where, length=size, minimum=-1, maximum=S.MAX_CATEGORIES
            ),
            "leftCategories": S.get_list(spec, "leftCategories", where, length=size),
            "left": S.get_int_list(spec, "left", where, length=size, minimum=LEAF),
            "right": S.get_int_list(spec, "right", where, length=size, minimum=LEAF),
            "prediction": S.get_float_list(spec, "prediction", where, length=size, finite=True),
            "stats": S.get_list(spec, "stats", where, length=size),
        }
        nodes["leftCategories"] = [
            None if cats is None
            else S.check_float_list(cats, f"{where}.leftCategories[{i}]", finite=True)
            for i, cats in enumerate(nodes["leftCategories"])
        ]  # fmt: skip
        nodes["stats"] = [
            S.check_float_list(s, f"{where}.stats[{i}]", finite=True)
            for i, s in enumerate(nodes["stats"])
        ]
        return cls(nodes, num_features=num_features, num_classes=num_classes, where=where,
                   positive_counts=positive_counts)  # fmt: skip

    def to_spec(self) -> dict[str, Any]:
        n = self.nodes
        return {
            "feature": n["feature"],
            "threshold": S.encode_floats(n["threshold"]),
            "numCategories": n["numCategories"],
            "leftCategories": n["leftCategories"],
            "left": n["left"],
            "right": n["right"],
            "prediction": S.encode_floats(n["prediction"]),
            "stats": [S.encode_floats(s) for s in n["stats"]],
        }

    def _check(self, num_features: int, num_classes: int, where: str, positive: bool) -> None:
        """Structure and ranges; with ``positive``, leaf counts must sum to > 0 (a single
        tree's leaf is its probability: Spark fails on a 0-sum leaf, a forest skips it)."""
        n = self.nodes
        size = len(n["left"])
        for i in range(size):
            here = f"{where}[node {i}]"
            left, right, feature = n["left"][i], n["right"][i], n["feature"][i]
            if feature == LEAF:
                if left != LEAF or right != LEAF:
                    raise S.invalid(f"{here}.left/right", "-1 for a leaf", (left, right))
                stats = n["stats"][i]
                if num_classes and (len(stats) != num_classes or any(not s >= 0 for s in stats)
                                    or (positive and not sum(stats) > 0)):  # fmt: skip
                    rule = " with a sum > 0" if positive else ""
                    raise S.invalid(f"{here}.stats", f"{num_classes} counts >= 0{rule}", stats)
                continue
            # Preorder ids: children come after their parent, so the walk always ends.
            if not (i < left < size and i < right < size) or feature >= num_features:
                raise S.invalid(here, f"children after {i} and below {size}, feature below "
                                f"{num_features}", (left, right, feature))  # fmt: skip
            cats, count = n["leftCategories"][i], n["numCategories"][i]
            if count == -1:
                if math.isnan(n["threshold"][i]):
                    raise S.invalid(f"{here}.threshold", "a number", n["threshold"][i])
            elif count < 1 or cats is None or any(c != int(c) or not 0 <= c < count for c in cats):
                raise S.invalid(f"{here}.leftCategories", f"categories in [0, {count})", cats)

    def leaf_value(self, get: Any) -> Any:
        """Walk from the root with ``get(feature, 0.0)``; return the leaf's stats or prediction."""
        return RT.leaf(self._walk_nodes, get)

    def leaves_batch(self, matrix: Any) -> Any:
        """Leaf node id of every row of ``matrix`` (rows x features), walked level by level."""
        n = self.nodes
        feature = np.asarray(n["feature"])
        threshold = np.asarray(n["threshold"], dtype=np.float64)
        left, right = np.asarray(n["left"]), np.asarray(n["right"])
        table, offsets, widths = self._category_table()
        rows = np.arange(matrix.shape[0])
        node = np.zeros(matrix.shape[0], dtype=np.int64)
        for _ in range(len(feature)):
            f = feature[node]
            internal = f != LEAF
            if not internal.any():
                break
            x = matrix[rows, np.where(internal, f, 0)]
            goes_left = x <= threshold[node]
            width = widths[node]
            categorical = width > 0
            if categorical.any():
                valid = categorical & (x >= 0) & (x < width) & (x == np.floor(x))
                code = np.where(valid, np.nan_to_num(x), width).astype(np.int64)
                goes_left = np.where(categorical, table[offsets[node] + code], goes_left)
            node = np.where(internal, np.where(goes_left, left[node], right[node]), node)
        return node

    def _category_table(self) -> tuple[Any, Any, Any]:
        """(table, offsets, widths): does category ``c`` of node ``i`` go left?

        Node ``i``'s answers sit at ``table[offsets[i] + c]`` for ``c`` in
        ``range(widths[i])``, and one more slot answers for anything else (a
        NaN, an unknown index): left only in the complement form of the split.
        """
        cached = self.__dict__.get("_categories")
        if cached is not None:
            return cached
        n = self.nodes
        widths = np.asarray([max(c, 0) for c in n["numCategories"]], dtype=np.int64)
        offsets = np.zeros(len(widths), dtype=np.int64)
        offsets[1:] = np.cumsum(widths + 1)[:-1]
        table = np.zeros(int((widths + 1).sum()), dtype=bool)
        for i, walk in enumerate(self._walk_nodes):
            if walk[0] == LEAF or walk[4] is None:
                continue
            start, count = offsets[i], widths[i]
            table[start + np.asarray(n["leftCategories"][i], dtype=np.int64)] = True
            table[start + count] = not walk[5]
        self._categories = (table, offsets, widths)
        return self._categories


class TreeEnsemble(Predictor):
    """A decision tree, random forest or GBT model, classifier or regressor."""

    #: document type -> (combination rule, is classifier)
    KINDS = {
        "DecisionTreeClassificationModel": ("single", True),
        "RandomForestClassificationModel": ("forest", True),
        "GBTClassificationModel": ("boosted", True),
        "DecisionTreeRegressionModel": ("single", False),
        "RandomForestRegressionModel": ("forest", False),
        "GBTRegressionModel": ("boosted", False),
    }

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rule, classifier = self.KINDS[kind]
        self.trees: list[Tree] = []
        self.weights: list[float] = []
        self.thresholds: list[float] | None = None
        self.num_classes = 2 if self.rule == "boosted" and classifier else 0

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> TreeEnsemble:
        model = cls(S.get_choice(spec, "type", where, tuple(cls.KINDS)))
        model._read_io(spec, where)
        if cls.KINDS[model.kind][1]:
            model.num_classes = S.get_int(spec, "numClasses", where, minimum=2)
            model.thresholds = S.get_optional_thresholds(spec, where, model.num_classes)
        trees = S.get_list(spec, "trees", where)
        if not trees or (model.rule == "single" and len(trees) != 1):
            raise S.invalid(f"{where}.trees", "one tree" if model.rule == "single" else
                            "at least one tree", f"{len(trees)} trees")  # fmt: skip
        model.weights = S.get_float_list(spec, "treeWeights", where, length=len(trees), finite=True)
        leaf_classes = model.num_classes if model.rule != "boosted" else 0
        model.trees = [
            Tree.from_spec(
                t,
                f"{where}.trees[{i}]",
                num_features=model.num_features,
                num_classes=leaf_classes,
                positive_counts=model.rule == "single",
            )  # fmt: skip
            for i, t in enumerate(trees)
        ]
        return model

    def to_spec(self) -> dict[str, Any]:
        spec = {"type": self.kind, **self._io_spec()}
        if self.num_classes:
            spec["numClasses"] = self.num_classes
            spec["thresholds"] = self.thresholds
        spec["treeWeights"] = self.weights
        spec["trees"] = [t.to_spec() for t in self.trees]
        return spec

    # -- many rows -------------------------------------------------------------

    def apply_batch(self, batch: Batch) -> None:
        matrix = self.features_batch(batch)
        if self.rule == "boosted":
            margin = np.zeros(batch.size)
            for tree, weight in zip(self.trees, self.weights, strict=True):
                leaf = tree.leaves_batch(matrix)
                margin = margin + weight * np.asarray(tree.nodes["prediction"])[leaf]
            if not self.num_classes:
                self.write_batch(batch, margin, None, None)
                return
            with np.errstate(over="ignore"):
                p0 = 1.0 / (1.0 + np.exp(2.0 * margin))
            probability = np.column_stack([p0, 1.0 - p0])
            raw = np.column_stack([-margin, margin])
            default = (margin > 0).astype(np.float64)
        elif not self.num_classes:
            total = np.zeros(batch.size)
            for tree in self.trees:
                total = total + np.asarray(tree.nodes["prediction"])[tree.leaves_batch(matrix)]
            self.write_batch(batch, total / len(self.trees), None, None)
            return
        else:
            raw = self._votes_batch(matrix)
            first = batch.first_alive(~(C.seq_sum_batch(raw) > 0))
            if first is not None:
                raise InvalidValue(f"row {first}: {RT.ZERO_SUM}")
            probability = C.normalize_batch(raw)
            default = C.argmax_batch(raw).astype(np.float64)
        if self.thresholds is not None:
            default = C.argmax_thresholded_batch(probability, self.thresholds).astype(np.float64)
        self.write_batch(batch, default, raw, probability)

    def _votes_batch(self, matrix: Any) -> Any:
        votes = np.zeros((matrix.shape[0], self.num_classes))
        for tree in self.trees:
            stats = _stats_matrix(tree, self.num_classes)[tree.leaves_batch(matrix)]
            if self.rule == "single":
                return stats
            total = C.seq_sum_batch(stats)
            counted = total != 0
            votes[counted] += stats[counted] / total[counted, None]
        return votes


def _stats_matrix(tree: Tree, num_classes: int) -> Any:
    """Leaf class stats as a (nodes x classes) array (zeros for inner nodes)."""
    cached = getattr(tree, "_stats_matrix", None)
    if cached is None:
        cached = np.zeros((len(tree.nodes["stats"]), num_classes))
        for i, stats in enumerate(tree.nodes["stats"]):
            if len(stats) == num_classes:
                cached[i] = stats
        tree._stats_matrix = cached
    return cached
