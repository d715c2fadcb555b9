"""Fast paths of the corpus writer and of line splitting give the same results as the plain ones."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path

from pipeline.corpus import _remove_stale
from pipeline.io import FileSet, atomic_write
from pipeline.models import _BREAK, Line, split_lines


def _regex_split(text: str) -> list[Line]:
    out, pos = [], 0
    for m in _BREAK.finditer(text):
        out.append(Line(text[pos:m.start()], pos, m.start()))
        pos = m.end()
    out.append(Line(text[pos:], pos, len(text)))
    return out


def test_split_lines_fast_path_matches_the_regex() -> None:
    rnd = random.Random(3)
    for _ in range(3000):
        text = "".join(rnd.choice(["a", "bc", "\n", "\r", "\r\n", " ", "é", "\u2028", "\x85", "\n\n"])
                       for _ in range(rnd.randint(0, 25)))
        assert split_lines(text) == _regex_split(text), repr(text)


def test_fileset_writes_what_atomic_write_writes(tmp_path: Path) -> None:
    files = FileSet()
    files.write(f"{tmp_path}/new/s001/a.txt", "héllo\n".encode())
    atomic_write(tmp_path / "old" / "s001" / "a.txt", "héllo\n", durable=False)
    new, old = tmp_path / "new" / "s001" / "a.txt", tmp_path / "old" / "s001" / "a.txt"
    assert new.read_bytes() == old.read_bytes()
    assert stat.S_IMODE(new.stat().st_mode) == stat.S_IMODE(old.stat().st_mode)
    assert sorted(p.name for p in new.parent.iterdir()) == ["a.txt"]  # no temporary file left


def test_fileset_leaves_an_unchanged_file_alone_and_replaces_a_changed_one(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    files = FileSet()
    files.write(str(path), b"one\n")
    inode = path.stat().st_ino
    files.write(str(path), b"one\n")
    assert path.stat().st_ino == inode  # same bytes: not rewritten
    files.write(str(path), b"one\nmore\n")
    assert path.read_bytes() == b"one\nmore\n"
    files.write(str(path), b"on")  # a prefix of the old content is a change too
    assert path.read_bytes() == b"on"


def test_fileset_never_writes_through_a_stale_temporary_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"keep")
    files = FileSet()
    os.symlink(target, tmp_path / f".a.txt.{os.getpid()}.tmp")  # left by a killed run with our pid
    files.write(f"{tmp_path}/a.txt", b"new")
    assert (tmp_path / "a.txt").read_bytes() == b"new"
    assert target.read_bytes() == b"keep"


def test_remove_stale_keeps_written_files_and_drops_the_rest(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    for rel in ("keep.txt", "s001/keep.txt", "s001/old.txt", "s002/deep/old.txt", "s003/notes.md"):
        (clean / rel).parent.mkdir(parents=True, exist_ok=True)
        (clean / rel).write_text("x")
    (clean / "empty").mkdir()
    _remove_stale(clean, {"keep.txt", "s001/keep.txt"})
    left = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*"))
    assert left == ["keep.txt", "s001", "s001/keep.txt", "s003", "s003/notes.md"]
