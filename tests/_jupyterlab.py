"""A private JupyterLab server for a browser test: 127.0.0.1, a free port, a token.

Settings, workspaces and runtime files live in the caller's folder, so the
attendee's own JupyterLab state neither leaks into the test nor gets changed
by it. The server is stopped by PID, and so are any kernels it started.

Used by ``tests/test_browser.py``::

    with JupyterLab(root=tmp_path / "notebooks", state=tmp_path / "jupyter") as lab:
        page.goto(lab.url("lab/tree/00_check_your_setup.ipynb"))
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from _cluster import free_port, tail

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0

#: JupyterLab settings for a quiet, offline, predictable screen: no news
#: pop-up (it would ask for the internet), no update check, and every cell
#: kept in the page (JupyterLab 4 otherwise renders only the visible ones).
_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


class JupyterLabStartError(RuntimeError):
    """JupyterLab did not start serving; the message carries its log's tail."""


class JupyterLab:
    """JupyterLab serving ``root`` on 127.0.0.1 with a random token.

    Parameters
    ----------
    root : Path
        The folder JupyterLab shows (copy notebooks here: running them saves them).
    state : Path
        Folder for the server's log, settings, workspaces and runtime files.
    """

    def __init__(self, root: Path, state: Path) -> None:
        self.root = Path(root)
        self.state = Path(state)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log = self.state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None
        self._children: list[psutil.Process] = []

    def url(self, path: str = "lab") -> str:
        """Address of ``path`` on this server, with the token."""
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

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
        """Environment: our settings folders, and this venv's tools (``dot``) first on PATH."""
        venv_bin = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
            "JUPYTERLAB_SETTINGS_DIR": str(self.state / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.state / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.state / "runtime"),
            "LABKIT_LOG_DIR": str(self.state),
        }

    def _write_settings(self) -> None:
        for name, values in _SETTINGS.items():
            plugin_file = self.state / "settings" / Path(*name.split("/"))
            plugin_file.parent.mkdir(parents=True, exist_ok=True)
            plugin_file.write_text(json.dumps(values))

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

    def api(self, path: str) -> object:
        """GET ``/api/<path>`` with the token and return the decoded JSON."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

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
