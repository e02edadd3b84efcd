"""labkit: from a CSV file to a production model on Apache Spark ML.

The helpers behind the codelab's notebooks. Spark is imported lazily, so code
that only serves exported models never starts (or needs) a JVM.
"""

from labkit.data import load_adult, read_csv
from labkit.session import get_spark

__all__ = ["get_spark", "load_adult", "read_csv"]
__version__ = "0.1.0"
