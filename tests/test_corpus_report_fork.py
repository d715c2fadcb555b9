"""The corpus writer builds report.html and articles.parquet in a forked child: same bytes as
building them in-process, and a failure there fails the corpus write instead of leaving a half
report or table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import corpus
from pipeline.config import load_config
from pipeline.report.html import ReportWriter

from .conftest import ROOT


def _inputs(seed_run: Path) -> tuple[list[Path], dict]:
    work = seed_run / ".work"
    (last,) = (work / "repeats").iterdir()
    (dedup,) = (work / "dedup").glob("*.json")
    return sorted(last.glob("*.jsonl")), json.loads(dedup.read_text(encoding="utf-8"))


def _write(out: Path, seed_run: Path) -> None:
    shards, dup = _inputs(seed_run)
    cfg_path = str(ROOT / "config" / "pipeline.toml")
    corpus.write_corpus(out, shards, dup, load_config(cfg_path), cfg_path, "key", {})


def test_forked_report_matches_in_process(seed_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "forked", seed_run)
    monkeypatch.setattr(corpus, "_fork_report", lambda *_a: None)
    _write(tmp_path / "inline", seed_run)
    for name in ("report.html", "articles.parquet", "articles.jsonl", "documents.jsonl", "spans.jsonl",
                 "manifest.json"):
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "inline" / name).read_bytes(), name
    assert (tmp_path / "forked" / "report.html").read_bytes() == (seed_run / "report.html").read_bytes().replace(
        json.loads((seed_run / "manifest.json").read_text())["run_key"].encode(), b"key")
    assert not [p for p in (tmp_path / "forked").iterdir() if p.name.endswith(".tmp")]
    # The report's data folder too: same files, same bytes, nothing temporary left.
    forked, inline = (sorted(p.relative_to(tmp_path / d) for p in (tmp_path / d / "report").rglob("*"))
                      for d in ("forked", "inline"))
    assert forked == inline and any(p.name.startswith("detail-") for p in forked)
    for rel in forked:
        if (tmp_path / "forked" / rel).is_file():
            assert (tmp_path / "forked" / rel).read_bytes() == (tmp_path / "inline" / rel).read_bytes(), rel
    assert not [p for p in (tmp_path / "forked" / "report").rglob("*") if p.name.endswith(".tmp")]


def test_failure_in_report_child_fails_the_write(seed_run: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ReportWriter, doc: object, row: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(ReportWriter, "add", broken)
    with pytest.raises(RuntimeError, match="report.html"):
        _write(tmp_path / "out", seed_run)
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    assert not list((tmp_path / "out" / "report").iterdir())


def test_failure_writing_parquet_in_the_child_fails_the_write(seed_run: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.report.parquet import ArticleParquetWriter

    def broken(self: ArticleParquetWriter, rec: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ArticleParquetWriter, "add", broken)
    with pytest.raises(RuntimeError, match="articles.parquet"):
        _write(tmp_path / "out", seed_run)
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not (tmp_path / "out" / "articles.parquet").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
