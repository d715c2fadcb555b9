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
block raises it too if the block somehow completed after the deadline. A callback the stack
check cannot recognise (a weakref callback run when an object dies) may still swallow one
firing; while the block runs, the unraisable hook drops that report, since a later firing
delivers the timeout.

A timeout depends on the machine, so it is the one rejection that can differ between runs;
the default is far above what any real article needs, so it only fires on pathological input.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time


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


class time_limit:  # noqa: N801 - used like a function: `with time_limit(60): ...`
    """Raise DocumentTimeout in the block once `seconds` have passed (0 or less: no limit).

    >>> with time_limit(5):
    ...     sum(range(10))
    45
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.mode = "off"
        self.armed = self.fired = False

    def __enter__(self) -> None:
        self.start = time.monotonic()
        if self.seconds <= 0:
            return
        if not _signals_usable():
            self.mode = "check"
            return
        self.outer_left, self.outer_interval = signal.getitimer(signal.ITIMER_REAL)
        if self.outer_left and self.outer_left <= self.seconds:  # an outer deadline comes first; let it fire
            return
        self.mode = "alarm"
        self.previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        self.previous = signal.signal(signal.SIGALRM, self._on_alarm)
        # Armed last: an alarm due at once finds everything in place for __exit__ to undo.
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def _on_alarm(self, _signum: int, frame: object) -> None:
        if not self.armed:
            return
        self.fired = True
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        # Not while entering or leaving the block either: an exception raised there would skip
        # the clean-up below and leave this handler re-firing in whatever code runs next.
        if not _in_swallowing_callback(frame) and not _in_codes(frame, _OWN_CODES):
            raise DocumentTimeout(f"took more than {self.seconds:g} s")

    def _unraisable(self, unraisable: object) -> None:
        """A timeout swallowed in a callback the stack check does not know (a weakref callback,
        an atexit-style hook) is not lost, since the timer fires again until it leaves the block;
        only the "Exception ignored" report is dropped. Anything else goes to the hook as before."""
        if isinstance(getattr(unraisable, "exc_value", None), DocumentTimeout):
            return
        self.previous_hook(unraisable)  # type: ignore[arg-type]

    def __exit__(self, exc_type: object, exc: object, _tb: object) -> bool:
        if self.mode == "check":
            if exc is None and time.monotonic() - self.start > self.seconds:
                raise DocumentTimeout(f"took more than {self.seconds:g} s")
            return False
        if self.mode != "alarm":
            return False
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if sys.unraisablehook == self._unraisable:
            sys.unraisablehook = self.previous_hook
        if self.outer_left:
            left = max(self.outer_left - (time.monotonic() - self.start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, self.outer_interval)
        if exc is None and self.fired:  # the block swallowed the timeout, or it came as it ended
            raise DocumentTimeout(f"took more than {self.seconds:g} s")
        return False


def _in_codes(frame: object, codes: frozenset[object]) -> bool:
    f = frame
    while f is not None:
        if f.f_code in codes:  # type: ignore[attr-defined]
            return True
        f = f.f_back  # type: ignore[attr-defined]
    return False


_OWN_CODES = frozenset({time_limit.__enter__.__code__, time_limit.__exit__.__code__})
