"""Progress on stderr for the slow commands: a live tqdm line on a terminal, plain lines in a log.

A log (stderr not a terminal: CI, `2> file`, a pipe) gets whole lines only, never `\\r` rewrites:
a phase prints one line when it starts and a "still working" line every `HEARTBEAT` seconds; a
count prints a line every tenth of the way. The stream is looked up when progress starts, so
whatever `sys.stderr` is then (a test's capture included) is where it goes.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

HEARTBEAT = 30.0  # seconds between "still working" lines in a log


def _terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextlib.contextmanager
def phase(what: str) -> Iterator[None]:
    """Show that `what` is under way for as long as the block runs (it may block for minutes)."""
    stream = sys.stderr
    start = time.perf_counter()
    stop = threading.Event()
    if _terminal(stream):
        from tqdm import tqdm

        bar = tqdm(total=None, desc=f"archdsl: {what}", bar_format="{desc} ({elapsed})", file=stream, leave=False)

        def tick() -> None:
            while not stop.wait(0.5):
                bar.refresh()
    else:
        print(f"archdsl: {what}", file=stream, flush=True)

        def tick() -> None:
            while not stop.wait(HEARTBEAT):
                print(f"archdsl: {what}: still working ({time.perf_counter() - start:.0f} s)", file=stream, flush=True)
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if _terminal(stream):
            bar.close()
            print(f"archdsl: {what} ({time.perf_counter() - start:.1f} s)", file=stream, flush=True)


class Count:
    """Progress through `total` items: `update(done, note)` after each, `close()` at the end."""

    def __init__(self, total: int, desc: str) -> None:
        self.stream, self.total, self.desc = sys.stderr, total, desc
        self.step = max(1, -(-total // 10))  # a log line every tenth of the way
        self.bar = None
        if _terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, file=self.stream)
        self.done = 0

    def update(self, done: int, note: str = "") -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
            if note:
                self.bar.set_postfix_str(note, refresh=False)
        elif done % self.step == 0 or done == self.total:
            print(f"{self.desc}: {done}/{self.total}" + (f" ({note})" if note else ""), file=self.stream, flush=True)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
