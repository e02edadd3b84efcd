"""Retrain on a new data file, run the gate, then promote the model or hold it for a person.

``labkit retrain --registry DIR [--data PATH] [--config FILE]`` is meant for a
cron job; :func:`retrain` is the same job from Python. The config
(:class:`RetrainConfig`) says which file layout and columns to read, what to
train and every threshold; without one, the job trains on the Adult files.

- :mod:`labkit.retrain.config`: the config tables and their one loader;
- :mod:`labkit.retrain.job`: the run, stage by stage;
- :mod:`labkit.retrain.cli`: the command line.

Examples
--------
>>> config = RetrainConfig.from_dict({"training": {"model": "gbt"}})
>>> config.model, config.spec.label, config.data.options.null_value
('gbt', 'income', '?')
"""

from labkit.retrain.cli import add_arguments, run
from labkit.retrain.config import DataConfig, RetrainConfig
from labkit.retrain.job import EXIT_HELD, EXIT_PROMOTED, FIXED_TEST_DIR, RetrainResult, retrain

__all__ = [
    "EXIT_HELD",
    "EXIT_PROMOTED",
    "FIXED_TEST_DIR",
    "DataConfig",
    "RetrainConfig",
    "RetrainResult",
    "add_arguments",
    "retrain",
    "run",
]
