"""`archdsl compile`: parse, check, lower to tf-keras, optionally XLA-compile and save.

TensorFlow is imported inside `run` only, after the spec is checked and the output is known to be
writable (its extension names the format; anything but `.keras` or a directory is refused).
Progress goes to stderr, the summary (or one JSON object with `--json`) to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from archdsl.cli.common import format_macs, load_arch, print_warnings, spec_args, summary, verbose_arg
from archdsl.cli.progress import phase
from archdsl.lower import tflog


def add_arguments(p: argparse.ArgumentParser) -> None:
    spec_args(p)
    p.add_argument("-o", dest="out", metavar="OUT",
                   help="write the model: OUT.keras (Keras format) or OUT/ (SavedModel with a serving "
                        "signature; also a name without an extension); other extensions are refused")
    p.add_argument("--xla", action="store_true", help="run one forward pass under XLA and report compile time")
    p.add_argument("--batch", type=_batch, default=1, metavar="N",
                   help=f"batch size of the --xla dummy batch, 1..{MAX_BATCH} (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--dtype-policy", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   help="Keras dtype policy; model outputs (heads' final convs) stay float32")
    verbose_arg(p)


MAX_BATCH = 4096  # a dummy batch for one compiled forward pass; more only exhausts memory


def _batch(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= value <= MAX_BATCH:
        raise argparse.ArgumentTypeError(f"expected 1..{MAX_BATCH}, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.out:
        from archdsl.lower.artifacts import artifact_format

        try:
            kind = artifact_format(args.out)
        except ValueError as exc:
            args.parser.error(str(exc))
    with phase(f"checking {args.file}"):
        arch = load_arch(args)
    print_warnings(arch, notes=args.verbose)
    if args.out:  # refuse now, not after minutes of building and compiling
        from archdsl.lower.artifacts import check_output
        check_output(args.out, arch)
    # TensorFlow's start-up chatter drowns the summary: quiet unless -v (archdsl.lower.tflog).
    tflog.configure(args.verbose)
    from archdsl.lower import require_keras

    with phase(f"{arch.name}: {arch.params:,} params; importing TensorFlow"):
        require_keras()  # without the keras extra: one clear error naming it, not an ImportError
        from archdsl.lower.keras import to_keras
        from archdsl.lower.xla import XlaError, compile_forward

    start = time.perf_counter()
    with phase("building the tf-keras model"):
        model = to_keras(arch, policy=args.dtype_policy)
    result: dict[str, Any] = {**summary(arch), "keras_params": model.count_params(),
                              "build_seconds": round(time.perf_counter() - start, 3)}
    if args.xla:
        try:
            with phase("compiling one forward pass with XLA (jit_compile=True)"):
                report = compile_forward(model, args.batch)
        except XlaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        result["xla"] = {"compile_seconds": round(report.compile_seconds, 3),
                         "run_seconds": round(report.run_seconds, 4), "hlo_instructions": report.hlo_ops}
    if args.out:
        from archdsl.lower.artifacts import save, spec_bundle

        what = "a Keras file" if kind == "keras" else "a SavedModel directory (this can take minutes)"
        try:
            with phase(f"writing {args.out}: {what}"):
                result["artifact"] = save(model, arch, args.out)
        except OSError as exc:  # e.g. a full disk; the atomic write left the old artifact alone
            print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        result["spec_sha256"] = spec_bundle(arch)["sha256"]
    _print(result, args.json)
    return 0


def _print(r: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(r))
        return
    outs = ", ".join(f"{k}: {'x'.join(map(str, v))}" for k, v in r["outputs"].items() if isinstance(v, list))
    print(f"{r['name']}: {r['keras_params']:,} params, {format_macs(r['macs'])}; outputs {outs}")
    print(f"built in {r['build_seconds']:.2f} s")
    if "xla" in r:
        x = r["xla"]
        print(f"XLA: compiled in {x['compile_seconds']:.2f} s ({x['hlo_instructions']} HLO instructions); "
              f"forward pass {x['run_seconds'] * 1000:.1f} ms")
    if "artifact" in r:
        print(f"wrote {r['artifact']} (spec sha256 {r['spec_sha256'][:16]})")
