"""Turn a tree node into words once; the text and Graphviz renderers only lay them out."""

from __future__ import annotations

from labkit.inspect._nodes import Split, TreeNode
from labkit.inspect._resolve import TreeView

#: Fill colours per class (the palette scikit-learn's export_graphviz made familiar).
CLASS_COLOURS = ("#e58139", "#399de5", "#47e539", "#d739e5", "#e5d739", "#39e5d7", "#7f39e5")


class NodeLabeller:
    """Words and colours for the nodes of one :class:`TreeView`."""

    def __init__(self, view: TreeView, *, precision: int = 4) -> None:
        self.view = view
        self.precision = precision
        self._value_range = _value_range(view.root) if view.kind == "regressor" else (0.0, 1.0)

    # --- numbers ----------------------------------------------------------
    def number(self, value: float) -> str:
        """``value`` rounded to ``precision`` decimals, without trailing zeros."""
        text = f"{value:.{self.precision}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    @staticmethod
    def count(value: float) -> str:
        """A (possibly weighted) count: thousands separated, decimals only when needed."""
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"

    # --- splits -----------------------------------------------------------
    def condition(self, split: Split, *, holds: bool = True) -> str:
        """The test a row passes to go left (``holds=True``) or right, with real names."""
        feature = self.view.features[split.feature]
        if not split.is_categorical:
            sign = "<=" if holds else ">"
            return f"{feature.name} {sign} {self.number(split.threshold)}"
        left = set(split.left_categories)
        right = [c for c in range(split.num_categories) if c not in left]
        # Name the shorter list: "in {2 values}" reads better than "not in {40 values}".
        shown, inside = (sorted(left), holds) if len(left) <= len(right) else (right, not holds)
        labels = ", ".join(feature.category_label(c) for c in shown)
        return f"{feature.name} {'in' if inside else 'not in'} {{{labels}}}"

    # --- predictions ------------------------------------------------------
    def prediction(self, node: TreeNode) -> str:
        """What the node predicts: a class name, or a number for a regressor."""
        if self.view.class_names is not None:
            return self.view.class_names[int(node.prediction)]
        return self.number(node.prediction)

    def class_counts(self, node: TreeNode) -> list[tuple[str, float]]:
        """``(class name, training rows)`` per class for a classifier; empty for a regressor."""
        if self.view.class_names is None:
            return []
        return list(zip(self.view.class_names, node.stats, strict=True))

    def lines(self, node: TreeNode, *, show_split: bool = True) -> list[str]:
        """The lines of a node's box: split, impurity, samples, counts, prediction."""
        lines = [self.condition(node.split)] if node.split and show_split else []
        lines.append(f"{self.view.impurity} = {self.number(node.impurity)}")
        lines.append(f"samples = {node.count:,}")
        if self.view.class_names is not None:
            lines += [f"{name}: {self.count(n)}" for name, n in self.class_counts(node)]
            lines.append(f"class = {self.prediction(node)}")
        else:
            lines.append(f"value = {self.prediction(node)}")
        return lines

    # --- colours ----------------------------------------------------------
    def fill(self, node: TreeNode) -> str:
        """Hex fill: the predicted class's colour, paler as the node gets less pure."""
        if self.view.class_names is None:
            low, high = self._value_range
            strength = (node.prediction - low) / (high - low) if high > low else 1.0
            return _blend(CLASS_COLOURS[0], strength)
        total = sum(node.stats)
        shares = sorted((n / total for n in node.stats), reverse=True) if total else [0, 0]
        # 1 for a pure node, 0 when the top two classes are tied.
        strength = (shares[0] - shares[1]) / (1 - shares[1]) if shares[1] < 1 else 0.0
        return _blend(CLASS_COLOURS[int(node.prediction) % len(CLASS_COLOURS)], strength)


def _value_range(root: TreeNode) -> tuple[float, float]:
    values = [node.prediction for node, _ in root.walk()]
    return min(values), max(values)


def _blend(colour: str, strength: float) -> str:
    """Mix ``colour`` with white: strength 1 gives the colour, 0 gives white."""
    strength = min(max(strength, 0.0), 1.0)
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(strength * c + (1 - strength) * 255) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)
