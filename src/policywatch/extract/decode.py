"""Bytes → str for text editions: UTF-8 first, then the Windows code page plans still use."""

from __future__ import annotations


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text document."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 maps every byte but five; those five fall back to Latin-1.
        return data.decode("cp1252", errors="replace").replace("\ufffd", "")
