"""The benchmark scripts that need no TensorFlow run, so `benchmarks/run` cannot rot."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_paper_table_is_generated_and_within_goal():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_paper.py"), "--markdown"],
                         capture_output=True, text=True, check=True).stdout
    assert out.count("| retinanet_spinenet") == 4
    assert "**met**" in out  # every params/MACs difference within 0.5% of the paper


def test_efficientnet_paper_table_is_generated():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_paper.py"), "--efficientnet", "--markdown"],
                         capture_output=True, text=True, check=True).stdout
    assert out.count("| efficientnet_b") == 8
    assert "| efficientnet_b0 | 224 | 5.33 | 5.3 |" in out  # Keras's EfficientNetB0: 5,330,571 params
