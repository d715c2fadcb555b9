"""A per-document time limit, so one pathological file cannot hold a worker for hours.

Choice: a SIGALRM timer (`setitimer`) around each stage's work on each document. Unlike a
check between stages it also stops work that never returns by itself (a regular expression
backtracking on one line, a detector stuck on a huge file): CPython's regex engine and the
interpreter loop both notice pending signals, so the alarm's exception lands inside the stuck
call. Luigi runs a task's `run()` in the main thread of its process (the worker process when
--workers > 1), where signals can be handled.

Where signals are unavailable (not the main thread, or no SIGALRM on the platform) the limit
falls back to a check after the stage: the document is still rejected, but only once the
stage has returned. An outer timer that is due sooner (pytest-timeout, say) is left alone,
and an outer timer that is due later is re-armed with the time it had left.

A timeout depends on the machine, so it is the one rejection that can differ between runs;
the default is far above what any real article needs, so it only fires on pathological input.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentTimeout(Exception):
    """A stage took longer than `run.max_document_seconds` on one document."""


def _signals_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise DocumentTimeout in the block once `seconds` have passed (0 or less: no limit).

    >>> with time_limit(5):
    ...     sum(range(10))
    45
    """
    if seconds <= 0:
        yield
        return
    start = time.monotonic()
    if not _signals_usable():
        yield
        if time.monotonic() - start > seconds:
            raise DocumentTimeout(f"took more than {seconds:g} s")
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:  # an outer deadline comes first; let it fire
        yield
        return

    armed, fired = [True], [False]

    def on_alarm(_signum: int, _frame: object) -> None:
        if armed[0]:
            fired[0] = True
            # The exception is lost if the alarm lands in a finaliser or a gc callback, so the
            # timer is re-armed to try again, and the end of the block checks `fired` as well.
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            raise DocumentTimeout(f"took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
        if fired[0]:
            raise DocumentTimeout(f"took more than {seconds:g} s")
    finally:
        # The alarm can land at any bytecode, also here; once `armed` is cleared it is harmless,
        # so retry until the handler and any outer timer are put back.
        while True:
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                if outer_left:
                    left = max(outer_left - (time.monotonic() - start), 1e-3)
                    signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
                break
            except DocumentTimeout:
                continue
