"""Feature stages' row rules: spec -> ``step(row)``."""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math

from labkit.export._runtime.base import (
    _ABSENT,
    FALLBACK,
    InvalidRow,
    as_number,
    assembler_message,
    bucket,
    category_index,
    category_message,
    label_of,
    one_hot_width,
    skip_reason,
    unseen_message,
)

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----

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


def vector_in(row, col, stage, width):
    """A vector field as ``(size, entries)``; Spark fails on a null or one of the wrong size."""
    value = row[col]
    if value is None or value.__class__ is not tuple:
        raise InvalidRow(
            f"{stage}: column {col!r} holds {value!r}, not a vector; Spark fails on this row "
            "too. Assemble the features first (VectorAssembler)."
        )
    if width is not None and value[0] != width:
        raise InvalidRow(f"{stage}: vector {col!r} has {value[0]} entries, the stage was "
                         f"fitted on {width}; Spark fails on this row too.")  # fmt: skip
    return value


def p_norm(values, p):
    """Spark's ``Vectors.norm`` of the stored values, summed left to right (inf: NaN never wins)."""
    total = 0.0
    if p == 1.0:
        for v in values:
            total += abs(v)
        return total
    if p == 2.0:
        for v in values:
            total += v * v
        return math.sqrt(total)
    if p == math.inf:
        for v in values:
            if abs(v) > total:
                total = abs(v)
        return total
    for v in values:
        total += jpow(abs(v), p)
    return jpow(total, 1.0 / p)


def jpow(x, y):
    """``math.pow`` that overflows to inf, as the JVM's ``Math.pow`` does, instead of raising."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf


def _binarizer(s):
    columns = list(zip(s["inputCols"], s["outputCols"], [float(t) for t in s["thresholds"]]))

    def step(row):
        for col, out, t in columns:
            value = row[col]
            if value.__class__ is tuple:
                size, entries = vector_in(row, col, "Binarizer", None)
                if t >= 0:  # zeros stay 0: only entries above t become 1.0
                    row[out] = (size, {i: 1.0 for i, x in entries.items() if x > t})
                else:  # every entry becomes 1.0 but the non-zeros at or below t (NaN: 1.0)
                    low = {i for i, x in entries.items() if x != 0.0 and x <= t}
                    row[out] = (size, {i: 1.0 for i in range(size) if i not in low})
                continue
            x = as_number(value, col, "Binarizer")  # null and NaN are not > t: 0.0, as in Spark
            row[out] = 1.0 if x is not None and x > t else 0.0
        return None

    return step


def _min_max(s):
    col, out, low, high = s["inputCol"], s["outputCol"], float(s["min"]), float(s["max"])
    mins = [float(v) for v in s["originalMin"]]
    factors = [(high - low) / r if r != 0 else 0.0
               for r in (float(b) - a for a, b in zip(mins, s["originalMax"]))]  # fmt: skip
    constant = (low + high) / 2  # what a column constant in training becomes

    def step(row):
        size, entries = vector_in(row, col, "MinMaxScalerModel", len(mins))
        get, values = entries.get, {}
        for i in range(size):
            x = get(i, 0.0)
            if x != x:
                values[i] = x
            elif factors[i] != 0:
                values[i] = (x - mins[i]) * factors[i] + low
            else:
                values[i] = constant
        row[out] = (size, values)
        return None

    return step


def _multiply(kind, s, factors):
    """Entry ``i`` times ``factors[i]``: MaxAbsScalerModel and ElementwiseProduct."""
    col, out = s["inputCol"], s["outputCol"]

    def step(row):
        size, entries = vector_in(row, col, kind, len(factors))
        row[out] = (size, {i: x * factors[i] for i, x in entries.items()})
        return None

    return step


def _max_abs(s):
    scale = [1.0 if v == 0 else 1 / v for v in map(float, s["maxAbs"])]  # Spark's 1 / maxAbs
    return _multiply("MaxAbsScalerModel", s, scale)


def _elementwise(s):
    return _multiply("ElementwiseProduct", s, [float(v) for v in s["scalingVec"]])


def _normalizer(s):
    col, out, p = s["inputCol"], s["outputCol"], float(s["p"])

    def step(row):
        size, entries = vector_in(row, col, "Normalizer", None)
        norm = p_norm(entries.values(), p)
        row[out] = (size, {i: x / norm for i, x in entries.items()} if norm != 0 else entries)
        return None

    return step


def vector_index_message(value, feature, dropped):
    """A value VectorIndexerModel did not see in training for a categorical feature."""
    if dropped:
        return f"VectorIndexerModel: unseen {value!r} in feature {feature} (handleInvalid='skip')"
    return (
        f"VectorIndexerModel: value {value!r} of feature {feature} was not seen in training. "
        "Spark fails here because handleInvalid='error': fix the value, or re-fit with "
        "handleInvalid='keep' (an extra index) or 'skip' (drop the row)."
    )


def _vector_indexer(s):
    col, out, width, handle = s["inputCol"], s["outputCol"], s["numFeatures"], s["handleInvalid"]
    maps = {int(f): {float(k): float(v) for k, v in pairs} for f, pairs in s["categoryMaps"]}
    nans = {f: m[k] for f, m in maps.items() for k in m if k != k}  # NaN keys match NaN

    def step(row):
        size, entries = vector_in(row, col, "VectorIndexerModel", width)
        values = dict(entries)
        for index, x in entries.items():  # a 0 stays 0: 0.0 is always category 0
            lookup = maps.get(index)
            if lookup is None:
                continue
            mapped = lookup.get(x) if x == x else nans.get(index)
            if mapped is None:
                if handle == "skip":
                    return vector_index_message(x, index, True)
                if handle == "error":
                    raise InvalidRow(vector_index_message(x, index, False))
                mapped = float(len(lookup))
            values[index] = mapped
        row[out] = (size, values)
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
