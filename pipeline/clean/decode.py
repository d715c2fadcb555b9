"""Bytes to text: BOM sniffing, strict UTF-8, then a charset detector for the rest."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    confidence: float
    bom: bool


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can trust (binary data, NUL bytes)."""


def decode_bytes(raw: bytes) -> Decoded:
    """Decode raw file bytes, saying which encoding was used and how sure we are.

    >>> decode_bytes("Türkiye".encode("utf-8"))
    Decoded(text='Türkiye', encoding='utf-8', confidence=1.0, bom=False)
    >>> decode_bytes(codecs.BOM_UTF8 + b"hi").bom
    True
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return Decoded(raw[len(bom) :].decode(name, errors="replace"), name, 1.0, True)
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", 1.0, False)
    except UnicodeDecodeError:
        pass
    return _detect(raw)


def _detect(raw: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UndecodableError("bytes are not text in any known encoding")
    confidence = round(1.0 - float(best.chaos), 3)
    return Decoded(str(best), best.encoding, confidence, False)
