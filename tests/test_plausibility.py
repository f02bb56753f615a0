"""The plausibility gate (issue 12, item 1), as a pure function: junk pages that parse
are suspect, a retirement notice is "retired", a collapse of the previous version is
suspect, and real policies — every corpus document in its text, PDF and HTML
editions, and the golden revision pairs both ways — pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.model import Code, Coverage, HistoryEntry, Policy, Reference, Section
from policywatch.parse import parse_bytes
from policywatch.parse.plausibility import OK, Verdict, assess, markers, policy_text
from tests import editions
from tests.conftest import CORPUS, FIXTURES

JUNK = FIXTURES / "junk"


def verdict_of(data: bytes, previous: Policy | None = None) -> Verdict:
    policy = parse_bytes(data)
    return assess(policy, policy_text(policy), previous)


def corpus(key: str) -> bytes:
    return CORPUS[key].read_bytes()


# -- junk pages that parse today ----------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "kind", "reason"),
    [
        ("login.html", "suspect", "looks like a login page: “Sign in to Provider Portal”"),
        (
            "bot_check.html",
            "suspect",
            "looks like a bot check: “Verifying you are human. This may take a few seconds.”",
        ),
        ("soft_404.html", "suspect", "looks like a page-not-found page: “We can't find that page”"),
        ("error.html", "suspect", "looks like an error page: “We're sorry. An error occurred"),
        (
            "archived.html",
            "retired",
            "the page says the policy was retired or archived: "
            "“This medical policy has been archived.",
        ),
    ],
)
def test_junk_pages_are_held_back(page: str, kind: str, reason: str) -> None:
    data = (JUNK / page).read_bytes()
    parse_bytes(data)  # they all parse: the parser alone cannot tell
    for previous in (None, parse_bytes(corpus("001"))):  # first snapshot, or a later one
        verdict = verdict_of(data, previous)
        assert verdict.kind == kind
        assert verdict.reason.startswith(reason), verdict.reason


BOT_CHECK_TEXT = """Just a moment...

www.examplehealth.com

Checking if the site connection is secure

www.examplehealth.com needs to review the security of your connection before proceeding.

Ray ID: 7d2a9f1c3b4e5a60

Performance & security by Cloudflare
"""


def test_a_bot_check_as_plain_text_and_curly_apostrophes() -> None:
    assert (
        verdict_of(BOT_CHECK_TEXT.encode()).reason == "looks like a bot check: “Just a moment...”"
    )
    curly = (JUNK / "soft_404.html").read_bytes().replace(b"can't", "can’t".encode())
    assert verdict_of(curly).reason.startswith("looks like a page-not-found page: “We can't find")


def test_a_page_with_no_policy_in_it() -> None:
    page = b"""<html><body><main><h1>Medical Policies</h1>
<p>Search our medical and pharmacy policies by name, number or keyword. Policies are
reviewed at least once a year by the Medical Policy Committee, and updates are announced
in the monthly provider newsletter. Use the filters to narrow the list by product.</p>
<p>Looking for a policy that was retired? See the policy archive.</p></main></body></html>"""
    verdict = verdict_of(page)
    assert verdict.kind == "suspect"
    assert verdict.reason.startswith("does not read as a medical policy: no coverage statement")


def test_an_archived_banner_over_the_full_text_is_a_retirement() -> None:
    text = corpus("001").decode()
    banner = "This policy has been archived effective 10/01/2026 and is no longer maintained.\n\n"
    verdict = verdict_of(banner.encode() + text.encode(), parse_bytes(corpus("001")))
    assert verdict.kind == "retired"
    assert "“This policy has been archived effective 10/01/2026" in verdict.reason
    titled = text.replace(
        "## **Cryosurgical Ablation of Primary or Metastatic Liver Tumors**",
        "## **Cryosurgical Ablation of Primary or Metastatic Liver Tumors (Archived)**",
        1,
    )
    assert verdict_of(titled.encode()).kind == "retired"


def test_a_real_policy_that_mentions_markers_stays_a_policy() -> None:
    text = corpus("001").decode()
    # history rows and reference titles that say "archived", a login line near the top
    history = text.replace(
        "Medical Policy Implementation Committee approval.",
        "Policy archived; replaced by the archived policy version 00220A. "
        "This policy has been archived before and reinstated.",
        1,
    )
    assert history != text
    assert verdict_of(history.encode()) == OK
    login_line = text.replace(
        "# Louisiana", "# Louisiana\n\nSign in to your account to continue", 1
    )
    assert verdict_of(login_line.encode()) == OK


# -- collapse of the previous version --------------------------------------------------------


def test_a_policy_collapsed_to_a_stub() -> None:
    previous = parse_bytes(corpus("001"))
    head = corpus("001").decode().split("## **Services Are Considered Investigational**")[0]
    stub = head + "Policy content is being updated. Please check back later.\n"
    policy = parse_bytes(stub.encode())
    assert policy.title == previous.title and policy.policy_number == "00220"
    assert assess(policy, policy_text(policy), None) == OK  # fine as a first snapshot
    verdict = assess(policy, policy_text(policy), previous)
    assert verdict.kind == "suspect"
    assert verdict.reason.startswith(
        "reads as a collapse of the previous version: 1 of 1 coverage statements gone; "
        "4 of 4 billing codes gone; 36 of 36 history entries gone; 36 of 36 references gone; "
        "text shrank to "
    ), verdict.reason


@pytest.mark.parametrize("key", list(CORPUS))
def test_a_truncated_download_is_a_collapse(key: str) -> None:
    data = corpus(key)
    verdict = verdict_of(data[: len(data) // 8], parse_bytes(data))
    assert verdict.kind == "suspect"
    assert verdict.reason.startswith("reads as a collapse of the previous version: ")


def _policy(title: str | None, number: str | None, codes: int, chars: int) -> Policy:
    return Policy(
        title=title,
        policy_number=number,
        coverage=[Coverage("liver tumors", "investigational", "… is investigational.")],
        codes=[Code("CPT", str(47370 + i)) for i in range(codes)],
        history=[HistoryEntry("2024-06-12", "Annual review.")],
        references=[Reference("Kim HI, et al.")],
        sections=[Section("Policy", "x" * chars)],
    )


def test_title_and_number_gone() -> None:
    previous = _policy("Cryosurgical Ablation of Liver Tumors", "00220", 8, 5000)
    new = _policy("Provider News", None, 1, 4800)
    verdict = assess(new, policy_text(new), previous)
    assert verdict == Verdict(
        "suspect",
        "reads as a collapse of the previous version: "
        "title (now “Provider News”) and policy number gone; 7 of 8 billing codes gone",
    )
    # renamed but numbered as before, or a new number: a revision
    renamed = _policy("Liver Tumor Cryoablation", "00220", 1, 4800)
    assert assess(renamed, policy_text(renamed), previous) == OK
    renumbered = _policy("Provider News", "00220-A", 1, 4800)
    assert assess(renumbered, policy_text(renumbered), previous) == OK


def test_revisions_that_are_not_collapses() -> None:
    previous = _policy("Cryosurgical Ablation of Liver Tumors", "00220", 8, 5000)
    codes_moved_out = _policy("Cryosurgical Ablation of Liver Tumors", "00220", 0, 1800)
    assert assess(codes_moved_out, policy_text(codes_moved_out), previous) == OK
    same_size = _policy("Cryosurgical Ablation of Liver Tumors", "00220", 0, 5000)
    assert assess(same_size, policy_text(same_size), previous) == OK
    stub = _policy("Cryosurgical Ablation of Liver Tumors", "00220", 8, 400)
    assert assess(stub, policy_text(stub), previous).reason.endswith(
        "text shrank to 9% (445 of 5,045 characters)"
    )


# -- real policies pass ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def published() -> dict[str, dict[str, Policy]]:
    """Every corpus document as text, PDF and web page, parsed."""
    found: dict[str, dict[str, Policy]] = {}
    for key, path in CORPUS.items():
        found[key] = {
            "text": parse_bytes(path.read_bytes()),
            "pdf": parse_bytes(editions.pdf_edition(path.name)),
            "html": parse_bytes(editions.html_edition(path.name)),
        }
    return found


def test_every_corpus_edition_passes(published: dict[str, dict[str, Policy]]) -> None:
    for key, by_format in published.items():
        for fmt, policy in by_format.items():
            assert assess(policy, policy_text(policy), None) == OK, (key, fmt)
            for other_fmt, other in by_format.items():  # the source switched format
                assert assess(policy, policy_text(policy), other) == OK, (key, fmt, other_fmt)


GOLDEN = sorted(p for p in (Path(__file__).parent / "golden").iterdir() if (p / "old.txt").exists())


@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: p.name)
def test_golden_revisions_pass_both_ways(case: Path) -> None:
    old = parse_bytes((case / "old.txt").read_bytes())
    new = parse_bytes((case / "new.txt").read_bytes())
    assert assess(new, policy_text(new), old) == OK
    assert assess(old, policy_text(old), new) == OK


def test_markers_are_data() -> None:
    found = markers()
    labels = [label for label, _ in found.junk]
    assert labels == ["a login page", "a bot check", "a page-not-found page", "an error page"]
    assert all(patterns for _, patterns in found.junk) and found.retired and found.retired_titles
    assert all(isinstance(p, re.Pattern) for _, ps in found.junk for p in ps)


# -- `policywatch parse` ---------------------------------------------------------------------


def test_parse_refuses_a_page_that_is_no_policy() -> None:
    login = str(JUNK / "login.html")
    result = CliRunner().invoke(main, ["parse", login])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {login}: not a medical policy (suspect): looks like a login page: "
        "“Sign in to Provider Portal” (--force prints it anyway)\n"
    )
    archived = CliRunner().invoke(main, ["parse", str(JUNK / "archived.html")])
    assert archived.exit_code == 2
    assert "not a medical policy (retired): the page says the policy was retired" in archived.output


def test_parse_force_prints_it_with_a_warning() -> None:
    login = str(JUNK / "login.html")
    result = CliRunner().invoke(main, ["parse", login, "--force", "--format", "text"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Sign in to Provider Portal\n")
    assert result.stderr.startswith(f"Warning: {login}: not a medical policy (suspect): ")
    real = CliRunner().invoke(main, ["parse", str(CORPUS["001"])])
    assert real.exit_code == 0 and real.stderr == ""
