"""Whitespace normalisation after encoding repair.

Space variants become one plain space, invisible characters that are provably junk go, runs
collapse, and a space that an extractor put before punctuation is taken back out.

"Provably junk" is narrower than "invisible": a zero-width space separates words in Thai,
Khmer and Burmese, a soft hyphen inside a word is a hyphenation hint, a word joiner keeps two
things together. Each of them is redundant only where whitespace next to it already does its
job, and only there is it removed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Rule names recorded on `Edit`s (joined with "+"), so a reader can see which rule fired.
SPACES, INVISIBLE, LINE_SEPARATOR, COLLAPSE, SPACE_BEFORE_PUNCT = (
    "space-variants",
    "invisible",
    "line-separator",
    "collapse-spaces",
    "space-before-punct",
)

# No-break, figure, thin, ideographic and other space variants; all mean "a space" in prose.
_SPACE_CHARS = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c"
_SPACES = re.compile(f"[{_SPACE_CHARS}]")
# Line and paragraph separators (and a newline ftfy may have produced from one) sit *inside*
# an input paragraph: the output contract never splits a paragraph, so they become a space.
_LINE_SEPARATORS = re.compile("[\n\r\u2028\u2029\x85]")
# A BOM inside text is always a leftover (its zero-width no-break role went to U+2060).
_BOM = "\ufeff"
# Zero-width space and word joiner next to whitespace: a break opportunity (or a ban on one)
# beside a space is what the space already gives. Elsewhere they are kept (Thai word breaks;
# a word joiner at the end of a line still binds it to what a renderer puts next).
_ZW_BESIDE_SPACE = re.compile("(?<= )[\u200b\u2060]+|[\u200b\u2060]+(?= )")
# A zero-width space at either end of a line offers a break where a line already ends. A line
# made of nothing but invisible characters is left as it is: it is not ours to drop.
_ZWSP_AT_EDGE = re.compile("^\u200b+(?=.*[^\u200b\u2060\u00ad\ufeff])|(?<=[^\u200b\u2060\u00ad\ufeff])\u200b+$")
# A soft hyphen offers a break *after* itself; followed by a space or the end of the line
# that break already exists, so it can never show and is junk. Inside a word it is kept.
_SHY_AT_WORD_END = re.compile("\u00ad+(?= |$)")
_RUNS = re.compile(" {2,}")
# A space before , or . is written by no orthography; where it is followed by a space, the
# end of the line or closing punctuation it is an extractor artifact ("procurement ." from a
# link or bold run followed by its full stop). Not in numbers or names (" .5", " .NET": the
# mark is followed by a character), not in ellipses ("a ... b", "a . . . b").
_SPACE_BEFORE_STOP = re.compile(r"(?<=[\w\"'”’»)\]]) +([,.])(?=$|[ \"'”’»)\]])(?! ?\.)")
# A space before ; : ! ? is a convention in French and a habit of many writers elsewhere
# ("Rasulullah bersabda :", "VIP : 60,000"). It is only treated as an artifact in a document
# whose extractor demonstrably put spaces before punctuation (see `has_stop_artifacts`) and
# that is not French.
_SPACE_BEFORE_MARK = re.compile(r"(?<=[\w\"'”’)\]]) +([;:!?])(?=$|[ \"'”’)\]])")

# Anything any rule below could act on; a line without it is already normal (the fast path
# for the ~all lines of clean text).
_WORK_CHARS = re.compile(f"[{_SPACE_CHARS}\n\r\u2028\u2029\x85\ufeff\u200b\u2060\u00ad]")
_STOP_HINT = re.compile(f"[ {_SPACE_CHARS}][,.]")

# Frequent French function words that are rare as words in other languages' running text.
_FRENCH_WORDS = frozenset(
    "les des est une dans pour pas avec cette sont qui aux du et il elle nous vous ont été "
    "être mais où très leur ces sur au par plus ne se".split()
)
_FRENCH_MAX = max(map(len, _FRENCH_WORDS))
_WORD = re.compile(r"[^\W\d_]+")
# French-style spaced guillemets mark a French line even inside a mostly non-French document.
_FRENCH_QUOTES = re.compile("« |\u00a0»| »|«\u00a0")


def is_french(lines: Iterable[str]) -> bool:
    """Cheap per-document test: do French function words make up a good share of the words?

    Function words are ~40% of running French; 12% with at least 5 hits leaves room for
    quotes, names and numbers while other Latin-script languages share few of these words.

    >>> is_french(["Il a dit qu'il ne viendrait pas avec les autres, mais nous sommes là."])
    True
    >>> is_french(["He said he would not come with the others, but we are here."])
    False
    >>> is_french(["Él dijo que no vendría con los demás, pero estamos aquí para la fiesta."])
    False
    """
    # Counted per distinct word: a document repeats its words, and lowering is the cost.
    # lower() never shortens a word, so one longer than the longest function word is no hit.
    counts = Counter(_WORD.findall("\n".join(lines)))
    hits = sum(n for w, n in counts.items() if len(w) <= _FRENCH_MAX and w.lower() in _FRENCH_WORDS)
    return hits >= 5 and hits >= 0.12 * counts.total()


def french_line(line: str) -> bool:
    """A line that spaces its guillemets the French way follows French spacing rules.

    >>> french_line("Il a dit : « oui »")
    True
    >>> french_line("He said “yes”")
    False
    """
    return bool(_FRENCH_QUOTES.search(line))


def has_stop_artifacts(lines: Iterable[str]) -> bool:
    """Did this document's extractor put spaces before full stops or commas?

    >>> has_stop_artifacts(["strategic defense procurement .", "fine"])
    True
    >>> has_stop_artifacts(["Rasulullah SAW bersabda :", "Wait ... what"])
    False
    """
    lines = list(lines)
    # One search over the whole document first: _STOP_HINT needs two characters of one line
    # (the separator is neither a space nor punctuation), and most documents have no match.
    if not _STOP_HINT.search(_SEP.join(lines)):
        return False
    return any(_STOP_HINT.search(line) and _SPACE_BEFORE_STOP.search(_SPACES.sub(" ", line)) for line in lines)


def normalize_line(line: str, french: bool = False, spaced_marks_are_artifacts: bool = False) -> str:
    """Normalise the whitespace of one line (see `normalize_line_explained`).

    >>> normalize_line("INVC NEWS\u00a0\u00a0Washington")
    'INVC NEWS Washington'
    >>> normalize_line("strategic defense procurement .")
    'strategic defense procurement.'
    >>> normalize_line("case\u00ad you are \u200bhere, Not\u00adfall")
    'case you are here, Not\u00adfall'
    >>> normalize_line("Wait ... what")
    'Wait ... what'
    >>> normalize_line("Il a dit : « oui » !", french=True, spaced_marks_are_artifacts=True)
    'Il a dit : « oui » !'
    >>> normalize_line("Rasulullah SAW bersabda :")
    'Rasulullah SAW bersabda :'
    """
    return normalize_line_explained(line, french, spaced_marks_are_artifacts)[0]


def normalize_line_explained(
    line: str, french: bool = False, spaced_marks_are_artifacts: bool = False
) -> tuple[str, list[str]]:
    """Normalise one line; return it with the names of the rules that changed it.

    `french`: the line follows French spacing (a space before ; : ! ? belongs there).
    `spaced_marks_are_artifacts`: the document showed extractor-inserted spaces before , or .
    so a space before ; : ! ? is taken out too (unless `french`).

    >>> normalize_line_explained("a\u00a0b\u2028c  d .")
    ('a b c d.', ['space-variants', 'line-separator', 'collapse-spaces', 'space-before-punct'])
    >>> normalize_line_explained("ok")
    ('ok', [])
    """
    if not _needs_work(line, spaced_marks_are_artifacts and not french):
        return line, []
    fired: list[str] = []
    out = line
    for rule, fn in (
        (SPACES, lambda s: _SPACES.sub(" ", s)),
        (LINE_SEPARATOR, lambda s: _LINE_SEPARATORS.sub(" ", s)),
        (INVISIBLE, _remove_invisible),
    ):
        new = fn(out)
        if new != out:
            fired.append(rule)
            out = new
    new = _RUNS.sub(" ", out).strip(" ")
    if new != out:
        fired.append(COLLAPSE)
        out = new
    new = _SPACE_BEFORE_STOP.sub(r"\1", out) if " ," in out or " ." in out else out
    if spaced_marks_are_artifacts and not french:
        new = _SPACE_BEFORE_MARK.sub(r"\1", new)
    if new != out:
        fired.append(SPACE_BEFORE_PUNCT)
        out = new
    return out, fired


def _needs_work(line: str, marks: bool) -> bool:
    """Could any rule change this line? Substring tests and one character class, all in C."""
    return bool(
        _WORK_CHARS.search(line)
        or "  " in line
        or line.startswith(" ")
        or line.endswith(" ")
        or " ," in line
        or " ." in line
        or (marks and any(f" {m}" in line for m in ";:!?"))
    )


# Joins a document's lines for the whole-document tests below: a control character that no
# rule here reacts to, so each test can only fire where it fires for some line (a line that
# itself holds one can make a test fire needlessly, which only costs the line-by-line path).
_SEP = "\x01"


def any_needs_work(lines: list[str], marks: bool) -> bool:
    """False only when `normalize_line_explained` leaves every line as it is (whatever
    `french`): `_needs_work` over the whole document at once.

    >>> any_needs_work(["Plain text.", "More, here"], False), any_needs_work(["a", " b"], False)
    (False, True)
    >>> any_needs_work(["a", "x ;"], False), any_needs_work(["a", "x ;"], True)
    (False, True)
    """
    doc = _SEP.join(lines)
    return (_needs_work(doc, marks) or f"{_SEP} " in doc or f" {_SEP}" in doc)


def _remove_invisible(line: str) -> str:
    if _BOM in line:
        line = line.replace(_BOM, "")
    if "\u200b" in line or "\u2060" in line:
        line = _ZWSP_AT_EDGE.sub("", _ZW_BESIDE_SPACE.sub("", line))
    if "\u00ad" in line:
        line = _SHY_AT_WORD_END.sub("", line)
    return line
