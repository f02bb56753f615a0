"""``compare``: the three corpus editions of BCBSA 7.01.75 side by side (the showcase), one
policy against itself across time, codes covered by ranges, and every format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policywatch.cli import main
from policywatch.model import Code, Policy
from policywatch.portfolio import Comparison, compare_policies
from policywatch.portfolio.compare import _code_rows
from policywatch.render import compare_output
from policywatch.render.compare import compare_text
from policywatch.store import Store
from policywatch.timeline import locate
from tests.portfolio_store import build_editions_store, build_plan_store

EDITIONS = ("cam-70175hb", "bcbsla-00220", "bcbsma-633")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_editions_store(tmp_path_factory.mktemp("editions"))


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_store(tmp_path_factory.mktemp("months"))[0]


def compared(store_dir: Path, *refs: str) -> Comparison:
    store = Store.open(store_dir)
    return compare_policies(store, [(ref, *locate(store, ref)) for ref in refs])


def cli(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["compare", *args, "--store", str(store)])


def test_the_three_editions_agree_on_coverage(editions: Path) -> None:
    result = compared(editions, *EDITIONS)
    [row] = result.coverage
    assert row.indication == "Primary or metastatic tumors in the liver"
    assert row.same
    assert [c.status for c in row.cells if c] == ["investigational"] * 3
    assert "Company considers cryosurgical ablation" in (row.cells[1].text if row.cells[1] else "")


def test_the_editions_differ_in_cpt_76940_and_in_the_meta_analyses(editions: Path) -> None:
    result = compared(editions, *EDITIONS)
    codes = {f"{r.system} {r.code}": r for r in result.codes}
    assert codes["CPT 76940"].cells == ("listed", "listed", None)
    assert all(codes[f"CPT {c}"].same for c in ("47371", "47381", "47383"))
    assert codes["ICD-10-CM C22.0-C22.9"].cells == ("listed", None, None)
    meta = [r for r in result.evidence if r.study == "meta-analyses"]
    assert [(r.population, r.cells) for r in meta] == [
        ("Unresectable primary hepatocellular carcinoma", ("—", "2", "—"))
    ]
    others = [r for r in result.evidence if r.study != "meta-analyses"]
    assert others and all(r.same for r in others)
    differences = result.differences
    assert "CPT 76940: in cam-70175hb, bcbsla-00220; not in bcbsma-633" in differences
    assert (
        "Unresectable primary hepatocellular carcinoma: meta-analyses: "
        "cam-70175hb —, bcbsla-00220 2, bcbsma-633 —"
    ) in differences
    assert not any(line.startswith("Coverage of") for line in differences)


def test_the_editions_sources_plans_dates_and_latest_history(editions: Path) -> None:
    result = compared(editions, *EDITIONS)
    about = {row.label: row.cells for row in result.about}
    assert about["Plan"] == ("Commercial HMO", "Commercial PPO", "Medicare Advantage")
    assert about["Policy number"] == ("CAM 70175HB", "00220", "633")
    assert about["Reference number"] == ("—", "—", "7.01.75")
    assert about["Version recorded"] == ("2026-10-01",) * 3
    assert all(cell.endswith(".txt") for cell in about["Source"])
    dates = {row.label: row.cells for row in result.dates}
    assert dates["Effective date"] == ("—", "2024-07-08", "—")
    [history] = result.history
    assert history.cells[0] == "2024-01-01: NEW POLICY"
    assert history.cells[1].startswith("2024-06-12: Medical Policy Implementation Committee")
    assert history.cells[2].startswith("2020-11: BCBSA National medical policy review")
    side = result.sides[1]
    assert (side.payer, side.plan, side.source_id) == (
        "Blue Cross and Blue Shield of Louisiana", "Commercial PPO", "bcbsla-00220",
    )  # fmt: skip
    assert side.recorded_at == datetime(2026, 10, 1, 6, 0, tzinfo=UTC)


def test_one_policy_against_itself_across_time(months: Path) -> None:
    result = compared(months, "bcbsma-633@2026-10-15", "bcbsma-633")
    [row] = result.coverage
    assert not row.same
    assert [c.status for c in row.cells if c] == ["investigational", "medically_necessary"]
    assert [s.recorded_at for s in result.sides] == [
        datetime(2026, 9, 1, 6, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 0, tzinfo=UTC),
    ]
    assert result.differences[0] == (
        "Coverage of Primary or metastatic tumors in the liver: "
        "bcbsma-633@2026-10-15 investigational, bcbsma-633 medically necessary"
    )
    log = json.loads(
        CliRunner()
        .invoke(main, ["log", "bcbsma-633", "--format", "json", "--store", str(months)])
        .output
    )
    first = log[0]["commit"]
    by_commit = compared(months, f"bcbsma-633@{first[:12]}", "cam-70175hb@2026-10-01")
    assert by_commit.sides[0].recorded_at == datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
    assert by_commit.sides[0].version_commit == first


def test_a_code_a_range_covers_is_not_missing() -> None:
    wide = Policy(codes=[Code("CPT", "17260-17286", "Destruction", ["17260", "17286"])])
    single = Policy(codes=[Code("CPT", "17270")])
    rows = {r.code: r for r in _code_rows([wide, single])}
    assert rows["17260-17286"].cells == ("listed", "1 code in it")
    assert rows["17270"].cells == ("in 17260-17286", "listed")
    assert rows["17270"].same and rows["17260-17286"].same


def test_compare_text_is_a_readable_table(editions: Path) -> None:
    result = cli(editions, *EDITIONS)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Comparing 3 policies side by side (* marks a row that differs)")
    for heading in ("What differs", "Documents", "Coverage", "Codes", "Evidence", "Dates"):
        assert f"\n{heading}\n{'=' * len(heading)}\n" in out
    assert "  - CPT 76940: in cam-70175hb, bcbsla-00220; not in bcbsma-633" in out
    assert max(len(line) for line in out.splitlines() if not line.startswith("  - ")) <= 120
    narrow = compare_text(compared(editions, *EDITIONS), width=80)
    codes = narrow.split("\nCodes\n")[1]
    assert "*  CPT 76940" in codes and "   CPT 47371" in codes


def test_compare_json(editions: Path) -> None:
    data = json.loads(cli(editions, *EDITIONS, "--format", "json").output)
    assert [s["label"] for s in data["sides"]] == list(EDITIONS)
    assert [s["plan"] for s in data["sides"]] == [
        "Commercial HMO",
        "Commercial PPO",
        "Medicare Advantage",
    ]
    assert data["sides"][1]["recorded_at"] == "2026-10-01T06:00:00Z"
    [coverage] = data["coverage"]
    assert coverage["same"] is True
    assert [c["status"] for c in coverage["cells"]] == ["investigational"] * 3
    code = next(c for c in data["codes"] if c["code"] == "76940")
    assert (code["cells"], code["same"]) == (["listed", "listed", None], False)
    assert data["differences"] == compared(editions, *EDITIONS).differences


def test_compare_html_is_self_contained(editions: Path, tmp_path: Path) -> None:
    target = tmp_path / "editions.html"
    result = cli(editions, *EDITIONS, "--format", "html", "-o", str(target))
    assert result.exit_code == 0 and result.output == f"Written to {target}\n"
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "default-src 'none'" in html and "<script" not in html and "url(" not in html
    assert "<h1>Cryosurgical Ablation of Primary or Metastatic Liver Tumors</h1>" in html
    assert html == compare_output(compared(editions, *EDITIONS), "html")


def test_compare_errors(editions: Path) -> None:
    one = cli(editions, "bcbsla-00220")
    assert one.exit_code == 2
    assert "Error: compare needs two or more policies" in one.output
    unknown = cli(editions, "bcbsla-00220", "nobody-1")
    assert unknown.exit_code == 2 and "Error: no policy 'nobody-1'" in unknown.output
    early = cli(editions, "bcbsla-00220@2020-01-01", "bcbsma-633")
    assert early.exit_code == 2 and "has no version on or before 2020-01-01" in early.output


@pytest.mark.parametrize("command", ["list", "find", "compare"])
def test_portfolio_commands_have_help_with_examples(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"policywatch {command} " in result.output
    assert "--format" in result.output and "--store" in result.output
