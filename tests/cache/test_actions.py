"""Action verbs: their class of action, their object, and the words that are nouns or light verbs instead."""

from __future__ import annotations

import pytest

from ragfort.cache.actions import Action, actions
from ragfort.cache.features import question_features


def _kinds(question: str) -> set[str]:
    return {label.partition("|")[0] for label in question_features(question).actions}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How do I view my PIN?", "inspect"),
        ("Where can I check the balance of my gift card?", "inspect"),
        ("Can I look up my order history?", "inspect"),
        ("How do I update my billing address?", "modify"),
        ("I want to reset my voicemail password", "modify"),
        ("How do I cancel my subscription?", "end"),
        ("Can I close my savings account online?", "end"),
        ("How do I apply for a credit card?", "create"),
        ("Can I set up autopay?", "create"),
        ("How can I send money to a friend?", "move"),
        ("How do I return my headphones?", "return"),
        ("How do I send my old laptop back?", "return"),
        ("Can I freeze my card?", "hold"),
        ("How do I unlock my account?", "release"),
    ],
)
def test_action_verbs_are_read_by_class(question: str, kind: str) -> None:
    assert _kinds(question) == {kind}


def test_synonyms_of_one_class_are_one_action_on_one_object() -> None:
    f = question_features
    assert f("How do I update my address?").actions == f("How do I change my address?").actions
    assert f("Can I cancel my order?").actions == f("Can I stop my order?").actions
    assert f("Can I cancel my order?").actions != f("Can I cancel my plan?").actions  # another object


@pytest.mark.parametrize(
    "question",
    [
        "Where is my order?",  # a noun after "my"
        "Can I install a software update over mobile data?",  # a noun after "software"
        "account pin change",  # a terse query: nouns
        "How do I get a refund?",  # a light verb names no class
        "Does Number Lock stay on after a change of plan?",
    ],
)
def test_nouns_and_light_verbs_are_no_action(question: str) -> None:
    assert question_features(question).actions == frozenset()


def _read(question: str, breaks_before: tuple[int, ...] = ()) -> list[Action]:
    tokens = question.lower().split()
    breaks = [i in breaks_before for i in range(len(tokens))]
    return actions(tokens, breaks, stem=lambda w: w, stop=frozenset(["at", "is", "it", "the"]), number=str.isdigit)


def test_the_object_is_the_first_content_words_after_determiners_and_numbers() -> None:
    assert _read("can i change my 4 digit pin at the branch") == [Action("modify", ("digit", "pin"))]
    assert _read("how do i apply for a loan") == [Action("create", ("loan",))]  # a preposition leads to it
    assert _read("how do i stop it") == [Action("end", ())]  # a pronoun: no object word


def test_a_clause_end_ends_the_object_and_hides_the_particle() -> None:
    # "set up, then pay my bill": the comma parts "up" from "set" (no action) and ends nothing else.
    assert _read("i set up then pay my bill", breaks_before=(2,)) == [Action("move", ("bill",))]
    assert _read("can i cancel my order then", breaks_before=(5,)) == [Action("end", ("order",))]
