"""Helpers for the cron-grade operation tests (issue 14): policy editions with a high- and a
low-severity change, sources files with a [notify] table, and notification receivers on
loopback — an HTTP endpoint for apprise's json:// and an SMTP server (aiosmtpd) — each
bounded, so a test that goes wrong fails instead of hanging."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from policywatch.cli import main
from tests.store_support import toml_string

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "policies"
JUNK = Path(__file__).resolve().parent / "fixtures" / "junk"

# bcbsma-633 as published in October; its coverage statement and newest history row.
BCBSMA = (SAMPLES / "bcbsma-633" / "2026-10.txt").read_text(encoding="utf-8")
_COVERAGE = "tumors in the liver is INVESTIGATIONAL."
_HISTORY = "11/2020 BCBSA National medical policy review."
_SUMMARY = "Additional controlled studies are needed to permit conclusions"
assert _COVERAGE in BCBSMA and _HISTORY in BCBSMA and _SUMMARY in BCBSMA

# A coverage reversal announced in the history: one high-severity change, not silent.
_REVERSED = "tumors in the liver may be considered MEDICALLY NECESSARY."
_ANNOUNCED = f"11/2026 Policy statement changed to medically necessary.\n\n{_HISTORY}"
HIGH = BCBSMA.replace(_COVERAGE, _REVERSED).replace(_HISTORY, _ANNOUNCED)
HIGH_SUMMARY = "Primary or metastatic tumors in the liver: investigational → medically necessary"
# Two words added to the evidence summary: a low-severity wording change only.
_REWORDED = "Additional well-designed controlled studies are needed to permit firm conclusions"
LOW = BCBSMA.replace(_SUMMARY, _REWORDED)
TITLE = "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
PAYER = "Blue Cross Blue Shield of Massachusetts"


def sample(name: str, month: str = "2026-10") -> str:
    return (SAMPLES / name / f"{month}.txt").read_text(encoding="utf-8")


def login_page() -> bytes:
    return (JUNK / "login.html").read_bytes()


def write_config(
    path: Path, sources: list[dict[str, str]], notify: dict[str, Any] | None = None
) -> Path:
    """A sources file: ``[[source]]`` tables, then a ``[notify]`` table if given."""
    blocks = []
    for entry in sources:
        lines = ["[[source]]", *[f"{k} = {toml_string(v)}" for k, v in entry.items()]]
        blocks.append("\n".join(lines))
    if notify is not None:
        lines = ["[notify]"]
        for key, value in notify.items():
            if isinstance(value, list):
                lines.append(f"{key} = [{', '.join(toml_string(v) for v in value)}]")
            elif isinstance(value, str):
                lines.append(f"{key} = {toml_string(value)}")
            else:
                lines.append(f"{key} = {value}")
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def snapshot(config: Path, store: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """``policywatch snapshot`` in this process (one worker: no process pool)."""
    argv = ["snapshot", "--config", str(config), "--store", str(store), "--workers", "1", *args]
    return CliRunner().invoke(main, argv, env=env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- an HTTP endpoint for json:// ----------------------------------------------------------------


@dataclass
class Hook:
    """What the endpoint received: one (path, JSON body) per POST."""

    url: str  # http://127.0.0.1:PORT
    port: int
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def json_url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"


@contextmanager
def json_endpoint() -> Iterator[Hook]:
    """A threaded HTTP server on 127.0.0.1 answering every POST with 200 (5 s socket
    timeout per connection, shut down on exit)."""
    hook = Hook("", 0)

    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            hook.posts.append((self.path, json.loads(body or b"{}")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    hook.port = int(server.server_address[1])
    hook.url = f"http://127.0.0.1:{hook.port}"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- an SMTP server --------------------------------------------------------------------------


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def mailto(self, to: str = "compliance@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=policywatch@example.org&to={to}"

    def text(self, message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1, in its own thread (5 s to start, stopped on exit)."""
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            content = envelope.original_content or envelope.content
            box.messages.append(message_from_bytes(content, policy=policy.default))  # type: ignore[arg-type]
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, ready_timeout=5)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def environment(**values: str) -> dict[str, str]:
    return {**os.environ, **values}
