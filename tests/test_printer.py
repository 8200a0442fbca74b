"""The canonical printer and `archdsl fmt`: round trips on every spec, comments, a property test."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archdsl.arch import load
from archdsl.cli import main
from archdsl.diagnostics import Source, Span
from archdsl.syntax import ast
from archdsl.syntax.parse import parse, parse_with_comments
from archdsl.syntax.printer import format_expr, format_file, format_text, same_ast, strip_spans
from conftest import SPECS

# ---- every spec ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_round_trip(spec):
    text = spec.read_text()
    out = format_text(text, str(spec))
    assert format_text(out) == out, "formatting is not idempotent"
    assert same_ast(parse(out), parse(text))
    comments = lambda t: Counter(c.text for c in parse_with_comments(t)[1])  # noqa: E731
    assert comments(out) == comments(text)


def test_committed_specs_are_formatted():
    assert main(["fmt", "--check", *map(str, SPECS)]) == 0


def test_formatted_specs_load_to_the_same_model(tmp_path):
    for spec in SPECS:
        (tmp_path / spec.name).write_text(format_text(spec.read_text(), str(spec)))
    for spec in SPECS:
        before, after = load(spec), load(tmp_path / spec.name)
        assert (after.params, after.macs, after.outputs) == (before.params, before.macs, before.outputs)


def test_same_ast_ignores_spans_but_not_literal_types():
    assert same_ast(parse("arch a() {\n  let x = 1\n}\n"), parse("\n\narch  a( ) {\n\n  let x=1\n}"))
    assert not same_ast(parse("arch a() {\n  let x = 1\n}\n"), parse("arch a() {\n  let x = 1.0\n}\n"))
    assert strip_spans(parse("arch a() {\n  let x = L3\n}\n")) != strip_spans(parse("arch a() {\n  let x = 3\n}\n"))


# ---- canonical style and comments -------------------------------------------------------------

MESSY = '''# top

import "spinenet.arch" as sn   # eol import
arch small(a=1,b = 2) {   # open
  # lead let


  let x = (1 + 2) * 3 - -(4 - 5) // 2   # eol let
  let y = 1 - (2 - 3) + f(1, k=2) + 1e-5 + 2.50 + "a\\"b\\\\c"
  x0 = conv 3x3 /(x+1) 64 bias=true -> bn(momentum=0.9) -> act(relu)  at L3 <- img  # eol node
  y0 = add -> repeat 2 (conv 1x1 (x) -> bn) <-
    x0,  # mid
       img
  fuse resample alpha(0.5) , combine add {  # fuse head
    # in fuse
    c1 = block at L3 <- a, b   # c1
    c22 = blk at L4 <- a output

    c3 = blk  <- a
    # end of fuse
  }  # close fuse
  return {a: x0, b: y0}
  # before close
}  # close arch
arch v = small(
  a = 1,  # first
  # lead b
  b = 2,
  # inner
)  # after
block b(
  p, # p comment
  q: int) {   # header close
}
# eof
'''

CANONICAL = '''# top

import "spinenet.arch" as sn  # eol import
arch small(a = 1, b = 2) {  # open
  # lead let

  let x = (1 + 2) * 3 - -(4 - 5) // 2  # eol let
  let y = 1 - (2 - 3) + f(1, k = 2) + 1e-5 + 2.5 + "a\\"b\\\\c"
  x0 = conv 3x3 /(x + 1) 64 bias=true -> bn(momentum = 0.9) -> act relu at L3 <- img  # eol node
  y0 = add -> repeat 2 (conv 1x1 x -> bn) <- x0, img                                  # mid
  fuse resample alpha(0.5), combine add {  # fuse head
    # in fuse
    c1  = block at L3 <- a, b  # c1
    c22 = blk   at L4 <- a    output

    c3 = blk <- a
    # end of fuse
  }  # close fuse
  return {a: x0, b: y0}
  # before close
}  # close arch
arch v = small(
  a = 1,  # first
  # lead b
  b = 2,
  # inner
)  # after
block b(
  p,  # p comment
  q: int,
) {  # header close
}
# eof
'''


def test_ops_in_chains_print_as_the_docs_write_them():
    body = "arch a(f = swish) {{\n  input image: [64, 64, 3]\n  {}\n  x = conv 3x3 8 -> {} <- image\n  return x\n}}\n"
    canonical = body.format("defaults act(swish), bn(momentum = 0.9)",
                            "act swish -> act f -> upsample 2 -> resize(2 * f)")
    assert format_text(canonical) == canonical
    assert format_text(body.format("defaults act swish, bn momentum=0.9",
                                   "act(swish) -> act(f) -> upsample(2) -> resize (2 * f)")) == canonical


def test_canonical_layout_and_comment_placement():
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL
    assert same_ast(parse(MESSY), parse(CANONICAL))


def test_long_or_commented_lists_go_one_per_line():
    assert format_text("arch a(p, q, r) {\n}\n") == "arch a(p, q, r) {\n}\n"
    assert format_text("arch a(p, q, r, s) {\n}\n") == "arch a(\n  p,\n  q,\n  r,\n  s,\n) {\n}\n"
    assert format_text("arch b = a(\n  p = 1,\n  q = 2,\n)\n") == "arch b = a(p = 1, q = 2)\n"
    long = ", ".join(f"a_rather_long_parameter_name_{i} = {i}" for i in range(3))
    assert format_text(f"arch b = a({long})\n").count("\n") == 5


def test_several_end_of_line_comments_on_one_printed_line_are_kept():
    text = "arch a() {\n  x = conv 3x3 64 ->  # one\n    bn <- y  # two\n}\n"
    out = format_text(text)
    assert out == "arch a() {\n  # one\n  x = conv 3x3 64 -> bn <- y  # two\n}\n"
    assert format_text(out) == out


def test_repeat_count_that_is_not_one_word_keeps_its_parentheses():
    text = "arch a() {\n  x = repeat (max(1, n)) (conv 3x3 8) <- y\n}\n"
    assert format_text(text) == text


def test_bare_argument_that_would_read_as_a_call_is_parenthesised():
    out = format_text("arch a() {\n  x = conv 3x3 (k) (s + 1) <- y\n}\n")
    assert "conv 3x3 (k) (s + 1)" in out
    assert same_ast(parse(out), parse("arch a() {\n  x = conv 3x3 (k) (s + 1) <- y\n}\n"))


# ---- property test: generated ASTs print and read back ---------------------------------------

_S = Span(Source("<generated>", ""), 1, 1, 1, 1)
_names = st.sampled_from(["a", "b", "x1", "width", "_t"])


def _lit(v, is_level=False):
    return ast.Lit(v, _S, is_level)


_leaves = st.one_of(
    st.integers(0, 10**12).map(_lit),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(lambda v: _lit(abs(v))),
    st.integers(0, 99).map(lambda v: _lit(v, True)),
    st.booleans().map(_lit),
    st.text(max_size=6).map(_lit),
    _names.map(lambda n: ast.Var(n, _S)),
)


def _args(expr):
    pos = expr.map(lambda e: ast.Arg("pos", e, _S))
    kw = st.tuples(_names, expr).map(lambda t: ast.Arg("kw", t[1], _S, t[0]))
    return st.lists(st.one_of(pos, kw), max_size=3).map(tuple)


_exprs = st.recursive(_leaves, lambda sub: st.one_of(
    st.builds(lambda op, l, r: ast.BinOp(op, l, r, _S), st.sampled_from(["+", "-", "*", "/", "//", "%"]), sub, sub),
    sub.map(lambda e: ast.Neg(e, _S)),
    st.builds(lambda f, a: ast.Call(f, a, _S), _names, _args(sub)),
    st.builds(lambda n, i: ast.Index(n, i, _S), _names, sub),
), max_leaves=10)

_bare = st.one_of(
    _exprs.map(lambda e: ast.Arg("pos", e, _S)),
    st.tuples(_names, _exprs).map(lambda t: ast.Arg("kw", t[1], _S, t[0])),
    _exprs.map(lambda e: ast.Arg("stride", e, _S)),
    st.integers(1, 9).map(lambda k: ast.Arg("kernel", _lit(k), _S)),
)
_plain_stages = st.builds(lambda op, args: ast.Stage(op, tuple(args), _S, _S),
                          st.sampled_from(["conv", "bn", "act"]), st.lists(_bare, max_size=4))
# `repeat COUNT (chain)`, where COUNT is any expression (a call or a sum needs its parentheses).
_stages = st.one_of(_plain_stages, st.builds(
    lambda count, inner: ast.Repeat(count, ast.Chain(tuple(inner), _S), _S), _exprs,
    st.lists(_plain_stages, min_size=1, max_size=2)))


def _file(*body):
    return ast.File(Source("<generated>", ""), (ast.ArchDef("arch", "a", (), tuple(body), _S, _S),))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exprs)
def test_expressions_print_and_read_back(expr):
    file = _file(ast.Let("x", expr, _S))
    assert same_ast(parse(format_file(file)), file), format_expr(expr)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_stages, min_size=1, max_size=3))
def test_chains_print_and_read_back(stages):
    node = ast.NodeStmt(ast.Target("n", None, _S), ast.Chain(tuple(stages), _S), None,
                        (ast.Ref("y", None, (), _S),), False, _S)
    file = _file(node)
    assert same_ast(parse(format_file(file)), file), format_file(file)


# ---- archdsl fmt ---------------------------------------------------------------------------


def test_fmt_prints_to_stdout(capsys):
    spec = next(s for s in SPECS if s.name == "spinenet49.arch")
    assert main(["fmt", str(spec)]) == 0
    assert capsys.readouterr().out == spec.read_text()


def test_fmt_check_and_write(tmp_path, capsys):
    messy, tidy = tmp_path / "messy.arch", tmp_path / "tidy.arch"
    messy.write_text(MESSY)
    tidy.write_text(CANONICAL)
    os.chmod(messy, 0o640)
    tidy_stat = tidy.stat()

    assert main(["fmt", "--check", str(tidy)]) == 0
    assert main(["fmt", "--check", str(messy), str(tidy)]) == 1
    assert capsys.readouterr().out.split() == [str(messy)]
    assert messy.read_text() == MESSY

    assert main(["fmt", "--write", str(messy), str(tidy)]) == 0
    assert messy.read_text() == CANONICAL
    assert messy.stat().st_mode & 0o777 == 0o640
    after = tidy.stat()
    assert (after.st_ino, after.st_mtime_ns) == (tidy_stat.st_ino, tidy_stat.st_mtime_ns)  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.arch", "tidy.arch"]  # no temp files left
    assert main(["fmt", "--check", str(messy)]) == 0


def test_fmt_syntax_error_leaves_the_file_alone(tmp_path, capsys):
    bad = tmp_path / "bad.arch"
    bad.write_text("arch a( {\n")
    for mode in ([], ["--check"], ["--write"]):
        assert main(["fmt", *mode, str(bad)]) == 1
        assert "error: unexpected" in capsys.readouterr().err
        assert bad.read_text() == "arch a( {\n"
    assert main(["fmt", "--write", str(tmp_path / "missing.arch")]) == 2  # trouble, not a spec error
    assert "no such file" in capsys.readouterr().err
    assert main(["fmt", "--check", "--write", str(bad)]) == 2


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False))
def test_comments_anywhere_survive(rnd):
    """Full-line and end-of-line comments and blank lines sprinkled over a spec: the output is a
    fixed point, means the same and keeps every comment."""
    lines = []
    for i, line in enumerate(rnd.choice([SPECS[0].read_text(), MESSY]).splitlines()):
        if rnd.random() < 0.15:
            lines.append(f"  # own {i}")
        elif rnd.random() < 0.05:
            lines.append("")
        lines.append(line + (f"  # eol {i}" if "#" not in line and rnd.random() < 0.3 else ""))
    text = "\n".join(lines) + "\n"
    out = format_text(text)
    assert format_text(out) == out
    (before, cb), (after, ca) = parse_with_comments(text), parse_with_comments(out)
    assert same_ast(before, after)
    assert Counter(c.text for c in cb) == Counter(c.text for c in ca)


def test_merge_orphans_from_round_trips():
    text = ("arch a() {\n  fuse resample nasfpn(8), merge orphans from x, p[3], r.s {\n"
            "    y = add -> act at L1 <- x, p[3] output\n  }\n  return y\n}\n")
    out = format_text(text)
    assert "merge orphans from x, p[3], r.s {" in out
    assert same_ast(parse(out), parse(text))
