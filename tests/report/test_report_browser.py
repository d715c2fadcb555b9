"""report.html in a real headless Chromium: what a curator sees, checked through the DOM."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.report.browser import dump_dom, parse, screenshot
from tests.report.corpora import build_mixed_run

SEED0 = "000_2cb9e80f71fff0a9"


def _url(path: Path, fragment: str = "") -> str:
    return path.resolve().as_uri() + (f"#{fragment}" if fragment else "")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mixed_run(tmp_path_factory)


def test_seed_000_repeated_block_and_trailer_marked_removed(seed_run: Path) -> None:
    dom = parse(dump_dom(_url(seed_run / "report.html", f"doc={SEED0}")))
    body = dom.find_all("body")[0]
    assert body.attrs.get("data-ready") == "1", "the page script did not run"
    art = dom.find_all("article", data_id=SEED0)
    assert len(art) == 1
    removed = art[0].find_all("del", class_="removed")
    repeated = [d for d in removed if d.attrs["data-rule"] == "repeated-block"]
    assert len(repeated) == 23
    assert all(d.attrs["data-stage"] == "repeats" for d in repeated)
    assert "The proposed package includes 53 AIM-120C-8 missiles" in repeated[0].text()
    assert repeated[0].find_all("span", class_="why")[0].text().startswith("repeated block")
    trailer = [d for d in removed if d.attrs["data-rule"].startswith("trailer.you-may-also-like@")]
    texts = [d.text() for d in trailer]
    assert len(texts) == 6 and texts[0].endswith("You may also like")
    assert texts[1].endswith("Operation Sindoor: Over 600 Pakistan drones killed by Army air defence units")
    assert all(d.find_all("span", class_="why")[0].text().startswith("boilerplate rule trailer.") for d in trailer)
    # The kept text is shown as plain paragraphs, in place between the removals.
    children = [c for c in art[0].children if not isinstance(c, str)]
    kinds = [c.tag for c in children]
    assert kinds.count("p") == 24
    first_removed = kinds.index("del")
    assert children[first_removed].text().endswith(
        "Also Read: Trump admin's move to sell AMRAAM to Turkey alarms India")
    assert children[first_removed + 1].text() == "Why it matters: An air defence upgrade for Ankara"
    # Tall enough to show the repeated block and the trailer at the end of the article.
    shot = screenshot(_url(seed_run / "report.html", f"doc={SEED0}"), "report-000.png", (1280, 5200))
    assert _png_size(shot) == (1280, 5200) and shot.stat().st_size > 20000


def test_list_summary_charts_and_encoding_fix(seed_run: Path) -> None:
    dom = parse(dump_dom(_url(seed_run / "report.html")))
    rows = dom.find_all("tr", class_="row")
    assert [r.attrs["data-id"] for r in rows][:1] == [SEED0] and len(rows) == 5
    status_chart = dom.find_all("figure", id="chart-status")[0]
    assert len(status_chart.find_all("rect")) == 3 and "kept: 5" in status_chart.text()
    rules_chart = dom.find_all("figure", id="chart-rules")[0].text()
    assert "repeated block: 23" in rules_chart and "encoding fix" in rules_chart
    fixed = parse(dump_dom(_url(seed_run / "report.html", "doc=002_ee95ae7b2f334040")))
    out = fixed.find_all("del", class_="fix-out")
    assert out and out[0].text() == "⍽⍽" and out[0].attrs["data-stage"] == "encoding"
    screenshot(_url(seed_run / "report.html"), "report-list.png", (1280, 900))


def test_duplicates_side_by_side(mixed_run: Path) -> None:
    dom = parse(dump_dom(_url(mixed_run / "report.html", "view=dups")))
    assert "Duplicate clusters (1)" in dom.text()
    cluster = parse(dump_dom(_url(mixed_run / "report.html", "cluster=001_8daedd7ade3504a8")))
    side = cluster.find_all("div", class_="side")
    assert len(side) == 1
    cols = side[0].find_all("article")
    assert [c.attrs["data-id"] for c in cols] == ["001_8daedd7ade3504a8", "copies/001_copy"]
    assert cols[0].find_all("p")[0].text() == cols[1].find_all("p")[0].text() != ""
    dup = parse(dump_dom(_url(mixed_run / "report.html", "doc=copies/001_copy")))
    assert len(dup.find_all("div", class_="side")[0].find_all("article")) == 2
    rejected = parse(dump_dom(_url(mixed_run / "report.html", "view=docs&status=rejected")))
    assert [r.attrs["data-id"] for r in rejected.find_all("tr", class_="row")] == ["bin", "empty"]
    screenshot(_url(mixed_run / "report.html", "cluster=001_8daedd7ade3504a8"), "report-duplicates.png",
               (1280, 1000))
