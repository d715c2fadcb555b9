"""The article's own structure: headline, authors and dates found in the lead block.

One pure step, `extract_structure(lines, cfg) -> (lines, Structure)`: the lines the fields
came from leave the text and come back as `Removal`s (stage "structure", `detail.field`), so
the body is what remains and nothing is lost.

How it decides, in order:

1. The lead block is the first `lead_max_lines` non-blank lines, ending a few lines after the
   first paragraph (a line of `paragraph_words` words that ends like a sentence).
2. Date lines: a line of the lead block holding a full date (day, month and year; numeric or
   written out in the configured languages) and little else. Dates are recognised by a small
   pattern and parsed by dateparser, which is only ever called on those substrings. A date
   after "Updated"/"Modified" (and their translations) is `updated`; the first other one is
   `published`. A relative date ("2 hours ago") has no year and is never taken; a numeric
   date whose day/month order neither the date nor another on the page settles is skipped.
3. Bylines: a line opening with a by-marker ("By", "Written by", "Von", "Por", "Par", ...) or a
   line of person-shaped names right beside a date line. Names are split on "and"/","/"&",
   cleaned of roles, credentials and e-mails; an agency or desk ("Reuters", "Staff") goes to
   `credit`.
4. The title: every headline-shaped line of the lead block that no strong boilerplate rule
   names is a candidate, scored on evidence (`TITLE_FEATURES`, weighted by `title_weights`);
   the best one is taken only when its confidence (its share of a softmax over the candidates
   and "no title") reaches `title_min_confidence`. A later line that only repeats the headline
   (a breadcrumb ending in it, a "Share: <headline>" line) is logged as its repeat.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline.clean.boilerplate import match_rule
from pipeline.clean.lineclass import ends_like_sentence
from pipeline.config import BoilerplateRule, StructureConfig
from pipeline.models import Line, Removal

STAGE = "structure"
TITLE_RULE = "article.title@1"
TITLE_REPEAT_RULE = "article.title-repeat@1"
BYLINE_RULE = "article.byline@1"
DATE_RULE = "article.date@1"


@dataclass
class Structure:
    title: Line | None = None
    # Confidence in the best headline candidate, taken or not (None: no candidate).
    title_score: float | None = None
    authors: list[str] = field(default_factory=list)
    credit: str | None = None
    published: str | None = None
    updated: str | None = None
    removals: list[Removal] = field(default_factory=list)


# --- dates --------------------------------------------------------------------------------

# Month names and abbreviations in the languages dateparser is asked to read. They only pick
# out candidate substrings; dateparser does the parsing.
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|jänner|"
    "janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    "janv|févr|avr|juil|déc|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "ene|abr|ago|dic|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|fev|out|dez|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|gen|mag|giu|lug|ott|"
    "januari|februari|maart|mei|augustus|oktober"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|º|°)?\.?"
_YEAR = r"(?:19|20)\d\d"
_MON = rf"(?:{_MONTHS})\.?"
_TIME = (r"(?:(?:\s*[,|@•·–—-]\s*|\s+)(?:at|um|à|a las|às|alle|om|-)?\s*"
         r"(?:[01]?\d|2[0-3])[:.h][0-5]\d(?::[0-5]\d)?\s*(?:[ap]\.?m\.?)?"
         r"(?:\s*(?:[A-Z]{2,5}|(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d\d)?|[+-]\d\d:?\d\d))?)?")
_WRITTEN = (
    # "29 January 2025", "29. Januar 2025", "3 de marzo de 2024", "le 5 mars 2024"
    rf"{_DAY}\s+(?:de\s+)?{_MON},?\s+(?:de\s+|del\s+)?{_YEAR}"
    # "January 29, 2025", "Jan 29th 2025"
    rf"|{_MON}\s+{_DAY},?\s+{_YEAR}"
)
_ISO = r"(?:19|20)\d\d-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-][0-2]\d:?[0-5]\d)?)?"
_YMD = r"(?:19|20)\d\d[./](?:1[0-2]|0?[1-9])[./](?:[12]\d|3[01]|0?[1-9])"
_NUMERIC = r"(?:[0-3]?\d)[./-](?:[0-3]?\d)[./-](?:(?:19|20)\d\d|\d\d)"
_DATE = re.compile(
    rf"(?<![\w.])(?:(?P<iso>{_ISO})|(?P<ymd>{_YMD})|(?P<written>{_WRITTEN})|(?P<numeric>{_NUMERIC}))"
    rf"(?P<time>{_TIME})(?!\w)",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"(updated|modified|revised|last edited|aktualisiert|geändert|mis à jour|mise à jour|actualizado|"
    r"actualización|atualizado|atualização|aggiornato|aggiornamento|bijgewerkt)\W*(on|am|le|el|em|il|op)?\W*$",
    re.IGNORECASE,
)
_ZONE = re.compile(r"(?:\b[A-Z]{2,5}\b|(?:UTC|GMT)\s*[+-]|[+-]\d\d:?\d\d$|Z$)")


@dataclass(frozen=True)
class DateHit:
    start: int
    end: int
    iso: str
    updated: bool


def find_dates(text: str, cfg: StructureConfig, day_first: bool | None = None) -> list[DateHit]:
    """The full dates in one line, parsed, each marked updated or not by the words before it.

    >>> [(h.iso, h.updated) for h in find_dates("August 16, 2019 - Updated July 9, 2025", StructureConfig())]
    [('2019-08-16', False), ('2025-07-09', True)]
    >>> find_dates("3 hours ago", StructureConfig())
    []
    """
    hits: list[DateHit] = []
    prev = 0
    for m in _DATE.finditer(text):
        iso = _parse(m, cfg, day_first)
        if iso is not None:
            hits.append(DateHit(m.start(), m.end(), iso, bool(_UPDATED.search(text[prev:m.start()]))))
        prev = m.end()
    return hits


def numeric_order(texts: Sequence[str]) -> bool | None:
    """True (day first) or False (month first) when a numeric date on the page settles the
    order by a part above 12; None when nothing does.

    >>> numeric_order(["13/04/2024"]), numeric_order(["04/13/2024"]), numeric_order(["03/04/2024"])
    (True, False, None)
    """
    for t in texts:
        for m in re.finditer(rf"(?<![\w.]){_NUMERIC}(?!\w)", t):
            a, b = (int(x) for x in re.split(r"[./-]", m.group())[:2])
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return None


def _parse(m: re.Match[str], cfg: StructureConfig, day_first: bool | None) -> str | None:
    date_part = m.group("iso") or m.group("ymd") or m.group("written") or m.group("numeric")
    order = "YMD" if (m.group("iso") or m.group("ymd")) else None
    if m.group("numeric"):
        a, b = (int(x) for x in re.split(r"[./-]", date_part)[:2])
        if a > 12 >= b:
            order = "DMY"
        elif b > 12 >= a:
            order = "MDY"
        elif a == b:
            order = "DMY"  # same either way
        elif "." in date_part:
            order = "DMY"  # dotted numeric dates are day-first wherever they are written
        elif day_first is not None:
            order = "DMY" if day_first else "MDY"
        else:
            return None  # an ambiguous order the page does not settle: no guess
        if len(re.split(r"[./-]", date_part)[2]) != 4:
            return None  # a two-digit year adds a century guess to the order guess
    timed = m.group("time") or ""
    zoned = bool(timed.strip()) and bool(_ZONE.search(timed.strip()))
    when = _dateparser(date_part + (timed if zoned else ""), order, tuple(cfg.languages))
    if when is None and zoned:
        when = _dateparser(date_part, order, tuple(cfg.languages))
        zoned = False
    if when is None:
        return None
    if zoned and when.tzinfo is not None:
        return when.isoformat(timespec="minutes")
    if m.group("iso") and when.tzinfo is not None and "T" in date_part:
        return when.isoformat(timespec="minutes")
    return when.date().isoformat()


@lru_cache(maxsize=4096)
def _dateparser(text: str, order: str | None, languages: tuple[str, ...]) -> Any:
    """dateparser on one candidate substring (cached: bylines repeat across a site's pages)."""
    return _parser(order, languages).get_date_data(text).date_obj


@lru_cache(maxsize=16)
def _parser(order: str | None, languages: tuple[str, ...]) -> Any:
    # Imported here: dateparser costs ~0.5 s to import, which a run that never reaches this
    # stage (a config check, `show`) should not pay.
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"}
    if order:
        settings["DATE_ORDER"] = order
    return DateDataParser(languages=list(languages), settings=settings)


# --- bylines ------------------------------------------------------------------------------

_BY = re.compile(
    r"^\W{0,2}(?:(?:written|posted|words|story|text|reporting|photos? and words) by|by|von|par|por|di|door|"
    r"av|af|de|oleh|autor(?:a|in)?|author|auteur|texto|texte|text)(?:\s*:\s*|\s+|(?=(?-i:[A-ZÀ-Ý])))",
    re.IGNORECASE,
)
_MARKER_ONLY = {"by", "von", "par", "por", "di", "door", "av", "af", "de", "autor", "author"}
_AGENCIES = re.compile(
    r"^(?:the )?(?:associated press|ap|reuters|afp|agence france-presse|bloomberg(?: news)?|dpa|efe|ansa|"
    r"pti|ani|ians|xinhua|upi|cnn|bbc(?: news)?|press trust of india|news agencies|wire services|agencies|"
    r"staff|staff reports?|staff writers?|editorial (?:staff|team|board)|newsroom|admin|administrator|"
    r"[\w .&'’-]{1,40} (?:staff|team|desk|newsroom|editors|editorial)|(?:news|web|city|sports|metro) desk)$",
    re.IGNORECASE,
)
_ROLE_WORDS = frozenset("""
writer editor reporter correspondent columnist contributor analyst producer director manager chief
head founder co-founder cofounder ceo cto cfo vp president officer staff senior junior associate
assistant contributing freelance guest author journalist photographer intern fellow professor
specialist expert consultant coach lead principal partner owner team desk technology marketing
fact checked reviewed edited verified tested medically photo photos image images illustration source
""".split())
# Post-nominal credentials: never part of a name.
_CREDENTIALS = re.compile(r"^(?:[A-Z]{2,6}|Ph\.?D\.?|M\.?D\.?|R\.?D\.?N?|M\.?S\.?|M\.?A\.?|B\.?A\.?|Jr\.?|Sr\.?|"
                          r"Esq\.?|[A-Z]\.[A-Z]\.?)$")
_PARTICLES = frozenset("de da di del della der den van von la le du dos das bin bint al el ibn ter ten y".split())
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bog\b|\boch\b)\s*")
# Where a byline's names end: a date keyword, a separator before an outlet, a date.
_NAME_END = re.compile(
    r"(?:\s*[|•·/–—]\s*|\s+-\s+|\s*\b(?:published|updated|posted|last updated|modified|on|in|am|le|el|em|il|"
    r"op|veröffentlicht|publié|publicado|pubblicato|gepubliceerd)\b\s*:?|\s+\d+\s+min(?:ute)?s?\s+read)",
    re.IGNORECASE,
)
# Words a scraper glued together when it dropped the markup between them: "By Jane
# DoePublished: Jan 29", "By Gabby BoucherIn Travel", "ByKathryn GiuffridaMar 5, 2025",
# "2025January 22, 2025", "20228:23 PM".
_GLUED = re.compile(r"(?<=[a-z])(?=(?:Published|Updated|Posted|Last [Uu]pdated|Modified|Senior|Staff|"
                    r"Contributor|Editor|Writer|Reporter|In|On)\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
                    r"Nov|Dec)[a-z]*\.? \d)|(?<=\b(?:19|20)\d\d)(?=[A-Za-z]|\d{1,2}:\d\d)")
_BY_INSIDE = re.compile(r"(?:^|[\s|•·,])(?:by|von|par|por)\s*:?\s*(?=(?-i:[A-ZÀ-Ý]))", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")


def is_person_name(text: str, single: bool = False) -> bool:
    """Capitalised words shaped like a person's name (particles and initials allowed).

    >>> is_person_name("Danielle DeSiato"), is_person_name("Senior Analyst"), is_person_name("the team")
    (True, False, False)
    >>> is_person_name("José María de la Fuente"), is_person_name("Reuters")
    (True, False)
    """
    words = text.split()
    if not words or len(words) > 5 or (len(words) == 1 and not single):
        return False
    caps = 0
    for w in words:
        bare = w.strip(".,'’")
        if bare.lower() in _PARTICLES and caps:
            continue
        if bare.lower() in _ROLE_WORDS or not bare or not bare[0].isupper():
            return False
        if not all(c.isalpha() or c in ".-'’" for c in bare) or (len(bare) > 1 and bare.isalpha() and bare.isupper()):
            return False  # "USA TODAY" after a name is the outlet
        if re.search(r"['’][a-z]", bare):
            return False  # "I'm", "Didn't": a contraction, where O'Brien has a capital
        caps += 1
    return caps >= (1 if single else 2) and not _AGENCIES.match(text)


def _name_prefix(piece: str) -> str | None:
    """The longest run of two or more words at the start of `piece` that reads as a name.

    >>> _name_prefix("Kathryn Giuffrida 6 comments"), _name_prefix("the team")
    ('Kathryn Giuffrida', None)
    """
    words = piece.split()
    for n in range(min(len(words), 5), 1, -1):
        # What trails a name is a count, a role or an outlet, never a sentence.
        if len(words) - n <= 3 and is_person_name(" ".join(words[:n])):
            return " ".join(words[:n])
    return None


def parse_byline(text: str, marked: bool) -> tuple[list[str], str | None]:
    """(person names, agency/desk credit) of one byline; `marked` when it opened with "By" etc.

    >>> parse_byline("Danielle DeSiato, Donna Enzmann, and Natalie Nguyen", True)
    (['Danielle DeSiato', 'Donna Enzmann', 'Natalie Nguyen'], None)
    >>> parse_byline("Jane Doe | Reuters", True)
    (['Jane Doe'], 'Reuters')
    >>> parse_byline("Reuters", True)
    ([], 'Reuters')
    >>> parse_byline("Sean Peek, Senior Analyst", True)
    (['Sean Peek'], None)
    """
    text = _EMAIL.sub(" ", text)
    m = _NAME_END.search(text)
    names_part, rest = (text[: m.start()], text[m.end():]) if m else (text, "")
    names: list[str] = []
    credit: str | None = None
    for piece in _NAME_SPLIT.split(names_part):
        piece = piece.strip(" .,:;-–—()")
        if not piece:
            continue
        if _AGENCIES.match(piece):
            credit = credit or piece
        elif _CREDENTIALS.match(piece):
            continue
        elif is_person_name(piece, single=marked):
            names.append(piece)
        elif head := _name_prefix(piece):
            names.append(head)  # "Kathryn Giuffrida 6 comments": the name, not what trails it
    if credit is None:
        tail = rest.strip(" .,:;-–—()|")
        if tail and _AGENCIES.match(tail):
            credit = tail
    return names, credit


# --- titles -------------------------------------------------------------------------------

_SENTENCE_END = (".", ":", ";", ",")
_STOP = frozenset("""
the a an and or of to in on for with at by from as is are was be this that these those it its your you
how what why when who which will can our we their they not but more most about into over than all new
der die das und den dem des ein eine ist mit von für auf les des une est pour dans avec sur par los las
el del con por para una que
""".split())


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2 and w not in _STOP]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[‘’‚‛′`´]", "'", text)
    text = re.sub(r"[“”„‟″]", '"', text)
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    return " ".join(text.split())


def headline_shaped(text: str, cfg: StructureConfig) -> bool:
    """A line that could be a headline: few words, letters, not ending like a sentence clause.

    >>> headline_shaped("These are the best major appliances of 2025", StructureConfig())
    True
    >>> headline_shaped("Funny enough, buying a new appliance can bring on dread.", StructureConfig())
    False
    """
    words = text.split()
    if not cfg.title_min_words <= len(words) <= cfg.title_max_words:
        return False
    stripped = text.rstrip()
    if stripped.endswith(_SENTENCE_END) and not stripped.endswith(("..", "Inc.", "Co.", "U.S.")):
        return False
    return sum(c.isalpha() for c in text) >= 0.5 * len(text.replace(" ", ""))


def _is_paragraph(text: str, cfg: StructureConfig) -> bool:
    words = len(text.split())
    return words >= cfg.paragraph_words and (text.rstrip().endswith((".", "!", "?", "…", '"', "”", ")"))
                                             or words >= 2 * cfg.paragraph_words)


# --- the stage ----------------------------------------------------------------------------

@dataclass
class _Meta:
    kind: str  # "date" or "byline"
    names: list[str]
    credit: str | None
    dates: list[DateHit]


def _meta(text: str, cfg: StructureConfig, day_first: bool | None) -> _Meta | None:
    """What a lead line holds when it is a byline or date line; None for anything else."""
    words = text.split()
    if not words or len(words) > cfg.meta_max_words:
        return None
    line = _GLUED.sub(" ", text.strip())
    dates = find_dates(line, cfg, day_first)
    by = _BY.match(line)
    marked = by is not None and by.end() < len(line)
    if by and line[: by.end()].strip(" :").casefold() in ("de", "di", "text", "texte", "texto") and not dates:
        marked = False  # "de"/"di" open sentences and place names too; only with a date beside them
    rest = line
    for h in reversed(dates):
        rest = rest[: h.start] + " " + rest[h.end:]
    if marked and ends_like_sentence(rest) and len(rest.split()) > 8:
        marked = False  # "By" on its own line above a sentence: the sentence is no byline
    if marked:
        names, credit = parse_byline(rest[by.end():] if by else rest, True)
        if names or credit:
            return _Meta("byline", names, credit, dates)
    if dates:
        # A date line holds little beside the date: a keyword, a name, a reading time.
        inside = _BY_INSIDE.search(rest)
        if inside:
            names, credit = parse_byline(rest[inside.end():], True)
            if names or credit:
                return _Meta("byline", names, credit, dates)
        other = _NAME_END.sub(" ", rest)
        names, credit = parse_byline(other.strip(), False) if other.strip() else ([], None)
        leftover = len(re.findall(r"[^\W\d_]{2,}", other))
        if leftover <= cfg.meta_max_other_words or names:
            return _Meta("date", names, credit, dates)
    return None


# A byline or date label standing alone on its line, its value on the next ("By" / "Sara
# Brown", "Last updated" / "Aug 04, 2025").
_LABEL_ONLY = re.compile(
    r"^\W{0,2}(?:(?:written|posted|words|story|text) by|by|von|par|por|author|autor|auteur|"
    r"(?:first |last )?(?:published|updated|update|posted|modified|date|publié|publicado|veröffentlicht|"
    r"aktualisiert|mis à jour|actualizado|atualizado|pubblicato|aggiornato)(?: on| am| le| el| em| il)?)\s*:?$",
    re.IGNORECASE,
)


@dataclass
class Lead:
    """What the lead block is made of: non-blank line indices, the lead block, the first
    paragraph (as a rank in `idx`), and the byline/date lines found in it."""

    idx: list[int]
    lead: list[int]
    first_para: int
    metas: dict[int, _Meta]


def lead_block(lines: list[Line], cfg: StructureConfig) -> Lead:
    idx = [i for i, ln in enumerate(lines) if not ln.blank]
    texts = {i: lines[i].text.strip() for i in idx}
    first_para = next((k for k, i in enumerate(idx) if _is_paragraph(texts[i], cfg)), len(idx))
    lead = idx[: min(first_para + cfg.after_paragraph_lines + 1, cfg.lead_max_lines, len(idx))]
    day_first = numeric_order([texts[i] for i in lead])

    metas: dict[int, _Meta] = {}
    for k, i in enumerate(lead):
        if i in metas:
            continue
        if _LABEL_ONLY.match(texts[i]) and k + 1 < len(lead) and not ends_like_sentence(texts[lead[k + 1]]):
            nxt = lead[k + 1]
            m = _meta(texts[i].rstrip(": ") + " " + texts[nxt], cfg, day_first)
            if m is not None:
                metas[i] = _Meta(m.kind, [], None, [])
                metas[nxt] = m
            continue
        m = _meta(texts[i], cfg, day_first)
        if m is not None:
            metas[i] = m
    # An unmarked line of names is a byline only right beside a date line or a marked byline,
    # and only when none of its words is written in lower case elsewhere on the page: "Top
    # Weight Loss Medications" is capitalised like a name, but the body says "weight loss".
    lower = {w for i in idx[: cfg.body_lines + len(lead)] for w in re.findall(r"(?<![\w'’])[^\W\d_A-Z]\w+",
                                                                       texts[i]) if w[:1].islower()}
    for k, i in enumerate(lead):
        if i in metas or _is_paragraph(texts[i], cfg) or texts[i].endswith((":", "?", "!")):
            continue  # a label ("Too Long; Didn't Read:") or a question is no line of names
        # Beside: within two lines, with no paragraph between (a name under the lede is a caption).
        near = [q for q in range(max(0, k - 2), min(len(lead), k + 3)) if q != k and lead[q] in metas]
        if not any(not any(_is_paragraph(texts[lead[b]], cfg) for b in range(min(q, k) + 1, max(q, k)))
                   for q in near):
            continue
        line = _GLUED.sub(" ", texts[i])
        by = _BY.match(line)  # "Di Marco Rossi": a marker only trusted beside a date
        names, credit = parse_byline(line[by.end():] if by else line, False)
        names = [n for n in names if len(n.split()) <= 3 and not any(
            w.casefold() in lower for w in n.split() if w.casefold() not in _PARTICLES)]
        if (names or credit) and sum(len(n.split()) for n in names) + len((credit or "").split()) >= len(
                texts[i].split()) - 4:
            metas[i] = _Meta("byline", names, credit, [])
    return Lead(idx, lead, first_para, metas)


def extract_structure(lines: list[Line], cfg: StructureConfig,
                      rules: Sequence[BoilerplateRule] = ()) -> tuple[list[Line], Structure]:
    """Find the headline, byline and dates in the lead block; their lines leave `lines`.

    `rules` are the boilerplate rules: a line one of them names is page furniture, evidence
    against it being the headline."""
    out = Structure()
    block = lead_block(lines, cfg)
    if not block.idx:
        return lines, out
    metas = block.metas
    taken: dict[int, tuple[str, str]] = {}
    for i in sorted(metas):
        m = metas[i]
        for h in m.dates:
            if h.updated:
                out.updated = out.updated or h.iso
            else:
                out.published = out.published or h.iso
        for n in m.names:
            if n not in out.authors:
                out.authors.append(n)
        out.credit = out.credit or m.credit
        gave = (["authors"] if m.names else []) + (["credit"] if m.credit else []) + sorted(
            {"updated" if h.updated else "published" for h in m.dates}, key=("published", "updated").index)
        # A label line ("By", "Last updated") gives nothing itself: it goes with its value below.
        taken[i] = (DATE_RULE if m.kind == "date" else BYLINE_RULE, ",".join(gave) or "label")

    best = _pick_title(lines, block.idx, block.lead, block.first_para, metas, cfg, rules)
    out.title_score = best[0] if best else None
    title_at = best[1] if best and best[0] >= cfg.title_min_confidence else None
    if title_at is not None and not any(i != title_at and i not in taken for i in block.idx):
        title_at = None  # a headline over nothing: the line is the text, not a title
    if title_at is not None:
        out.title = lines[title_at]
        key = _fold(lines[title_at].text.strip())
        for i in block.idx:
            if i == title_at or i in taken or len(lines[i].text) > 3 * len(key) + 200:
                continue
            if _repeats_title(_fold(lines[i].text.strip()), key):
                taken[i] = (TITLE_REPEAT_RULE, "title")
        taken[title_at] = (TITLE_RULE, "title")

    for i in sorted(taken):
        rule, gave = taken[i]
        detail: dict[str, Any] = {"field": gave.split(",")[0]}
        if "," in gave:
            detail["fields"] = gave.split(",")  # a byline with its date: "By A, Jan 29, 2025"
        out.removals.append(Removal(STAGE, rule, lines[i].text, lines[i].start, lines[i].end, detail))
    kept = [ln for i, ln in enumerate(lines) if i not in taken]
    return kept, out


def _repeats_title(text: str, title: str) -> bool:
    """A line that only repeats the headline: the same, or a breadcrumb/share line ending in it.

    >>> _repeats_title("home / blog / the headline here", "the headline here")
    True
    >>> _repeats_title("why the headline here matters to us all", "the headline here")
    False
    """
    if text == title:
        return True
    if not text.endswith(title):
        return False
    head = text[: -len(title)].rstrip()
    return bool(head) and (head[-1] in ">/»|:›" ) and len(head.split()) <= 12


# The evidence a headline candidate is scored on, in the order of `title_weights`. Each is
# one thing the issue names: the line's shape, its place just above the byline/date or the
# first paragraph, its words recurring in the body, a repeat of it further down; and what
# marks a kicker, a standfirst, a caption or a menu instead.
TITLE_FEATURES = (
    "bias",            # 1 for every candidate
    "words3",          # at least three words (one or two are section labels and kickers)
    "words_long",      # more than 18 words: a standfirst more often than a headline
    "lower_start",     # starts with a lower-case letter
    "title_case",      # share of the longer words that are capitalised
    "meta_below",      # a byline/date line directly below
    "meta_below2",     # one line further down
    "meta_above",      # a byline/date line within two lines above
    "para_below",      # the first paragraph directly below (or below the byline under it)
    "top_blank",       # the first line, alone before a blank line (how block-keeping scrapers
                       # write a headline)
    "body_overlap",    # share of its words that recur in the body
    "repeated",        # repeated further down (breadcrumb, share line)
    "label",           # "Credit: ...", "Photo: ...": a short label and colon
    "menu",            # several " | " or " / " separators: navigation
    "first",           # the first candidate of the lead block
    "under_candidate", # right under another candidate of 3+ words: a standfirst under a headline
    "question",        # ends with "?" or "!"
    "after_para",      # below the first paragraph: a subheading more often than the headline
    "numbered",        # "1. ...", "Step 2: ...": a list item or section heading
    "inner_sentence",  # a sentence ends inside it ("... motivation. Boost ..."): a standfirst
    "furniture",       # a weak boilerplate rule names it (a strong one rules the line out)
    "all_caps",        # written in capitals: a kicker, a section label or a promo
)


def _pick_title(lines: list[Line], idx: list[int], lead: list[int], first_para: int,
                metas: dict[int, _Meta], cfg: StructureConfig,
                rules: Sequence[BoilerplateRule] = ()) -> tuple[float, int] | None:
    """(confidence, line index) of the best headline candidate, or None without candidates.

    The confidence is the candidate's share of a softmax over every candidate and "no title"
    (score 0): a page with two equally good candidates is not sure of either."""
    scored = _title_candidates(lines, idx, lead, first_para, metas, cfg, rules)
    if not scored:
        return None
    top = max(score for score, _ in scored)
    best = next(i for score, i in scored if score == top)
    # Shifted by the top score so exp() never overflows, whatever the weights.
    total = math.exp(-top) + sum(math.exp(score - top) for score, _ in scored)
    return 1.0 / total, best


def title_features(lines: list[Line], idx: list[int], lead: list[int], first_para: int,
                   metas: dict[int, _Meta], cfg: StructureConfig,
                   rules: Sequence[BoilerplateRule] = ()) -> list[tuple[int, list[float]]]:
    """(line index, feature vector in TITLE_FEATURES order) of every headline candidate; a
    line repeating an earlier candidate is not scored again (the first is the headline)."""
    body_words: set[str] = set()
    for i in idx[first_para: first_para + cfg.body_lines]:
        body_words.update(_words(lines[i].text))
    folded = [_fold(lines[j].text.strip()) for j in idx[: cfg.repeat_lines]]
    copied = _in_copied_block(folded)
    out: list[tuple[int, list[float]]] = []
    prev_cand = -2
    seen: set[str] = set()
    for k, i in enumerate(lead):
        if i in metas:
            continue
        text = lines[i].text.strip()
        if k == first_para or not headline_shaped(text, cfg) or _fold(text) in seen or (k > 0 and k in copied):
            # A line that comes back later with a neighbour of it (a body pasted twice) is a
            # subheading of that body: a headline repeated on its page comes back alone
            # (a breadcrumb, a share line), or as the first line of a whole page pasted twice.
            continue
        rule = match_rule(rules, text) if rules else None
        if rule is not None and rule.strength == "strong":
            continue  # a line a strong boilerplate rule names is page furniture, never the headline
        seen.add(_fold(text))
        words = text.split()
        longer = [w for w in words if len(w) > 3]
        below = lead[k + 1: k + 3]
        key = _fold(text)
        own = set(_words(text))
        f = {
            "bias": 1.0,
            "words3": float(len(words) >= 3),
            "words_long": float(len(words) > 18),
            "lower_start": float(words[0][:1].islower()),
            "title_case": sum(w[:1].isupper() for w in longer) / len(longer) if longer else 0.0,
            "meta_below": float(bool(below) and below[0] in metas),
            "meta_below2": float(len(below) > 1 and below[1] in metas),
            "meta_above": float(any(j in metas for j in lead[max(0, k - 2): k])),
            "para_below": float(k + 1 == first_para or (bool(below) and below[0] in metas and k + 2 == first_para)),
            "top_blank": float(k == 0 and i + 1 < len(lines) and lines[i + 1].blank),
            "body_overlap": len(own & body_words) / len(own) if own else 0.0,
            "repeated": float(len(words) >= 3 and sum(_repeats_title(x, key) for x in folded) >= 2),
            "label": float(bool(re.match(r"^[^\s:]+(?:\s[^\s:]+){0,2}:\s", text)) and len(words) <= 8),
            "menu": float(len(re.findall(r"\s[|»>/•·›]\s", text)) >= 2),
            "first": float(not out),
            "under_candidate": float(prev_cand == k - 1),
            "question": float(text.endswith(("?", "!"))),
            "after_para": float(k > first_para),
            "numbered": float(bool(re.match(r"^(?:#?\d{1,2}[.):]|(?:step|part|chapter|tip) \d+\b)", text,
                                            re.IGNORECASE))),
            "inner_sentence": float(bool(re.search(r"\w[.!?] [A-Z]", text))),
            "furniture": float(rule is not None),
            "all_caps": float(text.upper() == text and any(c.isalpha() for c in text) and text.lower() != text),
        }
        if len(words) >= 3:
            prev_cand = k
        out.append((i, [f[name] for name in TITLE_FEATURES]))
    return out


def _in_copied_block(folded: list[str]) -> set[int]:
    """Positions of lines that occur again further down next to the same neighbour (above
    or below) as here: parts of a block that the page holds twice.

    >>> sorted(_in_copied_block(["p1", "sub", "p2", "x", "p1", "sub", "p2", "sub"]))
    [0, 1, 2]
    """
    at: dict[str, list[int]] = {}
    for n, text in enumerate(folded):
        at.setdefault(text, []).append(n)
    out = set()
    for n, text in enumerate(folded):
        for m in at[text]:
            if m > n and ((n > 0 and folded[m - 1] == folded[n - 1])
                          or (m + 1 < len(folded) and n + 1 < len(folded) and folded[m + 1] == folded[n + 1])):
                out.add(n)
                break
    return out


def _title_candidates(lines: list[Line], idx: list[int], lead: list[int], first_para: int,
                      metas: dict[int, _Meta], cfg: StructureConfig,
                      rules: Sequence[BoilerplateRule]) -> list[tuple[float, int]]:
    weights = cfg.title_weights
    return [(sum(w * x for w, x in zip(weights, feats, strict=True)), i)
            for i, feats in title_features(lines, idx, lead, first_para, metas, cfg, rules)]
