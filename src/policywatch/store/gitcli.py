"""The git boundary: every git call the store makes goes through :class:`GitRepo`, and
:class:`GitRepo` reaches git only through GitPython.

How each job gets to git:

* **references**: GitPython's ``Repo`` reads HEAD, the branch it names and other
  ``refs/…`` (loose or packed) in Python, without starting git;
* **objects**: GitPython's persistent ``git cat-file --batch`` (``Git.get_object_data``)
  answers one name at a time: one process per :class:`GitRepo` (and one per
  :class:`ObjectReader`), started on the first read, ended by :meth:`GitRepo.close` (or
  when the repository object goes). Many names at once go to one pipelined
  ``cat-file --batch --buffer`` instead: a round trip per object costs ~90 µs, ten times
  what the pipelined read costs per small object;
* **bulk writes**: ``git fast-import``, streamed through GitPython's ``Git.execute``;
* **everything else** (``log``, ``ls-tree``, ``rev-list``, ``update-ref``, ``reset``,
  ``gc``, ``fsck``...): ``Git.execute`` with the exact flags. GitPython's object model
  (``iter_commits``, ``Commit.trailers``, tree traversal) reads one object per round trip
  and runs ``git interpret-trailers`` once per commit: a ``git log --format`` of the
  same facts is one process and is what the store's history readers use.

Isolation, for every process GitPython starts for a store (commands and the persistent
``cat-file`` alike): the repository is named explicitly (absolute ``--git-dir`` and
``--work-tree``), hooks are off (``core.hooksPath=/dev/null``), git runs in the store's
root with ``LC_ALL=C`` and no terminal prompt, and without the ``GIT_*`` variables that
could point it at another repository, index or object store (such as the project checkout
that contains ``./snapshots``, or a git hook's environment). GitPython reads some of those
variables itself when it opens a repository; the store's own paths are pinned over them.

GitPython is imported on first use: importing it runs ``git version``, and a machine
without git must get a store error from a store command, not a CLI that cannot start.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import select
import subprocess
import threading
import weakref
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from policywatch.errors import StoreError

if TYPE_CHECKING:
    from git import Git, Repo

ZERO_SHA = "0" * 40
NO_GIT = "git is not installed (the store needs the git command)"
RESTORE = "restore the store from a backup (git fsck lists the damage)"

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
# Below this many names, read_blobs asks the persistent cat-file one name at a time;
# from it on, one pipelined cat-file (starting git costs about 30 round trips).
_PIPELINE_FROM = 32
# How long a cat-file that stopped answering may take to exit before it is killed.
_EXIT_WAIT = 10.0

_FULL_ID = re.compile(r"[0-9a-f]{40}")
_OBJECT_ID = re.compile(r"\b[0-9a-f]{40}\b")


class StoreDamaged(StoreError):
    """The store's history cannot be read: HEAD or a commit is missing or corrupt. Never
    taken for an empty store (which would make a report a silent all-clear)."""


def blob_id(data: bytes) -> str:
    """The git object id ``git hash-object`` gives these bytes (SHA-1 repositories)."""
    return _object_id(b"blob", data)


def _object_id(kind: bytes, data: bytes) -> str:
    digest = hashlib.sha1(b"%s %d\0" % (kind, len(data)))  # noqa: S324 - git's object id
    digest.update(data)
    return digest.hexdigest()


# -- GitPython, bound to one store -----------------------------------------------------------------


@functools.cache
def _store_git_type() -> type[Git]:
    """GitPython's ``Git`` command interface for one store: ``StoreGit(root)``.

    Every process it starts (``execute``, the commands it builds, the persistent
    ``cat-file``) names the store's repository, runs without hooks in the store's root,
    and without the redirecting variables (``env -u``, only when one is set: git's own
    flags cannot unset an environment variable, and GitPython can only add them).
    """
    try:
        import git
    except ImportError:  # GitPython runs `git version` on import
        raise StoreError(NO_GIT) from None

    class StoreGit(git.Git):
        def __init__(self, working_dir: str | os.PathLike[str] | None = None) -> None:
            super().__init__(working_dir)
            root = Path(os.fspath(working_dir or "."))
            self._working_dir = os.fspath(root)  # as given: GitPython would expand $VARs
            self.set_persistent_git_options(
                git_dir=root / ".git", work_tree=root, c="core.hooksPath=/dev/null"
            )
            self.update_environment(LC_ALL="C", GIT_TERMINAL_PROMPT="0")

        def execute(self, command: Any, *args: Any, **kwargs: Any) -> Any:
            unset = [arg for name in _REDIRECTING_ENV if name in os.environ for arg in ("-u", name)]
            if unset and isinstance(command, list):
                command = ["env", *unset, *command]
            try:
                return super().execute(command, *args, **kwargs)
            except git.GitCommandNotFound:
                raise StoreError(NO_GIT) from None

    return StoreGit


def _pinned_repo(git_cmd: Git, root: Path) -> Repo:
    """GitPython's ``Repo`` for the store at ``root``, on ``git_cmd``.

    GitPython honours GIT_WORK_TREE, GIT_COMMON_DIR and GIT_OBJECT_DIRECTORY from the
    environment even for an explicit path (for its worktree, its reference files and its
    object database): the store's own paths are pinned over whatever it took from there.
    """
    from git import Repo
    from git.db import GitCmdObjectDB

    git_dir = os.fspath(root / ".git")
    repo = Repo(git_dir, expand_vars=False)
    repo.git_dir = git_dir
    repo._common_dir = git_dir
    repo._working_tree_dir = os.fspath(root)
    repo.working_dir = os.fspath(root)
    repo.git = git_cmd
    repo.odb = GitCmdObjectDB(os.path.join(git_dir, "objects"), git_cmd)
    return repo


def _text(value: str | bytes) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _one_line(message: bytes | str, code: int | None = None) -> str:
    """Git's message as one line for a store error: from its ``fatal:`` line (else its
    last lines), at most three lines joined."""
    text = message if isinstance(message, str) else message.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = next((i for i, line in enumerate(lines) if line.startswith("fatal:")), None)
    chosen = lines[fatal : fatal + 3] if fatal is not None else lines[-3:]
    return "; ".join(chosen) or (f"exit {code}" if code is not None else "no message")


class _CatFileStopped(Exception):
    """The persistent cat-file stopped (git gives up on a corrupt object); the next read
    starts a new one."""


class _CatFile:
    """GitPython's persistent ``git cat-file --batch`` of one ``Git`` instance
    (``Git.get_object_data``), serialised by a lock, started on the first read.

    GitPython gives it a stderr pipe nobody reads; git writes there (~200 bytes) on each
    corrupt object it reports missing, and would block once the pipe is full (64 KiB):
    what it wrote is drained every few reads, its tail kept for an error message.
    """

    _ERRORS_KEPT = 4096
    _DRAIN_EVERY = 32  # reads

    def __init__(self, git_cmd: Git) -> None:
        self._git = git_cmd
        self._lock = threading.Lock()
        # What we know of the current cat-file process (reset when it changes).
        self._proc: subprocess.Popen[bytes] | None = None
        self._poller: select.poll | None = None
        self._nonblocking = False
        self._reads = 0
        self._errors = b""

    def read(self, name: str) -> tuple[str, str, bytes] | None:
        """(id, type, content) of the object ``name`` names (an id or ``rev:path``);
        None when git knows no such object. :class:`_CatFileStopped` with git's message
        when cat-file gave up on the way."""
        with self._lock:
            found: tuple[str, str, bytes] | None = None
            try:
                sha, kind, size, data = self._git.get_object_data(name)
            except (ValueError, OSError):
                if not self._answering():
                    raise self._stopped() from None
                # "<name> missing" (or ambiguous): cat-file goes on
            else:
                if len(data) != size:
                    raise self._stopped()
                found = _text(sha), _text(kind), data
            self._reads += 1
            if self._reads % self._DRAIN_EVERY == 0:
                self._drain()
            return found

    def close(self) -> None:
        """End the cat-file process (waited for: no zombie); the next read starts one."""
        with self._lock:
            self._git.clear_cache()
            self._process()

    def _process(self) -> subprocess.Popen[bytes] | None:
        """The current cat-file process (the state kept about it follows it)."""
        cmd = self._git.cat_file_all
        proc = cmd.proc if cmd is not None else None
        if proc is not self._proc:
            self._proc, self._poller, self._nonblocking = proc, None, False
            self._reads, self._errors = 0, b""
        return proc

    def _answering(self) -> bool:
        """After a failed read: True if cat-file is still up (it answered and waits for
        the next name: nothing to read), False if it is gone (its output is at EOF)."""
        proc = self._process()
        if proc is None or proc.stdout is None or proc.stdout.closed:
            return False
        try:
            if self._poller is None:
                self._poller = select.poll()
                self._poller.register(proc.stdout, select.POLLIN)
            return not self._poller.poll(0)
        except (AttributeError, OSError, ValueError):  # no poll(): start afresh
            return False

    def _drain(self) -> None:
        """Read what cat-file wrote to stderr so far, without waiting (to EOF once it
        has exited)."""
        proc = self._process()
        if proc is None or proc.stderr is None or proc.stderr.closed:
            return
        fd = proc.stderr.fileno()
        if not self._nonblocking:
            os.set_blocking(fd, False)
            self._nonblocking = True
        with contextlib.suppress(BlockingIOError, OSError):
            while chunk := os.read(fd, 65536):
                self._errors = (self._errors + chunk)[-self._ERRORS_KEPT :]

    def _stopped(self) -> _CatFileStopped:
        """Collect git's message from the cat-file that stopped, and drop it."""
        proc = self._process()
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=_EXIT_WAIT)  # its output ended: it is exiting
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            self._drain()
        message = self._errors
        self._git.clear_cache()
        self._process()
        return _CatFileStopped(_one_line(message, code))


# -- the repository ------------------------------------------------------------------------------


class GitRepo:
    """One store's git repository. Holds a persistent ``cat-file`` once objects have been
    read: :meth:`close` it (or use it as a context manager) when done; it is also closed
    when the object is garbage-collected and at interpreter exit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git_dir = root / ".git"
        self._path = Path(os.path.abspath(root))  # git runs in the store's root
        self._git: Git | None = None
        self._options: list[str] = []
        self._repo: Repo | None = None
        self._objects: _CatFile | None = None

    def close(self) -> None:
        """End the persistent processes (waited for); reading again starts them anew."""
        if self._objects is not None:
            self._objects.close()
        if self._repo is not None:
            self._repo.close()

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- GitPython ---------------------------------------------------------

    def command(self) -> Git:
        """GitPython's ``Git`` command interface for this store (isolated as above)."""
        if self._git is None:
            self._git = self._new_git(self)
            self._options = self._git.transform_kwargs(
                split_single_char_options=True,
                git_dir=self._path / ".git",
                work_tree=self._path,
                c="core.hooksPath=/dev/null",
            )
            self._objects = _CatFile(self._git)
        return self._git

    def _new_git(self, owner: object) -> Git:
        """A ``Git`` for this store whose persistent cat-file ends (waited for) when
        ``owner`` goes, or at interpreter exit, if nobody closed it before."""
        git_cmd = _store_git_type()(self._path)
        weakref.finalize(owner, git_cmd.clear_cache)
        return git_cmd

    def repository(self) -> Repo:
        """GitPython's ``Repo`` for this store, on the same isolated ``Git`` (its paths
        pinned to the store's). :class:`StoreError` when there is no repository yet."""
        if self._repo is None:
            git_cmd = self.command()
            from git.exc import InvalidGitRepositoryError, NoSuchPathError

            try:
                self._repo = _pinned_repo(git_cmd, self._path)
            except (InvalidGitRepositoryError, NoSuchPathError, OSError):
                raise StoreError(f"{self.root}: not a git repository") from None
        return self._repo

    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        self.command()
        assert self._objects is not None
        return self._objects.read(name)

    # -- running commands -------------------------------------------------

    def argv(self, *args: str) -> list[str]:
        """The command line a git command of this store runs (``env -u`` aside)."""
        git_cmd = self.command()
        return [os.fspath(git_cmd.GIT_PYTHON_GIT_EXECUTABLE or "git"), *self._options, *args]

    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        """Run one git command; its stdout, or :class:`StoreError` with git's message."""
        done = self.run_unchecked(*args, input=input)
        if check and done.returncode != 0:
            message = _one_line(done.stderr, done.returncode)
            command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
            raise StoreError(f"{self.root}: git {command} failed: {message}")
        return done.stdout

    def run_unchecked(
        self, *args: str, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run one git command through GitPython's ``Git.execute``: its exit status and
        exact output."""
        command = self.argv(*args)
        process = self.command().execute(
            command, istream=subprocess.PIPE if input is not None else None, as_process=True
        )
        proc = process.proc
        assert proc is not None
        stdout, stderr = proc.communicate(input)
        return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)

    def _start(self, *args: str, stdout: bool) -> Git.AutoInterrupt:
        """A long-running git command fed through its stdin (stderr piped), in GitPython's
        ``AutoInterrupt`` (which ends the process if it is dropped unfinished)."""
        return self.command().execute(
            self.argv(*args), istream=subprocess.PIPE, as_process=True, with_stdout=stdout
        )

    # -- reading -----------------------------------------------------------

    def head(self) -> str | None:
        """HEAD's commit; None for an empty store (no commit yet).

        :class:`StoreDamaged` when HEAD names a commit that is missing or unreadable:
        that is a damaged store, never an empty one.
        """
        head = self._readable_head()
        if head is not None:
            return head
        if self._unborn_branch():
            return None  # a new store: no commit yet (what git calls an unborn branch)
        # Empty, or damaged: git's own reading decides, and names what HEAD points to.
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

    def _readable_head(self) -> str | None:
        """HEAD's commit read by GitPython (references in Python, the commit through the
        persistent cat-file, its hash checked); None when that is not a readable commit."""
        if not (self.git_dir / "HEAD").is_file():
            return None
        return self._readable_ref("HEAD")

    def _readable_ref(self, name: str) -> str | None:
        """The commit reference ``name`` (HEAD or ``refs/…``) names, read as for HEAD."""
        try:
            repo = self.repository()
            from git import SymbolicReference

            sha = SymbolicReference.dereference_recursive(repo, name)
        except (StoreError, ValueError, AssertionError, OSError):
            return None  # no branch yet, or a reference GitPython cannot read
        return sha if self._is_commit(sha) else None

    def _is_commit(self, sha: str) -> bool:
        """Whether ``sha`` is a commit that reads back intact (as ``rev-parse`` checks)."""
        if not _FULL_ID.fullmatch(sha):
            return False
        try:
            found = self._object(sha)
        except _CatFileStopped:
            return False
        return found is not None and found[1] == "commit" and _object_id(b"commit", found[2]) == sha

    def _unborn_branch(self) -> bool:
        """HEAD names a branch that has no reference at all, loose or packed (a branch
        that exists but does not resolve is damage, left to git to describe). Never
        said of a reftable repository (git ≥ 2.45 with ``init.defaultRefFormat``), whose
        HEAD file is a placeholder and whose references only git reads."""
        if (self.git_dir / "reftable").exists():
            return False
        try:
            target = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        except OSError:
            return False
        return target.startswith("ref: refs/heads/") and not self._branch_exists()

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
        if rev == "HEAD":
            found = self._readable_head()
        elif rev.startswith("refs/"):
            found = self._readable_ref(rev)
        else:
            found = rev if _FULL_ID.fullmatch(rev) and self._is_commit(rev) else None
        if found is not None:
            return found
        out = self.run("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.decode().strip() or None

    def commit_time(self, rev: str) -> int:
        """The commit's committer time (``%ct``)."""
        if _FULL_ID.fullmatch(rev):
            with contextlib.suppress(_CatFileStopped):
                found = self._object(rev)
                if found is not None and found[1] == "commit":
                    committed = _committer_time(found[2])
                    if committed is not None:
                        return committed
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
        """Contents of many objects (ids or ``rev:path``): a few through the persistent
        ``cat-file``, many in one pipelined ``cat-file --batch --buffer``.

        ``None`` for a name git does not know, and for a blob whose content does not
        hash to its id (a corrupt object is never passed on as a version);
        :class:`StoreError` when git gives up reading one.
        """
        if not names:
            return []
        if len(names) < _PIPELINE_FROM:
            return [self._read_one(name) for name in names]
        request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = self.run("cat-file", "--batch", "--buffer", input=request)
        return _parse_batch(out, len(names))

    def _read_one(self, name: str) -> bytes | None:
        try:
            found = self._object(name)
        except _CatFileStopped as stopped:
            raise StoreError(f"{self.root}: git cat-file failed: {stopped}") from None
        if found is None:
            return None
        sha, kind, data = found
        return data if kind != "blob" or blob_id(data) == sha else None

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


def _committer_time(commit: bytes) -> int | None:
    """The committer time in a commit object's header (``%ct``)."""
    header = commit.split(b"\n\n", 1)[0]
    for line in header.split(b"\n"):
        if line.startswith(b"committer "):
            fields = line.rsplit(b" ", 2)  # "... <email> <time> <zone>"
            return int(fields[1]) if len(fields) == 3 and fields[1].isdigit() else None
    return None


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
    """Reading objects one at a time (checking that an object a write would reuse is
    intact), through a persistent ``cat-file`` of its own: GitPython's, on the store's
    isolated ``Git``. Git may give up on a corrupt object; the reader then answers None
    and starts a new ``cat-file`` for the next question. :meth:`close` ends it."""

    def __init__(self, repo: GitRepo) -> None:
        self._cat = _CatFile(repo._new_git(self))

    def read(self, sha: str) -> bytes | None:
        """The blob's bytes if git can read them and they hash to ``sha``, else None."""
        try:
            found = self._cat.read(sha)
        except _CatFileStopped:
            return None
        if found is None:
            return None
        _, kind, data = found
        return data if kind == "blob" and blob_id(data) == sha else None

    def close(self) -> None:
        self._cat.close()


class FastImport:
    """A streaming ``git fast-import``: blobs go in as they are produced, one commit at the end.

    Objects land in a pack (or loose objects, for small runs); no ref or
    worktree changes until :meth:`commit` returns, so killing the process
    mid-way leaves only unreachable objects behind. Started through GitPython's
    ``Git.execute``; ``--quiet`` keeps its stderr (a pipe) empty until it ends, and
    ``--done`` ends it on our ``done`` command rather than on the end of its input.
    """

    def __init__(self, repo: GitRepo) -> None:
        self._process = repo._start(  # GitPython's wrapper: ends the import if dropped
            "fast-import",
            "--quiet",
            "--force",
            "--done",
            "--date-format=raw",
            "--depth=1",  # short delta chains: reading one meta.json must stay cheap
            stdout=False,
        )
        proc = self._process.proc
        assert proc is not None and proc.stdin is not None
        self._proc: subprocess.Popen[bytes] = proc
        self._in: IO[bytes] = proc.stdin
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
        _, stderr = self._proc.communicate()  # closes its input, reads stderr, waits
        if self._proc.returncode != 0:
            raise StoreError(f"git fast-import failed: {_one_line(stderr, self._proc.returncode)}")

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        with contextlib.suppress(BrokenPipeError):  # unflushed input for a killed import
            self._in.close()
        if self._proc.stderr is not None:
            self._proc.stderr.close()

    def _write(self, *parts: bytes) -> None:
        try:
            for part in parts:
                self._in.write(part)
        except BrokenPipeError:
            raise StoreError(f"git fast-import stopped: {self._error()}") from None

    def _error(self) -> str:
        """What the import said before it stopped (it has: its input pipe is broken)."""
        try:
            self._proc.wait(timeout=_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        message = self._proc.stderr.read() if self._proc.stderr is not None else b""
        return _one_line(message, self._proc.returncode)
