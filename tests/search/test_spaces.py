"""The NAS-FPN cell space and spaces read from a spec's declared choices (no TensorFlow)."""

import random

import archdsl
import pytest
from archdsl.nas.search.nasfpn import DEFAULT_CELL, SPECS, NasFpnSpace
from archdsl.nas.search.specspace import SpecSpace, parse_dim
from archdsl.nas.space import Lineage

SPEC = """\
arch tiny(input_size = 32, activation: relu | swish = relu, width = 8, depth = 1) {
  defaults act(activation)
  input image: [input_size, input_size, 3]
  stem = conv 3x3 /2 width -> bn -> act <- image
  c = repeat depth (conv 3x3 width -> bn -> act) <- stem
  return c
}
"""


@pytest.fixture(scope="module")
def nasfpn():
    return NasFpnSpace({"input_size": 128, "num_repeats": 1})


def test_model_gardens_cell_is_a_point_of_the_nasfpn_space(nasfpn):
    p = nasfpn.point(nasfpn.encode(DEFAULT_CELL), Lineage(None, "given"))
    ref = archdsl.load(SPECS / "nasfpn.arch", {"input_size": 128, "num_repeats": 1})
    assert p.hash == archdsl.hash(ref) and p.params == ref.params and p.macs == ref.macs


def test_nasfpn_samples_and_mutations_are_valid_and_distinct(nasfpn, tmp_path):
    rng = random.Random(0)
    p = nasfpn.sample(rng, seed=0)
    seen = {p.hash}
    for op in nasfpn.operators:
        child = nasfpn.mutate(p, rng, 0, operators=[op])
        assert child.lineage.mutation.startswith(op + " ") and child.lineage.parent == p.hash
        levels = sorted(line[0] for line in child.genome[-5:])
        assert levels == [3, 4, 5, 6, 7]
        seen.add(child.hash)
    path = tmp_path / "cand.arch"
    path.write_text(p.text)  # self-contained: loads from anywhere, to the same hash
    assert archdsl.hash(archdsl.load(path, {"input_size": 128, "num_repeats": 1})) == p.hash
    assert len(seen) >= 4


def test_a_spec_space_searches_declared_choices_and_dims(tmp_path):
    path = tmp_path / "tiny.arch"
    path.write_text(SPEC)
    space = SpecSpace(str(path), {"input_size": 16}, [parse_dim("width=4,8"), parse_dim("depth=1..3")])
    assert space.dims == {"activation": ("relu", "swish"), "width": (4, 8), "depth": (1, 2, 3)}
    rng = random.Random(0)
    points = {}
    for _ in range(40):
        p = space.sample(rng)
        points[p.hash] = p
    assert len(points) == 12  # every combination builds a different network
    p = next(iter(points.values()))
    child = space.mutate(p, rng, operators=["depth"])
    assert child.genome["depth"] != p.genome["depth"] and child.genome["width"] == p.genome["width"]
    cand = tmp_path / "cand.arch"
    cand.write_text(p.text)
    assert archdsl.hash(archdsl.load(cand)) == p.hash
    assert space.point(space.encode(p.genome), p.lineage).hash == p.hash


def test_spec_space_errors(tmp_path):
    path = tmp_path / "tiny.arch"
    path.write_text(SPEC)
    with pytest.raises(ValueError, match="nothing to search"):
        SpecSpace(str(path), {"activation": "relu"})
    with pytest.raises(ValueError, match="has no parameter `wdith`"):
        SpecSpace(str(path), {}, [parse_dim("wdith=1,2")])
    assert parse_dim("w=1..9/4") == ("w", (1, 5, 9))
    for bad in ("w", "w=", "w=3..1", "w=a..b"):
        with pytest.raises(ValueError):
            parse_dim(bad)
