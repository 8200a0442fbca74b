"""`check --target`: located deployability diagnostics from the support table, without TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys

import archdsl
import pytest
from archdsl.cli import main
from archdsl.deploy import TARGETS, Support, Verdict, check_target, support
from archdsl.deploy import check as check_mod
from archdsl.deploy.support import known_ops
from archdsl.ir import nodes as n

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


def test_every_row_names_every_target():
    attrs = {"act": n.ActAttrs("swish"), "conv": n.ConvAttrs(8)}
    for op in known_ops():
        assert set(support(op, attrs.get(op))) == set(TARGETS)


def test_check_target_imports_no_tensorflow():
    code = ("import sys; from archdsl.cli import main; "
            "rc = main(['check', 'specs/spinenet49S.arch', '--target', 'tflite']); "
            "assert 'tensorflow' not in sys.modules; sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
