"""Sentence spans: exact offsets, no markup, robust to abbreviations, decimals, lists and tables."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragfort.text import (
    CONTRACTIONS,
    normalize_question,
    pair_key,
    plain_quotes,
    search_text,
    sentence_spans,
    sentences,
    word_pairs,
    words,
)


def test_abbreviations_decimals_initials_and_lists() -> None:
    text = (
        "Plans cost $5.50 a month, e.g. the Lite plan. Call Dr. J. Smith at 2 p.m. today! It uses USB-C. "
        "Done.\n- Item one\n- Item two"
    )
    assert sentences(text) == [
        "Plans cost $5.50 a month, e.g. the Lite plan.",
        "Call Dr. J. Smith at 2 p.m. today!",
        "It uses USB-C.",
        "Done.",
        "Item one",
        "Item two",
    ]


def test_headings_and_table_rows_are_their_own_sentences() -> None:
    text = "## Fees\n\n| Plan | Price |\n|---|---|\n| Lite | $10 |\nMore text here."
    assert sentences(text) == ["Fees", "Plan | Price", "Lite | $10", "More text here."]


def test_numbered_list_markers_are_not_part_of_the_sentence() -> None:
    assert sentences("1. Open Settings.\n2. Tap Mobile.") == ["Open Settings.", "Tap Mobile."]


def test_empty_and_punctuation_only_text_has_no_sentences() -> None:
    assert sentence_spans("") == [] and sentence_spans(" \n - . ") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_spans_are_ordered_trimmed_slices_of_any_text(text: str) -> None:
    prev = 0
    for s, e in sentence_spans(text):
        assert prev <= s < e <= len(text)
        piece = text[s:e]
        assert piece == piece.strip() and any(ch.isalnum() for ch in piece)
        prev = e


def test_normalize_question_folds_case_space_and_trailing_punctuation() -> None:
    assert normalize_question("  How do I  turn roaming ON?? ") == "how do i turn roaming on"


@pytest.mark.parametrize(
    ("redacted", "searched"),
    [
        (
            "Hi, I'm <PERSON_1>, <EMAIL_ADDRESS_1>, <PHONE_NUMBER_1>. How do I update the address on my account?",
            "How do I update the address on my account?",
        ),
        ("How long? My account number is <ACCOUNT_NUMBER_D1a2b3c4d> and my e-mail is <EMAIL_ADDRESS_1>.", "How long?"),
        ("Order <ORDER_ID_1>, placed by <PERSON_1>: Is there a restocking fee?", "Is there a restocking fee?"),
        ("Can I return them? You can reach me on <PHONE_NUMBER_1>. Thanks, <PERSON_1>", "Can I return them?"),
        ("Is my IMEI <IMEI_1> blocked?", "Is my IMEI blocked?"),
        ("Can <PERSON_1> pick up my order?", "Can pick up my order?"),
        ("Hi, how do refunds work?", "Hi, how do refunds work?"),  # no placeholder: untouched
        ("<PERSON_1>", "<PERSON_1>"),  # nothing else to search on
    ],
)
def test_search_text_drops_placeholders_and_the_words_that_introduced_them(redacted: str, searched: str) -> None:
    assert search_text(redacted) == searched


def test_plain_quotes_writes_typographic_apostrophes_and_quotes_in_ascii_one_for_one() -> None:
    written = "We can’t refund ‘Flex’ fares; the “Saver” one isn’t ＇changeable＇ „at all‟ ʼtilʼ ‛then."
    plain = plain_quotes(written)
    assert plain == "We can't refund 'Flex' fares; the \"Saver\" one isn't 'changeable' \"at all\" 'til' 'then."
    assert len(plain) == len(written)
    assert plain_quotes(plain) == plain
    assert plain_quotes("") == ""


def test_questions_read_the_same_whatever_their_apostrophes() -> None:
    assert normalize_question("What’s the fee?") == normalize_question("what's the fee") == "what's the fee"
    assert search_text("Can’t I pay by card?") == "Can't I pay by card?"
    assert search_text("Hi, I’m <PERSON_1>. What’s the fee?") == search_text("Hi, I'm <PERSON_1>. What's the fee?")


def test_word_pairs_are_neighbours_read_in_lower_case_without_a_plural_s() -> None:
    pairs = word_pairs("Voltwise One phones ship free. Smart-watch straps too!")
    assert pair_key("voltwise", "one") in pairs and pair_key("One", "Phone") in pairs  # case, plural "s"
    assert pair_key("smart", "watch") in pairs and pair_key("free", "smart") in pairs  # across a sentence end too
    assert pair_key("one", "voltwise") not in pairs and pair_key("voltwise", "watch") not in pairs  # order counts
    assert pair_key("its", "bus") != pair_key("it", "bus")  # a three-letter word keeps its "s"
    assert word_pairs("one") == set() and word_pairs("") == set()


def test_words_are_lower_case_with_inner_apostrophes_read_plainly() -> None:
    assert words("Can’t pay? CAN'T log in, 5G or e-SIM") == {"can't", "pay", "log", "in", "g", "or", "e", "sim"}
    assert words("") == set()


def test_contractions_typed_without_an_apostrophe_are_read_with_it() -> None:
    assert CONTRACTIONS["dont"] == "don't" and CONTRACTIONS["hasnt"] == "hasn't"
    assert all(typed == written.replace("'", "") for typed, written in CONTRACTIONS.items())
    assert "id" not in CONTRACTIONS  # typed so, it is "ID"


def test_proper_words_are_capitalised_inside_a_sentence_not_at_its_start_or_in_headings() -> None:
    from ragfort.text import proper_words

    text = (
        "# Gift Cards And Returns\n\nGift cards never expire. Buy one at any Brightwater store or ask for a Railcard."
    )
    found = proper_words(text)
    assert {"brightwater", "railcard"} <= found
    assert "gift" not in found  # a sentence start, and a heading
    assert "cards" not in found and "returns" not in found


def test_corpus_vocabulary_pools_words_pairs_and_names_of_every_text() -> None:
    from ragfort.text import corpus_vocabulary, pair_key

    found = corpus_vocabulary(["Cover Max halves the excess.", "Ask at any Brightwater branch."])
    assert {"cover", "max", "brightwater"} <= set(found.words)
    assert pair_key("cover", "max") in found.pairs and pair_key("max", "ask") not in found.pairs
    assert set(found.proper) == {"max", "brightwater"}  # "Cover" and "Ask" open their sentences


def test_compounds_are_letters_joined_by_hyphens_in_lower_case() -> None:
    from ragfort.text import compounds, corpus_vocabulary

    text = "Check-in opens at 3pm; free Wi‑Fi and Wi-Fi. File a W-2 for 24-hour cover - well, re-check-in."
    assert compounds(text) == {"check-in", "wi-fi", "re-check-in"}  # not "W-2", "24-hour" or a spaced dash
    assert set(corpus_vocabulary(["Drop-off is free.", "Pick-up too."]).compounds) == {"drop-off", "pick-up"}


def test_printed_contacts_reads_phone_digits_in_any_grouping_and_e_mail_addresses() -> None:
    from ragfort.text import contact_key, printed_contacts

    text = "Call 0345 712 3400 24 hours a day, +1 (888) 555-0190 abroad, or e-mail Billing@Quillstack.com. It's £12.50."
    found = printed_contacts(text)
    assert {"03457123400", "18885550190", "billing@quillstack.com"} <= found  # beside "24" too
    assert "1250" not in found and not any(len(k) < 7 for k in found if "@" not in k)
    assert contact_key("PHONE_NUMBER", "0345-712-3400") == "03457123400"
    assert contact_key("EMAIL_ADDRESS", "billing@QuillStack.com.") == "billing@quillstack.com"
    assert contact_key("PHONE_NUMBER", "12 34") is None and contact_key("PERSON", "Max") is None


def test_corpus_vocabulary_reads_contact_points_of_public_texts_only() -> None:
    from ragfort.text import corpus_vocabulary

    public, private = "Call 0800 555 0199.", "Customer asked for a call on 07700 900123."
    found = corpus_vocabulary([public, private], public=[public])
    assert set(found.contacts) == {"08005550199", "0800555", "5550199"}
    assert {"customer", "call"} <= set(found.words)


def test_accents_are_folded_one_character_for_one_before_words_are_read() -> None:
    from ragfort.text import fold_accents, pair_key, proper_words, word_pairs, words

    for text in ["Ostara Gràcia", "São Paulo, Zürich, Málaga", "Reclamações", "Straße ﬁnal ×2", "plain"]:
        assert len(fold_accents(text)) == len(text)
    assert fold_accents("São Paulo, Zürich, Málaga") == "Sao Paulo, Zurich, Malaga"
    assert fold_accents("Straße") == "Straße"  # no one base letter: kept
    assert words("Ostara Gràcia’s garage") == {"ostara", "gracia's", "garage"}
    pairs = word_pairs("at Ostara Gràcia")
    assert pair_key("Ostara", "Gràcia") in pairs and pair_key("ostara", "gracia") in pairs
    assert "gracia" in proper_words("Parking at Ostara Gràcia is free.")
