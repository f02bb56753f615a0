"""One source's work: fetch, normalize, and the plausibility verdict on the document
alone — no store writes, plain data in and out (it runs on worker processes and
Dask workers as well as in the writer).

* bytes identical to the stored raw file are ``unchanged`` without parsing, and so
  is a URL answering 304;
* new bytes whose normalized policy is identical are ``unchanged`` too (dynamic
  page furniture would otherwise commit nightly);
* a failed fetch is a failure of stage ``fetch``; bytes that fetched but do not
  parse, of stage ``parse`` (a parser bug included: one document never stops a run);
* a document that parsed gets the gate's verdict on it alone
  (:mod:`policywatch.parse.plausibility`); the writer decides what it means
  (:mod:`.record`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.fetch import Fetcher, FetchSettings, Validators
from policywatch.model import Policy
from policywatch.normalize import policy_json as normalize
from policywatch.parse.plausibility import Verdict, VerdictKind, assess, policy_text
from policywatch.snapshot.outcomes import Status
from policywatch.sources import Source
from policywatch.store import Meta, PolicyFolder, blob_id


@dataclass(frozen=True)
class Prior:
    """What the store holds for a source, as much as fetch + parse need."""

    raw_blob: str | None = None
    json_blob: str | None = None
    payer: str | None = None
    location: str | None = None
    validators: Validators = field(default_factory=Validators)

    @classmethod
    def of(cls, folder: PolicyFolder | None, meta: Meta | None) -> Prior | None:
        if folder is None or not folder.has_policy:
            return None
        meta = meta or Meta()
        validators = Validators(meta.etag, meta.last_modified)
        return cls(folder.raw_blob, folder.json_blob, meta.payer, meta.source, validators)


@dataclass(frozen=True)
class Processed:
    """Fetch + parse result for one source (plain data: picklable for a worker pool)."""

    status: Status
    stage: str | None = None  # "fetch" | "parse" | "worker" | "suspect" | "retired" when failed
    error: str | None = None
    data: bytes | None = None  # raw bytes to record (new version, or failed/)
    policy_json: str | None = None
    validators: Validators = field(default_factory=Validators)
    parsed: bool = False  # the parser ran (unchanged bytes and 304s never parse)
    # The gate's verdict on the document alone when it is not "ok" (the writer decides,
    # with --accept and the previous version, whether it is recorded).
    verdict: VerdictKind | None = None
    reason: str | None = None
    final_url: str | None = None  # where the fetch ended up after redirects, if elsewhere


Job = tuple[Source, Prior | None]


def process_source(source: Source, prior: Prior | None, fetcher: Fetcher) -> Processed:
    """Fetch and parse one source, compared with what the store holds; never raises."""
    same_place = prior is not None and prior.location == source.location
    outcome = fetcher.fetch(source, prior.validators if prior and same_place else None)
    if outcome.status == "failed":
        return Processed("failed", "fetch", outcome.error)
    if outcome.status == "not_modified":
        if prior is not None:
            return Processed("unchanged")
        return Processed("failed", "fetch", "HTTP 304 Not Modified, but no version is stored")
    data = outcome.data or b""
    if prior and prior.raw_blob == blob_id(data) and prior.payer == source.payer:
        return Processed("unchanged")  # same bytes: nothing to parse
    final_url = _final_url(source, outcome)
    try:
        policy_json = normalize(data, source.payer)
    except PolicywatchError as exc:
        return _parse_failed(str(exc), data, outcome.validators, final_url)
    except Exception as exc:  # a parser bug on one document must not stop the run
        error = f"parser error: {type(exc).__name__}: {exc}"
        return _parse_failed(error, data, outcome.validators, final_url)
    if prior and prior.json_blob == blob_id(policy_json.encode("utf-8")):
        return Processed("unchanged", parsed=True)
    status: Status = "changed" if prior else "added"
    verdict = judge(policy_json)
    return Processed(
        status,
        None,
        None,
        data,
        policy_json,
        outcome.validators,
        parsed=True,
        verdict=None if verdict.ok else verdict.kind,
        reason=verdict.reason or None,
        final_url=final_url,
    )


def _parse_failed(
    error: str, data: bytes, validators: Validators, final_url: str | None
) -> Processed:
    return Processed(
        "failed", "parse", error, data, validators=validators, parsed=True, final_url=final_url
    )


def judge(policy_json: str, previous: Policy | None = None) -> Verdict:
    """The plausibility gate on a parsed document (against ``previous``, the version it
    would replace, when given). A bug in the gate holds the document back rather than
    record it unchecked."""
    try:
        policy = Policy.from_json(policy_json)
        return assess(policy, policy_text(policy), previous)
    except Exception as exc:
        return Verdict("suspect", f"plausibility check error: {type(exc).__name__}: {exc}")


def _final_url(source: Source, outcome: Any) -> str | None:
    """Where a URL fetch ended after redirects, when that is not the configured URL."""
    final = getattr(outcome, "final_url", None)
    if not isinstance(final, str) or not final or final == source.url:
        return None
    return final


def process_batch(jobs: list[Job], settings: FetchSettings) -> list[Processed]:
    """A worker's task: fetch + parse each job (in a worker process or on a Dask worker)."""
    fetcher = _worker_fetcher(settings)
    return [process_source(source, prior, fetcher) for source, prior in jobs]


def process_jobs(jobs: list[Job], fetcher: Fetcher) -> list[Processed]:
    """The same work in this process, with the run's own HTTP client."""
    return [process_source(source, prior, fetcher) for source, prior in jobs]


_FETCHERS: dict[FetchSettings, Fetcher] = {}
_FETCHERS_LOCK = threading.Lock()


def _worker_fetcher(settings: FetchSettings) -> Fetcher:
    """One HTTP client per worker process and settings: connections are reused
    across batches (Dask workers may run batches in several threads)."""
    with _FETCHERS_LOCK:
        fetcher = _FETCHERS.get(settings)
        if fetcher is None:
            fetcher = _FETCHERS[settings] = Fetcher(settings)
        return fetcher
