"""Model stages' row rules (linear models, trees and ensembles): spec -> ``step(row)``."""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math

from labkit.export._runtime.base import (
    InvalidRow,
    argmax,
    argmax_thresholded,
    jexp,
    negative_count_message,
    normalize,
    seq_sum,
)

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----

# ---- models ---------------------------------------------------------------------------------


def _features(s):
    """A function giving the row's features entries, checked for null and size."""
    col, width, kind = s["featuresCol"], s["numFeatures"], s["type"]

    def features(row):
        vector = row[col]
        if vector is None:
            raise InvalidRow(f"{kind}: column {col!r} is null; Spark would fail here.")
        if vector[0] != width:
            raise InvalidRow(
                f"{kind}: features vector {col!r} has {vector[0]} entries, the "
                f"model was trained on {width}. Is the row from another pipeline?"
            )
        return vector[1]

    return features


def _writer(s):
    raw_col, probability_col, prediction_col = (
        s["rawPredictionCol"], s["probabilityCol"], s["predictionCol"])  # fmt: skip

    def write(row, prediction, raw, probability):
        if raw_col:
            row[raw_col] = raw
        if probability_col:
            row[probability_col] = probability
        if prediction_col:
            row[prediction_col] = prediction

    return write


def _chooser(s):
    """Raw and probability -> class: argmax of raw, or of probability / thresholds."""
    thresholds = s.get("thresholds")
    if thresholds is None:
        return lambda raw, probability: float(argmax(raw))
    thresholds = [float(t) for t in thresholds]
    return lambda raw, probability: float(argmax_thresholded(probability, thresholds))


def dot(entries, weights):
    """Spark's ``BLAS.dot`` of a sparse vector: non-zeros in index order, summed from 0.0."""
    total = 0.0
    for index, x in entries.items():
        total += x * weights[index]
    return total


def softmax(raw):
    """Spark's multinomial link: subtract the max only when it is > 0; +inf gives one-hot."""
    top = argmax(raw)
    largest = raw[top]
    if largest == math.inf:
        return tuple(1.0 if k == top else 0.0 for k in range(len(raw)))
    values = [jexp(v - largest) for v in raw] if largest > 0 else [jexp(v) for v in raw]
    scale = 1.0 / seq_sum(values)
    return tuple(v * scale for v in values)


def raw_threshold(t):
    """Binary logistic regression's cut on the margin for probability threshold ``t``."""
    return -math.inf if t <= 0 else math.inf if t >= 1 else math.log(t / (1.0 - t))


def _logistic(s):
    features, write, choose = _features(s), _writer(s), _chooser(s)
    weights, intercepts = s["coefficients"], [float(b) for b in s["intercepts"]]
    if not s["isMultinomial"]:
        w, b, cut = weights[0], intercepts[0], raw_threshold(float(s["threshold"]))

        def binary(row):
            margin = dot(features(row), w) + b
            # Spark passes each raw entry through the sigmoid (p0 is not 1 - p1).
            probability = (1.0 / (1.0 + jexp(margin)), 1.0 / (1.0 + jexp(-margin)))
            write(row, 1.0 if margin > cut else 0.0, (-margin, margin), probability)

        return binary
    pairs = list(zip(weights, intercepts))

    def multinomial(row):
        entries = features(row)
        raw = tuple(dot(entries, w) + b for w, b in pairs)
        probability = softmax(raw)
        write(row, choose(raw, probability), raw, probability)

    return multinomial


def _linear_svc(s):
    features, write = _features(s), _writer(s)
    weights, intercept, cut = s["coefficients"], float(s["intercept"]), float(s["threshold"])

    def step(row):
        margin = dot(features(row), weights) + intercept
        write(row, 1.0 if margin > cut else 0.0, (-margin, margin), None)

    return step


def _linear(s):
    features, write = _features(s), _writer(s)
    weights, intercept = s["coefficients"], float(s["intercept"])

    def step(row):
        write(row, dot(features(row), weights) + intercept, None, None)

    return step


def _naive_bayes(s):
    features, write, choose, col = _features(s), _writer(s), _chooser(s), s["featuresCol"]
    pairs = list(zip(s["theta"], [float(p) for p in s["pi"]]))

    def step(row):
        entries = features(row)
        for index, x in entries.items():
            if not x >= 0.0:
                raise InvalidRow(negative_count_message(col, index, x))
        raw = tuple(dot(entries, t) + p for t, p in pairs)
        largest = max(raw)
        values = [jexp(v - largest) for v in raw]
        total = seq_sum(values)
        probability = tuple(v / total for v in values)
        write(row, choose(raw, probability), raw, probability)

    return step


def tree_nodes(tree, num_classes):
    """A tree's nodes as walk tuples: (feature, threshold, left, right, test set, inside).

    A leaf is ``(-1, 0.0, value, None, None, False)``: its class counts (a tuple)
    for a classifier, else its prediction. A categorical split with left set
    ``L`` of ``n`` categories tests ``x in L`` when ``len(L) <= n // 2`` and
    ``x not in (range(n) - L)`` otherwise, as Spark's ``Split.shouldGoLeft``.
    """
    nodes = []
    for i, feature in enumerate(tree["feature"]):
        if feature == -1:
            value = (tuple(float(v) for v in tree["stats"][i]) if num_classes
                     else float(tree["prediction"][i]))  # fmt: skip
            nodes.append((-1, 0.0, value, None, None, False))
            continue
        left, right, count = tree["left"][i], tree["right"][i], tree["numCategories"][i]
        if count == -1:
            nodes.append((feature, float(tree["threshold"][i]), left, right, None, False))
            continue
        left_set = {float(c) for c in tree["leftCategories"][i]}
        inside = len(left_set) <= count // 2
        test = left_set if inside else {float(c) for c in range(count)} - left_set
        nodes.append((feature, 0.0, left, right, frozenset(test), inside))
    return nodes


def leaf(nodes, get):
    """Walk from the root with ``get(feature, 0.0)``; the leaf's value."""
    feature, threshold, left, right, test, inside = nodes[0]
    while feature != -1:
        x = get(feature, 0.0)
        goes_left = x <= threshold if test is None else (x in test) == inside
        feature, threshold, left, right, test, inside = nodes[left if goes_left else right]
    return left


def _trees(s):
    features, write, choose, kind = _features(s), _writer(s), _chooser(s), s["type"]
    classes = s.get("numClasses", 0) if kind.endswith("ClassificationModel") else 0
    boosted, single = kind.startswith("GBT"), kind.startswith("DecisionTree")
    trees = [tree_nodes(t, 0 if boosted else classes) for t in s["trees"]]
    weighted = list(zip(trees, [float(w) for w in s["treeWeights"]]))
    by_threshold = s.get("thresholds") is not None

    def boosted_step(row):
        get = features(row).get
        margin = 0.0
        for nodes, weight in weighted:
            margin += weight * leaf(nodes, get)
        if not classes:
            return write(row, margin, None, None)
        p0 = 1.0 / (1.0 + jexp(2.0 * margin))
        probability, raw = (p0, 1.0 - p0), (-margin, margin)
        prediction = choose(raw, probability) if by_threshold else 1.0 if margin > 0 else 0.0
        write(row, prediction, raw, probability)

    def regression_step(row):
        get = features(row).get
        values = [leaf(nodes, get) for nodes in trees]
        write(row, seq_sum(values) / len(values), None, None)

    def classification_step(row):
        get = features(row).get
        if single:
            raw = leaf(trees[0], get)
        else:
            votes = [0.0] * classes
            for nodes in trees:
                stats = leaf(nodes, get)
                total = seq_sum(stats)
                if total != 0:
                    for k, count in enumerate(stats):
                        votes[k] += count / total
            raw = tuple(votes)
        probability = normalize(raw)
        write(row, choose(raw, probability), raw, probability)

    return boosted_step if boosted else classification_step if classes else regression_step
