"""Smoke test of the benchmark harness (bench/): it builds the corpus it promises, runs the
pipeline and the reference on it, and writes its results. Speed is not checked here: targets
belong to `make bench` on a quiet machine, not to CI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import Generator, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generator() -> Generator:
    return Generator(ROOT)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_corpus_is_deterministic_and_prefix_stable(tmp_path: Path) -> None:
    a = build(tmp_path / "a" / "corpus-40", 40, ROOT)
    b = build(tmp_path / "b" / "corpus-40", 40, ROOT)
    small = build(tmp_path / "c" / "corpus-15", 15, ROOT)
    da, db, dc = (_tree_digest(tmp_path / x) for x in ("a/corpus-40", "b/corpus-40", "c/corpus-15"))
    assert len(da) == 40 and da == db and a == b
    assert all(da[k] == v for k, v in dc.items())  # the small corpus is the big one's prefix
    assert small["documents"] == 15 and a["bytes"] == sum((tmp_path / "a/corpus-40" / k).stat().st_size for k in da)
    # the stamp sits beside the corpus, never inside it (it would become an input document)
    assert (tmp_path / "a" / "corpus-40.json").exists() and not any("json" in k for k in da)


def test_corpus_has_the_promised_mix(generator: Generator) -> None:
    n = 600
    docs = [generator.document(i) for i in range(n)]
    sizes = sorted(len(data) for _, data, _ in docs)
    assert 3000 <= sizes[n // 2] <= 6000
    assert sum(3000 <= s <= 6000 for s in sizes) >= 0.8 * n
    infos = [info for _, _, info in docs]
    mojibake = sum(str(i.get("encoding", "")).startswith("mojibake") for i in infos) / n
    near = sum("near_copy_of" in i for i in infos) / n
    repeats = sum("repeat" in i for i in infos) / n
    assert 0.02 <= mojibake <= 0.09 and 0.06 <= near <= 0.14 and 0.05 <= repeats <= 0.2
    texts = [data.decode("utf-8", errors="replace") for _, data, _ in docs]
    assert sum("You may also like" in t or "You might also like" in t for t in texts) >= 0.05 * n
    assert sum("Leave a Reply" in t or "Leave a comment" in t or "Post a comment" in t for t in texts) >= 0.05 * n
    assert any("â€" in t for t in texts)  # real UTF-8-as-Windows-1252 mojibake
    assert any("saved_as" in i for i in infos)  # some files are not plain UTF-8 (BOM, UTF-16, cp1252)
    # a near-copy really shares most of its source's text
    i, info = next((k, x) for k, x in enumerate(infos) if "near_copy_of" in x)
    _, src_paras = generator.article(int(info["near_copy_of"]))
    assert sum(p[:80] in texts[i] for p in src_paras) >= len(src_paras) // 2


def test_harness_runs_pipeline_and_reference_and_writes_json(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--sizes", "120", "--out", str(tmp_path),
                           "--results", str(results), "--workers", "2", "--corpus", "generated"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(results.read_text(encoding="utf-8"))
    (row,) = data["sizes"]
    assert row["documents"] == 120 and row["input_mb"] > 0.3
    p = row["pipeline"]
    assert p["counts"]["documents"] == 120 and p["counts"]["kept"] > 0
    assert p["seconds"] > 0 and p["peak_tree_rss_mb"] > 10 and p["cpu_seconds"] > 0
    assert {"decode", "encoding", "boilerplate", "repeats", "signatures", "dedup"} <= set(p["stage_seconds"])
    assert row["reference"]["seconds"] > 0 and row["ratio"] == pytest.approx(p["seconds"] / row["reference"]["seconds"],
                                                                            rel=0.01)
    assert "--workers 2" in row["command"] and data["machine"]["cpus"] >= 1
    assert "| 120 |" in proc.stdout  # the table row was printed
    assert (tmp_path / "out-120" / "articles.jsonl").exists()


@pytest.mark.skipif(not list(ROOT.glob("../shared/eval/dev/*/input")), reason="needs ../shared/eval/dev")
def test_real_text_corpus_is_made_of_real_paragraphs(tmp_path: Path) -> None:
    from bench.corpus import load_real_articles

    a = build(tmp_path / "a" / "real-corpus-30", 30, ROOT, kind="real")
    b = build(tmp_path / "b" / "real-corpus-30", 30, ROOT, kind="real")
    assert a == b and a["kind"] == "real" and _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    real = {p for art in load_real_articles(ROOT)[0] for p in art}
    lines = [line.strip() for f in sorted((tmp_path / "a").rglob("*.txt"))
             for line in f.read_bytes().decode("utf-8", "replace").splitlines()]
    assert sum(line in real for line in lines) > 30 * 3  # bodies are real paragraphs
    assert build(tmp_path / "a" / "real-corpus-30", 30, ROOT)["kind"] == "generated"  # kinds never mix
