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

Python swallows an exception raised inside a callback it runs on its own (a garbage-collector
callback, a finaliser `__del__`, sys.unraisablehook): it prints "Exception ignored in ..." and
carries on, so an alarm landing there would be lost, and the noise would land in the log (or
fail a test run). So the handler looks at the stack it interrupted: inside such a callback it
raises nothing and re-arms a short timer; elsewhere it raises, and re-arms as well, because
code in the block may catch and drop the exception (`except Exception: pass`). The timer keeps
firing every few milliseconds until the exception has left the block, and the end of the
block raises it too if the block somehow completed after the deadline.

A timeout depends on the machine, so it is the one rejection that can differ between runs;
the default is far above what any real article needs, so it only fires on pathological input.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentTimeout(Exception):
    """A stage took longer than `run.max_document_seconds` on one document."""


def _signals_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


RETRY_SECONDS = 0.01  # after the deadline: how soon the alarm fires again


def _in_swallowing_callback(frame: object) -> bool:
    """Whether `frame` (the one a signal interrupted) runs inside a callback whose exceptions
    Python reports as unraisable and drops: a gc callback, a finaliser or the unraisable hook."""
    codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    hook = sys.unraisablehook
    codes.add(getattr(getattr(hook, "func", hook), "__code__", None))
    codes.discard(None)
    f = frame
    while f is not None:
        code = f.f_code  # type: ignore[attr-defined]
        if code in codes or code.co_name == "__del__":
            return True
        f = f.f_back  # type: ignore[attr-defined]
    return False


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

    def on_alarm(_signum: int, frame: object) -> None:
        if armed[0]:
            fired[0] = True
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
            if not _in_swallowing_callback(frame):
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
