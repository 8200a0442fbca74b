"""Numbers that prove an export: how far an exported model's outputs are from the Keras model's.

For every output (keyed as the model's, nested keys joined with `/`): the max abs difference, the
output's scale (max abs of the reference), their ratio, and the signal-to-quantisation-noise ratio
in dB (10 log10 of signal power over error power), the usual figure for fp16 and int8 models.
A float32 export passes when every ratio is <= `FP32_TOLERANCE`; fp16 and int8 are reported, not
judged. NumPy only: no TensorFlow here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

FP32_TOLERANCE = 1e-4  # max abs diff relative to the output's scale (float32 round-off, deep nets)


@dataclass(frozen=True, slots=True)
class Figure:
    """The error of one output."""

    max_abs: float
    scale: float
    relative: float
    sqnr_db: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every output's error, the worst relative one, and whether a float32 export passes."""

    outputs: dict[str, Figure]
    batch: int

    @property
    def worst(self) -> tuple[str, Figure]:
        return max(self.outputs.items(), key=lambda kv: kv[1].relative)

    @property
    def max_abs(self) -> float:
        return max(f.max_abs for f in self.outputs.values())

    @property
    def min_sqnr_db(self) -> float:
        return min(f.sqnr_db for f in self.outputs.values())

    def passes(self, tolerance: float = FP32_TOLERANCE) -> bool:
        return self.worst[1].relative <= tolerance

    def to_json(self) -> dict[str, Any]:
        name, worst = self.worst
        return {"batch": self.batch, "max_abs": self.max_abs, "worst_output": name,
                "worst_relative": worst.relative, "min_sqnr_db": _finite(self.min_sqnr_db),
                "outputs": {k: {**asdict(f), "sqnr_db": _finite(f.sqnr_db)} for k, f in self.outputs.items()}}


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'scores': {'3': t}} -> {'scores/3': t}: the keys of the serving signatures."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def compare(reference: Mapping[str, Any], exported: Mapping[str, Any]) -> Comparison:
    """Figures for each output of `reference` (flat dicts of arrays with the same keys)."""
    missing = sorted(set(reference) - set(exported))
    if missing:
        raise ValueError(f"the exported model lacks outputs {', '.join(missing)}")
    figures = {}
    batch = 0
    for key, ref in reference.items():
        r = np.asarray(ref, dtype=np.float64)
        e = np.asarray(exported[key], dtype=np.float64)
        if r.shape != e.shape:
            raise ValueError(f"output {key}: exported shape {e.shape} != Keras shape {r.shape}")
        batch = r.shape[0] if r.ndim else 1
        err = np.abs(r - e)
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        max_abs = float(np.max(err)) if err.size else 0.0
        noise = float(np.mean(err**2)) if err.size else 0.0
        signal = float(np.mean(r**2)) if r.size else 0.0
        figures[key] = Figure(max_abs, scale, max_abs / scale if scale > 0 else max_abs,
                              _sqnr(signal, noise))
    return Comparison(figures, batch)


def _sqnr(signal: float, noise: float) -> float:
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal / noise)


def _finite(x: float) -> float | str:
    """JSON has no infinity: an exact match is written as the string 'inf'."""
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")
