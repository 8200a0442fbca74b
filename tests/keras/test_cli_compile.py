"""`archdsl compile -o DIR/` end to end: a SavedModel directory with the user's umask, and progress
lines (not `\\r` rewrites) while it is written."""

from __future__ import annotations

import os
import stat

import archdsl
import pytest
from archdsl.cli import main
from archdsl.cli.common import format_macs

pytestmark = pytest.mark.keras


def test_compile_writes_a_savedmodel_with_the_umask_and_shows_progress(tmp_path, capsys):
    out = str(tmp_path / "sm") + os.sep
    old = os.umask(0o022)
    try:
        rc = main(["compile", "specs/spinenet49S.arch", "-D", "input_size=128", "-o", out])
    finally:
        os.umask(old)
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert stat.S_IMODE(os.stat(tmp_path / "sm").st_mode) == 0o755  # not mkdtemp's drwx------
    assert f"archdsl: writing {out}: a SavedModel directory" in captured.err and "\r" not in captured.err
    macs = format_macs(archdsl.load("specs/spinenet49S.arch", {"input_size": 128}).macs)
    assert f"wrote {tmp_path / 'sm'} " in captured.out and f"params, {macs}; outputs" in captured.out
