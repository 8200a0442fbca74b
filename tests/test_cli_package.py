"""The CLI package's structure: an explicit subcommand table, no registration by import, no
back-imports of `archdsl.cli`'s own helpers, and TensorFlow imported by `compile` only."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import archdsl.cli as cli

PACKAGE = Path(cli.__file__).parent


def test_every_subcommand_comes_from_one_table_row():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert list(sub.choices) == [c.name for c in cli.COMMANDS]
    for command in cli.COMMANDS:
        module = importlib.import_module(command.module)
        assert callable(module.add_arguments) and callable(module.run), command
        assert sub.choices[command.name].get_default("handler") is module.run


def test_importing_the_package_registers_nothing():
    code = ("import sys, archdsl.cli; "
            "loaded = [c.module for c in archdsl.cli.COMMANDS if c.module in sys.modules]; assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_subcommand_modules_do_not_import_back_from_the_package():
    for py in PACKAGE.glob("*.py"):
        if py.name in ("__init__.py", "__main__.py"):
            continue
        text = py.read_text()
        assert not re.search(r"from archdsl\.cli import|import archdsl\.cli\b", text), py.name
        assert not re.search(r"^(from|import) (tensorflow|tf_keras|keras)\b", text, re.M), py.name


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "archdsl.cli", "check", "specs/spinenet49S.arch"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "spinenet49S: ok" in done.stdout


def test_a_command_imports_only_its_own_module():
    code = ("import sys; from archdsl.cli import main; assert main(['check', 'specs/spinenet49S.arch']) == 0;"
            "heavy = [m for m in ('graphviz', 'archdsl.render', 'archdsl.nas', 'tqdm', 'archdsl.cli.render',"
            " 'archdsl.cli.compile') if m in sys.modules]; assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_help_still_lists_every_command(capsys):
    assert cli.main(["check", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: archdsl check")
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    # argparse puts a long name's help on the next line: match the name at a line's start
    assert all(re.search(rf"^    {re.escape(c.name)}\b", out, re.M) for c in cli.COMMANDS)
