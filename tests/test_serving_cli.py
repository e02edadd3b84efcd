"""``labkit serve`` as a process: its options, its imports, its memory and its shutdown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from _serving_fixtures import request, spark_free_registry

BLOCK_IMPORTS = textwrap.dedent(
    """
    import sys
    BLOCKED = ("fcntl", "pyspark")
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
    sys.meta_path.insert(0, Block())
    for name in BLOCKED:
        sys.modules.pop(name, None)
    """
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return spark_free_registry(tmp_path_factory.mktemp("serve-cli") / "registry")


def labkit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--port", "99999"],
            "--port: 99999 is not a port number (1-65535, or 0 for any free port)",
        ),
        (["--port", "http"], "--port: 'http' is not a port number"),
        (["--poll-seconds", "-1"], "--poll-seconds: -1 is not a number of seconds above 0"),
        (["--poll-seconds", "0"], "--poll-seconds: 0 is not a number of seconds above 0"),
        (["--poll-seconds", "nan"], "--poll-seconds: nan is not a number of seconds above 0"),
        (["--challenger-share", "0.2"], "--challenger-share needs --challenger"),
        (
            ["--challenger-share", "1.5", "--challenger", "1.1.0"],
            "--challenger-share: 1.5 is not a share",
        ),
    ],
)
def test_bad_options_are_refused_with_a_one_line_reason(registry, args, message):
    done = labkit("serve", "--registry", str(registry.root), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_help_and_router_import_without_fcntl_or_pyspark():
    script = BLOCK_IMPORTS + textwrap.dedent(
        """
        from labkit.serving import Router
        from labkit.cli import main
        try:
            main(["serve", "--help"])
        except SystemExit as done:
            assert done.code == 0, done.code
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--registry" in done.stdout


def _start(registry, *extra: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "labkit.cli", "serve", "--registry", str(registry.root),
               "--port", "0", *extra]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    first = process.stdout.readline()
    assert first.startswith("labkit serve: http://"), first + process.stderr.read()
    return process, first.split()[2]


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for memory")
def test_six_20_mb_requests_do_not_grow_the_process(registry):
    process, url = _start(registry)
    try:
        before = _peak_rss_mb(process.pid)
        host, port = url.removeprefix("http://").split(":")
        answers = []

        def send_20_mb() -> None:
            body = b'{"rows": [' + b'{"color": "red", "size": 1.0},' * 650_000 + b"{}]}"
            with socket.create_connection((host, int(port)), timeout=30) as sock:
                sock.sendall(b"POST /predict HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body))
                with contextlib.suppress(OSError):  # refused unread: the server may close first
                    sock.sendall(body)
                answers.append(sock.recv(200))

        threads = [threading.Thread(target=send_20_mb) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 6 and all(b" 413 " in a for a in answers), answers
        assert request(url, "GET", "/healthz")[0] == 200
        assert _peak_rss_mb(process.pid) - before < 60
    finally:
        process.kill()
        process.wait(timeout=10)


def test_sigterm_with_a_silent_client_exits_promptly(registry):
    process, url = _start(registry)
    host, port = url.removeprefix("http://").split(":")
    silent = socket.create_connection((host, int(port)))
    half = socket.create_connection((host, int(port)))
    half.sendall(b"POST /predict HTTP/1.0\r\nContent-Length: 50\r\n\r\n{")
    try:
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert time.monotonic() - started < 12
        assert "Traceback" not in process.stderr.read()
    finally:
        silent.close()
        half.close()
        if process.poll() is None:
            process.kill()
