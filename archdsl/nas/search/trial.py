"""One trial, run in a worker process: load the candidate's spec, compile it, call the evaluator.

`run_trial(config)` never raises for a bad candidate or a failing evaluator: it returns
`{"metrics": {...}}` or `{"error": text}` (an `ArchError`'s rendered diagnostics, or the Python
traceback), so every failure is recorded in the store with its cause. When the worker can reach the
store (the same machine, or a shared file system) it writes its own result there before returning,
so a driver killed between the two writes loses nothing. Evaluators are named `module:function`
(`evaluate(model, arch, **options) -> dict` of numbers); `proxy` is the built-in one
(`archdsl.nas.search.proxy`).
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

PROXY = "archdsl.nas.search.proxy:evaluate"


def resolve(name: str) -> Callable[..., Any]:
    """The callable named `module:function` (`proxy`: the built-in proxy evaluator); ValueError otherwise."""
    name = PROXY if name == "proxy" else name
    module, sep, attr = name.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"expected module:function, got {name!r}")
    try:
        target = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import {name}: {exc}") from None
    if not callable(target):
        raise ValueError(f"{name} is not callable")
    return target


def _metrics(result: Any) -> dict[str, float]:
    if not isinstance(result, Mapping) or not result:
        raise TypeError(f"the evaluator must return a non-empty dict of numbers, got {type(result).__name__}")
    out = {}
    for key, value in result.items():
        number = float(value)  # numpy and TensorFlow scalars convert; anything else is the evaluator's bug
        if not math.isfinite(number):
            raise ValueError(f"metric {key!r} is {number}")
        out[str(key)] = number
    return out


def evaluate_spec(config: Mapping[str, Any]) -> dict[str, Any]:
    """Load, compile and evaluate the spec in `config` (keys: text, evaluator, options, paths, cwd)."""
    from archdsl.arch import load
    from archdsl.diagnostics import ArchError

    for path in reversed(config.get("paths", [])):
        if path not in sys.path:
            sys.path.insert(0, path)
    if config.get("cwd") and os.path.isdir(config["cwd"]):
        os.chdir(config["cwd"])  # Tune starts trials in their own folder; evaluators expect the user's
    try:
        with tempfile.TemporaryDirectory() as tmp:
            spec = os.path.join(tmp, "candidate.arch")
            with open(spec, "w") as f:
                f.write(config["text"])
            arch = load(spec)
        evaluator = resolve(config["evaluator"])
        model = arch.to_keras()
        return {"metrics": _metrics(evaluator(model, arch, **dict(config.get("options", {}))))}
    except ArchError as exc:
        return {"error": exc.render()}
    except Exception:  # noqa: BLE001  (any evaluator failure is a failed trial, recorded with its traceback)
        return {"error": traceback.format_exc(limit=20)}


def run_trial(config: Mapping[str, Any]) -> dict[str, Any]:
    """`evaluate_spec`, timed, with the result also written to the store when it is reachable."""
    start = time.time()
    result = evaluate_spec(config)
    result["seconds"] = time.time() - start
    store = config.get("store")
    if store and os.path.exists(os.path.join(store, "results.sqlite")):
        from archdsl.nas.search.store import Store
        s = Store(store)
        try:
            s.finish(config["hash"], result.get("metrics"), result.get("error"), result["seconds"], config["owner"])
        finally:
            s.close()
    return result
