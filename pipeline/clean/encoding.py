"""Encoding repair: HTML entities, ftfy with settings chosen on purpose, then whitespace.

Each line is repaired on its own so every change keeps pointing at its place in the input;
two facts about the whole document (is it French? did its extractor put spaces before full
stops?) decide how spaces before punctuation are treated.

ftfy runs at about 2 MB/s, so a line goes through it only when ftfy could change it. The test
for that (`ftfy_could_change`) is derived from what each enabled ftfy fixer reacts to, and it
is exact where ftfy's own mojibake gate is concerned: ftfy repairs an encoding only when its
`is_bad` heuristic fires, whose patterns each need particular characters; without them we skip.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers the "sloppy-windows-*" codecs ftfy names in plans
from ftfy import chardata
from ftfy.badness import BADNESS_RE, is_bad

from pipeline.clean.whitespace import (
    any_needs_work,
    french_line,
    has_stop_artifacts,
    is_french,
    normalize_line_explained,
)
from pipeline.config import EncodingConfig
from pipeline.models import Edit, Line

STAGE = "encoding"
LENIENT_ENTITIES = "unescape_html_lenient"
# Repair and whitespace normalisation feed each other only in contrived cases (a removed
# invisible character joining the two halves of a mojibake pair); a few rounds reach the
# fixed point, and the cap keeps a pathological line from looping.
_MAX_ROUNDS = 4


@lru_cache(maxsize=8)
def ftfy_config(cfg: EncodingConfig) -> ftfy.TextFixerConfig:
    return ftfy.TextFixerConfig(
        unescape_html=cfg.unescape_html,
        remove_terminal_escapes=cfg.remove_terminal_escapes,
        fix_encoding=True,
        restore_byte_a0=cfg.restore_byte_a0,
        replace_lossy_sequences=cfg.replace_lossy_sequences,
        decode_inconsistent_utf8=cfg.decode_inconsistent_utf8,
        fix_c1_controls=cfg.fix_c1_controls,
        fix_latin_ligatures=cfg.fix_latin_ligatures,
        fix_character_width=cfg.fix_character_width,
        uncurl_quotes=cfg.uncurl_quotes,
        fix_line_breaks=cfg.fix_line_breaks,
        fix_surrogates=cfg.fix_surrogates,
        remove_control_chars=cfg.remove_control_chars,
        normalization=cfg.normalization or None,
        max_decode_length=cfg.max_decode_length,
        # fix_text() runs fix_encoding() with a default config, silently ignoring
        # restore_byte_a0, replace_lossy_sequences and decode_inconsistent_utf8; calling
        # fix_and_explain with explain on honours them and names every fix that fired.
        explain=True,
    )


# --- entities ftfy leaves alone -------------------------------------------------------------

# ftfy decodes only entities that end in ";" (so "this&not that" stays prose). Scrapers also
# leave forms that are unambiguous without it: numeric references ("&#8217", "&#x2019"), the
# handful of named ones that are never the start of a word ("&nbsp", "&amp"), and emoji
# written as two UTF-16 surrogate references ("&#55357;&#56832;"), which html.unescape and
# ftfy would each turn into two replacement characters.
_NUM = r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}))"
_SURROGATE_PAIR_REF = re.compile(f"{_NUM};?{_NUM};?")
_NUMERIC_NO_SEMI = re.compile(r"&#(?:[xX][0-9a-fA-F]{1,6}(?![0-9a-fA-F;])|[0-9]{1,7}(?![0-9;]))")
_NAMED_NO_SEMI = re.compile(r"&(nbsp|amp|quot|lt|gt)(?![A-Za-z0-9;=])")


def _code(hex_part: str | None, dec_part: str | None) -> int:
    return int(hex_part, 16) if hex_part else int(dec_part or "0")


def _join_surrogates(m: re.Match[str]) -> str:
    hi, lo = _code(m.group(1), m.group(2)), _code(m.group(3), m.group(4))
    if 0xD800 <= hi <= 0xDBFF and 0xDC00 <= lo <= 0xDFFF:
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    return m.group()


def unescape_lenient(line: str) -> str:
    """Decode the entity forms ftfy leaves alone (see above); everything else is untouched.

    >>> unescape_lenient("a&nbsp b &#8217 c &#55357;&#56832; this&not that AT&T")
    'a\\xa0 b ’ c 😀 this&not that AT&T'
    >>> unescape_lenient("&#x2019; &amp; &lt;b&gt; ?a=1&amp=2")
    '&#x2019; &amp; &lt;b&gt; ?a=1&amp=2'
    """
    if "&#" in line:
        line = _SURROGATE_PAIR_REF.sub(_join_surrogates, line)
        line = _NUMERIC_NO_SEMI.sub(lambda m: html.unescape(m.group() + ";"), line)
    return _NAMED_NO_SEMI.sub(lambda m: html.unescape(m.group() + ";"), line)


# --- when can ftfy change a line? -----------------------------------------------------------


def _class(codepoints: Iterable[int]) -> str:
    """A regex character class body matching exactly these code points (as ranges)."""
    cps = sorted(set(codepoints))
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = cps[i], cps[j]
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
        i = j + 1
    return "".join(parts)


def _badness_requirements() -> list[list[frozenset[str]]] | None:
    """For each alternative of ftfy's BADNESS_RE, the character sets of its fixed positions.

    An alternative can only match a text that has, for every one of its fixed positions (a
    literal or a character class, not inside an optional or repeated part), at least one
    character of that position's set. So when no alternative has all its sets met, `is_bad`
    is False and ftfy leaves the encoding alone, without running its large regex. Returns
    None (always ask `is_bad`) if the pattern is not the flat alternation this expects.
    tests/clean/test_encoding_skip.py checks the claim against the installed ftfy.
    """
    try:
        from re import _constants as sc  # type: ignore[attr-defined]
        from re import _parser as sp  # type: ignore[attr-defined]

        if BADNESS_RE.flags & re.IGNORECASE:
            return None
        (op, (_, branches)), *rest = list(sp.parse(BADNESS_RE.pattern, BADNESS_RE.flags))
        if rest or op != sc.BRANCH:
            return None
        out: list[list[frozenset[str]]] = []
        for alt in branches:
            sets: list[frozenset[str]] = []
            for item, arg in alt:
                chars: set[int] = set()
                if item == sc.LITERAL:
                    chars.add(arg)
                elif item == sc.IN and all(o in (sc.LITERAL, sc.RANGE) for o, _ in arg):
                    for o, a in arg:
                        chars.update([a] if o == sc.LITERAL else range(a[0], a[1] + 1))
                else:
                    continue  # optional, repeated or open-ended (\s, \w, ^): no constraint
                sets.append(frozenset(map(chr, chars)))
            if not sets:
                return None  # an alternative with no fixed position could match anything
            out.append(sets)
        return out
    except Exception:  # noqa: BLE001 - an unexpected ftfy pattern only costs speed
        return None


_BADNESS_REQUIREMENTS = _badness_requirements()
# Characters frequent in clean text (besides ASCII: typographic punctuation, Latin-1 small
# letters); only used to pick, per alternative, the fixed position least likely to be filled
# by clean text. Correctness never depends on this choice, only speed does.
_COMMON = frozenset("’‘“”—–…«»\u00a0\u00adàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿ")


def _key_index() -> tuple[re.Pattern[str] | None, dict[str, list[int]]]:
    """For each alternative, its rarest fixed position's set, joined into one character class
    (searched in C) and indexed by character: a text with none of them cannot match
    BADNESS_RE, and one that has some only needs the alternatives those characters key."""
    if _BADNESS_REQUIREMENTS is None:
        return None, {}
    by_char: dict[str, list[int]] = {}
    for i, alt in enumerate(_BADNESS_REQUIREMENTS):
        rarest = min(alt, key=lambda chars: (any(c.isascii() for c in chars), len(chars & _COMMON), len(chars)))
        for ch in rarest:
            by_char.setdefault(ch, []).append(i)
    return re.compile(f"[{_class(map(ord, by_char))}]"), by_char


_BADNESS_KEY, _ALTERNATIVES_BY_KEY = _key_index()


def _badness_width() -> int | None:
    """The longest text one alternative of BADNESS_RE can match, or None if unbounded."""
    try:
        from re import _parser as sp  # type: ignore[attr-defined]

        width = sp.parse(BADNESS_RE.pattern, BADNESS_RE.flags).getwidth()[1]
    except Exception:  # noqa: BLE001 - an unexpected ftfy pattern only costs speed
        return None
    return width if width < 64 else None


# Every match of BADNESS_RE holds a key character (each alternative's key set is one of its
# fixed positions) and is at most this long, so it lies within _BADNESS_WIDTH - 1 characters
# of a key character: searching only those windows finds a match exactly when searching the
# whole line does (the pattern's only assertion, "^", is honoured by search's pos argument,
# which does not make a window start look like the start of the line).
_BADNESS_WIDTH = _badness_width()


def _could_be_bad(line: str) -> bool:
    """Necessary condition for ftfy's `is_bad(line)`, much cheaper than its regex."""
    if _BADNESS_REQUIREMENTS is None or _BADNESS_KEY is None:
        return True
    keys = set(_BADNESS_KEY.findall(line))
    if not keys:
        return False
    present = set(line)
    candidates = {i for ch in keys for i in _ALTERNATIVES_BY_KEY[ch]}
    return any(all(not present.isdisjoint(chars) for chars in _BADNESS_REQUIREMENTS[i]) for i in candidates)


def _is_bad(line: str) -> bool:
    """ftfy's `is_bad(line)`, searching only around key characters (see _BADNESS_WIDTH):
    its pattern has ~40 alternatives tried at every position, ~90 us on a 200-character line.

    >>> [_is_bad(s) for s in ["Israelâ€™s", "Ã ce moment", "“Quoted” text — fine", "x\u0080y"]]
    [True, True, False, True]
    """
    if _BADNESS_KEY is None or _BADNESS_WIDTH is None:
        return is_bad(line)
    reach = _BADNESS_WIDTH - 1
    lo = hi = -1
    for m in _BADNESS_KEY.finditer(line):
        p = m.start()
        if p - reach > hi:  # a new window; search the previous one first
            if hi >= 0 and BADNESS_RE.search(line, lo, hi):
                return True
            lo = max(0, p - reach)
        hi = p + reach + 1
    return hi >= 0 and BADNESS_RE.search(line, lo, hi) is not None


@lru_cache(maxsize=8)
def _triggers(cfg: EncodingConfig) -> re.Pattern[str]:
    """Characters without which no enabled ftfy fixer except the encoding repair can fire."""
    cps: set[int] = set(range(0x80, 0xA0))  # C1 controls: fix_c1_controls, lossy sequences
    if cfg.unescape_html:
        cps.add(ord("&"))
    if cfg.fix_latin_ligatures:
        cps.update(chardata.LIGATURES)
    if cfg.fix_character_width:
        cps.update(chardata.WIDTH_MAP)
    if cfg.uncurl_quotes:
        cps.update([0x02BC, *range(0x2018, 0x2020)])
    if cfg.fix_line_breaks:
        cps.update([0x0D, 0x85, 0x2028, 0x2029])
    if cfg.fix_surrogates:
        cps.update(range(0xD800, 0xE000))
    if cfg.remove_terminal_escapes:
        cps.add(0x1B)
    if cfg.remove_control_chars:
        cps.update(chardata.CONTROL_CHARS)
    return re.compile(f"[{_class(cps)}]")


def ftfy_could_change(line: str, cfg: EncodingConfig) -> bool:
    """False only when ftfy.fix_and_explain(line, ftfy_config(cfg)) provably returns `line`.

    Every fixer ftfy would run is gated here by the characters it reacts to, the Unicode
    normalisation by `is_normalized`, and the encoding repair by ftfy's own `is_bad` gate,
    itself called only when every fixed position of one of its patterns can be filled.

    >>> cfg = EncodingConfig()
    >>> [ftfy_could_change(s, cfg) for s in ["Plain news.", "İstanbul’da 3 çocuk", "Israelâ€™s", "AT&amp;T"]]
    [False, False, True, True]
    """
    if line.isascii():
        # ASCII text is never `is_bad` and is NFC; only "&", ESC and C0 controls can matter.
        return _triggers(cfg).search(line) is not None
    if _triggers(cfg).search(line):
        return True
    if cfg.normalization and not unicodedata.is_normalized(cfg.normalization, line):
        return True
    return _could_be_bad(line) and _is_bad(line)


# --- one line, one document -----------------------------------------------------------------


def _step_name(action: str, parameter: str) -> str:
    return f"{action}:{parameter}" if action in ("encode", "decode") else parameter


def repair_line(line: str, cfg: EncodingConfig) -> tuple[str, list[str]]:
    """Entities and ftfy, repeated until nothing changes; return text and fixes that fired.

    >>> repair_line("Israelâ€™s", EncodingConfig())
    ('Israel’s', ['encode:sloppy-windows-1252', 'decode:utf-8'])
    >>> repair_line("AT&amp;amp;T &nbsp it&#8217s", EncodingConfig())
    ('AT&T \\xa0 it’s', ['unescape_html_lenient', 'unescape_html'])
    """
    fired: list[str] = []
    config = ftfy_config(cfg)
    for _ in range(_MAX_ROUNDS):
        before = line
        if cfg.unescape_html and "&" in line:
            lenient = unescape_lenient(line)
            if lenient != line:
                fired.append(LENIENT_ENTITIES)
                line = lenient
        if ftfy_could_change(line, cfg):
            fixed, steps = ftfy.fix_and_explain(line, config)
            # ftfy may report a step that changed nothing (fix_c1_controls on an undefined
            # byte such as U+009D); only fixes that changed the line are recorded.
            for step in steps if fixed != line else ():
                name = _step_name(step.action, step.parameter)
                if name not in fired:
                    fired.append(name)
            line = fixed
        if line == before:
            break
    return line, fired


def _settle(
    text: str, fired: list[str], cfg: EncodingConfig, french: bool, spaced_marks: bool
) -> tuple[str, list[str]]:
    """Whitespace after repair, and repair again if whitespace exposed something to repair."""
    fired = list(fired)
    for _ in range(_MAX_ROUNDS):
        # A line's own French spacing matters only to the rule `spaced_marks` turns on.
        french_here = french or (spaced_marks and french_line(text))
        normalized, rules = normalize_line_explained(text, french_here, spaced_marks)
        fired.extend(r for r in rules if r not in fired)
        if normalized == text:
            break
        text, more = repair_line(normalized, cfg)
        fired.extend(r for r in more if r not in fired)
    return text, fired


def fix_line(
    line: str, cfg: EncodingConfig, french: bool = False, spaced_marks: bool = False
) -> tuple[str, list[str]]:
    """Repair one line; return the text and the names of the fixes that fired.

    >>> fix_line("Israelâ€™s", EncodingConfig())
    ('Israel’s', ['encode:sloppy-windows-1252', 'decode:utf-8'])
    >>> fix_line("AT&amp;T", EncodingConfig())
    ('AT&T', ['unescape_html'])
    >>> fix_line("a&nbsp;b", EncodingConfig())
    ('a b', ['unescape_html', 'space-variants'])
    """
    text, fired = repair_line(line, cfg)
    return _settle(text, fired, cfg, french, spaced_marks)


DOCUMENT_PLAN = "document-plan"


def _document_plan(repaired: list[tuple[str, list[str]]]) -> str | None:
    """The single-byte encoding ftfy most often undid in this document ("encode:X" followed by
    a UTF-8 decode on the same line), if any."""
    counts: dict[str, int] = {}
    for _, fired in repaired:
        enc = next((f[7:] for f in fired if f.startswith("encode:")), None)
        if enc and any(f.startswith("decode:utf-8") for f in fired):
            counts[enc] = counts.get(enc, 0) + 1
    return max(counts, key=lambda e: counts[e]) if counts else None


def _apply_plan(text: str, encoding: str, known_letters: set[str]) -> str | None:
    """Undo `encoding`-for-UTF-8 mojibake on a line ftfy's per-line heuristic let through.

    A document read as windows-1252 as a whole has lines with too little mojibake for ftfy to
    be sure ("60,000â‚©"). Re-encoding such a line must give strict UTF-8 (legitimate text
    practically never does) and every letter it produces must already occur in the repaired
    document, so that a clean line which happens to form a valid sequence ("Fuß“") is kept.
    """
    fixed = text
    for _ in range(_MAX_ROUNDS):  # double mojibake needs the plan twice
        if fixed.isascii():
            break
        try:
            fixed = fixed.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError, LookupError):
            break
    if fixed == text or "\ufffd" in fixed or any("\x80" <= c <= "\x9f" for c in fixed):
        return None
    if any(c.isalpha() and not c.isascii() and c not in known_letters for c in fixed):
        return None
    return fixed


@lru_cache(maxsize=8)
def _document_gate(cfg: EncodingConfig) -> re.Pattern[str] | None:
    """Characters that send a line to `repair_line` whatever else it holds: entities' "&" and
    the ftfy triggers. None when a newline would itself match (then no document-level gate)."""
    trig = _triggers(cfg)
    gate = re.compile(f"{trig.pattern}|&") if cfg.unescape_html else trig
    return None if gate.search("\n") else gate


def _repair_all(texts: list[str], cfg: EncodingConfig) -> list[tuple[str, list[str]]]:
    """`repair_line` of every line, skipping the lines it provably returns unchanged.

    Most documents have no "&" and no ftfy trigger character anywhere (one search over the
    whole text); then only a non-ASCII line that is not normalised or may be `is_bad` can
    change, which is what `ftfy_could_change` would say line by line, at a fraction of the cost.
    """
    gate = _document_gate(cfg)
    if gate is None or gate.search("\n".join(texts)):
        return [repair_line(t, cfg) for t in texts]
    norm = cfg.normalization

    def may_change(t: str) -> bool:
        return not t.isascii() and bool((norm and not unicodedata.is_normalized(norm, t))
                                        or (_could_be_bad(t) and _is_bad(t)))

    return [repair_line(t, cfg) if may_change(t) else (t, []) for t in texts]


def fix_encoding(lines: list[Line], cfg: EncodingConfig) -> tuple[list[Line], list[Edit]]:
    """Repair every line; record an `Edit`, naming the fixes that fired, for each changed line."""
    repaired = _repair_all([ln.text for ln in lines], cfg)
    plan = _document_plan(repaired)
    if plan is not None:
        fixed_by_ftfy = [t for t, fired in repaired if any(f.startswith("encode:") for f in fired)]
        known = {c for t in fixed_by_ftfy for c in t if c.isalpha() and not c.isascii()}
        for i, (text, fired) in enumerate(repaired):
            # Also lines ftfy fixed: it may have stopped one layer short in double mojibake.
            fixed = _apply_plan(text, plan, known)
            if fixed is not None:
                again, more = repair_line(fixed, cfg)
                repaired[i] = (again, [*fired, f"{DOCUMENT_PLAN}:{plan}", *(m for m in more if m not in fired)])
    texts = [text for text, _ in repaired]
    # Decided on repaired text: mojibake hides French words and NBSPs hide spaced stops.
    spaced_marks = has_stop_artifacts(texts)
    # French only matters to the rule that `spaced_marks` turns on; skip the word count otherwise.
    french = spaced_marks and is_french(texts)
    # _settle changes nothing on a line no whitespace rule can act on; most documents have none.
    settle = any_needs_work(texts, spaced_marks)
    out: list[Line] = []
    edits: list[Edit] = []
    for ln, (text, fired) in zip(lines, repaired, strict=True):
        fixed, fired = _settle(text, fired, cfg, french, spaced_marks) if settle else (text, fired)
        if fixed != ln.text:
            edits.append(Edit(STAGE, "+".join(fired) or "normalize", ln.start, ln.end, ln.text, fixed))
            out.append(Line(fixed, ln.start, ln.end))
        else:
            out.append(ln)  # unchanged: the same (never mutated) line
    return out, edits
