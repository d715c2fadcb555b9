"""Configuration: TOML files in `config/`, loaded into frozen dataclasses.

A bad file must never surface as a traceback: `ConfigError` names the file, the key, the line
and what is allowed, and the CLI prints it as one message with its own exit code.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from pipeline.rulecheck import check_pattern

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "pipeline.toml"


class ConfigError(Exception):
    """A configuration problem a user can fix; the message says where and how."""


@dataclass(frozen=True)
class RunConfig:
    shards: int = 64
    max_document_bytes: int = 20_000_000
    max_document_seconds: float = 60.0
    max_document_lines: int = 20_000
    max_failed_share: float = 0.05


@dataclass(frozen=True)
class DecodeConfig:
    min_confidence: float = 0.5


@dataclass(frozen=True)
class EncodingConfig:
    uncurl_quotes: bool = False
    unescape_html: bool = True
    normalization: str = "NFC"
    fix_latin_ligatures: bool = True
    fix_character_width: bool = False
    fix_line_breaks: bool = False
    remove_terminal_escapes: bool = True
    remove_control_chars: bool = True
    restore_byte_a0: bool = True
    replace_lossy_sequences: bool = True
    decode_inconsistent_utf8: bool = True
    fix_c1_controls: bool = True
    fix_surrogates: bool = True
    max_decode_length: int = 1_000_000


@dataclass(frozen=True)
class BoilerplateRule:
    id: str
    version: int
    pattern: str
    scope: str  # "line": this line; "cut": this line and everything after; "lead": leading block;
    # "block": a heading and the list of short lines under it
    where: str = "any"  # "any", "trailing" (last part of the document), "lead" (first lines)
    reason: str = ""
    flags: str = "i"
    follow: str = "junk"  # cut only: "junk" (what follows must look like junk) or "any" (prose allowed)
    strength: str = "strong"  # "strong": fires alone; "weak": only next to other junk (see the rules file)

    @property
    def rule_id(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class BoilerplateConfig:
    rules_file: str = "boilerplate_rules.toml"
    trailing_share: float = 0.5
    max_removed_share: float = 0.8
    max_removed_prose_share: float = 0.6
    prose_min_words: int = 8
    prose_long_words: int = 30
    headline_max_words: int = 20
    follow_max_prose_share: float = 0.5
    follow_max_prose_run: int = 2
    trailing_run_min_score: float = 2.0
    lead_run_min_score: float = 1.0
    lead_max_lines: int = 8
    recurring_min_stories: int = 4
    recurring_max_words: int = 12
    source_depth: int = 1
    body_list_items: int = 2
    body_item_words: int = 4
    run_score_taken: float = 2.0
    run_score_headline: float = 1.0
    run_score_neutral: float = 0.5
    run_prose_words_per_point: float = 10.0
    model: str = "lines-v1"
    model_threshold: float = 0.9
    model_top_inputs: int = 4
    rules: tuple[BoilerplateRule, ...] = ()
    # Not a setting: the digest of the model file `model` names, filled in by load_config so a
    # retrained model changes the stage fingerprint.
    model_digest: str = ""


@dataclass(frozen=True)
class RepeatsConfig:
    shingle_words: int = 2
    num_perm: int = 64
    threshold: float = 0.5
    similarity: float = 0.8
    extend_similarity: float = 0.6
    min_containment_words: int = 8
    extend_min_containment_words: int = 3
    min_words: int = 8
    min_run_words: int = 3
    tandem_gap: int = 0
    max_pairs_per_paragraph: int = 50


@dataclass(frozen=True)
class DedupConfig:
    shingle_words: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    jaccard: float = 0.6
    containment: float = 0.8
    containment_min_jaccard: float = 0.2
    seed: int = 1
    store: str = ""


@dataclass(frozen=True)
class StructureConfig:
    lead_max_lines: int = 15
    paragraph_words: int = 20
    after_paragraph_lines: int = 2
    meta_max_words: int = 30
    meta_max_other_words: int = 6
    title_min_words: int = 2
    title_max_words: int = 30
    body_lines: int = 30
    repeat_lines: int = 60
    title_min_confidence: float = 0.8
    # One weight per structure.TITLE_FEATURES entry (see config/pipeline.toml for their origin).
    title_weights: tuple[float, ...] = (
        -1.22, 1.47, -0.37, -0.71, -0.23, 1.25, 0.97, -0.21, -0.02, 1.0, 2.1, 0.47, 0.44, -0.46, 0.28,
        -0.34, 0.25, -2.25, -0.6, -0.2, -0.51, -0.23)
    languages: tuple[str, ...] = ("en", "de", "fr", "es", "pt", "it", "nl")

    def __post_init__(self) -> None:
        # TOML gives a list; a tuple keeps the config hashable (it keys per-process caches).
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "title_weights", tuple(self.title_weights))


@dataclass(frozen=True)
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    encoding: EncodingConfig = field(default_factory=EncodingConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    repeats: RepeatsConfig = field(default_factory=RepeatsConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    structure: StructureConfig = field(default_factory=StructureConfig)

    def section_fingerprint(self, *names: str) -> str:
        """Digest of the named sections: what a stage read, so only what changed re-runs."""
        payload = {n: dataclasses.asdict(getattr(self, n)) for n in names}
        return _digest(payload)

    def fingerprint(self) -> str:
        return _digest(dataclasses.asdict(self))


def _digest(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """Line number of `key = ...` (inside `[section]` when given), for error messages."""
    in_section = section is None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            in_section = section is None or line.strip("[] ") == section
            continue
        if in_section and re.match(rf"{re.escape(key)}\s*=", line):
            return no
    return None


def _where(path: Path, text: str, key: str, section: str | None) -> str:
    no = _line_of(text, key, section)
    dotted = f"{section}.{key}" if section else key
    return f"{path}{':' + str(no) if no else ''}: key '{dotted}'"


def _coerce(value: Any, typ: Any, where: str) -> Any:
    origin = get_origin(typ)
    if typ is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    if origin is tuple:
        return value
    if get_args(typ):
        return value
    return value


def _build(cls: type, data: dict[str, Any], path: Path, text: str, section: str | None) -> Any:
    hints = get_type_hints(cls)
    allowed = [f.name for f in fields(cls) if f.name not in ("rules", "model_digest")]
    kwargs = {}
    for key, value in data.items():
        if key not in allowed:
            raise ConfigError(
                f"{_where(path, text, key, section)} is not a known setting{_did_you_mean(key, allowed)}; "
                f"allowed here: {', '.join(allowed)}"
            )
        kwargs[key] = _coerce(value, hints[key], _where(path, text, key, section))
    try:
        obj = cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise ConfigError(f"{path}: section [{section}] {exc}") from None
    _validate(obj, path, text, section)
    return obj


_RANGES: dict[str, tuple[float, float]] = {
    "shards": (1, 100_000),
    "max_document_bytes": (1, 2**40),
    "max_document_lines": (1, 100_000_000),
    "max_document_seconds": (0, 86_400),
    "max_failed_share": (0.0, 1.0),
    "min_confidence": (0.0, 1.0),
    "trailing_share": (0.0, 1.0),
    "max_removed_share": (0.0, 1.0),
    "max_removed_prose_share": (0.0, 1.0),
    "prose_min_words": (1, 1000),
    "prose_long_words": (1, 10_000),
    "headline_max_words": (1, 1000),
    "follow_max_prose_share": (0.0, 1.0),
    "follow_max_prose_run": (0, 1000),
    "trailing_run_min_score": (0.0, 1000.0),
    "lead_run_min_score": (0.0, 1000.0),
    "lead_max_lines": (0, 1000),
    "recurring_min_stories": (2, 10_000_000),
    "recurring_max_words": (1, 1000),
    "source_depth": (0, 100),
    "body_list_items": (1, 100),
    "body_item_words": (1, 1000),
    "run_score_taken": (0.0, 100.0),
    "run_score_headline": (0.0, 100.0),
    "run_score_neutral": (0.0, 100.0),
    "run_prose_words_per_point": (0.1, 1000.0),
    "model_threshold": (0.0, 1.0),
    "model_top_inputs": (0, 50),
    "shingle_words": (1, 50),
    "num_perm": (8, 1024),
    "threshold": (0.0, 1.0),
    "min_words": (0, 1000),
    "similarity": (0.0, 1.0),
    "extend_similarity": (0.0, 1.0),
    "min_containment_words": (1, 1000),
    "extend_min_containment_words": (1, 1000),
    "min_run_words": (0, 10_000),
    "tandem_gap": (0, 100),
    "max_pairs_per_paragraph": (1, 10_000),
    "containment_min_jaccard": (0.0, 1.0),
    "bands": (1, 1024),
    "rows": (1, 1024),
    "jaccard": (0.0, 1.0),
    "containment": (0.0, 1.0),
    "max_words": (1, 1000),
    "paragraph_words": (1, 1000),
    "after_paragraph_lines": (0, 100),
    "meta_max_words": (1, 1000),
    "meta_max_other_words": (0, 1000),
    "title_min_words": (1, 1000),
    "title_max_words": (1, 1000),
    "body_lines": (1, 100_000),
    "repeat_lines": (0, 100_000),
    "title_min_confidence": (0.0, 1.0),
}


def _validate(obj: Any, path: Path, text: str, section: str | None) -> None:
    for f in fields(obj):
        rng = _RANGES.get(f.name)
        value = getattr(obj, f.name)
        if rng and isinstance(value, int | float) and not rng[0] <= value <= rng[1]:
            raise ConfigError(
                f"{_where(path, text, f.name, section)} is {value}; allowed: {rng[0]} to {rng[1]}"
            )
    if isinstance(obj, EncodingConfig) and obj.normalization not in ("NFC", "NFD", "NFKC", "NFKD", ""):
        raise ConfigError(
            f"{_where(path, text, 'normalization', section)} is {obj.normalization!r}; "
            "allowed: NFC, NFD, NFKC, NFKD, or \"\" for none"
        )
    if isinstance(obj, StructureConfig):
        bad = [x for x in obj.languages if not (isinstance(x, str) and re.fullmatch(r"[a-z]{2,3}", x))]
        if bad or not obj.languages:
            raise ConfigError(f"{_where(path, text, 'languages', section)} must be a non-empty list of "
                              f"language codes such as \"en\", got {list(obj.languages)!r}")
        from pipeline.clean.structure import TITLE_FEATURES

        if len(obj.title_weights) != len(TITLE_FEATURES) or not all(
                isinstance(w, int | float) and not isinstance(w, bool) and abs(w) <= 1000
                for w in obj.title_weights):
            raise ConfigError(f"{_where(path, text, 'title_weights', section)} must be {len(TITLE_FEATURES)} "
                              f"numbers, one per feature ({', '.join(TITLE_FEATURES)})")
        if obj.title_min_words > obj.title_max_words:
            raise ConfigError(f"{_where(path, text, 'title_min_words', section)} ({obj.title_min_words}) "
                              f"must not exceed title_max_words ({obj.title_max_words})")
    if isinstance(obj, DedupConfig) and obj.bands * obj.rows > obj.num_perm:
        raise ConfigError(
            f"{_where(path, text, 'bands', section)}: bands*rows ({obj.bands * obj.rows}) must not "
            f"exceed num_perm ({obj.num_perm})"
        )


def _read_toml(path: Path, missing: str = "pass an existing file to --config") -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found; {missing}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: configuration is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"{path}:{m[1] if m else '?'}: not valid TOML ({exc}); fix the syntax at that line") from None


def _rule_line(text: str, index: int, key: str | None = None) -> int | None:
    """Line of the index-th `[[rule]]` header, or of `key = ...` inside that rule."""
    seen, header = -1, None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            if header is not None:
                break
            if line.replace(" ", "") == "[[rule]]":
                seen += 1
                if seen == index:
                    header = no
            continue
        if header is not None and key is not None and re.match(rf"{re.escape(key)}\s*=", line):
            return no
    return header


def _rule_where(path: Path, text: str, index: int, raw: dict[str, Any], key: str) -> str:
    no = _rule_line(text, index, key) or _rule_line(text, index)
    return f"{path}:{no or '?'}: rule #{index + 1} ({raw.get('id', '?')}): key '{key}'"


def _did_you_mean(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_rules(path: Path) -> tuple[BoilerplateRule, ...]:
    data, text = _read_toml(path, "boilerplate.rules_file names it, relative to the pipeline TOML")
    unknown = set(data) - {"rule"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{_where(path, text, key, None)} is not allowed; the file holds [[rule]] tables")
    table = data.get("rule", [])
    if not isinstance(table, list):
        raise ConfigError(f"{_where(path, text, 'rule', None)} must be written as [[rule]] tables")
    names = [f.name for f in fields(BoilerplateRule)]
    hints = get_type_hints(BoilerplateRule)
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(table):
        line = _rule_line(text, i)
        where = f"{path}:{line or '?'}: rule #{i + 1}"
        if not isinstance(raw, dict):
            where = f"{path}:{line or _line_of(text, 'rule') or '?'}: rule #{i + 1}"
            raise ConfigError(f"{where} must be a [[rule]] table, got {raw!r}")
        where += f" ({raw.get('id', '?')})"
        unknown = set(raw) - set(names)
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(f"{path}:{_rule_line(text, i, key) or line or '?'}: rule #{i + 1} "
                              f"({raw.get('id', '?')}): unknown key '{key}'{_did_you_mean(key, names)}; "
                              f"allowed: {', '.join(names)}")
        for need in ("id", "version", "pattern", "scope"):
            if need not in raw:
                raise ConfigError(f"{where}: missing key '{need}' (every rule needs id, version, pattern, scope)")
        def at(key: str, i: int = i, raw: dict[str, Any] = raw) -> str:
            return _rule_where(path, text, i, raw, key)

        for key, value in raw.items():
            _coerce(value, hints[key], at(key))
        rule = BoilerplateRule(**raw)
        if rule.scope not in ("line", "cut", "lead", "block"):
            raise ConfigError(f"{at('scope')} is {rule.scope!r}; allowed: line, cut, lead, block")
        if rule.follow not in ("junk", "any"):
            raise ConfigError(f"{where}: follow {rule.follow!r}; allowed: junk, any")
        if rule.strength not in ("strong", "weak"):
            raise ConfigError(f"{at('strength')} is {rule.strength!r}; allowed: strong, weak")
        if rule.where not in ("any", "trailing", "lead"):
            raise ConfigError(f"{at('where')} is {rule.where!r}; allowed: any, trailing, lead")
        if rule.rule_id in seen:
            raise ConfigError(f"{where}: duplicate rule id {rule.rule_id}; ids must be unique")
        seen.add(rule.rule_id)
        if rule.version < 1:
            raise ConfigError(f"{at('version')} is {rule.version}; rule versions are whole numbers from 1")
        problem = check_pattern(rule.pattern, rule.flags)
        if problem:
            key = "flags" if "flag" in problem else "pattern"
            raise ConfigError(f"{at(key)}: {'flags' if key == 'flags' else 'pattern'} {problem}")
        rules.append(rule)
    return tuple(rules)


def _model_digest(path: Path, text: str, bp: BoilerplateConfig) -> str:
    """The line model's identity (version and file digest), for the stage fingerprint."""
    if not bp.model:
        return ""
    from pipeline.clean.linemodel import load_model  # numpy; only when a model is configured

    try:
        model = load_model(bp.model)
    except FileNotFoundError as exc:
        raise ConfigError(f"{_where(path, text, 'model', 'boilerplate')}: {exc}") from None
    return f"{model.version}:{model.digest}"


def probe_rules(cfg: Config, config_path: str | Path | None = None) -> None:
    """Time every boilerplate rule on pathological probe lines (pipeline.rulecheck.probe);
    ConfigError naming the rules file, line and rule for the first that backtracks."""
    from pipeline.rulecheck import probe

    path = Path(config_path) if config_path else DEFAULT_CONFIG
    rules_path = (path.parent / cfg.boilerplate.rules_file).resolve()
    text = None
    for i, rule in enumerate(cfg.boilerplate.rules):
        problem = probe(rule.pattern, rule.flags)
        if problem:
            text = text if text is not None else rules_path.read_text(encoding="utf-8")
            raise ConfigError(f"{_rule_where(rules_path, text, i, {'id': rule.id}, 'pattern')}: pattern {problem}")


_SECTIONS = {
    "run": RunConfig,
    "decode": DecodeConfig,
    "encoding": EncodingConfig,
    "boilerplate": BoilerplateConfig,
    "repeats": RepeatsConfig,
    "dedup": DedupConfig,
    "structure": StructureConfig,
}


def load_config(path: str | Path | None = None, model: bool = True) -> Config:
    """Load and validate a configuration file; rule files are resolved beside it. With
    `model=False` the line model is not opened (training builds it)."""
    path = Path(path) if path else DEFAULT_CONFIG
    data, text = _read_toml(path)
    parts: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            raise ConfigError(
                f"{path}:{_section_line(text, name) or '?'}: unknown section [{name}]"
                f"{_did_you_mean(name, list(_SECTIONS))}; allowed: {', '.join(_SECTIONS)}"
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path, text, name, None)} must be a [section]")
        parts[name] = _build(_SECTIONS[name], value, path, text, name)
    bp = parts.get("boilerplate", BoilerplateConfig())
    rules_path = (path.parent / bp.rules_file).resolve()
    parts["boilerplate"] = dataclasses.replace(bp, rules=load_rules(rules_path),
                                               model_digest=_model_digest(path, text, bp) if model else "")
    return Config(**parts)


def _section_line(text: str, name: str) -> int | None:
    for no, raw in enumerate(text.splitlines(), 1):
        if raw.strip() == f"[{name}]":
            return no
    return None
