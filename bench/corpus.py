"""Deterministic benchmark corpora: realistic scraped articles, built offline from a seed.

Text comes from a word-bigram model trained on the sentences of the project's seeds (and, when
present, the development eval inputs beside the project), so paragraphs look like news prose
with its punctuation, curly quotes and names, without copying any article. Every document is
generated from its own seeded random stream, so corpus N is a prefix of any larger corpus:
the 10k corpus is the first 10,000 documents of the 100k one, which is what makes time per
document comparable across sizes.

What a document holds, in the shares the issue asks for:
- a headline, sometimes a byline or share bar, 3-6 KB of paragraphs, inline promotions;
- trailers: "You may also like" + headlines, comment forms, footers;
- blocks pasted twice (a paragraph run again, or the whole body again);
- about 5% mojibake (whole document or some paragraphs), plus a few files saved as
  Windows-1252, UTF-16 or UTF-8 with BOM, CRLF line ends, HTML entities and NBSPs;
- about 10% near-copies of an earlier document (dateline added, last paragraph dropped,
  words edited, other site's trailer).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-windows-1252 codec used for mojibake

# Bump when the generator changes so cached corpora are rebuilt.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20240514
# Sentence material. The eval inputs are optional: when absent the seeds alone are used, and
# the material digest recorded with the corpus says which one a result was measured on.
MATERIAL_GLOBS = ("seeds/*.txt", "../shared/eval/dev/*/input/*.txt", "../shared/eval/dev/*/input/**/*.txt")
POOL_SENTENCES = 60_000
PER_FOLDER = 1000  # files per sub-folder: 100 folders at 100k rather than one huge directory

_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")
_WORDISH = re.compile(r"^[\w“”‘’\"'(),.:;!?$%€£–—-]+$")

FIRST_NAMES = ("Ayşe", "José", "Zoë", "Mehmet", "Anna", "James", "Priya", "Chloé", "Lukas", "Sofia",
               "Ahmed", "Björn", "Maria", "David", "Nguyễn", "Olga", "Samuel", "Fatima", "Noah", "Élodie")
LAST_NAMES = ("Yılmaz", "García", "Müller", "Smith", "Kowalski", "Dubois", "Rossi", "Okafor", "Sato",
              "Johansson", "Novák", "Ramírez", "Brown", "Hernández", "Søren", "Kaya", "Lee", "Wójcik")
SITES = ("The Daily Ledger", "Metro Wire", "Harbour Times", "Northern Post", "Capital Dispatch",
         "Valley Courier", "Global Desk", "City Chronicle", "Coastal Herald", "Evening Standard-Bearer")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SHARE_BARS = ("Share this article", "Share on Facebook Share on Twitter Share on WhatsApp",
              "Facebook Twitter LinkedIn Email Print", "Follow us on Google News")
TRAILER_HEADINGS = ("You may also like", "You might also like", "Related Articles", "More from this section",
                    "Recommended for you", "Most Read", "Trending Now")
COMMENT_FORMS = (
    ("Leave a Reply", "Cancel reply", "Please enter your comment!", "Please enter your name here",
     "You have entered an incorrect email address!", "Please enter your email address here",
     "Save my name, email, and website in this browser for the next time I comment."),
    ("Leave a comment", "Your email address will not be published. Required fields are marked *",
     "Comment *", "Name *", "Email *", "Website", "Post Comment"),
    ("Post a comment", "0 Comments", "Log in to comment", "Sign up for our newsletter",
     "Subscribe"),
)
FOOTERS = ("© {year} {site}. All rights reserved.", "Copyright {year} {site} | Privacy Policy | Terms of Use",
           "{site} - Contact us - Advertise - About", "Subscribe to our newsletter for the latest news.")
INLINE_PROMOS = ("Also Read: {h}", "READ MORE: {h}", "Related: {h}", "See also – {h}", "Read also: {h}")
CAPTIONS = ("Photo: {site}", "(Photo by {name}/{site})", "Image credit: {site}", "Advertisement")


def material_files(root: Path) -> list[Path]:
    """Sorted sentence-material files below `root` (the project folder); order is fixed."""
    found: set[Path] = set()
    for pattern in MATERIAL_GLOBS:
        found.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(found, key=lambda p: p.resolve().as_posix())


def load_sentences(files: Iterable[Path]) -> tuple[list[str], str]:
    """Sentences of every file that is clean UTF-8, and a digest of the material used.

    Files that are not strict UTF-8 or that carry mojibake would teach the model broken
    characters; the generator adds its own encoding accidents, in known shares.
    """
    sentences: list[str] = []
    h = hashlib.sha256()
    for path in files:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if "\ufeff" in text or "Ã" in text or "â€" in text or "\r" in text or "&#" in text:
            continue
        h.update(hashlib.sha256(raw).digest())
        for line in text.split("\n"):
            line = " ".join(line.split())
            if len(line.split()) < 8:  # headings, bylines, junk lines: not prose
                continue
            sentences.extend(s for s in _SENTENCE_END.split(line) if len(s.split()) >= 5)
    return sentences, h.hexdigest()[:16]


class TextModel:
    """Order-1 word bigram model: plausible prose with real punctuation, never a real article."""

    def __init__(self, sentences: list[str]) -> None:
        self.starts: list[str] = []
        self.next: dict[str, list[str]] = {}
        for s in sentences:
            toks = [t for t in s.split() if _WORDISH.match(t)]
            if len(toks) < 5:
                continue
            self.starts.append(toks[0])
            for a, b in zip(toks, toks[1:], strict=False):
                self.next.setdefault(a, []).append(b)
            self.next.setdefault(toks[-1], []).append("")  # "" ends a sentence
        if not self.starts:
            raise ValueError("no sentence material found (need seeds/*.txt)")

    def sentence(self, rng: random.Random, max_words: int = 40) -> str:
        word = rng.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            nxt = self.next.get(word)
            if not nxt:
                break
            word = rng.choice(nxt)
            if not word:
                break
            out.append(word)
        text = " ".join(out)
        if len(out) < 6:
            return ""
        return text if text[-1] in ".!?”\"" else text.rstrip(",;:–—-") + "."


class Generator:
    """Builds document `i` of the corpus from its own random stream (prefix-stable)."""

    def __init__(self, project_root: Path, seed: int = DEFAULT_SEED) -> None:
        sentences, self.material_digest = load_sentences(material_files(project_root))
        self.material_sentences = len(sentences)
        self.seed = seed
        model = TextModel(sentences)
        rng = random.Random(f"pool:{seed}")
        pool: list[str] = []
        while len(pool) < POOL_SENTENCES:
            s = model.sentence(rng)
            if s:
                pool.append(s)
        self.pool = pool
        self.headlines = [self._headline(random.Random(f"headline:{seed}:{k}")) for k in range(5000)]

    def _headline(self, rng: random.Random) -> str:
        words = rng.choice(self.pool).rstrip(".!?”\"").split()
        start = rng.randrange(0, max(1, len(words) - 6))
        head = words[start : start + rng.randint(5, 11)]
        return " ".join(w.strip(",;:“”\"") for w in head).strip().capitalize() or "News"

    def _name(self, rng: random.Random) -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    def article(self, j: int) -> tuple[str, list[str]]:
        """Headline and body paragraphs of original article j (3-6 KB including junk)."""
        rng = random.Random(f"article:{self.seed}:{j}")
        target = rng.randint(2600, 5200)
        paras: list[str] = []
        size = 0
        while size < target:
            para = " ".join(self.pool[rng.randrange(len(self.pool))] for _ in range(rng.randint(2, 5)))
            paras.append(para)
            size += len(para.encode("utf-8")) + 1
        return rng.choice(self.headlines), paras

    def document(self, i: int) -> tuple[str, bytes, dict[str, object]]:
        """(relative path, file bytes, what was put in) for document i."""
        rng = random.Random(f"doc:{self.seed}:{i}")
        info: dict[str, object] = {}
        site = rng.choice(SITES)
        if i > 0 and rng.random() < 0.10:
            src = rng.randrange(max(0, i - 5000), i)
            headline, paras = self.article(src)
            paras = self._near_copy(rng, paras, site)
            info["near_copy_of"] = src
        else:
            headline, paras = self.article(i)
        lines: list[str] = [headline, ""]
        if rng.random() < 0.4:
            lines.append(f"By {self._name(rng)} | {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2019, 2025)}")
        if rng.random() < 0.3:
            lines.append(rng.choice(SHARE_BARS))
        body = list(paras)
        if rng.random() < 0.5:  # inline promotion and captions between paragraphs
            body.insert(rng.randint(1, len(body)), rng.choice(INLINE_PROMOS).format(h=rng.choice(self.headlines)))
        if rng.random() < 0.3:
            cap = rng.choice(CAPTIONS).format(site=site, name=self._name(rng))
            body.insert(rng.randint(1, len(body)), cap)
        r = rng.random()
        if r < 0.04:  # whole body pasted again (a scraper joined two renderings)
            body = body + body
            info["repeat"] = "whole"
        elif r < 0.12:  # a run of paragraphs pasted again further down
            a = rng.randrange(len(body))
            b = min(len(body), a + rng.randint(1, 3))
            at = rng.randint(b, len(body))
            body = body[:at] + body[a:b] + body[at:]
            info["repeat"] = "block"
        blank_between = rng.random() < 0.5
        for para in body:
            lines.append(para)
            if blank_between:
                lines.append("")
        if rng.random() < 0.5:
            lines += [rng.choice(TRAILER_HEADINGS)] + [rng.choice(self.headlines) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.3:
            lines += list(rng.choice(COMMENT_FORMS))
        if rng.random() < 0.4:
            lines.append(rng.choice(FOOTERS).format(year=rng.randint(2019, 2025), site=site))
        text = "\n".join(lines) + "\n"
        text, enc = self._accidents(rng, text, info)
        rel = f"s{i // PER_FOLDER:03d}/{i:06d}.txt"
        return rel, enc, info

    def _near_copy(self, rng: random.Random, paras: list[str], site: str) -> list[str]:
        """A syndicated copy: a dateline, a dropped last paragraph, a few words edited."""
        out = list(paras)
        if rng.random() < 0.5:
            out[0] = f"{rng.choice(('LONDON', 'ANKARA', 'WASHINGTON', 'PARIS', 'TOKYO'))} ({site}) — {out[0]}"
        if len(out) > 3 and rng.random() < 0.5:
            out = out[:-1]
        for _ in range(rng.randint(0, 4)):
            k = rng.randrange(len(out))
            words = out[k].split()
            w = rng.randrange(len(words))
            words[w] = rng.choice(("reportedly", "officials", "this week", "on Tuesday", "however"))
            out[k] = " ".join(words)
        if rng.random() < 0.3:
            out.insert(rng.randint(1, len(out)), f"(Editor’s note: this story was updated by {site}.)")
        return out

    def _accidents(self, rng: random.Random, text: str, info: dict[str, object]) -> tuple[str, bytes]:
        """Encoding accidents in fixed shares; returns the text and the bytes written."""
        r = rng.random()
        if r < 0.025:  # the whole file read as Windows-1252 and saved again as UTF-8
            text = text.encode("utf-8").decode("sloppy-windows-1252")
            info["encoding"] = "mojibake-whole"
        elif r < 0.05:  # only some paragraphs (a template joined text from two sources)
            parts = text.split("\n")
            for k in range(len(parts)):
                if rng.random() < 0.3:
                    parts[k] = parts[k].encode("utf-8").decode("sloppy-windows-1252")
            text = "\n".join(parts)
            info["encoding"] = "mojibake-some"
        elif r < 0.07:
            text = text.replace("&", "&amp;").replace(" — ", " &mdash; ").replace("’", "&#8217;", 3)
            info["encoding"] = "entities"
        elif r < 0.09:
            text = text.replace(". ", ".\u00a0", 5).replace(" ", "\u200b ", 2).replace("tion", "ti\u00adon", 3)
            info["encoding"] = "invisible"
        if rng.random() < 0.03:
            text = text.replace("\n", "\r\n")
            info["crlf"] = True
        r = rng.random()
        if r < 0.01:
            try:
                data = text.encode("cp1252")
                info["saved_as"] = "cp1252"
                return text, data
            except UnicodeEncodeError:  # text outside Windows-1252 (Cyrillic, Turkish) stays UTF-8
                pass
        elif r < 0.015:
            info["saved_as"] = "utf-16"
            return text, text.encode("utf-16")
        elif r < 0.03:
            info["saved_as"] = "utf-8-sig"
            return text, text.encode("utf-8-sig")
        return text, text.encode("utf-8")


# Real article text: the development eval suites' input articles (not the seeds, which the
# generated corpus's model already learns from), cut into paragraphs.
REAL_GLOBS = ("../shared/eval/dev/*/input/*.txt", "../shared/eval/dev/*/input/**/*.txt")


def load_real_articles(project_root: Path) -> tuple[list[list[str]], str]:
    """Paragraphs (lines of 8 words or more) of every clean UTF-8 dev article, and a digest."""
    found: set[Path] = set()
    for pattern in REAL_GLOBS:
        found.update(p for p in project_root.glob(pattern) if p.is_file())
    articles: list[list[str]] = []
    h = hashlib.sha256()
    for path in sorted(found, key=lambda p: p.resolve().as_posix()):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if "\ufeff" in text or "Ã" in text or "â€" in text or "\r" in text or "&#" in text:
            continue
        paras = [" ".join(line.split()) for line in text.split("\n") if len(line.split()) >= 8]
        if len(paras) >= 2:
            h.update(hashlib.sha256(raw).digest())
            articles.append(paras)
    if not articles:
        raise ValueError("no real article text found (need ../shared/eval/dev/*/input)")
    return articles, h.hexdigest()[:16]


class RealTextGenerator(Generator):
    """Documents whose paragraphs are real article paragraphs: each article takes the length of
    a random dev article and is filled with runs of 1-4 consecutive paragraphs of random dev
    articles. Everything around the body (headlines, bylines, junk trailers, repeated blocks,
    mojibake, near-copies) is added exactly as in the generated corpus."""

    def __init__(self, project_root: Path, seed: int = DEFAULT_SEED) -> None:
        super().__init__(project_root, seed)
        self.articles, real_digest = load_real_articles(project_root)
        self.material_digest = f"{self.material_digest}+{real_digest}"

    def article(self, j: int) -> tuple[str, list[str]]:
        rng = random.Random(f"real-article:{self.seed}:{j}")
        model = self.articles[rng.randrange(len(self.articles))]
        target = min(12_000, max(1_500, sum(len(p.encode("utf-8")) + 1 for p in model)))
        paras: list[str] = []
        size = 0
        while size < target:
            src = self.articles[rng.randrange(len(self.articles))]
            k = rng.randrange(len(src))
            for para in src[k : k + rng.randint(1, 4)]:
                paras.append(para)
                size += len(para.encode("utf-8")) + 1
        return rng.choice(self.headlines), paras


KINDS = {"generated": Generator, "real": RealTextGenerator}


def build(out: Path, n: int, project_root: Path, seed: int = DEFAULT_SEED,
          kind: str = "generated") -> dict[str, object]:
    """Write corpus of `n` documents to `out` (reused when the stamp says it is the same);
    `kind` is "generated" (bigram-model prose) or "real" (real paragraphs, `RealTextGenerator`)."""
    # The stamp sits beside the corpus, not in it: everything inside is pipeline input.
    stamp = out.parent / f"{out.name}.json"
    gen: Generator | None = None
    try:
        meta = json.loads(stamp.read_text(encoding="utf-8"))
        if (meta.get("version") == GENERATOR_VERSION and meta.get("seed") == seed and meta.get("documents") == n
                and meta.get("kind", "generated") == kind):
            # Same generator, seed and size: only the material can differ, and that is checked.
            _, digest = load_sentences(material_files(project_root))
            if kind == "real":
                digest = f"{digest}+{load_real_articles(project_root)[1]}"
            if meta.get("material") == digest:
                return meta
    except (OSError, ValueError):
        pass
    gen = KINDS[kind](project_root, seed)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    counts: dict[str, int] = {}
    for i in range(n):
        rel, data, info = gen.document(i)
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
        for k, v in info.items():
            key = k if k == "near_copy_of" else f"{k}:{v}"
            counts[key] = counts.get(key, 0) + 1
    meta = {"version": GENERATOR_VERSION, "kind": kind, "seed": seed, "documents": n, "bytes": total,
            "material": gen.material_digest, "material_sentences": gen.material_sentences,
            "contents": dict(sorted(counts.items()))}
    stamp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta
