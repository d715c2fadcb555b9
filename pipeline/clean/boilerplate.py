"""Boilerplate removal: phrase rules from `config/boilerplate_rules.toml` plus structure.

Three kinds of evidence, each removal logged with the versioned id of what fired:
- phrase rules (data, any language): one line, a cut from a trailer heading to the end (only in
  the trailing part and only when what follows looks like junk), a heading with the short list
  under it, or a line of the leading block;
- structure (`structure.*` ids): the run of headline-like furniture after the last paragraph
  and before the first one (see runs.py);
- the batch (`corpus.recurring-line`): short lines that recur verbatim across many stories of
  the same source (see linefreq.py).
Long prose is never taken by structure or by the batch, only by a phrase rule that names it.

Phrase rules are strong or weak. Strong wording (widget labels, comment forms, trailer
headings) is never article text. Weak wording (photo credits, copyright notices, reporting
credits, follow prompts, affiliate notes, "click here") is printed by publishers as part of the
article as often as it leaks in with the page, so a weak line goes only with corroborating junk
next to it (see _corroborate). Which rule matches a line is found by rulematch.py.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipeline.clean.lineclass import ends_like_sentence, is_headline_like, is_prose, word_count
from pipeline.clean.linefreq import FreqSettings, line_key
from pipeline.clean.rulematch import RuleMatcher, matcher
from pipeline.clean.runs import BARRIER, best_prefix, best_suffix
from pipeline.config import BoilerplateConfig, BoilerplateRule
from pipeline.models import Line, Removal

STAGE = "boilerplate"
# Structural detectors are code, not phrases, but they get versioned ids like the rules so a
# removal log says which detector (and which behaviour of it) took a line.
TRAILING_RUN = "structure.trailing-run@1"
LEAD_RUN = "structure.lead-run@1"
RECURRING = "corpus.recurring-line@1"
_SPACES = re.compile(r"\s+")


def match_rule(rules: Sequence[BoilerplateRule], text: str) -> BoilerplateRule | None:
    """First rule (in file order) whose pattern matches the whitespace-normalised line.

    Same answer as searching every pattern in turn, found faster (see rulematch.py)."""
    return matcher(tuple(rules)).first(text)


_BY_STRENGTH: dict[int, tuple[tuple[BoilerplateRule, ...], RuleMatcher]] = {}


def _strong_first(rules: tuple[BoilerplateRule, ...]) -> RuleMatcher:
    """Matcher over the strong rules, then the weak ones (each in file order): a line that a
    strong rule names is never left to the weaker evidence of a credit or copyright rule."""
    got = _BY_STRENGTH.get(id(rules))
    if got is None or got[0] is not rules:
        ordered = tuple(r for r in rules if r.strength == "strong") + tuple(r for r in rules if r.strength != "strong")
        got = (rules, matcher(ordered))
        if len(_BY_STRENGTH) >= 16:  # configs come and go in tests; a run has one
            _BY_STRENGTH.clear()
        _BY_STRENGTH[id(rules)] = got
    return got[1]


def prepare(cfg: BoilerplateConfig) -> None:
    """Build the rule matcher for `cfg` ahead of use (see RuleMatcher.prepare)."""
    _strong_first(cfg.rules).prepare()


def freq_settings(cfg: BoilerplateConfig) -> FreqSettings:
    return FreqSettings(max_words=cfg.recurring_max_words, min_stories=cfg.recurring_min_stories,
                        source_depth=cfg.source_depth, prose_min_words=cfg.prose_min_words,
                        prose_long_words=cfg.prose_long_words)


@dataclass(slots=True)
class _Row:
    """One non-blank line with what the detectors need to know about it."""

    idx: int  # index into the document's lines
    text: str
    words: int
    prose: bool
    long: bool
    rule: BoilerplateRule | None
    recurring: bool
    headline: bool  # lineclass.is_headline_like with the config's headline_max_words
    alpha: bool  # has a letter in any script


def _score(row: _Row, cfg: BoilerplateConfig) -> float:
    """How much a line looks like page furniture (+) or article prose (-)."""
    if row.long:
        return BARRIER  # structure never removes a long paragraph
    if (row.rule is not None and row.rule.strength == "strong") or row.recurring:
        return 2.0
    if not row.alpha:
        return 0.5  # counters and list numbers: junk-neutral, never evidence on their own
    if row.text.endswith(("...", "…")):
        return 1.0  # a truncated teaser ("State lawmakers call JCOPE ... after...") is a list item
    if row.prose:
        return -(1.0 + row.words / 10)
    if row.headline:
        return 1.0
    return 0.5 if ends_like_sentence(row.text) else -1.0


def _follows_like_junk(rows: Sequence[_Row], cfg: BoilerplateConfig) -> bool:
    """After a trailer heading: little prose, and never several paragraphs in a row."""
    if not rows:
        return True
    first = next((r for r in rows if r.rule is None and not r.recurring), None)
    if first is not None and first.long:
        return False  # a heading of a list is followed by a list item, not by a long paragraph
    prose = run = 0
    for r in rows:
        # A truncated teaser ("... trapped in vi...") is a headline list item, not prose.
        teaser = not r.long and r.text.endswith(("...", "…"))
        if r.prose and r.rule is None and not r.recurring and not teaser:
            prose += 1
            run += 1
            if run > cfg.follow_max_prose_run:
                return False
        else:
            run = 0
    return prose / len(rows) <= cfg.follow_max_prose_share


# What _rows learns about one line, by its raw text: (stripped text, words, prose, long, rule,
# recurring, headline, alpha); None for a blank line.
_Facts = tuple[str, int, bool, bool, BoilerplateRule | None, bool, bool, bool] | None
# The same without `recurring` (which depends on the document's source), kept per process for
# the config it was computed with: a shard repeats its share bars, trailers and bylines across
# documents. Cleared when the config changes or it grows past _SHARED_MAX lines.
# After the headline test: whether the line is a recurring-line candidate (linefreq.is_candidate)
# and whether it has a letter.
_Shape = tuple[str, int, bool, bool, BoilerplateRule | None, bool, bool, bool] | None
_SHARED: dict[str, _Shape] = {}
_KEYS: dict[str, str] = {}  # candidate line text -> linefreq.line_key, same lifetime
_SHARED_FOR: list[BoilerplateConfig | None] = [None]
_SHARED_MAX = 200_000


def _shapes(cfg: BoilerplateConfig) -> dict[str, _Shape]:
    if _SHARED_FOR[0] is not cfg or len(_SHARED) > _SHARED_MAX:
        _SHARED.clear()
        _KEYS.clear()
        _SHARED_FOR[0] = cfg
    return _SHARED


def _shape(raw: str, cfg: BoilerplateConfig) -> _Shape:
    text = raw.strip()
    if not text:
        return None
    n = word_count(text)
    prose = is_prose(text, cfg.prose_min_words, cfg.prose_long_words, n)
    # is_candidate(text, freq_settings(cfg)) from what is known already: the same word count
    # and prose test (freq_settings carries this config's thresholds).
    alpha = any(ch.isalpha() for ch in text)
    candidate = n <= cfg.recurring_max_words and not prose and alpha
    return (text, n, prose, n >= cfg.prose_long_words, _strong_first(cfg.rules).first(text),
            is_headline_like(text, cfg.headline_max_words, n), candidate, alpha)


def _recurs(text: str, recurring: Collection[str]) -> bool:
    key = _KEYS.get(text)
    if key is None:
        key = _KEYS[text] = line_key(text)
    return key in recurring


def _rows(lines: Sequence[Line], cfg: BoilerplateConfig, recurring: Collection[str],
          memo: dict[str, _Facts] | None = None) -> list[_Row]:
    """One _Row per non-blank line. `memo` carries what was learnt about each line text to the
    next call with the same settings and recurring lines (the rounds of strip_boilerplate on
    one document look at the same lines again)."""
    shapes = _shapes(cfg)
    facts = {} if memo is None else memo
    out = []
    for i, ln in enumerate(lines):
        got = facts.get(ln.text, False)
        if got is False:
            shape = shapes.get(ln.text, False)
            if shape is False:
                shape = shapes[ln.text] = _shape(ln.text, cfg)
            got = None
            if shape is not None:
                got = (*shape[:5], bool(recurring) and shape[6] and _recurs(shape[0], recurring), shape[5], shape[7])
            facts[ln.text] = got
        if got is not None:
            out.append(_Row(i, *got))
    return out


def _corroborate(weak: dict[int, str], gone: dict[int, str], ends_article: set[int], lead: int) -> None:
    """Remove the weak candidates that stand next to removed junk (in place, to a fixpoint).

    Credits, copyright notices, follow prompts and the like are printed by publishers as part
    of an article as often as they leak in with the page around it: the wording is the same,
    the company differs. Alone between paragraphs, or closing the article, such a line is the
    article's; next to junk some other evidence took (a share bar, a comment form, a trailer,
    another corroborated line), it is part of that junk. A line that ends the article (a weak
    cut) is only corroborated by junk *before* it: the footer after it is its own doing. Before
    the first paragraph of prose (`lead` rows) the layout itself corroborates: that is the
    headline, byline and hero-image block, not article text.
    """
    changed = True
    while changed:
        changed = False
        for k, rid in weak.items():
            if k in gone:
                continue
            if k < lead or k - 1 in gone or (k not in ends_article and k + 1 in gone):
                gone[k] = rid
                changed = True


def _article_paragraph(rows: Sequence[_Row], k: int, gone: dict[int, str]) -> bool:
    r = rows[k]
    return r.prose and r.rule is None and k not in gone


def _list_item(row: _Row, min_words: int = 1) -> bool:
    """A headline-like line under a widget heading (another story's title)."""
    return not row.prose and row.words >= min_words and not row.text.endswith(":") and row.headline


# Inside the article a widget heading must head a list of at least this many other stories'
# titles of at least this many words: a subheading of the article ("Top 5", "What you need")
# is followed by prose or by the article's own short list items, a widget by headlines.
_BODY_LIST_ITEMS = 2
_BODY_ITEM_WORDS = 4


def _heads_list(rows: Sequence[_Row], k: int) -> bool:
    """Whether heading `k` stands on a list of other stories' headlines."""
    items = rows[k + 1:k + 1 + _BODY_LIST_ITEMS]
    return len(items) == _BODY_LIST_ITEMS and all(_list_item(r, _BODY_ITEM_WORDS) for r in items)


def _take_block(rows: Sequence[_Row], k: int, rule_id: str, gone: dict[int, str], min_words: int = 1) -> None:
    """Take heading `k` and the headline-like lines right under it, up to the first prose."""
    gone.setdefault(k, rule_id)
    for j in range(k + 1, len(rows)):
        nxt = rows[j]
        if nxt.prose or not nxt.headline or nxt.words < min_words:
            break
        gone.setdefault(j, rule_id)


def _article_resumes(k: int, cut_heads: Sequence[int], paragraphs_before: Sequence[int]) -> bool:
    """Whether a paragraph no rule names stands between heading `k` and a later trailer
    heading: then `k` heads a box inside the article (a "Related links" box between two
    paragraphs) and the page's trailer starts at the later heading, not here.

    `cut_heads` are the ranks of strong cut headings in order; `paragraphs_before[i]` counts
    the unnamed long paragraphs among the first i rows (prefix sums keep this O(log n))."""
    at = bisect_right(cut_heads, k)
    return at < len(cut_heads) and paragraphs_before[cut_heads[at]] > paragraphs_before[k + 1]


def _trailing_part(rows: Sequence[_Row], cfg: BoilerplateConfig) -> Callable[[int], bool]:
    """The test "is rank k in the trailing part": by line count or by prose, most of the
    article lies before it. Prose characters are summed once per document (prefix sums)."""
    by_count = int(len(rows) * (1.0 - cfg.trailing_share))
    before = list(accumulate((len(r.text) if r.prose and r.rule is None else 0 for r in rows), initial=0))
    total = before[-1]
    need = (1.0 - cfg.trailing_share) * total

    def trailing(rank: int) -> bool:
        return rank >= by_count or (total > 0 and before[rank] >= need)
    return trailing


def strip_boilerplate(lines: list[Line], cfg: BoilerplateConfig,
                      recurring: Collection[str] = (),
                      memo: dict[str, _Facts] | None = None) -> tuple[list[Line], list[Removal]]:
    """Remove junk lines; return kept lines and what was removed, each with its rule id.

    `recurring` holds the line keys (linefreq.line_key) that recur across the batch for this
    document's source; empty when the document is cleaned alone. `memo` (a dict the caller
    keeps) saves classifying the same lines again when the caller calls again with the same
    `cfg` and `recurring`.
    """
    rows = _rows(lines, cfg, recurring, memo)
    gone: dict[int, str] = {}  # rank in rows -> rule id
    first_prose = next((k for k, r in enumerate(rows) if r.prose and r.rule is None), len(rows))

    # Phrase rules. A cut fires at the first trailer heading that qualifies; a cut heading that
    # does not qualify still takes itself and the headline list right under it (a "block").
    # Weak rules only name candidates (see _corroborate); a weak cut (a copyright notice) ends
    # the article: what follows it is cut, the notice itself stays a candidate.
    cut_at: tuple[int, str] | None = None
    in_trailing = _trailing_part(rows, cfg)
    lead_limit = min(first_prose, cfg.lead_max_lines)
    cut_heads = [k for k, r in enumerate(rows) if r.rule is not None and r.rule.scope == "cut"
                 and r.rule.strength == "strong"]
    paragraphs_before = list(accumulate((r.long and r.rule is None and not r.recurring for r in rows), initial=0))
    weak: dict[int, str] = {}
    ends_article: set[int] = set()
    for k, r in enumerate(rows):
        rule = r.rule
        if rule is None:
            continue
        trailing = in_trailing(k)
        strong = rule.strength == "strong"
        if rule.where == "trailing" and not trailing:
            # Above the first paragraph, a trailer or comment label is the site's menu or the
            # byline block's comment link ("More", "Leave a comment"). Inside the article it
            # is an embedded widget ("Trending News" and five headlines between two
            # paragraphs): take the heading and its list, never the prose after it.
            if strong and k < lead_limit:
                gone.setdefault(k, rule.rule_id)
            elif strong and rule.scope == "cut" and _heads_list(rows, k):
                _take_block(rows, k, rule.rule_id, gone, _BODY_ITEM_WORDS)
            continue
        if (rule.where == "lead" or rule.scope == "lead") and k >= first_prose:
            continue
        if not strong:
            weak[k] = rule.rule_id
        follows_ok = (rule.follow != "junk" or _follows_like_junk(rows[k + 1:], cfg)) and not (
            strong and _article_resumes(k, cut_heads, paragraphs_before))
        if rule.scope == "cut" and cut_at is None and trailing and follows_ok:
            cut_at = (k if strong else k + 1, rule.rule_id)
            if not strong:
                ends_article.add(k)
        elif not strong:
            continue
        elif rule.scope in ("cut", "block"):
            gone.setdefault(k, rule.rule_id)
            if _heads_list(rows, k):
                _take_block(rows, k, rule.rule_id, gone)
        else:
            gone.setdefault(k, rule.rule_id)
    if cut_at is not None:
        for j in range(cut_at[0], len(rows)):
            gone.setdefault(j, cut_at[1])

    for k, r in enumerate(rows):
        if r.recurring and k not in gone:
            gone[k] = RECURRING
    # The lead block for weak lines: before the first prose paragraph that no strong rule took
    # (a weak line that reads as prose is where the article starts), and never long.
    lead_end = min(cfg.lead_max_lines, next((k for k, r in enumerate(rows) if r.prose and (
        r.rule is None or r.rule.strength != "strong")), len(rows)))
    # A weak line straight after the article's last paragraph signs the article off ("Follow
    # NBC Latino on Facebook", "Main image credit: Getty"): only junk before it could make it
    # junk. A paragraph with removed junk right above it is itself inside the page's trailer.
    ends_article.update(k for k in weak if k > 1 and _article_paragraph(rows, k - 1, gone)
                        and k - 2 not in gone and in_trailing(k))
    _corroborate(weak, gone, ends_article, lead_end)

    # A line some rule already took is furniture whatever its length: a long newsletter or
    # author-bio line must not shield the headline list above it the way a paragraph does.
    scores = [2.0 if k in gone else _score(r, cfg) for k, r in enumerate(rows)]
    # Runs must be anchored on a line some rule (or the batch) recognised as furniture: a list
    # of short lines alone is as likely a tour-date list or a table as a recommendation block.
    anchors = set(gone)
    start = best_suffix(scores, cfg.trailing_run_min_score, anchors)
    if start is not None and start > 0:
        for j in range(start, len(rows)):
            gone.setdefault(j, TRAILING_RUN)

    limit = min(lead_limit, len(rows))
    lead = scores[:limit]
    end = best_prefix(lead, cfg.lead_run_min_score, anchors)
    if end is not None and end < len(rows):
        for j in range(end):
            gone.setdefault(j, LEAD_RUN)

    _corroborate(weak, gone, ends_article, lead_end)

    removed_idx = {rows[k].idx: rid for k, rid in gone.items()}
    removals = [Removal(STAGE, rid, lines[i].text, lines[i].start, lines[i].end)
                for i, rid in sorted(removed_idx.items())]
    kept = [ln for i, ln in enumerate(lines) if i not in removed_idx]
    return kept, removals



def removed_shares(lines: Sequence[Line], removals: Sequence[Removal], cfg: BoilerplateConfig,
                   memo: dict[str, _Facts] | None = None) -> tuple[float, float]:
    """(share of all characters, share of prose characters) that the removals would take.

    Both feed the safety valve: a page whose leaked junk outweighs a short article is normal,
    but taking nearly everything, or most of the paragraphs that read as prose, means an
    unusual layout fooled a rule, and the document is better kept whole for a person to look
    at. A document without prose has a prose share of 0.

    >>> from pipeline.models import split_lines
    >>> from pipeline.config import BoilerplateConfig
    >>> ls = split_lines("A sentence that is long enough to count as prose here.\\nShare")
    >>> removed_shares(ls, [Removal("b", "r", "Share", 0, 5)], BoilerplateConfig())
    (0.085, 0.0)
    """
    facts = memo or {}

    def prose(text: str) -> bool:
        got = facts.get(text)  # strip_boilerplate's memo of the same test (None: blank line)
        if got is not None:
            return got[2]
        return is_prose(text.strip(), cfg.prose_min_words, cfg.prose_long_words)

    texts = [ln.text for ln in lines if not ln.blank]
    every = sum(len(t) for t in texts)
    prose_total = sum(len(t) for t in texts if prose(t))
    chars = sum(len(r.text) for r in removals) / every if every else 0.0
    prose_gone = sum(len(r.text) for r in removals if prose(r.text)) / prose_total if prose_total else 0.0
    return round(chars, 3), round(prose_gone, 3)
