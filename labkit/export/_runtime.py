"""Spark's row rules, once: the row path of the scorer and of generated modules.

Standard library only, no labkit imports: :func:`labkit.export.to_python_source`
copies this file's code (below this docstring) into the module it generates
and appends the model as data (``_STAGES``, ``_FUSED``, ``OUTPUT``,
``INPUT_FIELDS``, ``SPARK_VERSION``); the stage classes of ``labkit.export``
call the same functions for ``apply_row``. :func:`prepare` turns a stage's
spec into a *step*: ``step(row)`` adds the stage's outputs to the row dict and
returns why Spark would drop the row (``handleInvalid="skip"``), else None, and
raises :class:`InvalidRow` where Spark itself would fail.

In a generated module, call ``predict(row)`` with a dict of field -> value
(None for a missing value). It returns a dict with "prediction",
"probability", "raw_prediction", "label" and "skipped".
"""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math
import numbers

__all__ = ["InvalidRow", "predict", "INPUT_FIELDS", "SPARK_VERSION"]


class InvalidRow(ValueError):
    """The row cannot be scored the way Spark would score it."""


class WrongType(InvalidRow):
    """A field holds a value of a type the stage cannot take."""


#: Returned by the fused step when a row needs the ordinary stages.
FALLBACK = "fallback: replay every stage"


class _Absent:
    """Marks a field the row does not have (None means null)."""


_ABSENT = _Absent


# ---- numbers, as the JVM computes them -------------------------------------


def jexp(x):
    """``math.exp`` that overflows to inf, as the JVM's ``Math.exp`` does, instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def seq_sum(values):
    """Sum left to right from 0.0 (Python 3.12+'s ``sum`` compensates; Spark does not)."""
    total = 0.0
    for value in values:
        total += value
    return total


def argmax(values):
    """Index of the first maximum, as Spark's ``DenseVector.argmax`` (NaN never wins)."""
    best, best_value = 0, values[0]
    for i in range(1, len(values)):
        if values[i] > best_value:
            best, best_value = i, values[i]
    return best


def argmax_thresholded(probability, thresholds):
    """Spark's ``probability2prediction`` with ``thresholds``: argmax of ``p_i / t_i``."""
    best, best_value = 0, -math.inf
    for i, (p, t) in enumerate(zip(probability, thresholds)):
        scaled = p / t if t != 0 else (math.nan if p == 0 or p != p else math.inf)
        if scaled > best_value:
            best, best_value = i, scaled
    return best


ZERO_SUM = (
    "the class counts of the leaves reached sum to 0; Spark fails on this row "
    '("Can\'t normalize the 0-vector"). The model was saved damaged: re-fit it.'
)


def normalize(raw):
    """Spark's ``normalizeToProbabilitiesInPlace``: each entry over the sum; a 0 sum fails."""
    total = seq_sum(raw)
    if not total > 0:
        raise InvalidRow(ZERO_SUM)
    return tuple(v / total for v in raw)


def as_number(value, col, stage):
    """A row value as Spark's double: int and float pass, None stays None, text is refused."""
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise WrongType(
        f"{stage}: field {col!r} must be a number, got {value!r} ({kind.__name__}). "
        'Send numbers unquoted (39, not "39"); use null for a missing value.'
    )


def java_string(value):
    """A value as Spark's ``cast(string)`` writes it (1.0 -> "1.0", 1e-05 -> "1.0E-5")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    import decimal

    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{exponent + len(text) - 1}"


def category_index(value, lookup):
    """The index of a category value (text, or a number cast as Spark does), else None."""
    if value is None:
        return None
    if isinstance(value, str):
        return lookup.get(value)
    if not isinstance(value, (int, float, bool)):
        raise WrongType(
            f"StringIndexerModel: a category must be text, got {value!r} ({type(value).__name__})."
        )
    return lookup.get(java_string(value))


# ---- what Spark says when it fails (the batch path words its errors the same way) ----------


def skip_reason(stage, col, null):
    """Why a row was dropped by a stage with ``handleInvalid="skip"``."""
    return f"{stage}: {'null' if null else 'NaN'} in column {col!r} (handleInvalid='skip')"


def unseen_message(col, value, labels, dropped):
    """A null or unseen category: the skip reason, or the error with its fix."""
    what = "null" if value is None else f"unseen label {value!r}"
    if dropped:
        return f"StringIndexerModel: {what} in column {col!r} (handleInvalid='skip')"
    shown = ", ".join(repr(label) for label in labels[:6])
    more = f", ... ({len(labels)} in all)" if len(labels) > 6 else ""
    return (
        f"StringIndexerModel: {what} in column {col!r}; the model knows {shown}{more}. "
        "Spark fails here because handleInvalid='error': fix the value, or re-fit the "
        "indexer with handleInvalid='keep' to give unknown values their own index."
    )


def category_message(col, value, size):
    """An index outside a one-hot encoder's categories with ``handleInvalid="error"``."""
    return (
        f"OneHotEncoderModel: column {col!r} holds {value!r}, outside the {size} categories "
        f"seen in training [0, {size}). Spark fails here because handleInvalid='error'; "
        "re-fit with handleInvalid='keep' to map invalid values to an extra slot."
    )


def assembler_message(col, null):
    """A null or NaN number in a VectorAssembler with ``handleInvalid="error"``."""
    return (
        f"VectorAssembler: {'null' if null else 'NaN'} in column {col!r}. Spark fails here "
        "because handleInvalid='error': fill the value in, or set handleInvalid='skip' (drop "
        "the row) or 'keep' (pass NaN on) when you build the pipeline."
    )


def bucket(x, edges, keep, col):
    """Spark's Bucketizer on one number: ``[s_i, s_i+1)``, the last bucket closed."""
    if x != x:
        if keep:
            return float(len(edges) - 1)
        raise InvalidRow(
            f"Bucketizer: NaN in column {col!r}. Spark fails here because handleInvalid="
            "'error'; set handleInvalid='keep' (an extra bucket) or 'skip' (drop the row)."
        )
    if x == edges[-1]:
        return float(len(edges) - 2)
    lo, hi = 0, len(edges)
    while lo < hi:  # bisect_right
        mid = (lo + hi) // 2
        if x < edges[mid]:
            hi = mid
        else:
            lo = mid + 1
    if lo == 0 or lo == len(edges):
        raise InvalidRow(
            f"Bucketizer: {x!r} in column {col!r} is outside the splits [{edges[0]}, "
            f"{edges[-1]}]; Spark always fails here. Widen the outer splits (e.g. to -inf and inf)."
        )
    return float(lo - 1)


def label_of(value, labels, col):
    """IndexToString on one index: its label, or Spark's failure."""
    index = int(value) if math.isfinite(value) else -1
    if not 0 <= index < len(labels):
        shown = ", ".join(repr(label) for label in labels[:6])
        raise InvalidRow(f"IndexToString: index {value!r} in column {col!r} has no label "
                         f"(labels: {shown}); Spark fails here too.")  # fmt: skip
    return labels[index]


def negative_count_message(col, index, x):
    """A negative or NaN feature for multinomial naive Bayes."""
    return (
        f"NaiveBayesModel: feature {index} of {col!r} is {x!r}; multinomial naive Bayes "
        "takes counts (>= 0), and Spark fails on this row. Check the input."
    )


def one_hot_width(size, drop_last, keep):
    """The output length of a one-hot encoder column of ``size`` categories."""
    return size + 1 if keep and not drop_last else size - 1 if drop_last and not keep else size


# ---- feature stages: spec -> step(row) ---------------------------------------


def _string_indexer(s):
    keep, skip = s["handleInvalid"] == "keep", s["handleInvalid"] == "skip"
    columns = [
        (col, out, {name: float(i) for i, name in enumerate(names)}, float(len(names)), names)
        for col, out, names in zip(s["inputCols"], s["outputCols"], s["labels"])
    ]

    def step(row):
        for col, out, lookup, unknown, names in columns:
            value = row.get(col, _ABSENT)
            if value is _ABSENT:  # Spark skips input columns the data does not have
                continue
            index = lookup.get(value) if type(value) is str else category_index(value, lookup)
            if index is None:
                if keep:
                    index = unknown
                elif skip:
                    return unseen_message(col, value, names, True)
                else:
                    raise InvalidRow(unseen_message(col, value, names, False))
            row[out] = index
        return None

    return step


def _one_hot(s):
    keep, drop_last = s["handleInvalid"] == "keep", s["dropLast"]
    columns = [
        (col, out, float(size), size, one_hot_width(size, drop_last, keep))
        for col, out, size in zip(s["inputCols"], s["outputCols"], s["categorySizes"])
    ]

    def step(row):
        for col, out, top, size, width in columns:
            value = row[col]
            if value is None:  # Spark's encoder passes a null through
                row[out] = None
                continue
            if 0.0 <= value < top:
                index = int(value)
            elif keep:
                index = size
            else:
                raise InvalidRow(category_message(col, float(value), size))
            row[out] = (width, {index: 1.0} if index < width else {})
        return None

    return step


def _assembler(s):
    inputs, output, handle = s["inputCols"], s["outputCol"], s["handleInvalid"]

    def step(row):
        items, offset = {}, 0
        for col in inputs:
            value = row[col]
            kind = value.__class__
            if kind is tuple:
                size, entries = value
                for index, x in entries.items():
                    if x != 0.0:  # Spark keeps non-zeros only (NaN included)
                        items[offset + index] = x
                offset += size
                continue
            x = value if kind is float else float(value) if kind is int else as_number(
                value, col, "VectorAssembler")  # fmt: skip
            if x is None or x != x:
                if handle == "skip":
                    return skip_reason("VectorAssembler", col, x is None)
                if handle == "error":
                    raise InvalidRow(assembler_message(col, x is None))
                x = math.nan
            if x != 0.0:
                items[offset] = x
            offset += 1
        row[output] = (offset, items)
        return None

    return step


def _bucketizer(s):
    keep, skip = s["handleInvalid"] == "keep", s["handleInvalid"] == "skip"
    columns = [
        (col, out, [float(e) for e in edges])
        for col, out, edges in zip(s["inputCols"], s["outputCols"], s["splits"])
    ]

    def step(row):
        if skip:
            for col, _, _ in columns:
                x = as_number(row[col], col, "Bucketizer")
                if x is None or x != x:
                    return skip_reason("Bucketizer", col, x is None)
        for col, out, edges in columns:
            x = as_number(row[col], col, "Bucketizer")
            row[out] = None if x is None else bucket(x, edges, keep, col)  # null passes through
        return None

    return step


def _scaler(s):
    col, out, with_mean, with_std = s["inputCol"], s["outputCol"], s["withMean"], s["withStd"]
    mean = [float(m) for m in s["mean"]]
    # Spark multiplies by 1/std (0 where std is 0): dividing can differ in the last bit.
    scale = [0.0 if float(d) == 0 else 1.0 / float(d) for d in s["std"]]

    def step(row):
        size, entries = row[col]
        if size != len(scale):
            raise InvalidRow(f"StandardScalerModel: vector {col!r} has {size} entries, the "
                             f"scaler was fitted on {len(scale)}.")  # fmt: skip
        get = entries.get
        if with_mean and with_std:
            values = {i: (get(i, 0.0) - mean[i]) * scale[i] for i in range(size)}
        elif with_mean:
            values = {i: get(i, 0.0) - mean[i] for i in range(size)}
        elif with_std:
            values = {i: x * scale[i] for i, x in entries.items()}
        else:
            values = dict(entries)
        row[out] = (size, values)
        return None

    return step


def _imputer(s):
    missing = float(s["missingValue"])
    columns = list(zip(s["inputCols"], s["outputCols"], [float(v) for v in s["surrogates"]]))

    def step(row):
        for col, out, surrogate in columns:
            x = as_number(row[col], col, "ImputerModel")
            absent = x is None or x == missing or (missing != missing and x != x)
            row[out] = surrogate if absent else x
        return None

    return step


def _index_to_string(s):
    col, out, labels = s["inputCol"], s["outputCol"], s["labels"]

    def step(row):
        value = row[col]
        row[out] = None if value is None else label_of(float(value), labels, col)
        return None

    return step


def _fused(s):
    """Indexers -> one-hot -> assembler as one lookup per field (see ``_fused.py``)."""
    out, size = s["outputCol"], s["size"]
    steps = [
        (col, offset, None if table is None else {label: dict(pairs)
                                                  for label, pairs in table.items()})
        for col, offset, table in s["steps"]
    ]  # fmt: skip

    def step(row):
        items = {}
        get = row.get
        for col, offset, table in steps:
            value = get(col)
            if table is None:
                kind = value.__class__
                if kind is not float and kind is not int or value != value:
                    return FALLBACK
                if value != 0.0:
                    items[offset] = float(value)
            else:
                entries = table.get(value) if value.__class__ is str else None
                if entries is None:
                    return FALLBACK
                items.update(entries)
        row[out] = (size, items)
        return None

    return step


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


_BUILDERS = {
    "StringIndexerModel": _string_indexer,
    "OneHotEncoderModel": _one_hot,
    "VectorAssembler": _assembler,
    "Bucketizer": _bucketizer,
    "StandardScalerModel": _scaler,
    "ImputerModel": _imputer,
    "IndexToString": _index_to_string,
    "FusedAssembler": _fused,
    "LogisticRegressionModel": _logistic,
    "LinearRegressionModel": _linear,
    "NaiveBayesModel": _naive_bayes,
}


def prepare(spec):
    """The step of one stage spec: ``step(row)`` -> None, or why Spark drops the row."""
    return _BUILDERS.get(spec["type"], _trees)(spec)


def run(fast, steps, row):
    """(values, skip reason or None) for ``row``: the fused steps first, when they apply."""
    if fast is not None:
        values = dict(row)
        try:
            for step in fast:
                reason = step(values)
                if reason is not None:
                    break
            else:
                return values, None
        except KeyError:  # a missing field: the full path names it
            reason = FALLBACK
        if reason is not FALLBACK:
            return values, reason
    values = dict(row)
    for step in steps:
        reason = step(values)
        if reason is not None:
            return values, reason
    return values, None


def predict(row):
    """Score one row (a dict of field -> value) exactly as Spark's transform would."""
    if not isinstance(row, dict):
        raise InvalidRow(f"a row must be a dict, got {type(row).__name__}")
    try:
        values, skipped = run(_FAST, _STEPS, row)
    except KeyError as error:
        raise InvalidRow(f"the row has no field {error.args[0]!r}") from None
    result = {"prediction": None, "probability": None, "raw_prediction": None, "label": None,
              "skipped": skipped}  # fmt: skip
    if skipped is not None:
        return result
    prediction = result["prediction"] = values[OUTPUT["prediction"]]
    if OUTPUT.get("classifier"):
        for key, col in (("probability", "probability"), ("raw_prediction", "raw")):
            if OUTPUT.get(col):
                result[key] = list(values[OUTPUT[col]])
        if OUTPUT.get("label_col"):
            result["label"] = values[OUTPUT["label_col"]]
        elif OUTPUT.get("classes") and 0 <= prediction < len(OUTPUT["classes"]):
            result["label"] = OUTPUT["classes"][int(prediction)]
    return result


# ---- the fitted model: data only ------------------------------------------
# (Placeholders here; a generated module replaces everything from this line on.)
SPARK_VERSION = ""
INPUT_FIELDS: list = []
OUTPUT: dict = {}
_STEPS: list = []
_FAST = None
