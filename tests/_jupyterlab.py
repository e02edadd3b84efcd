"""A private JupyterLab server for a browser test: 127.0.0.1, a free port, a token.

Settings, workspaces, runtime files, the notebook-trust database and the user
configuration live in the caller's folder, so the attendee's own Jupyter state
neither leaks into the test nor gets changed by it. What the codelab itself
ships for JupyterLab (``labkit/conf/jupyterlab-overrides.json``, installed into the venv by
``make setup``) is used as is. The server is stopped by PID, and so are any
kernels it started.

Used by ``tests/test_browser.py``::

    with JupyterLab(root=tmp_path / "notebooks", state=tmp_path / "jupyter") as lab:
        lab.trust_codelab_notebooks()
        page.goto(lab.url("lab/tree/00_check_your_setup.ipynb"))
        kernel = lab.wait_for_idle_kernel("00_check_your_setup.ipynb")
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from _cluster import free_port, tail

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
#: How long a kernel may take from "notebook opened" to "connected and idle" on a
#: loaded 2-core machine (a first start compiles and caches a lot).
KERNEL_TIMEOUT_S = 180.0

#: Test-only JupyterLab settings: every cell kept in the page (JupyterLab 4
#: otherwise renders only the visible ones), so prompts and outputs can be read.
_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class JupyterLabStartError(RuntimeError):
    """JupyterLab did not start serving; the message carries its log's tail."""


class KernelNotReady(RuntimeError):
    """A notebook's kernel did not become connected and idle; the message says what was seen."""


def shipped_overrides() -> Path:
    """The JupyterLab settings the codelab ships (no news prompt, no update check)."""
    return ROOT / "labkit" / "conf" / "jupyterlab-overrides.json"


def installed_overrides() -> Path:
    """Where ``make setup`` installs :func:`shipped_overrides` for this environment's JupyterLab."""
    return (
        Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "labkit.json"
    )


class JupyterLab:
    """JupyterLab serving ``root`` on 127.0.0.1 with a random token.

    Parameters
    ----------
    root : Path
        The folder JupyterLab shows (copy notebooks here: running them saves them).
    state : Path
        Folder for the server's log, settings, workspaces, runtime files,
        trust database (``JUPYTER_DATA_DIR``) and configuration.
    """

    def __init__(self, root: Path, state: Path) -> None:
        self.root = Path(root)
        self.state = Path(state)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log = self.state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None
        self._children: list[psutil.Process] = []

    def url(self, path: str = "lab", query: str = "") -> str:
        """Address of ``path`` on this server, with the token (and ``query``, e.g. ``"reset"``)."""
        extra = f"&{query}" if query else ""
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}{extra}"

    def command(self) -> list[str]:
        """The command line: loopback, our port, our token, no browser of its own."""
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        # JupyterLab refuses to run as root unless told to; never pass it otherwise.
        if os.geteuid() == 0:
            command.append("--allow-root")
        return command

    def env(self) -> dict[str, str]:
        """Environment: our own Jupyter folders, and this venv's tools (``dot``) first on PATH."""
        venv_bin = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
            "JUPYTERLAB_SETTINGS_DIR": str(self.state / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.state / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.state / "runtime"),
            "JUPYTER_DATA_DIR": str(self.state / "data"),
            "JUPYTER_CONFIG_DIR": str(self.state / "config"),
            "LABKIT_LOG_DIR": str(self.state),
        }

    def _write_settings(self) -> None:
        for name, values in _SETTINGS.items():
            plugin_file = self.state / "settings" / Path(*name.split("/"))
            plugin_file.parent.mkdir(parents=True, exist_ok=True)
            plugin_file.write_text(json.dumps(values))

    def trust_codelab_notebooks(self) -> subprocess.CompletedProcess:
        """Trust the shipped chapters as ``make lab`` does, into this server's trust database.

        Trust is stored per notebook *content* (a signature), so a byte-identical
        copy under :attr:`root` is trusted too. Runs ``make trust`` when ``make``
        exists, else the command that target runs.
        """
        make = shutil.which("make")
        if make:
            command = [make, "--no-print-directory", "-s", "-C", str(ROOT), "trust"]
        else:
            chapters = sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            command = [sys.executable, "-m", "jupyter", "trust", *chapters]
        return subprocess.run(
            command, env=self.env(), capture_output=True, text=True, timeout=300, check=True
        )

    def start(self) -> JupyterLab:
        """Start the server and wait until its API answers with our token."""
        self._write_settings()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.root,
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def api(self, path: str, method: str = "GET") -> object:
        """Call ``/api/<path>`` with the token and return the decoded JSON (None if empty)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            headers={"Authorization": f"token {self.token}"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def session(self, path: str) -> dict | None:
        """The server's session for the notebook at ``path`` (relative to root), if any."""
        sessions = self.api("sessions")
        return next((s for s in sessions if s.get("path") == path), None)

    def wait_for_idle_kernel(self, path: str, timeout: float = KERNEL_TIMEOUT_S) -> dict:
        """Wait until the notebook at ``path`` has a session whose kernel is idle and connected.

        "Connected" is the server's count of websocket connections to the
        kernel: the page has attached to it. Returns the kernel's model.

        Raises
        ------
        KernelNotReady
            With the last session and kernel state the server reported.
        """
        deadline = time.monotonic() + timeout
        seen: object = "no answer from /api/sessions"
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                session = self.session(path)
                if session is None or not session.get("kernel"):
                    seen = f"no session for {path} yet (sessions: {self.api('sessions')})"
                else:
                    kernel = self.api(f"kernels/{session['kernel']['id']}")
                    seen = kernel
                    if kernel["execution_state"] == "idle" and kernel.get("connections", 0) >= 1:
                        return kernel
            time.sleep(0.5)
        raise KernelNotReady(
            f"The kernel of {path} was not idle and connected after {timeout:.0f} s; "
            f"last seen: {seen}. Last lines of {self.log}:\n{tail(self.log)}"
        )

    def describe(self) -> str:
        """Sessions and kernel states as the server reports them, for a failure message."""
        try:
            return json.dumps(
                {"sessions": self.api("sessions"), "kernels": self.api("kernels")}, indent=None
            )
        except (urllib.error.URLError, ConnectionError, TimeoutError) as failure:
            return f"the server did not answer ({failure})"

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise JupyterLabStartError(
                    f"JupyterLab exited with status {self.process.returncode} while starting. "
                    f"Last lines of {self.log}:\n{tail(self.log)}"
                )
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                self.api("status")
                return
            time.sleep(0.3)
        raise JupyterLabStartError(
            f"JupyterLab did not answer within {START_TIMEOUT_S:.0f} s. "
            f"Last lines of {self.log}:\n{tail(self.log)}"
        )

    def stop(self) -> None:
        """Stop the server by PID (SIGTERM, then SIGKILL), then any kernel it left behind.

        Kernels run in their own process groups, and each kernel's Spark JVM is
        the kernel's child: all are collected by PID before the server goes.
        """
        if self.process is None:
            return
        with contextlib.suppress(psutil.Error):
            self._children = psutil.Process(self.process.pid).children(recursive=True)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        for child in self._children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
