"""``labkit models list|show|promote|rollback|challenger``: a person's view of a model registry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from labkit import _json
from labkit.errors import ConfigError, ModelNotFound
from labkit.registry import DamagedVersion, ModelVersion, Registry, parse_version


def metadata_summary(version: ModelVersion) -> dict[str, Any]:
    """The fields ``labkit models list`` shows, as plain data."""
    meta = version.metadata
    gate, metrics = meta.get("gate"), meta.get("metrics")
    return {
        "version": version.version,
        "created_at": meta.get("created_at"),
        "gate": gate.get("verdict") if isinstance(gate, dict) else None,
        "metrics": metrics if isinstance(metrics, dict) else {},
        "data_sha256": str(meta.get("data_sha256") or "")[:12],
        "git_commit": str(meta.get("git_commit") or "")[:12] or None,
        "damaged": False,
    }


def damaged_summary(version: DamagedVersion) -> dict[str, Any]:
    """The row ``labkit models list`` shows for a version whose metadata cannot be read."""
    return {"version": version.version, "damaged": True, "problem": version.problem}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``labkit models``."""
    parser.add_argument(
        "action",
        choices=["list", "show", "promote", "rollback", "challenger"],
        help="list versions, show one, promote one, roll back the champion, "
        "or mark the challenger you phase in with `labkit serve --challenger`",
    )
    parser.add_argument("version", nargs="?", help="the version to show, promote or phase in")
    parser.add_argument("--registry", required=True, type=Path, help="the registry folder")
    parser.add_argument("--reason", default="", help="why (kept in the pointer's log)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="promote a version the gate held back (a person decided); "
        "a version whose scorer cannot load is refused even so",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--mlflow",
        metavar="URI",
        help="after promote or rollback, move the MLflow 'champion' alias in this store "
        "(after challenger, the 'challenger' alias) "
        "(default: the store the registry's retrains were logged to, if any)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``labkit models``; return the exit code."""
    registry = Registry(args.registry)
    if args.action in ("show", "promote", "challenger") and not args.version:
        raise ModelNotFound(
            f"`labkit models {args.action}` needs a version, e.g. "
            f"`labkit models {args.action} 1.2.0 --registry {args.registry}`."
        )
    if args.action == "list":
        _print_list(registry, as_json=args.json)
    elif args.action == "show":
        print(_json.dumps(registry.get(args.version).metadata, indent=2, sort_keys=True))
    elif args.action == "promote":
        target = registry.promote(args.version, reason=args.reason, force=args.force)
        print(f"champion is now {target.version}")
        _move_alias(registry, args.mlflow)
    elif args.action == "challenger":
        _mark_challenger(registry, args.version, args.mlflow)
    else:
        target = registry.rollback(reason=args.reason)
        print(f"rolled back: champion is now {target.version}")
        _move_alias(registry, args.mlflow)
    return 0


def _tracking(registry: Registry, uri: str | None) -> Any:
    """The MLflow store to mirror into: ``--mlflow``, else the registry's own, else None."""
    from labkit.tracking.settings import TrackingConfig, read_link

    tracking = read_link(registry.root)
    if uri is not None:
        tracking = (tracking or TrackingConfig()).with_uri(uri)
    return tracking


def _move_alias(registry: Registry, uri: str | None) -> None:
    """Point MLflow's ``champion`` alias at the new champion, when MLflow is configured."""
    tracking = _tracking(registry, uri)
    if tracking is None:
        return
    from labkit.tracking.aliases import sync_champion

    number = sync_champion(registry, tracking)
    model = tracking.registered_model
    print(f"MLflow {tracking.uri}: alias champion -> model {model!r} version {number}")


def _mark_challenger(registry: Registry, version: str, uri: str | None) -> None:
    """Check ``version`` can be phased in, say how, and point MLflow's alias at it."""
    registry.get(version)  # ModelNotFound, with the closest names, when it is not there
    if version == registry.champion_version():
        raise ConfigError(f"{version} is the champion already: a challenger is another version.")
    print(
        f"challenger is {version}: phase it in with `labkit serve --registry {registry.root} "
        f"--challenger {version} --challenger-share 0.2`"
    )
    tracking = _tracking(registry, uri)
    if tracking is None:
        return
    from labkit.tracking.aliases import mark_challenger

    number = mark_challenger(registry, version, tracking)
    model = tracking.registered_model
    print(f"MLflow {tracking.uri}: alias challenger -> model {model!r} version {number}")


def _print_list(registry: Registry, *, as_json: bool) -> None:
    champion = registry.champion_version()
    rows = [metadata_summary(v) for v in registry.versions()]
    rows += [damaged_summary(v) for v in registry.damaged()]
    rows.sort(key=lambda row: parse_version(row["version"]))
    for row in rows:
        row["champion"] = row["version"] == champion
    if as_json:
        print(_json.dumps(rows, indent=2, sort_keys=True))
    else:
        for row in rows:
            print(_list_line(row))
    damaged = [row["version"] for row in rows if row["damaged"]]
    if damaged:
        print(
            f"labkit models: {len(damaged)} damaged version(s), not usable until repaired: "
            f"{', '.join(damaged)}. `labkit models show VERSION` says what is wrong.",
            file=sys.stderr,
        )


def _list_line(row: dict[str, Any]) -> str:
    mark = "*" if row["champion"] else " "
    if row["damaged"]:
        return f"{mark} {row['version']:<10} DAMAGED: {row['problem']}"
    metrics = " ".join(
        f"{name}={value:.4f}" if isinstance(value, (int, float)) else f"{name}={value}"
        for name, value in sorted(row["metrics"].items())
    )
    return (
        f"{mark} {row['version']:<10} {row['created_at']}  gate={row['gate'] or '-':<4}  "
        f"data={row['data_sha256']}  {metrics}"
    )
