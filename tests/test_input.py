"""Bad input from every door (string escapes, huge numbers, odd files, API arguments) ends in a
located `ArchError`, never a traceback; the limits bound work, not just nodes (issue 11)."""

from __future__ import annotations

import os

import pytest

import archdsl
from archdsl import ArchError
from archdsl.cli import main
from archdsl.syntax.parse import parse

NET = 'arch a(s = {s}) {{\n  input image: [64, 64, 3]\n  c = {op} <- image\n  return c\n}}\n'


def spec(op: str = "conv 3x3 8", s: str = '"x"') -> str:
    return NET.format(op=op, s=s)


def load_text(tmp_path, text: str, **kw):
    path = tmp_path / "t.arch"
    path.write_text(text)
    return archdsl.load(path, **kw)


def first_error(tmp_path, text: str, **kw):
    with pytest.raises(ArchError) as info:
        load_text(tmp_path, text, **kw)
    return info.value.diagnostics[0]


# ---- strings -----------------------------------------------------------------------------------
@pytest.mark.parametrize("literal,value", [
    ('"é"', "é"), ('"\\u00e9"', "é"), ('"a\\"b"', 'a"b'), ('"a\\\\b"', "a\\b"), ('"\\n\\t\\r"', "\n\t\r"),
    ('"\\x41"', "A"), ('"日本"', "日本"), ('"𐀀"', "𐀀"),
])
def test_string_escapes(literal, value):
    file = parse(f"arch a(s = {literal}) {{\n}}\n")
    assert file.items[0].params[0].default.value == value


@pytest.mark.parametrize("literal,message,col", [
    ('"\\x"', "`\\x` needs 2 hex digits", 13), ('"\\u12"', "`\\u` needs 4 hex digits", 13),
    ('"\\N{foo}"', "unknown escape `\\N`", 13), ('"ab\\q"', "unknown escape `\\q`", 15),
    ('"\\ud800"', "surrogate", 13),
])
def test_bad_escapes_are_located(literal, message, col):
    with pytest.raises(ArchError) as info:
        parse(f"arch a(s = {literal}) {{\n}}\n")
    d = info.value.diagnostics[0]
    assert message in d.message and d.span.line == 1 and d.span.col == col, d.render()


def test_bad_escape_in_an_import_is_located(tmp_path):
    d = first_error(tmp_path, 'import "a\\N{x}.arch"\n' + spec())
    assert "unknown escape" in d.message and d.span.line == 1


def test_fmt_keeps_non_ascii_text(tmp_path, capsys):
    path = tmp_path / "t.arch"
    path.write_text(spec(s='"é\\"x"'))
    assert main(["fmt", str(path)]) == 0
    out = capsys.readouterr().out
    assert '"é\\"x"' in out
    assert parse(out).items[0].params[0].default.value == 'é"x'


# ---- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    "conv " + "9" * 4400 + "x" + "9" * 4400 + " 8",   # past Python's 4,300-digit conversion limit
    "conv " + "9" * 2200 + "x" + "9" * 2200 + " 8",   # converts, but its params would not print
    "conv 3x3 8 at L" + "9" * 4400,
    "conv 3x3 " + "9" * 4400,
    "conv 3x3 int(1e300)",
    "conv 3x3 ceil(1e300)",
])
def test_huge_numbers_are_located(tmp_path, op):
    d = first_error(tmp_path, spec(op), max_line_chars=20_000)
    assert "too large" in d.message and d.span.line == 3, d.render()


@pytest.mark.parametrize("value", ["1" + "0" * 309, "9223372036854775808", "L" + "9" * 30, "-" + "9" * 5000])
def test_huge_define_is_refused(value, capsys):
    assert main(["check", "specs/spinenet49.arch", "-D", f"input_size={value}"]) == 1
    err = capsys.readouterr().err
    assert "too large" in err and "Traceback" not in err


def test_huge_override_from_python_is_refused():
    with pytest.raises(ArchError, match="-D input_size is too large"):
        archdsl.load("specs/spinenet49.arch", {"input_size": 10**400})


# ---- files -------------------------------------------------------------------------------------
IMPORTS = 'import "{}"\narch a() {{\n  input image: [64, 64, 3]\n  return image\n}}\n'


def test_symlink_loop_as_main_file_or_import(tmp_path):
    (tmp_path / "loop1.arch").symlink_to("loop2.arch")
    (tmp_path / "loop2.arch").symlink_to("loop1.arch")
    with pytest.raises(ArchError, match="symlink loop"):
        archdsl.load(tmp_path / "loop1.arch")
    d = first_error(tmp_path, IMPORTS.format("loop1.arch"))
    assert "symlink loop" in d.message and d.span.line == 1


@pytest.mark.parametrize("path", ["a\\x00b.arch", "a\\u0000b.arch", "a\x00b.arch"])
def test_nul_byte_in_import_path(tmp_path, path):
    d = first_error(tmp_path, IMPORTS.format(path))
    assert "NUL byte" in d.message and d.span.line == 1
    assert "\x00" not in d.render()


def test_fifo_without_writer_is_refused(tmp_path):
    os.mkfifo(tmp_path / "fifo.arch")  # opening it for reading would block forever
    with pytest.raises(ArchError, match="not a regular file \\(a named pipe\\)"):
        archdsl.load(tmp_path / "fifo.arch")
    d = first_error(tmp_path, IMPORTS.format("fifo.arch"))
    assert "not a regular file" in d.message and d.span.line == 1


def test_standard_input_when_asked_for(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(open("specs/resnet.arch", "rb").read())))
    assert main(["check", "-"]) == 0
    assert "ok" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["/some/dir", b"/some/dir", 3, ["/ok", 3]])
def test_search_path_must_be_a_list(bad):
    with pytest.raises(TypeError, match="search_path"):
        archdsl.load("specs/resnet50.arch", search_path=bad)


def test_control_bytes_are_escaped_in_diagnostics(tmp_path):
    d = first_error(tmp_path, spec("conv 3x3 8 \x1b[31m"))
    text = d.render()
    assert "\x1b" not in text and "\\x1b[31m" in text
    source, carets = text.splitlines()[3:5]
    assert carets.index("^") == source.index("\\x1b")  # the carets follow the escaped text


# ---- limits ------------------------------------------------------------------------------------
def _deepest_spec(depth: int, loops: int, terms: int) -> str:
    """Templates nested `depth` deep; the innermost runs `loops` nested for-loops around a
    `terms`-term sum: every recursive stage of archdsl at its cap at once."""
    inner = "  " + "".join(f"for i{k} in 1..1 {{\n" for k in range(loops))
    inner += "let z = " + "+".join(["1"] * terms) + "\n" + "}\n" * loops
    text = f"block t0() {{\n  input x\n{inner}  return x\n}}\n"
    text += "".join(f"block t{i}() {{\n  input x\n  y = t{i - 1} <- x\n  return y\n}}\n" for i in range(1, depth))
    return text + f"arch a() {{\n  input image: [64, 64, 3]\n  c = t{depth - 1} <- image\n  return c\n}}\n"


def test_every_recursion_at_its_cap_at_once_still_works(tmp_path):
    from archdsl.limits import CAPS

    depth, nesting = CAPS["max_template_depth"], CAPS["max_nesting"]
    text = _deepest_spec(depth, nesting - 3, nesting)  # brackets: the bodies of arch, block and loops
    arch = load_text(tmp_path, text, max_template_depth=depth, max_nesting=nesting, max_nodes=10**6)
    assert arch.outputs == {"output": (64, 64, 3)}


@pytest.mark.parametrize("flag,value", [("--max-template-depth", "200"), ("--max-nesting", "10000")])
def test_limits_past_their_cap_are_usage_errors(flag, value, capsys):
    assert main(["check", "specs/resnet50.arch", flag, value]) == 2
    err = capsys.readouterr().err
    assert "can be at most" in err and "Traceback" not in err
    with pytest.raises(ValueError, match="can be at most"):
        archdsl.Limits(**{flag[2:].replace("-", "_"): int(value)})


def test_cli_help_states_the_caps(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "at most 50" in out and "at most 100" in out


def _self_calling(calls: int, lets: int = 0) -> str:
    body = "".join(f"  let v{i} = {i}\n" for i in range(lets))
    chain = " -> ".join(["b"] * calls)
    return (f"block b() {{\n  input x\n{body}  y = {chain} <- x\n  return y\n}}\n"
            "arch a() {\n  input image: [64, 64, 3]\n  c = b <- image\n  return c\n}\n")


BIG_BLOCKS = "arch a() {\n  input image: [64, 64, 3]\n  defaults act(relu)\n  c0 = conv 3x3 8 <- image\n" + "".join(
    f"  c{k} = bottleneck 1 repeats=1980 <- c{k - 1}\n" for k in range(1, 101)) + "  return c100\n}\n"


@pytest.mark.parametrize("text,message,line", [
    (BIG_BLOCKS, "expands to more than 20,000 nodes", 5),          # c1 alone: 12 layers x 1980
    (_self_calling(2, lets=1000), "expands to more than 20,000 nodes", None),  # work, not calls
    (_self_calling(3), "templates nest deeper than 32", 3),       # one error, not thousands
])
def test_work_is_bounded_with_one_error(tmp_path, text, message, line):
    with pytest.raises(ArchError) as info:
        load_text(tmp_path, text)
    assert len(info.value.diagnostics) == 1, info.value.render()[:2000]
    d = info.value.diagnostics[0]
    assert message in d.message and (line is None or d.span.line == line), d.render()


def test_render_layers_of_huge_blocks_is_refused(tmp_path, capsys):
    path = tmp_path / "t.arch"
    path.write_text(BIG_BLOCKS)
    assert main(["render", str(path), "--detail", "layers", "-o", str(tmp_path / "t.dot")]) == 1
    assert "more than 20,000 nodes" in capsys.readouterr().err
    assert not (tmp_path / "t.dot").exists()


def test_block_layers_are_counted_but_real_specs_fit():
    from archdsl.ops.registry import get_op

    # the budget counts what the expansion makes: a bottleneck block is 12 layers at most
    assert get_op("bottleneck").layers({"repeats": 1980}) >= 12 * 1980
    archdsl.load("specs/retinanet_spinenet190.arch")  # the largest real network, within the default


def test_strings_have_a_bounded_length(tmp_path):
    lets = 'let s0 = "xxxxxxxxxxxxxxxx"\n' + "".join(f"  let s{i} = " + "+".join([f"s{i - 1}"] * 16) + "\n"
                                                     for i in range(1, 6))
    text = f"arch a() {{\n  input image: [64, 64, 3]\n  {lets}  return image\n}}\n"
    d = first_error(tmp_path, text)
    assert "131,072 characters, more than the limit of 100,000" in d.message and d.span.line == 7
    d = first_error(tmp_path, text, max_string_chars=2 * 10**6)
    assert "more than the limit of 2,000,000" in d.message and d.span.line == 8


# ---- silently accepted ---------------------------------------------------------------------------
def test_negative_repeat_count_is_located(tmp_path):
    d = first_error(tmp_path, spec("repeat (0-1) (conv 3x3 8)"))
    assert "repeat count must be 0 or more, got -1" in d.message and d.span.line == 3


def test_zero_repeats_leave_the_chain_out(tmp_path):
    # Model Garden's heads accept num_convs=0 (no tower convs): `repeat 0` is the line's input.
    assert load_text(tmp_path, spec("repeat 0 (conv 3x3 8)")).outputs == {"output": (64, 64, 3)}
    text = spec("repeat 0 (conv 3x3 8)").replace(" <- image", "")
    d = first_error(tmp_path, text)
    assert "has no op after unrolling and 0 inputs" in d.message and d.span.line == 3


def test_duplicate_record_field_is_located(tmp_path):
    text = "arch a() {\n  input image: [64, 64, 3]\n  x = conv 3x3 8 <- image\n  return {x: x, x: image}\n}\n"
    d = first_error(tmp_path, text)
    assert "field `x` is given twice" in d.message and (d.span.line, d.span.col) == (4, 20)
    assert d.notes[0].span.col == 14


@pytest.mark.parametrize("op", ["add", "conv 1x1 3 -> add", "concat"])
def test_one_input_combine_is_refused_by_elaboration(tmp_path, op):
    d = first_error(tmp_path, spec(op))
    assert "needs at least 2 inputs, got 1 input" in d.message and d.span.line == 3


def test_one_input_add_is_refused_by_check_structure_too():
    from archdsl.ir import nodes as n
    from archdsl.ir.graph import ArchGraph
    from archdsl.passes import State, get_pass

    g = ArchGraph("a")
    g.add_node(n.Node("image", "input", 0, n.InputAttrs(8, 8, 3), "image"))
    g.add_node(n.Node("sum", "add", 0, n.NoAttrs(), "sum"))
    g.add_edge("image", "sum", 0)
    g.outputs = {"output": "sum"}
    diags = get_pass("check-structure").run(State(g)).diagnostics
    assert [d.message for d in diags] == ["`sum` (add) needs at least 2 inputs, got 1 input"]


def test_nul_byte_in_the_main_path():
    with pytest.raises(ArchError, match="NUL byte"):
        archdsl.load("specs/a\x00b.arch")


@pytest.mark.parametrize("failing", [
    "  p[l] = conv 3x3 8 frob=1 <- image\n",                     # a family member fails
    "  p[l] = conv 3x3 (l + nothing) <- image\n",                # its filters fail
    "  p[l + nothing] = conv 3x3 8 <- image\n",                  # its index fails
])
def test_failed_lines_cause_no_follow_on_errors(tmp_path, failing):
    text = ("arch a() {\n  input image: [64, 64, 3]\n  for l in 2..4 {\n" + failing + "  }\n"
            "  q = conv 3x3 8 <- p[3]\n  let w = q_width\n  r = conv 3x3 w <- q\n  s = add <- r, p[4]\n"
            "  return {out: s, other: p[2]}\n}\n")
    with pytest.raises(ArchError) as info:
        load_text(tmp_path, text)
    messages = [d.message for d in info.value.diagnostics]
    assert len(messages) == 2 and "q_width" in messages[1], messages  # the cause, and the other typo
    assert all("unknown name `p`" not in m and "`r`" not in m for m in messages)


def test_import_chains_are_bounded(tmp_path):
    from archdsl.ir.load import MAX_IMPORT_DEPTH

    n = MAX_IMPORT_DEPTH + 20
    for i in range(n):
        imp = f'import "f{i + 1}.arch"\n' if i < n - 1 else ""
        (tmp_path / f"f{i}.arch").write_text(imp + f"block b{i}() {{\n  input x\n  return x\n}}\n"
                                             + (IMPORTS.format(f"f{i + 1}.arch").split("\n", 1)[1] if i == 0 else ""))
    with pytest.raises(ArchError) as info:
        archdsl.load(tmp_path / "f0.arch")
    d = info.value.diagnostics[0]
    assert len(info.value.diagnostics) == 1 and f"imports nest deeper than {MAX_IMPORT_DEPTH}" in d.message
