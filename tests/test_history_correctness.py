"""History reads right, and a damaged or read-only store says so (issue 12, items 5 and 6).

* a hand commit without ``Policywatch-*`` trailers is a version in ``log`` and ``@DATE``;
* runs sharing a timestamp: ``POLICY@DATE`` is the newest of them;
* HEAD naming a missing commit, or a commit missing from the history: every command
  stops with a clear error and exit 2 (``report`` used to write an empty report);
* a corrupt object is rewritten, never reused, when new content hashes to its id;
* a read-only store: a clear exit-2 error for writers, readers still read;
* recovery after an interrupted run deletes only what that run wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from policywatch.store import blob_id
from tests.report_store import SAMPLES, snapshot
from tests.store_support import _MAIN, PYTHON, cli_in_process, git, write_sources

POLICY = "blue-cross-blue-shield-of-massachusetts/bcbsma-633"
INVESTIGATIONAL = SAMPLES / "policies/bcbsma-633/2026-10.txt"
NECESSARY = SAMPLES / "policies/bcbsma-633/2026-11.txt"


class Desk:
    """One source, ``bcbsma-633``, whose file a test rewrites between back-dated runs."""

    def __init__(self, root: Path, *, existing: bool = False) -> None:
        self.root = root
        self.doc = root / "docs" / "bcbsma-633.txt"
        self.store = root / "snapshots"
        self.config = root / "sources.toml"
        if existing:  # a copy of a desk: its files are there
            return
        self.doc.parent.mkdir()
        write_sources(
            self.config,
            [
                {
                    "id": "bcbsma-633",
                    "payer": "Blue Cross Blue Shield of Massachusetts",
                    "path": "docs/bcbsma-633.txt",
                }
            ],
        )

    def run(self, edition: Path, as_of: str) -> None:
        shutil.copyfile(edition, self.doc)
        result = snapshot(self.config, self.store, as_of)
        assert result.exit_code == 0, result.output

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cli_in_process(*args, env={"POLICYWATCH_STORE": str(self.store)}, cwd=self.root)

    def show(self, ref: str) -> dict[str, object]:
        done = self.cli("show", ref)
        assert done.returncode == 0, done.stderr
        data: dict[str, object] = json.loads(done.stdout)
        return data


def two_runs(root: Path) -> Desk:
    """BCBSMA 633: investigational on 10-01, medically necessary on 11-02."""
    desk = Desk(root)
    desk.run(INVESTIGATIONAL, "2026-10-01T06:00:00Z")
    desk.run(NECESSARY, "2026-11-02T06:00:00Z")
    return desk


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_runs(tmp_path_factory.mktemp("desk-template")).root


@pytest.fixture
def desk(tmp_path: Path, desk_template: Path) -> Desk:
    """A copy of :func:`two_runs`, made once per test process. Its meta.json names the
    template's document (as `log` and the report show it), so a test that snapshots
    again or reads that location uses ``fresh_desk``."""
    shutil.copytree(desk_template, tmp_path, symlinks=True, dirs_exist_ok=True)
    return Desk(tmp_path, existing=True)


@pytest.fixture
def fresh_desk(tmp_path: Path) -> Desk:
    """:func:`two_runs` in this test's own folder."""
    return two_runs(tmp_path)


def statuses(policy: dict[str, object]) -> list[object]:
    return [c["status"] for c in policy["coverage"]]  # type: ignore[attr-defined]


# -- every commit that touched a policy ------------------------------------------------------


def hand_commit(store: Path, message: str, when: str) -> str:
    """Commit the worktree as a person would: plain git, no policywatch trailers."""
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    base = ["git", f"--git-dir={store / '.git'}", f"--work-tree={store}"]
    who = ["-c", "user.name=Analyst", "-c", "user.email=analyst@example.org"]
    subprocess.run([*base, "add", "-A"], check=True, env=env)
    subprocess.run([*base, *who, "commit", "-q", "-m", message], check=True, env=env)
    return git(store, "rev-parse", "HEAD").strip()


def test_a_hand_commit_without_trailers_is_a_version(fresh_desk: Desk) -> None:
    desk = fresh_desk  # `log` names the document the desk's runs read
    policy_json = desk.store / POLICY / "policy.json"
    edited = json.loads(policy_json.read_text())
    edited["title"] = "Cryoablation of Liver Tumors (corrected by hand)"
    policy_json.write_text(json.dumps(edited, indent=2, sort_keys=True) + "\n")
    commit = hand_commit(desk.store, "Fix the title by hand", "2026-11-10T09:00:00+00:00")

    done = desk.cli("log", "bcbsma-633", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [v["date"] for v in found] == [
        "2026-10-01T06:00:00Z", "2026-11-02T06:00:00Z", "2026-11-10T09:00:00Z",
    ]  # fmt: skip
    assert found[-1]["commit"] == commit
    assert (found[-1]["run"], found[-1]["policy_change"]) == ("manual", True)
    assert "Cryoablation of Liver Tumors (corrected by hand)" in found[-1]["summary"]
    assert found[-1]["summary"].endswith(" (committed by hand)")
    origin, *text = desk.cli("log", "bcbsma-633").stdout.splitlines()
    assert origin.startswith("source bcbsma-633 · ")
    assert text[0].startswith(f"2026-11-10T09:00:00Z  {commit[:12]}  ")

    assert desk.show("bcbsma-633@2026-11-10")["title"] == edited["title"]
    assert desk.show("bcbsma-633@2026-11-09")["title"] != edited["title"]
    diff = desk.cli("diff", "bcbsma-633@2026-11-09", "bcbsma-633@2026-11-10", "--format", "json")
    assert diff.returncode == 1, diff.stderr
    assert [c["field"] for c in json.loads(diff.stdout)["changes"]] == ["title"]


def test_runs_sharing_a_timestamp_at_date_is_the_newest(tmp_path: Path) -> None:
    desk = Desk(tmp_path)
    desk.run(INVESTIGATIONAL, "2026-11-02T06:00:00Z")
    desk.run(NECESSARY, "2026-11-02T06:00:00Z")  # waited for the lock: same timestamp
    versions = json.loads(desk.cli("log", "bcbsma-633", "--format", "json").stdout)
    assert [v["date"] for v in versions] == ["2026-11-02T06:00:00Z"] * 2
    newest = versions[-1]["commit"]
    assert newest == git(desk.store, "rev-parse", "HEAD").strip()
    for ref in ("bcbsma-633@2026-11-02", "bcbsma-633@2026-11-02T06:00:00Z"):
        assert statuses(desk.show(ref)) == ["medically_necessary"], ref
    assert desk.show("bcbsma-633@2026-11-02") == desk.show("bcbsma-633")


# -- a damaged store is an error in every command ----------------------------------------------


def commands(desk: Desk) -> list[list[str]]:
    return [
        ["log", "bcbsma-633"],
        ["show", "bcbsma-633"],
        ["show", "bcbsma-633@2026-11-02"],
        ["diff", "bcbsma-633@2026-10-01", "bcbsma-633@2026-11-02"],
        ["report", "--month", "2026-11", "-o", str(desk.root / "report.html")],
        ["verify"],
        ["reparse"],
        ["snapshot", "--config", str(desk.config)],
    ]


def assert_every_command_fails(desk: Desk, message: str) -> None:
    for args in commands(desk):
        done = desk.cli(*args)
        assert (done.returncode, done.stderr) == (2, f"Error: {message}\n"), args
    assert not (desk.root / "report.html").exists()


def test_head_naming_a_missing_commit(desk: Desk) -> None:
    missing = "0123456789abcdef0123456789abcdef01234567"
    (desk.store / ".git" / "refs" / "heads" / "main").write_text(missing + "\n")
    assert_every_command_fails(
        desk,
        f"{desk.store}: the store is damaged: HEAD names commit {missing}, which is "
        "missing or unreadable; restore the store from a backup (git fsck lists the damage)",
    )


def test_a_commit_missing_from_the_history(desk: Desk) -> None:
    first = git(desk.store, "rev-parse", "HEAD~1").strip()
    loose = desk.store / ".git" / "objects" / first[:2] / first[2:]
    assert loose.is_file()
    loose.unlink()
    assert_every_command_fails(
        desk,
        f"{desk.store}: the store is damaged: commit {first} in its history is "
        "missing or unreadable; restore the store from a backup (git fsck lists the damage)",
    )


# -- a corrupt object is never reused --------------------------------------------------------------


def loose_object(store: Path, sha: str) -> Path:
    path = store / ".git" / "objects" / sha[:2] / sha[2:]
    assert path.is_file(), "small runs write loose objects"
    return path


@pytest.mark.parametrize("damage", ["unreadable", "other-content"])
def test_a_corrupt_object_is_rewritten_not_reused(fresh_desk: Desk, damage: str) -> None:
    desk = fresh_desk  # it snapshots again
    first = git(desk.store, "rev-parse", "HEAD~1").strip()
    policy_blob = git(desk.store, "rev-parse", f"{first}:{POLICY}/policy.json").strip()
    raw_blob = git(desk.store, "rev-parse", f"{first}:{POLICY}/source.txt").strip()
    good = {
        policy_blob: git(desk.store, "cat-file", "blob", policy_blob).encode(),
        raw_blob: INVESTIGATIONAL.read_bytes(),
    }
    for sha in good:
        path = loose_object(desk.store, sha)
        path.chmod(0o644)
        if damage == "unreadable":
            path.write_bytes(b"\x78\x01 this is not a zlib stream")
        else:
            other = b'{"title": "not this policy"}\n'
            path.write_bytes(zlib.compress(b"blob %d\0" % len(other) + other))

    # The policy goes back to its October wording: new content hashing to those ids.
    desk.run(INVESTIGATIONAL, "2026-11-20T06:00:00Z")
    head = git(desk.store, "rev-parse", "HEAD").strip()
    assert git(desk.store, "rev-parse", f"{head}:{POLICY}/policy.json").strip() == policy_blob
    for sha, data in good.items():
        stored = subprocess.run(
            ["git", f"--git-dir={desk.store / '.git'}", "cat-file", "blob", sha],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        assert stored == data and blob_id(stored) == sha
    assert statuses(desk.show("bcbsma-633")) == ["investigational"]
    assert statuses(desk.show("bcbsma-633@2026-10-01")) == ["investigational"]
    fsck = subprocess.run(
        ["git", f"--git-dir={desk.store / '.git'}", "fsck", "--strict", "--no-dangling"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_reading_a_corrupt_version_says_what_is_wrong(desk: Desk) -> None:
    head = git(desk.store, "rev-parse", "HEAD").strip()
    blob = git(desk.store, "rev-parse", f"{head}:{POLICY}/policy.json").strip()
    loose_object(desk.store, blob).unlink()
    done = desk.cli("show", "bcbsma-633")
    assert (done.returncode, done.stderr) == (
        2,
        f"Error: {POLICY}/policy.json at commit {head} is missing or corrupt "
        f"(object {blob}); run `policywatch verify`\n",
    )


# -- a read-only store --------------------------------------------------------------------------


def _read_only_argv(store: Path) -> tuple[list[str], str]:
    """How to run a command against ``store`` made read-only, and the error it meets."""
    if os.geteuid() != 0:
        for path in [store, *store.rglob("*")]:
            path.chmod(path.stat().st_mode & 0o555)
        return [], "Permission denied"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{store}' '{store}'"],
        capture_output=True, check=False,
    )  # fmt: skip
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip("root without a private mount namespace: cannot make a read-only store")
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", str(store)], "Read-only file system"


def test_a_read_only_store(desk: Desk) -> None:
    before = git(desk.store, "rev-parse", "HEAD").strip()
    wrap, reason = _read_only_argv(desk.store)
    env = {**os.environ, "POLICYWATCH_STORE": str(desk.store)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [*wrap, PYTHON, "-c", _MAIN, *args]
        return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=desk.root)

    expected = (
        f"Error: {desk.store}: cannot write to the store: {reason} "
        "(snapshot and reparse need write access)\n"
    )
    for args in (["snapshot", "--config", str(desk.config)], ["reparse"]):
        done = run(*args)
        assert (done.returncode, done.stderr) == (2, expected), args
    # Reading needs no write access.
    assert run("log", "bcbsma-633").returncode == 0
    assert run("show", "bcbsma-633@2026-10-01").returncode == 0
    report = run(
        "report", "--month", "2026-11", "-o", str(desk.root / "r.json"), "--format", "json"
    )
    assert report.returncode == 0, report.stderr
    assert json.loads((desk.root / "r.json").read_text())["summary"]["changed"] == 1
    assert git(desk.store, "rev-parse", "HEAD").strip() == before


# -- recovery after an interrupted run ----------------------------------------------------------


def test_recovery_deletes_only_what_the_interrupted_run_wrote(tmp_path: Path) -> None:
    desk = Desk(tmp_path)
    desk.run(INVESTIGATIONAL, "2026-10-01T06:00:00Z")
    started = git(desk.store, "rev-parse", "HEAD").strip()
    # A run that also tracked a second policy was killed while publishing: its files
    # are in the worktree, the marker names its commit, HEAD did not move.
    other = tmp_path / "docs" / "other.txt"
    shutil.copyfile(SAMPLES / "policies/nice-htg241/2026-10.txt", other)
    wider = write_sources(
        tmp_path / "wider.toml",
        [
            {"id": "bcbsma-633", "payer": "Blue Cross Blue Shield of Massachusetts",
             "path": "docs/bcbsma-633.txt"},
            {"id": "nice-htg241", "payer": "NICE", "path": "docs/other.txt"},
        ],
    )  # fmt: skip
    assert snapshot(wider, desk.store, "2026-10-02T06:00:00Z").exit_code == 0
    killed = git(desk.store, "rev-parse", "HEAD").strip()
    git(desk.store, "update-ref", "HEAD", started, killed)
    git(desk.store, "read-tree", started)
    (desk.store / ".git" / "policywatch" / "dirty").write_text(killed + "\n")
    (desk.store / ".git" / "index.lock").write_text("")
    # What people keep beside and inside the store is theirs.
    notes = desk.store / "notes.txt"
    notes.write_text("analyst notes\n")
    beside = desk.store / POLICY / "review-2026.md"
    beside.write_text("# our review\n")
    changed_by_hand = desk.store / "nice" / "nice-htg241" / "meta.json"
    changed_by_hand.write_text('{"mine": true}\n')
    (desk.store / POLICY / "policy.json").write_text("half-written")

    desk.run(INVESTIGATIONAL, "2026-10-03T06:00:00Z")  # the next run recovers first
    assert git(desk.store, "rev-parse", "HEAD").strip() == started  # nothing changed
    assert notes.read_text() == "analyst notes\n"
    assert beside.read_text() == "# our review\n"
    assert changed_by_hand.read_text() == '{"mine": true}\n'  # not what the run wrote
    left = sorted(p.name for p in (desk.store / "nice" / "nice-htg241").iterdir())
    assert left == ["meta.json"]  # the killed run's own files are gone
    assert statuses(desk.show("bcbsma-633")) == ["investigational"]
    assert json.loads((desk.store / POLICY / "policy.json").read_text())["title"]
    assert not (desk.store / ".git" / "policywatch" / "dirty").exists()


def test_show_and_diff_read_a_reference_the_same_way(desk: Desk) -> None:
    """One resolver: POLICY@DATE names the same version for `show` and for `diff`."""
    from policywatch.store import Store
    from policywatch.timeline import locate, resolve_reference

    ref = "bcbsma-633@2026-10-15"
    assert locate(Store.open(desk.store), ref) == (POLICY, "2026-10-15")
    resolved = resolve_reference(desk.store, ref)
    assert resolved is not None
    assert [c.status for c in resolved.coverage] == statuses(desk.show(ref))
    assert set(statuses(desk.show(ref))) == {"investigational"}
