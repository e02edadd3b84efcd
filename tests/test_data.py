"""read_csv on crafted bad files and on the real Adult files."""

from __future__ import annotations

import json

import pytest
from pyspark.sql import types as T

from labkit import data
from labkit.data import ReadStats, read_adult, read_csv
from labkit.errors import (
    ChecksumMismatch,
    DataFileNotFound,
    EmptyDataFile,
    TooManyBadRecords,
    WrongColumnCount,
)

SCHEMA = T.StructType(
    [
        T.StructField("id", T.IntegerType()),
        T.StructField("name", T.StringType()),
        T.StructField("score", T.DoubleType()),
    ]
)


def write(tmp_path, text: str | bytes, name: str = "f.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_real_train_file(spark):
    df, stats = read_adult(spark, data.ADULT_FILES["train"].path)
    assert (stats.rows_read, stats.rows_kept, stats.rows_rejected) == (32_561, 32_561, 0)
    assert stats.nulls == {"workclass": 1836, "occupation": 1843, "native-country": 583}
    assert stats.sha256 == data.ADULT_FILES["train"].sha256
    assert stats.size_bytes == 3_974_305
    assert df.count() == 32_561
    assert df.columns == list(data.ADULT_COLUMNS)
    first = df.first()
    assert (first["age"], first["workclass"], first["income"]) == (39, "State-gov", "<=50K")


def test_real_test_file_skips_junk_line_and_label_dots(adult_test):
    assert adult_test.count() == 16_281
    labels = {r["income"]: r["count"] for r in adult_test.groupBy("income").count().collect()}
    assert labels == {"<=50K": 12_435, ">50K": 3_846}


def test_load_adult_rejects_unknown_split(spark):
    with pytest.raises(ValueError, match=r"split must be one of \['test', 'train'\], got 'dev'"):
        data.load_adult(spark, "dev")


def test_bad_rows_counted_by_reason_with_samples(spark, tmp_path):
    path = write(tmp_path, "1,a,2.5\n2,b\n3,c,x\n4,d,1.0,9\n5,e,3.0\n6,f,\n")
    df, stats = read_csv(spark, path, SCHEMA, max_bad_fraction=0.6)
    assert stats.rows_read == 6
    assert stats.rows_kept == 3
    assert stats.rejected == {
        "unparsable double in column 'score'": 1,
        "wrong field count (2 instead of 3)": 1,
        "wrong field count (4 instead of 3)": 1,
    }
    assert sorted(r["id"] for r in df.collect()) == [1, 5, 6]
    assert stats.nulls == {"score": 1}  # the empty score of row 6 is missing, not malformed
    assert {s.line for s in stats.samples} == {"2,b", "3,c,x", "4,d,1.0,9"}


def test_too_many_bad_records_carries_the_figures(spark, tmp_path):
    path = write(tmp_path, "1,a,2.5\n2,b\n3,c\n4,d,1.0\n")
    with pytest.raises(TooManyBadRecords, match=r"2 of 4 rows .* \(50\.0%\), more than") as info:
        read_csv(spark, path, SCHEMA, max_bad_fraction=0.1)
    assert info.value.stats.rows_rejected == 2
    assert "wrong field count (2 instead of 3)" in str(info.value)


def test_missing_file_suggests_close_names(spark, tmp_path):
    write(tmp_path, "1,a,2.5\n", name="scores.csv")
    expected = r"No file at .*score\.csv.*Did you mean scores\.csv"
    with pytest.raises(DataFileNotFound, match=expected):
        read_csv(spark, tmp_path / "score.csv", SCHEMA)


def test_folder_instead_of_file(spark, tmp_path):
    with pytest.raises(DataFileNotFound, match="is a folder, not a file"):
        read_csv(spark, tmp_path, SCHEMA)


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(spark, tmp_path, content):
    path = write(tmp_path, content)
    with pytest.raises(EmptyDataFile, match="holds no data rows"):
        read_csv(spark, path, SCHEMA, comment="#")


def test_wrong_column_count_names_line_and_counts(spark, tmp_path):
    path = write(tmp_path, "1;a;2.5\n2;b;3.5\n")
    with pytest.raises(WrongColumnCount, match=r"line 1: found 1 fields .* schema has 3 columns"):
        read_csv(spark, path, SCHEMA)
    # The right separator fixes it.
    df, stats = read_csv(spark, path, SCHEMA, sep=";")
    assert stats.rows_kept == 2


def test_header_line_is_skipped(spark, tmp_path):
    path = write(tmp_path, "id,name,score\n1,a,2.5\n")
    df, stats = read_csv(spark, path, SCHEMA, header=True)
    assert (stats.rows_read, df.first()["name"]) == (1, "a")


def test_non_utf8_bytes_are_kept_as_spark_keeps_them_and_warned_about(spark, tmp_path):
    path = write(tmp_path, b"1,caf\xe9,2.5\n2,ok,3.5\n3,fine,1.0\n")
    df, stats = read_csv(spark, path, SCHEMA, max_bad_fraction=0.5)
    assert stats.rows_rejected == 0  # Spark does not reject them: it reads U+FFFD
    assert stats.warnings == {"bytes that are not valid UTF-8 (read as U+FFFD)": 1}
    assert "encoding='ISO-8859-1'" in stats.summary()
    # Read with the right encoding, the line is fine.
    df, stats = read_csv(spark, path, SCHEMA, encoding="ISO-8859-1")
    assert stats.rows_rejected == 0 and stats.warnings == {}
    assert df.orderBy("id").first()["name"] == "café"


def test_stats_round_trip_json(spark, tmp_path):
    path = write(tmp_path, "1,a,2.5\n2,b\n" + "".join(f"{i},x,{i}\n" for i in range(3, 11)))
    _, stats = read_csv(spark, path, SCHEMA)
    restored = ReadStats.from_json(stats.to_json())
    assert restored == stats
    assert json.loads(stats.to_json())["rejected"] == {"wrong field count (2 instead of 3)": 1}
    assert restored.bad_fraction == pytest.approx(0.1)


def test_max_bad_fraction_must_be_a_fraction(spark, tmp_path):
    with pytest.raises(ValueError, match="between 0 and 1, got 10"):
        read_csv(spark, write(tmp_path, "1,a,2.5\n"), SCHEMA, max_bad_fraction=10)


def test_checksum_mismatch_says_how_to_restore(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    (tmp_path / "adult.test").write_text("tampered\n")
    with pytest.raises(ChecksumMismatch, match=r"git checkout -- data/adult\.test"):
        data.verify_checksum(data.ADULT_FILES["test"])
