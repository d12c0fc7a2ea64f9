"""Follow-up questions: what the default chain retrieves on when a question comes after a conversation.

"What about the charger?" after "Can I return my phone?" retrieves nothing
useful on its own. The default chain (`ragfort.build_chain`) resolves such a
follow-up before retrieval:

* **with an LLM**: one extra call rewrites the follow-up into a standalone
  question (`rewrite_messages`), from the redacted conversation;
* **with no LLM**: a documented cheap rule. Retrieval searches twice, on the
  question and on the customer's side of the conversation followed by the
  question (`conversation_query`), and fuses the two rankings
  (`fuse_rankings`, reciprocal rank): a follow-up finds what the
  conversation is about, a change of topic ("How do I reset my password?")
  still finds its own articles; the question's own best chunks that fusion
  left out follow (`with_own_chunks`). The extractive generator reads the joined
  text only when the question reads as a follow-up (`is_follow_up`: an
  opening such as "and", "what about", "is there"; a word that points back,
  "it", "that", "there", in a question of at most six content words; or a
  single content word, "Why?"); any other question asked after a
  conversation is read with the joined text weighed in at
  ``ExtractiveSettings.context_weight`` ("i paid with paypal tho" after a
  refund question). The relevance guard's answerability judge
  reads the question itself (`RagChain.retrieve` sets ``state.search_text``):
  read joined, a follow-up inherits the earlier question's answerability,
  and unanswerable follow-ups were answered. Only a follow-up with at most
  one content word of its own ("any fee for that?") is also read joined
  (`ragfort.guards.relevance.bare_follow_up_reading`): alone it names nothing.
  ``benchmarks/conversations.py`` measures it on ``evals/conversations.jsonl``
  and ``evals/conversations_northbeam.jsonl``.

Only the customer's own earlier messages are joined, and only the latest two
(`RECENT_MESSAGES`): an assistant turn holds passage sentences that would pull
retrieval towards the articles already cited, whatever the new question asks,
and a topic the customer left several messages ago would do the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from ragfort.text import FUNCTION_WORDS, search_text
from ragfort.types import HistoryMessage, Passage

__all__ = [
    "FollowUpRule",
    "conversation_query",
    "follow_up_words",
    "fuse_rankings",
    "is_follow_up",
    "rewrite_messages",
    "standalone_query",
    "with_own_chunks",
]

FollowUpRule = Literal["auto", "always", "never"]

_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
# Openings that continue the conversation ("and for a tablet?", "what about the charger?").
_CONTINUES = re.compile(
    r"^\s*(?:and|also|plus|so|then|what about|how about|what if|same|but what|ok(?:ay)?,? (?:and|what|how)|"
    r"is that|does that|can i do that|is it|does it|will it|is there)\b",
    re.IGNORECASE,
)
# Words that point back at something said before.
_POINTS_BACK = frozenset(
    ["it", "its", "that", "this", "these", "those", "they", "them", "their", "there", "one", "ones", "same",
     "instead", "either", "too", "else"]
)  # fmt: skip
_OWN_WORDS_ALONE = 1  # at most this many content words ("Why?", "And Canada?"): a follow-up whatever its wording
_OWN_WORDS_POINTING = 6  # at most this many, with a word pointing back ("How much does it cost?"): a follow-up
_HUMAN = frozenset(["human", "user"])
# How many of the customer's latest messages a follow-up is read with (None: all of them). Two: every written
# conversation of the labelled sets holds one or two, and a customer who asked about something else before
# them no longer drags it into the search ("what about at rush hour" after two Delay Repay questions and one
# about bikes). `benchmarks/conversations.py --earlier 2`, dev: recall@5 0.673 -> 0.818 (own) and 0.826 ->
# 0.930 (unseen); the last message alone did better there but worse on the written conversations.
RECENT_MESSAGES: int | None = 2


def follow_up_words(text: str) -> list[str]:
    """The content words of `text`, without function words and words that point back ("it", "that", "else")."""
    return [w for w in _WORD.findall(text.lower()) if w not in FUNCTION_WORDS and w not in _POINTS_BACK]


def is_follow_up(question: str) -> bool:
    """Whether `question` needs the conversation before it to be understood (the cheap rule)."""
    own = follow_up_words(search_text(question))
    if len(own) <= _OWN_WORDS_ALONE or _CONTINUES.match(question):
        return True
    words = set(_WORD.findall(question.lower()))
    return len(own) <= _OWN_WORDS_POINTING and bool(words & _POINTS_BACK)


def conversation_query(question: str, history: Sequence[HistoryMessage]) -> str:
    """The customer's latest messages (`RECENT_MESSAGES`) followed by `question` (the question alone when there
    are none)."""
    said = [m.content.strip() for m in history if m.role in _HUMAN and m.content.strip()]
    if RECENT_MESSAGES is not None:
        said = said[-RECENT_MESSAGES:] if RECENT_MESSAGES > 0 else []
    return " ".join([*said, question.strip()]) if said else question


def standalone_query(question: str, history: Sequence[HistoryMessage], *, rule: FollowUpRule = "auto") -> str:
    """`question` as the generator should read it after `history`, with no LLM.

    Args:
        question: the (redacted) question.
        history: the (redacted) earlier messages, oldest first.
        rule: ``auto`` joins the customer's earlier messages only when the
            question reads as a follow-up (`is_follow_up`); ``always`` joins
            them whenever there are any; ``never`` ignores the history.
    """
    if rule == "never" or (rule == "auto" and not is_follow_up(question)):
        return question
    return conversation_query(question, history)


def fuse_rankings(rankings: Sequence[Sequence[Passage]], *, k: int, depth: int = 60) -> list[Passage]:
    """Reciprocal-rank fusion of several rankings of passages, by document: the top `k` documents' best passages.

    A document scores ``sum(1 / (depth + rank))`` over the rankings it is in,
    where rank counts distinct documents (several chunks of one article would
    otherwise crowd the others out of the fused top `k`); it is represented
    by its passage with the best retrieval score (the relevance guard reads
    it). Fusing by chunk instead measured 0.862 recall@5 on the dev split of
    ``evals/conversations.jsonl``, by document 0.966 (``benchmarks/conversations.py``).
    """
    fused: dict[str, float] = {}
    best: dict[str, Passage] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for passage in ranking:
            if passage.doc_id in seen:
                continue
            fused[passage.doc_id] = fused.get(passage.doc_id, 0.0) + 1.0 / (depth + len(seen))
            seen.add(passage.doc_id)
            kept = best.get(passage.doc_id)
            if kept is None or (passage.score or 0.0) > (kept.score or 0.0):
                best[passage.doc_id] = passage
    order = sorted(fused, key=lambda doc: -fused[doc])
    return [best[doc] for doc in order[:k]]


def with_own_chunks(fused: Sequence[Passage], own: Sequence[Passage]) -> list[Passage]:
    """`fused` followed by the passages of `own` (the question's own top k) that it lacks, in their order.

    Fusion keeps one passage per document, its best-scored chunk, which is
    often the article's opening: "is there a discount if he gets good
    grades?" after a question about adding a teen driver kept the student
    discounts article's first chunk, and the chunk that answers, fourth in the
    question's own ranking, was never read, so the follow-up was refused
    (asked alone, it was answered). The chunks the question itself ranks in
    its top k come after the fused ones, where the relevance guard's judge
    reads them (support_agent reads up to 10 passages) and the generator can
    quote them; the fused order, and so which documents come first, is
    unchanged. ``benchmarks/conversations.py``, rule ``auto``, dev: answerable
    follow-ups refused 20 -> 16 of 169, unanswerable ones abstained on 16 -> 15
    of 41, token F1 up on the unseen and blind help centers (docs/evaluation.md,
    session 38).
    """
    have = {(p.doc_id, p.start, p.text) for p in fused}
    return [*fused, *(p for p in own if (p.doc_id, p.start, p.text) not in have)]


REWRITE_PROMPT = (
    "Rewrite the customer's last question so that it can be understood without the conversation: replace "
    "words that refer to earlier messages with what they refer to. Keep placeholders such as <PERSON_1> exactly "
    "as written. If the question already stands alone, repeat it unchanged. Answer with the question only."
)


def rewrite_messages(question: str, history: Sequence[HistoryMessage]) -> list[tuple[str, str]]:
    """Chat messages asking an LLM for `question` as a standalone question."""
    said = "\n".join(f"{'Customer' if m.role in _HUMAN else 'Assistant'}: {m.content}" for m in history[-6:])
    return [("system", REWRITE_PROMPT), ("human", f"Conversation:\n{said}\n\nLast question: {question}")]
