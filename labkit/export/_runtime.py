"""The runtime of generated scorer modules: standard library only, no labkit.

:func:`labkit.export.to_python_source` copies this file's code (below this
docstring) into the module it generates and appends the model as data
(``_STAGES``, ``OUTPUT``, ``INPUT_FIELDS``, ``SPARK_VERSION``). In the generated module,
call ``predict(row)`` with a dict of field -> value (None for a missing value).
It returns a dict with "prediction", "probability", "raw_prediction", "label"
and "skipped" (why Spark would have dropped the row, else None), and raises
InvalidRow where Spark itself would fail.
"""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math

__all__ = ["InvalidRow", "predict", "INPUT_FIELDS", "SPARK_VERSION"]


class InvalidRow(ValueError):
    """The row cannot be scored the way Spark would score it."""


class _Skip(Exception):
    pass


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sum(values):
    total = 0.0
    for v in values:
        total += v
    return total


def _argmax(values):
    best, top = 0, values[0]
    for i in range(1, len(values)):
        if values[i] > top:
            best, top = i, values[i]
    return best


def _argmax_thresholded(probability, thresholds):
    best, top = 0, -math.inf
    for i, (p, t) in enumerate(zip(probability, thresholds)):
        scaled = p / t if t != 0 else (math.nan if p == 0 or p != p else math.inf)
        if scaled > top:
            best, top = i, scaled
    return best


def _number(value, col):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRow(f"field {col!r} must be a number, got {value!r}")
    return float(value)


def _field(row, col):
    if col not in row:
        raise InvalidRow(f"the row has no field {col!r}")
    return row[col]


def _java_string(value):
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


def _string_indexer(s, row):
    for col, out, lookup, unknown in s["_columns"]:
        if col not in row:
            continue
        value = row[col]
        index = None
        if isinstance(value, str):
            index = lookup.get(value)
        elif isinstance(value, (bool, int, float)):
            index = lookup.get(_java_string(value))
        elif value is not None:
            raise InvalidRow(f"a category must be text, got {value!r} in field {col!r}")
        if index is None:
            what = "null" if value is None else f"unseen label {value!r}"
            if s["handleInvalid"] == "keep":
                index = unknown
            elif s["handleInvalid"] == "skip":
                raise _Skip(f"StringIndexerModel: {what} in column {col!r} (handleInvalid='skip')")
            else:
                raise InvalidRow(f"StringIndexerModel: {what} in column {col!r}")
        row[out] = index


def _one_hot(s, row):
    keep = s["handleInvalid"] == "keep"
    for col, out, size in zip(s["inputCols"], s["outputCols"], s["categorySizes"]):
        value = _field(row, col)
        if value is None:
            row[out] = None
            continue
        width = (
            size + 1
            if keep and not s["dropLast"]
            else size - 1
            if s["dropLast"] and not keep
            else size
        )
        if 0 <= value < size:
            index = int(value)
        elif keep:
            index = size
        else:
            raise InvalidRow(
                f"OneHotEncoderModel: {value!r} in column {col!r} is not a known category"
            )
        row[out] = (width, {index: 1.0} if index < width else {})


def _assembler(s, row):
    items, offset = {}, 0
    for col in s["inputCols"]:
        value = _field(row, col)
        if isinstance(value, tuple):
            for index, x in value[1].items():
                if x != 0.0:
                    items[offset + index] = x
            offset += value[0]
            continue
        x = _number(value, col)
        if x is None or x != x:
            what = "null" if x is None else "NaN"
            if s["handleInvalid"] == "skip":
                raise _Skip(f"VectorAssembler: {what} in column {col!r} (handleInvalid='skip')")
            if s["handleInvalid"] == "error":
                raise InvalidRow(f"VectorAssembler: {what} in column {col!r}")
            x = math.nan
        if x != 0.0:
            items[offset] = x
        offset += 1
    row[s["outputCol"]] = (offset, items)


def _bucket(s, x, edges, col):
    if x != x:
        if s["handleInvalid"] == "keep":
            return float(len(edges) - 1)
        raise InvalidRow(f"Bucketizer: NaN in column {col!r}")
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
        raise InvalidRow(f"Bucketizer: {x!r} in column {col!r} is outside the splits")
    return float(lo - 1)


def _bucketizer(s, row):
    if s["handleInvalid"] == "skip":
        for col in s["inputCols"]:
            x = _number(_field(row, col), col)
            if x is None or x != x:
                what = "null" if x is None else "NaN"
                raise _Skip(f"Bucketizer: {what} in column {col!r} (handleInvalid='skip')")
    for col, out, edges in zip(s["inputCols"], s["outputCols"], s["_splits"]):
        x = _number(_field(row, col), col)
        row[out] = None if x is None else _bucket(s, x, edges, col)


def _scaler(s, row):
    size, entries = _field(row, s["inputCol"])
    if size != len(s["_scale"]):
        raise InvalidRow(
            f"StandardScalerModel: vector of {size} entries, expected {len(s['_scale'])}"
        )
    mean, scale = s["_mean"], s["_scale"]
    if s["withMean"] and s["withStd"]:
        out = {i: (entries.get(i, 0.0) - mean[i]) * scale[i] for i in range(size)}
    elif s["withMean"]:
        out = {i: entries.get(i, 0.0) - mean[i] for i in range(size)}
    elif s["withStd"]:
        out = {i: x * scale[i] for i, x in entries.items()}
    else:
        out = dict(entries)
    row[s["outputCol"]] = (size, out)


def _imputer(s, row):
    missing = float(s["missingValue"])
    for col, out, surrogate in zip(s["inputCols"], s["outputCols"], s["_surrogates"]):
        x = _number(_field(row, col), col)
        absent = x is None or x == missing or (missing != missing and x != x)
        row[out] = surrogate if absent else x


def _index_to_string(s, row):
    value = _field(row, s["inputCol"])
    if value is None:
        row[s["outputCol"]] = None
        return
    index = int(value) if math.isfinite(value) else -1
    if not 0 <= index < len(s["labels"]):
        raise InvalidRow(f"IndexToString: index {value!r} has no label")
    row[s["outputCol"]] = s["labels"][index]


def _features(s, row):
    vector = _field(row, s["featuresCol"])
    if vector is None or vector[0] != s["numFeatures"]:
        raise InvalidRow(f"features {s['featuresCol']!r} do not have {s['numFeatures']} entries")
    return vector[1]


def _dot(entries, weights):
    total = 0.0
    for index, x in entries.items():
        total += x * weights[index]
    return total


def _write(s, row, prediction, raw, probability):
    if s["rawPredictionCol"]:
        row[s["rawPredictionCol"]] = raw
    if s["probabilityCol"]:
        row[s["probabilityCol"]] = probability
    if s["predictionCol"]:
        row[s["predictionCol"]] = prediction


def _classify(s, raw, probability, default):
    if s.get("thresholds") is not None:
        return float(_argmax_thresholded(probability, s["thresholds"]))
    return default if default is not None else float(_argmax(raw))


def _logistic(s, row):
    entries = _features(s, row)
    if not s["isMultinomial"]:
        margin = _dot(entries, s["coefficients"][0]) + s["intercepts"][0]
        t = s["threshold"]
        cut = -math.inf if t <= 0 else math.inf if t >= 1 else math.log(t / (1.0 - t))
        probability = (1.0 / (1.0 + _exp(margin)), 1.0 / (1.0 + _exp(-margin)))
        _write(s, row, 1.0 if margin > cut else 0.0, (-margin, margin), probability)
        return
    raw = tuple(_dot(entries, w) + b for w, b in zip(s["coefficients"], s["intercepts"]))
    top = _argmax(raw)
    if raw[top] == math.inf:
        probability = tuple(1.0 if k == top else 0.0 for k in range(len(raw)))
    else:
        values = [_exp(v - raw[top]) if raw[top] > 0 else _exp(v) for v in raw]
        scale = 1.0 / _sum(values)
        probability = tuple(v * scale for v in values)
    _write(s, row, _classify(s, raw, probability, None), raw, probability)


def _linear(s, row):
    _write(s, row, _dot(_features(s, row), s["coefficients"]) + s["intercept"], None, None)


def _naive_bayes(s, row):
    entries = _features(s, row)
    for index, x in entries.items():
        if not x >= 0.0:
            raise InvalidRow(f"NaiveBayesModel: feature {index} is {x!r}; counts must be >= 0")
    raw = tuple(_dot(entries, t) + p for t, p in zip(s["theta"], s["pi"]))
    top = max(raw)
    values = [_exp(v - top) for v in raw]
    total = _sum(values)
    probability = tuple(v / total for v in values)
    _write(s, row, _classify(s, raw, probability, None), raw, probability)


def _leaf(tree, get):
    feature, left, right = tree["feature"], tree["left"], tree["right"]
    node = 0
    while feature[node] != -1:
        x = get(feature[node], 0.0)
        test = tree["_tests"][node]
        goes_left = x <= tree["_threshold"][node] if test is None else (x in test[0]) == test[1]
        node = left[node] if goes_left else right[node]
    return node


def _trees(s, row):
    get = _features(s, row).get
    trees, kind = s["trees"], s["type"]
    if kind.startswith("GBT"):
        margin = 0.0
        for tree, weight in zip(trees, s["treeWeights"]):
            margin += weight * tree["_prediction"][_leaf(tree, get)]
        if kind == "GBTRegressionModel":
            _write(s, row, margin, None, None)
            return
        p0 = 1.0 / (1.0 + _exp(2.0 * margin))
        probability = (p0, 1.0 - p0)
        _write(
            s,
            row,
            _classify(s, (-margin, margin), probability, 1.0 if margin > 0 else 0.0),
            (-margin, margin),
            probability,
        )
        return
    if "Regression" in kind:
        values = [tree["_prediction"][_leaf(tree, get)] for tree in trees]
        _write(s, row, _sum(values) / len(values), None, None)
        return
    if kind.startswith("DecisionTree"):
        raw = tuple(trees[0]["_stats"][_leaf(trees[0], get)])
    else:
        votes = [0.0] * s["numClasses"]
        for tree in trees:
            stats = tree["_stats"][_leaf(tree, get)]
            total = _sum(stats)
            if total != 0:
                for k, count in enumerate(stats):
                    votes[k] += count / total
        raw = tuple(votes)
    total = _sum(raw)
    probability = tuple(v / total for v in raw)
    _write(s, row, _classify(s, raw, probability, None), raw, probability)


def _prepare(s):
    """Build lookups once: category dicts, float lists, tree split tests."""
    kind = s["type"]
    if kind == "StringIndexerModel":
        s["_columns"] = [
            (col, out, {name: float(i) for i, name in enumerate(names)}, float(len(names)))
            for col, out, names in zip(s["inputCols"], s["outputCols"], s["labels"])
        ]
    elif kind == "Bucketizer":
        s["_splits"] = [[float(e) for e in edges] for edges in s["splits"]]
    elif kind == "StandardScalerModel":
        s["_mean"] = [float(m) for m in s["mean"]]
        s["_scale"] = [0.0 if float(d) == 0 else 1.0 / float(d) for d in s["std"]]
    elif kind == "ImputerModel":
        s["_surrogates"] = [float(v) for v in s["surrogates"]]
    elif "trees" in s:
        for tree in s["trees"]:
            tree["_threshold"] = [float(t) for t in tree["threshold"]]
            tree["_prediction"] = [float(p) for p in tree["prediction"]]
            tree["_stats"] = [[float(v) for v in stats] for stats in tree["stats"]]
            tree["_tests"] = [_split_test(tree, i) for i in range(len(tree["feature"]))]
    return s


def _split_test(tree, i):
    count = tree["numCategories"][i]
    if tree["feature"][i] == -1 or count == -1:
        return None
    left = {float(c) for c in tree["leftCategories"][i]}
    inside = len(left) <= count // 2
    return (frozenset(left if inside else {float(c) for c in range(count)} - left), inside)


_RUN = {
    "StringIndexerModel": _string_indexer,
    "OneHotEncoderModel": _one_hot,
    "VectorAssembler": _assembler,
    "Bucketizer": _bucketizer,
    "StandardScalerModel": _scaler,
    "ImputerModel": _imputer,
    "IndexToString": _index_to_string,
    "LogisticRegressionModel": _logistic,
    "LinearRegressionModel": _linear,
    "NaiveBayesModel": _naive_bayes,
}


def predict(row):
    """Score one row (a dict of field -> value) exactly as Spark's transform would."""
    if not isinstance(row, dict):
        raise InvalidRow(f"a row must be a dict, got {type(row).__name__}")
    values = dict(row)
    try:
        for stage in _STAGES:
            _RUN.get(stage["type"], _trees)(stage, values)
    except _Skip as skip:
        return {
            "prediction": None,
            "probability": None,
            "raw_prediction": None,
            "label": None,
            "skipped": str(skip),
        }
    prediction = values[OUTPUT["prediction"]]
    result = {
        "prediction": prediction,
        "probability": None,
        "raw_prediction": None,
        "label": None,
        "skipped": None,
    }
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


# ---- the fitted model: data only ------------------------------------------
# (Placeholders here; a generated module replaces everything from this line on.)
SPARK_VERSION = ""
INPUT_FIELDS: list = []
OUTPUT: dict = {}
_STAGES: list = []
