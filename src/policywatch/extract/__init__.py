"""Extract stage: document bytes → clean policy text.

``extract(data)`` detects the format by content (never by file name), turns
PDF and HTML into the same line-oriented text a text edition has, then
cleans it (page furniture, wraps, markup) with :mod:`.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policywatch.errors import InputError
from policywatch.extract.decode import decode_text, looks_binary

# A PDF of a few thousand pages can be large; a policy's text or web page cannot.
MAX_DOCUMENT_BYTES = 100 * 1000 * 1000
MAX_TEXT_BYTES = 10 * 1000 * 1000


@dataclass
class Extracted:
    text: str
    format: str  # "pdf" | "html" | "text"
    furniture: list[str] = field(default_factory=list)  # removed running headers/footers


def read_document(path: str | Path) -> bytes:
    """Read a local document with clear errors for what cannot be a policy file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a policy document")
    size = p.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{path}: {size / 1e6:.1f} MB is over the {MAX_DOCUMENT_BYTES // 1_000_000} MB "
            "limit for one policy document"
        )
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc


def detect_format(data: bytes) -> str:
    """'pdf', 'html' or 'text', from the bytes themselves."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-"):
        return "pdf"
    lowered = head[:1024].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or (
        lowered.startswith(b"<") and any(t in lowered for t in (b"<head", b"<body", b"<div", b"<p"))
    ):
        return "html"
    return "text"


def extract(data: bytes) -> Extracted:
    """Bytes → clean text, whatever the format."""
    from policywatch.extract.text import clean_text

    if not data.strip():
        raise InputError("empty document: nothing to parse")
    fmt = detect_format(data)
    if fmt != "pdf" and len(data) > MAX_TEXT_BYTES:
        raise InputError(
            f"{len(data) / 1e6:.1f} MB of {fmt} is over the {MAX_TEXT_BYTES // 1_000_000} MB "
            "limit for one policy's text: not a single medical policy"
        )
    footer: list[str] = []
    if fmt == "pdf":
        from policywatch.extract.pdf import read_pdf

        raw, footer = read_pdf(data)
    elif fmt == "html":
        from policywatch.extract.html import html_to_text

        raw = html_to_text(data)
    else:
        if looks_binary(data):
            raise InputError("binary data, not a text, HTML or PDF policy document")
        raw = decode_text(data)
    text, furniture = clean_text(raw, cells=fmt != "text")
    return Extracted(text=text, format=fmt, furniture=footer + furniture)
