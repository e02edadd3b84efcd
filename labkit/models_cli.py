"""``labkit models list|show|promote|rollback``: a person's view of a model registry."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from labkit.errors import ModelNotFound
from labkit.registry import ModelVersion, Registry


def metadata_summary(version: ModelVersion) -> dict[str, Any]:
    """The fields ``labkit models list`` shows, as plain data."""
    meta = version.metadata
    return {
        "version": version.version,
        "created_at": meta.get("created_at"),
        "gate": meta.get("gate", {}).get("verdict"),
        "metrics": meta.get("metrics", {}),
        "data_sha256": (meta.get("data_sha256") or "")[:12],
        "git_commit": (meta.get("git_commit") or "")[:12] or None,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``labkit models``."""
    parser.add_argument(
        "action",
        choices=["list", "show", "promote", "rollback"],
        help="list versions, show one, promote one, or roll back the champion",
    )
    parser.add_argument("version", nargs="?", help="the version to show or promote")
    parser.add_argument("--registry", required=True, type=Path, help="the registry folder")
    parser.add_argument("--reason", default="", help="why (kept in the pointer's log)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="promote a version the gate held back (a person decided)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    """Run ``labkit models``; return the exit code."""
    registry = Registry(args.registry)
    if args.action in ("show", "promote") and not args.version:
        raise ModelNotFound(
            f"`labkit models {args.action}` needs a version, e.g. "
            f"`labkit models {args.action} 1.2.0 --registry {args.registry}`."
        )
    if args.action == "list":
        _print_list(registry, as_json=args.json)
    elif args.action == "show":
        print(json.dumps(registry.get(args.version).metadata, indent=2, sort_keys=True))
    elif args.action == "promote":
        target = registry.promote(args.version, reason=args.reason, force=args.force)
        print(f"champion is now {target.version}")
    else:
        target = registry.rollback(reason=args.reason)
        print(f"rolled back: champion is now {target.version}")
    return 0


def _print_list(registry: Registry, *, as_json: bool) -> None:
    champion = registry.pointer()["champion"]
    rows = [{**metadata_summary(v), "champion": v.version == champion} for v in registry.versions()]
    if as_json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return
    for row in rows:
        mark = "*" if row["champion"] else " "
        metrics = " ".join(f"{k}={v:.4f}" for k, v in sorted(row["metrics"].items()))
        print(
            f"{mark} {row['version']:<10} {row['created_at']}  gate={row['gate'] or '-':<4}  "
            f"data={row['data_sha256']}  {metrics}"
        )
