"""A policy's history as an analyst asks for it: which stored policy a name means, each
version with a line saying what it changed (``log``), and ``POLICY@REV`` /
``POLICY@DATE`` references (``show``, ``diff``).

Each logged version also says where it came from — the source id, plan / line of
business and URL or path its ``meta.json`` held when it was recorded — so a policy
that moved URL or plan shows it where it happened.

The layer above the store: names are matched with the sources' slug rule
(:func:`policywatch.sources.slugify`), and versions are compared with the diff engine
and said in a line by :func:`policywatch.render.version_summary` — none of which the
store may import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policywatch.diff import diff_policies
from policywatch.errors import StoreError
from policywatch.model import Policy
from policywatch.render import version_summary
from policywatch.sources import slugify
from policywatch.store import (
    META_FILE,
    Meta,
    Store,
    StoreDamaged,
    Version,
    load_policy,
    policy_text_at,
    policy_texts,
    policy_versions,
    store_path,
)


def find_policy(store: Store, name: str) -> str | None:
    """The folder (``payer-slug/policy-slug``) a source id or folder path names, or None."""
    folders = {d: f for d, f in store.folders().items() if f.has_policy}
    if name in folders:
        return name
    slug = slugify(name)
    candidates = [f for d, f in folders.items() if d.split("/")[1] == slug]
    if len(candidates) > 1:
        metas = store.read_meta(candidates)
        exact = [f for f in candidates if (m := metas.get(f.dir)) is not None and m.id == name]
        candidates = exact or candidates
    if len(candidates) > 1:
        listed = ", ".join(sorted(f.dir for f in candidates))
        raise StoreError(f"{name!r} is ambiguous in {store.root}: use one of {listed}")
    return candidates[0].dir if candidates else None


def require_policy(store: Store, name: str) -> str:
    found = find_policy(store, name)
    if found is None:
        raise StoreError(f"no policy {name!r} in the store at {store.root}")
    return found


# -- log: versions, described ---------------------------------------------------------------


@dataclass(frozen=True)
class LoggedVersion:
    """A version of a policy and one line of what it changed."""

    version: Version
    summary: str
    meta: Meta | None = None  # the source as meta.json said when this version was recorded

    @property
    def commit(self) -> str:
        return self.version.commit

    @property
    def date(self) -> str:
        return self.version.date

    @property
    def run(self) -> str:
        return self.version.run

    @property
    def source_id(self) -> str | None:
        return self.meta.id if self.meta else None

    @property
    def plan(self) -> str | None:
        return self.meta.plan if self.meta else None

    @property
    def source(self) -> str | None:
        """The URL or path the version was fetched from."""
        return self.meta.source if self.meta else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.version.commit,
            "date": self.version.date,
            "run": self.version.run,
            "policy_change": self.version.is_policy_change,
            "summary": self.summary,
            "source_id": self.source_id,
            "plan": self.plan,
            "source": self.source,
        }


def versions(store: Store, policy_dir: str) -> list[LoggedVersion]:
    """Every version with a one-line account of what it changed, oldest first."""
    found = policy_versions(store, policy_dir)
    texts = policy_texts(store, policy_dir, [v.commit for v in found])
    metas = store.read_blobs([f"{v.commit}:{store_path(policy_dir, META_FILE)}" for v in found])
    described: list[LoggedVersion] = []
    previous: Policy | None = None
    for version, data, meta in zip(found, texts, metas, strict=True):
        current = load_policy(data)
        compared = None
        if previous is not None and current is not None:
            compared = diff_policies(previous, current)
        summary = version_summary(version.run, current, compared)
        described.append(LoggedVersion(version, summary, Meta.from_bytes(meta)))
        previous = current if current is not None else previous
    return described


def source_line(found: list[LoggedVersion]) -> str | None:
    """One line saying where the newest version came from, for the head of ``log``:
    ``source bcbsla-00220 · plan Commercial PPO · https://…`` (None when unknown)."""
    latest = found[-1] if found else None
    if latest is None or latest.meta is None:
        return None
    parts = [
        f"source {latest.source_id}" if latest.source_id else None,
        f"plan {latest.plan}" if latest.plan else None,
        latest.source,
    ]
    shown = [p for p in parts if p]
    return " · ".join(shown) if shown else None


# -- references: POLICY@REV, POLICY@DATE ----------------------------------------------------


def split_reference(ref: str) -> tuple[str, str | None]:
    """``POLICY@AT`` → (POLICY, AT); a bare ``POLICY`` → (POLICY, None)."""
    name, sep, at = ref.rpartition("@")
    if not sep or not name:
        return ref, None
    return name, at


def locate(store: Store, ref: str) -> tuple[str, str | None]:
    """``POLICY[@REV|@DATE]`` → (the policy's folder, REV / DATE or None): the one
    reading of a reference every command uses. An id that itself contains "@" is
    a policy, not a reference; a policy the store does not hold is a StoreError."""
    policy_dir, at = _named(store, ref)
    if policy_dir is None:
        return require_policy(store, split_reference(ref)[0]), at
    return policy_dir, at


def _named(store: Store, ref: str) -> tuple[str | None, str | None]:
    name, at = split_reference(ref)
    if at is not None and (whole := find_policy(store, ref)) is not None:
        return whole, None
    return find_policy(store, name), at


def resolve_reference(store_dir: str | Path, ref: str) -> Policy | None:
    """``POLICY@REV`` / ``POLICY@YYYY-MM-DD`` → that stored version, for ``diff``.

    None when ``ref`` is not of that form or names no stored policy (so the
    caller can treat it as a file); :class:`StoreError` when the policy exists
    but has no version at that commit or date.
    """
    if not split_reference(ref)[1]:
        return None
    try:
        store = Store.open(store_dir)
    except StoreDamaged:
        raise  # a damaged store is an error, not a reason to read a file instead
    except StoreError:
        return None
    with store:
        policy_dir, at = _named(store, ref)
        if policy_dir is None or not at:
            return None
        _, text = policy_text_at(store, policy_dir, at)
    return Policy.from_json(text)
