"""The `archdsl` backbone type for Model Garden: its config, its Keras model and its builder.

A Model Garden YAML selects it as `backbone: {type: archdsl, archdsl: {spec: ..., overrides:
{...}}}`. The builder reads what Model Garden passes to every backbone builder (the input specs,
the model's `norm_activation` config, the L2 regulariser) and turns it into the spec's `-D`
parameters the way Model Garden's own SpineNet builder uses it: the input side becomes
`input_size`, `norm_activation` gives `activation`, `momentum`, `epsilon` and `sync_bn`, and the
config's `min_level`/`max_level` go to the parameters of those names; a key in `overrides` wins
over all of them. Only parameters the spec declares are set, so a spec without levels still works.
The model is a functional `tf_keras.Model` whose outputs are the spec's level dict (keys '3'..'7')
and whose `output_specs` is what Model Garden's decoders and heads read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import tf_keras
from official.modeling import hyperparams
from official.vision.configs import backbones
from official.vision.modeling.backbones import factory

from archdsl.arch import Arch, load
from archdsl.diagnostics import ArchError, error
from archdsl.ir.load import load_module
from archdsl.lower import to_keras
from archdsl.lower.keras import attach_structure
from archdsl.lower.plan import plan

__all__ = ["ArchdslBackboneConfig", "Backbone", "ArchdslBackbone", "build_archdsl_backbone", "arch_for",
           "chosen_params", "add_weight_decay"]


@dataclasses.dataclass
class ArchdslBackboneConfig(hyperparams.Config):
    """`backbone.archdsl` in a Model Garden YAML: the spec file and its `-D` overrides."""

    spec: str = ""
    # None, not {}: Model Garden's strict YAML override cannot add keys to an empty sub-config.
    overrides: dict | None = None
    min_level: int = 3
    max_level: int = 7


@dataclasses.dataclass
class Backbone(backbones.Backbone):
    """Model Garden's backbone oneof with the `archdsl` choice added."""

    archdsl: ArchdslBackboneConfig = dataclasses.field(default_factory=ArchdslBackboneConfig)


def _overrides(given: Any) -> dict[str, Any]:
    if given is None:
        return {}
    return dict(given.as_dict() if isinstance(given, hyperparams.Config) else given)


def spec_overrides(spec: str, config: ArchdslBackboneConfig, input_shape: Any,
                   norm_activation: Any | None) -> dict[str, Any]:
    """The `-D` values for `spec` from Model Garden's builder arguments (see the module doc)."""
    main = load_module(spec).main
    declared = {p.name for p in main.params} if main else set()
    derived: dict[str, Any] = {"min_level": config.min_level, "max_level": config.max_level}
    height, width = input_shape[1], input_shape[2]
    if height is not None:
        if width != height and "input_size" in declared:
            raise ArchError(error(f"{spec}: the spec takes a square `input_size`; Model Garden asks for "
                                  f"{height}x{width}", hint="set task.model.input_size to a square size"))
        derived["input_size"] = int(height)
    return chosen_params(declared, derived, norm_activation, config.overrides)


def chosen_params(declared: set[str], derived: dict[str, Any], norm_activation: Any | None,
                  overrides: Any) -> dict[str, Any]:
    """`derived` plus what `norm_activation` gives (activation, momentum, epsilon, sync_bn), kept
    where the template declares the parameter, then the user's `overrides` on top."""
    if norm_activation is not None:
        derived = {**derived, "activation": norm_activation.activation, "momentum": norm_activation.norm_momentum,
                   "epsilon": norm_activation.norm_epsilon, "sync_bn": bool(norm_activation.use_sync_bn)}
    chosen = {k: v for k, v in derived.items() if k in declared}
    chosen.update(_overrides(overrides))
    return chosen


def add_weight_decay(model: tf_keras.Model, regularizer: Any) -> None:
    """Model Garden regularises every conv kernel; the lowered layers are already built, so the
    penalty is added as a callable loss per kernel (Keras evaluates it at each step)."""
    for layer in model.layers:
        if isinstance(layer, tf_keras.layers.Conv2D):
            model.add_loss(lambda kernel=layer.kernel: regularizer(kernel))


def finish_level_model(model: tf_keras.Model, arch: Arch, endpoints: Mapping[Any, Any],
                       l2_regularizer: Any | None) -> None:
    """What a Model Garden backbone or decoder built from `arch` carries beyond its graph: the
    lowering plan (weight transfer and import-weights read it), the arch, `output_specs` keyed
    by level, and Model Garden's weight decay."""
    attach_structure(model, list(plan(arch)))
    model.arch = arch
    model._output_specs = {str(k): v.get_shape() for k, v in endpoints.items()}
    if l2_regularizer is not None:
        add_weight_decay(model, l2_regularizer)


def arch_for(config: ArchdslBackboneConfig, input_shape: Any, norm_activation: Any | None = None) -> Arch:
    """The checked `Arch` the `archdsl` backbone config builds (no TensorFlow)."""
    if not config.spec:
        raise ArchError(error("backbone.archdsl.spec is empty", hint="name an .arch file, e.g. specs/spinenet49S.arch"))
    return load(config.spec, spec_overrides(config.spec, config, input_shape, norm_activation))


@tf_keras.utils.register_keras_serializable(package="archdsl")
class ArchdslBackbone(tf_keras.Model):
    """An archdsl spec lowered to a functional Model with Model Garden's backbone interface."""

    def __init__(self, spec: str, overrides: Mapping[str, Any] | None = None,
                 l2_regularizer: Any | None = None, **kwargs: Any):
        self._spec, self._spec_overrides = spec, dict(overrides or {})
        arch = load(spec, self._spec_overrides)
        inner = to_keras(arch)
        endpoints = inner.output
        if not isinstance(endpoints, Mapping):
            raise ArchError(error(f"{spec}: a backbone must return a dict keyed by level, not one tensor"))
        super().__init__(inputs=inner.input, outputs=dict(endpoints), **kwargs)
        finish_level_model(self, arch, endpoints, l2_regularizer)

    @property
    def output_specs(self) -> dict[str, Any]:
        """Level key ('3'..'7') -> TensorShape, as Model Garden's decoders and heads expect."""
        return self._output_specs

    def get_config(self) -> dict[str, Any]:
        return {"spec": self._spec, "overrides": self._spec_overrides, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> ArchdslBackbone:
        return cls(**config)


@factory.register_backbone_builder("archdsl")
def build_archdsl_backbone(input_specs: Any, backbone_config: Any, norm_activation_config: Any,
                           l2_regularizer: Any = None, **_: Any) -> tf_keras.Model:
    """Model Garden's builder for `type: archdsl`."""
    config = backbone_config.get()
    arch = arch_for(config, input_specs.shape, norm_activation_config)
    return ArchdslBackbone(config.spec, arch.overrides, l2_regularizer=l2_regularizer, name=arch.name)
