"""The review page at 20,000 documents in a real headless Chromium, driven over the DevTools
protocol: it opens on the index alone, lists, filters, sorts and searches the whole corpus,
lands deep links on their item and follows the keyboard. Open and search times are measured
and written to test-artifacts/report-scale.json (reported, not asserted: the machine is shared)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Doc, Edit, Line
from pipeline.report.html import PAGE_SIZE, ReportWriter
from tests.report.browser import ARTIFACTS
from tests.report.cdp import Page
from tests.report.test_report_html import data_dir, load_js

N = 20000
READY = "document.body.dataset.ready === '1'"
MEASURED: dict[str, Any] = {}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.report.big import write_report

    out = tmp_path_factory.mktemp("report-20k")
    write_report(out, N)
    MEASURED["report_html_bytes"] = (out / "report.html").stat().st_size
    MEASURED["data_bytes"] = sum(p.stat().st_size for p in data_dir(out).iterdir())
    MEASURED["index_bytes"] = sum(p.stat().st_size for p in data_dir(out).glob("index-*.js"))
    return out


@pytest.fixture(scope="module")
def rows(big: Path) -> list[list[Any]]:
    return [r for p in sorted(data_dir(big).glob("index-*.js")) for r in load_js(p)[2]]


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with Page(1280, 900) as p:
        yield p
        assert not p.errors, p.errors
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-scale.json").write_text(json.dumps(MEASURED, indent=2) + "\n")


def url(out: Path, fragment: str = "") -> str:
    return (out / "report.html").resolve().as_uri() + (f"#{fragment}" if fragment else "")


def ids(page: Page) -> list[str]:
    return page.eval("[...document.querySelectorAll('tr.row')].map((t) => t.dataset.id)")


def article_shown(page: Page, doc_id: str) -> None:
    """Wait until the document view shows `doc_id` and has finished drawing."""
    page.wait(f"!!document.querySelector({json.dumps(f'article[data-id={doc_id!r}]')}) && {READY}")


def cursor_lands_on(page: Page, doc_id: str) -> None:
    """Wait until the list's cursor row is `doc_id` (the list re-renders after a key or a hash
    change; reading it at once can see the rows of the view before). A cursor that never gets
    there fails the test with the page's state."""
    try:
        page.wait(f"(document.querySelector('tr.cursor') || {{dataset: {{}}}}).dataset.id === {json.dumps(doc_id)}",
                  timeout=30)
    except TimeoutError:
        got = page.eval("(document.querySelector('tr.cursor') || {dataset: {}}).dataset.id || null")
        raise AssertionError(f"list cursor on {got!r}, not {doc_id!r}") from None


def pageinfo(page: Page) -> str:
    return page.eval("document.querySelector('.pageinfo').textContent")


def in_view(page: Page, selector: str) -> bool:
    return page.eval(f"""(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();
                          return r.top >= -2 && r.top < innerHeight - 20; }})()""")


def test_opens_on_the_index_alone(big: Path, page: Page) -> None:
    MEASURED["open_seconds"] = round(page.open(url(big)), 3)
    assert ids(page)[:2] == ["site00/000000", "site01/000001"] and len(ids(page)) == PAGE_SIZE
    assert pageinfo(page) == "page 1 of 400 (20000 items)"
    # What opening read: the page and the index files, no document's detail.
    assert sorted(page.loaded()) == ["index-000.js", "index-001.js", "index-002.js", "index-003.js", "report.html"]
    assert MEASURED["report_html_bytes"] < 100_000
    page.screenshot("report-20k-list.png")
    MEASURED["open_page_200_seconds"] = round(page.open(url(big, "view=docs&page=200")), 3)
    assert ids(page)[0] == f"site{(199 * PAGE_SIZE) % 37:02d}/{199 * PAGE_SIZE:06d}"
    assert page.eval("document.querySelectorAll('tr').length") == PAGE_SIZE + 1  # one page in the DOM


def test_deep_links_land_on_their_item(big: Path, page: Page, rows: list[list[Any]]) -> None:
    last = rows[19998][0]
    MEASURED["open_doc_seconds"] = round(page.open(url(big, f"doc={last}")), 3)
    assert page.eval("document.body.dataset.landed") == "view"
    assert page.eval("window.scrollY") > 0 and in_view(page, "#doc-view")
    assert page.eval(f"document.querySelector('article[data-id=\"{last}\"] h2').textContent").startswith("Story 19998:")
    assert len([n for n in page.loaded() if n.startswith("detail-")]) == 1  # one detail file
    page.screenshot("report-20k-doc.png")
    # A removal deep in a long article: the link names its offset, the page centres it.
    i = next(k for k in range(N - 1, 0, -1) if rows[k][3] >= 2 and rows[k][1] == "kept")
    page.open(url(big, f"doc={rows[i][0]}"))
    start = page.eval("document.querySelectorAll('del.removed')[1].dataset.start")
    page.open(url(big, f"doc={rows[i][0]}&at={start}"))
    assert page.eval("document.body.dataset.landed") == "removal"
    assert page.eval("document.querySelector('del.removed.target').dataset.start") == start
    assert in_view(page, "del.removed.target")
    canon = next(r[6] for r in rows[15000:] if r[6])
    page.open(url(big, f"cluster={canon}"))
    assert page.eval("document.body.dataset.landed") == "view" and in_view(page, "#cluster-view")
    assert page.eval("document.querySelectorAll('#cluster-view article').length") == 2
    page.screenshot("report-20k-cluster.png")


def test_keyboard_next_previous_and_back(big: Path, page: Page, rows: list[list[Any]]) -> None:
    rejected = [r[0] for r in rows if r[1] == "rejected"]
    page.open(url(big, "view=docs&status=rejected"))
    assert ids(page)[:4] == rejected[:4]
    # Count from wherever the list's cursor starts (on the row a `sel` link names, else none),
    # and let each key's move land before the next key.
    start = page.eval("[...document.querySelectorAll('tr.row')].findIndex((t) => t.classList.contains('cursor'))")
    assert -1 <= start < PAGE_SIZE - 3
    one, two = rejected[start + 2], rejected[start + 3]
    page.key("j")
    cursor_lands_on(page, rejected[start + 1])
    page.key("j")
    cursor_lands_on(page, one)
    page.key("Enter")
    # Wait for the article itself, not for READY alone: the hash changes at once and the view
    # follows on the next event, so READY can still be the list's; a key pressed in between
    # meets a page that has not drawn the article's links yet.
    article_shown(page, one)
    assert page.eval("decodeURIComponent(location.hash)") == f"#doc={one}"
    page.key("j")
    article_shown(page, two)
    page.key("k")
    article_shown(page, one)
    page.key("u")
    page.wait(f"location.hash.includes('status=rejected') && {READY}")
    cursor_lands_on(page, one)  # back where it was
    page.key("n")
    page.wait(f"location.hash.includes('page=2') && {READY}")
    first_row = "(document.querySelector('tr.row') || {dataset: {}}).dataset.id"
    page.wait(f"{first_row} === {json.dumps(rejected[PAGE_SIZE])}", timeout=30)  # page 2 starts where page 1 ended


def test_flag_filter_and_chart_bars(big: Path, page: Page, rows: list[list[Any]]) -> None:
    page.open(url(big, "view=docs&flag=any"))
    assert pageinfo(page).endswith(f"({sum(1 for r in rows if r[8])} items)")
    page.open(url(big, "view=docs&flag=review%3Aboilerplate-share"))
    assert pageinfo(page).endswith(f"({sum(1 for r in rows if 'review:boilerplate-share' in r[8])} items)")
    page.open(url(big))
    page.eval("document.querySelector('#chart-status a[href*=\"status=rejected\"]')"
              ".dispatchEvent(new MouseEvent('click', {bubbles: true})); 1")
    page.wait(f"location.hash.includes('status=rejected') && {READY}")
    assert pageinfo(page).endswith(f"({sum(1 for r in rows if r[1] == 'rejected')} items)")
    page.eval("document.querySelector('#chart-rules a[href*=\"fix=\"]')"
              ".dispatchEvent(new MouseEvent('click', {bubbles: true})); 1")
    page.wait(f"location.hash.includes('fix=') && {READY}")
    assert pageinfo(page).endswith(f"({sum(1 for r in rows if r[7])} items)")
    page.screenshot("report-20k-fixes.png")


@pytest.mark.parametrize(("sort", "key"), [
    ("share", lambda r: -(r[10] / (r[9] + r[10]) if r[9] + r[10] else 0)),
    ("removals", lambda r: -r[3]),
])
def test_sorting(big: Path, page: Page, rows: list[list[Any]], sort: str, key: Any) -> None:
    page.open(url(big, f"view=docs&sort={sort}"))
    order = sorted(range(N), key=lambda i: (key(rows[i]), i))
    assert ids(page) == [rows[i][0] for i in order[:PAGE_SIZE]]


def test_sorting_by_date_and_article_fields(big: Path, page: Page, rows: list[list[Any]]) -> None:
    dated = sorted((i for i in range(N) if rows[i][11]), key=lambda i: (rows[i][11], i))
    page.open(url(big, "view=docs&sort=oldest"))
    assert ids(page) == [rows[i][0] for i in dated[:PAGE_SIZE]]
    page.open(url(big, "view=docs&sort=newest"))
    newest = sorted(dated, key=lambda i: (tuple(-ord(c) for c in rows[i][11]), i))
    assert ids(page) == [rows[i][0] for i in newest[:PAGE_SIZE]]
    undated = [i for i in range(N) if not rows[i][11]]
    page.open(url(big, f"view=docs&sort=newest&page={len(dated) // PAGE_SIZE + 2}"))
    assert set(ids(page)) <= {rows[i][0] for i in undated}  # documents without a date come last
    doc = rows[dated[0]][0]
    page.open(url(big, f"doc={doc}"))
    fields = page.eval("[...document.querySelectorAll('dl.fields dt')].map((e) => e.textContent + '=' + "
                       "e.nextElementSibling.textContent)")
    assert f"published={rows[dated[0]][11]}" in fields and any(f.startswith("authors=Ann Writer") for f in fields)
    page.screenshot("report-20k-fields.png")
    undated_kept = next(rows[i][0] for i in undated if rows[i][1] == "kept")
    page.open(url(big, f"doc={undated_kept}"))
    assert page.eval("document.querySelectorAll('dl.fields').length") == 0


def test_search_titles_text_and_removed_text(big: Path, page: Page, rows: list[list[Any]]) -> None:
    page.open(url(big, "view=docs&q=Story+19998%3A"))
    assert ids(page) == [rows[19998][0]]
    zebra = [r[0] for i, r in enumerate(rows) if i % 1000 == 123]
    MEASURED["search_text_seconds"] = round(page.open(url(big, "view=docs&q=zebrafish&in=text")), 3)
    assert ids(page) == zebra
    assert page.eval("document.getElementById('search-status').dataset.done") == "1"
    page.screenshot("report-20k-search.png")
    giraffe = [r[0] for i, r in enumerate(rows) if i % 1500 == 77]
    MEASURED["search_removed_seconds"] = round(page.open(url(big, "view=docs&q=GIRAFFE&in=removed")), 3)
    assert ids(page) == giraffe
    assert set(page.eval("[...document.querySelectorAll('td.hit .where')].map((e) => e.textContent)")) == {"removed"}
    page.open(url(big, "view=docs&q=giraffe&in=text"))
    assert ids(page) == []
    page.open(url(big, "view=docs&q=giraffe&in=all&status=kept"))
    assert ids(page) == [r[0] for i, r in enumerate(rows) if i % 1500 == 77 and r[1] == "kept"]
    # A match in removed text links to its place in the article.
    page.open(url(big, "view=docs&q=giraffe&in=removed"))
    page.eval("document.querySelector('tr.row a').click(); 1")
    page.wait(f"location.hash.includes('at=') && {READY}")
    assert "Giraffe" in page.eval("document.querySelector('del.removed.target').textContent")


def test_rule_samples_view(big: Path, page: Page) -> None:
    page.open(url(big, "view=rules"))
    assert page.eval("document.querySelectorAll('#rule-list tr.row').length") == 5
    page.eval("document.querySelector('#rule-list tr.row a').click(); 1")
    page.wait(f"location.hash.startsWith('#rule=') && {READY}")
    lines = page.eval("[...document.querySelectorAll('#rule-view tr.sample')].map((t) => +t.cells[0].textContent)")
    assert len(lines) > 10 and sum(lines) == 200 and lines == sorted(lines, reverse=True)
    page.screenshot("report-20k-rule.png")
    page.eval("document.querySelector('#rule-view tr.sample a').click(); 1")
    page.wait(f"location.hash.includes('at=') && {READY}")
    assert page.eval("document.body.dataset.landed") == "removal" and in_view(page, "del.removed.target")


def test_a_diff_too_large_is_marked(tmp_path: Path, page: Page) -> None:
    before = ("CafÃ© " * 50_000).strip()
    after = before.replace("Ã©", "é")
    writer = ReportWriter(tmp_path / "report.html")
    writer.add(Doc("big", "big.txt", "0" * 64, len(before), lines=[Line(after, 0, len(before))],
                   edits=[Edit("encoding", "fix_mojibake", 0, len(before), before, after)]),
               {"id": "big", "status": "kept"})
    writer.finish({"counts": {"documents": 1, "kept": 1}})
    page.open(url(tmp_path, "doc=big"))
    note = page.eval("document.querySelector('.too-large').textContent")
    assert note.startswith("diff too large") and "more characters taken out are not shown" in note
    page.screenshot("report-diff-too-large.png")
