"""Atomic writes: a failure keeps the old file, new files get ordinary permissions, links are kept."""

from __future__ import annotations

import os
import stat

import pytest

from archdsl.fileio import Artifact, atomic_path, write_atomic

FILE = Artifact("test file", lambda path: True)  # these tests are about atomicity, not the guard
FOLDER = Artifact("test folder", lambda path: True, directory=True)


def test_new_file_gets_umask_permissions(tmp_path):
    write_atomic(tmp_path / "a.arch", "x", FILE)
    mode = stat.S_IMODE(os.stat(tmp_path / "a.arch").st_mode)
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask
    assert (tmp_path / "a.arch").read_text() == "x"


def test_replaced_file_keeps_its_mode_and_symlinks_survive(tmp_path):
    real = tmp_path / "real.arch"
    real.write_text("old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.arch"
    link.symlink_to(real)
    write_atomic(link, "new", FILE)
    assert link.is_symlink() and real.read_text() == "new"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


def test_failure_leaves_the_old_file_and_no_debris(tmp_path):
    dest = tmp_path / "model.keras"
    dest.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(dest, FILE) as tmp:
            tmp.write_text("half")
            raise RuntimeError("build failed")
    assert dest.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_directory_artifacts_are_swapped_whole(tmp_path):
    dest = tmp_path / "saved"
    dest.mkdir()
    (dest / "old.pb").write_text("old")
    with atomic_path(dest, FOLDER) as tmp:
        (tmp / "new.pb").write_text("new")
    assert sorted(p.name for p in dest.iterdir()) == ["new.pb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]
    with pytest.raises(RuntimeError):
        with atomic_path(dest, FOLDER) as tmp:
            raise RuntimeError
    assert sorted(p.name for p in dest.iterdir()) == ["new.pb"]
