"""Fuzzing the front end: whatever the text, `archdsl check` ends with exit 0 or a located
diagnostic (exit 1), never a traceback, a hang or another exit code.

Bounded for CI (a few hundred cases per strategy). Cases that once failed are kept in
tests/fuzz_corpus/ and replayed first, forever.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archdsl.cli import main
from conftest import ROOT

CORPUS = sorted((ROOT / "tests" / "fuzz_corpus").glob("*.arch"))
SPEC_TEXTS = {p.name: p.read_text() for p in sorted((ROOT / "specs").glob("*.arch"))}
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


def check_text(tmp: Path, text: str | bytes, name: str = "fuzz.arch") -> None:
    """Write `text` beside a copy of the specs (so imports resolve) and check it in-process."""
    for spec, body in SPEC_TEXTS.items():
        if not (tmp / spec).exists():
            (tmp / spec).write_text(body)
    path = tmp / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    code = main(["check", str(path)])  # an uncaught exception fails the test with its traceback
    assert code in (0, 1)


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.stem)
def test_regression_corpus(case, tmp_path, capsys):
    check_text(tmp_path, case.read_bytes())
    assert "Traceback" not in capsys.readouterr().err


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(tmp_path_factory, data):
    check_text(tmp_path_factory.mktemp("b"), data)


TOKENS = ["arch", "block", "fuse", "for", "in", "repeat", "return", "input", "defaults", "widths",
          "import", "at", "output", "<-", "->", "=", "(", ")", "{", "}", "[", "]", ",", ":", "..",
          "/", "*", "-", "+", "3x3", "L3", "0", "1", "2", "64", "1e9", "-1", "0.5", '"x"', "\n",
          "conv", "bn", "act", "add", "bottleneck", "residual", "maxpool", "upsample", "a", "b", "x",
          "outputs", "resample", "alpha", "combine", "merge", "orphans", "true", "|", "//", "%"]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_soup(tmp_path_factory, tokens):
    check_text(tmp_path_factory.mktemp("t"), " ".join(tokens))


def _mutations():
    line_ops = st.sampled_from(["delete", "duplicate", "swap"])
    numbers = st.sampled_from(["0", "-1", "1e9", "999999999999", "0.5", "3.7", "L40", "1000000"])
    return st.tuples(st.sampled_from(sorted(SPEC_TEXTS)), line_ops, st.integers(0, 200), st.integers(0, 200),
                     numbers, st.integers(0, 200), st.sampled_from(["b1", "s0", "zz", "outputs", "image"]))


@pytest.mark.slow
@FUZZ
@given(_mutations())
def test_mutated_specs(tmp_path_factory, m):
    name, op, i, j, number, k, ref = m
    lines = SPEC_TEXTS[name].splitlines()
    i, j = i % len(lines), j % len(lines)
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    text = "\n".join(lines)
    nums = list(re.finditer(r"\b\d+(\.\d+)?\b", text))
    if nums:
        hit = nums[k % len(nums)]
        text = text[:hit.start()] + number + text[hit.end():]
    refs = list(re.finditer(r"<- (\w+)", text))
    if refs:
        hit = refs[k % len(refs)]
        text = text[:hit.start(1)] + ref + text[hit.end(1):]
    check_text(tmp_path_factory.mktemp("m"), text, name)
