"""The runtime's ground: errors, numbers as the JVM computes them, Spark's messages."""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math
import numbers

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----


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
