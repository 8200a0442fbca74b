"""A small random search: sample SpineNet-space topologies, keep those under a MACs budget,
dedupe by canonical hash, write the specs. Runs in a few seconds, without TensorFlow.

    python examples/random_search.py [OUT_DIR]    (default: a new temporary directory)
"""

import random
import sys
import tempfile
from pathlib import Path

from archdsl.nas import ScalePermutedSpace, print_topology

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="archdsl-random-search-"))
out.mkdir(parents=True, exist_ok=True)
space = ScalePermutedSpace(max_macs=30e9)
rng = random.Random(0)
kept: dict[str, object] = {}
for _ in range(500):
    c = space.sample_candidate(rng)
    if space.within_budget(c) and c.hash not in kept:
        kept[c.hash] = c
best = sorted(kept.values(), key=lambda c: c.macs)[:10]
for c in best:
    (out / f"{c.hash}.arch").write_text(print_topology(c.topology))
    print(f"{c.hash}  {c.params / 1e6:6.2f} M params  {c.macs / 1e9:6.2f} G MACs")
print(f"wrote {len(best)} specs to {out}")
