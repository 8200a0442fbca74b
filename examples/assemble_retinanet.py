"""Assemble backbone + decoder + head: once from a spec, once from Python.

The spec `specs/retinanet_resnet50_fpn.arch` composes ResNet-50, FPN and the RetinaNet head in
one file. From Python, `assemble()` writes the same kind of composite for any choice of parts
(the parts stay specs: templates in specs/, called by name) and checks it, without TensorFlow.
With `--keras`, each model is also lowered to tf-keras and run on one batch.

    python examples/assemble_retinanet.py [OUT_DIR] [--keras]    (default: a new temporary directory)
"""

import os
import sys
import tempfile
from pathlib import Path

import archdsl

SPECS = Path(__file__).resolve().parent.parent / "specs"

BACKBONES = {  # name -> (spec file, template call, highest backbone level)
    "resnet50": ("resnet50.arch", "resnet50(input_size = input_size, min_level = 3, max_level = 5, activation = activation)", 5),
    "spinenet49": ("spinenet.arch", "spinenet(input_size = input_size, activation = activation)", 7),
}
DECODERS = {  # name -> (spec file, template call or None for no decoder)
    "fpn": ("fpn.arch", "fpn(backbone_max = {top}, activation = activation)"),
    "identity": (None, None),
}


def assemble(backbone: str, decoder: str, out: Path, num_classes: int = 91) -> Path:
    """Write `<backbone>_<decoder>_retinanet.arch` into `out` and return its path."""
    b_file, b_call, top = BACKBONES[backbone]
    d_file, d_call = DECODERS[decoder]
    rel = os.path.relpath(SPECS, out)
    imports = [f'import "{rel}/{f}"' for f in (b_file, d_file, "retinanet.arch") if f]
    feats = "backbone"
    body = [f"  backbone = {b_call} <- image"]
    if d_call:
        body.append(f"  decoder = {d_call.format(top=top)} <- backbone")
        feats = "decoder"
    body.append(f"  head = retinanet_head(num_classes = {num_classes}, activation = activation) <- {feats}")
    name = f"{backbone}_{decoder}_retinanet"
    text = "\n".join(imports + [
        "", f"arch {name}(input_size = 640, activation: relu | swish = swish) {{",
        "  input image: [input_size, input_size, 3]", *body, "  return head", "}", ""])
    path = out / f"{name}.arch"
    path.write_text(text)
    return path


def describe(arch: archdsl.Arch) -> str:
    scores = arch.outputs["scores"]
    return (f"{arch.name}: {arch.params / 1e6:.2f} M params, {arch.macs / 1e9:.2f} G MACs, "
            f"scores {', '.join(f'L{k} {v[0]}x{v[1]}x{v[2]}' for k, v in scores.items())}")


def run_keras(arch: archdsl.Arch) -> None:
    import numpy as np
    model = arch.to_keras()
    size = arch.graph.params["input_size"]
    out = model(np.zeros((1, size, size, 3), "float32"), training=False)
    assert model.count_params() == arch.params
    print(f"  keras: {model.count_params():,} params; boxes at L3 {tuple(out['boxes']['3'].shape)}")


def main(argv: list[str]) -> None:
    keras = "--keras" in argv
    args = [a for a in argv if a != "--keras"]
    out = Path(args[0] if args else tempfile.mkdtemp(prefix="archdsl-assembled-"))
    out.mkdir(parents=True, exist_ok=True)
    size = {"input_size": 128}
    from_spec = archdsl.load(SPECS / "retinanet_resnet50_fpn.arch", size)
    print("from a spec:   " + describe(from_spec))
    models = [from_spec]
    for backbone, decoder in (("resnet50", "fpn"), ("spinenet49", "identity")):
        path = assemble(backbone, decoder, out)
        arch = archdsl.load(path, size, search_path=[str(out), str(SPECS)])
        print("from Python:   " + describe(arch))
        models.append(arch)
    assert models[0].params == models[1].params  # the spec and the Python assembly agree
    print(f"wrote the assembled specs to {out}")
    if keras:
        for arch in models:
            run_keras(arch)


if __name__ == "__main__":
    main(sys.argv[1:])
