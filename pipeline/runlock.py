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
removed only while no other run holds the lock, so nobody's in-flight write is touched, and
only where newsclean writes them, by the names it gives them (sweep_temp_files).
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
# The files a run writes at the top of the output folder; their temporary names are
# `.NAME.RANDOM.tmp` (pipeline.io.atomic_write, AtomicWriter) or `.NAME.docs|state.RANDOM.tmp`
# (the report's parts). Nothing else at the top level is ever swept.
TOP_OUTPUTS = ("articles.jsonl", "documents.jsonl", "spans.jsonl", "report.html", "articles.parquet",
               "manifest.json", "run.json")
WRITE_PROBE_PREFIX = ".newsclean-write-test-"  # the CLI's writability probe (tempfile.mkstemp)
# RANDOM: tempfile's 8 characters, or the writing process's id.
_RANDOM = r"\.(?:docs\.|state\.)?(?:[a-z0-9_]{8}|\d+)\.tmp"
_TOP_TEMP = re.compile(
    rf"^\.(?:{'|'.join(re.escape(n) for n in TOP_OUTPUTS)}){_RANDOM}$|^{re.escape(WRITE_PROBE_PREFIX)}[a-z0-9_]{{8}}$")
_CLEAN_TEMP = re.compile(rf"^\..+\.txt{_RANDOM}$")  # clean/: FileSet and atomic_write names
_WORK_TEMP = re.compile(rf"^\..+{_RANDOM}$|-luigi-tmp-\d+$")  # .work/: also Luigi's temporary_path


def is_temp_name(name: str) -> bool:
    """Whether a file name is one of the temporary names our atomic writes use (somewhere).

    >>> is_temp_name(".articles.jsonl.k2j3_x9a.tmp"), is_temp_name("00003-ab12.jsonl-luigi-tmp-123456789")
    (True, True)
    >>> is_temp_name("articles.jsonl"), is_temp_name("story.tmp"), is_temp_name(".write-test-keepme")
    (False, False, False)
    """
    return bool(_TOP_TEMP.search(name) or _CLEAN_TEMP.search(name) or _WORK_TEMP.search(name))


def sweep_temp_files(out: Path) -> list[Path]:
    """Remove what killed runs left behind: temporary files with the names newsclean itself
    gives them, only in the places it writes them (the top level of `out`, `.work/`, `clean/`).
    Nothing else below `out` is looked at: it may be a folder that also holds the user's files.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     root = Path(d)
    ...     for name in (".articles.jsonl.k2j3_x9a.tmp", "notes/.draft.tmp", ".write-test-keepme"):
    ...         (root / name).parent.mkdir(exist_ok=True)
    ...         _ = (root / name).write_text("x")
    ...     [p.name for p in sweep_temp_files(root)], sorted(p.name for p in root.rglob("*"))
    (['.articles.jsonl.k2j3_x9a.tmp'], ['.draft.tmp', '.write-test-keepme', 'notes'])
    """
    from pipeline.io import walk

    removed = []

    def drop(path: str) -> None:
        try:
            os.unlink(path)
            removed.append(Path(path))
        except FileNotFoundError:
            pass

    try:
        with os.scandir(out) as it:
            top = [e.name for e in it if e.is_file(follow_symlinks=False) and _TOP_TEMP.search(e.name)]
    except OSError:
        top = []
    for name in top:
        drop(os.path.join(out, name))
    for sub, pattern in ((".work", _WORK_TEMP), ("clean", _CLEAN_TEMP)):
        folder = out / sub
        if folder.is_symlink() or not folder.is_dir():
            continue
        for dirpath, _dirs, files in walk(str(folder)):
            for name in files:
                if pattern.search(name):
                    drop(os.path.join(dirpath, name))
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
