"""Finding inputs, naming outputs, and writing files atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import xxhash


class InputError(Exception):
    """The input folder itself cannot be used (missing, not a folder, unreadable)."""


@dataclass(frozen=True, slots=True)
class InputFile:
    id: str
    relpath: str
    size: int
    mtime_ns: int
    problem: str | None = None  # set when the file cannot be read as a document


def doc_id(relpath: str) -> str:
    """The document id: its path below the input folder, `/`-separated, without extension.

    >>> doc_id("000_2cb9e80f71fff0a9.txt")
    '000_2cb9e80f71fff0a9'
    >>> doc_id("site/2024/story.v2.txt")
    'site/2024/story.v2'
    >>> doc_id(".hidden")
    '.hidden'
    """
    head, _, name = relpath.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{head}/{stem}" if head else stem


def scan_inputs(root: Path) -> list[InputFile]:
    """Every file below `root`, sorted by id; links are not followed, but are accounted for."""
    if not root.exists():
        raise InputError(f"input folder {root} does not exist; pass an existing folder to --input")
    if not root.is_dir():
        raise InputError(f"input {root} is not a folder; pass the folder that holds the articles")
    found: dict[str, InputFile] = {}
    extra: list[InputFile] = []

    def onerror(exc: OSError) -> None:
        raise InputError(f"cannot read input folder {exc.filename}: {exc.strerror}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(filenames) + sorted(d for d in dirnames if (base / d).is_symlink()):
            path = base / name
            rel = path.relative_to(root).as_posix()
            problem = None
            try:
                st = path.lstat()
                if path.is_symlink():
                    problem = "symlink: links are not followed"
                elif not path.is_file():
                    problem = "not-a-regular-file"
                elif not os.access(path, os.R_OK):
                    problem = "unreadable: permission denied"
                f = InputFile(doc_id(rel), rel, st.st_size, st.st_mtime_ns, problem)
            except OSError as exc:
                f = InputFile(doc_id(rel), rel, 0, 0, f"unreadable: {exc.strerror}")
            if f.id in found:
                extra.append(InputFile(f"{f.id}#{rel}", rel, f.size, f.mtime_ns,
                                       f"id-collision: same id as {found[f.id].relpath}"))
            else:
                found[f.id] = f
    return sorted([*found.values(), *extra], key=lambda f: f.id)


def shard_of(doc_id: str, shards: int) -> int:
    """Stable shard number of an id: adding other files never moves a document."""
    return xxhash.xxh64_intdigest(doc_id.encode("utf-8")) % shards


def digest(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=_default).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _default(o: Any) -> Any:
    if hasattr(o, "__dataclass_fields__"):
        return asdict(o)
    raise TypeError(type(o))


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, UTF-8 text, no spaces after separators."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    atomic_write(path, "".join(dumps(r) + "\n" for r in rows))


def read_jsonl(path: Path) -> Iterator[Any]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
