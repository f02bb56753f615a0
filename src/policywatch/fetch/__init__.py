"""Fetch stage: a source → its document bytes, or a reason it could not be had.

URLs are fetched over HTTP(S) only (``fetch/http.py``, imported at a run's first
URL: a run over local files never loads httpx), with an overall deadline per
attempt (enforced on every socket read and write, so a server that trickles one
byte a second is cut off at the deadline, headers included), a size cap enforced
while streaming, bounded retries with exponential backoff on transient trouble
(connection errors, timeouts, 5xx, 429), and conditional requests (ETag /
Last-Modified from the last stored version). Redirects are followed to http(s)
URLs only: one to ``file://``, ``ftp://`` or any other scheme fails at once,
without retries. The URL the bytes finally came from is
:attr:`FetchOutcome.final_url`. Local ``path`` sources are read here, with
:func:`policywatch.extract.read_document` (regular files only, size-capped).

Nothing here raises for a bad source: :func:`Fetcher.fetch` returns a
:class:`FetchOutcome` whose ``status`` says what happened, so one bad source
never stops a run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from policywatch.errors import FetchError, InputError, PolicywatchError
from policywatch.extract import MAX_DOCUMENT_BYTES, read_document
from policywatch.sources import Source

if TYPE_CHECKING:
    from policywatch.fetch.http import HttpSession

FetchStatus = Literal["ok", "not_modified", "failed"]


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a version, for the next conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FetchSettings:
    """How URLs are fetched.

    ``timeout``: the overall deadline of one attempt, in seconds — connecting,
    sending the request and receiving the whole response (headers and body) must
    all be done within it, however the server paces its bytes. A source's total
    time is at most ``(retries + 1) * timeout`` plus the backoff waits.
    """

    timeout: float = 30.0  # seconds: overall deadline per attempt (see above)
    retries: int = 3  # extra attempts after the first, on transient errors only
    backoff: float = 1.0  # first wait; doubles each retry, capped at 30 s
    max_bytes: int = MAX_DOCUMENT_BYTES

    @classmethod
    def from_env(cls, **overrides: float | int | None) -> FetchSettings:
        """Defaults, then ``POLICYWATCH_FETCH_{TIMEOUT,RETRIES,BACKOFF}`` and
        ``POLICYWATCH_MAX_BYTES``, then explicit non-None overrides."""
        values: dict[str, float | int] = {}
        for name, cast in (("timeout", float), ("retries", int), ("backoff", float)):
            raw = os.environ.get(f"POLICYWATCH_FETCH_{name.upper()}")
            if raw:
                values[name] = _env_number(f"POLICYWATCH_FETCH_{name.upper()}", raw, cast)
        raw_max = os.environ.get("POLICYWATCH_MAX_BYTES")
        if raw_max:
            values["max_bytes"] = _env_number("POLICYWATCH_MAX_BYTES", raw_max, int)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _env_number(name: str, raw: str, cast: type[float] | type[int]) -> float | int:
    try:
        value = cast(raw)
    except ValueError:
        raise PolicywatchError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise PolicywatchError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class FetchOutcome:
    status: FetchStatus
    data: bytes | None = None
    validators: Validators = field(default_factory=Validators)
    error: str | None = None
    attempts: int = 1
    # The URL the answer came from after redirects (the requested one when none);
    # None for local files and failed fetches.
    final_url: str | None = None


class Fetcher:
    """Reads sources for a whole run: local files directly, URLs through one HTTP
    session (connection pooling; started, and httpx imported, at the first URL).
    Use as a context manager."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._http: HttpSession | None = None
        self._lock = threading.Lock()  # fetch() runs in several threads

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def fetch(self, source: Source, prior: Validators | None = None) -> FetchOutcome:
        """Never raises for a source's own trouble; see :class:`FetchOutcome`."""
        if source.url is None:
            return _read_local(source)
        try:
            return self._session().fetch(source.url, prior or Validators())
        except FetchError as exc:
            return FetchOutcome("failed", error=str(exc))

    def _session(self) -> HttpSession:
        with self._lock:
            if self._http is None:
                from policywatch.fetch.http import HttpSession

                self._http = HttpSession(self.settings)
            return self._http


def read_plain_file(path: str) -> bytes | None:
    """The bytes of a regular file under the size limit; None for anything else (a
    FIFO or a device is never opened, so this never blocks). Reruns over thousands
    of files spend most of their time here: one stat, one open, one fstat, one read."""
    try:
        return read_document(path, MAX_DOCUMENT_BYTES)
    except InputError:
        return None


def _read_local(source: Source) -> FetchOutcome:
    data = read_plain_file(source.location)
    if data is None:  # the unusual cases: read_document says what is wrong
        try:
            data = read_document(source.location)
        except PolicywatchError as exc:
            return FetchOutcome("failed", error=str(exc))
    if not data.strip():
        return FetchOutcome("failed", error=f"{source.location}: empty file")
    return FetchOutcome("ok", data)
