"""Repeated blocks inside one document: every copy after the first is removed and logged.

How a copy is found:

1. Anchors. Paragraphs with the same folded text are paired directly; near copies come from a
   MinHash LSH index over paragraph word shingles, and every LSH hit is only a candidate until
   its exact similarity (word-sequence ratio, or containment for a trimmed copy) passes
   `repeats.similarity`.
2. Runs. From each anchor (i, j) the match is extended along its diagonal, (i-1, j-1) and
   (i+1, j+1) and so on, with the looser `repeats.extend_similarity`: inside a pasted block a
   paragraph whose one word changed, or a short heading, is still recognised because its
   neighbours are copies of its source's neighbours.
3. Where the copy sits. Scrapers paste a block right after itself (a tandem repeat) or append
   it at the end of the article (one block, or the whole body again). A repeated run anywhere
   else is far more often the article's own structure (product boxes, an interview's recurring
   question, a meal plan's recurring items), so only tandem and trailing runs are removed.
4. Substance. A run of one paragraph needs `min_words` words; a longer run needs
   `min_run_words` words in total, so repeated separators, "Q:" headings or a refrain never
   count on their own, and paragraphs that merely share phrases never reach the thresholds.

Which copy is kept: the earliest, except when the earliest is a trimmed version of a later
copy (the later one contains it and is longer); then the longer text takes the earliest
copy's place, so nothing unique is lost and the article's paragraph order is unchanged, and
the trimmed paragraph is the one logged as removed.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import xxhash
from datasketch import MinHashLSH

from pipeline.config import RepeatsConfig
from pipeline.dedup.shingles import unique_inverse, word_hashes, words
from pipeline.dedup.signatures import signature_matrix
from pipeline.models import Line, Removal

STAGE = "repeats"
RULE = "repeated-block"

# Word sequences longer than this are compared as bags of words: difflib's matcher is
# quadratic in the worst case and a pasted 20,000-word "paragraph" must not stall a shard.
_MAX_SEQUENCE_WORDS = 3000
# A later copy replaces a trimmed earlier one only when it is longer by at least this many words
# (about a sentence): a copy that merely gained a word from an edit is not "more complete".
_MIN_EXTRA_WORDS = 4
# Share of the shorter paragraph that must be found in the longer one for containment to count.
_CONTAINED = 0.9


@cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """The bands and rows datasketch picks for a threshold, computed once per setting.

    datasketch finds them by numerical integration (about 7 ms); done for every document's
    paragraph index it was the largest cost of this stage (benchmark profile, issue 8).

    >>> lsh_params(0.7, 64) == (MinHashLSH(threshold=0.7, num_perm=64).b, MinHashLSH(threshold=0.7, num_perm=64).r)
    True
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


@dataclass(frozen=True, slots=True)
class Run:
    """Copy paragraphs j0..j0+length-1 repeat source paragraphs i0..i0+length-1."""

    i0: int
    j0: int
    length: int
    sims: tuple[float, ...]


def fold(text: str) -> str:
    """Comparison key of a paragraph: its words, or for a paragraph without words (a rule,
    an invisible character) its visible characters.

    >>> fold("“Hello,”  WORLD!") == fold('"hello" world')
    True
    >>> fold("* * *")
    '***'
    """
    return _fold(text, words(text))


def _fold(text: str, ws: list[str]) -> str:
    """`fold` of a paragraph whose words are already known."""
    if ws:
        return " ".join(ws)
    return "".join(unicodedata.normalize("NFKC", text).split())


def similarity(a: list[str], b: list[str], min_containment_words: int) -> float:
    """Exact similarity of two word sequences: the larger of difflib's ratio (one changed
    word in ten costs 0.1) and containment of the shorter in the longer (a trimmed copy),
    the latter only when the shorter has at least `min_containment_words` words.

    >>> a = "the council approved the new budget on monday after a long debate".split()
    >>> round(similarity(a, a[:8], 4), 2), round(similarity(a, a[:8], 9), 2)
    (1.0, 0.8)
    >>> similarity(["meal", "1"], ["meal", "2"], 3)
    0.5
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    if len(a) > _MAX_SEQUENCE_WORDS or len(b) > _MAX_SEQUENCE_WORDS:
        common = sum(min(c, b.count(w)) for w, c in _counts(a).items())
    else:
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        common = sum(block.size for block in sm.get_matching_blocks())
    ratio = 2 * common / (len(a) + len(b))
    short = min(len(a), len(b))
    contained = common / short if short >= min_containment_words else 0.0
    # Containment speaks for a trimmed copy only when nearly all of the shorter text is there;
    # "3 of 5 words also occur in a long paragraph" is a shared phrase, not a copy.
    return max(ratio, contained if contained >= _CONTAINED else 0.0)


def _counts(ws: list[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for w in ws:
        out[w] += 1
    return out


def _anchor_pairs(toks: list[list[str]], keys: list[str], cfg: RepeatsConfig,
                  hashes: list[np.ndarray] | None = None) -> dict[tuple[int, int], float]:
    """Verified (earlier, later) pairs: identical folded text, or LSH candidates whose exact
    similarity reaches `cfg.similarity`. `hashes` are each paragraph's word hashes
    (shingles.word_hashes), computed here when not given."""
    pairs: dict[tuple[int, int], float] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for k, key in enumerate(keys):
        if key:
            groups[key].append(k)
    for members in groups.values():
        # A line repeated hundreds of times (a separator) is paired only with its recent
        # occurrences: enough to find runs, without a quadratic blow-up.
        for x, j in enumerate(members):
            for i in members[max(0, x - cfg.max_pairs_per_paragraph):x]:
                pairs[(i, j)] = 1.0
    idx = [k for k, t in enumerate(toks) if len(t) >= cfg.shingle_words]
    if len(idx) < 2:
        return pairs
    if hashes is None:
        hashes = [word_hashes(t) for t in toks]
    possible = _possible_pairs([len(toks[k]) for k in idx], [hashes[k] for k in idx], cfg)
    if possible is not None and not possible.any():
        return pairs  # no two paragraphs share enough words to be copies: nothing for LSH
    # The MinHash input is datasketch's usual one, xxh32 of each shingle's UTF-8 text: this
    # index is never stored, and the same hashes give the same candidates as before the
    # matrix path (LSH recall at the threshold's edge depends on the hash function).
    sets = [np.fromiter(_shingle_hashes32(toks[k], cfg.shingle_words), dtype=np.uint64) for k in idx]
    sigs = signature_matrix(sets, cfg.num_perm)
    bands, rows = lsh_params(cfg.threshold, cfg.num_perm)
    # MinHash LSH as datasketch's MinHashLSH does it (a candidate shares all `rows` values of
    # at least one of `bands` bands with the query), over the signature matrix instead of an
    # index object with one insert and one query per paragraph.
    buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(bands)]
    for x, k in enumerate(idx):
        band_keys = [sigs[x, b * rows:(b + 1) * rows].tobytes() for b in range(bands)]
        hits = sorted({y for b, key in enumerate(band_keys) for y in buckets[b].get(key, ())})
        for y in hits[-cfg.max_pairs_per_paragraph:]:
            i = idx[y]
            if (i, k) in pairs or (possible is not None and not possible[y, x]):
                continue  # already paired, or provably below the threshold
            sim = similarity(toks[i], toks[k], cfg.min_containment_words)
            if sim >= cfg.similarity:
                pairs[(i, k)] = sim
        for b, key in enumerate(band_keys):
            buckets[b][key].append(x)
    return pairs


# Past this many cells (paragraphs x distinct words, or paragraphs x paragraphs for the
# result) the bound below is not computed: the LSH path is exact anyway, and a huge document
# must not allocate a huge matrix (20,000 paragraphs over a small vocabulary took 19 GB).
_MAX_BOUND_CELLS = 250_000
_MAX_PAIR_CELLS = 4_000_000  # 2,000 paragraphs: each pair matrix 32 MB


def _possible_pairs(lengths: list[int], hashes: list[np.ndarray], cfg: RepeatsConfig) -> np.ndarray | None:
    """Which pairs (earlier, later) could reach `cfg.similarity`: an exact proof, in one matrix
    product, that the others cannot, so most articles (no paragraph repeated) skip MinHash.

    `similarity` counts matched words, and matched words are at most the words two
    paragraphs share counted with multiplicity, sum over words of min(a, b), which is at most
    sum sqrt(a*b): the product of the square-rooted word-count matrix with its transpose. A
    pair is possible when that bound reaches what the ratio or the containment test needs.
    None when the matrix would be too large (every pair is then possible).
    """
    flat = np.concatenate(hashes)
    vocab, inverse = unique_inverse(flat)
    m = len(lengths)
    if m * len(vocab) > _MAX_BOUND_CELLS or m * m > _MAX_PAIR_CELLS:
        return None
    para = np.repeat(np.arange(m), lengths)
    counts = np.bincount(para * len(vocab) + inverse, minlength=m * len(vocab)).reshape(m, len(vocab))
    root = np.sqrt(counts)
    shared = root @ root.T
    la = np.asarray(lengths, dtype=np.float64)
    need = cfg.similarity * (la[:, None] + la[None, :]) / 2
    short = np.minimum(la[:, None], la[None, :])
    contained = np.where(short >= cfg.min_containment_words, max(_CONTAINED, cfg.similarity) * short, np.inf)
    # A small tolerance for float rounding only ever admits a pair to the exact check.
    return np.triu(shared + 1e-6 >= np.minimum(need, contained), k=1)


def _shingle_hashes32(ws: list[str], k: int) -> set[int]:
    """xxh32 of each of `_shingles(ws, k)`'s UTF-8 text, without building that set of strings
    first (equal shingles hash equally, so the set of hashes is the same).

    >>> _shingle_hashes32(["a", "b", "c"], 2) == {xxhash.xxh32_intdigest(s.encode()) for s in ("a b", "b c")}
    True
    """
    h32 = xxhash.xxh32_intdigest
    if len(ws) <= k:
        return {h32(" ".join(ws).encode("utf-8"))} if ws else set()
    return {h32(" ".join(ws[i : i + k]).encode("utf-8")) for i in range(len(ws) - k + 1)}


def _shingles(ws: list[str], k: int) -> set[str]:
    """`shingles.shingles` of words already split.

    >>> sorted(_shingles(["a", "b", "c"], 2)), _shingles(["a"], 2)
    (['a b', 'b c'], {'a'})
    """
    if len(ws) <= k:
        return {" ".join(ws)} if ws else set()
    return {" ".join(ws[i : i + k]) for i in range(len(ws) - k + 1)}


def _runs(toks: list[list[str]], keys: list[str], anchors: dict[tuple[int, int], float],
          cfg: RepeatsConfig) -> list[Run]:
    """Maximal diagonal runs through the anchors, each found once."""
    n = len(toks)
    sim_cache: dict[tuple[int, int], float] = dict(anchors)

    def sim(i: int, j: int) -> float:
        if (i, j) not in sim_cache:
            if keys[i] and keys[i] == keys[j]:
                sim_cache[(i, j)] = 1.0
            elif not toks[i] or not toks[j]:
                sim_cache[(i, j)] = 0.0
            else:
                sim_cache[(i, j)] = similarity(toks[i], toks[j], cfg.extend_min_containment_words)
        return sim_cache[(i, j)]

    seen: set[tuple[int, int]] = set()
    runs: list[Run] = []
    for i, j in sorted(anchors):
        if (i, j) in seen:
            continue
        d = j - i
        a = i
        while a > 0 and sim(a - 1, a - 1 + d) >= cfg.extend_similarity:
            a -= 1
        b = i
        while b + 1 + d < n and sim(b + 1, b + 1 + d) >= cfg.extend_similarity:
            b += 1
        for k in range(a, b + 1):
            seen.add((k, k + d))
        # Loose matches only count between strong ones: at the edge of a run they are as
        # likely the next item of a list in the same format ("http://amzn.to/...").
        while sim(a, a + d) < cfg.similarity:
            a += 1
        while sim(b, b + d) < cfg.similarity:
            b -= 1
        runs.append(Run(a, a + d, b - a + 1, tuple(sim(k, k + d) for k in range(a, b + 1))))
    return _bridge(runs, sim)


def _bridge(runs: list[Run], sim: Callable[[int, int], float]) -> list[Run]:
    """Join runs on the same offset that one paragraph separates: inside a pasted block, one
    paragraph edited beyond recognition must not cut the block in two. A pasted block does not
    overlap its source, so neither does a joined run: periodic text is judged from its own
    matches (see find_copies), not from matches across a gap."""
    out: list[Run] = []
    for r in sorted(runs, key=lambda r: (r.j0 - r.i0, r.i0)):
        last = out[-1] if out else None
        d = r.j0 - r.i0
        end = r.i0 + r.length
        if (last is not None and last.j0 - last.i0 == d and end - last.i0 <= d
                and 0 <= r.i0 - (last.i0 + last.length) <= 1 and end > last.i0 + last.length):
            out[-1] = Run(last.i0, last.j0, end - last.i0, tuple(sim(k, k + d) for k in range(last.i0, end)))
        else:
            out.append(r)
    return out


def find_copies(paras: list[str], cfg: RepeatsConfig, toks: list[list[str]] | None = None,
                flat: np.ndarray | None = None) -> dict[int, tuple[int, float, Run]]:
    """Map each paragraph index that repeats an earlier one to (source index, similarity, run);
    `toks` are the paragraphs' words and `flat` the word hashes of all of them in order
    (shingles.word_hashes), when the caller has them."""
    if toks is None:
        toks = [words(p) for p in paras]
    keys = [_fold(p, t) for p, t in zip(paras, toks, strict=True)]
    n = len(paras)
    if flat is None:  # every word of the article hashed in one call, then cut per paragraph
        flat = word_hashes([w for t in toks for w in t])
    ends = np.cumsum([len(t) for t in toks]).tolist()
    hashes = [flat[e - len(t):e] for t, e in zip(toks, ends, strict=True)]  # np.split's pieces, cheaper
    anchors = _anchor_pairs(toks, keys, cfg, hashes)
    runs = _runs(toks, keys, anchors, cfg)
    # Paragraphs that closely match two or more earlier ones: a recurring item of the
    # article's own format (each day of a meal plan lists its supplements again).
    sources: dict[int, int] = defaultdict(int)
    for _i, j in anchors:
        sources[j] += 1

    def weight(r: Run) -> int:
        return sum(len(toks[k]) for k in range(r.j0, r.j0 + r.length))

    def substantial(r: Run) -> bool:
        if r.length == 1:
            return len(toks[r.j0]) >= cfg.min_words and r.sims[0] >= cfg.similarity
        worded = [k for k in range(r.j0, r.j0 + r.length) if toks[k]]
        if len(worded) < 2 or weight(r) < cfg.min_run_words:
            return False
        # A pasted block is a copy as a whole; a run held together by loose matches is a
        # template the article repeats with different content (menus, schedules, specs).
        mean = sum(r.sims[k - r.j0] * len(toks[k]) for k in worded) / weight(r)
        return mean >= cfg.similarity

    # Periodic text (a run overlapping its own source: A B A B A B, period 2) is decided as a
    # whole, never piecemeal: either a block pasted several times in a row, whose later
    # periods all go at once, or a template the article repeats with other content (a meal
    # plan's days, a schedule), which stays whole. Judging its parts separately is what made
    # the stage remove one copy per pass: in A A A the run A-to-third-A is a trailing copy,
    # and once it is gone the rest is a tandem A A (issue 9, idempotence).
    # A template has fixed paragraphs and varying ones, so a block of several paragraphs is a
    # paste only when every period repeats it exactly; a single paragraph followed by close
    # copies of itself (period 1) has no fixed part to be a template with, so the tandem
    # rule's own test, a strong match for each copy, decides it.
    pasted: set[Run] = set()
    templates: list[Run] = []
    for r in runs:
        if r.j0 >= r.i0 + r.length:
            continue
        period = r.j0 - r.i0
        if period == 1:
            copies = all(x >= cfg.similarity for x in r.sims)
        else:
            copies = all(keys[k] and keys[k] == keys[k - period] for k in range(r.j0, r.j0 + r.length))
        if copies and substantial(Run(r.i0, r.j0, period, r.sims[:period])):
            pasted.add(r)
        else:
            templates.append(r)

    def in_template(r: Run) -> bool:
        # A run between two periods of a template (offset a multiple of its period) is the
        # template recurring, seen from further apart.
        return any((r.j0 - r.i0) % (t.j0 - t.i0) == 0 and t.i0 <= r.i0 and r.j0 + r.length <= t.j0 + t.length
                   for t in templates)

    def tandem(r: Run) -> bool:
        return r in pasted or 0 <= r.j0 - (r.i0 + r.length) <= cfg.tandem_gap

    candidates = sorted((r for r in runs if r in pasted or (substantial(r) and not in_template(r))),
                        key=lambda r: (-weight(r), -r.length, r.j0, r.i0))
    removed: dict[int, tuple[int, float, Run]] = {}
    trailing_runs: list[Run] = []

    def trailing(r: Run) -> bool:
        if r.j0 < r.i0 + r.length:
            return False
        # A block at the end made only of recurring items is the format's last instance.
        if all(sources[k] >= 2 for k in range(r.j0, r.j0 + r.length)):
            return False
        # It ends the article, or everything after it is an accepted copy: what a second
        # pass would see once those copies are gone (A B A A: the third A ends the article).
        if all(k in removed for k in range(r.j0 + r.length, n)):
            return True
        # Or it continues into an accepted trailing copy of the paragraphs that follow its
        # source, at most one paragraph apart on either side: a pasted body in which one
        # paragraph was inserted, or dropped (junk removed from one copy but not the other).
        return any(0 <= t.j0 - (r.j0 + r.length) <= 1 and 0 <= t.i0 - (r.i0 + r.length) <= 1
                   for t in trailing_runs)

    changed = True
    while changed:  # a run becomes trailing once the run that continues it is accepted
        changed = False
        for r in candidates:
            copy = range(r.j0, r.j0 + r.length)
            if any(k in removed for k in copy):
                continue
            is_trailing = trailing(r)
            if tandem(r) or is_trailing:
                for off, k in enumerate(copy):
                    removed[k] = (r.i0 + off, r.sims[off], r)
                if is_trailing:
                    trailing_runs.append(r)
                changed = True
    return dict(sorted(removed.items()))


def _root(k: int, copies: dict[int, tuple[int, float, Run]]) -> int:
    while k in copies:
        k = copies[k][0]
    return k


@dataclass(slots=True)
class Tokens:
    """The words of a text's paragraphs (shingles.words of each) and the hashes of all those
    words in order (shingles.word_hashes): what `collapse_repeats` read last, handed on so
    the cross-document signatures of the same text need not tokenise and hash it again."""

    words: list[list[str]]
    hashes: np.ndarray


def collapse_repeats(lines: list[Line], cfg: RepeatsConfig,
                     tokens: list[Tokens] | None = None) -> tuple[list[Line], list[Removal]]:
    """Remove paragraphs that repeat earlier ones, logging the span each one repeats.

    Where a copy sits (right after its source, at the end) is judged on the article as it is;
    removing copies changes that for what is left (a copy whose run was partly taken by a
    heavier one, a block that now ends the article), so this repeats until nothing more goes:
    cleaning clean text must change nothing (issue 9). Each round removes a paragraph, and
    most articles need one round with nothing to remove.

    When `tokens` is given, the `Tokens` of the returned lines' paragraphs are appended to it
    (the last round removed nothing, so what it read is exactly what is returned).

    >>> from pipeline.config import RepeatsConfig
    >>> from pipeline.models import split_lines
    >>> seen: list[Tokens] = []
    >>> out, _ = collapse_repeats(split_lines("One two.\\n\\nThree"), RepeatsConfig(), seen)
    >>> seen[0].words, len(seen[0].hashes)
    ([['one', 'two'], ['three']], 3)
    """
    out, removals, toks = _collapse_once(lines, cfg)
    more = removals
    while more:
        out, more, toks = _collapse_once(out, cfg)
        removals = removals + more
    if tokens is not None:
        tokens.append(toks)
    return out, sorted(removals, key=lambda x: (x.start, x.end))


def _collapse_once(lines: list[Line], cfg: RepeatsConfig) -> tuple[list[Line], list[Removal], Tokens]:
    body = [i for i, ln in enumerate(lines) if not ln.blank]
    paras = [lines[i].text for i in body]
    toks = [words(p) for p in paras]
    flat = word_hashes([w for t in toks for w in t])
    copies = find_copies(paras, cfg, toks, flat)
    # The kept text of each repeated paragraph: the longest copy that contains the first one.
    groups: dict[int, list[int]] = defaultdict(list)
    for j in copies:
        groups[_root(j, copies)].append(j)
    keep_at: dict[int, int] = {}
    for r, js in groups.items():
        longer = [j for j in js if len(toks[j]) >= len(toks[r]) + _MIN_EXTRA_WORDS and _contains(toks[j], toks[r])]
        if longer:
            keep_at[r] = max(longer, key=lambda j: (len(toks[j]), -j))
    removals = []
    for r, js in sorted(groups.items()):
        kept = keep_at.get(r, r)
        kept_line = lines[body[kept]]
        for k in sorted([r, *js]):
            if k == kept:
                continue
            ln = lines[body[k]]
            run = copies[k][2] if k in copies else copies[kept][2]
            detail: dict[str, object] = {
                "repeats": [kept_line.start, kept_line.end],
                "similarity": round(similarity(toks[k], toks[kept], cfg.extend_min_containment_words), 4),
                "block": run.length,
                "where": "tandem" if run.j0 - (run.i0 + run.length) <= cfg.tandem_gap else "trailing"}
            if k == r:
                detail["kept"] = "longer-later-copy"
            removals.append(Removal(STAGE, RULE, ln.text, ln.start, ln.end, detail))
    slot = {body[r]: body[j] for r, j in keep_at.items()}
    gone = {body[j] for j in copies}
    # A longer later copy is emitted in its source's place and not again at its own.
    out = [lines[slot[k]] if k in slot else lines[k] for k in range(len(lines)) if k in slot or k not in gone]
    return out, sorted(removals, key=lambda x: (x.start, x.end)), Tokens(toks, flat)


def _contains(longer: list[str], shorter: list[str]) -> bool:
    """True when nearly every word of `shorter` appears, in order, in `longer`.

    >>> _contains("a b c d e".split(), "a b c".split())
    True
    """
    sm = difflib.SequenceMatcher(None, shorter, longer, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) >= 0.95 * len(shorter)
