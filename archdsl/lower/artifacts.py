"""Saved artifacts: `.keras` files and SavedModel directories that carry their spec.

Both formats carry `archdsl.json`: the spec files the arch was loaded from (the main file and
every import, verbatim), the `-D` overrides, and a sha256 over that bundle, so an artifact can be
traced to, and rebuilt from, exactly the text that made it. In a `.keras` zip it is an extra
member; in a SavedModel it sits in `assets.extra/` (the directory TF reserves for such files).
Writes are atomic: the artifact is built under a temporary name in the destination directory and
moved into place with `os.replace`, so a failure never leaves a partial or clobbered artifact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from archdsl.arch import Arch, load
from archdsl.fileio import atomic_path

META = "archdsl.json"


def spec_bundle(arch: Arch) -> dict[str, Any]:
    """The spec files behind `arch` (relative to the main file's directory), overrides and hash."""
    kept = getattr(arch, "_bundle", None)  # an Arch rebuilt from an artifact keeps its bundle
    if kept is not None:
        return kept
    if arch.path is None or not arch.sources:
        raise ValueError("this Arch was not loaded from a file; it has no spec text to store")
    main = Path(arch.path).resolve()
    # The texts the arch was built from, as read then (not re-read: the files may have changed).
    files = {os.path.relpath(path, main.parent): text for path, text in arch.sources.items()}
    body = {"main": main.name, "files": dict(sorted(files.items())), "overrides": arch.overrides}
    if arch.taps is not None:  # only then, so artifacts without taps keep their hash
        body["outputs"] = list(arch.taps)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return {**body, "sha256": digest, "format": 1}


def arch_from_bundle(bundle: dict[str, Any]) -> Arch:
    """Rebuild the `Arch` an artifact came from (in a scratch directory)."""
    with tempfile.TemporaryDirectory(prefix="archdsl-spec-") as tmp:
        for rel, text in bundle["files"].items():
            dest = Path(tmp, rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        arch = load(Path(tmp, bundle["main"]), bundle["overrides"], outputs=bundle.get("outputs"))
    arch.path = bundle["main"]
    arch._bundle = bundle  # type: ignore[attr-defined]  # re-saving must not need the scratch files
    return arch


def save(model: Any, arch: Arch, out: str) -> str:
    """Write `model` to `out` atomically: `*.keras` -> Keras format, else a SavedModel directory."""
    meta = json.dumps(spec_bundle(arch), indent=1)
    dest = Path(out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.suffix == ".keras" and not out.endswith(os.sep):
        return _save_keras(model, dest, meta)
    return _save_savedmodel(model, dest, meta)


def _save_keras(model: Any, dest: Path, meta: str) -> str:
    with atomic_path(dest) as tmp:
        model.save(str(tmp))
        with zipfile.ZipFile(tmp, "a") as z:
            z.writestr(META, meta)
    return str(dest)


def _save_savedmodel(model: Any, dest: Path, meta: str) -> str:
    with atomic_path(dest, directory=True) as tmp:
        model.save(str(tmp), save_format="tf")  # includes the `serving_default` signature
        (tmp / "assets.extra").mkdir(exist_ok=True)
        (tmp / "assets.extra" / META).write_text(meta, encoding="utf-8")
    return str(dest)


def read_bundle(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        return json.loads((p / "assets.extra" / META).read_text(encoding="utf-8"))
    with zipfile.ZipFile(p) as z:
        return json.loads(z.read(META).decode("utf-8"))


def load_model(path: str) -> tuple[Any, Arch]:
    """(tf_keras model, Arch) from an artifact written by `save`."""
    import tf_keras

    from archdsl.lower import layers as _custom  # noqa: F401  registers DropPath, GlobalAttention
    from archdsl.lower.keras import attach_structure
    from archdsl.lower.plan import plan

    arch = arch_from_bundle(read_bundle(path))
    model = tf_keras.models.load_model(path)
    attach_structure(model, list(plan(arch)))
    return model, arch
