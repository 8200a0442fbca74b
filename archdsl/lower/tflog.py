"""TensorFlow's start-up and progress chatter, quiet by default (`-v` shows it).

TensorFlow logs through three channels, each needing its own switch, all set before or just after
its first import: C++ `tsl` logging obeys `TF_CPP_MIN_LOG_LEVEL` (read once, at the first log
line; 1 drops INFO such as `cudart_stub`, `cpu_feature_guard`, oneDNN and XLA-service lines);
C++ `absl` logging ignores that variable ("All log messages before absl::InitializeLog()",
"Compiled cluster using XLA!"), so its minimum level is raised to WARNING through absl's exported
`SetMinLogLevel`; Python's `tensorflow` and `absl` loggers get a filter for a few known messages
that are not about the user's model (the compiled-metrics warning when a SavedModel is written).
The failed `cuInit` on a machine without a GPU is an ERROR line, so it is dropped by text, and
only while TensorFlow enumerates devices. Everything else, every other warning and error, still
reaches stderr. A TensorFlow the user imported before archdsl is left as they configured it.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

_verbose: bool | None = None  # None: not configured yet; the Python API then defaults to quiet

# Python log messages that describe TensorFlow's bookkeeping, not the user's model.
_PY_NOISE = re.compile(r"compiled metrics have yet to be built|No training configuration found in save file"
                       r"|Found untraced functions such as")
# Lines printed while devices are enumerated on a machine without a usable GPU.
_INIT_NOISE = re.compile(r"failed call to cuInit|absl::InitializeLog\(\)")


class _DropNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _PY_NOISE.search(record.getMessage())


_FILTER = _DropNoise()


def configure(verbose: bool) -> None:
    """Show (`verbose`) or hide TensorFlow's log chatter; call before TensorFlow is imported."""
    global _verbose
    _verbose = verbose
    for name in ("tensorflow", "absl"):
        logger = logging.getLogger(name)
        if verbose:
            logger.removeFilter(_FILTER)
        elif _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # a user's own setting wins


def import_tensorflow() -> ModuleType:
    """Import TensorFlow, quietly unless `configure(True)` was called; returns the module."""
    if "tensorflow" in sys.modules:  # imported already (by the user, or by an earlier call)
        return sys.modules["tensorflow"]
    if _verbose is None:
        configure(False)
    import tensorflow as tf

    if not _verbose:
        _raise_absl_min_level(tf)
        _enumerate_devices_quietly(tf)
    return tf


def _raise_absl_min_level(tf: ModuleType) -> None:
    """absl::SetMinLogLevel(WARNING) in TensorFlow's own copy of absl. Its C++ name carries absl's
    release (`absl::lts_20250127::...`), so it is looked up in the library's symbol table; a
    TensorFlow without it (older ones log through tsl only) is left alone."""
    lib = Path(str(tf.__file__)).parent / "libtensorflow_framework.so.2"
    tail = b"14SetMinLogLevelENS0_18LogSeverityAtLeastE"
    try:
        with open(lib, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            end = m.find(tail)
            if end < 0:
                return
            name = m[m.rfind(b"\0", 0, end) + 1:end + len(tail)].decode("ascii")
        set_min_level = getattr(ctypes.CDLL(str(lib)), name)
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return
    set_min_level.argtypes = [ctypes.c_int]
    set_min_level(1)  # absl::LogSeverityAtLeast::kWarning


def _enumerate_devices_quietly(tf: ModuleType) -> None:
    """Enumerate devices (TensorFlow would on first use) with stderr captured, then replay every
    captured line but the no-GPU noise. A file, not a pipe: nothing can block while capturing."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to protect (a daemon): nothing to capture
        tf.config.list_physical_devices()
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            tf.config.list_physical_devices()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines(keepends=True) if not _INIT_NOISE.search(line)]
    if kept:
        sys.stderr.write("".join(kept))
        sys.stderr.flush()
