"""`explain`: every claim's verdict, score, cited quotes and signals, as ``ragfort ask --explain`` prints them."""

from __future__ import annotations

from ragfort.grounding.explain import explain
from ragfort.types import Citation, Claim, Turn

CITATION = Citation(
    id=1, doc_id="returns.md", source="help/returns.md", start=40, end=90, quote="within 14 days", score=0.9
)
NO_SOURCE = Citation(id=2, doc_id="shipping.md", source="", start=0, end=20, quote="free over $50", score=0.8)


def test_no_claims_says_nothing_was_checked() -> None:
    assert explain(Turn(question="q", answer="")) == "No claims were checked (empty answer, or grounding did not run)."


def test_each_claim_has_its_verdict_quotes_and_signals() -> None:
    turn = Turn(
        question="How long do I have?",
        answer="...",
        citations=(CITATION, NO_SOURCE),
        claims=(
            Claim("You have 14 days.", True, 0.91, citation_ids=(1, 2, 7), signals=("similarity 0.88",)),
            Claim("Refunds take 30 days.", False, 0.123, signals=("number 30 not in evidence",)),
            Claim("Thanks!", None, 0.0),
        ),
        groundedness=0.123,
    )
    lines = explain(turn).splitlines()
    assert lines == [
        "1. supported (0.91): You have 14 days.",
        '   [1] help/returns.md @40-90: "within 14 days"',
        '   [2] shipping.md @0-20: "free over $50"',  # no source: the document id; unknown id 7 is skipped
        "   - similarity 0.88",
        "2. UNSUPPORTED (0.12): Refunds take 30 days.",
        "   - number 30 not in evidence",
        "3. NOT CHECKED: Thanks!",
        "groundedness: 0.12 (weakest claim)",
    ]


def test_long_text_is_shortened_and_missing_groundedness_is_na() -> None:
    long_claim = "word " * 60 + "\n  end"
    text = explain(Turn(question="q", claims=(Claim(long_claim, None, 0.0),)))
    first, last = text.splitlines()
    assert first.startswith("1. NOT CHECKED: word word") and first.endswith("…")
    assert len(first) == len("1. NOT CHECKED: ") + 160 and "\n" not in first
    assert last == "groundedness: n/a (weakest claim)"
