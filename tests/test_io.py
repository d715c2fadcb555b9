"""pipeline/io.py: scanning a hostile input folder, reading without being tricked, naming
outputs safely, and JSON that survives any file name (issue 9)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus import clean_path
from pipeline.io import (
    InputError,
    atomic_write,
    digest,
    display_name,
    dumps,
    read_input,
    safe_relpath,
    scan_inputs,
)
from pipeline.limits import time_limit

# ---- output names ------------------------------------------------------------------------

NASTY_IDS = [
    "../../etc/passwd", "..", ".", "a/../../b", "/abs/path", "Case", "case", "CASE", "a:b", "a?b", "a*b",
    'a"b', "a<b>", "a|b", "a\\b", "con", "CON", "nul.txt", "lpt1", "trailing.", "trailing ", " lead",
    "-rf", "--help", ".hidden", "new\nline", "tab\there", "ü", "u\u0308", "日本語", "x" * 300, "é" * 200,
    "a#b/c.d", "NUL\x00byte", "caf\\xe9", "sub/Case", "sub/case", "Sub/case", "~tilde", "a~b",
    "000_2cb9e80f71fff0a9", "site/2024/story-1",
]


def test_plain_ids_keep_their_names() -> None:
    assert safe_relpath("000_2cb9e80f71fff0a9") == "000_2cb9e80f71fff0a9.txt"
    assert safe_relpath("site/2024/story-1.v2") == "site/2024/story-1.v2.txt"


@pytest.mark.parametrize("doc_id", NASTY_IDS)
def test_output_path_is_safe(doc_id: str) -> None:
    rel = safe_relpath(doc_id)
    parts = rel.split("/")
    assert not rel.startswith("/") and all(parts)
    assert not any(p in (".", "..") or p.startswith(("-", ".")) for p in parts)
    assert all(len(p.encode()) <= 104 for p in parts)
    assert set(rel) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-~/")
    assert parts[-1].split(".")[0] not in ("con", "nul", "lpt1", "prn", "aux")


def test_no_two_ids_share_a_file_even_on_case_insensitive_file_systems() -> None:
    paths = [safe_relpath(i).casefold() for i in NASTY_IDS]
    assert len(set(paths)) == len(NASTY_IDS)


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=6, unique=True))
def test_distinct_ids_distinct_paths(ids: list[str]) -> None:
    paths = {safe_relpath(i).casefold() for i in ids}
    assert len(paths) == len(ids)
    for i in ids:
        assert ".." not in safe_relpath(i).split("/")


def test_clean_files_stay_inside_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = set()
    for doc_id in NASTY_IDS:
        path = clean_path(out, doc_id)
        assert (out / "clean") in path.resolve().parents
        atomic_write(path, doc_id)
        written.add(path)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == len(NASTY_IDS)
    assert sorted(tmp_path.iterdir()) == [out]
    assert {p.read_text() for p in files} == set(NASTY_IDS)


# ---- JSON for any file name ----------------------------------------------------------------

def test_undecodable_file_names_are_shown_escaped_and_json_stays_utf8() -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    assert display_name(name) == "caf\\xe9.txt"
    line = dumps({"fsname": name, "id": "ok"})
    line.encode("utf-8")  # no lone surrogates left in the text
    assert json.loads(line)["fsname"] == name  # ... and the exact name comes back
    assert digest([name]) == digest([name]) and len(digest([name])) == 16


# ---- scanning -------------------------------------------------------------------------------

def _tree(root: Path) -> Path:
    inp = root / "in"
    (inp / "a").mkdir(parents=True)
    (inp / "b").mkdir()
    (inp / "a" / "same.txt").write_text("first")
    (inp / "b" / "same.txt").write_text("second")
    (inp / "story.txt").write_text("text")
    (inp / "story.md").write_text("same id")
    outside = root / "outside.txt"
    outside.write_text("SECRET-OUTSIDE")
    (inp / "to-outside.txt").symlink_to(outside)
    (inp / "to-outside-dir").symlink_to(root)
    (inp / "dangling.txt").symlink_to(root / "missing")
    (inp / "loop1").symlink_to(inp / "loop2")
    (inp / "loop2").symlink_to(inp / "loop1")
    os.mkfifo(inp / "pipe.txt")
    (inp / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name")
    return inp


def test_scan_accounts_for_every_entry_without_following_links(tmp_path: Path) -> None:
    files = {f.id: f for f in scan_inputs(_tree(tmp_path))}
    assert files["a/same"].problem is None and files["b/same"].problem is None
    for link in ("to-outside", "to-outside-dir", "dangling", "loop1", "loop2"):
        assert files[link].problem == "symlink: links are not followed"
    assert files["pipe"].problem == "not-a-regular-file"
    assert files["story"].relpath == "story.md"  # sorted walk: .md before .txt, deterministic
    assert files["story#story.txt"].problem == "id-collision: same id as story.md"
    cafe = files["caf\\xe9"]
    assert cafe.problem is None and cafe.fsname == os.fsdecode(b"caf\xe9.txt")
    assert list(files) == sorted(files)


def test_scan_refuses_a_missing_or_non_folder_root(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        scan_inputs(tmp_path / "nope")
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        scan_inputs(tmp_path / "f")


# ---- reading ----------------------------------------------------------------------------------

def test_read_input_returns_bytes_and_hash(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello")
    raw, sha, problem = read_input(tmp_path, "a.txt", 100)
    assert (raw, sha, problem) == (b"hello", hashlib.sha256(b"hello").hexdigest(), None)


def test_too_large_is_refused_but_hashed_in_full(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # over one read chunk, so the streaming hash is exercised
    (tmp_path / "big.txt").write_bytes(data)
    raw, sha, problem = read_input(tmp_path, "big.txt", 1 << 20)
    assert raw is None and sha == hashlib.sha256(data).hexdigest()
    assert problem == f"too-large: {len(data)} bytes > run.max_document_bytes ({1 << 20})"


def test_a_file_swapped_for_a_fifo_after_the_scan_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("text")
    [f] = scan_inputs(tmp_path)
    (tmp_path / "x.txt").unlink()
    os.mkfifo(tmp_path / "x.txt")  # no writer: a plain open() would wait forever
    with time_limit(10):
        assert read_input(tmp_path, f.relpath, 100) == (None, "", "not-a-regular-file")


def test_a_file_swapped_for_a_link_after_the_scan_is_not_followed(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    (inp / "sub" / "x.txt").write_text("text")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "x.txt").write_text("SECRET")
    (inp / "y.txt").write_text("text")
    (inp / "y.txt").unlink()
    (inp / "y.txt").symlink_to(secret / "x.txt")
    assert read_input(inp, "y.txt", 100) == (None, "", "symlink: links are not followed")
    # A folder on the path replaced by a link to a folder outside: refused too.
    (inp / "sub" / "x.txt").unlink()
    (inp / "sub").rmdir()
    (inp / "sub").symlink_to(secret)
    assert read_input(inp, "sub/x.txt", 100) == (None, "", "symlink: links are not followed")


def test_a_file_deleted_after_the_scan_is_unreadable(tmp_path: Path) -> None:
    assert read_input(tmp_path, "gone.txt", 100) == (None, "", "unreadable: No such file or directory")


def test_undecodable_name_is_read_by_its_exact_name(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_bytes(b"bytes")
    [f] = scan_inputs(tmp_path)
    assert read_input(tmp_path, f.fsname or f.relpath, 100)[0] == b"bytes"


# ---- writing ------------------------------------------------------------------------------------

def test_atomic_write_failure_keeps_old_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, "old")
    with pytest.raises(TypeError):
        atomic_write(target, object())  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_atomic_write_handles_maximal_file_names(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 251 + ".txt")  # 255 bytes: the temporary name must not exceed it
    atomic_write(target, "x")
    assert target.read_text() == "x"
