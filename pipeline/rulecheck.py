"""Checks on boilerplate rule patterns before any document is touched.

Rules are data anyone may add to, and a bad one costs a whole run: an empty pattern, or one
that matches the empty string, removes every line; a catastrophically backtracking one makes
every document time out (60 s each). So `check_pattern` refuses, when the rules file loads,
patterns that match nothing-at-all or ordinary prose and the classic exponential shape (an
unbounded quantifier around a variable-width repeat, `(\\w+\\s?)*`); and `probe` times every
rule on short lines built from its own literals and character classes, each ending in a
character that forces a failed match after all the backtracking, under a per-line budget.

Why a probe and not another engine: `re2`/`regex` with timeouts would need the rule matcher
(rulematch.py, which prefilters rules by their literals and relies on `re` semantics) rebuilt
on them. The probe costs about half a second for the shipped rules and runs only when a run
has work to do; polynomial patterns that need long lines to show are left to the per-document
time limit and the run's failure-share check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

try:  # Python 3.11+: the parser moved
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from pipeline.limits import DocumentTimeout, time_limit

FLAGS = {"i": re.IGNORECASE}  # what rule `flags` may hold (rulematch reads "i")
PROBE_SECONDS = 0.25  # per probe line: a linear pattern needs well under a millisecond
PROBE_CHARS = 150  # exponential blow-up shows long before this length
# Ordinary news prose: a pattern matching all of these would remove every paragraph.
PROSE = (
    "The minister said on Tuesday that talks would continue next week in the capital.",
    "Prices rose by 3.2% in October, according to figures published by the statistics office.",
    "Residents were evacuated after the river burst its banks early on Sunday morning.",
    "«Nous avons pris nos responsabilités», a déclaré la maire lors du conseil municipal.",
)
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))


def compile_rule(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for ch in flags:
        value |= FLAGS[ch]
    return re.compile(pattern, value)


def check_pattern(pattern: str, flags: str) -> str | None:
    """What is wrong with a rule's pattern and flags, or None.

    >>> check_pattern("", "i")
    'is empty: it would match every line'
    >>> check_pattern(r"^(\\w+\\s?)+$", "")[:60]
    'nests an unbounded quantifier around a variable-length repea'
    >>> check_pattern(r"^read more$", "x")
    "has unknown flag(s) 'x'; allowed: i (ignore case), or empty"
    >>> check_pattern(r"^read more\\b", "i") is None
    True
    """
    bad = sorted(set(flags) - set(FLAGS))
    if bad:
        return f"has unknown flag(s) {''.join(bad)!r}; allowed: i (ignore case), or empty"
    if not pattern.strip():
        return "is empty: it would match every line"
    try:
        rx = compile_rule(pattern, flags)
    except re.error as exc:
        return f"does not compile ({exc})"
    if rx.search("") is not None:
        return "matches the empty string, so it would match every line; anchor it to the words it is for"
    if nested_variable_repeats(pattern, rx.flags):
        return ("nests an unbounded quantifier around a variable-length repeat (like (\\w+\\s?)*), which "
                "backtracks exponentially on a line it does not match; rewrite it without the nesting")
    try:
        with time_limit(PROBE_SECONDS * 4):
            everything = all(rx.search(p) for p in PROSE)
    except DocumentTimeout:
        return f"took more than {PROBE_SECONDS * 4:g} s on one ordinary sentence: it backtracks catastrophically"
    if everything:
        return "matches ordinary prose (every sample sentence), so it would remove every paragraph"
    return None


def nested_variable_repeats(pattern: str, flags: int = 0) -> bool:
    """An unbounded quantifier (`+`, `*`, `{n,}`) over a body that holds a variable repeat:
    the classic exponential shape, `(a+)+`. Bounded nesting is left to the probe."""

    def variable(sub: sre_parse.SubPattern) -> bool:
        lo, hi = sub.getwidth()
        return lo != hi

    def walk(sub: sre_parse.SubPattern) -> bool:
        for op, av in sub:
            if op in _REPEATS:
                _lo, hi, body = av
                inner = any(o in _REPEATS and a[0] != a[1] for o, a in _ops(body))
                if hi == sre_c.MAXREPEAT and inner and variable(body):
                    return True
                if walk(body):
                    return True
            elif any(walk(c) for c in _children(av)):
                return True
        return False

    return walk(sre_parse.parse(pattern, flags & ~re.UNICODE))


def _children(av: object) -> list[sre_parse.SubPattern]:
    if isinstance(av, sre_parse.SubPattern):
        return [av]
    if isinstance(av, tuple | list):
        return [c for item in av for c in _children(item)]
    return []


def _ops(sub: sre_parse.SubPattern) -> Iterator[tuple[object, object]]:
    for op, av in sub:
        yield op, av
        if op in _REPEATS:
            yield from _ops(av[2])  # type: ignore[index]
        else:
            for c in _children(av):
                yield from _ops(c)


def probe_lines(pattern: str) -> list[str]:
    """Short lines that lead a backtracking engine through the pattern's own pieces (literal
    runs and one member of each character class), after its opening words, then fail."""
    pieces: set[str] = {"a", " ", "a ", "1", ".", "-", "é", "#"}

    def walk(sub: sre_parse.SubPattern) -> None:
        run: list[str] = []
        for op, av in sub:
            if op == sre_c.LITERAL:
                run.append(chr(av))  # type: ignore[arg-type]
                continue
            if run:
                pieces.add("".join(run))
                run = []
            if op == sre_c.IN:
                for kind, val in av:  # type: ignore[union-attr]
                    if kind == sre_c.LITERAL:
                        pieces.add(chr(val))
                    elif kind == sre_c.RANGE:
                        pieces.add(chr(val[0]))
                    elif kind == sre_c.CATEGORY:
                        pieces.add({sre_c.CATEGORY_DIGIT: "7", sre_c.CATEGORY_SPACE: " "}.get(val, "x"))
            for child in (av[2],) if op in _REPEATS else _children(av):  # type: ignore[index]
                walk(child)
        if run:
            pieces.add("".join(run))

    parsed = sre_parse.parse(pattern)
    walk(parsed)
    prefix = []
    for op, av in parsed:
        if op == sre_c.AT:
            continue
        if op != sre_c.LITERAL:
            break
        prefix.append(chr(av))  # type: ignore[arg-type]
    heads = list(dict.fromkeys(["", "".join(prefix)]))
    ordered = sorted(pieces)
    lines = []
    for i, p in enumerate(ordered):
        for q in (p, p + ordered[(i + 1) % len(ordered)]):
            body = (q * (PROBE_CHARS // len(q) + 1))[:PROBE_CHARS]
            lines += [head + body + "\x00!" for head in heads]
    return lines


def probe(pattern: str, flags: str, budget: float = PROBE_SECONDS) -> str | None:
    """None when every probe line is searched within `budget` seconds, else what took longer."""
    rx = compile_rule(pattern, flags)
    for line in probe_lines(pattern):
        # A busy machine can stall one search; a catastrophic pattern is slow every time.
        if _timed(rx, line, budget * 2) > budget and _timed(rx, line, budget * 2) > budget:
            return (f"took more than {budget:g} s on a {len(line)}-character probe line ({line[:30]!r}...): it "
                    "backtracks catastrophically and would make documents time out; rewrite it")
    return None


def _timed(rx: re.Pattern[str], line: str, cap: float) -> float:
    start = time.perf_counter()
    try:
        with time_limit(cap):
            rx.search(line)
    except DocumentTimeout:
        pass
    return time.perf_counter() - start
