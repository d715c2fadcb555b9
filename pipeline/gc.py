"""`newsclean gc`: remove from `.work` what the run that wrote the corpus does not read.

Every intermediate output lives under a fingerprint of the settings that made it, so each
changed setting, and each new set of files in a shard, leaves the old outputs behind. They
are what makes switching back cheap, but nothing else reads them. The run that wrote the
corpus lists every work file it read or wrote (`.work/runs/run-KEY.json`, see tasks.py):
those stay, so a rerun with the same configuration still does no work and a change re-runs
exactly what it did before; everything else goes (other runs' records included).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.runlock import LOCK_NAME


@dataclass(frozen=True)
class Collected:
    removed_files: int
    removed_bytes: int
    kept_files: int
    kept_bytes: int


def collect(corpus: Path, keep: list[str], dry_run: bool = False) -> Collected:
    """Delete the files below `corpus/.work` whose paths (relative to it) are not in `keep`,
    then the folders left empty; links are removed, never followed. The caller holds the
    output folder's lock, so no run is writing there."""
    work = corpus / ".work"
    wanted = set(keep) | {LOCK_NAME}
    removed = removed_bytes = kept = kept_bytes = 0
    for dirpath, dirnames, filenames in os.walk(work, topdown=False):
        rel = os.path.relpath(dirpath, work).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            size = os.lstat(path).st_size
            if prefix + name in wanted:
                kept += 1
                kept_bytes += size
                continue
            removed += 1
            removed_bytes += size
            if not dry_run:
                os.unlink(path)
        if not dry_run and dirpath != str(work) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return Collected(removed, removed_bytes, kept, kept_bytes)


def size_of(folder: Path) -> int:
    """Bytes of the files below `folder` (links not followed)."""
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _dirs, files in os.walk(folder) for f in files)
