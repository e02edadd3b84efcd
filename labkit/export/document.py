"""The portable scorer document: one strict-JSON file that needs only the standard library.

Layout (format version 1)::

    {
      "format": "labkit-scorer",
      "format_version": 1,
      "spark_version": "4.3.0",             # the Spark that fitted the model
      "input_schema": [                      # the raw fields a row carries
        {"name": "age", "type": "double", "required": true},
        {"name": "workclass", "type": "string", "required": true,
         "categories": ["Private", ...], "handleInvalid": "keep"}, ...],
      "output": {"prediction": "prediction", "probability": "probability",
                 "classes": ["<=50K", ">50K"]},
      "stages": [{"type": "StringIndexerModel", ...}, ...]   # in pipeline order
    }

Reading validates everything before a scorer exists: the format and its
version, every stage field's type and size, tree structure, and that the
input schema is the one the stages imply. Nothing is unpickled or evaluated;
non-finite numbers are the strings "Inf", "-Inf", "NaN".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labkit import _json
from labkit._atomic import atomic_write
from labkit.errors import InvalidDocument
from labkit.export import _spec as S
from labkit.export.scorer import Scorer, load_scorer

FORMAT = "labkit-scorer"
FORMAT_VERSION = 1
#: Documents larger than this are refused before parsing (bytes).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


def to_document(scorer: Scorer) -> dict[str, Any]:
    """The scorer as a JSON-ready dict (see the module docstring for the layout)."""
    model = scorer.model
    output: dict[str, Any] = {"prediction": model.prediction_col}
    if model.is_classifier:
        output.update(probability=model.probability_col or None,
                      raw_prediction=model.raw_col or None, classes=scorer.classes)  # fmt: skip
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spark_version": scorer.spark_version,
        "input_schema": scorer.input_schema,
        "output": output,
        "stages": [stage.to_spec() for stage in scorer.stages],
    }


def dumps(scorer: Scorer) -> str:
    """The document as strict JSON text (no NaN or Infinity literals)."""
    return _json.dumps(to_document(scorer), ensure_ascii=False,
                      separators=(",", ":"))  # fmt: skip


def write_document(scorer: Scorer, path: str | Path) -> Path:
    """Write the document to ``path`` atomically (a temporary file, then a rename)."""
    target = Path(path)
    text = dumps(scorer)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(target, text)


def export(
    model: str | Path | Scorer, out_path: str | Path | None = None, *, spark: Any = None
) -> str | Path:
    """Turn a saved Spark model into one portable JSON document.

    Parameters
    ----------
    model : str, Path or Scorer
        The folder ``PipelineModel.write().save(path)`` wrote (or a scorer).
    out_path : str or Path, optional
        Where to write the document. When omitted, the JSON text is returned.
    spark : SparkSession, optional
        Read the saved folder through this session (see :func:`load_scorer`).

    Returns
    -------
    document : Path or str
        ``out_path`` once written, else the JSON text.

    Raises
    ------
    ModelFolderError, UnsupportedStage
        When the folder cannot be read or holds a stage the scorer cannot run;
        nothing is written then.

    Examples
    --------
    >>> export("models/adult-tree", "adult-tree.json")   # doctest: +SKIP
    PosixPath('adult-tree.json')
    >>> load_scorer("adult-tree.json").predict(row)       # doctest: +SKIP
    """
    scorer = model if isinstance(model, Scorer) else load_scorer(model, spark=spark)
    if out_path is None:
        return dumps(scorer)
    return write_document(scorer, out_path)


def read_document(path: str | Path) -> Scorer:
    """Read and validate a document written by :func:`export`.

    Raises
    ------
    InvalidDocument
        Naming the field at fault (``stages[2].labels[0][5]``) when anything is off.
    """
    target = Path(path)
    size = target.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(
            f"{target} is {size:,} bytes, more than the {MAX_DOCUMENT_BYTES:,} a scorer document "
            "may have. Is it the right file?"
        )
    try:
        text = target.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidDocument(f"{target} is not UTF-8 text: {error}") from error
    return loads(text, source=str(target))


def _refuse_constant(name: str) -> Any:
    raise InvalidDocument(
        f"the document contains {name}, which strict JSON does not allow; "
        "non-finite numbers are written as 'Inf', '-Inf', 'NaN' (strings)."
    )


def loads(text: str, *, source: str = "document") -> Scorer:
    """Validate a document's JSON text and build its scorer."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=S.parse_int)
    except json.JSONDecodeError as error:
        raise InvalidDocument(f"{source} is not valid JSON: {error}") from error
    except RecursionError as error:
        raise InvalidDocument(f"{source} is nested too deeply to be a scorer document.") from error
    return from_document(document, source=source)


def from_document(document: Any, *, source: str = "document") -> Scorer:
    """Build a scorer from a parsed document, validating it field by field."""
    if not isinstance(document, dict):
        raise S.invalid(source, "a JSON object", document)
    if document.get("format") != FORMAT:
        raise InvalidDocument(
            f"{source}: 'format' is {document.get('format')!r}, expected {FORMAT!r}; this is not "
            "a labkit scorer document.",
            field="format",
        )
    version = S.get_int(document, "format_version", "document", minimum=1)
    if version != FORMAT_VERSION:
        raise InvalidDocument(
            f"{source}: format_version {version} is not supported by this labkit (it reads "
            f"version {FORMAT_VERSION}). Upgrade labkit, or re-export with this one.",
            field="format_version",
        )
    spark_version = S.get_str(document, "spark_version", "document")
    stages = S.get_list(document, "stages", "document")
    scorer = Scorer.from_specs(stages, spark_version=spark_version)
    schema = S.get_list(document, "input_schema", "document")
    if schema != scorer.input_schema:
        raise InvalidDocument(
            f"{source}: input_schema does not match what the stages read "
            f"({[c.get('name') if isinstance(c, dict) else c for c in schema][:10]} vs "
            f"{scorer.input_columns[:10]}); the document was edited or damaged. Re-export it.",
            field="input_schema",
        )
    return scorer
