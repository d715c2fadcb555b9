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

_SPACES = re.compile(r"\s+")
# Non-ASCII characters that re's case-insensitive matching treats as equal to an ASCII letter
# (simple case mappings: Turkish dotted/dotless i, long s, Kelvin sign). Folding them first
# makes "literal in folded line" a true necessary condition for an ASCII literal.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_UNBOUNDED = sre_c.MAXREPEAT


def normalise_line(text: str) -> str:
    """The form rules are matched against: whitespace runs collapsed, ends stripped.

    >>> normalise_line("  Share\\t this  ")
    'Share this'
    """
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case form in which an ASCII literal of a case-insensitive rule must appear.

    >>> fold("COOKIE \\u0130")
    'cookie i'
    """
    return text.translate(_FOLD).lower()


def split_alternatives(pattern: str) -> list[str]:
    """Top-level `|` branches of a pattern (escapes, classes and groups respected).

    >>> split_alternatives(r'^a(b|c)$|[|]x|\\|y')
    ['^a(b|c)$', '[|]x', '\\\\|y']
    """
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a leading ] is a literal inside a class
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _literal_runs(seq: sre_parse.SubPattern) -> list[str]:
    """Runs of characters every match of this sequence contains, in order (mandatory parts only)."""
    runs, cur = [], []
    for op, av in seq:
        if op is sre_c.LITERAL and av < 128:
            cur.append(chr(av))
            continue
        if op is sre_c.SUBPATTERN and len(av[-1]) and all(o is not sre_c.BRANCH for o, _ in av[-1]):
            inner = av[-1]
            sub = _literal_runs(inner)
            # a group that is a plain literal continues the current run
            if len(sub) == 1 and len(sub[0]) == len(inner) and all(o is sre_c.LITERAL for o, _ in inner):
                cur.append(sub[0])
                continue
            runs.append("".join(cur))
            runs.extend(sub)
            cur = []
            continue
        if op is sre_c.AT:
            continue  # zero-width: does not break a run of literals
        runs.append("".join(cur))
        cur = []
    runs.append("".join(cur))
    return [r for r in runs if r]


def required_literal(alternative: str, ignore_case: bool) -> str | None:
    """A string every match of the alternative contains (the longest found), or None.

    >>> required_literal(r"(we use cookies|x)", True) is None
    True
    >>> required_literal(r"all rights reserved", True)
    'all rights reserved'
    >>> required_literal(r"\\b(click|tap) here\\b.{0,120}$", True)
    ' here'
    """
    try:
        parsed = sre_parse.parse(alternative, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return None
    runs = _literal_runs(parsed)
    if not runs:
        return None
    best = max(runs, key=len)
    if len(best.strip()) < 2:
        return None  # too common to filter anything
    return best.lower() if ignore_case else best


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
    ends = items[-1] == (sre_c.AT, sre_c.AT_END)
    return True, lo, hi if ends and hi < _UNBOUNDED else _UNBOUNDED


@dataclass(frozen=True)
class _Search:
    """The unanchored alternatives of one rule: searched only when a literal is present."""

    index: int
    regex: re.Pattern[str]
    literals: tuple[str, ...] | None  # None: no usable literal, always search
    ignore_case: bool


class RuleMatcher:
    """First matching rule of a rule sequence, as `re.search` in rule order would find it."""

    def __init__(self, rules: Sequence[BoilerplateRule]) -> None:
        self.rules = tuple(rules)
        branches: list[str] = []
        self._group_rule: dict[str, int] = {}
        self._min_len, self._max_len = _UNBOUNDED, 0
        self._searches: list[_Search] = []
        for i, rule in enumerate(self.rules):
            ic = "i" in rule.flags
            alts = split_alternatives(rule.pattern)
            if any(re.search(r"\\\d|\(\?P=", a) for a in alts):  # back-references: keep whole
                self._searches.append(_Search(i, re.compile(rule.pattern, re.I if ic else 0), None, ic))
                continue
            head, rest = [], []
            for alt in alts:
                if _anchored(alt)[0]:
                    head.append(alt)
                else:
                    rest.append(alt)
            if head:
                name = f"r{i}"
                branch = f"(?P<{name}>{'(?i:' if ic else '(?-i:'}{'|'.join(head)}))"
                try:
                    re.compile(branch)
                except re.error:  # e.g. the pattern sets global inline flags: search it whole
                    self._searches.append(_Search(i, re.compile(rule.pattern, re.I if ic else 0), None, ic))
                    continue
                self._group_rule[name] = i
                branches.append(branch)
                for alt in head:
                    _, lo, hi = _anchored(alt)
                    self._min_len, self._max_len = min(self._min_len, lo), max(self._max_len, hi)
            if rest:
                lits = [required_literal(a, ic) for a in rest]
                literals = None if any(lit is None for lit in lits) else tuple(sorted(set(lits)))  # type: ignore[arg-type]
                self._searches.append(_Search(i, re.compile("|".join(rest), re.I if ic else 0), literals, ic))
        self._head = re.compile("|".join(branches)) if branches else None

    def first(self, text: str) -> BoilerplateRule | None:
        """The first rule (in order) whose pattern matches the whitespace-normalised line."""
        norm = normalise_line(text)
        n = len(norm)
        best = len(self.rules)
        if self._head is not None and self._min_len <= n <= self._max_len:
            m = self._head.match(norm)
            if m is not None:
                best = self._group_rule[m.lastgroup]  # type: ignore[index]
        folded: str | None = None
        for s in self._searches:
            if s.index >= best:
                break
            if s.literals is not None:
                if s.ignore_case:
                    if folded is None:
                        folded = fold(norm)
                    hay = folded
                else:
                    hay = norm
                if not any(lit in hay for lit in s.literals):
                    continue
            if s.regex.search(norm):
                best = s.index
                break
        return self.rules[best] if best < len(self.rules) else None


@lru_cache(maxsize=16)
def matcher(rules: tuple[BoilerplateRule, ...]) -> RuleMatcher:
    """One matcher per rule set (rules are frozen, so a config's tuple is its cache key)."""
    return RuleMatcher(rules)
