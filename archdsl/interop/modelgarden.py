"""Copy a Model Garden model's weights into the archdsl model of the same spec.

The source may be a whole Model Garden task model (`RetinaNetModel`, `SegmentationModel`: its
backbone, decoder and head go to the archdsl composite's `backbone.`, `decoder.` and `head.`
parts, the names the composite specs in `specs/` give their template calls) or one bare
component (a backbone, decoder or head; `prefix` says where it sits in the target, empty for a
target that is that component alone). Auto-named components (SpineNet, (Dilated)ResNet, NAS-FPN,
EfficientNet, MobileNet, SpineNet-Mobile) pair by
creation order (`mg_auto`); named ones (FPN, the heads) pair by name (`mg_named`), and an archdsl
backbone trained inside Model Garden pairs by IR node name (`transfer_archdsl`). The first
difference raises `ArchError`. tf-models-official is not imported: only the objects are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archdsl.interop.mg_auto import copy_to, fail, transfer_auto
from archdsl.interop.mg_named import (
    transfer_fpn,
    transfer_retinanet_head,
    transfer_rpn_head,
    transfer_segmentation_head,
)
from archdsl.interop.mg_seg import transfer_aspp, transfer_mask_scoring
from archdsl.lower.names import ir_name


def transfer_archdsl(source: Any, target: Any, prefix: str = "") -> int:
    """An archdsl backbone or decoder inside Model Garden (`archdsl.modelgarden.ArchdslBackbone`,
    `ArchdslDecoder`): its layers are named after IR nodes, so each goes to the same node under
    `prefix`."""
    return sum(copy_to(layer, target, prefix + ir_name(layer.name), f"Model Garden's `{layer.name}`")
               for layer in source.layers if layer.weights)


# Model Garden class name -> how its weights pair with archdsl's.
_COMPONENTS: dict[str, Callable[[Any, Any, str], int]] = {
    "SpineNet": transfer_auto, "ResNet": transfer_auto, "DilatedResNet": transfer_auto, "NASFPN": transfer_auto,
    "EfficientNet": transfer_auto, "MobileNet": transfer_auto, "SpineNetMobile": transfer_auto,
    "FPN": transfer_fpn, "RetinaNetHead": transfer_retinanet_head, "RPNHead": transfer_rpn_head,
    "SegmentationHead": transfer_segmentation_head, "ASPP": transfer_aspp, "MaskScoring": transfer_mask_scoring,
    "ArchdslBackbone": transfer_archdsl, "ArchdslDecoder": transfer_archdsl,
}
_PARTS = (("backbone", "backbone."), ("decoder", "decoder."), ("head", "head."),
          ("mask_scoring_head", "mask_scoring."))


def transfer_weights(source: Any, target: Any, prefix: str = "") -> int:
    """Copy every weight of Model Garden `source` into archdsl model `target`. Returns the
    number of weight tensors copied; raises `ArchError` at the first mismatch."""
    kind = type(source).__name__
    if kind in _COMPONENTS:
        return _COMPONENTS[kind](source, target, prefix)
    if all(hasattr(source, part) for part in ("backbone", "head")):  # a task model
        copied = 0
        for part, sub in _PARTS:
            component = getattr(source, part, None)
            if component is not None:
                copied += transfer_weights(component, target, prefix + sub)
        return copied
    raise fail(f"no weight mapping for Model Garden `{kind}`; known: {', '.join(_COMPONENTS)}, "
               "and task models with a backbone, decoder and head")
