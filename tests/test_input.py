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

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(open("specs/resnet50.arch", "rb").read())))
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
