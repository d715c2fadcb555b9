"""A batch of hostile and broken input files, end to end through the command line (issue 9).

Every input entry must appear in documents.jsonl with a status, unusable ones `rejected` with
a reason; the run must finish with exit 0; the raw input must be byte-for-byte and
timestamp-for-timestamp unchanged; nothing may be read through a link or written outside the
output folder.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.io import safe_relpath
from pipeline.models import Doc
from pipeline.stages import clean_document
from tests.conftest import ROOT, SEEDS, load_jsonl, run_cli

MARKER = "SECRET-OUTSIDE-THE-INPUT-FOLDER"
ARTICLE = (SEEDS / "003_521d37e161c22a4a.txt").read_bytes()
OTHER = (SEEDS / "001_8daedd7ade3504a8.txt").read_bytes()
THIRD = (SEEDS / "004_cf5d388b463733b1.txt").read_bytes()
WORDS = "the minister said on tuesday that talks would continue next week in the capital".split()


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    raw = b"".join(b"\x00" + bytes(range(48)) for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (16).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf() -> bytes:
    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET" * 20)
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
            + stream + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


# name -> (bytes or None for special entries, expected status, expected reason prefix or None)
def build_input(base: Path) -> tuple[Path, dict[str, tuple[str, str | None]]]:
    inp = base / "in"
    inp.mkdir()
    rng = random.Random(9)
    line_10mb = " ".join(rng.choice(WORDS) for _ in range(2_000_000))[:10_000_000].encode()
    files: dict[str, tuple[bytes, str, str | None]] = {
        "ok.txt": (ARTICLE, "kept", None),
        "empty.txt": (b"", "rejected", "empty"),
        "whitespace.txt": (" \n\t\n\u00a0\u3000\n\r\n".encode(), "rejected", "empty"),
        "invisible.txt": ("\u200b\n\ufeff\u2060\n".encode(), "rejected", "junk"),
        "image.png": (_png(), "rejected", None),
        "doc.pdf": (_pdf(), "rejected", None),
        "nul.txt": (b"Some text\x00with a NUL byte\n", "rejected", "binary"),
        "random.bin": (rng.randbytes(65536), "rejected", None),
        "archive.gz": (gzip.compress(ARTICLE, mtime=0), "rejected", None),
        "invalid-utf8.txt": (OTHER[:400] + b"\xff\xfe\xc3\x28" + OTHER[400:], "kept", None),
        "junk-only.txt": (b"#### ---- ****\n\n!!!! ;;;; 1234 %%%%\n\n<<<>>> 42\n", "rejected", "junk"),
        "boilerplate-only.txt": (b"Leave a Reply\n\nShare\n", "rejected", "only-boilerplate"),
        "widgets-only.txt": (b"You may also like\nTen things\nMore things\n", "rejected", "no-article"),
        "line-10mb.txt": (line_10mb, "kept", None),
        "with space.txt": (THIRD, "kept", None),
        "Ünïcödé-日本.txt": (b"Unicode name, plain article text here.", "kept", None),
        "-rf.txt": (b"A file whose name starts with a dash.", "kept", None),
        "--help.txt": (b"A file named like an option.", "kept", None),
        "Case.txt": (b"Upper case name differs from the next only in case.", "kept", None),
        "case.txt": (b"Lower case name differs from the previous only in case.", "kept", None),
        'a:b?c*"<>|.txt': (b"Characters Windows rejects in a name.", "kept", None),
        "new\nline.txt": (b"A newline inside the file name.", "kept", None),
        "con.txt": (b"A Windows device name.", "kept", None),
        "s1/same.txt": (b"First folder, same file name as in the second folder.", "kept", None),
        "s2/same.txt": (b"Second folder, same file name, different article words.", "kept", None),
        "deep/a/b/c/d/e/f/g.txt": (b"Deep in the tree.", "kept", None),
    }
    for name, (data, _, _) in files.items():
        (inp / name).parent.mkdir(parents=True, exist_ok=True)
        (inp / name).write_bytes(data)
    (inp / os.fsdecode(b"latin1-caf\xe9.txt")).write_bytes(b"A name that is not UTF-8.")
    with open(inp / "big-50mb.txt", "wb") as fh:  # sparse-free, cheap to write: 50 MB of text
        block = (ARTICLE + b"\n") * (1 << 20 // len(ARTICLE) + 1)
        while fh.tell() < 50_000_000:
            fh.write(block)
    outside = base / "outside.txt"
    outside.write_text(MARKER)
    (base / "outside-dir").mkdir()
    (base / "outside-dir" / "x.txt").write_text(MARKER)
    (inp / "to-outside.txt").symlink_to(outside)
    (inp / "to-outside-dir").symlink_to(base / "outside-dir")
    (inp / "to-inside.txt").symlink_to(inp / "ok.txt")
    (inp / "dangling.txt").symlink_to(base / "missing")
    (inp / "loop-a").symlink_to(inp / "loop-b")
    (inp / "loop-b").symlink_to(inp / "loop-a")
    os.mkfifo(inp / "pipe.txt")
    expect = {k[:-4] if k.endswith(".txt") else k.rsplit(".", 1)[0]: (v[1], v[2]) for k, v in files.items()}
    expect.update({
        "latin1-caf\\xe9": ("kept", None), "big-50mb": ("rejected", "too-large"),
        "to-outside": ("rejected", "symlink"), "to-outside-dir": ("rejected", "symlink"),
        "to-inside": ("rejected", "symlink"), "dangling": ("rejected", "symlink"),
        "loop-a": ("rejected", "symlink"), "loop-b": ("rejected", "symlink"),
        "pipe": ("rejected", "not-a-regular-file"),
    })
    return inp, expect


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry's type, size, mtime and content hash (links: their target, not followed)."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                digest = os.readlink(p)
            else:
                digest = ""
            out[os.fsencode(p.relative_to(folder)).hex()] = (stat.S_IFMT(st.st_mode), st.st_mode, st.st_size,
                                                               st.st_mtime_ns, digest)
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    inp, expect = build_input(base)
    before = snapshot(inp)
    out = base / "out"
    proc = run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "2", check=False)
    return {"base": base, "inp": inp, "out": out, "expect": expect, "before": before, "proc": proc,
            "docs": {d["id"]: d for d in load_jsonl(out / "documents.jsonl")} if proc.returncode == 0 else {}}


def test_run_finishes_with_exit_0(hostile: dict) -> None:
    proc = hostile["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_every_input_has_a_status_and_each_rejection_a_reason(hostile: dict) -> None:
    docs, expect = hostile["docs"], hostile["expect"]
    assert set(docs) == set(expect)
    for doc_id, (status, reason) in expect.items():
        d = docs[doc_id]
        assert d["status"] in (("kept", "rejected") if status == "any" else (status,)), (doc_id, d)
        if status == "rejected":
            assert d["reason"], doc_id
            if reason:
                assert d["reason"].startswith(reason), (doc_id, d["reason"])


def test_raw_input_is_not_modified(hostile: dict) -> None:
    assert snapshot(hostile["inp"]) == hostile["before"]


def test_sha256_covers_every_byte_even_of_refused_files(hostile: dict) -> None:
    docs, inp = hostile["docs"], hostile["inp"]
    for doc_id in ("ok", "big-50mb", "random", "line-10mb"):
        src = inp / docs[doc_id]["source"]
        assert docs[doc_id]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest(), doc_id


def test_links_are_not_followed_and_nothing_is_written_outside(hostile: dict) -> None:
    out, base = hostile["out"], hostile["base"]
    for p in out.rglob("*"):
        assert not p.is_symlink()
        if p.is_file() and p.stat().st_size < 50_000_000:
            assert MARKER.encode() not in p.read_bytes(), p
    assert sorted(x.name for x in base.iterdir()) == ["in", "out", "outside-dir", "outside.txt"]
    assert sorted(x.name for x in (base / "outside-dir").iterdir()) == ["x.txt"]


def test_each_kept_article_has_its_own_safe_clean_file(hostile: dict) -> None:
    out = hostile["out"]
    articles = load_jsonl(out / "articles.jsonl")
    kept = [d for d in hostile["docs"].values() if d["status"] == "kept"]
    assert len(articles) == len(kept)
    names = [a["clean_file"] for a in articles]
    assert len({n.casefold() for n in names}) == len(names)
    for a in articles:
        assert a["clean_file"] == "clean/" + safe_relpath(a["id"])
        text = (out / a["clean_file"]).read_text(encoding="utf-8")
        assert a["text"] in text
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "clean").rglob("*.txt"))
    assert on_disk == sorted(names)
    # The same file name in two folders, and names differing only in case, stay apart.
    by_id = {a["id"]: a for a in articles}
    assert by_id["s1/same"]["text"] != by_id["s2/same"]["text"]
    assert by_id["Case"]["clean_file"].casefold() != by_id["case"]["clean_file"].casefold()


def test_the_10mb_line_is_kept_whole(hostile: dict) -> None:
    [art] = [a for a in load_jsonl(hostile["out"] / "articles.jsonl") if a["id"] == "line-10mb"]
    assert art["paragraphs"] == 1 and len(art["text"]) > 9_900_000


# ---- unreadable files: tests run as root, where permissions do not stop reads, so the run is
# ---- repeated as the unprivileged user `nobody` (setpriv), for whom chmod 000 is real.

def _setpriv() -> str | None:
    return shutil.which("setpriv") if os.geteuid() == 0 else None


@pytest.mark.skipif(_setpriv() is None, reason="needs root and setpriv to run as an unprivileged user")
def test_unreadable_files_and_folders_are_rejected_as_unprivileged_user() -> None:
    base = Path(tempfile.mkdtemp(prefix="newsclean-nobody-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        inp, out = base / "in", base / "out"
        (inp / "locked").mkdir(parents=True)
        (inp / "ok.txt").write_bytes(ARTICLE)
        (inp / "secret.txt").write_text("No one may read this.")
        (inp / "locked" / "inner.txt").write_text("Inside a folder no one may list.")
        os.chmod(inp / "secret.txt", 0)
        os.chmod(inp / "locked", 0)
        out.mkdir()
        os.chown(out, 65534, 65534)
        before = snapshot(inp)
        proc = subprocess.run(
            [_setpriv(), "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-m", "pipeline", "run", "--input", str(inp), "--output", str(out)],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HOME": str(base)})
        assert proc.returncode == 0, proc.stderr
        docs = {d["id"]: d for d in load_jsonl(out / "documents.jsonl")}
        assert docs["ok"]["status"] == "kept"
        assert docs["secret"]["status"] == "rejected"
        assert docs["secret"]["reason"] == "unreadable: Permission denied"
        assert docs["locked"]["reason"].startswith("unreadable-folder: Permission denied")
        assert snapshot(inp) == before
    finally:
        for p in (base / "in" / "locked", base / "in" / "secret.txt"):
            if p.exists():
                os.chmod(p, 0o700)
        shutil.rmtree(base)


def test_nul_in_ascii_text_is_binary() -> None:
    raw = b"Some text\x00with a NUL byte\n"
    doc = clean_document(Doc(id="n", source="n.txt", sha256="", size=len(raw)), raw, load_config())
    assert doc.status == "rejected" and doc.reason.startswith("binary"), (doc.reason, doc.text())


# ---- per-document limits -------------------------------------------------------------------

def test_time_limit_rejects_a_slow_document_and_logs_nothing_half_done() -> None:
    import dataclasses

    cfg = load_config()
    cfg = dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, max_document_seconds=0.05))
    rng = random.Random(3)
    raw = "\n".join(" ".join(rng.choice(WORDS) + "\u00e9" for _ in range(20)) for _ in range(100_000)).encode()
    doc = clean_document(Doc(id="slow", source="slow.txt", sha256="", size=len(raw)), raw, cfg)
    assert doc.status == "rejected" and doc.reason.startswith("timeout: "), doc.reason
    assert "run.max_document_seconds" in doc.reason
    assert doc.lines == [] and doc.edits == [] and doc.removed == []


def test_size_limit_is_configurable() -> None:
    import dataclasses

    cfg = load_config()
    cfg = dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, max_document_bytes=100))
    doc = clean_document(Doc(id="x", source="x.txt", sha256="", size=len(ARTICLE)), ARTICLE, cfg)
    assert doc.status == "rejected" and doc.reason.startswith("too-large: ")
