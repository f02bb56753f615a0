"""The git boundary: every git command the store runs goes through :class:`GitRepo`.

We drive the git CLI directly (``fast-import`` and ``cat-file --batch`` need
raw pipes). Every call names the repository explicitly (``--git-dir`` and
``--work-tree``), drops ``GIT_*`` variables that could point git elsewhere and
disables hooks, so a store command can never act on another repository (such
as the project checkout that contains ``./snapshots``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from policywatch.errors import StoreError

ZERO_SHA = "0" * 40

# Variables that redirect git to another repository, index or object store.
_REDIRECTING_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
)


class StoreDamaged(StoreError):
    """The store's history cannot be read: HEAD or a commit is missing or corrupt. Never
    taken for an empty store (which would make a report a silent all-clear)."""


def blob_id(data: bytes) -> str:
    """The git object id ``git hash-object`` gives these bytes (SHA-1 repositories)."""
    digest = hashlib.sha1(b"blob %d\0" % len(data))  # noqa: S324 - git's object id
    digest.update(data)
    return digest.hexdigest()


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.git_dir = root / ".git"
        self._env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_ENV}
        self._env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"})

    def argv(self, *args: str) -> list[str]:
        return [
            "git",
            f"--git-dir={self.git_dir}",
            f"--work-tree={self.root}",
            "-c",
            "core.hooksPath=/dev/null",
            *args,
        ]

    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        """Run one git command; its stdout, or :class:`StoreError` with git's message."""
        done = self.run_unchecked(*args, input=input)
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
            raise StoreError(f"{self.root}: git {command} failed: {message}")
        return done.stdout

    def run_unchecked(
        self, *args: str, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                self.argv(*args), input=input, capture_output=True, env=self._env, check=False
            )
        except FileNotFoundError:
            raise StoreError("git is not installed (the store needs the git command)") from None

    def popen(
        self, *args: str, stdin: int | None, stdout: int | None, stderr: IO[bytes]
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(*args), stdin=stdin, stdout=stdout, stderr=stderr, env=self._env
        )

    # -- reading -----------------------------------------------------------

    def head(self) -> str | None:
        """HEAD's commit; None for an empty store (no commit yet).

        :class:`StoreDamaged` when HEAD names a commit that is missing or unreadable:
        that is a damaged store, never an empty one.
        """
        out = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        head = out.decode().strip()
        if head:
            return head
        named = self.run("rev-parse", "--verify", "-q", "HEAD", check=False).decode().strip()
        if named or self._branch_exists():
            raise StoreDamaged(
                f"{self.root}: the store is damaged: HEAD names commit "
                f"{named or '(unreadable ref)'}, which is missing or unreadable; {RESTORE}"
            )
        return None

    def _branch_exists(self) -> bool:
        """Whether the branch HEAD names exists at all (unreadable or not)."""
        try:
            target = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        except OSError:
            return False
        if not target.startswith("ref: "):
            return bool(target)  # a detached HEAD that did not resolve
        ref = target[len("ref: ") :]
        if (self.git_dir / ref).is_file():
            return True
        try:
            packed = (self.git_dir / "packed-refs").read_text(encoding="utf-8")
        except OSError:
            return False
        return any(line.endswith(f" {ref}") for line in packed.splitlines())

    def check_history(self, head: str) -> None:
        """:class:`StoreDamaged` unless every commit reachable from ``head`` can be read
        (one ``rev-list`` over commits only: milliseconds for years of nightly runs)."""
        done = self.run_unchecked("rev-list", "--quiet", head)
        if done.returncode == 0:
            return
        error = done.stderr.decode("utf-8", "replace")
        found = _OBJECT_ID.search(error)
        what = f"commit {found.group(0)} in its history" if found else "its history"
        raise StoreDamaged(
            f"{self.root}: the store is damaged: {what} is missing or unreadable; {RESTORE}"
        )

    def resolve_commit(self, rev: str) -> str | None:
        if not rev or rev.startswith("-"):
            return None
        out = self.run("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.decode().strip() or None

    def commit_time(self, rev: str) -> int:
        return int(self.run("show", "-s", "--format=%ct", rev).decode().strip())

    def ls_tree(self, commit: str) -> dict[str, str]:
        """Every file in ``commit``: path → blob id."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        entries: dict[str, str] = {}
        for record in out.split(b"\0"):
            if record:
                info, path = record.split(b"\t", 1)  # "<mode> blob <id>", path
                entries[path.decode("utf-8", "surrogateescape")] = info[-40:].decode()
        return entries

    def read_blobs(self, names: Sequence[str]) -> list[bytes | None]:
        """Contents of many objects (ids or ``rev:path``) in one pipelined ``cat-file``.

        ``None`` for a name git does not know, and for a blob whose content does not
        hash to its id (a corrupt object is never passed on as a version).
        """
        if not names:
            return []
        request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = self.run("cat-file", "--batch", "--buffer", input=request)
        return _parse_batch(out, len(names))

    def read_blob(self, name: str) -> bytes | None:
        return self.read_blobs([name])[0]

    def object_id(self, name: str) -> str | None:
        """The id ``rev:path`` names, without reading the object (None: no such path)."""
        out = self.run("rev-parse", "--verify", "-q", name, check=False)
        return out.decode().strip() or None

    def untracked_files(self) -> list[str]:
        """Files in the worktree git does not track (nor ignore), from the top."""
        out = self.run(
            "ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", ":/"
        )
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    def has_loose(self, sha: str) -> bool:
        return self._loose_path(sha).exists()

    def write_loose(self, data: bytes) -> str:
        """Write ``data`` as a loose blob, replacing whatever file holds that id now.

        Git itself never rewrites an object it believes it has (fast-import skips
        ids found in a pack, ``unpack-objects`` and ``hash-object`` ids found
        loose), so a corrupt copy would stay: this is how the store heals one.
        """
        sha = blob_id(data)
        target = self._loose_path(sha)
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f"tmp_obj_{os.getpid()}_{secrets.token_hex(4)}")
        try:
            with tmp.open("xb") as out:
                packer = zlib.compressobj(1)
                out.write(packer.compress(b"blob %d\0" % len(data)))
                out.write(packer.compress(data))
                out.write(packer.flush())
                out.flush()
                os.fsync(out.fileno())
            tmp.chmod(0o444)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return sha

    def _loose_path(self, sha: str) -> Path:
        return self.git_dir / "objects" / sha[:2] / sha[2:]

    def object_reader(self) -> ObjectReader:
        return ObjectReader(self)

    # -- writing -------------------------------------------------------------

    def fast_import(self) -> FastImport:
        return FastImport(self)


RESTORE = "restore the store from a backup (git fsck lists the damage)"
_OBJECT_ID = re.compile(r"\b[0-9a-f]{40}\b")


def _parse_batch(out: bytes, count: int) -> list[bytes | None]:
    results: list[bytes | None] = []
    pos = 0
    for _ in range(count):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3 or header[1] not in (b"blob", b"tree", b"commit", b"tag"):
            results.append(None)
            continue
        size = int(header[2])
        data = out[pos : pos + size]
        pos += size + 1  # content, then a newline
        intact = header[1] != b"blob" or blob_id(data) == header[0].decode()
        results.append(data if intact else None)
    return results


class ObjectReader:
    """A persistent ``git cat-file --batch`` for reading objects one at a time (checking
    that an object a write would reuse is intact). Git may give up on a corrupt object;
    the reader then answers None and starts a new ``cat-file`` for the next question."""

    def __init__(self, repo: GitRepo) -> None:
        self._repo = repo
        self._proc: subprocess.Popen[bytes] | None = None

    def read(self, sha: str) -> bytes | None:
        """The blob's bytes if git can read them and they hash to ``sha``, else None."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3:
                if not header:
                    self.close()  # cat-file died on this object
                return None
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
        except (OSError, ValueError):
            self.close()
            return None
        if len(data) != size:
            self.close()
            return None
        return data if header[1] == b"blob" and blob_id(data) == sha else None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                self._repo.argv("cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self._repo._env,
            )
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            proc.stdout.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class FastImport:
    """A streaming ``git fast-import``: blobs go in as they are produced, one commit at the end.

    Objects land in a pack (or loose objects, for small runs); no ref or
    worktree changes until :meth:`commit` returns, so killing the process
    mid-way leaves only unreachable objects behind.
    """

    def __init__(self, repo: GitRepo) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the import
        self._proc = repo.popen(
            "fast-import",
            "--quiet",
            "--force",
            "--done",
            "--date-format=raw",
            "--depth=1",  # short delta chains: reading one meta.json must stay cheap
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        assert self._proc.stdin is not None
        self._in = self._proc.stdin
        self._marks = 0

    def blob(self, data: bytes) -> str:
        self._marks += 1
        mark = f":{self._marks}"
        self._write(b"blob\nmark %s\ndata %d\n" % (mark.encode(), len(data)), data, b"\n")
        return mark

    def commit(
        self,
        ref: str,
        message: str,
        timestamp: int,
        parent: str | None,
        changes: Iterable[tuple[str, str | None]],
    ) -> None:
        """Queue the commit: ``changes`` are (path, mark) to write or (path, None) to delete."""
        who = b"policywatch <policywatch@localhost> %d +0000" % timestamp
        body = message.encode("utf-8")
        lines = [b"commit %s\n" % ref.encode(), b"author %s\n" % who, b"committer %s\n" % who]
        lines.append(b"data %d\n%s\n" % (len(body), body))
        if parent:
            lines.append(b"from %s\n" % parent.encode())
        for path, mark in changes:
            encoded = path.encode("utf-8")
            lines.append(
                b"D %s\n" % encoded
                if mark is None
                else b"M 100644 %s %s\n" % (mark.encode(), encoded)
            )
        lines.append(b"\n")
        self._write(*lines)

    def finish(self) -> None:
        self._write(b"done\n")
        self._in.close()
        if self._proc.wait() != 0:
            raise StoreError(f"git fast-import failed: {self._error()}")
        self._stderr.close()

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        with contextlib.suppress(BrokenPipeError):  # unflushed input for a killed import
            self._in.close()
        self._stderr.close()

    def _write(self, *parts: bytes) -> None:
        try:
            for part in parts:
                self._in.write(part)
        except BrokenPipeError:
            self._proc.wait()
            raise StoreError(f"git fast-import stopped: {self._error()}") from None

    def _error(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip() or "no message"
