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


# -- hostile and careless input: every bad line named, every good line written ----------

BAD_LINES = [
    ('{"color": "red", "size": ' + str(10**400) + "}", "size: an integer of 401 digits"),
    ('{"color": "red", "size": ' + "9" * 5000 + "}", "size: an integer of 5,000 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"color": "red", "size": Infinity}', "size: Infinity is not valid JSON"),
    ('{"color": "red", "size": NaN}', "size: NaN is not valid JSON"),
    ('{"color": "red", "size": 1e999}', "size: 1e999 is beyond the range of a double"),
    (
        '{"color": "red", "size": 1.0, "color_idx": 2.0}',
        "'color_idx' is a column the model computes",
    ),
]


def _lines_file(tmp_path, bad: bytes) -> tuple:
    good = [json.dumps(r).encode() for r in ROWS]
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join([good[0], bad, good[1], good[2]]) + b"\n")
    return path


def _score_files(model_path, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "labkit.cli", "score", "--model", str(model_path),
                           *args], input=stdin, capture_output=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(("line", "message"), BAD_LINES,
                         ids=["10**400", "5000 digits", "deep", "Infinity", "NaN", "1e999",
                              "internal field"])  # fmt: skip
def test_keep_going_names_each_bad_line_and_writes_every_good_one(model_path, line, message):
    text = "\n".join([json.dumps(ROWS[0]), line, json.dumps(ROWS[1]), json.dumps(ROWS[2])]) + "\n"
    code, records = _run(model_path, text, "--keep-going")
    assert code == 2
    assert records[1]["line"] == 2 and message in records[1]["error"], records[1]
    expected = [scorer_of(tree_specs()).predict(r).to_dict() for r in ROWS]
    assert [records[0], records[2], records[3]] == expected


@pytest.mark.parametrize(("line", "message"), BAD_LINES[:3])
def test_without_keep_going_a_bad_line_stops_with_its_number(model_path, line, message):
    with pytest.raises(ScoringError, match=f"line 2: .*{message[:12]}"):
        _run(model_path, json.dumps(ROWS[0]) + "\n" + line + "\n")


def test_invalid_utf8_in_an_input_file_is_a_named_bad_line(model_path, tmp_path):
    path = _lines_file(tmp_path, b'{"color": "r\xffd", "size": 1}')
    done = _score_files(model_path, "--input", str(path), "--keep-going")
    assert done.returncode == 2, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 4 and records[1]["line"] == 2
    assert "not UTF-8" in records[1]["error"]
    assert b"Traceback" not in done.stderr


def test_a_non_finite_prediction_is_an_error_record(tmp_path):
    from _serving_fixtures import overflowing_logistic

    path = export(overflowing_logistic(), tmp_path / "logistic.json")
    text = json.dumps({"color": "red", "size": 1e308}) + "\n" + json.dumps(ROWS[0]) + "\n"
    code, records = _run(path, text, "--keep-going")
    assert code == 2
    assert records[0]["line"] == 1 and "cannot score this row" in records[0]["error"]
    assert "raw_prediction" in records[0]["error"] and "size=1e+308" in records[0]["error"]
    assert records[1]["label"] in ("yes", "no")


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--input", "no/such/rows.jsonl"], "cannot read --input no/such/rows.jsonl", 2),
        (["--output", "/proc/labkit-cannot-write-here.jsonl"], "cannot write --output", 2),
    ],
)
def test_missing_input_and_unwritable_output_end_with_one_line(model_path, args, message, code):
    done = _score_files(model_path, *args, stdin=b"")
    assert done.returncode == code
    err = done.stderr.decode()
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_closed_pipe_ends_quietly(model_path):
    rows = "\n".join(json.dumps(ROWS[i % 3]) for i in range(20000)) + "\n"
    command = f"{sys.executable} -m labkit.cli score --model {model_path} | head -n 2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], input=rows.encode(),
                          capture_output=True, timeout=120)  # fmt: skip
    assert len(done.stdout.splitlines()) == 2
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode in (0, 141)  # 141: ended by SIGPIPE, as `yes | head` is
