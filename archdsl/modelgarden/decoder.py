"""The `archdsl` decoder type for Model Garden: an archdsl `block` (FPN, ASPP, ...) as the
decoder of Model Garden's own RetinaNet or segmentation model.

A YAML selects it as `decoder: {type: archdsl, archdsl: {spec: specs/fpn.arch, block: fpn,
overrides: {backbone_max: 7}}}`. The block must take one input, a family of levels: it is checked
on its own (`archdsl.arch.load_block`) with that family bound to the levels and shapes of the
backbone Model Garden built (its `output_specs`), so a block reading a level the backbone lacks is
a located error before TensorFlow. As for the backbone type, the model config's `min_level` /
`max_level` and `norm_activation` (activation, momentum, epsilon, sync_bn) fill the block's
parameters of those names, and `overrides` wins. The Keras model takes and returns level dicts
keyed '3'..'7', every conv kernel gets Model Garden's L2 penalty, and its layers are named after
the IR nodes, so `archdsl.interop.modelgarden.transfer_fpn` pairs it with Model Garden's FPN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import tf_keras
from official.modeling import hyperparams
from official.vision.configs import decoders
from official.vision.modeling.decoders import factory

from archdsl.arch import Arch, load_block
from archdsl.diagnostics import ArchError, error
from archdsl.ir.load import load_module
from archdsl.lower import to_keras
from archdsl.lower.names import keras_name
from archdsl.modelgarden.backbone import chosen_params, finish_level_model
from archdsl.syntax import ast

__all__ = ["ArchdslDecoderConfig", "Decoder", "ArchdslDecoder", "build_archdsl_decoder", "decoder_arch"]

Levels = Mapping[int, tuple[int, int, int]]


@dataclasses.dataclass
class ArchdslDecoderConfig(hyperparams.Config):
    """`decoder.archdsl` in a Model Garden YAML: the spec file, its block and `-D` overrides."""

    spec: str = ""
    block: str = ""
    # None, not {}: Model Garden's strict YAML override cannot add keys to an empty sub-config.
    overrides: dict | None = None


@dataclasses.dataclass
class Decoder(decoders.Decoder):
    """Model Garden's decoder oneof with the `archdsl` choice added."""

    archdsl: ArchdslDecoderConfig = dataclasses.field(default_factory=ArchdslDecoderConfig)


def _levels(input_specs: Mapping[str, Any]) -> dict[int, tuple[int, int, int]]:
    """Model Garden's {level key: TensorShape [batch, h, w, c]} as {level: (h, w, c)}."""
    levels = {}
    for key, shape in input_specs.items():
        dims = list(shape)[1:]
        if len(dims) != 3 or any(d is None for d in dims):
            raise ArchError(error(f"the backbone's level {key} has shape {list(shape)}; an archdsl decoder needs "
                                  "a fixed [height, width, channels]", hint="set task.model.input_size"))
        levels[int(key)] = (int(dims[0]), int(dims[1]), int(dims[2]))
    return levels


def _input_name(spec: str, block: str) -> tuple[str, set[str]]:
    """The one input the block declares, and its parameter names."""
    module = load_module(spec)
    template = module.template(block, None)
    declared = [s.name for s in template.defn.body if isinstance(s, ast.Input)]
    if len(declared) != 1:
        raise ArchError(error(f"{spec}: `{block}` takes {len(declared)} inputs; a decoder takes one family of levels",
                              template.span, hint="a decoder block declares one input, e.g. `input feats`"))
    return declared[0], {p.name for p in template.params}


def decoder_arch(config: ArchdslDecoderConfig, input_specs: Mapping[str, Any], model_config: Any | None = None,
                 ) -> Arch:
    """The checked `Arch` of the decoder block on the backbone's levels (no TensorFlow)."""
    if not config.spec or not config.block:
        raise ArchError(error("decoder.archdsl needs `spec` and `block`",
                              hint="e.g. {spec: specs/fpn.arch, block: fpn}"))
    name, declared = _input_name(config.spec, config.block)
    derived = {k: getattr(model_config, k) for k in ("min_level", "max_level") if hasattr(model_config, k)}
    params = chosen_params(declared, derived, getattr(model_config, "norm_activation", None), config.overrides)
    return load_block(config.spec, config.block, {name: _levels(input_specs)}, params)


@tf_keras.utils.register_keras_serializable(package="archdsl")
class ArchdslDecoder(tf_keras.Model):
    """An archdsl decoder block lowered to a functional Model: level dict in, level dict out."""

    def __init__(self, spec: str, block: str, levels: Mapping[Any, Any], overrides: Mapping[str, Any] | None = None,
                 l2_regularizer: Any | None = None, **kwargs: Any):
        self._spec, self._block, self._spec_overrides = spec, block, dict(overrides or {})
        self._levels: dict[int, tuple[int, int, int]] = {int(k): (int(v[0]), int(v[1]), int(v[2]))
                                                         for k, v in levels.items()}
        name, _ = _input_name(spec, block)
        arch = load_block(spec, block, {name: self._levels}, self._spec_overrides)
        inner = to_keras(arch)
        tensors = inner.input if isinstance(inner.input, Mapping) else {keras_name(arch.graph.input_names()[0]):
                                                                        inner.input}
        # The graph's inputs are the family's members, one per level (`feats[3]` at L3).
        inputs = {str(arch.graph.node(i).level): tensors[keras_name(i)] for i in arch.graph.input_names()}
        endpoints = inner.output
        if not isinstance(endpoints, Mapping):
            raise ArchError(error(f"{spec}: decoder `{block}` must return a family of levels, not one tensor"))
        super().__init__(inputs=inputs, outputs=dict(endpoints), **kwargs)
        finish_level_model(self, arch, endpoints, l2_regularizer)

    @property
    def output_specs(self) -> dict[str, Any]:
        """Level key -> TensorShape, as Model Garden's heads expect."""
        return self._output_specs

    def get_config(self) -> dict[str, Any]:
        return {"spec": self._spec, "block": self._block, "levels": {str(k): list(v) for k, v in self._levels.items()},
                "overrides": self._spec_overrides, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> ArchdslDecoder:
        return cls(**config)


@factory.register_decoder_builder("archdsl")
def build_archdsl_decoder(input_specs: Mapping[str, Any], model_config: Any, l2_regularizer: Any = None,
                          **_: Any) -> tf_keras.Model:
    """Model Garden's builder for `decoder: {type: archdsl}`."""
    config = model_config.decoder.get()
    arch = decoder_arch(config, input_specs, model_config)
    return ArchdslDecoder(config.spec, config.block, _levels(input_specs), arch.overrides,
                          l2_regularizer=l2_regularizer, name=f"{config.block}_decoder")
