"""Issue 16, what people hear of a policy library change: a policy an index no longer
lists (retired, high) sends the run's notification on its own; a new one (medium) and a
rename (low) are named in the run's lines and counted in a message that goes anyway; a
renamed entry says what it was listed as, in the run log and in every report format;
an index that fails for the first time is a new failure in the message.

Real deliveries on loopback: the index and its policies are served on 127.0.0.1, the
message is posted to a local json:// endpoint."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result

from policywatch.cli import main
from policywatch.render.output import report_output
from policywatch.report import build_report, month_period
from policywatch.store import Run
from tests.ops_support import json_endpoint, snapshot, toml_string
from tests.store_support import Reply, Route, git, http_server
from tests.test_index_snapshot import plain, policy

RUNS = [
    plain(("/p/knee", "Widget Therapy"), ("/p/gone", "Old Therapy")),
    plain(("/p/knee", "Widget Therapy"), ("/p/gone", "Old Therapy"), ("/p/fresh", "Fresh")),
    plain(("/p/knee", "Widget Therapy for Knee Pain"), ("/p/fresh", "Fresh")),
]
DAYS = [f"2026-09-0{n}T06:00:00Z" for n in range(1, 7)]


def routes() -> dict[str, Route]:
    gone = Reply(404, b"not here")
    listing = [Reply(body=body) for body in RUNS] + [gone, Reply(body=RUNS[2]), gone]
    return {
        "/index": Route(listing),
        "/p/knee": Route([Reply(body=policy("MP-101", "Widget Therapy"))]),
        "/p/gone": Route([Reply(body=policy("MP-102", "Old Therapy"))]),
        "/p/fresh": Route([Reply(body=policy("MP-103", "Fresh Therapy"))]),
    }


def config(path: Path, base: str, hook_url: str) -> Path:
    path.write_text(
        f"""[[index]]
id = "acme"
payer = "Acme Health"
plan = "Commercial"
url = {toml_string(base + "/index")}
track = "all"

[notify]
urls = [{toml_string(hook_url)}]
""",
        encoding="utf-8",
    )
    return path


def test_a_retired_policy_notifies_and_a_rename_says_what_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with http_server(routes()) as base, json_endpoint() as hook:
        sources = config(tmp_path / "sources.toml", base, hook.json_url())
        first = snapshot(sources, store, "--as-of", DAYS[0])
        second = snapshot(sources, store, "--as-of", DAYS[1])
        third = snapshot(sources, store, "--as-of", DAYS[2])
        posted_by_third = list(hook.posts)
        third_commit = git(store, "rev-parse", "HEAD").strip()
        healthy = status(sources, store)
        fourth = snapshot(sources, store, "--as-of", DAYS[3])
        failing = status(sources, store)
        failing_json = status(sources, store, "--format", "json")
        posted_by_fourth = list(hook.posts)
        fifth = snapshot(sources, store, "--as-of", DAYS[4])
        sixth = snapshot(sources, store, "--as-of", DAYS[5])
        failing_again = status(sources, store, "--format", "json")

    assert [r.exit_code for r in (first, second, third)] == [0, 0, 0], third.output
    # A new policy is medium: named in the run's lines, no message (min_severity high).
    assert f"library new: Acme Health · Fresh (index acme) <{base}/p/fresh>" in second.stdout
    assert "notified" not in second.stdout

    # The retirement sends the message; the rename (low) is counted in it.
    assert len(posted_by_third) == 1
    _, payload = posted_by_third[0]
    assert payload["title"] == "policywatch 2026-09-03: 1 policy library change"
    body = payload["message"]
    assert "Policy library changes, high severity or above:" in body
    assert f"- HIGH retired: Acme Health · Old Therapy (index acme) <{base}/p/gone>" in body
    assert "Also in this run: 1 policy library change below high not listed." in body
    renamed = "library renamed: Acme Health · Widget Therapy → Widget Therapy for Knee Pain"
    assert f"{renamed} (index acme) <{base}/p/knee>" in third.stdout

    # The run log keeps what the renamed entry was listed as.
    run = Run.from_message(git(store, "log", "-1", "--format=%B", third_commit))
    (rename,) = [line for line in run.library if line.action == "renamed"]
    assert (rename.title, rename.was, rename.was_link) == (
        "Widget Therapy for Knee Pain",
        "Widget Therapy",
        None,  # same link
    )
    message = git(store, "log", "-1", "--format=%B", third_commit)
    assert f"- acme (was): Widget Therapy <{base}/p/knee>" in message

    # Every report format says it.
    report = build_report(store, month_period("2026-09"))
    (acme,) = report.library
    (item,) = acme.of("renamed")
    assert (item.title, item.was) == ("Widget Therapy for Knee Pain", "Widget Therapy")
    data = json.loads(report_output(report, "json"))
    (entry,) = [c for c in data["library_changes"][0]["changes"] if c["action"] == "renamed"]
    assert (entry["title"], entry["was"], entry["was_link"]) == (
        "Widget Therapy for Knee Pain",
        "Widget Therapy",
        None,
    )
    rows = csv.DictReader(io.StringIO(str(report_output(report, "csv")).lstrip("\ufeff")))
    (row,) = [r for r in rows if r["kind"] == "library" and r["action"] == "renamed"]
    assert (row["before"], row["after"]) == ("Widget Therapy", "Widget Therapy for Knee Pain")
    assert row["summary"] == (
        "Renamed in the policy index: Widget Therapy → Widget Therapy for Knee Pain"
    )
    assert "listed before as <q>Widget Therapy</q>" in str(report_output(report, "html"))

    # The index fails for the first time: a new failure, in a message of its own.
    assert fourth.exit_code == 3, fourth.output
    assert "index failed: acme: fetch: HTTP 404 Not Found" in fourth.stderr
    assert len(posted_by_fourth) == 2
    _, payload = posted_by_fourth[1]
    assert payload["title"] == "policywatch 2026-09-04: 1 new failure"
    assert (
        "- index failed: Acme Health · policy index (acme): fetch: HTTP 404 Not Found; "
        "first failed run"
    ) in payload["message"]

    # status: one line per index, and a failing index needs a human (exit 1).
    assert healthy.exit_code == 0, healthy.output
    line = healthy.output.splitlines()[-1]
    assert line.startswith("index acme")
    assert " ok " in line
    assert "lists 2 policies, 2 tracked (track all) · listed fine 2026-09-03" in line
    assert failing.exit_code == 1, failing.output
    line = failing.output.splitlines()[-1]
    assert " failing " in line
    assert "listed fine 2026-09-03 · failing since 2026-09-04, 1 run (fetch: HTTP 404" in line
    (index,) = json.loads(failing_json.output)["indexes"]
    assert (index["id"], index["state"], index["listed"], index["tracked"]) == (
        "acme",
        "failing",
        2,
        2,
    )
    assert index["failing"]["runs"] == 1 and index["last_ok"] == "2026-09-03T06:00:00Z"

    # It lists fine again (recorded as a recovery), then fails anew: a new failure again.
    assert fifth.exit_code == 0 and "recovered: acme" in fifth.stdout, fifth.output
    assert sixth.exit_code == 3, sixth.output
    assert len(hook.posts) == 3
    assert hook.posts[2][1]["title"] == "policywatch 2026-09-06: 1 new failure"
    (index,) = json.loads(failing_again.output)["indexes"]
    assert index["failing"]["runs"] == 1 and index["failing"]["since"] == DAYS[5]


def status(sources: Path, store: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["status", "--config", str(sources), "--store", str(store), *args]
    )
