"""Question features for the near-miss check: what each rule extracts, kept as hashes, and their JSON form."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from ragfort.cache.features import READING, QuestionFeatures, StaleFeatures, question_features

HASH = re.compile(r"^[0-9a-f]{16}$")


def test_quantities_compare_by_value_and_unit() -> None:
    f = question_features
    assert f("Is there a 10gb plan?").numbers == f("Is there a 10 GB plan?").numbers  # glued or spaced, any case
    assert f("Is there a 10 GB plan?").numbers != f("Is there a 10 MB plan?").numbers
    assert f("Is it $5 a month?").numbers == f("Is it 5 dollars a month?").numbers
    assert f("Are 1,000 minutes included?").numbers == f("Are 1000 minutes included?").numbers
    days, weeks = f("Can I cancel within 5 days?"), f("Can I cancel within 5 weeks?")
    assert days.number_values == weeks.number_values and days.numbers != weeks.numbers
    assert f("What is the first step?").numbers != f("What is the second step?").numbers  # ordinals count
    assert f("How do I set up 2fa?").numbers == frozenset()  # a glued word that is no unit is not a quantity


def test_negations_are_counted_and_negating_prefixes_noted() -> None:
    assert [question_features(q).negations for q in ("Can I return it?", "Can't I return it?", "No, I never did")] == [
        0, 1, 2,
    ]  # fmt: skip
    assert question_features("Is the unopened box returnable?").negated_stems
    assert not question_features("Is the opened box returnable?").negated_stems


@pytest.mark.parametrize(
    ("question", "direction"),
    [
        ("How do I turn roaming on?", "switch|on"),
        ("How do I turn roaming off?", "switch|off"),
        ("Can I disable call forwarding?", "switch|off"),
        ("How do I upgrade my plan?", "grade|up"),
        ("How do I downgrade my plan?", "grade|down"),
        ("Can I withdraw my deposit?", "money|out"),
    ],
)
def test_direction_words_put_a_question_at_one_pole(question: str, direction: str) -> None:
    assert direction in question_features(question).directions


def test_from_and_to_keep_their_roles() -> None:
    there = question_features("Can I move my number from Voltwise to Acme?")
    back = question_features("Can I move my number from Acme to Voltwise?")
    assert there.moved_from and there.moved_to and there.moved_from != there.moved_to
    assert (there.moved_from, there.moved_to) == (back.moved_to, back.moved_from)
    assert question_features("Is it possible to get a refund?").moved_to == frozenset()  # an infinitive, no place
    assert question_features("Can I change the plan for my daughter?").target


def test_names_are_entities_but_the_first_word_is_not() -> None:
    assert question_features("Returns are free?").entities == frozenset()
    pro, lite = question_features("What does the Acme Pro weigh?"), question_features("What does the Acme Lite weigh?")
    assert len(pro.entities) == 2 and pro.entities & lite.entities and pro.entities != lite.entities
    assert question_features("Does the iPhone work?").entities  # mixed case marks a name too


def test_scopes_and_the_kind_of_answer_asked_for() -> None:
    f = question_features("How much does it cost for my kid to use a phone abroad?")
    assert f.scopes == {"party|child", "item|device", "region|abroad"}
    assert f.asks == {"cost"}
    assert question_features("How long does shipping take?").asks == {"time"}
    assert question_features("How do I reset my router?").asks == {"steps"}
    assert question_features("Why was I charged twice?").asks >= {"reason"}
    # A fine or a penalty is a cost: "how long do bans last" / "whats the fine for breaking one" ask two things.
    assert question_features("whats the fine for breaking a hosepipe ban").asks == {"cost"}
    assert question_features("Is there a penalty for leaving early?").asks == {"cost"}


def test_courtesy_around_a_question_is_not_part_of_it() -> None:
    plain = question_features("how long do refunds take?")
    for polite in (
        "Hi team, how long do refunds take?",
        "Hello there! how long do refunds take? Thanks in advance!",
        "Could you please tell me how long do refunds take?",
        "I was wondering, how long do refunds take? Cheers",
        "Hi, quick question please: how long do refunds take? Many thanks",
        "Good evening, I hope you can help. How long do refunds take?",
        "Would you mind telling me how long do refunds take?",
        "Would you be so kind as to tell me how long do refunds take? Thank you",
    ):
        assert question_features(polite) == plain, polite
    # "Would you mind if ...?" asks permission: no courtesy frame to drop.
    assert question_features("Would you mind if I paid by card?") != question_features("I paid by card?")
    assert question_features("Thank you!").content  # nothing but courtesy: kept as it is


def test_features_are_hashes_and_round_trip_through_json() -> None:
    f = question_features("Can I move 10 GB from my Voltwise plan to my daughter's tablet, not abroad?")
    data = json.loads(json.dumps(f.to_json()))
    assert QuestionFeatures.from_json(data) == f
    plain = {"reading", "negations", "directions", "scopes", "asks", "opening", "actions"}
    hashed = [v for name, values in data.items() if name not in plain for v in values]
    assert hashed and all(HASH.match(v) for v in hashed)
    assert data["negations"] == 1
    # An action's class is plain (a fixed vocabulary), its object hashed: "move" my 10 GB.
    assert data["actions"] and all(re.fullmatch(r"move\|([0-9a-f]{16})?", v) for v in data["actions"])


@pytest.mark.parametrize(
    "change",
    [{"negations": "1"}, {"content": 5}, {"numbers": None}],
    ids=["negations-text", "content-int", "numbers-null"],
)
def test_malformed_json_features_are_a_value_error(change: dict[str, object]) -> None:
    data = question_features("How long do refunds take?").to_json() | change
    with pytest.raises(ValueError, match="malformed question features"):
        QuestionFeatures.from_json(data)
    del data["asks"]
    with pytest.raises(ValueError, match="malformed question features"):
        QuestionFeatures.from_json(data)


def test_a_capitalised_word_opening_a_later_sentence_is_not_a_name() -> None:
    two_sentences = question_features("I am moving abroad. Can I keep my number?")
    one_sentence = question_features("Can I keep my number if I move abroad?")
    assert two_sentences.entities == one_sentence.entities == frozenset()
    # A name inside a sentence still counts, after a full stop too.
    assert question_features("I am moving. Can Northbeam keep my number?").entities


def test_quick_question_and_could_you_explain_are_courtesy() -> None:
    assert question_features("Quick question: how do I add a line?") == question_features("how do I add a line?")
    assert question_features("Hey, quick one: how do I add a line?") == question_features("how do I add a line?")
    assert question_features("Could you explain how to add a line?") == question_features("how to add a line?")


def test_questions_as_people_type_them_read_as_meant() -> None:
    f = question_features
    # Chat words and contractions typed without their apostrophe.
    assert f("wat are ur web chat hours").content == f("What are your web chat hours?").content
    assert f("do u bulk bill").content == f("Do you bulk bill?").content
    assert f("why dont my card work").negations == f("why doesn't my card work").negations == 1
    assert f("Can I upload a photo ID?").content != f("Can I upload a photo?").content  # "id" is no "i'd"
    # More courtesy: a dash after a greeting or thanks, "kindly", a trailing "appreciate it".
    plain = f("when is my card charged?")
    for polite in (
        "Thanks in advance - when is my card charged?",
        "Good morning, would you kindly let me know when my card gets charged?",
        "When is my card charged? Appreciate it",
        "when is my card charged? Much appreciated!",
    ):
        assert (f(polite).content, f(polite).numbers, f(polite).negations) == (plain.content, frozenset(), 0), polite
    assert f("Hi-fi speakers in store?").content != f("speakers in store?").content  # no dash after a space
    # "last" the verb and "once" the conjunction are no numbers; the ordinal and the count still are.
    assert f("How long does an export link last?").numbers == frozenset()
    assert f("How long does the link last on Enterprise?").numbers == frozenset()
    assert f("When is my last bill?").numbers == f("When is my final bill, the last one?").numbers != frozenset()
    assert f("What happens once it's fixed?").numbers == frozenset()
    assert f("Can I change it more than once?").numbers == f("Can I change it once a month?").numbers != frozenset()


def test_inflections_of_one_word_meet() -> None:
    f = question_features
    assert f("Is my device covered?").content == f("Are my devices covered?").content  # -es against a final e
    assert f("How do I update it?").content == f("Is it updated?").content == f("Is it updating?").content
    assert f("Can I disable it?").content == f("Is it disabled?").content
    assert f("Is it returnable?").content == f("Can I return it?").content


def test_the_feature_hashes_are_keyed_by_reading_and_the_reading_is_stored() -> None:
    # Entries stored under an older reading (v6, before session 17's courtesy frames) never meet this one.
    v6 = hashlib.blake2b(b"word\x1frefund", digest_size=8, key=b"ragfort-cache-features-v6").hexdigest()
    features = question_features("When will my refund arrive?")
    assert features.content and v6 not in features.content
    assert READING == 9 and features.to_json()["reading"] == 9
    assert features.to_json()["opening"] == ["time"]


@pytest.mark.parametrize("reading", [None, 4, "5"])
def test_features_of_another_reading_are_stale(reading: object) -> None:
    data = question_features("When will my refund arrive?").to_json()
    data.pop("reading")
    if reading is not None:
        data["reading"] = reading
    with pytest.raises(StaleFeatures):
        QuestionFeatures.from_json(data)
