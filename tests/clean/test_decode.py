"""Bytes to text: which encoding is used, what is recorded, and the detector's known traps."""

from __future__ import annotations

import codecs

import pytest

from pipeline.clean.decode import UndecodableError, decode_bytes, foreign_letters, implausible
from pipeline.config import load_config
from pipeline.models import Doc
from pipeline.stages import decode

TEXT = "“It’s a tough decision,” she said — and the crowd agreed. Prices rose to £125 and €40."


@pytest.mark.parametrize("bom,codec,name", [
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
])
def test_bom_is_sniffed_stripped_and_recorded(bom: bytes, codec: str, name: str) -> None:
    d = decode_bytes(bom + TEXT.encode(codec))
    assert (d.text, d.encoding, d.bom, d.confidence) == (TEXT, name, True, 1.0)


def test_broken_bytes_after_a_bom_lower_the_confidence() -> None:
    d = decode_bytes(codecs.BOM_UTF8 + TEXT.encode() + b"\xff\xfe bad")
    assert d.encoding == "utf-8" and d.bom
    assert "\ufffd" in d.text and d.confidence < 1.0


def test_strict_utf8_wins_over_the_detector() -> None:
    raw = "Zoë’s café, Ελλάδα, Україна, 東京".encode()
    assert decode_bytes(raw) == decode_bytes(raw)  # deterministic
    assert decode_bytes(raw).encoding == "utf-8"
    assert decode_bytes(raw).confidence == 1.0


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_nul_bytes(codec: str) -> None:
    d = decode_bytes(TEXT.encode(codec))
    assert d.text == TEXT and d.encoding == codec and not d.bom


# windows-1252 text with only a few curly quotes: charset-normalizer alone picks cp775/cp852
# or cp1250 here ("ōDWTSö", "£" -> "Ł", "señor" -> "seńor").
@pytest.mark.parametrize("text", [
    TEXT,
    "Van Der Beek was eliminated from “Dancing with the Stars.” The former “Dawson’s Creek” star, 42, "
    "was voted off on Monday – a tight race.",
    "El señor García dijo que la economía española crecerá un 2% este año. “Es una buena noticia”, añadió.",
    "Le président a déclaré qu’il était « très préoccupé » par la situation économique.",
    "Die Bundesregierung hat beschlossen, die Förderung zu verlängern. „Das ist wichtig“, sagte er.",
])
def test_western_text_in_windows_1252(text: str) -> None:
    d = decode_bytes(text.encode("cp1252"))
    assert d.text == text
    assert d.encoding == "cp1252" and not d.bom


@pytest.mark.parametrize("codec,text", [
    ("cp1250", "Rząd przyjął w środę projekt ustawy, który zakłada podwyżkę płacy minimalnej."),
    ("cp1250", "Vláda ve středu schválila návrh zákona, který počítá se zvýšením minimální mzdy."),
    ("cp1250", "A kormány szerdán elfogadta a törvényjavaslatot, amely a minimálbér emelését írja elő."),
    ("cp1251", "Правительство в среду одобрило законопроект о повышении минимальной заработной платы."),
    ("cp1253", "Η κυβέρνηση ενέκρινε την Τετάρτη το νομοσχέδιο για την αύξηση του κατώτατου μισθού."),
    ("cp1254", "Hükümet çarşamba günü asgari ücretin artırılmasına ilişkin yasa tasarısını onayladı."),
    ("cp1256", "وافقت الحكومة يوم الأربعاء على مشروع قانون لرفع الحد الأدنى للأجور."),
    ("shift_jis", "政府は水曜日、最低賃金の引き上げに関する法案を承認した。大臣はこれが重要な一歩だと述べた。"),
    ("gb18030", "政府周三批准了提高最低工资的法案。部长表示，这是重要的一步。"),
])
def test_other_legacy_encodings_are_not_forced_to_windows_1252(codec: str, text: str) -> None:
    assert decode_bytes(text.encode(codec)).text == text


def test_partly_utf8_file_is_decoded_line_by_line() -> None:
    raw = "Zoë’s first line\n".encode() + "“Señor” second line\n".encode("cp1252") + b"plain"
    d = decode_bytes(raw)
    assert d.text == "Zoë’s first line\n“Señor” second line\nplain"
    assert d.encoding == "utf-8+cp1252"


def test_binary_is_not_text() -> None:
    with pytest.raises(UndecodableError):
        decode_bytes(bytes(range(256)) * 8)


def test_plausibility_scores_tell_code_pages_apart() -> None:
    assert implausible("“Dawson’s Creek”") == 0
    assert implausible("ōDawsonÆs Creekö.") > 0
    assert foreign_letters("El señor, la economía") == 0
    assert foreign_letters("El seńor, la economía") > 0


def test_stage_records_encoding_and_flags_low_confidence() -> None:
    cfg = load_config()
    doc = decode(Doc(id="x", source="x.txt", sha256="", size=0), TEXT.encode("cp1252"), cfg)
    assert doc.encoding["encoding"] == "cp1252"
    assert 0.0 <= doc.encoding["confidence"] <= 1.0
    assert doc.encoding["bom"] is False
    assert ("review:low-decode-confidence" in doc.flags) == (doc.encoding["confidence"] < cfg.decode.min_confidence)


FRENCH = "Le ministre a déclaré vendredi que le budget serait adopté avant l'été, à Paris.\n"
RUSSIAN = "Москва — столица России, сказал министр.\n"


def test_a_cp1251_line_in_a_cp1252_file_is_read_in_its_own_code_page() -> None:
    d = decode_bytes((FRENCH * 3).encode("cp1252") + RUSSIAN.encode("cp1251"))
    assert d.text == FRENCH * 3 + RUSSIAN
    assert d.encoding == "cp1252+cp1251" and d.unsure == 0


def test_a_short_legacy_line_no_code_page_settles_is_counted_unsure() -> None:
    english = "The minister said on Friday that the budget would pass before the summer recess.\n"
    d = decode_bytes(english.encode() * 3 + "Москва\n".encode("cp1251"))
    assert d.unsure == 1  # six bytes read as Cyrillic or as Chinese equally well


def test_plain_legacy_and_utf8_files_are_not_in_doubt() -> None:
    for raw in ((FRENCH * 3).encode("cp1252"), (RUSSIAN * 3).encode("cp1251"), (FRENCH + RUSSIAN).encode(),
                "Señor\n".encode() + "“Señor” García".encode("cp1252")):
        assert decode_bytes(raw).unsure == 0, raw
