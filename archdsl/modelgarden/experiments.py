"""Model Garden experiments with archdsl backbones and decoders: `retinanet_archdsl`, `seg_archdsl`.

Model Garden's task configs type their `model.backbone` and `model.decoder` as its own oneofs,
which have no `archdsl` choice, and its YAML overrides are strict, so the task and model configs
here are subclasses whose backbone and decoder fields are `archdsl.modelgarden.backbone.Backbone`
and `archdsl.modelgarden.decoder.Decoder` (each oneof plus `archdsl`). The subclassed task configs
are registered with Model Garden's own task classes, so training, evaluation and SavedModel export
(which dispatch on `isinstance`) run Model Garden's code unchanged. Each experiment starts from
Model Garden's published SpineNet recipe (`retinanet_spinenet_coco`, `seg_deeplabv3plus_pascal`'s
schedule) with the backbone swapped.
"""

from __future__ import annotations

import dataclasses

from official.core import config_definitions as cfg
from official.core import exp_factory, task_factory
from official.vision.configs import retinanet as retinanet_cfg
from official.vision.configs import semantic_segmentation as seg_cfg
from official.vision.tasks import retinanet as retinanet_task
from official.vision.tasks import semantic_segmentation as seg_task

from archdsl.modelgarden.backbone import ArchdslBackboneConfig, Backbone
from archdsl.modelgarden.decoder import Decoder

__all__ = ["RetinaNet", "RetinaNetTask", "SegmentationModel", "SegmentationTask",
           "retinanet_archdsl", "seg_archdsl"]


def _default_backbone(spec: str, max_level: int) -> Backbone:
    return Backbone(type="archdsl", archdsl=ArchdslBackboneConfig(spec=spec, min_level=3, max_level=max_level))


@dataclasses.dataclass
class RetinaNet(retinanet_cfg.RetinaNet):
    """Model Garden's RetinaNet model config whose backbone and decoder may be `archdsl`."""

    backbone: Backbone = dataclasses.field(default_factory=lambda: _default_backbone("specs/spinenet49.arch", 7))
    decoder: Decoder = dataclasses.field(default_factory=lambda: Decoder(type="fpn"))


@dataclasses.dataclass
class RetinaNetTask(retinanet_cfg.RetinaNetTask):
    model: RetinaNet = dataclasses.field(default_factory=RetinaNet)


@dataclasses.dataclass
class SegmentationModel(seg_cfg.SemanticSegmentationModel):
    """Model Garden's semantic segmentation model config whose backbone and decoder may be
    `archdsl`."""

    backbone: Backbone = dataclasses.field(default_factory=lambda: _default_backbone("specs/spinenet49.arch", 7))
    decoder: Decoder = dataclasses.field(default_factory=lambda: Decoder(type="identity"))


@dataclasses.dataclass
class SegmentationTask(seg_cfg.SemanticSegmentationTask):
    model: SegmentationModel = dataclasses.field(default_factory=SegmentationModel)


# The subclassed configs run Model Garden's own tasks (its registry looks the exact class up).
task_factory.register_task_cls(RetinaNetTask)(retinanet_task.RetinaNetTask)
task_factory.register_task_cls(SegmentationTask)(seg_task.SemanticSegmentationTask)


def _swap_task(base: cfg.ExperimentConfig, task: cfg.TaskConfig) -> cfg.ExperimentConfig:
    """`base` with its task replaced by `task` overridden with everything but the backbone."""
    body = base.task.as_dict()
    body["model"].pop("backbone")
    task.override(body, is_strict=True)
    return cfg.ExperimentConfig(
        task=task, trainer=base.trainer, runtime=base.runtime,
        # No level restriction on `backbone.archdsl` as Model Garden has on `backbone.spinenet`:
        # restrictions read the chosen oneof only, so they would break a YAML choosing another type.
        restrictions=["task.train_data.is_training != None", "task.validation_data.is_training != None"])


@exp_factory.register_config_factory("retinanet_archdsl")
def retinanet_archdsl() -> cfg.ExperimentConfig:
    """RetinaNet (COCO recipe of `retinanet_spinenet_coco`) with an archdsl backbone."""
    return _swap_task(retinanet_cfg.retinanet_spinenet_coco(), RetinaNetTask())


@exp_factory.register_config_factory("seg_archdsl")
def seg_archdsl() -> cfg.ExperimentConfig:
    """Semantic segmentation (`seg_resnetfpn_pascal`'s recipe, identity decoder, head at level
    3) with an archdsl backbone."""
    base = seg_cfg.seg_resnetfpn_pascal()
    base.task.model.decoder.type = "identity"
    return _swap_task(base, SegmentationTask())
