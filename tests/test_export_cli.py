"""``labkit score``: JSON lines in, predictions out, bad lines named; and scoring without Spark."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import textwrap

import pytest
from _export_specs import scorer_of, tree_specs

from labkit.errors import ScoringError
from labkit.export import cli, export, to_python_source

ROWS = [{"color": "red", "size": 1.0}, {"color": "blue", "size": 9.0}, {"color": None, "size": 1}]


@pytest.fixture
def model_path(tmp_path):
    return export(scorer_of(tree_specs()), tmp_path / "tree.json")


def _run(model_path, stdin_text, *extra):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--model", str(model_path), *extra])
    out = io.StringIO()
    old_stdin, old_stdout = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.StringIO(stdin_text), out
    try:
        code = cli.run(args)
    finally:
        sys.stdin, sys.stdout = old_stdin, old_stdout
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_score_writes_one_prediction_per_line(model_path):
    scorer = scorer_of(tree_specs())
    code, records = _run(model_path, "\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    assert code == 0
    assert records == [scorer.predict(r).to_dict() for r in ROWS]
    assert [r["label"] for r in records] == ["no", "yes", "yes"]


def test_bad_line_stops_with_its_number(model_path):
    text = json.dumps(ROWS[0]) + "\n[1, 2]\n" + json.dumps(ROWS[1]) + "\n"
    with pytest.raises(ScoringError, match="line 2: expected a JSON object, got list"):
        _run(model_path, text)


def test_keep_going_writes_error_records(model_path, capsys):
    text = json.dumps(ROWS[0]) + "\n{oops\n" + json.dumps({"size": 1.0}) + "\n"
    code, records = _run(model_path, text, "--keep-going")
    assert code == 2
    assert records[0]["label"] == "no"
    assert records[1]["line"] == 2 and "Expecting property name" in records[1]["error"]
    assert records[2]["line"] == 3 and "no field 'color'" in records[2]["error"]
    assert "2 line(s) could not be scored" in capsys.readouterr().err


BLOCKER = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
    sys.meta_path.insert(0, Block())
    """
)


@pytest.mark.parametrize("blocked", [("pyspark",), ("pyspark", "numpy", "pyarrow", "pandas")])
def test_document_scores_in_a_process_that_cannot_import_pyspark(model_path, blocked):
    script = (
        f"BLOCKED = {blocked!r}\n"
        + BLOCKER
        + textwrap.dedent(
            f"""
        import json
        from labkit.export import load_scorer
        scorer = load_scorer({str(model_path)!r})
        print(json.dumps([scorer.predict(r).to_dict() for r in {ROWS!r}]))
        assert not any(m.split(".")[0] in BLOCKED for m in sys.modules)
        """
        )
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    expected = [scorer_of(tree_specs()).predict(r).to_dict() for r in ROWS]
    assert json.loads(done.stdout) == expected


def test_generated_module_runs_with_only_the_standard_library(tmp_path):
    to_python_source(scorer_of(tree_specs()), tmp_path / "tree_scorer.py")
    script = (
        "BLOCKED = ('pyspark', 'numpy', 'labkit')\n"
        + BLOCKER
        + textwrap.dedent(
            f"""
        import json
        sys.path.insert(0, {str(tmp_path)!r})
        import tree_scorer
        print(json.dumps([tree_scorer.predict(r) for r in {ROWS!r}]))
        """
        )
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [scorer_of(tree_specs()).predict(r).to_dict() for r in ROWS]
