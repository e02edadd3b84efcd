"""Regression models' row rules: GeneralizedLinearRegression and IsotonicRegression.

Pasted into a generated module only when its pipeline has one of these models
(see ``labkit.export.codegen``); ``REGRESS_BUILDERS`` maps each stage type to
its builder, and ``labkit.export._runtime`` adds them to ``prepare``.
"""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
import math

from labkit.export._runtime.base import InvalidRow, as_number, jexp
from labkit.export._runtime.features import jpow
from labkit.export._runtime.models import _features, _writer, dot

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----


def glm_unlink(link, power):
    """Spark's ``GeneralizedLinearRegression.Link.unlink`` for ``link``: eta -> mean."""
    if link == "identity":
        return lambda eta: eta
    if link == "logit":
        return lambda eta: 1.0 / (1.0 + jexp(-1.0 * eta))
    if link == "log" or (link == "power" and power == 0.0):
        return jexp
    if link == "inverse":
        return lambda eta: 1.0 / eta if eta != 0.0 else math.copysign(math.inf, eta)
    if link == "probit":  # breeze's Gaussian(0, 1).cdf
        return lambda eta: 0.5 * (1.0 + math.erf((eta - 0.0) / (math.sqrt(2.0) * 1.0)))
    if link == "cloglog":
        return lambda eta: 1.0 - jexp(-1.0 * jexp(eta))
    if link == "sqrt":
        return lambda eta: eta * eta
    if link == "power":
        return lambda eta: java_pow(eta, 1.0 / power)
    raise InvalidRow(f"GeneralizedLinearRegressionModel: link {link!r} has no rule here.")


def java_pow(x, y):
    """The JVM's ``Math.pow``: NaN for a negative base and a fractional exponent, inf for 0
    to a negative power, instead of Python's ValueError."""
    try:
        return jpow(x, y)
    except ValueError:
        if x == 0.0:  # y < 0: -inf only for -0.0 to an odd integer power
            odd = y == int(y) and int(y) % 2 == 1 and math.copysign(1.0, x) < 0
            return -math.inf if odd else math.inf
        return math.nan


def _glm(s):
    features, write, offset_col = _features(s), _writer(s), s["offsetCol"]
    weights, intercept, link_col = s["coefficients"], float(s["intercept"]), s["linkPredictionCol"]
    unlink = glm_unlink(s["link"], float(s["linkPower"]))

    def step(row):
        offset = 0.0
        if offset_col:
            offset = as_number(row[offset_col], offset_col, "GeneralizedLinearRegressionModel")
            if offset is None:
                raise InvalidRow(f"GeneralizedLinearRegressionModel: offset {offset_col!r} is "
                                 "null; Spark predicts null for this row. Fill it in.")  # fmt: skip
        eta = dot(features(row), weights) + intercept + offset
        if link_col:
            row[link_col] = eta
        write(row, unlink(eta), None, None)

    return step


def java_search(keys, x):
    """Java's ``Arrays.binarySearch(double[], key)``: the index, or ``-(insertion point) - 1``.

    Ties are broken as ``Double.doubleToLongBits`` orders them (-0.0 < 0.0 < NaN).
    """
    low, high = 0, len(keys) - 1
    while low <= high:
        mid = (low + high) // 2
        value = keys[mid]
        if value < x:
            low = mid + 1
        elif value > x:
            high = mid - 1
        else:
            a = 2 if value != value else 0 if math.copysign(1.0, value) < 0 else 1
            b = 2 if x != x else 0 if math.copysign(1.0, x) < 0 else 1
            if a == b:
                return mid
            if a < b:
                low = mid + 1
            else:
                high = mid - 1
    return -(low + 1)


def isotonic_predict(boundaries, predictions, x):
    """Spark's ``IsotonicRegressionModel.predict`` (mllib): clamp outside, interpolate inside."""
    found = java_search(boundaries, x)
    insert = -found - 1
    if insert == 0:
        return predictions[0]
    if insert == len(boundaries):
        return predictions[-1]
    if found < 0:
        x1, y1 = boundaries[insert - 1], predictions[insert - 1]
        x2, y2 = boundaries[insert], predictions[insert]
        return y1 + (y2 - y1) * (x - x1) / (x2 - x1)
    return predictions[found]


def _isotonic(s):
    col, write, index = s["featuresCol"], _writer(s), int(s["featureIndex"])
    boundaries = [float(b) for b in s["boundaries"]]
    predictions = [float(p) for p in s["predictions"]]

    def step(row):
        value = row[col]
        if value.__class__ is tuple:
            size, entries = value
            if not index < size:
                raise InvalidRow(f"IsotonicRegressionModel: featureIndex {index} is outside "
                                 f"the {size} entries of {col!r}; Spark fails too.")  # fmt: skip
            x = entries.get(index, 0.0)
        else:
            x = as_number(value, col, "IsotonicRegressionModel")
            if x is None:
                raise InvalidRow(f"IsotonicRegressionModel: feature {col!r} is null; Spark "
                                 "predicts null for this row. Fill it in.")  # fmt: skip
        write(row, isotonic_predict(boundaries, predictions, x), None, None)

    return step


REGRESS_BUILDERS = {"GeneralizedLinearRegressionModel": _glm, "IsotonicRegressionModel": _isotonic}
