"""Every error labkit raises, under one root.

Each message says what was found, where, and what to do about it. Classes also
inherit from the built-in exception a caller would already catch, so
``except FileNotFoundError`` keeps working around labkit calls.

::

    LabkitError
    ├── SetupError (RuntimeError)
    │   ├── JavaNotFound
    │   ├── JavaTooOld
    │   ├── GraphvizNotFound
    │   ├── ConnectServerUnreachable (ConnectionError)
    │   └── ConnectVersionMismatch
    ├── DataError (ValueError)
    │   ├── DataFileNotFound (FileNotFoundError)
    │   ├── EmptyDataFile
    │   ├── WrongColumnCount
    │   ├── ChecksumMismatch
    │   ├── TooManyBadRecords
    │   ├── MissingColumns (KeyError)
    │   └── UnknownLabel
    ├── ModelError (ValueError)
    │   ├── BadColumnSpec
    │   ├── UnknownModelKind
    │   ├── NotATreeModel (TypeError)
    │   ├── FeatureNamesMismatch
    │   ├── BadGrid
    │   ├── MisleadingEvaluator
    │   └── HeldOutReused
    ├── ServingError
    │   ├── InvalidBands (ValueError)
    │   ├── InvalidRouting (ValueError)
    │   ├── BadScoringLog (ValueError)
    │   ├── BadRequest (ValueError)
    │   └── ServerBusy
    ├── ConfigError (ValueError)
    ├── ExportError (ValueError)
    │   ├── ModelFolderError
    │   ├── UnsupportedStage
    │   └── InvalidDocument
    ├── ScoringError (ValueError)
    │   ├── MissingField (KeyError)
    │   ├── WrongFieldType (TypeError)
    │   ├── InvalidValue
    │   └── NonFinitePrediction
    ├── InvalidJson (ValueError)
    ├── TrackingError (RuntimeError)
    └── RegistryError
        ├── RegistryNotFound (FileNotFoundError)
        ├── ModelNotFound (KeyError)
        ├── VersionExists (FileExistsError)
        ├── InvalidVersionName (ValueError)
        ├── RegistryCorrupt (ValueError)
        ├── RegistryLocked (TimeoutError)
        └── GateNotPassed
"""

from __future__ import annotations


class LabkitError(Exception):
    """Root of every error labkit raises on purpose."""

    #: Exit status the ``labkit`` command uses when this error stops it.
    exit_code = 2
    #: HTTP status the model server answers with when this error stops a request.
    http_status = 500


class SetupError(LabkitError, RuntimeError):
    """The machine is missing something labkit needs (Java, Graphviz, ...)."""


class JavaNotFound(SetupError):
    """No ``java`` executable could be found."""


class JavaTooOld(SetupError):
    """A ``java`` was found but Spark 4 needs Java 17 or newer."""


class GraphvizNotFound(SetupError):
    """Graphviz's ``dot`` program is not on the PATH."""


class ConnectServerUnreachable(SetupError, ConnectionError):
    """No Spark Connect server answers at the configured address."""


class ConnectVersionMismatch(SetupError):
    """The Spark Connect server runs another Spark version than this machine's pyspark."""


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


class ServingError(LabkitError):
    """Routing, logging or serving predictions went wrong."""

    #: HTTP status the model server answers with when this error stops a request.
    http_status = 500


class InvalidBands(ServingError, ValueError):
    """Probability bands leave a gap, overlap, or reach outside [0, 1]."""


class InvalidRouting(ServingError, ValueError):
    """A router was configured with shares or models that cannot work."""


class BadScoringLog(ServingError, ValueError):
    """A scoring log line is not a record labkit wrote (names file, line and field)."""


class BadRequest(ServingError, ValueError):
    """A prediction request is malformed; ``field`` names the part at fault."""

    http_status = 400

    def __init__(self, message: str, field: str | None = None, http_status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.http_status = http_status


class ServerBusy(ServingError):
    """The server holds as many connections or request bytes as it may; retry shortly."""

    http_status = 503

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(LabkitError, ValueError):
    """A config file or setting is missing, unknown or of the wrong type."""


class RegistryError(LabkitError):
    """The model registry cannot do what was asked."""


class RegistryNotFound(RegistryError, FileNotFoundError):
    """No model registry at the given folder."""


class ModelNotFound(RegistryError, KeyError):
    """No model version of that name in the registry (or no champion yet)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class VersionExists(RegistryError, FileExistsError):
    """A version of that name is already in the registry: versions are never overwritten."""


class InvalidVersionName(RegistryError, ValueError):
    """A version name is not ``MAJOR.MINOR.PATCH``: it could name a folder outside the registry."""


class RegistryCorrupt(RegistryError, ValueError):
    """A registry file is not what labkit wrote (names the file and what is wrong)."""


class RegistryLocked(RegistryError, TimeoutError):
    """Another process held the registry's lock for longer than the timeout."""


class GateNotPassed(RegistryError):
    """A version the retrain gate held back was promoted without ``--force``."""

    exit_code = 3


class MissingColumns(DataError, KeyError):
    """A DataFrame lacks columns a column spec names; ``missing`` lists them."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownLabel(DataError):
    """The label column holds values that are not among the spec's classes."""


class ModelError(LabkitError, ValueError):
    """A pipeline, model or tuning set-up cannot work as asked."""


class BadColumnSpec(ModelError):
    """A column spec is empty, repeats a column, or uses a column twice."""


class UnknownModelKind(ModelError):
    """A model was named by a kind labkit does not know."""


class NotATreeModel(ModelError, TypeError):
    """A tree was expected (a decision tree, or an ensemble with ``tree=``)."""


class FeatureNamesMismatch(ModelError):
    """The feature names given do not match the model's number of features."""


class BadGrid(ModelError):
    """A parameter grid, fold count or metric for tuning cannot work."""


class MisleadingEvaluator(ModelError):
    """An evaluator would score a model from the wrong column (a tree's leaf counts)."""


class HeldOutReused(ModelError):
    """A held-out test set was asked for a second score; the first one was the honest one."""


class ExportError(LabkitError, ValueError):
    """A saved Spark model or an exported document cannot be turned into a scorer."""


class ModelFolderError(ExportError):
    """A saved Spark model folder is missing a part or holds something unexpected."""


class UnsupportedStage(ExportError):
    """The pipeline holds a stage (or a stage setting) the exported scorer cannot reproduce."""


class InvalidDocument(ExportError):
    """An exported JSON document failed validation; ``field`` names the part at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ScoringError(LabkitError, ValueError):
    """A row cannot be scored the way Spark would score it."""

    http_status = 422


class MissingField(ScoringError, KeyError):
    """A row lacks a field the model needs; ``field`` names it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class WrongFieldType(ScoringError, TypeError):
    """A row's field holds a value of a type the model cannot take (e.g. text for a number)."""


class InvalidValue(ScoringError):
    """A stage with ``handleInvalid="error"`` met a value it rejects, as Spark would."""


class NonFinitePrediction(ScoringError):
    """The model's answer for a row holds NaN or an infinity; ``field`` names the row."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidJson(LabkitError, ValueError):
    """Text is not strict JSON (RFC 8259); ``field`` names the value at fault when known."""

    http_status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TrackingError(LabkitError, RuntimeError):
    """MLflow is missing, unreachable, or cannot log this model; the message says what to do."""
