"""Read a corpus folder written by `newsclean run`, without knowing its file layout.

    from pipeline.reader import Corpus

    corpus = Corpus("data/seeds")
    for art in corpus.articles():
        print(art.id, len(art.removed), [d.id for d in art.duplicates])
    corpus.article("000_2cb9e80f71fff0a9").text
    [d.id for d in corpus.documents(status="rejected")]

Files are streamed line by line, so iterating a large corpus holds one article at a time;
lookups by id build a small offset index (id -> byte offset) on first use. Only the
duplicate links (documents whose status is `duplicate`) are held in memory, since every
article needs them. Removals and edits come back as the pipeline's own `Removal` and `Edit`
records; the raw JSON object is kept on `.record` for fields added later (the contract only
ever grows).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.models import DUPLICATE, KEPT, REJECTED, Edit, Removal
from pipeline.report.segments import Segment, build_view, view_without_spans

STATUSES = (KEPT, DUPLICATE, REJECTED)


class CorpusError(Exception):
    """The folder is not a corpus written by newsclean (or not a complete one)."""


@dataclass(frozen=True)
class Document:
    """One input file's fate, from documents.jsonl."""

    id: str
    source: str
    sha256: str
    status: str
    reason: str | None = None
    duplicate_of: str | None = None
    similarity: dict[str, float] | None = None
    flags: tuple[str, ...] = ()
    record: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Document:
        return cls(id=rec["id"], source=rec["source"], sha256=rec["sha256"], status=rec["status"],
                   reason=rec.get("reason"), duplicate_of=rec.get("duplicate_of"),
                   similarity=rec.get("similarity"), flags=tuple(rec.get("flags", ())), record=rec)


@dataclass(frozen=True)
class Article:
    """One canonical article from articles.jsonl, with the documents that duplicate it."""

    id: str
    title: str | None
    text: str
    source: str
    sha256: str
    encoding: dict[str, Any]
    removed: tuple[Removal, ...]
    edits: tuple[Edit, ...]
    flags: tuple[str, ...]
    duplicates: tuple[Document, ...] = ()
    spans: dict[str, Any] | None = field(default=None, repr=False)
    record: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # Found by the structure stage; a corpus written before it gives [] and None.
    authors: tuple[str, ...] = ()
    credit: str | None = None
    published: str | None = None
    updated: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n\n") if self.text else []

    def view(self) -> list[Segment]:
        """Kept paragraphs and removed lines in input order (see pipeline.report.segments).

        Without spans.jsonl (a corpus written before it existed) removals follow the text,
        in input order, because where they sat cannot be known.
        """
        if self.spans is None or len(self.spans.get("paragraphs", [])) != len(self.paragraphs):
            return view_without_spans(self.text, self.removed, self.title)
        paras = [(t, s, e) for t, (s, e) in zip(self.paragraphs, self.spans["paragraphs"], strict=True)]
        return build_view(paras, self.removed, self.edits, self.title, self.spans.get("title"))

    @classmethod
    def from_record(cls, rec: dict[str, Any], duplicates: Iterable[Document] = (),
                    spans: dict[str, Any] | None = None) -> Article:
        return cls(id=rec["id"], title=rec.get("title"), text=rec["text"], source=rec["source"],
                   sha256=rec["sha256"], encoding=rec.get("encoding", {}),
                   removed=tuple(Removal(**r) for r in rec.get("removed", ())),
                   edits=tuple(Edit(**e) for e in rec.get("edits", ())), flags=tuple(rec.get("flags", ())),
                   duplicates=tuple(duplicates), spans=spans, record=rec,
                   authors=tuple(rec.get("authors") or ()), credit=rec.get("credit"),
                   published=rec.get("published"), updated=rec.get("updated"))


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, "rb") as fh:
        while True:
            offset = fh.tell()
            line = fh.readline()
            if not line:
                return
            if line.strip():
                yield offset, json.loads(line)


def _at(path: Path, offset: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return json.loads(fh.readline())


class Corpus:
    """A corpus folder: `articles()`, `documents(status=...)`, `article(id)`, `document(id)`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not (self.folder / "manifest.json").is_file():
            raise CorpusError(f"{self.folder} has no manifest.json: not a corpus written by `newsclean run` "
                              "(or the run did not finish)")
        self._manifest: dict[str, Any] | None = None
        self._dups: dict[str, list[Document]] | None = None
        self._index: dict[str, dict[str, int]] = {}

    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        return self._manifest

    def _path(self, name: str) -> Path:
        return self.folder / name

    def _duplicates(self) -> dict[str, list[Document]]:
        if self._dups is None:
            dups: dict[str, list[Document]] = {}
            for d in self.documents(status=DUPLICATE):
                dups.setdefault(d.duplicate_of or "", []).append(d)
            self._dups = dups
        return self._dups

    def _offsets(self, name: str) -> dict[str, int]:
        if name not in self._index:
            path = self._path(name)
            self._index[name] = {rec["id"]: off for off, rec in _lines(path)} if path.exists() else {}
        return self._index[name]

    def documents(self, status: str | Iterable[str] | None = None) -> Iterator[Document]:
        """Every input document in id order, optionally only those with the given status(es)."""
        wanted = _statuses(status)
        for _, rec in _lines(self._path("documents.jsonl")):
            if wanted is None or rec["status"] in wanted:
                yield Document.from_record(rec)

    def articles(self) -> Iterator[Article]:
        """Every canonical (kept) article in id order, with its removals and duplicates."""
        dups = self._duplicates()
        spans_path = self._path("spans.jsonl")
        spans_iter = _lines(spans_path) if spans_path.exists() else iter(())
        pending: dict[str, Any] | None = None
        for _, rec in _lines(self._path("articles.jsonl")):
            # spans.jsonl is written in the same order; advance it alongside, tolerating gaps.
            if pending is None or pending["id"] < rec["id"]:
                pending = next((s for _, s in spans_iter if s["id"] >= rec["id"]), None)
            spans = pending if pending is not None and pending["id"] == rec["id"] else None
            yield Article.from_record(rec, dups.get(rec["id"], ()), spans)

    def __iter__(self) -> Iterator[Article]:
        return self.articles()

    def article(self, doc_id: str) -> Article:
        """The canonical article `doc_id`; KeyError if it is not one (see `document` for why)."""
        off = self._offsets("articles.jsonl").get(doc_id)
        if off is None:
            raise KeyError(doc_id)
        rec = _at(self._path("articles.jsonl"), off)
        span_off = self._offsets("spans.jsonl").get(doc_id)
        spans = _at(self._path("spans.jsonl"), span_off) if span_off is not None else None
        return Article.from_record(rec, self._duplicates().get(doc_id, ()), spans)

    def document(self, doc_id: str) -> Document:
        """Any input document by id, whatever its status; KeyError if there is none."""
        off = self._offsets("documents.jsonl").get(doc_id)
        if off is None:
            raise KeyError(doc_id)
        return Document.from_record(_at(self._path("documents.jsonl"), off))

    def ids(self) -> list[str]:
        return list(self._offsets("documents.jsonl"))


def _statuses(status: str | Iterable[str] | None) -> set[str] | None:
    """Normalise a status filter, rejecting names that can never match.

    >>> sorted(_statuses(["kept", "duplicate"]))
    ['duplicate', 'kept']
    >>> _statuses("dropped")
    Traceback (most recent call last):
    ...
    ValueError: unknown status 'dropped'; choose from kept, duplicate, rejected
    """
    if status is None:
        return None
    wanted = {status} if isinstance(status, str) else set(status)
    for s in sorted(wanted):
        if s not in STATUSES:
            raise ValueError(f"unknown status {s!r}; choose from {', '.join(STATUSES)}")
    return wanted
