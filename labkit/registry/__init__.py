"""A versioned model store on a file system: never overwrite, promote and roll back atomically.

Layout of a registry folder (``format_version`` 1)::

    registry/
      REGISTRY.json          {"format": "labkit-registry", "format_version": 1}
      champion.json          the pointer: current champion, the stack of earlier ones, a log
      history.jsonl          one line per retrain (labkit.registry.history)
      versions/
        1.0.0/
          model/             the Spark PipelineModel folder, as Spark saved it
          scorer.json        the exported JSON scorer (labkit.export)
          metadata.json      version, git commit, data sha256, params, metrics, gate report,
                             scorer sha256 (checked whenever the scorer is loaded)
        .incoming-<pid>-<hex>/   a version being written; never listed
      .lock                  serialises writers (flock on POSIX, msvcrt on Windows)

Modules, one job each: :mod:`~labkit.registry.store` (versions and the
champion), :mod:`~labkit.registry.versions` (one version folder),
:mod:`~labkit.registry.pointer` (``champion.json``),
:mod:`~labkit.registry.names` (version names), :mod:`~labkit.registry.provenance`
(git commit, hashes, metadata files), :mod:`~labkit.registry.history` (the run
history) and ``_lock`` (imported by writers only, so reading, scoring and
serving need no POSIX module).

Examples
--------
>>> from labkit.registry import Registry
>>> registry = Registry(tmp_path / "registry")
>>> with registry.lock():  # the first writer creates the folder
...     pass
>>> sorted(p.name for p in registry.root.iterdir())
['.lock', 'REGISTRY.json', 'versions']
>>> registry.champion_version() is None
True
"""

from labkit.registry.history import RunHistory, RunRecord
from labkit.registry.names import check_version_name, is_version_name, next_version, parse_version
from labkit.registry.provenance import git_commit, now_utc
from labkit.registry.store import FORMAT, FORMAT_VERSION, Registry
from labkit.registry.versions import DamagedVersion, ModelVersion

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "DamagedVersion",
    "ModelVersion",
    "Registry",
    "RunHistory",
    "RunRecord",
    "check_version_name",
    "git_commit",
    "is_version_name",
    "next_version",
    "now_utc",
    "parse_version",
]
