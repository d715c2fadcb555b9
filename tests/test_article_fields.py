"""The structure stage's fields reach every output: articles.jsonl/parquet, schemas, reader, show, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from jsonschema import Draft202012Validator

from pipeline.config import load_config
from pipeline.corpus import ARTICLE_FIELDS, article_record
from pipeline.models import Doc
from pipeline.reader import Article
from pipeline.report.parquet import ArticleParquetWriter
from pipeline.report.show import render_article
from pipeline.report.stats import render_stats
from pipeline.stages import clean_document
from tests.conftest import ROOT

CFG = load_config()
RAW = ("Council votes to expand northern bus routes\n"
       "By Jane Smith and Tom Brown | Reuters\n"
       "Published March 3, 2024 at 10:30 am EST · Updated March 4, 2024\n"
       "The city council voted on Tuesday to expand the program, which will add twelve new bus routes "
       "across the northern districts by the end of next year.\n"
       "Residents welcomed the vote, saying routes in the northern districts had been cut for years.\n").encode()


def record() -> dict:
    doc = clean_document(Doc("a", "a.txt", "0" * 64, len(RAW)), RAW, CFG)
    return article_record(doc)


def test_record_carries_the_fields_and_validates() -> None:
    rec = record()
    assert rec["title"] == "Council votes to expand northern bus routes"
    assert rec["authors"] == ["Jane Smith", "Tom Brown"]
    assert (rec["credit"], rec["published"], rec["updated"]) == ("Reuters", "2024-03-03T10:30-05:00", "2024-03-04")
    assert not rec["text"].startswith("Council votes") and "By Jane" not in rec["text"]
    schema = json.loads((ROOT / "schemas" / "article.schema.json").read_text("utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(rec)) == []
    bad = {**rec, "published": "03/03/2024"}
    assert list(Draft202012Validator(schema).iter_errors(bad))


def test_parquet_has_the_columns(tmp_path: Path) -> None:
    w = ArticleParquetWriter(tmp_path / "a.parquet")
    w.add(record())
    w.close()
    row = pq.read_table(tmp_path / "a.parquet").to_pylist()[0]
    assert row["authors"] == ["Jane Smith", "Tom Brown"]
    assert (row["credit"], row["published"], row["updated"]) == ("Reuters", "2024-03-03T10:30-05:00", "2024-03-04")


def test_reader_and_show() -> None:
    art = Article.from_record(record())
    assert art.authors == ("Jane Smith", "Tom Brown")
    assert (art.credit, art.published, art.updated) == ("Reuters", "2024-03-03T10:30-05:00", "2024-03-04")
    out = render_article(art)
    assert "authors: Jane Smith, Tom Brown; credit: Reuters; published: 2024-03-03T10:30-05:00" in out
    # A record written before the stage existed still reads.
    old = {k: v for k, v in record().items() if k not in ARTICLE_FIELDS[1:]}
    assert Article.from_record(old).authors == () and Article.from_record(old).published is None


def test_stats_show_the_share_of_articles_with_each_field() -> None:
    out = render_stats({"counts": {"documents": 4, "kept": 4},
                        "fields": {"articles": 4, "title": 3, "authors": 2, "credit": 0, "published": 1, "updated": 0}})
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert rows["title"] == ["3", "75.0%"] and rows["published"] == ["1", "25.0%"]
