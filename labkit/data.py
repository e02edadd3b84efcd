"""Reading CSV files honestly: explicit schemas, and every rejected row counted by reason.

Spark's CSV reader has three ways to meet a bad line: keep it with nulls
(PERMISSIVE), drop it without a word (DROPMALFORMED), or stop (FAILFAST).
:func:`read_csv` keeps Spark's parser but never drops silently: it reads in
PERMISSIVE mode with a corrupt-record column, says *why* each bad line is bad,
keeps a few samples, and stops the job when too much of the file is bad.

It also knows the UCI Adult census data the codelab uses (:func:`load_adult`).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.errors import (
    ChecksumMismatch,
    DataFileNotFound,
    EmptyDataFile,
    TooManyBadRecords,
    WrongColumnCount,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

CORRUPT_COLUMN = "_corrupt_record"
DATA_DIR_ENV = "LABKIT_DATA_DIR"
#: How many leading data lines are looked at to decide the file's layout.
_LAYOUT_PROBE_LINES = 50

# ---------------------------------------------------------------------------
# The Adult data set
# ---------------------------------------------------------------------------

#: Column names of the Adult data, in file order (the file has no header).
ADULT_COLUMNS: tuple[str, ...] = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
)  # fmt: skip
ADULT_NUMERIC: tuple[str, ...] = (
    "age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week",
)  # fmt: skip
ADULT_CATEGORICAL: tuple[str, ...] = tuple(
    c for c in ADULT_COLUMNS if c not in ADULT_NUMERIC and c != "income"
)
ADULT_LABEL = "income"

#: How the Adult files are written: a space after every comma, "?" for missing,
#: and (in adult.test) a junk first line starting with "|".
ADULT_CSV_OPTIONS: dict[str, Any] = {
    "ignore_leading_whitespace": True,
    "null_value": "?",
    "comment": "|",
}


@dataclass(frozen=True)
class DataFile:
    """A file shipped in ``data/``, with what we know it must contain."""

    name: str
    sha256: str
    rows: int

    @property
    def path(self) -> Path:
        """Where the file is: ``$LABKIT_DATA_DIR/name``, else the repository's ``data/``."""
        return data_dir() / self.name


ADULT_FILES: dict[str, DataFile] = {
    "train": DataFile(
        "adult.data", "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d", 32_561
    ),
    "test": DataFile(
        "adult.test", "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05", 16_281
    ),
}


def data_dir() -> Path:
    """Return the folder holding the codelab's data files."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(__file__).resolve().parent.parent / "data"


def adult_schema() -> StructType:
    """Return the explicit Spark schema of the Adult files (numbers as integers).

    Examples
    --------
    >>> adult_schema()["age"].dataType.simpleString()
    'int'
    """
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField(c, T.IntegerType() if c in ADULT_NUMERIC else T.StringType())
            for c in ADULT_COLUMNS
        ]
    )


def sha256_of(path: str | Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(data_file: DataFile) -> Path:
    """Check a shipped data file exists and has its recorded sha256; return its path.

    Raises
    ------
    DataFileNotFound, ChecksumMismatch
    """
    path = data_file.path
    _check_exists(path)
    actual = sha256_of(path)
    if actual != data_file.sha256:
        raise ChecksumMismatch(
            f"{path} has sha256 {actual}, expected {data_file.sha256}: the file was changed "
            f"or truncated. Restore it with `git checkout -- data/{data_file.name}`."
        )
    return path


def read_adult(spark: SparkSession, path: str | Path, **kwargs: Any) -> tuple[DataFrame, ReadStats]:
    """Read any file in the Adult layout, with bad-record accounting.

    Test-file labels lose their trailing dot (``>50K.`` becomes ``>50K``), so
    train and test share one label vocabulary. Keyword arguments go to
    :func:`read_csv` (e.g. ``max_bad_fraction``).

    Examples
    --------
    >>> df, stats = read_adult(spark, ADULT_FILES["test"].path)
    >>> stats.rows_kept
    16281
    """
    from pyspark.sql import functions as F

    options = {**ADULT_CSV_OPTIONS, **kwargs}
    df, stats = read_csv(spark, path, adult_schema(), **options)
    return df.withColumn(ADULT_LABEL, F.regexp_replace(ADULT_LABEL, r"\.$", "")), stats


def load_adult(spark: SparkSession, split: str = "train") -> DataFrame:
    """Return the Adult ``"train"`` (adult.data) or ``"test"`` (adult.test) split.

    Leading spaces are ignored, ``?`` becomes null, adult.test's junk first line
    is skipped and its labels lose their trailing dot.

    Examples
    --------
    >>> load_adult(spark, "train").count()
    32561
    """
    if split not in ADULT_FILES:
        raise ValueError(f"split must be one of {sorted(ADULT_FILES)}, got {split!r}")
    return read_adult(spark, ADULT_FILES[split].path)[0]


# ---------------------------------------------------------------------------
# Reading any CSV with bad records counted
# ---------------------------------------------------------------------------


@dataclass
class BadRecord:
    """One rejected line: why, and what it said."""

    reason: str
    line: str


@dataclass
class ReadStats:
    """What happened while reading a file: kept in the run history for the next run.

    Examples
    --------
    >>> stats = ReadStats(path="x.csv", rows_read=10, rows_kept=9,
    ...                   rejected={"wrong field count (3 instead of 4)": 1})
    >>> stats.rows_rejected, stats.bad_fraction
    (1, 0.1)
    >>> ReadStats.from_json(stats.to_json()) == stats
    True
    """

    path: str
    rows_read: int
    rows_kept: int
    rejected: dict[str, int] = field(default_factory=dict)
    nulls: dict[str, int] = field(default_factory=dict)
    samples: list[BadRecord] = field(default_factory=list)
    max_bad_fraction: float = 0.1
    sha256: str | None = None
    size_bytes: int | None = None

    @property
    def rows_rejected(self) -> int:
        """Rows that were read but not kept."""
        return sum(self.rejected.values())

    @property
    def bad_fraction(self) -> float:
        """Share of the rows read that were rejected (0 for an empty read)."""
        return self.rows_rejected / self.rows_read if self.rows_read else 0.0

    def summary(self) -> str:
        """A few lines a person can read: counts, reasons and samples."""
        lines = [
            f"{self.path}: read {self.rows_read:,} rows, kept {self.rows_kept:,}, "
            f"rejected {self.rows_rejected:,} ({self.bad_fraction:.1%}; "
            f"limit {self.max_bad_fraction:.0%})"
        ]
        lines += [f"  {count:>7,}  {reason}" for reason, count in self.rejected.items()]
        lines += [f"  e.g. [{s.reason}] {s.line!r}" for s in self.samples]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the figures (JSON-ready)."""
        return asdict(self)

    def to_json(self) -> str:
        """The figures as a JSON document."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ReadStats:
        """Rebuild stats saved with :meth:`to_dict`."""
        samples = [BadRecord(**s) for s in raw.get("samples", [])]
        return cls(**{**raw, "samples": samples})

    @classmethod
    def from_json(cls, text: str) -> ReadStats:
        """Rebuild stats saved with :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


def read_csv(
    spark: SparkSession,
    path: str | Path,
    schema: StructType,
    *,
    max_bad_fraction: float = 0.1,
    header: bool = False,
    sep: str = ",",
    null_value: str | None = None,
    comment: str | None = None,
    ignore_leading_whitespace: bool = False,
    encoding: str = "UTF-8",
    samples: int = 5,
) -> tuple[DataFrame, ReadStats]:
    """Read a CSV file with an explicit schema, counting every rejected row by reason.

    Lines with the wrong number of fields, values that do not parse as their
    column's type, and (for UTF-8 files) undecodable bytes are rejected and
    counted; the kept rows are returned. Paths with a scheme (``hdfs://``,
    ``s3a://``) go straight to Spark; local paths are checked first so the
    common mistakes get their own error.

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
    header, sep, null_value, comment, ignore_leading_whitespace, encoding
        Spark's CSV options of the same meaning.
    samples : int, default=5
        How many rejected lines to keep as examples.

    Returns
    -------
    df : DataFrame
        The kept rows, with ``schema``'s columns.
    stats : ReadStats
        Rows read, kept, rejected by reason, nulls per column, sample bad lines.

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
    local = _local_path(path)
    if local is not None:
        _check_layout(local, schema, header=header, sep=sep, comment=comment, encoding=encoding)
    parsed = _parse(spark, str(path), schema, header=header, sep=sep, null_value=null_value,
                    comment=comment, ignore_leading_whitespace=ignore_leading_whitespace,
                    encoding=encoding)  # fmt: skip
    reason = _reject_reason(schema, sep=sep, null_value=null_value, check_utf8=_is_utf8(encoding))
    classified = parsed.withColumn("_reason", reason).cache()
    stats = _count(classified, str(path), schema, samples, max_bad_fraction)
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


def _local_path(path: str | Path) -> Path | None:
    """Return a local Path for plain paths and ``file:`` URIs, None for other schemes."""
    text = str(path)
    if text.startswith("file:"):
        return Path(re.sub(r"^file:(//)?", "", text))
    return None if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) else Path(text)


def _check_exists(path: Path) -> None:
    if path.is_file():
        return
    if path.is_dir():
        raise DataFileNotFound(f"{path} is a folder, not a file: name the CSV file inside it.")
    hint = ""
    if path.parent.is_dir():
        close = difflib.get_close_matches(path.name, os.listdir(path.parent), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise DataFileNotFound(
        f"No file at {path} (working directory: {Path.cwd()}).{hint} "
        "Check the path, or use an absolute one."
    )


def _check_layout(
    path: Path, schema: StructType, *, header: bool, sep: str, comment: str | None, encoding: str
) -> None:
    """Fail early for a missing or empty file, or one whose lines all have the wrong width."""
    _check_exists(path)
    widths: list[tuple[int, int]] = []  # (line number, field count)
    skip_header = header
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip() or (comment and line.startswith(comment)):
                continue
            if skip_header:
                skip_header = False
                continue
            widths.append((number, len(next(csv.reader([line], delimiter=sep)))))
            if len(widths) >= _LAYOUT_PROBE_LINES:
                break
    if not widths:
        raise EmptyDataFile(
            f"{path} holds no data rows ({path.stat().st_size} bytes). "
            "Check that the file was fully written or downloaded."
        )
    expected = len(schema.fields)
    if all(width != expected for _, width in widths):
        number, width = widths[0]
        raise WrongColumnCount(
            f"{path}, line {number}: found {width} fields separated by {sep!r}, but the schema "
            f"has {expected} columns ({', '.join(schema.fieldNames())}). "
            f"Check the separator (sep=...) and that the schema matches this file."
        )


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


def _parse(spark: SparkSession, path: str, schema: StructType, **options: Any) -> DataFrame:
    from pyspark.sql import types as T

    with_corrupt = T.StructType([*schema.fields, T.StructField(CORRUPT_COLUMN, T.StringType())])
    reader = spark.read.schema(with_corrupt).option("mode", "PERMISSIVE")
    reader = reader.option("columnNameOfCorruptRecord", CORRUPT_COLUMN)
    spark_names = {
        "header": "header", "sep": "sep", "null_value": "nullValue", "comment": "comment",
        "ignore_leading_whitespace": "ignoreLeadingWhiteSpace", "encoding": "encoding",
    }  # fmt: skip
    for name, value in options.items():
        if value is not None:
            reader = reader.option(spark_names[name], value)
    return reader.csv(path)


def _reject_reason(schema: StructType, *, sep: str, null_value: str | None, check_utf8: bool):
    """A column expression: why a parsed row is rejected, or null when it is kept."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    raw = F.col(CORRUPT_COLUMN)
    tokens = F.split(raw, re.escape(sep))
    expected = len(schema.fields)
    reason = F.when(
        F.size(tokens) != expected,
        F.format_string(f"wrong field count (%d instead of {expected})", F.size(tokens)),
    )
    for position, fld in enumerate(schema.fields, start=1):
        if isinstance(fld.dataType, T.StringType):
            continue
        token = F.trim(F.element_at(tokens, position))
        unparsable = (token != "") & token.try_cast(fld.dataType).isNull()
        if null_value is not None:
            unparsable &= token != null_value
        reason = reason.when(
            raw.isNotNull() & unparsable,
            F.lit(f"unparsable {fld.dataType.simpleString()} in column '{fld.name}'"),
        )
    reason = reason.when(raw.isNotNull(), F.lit("malformed line (quotes or escapes)"))
    if check_utf8:
        strings = [
            F.col(f"`{f.name}`") for f in schema.fields if isinstance(f.dataType, T.StringType)
        ]
        if strings:
            garbled = F.concat_ws("", *strings).contains("\ufffd")
            reason = reason.when(garbled, F.lit("bytes that are not valid UTF-8"))
    return reason


def _count(
    classified: DataFrame, path: str, schema: StructType, samples: int, max_bad_fraction: float
) -> ReadStats:
    from pyspark.sql import functions as F

    by_reason = classified.groupBy("_reason").count().collect()
    rejected = {r["_reason"]: r["count"] for r in by_reason if r["_reason"] is not None}
    rejected = dict(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])))
    rows_read = sum(r["count"] for r in by_reason)
    kept = classified.filter("_reason IS NULL")
    null_counts = kept.agg(
        *[F.count(F.when(F.col(f"`{n}`").isNull(), 1)).alias(n) for n in schema.fieldNames()]
    ).first()
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
        nulls={k: v for k, v in null_counts.asDict().items() if v},
        samples=sample_records,
        max_bad_fraction=max_bad_fraction,
    )
