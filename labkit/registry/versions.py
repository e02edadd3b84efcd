"""One version folder as an object: its files, its metadata, its checked scorer.

Examples
--------
>>> version = ModelVersion("1.0.0", tmp_path / "1.0.0", {"gate": {"verdict": "fail"}})
>>> version.scorer_path.name, version.gate_passed
('scorer.json', False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.registry.provenance import verify_scorer

__all__ = ["METADATA_FILE", "MODEL_DIR", "SCORER_FILE", "DamagedVersion", "ModelVersion"]

MODEL_DIR, SCORER_FILE, METADATA_FILE = "model", "scorer.json", "metadata.json"


@dataclass
class ModelVersion:
    """One saved version: where it is and what its metadata says.

    ``metadata`` holds at least ``version``, ``created_at``, ``git_commit``,
    ``data_sha256``, ``params``, ``metrics``, ``gate`` and ``scorer_sha256``.
    """

    version: str
    path: Path
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def model_path(self) -> Path:
        """The Spark ``PipelineModel`` folder (``PipelineModel.load`` reads it)."""
        return self.path / MODEL_DIR

    @property
    def scorer_path(self) -> Path:
        """The exported JSON scorer (load it with :meth:`load_scorer`, which checks it)."""
        return self.path / SCORER_FILE

    @property
    def gate_passed(self) -> bool | None:
        """The gate's verdict when this version was trained (None if it was never gated)."""
        gate = self.metadata.get("gate")
        verdict = gate.get("verdict") if isinstance(gate, dict) else None
        return None if verdict is None else verdict == "pass"

    def verify_scorer(self) -> None:
        """Raise :class:`~labkit.errors.RegistryCorrupt` unless the scorer is the one registered."""
        verify_scorer(self.version, self.scorer_path, self.metadata, self.path / METADATA_FILE)

    def load_scorer(self) -> Any:
        """The version's exported scorer, after checking its sha256 against the metadata.

        Raises
        ------
        RegistryCorrupt
            When ``scorer.json`` changed since it was registered (names both hashes).
        labkit.errors.ExportError
            When the document itself is not a valid scorer.
        """
        from labkit.export import load_scorer

        self.verify_scorer()
        return load_scorer(self.scorer_path)


@dataclass
class DamagedVersion:
    """A version folder whose metadata cannot be read; ``problem`` says why and what to do."""

    version: str
    path: Path
    problem: str
