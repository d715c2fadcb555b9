"""One output folder, several runs: an advisory lock, and sweeping what killed runs left behind.

Local-scheduler runs take the lock exclusively: a second run over the same output folder waits
for the first to finish (then usually finds nothing left to do), so two cron runs that overlap
never do the same work twice. Runs through luigid take it shared: luigid already hands each
task to exactly one worker, and several `newsclean run --scheduler-url` processes over one
batch (on one machine or several with shared storage) are how the work is scaled out. The lock
is `flock(2)` on `.work/run.lock`: the kernel releases it when its holder exits, even by SIGKILL,
so a killed run never leaves a stale lock.

A run killed mid-write leaves at most a hidden temporary file (`.NAME.RANDOM.tmp` from
pipeline.io.atomic_write, `NAME-luigi-tmp-N` from Luigi); never a partial output. Those are
removed only while no other run holds the lock, so nobody's in-flight write is touched.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "run.lock"
# atomic_write's mkstemp names, Luigi's temporary_path names, and the CLI's writability probe.
_TEMP = re.compile(r"^\..+\.tmp$|-luigi-tmp-\d+$|^\.write-test-")


def is_temp_name(name: str) -> bool:
    """Whether a file name is one of the temporary names our atomic writes use.

    >>> is_temp_name(".articles.jsonl.k2j3_x.tmp"), is_temp_name("00003-ab12.jsonl-luigi-tmp-123456789")
    (True, True)
    >>> is_temp_name("articles.jsonl"), is_temp_name("story.tmp")
    (False, False)
    """
    return bool(_TEMP.search(name))


def sweep_temp_files(out: Path) -> list[Path]:
    """Remove leftover temporary files below the output folder; returns what was removed."""
    removed = []
    from pipeline.io import walk

    for dirpath, _dirs, files in walk(str(out)):
        for name in files:
            if is_temp_name(name):
                path = Path(dirpath) / name
                try:
                    path.unlink()
                    removed.append(path)
                except FileNotFoundError:
                    pass
    return sorted(removed)


@contextmanager
def output_lock(out: Path, shared: bool, say: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the output folder's lock for a run; waits (saying so) while a conflicting run holds it.

    Whoever holds the lock exclusively sweeps leftover temporary files; a shared holder
    then downgrades, letting other luigid runs of the same batch in.
    """
    path = out / ".work" / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    # Opened for append and never written: a run that finds nothing to do changes no file.
    fh = open(path, "a")  # noqa: SIM115 - held for the whole run
    try:
        if _try(fh, fcntl.LOCK_EX):
            sweep_temp_files(out)
            if shared:
                fcntl.flock(fh, fcntl.LOCK_SH)
        elif shared and _try(fh, fcntl.LOCK_SH):
            pass  # other luigid runs of this batch: luigid keeps us from duplicating their work
        else:
            say(f"newsclean: another run is writing {out}; waiting for it to finish "
                "(its lock is released when it ends, even if it is killed)")
            started = time.monotonic()
            fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            if not shared:
                sweep_temp_files(out)
            say(f"newsclean: the other run finished after {time.monotonic() - started:.0f} s; continuing")
        yield
    finally:
        fh.close()  # releases the lock


def _try(fh: object, mode: int) -> bool:
    try:
        fcntl.flock(fh, mode | fcntl.LOCK_NB)  # type: ignore[arg-type]
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
