"""Reading any CSV file with Spark, honestly: explicit options and schema, bad records by reason.

- :func:`read_csv` reads with Spark's parser and counts every rejected line by
  the reason Spark had, with the fix for common causes (:mod:`.diagnose`);
- :class:`CsvOptions` is the file's layout (separator, quote, nulls, spaces,
  date formats) under plain names;
- :func:`probe_layout` looks at the first lines without Spark (field count,
  header) so a wrong separator or a dropped column is named in milliseconds;
- :class:`ReadStats` is what a read did, kept in the run history.
"""

from labkit.reader.diagnose import CORRUPT_COLUMN, fix_for
from labkit.reader.files import sha256_of
from labkit.reader.layout import Layout, probe_layout
from labkit.reader.options import CsvOptions
from labkit.reader.read import read_csv
from labkit.reader.stats import BadRecord, ReadStats

__all__ = [
    "CORRUPT_COLUMN",
    "BadRecord",
    "CsvOptions",
    "Layout",
    "ReadStats",
    "fix_for",
    "probe_layout",
    "read_csv",
    "sha256_of",
]
