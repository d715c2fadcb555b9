"""Boilerplate removal: named phrase rules, the batch, a learned line scorer and structure.

strip_boilerplate runs these passes in order, each removal logged with the versioned id of
what took the line:
1. phrase rules (`config/boilerplate_rules.toml`, any language): one line, a cut from a
   trailer heading to the end (only in the trailing part and only when what follows looks
   like junk), a heading with the short list under it, or a line of the leading block;
2. the batch (`corpus.recurring-line`): short lines that recur verbatim across many stories
   of the same source (see linefreq.py); then weak lines next to what is gone so far;
3. the line model (`model.lines@N`, see linemodel.py and linefeatures.py): over the lines no
   rule took, P(junk) from the line's shape, position, neighbours, the rules' evidence,
   batch recurrence and the document's own prose; a line of prose_long_words or more is never
   taken by it, and each removal logs its score and the inputs that weighed most;
4. structure (`structure.*` ids): the run of headline-like furniture after the last
   paragraph and before the first one, anchored on a line already taken (see runs.py);
5. weak lines next to the junk the later passes took (_corroborate).
The safety valve (too much removed: keep the document whole, flagged) is the caller's
(stages.boilerplate), after strip_to_fixpoint repeats the passes until nothing more goes.

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

import numpy as np

from pipeline.clean.lineclass import ends_like_sentence, is_headline_like, is_prose, word_count
from pipeline.clean.linefeatures import LineFacts, matrix, shape, vocab
from pipeline.clean.linefreq import FreqSettings, line_key
from pipeline.clean.linemodel import LineModel, load_model
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
        return cfg.run_score_taken
    if not row.alpha:
        return cfg.run_score_neutral  # counters and list numbers: never evidence on their own
    if row.text.endswith(("...", "…")):
        return cfg.run_score_headline  # a truncated teaser ("... call JCOPE ... after...") is a list item
    if row.prose:
        return -(1.0 + row.words / cfg.run_prose_words_per_point)
    if row.headline:
        return cfg.run_score_headline
    return cfg.run_score_neutral if ends_like_sentence(row.text) else -1.0


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
_SHARED_FOR: list[tuple | None] = [None]
_SHARED_MAX = 200_000


_LINE_SHAPES: dict[str, tuple[tuple[float, ...], frozenset[str]]] = {}  # linefeatures shape, vocab


def _shapes(cfg: BoilerplateConfig) -> dict[str, _Shape]:
    # Keyed by the settings a shape reads (not the config object), so configurations that
    # differ only elsewhere (a model threshold) share what was learnt about each line.
    settings = (id(cfg.rules), cfg.rules, cfg.prose_min_words, cfg.prose_long_words, cfg.headline_max_words,
                cfg.recurring_max_words)
    got = _SHARED_FOR[0]
    if got is None or got[0] != settings[0] or got[1] is not cfg.rules or got[2:] != settings[2:] \
            or len(_SHARED) > _SHARED_MAX or len(_LINE_SHAPES) > _SHARED_MAX:
        _SHARED.clear()
        _KEYS.clear()
        _LINE_SHAPES.clear()
        _SHARED_FOR[0] = settings
    return _SHARED


def _line_shapes(cfg: BoilerplateConfig) -> dict[str, tuple[tuple[float, ...], frozenset[str]]]:
    _shapes(cfg)
    return _LINE_SHAPES


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


def _heads_list(rows: Sequence[_Row], k: int, cfg: BoilerplateConfig) -> bool:
    """Whether heading `k` stands on a list of other stories' headlines (body_list_items of
    them, of body_item_words words or more)."""
    items = rows[k + 1:k + 1 + cfg.body_list_items]
    return len(items) == cfg.body_list_items and all(_list_item(r, cfg.body_item_words) for r in items)


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


@dataclass(slots=True)
class _Pass:
    """What the passes of strip_boilerplate share about one document."""

    lines: Sequence[Line]
    rows: list[_Row]
    cfg: BoilerplateConfig
    gone: dict[int, str]  # rank in rows -> rule id
    detail: dict[int, dict]  # rank in rows -> the model's evidence for a line it took
    weak: dict[int, str]  # weak-rule candidates (see _corroborate)
    ends_article: set[int]
    in_trailing: Callable[[int], bool]
    first_prose: int
    lead_limit: int
    lead_end: int = 0
    taken_by_rules: frozenset[int] = frozenset()


def _start(lines: Sequence[Line], cfg: BoilerplateConfig, recurring: Collection[str],
           memo: dict[str, _Facts] | None) -> _Pass:
    rows = _rows(lines, cfg, recurring, memo)
    first_prose = next((k for k, r in enumerate(rows) if r.prose and r.rule is None), len(rows))
    return _Pass(lines, rows, cfg, {}, {}, {}, set(), _trailing_part(rows, cfg),
                 first_prose, min(first_prose, cfg.lead_max_lines))


def _phrase_rules(p: _Pass) -> None:
    """Phrase rules. A cut fires at the first trailer heading that qualifies; a cut heading that
    does not qualify still takes itself and the headline list right under it (a "block").
    Weak rules only name candidates (see _corroborate); a weak cut (a copyright notice) ends
    the article: what follows it is cut, the notice itself stays a candidate."""
    rows, cfg, gone = p.rows, p.cfg, p.gone
    cut_at: tuple[int, str] | None = None
    cut_heads = [k for k, r in enumerate(rows) if r.rule is not None and r.rule.scope == "cut"
                 and r.rule.strength == "strong"]
    paragraphs_before = list(accumulate((r.long and r.rule is None and not r.recurring for r in rows), initial=0))
    for k, r in enumerate(rows):
        rule = r.rule
        if rule is None:
            continue
        trailing = p.in_trailing(k)
        strong = rule.strength == "strong"
        if rule.where == "trailing" and not trailing:
            # Above the first paragraph, a trailer or comment label is the site's menu or the
            # byline block's comment link ("More", "Leave a comment"). Inside the article it
            # is an embedded widget ("Trending News" and five headlines between two
            # paragraphs): take the heading and its list, never the prose after it.
            if strong and k < p.lead_limit:
                gone.setdefault(k, rule.rule_id)
            elif strong and rule.scope == "cut" and _heads_list(rows, k, cfg):
                _take_block(rows, k, rule.rule_id, gone, cfg.body_item_words)
            continue
        if (rule.where == "lead" or rule.scope == "lead") and k >= p.first_prose:
            continue
        if not strong:
            p.weak[k] = rule.rule_id
        follows_ok = (rule.follow != "junk" or _follows_like_junk(rows[k + 1:], cfg)) and not (
            strong and _article_resumes(k, cut_heads, paragraphs_before))
        if rule.scope == "cut" and cut_at is None and trailing and follows_ok:
            cut_at = (k if strong else k + 1, rule.rule_id)
            if not strong:
                p.ends_article.add(k)
        elif not strong:
            continue
        elif rule.scope in ("cut", "block"):
            gone.setdefault(k, rule.rule_id)
            if _heads_list(rows, k, cfg):
                _take_block(rows, k, rule.rule_id, gone)
        else:
            gone.setdefault(k, rule.rule_id)
    if cut_at is not None:
        for j in range(cut_at[0], len(rows)):
            gone.setdefault(j, cut_at[1])


def _batch_recurring(p: _Pass) -> None:
    """Lines the batch recurs for this source (see linefreq.py); then the weak candidates next
    to what is gone so far."""
    rows, gone = p.rows, p.gone
    for k, r in enumerate(rows):
        if r.recurring and k not in gone:
            gone[k] = RECURRING
    # The lead block for weak lines: before the first prose paragraph that no strong rule took
    # (a weak line that reads as prose is where the article starts), and never long.
    p.lead_end = min(p.cfg.lead_max_lines, next((k for k, r in enumerate(rows) if r.prose and (
        r.rule is None or r.rule.strength != "strong")), len(rows)))
    # A weak line straight after the article's last paragraph signs the article off ("Follow
    # NBC Latino on Facebook", "Main image credit: Getty"): only junk before it could make it
    # junk. A paragraph with removed junk right above it is itself inside the page's trailer.
    p.ends_article.update(k for k in p.weak if k > 1 and _article_paragraph(rows, k - 1, gone)
                          and k - 2 not in gone and p.in_trailing(k))
    _corroborate(p.weak, gone, p.ends_article, p.lead_end)
    p.taken_by_rules = frozenset(gone)


def line_facts(p: _Pass) -> list[LineFacts]:
    """What the model reads about each row, after the phrase-rule and batch passes."""
    out = []
    for k, r in enumerate(p.rows):
        rule = r.rule
        strength = 0 if rule is None else (2 if rule.strength == "strong" else 1)
        out.append(LineFacts(r.text, r.words, r.prose, r.long, r.headline, r.alpha, r.recurring, strength,
                             "" if rule is None else rule.id.split(".", 1)[0], rule is not None and rule.scope == "cut",
                             k in p.gone, k in p.weak, p.in_trailing(k)))
    return out


def feature_matrix(p: _Pass) -> np.ndarray:
    shapes = _line_shapes(p.cfg)
    got = []
    for r in p.rows:
        one = shapes.get(r.text)
        if one is None:
            one = shapes[r.text] = (shape(r.text, r.words), vocab(r.text))
        got.append(one)
    return matrix(line_facts(p), [g[0] for g in got], [g[1] for g in got])


def _model(p: _Pass, model: LineModel | None) -> None:
    """The learned line scorer (linemodel.py) over the lines no rule took. It removes a line
    when its junk probability reaches `model_threshold`, never a line of prose_long_words or
    more and never the title candidate; each removal carries the score and the inputs that
    weighed most."""
    if model is None or not p.rows:
        return
    cfg = p.cfg
    # Only the lines the model may take are scored: not those a rule took, not long ones.
    may = [k for k, r in enumerate(p.rows)
           if k not in p.gone and r.words < cfg.prose_long_words]
    if not may:
        return
    x = feature_matrix(p)[may]
    prob = model.probability(x)
    hit = np.flatnonzero(prob >= cfg.model_threshold)
    for j, inputs in zip(hit.tolist(), model.top_inputs(x[hit], cfg.model_top_inputs), strict=True):
        p.gone[may[j]] = model.model_id
        p.detail[may[j]] = {"score": round(float(prob[j]), 3), "inputs": inputs}


def _structural_runs(p: _Pass) -> None:
    """Runs of furniture at the edges, anchored on lines already taken (see runs.py)."""
    rows, cfg, gone = p.rows, p.cfg, p.gone
    # A line some rule already took is furniture whatever its length: a long newsletter or
    # author-bio line must not shield the headline list above it the way a paragraph does.
    scores = [cfg.run_score_taken if k in gone else _score(r, cfg) for k, r in enumerate(rows)]
    # Runs must be anchored on a line some rule (or the batch) recognised as furniture: a list
    # of short lines alone is as likely a tour-date list or a table as a recommendation block.
    anchors = set(gone)
    start = best_suffix(scores, cfg.trailing_run_min_score, anchors)
    if start is not None and start > 0:
        for j in range(start, len(rows)):
            gone.setdefault(j, TRAILING_RUN)
    limit = min(p.lead_limit, len(rows))
    lead = scores[:limit]
    end = best_prefix(lead, cfg.lead_run_min_score, anchors)
    if end is not None and end < len(rows):
        for j in range(end):
            gone.setdefault(j, LEAD_RUN)


def _weak_lines(p: _Pass) -> None:
    """Weak-rule candidates next to junk that the later passes took."""
    _corroborate(p.weak, p.gone, p.ends_article, p.lead_end)


def _removals(p: _Pass) -> tuple[list[Line], list[Removal]]:
    lines = p.lines
    removed_idx = {p.rows[k].idx: (rid, p.detail.get(k)) for k, rid in p.gone.items()}
    removals = [Removal(STAGE, rid, lines[i].text, lines[i].start, lines[i].end, detail)
                for i, (rid, detail) in sorted(removed_idx.items())]
    kept = [ln for i, ln in enumerate(lines) if i not in removed_idx]
    return kept, removals


_CONFIGURED = "config"


def configured_model(cfg: BoilerplateConfig) -> LineModel | None:
    return load_model(cfg.model) if cfg.model else None


def strip_boilerplate(lines: list[Line], cfg: BoilerplateConfig,
                      recurring: Collection[str] = (),
                      memo: dict[str, _Facts] | None = None,
                      model: LineModel | None | str = _CONFIGURED) -> tuple[list[Line], list[Removal]]:
    """Remove junk lines; return kept lines and what was removed, each with its rule id.

    `recurring` holds the line keys (linefreq.line_key) that recur across the batch for this
    document's source; empty when the document is cleaned alone. `memo` (a dict the caller
    keeps) saves classifying the same lines again when the caller calls again with the same
    `cfg` and `recurring`. `model` is the line scorer (by default the one `cfg.model` names).
    """
    p = _start(lines, cfg, recurring, memo)
    _phrase_rules(p)
    _batch_recurring(p)
    _model(p, configured_model(cfg) if isinstance(model, str) else model)
    _structural_runs(p)
    _weak_lines(p)
    return _removals(p)


def strip_to_fixpoint(lines: list[Line], cfg: BoilerplateConfig, recurring: Collection[str] = (),
                      memo: dict[str, _Facts] | None = None,
                      model: LineModel | None | str = _CONFIGURED) -> tuple[list[Line], list[Removal]]:
    """strip_boilerplate until nothing more goes. Removing junk changes the context the rest is
    judged in (a "You may also like" heading is trailing once the list under it is gone), and
    cleaning clean text must be a no-op. Each round removes a line, so this ends."""
    memo = {} if memo is None else memo
    kept, removals = strip_boilerplate(lines, cfg, recurring, memo, model)
    more = removals
    while more:
        kept, more = strip_boilerplate(kept, cfg, recurring, memo, model)
        removals = removals + more
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
