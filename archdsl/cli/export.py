"""`archdsl export`: a spec (compiled first) or a `compile` artifact to SavedModel or TFLite.

TensorFlow is imported inside `run` only. Every export is verified on a batch against the Keras model (see
`archdsl.lower.export`): exit 1 when a float32 export is off by more than round-off or the
converter refuses the model, 0 otherwise; error figures go to stdout (one JSON object with
`--json`), progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archdsl.cli.common import load_arch, print_warnings, spec_args, verbose_arg


def add_arguments(p: Any) -> None:
    spec_args(p)
    p.add_argument("--to", required=True, choices=("savedmodel", "tflite"), help="the artifact kind")
    p.add_argument("-o", dest="out", metavar="OUT",
                   help="output path (default NAME_savedmodel/ or NAME[_fp16|_int8].tflite; an explicit "
                        "OUT is replaced atomically)")
    p.add_argument("--quantize", choices=("fp16", "int8"), help="TFLite only: fp16 weights or full int8")
    p.add_argument("--calibration", metavar="N|DATASET", default="8",
                   help="int8 calibration: N random images, or a directory of images / a .npy array (default 8)")
    p.add_argument("--fold-bn", action="store_true", help="fold batch norms into the convs before exporting")
    p.add_argument("--signature", choices=("image_tensor", "image_bytes"), default="image_tensor",
                   help="SavedModel: what serving_default takes, uint8 pixels or encoded images (default "
                        "image_tensor); float_image, image_tensor and image_bytes are always there")
    p.add_argument("--dtype-policy", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   help="build a spec under this Keras dtype policy (outputs stay float32); SavedModel only")
    p.add_argument("--batch", type=int, default=2, help="images in the verification batch (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    verbose_arg(p)


def _progress(msg: str) -> None:
    print(f"archdsl: {msg}", file=sys.stderr, flush=True)


def is_artifact(path: str) -> bool:
    p = Path(path)
    return (p.is_file() and p.suffix == ".keras") or (p / "assets.extra" / "archdsl.json").is_file()


def _default_out(name: str, to: str, quantize: str | None) -> str:
    if to == "savedmodel":
        return f"{name}_savedmodel"
    return f"{name}{'_' + quantize if quantize else ''}.tflite"


def run(args: argparse.Namespace) -> int:
    if args.quantize and args.to != "tflite":
        args.parser.error("--quantize applies to --to tflite only")
    if args.dtype_policy not in (None, "float32") and args.to != "savedmodel":
        args.parser.error("--dtype-policy applies to --to savedmodel (TFLite chooses precision with --quantize)")
    if args.fold_bn and args.dtype_policy not in (None, "float32"):
        args.parser.error("--fold-bn folds float32 weights; it does not combine with a mixed --dtype-policy")
    if args.batch < 1:
        args.parser.error("--batch must be at least 1")
    artifact = is_artifact(args.file)
    if artifact and args.defines:
        args.parser.error("-D applies to a spec; an artifact carries its own overrides")
    arch = None
    if not artifact:
        _progress(f"checking {args.file}")
        arch = load_arch(args)
        print_warnings(arch)
    from archdsl.lower import require_keras, tflog

    tflog.configure(args.verbose)
    _progress("importing TensorFlow")
    require_keras()
    from archdsl.lower.export import ExportMismatch, require_exact
    from archdsl.lower.tflite import ConversionError

    model, arch = _model(args.file, arch, args.dtype_policy)
    out = args.out or _default_out(arch.name, args.to, args.quantize)
    try:
        report = _export(args, model, arch, out)
        require_exact(report)
    except ConversionError as exc:
        print(f"error: the TFLite converter refused {arch.name}:\n{exc}", file=sys.stderr)
        print(f"hint: `archdsl check --target tflite{'-int8' if args.quantize == 'int8' else ''} "
              f"{args.file}` names the ops at their spec lines", file=sys.stderr)
        return 1
    except ExportMismatch as exc:
        print(f"error: wrote {out}, but it does not match the Keras model: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # an unusable calibration dataset
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print(report.to_json(), args.json)
    return 0


def _model(path: str, arch: Any, policy: str | None) -> tuple[Any, Any]:
    if arch is None:
        from archdsl.lower.artifacts import load_model

        _progress(f"loading {path}")
        return load_model(path)
    from archdsl.lower.keras import to_keras

    _progress("building the tf-keras model")
    return to_keras(arch, policy=policy), arch


def _export(args: argparse.Namespace, model: Any, arch: Any, out: str) -> Any:
    from archdsl.lower.export import export_savedmodel, export_tflite, input_shape
    from archdsl.lower.images import dataset_pixels, random_pixels

    shape = input_shape(model)
    pixels = random_pixels(shape, args.batch, seed=0)
    calibration = None
    if args.quantize == "int8":
        given = args.calibration
        calibration = (random_pixels(shape, int(given), seed=1) if given.isdigit()
                       else dataset_pixels(given, shape))
        if len(calibration) == 0:
            raise ValueError("--calibration needs at least one image")
    check = model
    if args.fold_bn:
        from archdsl.lower.fold import fold_batch_norms

        _progress("folding batch norms into convs")
        model = fold_batch_norms(model, arch)
    _progress(f"exporting to {out} and verifying it on {args.batch} images")
    if args.to == "savedmodel":
        return export_savedmodel(model, arch, out, pixels, check=check, signature=args.signature)
    return export_tflite(model, arch, out, pixels, check=check, quantize=args.quantize, calibration=calibration)


def _print(r: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(r))
        return
    print(f"wrote {r['artifact']} ({r['to']}{', ' + r['quantize'] if r['quantize'] != 'none' else ''}; "
          f"spec sha256 {r['spec_sha256'][:16]})")
    for sig, c in r["verification"].items():
        verdict = "" if "passed" not in r else ("  ok" if c["worst_relative"] <= 1e-4 else "  FAILED")
        sqnr = c["min_sqnr_db"] if isinstance(c["min_sqnr_db"], str) else f"{c['min_sqnr_db']:.1f}"
        print(f"  {sig}: max abs diff {c['max_abs']:.3g} (worst {c['worst_output']}: {c['worst_relative']:.3g} "
              f"of its scale), min SQNR {sqnr} dB on {c['batch']} images{verdict}")
