"""`check --target`: located deployability diagnostics from the op definitions' facts, without TensorFlow."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import archdsl
import pytest
from archdsl.cli import main
from archdsl.deploy import TARGETS, Deploy, Problem, Support, Verdict, check_target, support
from archdsl.deploy import check as check_mod
from archdsl.ir import nodes as n
from archdsl.ops.registry import all_ops, get_op, origin, register_op, unregister_op

from conftest import ROOT

SEG = ["specs/segmentation_spinenet49.arch", "-D", "input_size=128"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_current_spec_op_deploys(target, capsys):
    assert main(["check", *SEG, "--target", target]) == 0
    assert f"deploys to {target}" in capsys.readouterr().out


def test_a_failing_op_is_reported_at_its_spec_line(monkeypatch, capsys):
    real = support

    def select_only_maxpool(op, attrs=None):
        row = real(op, attrs)
        if op == "maxpool":
            row["tflite"] = Support(Verdict.NEEDS_SELECT, ("MaxPool",), "pretend MaxPool is a Select op",
                                    "use a stride-2 conv")
        return row

    monkeypatch.setattr(check_mod, "support", select_only_maxpool)
    assert main(["check", *SEG, "--target", "tflite"]) == 1
    err = capsys.readouterr().err
    # The stem's max pool, at its line in the SpineNet spec, and the resample paths that pool.
    assert "`backbone.stem`: maxpool needs TF Select ops (not TFLite builtins) on tflite" in err
    assert "spinenet.arch:29:41" in err and "hint: use a stride-2 conv" in err
    assert main(["check", *SEG, "--target", "tflite-int8"]) == 0  # the other targets are unaffected


def test_unknown_ops_warn_and_json(monkeypatch, capsys):
    monkeypatch.setattr(check_mod, "support", lambda op, attrs=None: support("no-such-op"))
    assert main(["check", *SEG, "--target", "xla", "--json"]) == 0  # warnings do not fail the check
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["problems"] and report["problems"][0]["severity"] == "warning"


def test_flatbuffer_size_limit(monkeypatch):
    monkeypatch.setattr(check_mod, "FLATBUFFER_LIMIT", 10_000_000)
    arch = archdsl.load("specs/spinenet49S.arch", {"input_size": 128})
    assert any("2 GiB" in d.message for d in check_target(arch, "tflite"))
    assert not check_target(arch, "tflite-int8")  # 9.1 M int8 weights fit the (patched) limit
    assert not check_target(arch, "xla")


def test_every_builtin_primitive_op_has_facts():
    """So `check --target` gives a verdict, not a warning, for a spec of built-in ops (a composite's
    facts are those of the ops it expands to)."""
    missing = [op.name for op in all_ops() if not op.composite and op.deploy is None
               and origin(op.name).startswith("archdsl.ops.")]
    assert not missing, f"built-in ops without deployment facts: {missing}"
    for name, attrs in {"act": n.ActAttrs("swish"), "conv": n.ConvAttrs(8), "add": n.NoAttrs()}.items():
        assert set(support(name, attrs)) == set(TARGETS) and all(s.ok for s in support(name, attrs).values())


def test_a_plugin_op_declares_its_own_facts(monkeypatch, capsys):
    """A plug-in's OpDef carries its facts; the check reads them as it reads a built-in's."""
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "archdsl_coordconv"))
    import archdsl_coordconv

    no_int8 = Deploy(("CONCATENATION",), {"tflite-int8": Problem(Verdict.NO_INT8, "pretend: no int8 coordinates",
                                                                  "add the coordinates in float")})
    register_op(dataclasses.replace(archdsl_coordconv.ADD_COORDS, deploy=no_int8))
    spec = str(ROOT / "examples" / "archdsl_coordconv" / "coordconv.arch")
    try:
        assert main(["check", spec, "--target", "tflite"]) == 0
        assert main(["check", spec, "--target", "tflite-int8"]) == 1
        err = capsys.readouterr().err
        assert "`coords`: add_coords has no int8 kernel on tflite-int8: pretend: no int8 coordinates" in err
        assert "coordconv.arch:9:12" in err and "hint: add the coordinates in float" in err
    finally:
        unregister_op("add_coords")
    register_op(dataclasses.replace(archdsl_coordconv.ADD_COORDS, deploy=None))
    try:  # without facts: a warning, not a failure
        assert main(["check", spec, "--target", "xla"]) == 0
        assert "no deployment facts are recorded for `add_coords`" in capsys.readouterr().err
    finally:
        unregister_op("add_coords")


def test_facts_are_for_primitives_and_known_targets():
    with pytest.raises(ValueError, match="composite's deployment facts are its expansion's"):
        dataclasses.replace(get_op("mbconv"), deploy=Deploy())
    with pytest.raises(ValueError, match="unknown deployment target 'tpu'"):
        Deploy(unsupported={"tpu": Problem(Verdict.NO_XLA, "no")})
    with pytest.raises(ValueError, match="failing verdict"):
        Problem(Verdict.OK, "fine")


def test_check_target_imports_no_tensorflow():
    code = ("import sys; from archdsl.cli import main; "
            "rc = main(['check', 'specs/spinenet49S.arch', '--target', 'tflite']); "
            "assert 'tensorflow' not in sys.modules; sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
