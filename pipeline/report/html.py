"""report.html: one static page where a curator reviews what cleaning did, article by article.

The page must open from disk with no network (no CDN: CSS and JS are inlined from page.css and
page.js beside this module) and stay usable for tens of thousands of documents. So the data is
embedded as JSON in two parts: a small index row per document, parsed on load, and each
document's detail kept as a JSON *string* that the page parses only when that document is
shown; lists render one page at a time. Summary charts are inline SVG drawn here, so they show
even before any script runs.

The writer streams: each document's detail goes to a temporary file as it arrives and is
copied into the page at the end, so memory holds only the index rows. The page is assembled
in a temporary file and renamed into place. Nothing run-specific but the manifest goes in, so
the same corpus gives the same bytes.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson

from pipeline.models import Doc
from pipeline.report.segments import build_view, reason_label

PAGE_SIZE = 50  # list rows per page: a screenful or two, and cheap to render
_HERE = Path(__file__).parent
_STATUSES = ("kept", "duplicate", "rejected")


def _script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '<' can close the element or open a comment.

    >>> _script_json({"t": "</script><!--"})
    '{"t":"\\\\u003c/script>\\\\u003c!--"}'
    """
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def doc_detail(doc: Doc, row: dict[str, Any]) -> dict[str, Any]:
    """What the page shows for one document: its row in documents.jsonl plus the reading view."""
    paragraphs = [(ln.text, ln.start, ln.end) for ln in doc.lines if ln.text.strip()]  # Line.blank, inlined
    detail = {k: row[k] for k in ("id", "status", "reason", "duplicate_of", "similarity", "source") if k in row}
    detail["title"] = doc.title
    detail["authors"], detail["credit"] = list(doc.authors), doc.credit
    detail["published"], detail["updated"] = doc.published, doc.updated
    detail["flags"] = sorted(doc.flags)
    detail["segments"] = build_view(paragraphs, doc.removed, doc.edits, doc.title, doc.title_span)
    return detail


def detail_literal(detail: dict[str, Any], doc: Doc, row: dict[str, Any]) -> bytes:
    """`detail` as JSON inside a JSON string literal, script-safe: the bytes of
    `_script_json(json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":")))`.

    orjson writes the same text as that (same escapes, keys sorted by code point) at a tenth
    of the cost, except for a float whose shortest form it spells differently (1e-05 is
    0.00001 to orjson, NaN is null) and for what it refuses (lone surrogates, ints past 64
    bits, keys that are not strings): those take the stdlib path. Floats can only come from
    the document's row (similarity) and its removals' details, so only those are checked.
    """
    if _floats_agree(row.get("similarity")) and all(_floats_agree(r.detail) for r in doc.removed if r.detail):
        try:
            inner = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            pass
        else:
            # The JSON text holds no control characters (orjson escapes them inside strings),
            # so as a string literal it only needs its backslashes and quotes escaped.
            return b'"' + inner.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"<", b"\\u003c") + b'"'
    return _script_json(json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))).encode("utf-8")


def _floats_agree(obj: Any) -> bool:
    """Every float in `obj` is written by orjson as json.dumps writes it (float.__repr__).

    >>> _floats_agree({"a": [0.5, 1e16, {"b": 0.0001}]}), _floats_agree([1e-05]), _floats_agree(float("nan"))
    (True, False, False)
    """
    if isinstance(obj, float):
        return orjson.dumps(obj) == float.__repr__(obj).encode()
    if isinstance(obj, dict):
        return all(_floats_agree(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return all(_floats_agree(v) for v in obj)
    return True


def bar_chart(items: list[tuple[str, int, str]], width: int = 520) -> str:
    """A horizontal bar chart as inline SVG; items are (label, value, css class suffix).

    >>> svg = bar_chart([("kept", 3, "kept"), ("rejected", 1, "rejected")])
    >>> svg.count("<rect"), 'class="bar-kept"' in svg, ">3<" in svg
    (2, True, True)
    >>> "no data" in bar_chart([])
    True
    """
    if not items:
        return '<svg class="chart" width="200" height="24" role="img"><text x="0" y="16">no data</text></svg>'
    label_w, bar_h, gap = 300, 18, 6
    top = max(v for _, v, _ in items) or 1
    height = len(items) * (bar_h + gap)
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, cls) in enumerate(items):
        y = i * (bar_h + gap)
        w = max(1, round((width - label_w - 50) * value / top)) if value else 0
        text = label if len(label) <= 44 else label[:43] + "…"
        parts.append(f'<g><title>{html.escape(label)}: {value}</title>'
                     f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(text)}</text>'
                     f'<rect class="bar-{html.escape(cls)}" x="{label_w}" y="{y}" width="{w}" height="{bar_h}"/>'
                     f'<text x="{label_w + w + 4}" y="{y + 13}">{value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def summary_html(manifest: dict[str, Any], fixes: dict[str, int] | None = None) -> str:
    """Charts of the manifest; `fixes` (edits per stage/rule) is counted by the writer because
    the manifest counts removals only."""
    counts = manifest.get("counts", {})
    removals = manifest.get("removals", {})
    rule_items = sorted(((reason_label(stage, rule), n, stage if stage in ("boilerplate", "repeats", "encoding")
                          else "other") for stage, rules in removals.items() for rule, n in rules.items()),
                        key=lambda t: (-t[1], t[0]))
    rule_items += sorted(((reason_label(*k.split("/", 1)), n, "encoding") for k, n in (fixes or {}).items()),
                         key=lambda t: (-t[1], t[0]))
    status_items = [(s, int(counts.get(s, 0)), s) for s in _STATUSES]
    rejections = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in manifest.get("rejections", {}).items())
    flags = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in manifest.get("flags", {}).items())
    return (
        '<section class="card" id="summary"><div class="charts">'
        f'<figure id="chart-status"><figcaption>Documents per status ({int(counts.get("documents", 0))} in all)'
        f'</figcaption>{bar_chart(status_items)}</figure>'
        f'<figure id="chart-rules"><figcaption>Removals and fixes per rule</figcaption>{bar_chart(rule_items)}</figure>'
        + (f"<figure><figcaption>Rejections per reason</figcaption><ul>{rejections}</ul></figure>"
           if rejections else "")
        + (f'<figure><figcaption>Flags for review</figcaption><ul>{flags}</ul></figure>' if flags else "")
        + "</div></section>"
    )


class ReportWriter:
    """Collects documents in corpus order, then writes report.html at `finish`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp_docs = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.docs.", suffix=".tmp")
        self._docs = os.fdopen(fd, "wb", buffering=1 << 20)
        self._rows: list[list[Any]] = []
        self._rules: dict[str, int] = {}
        self._clusters: dict[str, list[str]] = {}
        self._fixes: dict[str, int] = {}

    def add(self, doc: Doc, row: dict[str, Any]) -> None:
        """`row` is the document's documents.jsonl record (status, reason, duplicate_of...)."""
        detail = doc_detail(doc, row)
        rule_ids = sorted({self._rules.setdefault(f"{r.stage}/{r.rule}", len(self._rules)) for r in doc.removed})
        self._rows.append([doc.id, row["status"], doc.title or "", len(doc.removed), rule_ids,
                           row.get("reason"), row.get("duplicate_of"), len(doc.edits), sorted(doc.flags),
                           doc.published])  # last: the list can be sorted by date
        for e in doc.edits:
            key = f"{e.stage}/{e.rule}"
            self._fixes[key] = self._fixes.get(key, 0) + 1
        if row.get("duplicate_of"):
            self._clusters.setdefault(row["duplicate_of"], []).append(doc.id)
        # Each detail is a JSON string literal holding JSON, so the page can defer parsing it.
        if len(self._rows) > 1:
            self._docs.write(b",")
        self._docs.write(detail_literal(detail, doc, row))

    def state(self) -> tuple[Any, ...]:
        """What `add` collected besides the document part already written (see corpus.py,
        which builds the report in a child process and hands this back with set_state)."""
        return self._rows, self._rules, self._clusters, self._fixes

    def set_state(self, state: tuple[Any, ...]) -> None:
        self._rows, self._rules, self._clusters, self._fixes = state

    def close_docs(self) -> None:
        """Flush the document part to its file (in the process that wrote it)."""
        self._docs.close()

    def finish(self, manifest: dict[str, Any]) -> None:
        self._docs.close()
        index = {"page_size": PAGE_SIZE, "rules": list(self._rules), "docs": self._rows,
                 "clusters": [[k, v] for k, v in sorted(self._clusters.items())]}
        css = (_HERE / "page.css").read_text(encoding="utf-8")
        js = (_HERE / "page.js").read_text(encoding="utf-8")
        counts = manifest.get("counts", {})
        head = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>newsclean review · {int(counts.get('documents', 0))} documents</title>"
            f"<style>{css}</style></head><body>"
            '<header><h1>newsclean review</h1><span class="meta">'
            f"run {html.escape(str(manifest.get('run_key', '')))} · schema v{manifest.get('schema_version', '')} · "
            f"{int(counts.get('kept', 0))} kept, {int(counts.get('duplicate', 0))} duplicate, "
            f"{int(counts.get('rejected', 0))} rejected</span></header><main>"
            f"{summary_html(manifest, self._fixes)}"
            '<div id="app"><noscript>The document list and article views need JavaScript; '
            "the summary above does not.</noscript></div></main>"
            f'<script id="nc-index" type="application/json">{_script_json(index)}</script>'
            '<script id="nc-docs" type="application/json">['
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out, open(self._tmp_docs, encoding="utf-8") as docs:
                out.write(head)
                shutil.copyfileobj(docs, out, 1 << 20)
                out.write(f"]</script><script>{js}</script></body></html>\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        finally:
            os.unlink(self._tmp_docs)

    def abort(self) -> None:
        self._docs.close()
        if os.path.exists(self._tmp_docs):
            os.unlink(self._tmp_docs)
