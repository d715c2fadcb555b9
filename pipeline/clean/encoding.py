"""Encoding repair: ftfy with settings chosen on purpose, then whitespace normalisation.

Each line is repaired on its own so every change keeps pointing at its place in the input.
"""

from __future__ import annotations

import ftfy

from pipeline.clean.whitespace import normalize_line
from pipeline.config import EncodingConfig
from pipeline.models import Edit, Line

STAGE = "encoding"


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
        # fix_text ignores explain-only sub-options; asking for explanations keeps them honoured.
        explain=True,
    )


def _needs_ftfy(line: str) -> bool:
    """Plain ASCII with no entity or control character cannot be changed by ftfy."""
    if not line.isascii():
        return True
    if "&" in line or "\x1b" in line:
        return True
    return any(ord(c) < 32 and c != "\t" for c in line)


def fix_line(line: str, cfg: EncodingConfig) -> tuple[str, list[str]]:
    """Repair one line; return the text and the names of the fixes that fired.

    >>> fix_line("Israelâ€™s", EncodingConfig())
    ('Israel’s', ['encode:sloppy-windows-1252', 'decode:utf-8'])
    >>> fix_line("AT&amp;T", EncodingConfig())
    ('AT&T', ['unescape_html'])
    """
    fired: list[str] = []
    if _needs_ftfy(line):
        fixed, steps = ftfy.fix_and_explain(line, ftfy_config(cfg))
        for step in steps or ():
            name = f"{step.action}:{step.parameter}" if step.action in ("encode", "decode") else step.parameter
            fired.append(name)
        line = fixed
    normalized = normalize_line(line)
    if normalized != line:
        fired.append("whitespace")
    return normalized, fired


def fix_encoding(lines: list[Line], cfg: EncodingConfig) -> tuple[list[Line], list[Edit]]:
    """Repair every line; record an `Edit` for each line that changed."""
    out: list[Line] = []
    edits: list[Edit] = []
    for ln in lines:
        fixed, fired = fix_line(ln.text, cfg)
        if fixed != ln.text:
            edits.append(Edit(STAGE, "+".join(fired) or "normalize", ln.start, ln.end, ln.text, fixed))
        out.append(Line(fixed, ln.start, ln.end))
    return out, edits
