"""What the learned line scorer reads about each line: one row of numbers per non-blank line.

The inputs fall in five groups, all language-neutral or multilingual:
- shape: length, words, sentence ending, capitalisation, digits, symbols, URL/e-mail likeness,
  share of very short words and of function words (stop words of several languages; the
  short-word share carries the languages without a list);
- position: from the start and from the end, distance to the nearest prose paragraph, which
  side of the document's run of prose the line stands on, share of the prose already seen;
- evidence the named rules give: the strength and family of the rule that matched, whether the
  phrase-rule pass took the line, whether the batch recurs it;
- the document's own prose: how many of the line's words occur in the document's paragraphs,
  and whether the line repeats inside the document;
- the same few facts about the two lines on each side.

Everything here is pure and deterministic; `matrix` builds a document's rows in one call so
the model scores them in one vectorised pass.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.clean.lineclass import ends_like_sentence, title_case_share

# Function words of the languages the suites hold (en, de, fr, es, pt, it, ru, nl): the share of
# them in a line tells a sentence from a label. Languages without a list fall back on the share
# of very short words, which tracks function words in most scripts.
_STOP = frozenset("""
a an the and or but of to in on at for with by from as is are was were be been it its this that
these those he she they we you i his her their our your not no so if than then there which who
what when where how will would can could has have had do does did about into after before over
der die das und oder aber von zu im in am an auf für mit bei aus als ist sind war waren ein eine
einer eines dem den des nicht auch es sie er wir ich sich dass wie noch nach vor über
le la les et ou mais de du des un une en dans sur pour avec par au aux est sont était il elle ils
nous vous je ce cette qui que ne pas plus se son sa ses leur
el los las y o pero del un una en con por para al es son fue era lo le les se su sus que no más
como este esta
o os as e ou mas do da dos das um uma em no na nos nas com por para ao é são foi era ele ela que
não mais se seu sua como este esta
il lo gli i le e o ma di del della dei delle un una uno in nel nella con per al è sono era che non
più si suo sua come questo questa
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по ее мне было
вот от меня еще нет о из ему теперь когда уже для при это этот эта были был быть который
de het een en of maar van in op met voor aan is zijn was niet ook dat die
""".split())
_WORD = re.compile(r"\w+", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f]")
_DIGIT = re.compile(r"\d")
_SYMBOL = re.compile(r"[^\w\s]")
_URLISH = re.compile(r"https?://|www\.|\S@\S+\.\w|\.(com|org|net|html?|php)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[|•·›»/]")
_BULLET = re.compile(r"^\s*([-*•▪►●]|\d{1,3}[.)])\s")
# How far (in lines) the distance to the nearest paragraph is counted.
_FAR = 12

SHAPE = ("log_chars", "log_words", "ends_sentence", "ends_colon", "ends_ellipsis", "title_case",
         "upper_share", "digit_share", "symbol_share", "urlish", "first_upper", "separators",
         "short_word_share", "stop_share", "mean_word_len", "bullet", "ends_alnum")
DOC = ("rel_pos", "log_from_start", "log_from_end", "log_rows", "prev_prose", "next_prose",
       "before_prose_run", "after_prose_run", "prose_before_share", "prose_overlap", "repeats_in_doc",
       "doc_prose_share", "prose", "long", "headline", "alpha")
RULES = ("rule_strength", "rule_taken", "weak_candidate", "recurring", "rule_cut", "trailing_part",
         "fam_trailer", "fam_comments", "fam_promo", "fam_share_nav", "fam_footer", "fam_caption", "fam_byline")
# The facts repeated for each neighbour (offsets -2, -1, +1, +2); "exists" is 0 past an edge.
NEIGHBOUR = ("log_words", "ends_sentence", "prose", "headline", "rule_strength", "rule_taken", "recurring",
             "stop_share", "prose_overlap")
OFFSETS = (-2, -1, 1, 2)
FEATURES: tuple[str, ...] = SHAPE + DOC + RULES + tuple(
    f"{name}@{off:+d}" for off in OFFSETS for name in ("exists", *NEIGHBOUR))

_FAMILIES = {"trailer": "fam_trailer", "comments": "fam_comments", "promo": "fam_promo",
             "newsletter": "fam_promo", "paywall": "fam_promo", "affiliate": "fam_promo", "consent": "fam_promo",
             "share": "fam_share_nav", "nav": "fam_share_nav", "tags": "fam_share_nav",
             "footer": "fam_footer", "caption": "fam_caption", "byline": "fam_byline"}
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def shape(text: str, words: int) -> tuple[float, ...]:
    """The SHAPE features of one stripped, non-empty line (cached by the caller per text).

    >>> dict(zip(SHAPE, shape("Leave a Reply", 3)))["title_case"]
    0.6666666666666666
    """
    n = len(text)
    toks = text.split()
    # Counted by the regex engine, not a Python loop over characters (paragraphs are long).
    letters = len(_LETTER.findall(text))
    upper = len(_UPPER.findall(text))
    digits = len(_DIGIT.findall(text))
    symbols = len(_SYMBOL.findall(text))
    wtoks = _WORD.findall(text.casefold())
    nw = max(1, len(wtoks))
    last = text[-1]
    return (math.log1p(n), math.log1p(words), float(ends_like_sentence(text)), float(last == ":"),
            float(text.endswith(("...", "…"))), title_case_share(text),
            upper / letters if letters else 0.0, digits / n, symbols / n, float(bool(_URLISH.search(text))),
            float(text[0].isupper()), float(len(_SEPARATORS.findall(text))),
            sum(len(w) <= 3 for w in wtoks) / nw, sum(w in _STOP for w in wtoks) / nw,
            sum(len(t) for t in toks) / max(1, len(toks)), float(bool(_BULLET.match(text))), float(last.isalnum()))


@dataclass(slots=True)
class LineFacts:
    """What the boilerplate passes know about one non-blank line when the model runs."""

    text: str
    words: int
    prose: bool
    long: bool
    headline: bool
    alpha: bool
    recurring: bool
    strength: int  # 0 no rule, 1 weak rule, 2 strong rule
    family: str  # the matched rule's family ("" for none)
    cut: bool  # the matched rule is a trailer heading (scope "cut")
    taken: bool  # the phrase-rule or batch pass removed it
    weak_candidate: bool
    trailing: bool  # in the document's trailing part


def vocab(text: str) -> frozenset[str]:
    """The words of a line that say what it is about (3+ characters, not numbers); cached by
    the caller per text.

    >>> sorted(vocab("The 2 cats sat on 1999 mats"))
    ['cats', 'mats', 'sat', 'the']
    """
    return frozenset(w for w in _WORD.findall(text.casefold()) if len(w) >= 3 and not w.isdigit())


def matrix(facts: Sequence[LineFacts], shapes: Sequence[tuple[float, ...]],
           vocabs: Sequence[frozenset[str]]) -> np.ndarray:
    """One row of FEATURES per line (float32), from the facts and the cached `shape` and
    `vocab` of each line."""
    n = len(facts)
    x = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return x
    x[:, :len(SHAPE)] = np.asarray(shapes, dtype=np.float32)
    col = _INDEX
    prose = np.fromiter((f.prose for f in facts), dtype=bool, count=n)
    pos = np.arange(n, dtype=np.float32)
    x[:, col["rel_pos"]] = pos / max(1, n - 1)
    x[:, col["log_from_start"]] = np.log1p(pos)
    x[:, col["log_from_end"]] = np.log1p(n - 1 - pos)
    x[:, col["log_rows"]] = math.log1p(n)
    # Distance to the nearest paragraph before and after (capped), and the run of prose.
    idx = np.flatnonzero(prose)
    if idx.size:
        before = np.searchsorted(idx, np.arange(n), side="left")  # first paragraph at or after i
        nxt = np.where(before < idx.size, idx[np.minimum(before, idx.size - 1)] - np.arange(n), _FAR)
        prev_at = np.searchsorted(idx, np.arange(n), side="right") - 1
        prv = np.where(prev_at >= 0, np.arange(n) - idx[np.maximum(prev_at, 0)], _FAR)
        x[:, col["prev_prose"]] = np.minimum(prv, _FAR)
        x[:, col["next_prose"]] = np.minimum(nxt, _FAR)
        x[:, col["before_prose_run"]] = np.arange(n) < idx[0]
        x[:, col["after_prose_run"]] = np.arange(n) > idx[-1]
    else:
        x[:, col["prev_prose"]] = _FAR
        x[:, col["next_prose"]] = _FAR
    chars = np.fromiter((len(f.text) if f.prose else 0 for f in facts), dtype=np.float64, count=n)
    total = chars.sum()
    x[:, col["prose_before_share"]] = (np.cumsum(chars) - chars) / total if total else 0.0
    # Overlap with the document's own prose: share of a short line's words found in the
    # paragraphs (a paragraph is the document's prose itself: 1).
    vocab: set[str] = set()
    for f, ws in zip(facts, vocabs, strict=True):
        if f.prose:
            vocab.update(ws)
    seen = Counter(f.text for f in facts)
    overlap = np.ones(n, dtype=np.float32)
    for i, (f, ws) in enumerate(zip(facts, vocabs, strict=True)):
        if not f.prose:
            overlap[i] = len(ws & vocab) / len(ws) if ws else 0.0
    x[:, col["prose_overlap"]] = overlap
    x[:, col["repeats_in_doc"]] = np.fromiter((seen[f.text] > 1 for f in facts), dtype=np.float32, count=n)
    x[:, col["doc_prose_share"]] = prose.mean()
    for name in ("prose", "long", "headline", "alpha", "recurring", "trailing"):
        target = "trailing_part" if name == "trailing" else name
        x[:, col[target]] = np.fromiter((getattr(f, name) for f in facts), dtype=np.float32, count=n)
    x[:, col["rule_strength"]] = np.fromiter((f.strength for f in facts), dtype=np.float32, count=n)
    x[:, col["rule_taken"]] = np.fromiter((f.taken for f in facts), dtype=np.float32, count=n)
    x[:, col["weak_candidate"]] = np.fromiter((f.weak_candidate for f in facts), dtype=np.float32, count=n)
    x[:, col["rule_cut"]] = np.fromiter((f.cut for f in facts), dtype=np.float32, count=n)
    for i, f in enumerate(facts):
        fam = _FAMILIES.get(f.family)
        if fam is not None:
            x[i, col[fam]] = 1.0
    # Neighbours: the same facts two lines up and down (zeros past the edges, exists = 0).
    src = [col[name] for name in NEIGHBOUR]
    base = x[:, src].copy()
    for off in OFFSETS:
        start = col[f"exists@{off:+d}"]
        if off < 0:
            x[-off:, start] = 1.0
            x[-off:, start + 1:start + 1 + len(src)] = base[:off]
        else:
            x[:-off, start] = 1.0
            x[:-off, start + 1:start + 1 + len(src)] = base[off:]
    return x
