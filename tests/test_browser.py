"""Chapter 00 works in JupyterLab as attendees see it, driven in a real (headless) Chromium.

JupyterLab runs on 127.0.0.1 with a token, on a copy of the chapter in
``tmp_path`` (running a notebook in JupyterLab saves it). Playwright drives
Debian's Chromium (``/usr/bin/chromium``, never a browser download): open the
chapter, Run > Run All Cells, then check every code cell ran, no cell shows an
error, and the Graphviz drawing is on the page. A screenshot lands in
``tmp_path``; set ``LABKIT_SCREENSHOT=docs/jupyterlab.png`` to refresh the
README's picture.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import struct
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest
from _jupyterlab import JupyterLab

CHAPTER = Path(__file__).resolve().parent.parent / "notebooks" / "00_check_your_setup.ipynb"
CHROMIUM_ENV = "LABKIT_CHROMIUM"
SCREENSHOT_ENV = "LABKIT_SCREENSHOT"
VIEWPORT = {"width": 1280, "height": 800}
RUN_ALL_TIMEOUT_MS = 150_000
CODE_CELL = ".jp-CodeCell"
ERROR_OUTPUT = "[data-mime-type='application/vnd.jupyter.error']"

#: Run All has finished when every code cell has a number, or it has stopped
#: at an error (JupyterLab then leaves the later cells unnumbered).
_RUN_ALL_FINISHED = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    if (prompts.length === 0 || prompts.some(p => p === '[*]:')) return false;
    const errors = document.querySelectorAll(
        ".jp-CodeCell [data-mime-type='application/vnd.jupyter.error']").length;
    return errors > 0 || prompts.every(p => /^\\[\\d+\\]:$/.test(p));
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


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG file's header."""
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def chapter() -> nbformat.NotebookNode:
    if not CHAPTER.exists():
        pytest.fail(f"{CHAPTER} is missing: the browser test opens chapter 00.")
    return nbformat.read(CHAPTER, as_version=4)


@pytest.fixture(scope="module")
def page_after_run_all(tmp_path_factory, chapter):
    """Chapter 00 after Run All Cells in JupyterLab; the server and its kernel are stopped after."""
    chromium = find_chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the `playwright` package is not installed"
    )
    folder = tmp_path_factory.mktemp("browser")
    root = folder / "notebooks"
    root.mkdir()
    shutil.copy(CHAPTER, root / CHAPTER.name)
    lab = JupyterLab(root=root, state=folder / "jupyter")
    with lab, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(lab.url(f"lab/tree/{CHAPTER.name}"))
            code_cells = sum(cell.cell_type == "code" for cell in chapter.cells)
            page.wait_for_function(
                f"() => document.querySelectorAll('.jp-CodeCell').length === {code_cells}",
                timeout=90_000,
            )
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000
            )
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            try:
                page.wait_for_function(_RUN_ALL_FINISHED, timeout=RUN_ALL_TIMEOUT_MS)
            except sync_api.TimeoutError:
                page.screenshot(path=str(folder / "timeout.png"))
                pytest.fail(
                    f"Run All did not finish within {RUN_ALL_TIMEOUT_MS // 1000} s; prompts: "
                    f"{page.locator('.jp-CodeCell .jp-InputPrompt').all_inner_texts()}; "
                    f"screenshot {folder / 'timeout.png'}, server log {lab.log}"
                )
            screenshot = take_screenshot(page, folder / "jupyterlab.png")
            yield Observed.from_page(page, screenshot, lab)
        finally:
            browser.close()


def take_screenshot(page, path: Path) -> Path:
    """Screenshot with the Graphviz drawing in view; also copied to ``$LABKIT_SCREENSHOT``."""
    drawing = page.locator(".jp-RenderedSVG").first
    if drawing.count():
        drawing.scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    if os.environ.get(SCREENSHOT_ENV):
        shutil.copy(path, os.environ[SCREENSHOT_ENV])
    return path


@dataclass
class Observed:
    """What the page showed after Run All, read while the server was still up."""

    prompts: list[str]
    error_cells: list[int]
    error_texts: list[str]
    svg_sources: list[str]
    svg_widths: list[int]
    screenshot: Path
    server_process: psutil.Process
    kernel_processes: list[psutil.Process]
    server: JupyterLab

    @classmethod
    def from_page(cls, page, screenshot: Path, lab: JupyterLab) -> Observed:
        cells = page.locator(CODE_CELL)
        errors = [i for i in range(cells.count()) if cells.nth(i).locator(ERROR_OUTPUT).count()]
        images = page.locator(".jp-RenderedSVG img")
        return cls(
            prompts=[
                p.strip() for p in page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
            ],
            error_cells=errors,
            error_texts=page.locator(
                "[data-mime-type='application/vnd.jupyter.error']"
            ).all_inner_texts(),
            svg_sources=[images.nth(i).get_attribute("src") for i in range(images.count())],
            svg_widths=[
                images.nth(i).evaluate("img => img.naturalWidth") for i in range(images.count())
            ],
            screenshot=screenshot,
            server_process=psutil.Process(lab.process.pid),
            kernel_processes=psutil.Process(lab.process.pid).children(recursive=True),
            server=lab,
        )


def decode_svg_src(src: str) -> str:
    """The SVG text inside an ``<img src="data:image/svg+xml,...">``."""
    header, _, payload = src.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload).decode()
    return urllib.parse.unquote(payload)


def test_every_code_cell_ran_in_order(page_after_run_all, chapter):
    code_cells = sum(cell.cell_type == "code" for cell in chapter.cells)
    assert page_after_run_all.prompts == [f"[{n}]:" for n in range(1, code_cells + 1)]


def test_no_cell_shows_an_error(page_after_run_all, chapter):
    code_cells = [cell for cell in chapter.cells if cell.cell_type == "code"]
    expected = [
        i
        for i, cell in enumerate(code_cells)
        if "raises-exception" in cell.metadata.get("tags", [])
    ]
    assert page_after_run_all.error_cells == expected, page_after_run_all.error_texts


def test_graphviz_drawing_appears(page_after_run_all, chapter):
    stored = [
        output["data"]["image/svg+xml"]
        for cell in chapter.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/svg+xml" in output.get("data", {})
    ]
    assert stored, "chapter 00 has no Graphviz drawing in its committed outputs"
    shown = [decode_svg_src(src) for src in page_after_run_all.svg_sources]
    # Same nodes and edges as the committed drawing (the layout may differ by renderer).
    assert [svg_titles(svg) for svg in shown] == [svg_titles(svg) for svg in stored]
    assert all(width > 0 for width in page_after_run_all.svg_widths)


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
