"""`check --target` against the real converter on whole specs: a few specs that together hold every
op any spec in specs/ lowers to, at tiny sizes, converted to fp32 TFLite (and full int8 for the
cheap ones); the verdict must equal the converter's and every TFLite op emitted must be one the op
definitions' facts named. `python benchmarks/sweep_deploy.py` runs the same over every spec."""

from __future__ import annotations

import sys

import archdsl
import pytest
from archdsl.lower.plan import plan

from conftest import ROOT, SPECS

sys.path.insert(0, str(ROOT / "benchmarks"))
import sweep_deploy  # noqa: E402

pytestmark = pytest.mark.keras

# The fewest cheap specs whose primitive ops are every op of every spec (checked below).
CI_SPECS = ("segmentation_vit", "vit", "retinanet_mobile", "nasfpn", "deeplabv3plus_resnet50", "mask_scoring")
INT8 = ("segmentation_vit", "vit", "retinanet_mobile", "mask_scoring")


def _ops(path) -> set[str]:
    return {s.op for s in plan(archdsl.load(str(path), sweep_deploy.tiny(str(path))))}


def test_the_ci_specs_hold_every_op_of_every_spec():
    every = set().union(*(_ops(p) for p in SPECS))
    covered = set().union(*(_ops(ROOT / "specs" / f"{s}.arch") for s in CI_SPECS))
    assert every <= covered, f"ops no CI spec exercises: {sorted(every - covered)}"


@pytest.mark.parametrize("spec,target", [(s, "tflite") for s in CI_SPECS] + [(s, "tflite-int8") for s in INT8])
def test_check_verdict_matches_the_converter(spec, target):
    row = sweep_deploy.sweep_one(str(ROOT / "specs" / f"{spec}.arch"), target)
    assert row.predicted_ok == row.converted, (row.failing_nodes, row.error)
    assert not row.unnamed, f"TFLite ops no op definition's facts name: {row.unnamed}"
    assert row.emitted
