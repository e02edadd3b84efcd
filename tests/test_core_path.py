"""benchmarks/core_path.py: optional sections found from headings, minutes added up honestly."""

from __future__ import annotations

import doctest
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("core_path", ROOT / "benchmarks" / "core_path.py")
core_path = importlib.util.module_from_spec(_spec)
sys.modules["core_path"] = core_path  # dataclasses look their module up there
_spec.loader.exec_module(core_path)


def _md(text):
    return {"cell_type": "markdown", "source": text}


def _code(text, cell_id=None):
    return {"cell_type": "code", "id": cell_id, "source": text, "metadata": {}}


def test_doctests_pass():
    failures, tried = doctest.testmod(core_path)
    assert tried > 0 and failures == 0


def test_optional_section_ends_at_the_next_heading_of_its_level_or_higher():
    notebook = {
        "cells": [
            _md("# Chapter\none two"),
            _md("## Optional: a deep-dive\nthree"),
            _md("### a sub-heading stays optional\nfour five"),
            _code("x = 1"),
            _md("## Back to the core\nsix"),
            _code("y = 2\nex.q1.check(y)"),
            _md("### Optional: exercise 2\nseven"),
            _code("z = ...\nex.q2.check(z)"),
            _md("### Exercise 3\n"),
            _code("w = ...\nex.q3.check(w)"),
        ]
    }
    chapter = core_path.measure(notebook)
    assert chapter.optional.headings == ["Optional: a deep-dive", "Optional: exercise 2"]
    # core: "Chapter", "one two", "Back to the core", "six", "Exercise 3"
    assert chapter.core.words == 1 + 2 + 4 + 1 + 2
    assert (chapter.core.code_lines, chapter.core.exercises) == (4, 2)
    assert (chapter.optional.code_lines, chapter.optional.exercises) == (3, 1)


def test_run_time_comes_from_the_solved_chapter_by_cell_id():
    timing = {
        "iopub.execute_input": "2026-12-02T10:00:00Z",
        "shell.execute_reply": "2026-12-02T10:01:30Z",
    }
    solved = {"cells": [{**_code("x = 1", "a"), "metadata": {"execution": timing}}]}
    learner = {
        "cells": [_md("## Optional: slow"), _code("x = 1", "a"), _md("## Core"), _code("y", "b")]
    }
    chapter = core_path.measure(learner, solved)
    assert chapter.optional.run_seconds == 90
    assert chapter.core.run_seconds == 0
    assert chapter.optional.minutes == pytest.approx(1 / 15 + 1.5 + 2 / 200)


def test_every_learner_copy_is_measured_and_the_totals_add_up():
    found = core_path.chapters(ROOT)
    copies = sorted((ROOT / "notebooks" / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert [c.name for c in found] == [p.stem for p in copies]
    checks = sum(len(re.findall(r"ex\.q\d+\.check\(", p.read_text())) for p in copies)
    assert sum(c.core.exercises + c.optional.exercises for c in found) == checks
    tuning = next(c for c in found if c.name.startswith("04_"))
    assert "Optional: nested cross-validation, the second layer" in tuning.optional.headings
    assert tuning.core.run_seconds > 0  # the solved chapter's timings were found
    printed = core_path.table(found)
    total = round(sum(c.core.minutes for c in found))
    assert f"**{total} min (" in printed.splitlines()[-1]


def test_main_prints_json(capsys):
    assert core_path.main(["--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"].startswith("00_")


def test_no_learner_copies_says_what_to_run(tmp_path):
    (tmp_path / "notebooks" / "exercises").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="labkit.exercises.learner"):
        core_path.chapters(tmp_path)
    shutil.rmtree(tmp_path / "notebooks")
