"""`archdsl compile`: parse, check, lower to tf-keras, optionally XLA-compile and save.

Registered in `archdsl.cli` through `_EXTRA_COMMANDS`; TensorFlow is imported inside the handler
only. Progress goes to stderr, the summary (or one JSON object with `--json`) to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    from archdsl.cli import _spec_args

    p = sub.add_parser("compile", help="lower a spec to a tf-keras model; optionally XLA-compile and save it")
    _spec_args(p)
    p.add_argument("-o", dest="out", metavar="OUT",
                   help="write the model: OUT.keras (Keras format) or OUT/ (SavedModel with a serving signature)")
    p.add_argument("--xla", action="store_true", help="run one forward pass under XLA and report compile time")
    p.add_argument("--batch", type=int, default=1, help="batch size of the --xla dummy batch (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--dtype-policy", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   help="Keras dtype policy; model outputs (heads' final convs) stay float32")
    p.set_defaults(handler=cmd_compile)


def _progress(msg: str) -> None:
    print(f"archdsl: {msg}", file=sys.stderr, flush=True)


def _unwritable(out: str) -> str | None:
    """Why `out` cannot be written, or None. Missing parent directories are created by `save`,
    so the nearest existing ancestor must be a writable directory."""
    path = Path(out).resolve()
    if path.is_dir() and path.suffix == ".keras":
        return "it is a directory"
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{ancestor} is not writable"
    return None


def cmd_compile(args: argparse.Namespace) -> int:
    from archdsl.cli import load_arch, print_warnings, summary

    _progress(f"checking {args.file}")
    arch = load_arch(args, args.parser)
    print_warnings(arch)
    problem = _unwritable(args.out) if args.out else None
    if problem:  # say so now, not after minutes of building and compiling
        print(f"error: cannot write {args.out}: {problem}", file=sys.stderr)
        return 1
    _progress(f"{arch.name}: {arch.params:,} params; importing TensorFlow")
    # TensorFlow's C++ INFO lines (CPU features, XLA service start) drown the summary; a user
    # can still ask for them by setting TF_CPP_MIN_LOG_LEVEL themselves.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    from archdsl.lower.keras import to_keras
    from archdsl.lower.xla import XlaError, compile_forward

    _progress("building the tf-keras model")
    start = time.perf_counter()
    model = to_keras(arch, policy=args.dtype_policy)
    result: dict[str, Any] = {**summary(arch), "keras_params": model.count_params(),
                              "build_seconds": round(time.perf_counter() - start, 3)}
    if args.xla:
        _progress("compiling one forward pass with XLA (jit_compile=True)")
        try:
            report = compile_forward(model, args.batch)
        except XlaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        result["xla"] = {"compile_seconds": round(report.compile_seconds, 3),
                         "run_seconds": round(report.run_seconds, 4), "hlo_instructions": report.hlo_ops}
    if args.out:
        from archdsl.lower.artifacts import save, spec_bundle

        _progress(f"writing {args.out}")
        try:
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
    print(f"{r['name']}: {r['keras_params']:,} params, {r['macs'] / 1e9:.2f} G MACs; outputs {outs}")
    print(f"built in {r['build_seconds']:.2f} s")
    if "xla" in r:
        x = r["xla"]
        print(f"XLA: compiled in {x['compile_seconds']:.2f} s ({x['hlo_instructions']} HLO instructions); "
              f"forward pass {x['run_seconds'] * 1000:.1f} ms")
    if "artifact" in r:
        print(f"wrote {r['artifact']} (spec sha256 {r['spec_sha256'][:16]})")
