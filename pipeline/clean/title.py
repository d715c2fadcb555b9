"""Title detection: a headline standing alone at the top becomes the `title`."""

from __future__ import annotations

from pipeline.config import TitleConfig
from pipeline.models import Line

_TERMINAL = (".", "!", "?", "…", ":", ";", ",", "\"", "”")


def is_headline(text: str, cfg: TitleConfig) -> bool:
    """Short, and not ending like a sentence.

    >>> is_headline("US Approves $304 Million Missile Deal With Turkey", TitleConfig())
    True
    >>> is_headline("The deal was approved on Friday.", TitleConfig())
    False
    """
    words = text.split()
    return 0 < len(words) <= cfg.max_words and not text.rstrip().endswith(_TERMINAL)


def extract_title(lines: list[Line], cfg: TitleConfig) -> tuple[list[Line], Line | None]:
    """Take the first line as title when it is a headline followed by a blank line and more text."""
    first = next((i for i, ln in enumerate(lines) if not ln.blank), None)
    if first is None or first + 1 >= len(lines) or not lines[first + 1].blank:
        return lines, None
    if not any(not ln.blank for ln in lines[first + 1 :]):
        return lines, None
    if not is_headline(lines[first].text, cfg):
        return lines, None
    return lines[:first] + lines[first + 1 :], lines[first]
