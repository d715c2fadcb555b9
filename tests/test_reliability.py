"""Operator-style failure cases, end to end through the command line: input trees too deep for
recursion or for the operating system's path length, output folders newsclean does not own.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.io import scan_inputs
from tests.conftest import ROOT, SEEDS, load_jsonl, run_cli

ARTICLE = (SEEDS / "003_521d37e161c22a4a.txt").read_bytes()
DEEP_TEXT = b"A story at the bottom of a very deep tree of folders, about the minister's budget.\n"


def _nest(root: Path, name: str, depth: int, leaf: bytes) -> None:
    """`depth` nested folders called `name` below root, `leaf.txt` at the bottom; built with
    openat, since the full path may be longer than any path the system accepts."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        out = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, leaf)
        os.close(out)
    finally:
        os.close(fd)


def remove_tree(top: Path) -> None:
    """Remove a tree of any depth: each sub-folder is first moved up beside `top` (a short path),
    so no path grows and nothing recurses. pytest's own clean-up of old temporary folders uses
    shutil.rmtree, which raises RecursionError on these trees, so the tests remove theirs."""
    parent, count = top.parent, itertools.count()
    queue = [str(top)]
    while queue:
        folder = queue.pop()
        with os.scandir(folder) as it:
            entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
        for name, is_dir in entries:
            if is_dir:
                flat = str(parent / f".{top.name}-rm-{next(count)}")
                os.rename(os.path.join(folder, name), flat)
                queue.append(flat)
            else:
                os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


@pytest.fixture(scope="module")
def deep_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("deep")
    inp = base / "in"
    (inp / "long").mkdir(parents=True)
    (inp / "ok.txt").write_bytes(ARTICLE)
    _nest(inp, "d", 1000, DEEP_TEXT)
    # 100 levels of 60-character names: about 6,100 characters, past PATH_MAX (4,096).
    _nest(inp / "long", "x" * 60, 100, DEEP_TEXT)
    proc = run_cli("run", "--input", str(inp), "--output", str(base / "out"), check=False)
    docs = {d["id"]: d for d in load_jsonl(base / "out" / "documents.jsonl")} if proc.returncode == 0 else {}
    yield {"inp": inp, "proc": proc, "docs": docs}
    remove_tree(base)


def test_a_thousand_nested_folders_is_a_normal_run(deep_run: dict) -> None:
    assert deep_run["proc"].returncode == 0, deep_run["proc"].stderr[-3000:]
    deep_id = "d/" * 1000 + "leaf"
    assert deep_run["docs"][deep_id]["status"] == "kept"
    assert deep_run["docs"]["ok"]["status"] == "kept"


def test_a_folder_too_deep_to_open_is_one_unreadable_folder_row(deep_run: dict) -> None:
    docs = deep_run["docs"]
    bad = [d for d in docs.values() if d["id"].startswith("long/")]
    assert len(bad) == 1, [d["id"][:80] for d in bad]
    assert bad[0]["status"] == "rejected"
    assert bad[0]["reason"].startswith("unreadable-folder: File name too long")


def test_scan_of_a_deep_tree_does_not_recurse(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _nest(tmp_path / "in", "d", 1500, DEEP_TEXT)
    try:
        [f] = scan_inputs(tmp_path / "in")  # more levels than the recursion limit
    finally:
        remove_tree(tmp_path / "in")
    assert f.id == "d/" * 1500 + "leaf" and f.problem is None


# ---- output folders newsclean does not own ---------------------------------------------------

USER_FILES = ("my-notes/.draft.tmp", "my-notes/deep/backup-luigi-tmp-42", ".write-test-keepme",
              "clean/notes.txt", "clean/.notes.txt.draft1.tmp", "report.html.bak")


def _user_folder(root: Path) -> dict[str, bytes]:
    files = {name: f"the user's own {name}\n".encode() for name in USER_FILES}
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def test_sweep_removes_only_newsclean_temporary_names_in_its_own_folders(tmp_path: Path) -> None:
    from pipeline.runlock import sweep_temp_files

    mine = [".articles.jsonl.k2j3_x9a.tmp", ".report.html.docs.ab_12cd3.tmp", ".newsclean-write-test-x1y2z3_a",
            ".work/decode/0123abcd/.00001-ff.jsonl.qq12_abc.tmp", ".work/dedup/x.json-luigi-tmp-123456789",
            "clean/site/.story.txt.4242.tmp"]
    for name in mine:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"partial")
    users = _user_folder(tmp_path)
    removed = sweep_temp_files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in removed) == sorted(mine)
    assert {n: (tmp_path / n).read_bytes() for n in users} == users


def test_non_corpus_output_folder_is_refused_with_exit_4(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "ok.txt").write_bytes(ARTICLE)
    users = _user_folder(out)
    proc = run_cli("run", "--input", str(inp), "--output", str(out), check=False)
    assert proc.returncode == 4, proc.stderr
    assert "not a newsclean corpus" in proc.stderr and "--force" in proc.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(users)


def test_forced_run_into_a_user_folder_keeps_every_file_it_did_not_write(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "ok.txt").write_bytes(ARTICLE)
    (inp / "gone.txt").write_bytes(b"An article that the next batch no longer has, about the harbour.\n")
    users = _user_folder(out)
    run_cli("run", "--input", str(inp), "--output", str(out), "--force")
    assert (out / "clean" / "gone.txt").exists()
    (inp / "gone.txt").unlink()
    run_cli("run", "--input", str(inp), "--output", str(out))  # now a corpus: no --force needed
    assert not (out / "clean" / "gone.txt").exists()  # newsclean's own stale file goes
    assert {n: (out / n).read_bytes() for n in users} == users


def test_input_inside_output_is_refused_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inp = out / "batch"
    inp.mkdir(parents=True)
    (inp / "ok.txt").write_bytes(ARTICLE)
    proc = run_cli("run", "--input", str(inp), "--output", str(out), check=False)
    assert proc.returncode == 4 and "inside the output folder" in proc.stderr, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["batch"]
    run_cli("run", "--input", str(inp), "--output", str(out), "--force")
    assert (out / "manifest.json").exists() and (inp / "ok.txt").read_bytes() == ARTICLE


# ---- a run whose documents nearly all fail ------------------------------------------------------

def test_a_run_where_most_documents_fail_exits_5(tmp_path: Path) -> None:
    inp, out, cfg = tmp_path / "in", tmp_path / "out", tmp_path / "cfg"
    inp.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, seed in enumerate(seeds):
        (inp / f"{i}.txt").write_bytes(seed.read_bytes())
    cfg.mkdir()
    (cfg / "boilerplate_rules.toml").write_bytes((ROOT / "config" / "boilerplate_rules.toml").read_bytes())
    # A limit no stage can meet: every document times out, whatever the machine.
    (cfg / "pipeline.toml").write_text("[run]\nshards = 2\nmax_document_seconds = 0.000001\n")
    proc = run_cli("run", "--input", str(inp), "--output", str(out), "--config", str(cfg / "pipeline.toml"),
                   check=False)
    assert proc.returncode == 5, proc.stderr[-2000:]
    n = len(seeds)
    assert f"{n} of {n} documents failed ({n} timeout)" in proc.stderr and "run.max_failed_share" in proc.stderr
    docs = load_jsonl(out / "documents.jsonl")  # the corpus is still written, every reason recorded
    assert len(docs) == n and all(d["reason"].startswith("timeout:") for d in docs)
    again = run_cli("run", "--input", str(inp), "--output", str(out), "--config", str(cfg / "pipeline.toml"),
                    check=False)
    assert again.returncode == 5 and "up to date" in again.stdout


# ---- SIGTERM -------------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_ends_with_one_line_exit_143_and_no_temporary_files(tmp_path: Path, workers: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    from pipeline.runlock import is_temp_name

    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(400):
        (inp / f"{i:04d}.txt").write_bytes(seeds[i % len(seeds)].read_bytes()
                                           + f"\nStory number {i} ends with its own words.\n".encode())
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--input", str(inp), "--output", str(out),
                             "--workers", workers], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120  # a guard, not a measurement: the kill waits for real work
        while not (out / ".work" / "decode").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be terminated"
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stderr[-3000:]
    assert stderr.strip().splitlines() == [
        "newsclean: terminated (SIGTERM); temporary files removed, finished outputs kept; a rerun resumes from them"
    ], stderr[-6000:]
    assert not [p for p in out.rglob("*") if is_temp_name(p.name)]
    run_cli("run", "--input", str(inp), "--output", str(out), "--workers", workers)
    assert len(load_jsonl(out / "documents.jsonl")) == 400


def _articles(out: Path) -> dict[str, str]:
    return {a["id"]: a["text"] for a in load_jsonl(out / "articles.jsonl")}


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    story = inp / "story.txt"
    story.write_bytes(ARTICLE)
    (inp / "other.txt").write_bytes(DEEP_TEXT * 3)
    run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "1", "-q")
    before = os.stat(story)
    edited = ARTICLE.replace(b"the", b"THE", 1)
    assert len(edited) == len(ARTICLE) and edited != ARTICLE
    story.write_bytes(edited)
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))  # what `touch -r` or a restore does
    proc = run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "1")
    assert "up to date" not in proc.stdout
    doc = {d["id"]: d for d in load_jsonl(out / "documents.jsonl")}["story"]
    import hashlib

    assert doc["sha256"] == hashlib.sha256(edited).hexdigest()
    assert "THE" in _articles(out)["story"]


def test_a_touched_file_with_the_same_bytes_does_no_work(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    story = inp / "story.txt"
    story.write_bytes(ARTICLE)
    old = 1_500_000_000_000_000_000  # long before now: the digest cache trusts it at once
    os.utime(story, ns=(old, old))
    run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "1", "-q")
    os.utime(story, ns=(old + 10**9, old + 10**9))
    assert "up to date" in run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "1").stdout
    assert "up to date" in run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "1",
                                   "--verify").stdout


# ---- disk full -----------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KB file system (tmpfs): a real full disk, not a simulated one."""
    import subprocess

    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_disk_full_ends_with_one_line_exit_6_and_no_temporary_files(small_disk: Path, tmp_path: Path,
                                                                     workers: str) -> None:
    from pipeline.runlock import is_temp_name

    inp, out = tmp_path / "in", small_disk / "out"
    inp.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(60):  # ~300 KB of input: its work files need more than the disk holds
        (inp / f"{i:03d}.txt").write_bytes(seeds[i % len(seeds)].read_bytes() + f"\nStory {i}.\n".encode())
    proc = run_cli("run", "--input", str(inp), "--output", str(out), "--workers", workers, check=False)
    assert proc.returncode == 6, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"newsclean: disk full writing to {out}"), proc.stderr[-3000:]
    assert not [p for p in out.rglob("*") if is_temp_name(p.name)]
