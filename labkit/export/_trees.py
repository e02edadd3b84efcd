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

from labkit.export import _classify as C
from labkit.export import _spec as S
from labkit.export._base import Batch, Predictor, np

LEAF = -1


class Tree:
    """One tree: per-node lists (see the module docstring), validated on construction."""

    def __init__(self, nodes: dict[str, list], *, num_features: int, num_classes: int,
                 where: str) -> None:  # fmt: skip
        self.nodes = nodes
        self._check(num_features, num_classes, where)
        self._walk_nodes = [self._walk_node(i, num_classes) for i in range(len(nodes["left"]))]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str, *, num_features: int,
                  num_classes: int) -> Tree:  # fmt: skip
        size = len(S.get_list(spec, "left", where))
        if size == 0:
            raise S.invalid(f"{where}.left", "at least one node", [])
        nodes = {
            "feature": S.get_int_list(spec, "feature", where, length=size, minimum=LEAF),
            "threshold": S.get_float_list(spec, "threshold", where, length=size),
            "numCategories": S.get_int_list(spec, "numCategories", where, length=size, minimum=-1),
            "leftCategories": S.get_list(spec, "leftCategories", where, length=size),
            "left": S.get_int_list(spec, "left", where, length=size, minimum=LEAF),
            "right": S.get_int_list(spec, "right", where, length=size, minimum=LEAF),
            "prediction": S.get_float_list(spec, "prediction", where, length=size),
            "stats": S.get_list(spec, "stats", where, length=size),
        }
        nodes["leftCategories"] = [
            None if cats is None else S.check_float_list(cats, f"{where}.leftCategories[{i}]")
            for i, cats in enumerate(nodes["leftCategories"])
        ]
        nodes["stats"] = [
            S.check_float_list(s, f"{where}.stats[{i}]") for i, s in enumerate(nodes["stats"])
        ]
        return cls(nodes, num_features=num_features, num_classes=num_classes, where=where)

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

    def _check(self, num_features: int, num_classes: int, where: str) -> None:
        n = self.nodes
        size = len(n["left"])
        for i in range(size):
            here = f"{where}[node {i}]"
            left, right, feature = n["left"][i], n["right"][i], n["feature"][i]
            if feature == LEAF:
                if left != LEAF or right != LEAF:
                    raise S.invalid(f"{here}.left/right", "-1 for a leaf", (left, right))
                stats = n["stats"][i]
                if num_classes and (len(stats) != num_classes or any(not s >= 0 for s in stats)):
                    raise S.invalid(f"{here}.stats", f"{num_classes} counts >= 0", stats)
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

    def _walk_node(self, i: int, num_classes: int) -> tuple:
        """One node as the row walk wants it: (feature, threshold, left, right, set, inside)."""
        n = self.nodes
        if n["feature"][i] == LEAF:
            value = tuple(n["stats"][i]) if num_classes else n["prediction"][i]
            return (LEAF, 0.0, value, None, None, False)
        cats, count = n["leftCategories"][i], n["numCategories"][i]
        if count == -1:
            return (n["feature"][i], n["threshold"][i], n["left"][i], n["right"][i], None, False)
        left_set = {float(c) for c in cats}
        inside = len(left_set) <= count // 2
        test = left_set if inside else {float(c) for c in range(count)} - left_set
        return (n["feature"][i], 0.0, n["left"][i], n["right"][i], frozenset(test), inside)

    def leaf_value(self, get: Any) -> Any:
        """Walk from the root with ``get(feature, 0.0)``; return the leaf's stats or prediction."""
        nodes = self._walk_nodes
        feature, threshold, left, right, test, inside = nodes[0]
        while feature != LEAF:
            x = get(feature, 0.0)
            goes_left = x <= threshold if test is None else (x in test) == inside
            feature, threshold, left, right, test, inside = nodes[left if goes_left else right]
        return left

    def leaves_batch(self, matrix: Any) -> Any:
        """Leaf node id of every row of ``matrix`` (rows x features), walked level by level."""
        n = self.nodes
        feature = np.asarray(n["feature"])
        threshold = np.asarray(n["threshold"], dtype=np.float64)
        left, right = np.asarray(n["left"]), np.asarray(n["right"])
        goes_left_table, widths = self._category_table()
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
                code = np.where(valid, np.nan_to_num(x), goes_left_table.shape[1] - 1)
                goes_left = np.where(
                    categorical, goes_left_table[node, code.astype(np.int64)], goes_left
                )
            node = np.where(internal, np.where(goes_left, left[node], right[node]), node)
        return node

    def _category_table(self) -> tuple[Any, Any]:
        """Per node: does category c go left? The last column answers for anything else."""
        n = self.nodes
        counts = [max(c, 0) for c in n["numCategories"]]
        widths = np.asarray(counts)
        table = np.zeros((len(counts), max(counts, default=0) + 1), dtype=bool)
        for i, walk in enumerate(self._walk_nodes):
            test, inside = walk[4], walk[5]
            if test is None or walk[0] == LEAF:
                continue
            table[i, :] = not inside  # out of range: left only in the complement form
            for c in range(counts[i]):
                table[i, c] = (float(c) in test) == inside
        return table, widths


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
                t, f"{where}.trees[{i}]", num_features=model.num_features, num_classes=leaf_classes
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

    # -- one row ---------------------------------------------------------------

    def apply_row(self, row: dict[str, Any]) -> None:
        get = self.features_row(row)[1].get
        if self.rule == "boosted":
            margin = 0.0
            for tree, weight in zip(self.trees, self.weights, strict=True):
                margin += weight * tree.leaf_value(get)
            if not self.num_classes:
                self.write_row(row, margin, None, None)
                return None
            p0 = 1.0 / (1.0 + C.jexp(2.0 * margin))
            probability = (p0, 1.0 - p0)
            raw = (-margin, margin)
            prediction = self._classify(raw, probability, 1.0 if margin > 0 else 0.0)
        elif not self.num_classes:
            values = [tree.leaf_value(get) for tree in self.trees]
            prediction = C.seq_sum(values) / len(values)
            self.write_row(row, prediction, None, None)
            return None
        else:
            raw = self._votes(get)
            probability = C.normalize(raw)
            prediction = self._classify(raw, probability, None)
        self.write_row(row, prediction, raw, probability)
        return None

    def _votes(self, get: Any) -> tuple[float, ...]:
        if self.rule == "single":
            return self.trees[0].leaf_value(get)
        votes = [0.0] * self.num_classes
        for tree in self.trees:
            stats = tree.leaf_value(get)
            total = C.seq_sum(stats)
            if total != 0:
                for k, count in enumerate(stats):
                    votes[k] += count / total
        return tuple(votes)

    def _classify(self, raw: Any, probability: Any, default: float | None) -> float:
        if self.thresholds is not None:
            return float(C.argmax_thresholded(probability, self.thresholds))
        return default if default is not None else float(C.argmax(raw))

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
            with np.errstate(invalid="ignore", divide="ignore"):
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
