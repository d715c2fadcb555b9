"""Telling a full disk from a bug when Luigi tasks fail.

A task that cannot write because the disk is full is not a bug in newsclean: a traceback per
failed task (dozens, when every shard runs out of space at once) buries the one thing the
operator must do. So while a run lasts, Luigi's log drops task failures caused by a full disk
or quota (in the task processes too: they inherit the filter at fork), the scheduler calls of
this process record every failure's explanation, and the CLI ends with one line instead.
Every file is written to a temporary name and renamed into place, removed when the write
fails, so a full disk leaves whole files or none; the next run reuses them.
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# How an OSError of either kind reads in a traceback sent to the scheduler as text.
_ERRNOS = "|".join(str(e) for e in NO_SPACE)
_NO_SPACE_TEXT = re.compile(rf"\[Errno (?:{_ERRNOS})\]|No space left on device|Disk quota exceeded")


def is_no_space(exc: BaseException | None) -> bool:
    """Whether `exc` (or an exception it was raised from) says the disk or quota is full.

    >>> is_no_space(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_no_space(ValueError("bad rule"))
    False
    """
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def says_no_space(explanation: str) -> bool:
    """Whether a failed task's explanation (its traceback, as Luigi sends it) is a full disk.

    >>> says_no_space("Traceback ...\\nOSError: [Errno 28] No space left on device")
    True
    >>> says_no_space("Traceback ...\\nKeyError: 'x'")
    False
    """
    return bool(_NO_SPACE_TEXT.search(explanation or ""))


class _DropNoSpace(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (is_no_space(exc) or (record.levelno >= logging.ERROR and says_no_space(record.getMessage())))


class Failures:
    """The explanations of this run's failed tasks, as reported to the scheduler."""

    def __init__(self) -> None:
        self.explanations: list[str] = []

    def wrap(self, scheduler: Any) -> Any:
        add_task = scheduler.add_task

        def add_task_(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("status") == "FAILED":
                self.explanations.append(str(kwargs.get("expl") or ""))
            return add_task(*args, **kwargs)

        scheduler.add_task = add_task_
        return scheduler

    @property
    def disk_full(self) -> bool:
        return any(says_no_space(e) for e in self.explanations)


@contextmanager
def quiet_when_disk_full(logger_name: str = "luigi-interface") -> Iterator[None]:
    """Drop the log records of task failures caused by a full disk while the block runs."""
    log = logging.getLogger(logger_name)
    drop = _DropNoSpace()
    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)
