"""Records that travel between stages.

A document is carried as its decoded lines, each with the character span it occupied in the
decoded input, so that every removal can point back to the exact place it came from however
many stages ran before it. Blank lines are kept as empty `Line`s because they carry layout
(a headline followed by a blank line is a title); they are dropped only when the canonical
text is assembled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

KEPT, DUPLICATE, REJECTED = "kept", "duplicate", "rejected"


@dataclass(slots=True)
class Line:
    text: str
    start: int  # offset of the raw line in the decoded input
    end: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True, slots=True)
class Removal:
    """Text taken out of a document, and why."""

    stage: str
    rule: str
    text: str
    start: int
    end: int
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Text changed in place (encoding repair, whitespace), with the rules that fired."""

    stage: str
    rule: str
    start: int
    end: int
    before: str
    after: str


@dataclass(slots=True)
class Doc:
    id: str
    source: str
    sha256: str
    size: int
    lines: list[Line] = field(default_factory=list)
    status: str = KEPT
    reason: str | None = None
    encoding: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    title_span: tuple[int, int] | None = None
    authors: list[str] = field(default_factory=list)
    credit: str | None = None
    published: str | None = None
    updated: str | None = None
    removed: list[Removal] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # Seconds the stages have spent on it so far (run.max_document_seconds bounds the sum). A
    # measurement, not content: kept between stages in work files, never in the corpus, and
    # not compared (two cleanings of one file are equal whatever they took).
    seconds: float = field(default=0.0, compare=False)

    def paragraphs(self) -> list[str]:
        return [ln.text for ln in self.lines if not ln.blank]

    def text(self) -> str:
        return "\n\n".join(self.paragraphs())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the document (lines as compact [text, start, end] triples).

        Built field by field rather than with `dataclasses.asdict`, whose recursive deep copy
        was the largest cost of writing a shard; values are shared with the document, not
        copied, so serialise the result before changing the document.
        """
        d = {name: getattr(self, name) for name in _DOC_PLAIN}
        d["lines"] = [[ln.text, ln.start, ln.end] for ln in self.lines]
        d["removed"] = [{k: getattr(r, k) for k in _REMOVAL_FIELDS} for r in self.removed]
        d["edits"] = [{k: getattr(e, k) for k in _EDIT_FIELDS} for e in self.edits]
        return d

    def to_record(self) -> list[Any]:
        """The document as a positional JSON array: what shard files between stages hold.

        Cheaper than `to_dict` both ways (no key per field, per line or per removal); the
        order is `_DOC_PLAIN`'s followed by lines, removed and edits, each as arrays in their
        dataclass's field order. Values are shared with the document, as in `to_dict`.

        >>> d = Doc("a", "a.txt", "", 3, lines=[Line("x", 0, 1)], removed=[Removal("s", "r", "y", 2, 3)])
        >>> Doc.from_record(d.to_record()) == d
        True
        """
        return [*_DOC_VALUES(self), [[ln.text, ln.start, ln.end] for ln in self.lines],
                list(map(_REMOVAL_VALUES, self.removed)), list(map(_EDIT_VALUES, self.edits))]

    @classmethod
    def from_record(cls, rec: list[Any]) -> Doc:
        """Inverse of `to_record`."""
        *plain, lines, removed, edits = rec
        d = dict(zip(_DOC_PLAIN, plain, strict=True))
        if d["title_span"] is not None:
            d["title_span"] = tuple(d["title_span"])
        return cls(lines=[Line(t, s, e) for t, s, e in lines], removed=[Removal(*r) for r in removed],
                   edits=[Edit(*e) for e in edits], **d)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Doc:
        d = dict(d)
        d["lines"] = [Line(t, s, e) for t, s, e in d["lines"]]
        d["removed"] = [Removal(**r) for r in d["removed"]]
        d["edits"] = [Edit(**e) for e in d["edits"]]
        if d.get("title_span") is not None:
            d["title_span"] = tuple(d["title_span"])
        return cls(**d)


# Field names read once: to_dict follows the dataclasses, so a field added there is carried.
_DOC_PLAIN = tuple(f.name for f in fields(Doc) if f.name not in ("lines", "removed", "edits"))
_REMOVAL_FIELDS = tuple(f.name for f in fields(Removal))
_EDIT_FIELDS = tuple(f.name for f in fields(Edit))
# Positional views for to_record (attrgetter returns a tuple, built in C), in field order.
_DOC_VALUES = attrgetter(*_DOC_PLAIN)
_REMOVAL_VALUES = attrgetter(*_REMOVAL_FIELDS)
_EDIT_VALUES = attrgetter(*_EDIT_FIELDS)

_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[Line]:
    """Split decoded text into lines with their offsets; any newline convention counts.

    >>> [(ln.text, ln.start, ln.end) for ln in split_lines("a\\r\\nbb\\n\\nc")]
    [('a', 0, 1), ('bb', 3, 5), ('', 6, 6), ('c', 7, 8)]
    """
    out: list[Line] = []
    pos = 0
    if "\r" not in text:
        # Only "\n" breaks (nearly every file): str.split, without the regex's per-character
        # scan, which was most of the decode stage's time. Same lines, same offsets.
        for part in text.split("\n"):
            end = pos + len(part)
            out.append(Line(part, pos, end))
            pos = end + 1
        return out
    for m in _BREAK.finditer(text):
        out.append(Line(text[pos : m.start()], pos, m.start()))
        pos = m.end()
    out.append(Line(text[pos:], pos, len(text)))
    return out
