"""The command line's manners: --version, suggestions, per-subcommand usage, help on every option,
compile's -o refused early, diff's header and order, sample's progress, MAC units, `--table --json`."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import time
from pathlib import Path

import archdsl
import pytest
from archdsl.cli import build_parser, main
from archdsl.cli import progress as progress_module
from archdsl.cli.common import format_macs

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_version(capsys):
    assert main(["--version"]) == 0
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert capsys.readouterr().out.strip() == f"archdsl {version}" == f"archdsl {archdsl.__version__}"


@pytest.mark.parametrize("typo,meant", [("chek", "check"), ("complie", "compile"), ("sampel", "sample")])
def test_a_misspelled_command_gets_a_suggestion(typo, meant, capsys):
    assert main([typo, "specs/spinenet49.arch"]) == 2
    assert f"did you mean `{meant}`?" in capsys.readouterr().err


@pytest.mark.parametrize("argv,command", [
    (["check", "specs/spinenet49.arch", "-D", "x"], "check"),          # found by the handler
    (["render", "specs/spinenet49.arch", "-o", "x.bmp"], "render"),
    (["sample", "--count", "2", "--shard", "3/2", "-o", "x"], "sample"),
    (["diff", "specs/spinenet49.arch"], "diff"),                        # found by argparse
])
def test_a_subcommand_usage_error_prints_that_subcommands_usage(argv, command, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: archdsl {command} ") and f"archdsl {command}: error:" in err


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.help != "==SUPPRESS==":
                assert action.help, (name, action.option_strings or action.dest)


def test_sample_budget_flags_are_not_the_limit_flags(tmp_path, capsys):
    assert main(["sample", "--count", "2", "--max-params", "5e6", "-o", str(tmp_path)]) == 2
    assert "sample's budget is --budget-params" in capsys.readouterr().err
    assert main(["sample", "--count", "2", "--budget-params", "1e3", "-o", str(tmp_path / "s")]) == 1
    assert "stopped: only 0 distinct candidates within budget; wrote 0 specs to" in capsys.readouterr().err


def test_sample_progress_in_a_log_is_plain_lines(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["sample", "--count", "20", "--seed", "3", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0] == "sample: 2/20 (2 written)" and "sample: 20/20 (20 written)" in lines
    assert len(lines) == 11 and lines[-1] == f"wrote 20 specs to {out}"
    assert len(list(out.glob("*.arch"))) == 20


def test_sample_progress_on_a_terminal_is_a_live_bar(tmp_path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["sample", "--count", "5", "--seed", "3", "-o", str(tmp_path)]) == 0
    text = terminal.getvalue()
    assert "\r" in text and "5/5" in text and text.endswith(f"wrote 5 specs to {tmp_path}\n")


def test_a_long_phase_says_it_is_still_working(monkeypatch, capsys):
    monkeypatch.setattr(progress_module, "HEARTBEAT", 0.05)
    with progress_module.phase("writing x"):
        time.sleep(0.3)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "archdsl: writing x" and "archdsl: writing x: still working (0 s)" in lines[1:]


def test_a_phase_on_a_terminal_ends_with_its_time(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_module.phase("writing x"):
        time.sleep(0.1)
    assert terminal.getvalue().splitlines()[-1].startswith("archdsl: writing x (0.")


def test_compile_refuses_an_unknown_extension_before_loading(capsys):
    assert main(["compile", "specs/no_such.arch", "-o", "model.h5"]) == 2  # usage first, then the spec
    err = capsys.readouterr().err
    assert err.startswith("usage: archdsl compile") and "use OUT.keras for a Keras file" in err


@pytest.mark.parametrize("out,kind", [("m.keras", "keras"), ("m/", "savedmodel"), ("m", "savedmodel"),
                                      ("m.keras/", "savedmodel"), ("runs/v1.0/", "savedmodel")])
def test_artifact_format(out, kind):
    from archdsl.lower.artifacts import artifact_format

    assert artifact_format(out) == kind


def test_a_savedmodel_directory_gets_the_umask(tmp_path):
    from archdsl.fileio import atomic_path

    old = os.umask(0o027)
    try:
        with atomic_path(tmp_path / "sm", directory=True) as tmp:
            (tmp / "saved_model.pb").write_bytes(b"")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "sm").st_mode) == 0o750


def test_compile_has_a_verbose_flag_and_is_quiet_by_default(monkeypatch):
    from archdsl.lower import tflog  # what compile calls with args.verbose (tests/test_tflog.py has the rest)

    args = build_parser().parse_args(["compile", "specs/spinenet49S.arch", "-v"])
    assert args.verbose is True
    monkeypatch.setattr(tflog, "_verbose", None)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "")  # recorded, so the teardown restores the original
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    tflog.configure(verbose=True)
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    tflog.configure(verbose=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    tflog.configure(verbose=True)  # drops the log filters again


def test_diff_names_a_and_b_and_follows_the_spec(capsys):
    assert main(["diff", "specs/spinenet49.arch", "specs/spinenet49S.arch"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["--- A: specs/spinenet49.arch", "+++ B: specs/spinenet49S.arch"]
    order = {name: i for i, name in enumerate(archdsl.load("specs/spinenet49.arch").graph.names())}
    changed = [line[2:].split(":")[0] for line in lines if line.startswith("~ ")]
    assert len(changed) > 10 and [order[n] for n in changed] == sorted(order[n] for n in changed)


def test_diff_edges_follow_the_spec(tmp_path, capsys):
    head = "arch t() {\n  input i: [8, 8, 4]\n  a = conv 1x1 4 <- i\n  b = conv 1x1 4 <- i\n"
    (tmp_path / "a.arch").write_text(head + "  c = add <- a, b\n  d = add <- c, b\n  return d\n}\n")
    (tmp_path / "b.arch").write_text(head + "  c = add <- a, i\n  d = add <- c, a\n  return d\n}\n")
    assert main(["diff", str(tmp_path / "a.arch"), str(tmp_path / "b.arch")]) == 1
    out = capsys.readouterr().out
    edges = [line for line in out.splitlines() if " edge " in line]  # by consumer, then input, in spec order
    assert edges == ["- edge i -> b", "- edge b -> c", "- edge b -> d", "+ edge i -> c", "+ edge a -> d"]


@pytest.mark.parametrize("macs,text", [(0, "0 MACs"), (880, "880 MACs"), (1_500, "1.50 K MACs"),
                                       (999_999, "1.00 M MACs"), (12_345_678, "12.35 M MACs"),
                                       (28_260_000_000, "28.26 G MACs"), (4_070_000_000, "4.07 G MACs"),
                                       (1_234_567_000_000, "1,234.57 G MACs")])
def test_macs_in_the_unit_that_fits(macs, text):
    assert format_macs(macs) == text


def test_a_small_model_does_not_read_as_zero_g_macs(tmp_path, capsys):
    spec = tmp_path / "small.arch"
    spec.write_text("arch small() {\n  input i: [8, 8, 3]\n  y = conv 1x1 4 <- i\n  return y\n}\n")
    assert main(["check", str(spec)]) == 0
    assert "768 MACs" in capsys.readouterr().out


def test_check_table_json_keeps_the_table(capsys):
    assert main(["check", "specs/spinenet49S.arch", "--table", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data["table"]
    assert rows[0]["node"] == "image" and rows[0]["shape"] == [640, 640, 3]
    assert sum(r["params"] for r in rows) == data["params"] and sum(r["macs"] for r in rows) == data["macs"]
    assert any(r["orphans"] for r in rows)
