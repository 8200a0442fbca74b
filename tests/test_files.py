"""Safe files: imports stay inside the spec search path (`..`, absolute paths, symlinks), nothing in
a spec is executed as code, and every artifact the fast commands write appears atomically."""

from __future__ import annotations

import json
import os
import re

import pytest

import archdsl
from archdsl import ArchError
from archdsl.cli import main
from conftest import ROOT

BASE = "arch base(input_size = 64) {\n  input image: [input_size, input_size, 3]\n  c = conv 3x3 8 <- image\n  return c\n}\n"


def _tree(tmp_path):
    specs, outside = tmp_path / "specs", tmp_path / "outside"
    specs.mkdir()
    outside.mkdir()
    (outside / "base.arch").write_text(BASE)
    (specs / "base.arch").write_text(BASE)
    return specs, outside


def _importing(specs, path: str):
    main_file = specs / "main.arch"
    main_file.write_text(f'import "{path}"\n\narch tiny = base(input_size = 32)\n')
    return main_file


def test_dotdot_import_is_refused(tmp_path):
    specs, _ = _tree(tmp_path)
    with pytest.raises(ArchError, match="leaves the spec search path"):
        archdsl.load(_importing(specs, "../outside/base.arch"))
    with pytest.raises(ArchError, match="leaves the spec search path"):  # in and out again
        archdsl.load(_importing(specs, "./../specs/../outside/base.arch"))


def test_absolute_import_is_refused(tmp_path):
    specs, outside = _tree(tmp_path)
    with pytest.raises(ArchError, match="imports must be relative paths"):
        archdsl.load(_importing(specs, str(outside / "base.arch")))
    with pytest.raises(ArchError, match="imports must be relative paths"):
        archdsl.load(_importing(specs, str(specs / "base.arch")))  # even inside the search path


def test_symlink_out_of_the_search_path_is_refused(tmp_path):
    specs, outside = _tree(tmp_path)
    (specs / "link.arch").symlink_to(outside / "base.arch")
    (specs / "dir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ArchError, match="leaves the spec search path"):
        archdsl.load(_importing(specs, "link.arch"))
    with pytest.raises(ArchError, match="leaves the spec search path"):
        archdsl.load(_importing(specs, "dir/base.arch"))


def test_imports_inside_the_search_path_work(tmp_path):
    specs, outside = _tree(tmp_path)
    (specs / "inside.arch").symlink_to(specs / "base.arch")
    assert archdsl.load(_importing(specs, "inside.arch")).outputs == {"output": (32, 32, 8)}
    # -I adds a directory: the same `..` import is then allowed.
    main_file = _importing(specs, "../outside/base.arch")
    assert archdsl.load(main_file, search_path=[str(specs), str(outside)]).params > 0
    assert main(["check", str(main_file), "-I", str(outside)]) == 0


def test_nothing_in_a_spec_runs_as_code(tmp_path, capsys):
    marker = tmp_path / "pwned"
    for expr in (f'__import__("os").system("touch {marker}")', "eval(1)", "exec(1)", "open(1)"):
        path = tmp_path / "evil.arch"
        path.write_text(BASE.replace("input_size = 64", f"input_size = 64, x = {expr}"))
        with pytest.raises(ArchError):
            archdsl.load(path)
    assert not marker.exists()
    # The evaluator's functions are a fixed table of pure math; the package never evals text.
    from archdsl.ir.expr import FUNCTIONS
    assert set(FUNCTIONS) == {"int", "float", "ceil", "floor", "round", "min", "max", "abs", "log", "exp", "pow",
                              "sqrt", "log2", "round_filters", "round_repeats", "make_divisible"}
    for py in (ROOT / "archdsl").rglob("*.py"):
        assert not re.search(r"(?<![\w.])(eval|exec|compile)\(", py.read_text()), py


def _agrees(out) -> list[dict]:
    """The folder's manifest lists exactly its specs (and nothing else is in it)."""
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([f"{m['hash']}.arch" for m in manifest] + ["manifest.jsonl"])  # no temp files
    return manifest


def test_sample_writes_atomically(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["sample", "--count", "3", "--seed", "1", "-o", str(out)]) == 0
    first = _agrees(out)
    # A run that fails half way keeps the earlier specs and lists the one it wrote: never a partial
    # or temporary file, never a spec the manifest does not name.
    import archdsl.nas.printer as sampling
    real, calls = sampling.print_topology, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sampling, "print_topology", failing)
    assert main(["sample", "--count", "3", "--seed", "2", "-o", str(out)]) == 130
    after = _agrees(out)
    assert after[:3] == first and len(after) == 4
