"""The one guard and the atomic write behind every file archdsl writes.

Rule: archdsl replaces only what it wrote itself. Before a command does its work, and again just
before the new file is moved into place, `check_target` refuses (with an `ArchError`) a destination
that is one of the run's inputs (or a folder holding one), a device node, FIFO or socket, a
non-empty folder that is not an archdsl artifact of the same kind, and a file that does not carry
the kind's marker (`archdsl.json` in a model, a header line in a diagram or sample spec, a manifest
in a sample folder). A missing path, and an empty folder for folder artifacts, are free to write.
A write goes to a temporary file (or directory) beside the destination and is moved into place
with `os.replace` only once complete; SIGTERM is turned into an exit that runs the same clean-up
as Ctrl-C, so no temporary file outlives an interrupted run. New files get ordinary permissions
(0666 less the umask); a replaced file keeps its mode. Symbolic links are followed: the file they
point to is checked and replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archdsl.diagnostics import ArchError, error


@dataclass(frozen=True)
class Artifact:
    """A kind of file archdsl writes: its name in messages, whether it is a folder, how an
    earlier one of the same kind is recognised (`ours`), and a hint on how to write one."""

    what: str
    ours: Callable[[Path], bool]
    directory: bool = False
    in_place: bool = False  # `fmt --write`: the destination is the input, rewritten as asked
    make_parents: bool = False  # create missing parent folders (else a missing one is an error)


def refuse(path: str | os.PathLike, why: str, hint: str | None = None) -> ArchError:
    return ArchError(error(f"cannot write {os.fspath(path)}: {why}", hint=hint))


def check_target(dest: str | os.PathLike, kind: Artifact, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """The resolved destination if `kind` may be written at `dest`, else an `ArchError` that says why."""
    try:
        target = Path(os.path.realpath(dest, strict=False))
    except (OSError, ValueError) as exc:  # a symlink loop, a NUL byte
        raise refuse(dest, str(exc)) from None
    if not kind.in_place:
        _not_an_input(dest, target, inputs)
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        _parent_writable(dest, target, kind.make_parents)
        return target
    except OSError as exc:
        raise refuse(dest, exc.strerror or str(exc)) from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise refuse(dest, "it is not a regular file (a device, FIFO or socket); archdsl replaces only files it "
                     "wrote itself")
    if kind.directory != stat.S_ISDIR(info.st_mode):
        found = "a folder" if stat.S_ISDIR(info.st_mode) else "a file"
        raise refuse(dest, f"it is {found}; a {kind.what} is {'a folder' if kind.directory else 'a file'}")
    if kind.directory and _empty(target):
        return target
    if not _safely(kind.ours, target):
        what = "a non-empty folder" if kind.directory else "a file"
        raise refuse(dest, f"it is {what} that archdsl did not write (not a {kind.what})",
                     hint="choose a new path, or remove it first if it really should go")
    _parent_writable(dest, target, False)
    return target


def _empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError:
        return False


def _safely(ours: Callable[[Path], bool], path: Path) -> bool:
    try:
        return ours(path)
    except Exception:  # a damaged or foreign file (a bad zip, bad JSON, no access): not one of ours
        return False


def _not_an_input(dest: str | os.PathLike, target: Path, inputs: Iterable[str | os.PathLike]) -> None:
    for given in inputs:
        src = Path(os.path.realpath(given))
        if src == target or target in src.parents or _same_file(src, target):
            raise refuse(dest, f"it {'is' if src == target else 'holds'} {given}, an input of this run")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # hard links and bind mounts
    except OSError:
        return False


def _parent_writable(dest: str | os.PathLike, target: Path, make_parents: bool) -> None:
    """The folder to write in must be writable; with `make_parents`, the nearest existing one."""
    ancestor = target.parent
    if not make_parents and not ancestor.exists():
        raise refuse(dest, f"the folder {ancestor} does not exist")
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise refuse(dest, f"{ancestor} is not a directory")
    try:  # tried, not inferred from permission bits: root passes every access check, yet cannot write /proc
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise refuse(dest, f"cannot create a file in {ancestor} ({exc.strerror or exc})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: every `finally` below removes its temp files


@contextlib.contextmanager
def sigterm_cleans_up() -> Iterator[None]:
    """While inside, SIGTERM exits through Python's unwinding (status 143) instead of killing the
    process on the spot, so temporary files are removed as on SIGINT. Only where SIGTERM still has
    its default action, and only in the main thread (the only one that can set handlers)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, kind: Artifact, inputs: Iterable[str | os.PathLike] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; fill it; on success it replaces `dest`.

    `check_target` runs before and again just before the replace (the build may take minutes). For
    a folder `kind` the temporary path is an empty directory; an existing destination folder is
    swapped out and removed only after the new one is in place."""
    inputs = list(inputs)
    target = check_target(dest, kind, inputs)
    if kind.make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}-"
    old: Path | None = None
    with sigterm_cleans_up():
        if kind.directory:
            tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        else:
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp" + target.suffix, dir=target.parent)
            os.close(fd)
            tmp = Path(name)
        try:
            yield tmp
            check_target(dest, kind, inputs)
            if target.exists():
                shutil.copymode(target, tmp)
            else:  # mkstemp and mkdtemp make private (0600, 0700) paths; a result gets the user's umask
                os.chmod(tmp, (0o777 if kind.directory else 0o666) & ~_umask())
            if kind.directory and target.exists():  # os.replace cannot replace a non-empty directory
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


def write_atomic(dest: str | os.PathLike, data: str | bytes, kind: Artifact,
                 inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Replace `dest`'s contents with `data` in one step (text is written as UTF-8, newlines kept)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(dest, kind, inputs) as tmp:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())


def head(path: Path, size: int = 4096) -> bytes:
    """The first `size` bytes of a regular file (markers are looked for there)."""
    with open(path, "rb") as f:
        return f.read(size)


def tail(path: Path, size: int = 4096) -> bytes:
    with open(path, "rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - size))
        return f.read(size)


# A file inside a folder the calling run made or already checked as its own (`archdsl search`'s
# store): the folder was guarded, so any file in it may be replaced.
OWN_FOLDER = Artifact("file in a folder of this run", lambda path: True)


def spec_in_place(expected: str) -> Artifact:
    """`fmt --write`: the user's own spec, replaced only while it still holds the text that was read
    (an editor's save in between is not lost)."""
    def unchanged(path: Path) -> bool:
        from archdsl.ir.read import read_spec
        try:
            return read_spec(path) == expected
        except ArchError:
            return False
    return Artifact("spec file", unchanged, in_place=True)
