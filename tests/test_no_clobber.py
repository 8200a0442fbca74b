"""Never lose a user's file: every writer goes through `archdsl.fileio.check_target`, which replaces
only what archdsl wrote itself (an artifact of the same kind), never an input, a device or FIFO, or
a non-empty folder it did not make; SIGTERM cleans up like Ctrl-C. No TensorFlow: `compile` must
refuse before importing it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archdsl import ArchError
from archdsl.cli import main
from archdsl.fileio import Artifact, spec_in_place, write_atomic
from conftest import ROOT

TINY = "arch tiny(input_size = 32) {\n  input image: [input_size, input_size, 3]\n  c = conv 3x3 8 <- image\n  return c\n}\n"
NO_TF = ("tensorflow", "tf_keras", "archdsl.lower.keras", "archdsl.lower.xla")


@contextlib.contextmanager
def no_tensorflow():
    """Importing TensorFlow fails inside: a command that refuses late would raise ImportError."""
    with pytest.MonkeyPatch.context() as mp:
        for name in NO_TF:
            mp.setitem(sys.modules, name, None)
        yield


def snapshot(path: Path) -> object:
    """Everything a user could lose at `path`: kind, bytes, link targets, folder contents."""
    if path.is_symlink():
        return ("link", os.readlink(path), snapshot(path.resolve()) if path.resolve() != path else None)
    if path.is_fifo():
        return ("fifo",)
    if path.is_dir():
        return ("dir", {p.name: snapshot(p) for p in sorted(path.iterdir())})
    if path.is_file():
        return ("file", path.read_bytes(), os.stat(path).st_mode)
    return ("missing",)


@pytest.fixture
def work(tmp_path):
    (tmp_path / "ok.arch").write_text(TINY)
    return tmp_path


def _run(args: list[str], capsys) -> tuple[int, str]:
    with no_tensorflow():
        rc = main(args)
    return rc, capsys.readouterr().err


def test_compile_into_a_users_folder(work, capsys):
    user = work / "userdir"
    user.mkdir()
    (user / "precious.txt").write_text("precious")
    rc, err = _run(["compile", str(work / "ok.arch"), "-o", str(user)], capsys)
    assert rc == 1 and "non-empty folder that archdsl did not write" in err
    assert (user / "precious.txt").read_text() == "precious"


def test_compile_into_the_working_folder(work, capsys, monkeypatch):
    monkeypatch.chdir(work)
    before = snapshot(work)
    rc, err = _run(["compile", "ok.arch", "-o", "."], capsys)
    assert rc == 1 and "an input of this run" in err and snapshot(work) == before


def test_a_command_never_writes_over_its_input(work, capsys):
    spec = work / "victim.arch"
    spec.write_text(TINY)
    rc, err = _run(["compile", str(spec), "-o", str(spec)], capsys)
    assert rc == 2 and spec.read_text() == TINY  # `.arch` is no artifact format: a usage error
    bare = work / "victim"  # a name without an extension would be a SavedModel folder
    bare.write_text(TINY)
    rc, err = _run(["compile", str(bare), "-o", str(bare)], capsys)
    assert rc == 1 and "an input of this run" in err and bare.read_text() == TINY
    same = work / "same.dot"
    same.write_text(TINY)
    rc, err = _run(["render", str(same), "-o", str(same)], capsys)
    assert rc == 1 and "an input of this run" in err and same.read_text() == TINY
    # an import of the spec is an input too, and so is a hard link to it
    (work / "lib.arch").write_text(TINY.replace("arch tiny", "arch base"))
    (work / "main.arch").write_text('import "lib.arch"\narch tiny = base()\n')
    os.link(work / "lib.arch", work / "hard.dot")
    os.link(work / "lib.arch", work / "hard.keras")
    for command, out in (("compile", work / "hard.keras"), ("render", work / "hard.dot")):
        rc, err = _run([command, str(work / "main.arch"), "-o", str(out)], capsys)
        assert rc == 1 and "an input of this run" in err
    assert (work / "lib.arch").read_text().startswith("arch base")


@pytest.mark.parametrize("command", [["compile"], ["render"]])
def test_a_device_node_is_never_replaced(work, capsys, command):
    out = "/dev/null" if command == ["compile"] else str(work / "null.dot")
    if command == ["render"]:
        os.symlink("/dev/null", out)  # the link is followed to the device
    rc, err = _run([*command, str(work / "ok.arch"), "-o", out], capsys)
    assert rc == 1 and "not a regular file" in err
    assert Path("/dev/null").is_char_device()


def test_render_replaces_only_its_own_diagrams(work, capsys):
    for ext in ("dot", "svg"):
        out = work / f"d.{ext}"
        assert _run(["render", str(work / "ok.arch"), "-o", str(out)], capsys)[0] == 0
        assert _run(["render", str(work / "ok.arch"), "-o", str(out)], capsys)[0] == 0  # its own: replaced
        out.write_text("mine\n")
        rc, err = _run(["render", str(work / "ok.arch"), "-o", str(out)], capsys)
        assert rc == 1 and "archdsl did not write" in err and out.read_text() == "mine\n"
    assert sorted(p.name for p in work.iterdir()) == ["d.dot", "d.svg", "ok.arch"]


def _agrees(out: Path) -> list[dict]:
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{m['hash']}.arch" for m in manifest] + ["manifest.jsonl"])
    return manifest


def test_sample_into_an_earlier_sample_merges(work, capsys):
    out = work / "s"
    assert main(["sample", "--count", "3", "--seed", "1", "-o", str(out)]) == 0
    first = _agrees(out)
    assert main(["sample", "--count", "4", "--seed", "2", "-o", str(out)]) == 0
    merged = _agrees(out)
    assert merged[:3] == first and len(merged) == 7
    assert main(["sample", "--count", "3", "--seed", "1", "-o", str(out)]) == 0  # the same run again
    assert {m["hash"] for m in _agrees(out)} == {m["hash"] for m in merged}
    # A folder of another space, a folder with a user's file, a file: refused, left as they were.
    assert main(["sample", "--count", "1", "--blocks", "12", "-o", str(out)]) == 1
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    assert main(["sample", "--count", "1", "-o", str(out)]) == 1 and snapshot(out) == before
    assert main(["sample", "--count", "1", "-o", str(work / "ok.arch")]) == 1
    assert main(["sample", "--count", "1", "-o", str(work / "ok.arch" / "sub")]) == 1
    err = capsys.readouterr().err
    assert "it is a file; a sample folder" in err and "ok.arch is not a directory" in err
    assert "Traceback" not in err and (work / "ok.arch").read_text() == TINY


@pytest.mark.parametrize("batch", ["-1", "0", "100000000000000", "two"])
def test_an_xla_batch_out_of_range_is_a_usage_error(work, capsys, batch):
    rc, err = _run(["compile", str(work / "ok.arch"), "--xla", "--batch", batch], capsys)
    assert rc == 2 and "argument --batch" in err


def test_sample_after_a_killed_run_adopts_its_specs(work):
    out = work / "s"
    assert main(["sample", "--count", "3", "--seed", "1", "-o", str(out)]) == 0
    lines = (out / "manifest.jsonl").read_text().splitlines()
    (out / "manifest.jsonl").write_text(lines[0] + "\n")  # as if killed before the manifest was written
    (out / ".0123abcd.arch-x1y2z3.tmp.arch").write_text("half")  # and half way through a spec
    assert main(["sample", "--count", "1", "--seed", "9", "-o", str(out)]) == 0
    assert len(_agrees(out)) == 4


def test_fmt_write_keeps_an_edit_made_after_reading(work):
    spec = work / "ok.arch"
    spec.write_text("edited meanwhile\n")
    with pytest.raises(ArchError, match="archdsl did not write"):
        write_atomic(spec, TINY, spec_in_place("the text fmt read\n"))
    assert spec.read_text() == "edited meanwhile\n"
    write_atomic(spec, TINY, spec_in_place("edited meanwhile\n"))
    assert spec.read_text() == TINY


def test_fmt_write_skips_a_file_edited_meanwhile_and_goes_on(work, monkeypatch, capsys):
    import archdsl.cli.fmt as fmt_cli
    a, b = work / "a.arch", work / "b.arch"
    a.write_text(TINY.replace("  c =", "    c ="))
    b.write_text(TINY.replace("  c =", "    c ="))
    real = fmt_cli.format_source

    def editing(text, path):
        if path == str(a):
            a.write_text("# saved by an editor meanwhile\n" + text)
        return real(text, path)

    monkeypatch.setattr(fmt_cli, "format_source", editing)
    assert main(["fmt", "--write", str(a), str(b)]) == 1
    assert a.read_text().startswith("# saved by an editor meanwhile") and b.read_text() == TINY
    assert "cannot write" in capsys.readouterr().err


# -- the property: an existing target archdsl did not write survives every writing command -------

contents = st.binary(max_size=300)
existing = st.one_of(
    st.tuples(st.just("file"), contents),
    st.tuples(st.just("dir"), st.dictionaries(st.sampled_from(["a", "b.arch", "manifest.jsonl", "x.keras"]),
                                              contents, min_size=1)),
    st.tuples(st.just("link"), contents),
    st.tuples(st.just("fifo"), st.just(b"")),
)
commands = st.sampled_from([
    ("compile", "out.keras"), ("compile", "out"), ("compile", "out/"),
    ("render", "out.dot"), ("render", "out.svg"), ("render", "out.png"), ("render", "out.pdf"),
    ("sample", "out"),
])


def _make(path: Path, kind: str, data: object) -> None:
    if kind == "file":
        path.write_bytes(data)
    elif kind == "dir":
        path.mkdir()
        for name, body in data.items():
            (path / name).write_bytes(body)
    elif kind == "link":
        (path.parent / "real").write_bytes(data)
        path.symlink_to(path.parent / "real")
    else:
        os.mkfifo(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=existing, command=commands)
def test_an_existing_target_archdsl_did_not_write_is_left_intact(capsys, target, command):
    name, out = command
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ok.arch").write_text(TINY)
        dest = root / out.rstrip("/")
        _make(dest, *target)
        before = {p.name: snapshot(p) for p in root.iterdir()}
        args = {"compile": ["compile", str(root / "ok.arch")], "render": ["render", str(root / "ok.arch")],
                "sample": ["sample", "--count", "2"]}[name]
        with no_tensorflow():
            rc = main([*args, "-o", str(root / out)])
        assert rc == 1
        assert {p.name: snapshot(p) for p in root.iterdir()} == before  # and no temporary file beside it
    assert "Traceback" not in capsys.readouterr().err


# -- SIGTERM during a write cleans up as SIGINT does ------------------------------------------------

_SLOW_WRITE = """
import sys, time
from archdsl.fileio import Artifact, atomic_path
kind = Artifact("test", lambda p: True, directory=sys.argv[2] == "dir")
with atomic_path(sys.argv[1], kind) as tmp:
    (tmp / "part" if sys.argv[2] == "dir" else tmp).write_text("half")
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("what", ["file", "dir"])
def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path, what):
    dest = tmp_path / ("m.keras" if what == "file" else "sm")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITE, str(dest), what], stdout=subprocess.PIPE,
                            env=env, text=True)
    assert proc.stdout.readline() == "writing\n"
    assert len(os.listdir(tmp_path)) == 1  # the temporary file or folder exists now
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []


def test_sigterm_during_sample_leaves_a_folder_that_agrees(tmp_path):
    out = tmp_path / "s"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "archdsl.cli", "sample", "--count", "100000", "-o", str(out)],
                            env=env, stderr=subprocess.DEVNULL)
    specs = lambda: [p for p in out.glob("*.arch") if not p.name.startswith(".")]  # noqa: E731  (not temp files)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(specs()) < 3:
        time.sleep(0.05)
    finished = len(specs())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert len(_agrees(out)) >= finished >= 1


def test_the_highlighted_page_writer_is_guarded_too(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda out: subprocess.run([sys.executable, "-m", "archdsl.editors.pygments_lexer",  # noqa: E731
                                      str(ROOT / "docs" / "language.md"), "-o", str(out)], env=env,
                                     capture_output=True, text=True, timeout=60)
    assert run(tmp_path / "page.html").returncode == 0 and run(tmp_path / "page.html").returncode == 0
    (tmp_path / "mine.html").write_text("mine")
    proc = run(tmp_path / "mine.html")
    assert proc.returncode == 1 and "archdsl did not write" in proc.stderr
    assert (tmp_path / "mine.html").read_text() == "mine"


def test_no_module_moves_or_opens_a_file_for_writing_behind_the_guard():
    """Renames and `open(..., "w")` live in `archdsl.fileio` only: every other writer must use it.
    The exceptions write a new file in a fresh temporary folder or `mkstemp` file of their own."""
    import re
    scratch = {"archdsl/nas/search/nasfpn.py", "archdsl/nas/search/trial.py",  # a spec in a TemporaryDirectory
               "archdsl/cli/pages.py"}  # `view`'s page in a new mkstemp file
    renames = re.compile(r"os\.replace\(|os\.rename\(|shutil\.move\(")
    opens = re.compile(r"open\([^)]*[\"'][wax]b?[\"']")
    offenders = [rel for p in (ROOT / "archdsl").rglob("*.py") if p.name != "fileio.py"
                 for rel in [p.relative_to(ROOT).as_posix()]
                 if renames.search(p.read_text()) or (rel not in scratch and opens.search(p.read_text()))]
    assert offenders == []


def test_every_writer_names_its_kind():
    """The guard cannot be skipped: the atomic writers take the artifact kind as a required argument."""
    import inspect

    from archdsl.fileio import atomic_path
    for fn in (write_atomic, atomic_path):
        assert inspect.signature(fn).parameters["kind"].default is inspect.Parameter.empty
    assert Artifact("x", lambda p: True).directory is False
