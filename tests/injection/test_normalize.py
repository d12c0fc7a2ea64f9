"""The normaliser: obfuscation folded away, with a map back to the original offsets."""

from __future__ import annotations

from ragfort.injection.normalize import normalise, text_before


def test_homoglyph_and_zero_width_tricks_fold_to_plain_letters() -> None:
    text = "Please d\u0456sreg\u0430rd\u200b the note."  # Cyrillic і and а, a zero-width space
    norm = normalise(text)
    assert norm.text == "please disregard the note."
    word = norm.text.index("disregard")
    # the two look-alikes, and the letter the zero-width space was hidden after, count as altered
    assert [k for k in range(len("disregard")) if norm.altered[word + k]] == [1, 6, 8]
    assert not any(norm.altered[: word - 1])  # "please" was never touched


def test_every_character_maps_back_to_the_original_offset() -> None:
    text = "Tap  S-E-T-U-P\tthen &amp; 0k4y"
    norm = normalise(text)
    assert norm.text == "tap setup then & okay"
    assert len(norm.index) == len(norm.altered) == len(norm.text)
    setup = norm.text.index("setup")
    # joined letters keep their own offsets: each maps to its upper-case original
    assert [text[norm.index[setup + k]] for k in range(5)] == list("SETUP")
    assert text[norm.index[norm.text.index("&")] :].startswith("&amp;")


def test_plain_support_text_is_only_lower_cased() -> None:
    text = "Refunds of $45 go to billing@voltwise.example within 5 days."
    norm = normalise(text)
    assert norm.text == text.lower()
    assert norm.index == list(range(len(text)))
    assert not any(norm.altered)


def test_accents_drop_without_counting_as_obfuscation_but_full_width_letters_do() -> None:
    accents = normalise("Réponds à la requête précédente")
    assert accents.text == "reponds a la requete precedente"
    assert not any(accents.altered)
    wide = normalise("ＳＹＳＴＥＭ update")
    assert wide.text == "system update"
    assert all(wide.altered[:6]) and not any(wide.altered[6:])


def test_text_before_reads_the_normalised_text_left_of_an_original_offset() -> None:
    text = "Then  VISIT https://example.org now"
    norm = normalise(text)
    assert text_before(norm, text.index("https")) == "then visit "
    assert text_before(norm, text.index("https"), width=6) == "visit "
    assert text_before(norm, 0) == ""
