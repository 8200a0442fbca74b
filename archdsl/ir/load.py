"""Spec files as modules: reading, imports, templates and their parameters.

A module is one parsed `.arch` file plus the templates (`arch` and `block` definitions, and `arch x
= base(...)` variants) it defines or imports. `import "other.arch"` resolves relative to the
importing file and must stay inside the spec search path: no `..` escapes, no absolute paths, no
symlinks that resolve outside it, no cycles. Files are read by `archdsl.ir.read` (regular files
only, bounded by `max_file_bytes`). A variant is its base with new parameter defaults. The main
arch of a file is the last `arch` it defines. The main file `-` is standard input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archdsl.diagnostics import ArchError, Diagnostic, Note, Span, did_you_mean, error
from archdsl.ir.expr import Scope, coerce, evaluate, type_name
from archdsl.ir.read import STDIN, display, read_spec, read_stdin, resolved, shown
from archdsl.limits import DEFAULT, Limits
from archdsl.syntax import ast
from archdsl.syntax.parse import parse

REQUIRED = object()


@dataclass
class ParamInfo:
    name: str
    type: str | None
    default: Any  # an ast.Expr (evaluated in order), a ready value, or REQUIRED
    span: Span


@dataclass
class Template:
    """An `arch` or `block` definition, ready to be instantiated with parameter values."""

    name: str
    defn: ast.ArchDef
    params: list[ParamInfo]
    span: Span  # where this name was defined (the variant line for a variant)

    @property
    def kind(self) -> str:
        return self.defn.kind


@dataclass
class Module:
    path: str
    file: ast.File
    symbols: dict[str, Template] = field(default_factory=dict)
    main: Template | None = None
    # Every file this module was built from (itself and its imports): resolved path -> exact text.
    sources: dict[str, str] = field(default_factory=dict)

    def template(self, name: str, span: Span) -> Template:
        if name not in self.symbols:
            raise ArchError(error(f"unknown block or arch `{name}`", span,
                                  hint=did_you_mean(name, self.symbols)))
        return self.symbols[name]


def _search_roots(main: Path, search_path: Any) -> list[Path]:
    if search_path is None:
        return [resolved(main, None).parent] if str(main) != STDIN else [Path.cwd().resolve()]
    if isinstance(search_path, (str, bytes, os.PathLike)) or not isinstance(search_path, (list, tuple)):
        raise TypeError(f"search_path must be a list of directories, got {type(search_path).__name__} "
                        f"{search_path!r} (write search_path=[{search_path!r}])")
    for p in search_path:
        if not isinstance(p, (str, os.PathLike)):
            raise TypeError(f"search_path entries must be str or os.PathLike, got {type(p).__name__} {p!r}")
    return [resolved(Path(p), None) for p in search_path] or [resolved(main, None).parent]


def load_module(path: str | os.PathLike, search_path: list[str] | None = None,
                limits: Limits = DEFAULT) -> Module:
    """Parse `path` and everything it imports. Raises `ArchError`."""
    main = Path(path)
    loader = _Loader(_search_roots(main, search_path), limits)
    module = loader.load(main, None, ())
    module.sources = {str(p): m.file.source.text for p, m in loader.cache.items()}
    return module


@dataclass
class _Loader:
    roots: list[Path]
    limits: Limits = DEFAULT
    cache: dict[Path, Module] = field(default_factory=dict)

    def load(self, path: Path, span: Span | None, stack: tuple[Path, ...]) -> Module:
        real = resolved(path, span) if str(path) != STDIN else Path(STDIN)
        if real in stack:
            chain = " -> ".join(p.name for p in stack + (real,))
            raise ArchError(error(f"import cycle: {chain}", span))
        if real in self.cache:
            return self.cache[real]
        if str(path) == STDIN and not stack:
            text = read_stdin(self.limits.max_file_bytes)
        else:
            text = read_spec(path, span, self.limits.max_file_bytes)
        module = Module(display(path), parse(text, display(path), self.limits))
        diags: list[Diagnostic] = []
        import_failed = False
        for item in module.file.items:
            try:
                self._item(module, item, path, stack + (real,))
            except ArchError as exc:
                # After a failed import, "unknown arch" errors are its echo: report the cause only.
                if isinstance(item, ast.Import) or not import_failed:
                    diags.extend(exc.diagnostics)
                import_failed = import_failed or isinstance(item, ast.Import)
        if diags:
            raise ArchError(diags)
        self.cache[real] = module
        return module

    def _item(self, module: Module, item: ast.Item, path: Path, stack: tuple[Path, ...]) -> None:
        if isinstance(item, ast.Import):
            other = self.load(self._resolve_import(item, path), item.span, stack)
            if item.alias:
                if other.main is None:
                    raise ArchError(error(f"{item.path} defines no arch to import as `{item.alias}`", item.span))
                self._define(module, item.alias, _renamed(other.main, item.alias, item.span))
            else:
                for name, template in other.symbols.items():
                    if template.defn.span.source.path == other.path or name not in module.symbols:
                        self._define(module, name, template)
            return
        if isinstance(item, ast.ArchVariant):
            base = module.template(item.base, item.span)
            template = Template(item.name, base.defn, _variant_params(base, item), item.name_span)
        else:
            params = [ParamInfo(p.name, p.type, p.default if p.default is not None else REQUIRED, p.span)
                      for p in item.params]
            template = Template(item.name, item, params, item.name_span)
        self._define(module, item.name, template)
        if template.kind == "arch":
            module.main = template

    def _define(self, module: Module, name: str, template: Template) -> None:
        if name in module.symbols and module.symbols[name] is not template:
            first = module.symbols[name].span
            raise ArchError(error(f"`{name}` is defined twice", template.span,
                                  notes=[Note("first defined here", first)]))
        module.symbols[name] = template

    def _resolve_import(self, item: ast.Import, path: Path) -> Path:
        if os.path.isabs(item.path):
            raise ArchError(error("imports must be relative paths", item.span,
                                  hint="write the path relative to this file"))
        if "\0" in item.path:
            raise ArchError(error(f"import path {shown(Path(item.path))} holds a NUL byte", item.span))
        target = resolved(path.parent / item.path, item.span)
        if not any(target == r or r in target.parents for r in self.roots):
            roots = ", ".join(display(r) for r in self.roots)
            raise ArchError(error(f"import `{item.path}` leaves the spec search path", item.span,
                                  hint=f"the search path is: {roots} (add a directory with -I)"))
        return target


def _renamed(template: Template, name: str, span: Span) -> Template:
    return Template(name, template.defn, template.params, span)


def _variant_params(base: Template, item: ast.ArchVariant) -> list[ParamInfo]:
    """The base's parameters with new defaults; each keeps the base's type, so a variant's
    `width = "wide"` is reported where it is written."""
    given = bind_args(base, item.args, Scope(), item.span)
    out = []
    for p in base.params:
        type_ = p.type or _type_of_default(p, Scope())
        if p.name in given:
            value, span = given[p.name]
            if type_:
                value = coerce(value, type_, f"parameter `{p.name}`", span)
            out.append(ParamInfo(p.name, type_, value, span))
        else:
            out.append(ParamInfo(p.name, type_, p.default, p.span))
    return out


def bind_args(template: Template, args: tuple[ast.Arg, ...], scope: Scope, span: Span) -> dict[str, tuple[Any, Span]]:
    """Evaluate call arguments (positional in parameter order, then by name) for `template`."""
    names = [p.name for p in template.params]
    out: dict[str, tuple[Any, Span]] = {}
    for i, arg in enumerate(args):
        if arg.kind == "kw":
            name = arg.name or ""
        elif arg.kind == "pos" and i < len(names):
            name = names[i]
        else:
            raise ArchError(error(f"unexpected argument for `{template.name}`", arg.span,
                                  hint=f"parameters: {', '.join(names) or 'none'}"))
        if name not in names:
            raise ArchError(error(f"`{template.name}` has no parameter `{name}`", arg.span,
                                  hint=did_you_mean(name, names) or f"parameters: {', '.join(names)}"))
        if name in out:
            raise ArchError(error(f"`{name}` is given twice", arg.span))
        out[name] = (evaluate(arg.value, scope, symbols=True), arg.span)
    return out


def param_values(template: Template, given: dict[str, tuple[Any, Span]], *,
                 max_string: int = DEFAULT.max_string_chars) -> Scope:
    """The scope of parameter values for one instantiation; defaults may use earlier parameters."""
    scope = Scope(max_string=max_string)
    for p in template.params:
        if p.name in given:
            value, span = given[p.name]
        elif p.default is REQUIRED:
            raise ArchError(error(f"`{template.name}` needs a value for `{p.name}`", p.span))
        elif isinstance(p.default, (ast.Lit, ast.Var, ast.Call, ast.Index, ast.BinOp, ast.Neg)):
            value, span = evaluate(p.default, scope, symbols=True), p.default.span
        else:
            value, span = p.default, p.span
        declared = p.type or _type_of_default(p, scope)
        scope.values[p.name] = coerce(value, declared, f"parameter `{p.name}`", span) if declared else value
    return scope


def param_type(p: ParamInfo) -> str | None:
    """The declared type, else the type of a literal default, else None (unchecked)."""
    return p.type or _type_of_default(p, Scope())


def _type_of_default(p: ParamInfo, scope: Scope) -> str | None:
    default = p.default
    if isinstance(default, ast.Lit):
        return "level" if default.is_level else type_name(default.value)
    if default is REQUIRED or isinstance(default, (ast.Var, ast.Call, ast.Index, ast.BinOp, ast.Neg)):
        return None
    return type_name(default) if type_name(default) in ("int", "float", "bool", "string") else None
