"""Normalize: a document's bytes → its policy JSON, the one derivation the store keeps.

extract (bytes → clean text) + parse (text → :class:`~policywatch.model.Policy`),
the payer from the sources config when the document names none (the document
wins), then canonical JSON. A stored ``policy.json`` is always
``policy_json(source.<ext>, meta.json's payer)``: ``snapshot`` records what it
gives, ``verify`` checks the store against it and ``reparse`` re-applies it after
a parser upgrade (:mod:`policywatch.maintenance`). Pure: no I/O, no store.
"""

from __future__ import annotations

from policywatch import extract, parse


def policy_json(raw: bytes, payer: str | None) -> str:
    """Raw bytes → canonical policy JSON (raises the pipeline's PolicywatchErrors)."""
    policy = parse.parse_bytes(raw)  # looked up on the module: tests and benchmarks time it
    if not policy.payer and payer:
        policy.payer = payer
    return policy.to_json()


def document_format(raw: bytes) -> str:
    """``pdf``, ``html`` or ``text``, from the bytes themselves (names the raw file)."""
    return extract.detect_format(raw)
