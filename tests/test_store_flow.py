"""The store's life with the real parser: snapshot, unchanged rerun, an edit, log,
show, diff between dates, verify, reparse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.model import Policy
from policywatch.store import Store
from policywatch.timeline import resolve_reference
from tests.store_support import assert_sound, commit_count, git, path_sources, write_docs

LIVER = "policy-001"
LIVER_DIR = "test-payer/policy-001"


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, Path]:
    docs = write_docs(tmp_path / "docs")
    config = path_sources(tmp_path / "sources.toml", docs)
    return {"config": config, "store": tmp_path / "store", "doc": docs[LIVER], "tmp": tmp_path}


def run(*args: str, store: Path | None = None) -> tuple[int, str]:
    env = {"POLICYWATCH_STORE": str(store)} if store else {}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def snapshot(env: dict[str, Path], as_of: str, *extra: str) -> tuple[int, str]:
    return run(
        "snapshot",
        "--config",
        str(env["config"]),
        "--store",
        str(env["store"]),
        "--as-of",
        as_of,
        *extra,
    )


def make_liver_investigational_covered(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    old = "to be **investigational**"
    assert old in text
    doc.write_text(text.replace(old, "to be **medically necessary**", 1), encoding="utf-8")


def test_snapshot_rerun_edit_log_diff(env: dict[str, Path]) -> None:
    store = env["store"]
    code, out = snapshot(env, "2025-01-10T06:00:00Z")
    assert code == 0, out
    assert "5 added, 0 changed, 0 unchanged, 0 failed" in out
    assert commit_count(store) == 1
    assert_sound(store)
    files = sorted(git(store, "ls-files").split())
    assert f"{LIVER_DIR}/source.txt" in files and f"{LIVER_DIR}/policy.json" in files
    raw = (store / LIVER_DIR / "source.txt").read_bytes()
    assert raw == env["doc"].read_bytes()  # raw bytes exactly as fetched

    # Unchanged rerun: no commit.
    code, out = snapshot(env, "2025-02-10T06:00:00Z")
    assert code == 0 and "5 unchanged" in out and "no commit" in out
    assert commit_count(store) == 1

    # An edited source: exactly one new commit, dated as of the run.
    make_liver_investigational_covered(env["doc"])
    code, out = snapshot(env, "2025-03-10T06:00:00Z")
    assert code == 0 and "1 changed, 4 unchanged" in out
    assert commit_count(store) == 2
    assert_sound(store)
    assert git(store, "log", "-1", "--format=%ad|%cd", "--date=iso-strict").strip() == (
        "2025-03-10T06:00:00+00:00|2025-03-10T06:00:00+00:00"
    )
    message = git(store, "log", "-1", "--format=%B")
    assert f"Changed:\n- {LIVER} ({LIVER_DIR})" in message
    assert "Policywatch-Run: snapshot" in message and "Policywatch-Schema: 1" in message
    assert f"Policywatch-Source: {LIVER} {env['doc'].resolve()}" in message

    # log: where it comes from, then both versions, newest first, with what changed.
    code, out = run("log", LIVER, "--store", str(store))
    origin, *lines = out.splitlines()
    assert origin == f"source {LIVER} · {env['doc'].resolve()}"
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("2025-03-10T06:00:00Z")
    assert "investigational → medically necessary" in lines[0]
    assert lines[1].startswith("2025-01-10T06:00:00Z") and "first recorded" in lines[1]

    # diff between the versions current at two dates, through the store.
    code, out = run(
        "diff", f"{LIVER}@2025-02-01", f"{LIVER}@2025-03-10", "--format", "json", store=store
    )
    assert code == 1, out
    changes = json.loads(out)["changes"]
    coverage = [c for c in changes if c["kind"] == "coverage"]
    assert coverage and coverage[0]["before"]["status"] == "investigational"
    assert coverage[0]["after"]["status"] == "medically_necessary"
    # the same day twice: no change
    assert run("diff", f"{LIVER}@2025-01-10", f"{LIVER}@2025-02-28", store=store)[0] == 0


def test_show_at_rev_date_and_errors(env: dict[str, Path]) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    first = git(store, "rev-parse", "HEAD").strip()
    make_liver_investigational_covered(env["doc"])
    snapshot(env, "2025-03-10")

    def show(ref: str) -> tuple[int, str]:
        return run("show", ref, "--store", str(store))

    latest = Policy.from_json(show(LIVER)[1])
    old_by_rev = Policy.from_json(show(f"{LIVER}@{first[:8]}")[1])
    old_by_date = Policy.from_json(show(f"{LIVER}@2025-03-09")[1])
    by_folder = Policy.from_json(show(f"{LIVER_DIR}@2025-03-10")[1])
    assert old_by_rev == old_by_date != latest == by_folder
    assert latest.coverage[0].status == "medically_necessary"
    # a date-time is exact: one second before the run is still the old version
    assert show(f"{LIVER}@2025-03-09T23:59:59Z")[1] == show(f"{LIVER}@{first}")[1]
    assert show(f"{LIVER}@2025-03-10T00:00:00+00:00")[1] == show(LIVER)[1]
    assert show(LIVER)[1] == (store / LIVER_DIR / "policy.json").read_text(encoding="utf-8")

    assert show("nope") == (2, f"Error: no policy 'nope' in the store at {store}\n")
    code, out = show(f"{LIVER}@2024-12-31")
    assert code == 2 and f"Error: {LIVER_DIR} has no version on or before 2024-12-31" in out
    code, out = show(f"{LIVER}@not-a-rev")
    assert code == 2 and "'not-a-rev' is not a commit" in out
    code, out = run("show", LIVER, "--store", str(env["tmp"] / "empty"))
    assert code == 2 and "no policywatch store here" in out


def test_resolve_reference_contract(env: dict[str, Path]) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    assert resolve_reference(store, LIVER) is None  # not POLICY@…
    assert resolve_reference(store, "unknown@2025-01-10") is None
    assert resolve_reference(env["tmp"] / "no-store", f"{LIVER}@2025-01-10") is None
    assert str(env["doc"]).count("@") == 0
    policy = resolve_reference(store, f"{LIVER}@2025-01-10")
    assert policy is not None and policy.payer
    assert resolve_reference(store, f"{LIVER_DIR}@HEAD") == policy


def test_verify_ok_then_detects_tampering(env: dict[str, Path]) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    code, out = run("verify", "--store", str(store))
    assert (code, out) == (0, "verify: 5 policies checked: ok\n")

    # Commit a hand-edited policy.json: valid JSON, but not what the raw bytes say.
    target = store / LIVER_DIR / "policy.json"
    data = json.loads(target.read_text())
    data["title"] = "Something else"
    target.write_text(json.dumps(data))
    (store / "test-payer" / "policy-004" / "policy.json").write_text("{not json")
    git(store, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "tamper")
    code, out = run("verify", "--store", str(store), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["checked"] == 5 and not report["ok"]
    assert any(p.startswith(f"{LIVER_DIR}: policy.json differs") for p in report["problems"])
    assert any(
        p.startswith("test-payer/policy-004: policy.json is not") for p in report["problems"]
    )


def test_reparse_is_one_marked_commit_that_log_calls_no_change(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    code, out = run("reparse", "--store", str(store))
    assert (code, "no commit" in out) == (0, True)  # same parser: nothing to do

    import policywatch.parse as parse

    real = parse.parse_bytes

    def upgraded(data: bytes) -> Policy:  # a "new parser" that normalizes titles upper-case
        policy = real(data)
        policy.title = (policy.title or "").upper()
        return policy

    monkeypatch.setattr(parse, "parse_bytes", upgraded)
    code, out = run("reparse", "--store", str(store))
    assert code == 0 and "5 policies, 5 re-normalized" in out
    assert commit_count(store) == 2
    message = git(store, "log", "-1", "--format=%B")
    assert "Policywatch-Run: reparse" in message
    assert_sound(store)
    code, out = run("log", LIVER, "--store", str(store), "--format", "json")
    versions = json.loads(out)
    assert [v["run"] for v in versions] == ["snapshot", "reparse"]
    assert versions[1]["policy_change"] is False
    assert "not a policy change" in versions[1]["summary"]
    assert run("verify", "--store", str(store))[0] == 0  # consistent with the new parser
    # unchanged documents stay unchanged after the upgrade: no commit
    code, out = run("snapshot", "--config", str(env["config"]), "--store", str(store))
    assert "5 unchanged" in out and commit_count(store) == 2


def test_unchanged_bytes_are_not_reparsed(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot(env, "2025-01-10")
    import policywatch.parse as parse

    def explode(data: bytes) -> Policy:
        raise AssertionError("parsed an unchanged document")

    monkeypatch.setattr(parse, "parse_bytes", explode)
    code, out = snapshot(env, "2025-01-11")
    assert code == 0 and "5 unchanged" in out


def test_raw_noise_with_same_policy_is_unchanged(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    env["doc"].write_bytes(env["doc"].read_bytes() + b"\n\n")  # trailing blank lines only
    code, out = snapshot(env, "2025-01-11")
    assert code == 0 and "5 unchanged" in out and commit_count(store) == 1


def test_as_of_must_not_go_back_in_time(env: dict[str, Path]) -> None:
    snapshot(env, "2025-03-01")
    code, out = snapshot(env, "2025-02-01")
    assert code == 2
    assert "Error: --as-of 2025-02-01T00:00:00Z is before the store's latest run" in out
    code, out = snapshot(env, "yesterday")
    assert code == 2 and "Invalid value for '--as-of'" in out


def test_json_summary(env: dict[str, Path]) -> None:
    code, out = snapshot(env, "2025-01-10", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["counts"] == {"added": 5, "changed": 0, "unchanged": 0, "failed": 0}
    assert data["commit"] == git(env["store"], "rev-parse", "HEAD").strip()
    assert {s["status"] for s in data["sources"]} == {"added"}
    assert Store.open(env["store"]).head() == data["commit"]


@pytest.mark.parametrize("command", ["snapshot", "log", "show", "verify", "reparse"])
def test_every_store_command_has_help_with_an_example(command: str) -> None:
    code, out = run(command, "--help")
    assert code == 0 and "Example" in out and f"policywatch {command}" in out


def test_diff_reads_store_references_from_the_store_option(env: dict[str, Path]) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    make_liver_investigational_covered(env["doc"])
    snapshot(env, "2025-03-10")
    args = ["diff", f"{LIVER}@2025-01-10", f"{LIVER}@2025-03-10", "--format", "json"]
    unset = {"POLICYWATCH_STORE": None}
    result = CliRunner().invoke(main, [*args, "--store", str(store)], env=unset)
    assert result.exit_code == 1, result.output
    assert any(c["kind"] == "coverage" for c in json.loads(result.output)["changes"])
    # without it, ./snapshots (absent here) is used and the references are not found
    result = CliRunner().invoke(main, args, env=unset)
    assert result.exit_code == 2
    code, out = run("diff", "--help")
    assert "--store" in out


def test_config_changes_refresh_source_info_without_a_new_version(env: dict[str, Path]) -> None:
    store = env["store"]
    snapshot(env, "2025-01-10")
    config = env["config"]
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('id = "policy-001"', 'id = "policy-001"\ntitle = "Liver"'))
    code, out = snapshot(env, "2025-01-11", "--format", "json")
    summary = json.loads(out)
    assert code == 0 and summary["commit"] is not None
    assert [s["notes"] for s in summary["sources"] if s["notes"]] == [["source info updated"]]
    meta = json.loads((store / LIVER_DIR / "meta.json").read_text())
    assert meta["title"] == "Liver"
    assert git(store, "diff", "--name-only", "HEAD~1", "HEAD").split() == [f"{LIVER_DIR}/meta.json"]
    # and then nothing to do, for one worker or two
    for workers in ("1", "2"):
        code, out = snapshot(env, "2025-01-12", "--workers", workers)
        assert code == 0 and "5 unchanged" in out and "no commit" in out
