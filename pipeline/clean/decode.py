"""Bytes to text: BOM sniffing, strict UTF-8, then a charset detector for the rest.

Order of trust: a byte-order mark is a declaration; UTF-16 without a BOM shows itself by its
NUL bytes; bytes that decode as strict UTF-8 are UTF-8 (legacy text practically never forms
valid multi-byte sequences); a file whose lines are partly UTF-8 and partly not was
concatenated from two sources and is decoded line by line. Only the rest goes to the
detector (charset-normalizer), whose candidates are checked for plausibility because its
measure is easily fooled on mostly-ASCII text with a few curly quotes (it picks DOS and Mac
code pages that turn “ ” into ō ö).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

_BOMS = (
    # UTF-32-LE's BOM starts with UTF-16-LE's, so the longer marks are tried first.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The legacy encoding of most of the web's Western text; browsers read "latin-1" as it too.
_WESTERN = "cp1252"


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    confidence: float
    bom: bool
    # Lines read from legacy bytes whose code page the evidence does not settle: two code
    # pages give different, equally plausible text, or none gives plausible text at all.
    unsure: int = 0


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can trust (binary data, NUL bytes)."""


def decode_bytes(raw: bytes) -> Decoded:
    """Decode raw file bytes, saying which encoding was used and how sure we are.

    >>> decode_bytes("Türkiye".encode("utf-8"))
    Decoded(text='Türkiye', encoding='utf-8', confidence=1.0, bom=False, unsure=0)
    >>> decode_bytes(codecs.BOM_UTF8 + b"hi").bom
    True
    >>> decode_bytes("“Dawson’s Creek” — a show".encode("cp1252")).encoding
    'cp1252'
    >>> decode_bytes("Über uns".encode("utf-16-le")).text
    'Über uns'
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return _with_bom(raw[len(bom) :], name)
    if b"\x00" in raw:
        # NULs are valid UTF-8 but never text: ASCII-heavy UTF-16 passes strict UTF-8 as
        # "T\x00h\x00e\x00", so its NUL pattern is checked first.
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            return utf16
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", 1.0, False)
    except UnicodeDecodeError:
        pass
    mixed = _mixed_utf8(raw)
    if mixed is not None:
        return mixed
    return _detect(raw)


def _with_bom(body: bytes, name: str) -> Decoded:
    """Trust the mark; bytes that break it become U+FFFD and lower the confidence."""
    try:
        return Decoded(body.decode(name), name, 1.0, True)
    except UnicodeDecodeError:
        text = body.decode(name, errors="replace")
        broken = text.count("\ufffd")
        return Decoded(text, name, round(max(0.0, 1.0 - 10 * broken / max(1, len(text))), 3), True)


def _utf16_without_bom(raw: bytes) -> Decoded | None:
    """Text in UTF-16 has a NUL in one byte of every ASCII character, never in the other.

    Spaces, digits and newlines put NULs in at least a few per cent of the code units even
    of CJK text; the decoded text must also be free of control characters, so that a short
    binary blob ("ab\\x00\\x01cd") is not read as two CJK characters.

    >>> _utf16_without_bom("plain words".encode("utf-16-be")).encoding
    'utf-16-be'
    >>> _utf16_without_bom(b"plain words") is None
    True
    >>> _utf16_without_bom(b"ab\\x00\\x01cd") is None
    True
    >>> _utf16_without_bom(b"Some text\\x00with a NUL byte\\n") is None
    True
    """
    if len(raw) < 8 or len(raw) % 2:
        return None
    nuls = raw.count(0)
    if nuls < len(raw) // 4 and raw.replace(b"\x00", b"").isascii():
        # ASCII with a few stray NULs (a corrupted text file), not UTF-16: UTF-16 of mostly
        # ASCII text has a NUL in every other byte, and CJK UTF-16 has bytes above 0x7F.
        return None
    units = len(raw) // 2
    even, odd = raw[0::2].count(0) / units, raw[1::2].count(0) / units
    for share_nul, share_other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if share_nul >= 0.05 and share_other == 0:
            try:
                text = raw.decode(name)
            except UnicodeDecodeError:
                return None
            if _CONTROLS.search(text):
                return None
            return Decoded(text, name, round(min(1.0, 0.5 + share_nul), 3), False)
    return None


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ud800-\udfff]")


def _mixed_utf8(raw: bytes) -> Decoded | None:
    """A file whose non-ASCII lines are partly valid UTF-8 and partly not: decode each line
    in its own encoding (UTF-8, else one legacy encoding detected on the failing lines).

    >>> _mixed_utf8("Señor\\n".encode() + "“Señor”".encode("cp1252")).text
    'Señor\\n“Señor”'
    """
    lines = raw.split(b"\n")
    good = bad = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    if not good or not bad:
        return None
    failing = [ln for ln in lines if not _is_utf8(ln)]
    legacy = _detect(b"\n".join(failing))
    texts = iter(legacy.text.split("\n"))
    out = [ln.decode("utf-8") if _is_utf8(ln) else next(texts) for ln in lines]
    return Decoded("\n".join(out), f"utf-8+{legacy.encoding}", legacy.confidence, False, legacy.unsure)


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(raw: bytes) -> Decoded:
    """charset-normalizer's candidates, ranked by how plausible their text is.

    The detector's own measures tie on short, mostly-ASCII text (Spanish in windows-1250
    and windows-1252 score the same; "señor" becomes "seńor"), so each candidate's text is
    scored by `line_score`; windows-1252 is always a candidate when
    the bytes are valid in it, wins remaining ties (the web's Western legacy encoding), and
    the detector's order breaks the rest.
    """
    from charset_normalizer import from_bytes

    candidates: list[tuple[str, str, float]] = []
    for match in from_bytes(raw):
        names = [_canonical(n) for n in [match.encoding, *match.could_be_from_charset]]
        if names[0].startswith(("utf-16", "utf-32")) and b"\x00" not in raw:
            # Real UTF-16/32 text has spaces, digits or newlines, each with a NUL byte.
            continue
        # Identical text under several code pages: name the one the web actually uses.
        name = _WESTERN if _WESTERN in names else names[0]
        candidates.append((name, str(match), round(1.0 - float(match.chaos), 3)))
    if _WESTERN not in {c[0] for c in candidates}:
        try:
            text = raw.decode(_WESTERN)
        except UnicodeDecodeError:
            pass
        else:
            candidates.append((_WESTERN, text, 0.5))
    if not candidates:
        raise UndecodableError("bytes are not text in any known encoding")

    def rank(i: int) -> tuple[int, int, int]:
        name, text, _ = candidates[i]
        return (line_score(text), name != _WESTERN, i)

    name, text, confidence = candidates[min(range(len(candidates)), key=rank)]
    return _line_by_line(raw, name, confidence, [c[0] for c in candidates])


# Single-byte code pages one line of a legacy file may be in when the rest is in another:
# text pasted together from Western, Central European, Cyrillic, Greek and Turkish pages.
_LINE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "koi8_r")
# Below this many non-ASCII bytes the detector has next to nothing to go on.
_LITTLE_EVIDENCE = 24


def _line_by_line(raw: bytes, name: str, confidence: float, candidates: list[str]) -> Decoded:
    r"""Check each non-ASCII line of a file decoded as `name`: a line that reads implausibly
    in it but plausibly in another code page is decoded in that one (files are pasted
    together from several sources), and a line no page settles is counted as unsure.

    >>> d = _line_by_line("déjà vu, l'été\n".encode("cp1252") + "Москва, столица".encode("cp1251"),
    ...                   "cp1252", 0.9, ["cp1252"])
    >>> d.text, d.encoding, d.unsure
    ("déjà vu, l'été\nМосква, столица", 'cp1252+cp1251', 0)
    >>> _line_by_line("Москва".encode("cp1251"), "big5", 0.9, ["big5", "gb18030"]).unsure
    1
    """
    lines = raw.split(b"\n")
    few = sum(len(ln) - len(ln.decode("ascii", "ignore")) for ln in lines) < _LITTLE_EVIDENCE
    pages = list(dict.fromkeys([name, _WESTERN, *candidates, *_LINE_PAGES]))  # ties: as in _detect
    out: list[str] = []
    used: dict[str, int] = {}
    unsure = 0
    for line in lines:
        text = line.decode(name, errors="replace")
        if line.isascii():
            out.append(text)
            continue
        score = line_score(text)
        page = name
        if score or few:
            choice, doubt = _best_page(line, text, score, pages)
            if choice is not None:
                page, text = choice
            unsure += doubt
        used[page] = used.get(page, 0) + 1
        out.append(text)
    pages_used = [name, *sorted((p for p in used if p != name), key=lambda p: (-used[p], p))]
    label = "+".join(p for p in pages_used if p in used) or name
    return Decoded("\n".join(out), label, confidence, False, unsure)


def _best_page(line: bytes, text: str, score: int,
               pages: list[str]) -> tuple[tuple[str, str] | None, int]:
    """((page, text) of a clearly better code page, or None; 1 if the line stays in doubt); a
    line that reads implausibly in every page stays as it is, in doubt."""
    scored: dict[str, tuple[int, str]] = {}  # text -> (score, first page giving it)
    for page in pages:
        try:
            alt = line.decode(page)
        except UnicodeDecodeError:
            continue
        if alt not in scored:
            scored[alt] = (line_score(alt), page)
    if not scored:
        return None, int(score > 0)
    best = min(v for v, _p in scored.values())
    tied = [(p, t) for t, (v, p) in scored.items() if v == best]  # in `pages` order: the detector's first
    # Pages that differ only in accents of one script ("déjà" or "déjŕ") are settled by the
    # detector's order, as for the whole file; pages that give different scripts are not.
    doubt = int(best > 0 or len({_scripts(t) for _p, t in tied} - {frozenset()}) > 1)
    if best < score and not doubt:
        return tied[0], 0
    return None, int(score > 0 or doubt)


def line_score(text: str) -> int:
    """How implausible a line's text is: `implausible`, `foreign_letters` and words that mix
    scripts ("dщclarщ", "na飗e"), which a wrong code page makes and people do not write.

    >>> line_score("Le ministre a déclaré"), line_score("Le ministre a dщclarщ")
    (0, 1)
    """
    return implausible(text) + foreign_letters(text) + mixed_script_words(text)


_WORD = re.compile(r"[^\W\d_]{2,}")
_EAST_ASIAN = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "HALFWIDTH", "FULLWIDTH")


def _script(c: str) -> str:
    head = unicodedata.name(c, "UNKNOWN").split(" ", 1)[0]
    return "CJK" if head.startswith(_EAST_ASIAN) else head


def _scripts(text: str) -> frozenset[str]:
    """The scripts of the non-ASCII letters in words: a lone symbol-like letter ("(Ј10bn)" for
    "(£10bn)") says nothing about the language of the line."""
    return frozenset(_script(c) for m in _WORD.finditer(text) for c in m.group() if not c.isascii())


def mixed_script_words(text: str) -> int:
    """Words whose letters come from more than one script (Japanese kana and kanji count as one).

    >>> mixed_script_words("Москва and Paris"), mixed_script_words("dйclarй na飗e")
    (0, 2)
    >>> mixed_script_words("東京タワーへ")
    0
    """
    count = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if word.isascii():
            continue
        count += len({_script(c) for c in word}) > 1
    return count


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def implausible(text: str) -> int:
    """Count non-ASCII characters in places real text does not put them.

    A wrong single-byte code page shows itself around its non-ASCII characters: a capital
    after a small letter inside a word ("DawsonÆs"), a small letter glued to a capital
    ("ôIn"), a letter standing alone between punctuation and space ("Stars.ö"), a symbol or
    digit inside a word ("by³o", "wi¹cej"), a control or unassigned character, a Greek final
    sigma inside a word (Cyrillic read as Greek: "ρςξλθφΰ").

    >>> implausible("“Dawson’s Creek” — by Łukasz, wąsko")
    0
    >>> implausible("ōDawsonÆs Stars.ö by³o")
    4
    """
    score = 0
    n = len(text)
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        c = m.group()
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        cat = unicodedata.category(c)
        if cat[0] == "L":
            if c == "ς" and nxt.isalpha():  # Greek final sigma, only ever at a word's end
                score += 1
            elif c.isupper() and prev.isalpha() and prev.islower():
                score += 1
            elif c.islower() and nxt.isalpha() and nxt.isupper():
                score += 1
            elif not prev.isalnum() and not nxt.isalnum() and prev not in " \n" and nxt in " \n":
                score += 1
        elif cat[0] == "M":
            score += not prev.isalpha()
        elif cat in ("Cc", "Co", "Cn", "Cs"):
            score += 2
        elif cat[0] in "SN" and prev.isalpha() and nxt.isalpha():
            # Punctuation may join words ("it’s", "Facility—a"); symbols and digits may not.
            score += 1
    return score


# Accented letters of Latin-script languages (both cases are checked via lower()). A wrong
# Western code page mixes alphabets: Spanish read as windows-1250 has "ń" beside "á", Czech
# read as windows-1252 has "ø" and "ì" beside "á", Turkish read as windows-1252 has "ð þ ý".
_ALPHABETS: tuple[frozenset[str], ...] = tuple(
    frozenset(a)
    for a in (
        "àâæçéèêëîïôœùûüÿ",  # French
        "áéíñóúü",  # Spanish
        "áâãàçéêíóôõúü",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "àçèéíïòóúü",  # Catalan
        "äöüßéè",  # German
        "áéíóúèëïöü",  # Dutch
        "åäöéšž",  # Swedish, Finnish
        "æøåéèóôò",  # Danish, Norwegian
        "áðéíóúýþæö",  # Icelandic
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "ăâîșțşţ",  # Romanian
        "čćđšž",  # Croatian, Serbian, Bosnian, Slovene
        "çğıöşüâîû",  # Turkish (İ lower-cases to two code points; the rest decide)
        "äõöüšž",  # Estonian
        "āčēģīķļņšūž",  # Latvian
        "ąčęėįšųūž",  # Lithuanian
        "ëç",  # Albanian
        "ĉĝĥĵŝŭ",  # Esperanto
        "ŵŷâêîôûáéíóúàèìòù",  # Welsh
    )
)
_LATIN_LETTER = re.compile(r"[\u00c0-\u024f]")


def foreign_letters(text: str) -> int:
    """Accented Latin letters outside the one alphabet that covers most of them.

    >>> foreign_letters("El señor García, la economía española")
    0
    >>> foreign_letters("El seńor García, la economía espańola")
    2
    >>> foreign_letters("Правительство одобрило")  # other scripts are the detector's call
    0
    """
    counts: dict[str, int] = {}
    for m in _LATIN_LETTER.finditer(text):
        ch = m.group().lower()
        if ch.isalpha():
            counts[ch] = counts.get(ch, 0) + 1
    if not counts:
        return 0
    total = sum(counts.values())
    return total - max(sum(n for ch, n in counts.items() if ch in alphabet) for alphabet in _ALPHABETS)
