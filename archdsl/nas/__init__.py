"""Topology generation: builder, printer, SpineNet's search space, canonical hash and diff."""

from archdsl.nas.builder import Builder, arch_of, build_topology
from archdsl.nas.diff import Diff, diff
from archdsl.nas.fast import Evaluation, evaluate
from archdsl.nas.hash import arch_hash
from archdsl.nas.printer import print_topology
from archdsl.nas.space import Candidate, Lineage, ScalePermutedSpace
from archdsl.nas.topology import SPINENET49, BlockSpec, Topology, TopologyParams

__all__ = ["Builder", "arch_of", "build_topology", "Diff", "diff", "Evaluation", "evaluate", "arch_hash",
           "print_topology", "Candidate", "Lineage", "ScalePermutedSpace", "SPINENET49", "BlockSpec",
           "Topology", "TopologyParams"]
