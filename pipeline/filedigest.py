"""What each input file holds, as a digest of its bytes, without reading every file on every run.

The plan (which files each shard cleans) must change when a file's text changes, and only
then. Size and mtime alone miss an edit that keeps both (`touch -r`, a tool that restores
times, a copy that preserves them), and mtime alone reruns a file that was only touched. So
the plan carries a digest of the content, and the digest is kept between runs in
`.work/digests.json` beside the file's size, mtime, ctime and inode, the way git's index
keeps a file's stat data beside its blob id: while all four are unchanged the file is not read
again. ctime cannot be set from user space (any write, and any utime call, moves it to now), so
an edit that restores size and mtime still changes it. As in git ("racy git"), an entry is not
kept when the file's mtime is within `RACY_NS` of the moment its digest was taken: a second
write in the same timestamp tick would look unchanged, so such a file is read again next run.
`verify=True` reads every file whatever the cache says.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import orjson
import xxhash

from pipeline.io import InputFile, _open_below, atomic_write

CACHE_NAME = "digests.json"
RACY_NS = 2_000_000_000  # coarser than any file system's timestamp tick that matters (FAT: 2 s)
_CHUNK = 1 << 20


def file_digest(root: Path, relpath: str) -> str:
    """xxh3-128 of a file's bytes (hex), or "" when it cannot be read: the decode stage reads it
    again and records why.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.txt").write_bytes(b"hello")
    ...     file_digest(Path(d), "a.txt") == xxhash.xxh3_128_hexdigest(b"hello"), file_digest(Path(d), "b.txt")
    (True, '')
    """
    try:
        fd = _open_below(root, relpath)
    except OSError:
        return ""
    h = xxhash.xxh3_128()
    try:
        while chunk := os.read(fd, _CHUNK):
            h.update(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return h.hexdigest()


def with_digests(root: Path, files: Iterable[InputFile], work: Path,
                 verify: bool = False) -> tuple[list[InputFile], int]:
    """`files` with `content` set, and how many files had to be read. Files with a problem
    are left as they are (the decode stage rejects them with the reason)."""
    cache_path = work / CACHE_NAME
    cache: dict[str, list] = {}
    if not verify:
        try:
            cache = orjson.loads(cache_path.read_bytes())
        except (OSError, ValueError):  # first run, or a cache from a crash: read everything
            cache = {}
        if not isinstance(cache, dict):  # not a cache this code wrote: read everything
            cache = {}
    out: list[InputFile] = []
    fresh: dict[str, list] = {}
    read = 0
    now = time.time_ns()
    for f in files:
        if f.problem:
            out.append(f)
            continue
        stamp = [f.size, f.mtime_ns, f.ctime_ns, f.inode]
        hit = cache.get(f.relpath)
        if isinstance(hit, list) and len(hit) == 5 and hit[:4] == stamp:
            content = hit[4]
        else:
            content = file_digest(root, f.fsname or f.relpath)
            read += 1
        if content and now - f.mtime_ns > RACY_NS:
            fresh[f.relpath] = [*stamp, content]
        out.append(replace(f, content=content))
    if fresh != cache:
        try:
            atomic_write(cache_path, orjson.dumps(fresh, option=orjson.OPT_SORT_KEYS), durable=False)
        except OSError:  # only a cache: the next run reads the files again
            pass
    return out, read
