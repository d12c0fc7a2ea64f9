"""The signal families `claim_signals` is composed of, each on its own."""

from __future__ import annotations

from ragfort.grounding.signals import (
    EvidenceIndex,
    _best_local,
    _bigram_coverage,
    _checked_tokens,
    _closest_sentences,
    _coverage_notes,
    _entity_check,
    _number_check,
    _polarity_check,
    _word_coverage,
    content_tokens,
)

EVIDENCE = EvidenceIndex.build(
    [
        (0, 0, 62, "Devices can be returned within 14 days of delivery if unopened."),
        (0, 63, 114, "The Voltwise Pro costs $30 and ships to <PERSON_1>."),
        (1, 0, 47, "Standard shipping is free for orders over $50."),
    ]
)


def test_a_bare_yes_or_no_is_checked_on_the_questions_words() -> None:
    question = frozenset(content_tokens("Is standard shipping free?"))
    assert _checked_tokens("No", question) == (sorted(question), True)
    toks, yes_no = _checked_tokens("No, shipping costs $5.", question)
    assert not yes_no and toks == content_tokens("No, shipping costs $5.")


def test_a_verbatim_claim_has_full_word_and_bigram_coverage() -> None:
    claim = "Devices can be returned within 14 days of delivery if unopened."
    toks = content_tokens(claim)
    assert _word_coverage(toks, EVIDENCE, frozenset()) == (1.0, 1.0)
    assert _best_local(toks, EVIDENCE.sentences) == (1.0, (0,))
    assert _bigram_coverage(claim, EVIDENCE) == 1.0
    assert _bigram_coverage("Devices ship within 14 days.", EVIDENCE) < 1.0


def test_novel_coverage_counts_only_the_words_the_question_did_not_supply() -> None:
    toks = content_tokens("Devices can be returned within 21 days.")
    question = frozenset(content_tokens("Within how many days can devices be returned?"))
    coverage, novel = _word_coverage(toks, EVIDENCE, question)
    assert novel == 0.0  # "21" is all the answer adds, and the evidence lacks it
    assert coverage == 0.8  # devices, returned, within, days: four of the five words


def test_best_local_joins_neighbours_of_one_passage_only() -> None:
    toks = content_tokens("Returned unopened devices, the Voltwise Pro costs $30.")
    local, idx = _best_local(toks, EVIDENCE.sentences)
    assert idx == (0, 1) and local == 1.0
    # Sentences of different passages are never read together.
    local, idx = _best_local(content_tokens("The Voltwise Pro ships free for orders over $50."), EVIDENCE.sentences)
    assert len(idx) == 1 and local < 1.0
    assert _best_local(toks, []) == (0.0, ())


def test_a_swapped_amount_is_a_contradicted_number_mismatch() -> None:
    check, number_coverage = _number_check("Devices can be returned within 21 days.", EVIDENCE, (0,))
    assert check.mismatch == 1.0 and check.contradicted and number_coverage == 0.0
    assert check.explanations == ("number 21 not in evidence; evidence says 14 days",)
    right, number_coverage = _number_check("Devices can be returned within 14 days.", EVIDENCE, (0,))
    assert (right.mismatch, right.contradicted, right.explanations, number_coverage) == (0.0, False, (), 1.0)


def test_a_number_with_another_unit_is_a_mismatch_and_an_added_year_is_no_contradiction() -> None:
    weeks, _ = _number_check("Devices can be returned within 14 weeks.", EVIDENCE, (0,))
    assert weeks.mismatch == 1.0
    assert weeks.explanations == ("'14 weeks' not in evidence, which has 14 as day",)
    year, number_coverage = _number_check("Since 2021 devices can be returned within 14 days.", EVIDENCE, (0,))
    assert year.mismatch == 1.0 and not year.contradicted and number_coverage == 0.5


def test_a_swapped_name_or_placeholder_is_a_contradicted_entity_mismatch() -> None:
    swapped = _entity_check("The Voltwise Max costs $30.", EVIDENCE, frozenset())
    assert swapped.mismatch == 1.0 and swapped.contradicted
    assert swapped.explanations == ("entity 'Voltwise Max' not in evidence",)
    assert _entity_check("It ships to <PERSON_2>.", EVIDENCE, frozenset()).contradicted
    added = _entity_check("It ships with Acme.", EVIDENCE, frozenset())
    assert added.mismatch == 1.0 and not added.contradicted
    assert _entity_check("The Voltwise Pro ships to <PERSON_1>.", EVIDENCE, frozenset()).mismatch == 0.0
    assert _entity_check("It ships to <PERSON_2>.", EVIDENCE, frozenset({"<PERSON_2>"})).mismatch == 0.0


def test_the_closest_sentences_are_the_joined_lexical_match_and_the_dense_one() -> None:
    joined, dense = _closest_sentences(EVIDENCE.sentences, (0, 1), 2)
    assert joined.text == f"{EVIDENCE.sentences[0].text} {EVIDENCE.sentences[1].text}"
    assert (joined.start, joined.end) == (0, 114)
    assert dense is EVIDENCE.sentences[2]
    assert len(_closest_sentences(EVIDENCE.sentences, (2,), 2)) == 1
    assert _closest_sentences(EVIDENCE.sentences, (), None) == []


def test_a_polarity_clash_counts_only_when_every_close_sentence_clashes() -> None:
    claim = "Devices cannot be returned."
    toks = set(content_tokens(claim))
    clash = _polarity_check(claim, toks, _closest_sentences(EVIDENCE.sentences, (0,), None))
    assert clash == "negation mismatch with the closest evidence ('return' is negated only in the claim)"
    agreeing = EvidenceIndex.build([(0, 0, 0, "Devices cannot be returned after 14 days.")]).sentences[0]
    assert _polarity_check(claim, toks, [EVIDENCE.sentences[0], agreeing]) is None
    assert _polarity_check(claim, toks, []) is None


def test_coverage_notes_name_the_missing_words_then_the_figures() -> None:
    toks = content_tokens("Devices can be exchanged for <PERSON_2>.")
    assert _coverage_notes(toks, EVIDENCE, 0.5, 0.5) == [
        "words not in evidence: 'exchang'",
        "word coverage 0.50 (best sentence 0.50)",
    ]
    assert _coverage_notes(content_tokens("Devices ship."), EVIDENCE, 1.0, 1.0) == [
        "word coverage 1.00 (best sentence 1.00)"
    ]
