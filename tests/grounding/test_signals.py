"""The consistency signals: `claim_signals` as a whole (numbers, units, entities, placeholders and polarity),
and the signal families it is composed of, each on its own."""

from __future__ import annotations

from ragfort.grounding.signals import (
    EvidenceIndex,
    _best_local,
    _bigram_coverage,
    _checked_tokens,
    _closest_sentences,
    _contact_check,
    _coverage_notes,
    _entity_check,
    _number_check,
    _polarity_check,
    _quantities,
    _word_coverage,
    claim_signals,
    contacts,
    content_tokens,
    denied_words,
    negated_words,
    table_headers,
    weekdays,
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


# -- claim_signals as a whole (numbers, units, entities, placeholders and polarity) --
CLAIM_EVIDENCE = EvidenceIndex.build(
    [
        (0, 0, 0, "Devices can be returned within 14 days of delivery if unopened."),
        (0, 0, 0, "The Voltwise Pro costs $30 and ships to <PERSON_1>."),
        (1, 0, 0, "Standard shipping is free for orders over $50."),
    ]
)


def test_a_number_absent_from_the_evidence_is_explained_with_what_the_evidence_says() -> None:
    sig = claim_signals("Devices can be returned within 21 days.", CLAIM_EVIDENCE)
    assert sig.number_mismatch == 1.0
    assert sig.explanations[0] == "number 21 not in evidence; evidence says 14 days"


def test_a_number_with_the_wrong_unit_is_a_mismatch() -> None:
    assert claim_signals("Devices can be returned within 14 weeks.", CLAIM_EVIDENCE).number_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days.", CLAIM_EVIDENCE).number_mismatch == 0.0


def test_unknown_product_names_and_placeholders_are_entity_mismatches() -> None:
    assert claim_signals("The Voltwise Max costs $30.", CLAIM_EVIDENCE).entity_mismatch == 1.0
    assert claim_signals("The Voltwise Pro costs $30.", CLAIM_EVIDENCE).entity_mismatch == 0.0
    other = claim_signals("It ships to <PERSON_2>.", CLAIM_EVIDENCE)
    assert other.entity_mismatch == 1.0
    assert other.number_mismatch == 0.0  # the placeholder's index is not a number
    assert claim_signals("It ships to <PERSON_1>.", CLAIM_EVIDENCE).entity_mismatch == 0.0


def test_polarity_flips_are_detected() -> None:
    assert claim_signals("Devices cannot be returned within 14 days.", CLAIM_EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days if opened.", CLAIM_EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Standard shipping is free for orders under $50.", CLAIM_EVIDENCE).polarity_mismatch == 1.0
    assert claim_signals("Devices can be returned within 14 days.", CLAIM_EVIDENCE).polarity_mismatch == 0.0


def test_novel_coverage_ignores_words_echoed_from_the_question() -> None:
    question = frozenset(content_tokens("How many days do devices have to be returned?"))
    sig = claim_signals("Devices can be returned within 21 days.", CLAIM_EVIDENCE, question_tokens=question)
    # "devices", "returned", "days" echo the question; of what the answer adds, "21" is unsupported.
    assert sig.novel_coverage < sig.coverage
    assert claim_signals("Devices can be returned.", CLAIM_EVIDENCE, question_tokens=question).novel_coverage == 1.0


def test_a_substituted_name_or_amount_is_a_contradiction_but_an_added_one_is_not() -> None:
    assert claim_signals("The Voltwise Max costs $30.", CLAIM_EVIDENCE).contradiction == 1.0
    assert claim_signals("Devices can be returned within 21 days.", CLAIM_EVIDENCE).contradiction == 1.0
    assert claim_signals("It ships to <PERSON_2>.", CLAIM_EVIDENCE).contradiction == 1.0
    added = claim_signals("Devices can be returned within 14 days by Acme.", CLAIM_EVIDENCE)
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
    assert claim_signals("Devices can be returned within 14 days.", CLAIM_EVIDENCE).number_coverage == 1.0
    partial = claim_signals("Devices can be returned within 14 days for $35.", CLAIM_EVIDENCE)
    assert partial.number_coverage == 0.5 and partial.number_mismatch == 1.0
    assert claim_signals("Devices can be returned.", CLAIM_EVIDENCE).number_coverage == 1.0


def test_a_claim_in_the_first_person_is_flagged_unless_the_evidence_speaks_so_too() -> None:
    opinion = claim_signals("I think the Voltwise Pro costs $30.", CLAIM_EVIDENCE)
    assert opinion.first_person == 1.0
    assert any("first person ('I')" in e for e in opinion.explanations)
    assert claim_signals("My favourite is the Voltwise Pro.", CLAIM_EVIDENCE).first_person == 1.0
    assert claim_signals("The Voltwise Pro costs $30.", CLAIM_EVIDENCE).first_person == 0.0
    # A regnal or part number is not the speaker; "Yes, I ..." still is.
    assert claim_signals("It shipped after World War I.", CLAIM_EVIDENCE).first_person == 0.0
    assert claim_signals("Yes, I returned it.", CLAIM_EVIDENCE).first_person == 1.0
    # A review quoted in the passages may say "I": then the claim may too.
    review = EvidenceIndex.build([(0, 0, 0, "I returned my Voltwise Pro within 14 days.")])
    assert claim_signals("I returned my Voltwise Pro within 14 days.", review).first_person == 0.0


# -- what a claim denies, and phone or account numbers -------------------------------------------
FEE_EVIDENCE = EvidenceIndex.build(
    [
        (0, 0, 0, "If you approve the quote, the $25 is taken off the repair cost."),
        (0, 0, 0, "If you reject the quote, the fee is kept and the phone is sent back unrepaired."),
    ]
)


def test_a_word_the_claim_also_states_outside_a_negation_is_not_denied() -> None:
    assert denied_words("If you don't have one, we'll open one for you.") == frozenset({"we'll", "open"})
    assert negated_words("If you don't have one, we'll open one for you.") >= {"one"}
    both = "If you approve the quote, the $25 comes off the repair cost; if you reject it, we keep the fee and " \
        "send the phone back without repairing it."  # fmt: skip
    sig = claim_signals(both, FEE_EVIDENCE)
    assert (sig.polarity_mismatch, sig.contradiction, sig.contradicted) == (0.0, 0.0, ())
    # Said alone, "without repairing it" still reads as denying the repair the evidence mentions.
    alone = claim_signals("We keep the fee and send the phone back without repairing it.", FEE_EVIDENCE)
    assert alone.polarity_mismatch == 1.0 and alone.contradicted == ("polarity",)


def test_a_phone_number_wrong_in_its_last_digits_is_a_contradicted_number() -> None:
    evidence = EvidenceIndex.build([(0, 0, 0, "For a PIN reminder, call us on 0345 555 0199.")])
    wrong = claim_signals("Call us on 0345 555 0100.", evidence)
    assert wrong.number_mismatch == 1.0 and wrong.contradiction == 1.0 and wrong.contradicted == ("number",)
    assert wrong.explanations[0] == "number '0345 555 0100' is not the one the closest evidence gives (0345 555 0199)"
    # Away from the sentence that gives it, the number is still checked against every number of that length.
    elsewhere = EvidenceIndex.build(
        [(0, 0, 0, "Cards can be frozen in the app."), (1, 0, 0, "Helpline: 0345 555 0199.")]
    )
    apart = claim_signals("Cards can be frozen in the app or by calling 0345 555 0100.", elsewhere)
    assert apart.contradicted == ("number",)
    assert apart.explanations[0] == "number '0345 555 0100' not in evidence, which gives 0345 555 0199"
    assert claim_signals("Call us on 0345 555 0199.", evidence).number_mismatch == 0.0
    # With a value the evidence holds elsewhere, the number is still checked whole.
    also_100 = EvidenceIndex.build([(0, 0, 0, "Call us on 0345 555 0199 about transfers over £100.")])
    assert claim_signals("Call us on 0345 555 0100.", also_100).contradicted == ("number",)


def test_a_number_the_closest_sentence_gives_differently_is_swapped_even_if_listed_elsewhere() -> None:
    evidence = EvidenceIndex.build(
        [
            (0, 0, 0, "Report a stolen card by calling 0345 555 0199, 24 hours a day."),
            (1, 0, 0, "To raise your limit, call us on 0345 555 0100."),
        ]
    )
    swapped = claim_signals("Report a stolen card by calling 0345 555 0100.", evidence)
    assert swapped.contradicted == ("number",)
    assert swapped.explanations[0] == "number '0345 555 0100' is not the one the closest evidence gives (0345 555 0199)"
    assert claim_signals("To raise your limit, call 0345 555 0100.", evidence).number_mismatch == 0.0


def test_a_number_the_evidence_has_no_counterpart_for_is_an_addition_not_a_contradiction() -> None:
    evidence = EvidenceIndex.build([(0, 0, 0, "Call us on 0345 555 0199."), (0, 0, 0, "Ranges of 7-14 days apply.")])
    added = claim_signals("Quote your reference 40512377 when you call.", evidence)
    assert added.number_mismatch == 1.0 and added.contradiction == 0.0
    # A range or an amount is not an identifier.
    assert claim_signals("Ranges of 7-14 days apply.", evidence).number_mismatch == 0.0


def test_contradicted_names_which_substitution_it_is() -> None:
    assert claim_signals("The Voltwise Max costs $30.", CLAIM_EVIDENCE).contradicted == ("name",)
    assert claim_signals("Devices can be returned within 21 days.", CLAIM_EVIDENCE).contradicted == ("number",)
    assert claim_signals("Devices cannot be returned within 14 days.", CLAIM_EVIDENCE).contradicted == ("polarity",)
    assert claim_signals("Devices can be returned within 14 days.", CLAIM_EVIDENCE).contradicted == ()


CONTACTS = EvidenceIndex.build(
    [
        (0, 0, 80, "Forward a suspicious email to support@voltwise.example and then delete it."),
        (0, 81, 160, "Start a return at https://www.voltwise.example/returns before you post anything."),
    ]
)


def test_contacts_are_found_in_their_compared_form() -> None:
    text = "Write to Sales@Ledgerly.example.net, see https://www.skylark.example.com/bags. Or voltwise.example/gift."
    assert contacts(text) == ["sales@ledgerly.example.net", "skylark.example.com/bags", "voltwise.example/gift"]
    # Abbreviations, decimals and names with dots are not addresses.
    assert contacts("e.g. 1.5 GB of data, i.e. Mr. Smith's plan, a report.pdf attachment") == []


def test_an_email_or_web_address_the_evidence_does_not_hold_is_a_contradiction() -> None:
    wrong = _contact_check("Forward it to fraud@voltwise.example.", CONTACTS, frozenset())
    assert wrong.contradicted and wrong.explanations == ("contact 'fraud@voltwise.example' not in evidence",)
    assert _contact_check("Forward it to port@voltwise.example.", CONTACTS, frozenset()).contradicted
    assert _contact_check("Start at voltwise.example/returns/new.", CONTACTS, frozenset()).contradicted
    assert _contact_check("Start at wise.example/returns.", CONTACTS, frozenset()).contradicted
    signals = claim_signals("Report it at voltwise.example/phishing.", CONTACTS)
    assert signals.contradicted == ("contact",) and signals.contradiction == 1.0
    assert signals.explanations[0] == "contact 'voltwise.example/phishing' not in evidence"


def test_an_address_the_evidence_holds_or_leads_or_the_customer_gave_is_no_contradiction() -> None:
    for claim in (
        "Email SUPPORT@voltwise.example.",
        "Start your return at http://voltwise.example/returns/.",
        "Go to voltwise.example.",
        "Go to www.voltwise.example/returns",
    ):
        check = _contact_check(claim, CONTACTS, frozenset())
        assert not check.contradicted and check.mismatch == 0.0, claim
    asked = frozenset(content_tokens("Can you send it to jo.smith@mailbox.example instead?"))
    assert not _contact_check("Yes, we'll send it to jo.smith@mailbox.example.", CONTACTS, asked).contradicted


HOURS = EvidenceIndex.build(
    [
        (0, 0, 70, "Our phone team is open Monday to Friday, 9am to 5pm, and Saturday 10am to 2pm."),
        (0, 71, 130, "Live chat in the app is open every day from 8am to 10pm."),
    ]
)


def test_times_of_day_are_quantities_in_hours() -> None:
    assert _quantities("9am to 5 p.m., or 10:30pm") == [(9.0, "time", "9am"), (17.0, "time", "5 p.m."),
                                                       (22.5, "time", "10:30pm")]  # fmt: skip
    assert _quantities("from 09:30 until midnight, 12pm at noon") == [
        (9.5, "time", "09:30"), (0.0, "time", "midnight"), (12.0, "time", "12pm"), (12.0, "time", "noon")]  # fmt: skip
    # Neither half of the day is known for "2:30", and "5 amps" is no time.
    assert _quantities("at 2:30 with 5 amps") == [(2.0, None, "2"), (30.0, None, "30"), (5.0, None, "5")]


def test_a_time_the_closest_evidence_gives_otherwise_is_a_contradicted_number() -> None:
    check, _ = _number_check("You can call us Monday to Friday, 8am to 8pm.", HOURS, (0,))
    assert check.contradicted and check.explanations[0].startswith("number 20 not in evidence")
    for right in ("You can call us from 9am until 5pm.", "Phones are open 09:00 to 17:00 on weekdays."):
        ok, _ = _number_check(right, HOURS, (0,))
        assert (ok.mismatch, ok.contradicted) == (0.0, False), right
    late, _ = _number_check("Live chat is open every day from 8am to midnight.", HOURS, (1,))
    assert late.contradicted


def test_a_value_the_closest_evidence_gives_in_another_unit_is_contradicted() -> None:
    fees = EvidenceIndex.build([(0, 0, 52, "Cash withdrawals outside the UK cost £1.50 each.")])
    euro, _ = _number_check("Cash withdrawals outside the UK cost €1.50 each.", fees, (0,))
    assert euro.contradicted and euro.explanations[0] == "'€1.50 each' not in evidence, which has 1.5 as gbp"
    pound, _ = _number_check("They cost £1.50 a time outside the UK.", fees, (0,))
    assert (pound.mismatch, pound.contradicted) == (0.0, False)
    # The same value in another unit elsewhere, not in the closest evidence, is a mismatch only.
    far, _ = _number_check("Cash withdrawals outside the UK cost €1.50 each.", fees, ())
    assert far.mismatch == 1.0 and not far.contradicted


def test_days_of_the_week_are_read_as_sets_with_their_ranges() -> None:
    assert weekdays("Monday to Friday, 9am-5pm") == {1, 2, 3, 4, 5}
    assert weekdays("Mon-Sat, and Sundays 10-4") == {1, 2, 3, 4, 5, 6, 7}
    assert weekdays("Friday through Monday") == {5, 6, 7, 1}
    assert weekdays("Tue\u2013Thu") == {2, 3, 4}
    assert weekdays("on weekdays, and every day in December") == {1, 2, 3, 4, 5, 6, 7}
    # Lower-case abbreviations are words ("we sat down"), and a weekend is a condition as often as a schedule.
    assert weekdays("we sat down in the sun") == frozenset()
    assert weekdays("at a weekend or on weekdays", spans=False) == frozenset()


DAYS = EvidenceIndex.build([
    (0, 0, 50, "Our phone lines are open Monday to Friday, 8am to 6pm."),
    (0, 51, 110, "Live chat in the app is available every day, 7am to 11pm."),
    (0, 111, 160, "Stores open Mon-Sat 9am-7pm and close on Sundays."),
])  # fmt: skip


def test_a_day_outside_the_days_its_own_sentence_gives_is_a_contradicted_number() -> None:
    # The lexically closest sentence of the first is the phone line's, and of the second the chat's ("open").
    for wrong in ("Our phone lines are open Monday to Saturday.", "You can phone us at the weekend too."):
        check, _ = _number_check(wrong, DAYS, (1,))
        assert check.contradicted and "not among the days its evidence gives" in check.explanations[0], wrong
    # Each claim is read against the sentence of its subject, not the closest one by words alone.
    for right in ("Stores are open Monday to Saturday.", "Live chat is available on Sundays as well.",
                  "You can call us on weekdays between 8am and 6pm."):  # fmt: skip
        ok, _ = _number_check(right, DAYS, (0,))
        assert (ok.mismatch, ok.contradicted) == (0.0, False), right
    # Each clause against its own channel's sentence: the stores' days, then the phone lines' days.
    both, _ = _number_check("Stores are open Monday to Saturday, and phone lines Monday to Friday.", DAYS, (0,))
    assert (both.mismatch, both.contradicted) == (0.0, False)
    swapped, _ = _number_check("Stores are open Monday to Friday, and phone lines Monday to Saturday.", DAYS, (0,))
    assert swapped.contradicted
    # A weekend that is a condition gives no days: a day worked out from it is no swap.
    cheques = EvidenceIndex.build([(0, 0, 80, "If you pay it in at a weekend or bank holiday, it counts as paid in the "
                                              "next working day.")])  # fmt: skip
    worked_out, _ = _number_check("It counts as paid in on Wednesday, if Wednesday is a working day.", cheques, (0,))
    assert not worked_out.contradicted
    # A day where no sentence gives days is missing, not contradicted, as dates are.
    missing, _ = _number_check("Stores open on Sundays.", cheques, (0,))
    assert missing.mismatch == 1.0 and not missing.contradicted


def test_a_table_row_without_days_gives_its_header_rows_days() -> None:
    hours = EvidenceIndex.build([
        (0, 0, 40, "Branch | Weekday hours | Saturday"),
        (0, 41, 80, "Leeds | 9am to 5pm | 9am to 1pm"),
        (0, 81, 120, "York | 9am to 5pm | Closed"),
        (1, 0, 40, "Our vans deliver on Sundays."),
    ])  # fmt: skip
    assert table_headers(hours.sentences) == {1: 0, 2: 0}  # the header row and the other passage are no rows of it
    assert hours.days_of(2) == hours.days_of(0) == {6}
    right, _ = _number_check("York is closed on Saturdays.", hours, (2,))
    assert (right.mismatch, right.contradicted) == (0.0, False)
    # A day the table never gives is still one its row does not.
    wrong, _ = _number_check("York is open on Sundays.", hours, (2,))
    assert wrong.contradicted


def test_a_bare_number_framed_like_another_in_the_closest_evidence_is_a_swap() -> None:
    bills = EvidenceIndex.build([(0, 0, 80, "Printed statements are free if you're 70 or over, and cost £2 "
                                            "otherwise.")])  # fmt: skip
    swapped, _ = _number_check("They're free if you're 60 or over.", bills, (0,))
    assert swapped.contradicted
    assert swapped.explanations[0].startswith("number 60 not in evidence, which gives 70 in the same words")
    right, _ = _number_check("If you're 70 or over they cost nothing.", bills, (0,))
    assert (right.mismatch, right.contradicted) == (0.0, False)
    # A bare number in other words is a mismatch only: it may be another fact.
    other, _ = _number_check("We send 12 statements a year.", bills, (0,))
    assert other.mismatch == 1.0 and not other.contradicted


def test_plural_units_the_stemmer_cuts_are_units() -> None:
    assert _quantities("within 60 minutes, up to 50 miles, 2 hrs") == [
        (60.0, "minute", "60 minutes"), (50.0, "mile", "50 miles"), (2.0, "hour", "2 hrs")]  # fmt: skip
    logout = EvidenceIndex.build([(0, 0, 60, "The app logs you out after 10 minutes without activity.")])
    swapped, _ = _number_check("After 15 minutes without activity.", logout, (0,))
    assert swapped.contradicted


def test_a_currency_code_is_a_currency_and_per_is_a_unit_only_in_per_cent() -> None:
    assert _quantities("EUR 40 per passenger, GBP 25 a month") == [
        (40.0, "eur", "EUR 40"), (25.0, "gbp", "GBP 25 a")]  # fmt: skip
    assert _quantities("40 per cent off, 10 percent back") == [
        (40.0, "percent", "40 per"), (10.0, "percent", "10 percent")]  # fmt: skip
    # "per" alone is no percent sign, and a code must be written as one (upper case, a word of its own).
    assert _quantities("up to 3 per booking") == [(3.0, None, "3")]
    assert _quantities("Europe 70") == [(70.0, None, "70")]
    fees = EvidenceIndex.build([(0, 0, 40, "| Lite | EUR 70 |"), (0, 41, 80, "| Classic | EUR 40 |")])
    swapped, _ = _number_check("EUR 45 per passenger.", fees, (0,))
    assert swapped.contradicted


def test_a_duration_given_in_another_time_unit_is_contradicted_unless_it_is_the_same_length() -> None:
    rule = EvidenceIndex.build([(0, 0, 60, "Book at least 5 days before departure, by phone.")])
    swapped, _ = _number_check("Book at least 48 hours before departure.", rule, (0,))
    assert swapped.contradicted
    same, _ = _number_check("Book at least 120 hours before departure.", rule, (0,))
    assert not same.contradicted
    # Working days are not converted: how many hours they span depends on the week.
    working, _ = _number_check("Book at least 3 working days before departure.", rule, (0,))
    assert not working.contradicted


def test_an_index_reads_its_table_headers_and_mentions_once() -> None:
    import re

    index = EvidenceIndex.build([(0, 0, 20, "| Clinic | Saturday |"), (0, 21, 40, "| Geelong | Closed |"),
                                 (1, 0, 30, "Call us on 0800 000 000.")])  # fmt: skip
    assert index.headers() == {1: 0} and index.headers() is index.headers()
    phone = re.compile(r"\bcall\b", re.IGNORECASE)
    assert index.mentions(phone) and not index.mentions(re.compile(r"\bchat\b"))
    assert index._mentioned == {phone: True, re.compile(r"\bchat\b"): False}
