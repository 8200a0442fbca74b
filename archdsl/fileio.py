"""Atomic file writes, used by every command that writes a user's file.

A write goes to a temporary file (or directory) beside the destination and is moved into place
with `os.replace` only once it is complete, so a reader, a crash or a failed build sees either the
old file or the whole new one, never a half-written or clobbered artifact. New files get ordinary
permissions (0666 less the umask; `mkstemp` would leave 0600); a replaced file keeps its mode.
Symbolic links are followed: the file they point to is replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; fill it; on success it replaces `dest`.

    With `directory=True` the temporary path is an empty directory (for SavedModels); an existing
    destination directory is swapped out and removed only after the new one is in place."""
    target = Path(os.path.realpath(dest))  # the destination's directory must exist
    prefix = f".{target.name}-"
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp" + target.suffix, dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    old: Path | None = None
    try:
        yield tmp
        if target.exists():
            shutil.copymode(target, tmp)
        else:  # mkstemp and mkdtemp make private (0600, 0700) paths; a result gets the user's umask
            os.chmod(tmp, (0o777 if directory else 0o666) & ~_umask())
        if directory and target.exists():  # os.replace cannot replace a non-empty directory
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent)) / "old"
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)  # put the previous artifact back
        raise
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)


def write_atomic(dest: str | os.PathLike, data: str | bytes) -> None:
    """Replace `dest`'s contents with `data` in one step (text is written as UTF-8, newlines kept)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
