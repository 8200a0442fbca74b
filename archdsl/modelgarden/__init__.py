"""archdsl inside TensorFlow Model Garden (the optional `modelgarden` extra).

Importing this package registers, with Model Garden's own registries, the `archdsl` backbone
type (`backbone: {type: archdsl, archdsl: {spec: ..., overrides: {...}}}`), the `archdsl` decoder
type (`decoder: {type: archdsl, archdsl: {spec: specs/fpn.arch, block: fpn}}`) and the experiments
`retinanet_archdsl` and `seg_archdsl`, so Model Garden's trainer, evaluator and SavedModel
exporter build archdsl models from a YAML. `python -m archdsl.modelgarden.train` is Model
Garden's `official/vision/train.py` with these registrations loaded. Only this package imports
`official`; the rest of archdsl works without it.
"""

from __future__ import annotations

try:
    import official  # noqa: F401
except ImportError as exc:  # the extra is not installed: say how to get it
    raise ImportError("archdsl.modelgarden needs TensorFlow Model Garden: "
                      "pip install 'archdsl[modelgarden]'") from exc

from archdsl.modelgarden.backbone import ArchdslBackbone, ArchdslBackboneConfig, Backbone, build_archdsl_backbone
from archdsl.modelgarden.decoder import ArchdslDecoder, ArchdslDecoderConfig, Decoder, build_archdsl_decoder
from archdsl.modelgarden.experiments import (
    RetinaNet,
    RetinaNetTask,
    SegmentationModel,
    SegmentationTask,
    retinanet_archdsl,
    seg_archdsl,
)

__all__ = ["ArchdslBackbone", "ArchdslBackboneConfig", "Backbone", "build_archdsl_backbone",
           "ArchdslDecoder", "ArchdslDecoderConfig", "Decoder", "build_archdsl_decoder",
           "RetinaNet", "RetinaNetTask", "SegmentationModel", "SegmentationTask",
           "retinanet_archdsl", "seg_archdsl"]
