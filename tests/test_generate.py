"""The extractive generator: verbatim sentences, no pointers, abstains when nothing is close."""

from __future__ import annotations

import numpy as np
import pytest

from ragfort.generate import ExtractiveSettings, extractive_answer
from ragfort.text import sentence_spans
from ragfort.types import Passage


def passage(text: str) -> Passage:
    return Passage(text=text, doc_id="d.md", sentences=tuple(sentence_spans(text)))


def unit(i: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


def test_pointer_sentences_are_never_the_answer() -> None:
    p = passage('See "Refunds to Your Card" for timings. Card refunds take 5-7 business days.')
    q = unit(0)
    vecs = np.stack([unit(0), unit(0) * 0.9 + unit(1) * 0.1])  # the pointer is the closer one
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    answer = extractive_answer(q, "How long do card refunds take?", [p], [vecs])
    assert answer == "Card refunds take 5-7 business days."


def test_a_sentence_that_only_adds_a_pointer_after_a_semicolon_is_no_answer() -> None:
    p = passage('A freeze may help; see "Freezing Your Membership". A freeze costs $10 for each month.')
    vecs = np.stack([unit(0), unit(0) * 0.8 + unit(1) * 0.2])  # the pointer is the closer one
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    answer = extractive_answer(unit(0), "How much does a freeze cost?", [p], [vecs])
    assert answer == "A freeze costs $10 for each month."


def test_a_sentence_that_points_back_is_quoted_after_the_one_it_points_to() -> None:
    p = passage(
        "Kids Club runs at Signature clubs and most Standard clubs. It isn't available at Express clubs. "
        "Each visit can last up to 2 hours."
    )
    vecs = np.stack([unit(1), unit(0), unit(2)])
    answer = extractive_answer(unit(0), "Is there a kids club at express clubs?", [p], [vecs])
    assert answer == "Kids Club runs at Signature clubs and most Standard clubs. It isn't available at Express clubs."


def test_a_sentence_that_points_back_after_a_heading_is_quoted_alone() -> None:
    p = passage("## Express clubs\n\nThey have no showers. Towels cost $2 each.")
    vecs = np.stack([unit(1), unit(0), unit(2)])
    assert extractive_answer(unit(0), "showers at express clubs?", [p], [vecs]) == "They have no showers."


def test_an_antecedent_already_quoted_is_not_repeated() -> None:
    p = passage("Store credit can be used on devices. It cannot pay your monthly bill. Refunds take 5 days.")
    vecs = np.stack([unit(0), unit(0) * 0.98 + unit(1) * 0.199, unit(2)])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    answer = extractive_answer(unit(0), "Can store credit pay my monthly bill?", [p], [vecs])
    assert answer == "Store credit can be used on devices. It cannot pay your monthly bill."


def test_no_close_sentence_means_no_answer() -> None:
    p = passage("Roaming costs $10 per day in Europe.")
    answer = extractive_answer(unit(0), "Do you sell bicycles?", [p], [np.stack([unit(1)])])
    assert answer == ""


def test_answers_are_verbatim_sentences_in_document_order() -> None:
    p = passage("Devices can be returned within 14 days. Accessories can be returned within 30 days.")
    vecs = np.stack([unit(0), unit(0)])
    answer = extractive_answer(
        unit(0), "return window devices accessories", [p], [vecs], settings=ExtractiveSettings(max_sentences=2)
    )
    assert answer == "Devices can be returned within 14 days. Accessories can be returned within 30 days."


def test_a_list_item_that_continues_its_list_ends_as_a_sentence() -> None:
    p = passage("You can claim:\n\n- in the app, under Journeys > Claim Delay Repay,\n- by post to Freepost REPAY.")
    assert len(p.sentences) == 3
    vecs = np.stack([unit(1), unit(0), unit(2)])
    answer = extractive_answer(unit(0), "Where do I claim Delay Repay in the app?", [p], [vecs])
    assert answer == "in the app, under Journeys > Claim Delay Repay."


def test_a_list_intro_quoted_without_its_list_ends_with_a_full_stop_not_a_colon() -> None:
    p = passage("If the tank isn't full, we refuel it and charge:\n\n- 2.45 per litre,\n- a 25 service fee.")
    vecs = np.stack([unit(0), unit(1), unit(2)])
    answer = extractive_answer(unit(0), "What do you charge if the tank isn't full?", [p], [vecs])
    assert answer == "If the tank isn't full, we refuel it and charge."


def test_a_list_intro_quoted_with_some_of_its_items_keeps_them_under_it_on_lines_of_their_own() -> None:
    p = passage(
        "Roadside Plus covers the call-out and towing for:\n\n- a flat tyre or puncture,\n- a flat battery,\n"
        "- keys locked in the car.\n\nWithout it, a call-out costs 150."
    )
    vecs = np.stack([unit(0), unit(0) * 0.95 + unit(1) * 0.312, unit(2), unit(3), unit(0)])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    answer = extractive_answer(unit(0), "is the call-out free for a flat tyre?", [p], [vecs])
    assert answer == (
        "Roadside Plus covers the call-out and towing for:\n- a flat tyre or puncture\n\n"
        "Without it, a call-out costs 150."
    )
    for line in answer.split("\n"):
        assert line.removeprefix("- ") in p.text  # each line is verbatim


def test_a_sentence_printed_in_two_articles_is_quoted_once() -> None:
    leaving = passage("Smart meter readings are collected automatically. Send other readings within 5 days.")
    joining = passage("Smart meter readings are collected automatically. Your old supplier uses the same readings.")
    vecs = np.stack([unit(0), unit(1)])
    question = "Are smart meter readings collected automatically?"
    answer = extractive_answer(unit(0), question, [leaving, joining], [vecs, vecs])
    assert answer == "Smart meter readings are collected automatically."


def test_a_shared_rare_word_rescues_a_sentence_the_embedding_scores_low() -> None:
    p = passage("We ship to 28 countries, including Canada, Mexico and the United Kingdom.")
    low = np.stack([unit(0) * 0.4 + unit(1) * 0.9165])  # cosine 0.4 with the question
    answer = extractive_answer(unit(0), "Do you ship to Canada?", [p], [low])
    assert answer == "We ship to 28 countries, including Canada, Mexico and the United Kingdom."


def test_only_passages_the_answerability_judge_marked_as_answering_are_quoted() -> None:
    import dataclasses

    from ragfort.types import ANSWERABILITY_KEY, ANSWERS_KEY

    on_topic = passage("Voltwise stores open at 9 a.m. and close at 6 p.m.")
    answering = passage("Pets are welcome in every Voltwise store.")
    # The on-topic sentence is the closer one by embedding: without the judge's marks it is the answer.
    vecs_on, vecs_ans = np.stack([unit(0)]), np.stack([unit(0) * 0.8 + unit(1) * 0.6])
    question = "Can I bring my dog into a Voltwise store?"
    unmarked = extractive_answer(unit(0), question, [on_topic, answering], [vecs_on, vecs_ans])
    assert unmarked.startswith("Voltwise stores open")

    def marked(p: Passage, answers: bool) -> Passage:
        return dataclasses.replace(p, metadata={ANSWERABILITY_KEY: 0.9 if answers else 0.1, ANSWERS_KEY: answers})

    passages = [marked(on_topic, False), marked(answering, True)]
    answer = extractive_answer(unit(0), question, passages, [vecs_on, vecs_ans])
    assert answer == "Pets are welcome in every Voltwise store."


def test_passages_the_judge_left_unread_stay_candidates_and_those_it_read_as_not_answering_do_not() -> None:
    import dataclasses

    from ragfort.types import ANSWERABILITY_KEY, ANSWERS_KEY

    read_no = passage("Voltwise stores open at 9 a.m. and close at 6 p.m.")
    read_yes = passage("Pets are welcome in some Voltwise stores.")
    unread = passage("Dogs on a lead are welcome in every Voltwise store.")
    # The relevance guard stops reading once the question is settled as answerable: the passages it did
    # not read carry no mark, and are no more excluded than they would be without the judge.
    vecs = [np.stack([unit(0)]), np.stack([unit(0) * 0.6 + unit(1) * 0.8]), np.stack([unit(0) * 0.9 + unit(2) * 0.436])]
    no = dataclasses.replace(read_no, metadata={ANSWERABILITY_KEY: 0.02, ANSWERS_KEY: False})
    yes = dataclasses.replace(read_yes, metadata={ANSWERABILITY_KEY: 0.8, ANSWERS_KEY: True})
    answer = extractive_answer(unit(0), "Can I bring my dog into a Voltwise store?", [no, yes, unread], vecs)
    assert answer.startswith("Dogs on a lead are welcome")
    assert "open at 9" not in answer


def test_a_typographic_apostrophe_is_the_same_word() -> None:
    from ragfort.generate import content_words

    assert content_words("You don’t need the app’s code") == content_words("You don't need the app's code")


def test_a_conversation_weighed_in_chooses_the_sentence_about_what_it_was_about() -> None:
    # "I paid with PayPal though" after a question about refunds: read alone, the payments sentence is a little
    # closer by embedding and both share "PayPal"; with the conversation weighed in, the refunds one wins.
    payments = passage("PayPal is accepted for Pay Now bookings.")
    refunds = passage("Refunds to PayPal take up to 3 working days.")
    close, closer = unit(0) * 0.97 + unit(1) * 0.2431, unit(0) * 0.99 + unit(1) * 0.1411
    vecs = [np.stack([closer]), np.stack([close])]
    one = ExtractiveSettings(max_sentences=1)
    question = "I paid with PayPal though"
    context = "When do refunds arrive after cancelling? I paid with PayPal though"
    alone = extractive_answer(unit(0), question, [payments, refunds], vecs, settings=one)
    weighed = extractive_answer(unit(0), question, [payments, refunds], vecs, settings=one, context=context)
    off = ExtractiveSettings(max_sentences=1, context_weight=0)
    ignored = extractive_answer(unit(0), question, [payments, refunds], vecs, settings=off, context=context)
    assert alone == ignored == "PayPal is accepted for Pay Now bookings."
    assert weighed == "Refunds to PayPal take up to 3 working days."


def test_conversation_words_count_less_than_the_questions_own() -> None:
    # The question's own word outweighs two conversation words: the conversation steers, the question decides.
    own = passage("Gift cards never expire.")
    earlier = passage("Store credit from a return is valid for 12 months.")
    vecs = [np.stack([unit(0)]), np.stack([unit(0)])]
    answer = extractive_answer(
        unit(0), "what about gift cards", [earlier, own], vecs, context="store credit return what about gift cards"
    )
    assert answer == "Gift cards never expire."


def test_blended_vectors_are_unit_length_and_lean_to_the_question() -> None:
    from ragfort.generate import blend_vectors

    mixed = blend_vectors(unit(0), unit(1), 0.5)
    assert np.isclose(np.linalg.norm(mixed), 1.0)
    assert mixed[0] > mixed[1] > 0
    assert np.array_equal(blend_vectors(unit(0), -unit(0), 1.0), unit(0))  # they cancel: the question alone


@pytest.mark.parametrize(
    "bad", [{"max_sentences": 0}, {"lexical_weight": 1.5}, {"context_weight": -0.5}, {"context_weight": float("nan")}]
)
def test_bad_extractive_settings_are_refused_with_the_field_named(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ExtractiveSettings(**bad)  # type: ignore[arg-type]


def test_a_question_that_only_asks_how_to_reach_the_business_quotes_the_sentence_that_prints_a_contact() -> None:
    own = passage("Your contact number is used for security codes and delivery texts.")
    line = passage("Phone: 0345 600 7240, 08:00 to 20:00. Our stores are open every day.")
    # The sentence about the customer's own number is far closer by embedding.
    vecs = [np.stack([unit(0)]), np.stack([unit(1), unit(0) * 0.5 + unit(2) * 0.866])]
    answer = extractive_answer(unit(0), "What's your phone number?", [own, line], vecs)
    assert answer == "Phone: 0345 600 7240, 08:00 to 20:00."
    # Any other question is answered as before.
    assert extractive_answer(unit(0), "What is my contact number used for?", [own, line], vecs).startswith("Your")


def test_a_contact_question_quotes_the_contact_pages_line_before_one_printed_in_passing() -> None:
    import dataclasses

    fraud = dataclasses.replace(passage("Hang up and call us on 0345 555 0199 from another phone."), title="Fraud")
    page = dataclasses.replace(passage("General enquiries: 0345 555 0100, 8am to 8pm."), title="Contact Us")
    vecs = [np.stack([unit(0)]), np.stack([unit(0) * 0.5 + unit(1) * 0.866])]  # the fraud line is the closer
    answer = extractive_answer(unit(0), "What's your phone number?", [fraud, page], vecs)
    assert answer == "General enquiries: 0345 555 0100, 8am to 8pm."
    untitled = dataclasses.replace(page, title="Opening hours")
    assert extractive_answer(unit(0), "What's your phone number?", [fraud, untitled], vecs).startswith("Hang up")
