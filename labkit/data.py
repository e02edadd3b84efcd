"""The data sets shipped in ``data/``: the UCI Adult census files, and what we know about them.

The generic CSV reader lives in :mod:`labkit.reader`; this module describes
Adult (columns, types, file layout, checksums) and reads it with that reader.
``read_csv``, ``ReadStats`` and ``sha256_of`` are re-exported here so
``from labkit.data import read_csv`` keeps working.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.errors import ChecksumMismatch
from labkit.reader import CORRUPT_COLUMN, BadRecord, CsvOptions, ReadStats, read_csv, sha256_of
from labkit.reader.files import check_exists

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = [
    "ADULT_CATEGORICAL", "ADULT_COLUMNS", "ADULT_CSV_OPTIONS", "ADULT_FILES", "ADULT_LABEL",
    "ADULT_LAYOUT", "ADULT_NUMERIC", "CORRUPT_COLUMN", "FLIGHTS_FILE", "TITANIC_FILE",
    "BadRecord", "DataFile", "ReadStats",
    "adult_schema", "data_dir", "load_adult", "read_adult", "read_csv", "sha256_of",
    "verify_checksum",
]  # fmt: skip

DATA_DIR_ENV = "LABKIT_DATA_DIR"

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
ADULT_LAYOUT = CsvOptions(ignore_leading_whitespace=True, null_value="?", comment="|")
ADULT_CSV_OPTIONS: dict[str, Any] = ADULT_LAYOUT.to_dict()
#: adult.test writes its labels with a trailing dot (">50K."); the reader drops it.
ADULT_LABEL_SUFFIX = "."


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


#: The second data set (chapter 08): flights from New York in January 2013, with a header, quoted
#: text, ``NA`` for missing values and a timestamp; label ``late`` (yes/no). See data/README.md.
FLIGHTS_FILE = DataFile(
    "flights.csv", "ad4f6499a1108e5f45a858773f833677aaf56d5486340b03f9dba831b680262c", 12_148
)

#: A third data set, which chapter 08 does not name (the tests run the same path on it): Titanic
#: passengers, with quoted names and missing ages; label ``survived`` (0/1). See data/README.md.
TITANIC_FILE = DataFile(
    "titanic.csv", "05b0f524a4c9737bb963e828364628d8f9e8da1945033bc635e4287890327048", 1_313
)


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


def adult_columns() -> dict[str, str]:
    """The Adult columns in file order with their Spark type names (a config's ``[data.columns]``).

    Examples
    --------
    >>> adult_columns()["age"], adult_columns()["income"]
    ('int', 'string')
    """
    return {c: "int" if c in ADULT_NUMERIC else "string" for c in ADULT_COLUMNS}


def verify_checksum(data_file: DataFile) -> Path:
    """Check a shipped data file exists and has its recorded sha256; return its path.

    Raises
    ------
    DataFileNotFound, ChecksumMismatch
    """
    path = data_file.path
    check_exists(path)
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

    df, stats = read_csv(spark, path, adult_schema(), options=ADULT_LAYOUT, **kwargs)
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


def adult_data_config() -> dict[str, Any]:
    """The ``[data]`` table of a retrain config for the Adult files (the retrain default).

    Examples
    --------
    >>> adult_data_config()["label_suffix"]
    '.'
    """
    return {
        **ADULT_CSV_OPTIONS,
        "label_suffix": ADULT_LABEL_SUFFIX,
        "columns": adult_columns(),
    }
