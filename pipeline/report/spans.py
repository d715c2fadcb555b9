"""spans.jsonl: where each paragraph of an article's `text` (and its title) sat in the input.

articles.jsonl gives removals their offsets but not the kept paragraphs, so from it alone one
cannot tell which paragraph a removal sat between. This sidecar (same order as articles.jsonl)
records the span of every paragraph in the decoded input, which lets `show` and the reader put
removed text back in place, and lets annotators map canonical text back to the raw file.
"""

from __future__ import annotations

from typing import Any

from pipeline.models import Doc


def span_record(doc: Doc) -> dict[str, Any]:
    """Offsets of the title and of each paragraph of `doc.text()`, in order.

    >>> from pipeline.models import Doc, split_lines
    >>> d = Doc("a", "a.txt", "", 0, lines=split_lines("x\\n\\ny"))
    >>> span_record(d)
    {'id': 'a', 'title': None, 'paragraphs': [[0, 1], [3, 4]]}
    """
    return {
        "id": doc.id,
        "title": list(doc.title_span) if doc.title_span is not None else None,
        "paragraphs": [[ln.start, ln.end] for ln in doc.lines if not ln.blank],
    }
