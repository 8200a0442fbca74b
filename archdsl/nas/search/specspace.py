"""A space read from a spec: its choice-typed parameters (and `--dim` ranges) are the dimensions.

`arch net(activation: relu | swish = swish, width = 16, ...)` searches `activation` over
{relu, swish} with no Python: every parameter of the main arch declared with a choice type is a
dimension. Numeric dimensions come from the command line, because the language has no range type:
`--dim width=8,16,32` (a list of values) or `--dim depth=1..4` (every integer, inclusive; `1..9/2`
steps by 2). A `-D` value fixes a parameter and removes it from the dimensions. A point's genome
is the dict of chosen values; its spec is the elaborated graph printed back as self-contained
`.arch` text (`Arch.to_text`), its hash the canonical hash of that graph, so two choices that build
the same network are one point. A mutation changes one dimension to another of its values (the
space's mutation operators are the dimension names). Values are drawn from the declared choices, so
they always type-check; a combination the spec itself rejects (an `ArchError`) is `InvalidPoint`,
which the strategies count as a draw and skip.
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from archdsl.diagnostics import ArchError
from archdsl.nas.search.spaces import InvalidPoint, Point
from archdsl.nas.space import Lineage


def parse_dim(text: str) -> tuple[str, tuple[Any, ...]]:
    """`name=a,b,c` or `name=lo..hi[/step]` (ValueError otherwise)."""
    from archdsl.ir.expr import parse_cli_value

    name, sep, values = text.partition("=")
    if not sep or not name.strip() or not values.strip():
        raise ValueError(f"--dim expects name=v1,v2,... or name=lo..hi[/step], got {text!r}")
    if ".." in values:
        span, _, step = values.partition("/")
        lo, _, hi = span.partition("..")
        try:
            start, stop, by = int(lo), int(hi), int(step or 1)
        except ValueError:
            raise ValueError(f"--dim {name}: a range is lo..hi[/step] of integers, got {values!r}") from None
        if by < 1 or stop < start:
            raise ValueError(f"--dim {name}: empty range {values!r}")
        return name.strip(), tuple(range(start, stop + 1, by))
    choices = tuple(dict.fromkeys(parse_cli_value(v.strip()) for v in values.split(",")))
    return name.strip(), choices


class SpecSpace:
    """The dimensions of one spec's main arch (choice-typed parameters, plus `dims`)."""

    name: str = "spec"

    def __init__(self, path: str, defines: Mapping[str, Any] | None = None,
                 dims: Sequence[tuple[str, Sequence[Any]]] = (), max_params: float | None = None,
                 max_macs: float | None = None):
        from archdsl.ir.load import load_module

        self.path, self.defines = path, dict(defines or {})
        self.module = load_module(path)
        template = self.module.main
        if template is None:
            raise ValueError(f"{path} defines no arch")
        declared = {p.name: p for p in template.params}
        for name in self.defines:
            if name not in declared:
                raise ValueError(f"-D {name}: arch `{template.name}` has no parameter `{name}`; "
                                 f"parameters: {', '.join(declared)}")
        self.dims: dict[str, tuple[Any, ...]] = {
            p.name: tuple(p.type.split("|")) for p in template.params
            if p.type and "|" in p.type and p.name not in self.defines}
        for name, values in dims:
            if name not in declared:
                raise ValueError(f"--dim {name}: arch `{template.name}` has no parameter `{name}`; "
                                 f"parameters: {', '.join(declared)}")
            self.dims[name] = tuple(values)
            self.defines.pop(name, None)
        if not self.dims:
            raise ValueError(f"{path}: arch `{template.name}` declares no choice (`name: a | b = a`) "
                             "and no --dim was given, so there is nothing to search")
        self.operators = tuple(self.dims)
        self.max_params, self.max_macs = max_params, max_macs
        self._built: dict[str, tuple[str, str, int, int]] = {}

    def sample(self, rng: random.Random, seed: int | None = None) -> Point:
        genome = {name: rng.choice(values) for name, values in self.dims.items()}
        return self._point(genome, Lineage(None, "sample", seed))

    def mutate(self, point: Point, rng: random.Random, seed: int | None = None,
               operators: Collection[str] | None = None) -> Point:
        names = [d for d in self.dims if len(self.dims[d]) > 1 and (operators is None or d in operators)]
        if not names:
            raise InvalidPoint("no dimension with two or more values to mutate")
        name = rng.choice(names)
        old = point.genome[name]
        new = rng.choice([v for v in self.dims[name] if v != old])
        return self._point({**point.genome, name: new}, Lineage(point.hash, f"{name} {old}->{new}", seed))

    def encode(self, genome: dict[str, Any]) -> str:
        return json.dumps(genome, sort_keys=True)

    def point(self, genome_json: str, lineage: Lineage) -> Point:
        return self._point(json.loads(genome_json), lineage)

    def _point(self, genome: dict[str, Any], lineage: Lineage) -> Point:
        from archdsl.arch import from_module
        from archdsl.nas.hash import arch_hash

        key = self.encode(genome)
        built = self._built.get(key)  # small spaces redraw the same values often; elaborate each once
        if built is None:
            try:
                arch = from_module(self.module, {**self.defines, **genome}, path=self.path)
            except ArchError as exc:
                raise InvalidPoint(exc.render()) from None
            built = self._built[key] = (arch_hash(arch), arch.to_text(), arch.params, arch.macs)
        return Point(*built, genome, lineage)
