"""The op library: every op has every part; ops registered from Python and from an installed
plug-in's entry point work like built-ins; duplicate names are refused naming both origins."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import archdsl
from archdsl.ops import base, registry
from archdsl.ops.registry import all_ops, get_op, origin, register_op, unregister_op
from conftest import ROOT

PLUGIN = ROOT / "examples" / "archdsl_coordconv"
TYPES = {"int", "float", "bool", "string", "level"}


@pytest.mark.parametrize("op", [op.name for op in all_ops()])
def test_every_op_has_every_part(op):
    d = get_op(op)
    assert d.doc and "\n" not in d.doc and not d.doc.endswith("."), "a one-line doc, used in hints"
    assert dataclasses.is_dataclass(d.attrs) and d.attrs.__dataclass_params__.frozen
    assert all(p.type in TYPES for p in d.params)
    assert set(d.positional) <= {p.name for p in d.params}
    assert d.min_inputs <= (d.max_inputs if d.max_inputs is not None else d.min_inputs + 1)
    assert callable(d.level_step) and callable(d.shape) and callable(d.cost)
    # A primitive lowers itself; a composite lowers as the primitives it expands to.
    assert d.composite or d.lower is not base._no_lowering, f"`{op}` has no Keras builder"
    # the node budget charges a composite's layers before expanding it (a spec of huge block
    # groups is refused fast, not after building millions of layers)
    assert not d.composite or d.layers is not None, f"composite `{op}` does not bound its layers"
    assert origin(op).startswith("archdsl.ops.")


def test_builtin_table_names_each_module_s_ops():
    # registry.BUILTIN lets a lookup import one module; it must say exactly what each module defines
    import importlib

    for module, names in registry.BUILTIN.items():
        defined = tuple(op.name for op in importlib.import_module(f"archdsl.ops.{module}").OPS)
        assert defined == names, f"registry.BUILTIN[{module!r}]"
    files = {p.stem for p in (ROOT / "archdsl" / "ops").glob("*.py")}
    helpers = {"__init__", "base", "registry", "rules", "deploy"}
    assert files - helpers == set(registry.BUILTIN), "an op module missing from registry.BUILTIN"


def test_a_check_imports_only_the_op_modules_it_uses():
    code = ("import json, sys, archdsl; archdsl.load('specs/spinenet49.arch'); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('archdsl.ops.', 'importlib.metadata')))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = set(json.loads(done.stdout))
    assert "archdsl.ops.conv" in loaded and "archdsl.ops.blocks" in loaded
    # no transformer or token ops in a SpineNet, and no plug-in scan for a spec of built-ins
    assert not loaded & {"archdsl.ops.transformer", "archdsl.ops.tokens", "importlib.metadata"}


@pytest.fixture(autouse=True)
def _plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))


def test_registered_op_is_checked_like_a_builtin():
    import archdsl_coordconv

    register_op(archdsl_coordconv.ADD_COORDS)
    try:
        arch = archdsl.load(PLUGIN / "coordconv.arch")
        rows = {r.name: r for r in arch.table()}
        assert rows["coords"].op == "add_coords" and str(rows["coords"].shape) == "16x16x34"
        # the conv after it reads 34 channels: 3*3*34*32 weights + 32 biases
        assert rows["head.conv"].params == 3 * 3 * 34 * 32 + 32
        with pytest.raises(ValueError, match="defined twice: by register_op"):
            register_op(archdsl_coordconv.ADD_COORDS)
    finally:
        unregister_op("add_coords")
    with pytest.raises(archdsl.ArchError, match="unknown op `add_coords`"):
        archdsl.load(PLUGIN / "coordconv.arch")


def test_builtin_names_cannot_be_taken():
    conv = get_op("conv")
    with pytest.raises(ValueError, match="op `conv` is defined twice: by archdsl.ops.conv and by"):
        register_op(dataclasses.replace(conv))
    with pytest.raises(ValueError, match="built-in"):
        unregister_op("conv")


def _dist_info(root: Path, name: str, entry: str) -> None:
    d = root / f"{name.replace('-', '_')}-0.1.0.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (d / "entry_points.txt").write_text(f"[archdsl.ops]\n{entry}\n")


def _archdsl(args: list[str], path: list[Path]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(p) for p in path] + [str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "archdsl.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_installed_plugin_is_found_through_its_entry_point(tmp_path):
    """What `pip install examples/archdsl_coordconv` makes: metadata naming the op."""
    _dist_info(tmp_path, "archdsl-coordconv", "add_coords = archdsl_coordconv:ADD_COORDS")
    done = _archdsl(["check", str(PLUGIN / "coordconv.arch"), "--json"], [tmp_path, PLUGIN])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["params"] == 49_674


def test_two_plugins_claiming_one_name_are_refused_naming_both(tmp_path):
    _dist_info(tmp_path, "archdsl-coordconv", "add_coords = archdsl_coordconv:ADD_COORDS")
    _dist_info(tmp_path, "other-coords", "add_coords = archdsl_coordconv:ADD_COORDS")
    done = _archdsl(["check", str(PLUGIN / "coordconv.arch")], [tmp_path, PLUGIN])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "archdsl-coordconv" in done.stderr and "other-coords" in done.stderr


def test_a_width_that_rounds_to_zero_is_a_located_error():
    """`-D alpha=0.001` on SpineNet: the resampling path's 1x1 conv would get 0 filters."""
    with pytest.raises(archdsl.ArchError) as exc:
        archdsl.load(ROOT / "specs" / "spinenet49.arch", {"alpha": 0.001})
    text = exc.value.render()
    assert "alpha 0.001 times the parent's width 64 leaves 0 channels" in text
    assert "spinenet.arch:37:" in text and "Traceback" not in text


@pytest.mark.parametrize("line, message", [
    ("x = conv 3x3 /2 0 <- image", "filters must be a positive integer, got 0"),
    ('x = conv 3x3 8 init="evil" <- image', "unknown initializer 'evil'"),
    ('x = conv 3x3 8 init="normal(nan)" <- image', "the standard deviation must be a positive finite number"),
    ("x = maxpool 3x3 /0 <- image", "stride must be a positive integer, got 0"),
    ("x = add <- image", "needs at least 2 inputs, got 1 input"),
])
def test_op_values_are_checked_by_their_definition(tmp_path, line, message):
    spec = tmp_path / "bad.arch"
    spec.write_text(f"arch bad() {{\n  input image: [32, 32, 3]\n  {line}\n  return x\n}}\n")
    with pytest.raises(archdsl.ArchError) as exc:
        archdsl.load(spec)
    text = exc.value.render()
    assert message in text and "bad.arch:3:" in text


@pytest.mark.parametrize("second, message", [
    ("maxpool 2x2 -> conv 1x1 8 share=tower", "differs in settings"),
    ("maxpool 2x2 -> conv 3x3 8 share=tower", None),  # the same conv on another level: fine
])
def test_shared_layers_must_match(tmp_path, second, message):
    spec = tmp_path / "share.arch"
    spec.write_text("arch s() {\n  input image: [32, 32, 3]\n  a = conv 3x3 8 share=tower <- image\n"
                    f"  b = {second} <- image\n  return {{x: a, y: b}}\n}}\n")
    if message is None:
        assert archdsl.load(spec).params == 3 * 3 * 3 * 8  # counted once
        return
    with pytest.raises(archdsl.ArchError, match=message) as exc:
        archdsl.load(spec)
    assert "share.arch:4:" in exc.value.render()


def test_shared_conv_on_another_input_width_is_an_error(tmp_path):
    spec = tmp_path / "share.arch"
    spec.write_text("arch s() {\n  input image: [32, 32, 3]\n  a = conv 3x3 8 share=t <- image\n"
                    "  b = conv 3x3 8 share=t <- a\n  return b\n}\n")
    with pytest.raises(archdsl.ArchError, match=r"input width \(8 vs 3 channels\)"):
        archdsl.load(spec)


def test_a_built_in_name_is_taken_before_its_module_is_imported():
    # lookups import op modules lazily; registering `dense` first must still clash with the built-in
    code = ("import dataclasses, sys; from archdsl.ops.registry import find_op, register_op, DuplicateOp\n"
            "conv = find_op('conv'); assert 'archdsl.ops.transformer' not in sys.modules\n"
            "try:\n    register_op(dataclasses.replace(conv, name='dense'))\nexcept DuplicateOp as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "op `dense` is defined twice: by archdsl.ops.transformer" in done.stdout
