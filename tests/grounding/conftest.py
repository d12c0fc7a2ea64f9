"""Shared fixtures for the grounding tests: the real MiniLM embedder and a small help-center corpus."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ragfort.embeddings import Embedder, get_embedder
from ragfort.types import Passage

DOCS = {
    "refunds-devices.md": (
        "# Refunds for devices\n\n"
        "Devices can be returned within 14 days of delivery. The device must be unopened and in its original "
        "packaging. Refunds are issued to the original payment method within 5 business days."
    ),
    "voltwise.md": (
        "The Voltwise Pro charger delivers 65 W over USB-C ports. It is not compatible with the Voltwise Mini dock. "
        "The warranty covers manufacturing defects for 2 years."
    ),
    "shipping.md": (
        "Standard shipping is free for orders over $50. Express shipping costs $12 and arrives in 2 business days."
    ),
    "account.md": "Your account manager is <PERSON_1>, who can be reached at <EMAIL_ADDRESS_1>.",
}


def make_passage(doc_id: str, *, start: int = 0) -> Passage:
    """A passage holding `DOCS[doc_id]` from `start` to the end, as a retriever would return it."""
    text = DOCS[doc_id][start:]
    return Passage(text=text, doc_id=doc_id, source=f"help/{doc_id}", start=start, score=0.8)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture(scope="module")
def passages() -> tuple[Passage, ...]:
    # The refunds passage starts after the heading, so document offsets differ from passage offsets.
    return (
        make_passage("refunds-devices.md", start=DOCS["refunds-devices.md"].index("Devices")),
        make_passage("voltwise.md"),
        make_passage("shipping.md"),
        make_passage("account.md"),
    )
