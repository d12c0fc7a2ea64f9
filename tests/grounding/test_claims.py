"""Claim splitting and the removal of model-written citation markers."""

from __future__ import annotations

import pytest

from ragfort.grounding.claims import answer_core, courteous, split_claims, strip_markers


def test_claims_keep_exact_offsets_into_the_answer() -> None:
    text = "Devices can be returned within 14 days. Refunds take 5 business days!"
    claims = split_claims(text)
    assert [c.text for c in claims] == ["Devices can be returned within 14 days.", "Refunds take 5 business days!"]
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_compound_sentences_split_into_clauses_but_lists_do_not() -> None:
    text = "Laptops can be returned within 14 days; phones can be returned within 30 days."
    claims = split_claims(text)
    assert [c.text for c in claims] == [
        "Laptops can be returned within 14 days",
        "phones can be returned within 30 days.",
    ]
    assert claims[0].sentence == claims[1].sentence == 0
    assert len(split_claims("We ship to France, Spain and Italy.")) == 1


def test_markers_are_removed_and_offsets_map_back() -> None:
    answer = "Returns take 14 days [1]. Refunds take 5 days [doc2][3]."
    clean = strip_markers(answer)
    assert clean.text == "Returns take 14 days. Refunds take 5 days."
    assert clean.markers == 3
    for c in split_claims(clean.text):
        s, e = clean.to_original(c.start, c.end)
        # The original span holds the claim, possibly with the markers it carried.
        assert strip_markers(answer[s:e]).text == c.text


def test_answer_of_only_markers_or_whitespace_has_no_claims() -> None:
    assert split_claims(strip_markers("  [1] [2]\n").text) == []
    assert split_claims("") == []
    assert split_claims("   \n\t") == []


@pytest.mark.parametrize(
    ("claim", "core"),
    [
        ("No, Care+ has to be added within 30 days.", "Care+ has to be added within 30 days."),
        ("Yes. You can return it within 14 days.", "You can return it within 14 days."),
        ("Not straight away, the refund takes 5 days.", "the refund takes 5 days."),
        ("It shouldn't be. You have 6 months.", "You have 6 months."),
        ("No one can close another person's account.", "No one can close another person's account."),
        ("Nothing is charged.", "Nothing is charged."),
        ("No.", "No."),
        ("No, sorry, the voucher has expired.", "the voucher has expired."),
        ("I'm afraid so. The fee applies to every order.", "The fee applies to every order."),
        ("Sorry is not something we charge for.", "Sorry is not something we charge for."),
    ],
)
def test_an_opening_yes_or_no_is_not_part_of_what_the_passages_must_say(claim: str, core: str) -> None:
    assert answer_core(claim) == core


def test_a_sentence_that_only_answers_yes_or_no_joins_the_claim_after_it() -> None:
    text = "Not yet. You need to be 18 to have an overdraft. Ask again then."
    claims = split_claims(text)
    assert [c.text for c in claims] == ["Not yet. You need to be 18 to have an overdraft.", "Ask again then."]
    assert claims[0].start == 0 and text[claims[0].start : claims[0].end] == claims[0].text
    # Alone, the bare answer stays a claim of its own.
    assert [c.text for c in split_claims("No.")] == ["No."]


@pytest.mark.parametrize("opening", ["No, sorry.", "No, I'm afraid not.", "Probably not.", "Yes, of course."])
def test_courtesy_around_a_yes_or_no_joins_the_claim_after_it(opening: str) -> None:
    text = f"{opening} Scooters wider than 70 cm can't travel."
    claims = split_claims(text, split_clauses=False)
    assert [c.text for c in claims] == [text]
    assert answer_core(claims[0].text) == "Scooters wider than 70 cm can't travel."


@pytest.mark.parametrize(
    "sentence",
    ["Sorry about that!", "Happy to help!", "Hope that helps.", "Thanks for getting in touch.",
     "Thanks! Have a great day!", "Let me know if you have any other questions.", "Anything else I can help with?",
     "I'm so sorry to hear that.",
     "I understand how frustrating that is.", "Apologies for the inconvenience."],
)
def test_a_sentence_of_courtesy_alone_is_no_claim(sentence: str) -> None:
    assert courteous(sentence)
    text = f"{sentence} Refunds take 5 working days."
    assert [c.text for c in split_claims(text)] == ["Refunds take 5 working days."]
    assert split_claims(f"Refunds take 5 working days. {sentence}")[-1].text == "Refunds take 5 working days."


@pytest.mark.parametrize(
    "sentence",
    ["Sorry, we can't refund gift cards.", "Sorry about the fee.", "Thanks to Cover Plus, there's no excess.",
     "Happy to help with returns in store.", "We understand every request within 2 days."],
)
def test_courtesy_that_says_something_else_is_still_checked(sentence: str) -> None:
    assert not courteous(sentence)
    assert split_claims(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Feel free to reply if you have any other questions.", "Sorry for any inconvenience this may cause.",
     "Happy to help with this!", "Let me know if there's anything else I can help with.",
     "Please don't hesitate to get back in touch if the issue persists.", "Really appreciate your patience :)",
     "I'm here if you need anything else 🙂", "Thanks for the extra details, Sam.",
     "I've had a look into this for you.", "Thank you for choosing Voltwise.", "Have a good one!", "Morning Chris!",
     "Sure thing!", "Reach out anytime!", "Sorry again for all the back and forth.", "Hello again, Mrs Chen.",
     "Let me know if I can help with anything else, <PERSON_1>."],
)  # fmt: skip
def test_a_sentence_made_only_of_courtesy_words_is_no_claim(sentence: str) -> None:
    assert courteous(sentence)
    text = f"Refunds take 5 working days. {sentence}"
    assert [c.text for c in split_claims(text)] == ["Refunds take 5 working days."]


@pytest.mark.parametrize(
    "sentence",
    ["Ask again then.", "Yes, we can do that.", "We can't help with that.", "It's free.", "We'll reply the same day.",
     "Happy to help: the fee is waived.", "Feel free to call us on 0800 555 0134 any time.",
     "Our chat team can help with anything else.", "Thanks for choosing the annual plan.",
     "Sorry, we don't take cheques.", "Let us know your new address.", "Enjoy free delivery on us!",
     "Happy to help, it's free!", "Glad to help with the family plan.",
     "Give us a call if you need anything else."],
)  # fmt: skip
def test_a_sentence_with_a_word_of_its_own_stays_a_claim(sentence: str) -> None:
    assert not courteous(sentence)
    assert split_claims(sentence)


@pytest.mark.parametrize(
    ("greeting", "sign_off"),
    [("Hi there,", "Kind regards,\nThe Support Team"), ("Dear Ms Patel,", "Best,\nSam"), ("Hello!", "Thanks,\nPriya"),
     ("Hi <PERSON_1>,", "Cheers, Tom"), ("Good morning,", "Many thanks,\nAlex from Voltwise Support"),
     ("Hey,", "Regards"), ("Hiya Jess 🙂", "Many thanks,\nPriya\nCustomer Care"), ("Afternoon,", "Ta,\nKev"),
     ("Hello Sam!", "Cheers!\nThe Brightwave crew"), ("Dear Mr Okafor,", "Yours faithfully,\nCustomer Relations")],
)  # fmt: skip
def test_a_letters_greeting_and_sign_off_are_no_claims(greeting: str, sign_off: str) -> None:
    assert courteous(greeting) and courteous(sign_off)
    text = f"{greeting}\n\nRefunds take 5 working days. Gift cards can't be refunded.\n\n{sign_off}"
    assert [c.text for c in split_claims(text)] == ["Refunds take 5 working days.", "Gift cards can't be refunded."]


def test_a_yes_or_no_with_only_courtesy_after_it_is_the_claim() -> None:
    for text in ("Hi!\n\nNo.\n\nThanks,\nPriya", "No.\n\nKind regards,\nThe Support Team", "Yes. Hope that helps."):
        claims = split_claims(text)
        assert len(claims) == 1 and claims[0].text in ("No.", "Yes."), text
    # With a claim after it, the opening joins that claim as before.
    assert [c.text for c in split_claims("No.\n\nGift cards are final.\n\nThanks,\nPriya")] == [
        "No.\n\nGift cards are final."
    ]


@pytest.mark.parametrize(
    "sentence",
    ["Regards, the fee is waived.", "Thanks, call 0800 555 0100.", "Best, you can cancel online.",
     "Hello Sam, your refund is on its way.", "Best price is $5."],
)  # fmt: skip
def test_a_sign_off_or_greeting_that_says_something_is_still_checked(sentence: str) -> None:
    assert not courteous(sentence)
    assert split_claims(sentence)


@pytest.mark.parametrize("marker", ["1. ", "2) ", "- ", "* ", "\u2022 "])
def test_a_list_marker_after_a_yes_or_no_is_not_checked(marker: str) -> None:
    text = f"Yes.\n\n{marker}Web chat is open every day, bank holidays included.\n{marker}The phone line is not."
    claims = split_claims(text, split_clauses=False)
    assert len(claims) == 2 and claims[0].text.startswith("Yes.")
    assert answer_core(claims[0].text) == "Web chat is open every day, bank holidays included."


@pytest.mark.parametrize("claim", ["No, 3 lines can share it.", "Yes, 2. That is the limit.", "- Yes, it is."])
def test_a_number_or_dash_on_the_openings_own_line_is_still_checked(claim: str) -> None:
    # Only a marker that starts a line after the opening is markup; a number written on the same line is content.
    core = answer_core(claim)
    assert core[0].isdigit() or core == claim


def test_courtesy_after_a_yes_or_no_joins_the_claim_and_is_not_checked() -> None:
    text = "No, sorry about that! Gift cards can't be refunded."
    claims = split_claims(text)
    assert [c.text for c in claims] == [text]
    assert answer_core(claims[0].text) == "Gift cards can't be refunded."
    assert answer_core("Hi <PERSON_1>, refunds take 5 days.") == "refunds take 5 days."


def test_an_opening_no_is_not_read_as_a_negation_of_the_passage() -> None:
    from ragfort.grounding.scorer import GroundingScorer
    from ragfort.types import Passage

    passage = Passage(text="Extra payments are free at any time and reduce what you owe.", doc_id="loans.md")
    report = GroundingScorer().score("No, extra payments are free at any time.", [passage],
                                     question="Is there a fee for overpaying my loan?")  # fmt: skip
    assert [c.supported for c in report.claims] == [True]
    assert report.claims[0].span.text == "No, extra payments are free at any time."


@pytest.mark.parametrize(
    ("claim", "core"),
    [
        ("Just so you know, you've got 30 days from the report.", "you've got 30 days from the report."),
        ("I can confirm that the fee is $5 per order.", "the fee is $5 per order."),
        ("Please note that refunds take 5 working days.", "refunds take 5 working days."),
        ("I\u2019ve checked and it ships today.", "it ships today."),
        ("Here's the thing: the card expires after 12 months.", "the card expires after 12 months."),
        ("Quick answer - no, there's no fee.", "there's no fee."),
        ("Don't worry, the refund goes back to your card.", "the refund goes back to your card."),
        ("Great question! Yes, you can pause it twice a year.", "you can pause it twice a year."),
        ("No, just so you know, the fee is $5.", "the fee is $5."),
        ("Yes. In short, chat is open until 8pm.", "chat is open until 8pm."),
        ("Happy to say that the upgrade is free.", "the upgrade is free."),
        ("It\u2019s worth knowing: the code lasts 10 minutes.", "the code lasts 10 minutes."),
        ("I'm afraid guests can't use the Slack app.", "guests can't use the Slack app."),
        ("I know this is frustrating, but the fee stands.", "the fee stands."),
        ("Having reviewed your account, the refund went out on Monday.", "the refund went out on Monday."),
        ("Looking at your account, the refund went out on Monday.", "the refund went out on Monday."),
        ("Fortunately, the fee is waived for students.", "the fee is waived for students."),
        ("I checked with the team and it ships today.", "it ships today."),
        ("We\u2019d like to inform you that the branch is closing.", "the branch is closing."),
        ("That being said, the voucher can't be extended.", "the voucher can't be extended."),
    ],
)
def test_a_discourse_frame_is_not_part_of_what_the_passages_must_say(claim: str, core: str) -> None:
    assert answer_core(claim) == core


@pytest.mark.parametrize(
    "claim",
    [
        "To confirm your identity, we text you a 6-digit code.",  # "to confirm" without its comma says what for
        "Note the fee applies to every order.",
        "Actually paying by card costs 2% more.",
        "Honestly priced plans start at $10.",
        "Importantly for Gold members, points never expire.",
        "Plus: 20 GB of data for $10.",  # a plan called Plus, not the link "Plus,"
        "I think the fee is $5.",  # hedges are left as written (docs/grounding.md, "Session 27")
        "However, the fee is waived for students.",
        "According to the manufacturer, the battery lasts two years.",
        "Going through the app, you can cancel at any time.",  # a channel, not a check of the customer's records
        "Looking at the Premium plan, it has 20 GB of data.",
        "Checking your balance is free in the app.",
        "Remember to bring your ID.",
    ],
)
def test_words_that_open_a_statement_without_framing_it_stay_checked(claim: str) -> None:
    assert answer_core(claim) == claim


def test_a_frame_before_a_yes_or_no_leaves_the_opening_an_opening() -> None:
    from ragfort.grounding.claims import opening

    assert opening("Short answer: no, hold off paying.") == "no, "
    assert opening("Good news: yes! It's free.") == "yes! "
    assert opening("I'm afraid so. The fee applies.") == "I'm afraid so. "  # not the frame "I'm afraid ..."
    # A sentence that is only a frame and an opening joins the claim after it, as a bare "No." does.
    text = "Good news: No. You can keep the old phone."
    assert [c.text for c in split_claims(text)] == [text]
    assert answer_core(text) == "You can keep the old phone."


def test_a_framed_no_is_not_read_as_a_negation_of_the_passage() -> None:
    from ragfort.grounding.scorer import GroundingScorer
    from ragfort.types import Passage

    passage = Passage(text="Extra payments are free at any time and reduce what you owe.", doc_id="loans.md")
    report = GroundingScorer().score("Short answer: no, extra payments are free at any time.", [passage],
                                     question="Is there a fee for overpaying my loan?")  # fmt: skip
    assert [c.supported for c in report.claims] == [True]


def test_unframed_keeps_the_opening_and_drops_only_the_frames() -> None:
    from ragfort.grounding.claims import unframed

    assert unframed("Short answer: no, just so you know, the fee is $5.") == "no, the fee is $5."
    assert unframed("I can confirm that the fee is $5.") == "the fee is $5."
    assert unframed("No, sorry, the fee is $5.") == "No, sorry, the fee is $5."  # courtesy is not a frame
    assert unframed("The fee is $5.") == "The fee is $5."
    assert answer_core("Good news: No.") == "No."
