"""report.html: the page where a curator reviews what cleaning did, article by article.

The page must open from disk with no network and no server, and open fast at any corpus
size. So report.html itself is small and bounded (CSS, JS, the summary charts as inline SVG,
and a table of contents of the data); the data lives beside it in `report/<key>/` as
script files the page adds as <script> tags on demand (fetch() of file:// is blocked, a
script tag is not), each calling `ncLoad(kind, number, data)`:
  index-NNN.js   the list rows, INDEX_CHUNK documents each: what lists, filters and sorts need;
  detail-NNNNN.js  each document's reading view, documents in corpus order, about
                 DETAIL_CHUNK_BYTES a file (one document may exceed it), each detail kept as a
                 JSON string that the page parses only when the document is shown;
  rule-NNN.js    a sample of the lines one rule removed across the corpus.
Opening the page loads the index only; a document view loads one detail file; a text search
reads the detail files one after another.

<key> is a hash of the folder's content, so the same corpus gives the same bytes, and the
page in place always names a complete folder: the new folder is built under a temporary
name, renamed, then report.html is replaced, then older folders are removed.

The writer streams: details go to their files as documents arrive (in the corpus writer's
child process, see corpus.py), so memory holds only the list rows and the rule samples.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import orjson

from pipeline.models import Doc
from pipeline.report.segments import build_view, reason_label

PAGE_SIZE = 50  # list rows per page: a screenful or two, and cheap to render
INDEX_CHUNK = 5000  # list rows per index file (~0.7 MB): a few files even at 100k documents
DETAIL_CHUNK_BYTES = 512 * 1024  # a document view loads one such file: milliseconds to parse
DETAIL_CHUNK_DOCS = 500  # and no more documents than this in one
RULE_SAMPLE = 200  # lines kept per rule for the rule view (a bottom-k sample by hash: deterministic)
SAMPLE_TEXT_MAX = 400  # characters of a sampled line kept
# Fields another stage may put on a document (article structure); shown when present.
ARTICLE_FIELDS = ("authors", "credit", "published", "updated")
_KEY = re.compile(r"[0-9a-f]{16}")
_HERE = Path(__file__).parent
_STATUSES = ("kept", "duplicate", "rejected")


def _script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '<' can close the element or open a comment.

    >>> _script_json({"t": "</script><!--"})
    '{"t":"\\\\u003c/script>\\\\u003c!--"}'
    """
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def article_fields(doc: Doc, row: dict[str, Any]) -> dict[str, Any]:
    """The article-structure fields (ARTICLE_FIELDS) the document or its row carries, if any:
    read defensively, since the stage that sets them may not exist in this build.

    >>> from pipeline.models import Doc
    >>> article_fields(Doc("a", "a.txt", "", 0), {"published": "2024-05-01", "authors": []})
    {'published': '2024-05-01'}
    """
    out: dict[str, Any] = {}
    for k in ARTICLE_FIELDS:
        v = getattr(doc, k, None)
        if v in (None, "", [], ()):  # a Doc's empty default does not hide what the row carries
            v = row.get(k)
        if k == "authors" and isinstance(v, str):
            v = [v]
        if v not in (None, "", [], ()):
            out[k] = list(v) if isinstance(v, list | tuple) else v if isinstance(v, str) else str(v)
    return out


def doc_detail(doc: Doc, row: dict[str, Any]) -> dict[str, Any]:
    """What the page shows for one document: its row in documents.jsonl plus the reading view."""
    paragraphs = [(ln.text, ln.start, ln.end) for ln in doc.lines if ln.text.strip()]  # Line.blank, inlined
    detail = {k: row[k] for k in ("id", "status", "reason", "duplicate_of", "similarity", "source") if k in row}
    detail["title"] = doc.title
    detail["flags"] = sorted(doc.flags)
    fields = article_fields(doc, row)
    if fields:
        detail["fields"] = fields
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


def bar_chart(items: list[tuple[str, int, str]] | list[tuple[str, int, str, str]], width: int = 520) -> str:
    """A horizontal bar chart as inline SVG; items are (label, value, css class suffix) and
    optionally a link (a fragment such as "#view=docs&status=kept"): the bar then filters the list.

    >>> svg = bar_chart([("kept", 3, "kept", "#view=docs&status=kept"), ("rejected", 1, "rejected")])
    >>> svg.count("<rect"), 'class="bar-kept"' in svg, ">3<" in svg, svg.count("<a ")
    (2, True, True, 1)
    >>> "no data" in bar_chart([])
    True
    """
    if not items:
        return '<svg class="chart" width="200" height="24" role="img"><text x="0" y="16">no data</text></svg>'
    label_w, bar_h, gap = 300, 18, 6
    top = max(it[1] for it in items) or 1
    height = len(items) * (bar_h + gap)
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, cls, *href) in enumerate(items):
        y = i * (bar_h + gap)
        w = max(1, round((width - label_w - 50) * value / top)) if value else 0
        text = label if len(label) <= 44 else label[:43] + "…"
        bar = (f'<g><title>{html.escape(label)}: {value}</title>'
               f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(text)}</text>'
               f'<rect class="bar-{html.escape(cls)}" x="{label_w}" y="{y}" width="{w}" height="{bar_h}"/>'
               f'<text x="{label_w + w + 4}" y="{y + 13}">{value}</text></g>')
        if href:
            bar = f'<a class="bar-link" href="{html.escape(href[0])}">{bar}</a>'
        parts.append(bar)
    parts.append("</svg>")
    return "".join(parts)


def _frag(**kw: str) -> str:
    """A page fragment (what the page's links use).

    >>> _frag(view="docs", flag="review:x y")
    '#view=docs&flag=review%3Ax+y'
    """
    from urllib.parse import urlencode
    return "#" + urlencode(kw)


def summary_html(manifest: dict[str, Any], fixes: dict[str, int] | None = None,
                 rule_ids: dict[str, int] | None = None, fix_ids: dict[str, int] | None = None) -> str:
    """Charts of the manifest; `fixes` (edits per stage/rule) is counted by the writer because
    the manifest counts removals only. With the writer's rule and fix tables, every bar links to
    the list filtered by what it counts."""
    counts = manifest.get("counts", {})
    removals = manifest.get("removals", {})
    rule_ids, fix_ids = rule_ids or {}, fix_ids or {}

    def item(label: str, n: int, cls: str, href: str | None) -> tuple[str, int, str] | tuple[str, int, str, str]:
        return (label, n, cls, href) if href else (label, n, cls)

    rule_items = sorted((item(reason_label(stage, rule), n, stage if stage in ("boilerplate", "repeats", "encoding")
                              else "other",
                              _frag(view="docs", rule=str(rule_ids[f"{stage}/{rule}"]))
                              if f"{stage}/{rule}" in rule_ids else None)
                         for stage, rules in removals.items() for rule, n in rules.items()),
                        key=lambda t: (-t[1], t[0]))
    rule_items += sorted((item(reason_label(*k.split("/", 1)), n, "encoding",
                               _frag(view="docs", fix=str(fix_ids[k])) if k in fix_ids else None)
                          for k, n in (fixes or {}).items()), key=lambda t: (-t[1], t[0]))
    status_items = [(s, int(counts.get(s, 0)), s, _frag(view="docs", status=s)) for s in _STATUSES]
    rejections = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in manifest.get("rejections", {}).items())
    flags = "".join(f'<li><a href="{html.escape(_frag(view="docs", flag=k))}">{html.escape(k)}</a>: {v}</li>'
                    for k, v in manifest.get("flags", {}).items())
    return (
        '<section class="card" id="summary"><div class="charts">'
        f'<figure id="chart-status"><figcaption>Documents per status ({int(counts.get("documents", 0))} in all)'
        f'</figcaption>{bar_chart(status_items)}</figure>'
        f'<figure id="chart-rules"><figcaption>Removals and fixes per rule '
        f'(<a href="#view=rules">sample lines per rule</a>)</figcaption>{bar_chart(rule_items)}</figure>'
        + (f"<figure><figcaption>Rejections per reason</figcaption><ul>{rejections}</ul></figure>"
           if rejections else "")
        + (f'<figure id="chart-flags"><figcaption>Flags for review</figcaption><ul>{flags}</ul></figure>'
           if flags else "")
        + "</div></section>"
    )




def _sample_key(doc_id: str, start: int, text: str) -> int:
    """A removal's place in its rule's sample: a hash, so the sample is the same whatever the
    order documents arrive in and spreads over the whole corpus."""
    return int.from_bytes(hashlib.blake2b(f"{doc_id}\0{start}\0{text}".encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big")


def _js_call(kind: str, number: int, payload: bytes) -> bytes:
    return b'ncLoad("' + kind.encode() + b'",' + str(number).encode() + b"," + payload + b");\n"


class ReportWriter:
    """Collects documents in corpus order; writes report.html and its data folder at `finish`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data_root = path.parent / path.stem  # report.html -> report/
        self.data_root.mkdir(parents=True, exist_ok=True)
        # Created with the umask (mkdtemp would make it private), like every file in it.
        self._build = self.data_root / f".build.{os.getpid()}.tmp"
        shutil.rmtree(self._build, ignore_errors=True)  # a dead run's, with the same pid
        self._build.mkdir()
        self._chunk: list[bytes] = []
        self._chunk_bytes = 0
        self._digest = hashlib.sha256()  # of the detail files, in order
        self._detail_hex: str | None = None  # that digest, when handed over by set_state
        self._detail_starts: list[int] = []
        self._rows: list[list[Any]] = []
        self._rules: dict[str, int] = {}
        self._fix_ids: dict[str, int] = {}
        self._fixes: dict[str, int] = {}
        # rule id -> (removals, documents, bottom-k heap of (-key, doc id, start, text))
        self._samples: dict[int, list[Any]] = {}

    def add(self, doc: Doc, row: dict[str, Any]) -> None:
        """`row` is the document's documents.jsonl record (status, reason, duplicate_of...)."""
        detail = doc_detail(doc, row)
        rule_ids = sorted({self._rules.setdefault(f"{r.stage}/{r.rule}", len(self._rules)) for r in doc.removed})
        fix_ids = sorted({self._fix_ids.setdefault(f"{e.stage}/{e.rule}", len(self._fix_ids)) for e in doc.edits})
        kept_chars = sum(len(ln.text) for ln in doc.lines if ln.text.strip())
        removed_chars = sum(len(r.text) for r in doc.removed)
        fields = detail.get("fields", {})
        published = fields.get("published")
        self._rows.append([doc.id, row["status"], doc.title or "", len(doc.removed), rule_ids,
                           row.get("reason"), row.get("duplicate_of"), len(doc.edits), sorted(doc.flags),
                           kept_chars, removed_chars, published if isinstance(published, str) else None,
                           fix_ids])
        for e in doc.edits:
            key = f"{e.stage}/{e.rule}"
            self._fixes[key] = self._fixes.get(key, 0) + 1
        seen: set[int] = set()
        for r in doc.removed:
            rid = self._rules[f"{r.stage}/{r.rule}"]
            entry = self._samples.setdefault(rid, [0, 0, []])
            entry[0] += 1
            if rid not in seen:
                seen.add(rid)
                entry[1] += 1
            item = (-_sample_key(doc.id, r.start, r.text), doc.id, r.start, r.text[:SAMPLE_TEXT_MAX])
            if len(entry[2]) < RULE_SAMPLE:
                heapq.heappush(entry[2], item)
            elif item > entry[2][0]:
                heapq.heapreplace(entry[2], item)
        literal = detail_literal(detail, doc, row)
        if self._chunk and (self._chunk_bytes + len(literal) > DETAIL_CHUNK_BYTES
                            or len(self._chunk) >= DETAIL_CHUNK_DOCS):
            self._flush_chunk()
        if not self._chunk:
            self._detail_starts.append(len(self._rows) - 1)
        self._chunk.append(literal)
        self._chunk_bytes += len(literal) + 1

    def _flush_chunk(self) -> None:
        if not self._chunk:
            return
        number = len(self._detail_starts) - 1
        data = _js_call("detail", number, b"[" + b",".join(self._chunk) + b"]")
        (self._build / f"detail-{number:05d}.js").write_bytes(data)
        self._digest.update(hashlib.sha256(data).digest())
        self._chunk, self._chunk_bytes = [], 0

    def state(self) -> tuple[Any, ...]:
        """What `add` collected besides the detail files already written (see corpus.py,
        which builds the report in a child process and hands this back with set_state)."""
        self._flush_chunk()
        return (self._rows, self._rules, self._fix_ids, self._fixes, self._samples, self._detail_starts,
                self._digest.hexdigest())

    def set_state(self, state: tuple[Any, ...]) -> None:
        (self._rows, self._rules, self._fix_ids, self._fixes, self._samples, self._detail_starts,
         digest) = state
        self._detail_hex = digest
        self._chunk, self._chunk_bytes = [], 0

    def close_docs(self) -> None:
        """Write the last detail file (in the process that wrote the others)."""
        self._flush_chunk()

    def finish(self, manifest: dict[str, Any]) -> None:
        self._flush_chunk()
        files: dict[str, bytes] = {}
        n_index = (len(self._rows) + INDEX_CHUNK - 1) // INDEX_CHUNK
        for k in range(n_index):
            rows = self._rows[k * INDEX_CHUNK:(k + 1) * INDEX_CHUNK]
            files[f"index-{k:03d}.js"] = _js_call("index", k, orjson.dumps(rows))
        rule_keys = list(self._rules)
        for rid, (count, ndocs, heap) in sorted(self._samples.items()):
            lines = sorted((text, doc_id, start) for _, doc_id, start, text in heap)
            payload = {"key": rule_keys[rid], "removals": count, "documents": ndocs,
                       "sample": [[doc_id, start, text] for text, doc_id, start in lines]}
            files[f"rule-{rid:03d}.js"] = _js_call("rule", rid, _script_json(payload).encode("utf-8"))
        digest = hashlib.sha256((self._detail_hex or self._digest.hexdigest()).encode())
        for name, data in sorted(files.items()):
            digest.update(name.encode() + hashlib.sha256(data).digest())
            (self._build / name).write_bytes(data)
        key = digest.hexdigest()[:16]
        final = self.data_root / key
        if final.exists():  # the same content is already in place (an unchanged rerun)
            shutil.rmtree(self._build)
        else:
            os.replace(self._build, final)
        meta = {"page_size": PAGE_SIZE, "data": f"{self.data_root.name}/{key}/", "documents": len(self._rows),
                "index_chunk": INDEX_CHUNK, "index_files": n_index, "detail_starts": self._detail_starts,
                "rules": rule_keys, "fixes": list(self._fix_ids),
                "sampled": sorted(self._samples), "fields": list(ARTICLE_FIELDS)}
        css = (_HERE / "page.css").read_text(encoding="utf-8")
        js = (_HERE / "page.js").read_text(encoding="utf-8")
        counts = manifest.get("counts", {})
        page = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>newsclean review · {int(counts.get('documents', 0))} documents</title>"
            f"<style>{css}</style></head><body>"
            '<header><h1>newsclean review</h1><span class="meta">'
            f"run {html.escape(str(manifest.get('run_key', '')))} · schema v{manifest.get('schema_version', '')} · "
            f"{int(counts.get('kept', 0))} kept, {int(counts.get('duplicate', 0))} duplicate, "
            f"{int(counts.get('rejected', 0))} rejected</span></header><main>"
            f"{summary_html(manifest, self._fixes, self._rules, self._fix_ids)}"
            '<div id="app"><noscript>The document list and article views need JavaScript; '
            "the summary above does not.</noscript></div></main>"
            f'<script id="nc-meta" type="application/json">{_script_json(meta)}</script>'
            f"<script>{js}</script></body></html>\n"
        )
        tmp = self.path.parent / f".{self.path.name}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as out:  # mode from the umask, as any tool's output
                out.write(page)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self._remove_old(keep=key)

    def _remove_old(self, keep: str) -> None:
        """Remove the data folders of earlier reports and builds a killed run left: only names
        this writer creates (a 16-hex key or .build.*.tmp), nothing else in the folder."""
        for entry in os.scandir(self.data_root):
            if entry.name == keep or not entry.is_dir(follow_symlinks=False):
                continue
            if _KEY.fullmatch(entry.name) or (entry.name.startswith(".build.") and entry.name.endswith(".tmp")):
                shutil.rmtree(entry.path, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self._build, ignore_errors=True)
