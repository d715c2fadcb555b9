"""articles.jsonl and articles.parquet load with stock tools, no newsclean code needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.report.parquet import ARTICLE_SCHEMA, ArticleParquetWriter
from tests.conftest import load_jsonl


def _jsonl(seed_run: Path) -> list[dict]:
    return load_jsonl(seed_run / "articles.jsonl")


def _undo_parquet(row: dict) -> dict:
    """Parquet stores removed[].detail as a JSON string and has a column for every field."""
    row = {k: v for k, v in row.items() if v is not None or k in ("title", "credit", "published", "updated")}
    row["removed"] = [{**{k: v for k, v in r.items() if k != "detail"},
                       **({"detail": json.loads(r["detail"])} if r["detail"] else {})} for r in row["removed"]]
    return row


def test_parquet_holds_exactly_the_jsonl_records(seed_run: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(seed_run / "articles.parquet")
    assert table.schema.equals(ARTICLE_SCHEMA)
    # Every JSONL field has a column: a new field added to the records must be added to the schema too.
    rows = _jsonl(seed_run)
    assert {k for r in rows for k in r} <= set(table.column_names)
    assert [_undo_parquet(r) for r in table.to_pylist()] == rows


def test_parquet_bytes_are_deterministic_and_row_groups_bounded(tmp_path: Path, seed_run: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    from pipeline.report import parquet as mod

    monkeypatch.setattr(mod, "ROW_GROUP", 4)  # rows are flushed in groups as they stream in
    rows = _jsonl(seed_run) * 3
    paths = []
    for name in ("a", "b"):
        w = ArticleParquetWriter(tmp_path / f"{name}.parquet")
        for r in rows:
            w.add(r)
        w.close()
        paths.append(tmp_path / f"{name}.parquet")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    meta = pq.ParquetFile(paths[0]).metadata
    assert (meta.num_rows, meta.num_row_groups) == (15, 4)
    assert not list(tmp_path.glob(".*.tmp"))
    aborted = ArticleParquetWriter(tmp_path / "c.parquet")
    aborted.add(rows[0])
    aborted.abort()
    assert not (tmp_path / "c.parquet").exists() and not list(tmp_path.glob(".*.tmp"))


def test_pandas_reads_both(seed_run: Path) -> None:
    pd = pytest.importorskip("pandas")
    js = pd.read_json(seed_run / "articles.jsonl", lines=True)
    pq = pd.read_parquet(seed_run / "articles.parquet")
    assert list(js["id"]) == list(pq["id"]) == [r["id"] for r in _jsonl(seed_run)]
    assert list(js["text"]) == list(pq["text"])
    assert list(pq["chars"]) == [len(t) for t in pq["text"]]


def test_polars_reads_both(seed_run: Path) -> None:
    pl = pytest.importorskip("polars")
    js = pl.read_ndjson(seed_run / "articles.jsonl")
    pq = pl.read_parquet(seed_run / "articles.parquet")
    assert js["id"].to_list() == pq["id"].to_list()
    assert js["text"].to_list() == pq["text"].to_list()
    assert pq.filter(pl.col("id") == "000_2cb9e80f71fff0a9")["removed"].list.len().item() == \
        len(_jsonl(seed_run)[0]["removed"])


def test_hugging_face_datasets_json_and_parquet_loaders(seed_run: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Offline: the packaged json/parquet builders need no hub access.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    cache = str(tmp_path / "cache")
    js = datasets.load_dataset("json", data_files=str(seed_run / "articles.jsonl"), split="train", cache_dir=cache)
    pq = datasets.load_dataset("parquet", data_files=str(seed_run / "articles.parquet"), split="train",
                               cache_dir=cache)
    rows = _jsonl(seed_run)
    assert js["id"] == pq["id"] == [r["id"] for r in rows]
    assert js["text"] == pq["text"] == [r["text"] for r in rows]
    assert [len(x) for x in pq["removed"]] == [len(r["removed"]) for r in rows]
    assert pq[0]["removed"][0]["stage"] == rows[0]["removed"][0]["stage"]
