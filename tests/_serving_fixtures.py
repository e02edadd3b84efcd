"""A Spark-free registry and raw-socket helpers for the model server's hardening tests.

The registry holds two exported models built from hand-written stage specs
(``_export_specs``): ``1.0.0``, a logistic regression with a large weight on
``size`` (so ``size=1e308`` overflows its margin), and ``1.1.0``, a small tree.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path

from _export_specs import logistic_specs, scorer_of, tree_specs

from labkit.export import export
from labkit.registry import Registry

ROW = {"color": "red", "size": 1.0}


def overflowing_logistic():
    specs = logistic_specs()
    specs[-1]["coefficients"] = [[10.0, 0.0, 0.0, 0.0]]
    return scorer_of(specs)


def spark_free_registry(root: Path) -> Registry:
    """A registry with 1.0.0 (logistic, champion) and 1.1.0 (tree), no Spark involved."""
    work = root.parent / f"{root.name}-sources"
    model_dir = work / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "README").write_text("stands in for a saved Spark model folder\n")
    registry = Registry(root)
    for version, scorer in (("1.0.0", overflowing_logistic()), ("1.1.0", scorer_of(tree_specs()))):
        document = export(scorer, work / f"{version}.json")
        registry.add(model_dir, document, {"data_sha256": "spec", "params": {}}, version=version)
    registry.promote("1.0.0", reason="test")
    return registry


def request(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    """One HTTP request; returns (status, headers, decoded JSON body)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)  # a loaded machine
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def raw(url: str, data: bytes, *, wait: float = 10.0) -> bytes:
    """Send raw bytes on a fresh connection; return everything the server sends back."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        return read_all(sock, wait)


def read_all(sock: socket.socket, wait: float) -> bytes:
    """Read until the server closes the connection (or ``wait`` seconds pass)."""
    sock.settimeout(wait)
    chunks, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def parse_response(data: bytes) -> tuple[int, dict[str, str], dict]:
    """(status, headers, JSON body) of a raw HTTP response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)
