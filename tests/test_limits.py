"""The per-document time limit lands where it can be acted on, never inside a callback that
Python runs on its own (a garbage-collector callback, a finaliser), where an exception is
swallowed and reported as "Exception ignored in ..." instead of stopping the document.

The callbacks here sleep well past the deadline, so the alarm is due while they run, on
every run and on any machine: what is checked is where the timeout ends up, not how fast
anything is.
"""

from __future__ import annotations

import gc
import sys
import time
import weakref
from collections.abc import Iterator

import pytest

from pipeline.limits import DocumentTimeout, time_limit

LIMIT = 0.05
SLOW = 0.3  # the callbacks run six deadlines long


@pytest.fixture
def unraisable(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    seen: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))
    yield seen


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_alarm_due_inside_a_gc_callback_stops_the_block_not_the_callback(unraisable: list[object]) -> None:
    calls: list[str] = []

    def slow_callback(phase: str, _info: dict) -> None:
        if phase == "start" and not calls:
            calls.append(phase)
            _busy(SLOW)
            calls.append("callback finished")

    gc.callbacks.append(slow_callback)
    try:
        with pytest.raises(DocumentTimeout):
            with time_limit(LIMIT):
                gc.collect()
                _busy(SLOW)  # the block itself goes on past the deadline
    finally:
        gc.callbacks.remove(slow_callback)
    assert calls == ["start", "callback finished"]
    assert unraisable == []


class _SlowFinaliser:
    finished = False

    def __del__(self) -> None:
        _busy(SLOW)
        type(self).finished = True


def test_alarm_due_inside_a_finaliser_stops_the_block_not_the_finaliser(unraisable: list[object]) -> None:
    with pytest.raises(DocumentTimeout):
        with time_limit(LIMIT):
            obj = _SlowFinaliser()
            del obj  # runs __del__ now, past the deadline
            _busy(SLOW)
    assert _SlowFinaliser.finished
    assert unraisable == []


def test_alarm_due_inside_a_weakref_callback_is_not_reported_and_still_stops_the_block(
        unraisable: list[object]) -> None:
    """A weakref callback is a swallowing callback the stack check does not know: the firing
    it swallows is dropped without an "Exception ignored" report, and a later one lands."""
    calls: list[str] = []

    def slow_callback(_ref: object) -> None:
        calls.append("callback")
        _busy(SLOW)
        calls.append("callback finished")

    obj = _Plain()
    ref = weakref.ref(obj, slow_callback)
    with pytest.raises(DocumentTimeout):
        with time_limit(LIMIT):
            del obj  # the callback runs now, past the deadline
            _busy(SLOW)
    assert ref() is None and calls[0] == "callback"  # (cut short: the firing lands inside it)
    assert unraisable == []
    assert sys.unraisablehook is not None and getattr(sys.unraisablehook, "__self__", None) is None  # put back


class _Plain:
    pass


def test_timeout_swallowed_by_the_code_in_the_block_is_raised_again() -> None:
    swallowed = 0
    with pytest.raises(DocumentTimeout):
        with time_limit(LIMIT):
            for _ in range(3):
                try:
                    _busy(SLOW)
                except Exception:  # noqa: BLE001 - a careless library
                    swallowed += 1
    assert swallowed >= 1


def test_the_limit_leaves_no_timer_and_no_handler_behind() -> None:
    import signal

    before, outer = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)[0]
    with pytest.raises(DocumentTimeout), time_limit(LIMIT):
        _busy(SLOW)
    after = signal.getitimer(signal.ITIMER_REAL)[0]  # an outer timer (pytest-timeout) is put back
    assert (after > 0) == (outer > 0) and after <= outer
    assert signal.getsignal(signal.SIGALRM) is before
    _busy(0.1)  # a stray re-armed alarm would fire here
