"""What a batch of training data looks like, in a few numbers that fit in a JSON line.

A :class:`DataProfile` holds the row count, column types, the count of every
category, a histogram of every numeric column and the label counts. One Spark
pass per categorical column and one for all numeric columns computes it; the
drift checks then compare two profiles without Spark.

Numeric histograms must share bin edges to be compared, so a profile is
computed with the edges of a reference profile (the last good run) when there
is one, and with its own deciles otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Key under which missing values are counted in category and label counts.
MISSING = "<missing>"
_DECILES = [i / 10 for i in range(1, 10)]


@dataclass
class Histogram:
    """Counts of a numeric column in bins ``(-inf, e0), [e0, e1), ..., [e_last, inf)``.

    Examples
    --------
    >>> h = Histogram(edges=[10.0, 20.0], counts=[1, 5, 2], missing=0)
    >>> h.total
    8
    """

    edges: list[float]
    counts: list[int]
    missing: int = 0

    @property
    def total(self) -> int:
        """Rows with a value (missing ones excluded)."""
        return sum(self.counts)


@dataclass
class DataProfile:
    """Rows, column types, category counts, numeric histograms and label counts of one batch.

    Examples
    --------
    >>> p = DataProfile(rows=3, columns={"x": "int"}, labels={"yes": 1, "no": 2})
    >>> round(p.label_shares()["no"], 3)
    0.667
    >>> DataProfile.from_dict(p.to_dict()) == p
    True
    """

    rows: int
    columns: dict[str, str] = field(default_factory=dict)
    categories: dict[str, dict[str, int]] = field(default_factory=dict)
    histograms: dict[str, Histogram] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)

    def label_shares(self) -> dict[str, float]:
        """Share of each label value among the rows."""
        return normalise(self.labels)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DataProfile:
        """Rebuild a profile saved with :meth:`to_dict`."""
        histograms = {k: Histogram(**v) for k, v in raw.get("histograms", {}).items()}
        return cls(**{**raw, "histograms": histograms})


def profile_frame(
    df: DataFrame,
    *,
    label: str,
    categorical: tuple[str, ...] | list[str],
    numeric: tuple[str, ...] | list[str],
    reference: DataProfile | None = None,
) -> DataProfile:
    """Profile a DataFrame: counts per category and label, histograms per numeric column.

    Parameters
    ----------
    df : DataFrame
        The batch (cache it first: several small jobs read it).
    label : str
        The label column.
    categorical, numeric : sequence of str
        The feature columns of each kind.
    reference : DataProfile, optional
        A previous profile whose histogram edges are reused, so the two can be compared.

    Returns
    -------
    profile : DataProfile

    Examples
    --------
    >>> p = profile_frame(load_adult(spark, "test"), label="income",  # doctest: +SKIP
    ...                   categorical=["sex"], numeric=["age"])
    >>> p.rows, p.labels  # doctest: +SKIP
    (16281, {'<=50K': 12435, '>50K': 3846})
    """
    columns = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    counts = _value_counts(df, [*categorical, label])
    edges = {
        c: reference.histograms[c].edges
        for c in numeric
        if reference is not None and c in reference.histograms
    }
    missing_edges = [c for c in numeric if c not in edges]
    edges.update(_decile_edges(df, missing_edges))
    return DataProfile(
        rows=sum(counts[label].values()),  # every row has one label value (or <missing>)
        columns=columns,
        categories={c: counts[c] for c in categorical},
        histograms=_histograms(df, edges),
        labels=counts[label],
    )


def _value_counts(df: DataFrame, names: list[str]) -> dict[str, dict[str, int]]:
    """Count every value of every named column in one Spark job (columns stacked as rows)."""
    from pyspark.sql import functions as F

    stacked = F.explode(F.array(*[
        F.struct(F.lit(n).alias("column"), F.col(f"`{n}`").cast("string").alias("value"))
        for n in names
    ]))  # fmt: skip
    rows = df.select(stacked.alias("cell")).groupBy("cell.column", "cell.value").count().collect()
    counts: dict[str, dict[str, int]] = {n: {} for n in names}
    for row in rows:
        value = MISSING if row["value"] is None else row["value"]
        counts[row["column"]][value] = row["count"]
    return {n: dict(sorted(c.items())) for n, c in counts.items()}


def _decile_edges(df: DataFrame, columns: list[str]) -> dict[str, list[float]]:
    """Distinct deciles of each column: bins that each hold about a tenth of the rows."""
    if not columns:
        return {}
    quantiles = df.approxQuantile([f"`{c}`" for c in columns], _DECILES, 0.001)
    return {c: sorted({float(q) for q in qs}) for c, qs in zip(columns, quantiles, strict=True)}


def _histograms(df: DataFrame, edges: dict[str, list[float]]) -> dict[str, Histogram]:
    """Every numeric column's bin counts in one aggregation."""
    from pyspark.sql import functions as F

    exprs = []
    for column, column_edges in edges.items():
        value = F.col(f"`{column}`").cast("double")
        bounds = [-math.inf, *column_edges, math.inf]
        for i, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False)):
            inside = (value >= low) & (value < high)
            exprs.append(F.count(F.when(inside, 1)).alias(f"{column}#{i}"))
        exprs.append(F.count(F.when(value.isNull(), 1)).alias(f"{column}#missing"))
    if not exprs:
        return {}
    row = df.agg(*exprs).first().asDict()
    return {
        column: Histogram(
            edges=list(column_edges),
            counts=[row[f"{column}#{i}"] for i in range(len(column_edges) + 1)],
            missing=row[f"{column}#missing"],
        )
        for column, column_edges in edges.items()
    }


# ---------------------------------------------------------------------------
# Distances between two sets of counts
# ---------------------------------------------------------------------------


def normalise(counts: dict[str, int] | list[int]) -> dict[str, float]:
    """Counts as shares summing to 1 (all zeros stay zeros).

    Examples
    --------
    >>> normalise({"a": 1, "b": 3})
    {'a': 0.25, 'b': 0.75}
    """
    items = counts.items() if isinstance(counts, dict) else enumerate(counts)
    total = sum(v for _, v in items)
    items = counts.items() if isinstance(counts, dict) else enumerate(counts)
    return {str(k): (v / total if total else 0.0) for k, v in items}


def linf_distance(a: dict[str, int], b: dict[str, int]) -> float:
    """Largest change in any category's share between two count tables (0 to 1).

    The measure TFDV uses for categorical drift: it names one category that
    moved, which a person can look up.

    Examples
    --------
    >>> linf_distance({"x": 50, "y": 50}, {"x": 80, "y": 20})
    0.3
    """
    pa, pb = normalise(a), normalise(b)
    keys = set(pa) | set(pb)
    return round(max((abs(pa.get(k, 0.0) - pb.get(k, 0.0)) for k in keys), default=0.0), 12)


def js_distance(a: list[int] | dict[str, int], b: list[int] | dict[str, int]) -> float:
    """Jensen–Shannon distance (base 2, so 0 to 1) between two histograms or count tables.

    Symmetric and finite even when one side has an empty bin, unlike KL divergence.

    Examples
    --------
    >>> js_distance([10, 10], [10, 10])
    0.0
    >>> js_distance([1, 0], [0, 1])
    1.0
    """
    pa, pb = normalise(a), normalise(b)
    keys = set(pa) | set(pb)
    divergence = 0.0
    for key in keys:
        p, q = pa.get(key, 0.0), pb.get(key, 0.0)
        m = (p + q) / 2
        if p > 0:
            divergence += 0.5 * p * math.log2(p / m)
        if q > 0:
            divergence += 0.5 * q * math.log2(q / m)
    return round(math.sqrt(max(divergence, 0.0)), 12)


def profile_adult(df: DataFrame, reference: DataProfile | None = None) -> DataProfile:
    """Profile a DataFrame in the Adult layout (``labkit.data``'s columns and label).

    Examples
    --------
    >>> profile_adult(load_adult(spark, "test")).rows  # doctest: +SKIP
    16281
    """
    from labkit.data import ADULT_CATEGORICAL, ADULT_LABEL, ADULT_NUMERIC

    return profile_frame(
        df,
        label=ADULT_LABEL,
        categorical=ADULT_CATEGORICAL,
        numeric=ADULT_NUMERIC,
        reference=reference,
    )
