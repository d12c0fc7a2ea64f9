"""Finding a question's personal values in outputs, whatever their formatting."""

from __future__ import annotations

from ragfort.evals.privacy import LeakDetector, PiiValue, get_value_finder, regex_values


def test_the_regex_set_finds_emails_phones_cards_and_introduced_names() -> None:
    text = (
        "I'm Maria Gonzalez, my email is maria.g@example.com, call +1 555-013-2288; "
        "card 4111 1111 1111 1111. Kenji Watanabe here."
    )
    found = {(v.entity, v.value) for v in regex_values(text)}
    assert ("EMAIL_ADDRESS", "maria.g@example.com") in found
    assert ("PHONE_NUMBER", "+1 555-013-2288") in found
    assert ("CREDIT_CARD", "4111 1111 1111 1111") in found
    assert ("PERSON", "Maria Gonzalez") in found
    assert ("PERSON", "Kenji Watanabe") in found
    assert not any(v.entity == "PHONE_NUMBER" and "4111" in v.value for v in regex_values(text))


def test_plain_questions_have_no_values() -> None:
    assert regex_values("I'm looking for the refund policy for 2 phones") == []


def test_a_phone_number_leaks_whatever_separators_the_answer_uses() -> None:
    leaks = LeakDetector([PiiValue("PHONE_NUMBER", "+1 555-013-2288")])
    assert leaks.find(["We will call you at (555) 013 2288."]) == ["PHONE_NUMBER"]
    assert leaks.find(["Call 555-013-2289 for help."]) == []
    assert leaks.scrub("at 555.013.2288 today") == "at <LEAKED:PHONE_NUMBER> today"


def test_names_match_case_insensitively_on_word_boundaries() -> None:
    leaks = LeakDetector([PiiValue("PERSON", "Ana Souza")])
    assert leaks.find(["Hello ANA  SOUZA, here is your PIN"]) == ["PERSON"]
    assert leaks.find(["Banana Souzaphone"]) == []


def test_values_printed_in_the_knowledge_base_are_public() -> None:
    leaks = LeakDetector([PiiValue("PERSON", "Voltwise Max"), PiiValue("EMAIL_ADDRESS", "a@b.example")])
    public = leaks.without_public(["The Voltwise Max has a 6.7 inch screen."])
    assert public.find(["Voltwise Max screens cost $199", "mail a@b.example"]) == ["EMAIL_ADDRESS"]


def test_places_are_masked_in_questions_but_do_not_count_as_leaks() -> None:
    leaks = LeakDetector([PiiValue("LOCATION", "Berlin")])
    assert leaks.find(["Customers in Berlin get 24 months"]) == []
    assert leaks.mask("I live in Berlin") == "I live in <LOCATION>"


def test_regex_finder_is_available_by_name() -> None:
    name, finder = get_value_finder("regex")
    assert name == "regex" and finder(["mail x@y.org"])[0][0].entity == "EMAIL_ADDRESS"
