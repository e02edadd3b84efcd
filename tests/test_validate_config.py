"""Gate thresholds: defaults, overrides from TOML/JSON files, and clear errors for typos."""

from __future__ import annotations

import json

import pytest

from labkit.errors import ConfigError
from labkit.validate.config import GateConfig, MetricRule, read_config_file


def test_defaults_have_documented_values():
    config = GateConfig()
    assert (config.input_size.min_ratio, config.input_size.max_ratio) == (0.4, 1.5)
    assert config.bad_records.max_fraction == 0.05
    assert config.quality.metrics["auc"] == MetricRule(min_value=0.75, max_drop=0.02)
    assert config.history.window == 5 and config.history.same_weekday is False


def test_every_rule_documents_the_reason_for_its_defaults():
    for rule in GateConfig().to_dict():
        cls = type(getattr(GateConfig(), rule))
        assert cls.__doc__ and len(cls.__doc__.split()) > 15, rule


def test_toml_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "retrain.toml"
    path.write_text(
        "[history]\nwindow = 8\nsame_weekday = true\n\n"
        "[gate.input_size]\nmax_ratio = 2\n\n"
        "[gate.quality.metrics.auc]\nmin_value = 0.8\n"
    )
    raw = read_config_file(path)
    config = GateConfig.from_dict({**raw["gate"], "history": raw["history"]}, source=str(path))
    assert config.history.window == 8 and config.history.same_weekday is True
    assert config.input_size.max_ratio == 2.0 and config.input_size.min_ratio == 0.4
    assert config.quality.metrics["auc"] == MetricRule(min_value=0.8, max_drop=0.02)
    assert config.quality.metrics["accuracy"].min_value == 0.78


def test_json_file_reads_the_same(tmp_path):
    path = tmp_path / "retrain.json"
    path.write_text(json.dumps({"gate": {"drift": {"max_numeric_js": 0.2}}}))
    config = GateConfig.from_dict(read_config_file(path)["gate"])
    assert config.drift.max_numeric_js == 0.2


def test_a_lower_is_better_metric_can_be_added():
    config = GateConfig.from_dict(
        {
            "quality": {
                "metrics": {
                    "log_loss": {"min_value": 0.5, "max_drop": 0.05, "higher_is_better": False}
                }
            }
        }
    )
    assert config.quality.metrics["log_loss"] == MetricRule(0.5, 0.05, higher_is_better=False)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"input_sise": {}}, r"unknown gate 'input_sise'\. Did you mean 'input_size'\?"),
        ({"input_size": {"max_ration": 2}}, r"\[gate.input_size\]: unknown setting 'max_ration'"),
        ({"input_size": {"max_ratio": "two"}}, r"max_ratio must be a number, got 'two'"),
        ({"parity": {"max_mismatches": 0.5}}, r"max_mismatches must be a whole number"),
        ({"history": {"same_weekday": 1}}, r"\[history\] same_weekday must be true or false"),
        ({"schema": 3}, r"must be a table of settings"),
    ],
)
def test_bad_settings_name_the_table_and_key(raw, message):
    with pytest.raises(ConfigError, match=message):
        GateConfig.from_dict(raw, source="retrain.toml")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="No config file at"):
        read_config_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[history\nwindow = 3\n")
    with pytest.raises(ConfigError, match=r"broken.toml does not parse: .*line 1"):
        read_config_file(broken)
    yaml = tmp_path / "retrain.yaml"
    yaml.write_text("history: {}\n")
    with pytest.raises(ConfigError, match=r"must end in .toml or .json, not '.yaml'"):
        read_config_file(yaml)
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="top level must be a table"):
        read_config_file(listing)
