"""The benchmark scripts that need no TensorFlow run, so `benchmarks/run` cannot rot."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, SPECS


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


def test_every_spec_loads_at_its_tiny_size():
    """`sweep_deploy.tiny` gives each spec the overrides its family takes; a spec whose family
    guess is wrong (e.g. a new spec with fewer parameters) fails here, without TensorFlow, rather
    than in the Keras suite's `test_the_ci_specs_hold_every_op_of_every_spec`."""
    code = ("import sys, archdsl; sys.path.insert(0, 'benchmarks'); import sweep_deploy\n"
            "for p in sys.argv[1:]: archdsl.load(p, sweep_deploy.tiny(p))\n"
            "assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code, *map(str, SPECS)], cwd=ROOT, check=True)
