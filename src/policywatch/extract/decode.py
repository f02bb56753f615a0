"""Bytes → str for text editions: a byte-order mark first (UTF-8, UTF-16, UTF-32),
then UTF-8, then the Windows code page plans still use."""

from __future__ import annotations

import codecs

from policywatch.errors import InputError

# UTF-32 LE before UTF-16 LE: its mark starts with UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text document."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def wide_bom(data: bytes) -> tuple[bytes, str, str] | None:
    """(mark, codec, name) when ``data`` starts with a UTF-16 or UTF-32 byte-order mark."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return None if codec == "utf-8" else (bom, codec, name)
    return None


def to_utf8(data: bytes) -> bytes:
    """UTF-16 or UTF-32 text with a byte-order mark → the same text as UTF-8 bytes,
    marked with the UTF-8 byte-order mark (which every reader here honours, above
    a declared charset); anything else is returned as it is. Raises InputError for
    bytes that are not the text their mark says."""
    found = wide_bom(data)
    if found is None:
        return data
    bom, codec, name = found
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as exc:
        where = exc.start + len(bom)
        raise InputError(
            f"not {name} text, though it starts with a {name} byte-order mark "
            f"({exc.reason} at byte {where})"
        ) from None
    return codecs.BOM_UTF8 + text.encode("utf-8")


def head_utf8(data: bytes, size: int = 4096) -> bytes:
    """The first ``size`` bytes, as UTF-8 when the document is UTF-16 or UTF-32 with a
    byte-order mark (for format detection: a wide-character page still starts with
    ``<html``)."""
    found = wide_bom(data)
    if found is None:
        return data[:size]
    bom, codec, _ = found
    text = data[len(bom) : len(bom) + size].decode(codec, errors="ignore")
    return text.encode("utf-8")


def decode_text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 maps every byte but five; those five fall back to Latin-1.
        return data.decode("cp1252", errors="replace").replace("\ufffd", "")
