"""The scale-permuted sampler's draw: one valid `Topology` per call, with no retries.

Lines are drawn in order, tracking the blocks nothing live has read yet ("pending"). A pending
block is safe if a later kept output line of its level and kind will absorb it by the orphan rule;
otherwise enough later parent slots must remain to read it. When they would run out, the line's
parents are drawn from the pending blocks first. (`ScalePermutedSpace` documents the space.)

Speed: this runs once per sampled candidate, so it draws integers with `_below` (the loop
`random.Random` runs for `choice` and `randrange`, minus two Python calls per draw) and reuses one
frozen `BlockSpec` per distinct value. For a given seed it draws exactly the numbers
`rng.choice` / `rng.randrange` would (a test checks `_below` against `randrange`), so a seed
samples the same topologies as before.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import lru_cache

from archdsl.nas.topology import STEM_BLOCKS, BlockSpec, Topology, TopologyParams

# BlockSpecs are frozen values, so equal ones may be one object: building and validating sixteen
# per candidate cost more than the rest of the draw's bookkeeping.
_block_spec = lru_cache(maxsize=1 << 16)(BlockSpec)


def _below(bits: Callable[[int], int], n: int) -> int:
    """A uniform int in [0, n): CPython's `Random._randbelow_with_getrandbits`, which `choice(seq)`
    (as `seq[_randbelow(len(seq))]`) and `randrange(n)` call, so the stream of numbers is theirs."""
    k = n.bit_length()
    r = bits(k)
    while r >= n:
        r = bits(k)
    return r


def draw(rng: random.Random, num_blocks: int, levels: Sequence[int], output_levels: Sequence[int],
         kinds: Sequence[str], p: TopologyParams) -> Topology:
    """A valid topology: `num_blocks` lines, the last `len(output_levels)` the output blocks in a
    shuffled order, the others at a level of `levels`; each line's kind among `kinds`."""
    n, n_out = num_blocks, len(output_levels)
    n_in = n - n_out
    bits = rng.getrandbits
    out_levels = list(output_levels)
    rng.shuffle(out_levels)
    n_levels, n_kinds = len(levels), len(kinds)
    line_levels = [levels[_below(bits, n_levels)] for _ in range(n_in)] + out_levels
    line_kinds = [kinds[_below(bits, n_kinds)] for _ in range(n)]
    kept = [n_in <= k and p.min_level <= line_levels[k] <= p.max_level for k in range(n)]
    group, absorber, capacity = _plan(line_levels, line_kinds, kept, n_in)
    pending: list[int] = [1]  # s1 must be read by a live line
    blocks = []
    for k in range(n):
        index = k + STEM_BLOCKS
        counts = kept[k] or k < n_in
        chosen: list[int] = []
        banned: Sequence[int] = ()
        extra = 1 if k < n_in else 0
        # Slots can run out only if every pending block must be read (`must`: those the orphan
        # rule will not absorb); skip listing them when even that leaves enough.
        if counts and len(pending) + extra > capacity[k + 1]:
            must = [i for i in pending if absorber[i] < k]
            force = len(must) + extra - capacity[k + 1]
            if force > 0:
                chosen = rng.sample(must, min(force, 2))
        elif not counts:  # a pruned output line must not read a block the orphan rule would otherwise rescue
            banned = [i for i in pending if absorber[i] >= k]
        while len(chosen) < 2:
            cand = _below(bits, index)
            if cand not in chosen and cand not in banned:
                chosen.append(cand)
        if counts:
            for i in chosen:
                if i in pending:
                    pending.remove(i)
        if kept[k]:  # the orphan rule merges the pending blocks of this line's level and kind
            g = group[index]
            pending = [i for i in pending if group[i] != g]
        if k < n_in:
            pending.append(index)
        blocks.append(_block_spec(line_levels[k], line_kinds[k], (chosen[0], chosen[1]), k >= n_in))
    return Topology(tuple(blocks), p)


def _plan(line_levels: list[int], line_kinds: list[str], kept: list[bool],
          n_in: int) -> tuple[list[tuple[int, str] | None], list[int], list[int]]:
    """What the draw of parents looks up per line, fixed once levels and kinds are drawn."""
    n = len(line_levels)
    # By block index (stem blocks first): the (level, kind) group the orphan rule matches on, and
    # the last kept output line of that group (-1: none). A pending block is absorbed after line k
    # iff that line comes at or after k; the stem blocks never are.
    group: list[tuple[int, str] | None] = [None] * STEM_BLOCKS + list(zip(line_levels, line_kinds))
    last_kept = {group[k + STEM_BLOCKS]: k for k in range(n) if kept[k]}  # the last one wins
    absorber = [-1] * STEM_BLOCKS + [last_kept.get(g, -1) for g in group[STEM_BLOCKS:]]
    # Later slots that can read a pending block: 2 per kept-output or intermediate line, minus
    # 1 per intermediate line (it becomes pending itself). capacity[k]: over lines after k.
    capacity = [0] * (n + 1)
    for j in range(n - 1, -1, -1):
        capacity[j] = capacity[j + 1] + (2 if kept[j] else (1 if j < n_in else 0))
    return group, absorber, capacity
