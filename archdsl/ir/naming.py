"""How the elaborator names nodes and weight-sharing groups, stated once.

Names are labels: a node's structure is its typed `Origin` (scope, statement, role, iteration),
and nothing reads structure back out of a name. But the IR printer must write text that
elaborates to the very same names, so the elaborator and the printer make names with these
functions: the printer rebuilds each statement from the origins, names it as the elaborator
will, and refuses a graph whose names differ (a graph built in Python with names of its own).
"""

from __future__ import annotations


def scope_prefix(scope: tuple[str, ...]) -> str:
    """The name prefix of a template instance path: ("head", "box") -> "head.box."."""
    return "".join(part + "." for part in scope)


def iteration_tag(iteration: tuple[int, ...]) -> str:
    """The tag of a stage inside `repeat`s: (0, 2) -> "0.2."."""
    return "".join(f"{i}." for i in iteration)


def unique(name: str, used: set[str]) -> str:
    """`name`, or `name_2`, `name_3`, ... if a stage of the same line took it (added to `used`)."""
    candidate, k = name, 1
    while candidate in used:
        k += 1
        candidate = f"{name}_{k}"
    used.add(candidate)
    return candidate


def stage_name(base: str, iteration: tuple[int, ...], op: str, used: set[str]) -> str:
    """The (unprefixed) name of a stage that is not its line's last: `tower.0.conv`, `stem.bn_2`."""
    return unique(f"{base}.{iteration_tag(iteration)}{op}", used)


def share_group(prefix: str, share: str, iteration: tuple[int, ...]) -> str:
    """The weight-sharing group of `share="name"` written in a template instance (`prefix`) and
    inside `repeat`s: one group per iteration, across loop levels."""
    return prefix + share + ("." + ".".join(map(str, iteration)) if iteration else "")


def resample_name(base: str, index: int) -> str:
    """The (unprefixed) name of a fuse line's resample path of parent `index`: `b3.in0`."""
    return f"{base}.in{index}"
