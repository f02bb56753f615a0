"""``find``: coverage statements and code rows by code, wording or status — in the current
versions, or across every stored version with when each appeared and disappeared.

A *hit* is one coverage statement or one code row of one policy:

- ``code``: code rows that are the code, or ranges that contain it
  (:func:`.codes.code_match`), in any system;
- ``text``: statements whose indication or wording contains the phrase, and code
  rows whose description does (case, spacing and punctuation ignored);
- ``status``: statements with that status; with ``code`` or ``text``, code rows of
  policies that have a statement with it.

A code row reads as covered however its policy's statements say: each code hit
carries the policy's statuses. With ``history``, a hit is identified across
versions by what it is (a statement by its indication and status, a code row by
system and code), so a statement whose status flipped is one hit gone and another
appeared on that date; the latest wording of each is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from policywatch.diff.normalize import norm_key, norm_text
from policywatch.errors import Argument
from policywatch.model import Code, Coverage, CoverageStatus, Policy
from policywatch.portfolio.codes import code_match
from policywatch.portfolio.versions import (
    READ_BATCH,
    PortfolioError,
    Step,
    recorded_steps,
    tracked,
)
from policywatch.store import Meta, Store, load_policy, read_blobs_by_id


@dataclass(frozen=True)
class FindQuery:
    code: str | None = None
    text: str | None = None
    status: CoverageStatus | None = None

    def __post_init__(self) -> None:
        if not (self.code or self.text or self.status):
            raise PortfolioError(
                "find what? give ", Argument("code"), " CODE, ", Argument("text"),
                " PHRASE or ", Argument("status"), " STATUS",
            )  # fmt: skip
        if self.text is not None and not norm_key(self.text):
            raise PortfolioError(Argument("text"), " needs a word or number to look for")

    def describe(self) -> str:
        parts = []
        if self.code:
            parts.append(f"code {self.code}")
        if self.text:
            parts.append(f"text '{self.text}'")
        if self.status:
            parts.append(f"status {self.status.value.replace('_', ' ')}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Hit:
    """One statement or code row that answers the query, and whose policy it is."""

    policy_dir: str
    source_id: str | None
    payer: str | None
    plan: str | None
    policy_number: str | None
    title: str | None
    source: str | None
    kind: str  # "coverage" | "code"
    item: str  # the statement's wording, or "CPT 17260-17286: description"
    status: str | None  # a statement's status; None for a code row
    statuses: tuple[str, ...]  # the policy's statuses (how a code row is covered)
    match: str  # why it is a hit: "17270 is in range 17260-17286", "status …"
    indication: str | None = None
    system: str | None = None
    code: str | None = None
    description: str | None = None
    first_seen: datetime | None = None  # history: the version it appeared in
    first_commit: str | None = None
    gone_at: datetime | None = None  # history: the version it was gone from (None: still)
    gone_commit: str | None = None

    @property
    def name(self) -> str:
        return self.source_id or self.policy_dir


@dataclass(frozen=True)
class FindResult:
    query: FindQuery
    history: bool
    hits: tuple[Hit, ...]
    policies_searched: int
    versions_read: int


def find(store_dir: str | Path, query: FindQuery, history: bool = False) -> FindResult:
    with Store.open(store_dir) as store:
        if history:
            return _in_history(store, query)
        hits: list[Hit] = []
        searched = 0
        for entry in tracked(store):
            searched += 1
            hits += [hit for _, hit in policy_hits(entry.policy, entry.dir, entry.meta, query)]
        return FindResult(query, False, tuple(sorted(hits, key=_order)), searched, searched)


def policy_hits(
    policy: Policy, policy_dir: str, meta: Meta, query: FindQuery
) -> Iterator[tuple[tuple[str, ...], Hit]]:
    """The hits in one version of one policy, each with its identity across versions."""
    statuses = tuple(dict.fromkeys(c.status.value for c in policy.coverage))
    base = _Owner(
        policy_dir=policy_dir,
        source_id=meta.id,
        payer=policy.payer or meta.payer,
        plan=meta.plan,
        policy_number=policy.policy_number,
        title=policy.title or meta.title,
        source=meta.source,
        statuses=statuses,
    )
    if not query.code:
        for statement in policy.coverage:
            why = _statement_match(statement, query)
            if why is not None:
                key = ("coverage", norm_key(statement.indication), statement.status.value)
                yield key, _statement_hit(base, statement, why)
    if query.status and query.status.value not in statuses:
        return  # a code row is a hit only in a policy with a statement of that status
    if not (query.code or query.text):
        return
    seen: set[tuple[str, ...]] = set()
    for code in policy.codes:
        why = _code_match(code, query)
        key = ("code", code.system.upper(), norm_key(code.code))
        if why is not None and key not in seen:
            seen.add(key)
            yield key, _code_hit(base, code, why)


def _statement_match(statement: Coverage, query: FindQuery) -> str | None:
    reasons = []
    if query.text:
        phrase = norm_key(query.text)
        inside = f" {norm_key(statement.indication)} {norm_key(statement.text)} "
        if f" {phrase} " not in inside:
            return None
        reasons.append(f"'{query.text}' in the statement")
    if query.status:
        if statement.status != query.status:
            return None
        reasons.append(f"status {query.status.value.replace('_', ' ')}")
    return "; ".join(reasons) or None


def _code_match(code: Code, query: FindQuery) -> str | None:
    if query.code:
        how = code_match(code, query.code)
        if how is None:
            return None
        if how == "range":
            return f"{query.code} is in range {norm_text(code.code)}"
        return f"code {norm_text(code.code)}"
    if query.text:
        phrase = norm_key(query.text)
        if f" {phrase} " in f" {norm_key(code.description)} ":
            return f"'{query.text}' in the description"
    return None


@dataclass(frozen=True)
class _Owner:
    """The policy a hit belongs to, as every hit of one version names it."""

    policy_dir: str
    source_id: str | None
    payer: str | None
    plan: str | None
    policy_number: str | None
    title: str | None
    source: str | None
    statuses: tuple[str, ...]

    def hit(self, kind: str, item: str, status: str | None, match: str) -> Hit:
        return Hit(
            self.policy_dir, self.source_id, self.payer, self.plan, self.policy_number,
            self.title, self.source, kind, item, status, self.statuses, match,
        )  # fmt: skip


def _statement_hit(owner: _Owner, statement: Coverage, why: str) -> Hit:
    hit = owner.hit("coverage", norm_text(statement.text), statement.status.value, why)
    return replace(hit, indication=norm_text(statement.indication))


def _code_hit(owner: _Owner, code: Code, why: str) -> Hit:
    label = f"{code.system} {norm_text(code.code)}"
    description = norm_text(code.description) or None
    hit = owner.hit("code", f"{label}: {description}" if description else label, None, why)
    return replace(hit, system=code.system, code=norm_text(code.code), description=description)


# -- across every stored version --------------------------------------------------------------


@dataclass
class _Open:
    hit: Hit
    since: Step


def _in_history(store: Store, query: FindQuery) -> FindResult:
    steps = recorded_steps(store)
    metas = store.read_meta([f for f in store.folders().values() if f.has_policy])
    # every (policy, version) once; a blob two policies share is read once
    versions = sorted({(d, s.after) for d, found in steps.items() for s in found if s.after})
    found_in: dict[tuple[str, str], list[tuple[tuple[str, ...], Hit]]] = {}
    for i in range(0, len(versions), READ_BATCH):
        batch = versions[i : i + READ_BATCH]
        texts = read_blobs_by_id(store, [blob for _, blob in batch])
        for policy_dir, blob in batch:
            policy = load_policy(texts.get(blob))
            if policy is not None:
                meta = metas.get(policy_dir) or Meta()
                found_in[policy_dir, blob] = list(policy_hits(policy, policy_dir, meta, query))
    hits: list[Hit] = []
    for policy_dir, found in sorted(steps.items()):
        hits += _spans(found, found_in, policy_dir)
    return FindResult(query, True, tuple(sorted(hits, key=_order)), len(steps), len(versions))


def _spans(
    steps: list[Step],
    found_in: dict[tuple[str, str], list[tuple[tuple[str, ...], Hit]]],
    policy_dir: str,
) -> list[Hit]:
    """Each hit's appearances in one policy's versions: from the version it appeared in
    to the version it was gone from (open when it is still there)."""
    opened: dict[tuple[str, ...], _Open] = {}
    done: list[Hit] = []
    for step in steps:
        if step.after is None:
            now: dict[tuple[str, ...], Hit] = {}
        elif (policy_dir, step.after) in found_in:
            now = dict(found_in[policy_dir, step.after])
        else:
            continue  # an unreadable version says nothing either way
        for key in [k for k in opened if k not in now]:
            gone = opened.pop(key)
            done.append(_dated(gone.hit, gone.since, step))
        for key, hit in now.items():
            if key in opened:
                opened[key].hit = hit  # the latest wording
            else:
                opened[key] = _Open(hit, step)
    done += [_dated(o.hit, o.since, None) for o in opened.values()]
    return done


def _dated(hit: Hit, since: Step, gone: Step | None) -> Hit:
    return replace(
        hit,
        first_seen=since.recorded_at,
        first_commit=since.commit,
        gone_at=gone.recorded_at if gone else None,
        gone_commit=gone.commit if gone else None,
    )


def _order(hit: Hit) -> tuple[str, str, str, str, int, str, str]:
    return (
        (hit.payer or "").casefold(),
        (hit.plan or "").casefold(),
        hit.policy_number or "",
        hit.policy_dir,
        0 if hit.kind == "coverage" else 1,
        hit.first_seen.isoformat() if hit.first_seen else "",
        hit.item,
    )
