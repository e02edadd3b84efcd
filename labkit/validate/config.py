"""The gate's thresholds: defaults with their reasons, overridable from a config file.

Every number below is a starting point, not a law: each comes with the reason
it was chosen, and a project overrides any of them in the ``[gate.<check>]``
table of its config file (TOML or JSON)::

    [history]
    window = 8            # compare with the last 8 good runs
    same_weekday = true   # Mondays against Mondays

    [gate.input_size]
    max_ratio = 2.0       # we expect growth this quarter

Unknown tables and keys are errors (a typo must not silently keep a default).
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from labkit.errors import ConfigError


@dataclass(frozen=True)
class BadRecordRule:
    """Rows rejected at parse time.

    ``max_fraction`` 0.05: one row in twenty lost is more than an export
    glitch, and well under the 10% at which reading stops (chapter 01).
    ``max_increase`` 0.02: two points more than usual means the producer changed.
    """

    max_fraction: float = 0.05
    max_increase: float = 0.02


@dataclass(frozen=True)
class InputSizeRule:
    """Rows read against the median of recent good runs, both directions.

    ``min_ratio`` 0.4 and ``max_ratio`` 1.5: a file under 40% of the usual size
    is more often a partial upload than a quiet week, and half again as many
    rows is more often a doubled append than growth (growth is gradual).
    """

    min_ratio: float = 0.4
    max_ratio: float = 1.5


@dataclass(frozen=True)
class SchemaRule:
    """Columns, types and category sets against the last good run.

    ``category_share`` 0.005: a category that appears or vanishes is flagged
    only when it holds at least 0.5% of the rows where it exists; rarer ones
    come and go by chance (Adult's single "Holand-Netherlands" row).
    """

    category_share: float = 0.005


@dataclass(frozen=True)
class DriftRule:
    """Feature distributions against the last good run.

    ``max_categorical_linf`` 0.1: one category's share moving by ten points is
    a change a person should see (TFDV's L-infinity measure).
    ``max_numeric_js`` 0.1: a Jensen-Shannon distance of 0.1 is the common
    "drift detected" default (Evidently); same-source weeks stay near 0.01.
    """

    max_categorical_linf: float = 0.1
    max_numeric_js: float = 0.1


@dataclass(frozen=True)
class LabelBalanceRule:
    """Share of each label against the median of recent good runs.

    ``max_change`` 0.1: ten points is far beyond weekly noise on thousands of
    rows, and well short of flipped labels (24% becoming 76%).
    """

    max_change: float = 0.1


@dataclass(frozen=True)
class ConvergenceRule:
    """Training iterations against the median of recent good runs.

    ``min_ratio`` 0.5 and ``max_ratio`` 2.0: a sudden fast convergence often
    means a column of zeros or constant labels; a spike means noise. Hitting
    ``maxIter`` is a warning: the model may not have converged at all.
    """

    min_ratio: float = 0.5
    max_ratio: float = 2.0


@dataclass(frozen=True)
class MetricRule:
    """One metric's bounds, with its direction.

    ``higher_is_better``: AUC and accuracy go up when the model improves.
    ``min_value``: the absolute bound; ``max_drop``: how much worse than the
    champion on the same rows the candidate may be.
    """

    min_value: float
    max_drop: float
    higher_is_better: bool = True


def _default_metrics() -> dict[str, MetricRule]:
    # The reasons are in QualityRule's docstring.
    return {
        "auc": MetricRule(min_value=0.75, max_drop=0.02),
        "accuracy": MetricRule(min_value=0.78, max_drop=0.02),
    }


@dataclass(frozen=True)
class QualityRule:
    """Candidate against champion on the same rows: absolute bound and allowed change.

    ``auc`` at least 0.75: Adult models score 0.85-0.90, shuffled labels 0.5.
    ``accuracy`` at least 0.78: the majority class alone scores about 0.76.
    Each may drop by at most 0.02 against the champion: more than the
    week-to-week wobble of the same model.
    """

    metrics: dict[str, MetricRule] = field(default_factory=_default_metrics)


@dataclass(frozen=True)
class ShadowRule:
    """Champion and candidate scoring the same rows.

    ``min_agreement`` 0.9: retrains on similar data agree on well over 90% of
    rows; below that the new model is a different model. ``max_invalid`` 0:
    a missing or impossible score is a bug. ``max_score_js`` 0.2: the shape of
    the probabilities may move a little, not change. ``max_top_score_increase``
    0.25: the share of rows on the single most common score may grow by at most
    25 points over the champion's. A collapsed model puts most rows on one
    value; trees already have plateaus (a leaf per score), so the comparison is
    with the champion, not with zero.
    """

    min_agreement: float = 0.9
    max_invalid: int = 0
    max_score_js: float = 0.2
    max_top_score_increase: float = 0.25


@dataclass(frozen=True)
class ParityRule:
    """Exported scorer against Spark on the test rows.

    ``max_mismatches`` 0: the scorer is meant to be exact; any disagreement
    means the exported model is not the model that was validated.
    """

    max_mismatches: int = 0


@dataclass(frozen=True)
class HistoryRule:
    """Which past runs form the baseline.

    ``window`` 5: about a month of weekly runs, enough for a median that
    shrugs off one odd week. ``same_weekday``: compare Mondays with Mondays
    when volumes follow the week.
    """

    window: int = 5
    same_weekday: bool = False


@dataclass(frozen=True)
class GateConfig:
    """Every threshold of the gate.

    Examples
    --------
    >>> config = GateConfig.from_dict({"input_size": {"max_ratio": 2.0}})
    >>> config.input_size.max_ratio, config.input_size.min_ratio
    (2.0, 0.4)
    """

    bad_records: BadRecordRule = BadRecordRule()
    input_size: InputSizeRule = InputSizeRule()
    schema: SchemaRule = SchemaRule()
    drift: DriftRule = DriftRule()
    label_balance: LabelBalanceRule = LabelBalanceRule()
    convergence: ConvergenceRule = ConvergenceRule()
    quality: QualityRule = QualityRule()
    shadow: ShadowRule = ShadowRule()
    parity: ParityRule = ParityRule()
    history: HistoryRule = HistoryRule()

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "config") -> GateConfig:
        """Defaults overridden by ``raw`` (``{check: {key: value}}``); unknown keys raise."""
        config = cls()
        check_keys(raw, [f.name for f in fields(cls)], source, "gate")
        for name, overrides in raw.items():
            where = f"{source}: [gate.{name}]" if name != "history" else f"{source}: [history]"
            current = getattr(config, name)
            if name == "quality":
                updated = _quality_from_dict(overrides, where)
            else:
                updated = _rule_from_dict(current, overrides, where)
            config = replace(config, **{name: updated})
        return config

    def to_dict(self) -> dict[str, Any]:
        """Every threshold as plain data (recorded with each run)."""
        from dataclasses import asdict

        return asdict(self)


def _rule_from_dict(rule: Any, overrides: Any, where: str) -> Any:
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where} must be a table of settings, got {overrides!r}.")
    names = {f.name: f for f in fields(rule)}
    check_keys(overrides, list(names), where, "setting")
    values = {}
    for key, value in overrides.items():
        default = getattr(rule, key)
        values[key] = _coerce(value, default, f"{where} {key}")
    return replace(rule, **values)


def _quality_from_dict(overrides: Any, where: str) -> QualityRule:
    if not isinstance(overrides, dict) or set(overrides) - {"metrics"}:
        raise ConfigError(
            f"{where} takes one table, metrics, e.g. [gate.quality.metrics.auc] "
            f"min_value = 0.8; got {overrides!r}."
        )
    metrics = dict(_default_metrics())
    for metric, settings in overrides.get("metrics", {}).items():
        base = metrics.get(metric, MetricRule(min_value=float("-inf"), max_drop=float("inf")))
        metrics[metric] = _rule_from_dict(base, settings, f"{where}.metrics.{metric}")
    return QualityRule(metrics=metrics)


def _coerce(value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number, got {value!r}.")
    if isinstance(default, int) and not isinstance(default, bool):
        if value != int(value):
            raise ConfigError(f"{where} must be a whole number, got {value!r}.")
        return int(value)
    return float(value)


def check_keys(raw: dict[str, Any], allowed: list[str], where: str, kind: str) -> None:
    """Raise :class:`ConfigError` for a key not in ``allowed``, with the closest known name."""
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{where}: unknown {kind} {key!r}.{hint} Known: {', '.join(sorted(allowed))}."
            )


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML (``.toml``) or JSON (``.json``) config file into a dict.

    Raises
    ------
    ConfigError
        When the file is missing, has another suffix, or does not parse (the
        message names the file and, when the parser says, the line).

    Examples
    --------
    >>> read_config_file("retrain.toml")["history"]["window"]  # doctest: +SKIP
    8
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"No config file at {path}. Check the --config path.")
    if path.suffix not in (".toml", ".json"):
        raise ConfigError(f"{path}: config files must end in .toml or .json, not {path.suffix!r}.")
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except ValueError as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(f"{path} does not parse: {exc}. Fix the syntax.") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a table of settings, got {raw!r}.")
    return raw
