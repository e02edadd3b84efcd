"""Why Spark's parser rejected a line, by the rule it applied, and what fixes each common cause.

Spark's CSV reader (its ``UnivocityParser``) rejects a line for two reasons
only: it splits into another number of values than the schema has columns, or
a value does not convert to its column's type. The conversion is Java's, on the
value exactly as the tokenizer left it: ``Integer.parseInt(" 77516")`` fails
on the leading space, while ``Double.parseDouble(" 2.5")`` trims and succeeds.
So the diagnosis here never re-implements a cast: it re-splits the rejected
line with Spark's own tokenizer (``from_csv`` with the same options) and reads
which typed values Spark left null although their token was not empty. Only
then does it look at the token for a common cause (spaces, a decimal comma,
another date format, a quote, a byte-order mark) whose fix it can name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from labkit.reader.options import TOKEN_OPTIONS, CsvOptions

T = TypeVar("T")

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

CORRUPT_COLUMN = "_corrupt_record"
#: Stands in for an empty unquoted value while counting values, so it is not mistaken for padding.
_EMPTY = "\u0000labkit-empty\u0000"
#: Extra columns the re-split allows, to count lines with too many values.
_EXTRA = 16
HEADER_IN_DATA = "a header line in the middle of the data"
BOM = "a byte-order mark"

#: (regex on the value, Spark date pattern) for date layouts other than yyyy-MM-dd.
_DATE_LAYOUTS = (
    (r"\d{4}/\d{1,2}/\d{1,2}", "yyyy/MM/dd"),
    (r"\d{1,2}/\d{1,2}/\d{4}", "MM/dd/yyyy or dd/MM/yyyy"),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", "dd.MM.yyyy"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "dd-MM-yyyy or MM-dd-yyyy"),
    (r"\d{8}", "yyyyMMdd"),
    (r"\d{1,2} [A-Za-z]{3} \d{4}", "d MMM yyyy"),
)
_TIME = (r"[ T]\d{1,2}:\d{2}:\d{2}", " HH:mm:ss", r"[ T]\d{1,2}:\d{2}", " HH:mm")

_FIXES = {
    "separated by ';'": "the file uses ';' between values: read it with sep=';'.",
    "separated by tabs": "the file uses tabs between values: read it with sep='\\t'.",
    "a quoted value spans lines": (
        "a quoted value holds a line break: read with multi_line=True (Spark: multiLine)."
    ),
    "a space before a quoted value": (
        "read with ignore_leading_whitespace=True (Spark: ignoreLeadingWhiteSpace): without "
        "it, a quote after a space is text and the comma inside the value splits it."
    ),
    "leading spaces": (
        "read with ignore_leading_whitespace=True (Spark: ignoreLeadingWhiteSpace); "
        "Spark's number parser refuses the space."
    ),
    "trailing spaces": (
        "read with ignore_trailing_whitespace=True (Spark: ignoreTrailingWhiteSpace)."
    ),
    "a decimal comma": (
        "the numbers use a decimal comma: fix the export, or read the column as a string "
        "and regexp_replace(',', '.') before casting (decimal(p,s) columns also take a "
        "locale option)."
    ),
    "a quote inside the value": (
        "quotes inside values are doubled (RFC 4180): read with escape='\"'; if a quoted "
        "value holds a line break, multi_line=True as well."
    ),
    "a byte-order mark": (
        "the file (or a part appended to it) starts with a byte-order mark: save it as "
        "UTF-8 without BOM, or strip the bytes EF BB BF."
    ),
    HEADER_IN_DATA: (
        "files with headers were concatenated: drop the repeated header lines, or read "
        "each part with header=True."
    ),
}


def fix_for(reason: str) -> str | None:
    """The fix for a reason or warning whose cause is known, else None.

    Examples
    --------
    >>> fix_for("unparsable date in column 'day': dates written as yyyy/MM/dd")
    'read with date_format="yyyy/MM/dd" (Spark: dateFormat).'
    >>> fix_for("unparsable int in column 'age'") is None
    True
    """
    for cause, fix in _FIXES.items():
        if reason.endswith(cause):
            return fix
    written = re.search(r"(dates|timestamps) written as (.+)$", reason)
    if written:
        option = "date_format" if written.group(1) == "dates" else "timestamp_format"
        spark = "dateFormat" if option == "date_format" else "timestampFormat"
        patterns = " or ".join(f'{option}="{p}"' for p in written.group(2).split(" or "))
        return f"read with {patterns} (Spark: {spark})."
    return None


def with_reject_reason(parsed: DataFrame, schema: StructType, options: CsvOptions) -> DataFrame:
    """``parsed`` with a ``_reason`` column: why Spark rejected the row, or null when it kept it.

    ``parsed`` is the PERMISSIVE read with its ``_corrupt_record`` column; Spark
    leaves a typed value null when it failed to convert it. The rejected line
    is re-split once (its own column), then judged.
    """
    from pyspark.sql import functions as F

    raw = F.col(CORRUPT_COLUMN)
    width = len(schema.fields)
    split = _resplit(raw, width + _EXTRA, options)
    parsed = parsed.withColumn("_tokens", F.when(raw.isNotNull(), split))
    tokens = [F.col("_tokens")[f"c{i}"] for i in range(width + _EXTRA)]
    count = balanced(lambda a, b: a + b, [F.when(t.isNotNull(), 1).otherwise(0) for t in tokens])
    parsed = parsed.withColumn("_count", F.when(raw.isNotNull(), count))
    count = F.col("_count")
    wrong = f"wrong field count (%d instead of {width})"
    reason = F.when(raw.isNull(), F.lit(None))
    for cause, test in _line_causes(raw, width, options):
        reason = reason.when((count != width) & test, F.format_string(f"{wrong}: {cause}", count))
    reason = reason.when(count != width, F.format_string(wrong, count))
    header = [F.trim(t) == f.name for t, f in zip(tokens, schema.fields, strict=False)]
    reason = reason.when(balanced(lambda a, b: a & b, header), F.lit(HEADER_IN_DATA))
    empty = options.null_value or ""
    for position, (token, fld) in enumerate(zip(tokens, schema.fields, strict=False)):
        value = F.col(f"`{fld.name}`")
        failed = value.isNull() & token.isNotNull() & (token != _EMPTY) & (token != empty)
        base = f"unparsable {fld.dataType.simpleString()} in column '{fld.name}'"
        if position == 0:  # the tokenizer drops a BOM that starts its input; the line keeps it
            reason = reason.when(failed & raw.startswith("\ufeff"), F.lit(f"{base}: {BOM}"))
        for cause, test in _value_causes(token, fld.dataType):
            reason = reason.when(failed & test, F.lit(f"{base}: {cause}"))
        reason = reason.when(failed, F.lit(base))
    reason = reason.otherwise(F.lit("malformed line (Spark refused it; no value failed alone)"))
    return parsed.withColumn("_reason", reason).drop("_tokens", "_count")


def balanced(combine: Callable[[T, T], T], items: Sequence[T]) -> T:
    """Combine ``items`` pairwise as a balanced tree: depth log2(n), not n.

    A left fold of 20 columns nests 20 deep; Spark Connect sends plans as protobuf,
    whose decoder stops at 100 levels (``Exceeded upb_DecodeOptions_MaxDepth``).

    Examples
    --------
    >>> balanced(lambda a, b: f"({a}+{b})", ["a", "b", "c", "d", "e"])
    '(((a+b)+(c+d))+e)'
    """
    level = list(items)
    while len(level) > 1:
        pairs = range(0, len(level) - 1, 2)
        level = [combine(level[i], level[i + 1]) for i in pairs] + level[len(level) // 2 * 2 :]
    return level[0]


def _resplit(raw: Column, width: int, options: CsvOptions) -> Column:
    """The line's values as Spark's tokenizer splits them (empty unquoted ones as a marker)."""
    from pyspark.sql import functions as F

    ddl = ", ".join(f"c{i} STRING" for i in range(width))
    spark = options.spark_options(TOKEN_OPTIONS)
    spark["nullValue"] = _EMPTY
    return F.from_csv(raw, ddl, spark)


def _line_causes(raw: Column, width: int, options: CsvOptions) -> list[tuple[str, Column]]:
    from pyspark.sql import functions as F

    quotes = F.length(raw) - F.length(F.replace(raw, F.lit(options.quote), F.lit("")))
    spaced_quote = raw.rlike(re.escape(options.sep) + r"[ \t]+" + re.escape(options.quote))
    causes = [
        ("a quoted value spans lines", (quotes % 2) == 1),
        ("a space before a quoted value", spaced_quote),
    ]
    for sep, cause in ((";", "separated by ';'"), ("\t", "separated by tabs")):
        if options.sep != sep:
            causes.append((cause, F.size(F.split(raw, re.escape(sep))) == width))
    return causes


def _value_causes(token: Column, data_type) -> list[tuple[str, Column]]:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    trimmed = F.trim(token)
    causes = [
        ("leading spaces", token.rlike(r"^\s") & trimmed.try_cast(data_type).isNotNull()),
        ("trailing spaces", token.rlike(r"\s$") & trimmed.try_cast(data_type).isNotNull()),
    ]
    if isinstance(data_type, T.FractionalType):
        causes.append(("a decimal comma", trimmed.rlike(r"^[+-]?\d+,\d+$")))
    if isinstance(data_type, T.DateType | T.TimestampType):
        for cause, pattern in _layouts(isinstance(data_type, T.TimestampType)):
            causes.append((cause, trimmed.rlike(f"^{pattern}$")))
    causes.append(("a quote inside the value", token.contains('"')))
    return causes


def _layouts(with_time: bool) -> list[tuple[str, str]]:
    if not with_time:
        return [(f"dates written as {fmt}", regex) for regex, fmt in _DATE_LAYOUTS]
    result = []
    for regex, fmt in _DATE_LAYOUTS:
        for time_regex, time_fmt in zip(_TIME[::2], _TIME[1::2], strict=True):
            spark = " or ".join(f"{f}{time_fmt}" for f in fmt.split(" or "))
            result.append((f"timestamps written as {spark}", regex + time_regex))
    return result


def warning_counts(schema: StructType, encoding: str) -> dict[str, Column]:
    """Damage Spark keeps without a word: one count expression per kind, over the kept rows."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    strings = [f"`{f.name}`" for f in schema.fields if isinstance(f.dataType, T.StringType)]
    if not strings:
        return {}
    names = [f.name for f in schema.fields]
    joined = F.concat_ws("", *[F.col(s) for s in strings])
    checks = {
        f"bytes that are not valid {encoding} (read as U+FFFD)": joined.contains("\ufffd"),
    }
    if isinstance(schema[names[0]].dataType, T.StringType):
        checks["a byte-order mark on the first column"] = F.col(f"`{names[0]}`").startswith(
            "\ufeff"
        )
    if isinstance(schema[names[-1]].dataType, T.StringType):
        checks["a carriage return (\\r) left at the end of the last column"] = F.col(
            f"`{names[-1]}`"
        ).endswith("\r")
    return {k: F.count(F.when(v, 1)) for k, v in checks.items()}


def warning_fix(warning: str, encoding: str) -> str:
    """The fix for one of :func:`warning_counts`' warnings."""
    if warning.startswith("bytes"):
        return (
            f"the file is not {encoding}: read it with its real encoding, e.g. "
            "encoding='ISO-8859-1' or 'windows-1252' (Spark: encoding)."
        )
    if "byte-order" in warning:
        return _FIXES["a byte-order mark"]
    return (
        "the file has Windows line ends (\\r\\n): leave line_sep unset (Spark then splits on "
        "\\r\\n), or convert the file with dos2unix."
    )
