"""The op registry: built-in ops, ops registered from Python, and ops of installed plug-ins.

Built-ins are the modules named in `BUILTIN` (each exports `OPS`, a tuple of `OpDef`s), with the names
each defines: looking a name up imports only the module that defines it, so checking a SpineNet never
imports the transformer or token ops (importing an op module creates its frozen attrs classes, which
costs about as much as the whole check's passes; tests/test_ops.py proves the table equals the
modules' `OPS`). A user adds
an op with `archdsl.register_op(OpDef(...))`; an installed package names its ops in its own
metadata under the entry-point group `archdsl.ops` (the value an `OpDef` or a sequence of them),
which are loaded the first time a name is looked up that no built-in has (or all ops are listed),
as pytest loads `pytest11` plug-ins: scanning the installed packages' metadata costs more than a
whole check, so a spec of built-in ops never pays it. A name can be registered once: a duplicate is
an error naming both origins. A spec can only name ops that are already registered; nothing in a
spec imports or runs Python.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from archdsl.diagnostics import ArchError, error
from archdsl.ops.base import OpDef

ENTRY_POINT_GROUP = "archdsl.ops"
# module of archdsl.ops -> the op names its `OPS` defines
BUILTIN: dict[str, tuple[str, ...]] = {
    "input": ("input",), "conv": ("conv",), "bn": ("bn",), "act": ("act",),
    "pool": ("maxpool", "avgpool", "global_pool"), "sampling": ("upsample", "resize"),
    "merge": ("add", "mul", "concat", "attention", "identity"), "blocks": ("bottleneck", "residual"),
    "mbconv": ("squeeze_excite", "mbconv", "convbn"), "sepconv": ("sepconv",), "resample": ("resample",),
    "drop_path": ("drop_path",),
    "tokens": ("patch_embed", "cls_token", "pool_tokens", "to_map", "tokens_to_map", "to_tokens"),
    "transformer": ("layer_norm", "self_attention", "dense", "dropout", "layer_scale", "pos_embed"),
    "encoder": ("encoder_block", "encoder"), "segment": ("resize_to",),
    "flatten": ("resize_fixed", "flatten", "stop_gradient"), "group_norm": ("group_norm",),
}
_MODULE_OF = {name: module for module, names in BUILTIN.items() for name in names}

_ops: dict[str, OpDef] = {}
_origin: dict[str, str] = {}
_modules_loaded: set[str] = set()
_plugins_loaded = False


class DuplicateOp(ValueError):
    """Two definitions claim one op name."""


def _load_module(module: str) -> None:
    if module in _modules_loaded:
        return
    _modules_loaded.add(module)
    for op in importlib.import_module(f"archdsl.ops.{module}").OPS:
        _add(op, f"archdsl.ops.{module}")


def _load_builtins() -> None:
    for module in BUILTIN:
        _load_module(module)


def _load() -> None:
    """Built-ins, then the installed plug-ins."""
    global _plugins_loaded
    _load_builtins()
    if _plugins_loaded:
        return
    _plugins_loaded = True  # set first: a plug-in that looks an op up while loading must not recurse
    from importlib.metadata import entry_points  # its import alone costs a tenth of a check

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"package {ep.dist.name if ep.dist else '?'} (entry point {ep.name} = {ep.value})"
        try:
            loaded = ep.load()
            defs = [loaded] if isinstance(loaded, OpDef) else list(loaded)
            for op in defs:
                if not isinstance(op, OpDef):
                    raise TypeError(f"{op!r} is not an archdsl OpDef")
                _add(op, origin)
        except DuplicateOp as exc:
            raise ArchError(error(f"installed op plug-ins conflict: {exc}",
                                  hint="uninstall one of the two packages")) from None
        except Exception as exc:  # a broken plug-in must not look like a bug in archdsl
            raise ArchError(error(f"cannot load the op plug-in of {origin}: {type(exc).__name__}: {exc}")) from None


def _add(op: OpDef, origin: str) -> None:
    if op.name in _ops:
        raise DuplicateOp(f"op `{op.name}` is defined twice: by {_origin[op.name]} and by {origin}")
    _ops[op.name] = op
    _origin[op.name] = origin


def register_op(op: OpDef, *, origin: str | None = None) -> OpDef:
    """Add `op` to the registry (from Python); returns it, so it can be used as a decorator's
    result. A name already taken raises `DuplicateOp`."""
    _load()
    if not isinstance(op, OpDef):
        raise TypeError(f"register_op needs an OpDef, got {type(op).__name__}")
    _add(op, origin or f"register_op ({op.attrs.__module__})")
    return op


def unregister_op(name: str) -> None:
    """Remove an op registered from Python (tests and notebooks re-registering an edited op)."""
    if name in _MODULE_OF:
        raise ValueError(f"`{name}` is a built-in op")
    _ops.pop(name, None)
    _origin.pop(name, None)


def get_op(name: str) -> OpDef:
    """The definition of op `name` (KeyError when there is none)."""
    op = find_op(name)
    if op is None:
        raise KeyError(name)
    return op


def find_op(name: str) -> OpDef | None:
    op = _ops.get(name)
    if op is None and name in _MODULE_OF:
        _load_module(_MODULE_OF[name])
        op = _ops.get(name)
    if op is None and not _plugins_loaded:
        _load()
        op = _ops.get(name)
    return op


def all_ops() -> Iterator[OpDef]:
    """Every op: the built-ins in `BUILTIN`'s order (whatever order lookups imported them in, so
    hints list ops alike in every run), then the others as they were registered."""
    _load()
    builtins = [_ops[name] for names in BUILTIN.values() for name in names]
    yield from builtins + [op for name, op in _ops.items() if name not in _MODULE_OF]


def spelled_names() -> Iterable[str]:
    """The op names a spec can write (for did-you-mean hints)."""
    return [op.name for op in all_ops() if op.spelled]


def origin(name: str) -> str:
    get_op(name)
    return _origin[name]
