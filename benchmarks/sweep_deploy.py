"""Every spec in specs/: `archdsl check --target` against what TensorFlow's converter really does.

    python benchmarks/sweep_deploy.py [--targets tflite,tflite-int8] [--only vit,efficientnet_b0] [--markdown]

Each spec is loaded at a tiny size (`TINY`: small input, narrow widths; depths and the op set as
written, which is what decides conversion), checked for the target without TensorFlow, built and
converted with TFLite builtins only (int8: full-integer kernels, calibrated on random images). The
check's verdict (ok / which nodes fail) must equal the converter's, and every TFLite op in the
converted model must be one the op definitions' deployment facts named for the model's primitive
ops (the converter may fuse some away: batch norms into convs, relus into their producers).
`tests/keras/test_deploy_specs.py` runs the same on a few specs that hold every op.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import archdsl  # noqa: E402
from archdsl.deploy import check_target, support  # noqa: E402
from archdsl.diagnostics import Severity  # noqa: E402
from archdsl.lower.plan import plan  # noqa: E402

_SPINE = {"input_size": 128, "filter_scale": 0.25, "endpoint_filters": 16}
_HEAD = {"head_filters": 16, "head_convs": 1, "num_classes": 3}
_MOBILE = {"input_size": 128, "filter_scale": 0.25, "endpoint_filters": 16}
_VIT = {"input_size": 32, "hidden_size": 16, "mlp_dim": 32, "num_heads": 2, "num_layers": 1}
_DILATED = {"input_size": 64}
# spec family (the file name up to the variant) -> overrides that keep it tiny
_FAMILIES: dict[str, dict[str, Any]] = {
    "spinenet_mobile": _MOBILE, "retinanet_spinenet_mobile": {**_MOBILE, **_HEAD},
    "retinanet_mobile": {**_MOBILE, **_HEAD},
    "spinenet": _SPINE, "retinanet_spinenet": {**_SPINE, **_HEAD}, "retinanet.arch": {**_SPINE, **_HEAD},
    # Model Garden's attribute config as it is: only the input and the classes are parameters
    "retinanet_spinenet49_depth.arch": {"input_size": 128, "num_classes": 3},
    "segmentation_vit": {**_VIT, "input_size": 64, "head_filters": 16, "head_convs": 1, "num_classes": 3},
    "segmentation": {**_SPINE, "head_filters": 16, "head_convs": 1, "num_classes": 3, "low_level_filters": 8},
    "vit_h14": {**_VIT, "input_size": 28}, "vit": _VIT,
    "resnet": {"input_size": 64, "depth_multiplier": 0.25},
    "retinanet_resnet50_nasfpn": {"input_size": 128, "num_repeats": 1, **_HEAD},
    "retinanet_resnet50_fpn": {"input_size": 128, **_HEAD},
    "fpn": {"input_size": 128, "filters": 16}, "nasfpn": {"input_size": 128, "filters": 16, "num_repeats": 1},
    "rpn": {"input_size": 128, "rpn_filters": 16}, "maskrcnn": {"input_size": 128, "rpn_filters": 16},
    "dilated_resnet": _DILATED, "aspp": _DILATED,
    "deeplabv3plus": {**_DILATED, "head_filters": 16, "head_convs": 1, "low_level_filters": 8, "num_classes": 3},
    "efficientnet": {"input_size": 64, "width_scale": 0.25}, "mobilenet": {"input_size": 64},
    "segmentation_spinenet49_mask_scoring": {"input_size": 128, "num_classes": 3, "head_convs": 1,
                                             "mask_scoring_convs": 1, "mask_scoring_filters": 16, "fc_dims": 32},
    "mask_scoring": {"input_size": 32, "num_classes": 3, "num_convs": 1, "num_filters": 16, "fc_dims": 32},
}


def tiny(path: str) -> dict[str, Any]:
    """The overrides of `path`'s family (the longest family name its file name starts with)."""
    name = os.path.basename(path)
    family = max((f for f in _FAMILIES if name.startswith(f.removesuffix(".arch"))
                  and (not f.endswith(".arch") or name == f)), key=len)
    return dict(_FAMILIES[family])


@dataclass
class Row:
    spec: str
    target: str
    predicted_ok: bool
    failing_nodes: tuple[str, ...]
    converted: bool
    emitted: tuple[str, ...] = ()
    unnamed: tuple[str, ...] = ()  # emitted TFLite ops no deployment fact named
    error: str = ""
    note: str = ""
    seconds: float = 0.0
    primitive_ops: tuple[str, ...] = field(default=())

    @property
    def agrees(self) -> bool:
        return self.predicted_ok == self.converted and not self.unnamed


def model_key(path: str) -> tuple[Any, ...]:
    """What decides conversion: the primitive steps of `path` at its tiny size (variants that the
    tiny overrides make into one model, e.g. ViT-B/16 and ViT-L/16, convert once)."""
    arch = archdsl.load(path, tiny(path))
    return (arch.shapes[arch.graph.topo_order()[0]],
            *((s.name, s.op, s.attrs, s.inputs) for s in plan(arch)))


def sweep_one(path: str, target: str, overrides: dict[str, Any] | None = None) -> Row:
    """The check's verdict for `path` at its tiny size and what the converter does with it."""
    import numpy as np
    import tf_keras
    from archdsl.lower import export, tflite
    from archdsl.lower.images import normalize, random_pixels

    start = time.perf_counter()
    arch = archdsl.load(path, tiny(path) if overrides is None else overrides)
    errors = [d for d in check_target(arch, target) if d.severity is Severity.ERROR]
    steps = list(plan(arch))
    named = {o for s in steps for o in support(s.op, s.attrs)["tflite"].lowers_to}
    tf_keras.backend.clear_session()
    model = arch.to_keras()
    serve = export.serving_functions(model)["float_image"]
    shape = export.input_shape(model)
    calibration = normalize(random_pixels(shape, 2, seed=1).astype("float32"))

    def data() -> Any:
        for image in calibration:
            yield [image[np.newaxis]]

    row = Row(os.path.relpath(path, ROOT), target, not errors, tuple(sorted({d.node or "" for d in errors})),
              False, primitive_ops=tuple(sorted({s.op for s in steps})))
    try:
        flatbuffer = tflite.convert(serve, model, "int8" if target == "tflite-int8" else None, data)
    except tflite.ConversionError as exc:
        row.error = str(exc).splitlines()[0][:200]
    else:
        row.converted = True
        row.emitted = tuple(sorted(set(tflite.op_names(flatbuffer))))
        if target == "tflite":  # int8 adds QUANTIZE / DEQUANTIZE at the float boundary
            row.unnamed = tuple(o for o in row.emitted if o not in named)
    row.seconds = time.perf_counter() - start
    return row


def specs(only: list[str] | None = None) -> list[str]:
    """Every spec, sorted; or the `only` ones, in the order given."""
    paths = sorted(glob.glob(os.path.join(ROOT, "specs", "*.arch")))
    if not only:
        return paths
    by_name = {os.path.basename(p).removesuffix(".arch"): p for p in paths}
    return [by_name[name] for name in only]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--targets", default="tflite", help="comma-separated: tflite, tflite-int8")
    p.add_argument("--only", default="", help="comma-separated spec names, run in this order (default: every spec)")
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    rows = []
    done: dict[tuple[Any, ...], Row] = {}
    for path in specs([s for s in a.only.split(",") if s]):
        key = model_key(path)
        for target in a.targets.split(","):
            same = done.get((target, *key))
            if same is None:
                row = sweep_one(path, target)
            else:
                row = dataclasses.replace(same, spec=os.path.relpath(path, ROOT), seconds=0.0,
                                          note=f"the same model as {same.spec} at this size")
            done.setdefault((target, *key), row)
            rows.append(row)
            verdict = "ok" if row.predicted_ok else f"fails at {', '.join(row.failing_nodes)}"
            print(f"{row.spec} [{target}]: check {verdict}; converter {'ok' if row.converted else 'fails'}"
                  + (f" ({row.error})" if row.error else "") + (f" [{row.note}]" if row.note else "")
                  + (f"; ops no fact names: {row.unnamed}" if row.unnamed else "")
                  + f" ({row.seconds:.0f} s){'' if row.agrees else '  <-- DISAGREE'}", file=sys.stderr, flush=True)
    bad = [r for r in rows if not r.agrees]
    if a.markdown:
        print("| spec | target | check | converter | TFLite ops | s |\n|---|---|---|---|---:|---:|")
        for r in rows:
            print(f"| {r.spec} | {r.target} | {'ok' if r.predicted_ok else 'fails'} | "
                  f"{'ok' if r.converted else 'fails'} | {len(r.emitted)} | {r.seconds:.0f} |")
    print(f"{len(rows) - len(bad)} of {len(rows)} (spec, target) pairs agree with the converter", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
