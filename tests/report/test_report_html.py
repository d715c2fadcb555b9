"""report.html without a browser: self-contained, deterministic, and data kept as data."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.models import Doc, Line
from pipeline.report.html import ReportWriter


def test_page_is_self_contained(seed_run: Path) -> None:
    page = (seed_run / "report.html").read_text(encoding="utf-8")
    # Nothing is fetched: no external scripts, stylesheets, fonts, images or imports.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<script") == 3  # index data, document data, inline code


def test_embedded_data_round_trips(tmp_path: Path) -> None:
    text = "a </script> b <!-- c \u2028 d"
    doc = Doc("x/1", "x/1.txt", "", 1, lines=[Line(text, 0, len(text))])
    w = ReportWriter(tmp_path / "report.html")
    w.add(doc, {"id": "x/1", "status": "kept"})
    w.finish({"counts": {"documents": 1, "kept": 1}})
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    data = re.search(r'<script id="nc-docs" type="application/json">(.*?)</script>', page, re.S)
    assert data is not None
    docs = json.loads(data.group(1))
    assert json.loads(docs[0])["segments"][0]["text"] == text
    assert not list(tmp_path.glob(".*.tmp"))
