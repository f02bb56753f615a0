"""Extract stage: document bytes → clean policy text.

``extract(data)`` detects the format by content (never by file name), turns
PDF and HTML into the same line-oriented text a text edition has, then
cleans it (page furniture, wraps, markup) with :mod:`.text`.

Everything is bounded: a local document is read only when it is a regular file
(never a FIFO, a device or a directory, which could block or never end), and
at most :data:`MAX_DOCUMENT_BYTES` of it; text and HTML over
:data:`MAX_TEXT_BYTES` are refused; HTML nested deeper than a browser would
build is refused before it is parsed; text cleanup and HTML reading run in
linear time under a time cap (:data:`.text.MAX_SECONDS` per document, one
budget for reading and cleaning an HTML page), as PDF reading does under its own.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from policywatch.errors import InputError
from policywatch.extract.decode import decode_text, head_utf8, looks_binary, to_utf8

# A PDF of a few thousand pages can be large; a policy's text or web page cannot.
MAX_DOCUMENT_BYTES = 100 * 1000 * 1000
MAX_TEXT_BYTES = 10 * 1000 * 1000

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


@dataclass
class Extracted:
    text: str
    format: str  # "pdf" | "html" | "text"
    furniture: list[str] = field(default_factory=list)  # removed running headers/footers


def read_document(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Read a local document with clear one-line errors for what cannot be a policy
    file. Only a regular file is read (checked before it is opened, and again on the
    open file), never more than ``max_bytes`` of it."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    _check_regular(path, info, max_bytes)
    try:
        # O_NONBLOCK: should the path become a FIFO after the check, opening it
        # does not wait for a writer; for a regular file the flag changes nothing.
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        with open(fd, "rb", closefd=True) as handle:
            info = os.fstat(handle.fileno())
            _check_regular(path, info, max_bytes)
            return _read_at_most(handle, info.st_size, max_bytes, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _check_regular(path: str | Path, info: os.stat_result, max_bytes: int) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory, not a policy document")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: is {_file_kind(mode)}, not a regular file")
    if info.st_size > max_bytes:
        raise _too_large(path, info.st_size, max_bytes)


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _too_large(path: str | Path, size: int, max_bytes: int) -> InputError:
    amount = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"
    limit = f"{max_bytes / 1e6:g} MB" if max_bytes >= 1_000_000 else f"{max_bytes}-byte"
    return InputError(f"{path}: {amount} is over the {limit} limit for one policy document")


def _read_at_most(handle: BinaryIO, size: int, max_bytes: int, path: str | Path) -> bytes:
    """The file's bytes, never more than ``max_bytes`` held even if it grows while read."""
    data = handle.read(size + 1)  # one byte more than stat said: did it grow?
    if len(data) <= size:
        return data
    chunks, total = [data], len(data)
    while total <= max_bytes:
        chunk = handle.read(min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > max_bytes:
        raise _too_large(path, total, max_bytes)
    return b"".join(chunks)


def detect_format(data: bytes) -> str:
    """'pdf', 'html' or 'text', from the bytes themselves (UTF-16 and UTF-32 with a
    byte-order mark are read as the text they are)."""
    head = head_utf8(data, 2048).lstrip(b"\xef\xbb\xbf \t\r\n")
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
    from policywatch.extract.text import TimeCap, clean_text

    data = to_utf8(data)  # UTF-16 / UTF-32 with a byte-order mark → UTF-8
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise InputError("empty document: nothing to parse")
    fmt = detect_format(data)
    if fmt != "pdf" and len(data) > MAX_TEXT_BYTES:
        raise InputError(
            f"{len(data) / 1e6:.1f} MB of {fmt} is over the {MAX_TEXT_BYTES // 1_000_000} MB "
            "limit for one policy's text: not a single medical policy"
        )
    footer: list[str] = []
    cap = None
    if fmt == "pdf":
        from policywatch.extract.pdf import read_pdf

        raw, footer = read_pdf(data)
    elif fmt == "html":
        from policywatch.extract.html import html_to_text

        cap = TimeCap("HTML page")  # one budget for reading the page and cleaning its text
        raw = html_to_text(data, cap)
    else:
        if looks_binary(data):
            raise InputError("binary data, not a text, HTML or PDF policy document")
        raw = decode_text(data)
    text, furniture = clean_text(raw, cells=fmt != "text", cap=cap)
    return Extracted(text=text, format=fmt, furniture=footer + furniture)
