"""labkit: from a CSV file to a production model on Apache Spark ML.

The helpers behind the codelab's notebooks. Spark is imported lazily, so code
that only serves exported models never starts (or needs) a JVM.

Examples
--------
>>> from labkit import load_scorer
>>> scorer = load_scorer("models/adult.json")  # doctest: +SKIP
"""

from labkit.data import ReadStats, load_adult, read_adult, read_csv
from labkit.errors import LabkitError
from labkit.export import check_parity, load_scorer
from labkit.registry import Registry
from labkit.serving import Router
from labkit.session import get_spark

__all__ = [
    "LabkitError",
    "ReadStats",
    "Registry",
    "Router",
    "check_parity",
    "get_spark",
    "load_adult",
    "load_scorer",
    "read_adult",
    "read_csv",
]
__version__ = "0.1.0"
