"""Helpers for the store and snapshot tests: corpus copies, sources files, git
inspection and a scriptable HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import CORPUS

PYTHON = sys.executable


def corpus_bytes(key: str) -> bytes:
    return CORPUS[key].read_bytes()


def write_docs(folder: Path, keys: list[str] | None = None) -> dict[str, Path]:
    """Copy corpus documents into ``folder``; returns id → path."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = {}
    for key in keys or list(CORPUS):
        path = folder / f"doc{key}.txt"
        path.write_bytes(corpus_bytes(key))
        docs[f"policy-{key}"] = path
    return docs


def variant_docs(
    folder: Path, count: int, truncate: int | None = None, digits: int = 2
) -> dict[str, Path]:
    """``count`` distinct policies: corpus documents (cut to ``truncate`` bytes), each
    with its own closing note so no two hash alike."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [path.read_bytes()[:truncate] for path in CORPUS.values()]
    docs = {}
    for i in range(count):
        path = folder / f"p{i:0{digits}d}.txt"
        path.write_bytes(texts[i % len(texts)] + f"\nLocal note {i}.\n".encode())
        docs[f"pol-{i:0{digits}d}"] = path
    return docs


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_sources(config: Path, entries: list[dict[str, str]]) -> Path:
    blocks = []
    for entry in entries:
        lines = ["[[source]]", *[f"{k} = {toml_string(v)}" for k, v in entry.items()]]
        blocks.append("\n".join(lines))
    config.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return config


def path_sources(config: Path, docs: dict[str, Path], payer: str = "Test Payer") -> Path:
    entries = [
        {"id": sid, "payer": payer, "path": os.path.relpath(path, config.parent)}
        for sid, path in docs.items()
    ]
    return write_sources(config, entries)


def git(store: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={store / '.git'}", f"--work-tree={store}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout


def commit_count(store: Path) -> int:
    return int(git(store, "rev-list", "--count", "HEAD").strip())


def assert_sound(store: Path) -> None:
    """git fsck --strict is clean and the worktree matches HEAD."""
    done = subprocess.run(
        ["git", f"--git-dir={store / '.git'}", "fsck", "--strict", "--no-dangling"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stderr.lower(), done.stderr
    assert git(store, "status", "--porcelain") == ""


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``policywatch`` in a fresh process (what cron does)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [PYTHON, "-c", _MAIN, *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        check=False,
    )


_MAIN = "import sys; from policywatch.cli import main; sys.argv[0] = 'policywatch'; main()"


def cli_in_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``policywatch`` in this process (click's runner), answered like :func:`cli`.

    For what a command says and returns; use :func:`cli` where a process of its own is
    the point (cron's view, kills, locks, another mount namespace). An exception the
    command does not turn into an error message fails the test, as a traceback would.
    """
    from click.testing import CliRunner

    from policywatch.cli import main

    with contextlib.chdir(cwd or Path.cwd()):
        result = CliRunner().invoke(
            main, list(args), env=env, prog_name="policywatch", catch_exceptions=False
        )
    return subprocess.CompletedProcess(
        ["policywatch", *args], result.exit_code, result.stdout, result.stderr
    )


# -- HTTP ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeout tests)
    reset: bool = False  # abort the connection with a TCP RST
    declare_length: bool = True


@dataclass
class Route:
    """Replies served in order; the last one repeats. ETag-aware when ``etag`` is set."""

    replies: list[Reply]
    etag: str | None = None
    requests: list[dict[str, str]] = field(default_factory=list)

    def next_reply(self, headers: dict[str, str]) -> Reply:
        self.requests.append(headers)
        if self.etag and headers.get("if-none-match") == self.etag:
            return Reply(304, headers={"ETag": self.etag})
        reply = self.replies[0] if len(self.replies) == 1 else self.replies.pop(0)
        if self.etag:
            reply.headers.setdefault("ETag", self.etag)
        return reply


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        reply = route.next_reply({k.lower(): v for k, v in self.headers.items()})
        if reply.reset:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
            self.close_connection = True
            return
        _sleep(reply.delay)
        # the client may give up first (timeout, size cap): expected in these tests
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(reply)

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        if reply.declare_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.status != 304:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _sleep(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.02)


@contextmanager
def http_server(routes: dict[str, Route]) -> Iterator[str]:
    """Serve ``routes`` on 127.0.0.1 in a thread; yields the base URL."""
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()`` in a daemon thread: its result, or its exception re-raised; fails
    (instead of hanging) when it has not returned after ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it would hang"
    if "error" in box:
        raise box["error"]
    return box.get("value")
