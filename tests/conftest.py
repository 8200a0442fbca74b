"""Shared test helpers: the repository root, spec paths, golden-file comparison."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.arch"))
UPDATE = os.environ.get("ARCHDSL_UPDATE_GOLDENS") == "1"


def assert_golden(actual: str, golden: Path) -> None:
    """Compare with a golden file; ARCHDSL_UPDATE_GOLDENS=1 rewrites it (review the diff)."""
    if UPDATE or not golden.exists():
        if not UPDATE:
            pytest.fail(f"missing golden {golden}; run with ARCHDSL_UPDATE_GOLDENS=1 to create it")
        golden.write_text(actual)
        return
    assert actual == golden.read_text(), f"differs from {golden.name} (ARCHDSL_UPDATE_GOLDENS=1 to update)"


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    """Diagnostics print paths relative to the working directory: make it the repository root."""
    monkeypatch.chdir(ROOT)


# Folders whose every test carries one marker: when `-m` deselects that marker (the fast suite,
# `-m "not keras and not parity"`), their modules are not even imported, so the fast suite needs
# neither TensorFlow nor numpy to be installed.
_MARKED_DIRS = {"keras": ROOT / "tests" / "keras", "parity": ROOT / "tests" / "parity"}


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    expr = config.getoption("markexpr") or ""
    for marker, folder in _MARKED_DIRS.items():
        if f"not {marker}" in expr and collection_path.is_relative_to(folder):
            return True
    return None


def pytest_collection_modifyitems(config, items):
    """Run the fast tests first, then the `slow` property tests, then the Keras and parity tests (a
    stable sort: file order is kept within each part), so a plain `pytest` reports quick failures
    within seconds."""
    def tier(item) -> int:
        if item.get_closest_marker("keras") or item.get_closest_marker("parity"):
            return 2
        return 1 if item.get_closest_marker("slow") else 0

    items.sort(key=tier)


@pytest.fixture(autouse=True)
def _release_tensorflow_memory():
    """After a test that built Keras models, drop them: one pytest process builds hundreds of
    models (parity, exports, every spec), and without this its memory grows past the machine's."""
    yield
    import sys

    if "tf_keras" in sys.modules:
        import gc

        sys.modules["tf_keras"].backend.clear_session()
        gc.collect()
