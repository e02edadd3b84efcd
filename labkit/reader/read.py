"""``read_csv``: Spark's own parser, with every rejected row counted by the reason Spark had.

Spark's CSV reader has three ways to meet a bad line: keep it with nulls
(PERMISSIVE), drop it without a word (DROPMALFORMED), or stop (FAILFAST).
:func:`read_csv` keeps Spark's parser but never drops silently: it reads in
PERMISSIVE mode with a corrupt-record column, says *why* each bad line is bad
(and how to fix the common causes), warns about damage Spark keeps, keeps a
few samples, and stops the job when too much of the file is bad.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.errors import EmptyDataFile, TooManyBadRecords
from labkit.reader.diagnose import (
    CORRUPT_COLUMN,
    fix_for,
    warning_counts,
    warning_fix,
    with_reject_reason,
)
from labkit.reader.files import check_exists, local_path, sha256_of
from labkit.reader.layout import probe_layout, require_layout
from labkit.reader.options import CsvOptions
from labkit.reader.stats import BadRecord, ReadStats

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

_OPTION_NAMES = {f.name for f in fields(CsvOptions)}


def read_csv(
    spark: SparkSession,
    path: str | Path,
    schema: StructType,
    *,
    max_bad_fraction: float = 0.1,
    samples: int = 5,
    options: CsvOptions | None = None,
    **layout: Any,
) -> tuple[DataFrame, ReadStats]:
    """Read a CSV file with an explicit schema, counting every rejected row by reason.

    Lines Spark's parser rejects (another number of values than the schema has
    columns, or a value that does not convert to its column's type) are
    counted by the reason Spark had, with the fix when the cause is a common
    one (spaces, another separator, a decimal comma, quotes, a header in the
    data, another date format); the kept rows are returned. Paths with a
    scheme (``hdfs://``, ``s3a://``) go straight to Spark; local paths are
    checked first so the common mistakes get their own error.

    Parameters
    ----------
    spark : SparkSession
    path : str or Path
        A local file, or any URI Spark can read.
    schema : StructType
        The columns, in file order, with their types.
    max_bad_fraction : float, default=0.1
        Raise when more than this share of the rows is rejected. A model trained
        on the 10% that parsed is a fine legal model and a bad product.
    samples : int, default=5
        How many rejected lines to keep as examples.
    options : CsvOptions, optional
        The file's layout; keyword arguments of the same names override it
        (``header``, ``sep``, ``null_value``, ``ignore_leading_whitespace``,
        ``date_format``, ...: see :class:`CsvOptions`).

    Returns
    -------
    df : DataFrame
        The kept rows, with ``schema``'s columns.
    stats : ReadStats
        Rows read, kept, rejected by reason, fixes, warnings, nulls per column,
        sample bad lines.

    Raises
    ------
    DataFileNotFound, EmptyDataFile, WrongColumnCount
        For a local file that is missing, holds no data, or whose lines all have
        another number of fields than the schema.
    TooManyBadRecords
        When the rejected share exceeds ``max_bad_fraction``; carries ``stats``.

    Examples
    --------
    >>> df, stats = read_csv(spark, "data/adult.data", adult_schema(),
    ...                      ignore_leading_whitespace=True, null_value="?")
    >>> stats.rows_kept, stats.rows_rejected
    (32561, 0)
    """
    if not 0 <= max_bad_fraction <= 1:
        raise ValueError(f"max_bad_fraction must be between 0 and 1, got {max_bad_fraction}")
    unknown = sorted(set(layout) - _OPTION_NAMES)
    if unknown:
        raise TypeError(f"read_csv got unknown option(s) {unknown}; known: {sorted(_OPTION_NAMES)}")
    options = replace(options or CsvOptions(), **layout)
    local = local_path(path)
    if local is not None:
        check_exists(local)
        probe = probe_layout(local, schema.fieldNames(), sep=options.sep,
                             comment=options.comment, header=options.header,
                             quote=options.quote, encoding=options.encoding)  # fmt: skip
        require_layout(local, probe, schema.fieldNames(), options.sep)
    parsed = _parse(spark, str(path), schema, options)
    classified = with_reject_reason(parsed, schema, options).cache()
    stats = _count(classified, str(path), schema, samples, max_bad_fraction, options)
    if local is not None:
        stats.sha256 = sha256_of(local)
        stats.size_bytes = local.stat().st_size
    if stats.rows_read == 0:
        raise EmptyDataFile(f"{path} holds no data rows. Check that it is the file you meant.")
    if stats.bad_fraction > max_bad_fraction:
        raise TooManyBadRecords(
            f"{stats.rows_rejected:,} of {stats.rows_read:,} rows of {path} were rejected "
            f"({stats.bad_fraction:.1%}), more than max_bad_fraction={max_bad_fraction:.0%}.\n"
            f"{stats.summary()}\nFix the file or its producer; raise max_bad_fraction only if "
            "you have decided the loss is acceptable.",
            stats,
        )
    kept = classified.filter("_reason IS NULL").drop(CORRUPT_COLUMN, "_reason")
    return kept, stats


def _parse(spark: SparkSession, path: str, schema: StructType, options: CsvOptions) -> DataFrame:
    from pyspark.sql import types as T

    with_corrupt = T.StructType([*schema.fields, T.StructField(CORRUPT_COLUMN, T.StringType())])
    reader = spark.read.schema(with_corrupt).option("mode", "PERMISSIVE")
    reader = reader.option("columnNameOfCorruptRecord", CORRUPT_COLUMN)
    return reader.options(**options.spark_options()).csv(path)


def _count(
    classified: DataFrame,
    path: str,
    schema: StructType,
    samples: int,
    max_bad_fraction: float,
    options: CsvOptions,
) -> ReadStats:
    from pyspark.sql import functions as F

    by_reason = classified.groupBy("_reason").count().collect()
    rejected = {r["_reason"]: r["count"] for r in by_reason if r["_reason"] is not None}
    rejected = dict(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])))
    rows_read = sum(r["count"] for r in by_reason)
    kept = classified.filter("_reason IS NULL")
    checks = warning_counts(schema, options.encoding)
    figures = kept.agg(
        *[F.count(F.when(F.col(f"`{n}`").isNull(), 1)).alias(n) for n in schema.fieldNames()],
        *[count.alias(f"_warning_{i}") for i, count in enumerate(checks.values())],
    ).first()
    warnings = {w: figures[f"_warning_{i}"] for i, w in enumerate(checks)}
    warnings = {w: n for w, n in warnings.items() if n}
    fixes = {r: fix for r in rejected if (fix := fix_for(r))}
    fixes |= {w: warning_fix(w, options.encoding) for w in warnings}
    bad = classified.filter("_reason IS NOT NULL").select("_reason", CORRUPT_COLUMN, *[
        F.col(f"`{n}`").cast("string") for n in schema.fieldNames()
    ]).limit(samples).collect()  # fmt: skip
    sample_records = [
        BadRecord(r["_reason"], r[CORRUPT_COLUMN] or ",".join(str(v) for v in r[2:])) for r in bad
    ]
    return ReadStats(
        path=path,
        rows_read=rows_read,
        rows_kept=rows_read - sum(rejected.values()),
        rejected=rejected,
        nulls={n: figures[n] for n in schema.fieldNames() if figures[n]},
        samples=sample_records,
        max_bad_fraction=max_bad_fraction,
        warnings=warnings,
        fixes=fixes,
    )
