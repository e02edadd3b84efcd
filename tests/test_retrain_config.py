"""The one retrain config loader: tables, "did you mean", columns used or ignored on purpose."""

from __future__ import annotations

import pytest

from labkit.errors import ConfigError
from labkit.retrain import DataConfig, RetrainConfig

OWN = {
    "data": {"path": "loans.csv", "header": True, "null_value": "NA",
             "columns": {"id": "string", "amount": "int", "branch": "string", "paid": "string"}},
    "spec": {"label": "paid", "classes": ["yes", "no"], "categorical": ["branch"],
             "numeric": ["amount"], "ignore": ["id"]},
}  # fmt: skip


def test_an_own_data_set_config_is_read_with_paths_from_the_config_folder(tmp_path):
    config = RetrainConfig.from_dict(OWN, base=tmp_path)
    assert config.data.path == tmp_path / "loans.csv"
    assert config.data.options.null_value == "NA" and config.data.options.header is True
    assert config.spec.label == "paid" and config.ignored == ("id",)


def test_the_default_config_is_adult_from_the_catalogue():
    config = RetrainConfig()
    assert config.spec.label == "income" and config.data.label_suffix == "."
    assert list(config.data.columns)[:2] == ["age", "workclass"]
    assert config.data.options.ignore_leading_whitespace is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"trainig": {}}, "unknown table 'trainig'. Did you mean 'training'?"),
        ({"training": {"modle": "gbt"}}, "unknown key 'modle'. Did you mean 'model'?"),
        ({**OWN, "data": {**OWN["data"], "sepp": ";"}}, "Did you mean 'sep'?"),
        ({**OWN, "data": {**OWN["data"], "header": "yes"}}, "header must be true or false"),
        ({**OWN, "data": {**OWN["data"], "columns": {"id": "text"}}}, "the type must be one of"),
        ({**OWN, "spec": {**OWN["spec"], "ignore": []}}, "['id'] of [data.columns] are neither"),
        ({**OWN, "spec": {**OWN["spec"], "numeric": ["amt"]}}, "names ['amt'], which"),
        ({"data": {"header": True}}, "needs a [data.columns] table"),
    ],
)
def test_mistakes_are_named_with_their_fix(raw, message):
    with pytest.raises(ConfigError) as info:
        RetrainConfig.from_dict(raw, source="my.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("my.toml")


def test_a_data_config_gives_spark_its_schema():
    data = DataConfig.from_dict({"columns": {"day": "date", "price": "decimal(10,2)"}})
    assert data.schema().simpleString() == "struct<day:date,price:decimal(10,2)>"
