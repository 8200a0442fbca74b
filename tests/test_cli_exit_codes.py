"""Every row of the exit-code table (`archdsl.cli.EXIT_CODES`, the README, `archdsl --help`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import archdsl.cli
import archdsl.cli.check
import pytest
from archdsl.cli import EXIT_CODES, main

ROOT = Path(__file__).resolve().parents[1]
BAD = "arch x(input_size = 32) {\n  input i: [input_size, input_size, 3]\n  y = conv 1x1 <- i\n  return y\n}\n"


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.arch"
    path.write_text(BAD)
    return str(path)


def test_the_table_is_in_help_and_readme(capsys):
    assert main(["--help"]) == 0
    assert EXIT_CODES in capsys.readouterr().out
    readme = (ROOT / "README.md").read_text()
    rows = set(re.findall(r"^\| (\d+) \|", readme, re.M))
    assert rows == set(re.findall(r"^  (\d+) ", EXIT_CODES, re.M)) == {"0", "1", "2", "130"}


@pytest.mark.parametrize("argv", [
    ["check", "specs/spinenet49S.arch"],
    ["hash", "specs/spinenet49S.arch"],
    ["diff", "specs/spinenet49.arch", "specs/spinenet49.arch"],  # diff: equivalent
    ["fmt", "--check", "specs/spinenet.arch"],
], ids=lambda a: a[0])
def test_0_success(argv):
    assert main(argv) == 0


def test_1_the_spec_has_errors(bad, capsys):
    for argv in (["check", bad], ["hash", bad], ["render", bad, "-o", bad + ".dot"], ["compile", bad]):
        assert main(argv) == 1, argv
        assert "`conv` needs `filters`" in capsys.readouterr().err


def test_1_diff_the_specs_differ(capsys):
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet49S.arch"]) == 1


def test_1_fmt_check_a_file_would_change(tmp_path, capsys):
    messy = tmp_path / "messy.arch"
    messy.write_text("arch a(n=1){\ninput i: [8, 8, 3]\nreturn i\n}\n")
    assert main(["fmt", "--check", str(messy)]) == 1
    assert capsys.readouterr().out.strip() == str(messy)


def test_1_the_work_failed_before_tensorflow():
    code = ("import sys; from archdsl.cli import main;"
            "rc = main(['compile', 'specs/spinenet49S.arch', '-o', '/proc/x.keras']); assert rc == 1, rc;"
            "assert 'tensorflow' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "cannot write /proc/x.keras: cannot create a file in /proc" in done.stderr


@pytest.mark.parametrize("argv", [[], ["--bogus"], ["check"], ["check", "x.arch", "--bogus"], ["chek", "x.arch"],
                                  ["check", "specs/spinenet49.arch", "-D", "x"],
                                  ["render", "specs/spinenet49.arch", "-o", "x.bmp"],
                                  ["compile", "specs/spinenet49S.arch", "-o", "x.h5"],
                                  ["sample", "--count", "0", "-o", "x"]], ids=str)
def test_2_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert "usage: archdsl" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "compile", "render", "hash", "fmt"])
@pytest.mark.parametrize("what,path,expected", [
    ("missing", "specs/no_such.arch", "no such file: specs/no_such.arch"),
    ("folder", "specs", "specs is a directory, not a spec file"),
])
def test_2_an_input_that_is_missing_or_a_folder(command, what, path, expected, capsys):
    argv = [command, path] + (["-o", "x.svg"] if command == "render" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_2_diff_a_spec_is_missing_or_broken(bad, capsys):
    assert main(["diff", "specs/spinenet49.arch", "specs/no_such.arch"]) == 2
    assert "no such file: specs/no_such.arch" in capsys.readouterr().err
    assert main(["diff", bad, "specs/spinenet49.arch"]) == 2  # as diff(1): trouble, not "different"
    assert "`conv` needs `filters`" in capsys.readouterr().err


def test_2_fmt_reports_the_other_files_too(tmp_path, capsys):
    messy = tmp_path / "messy.arch"
    messy.write_text("arch a(n=1){\ninput i: [8, 8, 3]\nreturn i\n}\n")
    assert main(["fmt", "--check", str(messy), str(tmp_path / "gone.arch")]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip() == str(messy) and "no such file" in captured.err


def test_130_interrupted(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(archdsl.cli.check, "run", interrupted)
    assert main(["check", "specs/spinenet49S.arch"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_1_a_missing_import_is_an_error_in_the_spec(tmp_path, capsys):
    spec = tmp_path / "a.arch"
    spec.write_text('import "gone.arch"\n')
    assert main(["check", str(spec)]) == 1
    assert "gone.arch" in capsys.readouterr().err


def test_2_an_unreadable_input(monkeypatch, capsys):
    import archdsl.cli.common as common

    monkeypatch.setattr(common.os, "access", lambda path, mode: False)  # root reads anything: pretend
    assert main(["check", "specs/spinenet49S.arch"]) == 2
    assert "cannot read specs/spinenet49S.arch: permission denied" in capsys.readouterr().err
