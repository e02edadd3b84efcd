"""Feature crossing stages' row rules: PolynomialExpansion and Interaction.

Pasted into a generated module only when its pipeline has one of these stages
(see ``labkit.export.codegen``); ``EXPAND_BUILDERS`` maps each stage type to
its builder, and ``labkit.export._runtime`` adds them to ``prepare``.
"""

# ruff: noqa: B905 - generated modules run on older Pythons too (no zip(strict=...))
from labkit.export._runtime.base import InvalidRow, as_number
from labkit.export._runtime.features import vector_in

# ---- pasted into generated modules from here on (see labkit.export.codegen) ----


def poly_size(features, degree):
    """``C(features + degree, degree)``: Spark's ``PolynomialExpansion.getPolySize``."""
    size = 1
    for k in range(1, degree + 1):
        size = size * (features + k) // k
    return size


def _expand(indices, values, last, last_feature, degree, multiplier, out, at):
    """Spark's ``PolynomialExpansion.expandSparse``: the same recursion, the same products."""
    if multiplier == 0.0:
        pass
    elif degree == 0 or last < 0:
        if at >= 0:  # skip the constant 1
            out[at] = multiplier
    else:
        v, alpha, start, i = values[last], multiplier, at, 0
        while i <= degree and alpha != 0.0:
            start = _expand(indices, values, last - 1, indices[last] - 1, degree - i, alpha, out,
                            start)  # fmt: skip
            i += 1
            alpha *= v
    return at + poly_size(last_feature + 1, degree)


def stored_dense(size, entries, storage, stage, col, finite=True):
    """Whether Spark holds this vector dense: its zeros then take part in products.

    ``storage`` is how the stage that built the column stores it: ``"sparse"``
    (OneHotEncoder), ``"compressed"`` (VectorAssembler, Interaction: dense unless
    ``1.5 * (nonzeros + 1) < size``, Spark's ``Vector.compressed``), else
    ``"unknown"``. Storage changes the answer only where a NaN or infinity meets
    a zero (0 x NaN is NaN in a dense product, absent in a sparse one); for an
    unknown storage such a row is refused.
    """
    nonzeros = sum(1 for x in entries.values() if x != 0.0)
    if storage == "sparse" or nonzeros == size:
        return False
    if storage == "compressed":
        return not 1.5 * (nonzeros + 1.0) < size
    if finite and all(x - x == 0.0 for x in entries.values()):
        return False
    raise InvalidRow(storage_message(stage, col))


def storage_message(stage, col):
    """A NaN or infinity meets a zero in a vector whose storage the scorer cannot know."""
    return (
        f"{stage}: vector {col!r} has zeros and the row holds NaN or infinity; Spark's answer "
        "then depends on whether the vector is stored dense or sparse, which the stage that "
        "built it does not fix. Build the column with VectorAssembler or OneHotEncoder."
    )


def _polynomial(s):
    col, out, degree, storage = s["inputCol"], s["outputCol"], int(s["degree"]), s["storage"][0]

    def step(row):
        size, entries = vector_in(row, col, "PolynomialExpansion", None)
        if stored_dense(size, entries, storage, "PolynomialExpansion", col):
            items = [(i, entries.get(i, 0.0)) for i in range(size)]  # expandDense
        else:
            items = [(i, x) for i, x in sorted(entries.items()) if x != 0.0]
        values = {}
        _expand([i for i, _ in items], [x for _, x in items], len(items) - 1, size - 1, degree,
                1.0, values, -1)  # fmt: skip
        row[out] = (poly_size(size, degree) - 1, dict(sorted(values.items())))
        return None

    return step


def interaction_parts(value, col, storage, finite):
    """One Interaction input as ``(size, [(index, value), ...])``: Spark's ``foreachActive``
    (every entry of a dense vector, the stored ones of a sparse one)."""
    if value.__class__ is tuple:
        size, entries = value
        if stored_dense(size, entries, storage, "Interaction", col, finite):
            return size, [(i, entries.get(i, 0.0)) for i in range(size)]
        return size, [(i, x) for i, x in sorted(entries.items()) if x != 0.0]
    x = as_number(value, col, "Interaction")
    if x is None:
        raise InvalidRow(
            f"Interaction: column {col!r} is null; Spark fails on this row too "
            '("Values to interact cannot be null"). Fill the value in first.'
        )
    return 1, [(0, x)]


def _finite(value):
    if value.__class__ is tuple:
        return all(x - x == 0.0 for x in value[1].values())
    return not isinstance(value, float) or value - value == 0.0


def _interaction(s):
    inputs, out = s["inputCols"], s["outputCol"]
    storage = dict(zip(inputs, s["storage"]))

    def step(row):
        indices, values, size = [0], [1.0], 1
        finite = all(_finite(row[col]) for col in inputs)
        for col in reversed(inputs):  # Spark starts from the last column
            width, parts = interaction_parts(row[col], col, storage[col], finite)
            indices = [j + i * size for i, _ in parts for j in indices]
            values = [p * a for _, a in parts for p in values]
            size *= width
        row[out] = (size, dict(sorted(zip(indices, values))))
        return None

    return step


EXPAND_BUILDERS = {"PolynomialExpansion": _polynomial, "Interaction": _interaction}
