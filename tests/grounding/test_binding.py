"""Binding: a claim's number or name must sit with the claim's subject in the evidence."""

from __future__ import annotations

from ragfort.grounding.binding import (
    Worked,
    _same_name,
    _singular,
    asked_numbers,
    clauses,
    computed_numbers,
    denied,
    evidence_items,
    negated,
    overreach,
    prohibited,
    unbound,
)
from ragfort.grounding.scorer import evidence_sentences
from ragfort.grounding.signals import EvidenceIndex, _entities
from ragfort.types import Passage

PLANS = [
    Passage(text="## Plans\n\nThe Pro plan includes 20 GB of data each month. The Max plan includes 50 GB of data "
                 "and international roaming.", doc_id="plans.md"),
]  # fmt: skip
REPAIRS = [
    Passage(text="## Prices\n\n| Repair | Voltwise One | Voltwise Tab |\n|---|---|---|\n"
                 "| Screen replacement | $149 | $179 |\n| Battery replacement | $79 | $99 |\n\n"
                 "Prices include parts and labor.", doc_id="repairs.md"),
]  # fmt: skip
OVERDRAFT = [
    Passage(text="## Interest-free overdraft\n\nThe Student account comes with an interest-free overdraft of up to:"
                 "\n\n- £1,000 in your first year\n- £1,500 in your second year\n- £2,000 in your third year",
            doc_id="student.md"),
    Passage(text="## After you graduate\n\nThe Graduate account has an interest-free overdraft of up to £2,000 in "
                 "the first year after your course, £1,000 in the second year and £500 in the third.",
            doc_id="graduate.md"),
]  # fmt: skip
PAYMENTS = [
    Passage(text="## Limits\n\n- In the app: up to £10,000 per payment and £20,000 a day\n"
                 "- In online banking: up to £25,000 per payment\n\n"
                 "App and online banking payments share one daily limit: together they can't go over £25,000 a day.",
            doc_id="limits.md"),
]  # fmt: skip
ACCOUNTS = [
    Passage(text="## After three years\n\nAfter three years the Graduate account becomes an Everyday account, and "
                 "any overdraft you're still using starts charging interest.\n\n"
                 "You can't switch a Student account to Everyday Plus while you're studying.", doc_id="grad.md"),
]  # fmt: skip
SHIPPING = [
    Passage(text="## What is refunded\n\nOriginal shipping charges are refunded only if the item was defective or "
                 "we made a mistake with your order.", doc_id="refunds.md"),
]  # fmt: skip


def _unbound(claim: str, passages: list[Passage], question: str = "") -> list[tuple[str, str, str]]:
    sentences, _ = evidence_sentences(passages)
    found = unbound(claim, EvidenceIndex.build(sentences), question=question, passages=[p.text for p in passages])
    return [(u.kind, u.claim_value, u.evidence_value) for u in found]


def _index(passages: list[Passage]) -> EvidenceIndex:
    return EvidenceIndex.build(evidence_sentences(passages)[0])


def test_a_real_number_attached_to_another_plan_is_unbound() -> None:
    # 50 GB is in the evidence, but it is the Max plan's; the sentence about Pro gives 20 GB.
    assert _unbound("The Pro plan includes 50 GB of data each month.", PLANS) == [("number", "50 GB", "20 GB")]
    assert _unbound("The Pro plan includes 20 GB of data each month.", PLANS) == []
    assert _unbound("The Max plan includes 50 GB of data.", PLANS) == []


def test_a_table_cell_is_bound_to_its_row_and_column() -> None:
    question = "How much is a battery replacement on a Voltwise Tab?"
    assert _unbound("A Tab battery replacement is $79.", REPAIRS, question) == [("number", "$79", "$99")]
    assert _unbound("A Tab battery replacement is $99.", REPAIRS, question) == []
    assert _unbound("A One battery replacement is $79.", REPAIRS, "How much is a battery on a Voltwise One?") == []


def test_the_question_is_part_of_the_subject_and_a_list_item_keeps_its_lead() -> None:
    first = "How much overdraft do I get in my first year as a student?"
    assert _unbound("Up to £1,500, interest-free.", OVERDRAFT, first)[0][:2] == ("number", "£1,500")
    assert _unbound("Up to £1,000, interest-free.", OVERDRAFT, first) == []
    # The second-year item is introduced by "an interest-free overdraft of up to:", so it is as much about an
    # interest-free overdraft as the Graduate sentence is.
    assert _unbound("Up to £1,500 interest-free.", OVERDRAFT, "How much overdraft do I get in second year?") == []


def test_values_that_stand_together_in_the_evidence_are_bound_to_each_other() -> None:
    claim = "Up to £10,000 per payment in the app, with a £20,000 daily limit."
    assert _unbound(claim, PAYMENTS, "How much can I send in one go from the app?") == []


def test_a_name_swapped_for_a_related_one_is_unbound() -> None:
    question = "What happens to my Graduate account after three years?"
    claim = "It becomes an Everyday Plus account, and any overdraft you're still using starts charging interest."
    assert _unbound(claim, ACCOUNTS, question) == [("name", "Everyday Plus", "Everyday")]
    assert _unbound(claim.replace("Everyday Plus", "Everyday"), ACCOUNTS, question) == []


def test_worked_out_and_hedged_numbers_are_found() -> None:
    for claim, number in [
        ("Autopay bills earn 2 points per $1, which is 100.", "100"),
        ("So you still have about 2 months.", "2"),
        ("That leaves 2 months left.", "2"),
    ]:
        spans = computed_numbers(claim)
        assert [claim[s:e] for s, e in spans] == [number], claim
    assert computed_numbers("A Tab battery replacement is $79.") == []
    assert computed_numbers("Refunds take 14 days.") == []


def test_a_worked_out_number_is_never_unbound() -> None:
    passages = [Passage(text="## Ombudsman\n\nYou can refer your complaint to the Financial Ombudsman Service "
                             "within 6 months of our final response.", doc_id="complaints.md")]  # fmt: skip
    question = "I got your final response 4 months ago. Is it too late to go to the ombudsman?"
    assert _unbound("You still have about 2 months to refer it to the Ombudsman.", passages, question) == []
    assert _unbound("You have 2 months to refer it to the Ombudsman.", passages, question) == [
        ("number", "2 months", "6 months")
    ]


def test_a_rule_widened_to_every_case_overreaches() -> None:
    reason = overreach("Original shipping charges are refunded on every return.", _index(SHIPPING))
    assert reason is not None and "every return" in reason
    assert overreach("Original shipping charges are refunded if the item was defective.", _index(SHIPPING)) is None
    # A negated universal narrows the rule; a universal the evidence states too is fine.
    assert overreach("Not all returns get their shipping refunded.", _index(SHIPPING)) is None
    stated = [Passage(text="Every return is inspected within 2 business days.", doc_id="r.md")]
    assert overreach("Every return is inspected within 2 business days of arriving.", _index(stated)) is None


ABROAD = [
    Passage(text="## Card payments abroad\n\nUsing your debit card abroad costs nothing in the EEA. Outside the EEA "
                 "there is a 2.75% foreign transaction fee.", doc_id="abroad.md"),
]  # fmt: skip


def test_a_preposition_opening_the_sentence_is_not_part_of_the_name_it_binds() -> None:
    # "Outside the EEA" read as a name was bound to the sentence that gives "EEA" alone (no fee), and the
    # correct answer was stripped; the feature model's entity check keeps its own reading (see _entities).
    question = "What does it cost to use my card abroad?"
    assert _unbound("Outside the EEA there's a 2.75% fee.", ABROAD, question) == []
    assert _entities("Outside the EEA there's a fee.", drop_prepositions=True) == ["EEA"]
    assert _entities("Outside the EEA there's a fee.") == ["Outside the EEA"]
    assert _entities("Bank of England rates apply.", drop_prepositions=True) == ["Bank of England"]


BROADBAND = [
    Passage(text="## Routers\n\n- Broadband 100 comes with the Hub 3.\n- Broadband 800 comes with the Hub 7 and two "
                 "mesh extenders at no extra cost.", doc_id="routers.md"),
    Passage(text="## Prices\n\n| Plan | Speed | Monthly price |\n|---|---|---|\n| Broadband 100 | 100 Mbps | £26 |\n"
                 "| Broadband 800 | 800 Mbps | £41 |", doc_id="prices.md"),
]  # fmt: skip


def test_a_name_keeps_its_model_number() -> None:
    assert _entities("Broadband 100 comes with the Hub 3.", numbered=True) == ["Broadband 100", "Hub 3"]
    assert _entities("on Fibre 150 and Fibre 500", numbered=True) == ["Fibre 150", "Fibre 500"]
    # Not a month's day, a quantity with its unit, or a number after a plain word.
    for plain in ("Call on May 5 about Fibre 500 Mbps", "Up to 500 Mbps on Fibre"):
        assert _entities(plain, numbered=True) == _entities(plain), plain
    assert _entities("In 2024 we moved", numbered=True) == []
    # After a currency code a number is an amount: "the EUR 25 Lite fee" names Lite, not "EUR 25 Lite".
    assert _entities("the EUR 25 Lite fee is waived", numbered=True) == ["EUR", "Lite"]
    # The feature model's reading is unchanged.
    assert _entities("Broadband 100 comes with the Hub 3.") == ["Hub"]


def test_plans_named_by_their_number_bind_like_other_names() -> None:
    sentences, _ = evidence_sentences(BROADBAND)
    evidence = EvidenceIndex.build(sentences)
    texts = [p.text for p in BROADBAND]
    question = "Which plans come with mesh extenders?"
    (swap,) = unbound("Broadband 100 includes two mesh extenders at no extra cost.", evidence, question=question,
                      passages=texts)  # fmt: skip
    assert (swap.kind, swap.claim_value, swap.evidence_value) == ("name", "Broadband 100", "Broadband 800")
    assert unbound("Broadband 800 includes two mesh extenders.", evidence, question=question, passages=texts) == []
    (hub,) = unbound("You get the Hub 7.", evidence, question="Which router comes with Broadband 100?", passages=texts)
    assert hub.evidence_value == "Hub 3"


def test_a_price_from_another_numbered_plans_row_is_unbound() -> None:
    sentences, _ = evidence_sentences(BROADBAND)
    evidence = EvidenceIndex.build(sentences)
    texts = [p.text for p in BROADBAND]
    (price,) = unbound("It's £41 a month.", evidence, question="How much is Broadband 100?", passages=texts)
    assert (price.claim_value, price.evidence_value) == ("£41", "£26")
    assert price.context == "Broadband 100, Monthly price: £26"
    assert unbound("It's £26 a month.", evidence, question="How much is Broadband 100?", passages=texts) == []


def test_a_number_worked_out_from_the_answer_and_the_evidence_is_computed() -> None:
    fees = [Passage(text="## Leaving early\n\nThe TV contract lasts 12 months. If you cancel before it ends, you pay "
                         "£6 for each month left. Leaving broadband early costs your monthly price for each month "
                         "left, less 25%.", doc_id="leaving.md")]  # fmt: skip
    sentences, _ = evidence_sentences(fees)
    evidence = EvidenceIndex.build(sentences)
    question = "I've had TV for 5 months. What does cancelling cost?"
    work = Worked.of("£42. That's £6 for each of the 7 months left of your 12-month contract.", question, evidence)
    # 7 = 12 - 5 (the evidence's 12, the question's 5), then 42 = 6 x 7. Operands are numbers the answer or the
    # question writes: with the 12 left unwritten, 7 is not worked out.
    assert not Worked.of("£42. That's £6 for each of the 7 months left.", question, evidence).derives(7)
    assert work.derives(7) and work.derives(42)
    assert computed_numbers("£42.", work=work) == [(1, 3)] and computed_numbers("£42.") == []
    assert computed_numbers("£48.", work=work) == []
    # Through binding: the worked total is not bound to the £6 for each month left.
    asked = "What do I pay for each month left?"
    assert unbound("£42.", evidence, question=asked) != []
    assert unbound("£42.", evidence, question=asked, work=work) == []
    # Two wrong numbers cannot vouch for each other: 8 is no difference of given numbers, so 48 = 6 x 8 is not
    # worked out, and 6 x 8 / 8 = 6 proves nothing.
    wrong = Worked.of("£48. That's £6 for each of the 8 months left of your 12-month contract.", question, evidence)
    assert not wrong.derives(8) and not wrong.derives(48)
    # A percentage the evidence gives is a factor: £40 a month for 3 months, less 25%, is £90.
    priced = EvidenceIndex.build([*sentences, (1, 0, 30, "Broadband costs £40 a month.")])
    plan = "I have 3 months left on broadband. What does leaving cost?"
    assert Worked.of("£90. That's £40 for each of the 3 months, less 25%.", plan, priced).derives(90)
    assert not Worked.of("£84. That's £40 for each of the 3 months, less 30%.", plan, priced).derives(84)
    # The answer's own numbers are no operands unless the evidence or the question gives them.
    assert not Worked.of("£90. That's £40 for each of the 3 months, less 25%.", "", priced).derives(90)
    # A percentage the evidence gives is an evidence operand: 20% of the customer's own $30,000 is $6,000.
    hotel = EvidenceIndex.build([(0, 0, 80, "We pay for a hotel up to 20% of your personal property limit.")])
    mine = "I have the $30,000 renters plan. How much will you cover?"
    assert Worked.of("Up to $6,000. That's 20% of your $30,000 limit.", mine, hotel).derives(6000)
    assert not Worked.of("Up to $7,000. That's 20% of your $30,000 limit.", mine, hotel).derives(7000)
    # Not a percentage the evidence lacks: 25% of $30,000 is worked out from the answer's word alone.
    assert not Worked.of("Up to $7,500. That's 25% of your $30,000 limit.", mine, hotel).derives(7500)


def test_a_list_member_the_evidence_never_writes_is_bound_to_the_one_it_replaced() -> None:
    passages = [Passage(text="## Where we deliver\n\nWe deliver to Portugal, Spain and Italy. We don't deliver "
                             "to islands.", doc_id="delivery.md")]  # fmt: skip
    sentences, _ = evidence_sentences(passages)
    evidence = EvidenceIndex.build(sentences)
    (swap,) = unbound("We deliver to Portugal, Spain or Greece.", evidence, question="Where do you deliver?")
    assert (swap.kind, swap.claim_value, swap.evidence_value) == ("name", "Greece", "Italy")
    # The list as written, a shorter one, or a name listed with nothing the evidence writes: nothing to bind.
    for right in ("We deliver to Portugal, Spain and Italy.", "We deliver to Spain or Italy.",
                  "We deliver to Greece and Malta."):  # fmt: skip
        assert unbound(right, evidence, question="Where do you deliver?") == [], right


def test_a_value_whose_context_names_a_sibling_plan_is_bound_to_the_asked_plans() -> None:
    towing = [
        Passage(text="## What's covered\n\n- Towing to the nearest garage: up to 40 miles on Premier, up to 10 miles "
                     "with the Core add-on.\n- Battery jump-starts.", doc_id="towing.md"),
        Passage(text="## Who has it\n\n- Premier: included.\n- Core: $5 a month.", doc_id="who.md"),
    ]  # fmt: skip
    sentences, _ = evidence_sentences(towing)
    evidence = EvidenceIndex.build(sentences)
    texts = [p.text for p in towing]
    claim = "With it, we'll tow you up to 40 miles to the nearest garage."
    # The customer types the plan in lower case; the 40 miles sit with Premier, its sibling.
    (swap,) = unbound(claim, evidence, question="does core include towing?", passages=texts)
    assert (swap.claim_value, swap.evidence_value) == ("40 miles", "10 miles")
    assert unbound(claim, evidence, question="does premier include towing?", passages=texts) == []
    # No plan asked about: nothing decides between the values.
    assert unbound(claim, evidence, question="how far do you tow?", passages=texts) == []


def _evidence(*passages: Passage) -> EvidenceIndex:
    sentences, _ = evidence_sentences(list(passages))
    return EvidenceIndex.build(sentences)


def test_a_name_and_its_plural_are_one_name() -> None:
    passages = [
        Passage(text="## Direct Debits\n\nDisputes about Direct Debits aren't handled as card disputes. Claim under "
                     "the Direct Debit Guarantee instead.", doc_id="disputes.md"),
        Passage(text="## The Direct Debit Guarantee\n\nIf a Direct Debit is taken in error, you're entitled to a full "
                     "and immediate refund.", doc_id="guarantee.md"),
    ]  # fmt: skip
    evidence = _evidence(*passages)
    question = "A Direct Debit was taken twice. Should I use the card dispute process?"
    claim = "Direct Debit disputes aren't handled as card disputes."
    # "Direct Debits" is the claim's own name in the plural, not a rival it was bound to.
    assert unbound(claim, evidence, question=question, passages=[p.text for p in passages]) == []
    assert _same_name("parcelpoints", "parcelpoint") and _same_name("stripe's", "stripe")
    assert not _same_name("everyday plus", "everyday") and _singular("europe express") == "europe express"


def test_a_table_whose_label_column_has_no_heading_keeps_its_columns_apart() -> None:
    # The header row leaves the row labels' column empty; each value belongs under its own model.
    table = Passage(text="## At a glance\n\n| | Voltwise One | Voltwise Max |\n|---|---|---|\n"
                         "| Screen | 6.1 inches | 6.7 inches |\n| Starting price | $699 | $999 |",
                    doc_id="phones.md")  # fmt: skip
    evidence = _evidence(table)
    question = "How big is the Voltwise One's screen?"
    # "6.7-inch" is an amount (its unit joined by a hyphen), and 6.7 inches is the Max's.
    (screen,) = unbound("The Voltwise One has a 6.7-inch screen.", evidence, question=question, passages=[table.text])
    assert (screen.claim_value, screen.evidence_value) == ("6.7-inch", "6.1 inches")
    assert screen.context == "Screen, Voltwise One: 6.1 inches"
    assert unbound("The Voltwise One has a 6.1-inch screen.", evidence, question=question, passages=[table.text]) == []


def test_a_phone_numbers_digit_groups_are_never_worked_out() -> None:
    line = EvidenceIndex.build([(0, 0, 80, "Business account holders can call 0345 555 0220, Monday to Friday.")])
    claim = "Business account holders can call 0345 555 0210, Monday to Friday."
    # 555 - 345 is 210: read as numbers, the swapped digit group would pass as worked out and be exempt.
    work = Worked.of(claim, "whats the number for business accounts", line)
    assert not work.derives(210)
    assert computed_numbers(claim, work=work) == []
    assert asked_numbers(claim, "is it 0345 555 0210?") == []


def test_a_phone_number_is_bound_to_the_line_it_belongs_to() -> None:
    lines = [
        Passage(text="## Phone numbers\n\n- Mortgages: 0345 555 0177, Monday to Friday 8am to 8pm\n"
                     "- Business customers: 0345 555 0188, Monday to Friday 8am to 6pm\n\n"
                     "From abroad, call +44 345 555 0188.", doc_id="contact.md"),
        Passage(text="## Getting help\n\nOur business team is on 0345 555 0188, Monday to Friday 8am to 6pm.",
                doc_id="business.md"),
    ]  # fmt: skip
    evidence = _evidence(*lines)
    texts = [p.text for p in lines]
    question = "What's the number for the business team?"
    (wrong,) = unbound("0345 555 0177, Monday to Friday 8am to 6pm.", evidence, question=question, passages=texts)
    assert (wrong.claim_value, wrong.evidence_value) == ("0345 555 0177", "0345 555 0188")
    assert unbound("0345 555 0188, Monday to Friday 8am to 6pm.", evidence, question=question, passages=texts) == []
    # The same line written for callers from abroad is not another line.
    assert unbound("From abroad it's +44 345 555 0188.", evidence, question=question, passages=texts) == []


def test_a_percentage_left_over_from_a_given_one_is_worked_out() -> None:
    loans = EvidenceIndex.build([(0, 0, 90, "First-time buyers can borrow up to 95% of the property's value.")])
    question = "I'm a first-time buyer. What's the smallest deposit I'd need?"
    claim = "5%: first-time buyers can borrow up to 95%."
    work = Worked.of(claim, question, loans)
    assert work.complements(5) and not work.complements(15)
    assert computed_numbers(claim, work=work) == [(0, 1)]
    # Only a percentage: "5 days" is no deposit.
    assert computed_numbers("Within 5 days: first-time buyers can borrow up to 95%.", work=work) == []


def test_a_short_framing_phrase_stays_with_the_value_it_frames() -> None:
    lost = Passage(text="## When a parcel counts as lost\n\nA UK parcel counts as lost if it hasn't been delivered 10 "
                        "working days after its expected delivery date. For international parcels, it's 20 working "
                        "days.", doc_id="lost.md")  # fmt: skip
    evidence = _evidence(lost)
    question = "When is a parcel classed as lost?"
    # "For international parcels," is the 20 days' own subject, not a clause apart from it.
    framed = "For international ones it's 20 working days."
    assert unbound(framed, evidence, question=question, passages=[lost.text]) == []
    (uk,) = unbound("For UK parcels, it's 20 working days.", evidence, question=question, passages=[lost.text])
    assert (uk.claim_value, uk.evidence_value) == ("20 working", "10 working")


def test_a_number_in_a_row_label_is_a_value_of_that_row() -> None:
    sla = Passage(text="## Service credits\n\n| Monthly uptime | Credit |\n|---|---|\n"
                       "| Below 99.9% | 10% of that month's fee |\n| Below 99.5% | 25% of that month's fee |\n"
                       "| Below 99.0% | 50% of that month's fee |", doc_id="sla.md")  # fmt: skip
    evidence = _evidence(sla)
    question = "Uptime was 99.3% last month. What credit do we get?"
    claim = "25% of that month's fee, since it's below 99.5% but not below 99.0%."
    # The thresholds are the rows' own labels, not values the claim took from the credit column.
    assert unbound(claim, evidence, question=question, passages=[sla.text]) == []
    items = evidence_items(evidence, [sla.text])
    (threshold,) = [it for it in items.numbers if it.key == "99.5 percent"]
    assert threshold.context == "Below 99.5% | 25% of that month's fee" and "uptim" in threshold.near


def test_a_labelled_lines_property_given_to_another_label_is_unbound() -> None:
    tiers = Passage(text="## Lounge access by tier\n\n- Bronze: one lounge pass a year.\n"
                         "- Silver: two lounge passes a year.\n"
                         "- Gold and Diamond: unlimited lounge visits with a guest, at every airport.\n\n"
                         "## How a visit works\n\n- Check-in: show your card at the lounge desk.\n"
                         "- Guests: pay at the desk unless your tier includes one.", doc_id="lounges.md")  # fmt: skip
    evidence = _evidence(tiers)
    question = "What lounge access do I get as a Silver member?"

    def swaps(claim: str) -> list[tuple[str, str]]:
        return [(u.claim_value, u.evidence_value) for u in unbound(claim, evidence, question=question,
                                                                     passages=[tiers.text])]  # fmt: skip

    # Gold's and Diamond's line, given to Silver (also when a comma splits the property off the name).
    assert swaps("Silver members get unlimited lounge visits with a guest at every airport.") == [
        ("Silver", "Gold and Diamond")
    ]
    assert swaps("Silver gets unlimited lounge visits, with a guest, at every airport.") == [
        ("Silver", "Gold and Diamond")
    ]
    for right in (
        "Silver members get two lounge passes a year.",  # its own line
        "Gold members get unlimited lounge visits with a guest at every airport.",  # a label of that line
        # Denied: what Gold and Diamond have is not Silver's.
        "Silver doesn't get unlimited lounge visits with a guest at every airport, only two passes a year.",
        # The claim speaks of the other line's subject too ("check in" for "Check-in"): a step, not a swap.
        "Silver members check in by showing their card at the lounge desk.",
        "Silver: two passes, and guests pay at the desk.",  # no clear margin over its own line
    ):
        assert swaps(right) == [], right


def test_values_stand_together_only_in_a_context_about_the_claims_subject() -> None:
    phone = Passage(text="## Customer service\n\nCall 0800 555 0140. Customer service is open Monday to Friday, 8am "
                         "to 8pm, and Saturday 9am to 1pm.", doc_id="phone.md")  # fmt: skip
    chat = Passage(text="## Chat\n\n- Chat in the app.\n- Monday to Friday, 7am to 10pm, and Saturday and Sunday, "
                        "9am to 5pm.", doc_id="chat.md")  # fmt: skip
    evidence = _evidence(phone, chat)
    texts = [phone.text, chat.text]
    question = "Are you open on Saturday?"
    # "9am to 5pm" stands together under "## Chat": a pair for chat, not for customer service.
    (swap,) = unbound("Customer service is open Saturday 9am to 5pm.", evidence, question=question, passages=texts)
    assert (swap.claim_value, swap.evidence_value) == ("5pm.", "1pm.")
    assert unbound("Chat is open Saturday 9am to 5pm.", evidence, question=question, passages=texts) == []
    assert unbound("Customer service is open Saturday 9am to 1pm.", evidence, question=question, passages=texts) == []


def _swapped_and_kept(passage: Passage, question: str, wrong: str, rights: tuple[str, ...]) -> tuple[str, str]:
    """The one unbound value of `wrong` (claim value, evidence value); each of `rights` binds to nothing."""
    evidence = _evidence(passage)
    for right in rights:
        assert unbound(right, evidence, question=question, passages=[passage.text]) == [], right
    (swap,) = unbound(wrong, evidence, question=question, passages=[passage.text])
    assert swap.kind == "name"
    return swap.claim_value, swap.evidence_value


def test_a_numbered_name_the_evidence_never_writes_is_bound_to_its_renumbered_sibling() -> None:
    backup = Passage(text="## Cloud Backup\n\nCloud Backup costs £4 a month. It's free for the first 6 months on "
                          "Home Broadband 300; after that it costs £4 a month.", doc_id="backup.md")  # fmt: skip
    rights = ("It's free for the first 6 months on Home Broadband 300.",
              # The claim writes the evidence's plan too: it compares, it does not swap.
              "Broadband 100 pays £4 a month from the start; Home Broadband 300 gets 6 months free.",
              "It's free for 6 months on Broadband, then £4 a month.")  # fmt: skip
    swap = _swapped_and_kept(backup, "Is Cloud Backup free?", "It's free for the first 6 months on Broadband 100.",
                             rights)  # fmt: skip
    assert swap == ("Broadband 100", "Home Broadband 300")


def test_a_name_put_into_the_words_the_evidence_gives_another_is_unbound() -> None:
    router = Passage(text="## The Mesh Router\n\nThe Mesh Router costs a one-off £59 on Home 100 and Home 300. It's "
                          "included at no cost with Home Gigabit.", doc_id="router.md")  # fmt: skip
    rights = ("It's included at no cost with Home Gigabit.", "It costs a one-off £59 on Home 300.",
              "You'd pay £59 with Home 300.")  # fmt: skip
    swap = _swapped_and_kept(router, "Is the Mesh Router free?", "It's included at no cost with Home 300.", rights)
    assert swap == ("Home 300", "Home Gigabit")


def test_a_number_the_customer_gave_is_bound_to_nothing() -> None:
    plan = Passage(text="## Paying for a laptop in parts\n\nOur payment plans need 0% down and spread the price over "
                        "12 months. There is no fee for paying it off early.", doc_id="plans.md")  # fmt: skip
    evidence = _evidence(plan)
    question = "I'm putting 10% down on a $1,200 laptop. What will I pay each month?"
    claim = "Ten percent down is $120, which leaves $1,080 over 12 months."
    # The question's 10% written as a word is still the customer's number; asked nowhere, it reads as a
    # misquote of the evidence's 0% down.
    assert asked_numbers(claim, question) == [(0, 3)]
    assert unbound(claim, evidence, question=question, passages=[plan.text]) == []
    (swap,) = unbound(claim, evidence, question="What will I pay each month for a $1,200 laptop?", passages=[plan.text])
    assert (swap.claim_value, swap.evidence_value) == ("Ten percent", "0%")


def test_a_list_item_with_one_value_is_one_context() -> None:
    passes = Passage(text="## Day passes\n\n- $15 per visit, booked in the app a day ahead.\n"
                          "- $25 per visit, paid at the front desk when you arrive.", doc_id="passes.md")  # fmt: skip
    evidence = _evidence(passes)
    question = "How much is a pass?"
    # "paid at the front desk" belongs to the $25 item as much as "per visit" does: cut at its comma, the
    # item's own words counted half and the $15 claim was bound to nothing.
    (swap,) = unbound("$15, paid at the front desk.", evidence, question=question,
                      passages=[passes.text])  # fmt: skip
    assert (swap.claim_value, swap.evidence_value) == ("$15", "$25")
    assert unbound("$25, paid at the front desk.", evidence, question=question,
                   passages=[passes.text]) == []  # fmt: skip


def test_doing_what_the_evidence_says_not_to_do_is_prohibited() -> None:
    restart = Passage(text="## Restart your router\n\nUnplug the router, wait a minute, then plug it back in. Don't "
                           "hold the reset button: that wipes your Wi-Fi settings.\n\n- Never unscrew the back "
                           "panel.\n- Guest devices do not share the main password.", doc_id="restart.md")  # fmt: skip
    evidence = _evidence(restart)
    assert prohibited("Hold the reset button for 10 seconds, then wait for the lights.", evidence) is not None
    assert prohibited("If it still drops, unscrew the back panel and reseat the cable.", evidence) is not None
    for right in ("Unplug the router, wait a minute, then plug it back in.",
                  "Don't hold the reset button, or you'll lose your Wi-Fi settings.",
                  # "do not share" states a rule mid-sentence: it forbids the customer nothing.
                  "Guest devices share the main password once you approve them."):  # fmt: skip
        assert prohibited(right, evidence) is None, right


def test_explaining_a_prohibition_is_not_breaking_it() -> None:
    appeals = Passage(text="## Appealing a penalty fare\n\nYou can appeal within 21 days. Don't pay the penalty "
                           "fare if you're appealing: paying it counts as accepting it.",
                      doc_id="appeals.md")  # fmt: skip
    evidence = _evidence(appeals)
    # The imperative's own verb, told to the customer, breaks it.
    assert prohibited("Pay the penalty fare first, then appeal within 21 days.", evidence) is not None
    # The same words inflected explain the rule: nothing is told.
    assert prohibited("Hold off, because paying the penalty fare counts as accepting it.", evidence) is None


def test_stating_what_the_evidence_denies_in_its_own_words_is_denied() -> None:
    cards = Passage(text="## Loading a travel card\n\nYou can load season tickets and day passes onto a Metro "
                         "card. You can't load group tickets or bike passes onto a Metro card. A lost card isn't "
                         "replaced for free: a new card costs £3.", doc_id="cards.md")  # fmt: skip
    evidence = _evidence(cards)
    assert denied("Yes, you can load group tickets onto your Metro card.", evidence) is not None
    assert denied("A lost card is replaced for free at any station.", evidence) is not None
    for right in ("You can load season tickets onto your Metro card.",
                  "No, group tickets can't be loaded onto a Metro card.",
                  # "only" narrows rather than states: its truth is the judge's to read.
                  "Only season tickets and day passes load onto a Metro card, not group tickets."):  # fmt: skip
        assert denied(right, evidence) is None, right
    # Read once per request, the same answer.
    items = evidence_items(evidence, [cards.text])
    assert denied("Yes, you can load group tickets onto your Metro card.", evidence, items=items) is not None


def test_a_denial_of_another_subject_or_stated_elsewhere_is_not_denied() -> None:
    post = Passage(text="## Customs\n\nParcels from Leeds to Dublin don't need a customs form when sent by "
                        "Standard. You can't pay by cheque online, but you can pay by cheque at a branch.",
                   doc_id="customs.md")  # fmt: skip
    evidence = _evidence(post)
    # Named where the evidence names its subject: "Paris" is not "Leeds to Dublin".
    assert denied("Every parcel to Paris needs a customs form.", evidence) is None
    assert denied("Parcels from Leeds to Dublin need a customs form.", evidence) is not None
    # One clause denies what another states outright.
    assert denied("You can pay by cheque at any branch.", evidence) is None


RAILCARDS = [
    Passage(text="## Which railcards we accept\n\n| Railcard | Price |\n|---|---|\n| 16-25 Railcard | £35 a year |\n"
                 "| Senior Railcard | £35 a year |\n| Two Together Railcard | £35 a year |", doc_id="railcards.md"),
    Passage(text="## Time restrictions\n\n- 16-25 and 26-30 Railcards: a minimum fare of £12 before 10:00 on "
                 "weekdays.\n"
                 "- Two Together: not valid before 09:30 on Monday to Friday.\n"
                 "- Senior: no time restrictions.", doc_id="railcards.md"),
]  # fmt: skip


def test_a_name_written_short_without_its_category_word_is_the_same_name() -> None:
    question = "Can we use our two together railcard for an 8am train on a weekday?"
    claim = "No, the Two Together Railcard isn't valid before 09:30 on Monday to Friday."
    # "Two Together" and "Railcards" are the claim's name written short: "Railcard" ends two other names.
    assert _unbound(claim, RAILCARDS, question) == []
    # Another railcard's restriction given to this one is still another subject's: "Two Together" is no short
    # form of "Senior Railcard".
    wrong = "No, the Senior Railcard isn't valid before 09:30 on Monday to Friday."
    assert ("name", "Senior", "Two Together") in _unbound(wrong, RAILCARDS, question)


TOLLS = [
    Passage(text="## How tolls are charged\n\nWe charge tolls in one of two ways.\n\nPay as you go (standard). We "
                 "charge the tolls you used at the normal tag price, plus an admin fee of €3.50 per hire (not per "
                 "toll).\n\nUnlimited Toll Pass. Add it at booking or at the counter for €6 per day, up to €60 per "
                 "hire. It covers every toll road in the Republic of Ireland, with no admin fee.", doc_id="tolls.md"),
]  # fmt: skip


def test_what_a_claim_says_there_is_none_of_is_not_its_subject() -> None:
    question = "how much is the unlimited toll pass and can i add it after i've picked up the car"
    claim = "It's €6 a day, capped at €60 per hire, and it covers every toll road in the Republic with {} admin fee."
    assert _unbound(claim.format("no"), TOLLS, question) == []
    # Said to come with the admin fee, the pass's prices are bound to the fee's own amount.
    assert [u[:3] for u in _unbound(claim.format("an"), TOLLS, question)] == [
        ("number", "€6", "€3.50"), ("number", "€60", "€3.50")]


def test_clauses_and_negation_as_the_binding_and_channel_checks_read_them() -> None:
    assert clauses("Call us on 0800 555 0100; lines open 8am-8pm, Monday to Friday.") == [
        "Call us on 0800 555 0100",
        "lines open 8am-8pm",
        "Monday to Friday.",
    ]
    assert clauses("No commas here.") == ["No commas here."]
    for said in ("You can't cancel online", "There is no fee", "We never call you", "Cannot be refunded"):
        assert negated(said), said
    for said in ("Notice is given by email", "This is known", "Nobel prizes are noted"):
        assert not negated(said), said
