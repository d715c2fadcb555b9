"""report.html and its data folder without a browser: offline, bounded, deterministic, data kept
as data, and replaced safely."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pipeline.models import Doc, Line, Removal
from pipeline.report.html import DETAIL_CHUNK_BYTES, ReportWriter
from tests.report.big import write_report


def data_dir(out: Path) -> Path:
    page = (out / "report.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r'<script id="nc-meta" type="application/json">(.*?)</script>', page, re.S).group(1))
    return out / meta["data"]


def load_js(path: Path) -> tuple[str, int, object]:
    """The (kind, number, data) a data file hands to ncLoad."""
    m = re.fullmatch(r'ncLoad\("(\w+)",(\d+),(.*)\);\n', path.read_text(encoding="utf-8"), re.S)
    assert m is not None, path
    return m.group(1), int(m.group(2)), json.loads(m.group(3))


def test_page_and_data_are_offline(seed_run: Path) -> None:
    files = [seed_run / "report.html", *sorted(data_dir(seed_run).iterdir())]
    for f in files:
        text = f.read_text(encoding="utf-8")
        # Nothing is fetched from elsewhere: no external scripts, stylesheets, fonts, images or imports.
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I), f
        assert "<link" not in text and "@import" not in text and "url(" not in text, f
    page = files[0].read_text(encoding="utf-8")
    assert page.count("<script") == 2  # the table of contents and the code; data is in the folder
    assert {p.name.split("-")[0] for p in files[1:]} >= {"index", "detail", "rule"}


def test_detail_round_trips(tmp_path: Path) -> None:
    text = "a </script> b <!-- c \u2028 d \"q\" \\ e"
    doc = Doc("x/1", "x/1.txt", "", 1, lines=[Line(text, 0, len(text))])
    w = ReportWriter(tmp_path / "report.html")
    w.add(doc, {"id": "x/1", "status": "kept"})
    w.finish({"counts": {"documents": 1, "kept": 1}})
    kind, n, details = load_js(data_dir(tmp_path) / "detail-00000.js")
    assert (kind, n) == ("detail", 0)
    assert json.loads(details[0])["segments"][0]["text"] == text
    kind, _, rows = load_js(data_dir(tmp_path) / "index-000.js")
    assert kind == "index" and rows[0][:3] == ["x/1", "kept", ""]
    assert not list(tmp_path.rglob("*.tmp"))


def test_main_page_is_bounded_and_data_is_chunked(tmp_path: Path) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    write_report(small, 200)
    write_report(big, 4000)
    s, b = ((p / "report.html").stat().st_size for p in (small, big))
    # Twenty times the documents: the page grows by a few bytes per detail file, nothing per document.
    assert b - s < 2000, (s, b)
    folder = data_dir(big)
    details = sorted(folder.glob("detail-*.js"))
    assert len(details) > 1 and all(p.stat().st_size < DETAIL_CHUNK_BYTES + 64 * 1024 for p in details)
    rows = [r for p in sorted(folder.glob("index-*.js")) for r in load_js(p)[2]]
    assert len(rows) == 4000 and rows[3][11] == "2023-04-04"  # the published date travels in the index
    assert rows[1][11] is None


def test_same_documents_same_bytes_and_old_data_removed(tmp_path: Path) -> None:
    write_report(tmp_path / "a", 300)
    first = data_dir(tmp_path / "a")
    write_report(tmp_path / "a", 300)
    assert data_dir(tmp_path / "a") == first and first.is_dir()
    write_report(tmp_path / "b", 300)
    assert (tmp_path / "a" / "report.html").read_bytes() == (tmp_path / "b" / "report.html").read_bytes()
    (tmp_path / "a" / "report" / "notes.txt").write_text("mine")  # not ours: left alone
    write_report(tmp_path / "a", 301)
    assert data_dir(tmp_path / "a") != first and not first.exists()
    assert sorted(p.name for p in (tmp_path / "a" / "report").iterdir()) == sorted([data_dir(tmp_path / "a").name,
                                                                                    "notes.txt"])


def test_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_report(tmp_path, 10)
    finally:
        os.umask(old)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
    assert data_dir(tmp_path).stat().st_mode & 0o777 == 0o755
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in data_dir(tmp_path).iterdir())


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    w = ReportWriter(tmp_path / "report.html")
    w.add(Doc("a", "a.txt", "", 1, lines=[Line("x", 0, 1)], removed=[Removal("boilerplate", "r@1", "y", 2, 3)]),
          {"id": "a", "status": "kept"})
    w.abort()
    assert not (tmp_path / "report.html").exists() and list((tmp_path / "report").iterdir()) == []


def test_rule_samples_are_spread_and_stable(tmp_path: Path) -> None:
    write_report(tmp_path, 3000)
    folder = data_dir(tmp_path)
    samples = {load_js(p)[2]["key"]: load_js(p)[2] for p in folder.glob("rule-*.js")}
    credit = samples["boilerplate/byline.photo-credit@1"]
    assert credit["removals"] > 200 and len(credit["sample"]) == 200
    ids = sorted(doc for doc, _, _ in credit["sample"])
    # Drawn from the whole corpus, not its first documents.
    assert ids[0] < "site" or int(ids[0].split("/")[1]) < 600
    assert max(int(i.split("/")[1]) for i in ids) > 2400
    assert all(text.startswith("Photo: ") for _, _, text in credit["sample"])
