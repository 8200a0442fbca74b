"""Numerical parity with Model Garden's NAS-FPN decoder (ResNet-50 + NAS-FPN, 5 cells) and the
RetinaNet composite on it (7 cells): weights copied by `transfer_weights`, inference on one random
batch, every output within 1e-4, equal `count_params()`. Input 128 keeps CI fast on CPU; the
orphan rule (cell inputs L5 and L7 summed into the attention lines at L5 and L7) is pinned too.
"""

from __future__ import annotations

import numpy as np
import pytest

import archdsl

pytestmark = pytest.mark.parity
import tf_keras
import official.vision.modeling.decoders.nasfpn  # noqa: F401  (installed by scripts/test: fail, never skip, without it)

import mg_build as mg  # noqa: E402  (tests/parity/mg_build.py)
from test_pyramids import _backbone_decoder_case, _retinanet_case  # noqa: E402


SIZE = 128


@pytest.mark.parametrize("activation", ["swish", "relu"])
def test_resnet50_nasfpn(activation):
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(4)
    arch = archdsl.load("specs/nasfpn.arch", {"input_size": SIZE, "activation": activation})
    g = arch.graph
    assert g.inputs("decoder.cell[1].n9.merge") == ("decoder.cell[1].n9.attention", "decoder.proj[5]")
    assert g.inputs("decoder.cell[1].n10.merge") == ("decoder.cell[1].n10.attention", "decoder.proj[7]")
    backbone = mg.resnet50(SIZE, activation)
    decoder = mg.nasfpn_decoder(backbone, activation, repeats=5)
    _backbone_decoder_case(arch, backbone, decoder, SIZE, rng)


def test_retinanet_resnet50_nasfpn():
    tf_keras.backend.clear_session()
    rng = np.random.default_rng(5)
    backbone = mg.resnet50(SIZE, "swish")
    ref = mg.retinanet(backbone, mg.nasfpn_decoder(backbone, "swish", repeats=7), "swish")
    _retinanet_case("specs/retinanet_resnet50_nasfpn.arch", SIZE, ref, rng)
