"""Self-checking exercises, one module per chapter (``ch00``, ``ch01``, ...).

Each chapter module declares its exercises as :class:`Exercise` subclasses and
exposes instances ``q1``, ``q2``, ... for the notebook to call.
"""

from labkit.exercises._core import (
    EqualityCheck,
    Exercise,
    FunctionCheck,
    Incorrect,
    Outcome,
    check_equal,
    check_type,
)

__all__ = [
    "EqualityCheck",
    "Exercise",
    "FunctionCheck",
    "Incorrect",
    "Outcome",
    "check_equal",
    "check_type",
]
