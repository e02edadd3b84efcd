"""read_csv's diagnosis on crafted files: every rejected line's reason is the rule Spark applied.

Each case writes a small file with one common kind of damage, reads it, and
checks the reason, that the reason names its fix, and (where an option fixes
it) that reading with that option rejects nothing: the proof that the
diagnosis agrees with Spark's own parser.
"""

from __future__ import annotations

import pytest
from pyspark.sql import types as T

from labkit.data import ADULT_FILES, adult_schema
from labkit.reader import CsvOptions, fix_for, read_csv

ROW = T.StructType(
    [
        T.StructField("name", T.StringType()),
        T.StructField("n", T.IntegerType()),
        T.StructField("score", T.DoubleType()),
    ]
)
DATED = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("day", T.DateType())])


def write(tmp_path, text: str | bytes, name: str = "f.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def read(spark, path, schema=ROW, **options):
    return read_csv(spark, path, schema, max_bad_fraction=1.0, **options)


def test_adult_without_its_options_is_rejected_for_the_space_spark_refused(spark):
    # The headline case: " 77516" is refused by Spark's int parser, not "malformed".
    _, stats = read(spark, ADULT_FILES["train"].path, adult_schema())
    reason = "unparsable int in column 'fnlwgt': leading spaces"
    assert stats.rejected == {reason: 32_561}
    assert "ignore_leading_whitespace=True" in stats.fixes[reason]
    assert f"fix: {stats.fixes[reason]}" in stats.summary()


def test_leading_and_trailing_spaces_name_their_option(spark, tmp_path):
    path = write(tmp_path, "a, 1,2.5\nb,2 ,3.5\nc,3,1.0\n")
    _, stats = read(spark, path)
    assert stats.rejected == {
        "unparsable int in column 'n': leading spaces": 1,
        "unparsable int in column 'n': trailing spaces": 1,
    }
    assert (
        "ignoreTrailingWhiteSpace" in stats.fixes["unparsable int in column 'n': trailing spaces"]
    )
    _, fixed = read(spark, path, ignore_leading_whitespace=True, ignore_trailing_whitespace=True)
    assert fixed.rows_rejected == 0


def test_a_double_with_a_space_is_kept_because_spark_keeps_it(spark, tmp_path):
    # Java's Double.parseDouble trims; Integer.parseInt does not. The diagnosis follows Spark.
    df, stats = read(spark, write(tmp_path, "a,1, 2.5\n"))
    assert stats.rows_rejected == 0 and df.first()["score"] == 2.5


@pytest.mark.parametrize(
    ("sep", "cause", "option"), [(";", "';'", "sep=';'"), ("\t", "tabs", "sep='\\t'")]
)
def test_another_separator_on_some_lines(spark, tmp_path, sep, cause, option):
    path = write(tmp_path, f"a,1,2.5\nb{sep}2{sep}3.5\nc,3,1.0\n")
    _, stats = read(spark, path)
    reason = f"wrong field count (1 instead of 3): separated by {cause}"
    assert stats.rejected == {reason: 1}
    assert option in stats.fixes[reason]


def test_a_decimal_comma(spark, tmp_path):
    path = write(tmp_path, "a;1;2,5\nb;2;3.5\n")
    _, stats = read(spark, path, sep=";")
    reason = "unparsable double in column 'score': a decimal comma"
    assert stats.rejected == {reason: 1}
    assert "decimal comma" in stats.fixes[reason]


def test_a_quoted_value_with_a_line_break(spark, tmp_path):
    path = write(tmp_path, 'a,1,2.5\n"b\nc",2,3.5\n')
    _, stats = read(spark, path)
    assert set(stats.rejected) == {
        "wrong field count (1 instead of 3): a quoted value spans lines",
        "wrong field count (3 instead of 3): a quoted value spans lines",
    } or all(r.endswith("a quoted value spans lines") for r in stats.rejected)
    assert all("multi_line=True" in stats.fixes[r] for r in stats.rejected)
    df, fixed = read(spark, path, multi_line=True)
    assert fixed.rows_rejected == 0 and "b\nc" in [r["name"] for r in df.collect()]


def test_a_header_line_in_the_middle(spark, tmp_path):
    path = write(tmp_path, "name,n,score\na,1,2.5\nname,n,score\nb,2,3.5\n")
    _, stats = read(spark, path, header=True)
    assert stats.rejected == {"a header line in the middle of the data": 1}
    assert "concatenated" in stats.fixes["a header line in the middle of the data"]


@pytest.mark.parametrize(
    ("value", "layout", "option"),
    [
        ("2024/01/31", "yyyy/MM/dd", 'date_format="yyyy/MM/dd"'),
        ("31.01.2024", "dd.MM.yyyy", 'date_format="dd.MM.yyyy"'),
        ("01/31/2024", "MM/dd/yyyy or dd/MM/yyyy", 'date_format="MM/dd/yyyy"'),
    ],
)
def test_dates_in_another_format(spark, tmp_path, value, layout, option):
    path = write(tmp_path, f"1,2024-01-30\n2,{value}\n")
    _, stats = read(spark, path, DATED)
    reason = f"unparsable date in column 'day': dates written as {layout}"
    assert stats.rejected == {reason: 1}
    assert option in stats.fixes[reason]


def test_the_date_format_the_fix_names_makes_spark_accept_them(spark, tmp_path):
    path = write(tmp_path, "1,2024/01/30\n2,2024/01/31\n")
    _, stats = read(spark, path, DATED)
    assert stats.rows_rejected == 2
    _, fixed = read(spark, path, DATED, date_format="yyyy/MM/dd")
    assert fixed.rows_rejected == 0


def test_timestamps_in_another_format(spark, tmp_path):
    schema = T.StructType(
        [T.StructField("id", T.IntegerType()), T.StructField("at", T.TimestampType())]
    )
    _, stats = read(spark, write(tmp_path, "1,31/01/2024 10:15\n"), schema)
    (reason,) = stats.rejected
    assert reason.endswith("timestamps written as MM/dd/yyyy HH:mm or dd/MM/yyyy HH:mm")
    assert 'timestamp_format="dd/MM/yyyy HH:mm"' in stats.fixes[reason]


def test_a_byte_order_mark_in_the_middle_of_the_file(spark, tmp_path):
    # Spark drops a BOM at the start of the file; one from an appended part stays.
    path = write(tmp_path, "\ufeff1,2024-01-30\n\ufeff2,2024-01-31\n3,2024-02-01\n")
    _, stats = read(spark, path, DATED)
    assert stats.rejected == {"unparsable int in column 'id': a byte-order mark": 1}
    strings = T.StructType(
        [T.StructField("code", T.StringType()), T.StructField("n", T.IntegerType())]
    )
    df, kept = read(spark, write(tmp_path, "a,1\n\ufeffb,2\n", "s.csv"), strings)
    assert kept.rows_rejected == 0
    assert kept.warnings == {"a byte-order mark on the first column": 1}
    assert "EF BB BF" in kept.fixes["a byte-order mark on the first column"]


def test_invalid_bytes_are_kept_by_spark_and_reported_as_a_warning(spark, tmp_path):
    path = write(tmp_path, b"caf\xe9,1,2.5\nok,2,3.5\n")
    df, stats = read(spark, path)
    warning = "bytes that are not valid UTF-8 (read as U+FFFD)"
    assert stats.rows_rejected == 0 and stats.warnings == {warning: 1}
    assert "ISO-8859-1" in stats.fixes[warning]
    df, fixed = read(spark, path, encoding="ISO-8859-1")
    assert fixed.warnings == {} and "café" in [r["name"] for r in df.collect()]


def test_windows_line_ends_left_by_a_line_separator(spark, tmp_path):
    schema = T.StructType(
        [T.StructField("n", T.IntegerType()), T.StructField("name", T.StringType())]
    )
    path = write(tmp_path, b"1,a\r\n2,b\r\n")
    _, stats = read(spark, path, schema, line_sep="\n")
    warning = "a carriage return (\\r) left at the end of the last column"
    assert stats.warnings == {warning: 2}
    assert "dos2unix" in stats.fixes[warning]
    _, fine = read(spark, path, schema)  # Spark's own line splitting handles \r\n
    assert fine.warnings == {}


def test_fixes_and_warnings_survive_json_and_stay_out_when_empty(spark, tmp_path):
    _, stats = read(spark, write(tmp_path, "a, 1,2.5\nb,2,3.5\n"))
    restored = type(stats).from_json(stats.to_json())
    assert restored == stats and restored.fixes
    _, clean = read(spark, write(tmp_path, "a,1,2.5\n", "clean.csv"))
    assert "fixes" not in clean.to_dict() and "warnings" not in clean.to_dict()


def test_options_object_and_keywords_combine():
    options = CsvOptions(sep=";", null_value="NA", date_format="dd.MM.yyyy")
    assert options.spark_options()["dateFormat"] == "dd.MM.yyyy"
    assert fix_for("wrong field count (1 instead of 3)") is None


def test_docstring_examples_of_the_reader_init_and_retrain_config(spark, tmp_path, monkeypatch):
    import doctest
    import importlib

    from labkit import data

    names = ["reader.diagnose", "reader.files", "reader.layout", "reader.options", "reader.stats",
             "init.sniff", "retrain.config"]  # fmt: skip

    monkeypatch.chdir(ADULT_FILES["train"].path.parent.parent)  # examples name data/...
    for module in (importlib.import_module(f"labkit.{name}") for name in names):
        globs = {**vars(module), "spark": spark, "tmp_path": tmp_path}
        result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__
    assert data.ADULT_CSV_OPTIONS == {
        "null_value": "?", "comment": "|", "ignore_leading_whitespace": True,
    }  # fmt: skip


def test_a_space_before_a_quoted_value(spark, tmp_path):
    path = write(tmp_path, 'y,c,1.5\nx, "a, b", 2.5\n')
    schema = T.StructType([T.StructField(c, T.StringType()) for c in ("k", "name", "score")])
    _, stats = read(spark, path, schema)
    reason = "wrong field count (4 instead of 3): a space before a quoted value"
    assert stats.rejected == {reason: 1}
    assert "ignore_leading_whitespace=True" in stats.fixes[reason]
    df, fixed = read(spark, path, schema, ignore_leading_whitespace=True)
    assert fixed.rows_rejected == 0 and "a, b" in [r["name"] for r in df.collect()]
