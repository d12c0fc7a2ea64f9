"""The veto on PERSON spans that are places, brands, plan names or not written like names."""

from __future__ import annotations

import pytest

from ragfort.pii.gazetteer import not_a_person


def _veto(text: str, span: str) -> bool:
    start = text.index(span)
    return not_a_person(text, start, start + len(span))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Do you have a store in Paris?", "Paris"),
        ("Can I pay with Bitcoin?", "Bitcoin"),
        ("Does Unlimited include roaming?", "Unlimited"),
        ("Is 5G live in New York?", "New York"),
        ("Je suis né le 5 avril.", "Je suis né le"),
        ("Número de cliente 30019284", "Número de"),
        ("Mein Router ist kaputt.", "Mein Router"),
        ("Il pacco è arrivato.", "Il pacco"),
        ("We deliver parcel items to Puerto Rico.", "Rico"),  # the model's half of a listed place
        ("do you deliver to puerto rico", "rico"),
        ("Not to the US Virgin Islands or the Northern Mariana Islands.", "Mariana Islands"),
        ("what about the Isle of Skye", "Skye"),  # an island's name follows "Isle of"
        ("the Isle of Man or the Channel Islands", "Man"),
        ("Mon-Sat 10am-7pm, Sun 11am-5pm", "Sun"),  # a weekday in a schedule
        ("Open Mon-Fri 9am-5pm and Sun 10am-4pm.", "Sun"),
        # Towns and regions customers move to or travel to (session 38), and a run of them.
        ("We're moving into a flat in Dorchester next month.", "Dorchester"),
        ("are there any preferred shops in Boise Idaho?", "Boise Idaho"),
        ("We'd love to take the car across to Inis Mór for a day.", "Inis Mór"),
        # A nationality, even after "I'm".
        ("I'm Canadian, do I need an ETA to fly to London?", "Canadian"),
        ("Do you accept Irish national ID cards?", "Irish"),
    ],
)
def test_vetoed(text: str, span: str) -> None:
    assert _veto(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Dear Paris, thanks for writing.", "Paris"),  # a name cue
        ("Hi, I'm Sydney and my line is down.", "Sydney"),
        ("Paris Hilton called.", "Paris Hilton"),  # only whole spans are compared
        ("Ana van Dijk wrote again.", "Ana van Dijk"),  # particles may be lower case
        ("my name is ana lopez", "ana lopez"),  # an all-lower-case message
        ("Hello, my name is ana lopez.", "ana lopez"),  # a lower-case cue
        ("Please ask Jordan to call back.", "Jordan"),  # left out of the gazetteer on purpose
        ("Charlotte called twice about the bill.", "Charlotte"),  # a city, but more often a person
        ("Thanks, Rico", "Rico"),  # no place before it
        ("Ask for Sun at the front desk", "Sun"),  # no schedule beside it
        ("Hi, I'm Sun Li and my order is late", "Sun Li"),
        ("Hi, it's Sun, 10 minutes late", "Sun"),  # a name cue wins over the digit after it
        ("Hi, I'm Skye Morgan from the Isle of Wight", "Skye Morgan"),
        # Places that are also given names or common surnames stay people alone; a cue keeps a listed one.
        ("Can Austin pick up my order?", "Austin"),
        ("Can Hamilton pick up my order?", "Hamilton"),
        ("My name is Exeter and I need help", "Exeter"),
        ("My name is Irish and I need help", "Irish"),  # a nationality introduced as a name
    ],
)
def test_kept(text: str, span: str) -> None:
    assert not _veto(text, span)


@pytest.mark.parametrize(
    ("text", "name", "cued"),
    [
        ("Hi, I'm Kerry and I was charged twice", "Kerry", True),
        ("my name is ana", "ana", True),
        ("Thanks, Max", "Max", True),
        ("my daughter Amara wants a phone", "Amara", True),
        ("can i collect the car at kerry airport", "kerry", False),
        ("we adopted a puppy named biscuit", "biscuit", True),
        ("is there a fee if he's a named driver", "driver", False),  # "named" as an adjective
        ("can my wife be added as a second named insured?", "insured", False),
    ],
)
def test_named_before_reads_the_cue_right_before_a_span(text: str, name: str, cued: bool) -> None:
    from ragfort.pii.gazetteer import named_before

    assert named_before(text, text.index(name)) is cued


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Hi! Sorry if this is a silly question, but can I cancel?", "Sorry"),
        ("How do I get Mum's Fixed Saver closed early?", "Mum"),
        ("Dad had a joint account with me", "Dad"),
    ],
)
def test_an_apology_or_a_kin_word_alone_names_no_one(text: str, span: str) -> None:
    from ragfort.pii.gazetteer import not_a_person

    start = text.index(span)
    assert not_a_person(text, start, start + len(span))


def test_a_name_beside_a_kin_word_is_still_a_person() -> None:
    from ragfort.pii.gazetteer import not_a_person

    text = "My mum Margaret Thornbury has an account too"
    start = text.index("Margaret Thornbury")
    assert not not_a_person(text, start, start + len("Margaret Thornbury"))


@pytest.mark.parametrize(
    ("text", "span", "abbreviation"),
    [
        ("is there a max size? its a pretty massive case", "max size", True),
        ("max labels per order", "max labels per order", True),
        ("starter api keys max", "keys max", True),
        ("the train was 35 min late", "min late", True),
        ("can max use my account", "max", False),  # a person typed in lower case, no measure after
        ("Max size is 20 kg", "Max", False),  # capitalised: left to the other rules
    ],
)
def test_max_and_min_typed_short_are_no_one(text: str, span: str, abbreviation: bool) -> None:
    from ragfort.pii.gazetteer import _limit_abbreviation

    start = text.index(span)
    assert _limit_abbreviation(text, start, start + len(span), span.split()) is abbreviation


@pytest.mark.parametrize(
    ("text", "span", "everyday"),
    [
        ("who counts as an insured on the policy", "insured", True),
        ("will i be charged for tiny scratches on the car", "tiny scratches", False),  # "Tiny" is a census name
        ("can my account manager change the plan", "account manager", True),
        ("hi im john smith and my bill is wrong", "john smith", False),  # a given name
        ("my name is ana", "ana", False),  # a name cue
        ("Will I be charged for Tiny Scratches?", "Tiny Scratches", False),  # capitalised: left to the other rules
        ("ask zorbix about my refund", "zorbix", False),  # no English word
    ],
)
def test_everyday_english_typed_in_lower_case_is_no_one(text: str, span: str, everyday: bool) -> None:
    from ragfort.pii.gazetteer import _everyday_words

    assert _everyday_words(text, text.index(span), span.split()) is everyday
