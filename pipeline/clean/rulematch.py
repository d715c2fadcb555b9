"""Which boilerplate rule matches a line, answered without running every pattern on every line.

Most lines of an article are long prose and most rules are whole-line labels (`^...$` with
bounded repeats), so trying each rule's regular expression on each line wastes nearly all
the time. The matcher answers the same question as "the first rule, in file order, whose
pattern `re.search`es the line" with cheap necessary conditions first, all derived from the
patterns themselves (nothing to keep in sync by hand):

- each pattern is split into its top-level alternatives;
- alternatives anchored at the start (`^...`) are compiled, per rule and in rule order, into
  one combined expression tried with `match` at position 0 only: its first matching branch is
  the first anchored rule that matches. A branch that is anchored at both ends also has a
  bounded length, so lines outside every branch's [shortest, longest] range skip the
  combined expression entirely;
- alternatives that may match anywhere need a literal the match must contain (computed from
  the parsed pattern); the full search runs only when one of those literals is in the line.

Results are identical to the plain search (tests/clean/test_boilerplate_rulematch.py checks
this on real and adversarial lines); if a pattern cannot be analysed, its rule is simply
searched on every line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.config import BoilerplateRule

try:  # Python 3.11+: the parser moved; sre_parse still works but warns
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

try:  # characters re's case-insensitive matching treats as equal beyond simple lower-casing
    from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _EXTRA_CASES = {0x69: (0x131,), 0x73: (0x17F,), 0x3C2: (0x3C3,)}

# fold() must map any two characters that re.IGNORECASE considers equal to the same character,
# one for one, so "literal in fold(line)" is a true necessary condition for a match.
# str.lower() is the simple lower-case mapping except for U+0130 (two characters), and re
# also equates a few pairs whose lower cases differ (dotless i, long s, Greek symbol forms).
_PRE = str.maketrans({"\u0130": "i"})
_POST = str.maketrans({chr(c): chr(min((c, *o))) for c, o in _EXTRA_CASES.items() if min((c, *o)) != c})
_POST_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _POST) + "]")
_UNBOUNDED = sre_c.MAXREPEAT
# Lines are grouped by length in power-of-two bins (1, 2-3, 4-7, ...); all lines of 256
# characters or more share the last bin.
_TOP_BIN = 9
_CACHE_CHARS = 2000


def normalise_line(text: str) -> str:
    """The form rules are matched against: whitespace runs collapsed, ends stripped.

    >>> normalise_line("  Share\\t this  ")
    'Share this'
    """
    return " ".join(text.split())  # str.split() and re's \s agree on what is whitespace


def fold(text: str) -> str:
    """Lower-case form in which an ASCII literal of a case-insensitive rule must appear.

    >>> fold("COOKIE \\u0130")
    'cookie i'
    """
    if text.isascii():
        return text.lower()
    low = (text.replace("\u0130", "i") if "\u0130" in text else text).lower()
    return low.translate(_POST) if _POST_CHARS.search(low) else low


def split_alternatives(pattern: str) -> list[str]:
    """Top-level `|` branches of a pattern (escapes, classes and groups respected).

    >>> split_alternatives(r'^a(b|c)$|[|]x|\\|y')
    ['^a(b|c)$', '[|]x', '\\\\|y']
    """
    out, depth, start = [], 0, 0
    for i, ch in enumerate(_mask(pattern)):
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    return out


_MAX_SET = 64  # cross products of literal alternatives larger than this are not worth it


def _best(options: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The most selective option: the one whose shortest literal is longest."""
    options = [o for o in options if o and min(len(x.strip()) for x in o) >= 2]
    if not options:
        return None
    return max(options, key=lambda o: (min(len(x) for x in o), -len(o)))


def _literal_set(op: object, av: object) -> set[str] | None:
    """The strings a fully literal element can match (a character, or a group/alternation
    of literal strings), or None when it is not fully literal."""
    if op is sre_c.LITERAL:
        return {chr(av)}  # type: ignore[arg-type]
    if op is sre_c.SUBPATTERN:
        return _seq_set(av[-1])  # type: ignore[index]
    if op is sre_c.BRANCH:
        out: set[str] = set()
        for b in av[1]:  # type: ignore[index]
            got = _seq_set(b)
            if got is None:
                return None
            out |= got
        return out if len(out) <= _MAX_SET else None
    return None


def _seq_set(seq: sre_parse.SubPattern) -> set[str] | None:
    cur = {""}
    for op, av in seq:
        if op is sre_c.AT:
            continue
        got = _literal_set(op, av)
        if got is None or len(cur) * len(got) > _MAX_SET:
            return None
        cur = {a + b for a in cur for b in got}
    return cur


def _edge(seq: sre_parse.SubPattern, last: bool) -> set[str] | None:
    """Literal strings every match of `seq` starts (or ends) with, one per branch."""
    items = [(op, av) for op, av in seq if op is not sre_c.AT]
    if last:
        items.reverse()
    cur = {""}
    for op, av in items:
        got = _literal_set(op, av)
        if got is None:
            if op in (sre_c.SUBPATTERN, sre_c.BRANCH):
                subs = [av[-1]] if op is sre_c.SUBPATTERN else list(av[1])  # type: ignore[index]
                edges = [_edge(b, last) for b in subs]
                if all(edges) and len(cur) * sum(len(e) for e in edges) <= _MAX_SET:  # type: ignore[arg-type]
                    got = {x for e in edges for x in e}  # type: ignore[union-attr]
                    cur = {(b + a if last else a + b) for a in cur for b in got}
            break
        if len(cur) * len(got) > _MAX_SET:
            break
        cur = {(b + a if last else a + b) for a in cur for b in got}
    return None if "" in cur else cur


def _needs(seq: sre_parse.SubPattern) -> tuple[str, ...] | None:
    """Strings of which every match of `seq` contains at least one, or None if none is known.

    Runs of literal characters and of fully literal alternations are multiplied out ("(click|
    tap) here" needs "click here" or "tap here"); a literal run next to any other group is
    glued to that group's literal prefixes/suffixes; groups, alternations and repeats of at
    least one contribute what they need themselves.
    """
    options: list[tuple[str, ...]] = []
    cur = {""}
    for op, av in seq:
        if op is sre_c.AT:
            continue  # zero width: a run of literals goes on across \b, ^ or $
        got = _literal_set(op, av)
        if got is not None and len(cur) * len(got) <= _MAX_SET:
            cur = {a + b for a in cur for b in got}
            continue
        if cur != {""}:
            options.append(tuple(sorted(cur)))
        if op in (sre_c.SUBPATTERN, sre_c.BRANCH):
            subs = [av[-1]] if op is sre_c.SUBPATTERN else list(av[1])  # type: ignore[index]
            starts = [_edge(b, False) for b in subs]
            if cur != {""} and all(starts) and len(cur) * sum(len(e) for e in starts) <= _MAX_SET:  # type: ignore[arg-type]
                options.append(tuple(sorted({a + b for a in cur for e in starts for b in e})))  # type: ignore[union-attr]
            if op is sre_c.SUBPATTERN:
                inner = _needs(av[-1])  # type: ignore[index]
                if inner:
                    options.append(inner)
            else:
                each = [_needs(b) for b in av[1]]  # type: ignore[index]
                if all(each):
                    options.append(tuple(sorted({x for e in each for x in e})))  # type: ignore[union-attr]
            ends = [_edge(b, True) for b in subs]
            cur = {x for e in ends for x in e} if all(ends) and sum(len(e) for e in ends) <= _MAX_SET else {""}  # type: ignore[union-attr]
            continue
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:  # type: ignore[index]
            inner = _needs(av[2])  # type: ignore[index]
            if inner:
                options.append(inner)
        cur = {""}
    if cur != {""}:
        options.append(tuple(sorted(cur)))
    return _best(options)


def required_literals(alternative: str, ignore_case: bool) -> tuple[str, ...] | None:
    r"""Strings of which every match of the alternative contains one (in fold() form when
    case-insensitive), or None when no such set is known.

    >>> required_literals(r"(we use cookies|this (web)?site uses cookies)", True)
    ('site uses cookies', 'we use cookies')
    >>> required_literals(r"ALL Rights Reserved", True)
    ('all rights reserved',)
    >>> required_literals(r"(^|\W)(click|tap) here\b.{0,120}$", True)
    ('click here', 'tap here')
    >>> required_literals(r".{0,3}x", True) is None
    True
    """
    try:
        parsed = sre_parse.parse(alternative, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return None
    found = _needs(parsed)
    if found and ignore_case:
        found = tuple(sorted({fold(x) for x in found}))
    return found


def _anchored(alternative: str) -> tuple[bool, int, int]:
    """(starts with ^, shortest match, longest match or MAXREPEAT when not end-anchored)."""
    try:
        parsed = sre_parse.parse(alternative)
    except re.error:
        return False, 0, _UNBOUNDED
    items = list(parsed)
    if not items or items[0] != (sre_c.AT, sre_c.AT_BEGINNING):
        return False, 0, _UNBOUNDED
    lo, hi = parsed.getwidth()
    if items[-1] != (sre_c.AT, sre_c.AT_END):
        hi = _UNBOUNDED
    for op, av in items[1:]:  # a leading lookahead "(?=.{1,160}$)" bounds the line too
        if op is not sre_c.ASSERT:
            break
        direction, body = av
        if direction == 1 and list(body) and list(body)[-1] == (sre_c.AT, sre_c.AT_END):
            hi = min(hi, body.getwidth()[1])
    return True, lo, hi


def _unwrap(pattern: str) -> str:
    """The inside of a pattern that is one plain group, `(a|b)` or `(?:a|b)`, else the pattern.

    >>> _unwrap("(^a$|b)")
    '^a$|b'
    >>> _unwrap("(a)|(b)")
    '(a)|(b)'
    """
    if not pattern.startswith("(") or pattern.startswith("(?") and not pattern.startswith("(?:"):
        return pattern
    depth = 0
    for i, ch in enumerate(_mask(pattern)):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            if i != len(pattern) - 1:
                return pattern
            return pattern[3:-1] if pattern.startswith("(?:") else pattern[1:-1]
    return pattern


def _mask(pattern: str) -> str:
    """The pattern with escaped characters and character classes blanked out (same length)."""
    out, i, in_class = list(pattern), 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out[i] = "_"
            if i + 1 < len(pattern):
                out[i + 1] = "_"
            i += 2
            continue
        if in_class:
            out[i] = "_"
            if ch == "]":
                in_class = False
        elif ch == "[":
            out[i] = "_"
            in_class = True
            for lead in ("^", "]"):
                if pattern[i + 1:i + 2] == lead:
                    i += 1
                    out[i] = "_"
        i += 1
    return "".join(out)


def distribute(alternative: str) -> list[str]:
    r"""`^(a|b)TAIL` as `^(?:a)TAIL` and `^(?:b)TAIL` (same lines match), so each branch of a
    whole-line label list is analysed on its own; anything else is returned as it is.

    >>> distribute(r"^(reply|.{1,60} says:)\W?$")
    ['^(?:reply)\\W?$', '^(?:.{1,60} says:)\\W?$']
    >>> distribute(r"^(a|b)+$")
    ['^(a|b)+$']
    """
    if alternative.startswith("^(?:"):
        head = "^(?:"
    elif alternative.startswith("^(") and not alternative.startswith("^(?"):
        head = "^("
    else:
        return [alternative]
    masked = _mask(alternative)
    depth = 0
    for i in range(1, len(masked)):
        depth += (masked[i] == "(") - (masked[i] == ")")
        if depth == 0:
            break
    else:
        return [alternative]
    tail = alternative[i + 1:]
    if any(ch in "()|" for ch in masked[i + 1:]) or tail[:1] in ("?", "*", "+", "{"):
        return [alternative]
    inner = alternative[len(head):i]
    branches = split_alternatives(inner)
    if len(branches) < 2:
        return [alternative]
    return [f"^(?:{b}){tail}" for b in branches]


@dataclass(frozen=True)
class _Search:
    """One alternative that re would try at every position (or, anchored, on every line):
    tried only when the line has one of its literals and a length it can match."""

    key: int  # position among the searches
    index: int  # the rule's position
    regex: re.Pattern[str]
    anchored: bool  # starts with ^: `match` at position 0 is the same test, and cheaper
    literals: tuple[str, ...] | None  # None: no usable literal, always try
    ignore_case: bool
    min_len: int = 0
    max_len: int = _UNBOUNDED


def _leading_wildcard(alternative: str) -> bool:
    """Starts (after ^ and lookarounds) with a repeat of "any character".

    >>> _leading_wildcard("^.{0,60} gallery$"), _leading_wildcard(r"^\\d+ likes$")
    (True, False)
    """
    return _leading_wildcard_seq(sre_parse.parse(alternative))


def _leading_wildcard_seq(seq: sre_parse.SubPattern) -> bool:
    for op, av in seq:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if op is sre_c.BRANCH:
            return any(_leading_wildcard_seq(b) for b in av[1])  # type: ignore[index]
        if op is sre_c.SUBPATTERN:
            return _leading_wildcard_seq(av[-1])  # type: ignore[index]
        return op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and bool(av[2]) and av[2][0][0] is sre_c.ANY  # type: ignore[index]
    return False


def _first_chars(seq: sre_parse.SubPattern) -> set[str] | None:
    """Characters a match of `seq` can start with (None: any, or not known).

    >>> sorted(_first_chars(sre_parse.parse("^(?:ab|[x-z]c)?d")))
    ['a', 'd', 'x', 'y', 'z']
    """
    acc: set[str] = set()
    for op, av in seq:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero width
        if op is sre_c.LITERAL:
            return acc | {chr(av)}  # type: ignore[arg-type]
        if op is sre_c.IN:
            chars: set[str] = set()
            for iop, iav in av:  # type: ignore[union-attr]
                if iop is sre_c.LITERAL:
                    chars.add(chr(iav))
                elif iop is sre_c.RANGE and iav[1] - iav[0] < 256:
                    chars.update(chr(c) for c in range(iav[0], iav[1] + 1))
                else:
                    return None  # negated sets, categories (\w, \d, \s), wide ranges
            return acc | chars
        if op is sre_c.SUBPATTERN:
            subs, can_skip = [av[-1]], av[-1].getwidth()[0] == 0  # type: ignore[index]
        elif op is sre_c.BRANCH:
            subs = list(av[1])  # type: ignore[index]
            can_skip = any(b.getwidth()[0] == 0 for b in subs)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            subs, can_skip = [av[2]], av[0] == 0 or av[2].getwidth()[0] == 0  # type: ignore[index]
        else:
            return None  # any character, NOT_LITERAL, back-references, ...
        for b in subs:
            got = _first_chars(b)
            if got is None:
                return None
            acc |= got
        if not can_skip:
            return acc
    return None  # the whole sequence may match nothing: it can start anywhere


def trie_pattern(words: Sequence[str]) -> str:
    """One expression matching any of `words`, with shared prefixes factored out (re tries a
    factored alternation far faster than a flat list of a few hundred literals).

    >>> trie_pattern(["cat", "car", "cart"])
    'ca(?:r(?:t)?|t)'
    >>> bool(re.search(trie_pattern(["a.b", "ab"]), "xa.by")), bool(re.search(trie_pattern(["a.b"]), "axb"))
    (True, False)
    """
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return (body if len(alts) > 1 else f"(?:{body})") + "?"
        return body

    return emit(root)


@dataclass(frozen=True)
class _Anchored:
    """One anchored alternative: its rule, source, and what lines it can possibly match."""

    index: int
    regex: re.Pattern[str]
    source: str
    ignore_case: bool
    starts: frozenset[str] | None  # fold() of possible first characters; None: any
    starts2: frozenset[str] | None  # fold() of possible first two characters; None: not known
    min_len: int
    max_len: int


class RuleMatcher:
    """First matching rule of a rule sequence, as `re.search` in rule order would find it."""

    def __init__(self, rules: Sequence[BoilerplateRule]) -> None:
        self.rules = tuple(rules)
        self._anchored: list[_Anchored] = []
        searches: list[tuple[int, str, bool, tuple[str, ...] | None, bool, int, int]] = []
        whole: list[tuple[int, str, bool]] = []
        for i, rule in enumerate(self.rules):
            ic = "i" in rule.flags
            alts = [d for a in split_alternatives(_unwrap(rule.pattern)) for d in distribute(a)]
            if any(re.search(r"\\\d|\(\?P=|\(\?[a-zA-Z]+\)", a) for a in alts):
                whole.append((i, rule.pattern, ic))  # back-references or global flags
                continue
            for alt in alts:
                anchored, lo, hi = _anchored(alt)
                first = _first_chars(sre_parse.parse(alt)) if anchored else None
                if anchored and first is None:
                    # It may start with a run of any characters (".{0,60} gallery"), which re
                    # tries at every length on every line; a short list of literals it needs
                    # is a cheaper test. Other unknown starts (\d, \w) fail fast at position 0.
                    lits = required_literals(alt, ic) if _leading_wildcard(alt) else None
                    if not lits or len(lits) > 16:
                        lits = None
                if not anchored or first is None and lits:
                    literals = required_literals(alt, ic) if not anchored else lits
                    searches.append((i, alt, anchored, literals, ic, lo, hi))
                    continue
                starts = None if first is None else frozenset(fold(c)[:1] for c in first)
                prefixes = _edge(sre_parse.parse(alt), False)
                starts2 = None
                if prefixes and all(len(p) >= 2 for p in prefixes):
                    starts2 = frozenset(fold(p[:2]) for p in prefixes)
                rx = re.compile(alt, re.I if ic else 0)
                self._anchored.append(_Anchored(i, rx, alt, ic, starts, starts2, lo, hi))
        # Alternatives that cannot be split out of their rule are searched whole, as it is.
        for i, pattern, ic in whole:
            searches.append((i, pattern, False, None, ic, 0, _UNBOUNDED))
        searches.sort(key=lambda x: x[0])
        self._searches = [_Search(k, i, re.compile(alt, re.I if ic else 0), anchored, literals, ic, lo, hi)
                          for k, (i, alt, anchored, literals, ic, lo, hi) in enumerate(searches)]
        # Per length bin, one scan tells whether any literal of a searched rule that fits the
        # bin occurs at all (for most lines: none).
        self._gates: dict[int, _Gate] = {}
        self._heads: dict[tuple[str, int], tuple[_Anchored, ...]] = {}
        self._any_heads: dict[int, tuple[re.Pattern[str] | None, dict[str, int]]] = {}
        self._first = lru_cache(maxsize=1 << 15)(self._match)

    def _head(self, key: str, n: int) -> tuple[_Anchored, ...]:
        """The anchored alternatives with known first characters (in rule order) that a line
        starting with `key` (its first two characters, folded), of a length in the same bin as
        `n`, may match."""
        b = min(n.bit_length(), _TOP_BIN)
        got = self._heads.get((key, b))
        if got is None:
            lo, hi = (1 << b) >> 1, (1 << b) - 1 if b < _TOP_BIN else _UNBOUNDED
            got = tuple(a for a in self._anchored if a.starts is not None and a.min_len <= hi and a.max_len >= lo
                        and (key in a.starts2 if a.starts2 is not None and len(key) == 2 else key[:1] in a.starts))
            self._heads[(key, b)] = got
        return got

    def _any_head(self, n: int) -> tuple[re.Pattern[str] | None, dict[str, int]]:
        """One expression, per length bin, of the anchored alternatives that may start with
        any character: its first matching branch is the first such rule that matches."""
        b = min(n.bit_length(), _TOP_BIN)
        got = self._any_heads.get(b)
        if got is None:
            lo, hi = (1 << b) >> 1, (1 << b) - 1 if b < _TOP_BIN else _UNBOUNDED
            parts, names = [], {}
            for j, a in enumerate(self._anchored):
                if a.starts is None and a.min_len <= hi and a.max_len >= lo:
                    parts.append(f"(?P<a{j}>{'(?i:' if a.ignore_case else '(?-i:'}{a.source}))")
                    names[f"a{j}"] = a.index
            got = (re.compile("|".join(parts)) if parts else None, names)
            self._any_heads[b] = got
        return got

    def _gate(self, n: int) -> _Gate:
        """How to find which searched rules fitting length `n` have one of their literals."""
        b = min(n.bit_length(), _TOP_BIN)
        got = self._gates.get(b)
        if got is None:
            lo, hi = (1 << b) >> 1, (1 << b) - 1 if b < _TOP_BIN else _UNBOUNDED
            fits = tuple(s for s in self._searches if s.min_len <= hi and s.max_len >= lo)
            always = frozenset(s.key for s in fits if s.literals is None)
            got = _Gate(frozenset(s.key for s in fits), always, tuple(sorted(always)),
                        _LiteralScan([s for s in fits if s.ignore_case]),
                        _LiteralScan([s for s in fits if not s.ignore_case]))
            self._gates[b] = got
        return got

    def prepare(self) -> RuleMatcher:
        """Build every length bin's combined expressions now, not on first use: a process that
        prepares the matcher before forking workers (Luigi forks one per task) pays once."""
        for b in range(_TOP_BIN + 1):
            n = (1 << b) >> 1
            self._any_head(n)
            self._gate(n)
        return self

    def first(self, text: str) -> BoilerplateRule | None:
        """The first rule (in order) whose pattern matches the whitespace-normalised line.

        Remembered per line (lines up to _CACHE_CHARS long, so a hostile file of huge lines
        cannot fill memory): the boilerplate stage looks at a document's lines again after
        each round of removals, and a batch repeats its template lines in every document."""
        return self._first(text) if len(text) <= _CACHE_CHARS else self._match(text)

    def _match(self, text: str) -> BoilerplateRule | None:
        norm = normalise_line(text)
        n = len(norm)
        best = len(self.rules)
        if n:
            anywhere, names = self._any_head(n)
            m = anywhere.match(norm) if anywhere is not None else None
            if m is not None:
                best = names[m.lastgroup]  # type: ignore[index]
            for a in self._head(fold(norm[:2]), n):
                if a.index >= best:
                    break
                if a.regex.match(norm):
                    best = a.index
                    break
        if not self._searches or self._searches[0].index >= best:
            return self.rules[best] if best < len(self.rules) else None
        gate = self._gate(n)
        hits = gate.folded.hits(fold(norm)) | gate.plain.hits(norm)
        tries = sorted(hits | gate.always) if hits else gate.always_sorted
        for key in tries:
            s = self._searches[key]
            if s.index >= best:
                break
            if key in gate.fits and (s.regex.match(norm) if s.anchored else s.regex.search(norm)):
                best = s.index
                break
        return self.rules[best] if best < len(self.rules) else None


# English letters from most to least frequent; anything else (space, punctuation, other scripts)
# counts as frequent when it is a space or punctuation, rare otherwise.
_COMMON = " etaoinshrdlcumwfgypbvkjxqz"


def _rare_at(literal: str) -> int:
    """Where in `literal` its least common character stands (a later one on ties, keeping at
    least four characters after it): every match of the literal contains the piece there.

    >>> "we use cookies"[_rare_at("we use cookies"):]
    'kies'
    >>> _rare_at("ab")
    0
    """
    if len(literal) <= 3:
        return 0

    def rank(i: int) -> int:
        ch = literal[i]
        if ch in _COMMON:
            return _COMMON.index(ch)
        return 0 if not ch.isalnum() else len(_COMMON) + 1

    last = len(literal) - min(4, len(literal))  # keep at least four characters
    return max(range(last + 1), key=lambda k: (rank(k), -k))


class _LiteralScan:
    """Which searches have one of their literals in a line.

    Each literal is found through a short piece of it that starts at an uncommon character
    (`_rare_at`): one expression of all pieces, searched again from the position after each
    hit, visits every spot where a piece starts, overlapping ones included. `re` skips the
    positions whose character starts no piece in its fast loop, so a line costs about one scan;
    each piece found is then checked as part of the literals that contain it, in place.
    """

    _SIZE = 6  # characters of a literal in its piece: long enough to be rare, short to share

    def __init__(self, searches: Sequence[_Search]) -> None:
        needs: dict[str, set[int]] = {}
        for s in searches:
            for x in s.literals or ():
                needs.setdefault(x, set()).add(s.key)
        by_piece: dict[str, list[tuple[str, int, frozenset[int]]]] = {}
        for x in sorted(needs):
            at = _rare_at(x)
            by_piece.setdefault(x[at:at + self._SIZE], []).append((x, at, frozenset(needs[x])))
        # A match of the pieces' expression is the longest piece at its position; every shorter
        # piece starting there is a prefix of it, so each match stands for all of those.
        self._by_match = {p: tuple(e for k in range(1, len(p) + 1) for e in by_piece.get(p[:k], ()))
                          for p in by_piece}
        self._any = re.compile(trie_pattern(sorted(by_piece))) if by_piece else None

    def hits(self, text: str) -> frozenset[int] | set[int]:
        if self._any is None:
            return frozenset()
        m = self._any.search(text)
        if m is None:
            return frozenset()
        out: set[int] = set()
        while m is not None:
            at = m.start()
            for literal, offset, keys in self._by_match[m.group()]:
                if at >= offset and text.startswith(literal, at - offset):
                    out |= keys
            m = self._any.search(text, at + 1)
        return out


@dataclass(frozen=True)
class _Gate:
    fits: frozenset[int]  # keys of the searches whose length range fits the bin
    always: frozenset[int]  # keys of those without literals: always tried
    always_sorted: tuple[int, ...]
    folded: _LiteralScan  # literals of case-insensitive searches, found in fold(line)
    plain: _LiteralScan  # literals of case-sensitive searches, found in the line as it is


@lru_cache(maxsize=16)
def matcher(rules: tuple[BoilerplateRule, ...]) -> RuleMatcher:
    """One matcher per rule set (rules are frozen, so a config's tuple is its cache key)."""
    return RuleMatcher(rules)
