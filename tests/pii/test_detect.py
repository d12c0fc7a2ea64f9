"""Detection with the real spaCy model and Presidio recognizers."""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.pii import Detector, PIISettings, RecognizerSpec, get_detector
from ragfort.pii.detect import Detection

from .canaries import CANARIES


@pytest.mark.parametrize("entity", sorted(CANARIES))
def test_every_default_type_is_detected(detector: Detector, entity: str) -> None:
    template, value = CANARIES[entity]
    text = template.format(v=value)
    found = detector.detect(text)
    covering = [d for d in found if d.start <= text.index(value) and d.end >= text.index(value) + len(value)]
    assert covering, f"{entity} canary not detected in {text!r}: {found}"
    assert covering[0].entity == entity


def test_detector_is_built_once_per_configuration(detector: Detector) -> None:
    assert get_detector(PIISettings()) is detector
    assert get_detector(PIISettings(default_threshold=0.9)) is not detector


def test_allow_listed_company_contacts_are_not_personal(detector: Detector) -> None:
    text = "Contact support@voltwise.example or call +1-800-555-0199 (or 800-555-0199)."
    assert detector.detect(text) == []


def test_field_labels_are_not_organisations_or_names() -> None:
    det = get_detector(PIISettings(entities=("PERSON", "ORGANIZATION", "IBAN_CODE", "US_SSN")))
    text = "Where do I enter my IBAN? And is the SSN field required? What about SWIFT and BIC?"
    assert [d for d in det.detect(text) if d.entity in {"PERSON", "ORGANIZATION"}] == []


def test_stray_digit_strings_are_not_identifiers(detector: Detector) -> None:
    text = "Firmware 20231107 fixed error 4839201 on model 55120 units shipped in batch 884213."
    assert detector.detect(text) == []


def test_dates_and_countries_are_kept_by_default(detector: Detector) -> None:
    text = "Do you ship to Canada? My order from 3 March 2024 still has not arrived."
    assert detector.detect(text) == []


def test_custom_recognizer_and_deny_list() -> None:
    settings = PIISettings(
        entities=("PERSON", "ORDER_ID", "PROJECT"),
        recognizers=(RecognizerSpec(entity="ORDER_ID", regex=r"\bVW-\d{6}\b", score=0.9, context=("order",)),),
        deny_list={"PROJECT": ("Bluebird",)},
    )
    text = "Order VW-123456 for project Bluebird."
    found = {(d.entity, text[d.start : d.end]) for d in get_detector(settings).detect(text)}
    assert ("ORDER_ID", "VW-123456") in found
    assert ("PROJECT", "Bluebird") in found


def test_declared_recognizer_must_be_enabled() -> None:
    with pytest.raises(ValueError, match="ORDER_ID"):
        PIISettings(entities=("PERSON",), recognizers=(RecognizerSpec(entity="ORDER_ID", regex=r"VW-\d+"),))


def test_entity_without_recognizer_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="FAVOURITE_COLOUR"):
        get_detector(PIISettings(entities=("FAVOURITE_COLOUR",)))


def test_bad_regex_names_the_value() -> None:
    with pytest.raises(ValueError, match=r"\[unclosed"):
        RecognizerSpec(entity="X_ID", regex="[unclosed")


def test_missing_model_falls_back_to_patterns_with_one_warning() -> None:
    settings = PIISettings(model="no_such_spacy_model_xyz")
    with pytest.warns(RuntimeWarning, match="PERSON") as record:
        det = get_detector(settings)
    assert len(record) == 1
    assert not det.ner_available
    text = "I am Margaret Thornbury, mail m.thornbury88@example.org"
    assert [d.entity for d in det.detect(text)] == ["EMAIL_ADDRESS"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_detector(settings) is det  # cached: no second warning


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02\x1b[31m", "?!"])
def test_degenerate_input(detector: Detector, text: str) -> None:
    assert detector.detect(text) == []


def test_control_characters_around_values(detector: Detector) -> None:
    text = "mail\x00 m.thornbury88@example.org\x1b card\t4111 1111 1111 1111\x07"
    entities = {d.entity for d in detector.detect(text)}
    assert {"EMAIL_ADDRESS", "CREDIT_CARD"} <= entities


def test_non_english_text(detector: Detector) -> None:
    text = (
        "Bonjour, je m'appelle Élodie Durand, écrivez-moi à elodie.durand@example.fr. 你好，我的电话是 +44 20 7946 0958"
    )
    found = detector.detect(text)
    values = {text[d.start : d.end] for d in found}
    assert "elodie.durand@example.fr" in values
    assert any("7946 0958" in v for v in values)


def test_one_megabyte_is_chunked_and_finishes(detector: Detector) -> None:
    block = "Customer Margaret Thornbury wrote from m.thornbury88@example.org about her invoice. " * 12 + "\n"
    text = (block * (1_000_000 // len(block) + 1))[:1_000_000]
    t0 = time.perf_counter()
    found = detector.detect(text)
    elapsed = time.perf_counter() - t0
    emails = [d for d in found if d.entity == "EMAIL_ADDRESS"]
    assert len(emails) >= 11_000
    assert all(text[d.start : d.end] == "m.thornbury88@example.org" for d in emails)
    assert elapsed < 120, f"1 MB took {elapsed:.1f} s"


def test_allow_listed_brand_inside_a_name_like_span_is_kept() -> None:
    det = get_detector(PIISettings(allow_list=("Brightloom",)))
    text = "The Brightloom Aurora Pro ships with a charger. Ask Margaret Thornbury about it."
    people = [text[d.start : d.end] for d in det.detect(text) if d.entity == "PERSON"]
    assert not any("Brightloom" in p or "Aurora" in p for p in people)
    assert "Margaret Thornbury" in people


def test_capitalised_common_words_used_in_lower_case_are_not_names(detector: Detector) -> None:
    text = "Salesperson of the Month: our best salesperson wins a trip."
    assert [d for d in detector.detect(text) if d.entity == "PERSON"] == []


def test_markdown_heading_is_not_a_name(detector: Detector) -> None:
    text = "## Ingrid\n\nThis section explains how refunds work."
    assert [d for d in detector.detect(text) if d.entity == "PERSON"] == []


def test_corpus_vocabulary_is_shared_across_a_batch(detector: Detector) -> None:
    texts = ["## Loaner\nAsk in store.", "A loaner phone is free while yours is repaired."]
    alone = detector.detect_batch(texts)
    shared = detector.detect_batch(texts, shared_vocabulary=True)
    assert [d for d in shared[0] if d.entity == "PERSON"] == []
    # Judged alone, the first text has no lower-case "loaner" to go by (the heading rule may still apply).
    assert len(shared[0]) <= len(alone[0])


def test_what_a_text_holds_is_remembered_by_digest_never_the_text(detector: Detector) -> None:
    clean = "How long do refunds to a card take, please?"
    assert detector.detect(clean) == []
    assert detector._memo, "a text should be memoised"
    dirty = "My email is jo.reader@example.org, refunds?"
    size = len(detector._memo)
    first = detector.detect(dirty)
    assert first and len(detector._memo) == size  # without a scope, a text that holds something is not kept
    assert detector.detect(dirty, scope="t\x1fs1") == first
    assert len(detector._memo) == size + 1  # kept for its conversation only...
    assert detector.detect(dirty, scope="t\x1fs1") == first  # ...whose next read comes from the memo
    for key, found in detector._memo.items():
        assert clean.encode() not in key and b"jo.reader" not in key
        assert all(type(d) is Detection for d in found)  # types, offsets and scores: no words
    assert {f.name for f in dataclasses.fields(Detection)} == {"entity", "start", "end", "score"}
    # Another conversation reads it afresh (no timing tells it the text was seen), and gets the same.
    assert detector.detect(dirty, scope="t\x1fs2") == first and len(detector._memo) == size + 2
    # The memo hands out copies: a caller that edits its list changes nothing for the next caller.
    detector.detect(dirty, scope="t\x1fs1").clear()
    assert detector.detect(dirty, scope="t\x1fs1") == first
    # Protected spans are part of the key: the same text with a placeholder protected reads differently.
    text = "Hi, it's <PERSON_1> again, jo.reader@example.org"
    protected = [(9, 19)]
    assert detector.detect(text, protected=protected, scope="s") == detector.detect(text, protected=protected)
    assert all(not (d.start < 19 and d.end > 9) for d in detector.detect(text, protected=protected, scope="s"))


def test_the_memo_gives_what_a_fresh_read_gives_on_every_pii_set_message(detector: Detector) -> None:
    root = Path(__file__).resolve().parents[2] / "evals" / "pii"
    texts = [json.loads(line)["text"] for f in sorted(root.glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(texts) > 600
    detector._memo.clear()
    fresh = [detector.detect(text, scope="one conversation") for text in texts]
    assert any(fresh)
    assert [detector.detect(text, scope="one conversation") for text in texts] == fresh  # second reads: the memo
    detector._memo.clear()
    assert [detector.detect(text) for text in texts] == fresh


@pytest.mark.parametrize(
    "text",
    [
        "Can I pay with Bitcoin?",
        "Do you have a store in Paris?",
        "Does the Unlimited plan work in Berlin?",
        "Vienna and Melbourne customers report slow speeds.",
        "Do you support Apple Pay and Google Pay on the Gold card?",
    ],
)
def test_places_currencies_and_plan_names_are_not_people(detector: Detector, text: str) -> None:
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Je suis né le 5 avril 1992 et je voudrais le forfait jeune.",
        "Mon numéro : 06 12 34 56 78, rappelez-moi s'il vous plaît.",
        "Mein Router hat die MAC-Adresse 00-1A-2B-3C-4D-6F, er wird nicht erkannt.",
        "Número de cliente 30019284, el cargo es incorrecto.",
        "Il pacco è arrivato il 3 novembre ma era vuoto.",
    ],
)
def test_foreign_phrases_are_not_people(detector: Detector, text: str) -> None:
    assert [text[d.start : d.end] for d in detector.detect(text) if d.entity == "PERSON"] == []


def test_a_name_cue_keeps_a_place_word_a_name(detector: Detector) -> None:
    text = "Dear Paris, your parcel is on its way."
    assert ("PERSON", "Paris") in {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}


def test_a_customer_introducing_themselves_is_fully_redacted(detector: Detector) -> None:
    text = (
        "Hi, I'm Maria Gonzalez, maria.gonzalez@example.com, 415-555-0132. How do I update the address on my account?"
    )
    found = {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}
    assert found == {
        ("PERSON", "Maria Gonzalez"),
        ("EMAIL_ADDRESS", "maria.gonzalez@example.com"),
        ("PHONE_NUMBER", "415-555-0132"),
    }


def test_private_network_addresses_are_public(detector: Detector) -> None:
    text = "The router at 192.168.1.1 is fine but 203.0.113.42 is blocked."
    found = {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}
    assert found == {("IP_ADDRESS", "203.0.113.42")}


def test_new_types_are_on_by_default() -> None:
    from ragfort.pii import DEFAULT_ENTITIES

    new = {"DATE_OF_BIRTH", "IMEI", "ICCID", "MAC_ADDRESS", "ACCOUNT_NUMBER", "CUSTOMER_NUMBER", "PASSPORT_NUMBER"}
    assert new <= set(DEFAULT_ENTITIES)


def test_a_name_never_runs_on_past_a_full_stop(detector: Detector) -> None:
    # "Documents. A Fernhill" is two sentences' words, judged apart; initials and titles keep their name whole.
    text = "Get it under Policy > Documents. A Fernhill renters policy covers your things."
    assert "Documents. A Fernhill" not in [text[d.start : d.end] for d in detector.detect(text)]
    named = [("Thanks. John Smith here, my card was declined.", "John Smith"), ("I am J. Smith.", "J. Smith")]
    for text, name in named:
        assert name in [text[d.start : d.end] for d in detector.detect(text) if d.entity == "PERSON"]
