"""Opening, locking, recovering and committing to a store repository.

Crash safety, in order of a write:

1. ``Store.open_for_write`` takes ``.git/policywatch/lock`` (filelock; the OS
   releases it when a process dies), checks that HEAD and every commit behind
   it can be read (a damaged store is an error, never an empty one), then
   :func:`recover` undoes whatever a killed run left: stale ``*.lock`` files, a
   half-updated index or worktree, the pending ref, temporary pack files. It
   deletes only files that run wrote (never an untracked file of someone else's).
2. A :class:`Transaction` streams blobs into ``git fast-import``; refs, index
   and worktree are untouched, so a kill here leaves only unreachable objects.
   An id the repository already holds is reused only once its object reads
   back intact; a corrupt one is rewritten first.
3. ``commit`` writes the commit to ``refs/policywatch/pending``, sets the
   ``dirty`` marker, moves HEAD with one atomic ``update-ref`` (compare and
   swap), checks the new tree out with ``reset --hard``, then clears the
   marker. A kill between marker and clear is repaired by step 1 of the next
   write (``reset --hard HEAD``), so HEAD is always a complete commit and the
   worktree always catches up with it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from policywatch.errors import StoreError
from policywatch.store.gitcli import (
    ZERO_SHA,
    FastImport,
    GitRepo,
    ObjectReader,
    StoreDamaged,
    blob_id,
)
from policywatch.store.layout import PolicyFolder, group_folders
from policywatch.store.metadata import Meta
from policywatch.store.runlog import Run

PENDING_REF = "refs/policywatch/pending"
DEFAULT_LOCK_TIMEOUT = 600.0
_README_NAMES = frozenset({"README", "README.md", "README.txt"})

# Repository settings for a store: bytes exactly as fetched, no background gc,
# fast compression (policy text compresses well either way; git gc repacks).
_STORE_CONFIG = (
    ("core.autocrlf", "false"),
    ("core.safecrlf", "false"),
    ("core.compression", "1"),
    ("gc.autoDetach", "false"),
    ("commit.gpgSign", "false"),
)


def default_store_dir() -> Path:
    return Path(os.environ.get("POLICYWATCH_STORE") or "snapshots")


def not_writable(root: str | Path, exc: OSError) -> StoreError:
    reason = exc.strerror or str(exc)
    return StoreError(
        f"{root}: cannot write to the store: {reason} (snapshot and reparse need write access)"
    )


class Store:
    """A policywatch store: a git repository of ``<payer>/<policy>/`` folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git = GitRepo(root)
        self.state_dir = root / ".git" / "policywatch"

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> Store:
        """An existing store, for reading (no lock: readers only see whole commits).

        :class:`StoreDamaged` when HEAD or a commit in its history cannot be read.
        """
        store = cls(Path(root))
        if not (store.state_dir / "store").is_file():
            if (store.root / ".git" / "HEAD").exists():
                raise StoreError(f"{root}: a git repository, but not a policywatch store")
            raise StoreError(
                f"{root}: no policywatch store here (run `policywatch snapshot` first)"
            )
        store.check_history()
        return store

    def check_history(self) -> None:
        """:class:`StoreDamaged` unless HEAD and every commit behind it can be read."""
        head = self.head()
        if head is not None:
            self.git.check_history(head)

    @classmethod
    @contextlib.contextmanager
    def open_for_write(
        cls, root: str | Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> Iterator[Store]:
        """Create the store if needed, hold its lock, and repair a killed run first."""
        store = cls(Path(root))
        lock = FileLock(str(store.state_dir / "lock"), timeout=lock_timeout)
        try:
            store._prepare_dir()
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"{root}: another policywatch run has held the store lock for "
                f"{lock_timeout:g} s; try again later"
            ) from None
        except OSError as exc:
            raise not_writable(root, exc) from None
        try:
            store._init_repository()
            store.check_history()
            recover(store)
            yield store
        finally:
            store.close()
            lock.release()

    def _prepare_dir(self) -> None:
        git_dir = self.root / ".git"
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: not a directory")
        if (git_dir / "HEAD").exists() and not self.state_dir.is_dir():
            raise StoreError(
                f"{self.root}: a git repository that is not a policywatch store; "
                "refusing to write there"
            )
        if self.root.is_dir():
            # One listing, not `.git` looked up first and the folder listed after: a
            # concurrent first run may create `.git` in between, and is no stranger.
            names = {p.name for p in self.root.iterdir()}
            others = sorted(names - _README_NAMES - {".git"})
            if others and ".git" not in names:
                raise StoreError(
                    f"{self.root}: not empty and not a policywatch store "
                    f"(found {others[0]!r}); choose an empty or new directory"
                )
        # Our state folder exists before `git init`, which is how a half-made
        # store is told apart from someone else's repository.
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def _init_repository(self) -> None:
        marker = self.state_dir / "store"
        if marker.is_file():
            return
        self.git.run("init", "-q", "-b", "main")
        for key, value in _STORE_CONFIG:  # git config: each written whole, then renamed
            self.git.run("config", key, value)
        exclude = self.root / ".git" / "info" / "exclude"
        exclude.parent.mkdir(exist_ok=True)
        names = "".join(f"/{name}\n" for name in sorted(_README_NAMES))
        exclude.write_text("# a README beside the store is not part of it\n" + names)
        _write_atomic(marker, b"policywatch store, schema 1\n")

    def close(self) -> None:
        """End the git processes this store keeps (they also end when it goes)."""
        self.git.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reading current state ---------------------------------------------

    def head(self) -> str | None:
        return self.git.head()

    def head_time(self) -> int | None:
        head = self.head()
        return self.git.commit_time(head) if head else None

    def tree(self, rev: str = "HEAD") -> dict[str, str]:
        """path → blob id of every file at ``rev`` (empty for an empty store)."""
        commit = self.git.resolve_commit(rev)
        return self.git.ls_tree(commit) if commit else {}

    def folders(self, rev: str = "HEAD") -> dict[str, PolicyFolder]:
        return group_folders(self.tree(rev))

    def read_meta(self, folders: list[PolicyFolder]) -> dict[str, Meta]:
        """policy dir → its meta.json, for many folders with one ``cat-file`` call
        (folders without a readable meta.json are left out)."""
        wanted = [f for f in folders if f.meta_blob]
        blobs = self.git.read_blobs([f.meta_blob for f in wanted if f.meta_blob])
        found = {}
        for folder, data in zip(wanted, blobs, strict=True):
            meta = Meta.from_bytes(data)
            if meta is not None:
                found[folder.dir] = meta
        return found

    def read_blob(self, blob: str) -> bytes | None:
        """One object's bytes (None when absent or corrupt)."""
        return self.git.read_blob(blob)

    def read_blobs(self, blobs: list[str]) -> list[bytes | None]:
        """Many objects' bytes in one pipelined read, in order (None where absent)."""
        return self.git.read_blobs(blobs)

    # -- checks ----------------------------------------------------------------

    def fsck_problem(self) -> str | None:
        """What ``git fsck --strict`` finds wrong (its first lines), or None."""
        done = self.git.run_unchecked("fsck", "--strict", "--no-dangling", "--no-progress")
        if done.returncode == 0:
            return None
        lines = (done.stderr + done.stdout).decode("utf-8", "replace").strip().splitlines()
        return "; ".join(lines[:3]) or f"exit {done.returncode}"

    def worktree_differs(self) -> bool:
        """The checked-out files differ from the last commit (an interrupted run?)."""
        return bool(self.git.run("status", "--porcelain", check=False).strip())

    def transaction(self) -> Transaction:
        """Changes against HEAD, committed at once (requires :meth:`open_for_write`)."""
        head = self.head()
        return Transaction(self, head, self.git.ls_tree(head) if head else {})


@dataclass
class _Change:
    mark: str | None  # None: delete


class Transaction:
    """File changes against one base commit; writes nothing visible until :meth:`commit`.

    A put whose bytes equal the base blob is dropped, so a run commits only
    when the tree really changes.
    """

    def __init__(self, store: Store, parent: str | None, base: dict[str, str]) -> None:
        self.store = store
        self.parent = parent
        self.base = base
        self._changes: dict[str, _Change] = {}
        self._importer: FastImport | None = None
        self._reader: ObjectReader | None = None
        self._checked: set[str] = set()  # ids known intact in this transaction
        self._base_ids: frozenset[str] | None = None

    @property
    def changed(self) -> bool:
        return bool(self._changes)

    def put(self, path: str, data: bytes) -> bool:
        """Stage ``data`` at ``path``; False when the base already holds exactly that.

        If the repository already has an object with this id, it is reused only when
        it reads back as exactly these bytes; otherwise it is rewritten first, so a
        corrupt object never becomes (or stays) a current version.
        """
        sha = blob_id(data)
        stored = self._ensure_intact(sha, data)
        if self.base.get(path) == sha:
            self._changes.pop(path, None)
            return False
        self._changes[path] = _Change(sha if stored else self._ensure_importer().blob(data))
        return True

    def _ensure_intact(self, sha: str, data: bytes) -> bool:
        """True when the repository holds ``sha`` intact (rewritten here if it was
        corrupt); False when it does not hold it at all."""
        if sha in self._checked:
            return True
        if self._reader is None:
            self._reader = self.store.git.object_reader()
        found = self._reader.read(sha)
        if found is None and not self.store.git.has_loose(sha) and sha not in self._in_base():
            return False  # a new object: fast-import writes it
        if found != data:
            try:
                self.store.git.write_loose(data)
            except OSError as exc:
                raise not_writable(self.store.root, exc) from None
            if self._reader.read(sha) != data:
                raise StoreDamaged(
                    f"{self.store.root}: the store is damaged: object {sha} is corrupt and "
                    "could not be rewritten; restore the store from a backup "
                    "(git fsck lists the damage)"
                )
        self._checked.add(sha)
        return True

    def delete(self, path: str) -> None:
        if path in self.base:
            self._ensure_importer()
            self._changes[path] = _Change(None)
        else:
            self._changes.pop(path, None)

    def _ensure_importer(self) -> FastImport:
        if self._importer is None:
            self._importer = self.store.git.fast_import()
        return self._importer

    def commit(self, run: Run | str, when: datetime, allow_empty: bool = False) -> str | None:
        """One commit with every staged change dated ``when``, its message ``run``'s run
        log (a string is taken as is, like a hand commit's); None if nothing changed,
        unless ``allow_empty`` (a run that must be on record even though no file changed,
        such as one whose only outcomes were failures)."""
        if not self._changes and not allow_empty:
            self.abort()
            return None
        message = run if isinstance(run, str) else run.message()
        self._close_reader()
        importer = self._ensure_importer()
        changes = [(path, c.mark) for path, c in sorted(self._changes.items())]
        importer.commit(PENDING_REF, message, int(when.timestamp()), self.parent, changes)
        importer.finish()
        self._importer = None
        new = self.store.git.resolve_commit(PENDING_REF)
        if new is None:
            raise StoreError(f"{self.store.root}: git fast-import left no commit to publish")
        try:
            _publish(self.store, new, self.parent)
        except OSError as exc:
            raise not_writable(self.store.root, exc) from None
        # Each run adds a pack; let git consolidate when they pile up (a no-op
        # check most nights; crash-safe by git's own design).
        self.store.git.run("gc", "--auto", "--quiet", check=False)
        return new

    def abort(self) -> None:
        self._close_reader()
        if self._importer is not None:
            self._importer.abort()
            self._importer = None

    def _in_base(self) -> frozenset[str]:
        if self._base_ids is None:
            self._base_ids = frozenset(self.base.values())
        return self._base_ids

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _publish(store: Store, new: str, old: str | None) -> None:
    """Move HEAD to ``new`` and check it out; the marker covers the non-atomic part."""
    marker = store.state_dir / "dirty"
    _write_atomic(marker, new.encode() + b"\n")
    # Compare-and-swap: fails if HEAD moved since the run started (it cannot,
    # under the lock, unless someone committed by hand).
    store.git.run("update-ref", "-m", "policywatch", "HEAD", new, old or ZERO_SHA)
    _checkout_head(store)
    store.git.run("update-ref", "-d", PENDING_REF)
    marker.unlink()


def recover(store: Store) -> bool:
    """Undo what a killed run left behind. True when anything needed repair.

    Tracked files go back to HEAD. Of the files git does not track, only those the
    killed run wrote are deleted: a path of the commit it was publishing (the
    ``dirty`` marker names it) that still holds exactly that commit's bytes.
    Anything else (an analyst's notes, a file edited since) is left alone.
    """
    git_dir = store.root / ".git"
    stale = _stale_locks(git_dir)
    marker = store.state_dir / "dirty"
    for path in _temporary_objects(git_dir):
        path.unlink(missing_ok=True)
    if not stale and not marker.exists():
        return False
    publishing = _marked_commit(store, marker)
    for path in stale:
        path.unlink(missing_ok=True)
    head = store.head()
    if head is None:
        store.git.run("read-tree", "--empty")
    else:
        _checkout_head(store)
    if publishing is not None and publishing != head:
        _remove_written(store, publishing)
    store.git.run("update-ref", "-d", PENDING_REF, check=False)
    marker.unlink(missing_ok=True)
    return True


def _marked_commit(store: Store, marker: Path) -> str | None:
    """The commit the ``dirty`` marker says was being published, if it can be read."""
    try:
        named = marker.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return store.git.resolve_commit(named) if len(named) == 40 else None


def _remove_written(store: Store, commit: str) -> None:
    """Delete untracked files that hold exactly what ``commit`` put at their path."""
    written = store.git.ls_tree(commit)
    for name in store.git.untracked_files():
        sha = written.get(name)
        path = store.root / name
        if sha is None or path.is_symlink() or not path.is_file():
            continue
        if blob_id(path.read_bytes()) == sha:
            path.unlink()
            _remove_empty_parents(store.root, path.parent)


def _remove_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only ever succeeds on an empty folder
        except OSError:
            return
        folder = folder.parent


def _checkout_head(store: Store) -> None:
    """``reset --hard HEAD``; a big checkout (a first run of thousands of policies)
    writes files on every core (git's parallel checkout; small ones stay serial)."""
    store.git.run("-c", "checkout.workers=0", "reset", "--hard", "-q", "HEAD")


def _stale_locks(git_dir: Path) -> list[Path]:
    """Git lock files; under our store lock, only a killed git can have left them."""
    found = [git_dir / name for name in ("index.lock", "HEAD.lock", "packed-refs.lock")]
    found = [p for p in found if p.exists()]
    refs = git_dir / "refs"
    if refs.is_dir():
        found.extend(refs.rglob("*.lock"))
    return found


def _temporary_objects(git_dir: Path) -> list[Path]:
    pack = git_dir / "objects" / "pack"
    if not pack.is_dir():
        return []
    return [p for p in pack.iterdir() if p.name.startswith("tmp_")]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
