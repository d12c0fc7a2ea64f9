"""The consistency signals: numbers, units, entities, placeholders and polarity."""

from __future__ import annotations

from ragfort.grounding.signals import EvidenceIndex, claim_signals, content_tokens

EVIDENCE = EvidenceIndex.build(
    [
        (0, 0, 0, "Devices can be returned within 14 days of delivery if unopened."),
        (0, 0, 0, "The Voltwise Pro costs $30 and ships to <PERSON_1>."),
        (1, 0, 0, "Standard shipping is free for orders over $50."),
    ]
)


def test_a_number_absent_from_the_evidence_is_explained_with_what_the_evidence_says() -> None:
    sig = claim_signals("Devices can be returned within 21 days.", EVIDENCE)
    assert sig.number_mismatch == 1.0
    assert sig.explanations[0] == "number 21 not in evidence; evidence says 14 days"


def test_a_number_with_the_wrong_unit_is_a_mismatch() -> None:
    assert claim_signals("Devices can be returned within 14 weeks.", EVIDENCE).number_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days.", EVIDENCE).number_mismatch == 0.0


def test_unknown_product_names_and_placeholders_are_entity_mismatches() -> None:
    assert claim_signals("The Voltwise Max costs $30.", EVIDENCE).entity_mismatch == 1.0
    assert claim_signals("The Voltwise Pro costs $30.", EVIDENCE).entity_mismatch == 0.0
    other = claim_signals("It ships to <PERSON_2>.", EVIDENCE)
    assert other.entity_mismatch == 1.0
    assert other.number_mismatch == 0.0  # the placeholder's index is not a number
    assert claim_signals("It ships to <PERSON_1>.", EVIDENCE).entity_mismatch == 0.0


def test_polarity_flips_are_detected() -> None:
    assert claim_signals("Devices cannot be returned within 14 days.", EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days if opened.", EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Standard shipping is free for orders under $50.", EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days.", EVIDENCE).polarity_mismatch == 0.0


def test_novel_coverage_ignores_words_echoed_from_the_question() -> None:
    question = frozenset(content_tokens("How many days do devices have to be returned?"))
    sig = claim_signals("Devices can be returned within 21 days.", EVIDENCE, question_tokens=question)
    # "devices", "returned", "days" echo the question; of what the answer adds, "21" is unsupported.
    assert sig.novel_coverage < sig.coverage
    assert claim_signals("Devices can be returned.", EVIDENCE, question_tokens=question).novel_coverage == 1.0


def test_a_substituted_name_or_amount_is_a_contradiction_but_an_added_one_is_not() -> None:
    assert claim_signals("The Voltwise Max costs $30.", EVIDENCE).contradiction == 1.0
    assert claim_signals("Devices can be returned within 21 days.", EVIDENCE).contradiction == 1.0
    assert claim_signals("It ships to <PERSON_2>.", EVIDENCE).contradiction == 1.0
    added = claim_signals("Devices can be returned within 14 days by Acme.", EVIDENCE)
    assert added.entity_mismatch == 1.0 and added.contradiction == 0.0


def test_the_customers_own_placeholder_needs_no_evidence() -> None:
    from ragfort.grounding.signals import EvidenceIndex, claim_signals, content_tokens

    evidence = EvidenceIndex.build([(0, 0, 50, "You can return a phone within 14 days of delivery.")])
    claim = "<PERSON_1>, you can return a phone within 14 days of delivery."
    asked = claim_signals(claim, evidence, question_tokens=frozenset(content_tokens("I'm <PERSON_1>. Returns?")))
    assert asked.entity_mismatch == 0.0
    stranger = claim_signals(claim, evidence, question_tokens=frozenset(content_tokens("Returns?")))
    assert stranger.entity_mismatch == 1.0


def test_a_negation_elsewhere_in_a_long_evidence_sentence_is_not_a_polarity_flip() -> None:
    evidence = EvidenceIndex.build(
        [(0, 0, 0, "She opened a shop selling coffee and cosmetics, although the bakery never made money.")]
    )
    assert claim_signals("She opened a shop selling coffee and cosmetics.", evidence).polarity_mismatch == 0.0
    flipped = claim_signals("She never opened a shop selling coffee and cosmetics.", evidence)
    assert flipped.polarity_mismatch == 1.0
    assert "'open' is negated only in the claim" in flipped.explanations[0]


def test_a_fragment_answer_has_no_polarity_of_its_own() -> None:
    evidence = EvidenceIndex.build([(0, 0, 0, "Nicholas Ray was an American film director who did not act.")])
    assert claim_signals("film director", evidence).polarity_mismatch == 0.0


def test_a_bare_no_is_checked_like_a_bare_yes() -> None:
    evidence = EvidenceIndex.build([(0, 0, 0, "Debbie Harry is American."), (0, 0, 0, "Kim Tae-yeon is Korean.")])
    question = frozenset(content_tokens("Are Debbie Harry and Kim Tae-yeon both American?"))
    yes = claim_signals("Yes", evidence, question_tokens=question)
    no = claim_signals("No", evidence, question_tokens=question)
    assert (no.polarity_mismatch, no.contradiction, no.coverage) == (yes.polarity_mismatch, yes.contradiction,
                                                                     yes.coverage)  # fmt: skip
    # Its words are the question's: a question the evidence does not address leaves it uncovered.
    off_topic = frozenset(content_tokens("Is the Eiffel Tower in Paris?"))
    assert claim_signals("No", evidence, question_tokens=off_topic).coverage < no.coverage


def test_only_negating_prefixes_count_as_antonyms() -> None:
    evidence = EvidenceIndex.build([(0, 0, 0, "The museum will display the paintings; a refund is possible.")])
    assert claim_signals("The museum will play the paintings.", evidence).polarity_mismatch == 0.0
    assert claim_signals("A refund is impossible.", evidence).polarity_mismatch == 1.0


def test_number_coverage_is_the_share_of_numbers_found() -> None:
    assert claim_signals("Devices can be returned within 14 days.", EVIDENCE).number_coverage == 1.0
    partial = claim_signals("Devices can be returned within 14 days for $35.", EVIDENCE)
    assert partial.number_coverage == 0.5 and partial.number_mismatch == 1.0
    assert claim_signals("Devices can be returned.", EVIDENCE).number_coverage == 1.0


def test_a_claim_in_the_first_person_is_flagged_unless_the_evidence_speaks_so_too() -> None:
    opinion = claim_signals("I think the Voltwise Pro costs $30.", EVIDENCE)
    assert opinion.first_person == 1.0
    assert any("first person ('I')" in e for e in opinion.explanations)
    assert claim_signals("My favourite is the Voltwise Pro.", EVIDENCE).first_person == 1.0
    assert claim_signals("The Voltwise Pro costs $30.", EVIDENCE).first_person == 0.0
    # A regnal or part number is not the speaker; "Yes, I ..." still is.
    assert claim_signals("It shipped after World War I.", EVIDENCE).first_person == 0.0
    assert claim_signals("Yes, I returned it.", EVIDENCE).first_person == 1.0
    # A review quoted in the passages may say "I": then the claim may too.
    review = EvidenceIndex.build([(0, 0, 0, "I returned my Voltwise Pro within 14 days.")])
    assert claim_signals("I returned my Voltwise Pro within 14 days.", review).first_person == 0.0
