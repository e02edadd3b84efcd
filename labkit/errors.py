"""Every error labkit raises, under one root.

Each message says what was found, where, and what to do about it. Classes also
inherit from the built-in exception a caller would already catch, so
``except FileNotFoundError`` keeps working around labkit calls.

::

    LabkitError
    ├── SetupError (RuntimeError)
    │   ├── JavaNotFound
    │   ├── JavaTooOld
    │   └── GraphvizNotFound
    └── DataError (ValueError)
        ├── DataFileNotFound (FileNotFoundError)
        ├── EmptyDataFile
        ├── WrongColumnCount
        ├── ChecksumMismatch
        └── TooManyBadRecords
"""

from __future__ import annotations


class LabkitError(Exception):
    """Root of every error labkit raises on purpose."""

    #: Exit status the ``labkit`` command uses when this error stops it.
    exit_code = 2


class SetupError(LabkitError, RuntimeError):
    """The machine is missing something labkit needs (Java, Graphviz, ...)."""


class JavaNotFound(SetupError):
    """No ``java`` executable could be found."""


class JavaTooOld(SetupError):
    """A ``java`` was found but Spark 4 needs Java 17 or newer."""


class GraphvizNotFound(SetupError):
    """Graphviz's ``dot`` program is not on the PATH."""


class DataError(LabkitError, ValueError):
    """A data file cannot be used as it is."""


class DataFileNotFound(DataError, FileNotFoundError):
    """The data file does not exist."""


class EmptyDataFile(DataError):
    """The data file holds no data rows."""


class WrongColumnCount(DataError):
    """The file's rows have a different number of fields than the schema."""


class ChecksumMismatch(DataError):
    """A file's sha256 is not the one recorded for it."""


class TooManyBadRecords(DataError):
    """More rows were rejected while reading a file than the threshold allows.

    Carries the :class:`labkit.data.ReadStats` of the read as ``stats``.
    """

    def __init__(self, message: str, stats: object) -> None:
        super().__init__(message)
        self.stats = stats
