"""The labkit command: every sub-command is wired, and only its own module is loaded."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from labkit import cli


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_sub_command_module_has_the_two_functions(name):
    module = importlib.import_module(cli.COMMANDS[name][0])
    assert callable(module.add_arguments) and callable(module.run)


def test_help_lists_every_sub_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long summaries
    for name, (_, summary) in cli.COMMANDS.items():
        assert name in out and summary in out


def test_unknown_sub_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["retrian"])
    assert info.value.code == 2
    assert "invalid choice: 'retrian'" in capsys.readouterr().err


def test_serving_commands_do_not_load_spark():
    code = (
        "import sys; from labkit import cli; "
        "[cli.build_parser(name) for name in ('score', 'serve')]; "
        "print('pyspark' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
