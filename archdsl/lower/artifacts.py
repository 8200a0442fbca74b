"""Saved artifacts: `.keras` files and SavedModel directories that carry their spec.

Both formats carry `archdsl.json`: the spec files the arch was loaded from (the main file and
every import, verbatim, relative to the folder that holds them all, so `-I` imports load back),
the `-D` overrides, and a sha256 over that bundle. In a `.keras` zip it is an extra member; in a
SavedModel it sits in `assets.extra/`. The bundle is also the marker `archdsl.fileio` looks for:
`compile -o` replaces only an artifact of the same kind. Writes are atomic.

Loading treats the artifact as untrusted input: the bundle is validated (types, file names kept
inside one scratch folder, `main` among the files, the hash), the model is rebuilt from the spec
and only the artifact's *weights* are read into it, so nothing the artifact's Keras config or
graph names (a `Lambda`'s code, a custom class) is run. `trust=True` loads the artifact's own
saved model instead (Keras' loader with `safe_mode=False`: only for artifacts you made). Either
way the model's params must equal the spec's. Every failure is one `ArchError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from archdsl.arch import Arch, load
from archdsl.diagnostics import ArchError, error
from archdsl.fileio import Artifact, atomic_path, check_target

META = "archdsl.json"
MAX_META_BYTES = 64 << 20  # a bundle of spec files; a bigger member is not one archdsl wrote
_SCALARS = (bool, int, float, str)


def _keras_ours(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return META in z.namelist()


def _savedmodel_ours(path: Path) -> bool:
    return (path / "assets.extra" / META).is_file()


KERAS = Artifact("Keras model archdsl compiled", _keras_ours, make_parents=True)
SAVEDMODEL = Artifact("SavedModel archdsl compiled", _savedmodel_ours, directory=True,
                      make_parents=True)


def artifact_format(out: str) -> str:
    """What `save` writes at `out`: "keras" for `*.keras`, "savedmodel" for a directory (`OUT/`,
    or a name without an extension). Any other extension is a ValueError: `x.h5` would otherwise
    be a SavedModel directory that looks like an HDF5 file."""
    if out.endswith(("/", os.sep)) or not Path(out).suffix:
        return "savedmodel"
    if Path(out).suffix == ".keras":
        return "keras"
    raise ValueError(f"cannot tell what to write at {out!r}: use OUT.keras for a Keras file, "
                     "or OUT/ (or a name without an extension) for a SavedModel directory")


def output_kind(out: str) -> Artifact:
    """The artifact kind `save` writes at `out` (see `artifact_format`)."""
    return KERAS if artifact_format(out) == "keras" else SAVEDMODEL


def check_output(out: str, arch: Arch) -> None:
    """Refuse `out` now (ArchError) if `save` would refuse it after the build (see `archdsl.fileio`)."""
    check_target(out, output_kind(out), arch.sources)


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def spec_bundle(arch: Arch) -> dict[str, Any]:
    """The spec files behind `arch` (relative to their common folder), overrides and hash."""
    kept = getattr(arch, "_bundle", None)  # an Arch rebuilt from an artifact keeps its bundle
    if kept is not None:
        return kept
    if arch.path is None or not arch.sources:
        raise ValueError("this Arch was not loaded from a file; it has no spec text to store")
    main = Path(arch.path).resolve()
    root = Path(os.path.commonpath([main.parent, *(Path(p).parent for p in arch.sources)]))
    # The texts the arch was built from, as read then (not re-read: the files may have changed).
    files = {Path(path).relative_to(root).as_posix(): text for path, text in arch.sources.items()}
    body: dict[str, Any] = {"main": main.relative_to(root).as_posix(), "files": dict(sorted(files.items())),
                            "overrides": arch.overrides}
    if arch.taps is not None:  # only then, so artifacts without taps keep their hash
        body["outputs"] = list(arch.taps)
    return {**body, "sha256": _digest(body), "format": 1}


def _bad(path: str, why: str) -> ArchError:
    return ArchError(error(f"{path} is not an archdsl artifact: {why}",
                           hint="artifacts are written by `archdsl compile -o`"))


def _safe_name(name: object) -> bool:
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name or name.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def validate_bundle(bundle: object, path: str) -> dict[str, Any]:
    """`bundle` if it is a well-formed, untampered spec bundle; else an ArchError naming `path`."""
    if not isinstance(bundle, dict):
        raise _bad(path, f"{META} is not a JSON object")
    files, main, overrides = bundle.get("files"), bundle.get("main"), bundle.get("overrides")
    if bundle.get("format") != 1:
        raise _bad(path, f"unknown {META} format {bundle.get('format')!r}")
    if not isinstance(files, dict) or not files or not all(isinstance(t, str) for t in files.values()):
        raise _bad(path, "`files` must map file names to spec texts")
    unsafe = [n for n in files if not _safe_name(n)]
    if unsafe:
        raise _bad(path, f"file name {unsafe[0]!r} is not a plain relative path (no `..`, `/` first, NUL)")
    if main not in files:
        raise _bad(path, f"`main` ({main!r}) is not one of its files")
    if not isinstance(overrides, dict) or not all(isinstance(v, _SCALARS) for v in overrides.values()):
        raise _bad(path, "`overrides` must map names to numbers, booleans or strings")
    outputs = bundle.get("outputs")
    if outputs is not None and not (isinstance(outputs, list) and all(isinstance(o, str) for o in outputs)):
        raise _bad(path, "`outputs` must be a list of node names or levels")
    body = {"main": main, "files": files, "overrides": overrides}
    if outputs is not None:
        body["outputs"] = outputs
    if bundle.get("sha256") != _digest(body):
        raise _bad(path, "its spec does not match its sha256 (the artifact was modified)")
    return bundle


def read_bundle(path: str) -> dict[str, Any]:
    """The validated spec bundle of the artifact at `path` (ArchError if it is not one)."""
    p = Path(path)
    try:
        if p.is_dir():
            meta = p / "assets.extra" / META
            if not meta.is_file() or meta.stat().st_size > MAX_META_BYTES:
                raise _bad(path, f"no assets.extra/{META}")
            raw = meta.read_bytes()
        else:
            with zipfile.ZipFile(p) as z:
                info = z.getinfo(META) if META in z.namelist() else None
                if info is None or info.file_size > MAX_META_BYTES:
                    raise _bad(path, f"the zip holds no {META}")
                raw = z.read(info)
        return validate_bundle(json.loads(raw.decode("utf-8")), path)
    except FileNotFoundError:
        raise ArchError(error(f"no such file: {path}")) from None
    except (zipfile.BadZipFile, EOFError):
        raise _bad(path, "neither a SavedModel folder nor a .keras (zip) file") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _bad(path, f"{META} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise ArchError(error(f"cannot read {path}: {exc.strerror or exc}")) from None


def arch_from_bundle(bundle: dict[str, Any]) -> Arch:
    """Rebuild the `Arch` a (validated) bundle describes, in a scratch folder removed afterwards;
    the folder is the whole search path, so imports resolve exactly as they did, and no further."""
    with tempfile.TemporaryDirectory(prefix="archdsl-spec-") as tmp:
        for rel, text in bundle["files"].items():
            dest = Path(tmp, *PurePosixPath(rel).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        arch = load(Path(tmp, *PurePosixPath(bundle["main"]).parts), bundle["overrides"], search_path=[tmp],
                    outputs=bundle.get("outputs"))
    arch.path = bundle["main"]
    arch._bundle = bundle  # type: ignore[attr-defined]  # re-saving must not need the scratch files
    return arch


def save(model: Any, arch: Arch, out: str) -> str:
    """Write `model` to `out` atomically: `*.keras` -> Keras format, else a SavedModel directory.
    ArchError if `out` may not be written (see `archdsl.fileio.check_target`) or the write fails."""
    meta = json.dumps(spec_bundle(arch), indent=1)
    kind = output_kind(out)
    dest = Path(out)
    try:
        with atomic_path(dest, kind, arch.sources) as tmp:
            if kind is KERAS:
                model.save(str(tmp))
                with zipfile.ZipFile(tmp, "a") as z:
                    z.writestr(META, meta)
            else:
                # Without per-layer traces: Keras would trace every layer's call for a generic
                # revival (5x the save time, 4x tf.saved_model.load's); archdsl's layers revive
                # from their configs. Keras makes `serving_default` from those traces, so it is
                # given here.
                model.save(str(tmp), save_format="tf", save_traces=False,
                           signatures={"serving_default": _serving_function(model)})
                (tmp / "assets.extra").mkdir(exist_ok=True)
                (tmp / "assets.extra" / META).write_text(meta, encoding="utf-8")
    except ArchError:
        raise
    except Exception as exc:  # a full disk or a file-size limit, from Python or from TensorFlow's C++
        if not isinstance(exc, OSError) and not _is_tf_error(exc):
            raise
        why = getattr(exc, "strerror", None) or getattr(exc, "message", None) or str(exc)
        raise ArchError(error(f"cannot write {out}: {why.strip().splitlines()[0]}",
                              hint="nothing was replaced; the previous file (if any) is as it was")) from None
    return str(dest)


def _is_tf_error(exc: BaseException) -> bool:
    import tensorflow as tf

    return isinstance(exc, tf.errors.OpError)


def _serving_function(model: Any) -> Any:
    """The model on its inputs (named as the model's), outputs keyed as the model's with nested
    keys joined by `/` (as `archdsl export` names them)."""
    import tensorflow as tf

    from archdsl.lower.compare import flatten

    specs = [tf.TensorSpec(t.shape, t.dtype, name=name) for t, name in zip(model.inputs, model.input_names)]

    @tf.function(input_signature=specs)
    def serve(*inputs: Any) -> dict[str, Any]:
        out = model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)
        return flatten(out) if isinstance(out, dict) else {"output_0": out}

    return serve


def load_model(path: str, *, trust: bool = False) -> tuple[Any, Arch]:
    """(tf_keras model, Arch) from an artifact written by `save`. ArchError if it is not one.

    By default the model is rebuilt from the artifact's (verified) spec and only its weights are
    read; `trust=True` loads the saved model itself (it may run code the artifact carries)."""
    arch = arch_from_bundle(read_bundle(path))
    import tensorflow as tf
    import tf_keras

    from archdsl.lower import layers as _custom  # noqa: F401  registers DropPath, GlobalAttention
    from archdsl.lower.keras import attach_structure, to_keras
    from archdsl.lower.plan import plan

    if not Path(path).is_dir() and not path.endswith(".keras"):
        raise _bad(path, "a Keras artifact's name must end in .keras")
    try:
        if trust:
            model = tf_keras.models.load_model(path, safe_mode=False)
            attach_structure(model, list(plan(arch)))
        else:
            model = to_keras(arch)
            _load_weights(model, Path(path))
    except (ValueError, KeyError, OSError, AssertionError, tf.errors.OpError) as exc:
        raise ArchError(error(f"cannot load the weights of {path}: {str(exc).splitlines()[0][:300]}",
                              hint="the weights do not fit the model its spec describes")) from None
    if model.count_params() != arch.params:
        raise ArchError(error(f"{path}: the model has {model.count_params():,} params, its spec {arch.params:,}",
                              hint="the artifact's model and spec disagree; it was modified or is damaged"))
    return model, arch


def _load_weights(model: Any, path: Path) -> None:
    """Read only the weights: `model.weights.h5` of a .keras zip, or a SavedModel's checkpoint, and
    require every variable of `model` to get a value (a checkpoint restore alone would keep
    unmatched variables at their random initial values)."""
    if path.is_dir():
        status = model.load_weights(str(path / "variables" / "variables"))
        status.assert_existing_objects_matched()
    else:
        model.load_weights(str(path))
