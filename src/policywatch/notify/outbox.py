"""Messages a run could not deliver, kept to send again (``.git/policywatch/outbox/``).

A target that is down when a run ends must not lose the message: each undelivered
message is kept with the targets that missed it, and every later run that notifies
tries those targets again first, until each has it. A target is named by a hash of
its ``[notify]`` URL as written: no URL, token or expanded value is ever written (a
URL dropped from the table drops its pending messages). Files are written whole (a
temporary file renamed); an unreadable one is left alone and reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from policywatch.model import iso
from policywatch.snapshot.outcomes import Delivery

OUTBOX = "outbox"

Sender = Callable[[str, str, Sequence[str]], Delivery]
"""(title, body, urls) → what became of it (:func:`policywatch.notify.deliver.deliver`)."""


def target_key(url: str) -> str:
    """What the outbox keeps of a configured URL: a hash, never the URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Undelivered:
    title: str
    body: str
    first_tried: str  # ISO time of the run that first tried to send it
    targets: tuple[str, ...]  # target_key of each URL still to reach

    def to_bytes(self) -> bytes:
        data = {
            "title": self.title,
            "body": self.body,
            "first_tried": self.first_tried,
            "targets": list(self.targets),
        }
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Undelivered | None:
        try:
            loaded = json.loads(data)
            return cls(
                str(loaded["title"]),
                str(loaded["body"]),
                str(loaded["first_tried"]),
                tuple(str(t) for t in loaded["targets"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


def keep(state_dir: Path, title: str, body: str, missed: Sequence[str], when: datetime) -> None:
    """Keep a message for the URLs that missed it (nothing when none did)."""
    if not missed:
        return
    message = Undelivered(title, body, iso(when), tuple(target_key(u) for u in missed))
    folder = state_dir / OUTBOX
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{int(when.timestamp())}-{hashlib.sha256(message.to_bytes()).hexdigest()[:12]}.json"
    _write(folder / name, message.to_bytes())


def send_pending(
    state_dir: Path, urls: Sequence[str], send: Sender
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Send every kept message again to the configured URLs that missed it; forget a
    message once each has it (or is no longer configured). Returns (targets that took
    one, problems)."""
    folder = state_dir / OUTBOX
    by_key = {target_key(u): u for u in urls}
    sent: list[str] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        message = Undelivered.from_bytes(_read(path))
        if message is None:
            problems.append(f"{path}: an undelivered message that cannot be read; left as it is")
            continue
        still = [by_key[k] for k in message.targets if k in by_key]
        if still:
            title = f"{message.title} (sent again; first tried {message.first_tried})"
            delivery = send(title, message.body, still)
            sent += [f"{name} (sent again)" for name in delivery.sent_to]
            problems += [f"sent again: {line}" for line in delivery.problems]
            still = list(delivery.missed)
        if still:
            _write(path, replace(message, targets=tuple(target_key(u) for u in still)).to_bytes())
        else:
            path.unlink(missing_ok=True)
    return tuple(sent), tuple(problems)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
