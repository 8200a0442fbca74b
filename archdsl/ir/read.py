"""Reading spec files: regular files only, bounded, UTF-8, with every failure a located error.

A FIFO with no writer would block forever and `/dev/zero` never ends, so a file is opened without
blocking and checked with `fstat` on the open descriptor (nothing can be swapped in between);
only a regular file is read, and at most `max_file_bytes` + 1 bytes of it. Standard input is
read only when the user names it as `-`. Symlink loops and NUL bytes in paths, which make
Python raise `RuntimeError` and `ValueError`, are diagnostics like any other.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from archdsl.diagnostics import ArchError, Span, error
from archdsl.limits import DEFAULT

MAX_FILE_BYTES = DEFAULT.max_file_bytes
STDIN = "-"  # the main file's name that reads standard input


def read_spec(path: Path, span: Span | None = None, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A spec file's text, bounded by `max_bytes`, or an ArchError.

    Only regular files are read: the file is opened without blocking (a FIFO with no writer would
    otherwise wait forever) and checked with `fstat` on the open descriptor, so nothing can be
    swapped in between the check and the read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ArchError(error(f"no such file: {display(path)}", span)) from None
    except IsADirectoryError:
        raise ArchError(error(f"{display(path)} is a directory, not a spec file", span)) from None
    except ValueError:  # an embedded NUL byte
        raise ArchError(error(f"{shown(path)} is not a valid path (it holds a NUL byte)", span)) from None
    except OSError as exc:
        raise ArchError(error(f"cannot read {shown(path)}: {_why(exc)}", span)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise ArchError(error(f"{display(path)} is a directory, not a spec file", span))
        raise ArchError(error(f"{display(path)} is not a regular file ({_kind(mode)})", span,
                              hint=None if span else "archdsl reads spec files; give `-` to read standard input"))
    with os.fdopen(fd, "rb") as f:
        return _decode(f, path, span, max_bytes)


def read_stdin(max_bytes: int = MAX_FILE_BYTES) -> str:
    """Standard input, read because the user asked for it with `-` (bounded like a file)."""
    return _decode(sys.stdin.buffer, Path(STDIN), None, max_bytes)


def _decode(f: BinaryIO, path: Path, span: Span | None, max_bytes: int) -> str:
    try:
        data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ArchError(error(f"cannot read {shown(path)}: {_why(exc)}", span)) from None
    if len(data) > max_bytes:
        raise ArchError(error(f"{shown(path)} is larger than {max_bytes:,} bytes", span,
                              hint="the limit is max_file_bytes (--max-file-bytes)"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ArchError(error(f"{shown(path)} is not UTF-8 text", span)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links (a symlink loop?)"
    return exc.strerror or str(exc)


def resolved(path: Path, span: Span | None) -> Path:
    """`path.resolve()`, with a symlink loop or a NUL byte as a located error."""
    try:
        return path.resolve()
    except ValueError:
        raise ArchError(error(f"{shown(path)} is not a valid path (it holds a NUL byte)", span)) from None
    except (RuntimeError, OSError):  # Python < 3.13 raises RuntimeError for a loop
        raise ArchError(error(f"cannot read {shown(path)}: too many levels of symbolic links "
                              "(a symlink loop?)", span)) from None


def shown(path: Path) -> str:
    """A path for a message, with control characters (NUL included) escaped."""
    text = str(path)
    if text == STDIN:
        return "<stdin>"
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def display(path: Path) -> str:
    """Paths in diagnostics: relative to the working directory when below it."""
    if str(path) == STDIN:
        return "<stdin>"
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, RuntimeError, OSError):
        return shown(path)
