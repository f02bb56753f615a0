"""Notifications (issue 14): real deliveries on loopback only — apprise to a local HTTP
endpoint (json://) and to a local SMTP server (aiosmtpd). The message names the policy,
the severity and the change; low-severity changes send nothing; a notifier that is down
is reported and the run is still committed; secrets stay in the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.errors import ConfigError
from policywatch.notify import deliver, resolve
from policywatch.sources import NotifySettings, load_notify, load_sources
from tests.ops_support import (
    BCBSMA,
    HIGH,
    HIGH_SUMMARY,
    LOW,
    PAYER,
    TITLE,
    environment,
    free_port,
    json_endpoint,
    login_page,
    sample,
    smtp_server,
    snapshot,
    write_config,
)
from tests.store_support import commit_count, git

FOLDER = "blue-cross-blue-shield-of-massachusetts/bcbsma-633"
FIRST, SECOND, THIRD, FOURTH = (
    "2026-11-01T06:00:00Z",
    "2026-11-02T06:00:00Z",
    "2026-11-03T06:00:00Z",
    "2026-11-04T06:00:00Z",
)


def setup_policies(tmp_path: Path) -> dict[str, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bcbsma.txt").write_text(BCBSMA, encoding="utf-8")
    (docs / "bcbsla.txt").write_text(sample("bcbsla-00220", "2026-11"), encoding="utf-8")
    return {"bcbsma-633": docs / "bcbsma.txt", "bcbsla-00220": docs / "bcbsla.txt"}


def config_for(tmp_path: Path, docs: dict[str, Path], notify: dict[str, object] | None) -> Path:
    sources = [
        {"id": "bcbsma-633", "payer": PAYER, "path": str(docs["bcbsma-633"]), "plan": "Commercial"},
        {
            "id": "bcbsla-00220",
            "payer": "Blue Cross and Blue Shield of Louisiana",
            "path": str(docs["bcbsla-00220"]),
        },
    ]
    return write_config(tmp_path / "sources.toml", sources, notify)


def test_a_high_severity_change_is_posted_to_a_json_endpoint(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url()]})
        first = snapshot(config, store, "--as-of", FIRST)
        assert first.exit_code == 0, first.output
        assert hook.posts == []  # policies added: nothing anyone must act on
        docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
        second = snapshot(config, store, "--as-of", SECOND)
    assert second.exit_code == 0, second.output
    assert len(hook.posts) == 1
    path, payload = hook.posts[0]
    assert path == "/hook"
    assert payload["title"] == "policywatch 2026-11-02: 1 change at high or above"
    body = payload["message"]
    assert f"- {PAYER} · {TITLE} (bcbsma-633) [Commercial]" in body
    assert f"  HIGH: {HIGH_SUMMARY}" in body
    assert "  (+3 more changes)" in body  # the low ones: counted, not listed
    assert f"Store: {store.resolve()}" in body
    assert f"policywatch report --month 2026-11 --store {store.resolve()}" in body
    assert "bcbsla-00220" not in body  # unchanged
    assert f"notified: json://127.0.0.1:{hook.port}\n" in second.stdout


def test_the_message_reaches_a_mailbox(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with smtp_server() as box:
        config = config_for(tmp_path, docs, {"urls": [box.mailto()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
        result = snapshot(config, store, "--as-of", SECOND)
    assert result.exit_code == 0, result.output
    assert len(box.messages) == 1
    mail = box.messages[0]
    assert mail["To"] == "compliance@example.org"
    assert mail["Subject"] == "policywatch 2026-11-02: 1 change at high or above"
    text = box.text(mail)
    assert f"{PAYER} · {TITLE} (bcbsma-633)" in text
    assert f"HIGH: {HIGH_SUMMARY}" in text
    assert f"notified: mailto://127.0.0.1:{box.port}\n" in result.stdout


def test_only_low_severity_changes_send_nothing(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook, smtp_server() as box:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url(), box.mailto()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_text(LOW, encoding="utf-8")
        result = snapshot(config, store, "--as-of", SECOND, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["changed"] == 1
    assert summary["notify"] == {"message": False, "problems": [], "sent_to": []}
    assert hook.posts == [] and box.messages == []


def test_min_severity_low_sends_a_wording_change(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url()], "min_severity": "low"})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_text(LOW, encoding="utf-8")
        assert snapshot(config, store, "--as-of", SECOND).exit_code == 0
    [(_, payload)] = hook.posts
    assert payload["title"] == "policywatch 2026-11-02: 1 change at low or above"
    assert "LOW: Section 'Summary': 2 words added, 0 removed" in payload["message"]


def test_a_notifier_that_is_down_is_reported_and_the_run_still_commits(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    closed = free_port()  # nothing listens there
    with json_endpoint() as hook:
        down = f"json://127.0.0.1:{closed}/hook"
        config = config_for(tmp_path, docs, {"urls": [down, hook.json_url()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
        result = snapshot(config, store, "--as-of", SECOND)
    # recorded: the commit came first, and it holds the new version
    assert commit_count(store) == 2
    assert "Changed:\n- bcbsma-633" in git(store, "log", "-1", "--format=%B")
    stored = json.loads(
        (store / "blue-cross-blue-shield-of-massachusetts/bcbsma-633/policy.json").read_text()
    )
    assert stored["coverage"][0]["status"] == "medically_necessary"
    # reported on standard error and in the summary; the other target still got it
    assert result.exit_code == 4
    problem = f"problem: json://127.0.0.1:{closed}: not delivered: "
    assert problem in result.stderr and "Connection error" in result.stderr
    assert f"notified: json://127.0.0.1:{hook.port}\n" in result.stdout
    assert len(hook.posts) == 1
    # the next run changes nothing: the target that took the message gets nothing again;
    # the one that is still down is tried again (the message waits) and still misses it
    again = snapshot(config, store)
    assert len(hook.posts) == 1
    assert again.exit_code == 4
    assert f"problem: sent again: json://127.0.0.1:{closed}: not delivered: " in again.stderr


def test_an_undelivered_message_is_sent_again_by_the_next_run(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    config = config_for(tmp_path, docs, {"urls": ["env:HOOK_URL"]})
    down = {"HOOK_URL": f"json://127.0.0.1:{free_port()}/hook/{SECRET}"}
    assert snapshot(config, store, "--as-of", FIRST, env=down).exit_code == 0
    docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
    missed = snapshot(config, store, "--as-of", SECOND, env=down)
    assert missed.exit_code == 4, missed.output
    (kept,) = (store / ".git" / "policywatch" / "outbox").iterdir()
    text = kept.read_text(encoding="utf-8")
    assert HIGH_SUMMARY in text  # the message, whole
    assert SECRET not in text and "HOOK_URL" not in text and "127.0.0.1" not in text

    with json_endpoint() as hook:
        up = {"HOOK_URL": hook.json_url()}
        sent = snapshot(config, store, "--as-of", THIRD, env=up)  # nothing new this run
        again = snapshot(config, store, "--as-of", FOURTH, env=up)
    assert sent.exit_code == 0, sent.output
    assert f"notified: env:HOOK_URL (json://127.0.0.1:{hook.port}) (sent again)" in sent.stdout
    (post,) = [payload for _, payload in hook.posts]
    assert post["title"] == (
        "policywatch 2026-11-02: 1 change at high or above "
        "(sent again; first tried 2026-11-02T06:00:00Z)"
    )
    assert f"HIGH: {HIGH_SUMMARY}" in post["message"]
    assert not list((store / ".git" / "policywatch" / "outbox").iterdir())
    assert again.exit_code == 0 and len(hook.posts) == 1  # sent once, never twice


def test_a_notifier_that_is_down_in_json_output(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    closed = free_port()
    config = config_for(tmp_path, docs, {"urls": [f"json://127.0.0.1:{closed}/"]})
    assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
    docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
    result = snapshot(config, store, "--as-of", SECOND, "--format", "json")
    assert result.exit_code == 4
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 4 and summary["commit"]
    assert summary["notify"]["message"] is True and summary["notify"]["sent_to"] == []
    [problem] = summary["notify"]["problems"]
    assert problem.startswith(f"json://127.0.0.1:{closed}: not delivered: ")
    assert result.stderr == f"problem: {problem}\n"


SECRET = "s3cr3t-Token-4f9a"


def test_secrets_come_from_the_environment_and_are_written_nowhere(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    closed = free_port()
    with json_endpoint() as hook:
        config = config_for(
            tmp_path,
            docs,
            {
                "urls": [
                    "env:POLICYWATCH_NOTIFY_URL",
                    f"json://127.0.0.1:{closed}/x/${{DOWN_TOKEN}}",
                ]
            },
        )
        env = environment(
            POLICYWATCH_NOTIFY_URL=f"json://127.0.0.1:{hook.port}/hook/{SECRET}",
            DOWN_TOKEN=SECRET,
        )
        assert snapshot(config, store, "--as-of", FIRST, env=env).exit_code == 0
        docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
        result = snapshot(config, store, "--as-of", SECOND, env=env)
        as_json = snapshot(config, store, "--format", "json", env=env)
    assert [path for path, _ in hook.posts] == [f"/hook/{SECRET}"]
    assert result.exit_code == 4  # the second target is down
    assert f"notified: env:POLICYWATCH_NOTIFY_URL (json://127.0.0.1:{hook.port})" in result.stdout
    assert f"problem: json://127.0.0.1:{closed}: not delivered" in result.stderr
    for text in (result.stdout, result.stderr, as_json.stdout, as_json.stderr):
        assert SECRET not in text
    # nothing in the store: files, state, history (commit messages and contents)
    for path in store.rglob("*"):
        if path.is_file() and "objects" not in path.parts:
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in git(store, "log", "--all", "-p", "--format=%B")
    assert SECRET not in config.read_text()


def test_an_unset_variable_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    config = config_for(tmp_path, docs, {"urls": ["env:POLICYWATCH_TEST_UNSET_URL"]})
    env = environment()
    env.pop("POLICYWATCH_TEST_UNSET_URL", None)
    assert snapshot(config, store, "--as-of", FIRST, env=env).exit_code == 0
    docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
    result = snapshot(config, store, "--as-of", SECOND, env=env)
    assert result.exit_code == 4
    assert result.stderr == (
        "problem: env:POLICYWATCH_TEST_UNSET_URL: the variable POLICYWATCH_TEST_UNSET_URL "
        "is not set or empty\n"
    )
    assert commit_count(store) == 2


def test_new_failures_and_sources_failing_for_n_runs(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url()], "failing_runs": 2})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsla-00220"].unlink()
        runs = [snapshot(config, store, "--as-of", when) for when in (SECOND, THIRD, FOURTH)]
        fifth = snapshot(config, store, "--as-of", "2026-11-05T06:00:00Z")
    assert [r.exit_code for r in [*runs, fifth]] == [3, 3, 3, 3]
    titles = [payload["title"] for _, payload in hook.posts]
    # run 1: new failure; run 2: failing for 2 runs; run 3: nothing; run 4: 4 runs
    assert titles == [
        "policywatch 2026-11-02: 1 new failure",
        "policywatch 2026-11-03: 1 source failing for long",
        "policywatch 2026-11-05: 1 source failing for long",
    ]
    first, second, fourth = (payload["message"] for _, payload in hook.posts)
    assert "New failures (the last version stays current):\n- failed: " in first
    assert "(bcbsla-00220): fetch: " in first and "; first failed run" in first
    assert "Failing for 2 runs or more:\n" in second
    assert "failing for 2 runs since 2026-11-02 (1 day)" in second
    assert "failing for 4 runs since 2026-11-02 (3 days)" in fourth


def test_a_suspect_document_is_a_new_failure_with_what_to_do(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_bytes(login_page())
        assert snapshot(config, store, "--as-of", SECOND).exit_code == 3
    [(_, payload)] = hook.posts
    assert payload["title"] == "policywatch 2026-11-02: 1 new failure"
    message = payload["message"]
    assert f"- suspect: {PAYER} · {TITLE} (bcbsma-633): looks like a login page" in message
    assert "policywatch snapshot --accept bcbsma-633" in message


def test_a_silent_change_is_flagged(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    doc = docs / "cam.txt"
    doc.write_text(sample("cam-70175hb", "2026-10"), encoding="utf-8")
    store = tmp_path / "store"
    with json_endpoint() as hook:
        sources = [{"id": "cam-70175hb", "payer": "Regional Blue plan", "path": str(doc)}]
        config = write_config(tmp_path / "sources.toml", sources, {"urls": [hook.json_url()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        doc.write_text(sample("cam-70175hb", "2026-11"), encoding="utf-8")
        assert snapshot(config, store, "--as-of", SECOND).exit_code == 0
    [(_, payload)] = hook.posts
    assert "(cam-70175hb) — SILENT CHANGE" in payload["message"]
    assert "HIGH: CPT 76940 removed" in payload["message"]


def test_no_notify_and_notify_without_urls(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    store = tmp_path / "store"
    with json_endpoint() as hook:
        config = config_for(tmp_path, docs, {"urls": [hook.json_url()]})
        assert snapshot(config, store, "--as-of", FIRST).exit_code == 0
        docs["bcbsma-633"].write_text(HIGH, encoding="utf-8")
        quiet = snapshot(config, store, "--as-of", SECOND, "--no-notify", "--format", "json")
    assert quiet.exit_code == 0 and hook.posts == []
    assert "notify" not in json.loads(quiet.stdout)
    bare = config_for(tmp_path, docs, None)
    refused = snapshot(bare, tmp_path / "other", "--notify")
    assert refused.exit_code == 2
    assert f"--notify: {bare} has no [notify] table with urls" in refused.output
    assert not (tmp_path / "other").exists()  # refused before the run


# -- the [notify] table ------------------------------------------------------------------------


def test_the_notify_table_and_its_defaults(tmp_path: Path) -> None:
    docs = setup_policies(tmp_path)
    assert load_notify(config_for(tmp_path, docs, None)) == NotifySettings()
    config = config_for(
        tmp_path,
        docs,
        {"urls": ["env:HOOK", "mailtos://a:${PW}@smtp.example.org"], "min_severity": "Medium"},
    )
    assert load_notify(config) == NotifySettings(
        ("env:HOOK", "mailtos://a:${PW}@smtp.example.org"), "medium", 3
    )
    assert len(load_sources(config)) == 2  # the sources read as before


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('urls = ["json://x"]\nbogus = 1', 3, "[notify]: unknown key 'bogus'"),
        ('urls = "json://x"', 2, "[notify]: urls must be a list of strings"),
        ('urls = ["env:1BAD"]', 2, "'env:1BAD': env: must name an environment variable"),
        ('urls = ["json://x/${A-B}"]', 2, "${A-B} does not name an environment variable"),
        ('urls = ["not a url"]', 2, "each url is an apprise URL (scheme://…) or env:NAME"),
        ('min_severity = "urgent"', 2, "min_severity must be one of high, medium, low"),
        ("failing_runs = 0", 2, "failing_runs must be a whole number, 1 or more"),
        ("failing_runs = true", 2, "failing_runs must be a whole number, 1 or more"),
    ],
)
def test_an_invalid_notify_table_names_the_file_and_line(
    tmp_path: Path, table: str, line: int, message: str
) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[notify]\n{table}\n\n[[source]]\nid = "a"\npayer = "P"\npath = "a.txt"\n',
        encoding="utf-8",
    )
    for read in (load_notify, load_sources):
        with pytest.raises(ConfigError) as raised:
            read(config)
        assert str(raised.value).startswith(f"{config}:{line}: "), str(raised.value)
        assert message in str(raised.value)
    # the snapshot refuses it before touching the store
    result = snapshot(config, tmp_path / "store")
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "store").exists()


def test_resolving_urls_from_the_environment() -> None:
    env = {"HOOK": "json://h/one  json://h/two", "PW": "p@ss"}
    target = resolve("env:HOOK", env)
    assert (target.label, target.urls, target.problem) == (
        "env:HOOK",
        ("json://h/one", "json://h/two"),
        None,
    )
    templated = resolve("mailtos://a:${PW}@smtp.example.org", env)
    assert templated.urls == ("mailtos://a:p@ss@smtp.example.org",)
    assert templated.label == "mailtos://…" and "p@ss" in templated.secrets
    missing = resolve("json://h/${NOPE}", env)
    assert missing.problem == "json://…: the variable NOPE is not set or empty"
    assert resolve("env:NOPE", env).problem == "env:NOPE: the variable NOPE is not set or empty"


def test_what_apprise_says_of_a_failure_holds_no_secret() -> None:
    env = {"HOOK": "mailto://u:pw-SECRET-1@127.0.0.1:9?to=a@example.org&from=b@example.org"}
    urls = ["nosuchscheme://host/tok-SECRET-2", "env:HOOK", f"json://127.0.0.1:{free_port()}/x"]
    delivery = deliver("title", "body", urls, env)
    assert delivery.message and delivery.sent_to == ()
    unknown, mail, down = delivery.problems
    assert unknown.startswith("nosuchscheme://…: not delivered: ")
    assert mail.startswith("env:HOOK (mailto://") and ": not delivered: " in mail
    assert down.startswith("json://127.0.0.1:") and "not delivered" in down
    assert not any("SECRET" in p for p in delivery.problems)
