"""``list`` and ``find`` on a back-filled store (samples, three months, with plans), and
``log``'s source fields: every format, every filter, ranges that contain a code, and
hits dated across the store's history."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policywatch.cli import main
from policywatch.model import Code, CoverageStatus
from policywatch.portfolio import FindQuery, ListFilter, code_match, find, list_policies
from policywatch.portfolio.versions import PortfolioError
from policywatch.render.portfolio import find_text, list_text
from tests.portfolio_store import build_plan_store
from tests.report_store import BCBSLA, BCBSMA, CAM, REGIONAL

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_store(tmp_path_factory.mktemp("portfolio"))[0]


def cli(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--store", str(store)])


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# -- code matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "query", "expected"),
    [
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "17270", "range"),
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "17260", "range"),
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "17286", "range"),
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "17287", None),
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "1727", None),
        (Code("CPT", "17260-17286", None, ["17260", "17286"]), "17260-17286", "code"),
        (Code("ICD-10-CM", "C22.0-C22.9", None, ["C22.0", "C22.9"]), "C22.3", "range"),
        (Code("ICD-10-CM", "C22.0-C22.9", None, ["C22.0", "C22.9"]), "c22.31", "range"),
        (Code("ICD-10-CM", "C22.0-C22.9", None, ["C22.0", "C22.9"]), "C223", "range"),
        (Code("ICD-10-CM", "C22.0-C22.9", None, ["C22.0", "C22.9"]), "C23.1", None),
        (Code("HCPCS", "J9000-J9999"), "J9035", "range"),
        (Code("CPT", "47381"), "47381", "code"),
        (Code("CPT", "47381"), "4738", None),
        (Code("CPT", "0581T"), "0581t", "code"),
    ],
)
def test_code_match(entry: Code, query: str, expected: str | None) -> None:
    assert code_match(entry, query) == expected


# -- list -----------------------------------------------------------------------------------------


def test_list_every_tracked_policy_with_plan_statuses_and_last_change(store: Path) -> None:
    rows = {r.policy_dir: r for r in list_policies(store, today=TODAY)}
    assert len(rows) == 5
    bcbsla = rows[BCBSLA]
    assert (bcbsla.source_id, bcbsla.plan, bcbsla.policy_number) == (
        "bcbsla-00220", "Commercial PPO", "00220",
    )  # fmt: skip
    assert bcbsla.effective == "2026-11-03" and bcbsla.statuses == ("investigational",)
    assert bcbsla.source is not None and bcbsla.source.endswith("bcbsla-00220/2026-11.txt")
    assert bcbsla.last_change is not None
    assert bcbsla.last_change.recorded_at == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    assert bcbsla.last_change.severity == "medium"
    assert bcbsla.first_recorded == datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
    bcbsma = rows[BCBSMA]
    assert bcbsma.statuses == ("medically_necessary",)
    assert bcbsma.last_change is not None and bcbsma.last_change.severity == "high"
    assert bcbsma.last_change.summary.startswith(
        "Primary or metastatic tumors in the liver: investigational → medically necessary"
    )
    regional = rows[REGIONAL]
    assert regional.last_change is None and regional.overdue
    assert regional.statuses == ("medically_necessary", "investigational")
    assert not any(r.overdue for d, r in rows.items() if d != REGIONAL)


def test_list_filters(store: Path) -> None:
    def dirs(**filters: object) -> list[str]:
        found = list_policies(store, ListFilter(**filters), today=TODAY)  # type: ignore[arg-type]
        return [r.policy_dir for r in found]

    assert dirs(payer="louisiana") == [BCBSLA]
    assert dirs(payer="BLUE CROSS BLUE SHIELD OF MASS") == [BCBSMA]
    assert dirs(plan="medicare") == [BCBSMA]
    assert dirs(status=CoverageStatus.INVESTIGATIONAL) == [BCBSLA, CAM, REGIONAL]
    assert dirs(status=CoverageStatus.MEDICALLY_NECESSARY) == [BCBSMA, REGIONAL]
    assert dirs(overdue=True) == [REGIONAL]
    assert dirs(changed_since=date(2026, 11, 1)) == [BCBSLA, BCBSMA, CAM]
    assert dirs(changed_since=date(2026, 11, 3)) == []
    assert dirs(payer="louisiana", status=CoverageStatus.MEDICALLY_NECESSARY) == []


def test_list_text_json_and_csv(store: Path) -> None:
    text = cli(store, "list")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("5 policies\n")
    assert "REVIEW OVERDUE" in text.output and "Commercial PPO" in text.output
    wide = list_text(list_policies(store, today=TODAY), width=400)
    assert "REVIEW OVERDUE (due 2023-11)" in wide and "2026-11-02 HIGH" in wide
    assert "medically necessary ×6" in wide

    data = json.loads(cli(store, "list", "--format", "json", "--payer", "louisiana").output)
    assert data["count"] == 1
    [row] = data["policies"]
    assert row["plan"] == "Commercial PPO" and row["policy_number"] == "00220"
    assert row["last_change"]["recorded_at"] == "2026-11-02T06:00:00Z"
    assert row["last_change"]["severity"] == "medium"
    assert row["source"].endswith("bcbsla-00220/2026-11.txt")

    rows = csv_rows(cli(store, "list", "--format", "csv", "--status", "investigational").output)
    assert [r["source_id"] for r in rows] == [
        "bcbsla-00220", "cam-70175hb", "regional-surgery-cryoablation",
    ]  # fmt: skip
    assert rows[0]["policy_number"] == '="00220"'  # stays text in a spreadsheet
    assert rows[0]["plan"] == "Commercial PPO"
    assert rows[0]["url"].endswith("bcbsla-00220/2026-11.txt")
    assert [r["overdue"] for r in rows] == ["no", "no", "yes"]


def test_list_cli_errors_and_empty_results(store: Path, tmp_path: Path) -> None:
    bad = cli(store, "list", "--status", "covered-ish")
    assert bad.exit_code == 2
    assert "Error: unknown coverage status 'covered-ish'" in bad.output
    day = cli(store, "list", "--changed-since", "2026-13-01")
    assert day.exit_code == 2 and "--changed-since '2026-13-01': expected a date" in day.output
    assert cli(store, "list", "--payer", "nobody").output == "No tracked policy matches.\n"
    missing = CliRunner().invoke(main, ["list", "--store", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "no policywatch store here" in missing.output
    target = tmp_path / "out" / "list.csv"
    written = cli(store, "list", "--format", "csv", "-o", str(target))
    assert written.exit_code == 0 and written.output == f"Written to {target}\n"
    assert target.read_text(encoding="utf-8").startswith("\ufeffsource_id,payer,plan,")


# -- find ------------------------------------------------------------------------------------------


def test_find_a_code_inside_a_range(store: Path) -> None:
    result = find(store, FindQuery(code="17270"))
    [hit] = result.hits
    assert (hit.policy_dir, hit.kind, hit.code) == (REGIONAL, "code", "17260-17286")
    assert hit.match == "17270 is in range 17260-17286"
    assert hit.item.startswith("CPT 17260-17286: Destruction, malignant lesion")
    assert hit.statuses == ("medically_necessary", "investigational")
    assert hit.plan == "Individual (ACA)" and result.policies_searched == 5


def test_find_a_single_code_in_every_policy_that_lists_it(store: Path) -> None:
    hits = find(store, FindQuery(code="47381")).hits
    assert [(h.policy_dir, h.statuses) for h in hits] == [
        (BCBSLA, ("investigational",)),
        (BCBSMA, ("medically_necessary",)),
        (CAM, ("investigational",)),
    ]
    assert find(store, FindQuery(code="76940")).hits[0].policy_dir == BCBSLA  # CAM dropped it
    assert len(find(store, FindQuery(code="76940")).hits) == 1


def test_find_by_text_and_status(store: Path) -> None:
    [uveal] = find(store, FindQuery(text="Uveal  MELANOMA")).hits
    assert (uveal.kind, uveal.status, uveal.indication) == (
        "coverage", "medically_necessary", "uveal melanoma",
    )  # fmt: skip
    investigational = find(store, FindQuery(status=CoverageStatus.INVESTIGATIONAL)).hits
    assert [h.policy_dir for h in investigational] == [BCBSLA, CAM, REGIONAL]
    assert all(h.kind == "coverage" for h in investigational)
    # code rows whose description has the words, in policies with a statement of the status
    guided = find(store, FindQuery(text="ultrasound guidance")).hits
    assert {(h.policy_dir, h.kind) for h in guided} == {(REGIONAL, "code")}
    assert len(guided) >= 2
    assert all("ultrasound guidance" in (h.description or "").casefold() for h in guided)
    with_status = find(
        store, FindQuery(text="ultrasound guidance", status=CoverageStatus.INVESTIGATIONAL)
    ).hits
    assert {h.policy_dir for h in with_status} == {REGIONAL}
    not_covered = FindQuery(text="ultrasound guidance", status=CoverageStatus.NOT_COVERED)
    assert find(store, not_covered).hits == ()  # no policy has such a statement
    assert (
        find(store, FindQuery(text="uveal melanoma", status=CoverageStatus.INVESTIGATIONAL)).hits
        == ()
    )


def test_find_history_dates_appearance_and_disappearance(store: Path) -> None:
    result = find(store, FindQuery(code="76940"), history=True)
    assert result.history and result.versions_read == 8
    by_dir = {h.policy_dir: h for h in result.hits}
    assert set(by_dir) == {BCBSLA, CAM}
    cam = by_dir[CAM]
    assert cam.first_seen == datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
    assert cam.gone_at == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    assert cam.first_commit and cam.gone_commit and cam.first_commit != cam.gone_commit
    assert by_dir[BCBSLA].gone_at is None

    flips = find(store, FindQuery(text="primary or metastatic tumors", status=None), history=True)
    bcbsma = [h for h in flips.hits if h.policy_dir == BCBSMA]
    assert [(h.status, h.first_seen, h.gone_at) for h in bcbsma] == [
        ("investigational", datetime(2026, 9, 1, 6, 0, tzinfo=UTC),
         datetime(2026, 11, 2, 6, 0, tzinfo=UTC)),
        ("medically_necessary", datetime(2026, 11, 2, 6, 0, tzinfo=UTC), None),
    ]  # fmt: skip


def test_find_text_json_and_csv(store: Path) -> None:
    text = cli(store, "find", "--code", "17270")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("1 hit for code 17270 in 5 current policies\n")
    assert "17270 is in range" in text.output
    wide = find_text(find(store, FindQuery(code="17270")), width=400)
    assert "17270 is in range 17260-17286" in wide and "policy: medically necessary" in wide

    history = cli(store, "find", "--code", "76940", "--history")
    assert history.output.startswith("2 hits for code 76940 in 8 stored versions of 5 policies")
    assert "still there" in history.output and "2026-11-02" in history.output

    data = json.loads(cli(store, "find", "--code", "76940", "--history", "--format", "json").output)
    assert data["query"] == {"code": "76940", "text": None, "status": None}
    cam = next(h for h in data["hits"] if h["source_id"] == "cam-70175hb")
    assert (cam["appeared"], cam["disappeared"]) == ("2026-09-01T06:00:00Z", "2026-11-02T06:00:00Z")
    assert cam["plan"] == "Commercial HMO" and cam["policy_statuses"] == ["investigational"]

    rows = csv_rows(cli(store, "find", "--code", "47381", "--format", "csv").output)
    assert [r["policy_number"] for r in rows] == ['="00220"', "633", "CAM 70175HB"]
    assert {r["kind"] for r in rows} == {"code"} and rows[0]["url"].endswith("2026-11.txt")


def test_find_needs_a_question(store: Path) -> None:
    with pytest.raises(PortfolioError, match="find what"):
        FindQuery()
    result = cli(store, "find")
    assert result.exit_code == 2
    assert "Error: find what? give --code CODE, --text PHRASE or --status STATUS" in result.output
    assert cli(store, "find", "--code", "99999").output.startswith("0 hits for code 99999")


# -- log ------------------------------------------------------------------------------------------


def test_log_names_plan_and_source_of_each_version(store: Path) -> None:
    result = cli(store, "log", "bcbsla-00220", "--format", "json")
    assert result.exit_code == 0, result.output
    versions = json.loads(result.output)
    assert [v["plan"] for v in versions] == ["Commercial PPO", "Commercial PPO"]
    assert {v["source_id"] for v in versions} == {"bcbsla-00220"}
    assert versions[0]["source"].endswith("bcbsla-00220/2026-09.txt")
    assert versions[-1]["source"].endswith("bcbsla-00220/2026-11.txt")
