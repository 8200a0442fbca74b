"""`archdsl check` from the command line: output formats, exit codes, and no TensorFlow import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from archdsl.cli import main


def test_check_json(capsys):
    assert main(["check", "specs/spinenet49.arch", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"] == 21_920_192 and data["trainable_params"] == 21_831_488
    assert data["outputs"] == {str(l): [640 // 2**l, 640 // 2**l, 256] for l in range(3, 8)}
    assert data["name"] == "spinenet49" and data["macs"] > 0


def test_check_table_and_summary(capsys):
    assert main(["check", "specs/spinenet49.arch", "--table", "-D", "input_size=256"]) == 0
    out = capsys.readouterr().out
    assert "b13.add" in out and "+b10 (orphan)" in out
    assert "total" in out and "21,920,192" in out
    assert out.strip().splitlines()[-1].startswith("spinenet49: ok, 21,920,192 params")


@pytest.mark.parametrize("argv", [
    ["check", "specs/spinenet190.arch", "--json"],
    ["render", "specs/spinenet49.arch", "-o", "{tmp}/x.dot"],
    ["fmt", "--check", "specs/spinenet.arch"],
    ["hash", "specs/spinenet49.arch"],
    ["diff", "specs/spinenet49.arch", "specs/spinenet49S.arch"],
    ["sample", "--space", "spinenet", "--count", "2", "--seed", "1", "-o", "{tmp}/s"],
], ids=lambda a: a[0])
def test_commands_other_than_compile_do_not_import_tensorflow(argv, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in argv]
    code = (f"import sys; from archdsl.cli import main; rc = main({argv!r}); assert rc in (0, 1), rc;"
            "bad = [m for m in ('tensorflow', 'tf_keras', 'keras') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_console_script_exit_codes(tmp_path):
    bad = tmp_path / "bad.arch"
    bad.write_text("arch x(input_size = 32) {\n  input i: [input_size, input_size, 3]\n  y = conv 1x1 <- i\n  return y\n}\n")
    run = lambda *a: subprocess.run([sys.executable, "-m", "archdsl.cli", *a], capture_output=True, text=True)
    assert run("check", "specs/spinenet49S.arch").returncode == 0
    failed = run("check", str(bad))
    assert failed.returncode == 1 and "`conv` needs `filters`" in failed.stderr
    assert run("check", "--bogus").returncode == 2


def test_compile_refuses_an_unwritable_output_before_building():
    code = ("import sys; from archdsl.cli import main;"
            "rc = main(['compile', 'specs/spinenet49S.arch', '-o', 'README.md/model.keras']); assert rc == 1, rc;"
            "assert 'tensorflow' not in sys.modules  # refused before TensorFlow is even imported")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "cannot write README.md/model.keras: " in done.stderr and "is not a directory" in done.stderr
