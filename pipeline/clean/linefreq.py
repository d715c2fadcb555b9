"""Lines that recur verbatim across many documents of a batch (CCNet-style), per source.

A site's template leaks the same short lines into every article ("Share this:", "More from
Sportsnet", "© 2019 Hearst Communications"), so a short line seen in many *different* stories
of the same source is page furniture even when no phrase rule knows its wording or language.

Two safeguards keep article text safe:
- only short, non-prose lines with letters are counted (numbers and sentences never are);
- a document counts once per *story*, not per copy: syndicated copies of one article share
  their subheadings, so occurrences are counted by the story's anchor (a hash of its longest
  prose paragraph), and copies of one story add up to one.

Counting is split so it can run sharded: `shard_counts` per shard, `merge_counts` over shards,
`recurring_keys` applies the threshold. All pure; tasks.py does the IO.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.clean.lineclass import is_prose, normalise, word_count
from pipeline.models import Line

# {source: {line_key: sorted story anchors}} for one shard
ShardCounts = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class FreqSettings:
    """The [boilerplate] settings line counting reads (see config/pipeline.toml)."""

    max_words: int = 12
    min_stories: int = 4
    source_depth: int = 1
    prose_min_words: int = 8
    prose_long_words: int = 30


def source_of(doc_id: str, depth: int) -> str:
    """The source a document comes from: the first `depth` folders of its id ("" if none).

    >>> source_of("nytimes.com/2019/11/abc", 1)
    'nytimes.com'
    >>> source_of("art-0042", 1)
    ''
    >>> source_of("a/b/c", 0)
    ''
    """
    parts = doc_id.split("/")[:-1]
    return "/".join(parts[:depth])


def line_key(text: str) -> str:
    """Stable short hash of a line's comparison form.

    >>> line_key("Share this:") == line_key("  SHARE  this: ")
    True
    """
    return hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=8).hexdigest()


def is_candidate(text: str, s: FreqSettings) -> bool:
    """Short non-prose lines with at least one letter are the only ones ever counted.

    >>> is_candidate("Share this:", FreqSettings())
    True
    >>> is_candidate("3", FreqSettings())
    False
    >>> is_candidate("The council voted on Monday to approve the new budget plan.", FreqSettings())
    False
    """
    # The word count first: it is one C-level split, and it rules out the long paragraphs
    # that the per-character letter test would otherwise walk through.
    n = word_count(text)
    if n > s.max_words:
        return False
    if not any(ch.isalpha() for ch in text):
        return False
    return not is_prose(text, s.prose_min_words, s.prose_long_words, n)


def story_anchor(lines: Iterable[Line]) -> str:
    """Hash of the longest paragraph: copies of one story share it, different stories do not."""
    longest = max((ln.text for ln in lines if not ln.blank), key=lambda t: (len(t), t), default="")
    return line_key(longest)


def doc_keys(lines: list[Line], s: FreqSettings) -> set[str]:
    return {line_key(ln.text) for ln in lines if not ln.blank and is_candidate(ln.text, s)}


def shard_counts(docs: Iterable[tuple[str, list[Line]]], s: FreqSettings) -> ShardCounts:
    """For each source and candidate line, the distinct story anchors it occurs in."""
    acc: dict[str, dict[str, set[str]]] = {}
    for doc_id, lines in docs:
        src = source_of(doc_id, s.source_depth)
        anchor = story_anchor(lines)
        bucket = acc.setdefault(src, {})
        for k in doc_keys(lines, s):
            bucket.setdefault(k, set()).add(anchor)
    return {src: {k: sorted(v) for k, v in sorted(b.items())} for src, b in sorted(acc.items())}


def merge_counts(parts: Iterable[Mapping[str, Mapping[str, list[str]]]]) -> dict[str, dict[str, int]]:
    """Distinct stories per source and line over all shards.

    >>> merge_counts([{"": {"k": ["a", "b"]}}, {"": {"k": ["b", "c"], "j": ["a"]}}])
    {'': {'j': 1, 'k': 3}}
    """
    acc: dict[str, dict[str, set[str]]] = {}
    for part in parts:
        for src, keys in part.items():
            bucket = acc.setdefault(src, {})
            for k, anchors in keys.items():
                bucket.setdefault(k, set()).update(anchors)
    return {src: {k: len(v) for k, v in sorted(b.items())} for src, b in sorted(acc.items())}


def recurring_keys(merged: Mapping[str, Mapping[str, int]], min_stories: int) -> dict[str, list[str]]:
    """Per source, the line keys seen in at least `min_stories` distinct stories.

    >>> recurring_keys({"": {"j": 1, "k": 3}}, 3)
    {'': ['k']}
    """
    out = {src: sorted(k for k, n in keys.items() if n >= min_stories) for src, keys in merged.items()}
    return {src: keys for src, keys in sorted(out.items()) if keys}
