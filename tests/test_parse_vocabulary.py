"""The vocabulary TOML is checked when it loads: a status or code system the schema does
not know fails loudly, never as a status no one reports."""

from __future__ import annotations

from importlib import resources

import pytest

from policywatch.model import CODE_SYSTEMS, CoverageStatus
from policywatch.parse.vocabulary import VocabularyError, load_vocabulary, vocabulary


def shipped() -> str:
    return resources.files("policywatch.parse").joinpath("vocabulary.toml").read_text("utf-8")


def test_the_shipped_vocabulary_names_only_known_statuses_and_systems() -> None:
    vocab = vocabulary()
    assert {status for status, _ in vocab.statuses} <= set(CoverageStatus)
    assert all(isinstance(status, CoverageStatus) for status, _ in vocab.statuses)
    assert {system for _, system in vocab.codes.systems} <= set(CODE_SYSTEMS)


def test_statuses_are_members_and_unknown_is_the_fallback() -> None:
    vocab = vocabulary()
    assert vocab.status_of("This procedure is investigational.") is CoverageStatus.INVESTIGATIONAL
    assert vocab.status_of("Nothing here says anything.") is CoverageStatus.UNKNOWN


def test_a_misspelt_status_fails_at_load_time() -> None:
    text = shipped().replace('status = "investigational"', 'status = "investigatonal"', 1)
    with pytest.raises(VocabularyError, match="unknown status 'investigatonal'"):
        load_vocabulary(text)


def test_a_misspelt_code_system_fails_at_load_time() -> None:
    text = shipped().replace('system = "ICD-10-PCS"', 'system = "ICD10-PCS"', 1)
    with pytest.raises(VocabularyError, match="unknown code system 'ICD10-PCS'"):
        load_vocabulary(text)


def test_the_shipped_text_loads_to_the_same_vocabulary() -> None:
    assert load_vocabulary(shipped()) == vocabulary()
