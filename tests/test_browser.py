"""The codelab works in JupyterLab as attendees see it, driven in a real (headless) Chromium.

JupyterLab runs on 127.0.0.1 with a token, on copies of the chapters in
``tmp_path`` (running a notebook in JupyterLab saves it), with its own trust
database, settings and runtime folders. Playwright drives Debian's Chromium
(``/usr/bin/chromium``, never a browser download) with a fresh profile.

- Chapter 00, Run > Run All Cells: every code cell ran, none shows an error,
  the Graphviz drawing is on the page.
- Chapter 03 as committed, opened *without running it* after the chapters were
  trusted the way ``make lab`` trusts them: its stored tree drawings render as
  SVG, not as ``<graphviz.graphs.Digraph at 0x…>``; an untrusted copy shows the
  latter, which proves the check can tell the two apart.
- JupyterLab never asks about Jupyter news (the codelab's settings say no).

Nothing is timed by sleeping: the test waits for what must be true (the
server's session with a connected, idle kernel; the page's kernel status; a
``[*]`` prompt once Run All was clicked), clicks Run All once more if no cell
started, and on a failure says what the page showed. A screenshot lands in
``tmp_path``; set ``LABKIT_SCREENSHOT=docs/jupyterlab.png`` to refresh the
README's picture.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest
from _jupyterlab import JupyterLab, KernelNotReady, installed_overrides, shipped_overrides

pytestmark = pytest.mark.spark  # chapter 00 starts Spark in a kernel

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
RUN_CHAPTER = "00_check_your_setup.ipynb"
SOLVED_CHAPTER = "03_inspecting_trees.ipynb"
UNTRUSTED_COPY = "03_inspecting_trees_untrusted_copy.ipynb"
CHROMIUM_ENV = "LABKIT_CHROMIUM"
SCREENSHOT_ENV = "LABKIT_SCREENSHOT"
VIEWPORT = {"width": 1280, "height": 800}
#: For a closed network and a throwaway profile: no first-run screens, no
#: background downloads, no sync, no QUIC probes, no GPU, no sandbox (root, CI).
CHROMIUM_FLAGS = [
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-sandbox",
    "--disable-gpu",
]
PAGE_TIMEOUT_MS = 180_000
RUN_START_TIMEOUT_MS = 60_000
RUN_ALL_TIMEOUT_MS = 420_000
SAVE_TIMEOUT_S = 60

#: What the open notebook panel shows: kernel name and status, prompts, dialogs.
_PAGE_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const text = (selector, root = document) =>
        [...root.querySelectorAll(selector)].map(e => e.textContent.trim());
    const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return {
        panel: panel !== null,
        kernel_name: panel ? text('.jp-Toolbar-kernelName', panel) : [],
        kernel_status: indicator ? indicator.getAttribute('data-status') : null,
        status_bar: text('#jp-main-statusbar .jp-StatusBar-TextItem').slice(0, 4),
        prompts: panel ? text('.jp-CodeCell .jp-InputPrompt', panel) : [],
        dialogs: text('.jp-Dialog'),
        news_prompt: document.body.innerText.includes('official Jupyter news'),
        run_started: window.__labkitRunStarted === true,
    };
}"""

#: The panel's kernel is the notebook's (not "No Kernel") and idle.
_PAGE_KERNEL_READY = """(displayName) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return false;
    const name = panel.querySelector('.jp-Toolbar-kernelName');
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return name !== null && name.textContent.trim() === displayName
        && indicator !== null && indicator.getAttribute('data-status') === 'idle';
}"""

#: Remember, from now on, whether any code cell was queued or running ("[*]").
_WATCH_FOR_RUN_START = """() => {
    window.__labkitRunStarted = false;
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const running = () => [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .some(p => p.textContent.trim() === '[*]:');
    const observer = new MutationObserver(() => {
        if (running()) { window.__labkitRunStarted = true; observer.disconnect(); }
    });
    observer.observe(panel, {subtree: true, childList: true, characterData: true});
}"""

#: Run All has settled: it started, no cell is queued or running, the kernel is idle.
#: (It stops at an error; JupyterLab then leaves the later cells at "[ ]".)
_RUN_ALL_SETTLED = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return window.__labkitRunStarted === true && prompts.length > 0
        && !prompts.includes('[*]:') && indicator.getAttribute('data-status') === 'idle';
}"""


def find_chromium() -> str:
    """Debian's Chromium (or ``$LABKIT_CHROMIUM``); skip, saying how to install it, if absent."""
    chromium = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")
    if not chromium or not Path(chromium).exists():
        pytest.skip(
            "Chromium is not installed, so the codelab cannot be checked in a browser. "
            "Install it with `sudo apt-get install chromium chromium-driver` "
            f"(or point ${CHROMIUM_ENV} at a Chromium binary)."
        )
    return chromium


def svg_titles(svg: str) -> list[str]:
    """Node and edge titles in a Graphviz SVG: what was drawn, whichever renderer drew it."""
    return sorted(re.findall(r'class="(?:node|edge)">\s*<title>([^<]*)</title>', svg))


def stored_svgs(notebook: nbformat.NotebookNode) -> list[str]:
    """The SVG drawings in a notebook's committed outputs."""
    return [
        output["data"]["image/svg+xml"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/svg+xml" in output.get("data", {})
    ]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG file's header."""
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    return struct.unpack(">II", header[16:24])


def decode_svg_src(src: str) -> str:
    """The SVG text inside an ``<img src="data:image/svg+xml,...">``."""
    header, _, payload = src.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload).decode()
    return urllib.parse.unquote(payload)


def read_chapter(name: str) -> nbformat.NotebookNode:
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the browser test opens it.")
    return nbformat.read(path, as_version=4)


# -- what the page shows, for waits and for failure messages -------------------


def page_state(page) -> dict:
    """Kernel name and status, prompts, dialogs and the news prompt, as the page shows them."""
    try:
        return page.evaluate(_PAGE_STATE)
    except Exception as failure:  # the page itself may be what broke
        return {"page_error": str(failure)}


def describe(page, lab: JupyterLab, folder: Path, label: str) -> str:
    """What the page and the server showed, with a screenshot, for a failure message."""
    shot = folder / f"{label}.png"
    try:
        page.screenshot(path=str(shot))
    except Exception as failure:
        shot = Path(f"(no screenshot: {failure})")
    return (
        f"The page showed: {json.dumps(page_state(page))}. "
        f"The server reported: {lab.describe()}. Screenshot {shot}, server log {lab.log}."
    )


def open_notebook(page, lab: JupyterLab, name: str, folder: Path) -> nbformat.NotebookNode:
    """Open ``name`` in its own workspace and wait until its kernel is connected and idle.

    Waits for the server's session (kernel idle, a websocket connected), then
    for the page's panel to show that kernel by name and as idle: the panel
    reads "idle" before any kernel exists, so the name is what proves it.
    """
    notebook = nbformat.read(lab.root / name, as_version=4)
    workspace = re.sub(r"\W", "-", Path(name).stem)
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{name}", query="reset"))
    code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        page.wait_for_function(
            "(n) => document.querySelectorAll("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell').length === n",
            arg=code_cells,
            timeout=PAGE_TIMEOUT_MS,
        )
        lab.wait_for_idle_kernel(name)
        display_name = notebook.metadata["kernelspec"]["display_name"]
        page.wait_for_function(_PAGE_KERNEL_READY, arg=display_name, timeout=PAGE_TIMEOUT_MS)
    except (sync_api.TimeoutError, KernelNotReady) as failure:
        pytest.fail(
            f"{name} did not open with a connected, idle kernel ({failure}). "
            + describe(page, lab, folder, f"open-{workspace}")
        )
    return notebook


def run_all(page, lab: JupyterLab, name: str, folder: Path) -> None:
    """Run > Run All Cells, check a cell started (click once more if none did), wait for the end."""
    sync_api = pytest.importorskip("playwright.sync_api")
    for attempt in (1, 2):
        page.evaluate(_WATCH_FOR_RUN_START)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(
                "() => window.__labkitRunStarted === true", timeout=RUN_START_TIMEOUT_MS
            )
            break
        except sync_api.TimeoutError:
            if attempt == 2:
                pytest.fail(
                    f"Run All was clicked twice and no cell of {name} started "
                    f"(no '[*]' within {RUN_START_TIMEOUT_MS // 1000} s each time). "
                    + describe(page, lab, folder, "run-all-never-started")
                )
    try:
        page.wait_for_function(_RUN_ALL_SETTLED, timeout=RUN_ALL_TIMEOUT_MS)
    except sync_api.TimeoutError:
        pytest.fail(
            f"Run All of {name} did not finish within {RUN_ALL_TIMEOUT_MS // 1000} s. "
            + describe(page, lab, folder, "run-all-timeout")
        )


def save_and_read(page, lab: JupyterLab, name: str) -> nbformat.NotebookNode:
    """Save the notebook from the page (Ctrl+S) and read what JupyterLab wrote.

    The file tells errors apart from stderr text, which the page renders alike.
    """
    path = lab.root / name
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + SAVE_TIMEOUT_S
    while True:
        if path.stat().st_mtime_ns != before:
            # The server writes to a temporary file and renames it: a new mtime is a whole file.
            return nbformat.read(path, as_version=4)
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not save {path} within {SAVE_TIMEOUT_S} s of Ctrl+S")
        time.sleep(0.2)


def take_screenshot(page, path: Path) -> Path:
    """Screenshot with the Graphviz drawing in view; also copied to ``$LABKIT_SCREENSHOT``."""
    drawing = page.locator(".jp-RenderedSVG").first
    if drawing.count():
        drawing.scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    if os.environ.get(SCREENSHOT_ENV):
        shutil.copy(path, os.environ[SCREENSHOT_ENV])
    return path


def rendered_svgs(page) -> tuple[list[str], list[int]]:
    """The SVG drawings the open notebook shows, and their natural widths."""
    images = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedSVG img")
    sources = [images.nth(i).get_attribute("src") for i in range(images.count())]
    widths = [images.nth(i).evaluate("img => img.naturalWidth") for i in range(images.count())]
    return [decode_svg_src(src) for src in sources], widths


# -- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def lab(folder):
    """JupyterLab on chapters 00 and 03 (trusted as ``make lab`` does) and an untrusted copy."""
    root = folder / "notebooks"
    root.mkdir()
    for name in (RUN_CHAPTER, SOLVED_CHAPTER):
        read_chapter(name)
        shutil.copy(NOTEBOOKS / name, root / name)
    untrusted = read_chapter(SOLVED_CHAPTER)
    untrusted.metadata["labkit_test"] = "an edited copy: its signature is in no trust database"
    nbformat.write(untrusted, root / UNTRUSTED_COPY)
    server = JupyterLab(root=root, state=folder / "jupyter")
    server.trust_codelab_notebooks()
    with server:
        yield server


@pytest.fixture(scope="module")
def browser(folder, lab):
    """Chromium with a fresh profile in the temporary folder; closed after the module."""
    chromium = find_chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the `playwright` package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Observed:
    """What the page showed after Run All, read while the server was still up."""

    prompts: list[str]
    saved: nbformat.NotebookNode
    svgs: list[str]
    svg_widths: list[int]
    news_prompt: bool
    screenshot: Path
    server_process: psutil.Process
    kernel_processes: list[psutil.Process]
    server: JupyterLab

    @property
    def error_cells(self) -> list[int]:
        code = [cell for cell in self.saved.cells if cell.cell_type == "code"]
        return [
            i for i, cell in enumerate(code) if any(o.output_type == "error" for o in cell.outputs)
        ]

    @property
    def error_texts(self) -> list[str]:
        return [
            f"{o.ename}: {o.evalue}"
            for cell in self.saved.cells
            if cell.cell_type == "code"
            for o in cell.outputs
            if o.output_type == "error"
        ]


@pytest.fixture(scope="module")
def page_after_run_all(lab, browser, folder):
    """Chapter 00 after Run All Cells in JupyterLab."""
    page = browser.new_page()
    open_notebook(page, lab, RUN_CHAPTER, folder)
    run_all(page, lab, RUN_CHAPTER, folder)
    state = page_state(page)
    svgs, widths = rendered_svgs(page)
    screenshot = take_screenshot(page, folder / "jupyterlab.png")
    return Observed(
        prompts=state["prompts"],
        saved=save_and_read(page, lab, RUN_CHAPTER),
        svgs=svgs,
        svg_widths=widths,
        news_prompt=state["news_prompt"],
        screenshot=screenshot,
        server_process=psutil.Process(lab.process.pid),
        kernel_processes=psutil.Process(lab.process.pid).children(recursive=True),
        server=lab,
    )


@dataclass
class Opened:
    """A notebook as it displays when opened, without running anything."""

    svgs: list[str]
    digraph_reprs: int


def displayed_outputs(cell) -> int:
    """How many output areas JupyterLab shows for ``cell``: it joins consecutive
    stream outputs of the same name (stdout, stderr) into one, as a kernel would."""
    streams = [(o.output_type, o.get("name")) for o in cell.outputs]
    return sum(
        1
        for i, kind in enumerate(streams)
        if not (i and kind == streams[i - 1] and kind[0] == "stream")
    )


def open_without_running(page, lab: JupyterLab, name: str, folder: Path) -> Opened:
    """Open ``name``, wait until its stored outputs are on the page, and read its drawings."""
    notebook = open_notebook(page, lab, name, folder)
    outputs = sum(displayed_outputs(cell) for cell in notebook.cells if cell.cell_type == "code")
    try:
        page.wait_for_function(
            "(n) => document.querySelectorAll("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').length >= n",
            arg=outputs,
            timeout=PAGE_TIMEOUT_MS,
        )
    except pytest.importorskip("playwright.sync_api").TimeoutError:
        pytest.fail(
            f"{name}'s {outputs} stored outputs did not all appear. "
            + describe(page, lab, folder, f"outputs-{Path(name).stem}")
        )
    svgs, _ = rendered_svgs(page)
    text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first.inner_text()
    return Opened(svgs=svgs, digraph_reprs=text.count("<graphviz.graphs.Digraph at"))


@pytest.fixture(scope="module")
def solved_chapter(lab, browser, folder) -> dict[str, Opened]:
    """Chapter 03 as committed (trusted) and an edited, untrusted copy, opened and not run."""
    opened = {}
    for name in (SOLVED_CHAPTER, UNTRUSTED_COPY):
        page = browser.new_page()
        try:
            opened[name] = open_without_running(page, lab, name, folder)
        finally:
            page.close()
            session = lab.session(name)
            if session is not None:  # its kernel is no longer needed
                lab.api(f"sessions/{session['id']}", method="DELETE")
    return opened


# -- the tests ------------------------------------------------------------------


def test_a_solved_chapter_shows_its_committed_drawings_without_running(solved_chapter):
    stored = stored_svgs(read_chapter(SOLVED_CHAPTER))
    assert stored, f"{SOLVED_CHAPTER} has no Graphviz drawing in its committed outputs"
    shown = solved_chapter[SOLVED_CHAPTER]
    assert shown.digraph_reprs == 0, "a drawing shows as <graphviz.graphs.Digraph at 0x…>"
    assert [svg_titles(svg) for svg in shown.svgs] == [svg_titles(svg) for svg in stored]


def test_an_untrusted_copy_shows_the_text_instead_of_the_drawings(solved_chapter):
    # The control: without trust JupyterLab will not render stored SVG, so the
    # test above passes because `make trust` ran, not by accident.
    shown = solved_chapter[UNTRUSTED_COPY]
    assert shown.svgs == []
    assert shown.digraph_reprs == len(stored_svgs(read_chapter(SOLVED_CHAPTER)))


def test_every_code_cell_ran_in_order(page_after_run_all):
    code_cells = sum(cell.cell_type == "code" for cell in read_chapter(RUN_CHAPTER).cells)
    assert page_after_run_all.prompts == [f"[{n}]:" for n in range(1, code_cells + 1)]


def test_no_cell_shows_an_error(page_after_run_all):
    code_cells = [cell for cell in read_chapter(RUN_CHAPTER).cells if cell.cell_type == "code"]
    expected = [
        i
        for i, cell in enumerate(code_cells)
        if "raises-exception" in cell.metadata.get("tags", [])
    ]
    assert page_after_run_all.error_cells == expected, page_after_run_all.error_texts


def test_graphviz_drawing_appears(page_after_run_all):
    stored = stored_svgs(read_chapter(RUN_CHAPTER))
    assert stored, "chapter 00 has no Graphviz drawing in its committed outputs"
    # Same nodes and edges as the committed drawing (the layout may differ by renderer).
    assert [svg_titles(svg) for svg in page_after_run_all.svgs] == [
        svg_titles(svg) for svg in stored
    ]
    assert all(width > 0 for width in page_after_run_all.svg_widths)


def test_jupyterlab_never_asks_about_jupyter_news(page_after_run_all):
    assert not page_after_run_all.news_prompt, (
        f"JupyterLab asked about Jupyter news: the codelab's {shipped_overrides().name} "
        f"is not installed as {installed_overrides()} (run `make setup`)."
    )


def test_screenshot_saved_in_the_temporary_folder(page_after_run_all):
    shot = page_after_run_all.screenshot
    assert shot.exists()
    assert png_size(shot) == (VIEWPORT["width"], VIEWPORT["height"])


def test_server_and_kernel_are_stopped(page_after_run_all):
    # Reading the fixture's value after the module's last test would be too late;
    # stop explicitly (stop is idempotent) and check every PID it owned is gone.
    page_after_run_all.server.stop()
    processes = [page_after_run_all.server_process, *page_after_run_all.kernel_processes]
    assert page_after_run_all.kernel_processes, "no kernel process was seen under JupyterLab"
    # is_running() also compares start times, so a recycled PID does not count.
    assert [p.pid for p in processes if _alive(p)] == []


def _alive(process: psutil.Process) -> bool:
    """Running and not a zombie (a dead child nobody has reaped yet holds no resources)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
