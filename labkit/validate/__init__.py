"""Validating retrains: run history, the checks of the retrain gate, and its report.

A retrain is promoted only when no blocking check fails. The checks live in
two modules by what they look at: :mod:`~labkit.validate.checks_data` (the
incoming batch, before training) and :mod:`~labkit.validate.checks_model`
(the trained candidate). Thresholds and their reasons are in
:mod:`~labkit.validate.config`; :mod:`~labkit.registry.history` keeps one
record per run.

Examples
--------
>>> from labkit.validate import CheckResult, GateReport
>>> report = GateReport([CheckResult("input_size", "fail", "Twice the usual rows.")])
>>> report.failed_checks
['input_size']
"""

from labkit.registry.history import RunHistory, RunRecord
from labkit.validate.checks_data import (
    check_bad_records,
    check_drift,
    check_input_size,
    check_label_balance,
    check_schema,
    drift_distances,
)
from labkit.validate.checks_model import (
    check_convergence,
    check_parity,
    check_quality,
    check_shadow,
)
from labkit.validate.config import GateConfig, read_config_file
from labkit.validate.layout import Layout, check_layout, probe_layout
from labkit.validate.profile import DataProfile, Histogram, profile_frame
from labkit.validate.report import CheckResult, GateReport

__all__ = [
    "CheckResult",
    "DataProfile",
    "GateConfig",
    "GateReport",
    "Histogram",
    "Layout",
    "RunHistory",
    "RunRecord",
    "check_bad_records",
    "check_convergence",
    "check_drift",
    "check_input_size",
    "check_label_balance",
    "check_layout",
    "check_parity",
    "check_quality",
    "check_schema",
    "check_shadow",
    "drift_distances",
    "probe_layout",
    "profile_frame",
    "read_config_file",
]
