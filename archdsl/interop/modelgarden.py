"""Copy a Model Garden model's weights into the archdsl model of the same spec.

The source may be a whole Model Garden task model (`RetinaNetModel`, `SegmentationModel`: its
backbone, decoder and head go to the archdsl composite's `backbone.`, `decoder.` and `head.`
parts, the names the composite specs in `specs/` give their template calls) or one bare
component (a backbone, decoder or head; `prefix` says where it sits in the target, empty for a
target that is that component alone). Auto-named components (SpineNet, ResNet, NAS-FPN) pair by
creation order (`mg_auto`); named ones (FPN, the heads) pair by name (`mg_named`). The first
difference raises `ArchError`. tf-models-official is not imported: only the objects are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archdsl.interop.mg_auto import fail, transfer_auto
from archdsl.interop.mg_named import (
    transfer_fpn,
    transfer_retinanet_head,
    transfer_rpn_head,
    transfer_segmentation_head,
)

# Model Garden class name -> how its weights pair with archdsl's.
_COMPONENTS: dict[str, Callable[[Any, Any, str], int]] = {
    "SpineNet": transfer_auto, "ResNet": transfer_auto, "NASFPN": transfer_auto,
    "FPN": transfer_fpn, "RetinaNetHead": transfer_retinanet_head, "RPNHead": transfer_rpn_head,
    "SegmentationHead": transfer_segmentation_head,
}
_PARTS = (("backbone", "backbone."), ("decoder", "decoder."), ("head", "head."))


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
