"""Training pairs generated from help-center articles (ragfort.judges.perturb), checked on the bundled help center."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from ragfort.index.chunking import chunk_text
from ragfort.index.loaders import discover, load_document
from ragfort.judges.perturb import (
    CORPORA,
    KINDS,
    SUPPORTED_KINDS,
    UNSUPPORTED_KINDS,
    Example,
    Pair,
    counterfactual_negations,
    generate_examples,
    generate_pairs,
)

HELP_CENTER = Path(__file__).resolve().parents[2] / "examples" / "help_center"
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _contains(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` as whole words, ignoring case."""
    return re.search(rf"(?<![\w.,$€£]){re.escape(needle.lower())}(?![\w])", haystack.lower()) is not None


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return generate_examples(HELP_CENTER, corpus="voltwise", seed=0)


def test_the_voltwise_corpus_is_the_bundled_help_center() -> None:
    assert CORPORA["voltwise"] == HELP_CENTER
    first_seven = {"voltwise", "northbeam", "skylark", "ledgerly", "brightwater", "parcelwise", "kestrel"}
    assert set(CORPORA) == first_seven | {"marlowe", "tallyho"}  # two added in session 33


def test_the_same_seed_gives_the_same_pairs_and_another_seed_different_ones(examples: list[Example]) -> None:
    again = generate_pairs(HELP_CENTER, corpus="voltwise", seed=0)
    assert again == [e.pair for e in examples]
    other = generate_pairs(HELP_CENTER, corpus="voltwise", seed=1)
    assert other != again


def test_the_help_center_yields_thousands_of_pairs_of_every_kind(examples: list[Example]) -> None:
    kinds = Counter(e.pair.kind for e in examples)
    assert len(examples) >= 2000
    assert set(kinds) == set(KINDS)
    for kind in SUPPORTED_KINDS:
        assert all(e.pair.label == 1 for e in examples if e.pair.kind == kind)
    for kind in UNSUPPORTED_KINDS:
        assert all(e.pair.label == 0 for e in examples if e.pair.kind == kind)
    assert all(e.pair.corpus == "voltwise" for e in examples)


def test_labels_are_balanced(examples: list[Example]) -> None:
    share = sum(e.pair.label for e in examples) / len(examples)
    assert 0.4 <= share <= 0.6


def test_pairs_come_shuffled(examples: list[Example]) -> None:
    labels = [e.pair.label for e in examples[:200]]
    assert 0 < sum(labels) < 200
    assert len({e.pair.doc_id for e in examples[:50]}) > 10


def test_every_premise_is_one_or_two_neighbouring_chunks_of_its_document(examples: list[Example]) -> None:
    allowed: dict[str, set[str]] = {}
    for doc_id, path in discover(HELP_CENTER):
        doc = load_document(path, doc_id=doc_id)
        chunks = [c.text for c in chunk_text(doc.text, title=doc.title)]
        allowed[doc_id] = set(chunks) | {a + "\n\n" + b for a, b in itertools.pairwise(chunks)}
    for e in examples:
        assert e.pair.premise in allowed[e.pair.doc_id], e.pair


def test_every_negative_differs_from_its_source_and_is_not_in_the_premise(examples: list[Example]) -> None:
    for e in examples:
        if e.pair.label == 1:
            continue
        assert e.pair.hypothesis != e.source, e
        flat = " ".join(e.pair.hypothesis.split())
        assert flat not in " ".join(e.pair.premise.split()), e


def test_a_swapped_number_or_name_does_not_occur_in_the_premise(examples: list[Example]) -> None:
    swaps = [e for e in examples if e.pair.kind in ("number_swap", "entity_swap")]
    assert swaps
    for e in swaps:
        assert e.new and e.new.lower() in e.pair.hypothesis.lower(), e
        assert not _contains(e.pair.premise, e.new), e
        if e.pair.kind == "number_swap":
            new_numbers = set(_NUMBER.findall(e.new)) - set(_NUMBER.findall(e.old))
            for n in new_numbers:
                assert not re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d]|[.,]\d)", e.pair.premise), (n, e)


def test_a_number_swap_keeps_the_unit_or_keeps_the_number_and_swaps_the_unit(examples: list[Example]) -> None:
    swaps = [e for e in examples if e.pair.kind == "number_swap"]
    value_swaps = unit_swaps = 0
    for e in swaps:
        old_nums, new_nums = _NUMBER.findall(e.old), _NUMBER.findall(e.new)
        old_unit = _NUMBER.sub("#", e.old).rstrip("s").replace("working", "business")
        new_unit = _NUMBER.sub("#", e.new).rstrip("s").replace("working", "business")
        if old_nums != new_nums:
            assert old_unit == new_unit, (e.old, e.new)
            value_swaps += 1
        else:
            assert old_unit != new_unit, (e.old, e.new)
            unit_swaps += 1
    assert value_swaps > unit_swaps > 0


def test_verbatim_claims_are_sentences_of_the_premise(examples: list[Example]) -> None:
    def flat(text: str) -> str:
        return re.sub(r" ([.,;:])", r"\1", " ".join(text.split()))

    for e in examples:
        if e.pair.kind == "verbatim":
            assert flat(e.pair.hypothesis).rstrip(".") in flat(e.pair.premise), e


def test_supported_claims_bring_no_number_the_premise_lacks(examples: list[Example]) -> None:
    for e in examples:
        if e.pair.label == 1:
            for n in _NUMBER.findall(e.pair.hypothesis):
                assert n in e.pair.premise, (n, e.pair.hypothesis)


def test_yes_no_and_fragment_answers_are_a_question_then_an_answer(examples: list[Example]) -> None:
    qa = [e.pair for e in examples if "\n" in e.pair.hypothesis]
    assert {p.kind for p in qa} >= {"yes_no", "fragment", "negation", "number_swap"}
    for p in qa:
        question, answer = p.hypothesis.split("\n")
        assert question.endswith("?") and question[0].isupper(), p.hypothesis
        assert question.count("?") == 1, p.hypothesis
        assert answer.endswith(".") and (answer[0].isupper() or answer[0] in "0123456789$€£"), p.hypothesis
        if p.kind == "yes_no":
            assert answer.startswith(("Yes", "No")), p.hypothesis
        if p.kind == "fragment":
            assert question.startswith(("How", "When", "Who", "Where")), p.hypothesis


def test_a_flipped_yes_no_answer_is_a_negation(examples: list[Example]) -> None:
    flipped = [e for e in examples if e.pair.kind == "negation" and "\n" in e.pair.hypothesis]
    assert flipped
    for e in flipped:
        q, a = e.pair.hypothesis.split("\n")
        sq, sa = e.source.split("\n")
        assert q == sq
        assert a.startswith("Yes") != sa.startswith("Yes"), e


def test_a_tiny_corpus_of_markdown_html_and_text_gives_pairs(tmp_path: Path) -> None:
    (tmp_path / "returns.md").write_text(
        "# Returns\n\nYou can return a phone within 14 days of delivery. "
        "Opened phones carry a restocking fee of $25. Returns ship free with the prepaid label.\n\n"
        "## Refunds\n\nRefunds reach your card within 5 business days. You cannot return a **Gift Card**.\n",
        encoding="utf-8",
    )
    (tmp_path / "plans.html").write_text(
        "<html><body><h1>Plans</h1><p>The Basic plan costs $20 per month and includes 5 GB of data.</p>"
        "<p>The Premium plan costs $45 per month.</p><ul><li>Basic: no roaming.</li>"
        "<li>Premium: roaming in Canada and Mexico.</li></ul></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "support.txt").write_text(
        "Contact us\n\nYou can reach support by chat or by phone. We answer emails within 24 hours.\n",
        encoding="utf-8",
    )
    pairs = generate_pairs(tmp_path, corpus="tiny", seed=3)
    assert pairs
    assert pairs == generate_pairs(tmp_path, corpus="tiny", seed=3)
    assert {p.doc_id for p in pairs} <= {"returns.md", "plans.html", "support.txt"}
    assert {p.label for p in pairs} == {0, 1}
    assert all(isinstance(p, Pair) and p.corpus == "tiny" and p.kind in KINDS for p in pairs)
    assert all(p.hypothesis.strip() and p.premise.strip() for p in pairs)


def test_per_sentence_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_sentence must be at least 1, got 0"):
        generate_pairs(HELP_CENTER, corpus="voltwise", per_sentence=0)


def test_more_pairs_per_sentence_give_more_pairs(examples: list[Example]) -> None:
    fewer = generate_pairs(HELP_CENTER, corpus="voltwise", seed=0, per_sentence=1)
    assert len(fewer) < len(examples)


def test_counterfactual_negations_make_each_polarity_right_on_its_own_passage(examples: list[Example]) -> None:
    mirrored = counterfactual_negations(examples)
    flips = [e for e in examples if e.pair.kind == "negation" and "\n" not in e.pair.hypothesis
             and e.source in e.pair.premise]  # fmt: skip
    assert flips and len(mirrored) == 2 * len(flips)
    for ex, right, wrong in zip(flips, mirrored[::2], mirrored[1::2], strict=True):
        # The passage now says the flip where it said the source, and nothing else changed.
        assert right.premise == wrong.premise == ex.pair.premise.replace(ex.source, ex.pair.hypothesis, 1)
        assert ex.pair.hypothesis in right.premise and ex.source not in right.premise
        assert (right.hypothesis, right.label, right.kind) == (ex.pair.hypothesis, 1, "counterfactual")
        assert (wrong.hypothesis, wrong.label, wrong.kind) == (ex.source, 0, "negation")
        assert right.doc_id == wrong.doc_id == ex.pair.doc_id and right.corpus == "voltwise"


def test_counterfactual_negations_skip_answers_to_questions_and_sources_the_passage_lacks() -> None:
    passage = "Accessories cannot be financed on their own."
    kept = Example(Pair(passage, "Accessories can be financed on their own.", 0, "negation", "c", "d"),
                   "Accessories cannot be financed on their own.")  # fmt: skip
    question = "Can I finance a case?"
    answer = Example(Pair(passage, f"{question}\nYes.", 0, "negation", "c", "d"), f"{question}\nNo.")
    elsewhere = Example(Pair(passage, "Phones can be financed.", 0, "negation", "c", "d"), "Phones cannot be financed.")
    other_kind = Example(Pair(passage, "Accessories can be leased.", 0, "addition", "c", "d"), passage)
    out = counterfactual_negations([kept, answer, elsewhere, other_kind])
    assert [(p.premise, p.hypothesis, p.label) for p in out] == [
        ("Accessories can be financed on their own.", "Accessories can be financed on their own.", 1),
        ("Accessories can be financed on their own.", "Accessories cannot be financed on their own.", 0),
    ]
