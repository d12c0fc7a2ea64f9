"""The relevance guard: abstain before generation when no retrieved passage answers the question.

Before anything else, with ``account_questions: abstain`` (support_agent
sets it), a question about the customer's own account records ("Has my
refund been issued yet?") is handed to a person whatever the passages say
(`ragfort.guards.account`); and a question that only asks how to reach the
business ("What's your phone number?") is answered from the passages that
print a contact point of the channel asked (``contact_questions``,
`ragfort.contact`). Then, at the retrieval stage, three steps, cheapest
first:

1. **Cosine floor.** If no passage's retrieval score (the retriever's cosine
   similarity between question and passage, in [0, 1]) reaches `min_score`,
   the guard abstains: nothing retrieved is even on the topic. Alone, the
   default is 0.45, which abstains on none of the answerable help-center
   questions (``benchmarks/relevance_threshold.py``); with the question model
   it is the lower floor the model was fitted behind (0.3), since the model
   weighs the retrieval score itself.
2. **Answerability judge** (``answerability: true``, the default). A
   passage about the same topic is not one that answers: "Can I bring my dog
   into a Voltwise store?" retrieves the store article, which says nothing of
   dogs. The shipped cross-encoder (``ragfort.judges``, task
   ``answerability``) reads each of the top `answerability_passages`
   passages with the question and gives the probability that it answers;
   when none reaches `min_answerability` the guard abstains, again before
   any LLM call. Each judged passage carries its probability in its
   metadata (``answerability``) and the verdict says which passages answer
   (``answers``), so the extractive generator only quotes sentences of
   passages that answer. ``benchmarks/abstention.py`` measures it against
   the cosine floor alone.
3. **Question model** (``question_model: true``, the default). The judge
   reads one passage at a time; the question model
   (`ragfort.judges.answerable`) turns its reads into one decision from the
   best read, the top-ranked passage's read and the best retrieval score.
   The guard abstains when its probability is under
   `min_answerable` (default: the threshold fitted with it, chosen so that
   at most 5% of the answerable dev questions are refused).
4. **Names the help center never uses** (off by default). With
   `unknown_name_min_answerable` set, a question that names something no
   article mentions ("How do I link my Shopify store?", "Is Sky Atlantic in
   the Entertainment pack?"; `ragfort.guards.names`) must reach that
   probability instead. The names come from the default chain, which knows
   the corpus's words (``RequestState.unknown_names``); a wrapped chain's
   questions are judged without this step. At 0.7 it abstained on more
   unanswerable dev and test questions and refused no answerable one, but
   on a held-out set of questions that name things it refused as many
   answerable questions as it turned away unanswerable ones
   (docs/judges.md, "Session 29"): opt in where customers rarely name
   other companies, places or products in questions the help center answers.

The judge reads the top passages a round at a time, as many as it scores
side by side (one per core), and stops once the reads so far settle the
question as answerable (``stop_when_answered``, the default): a better read
can only raise the question model's probability, so the unread passages
cannot change the decision. A question no passage answers is read in full.
On the dev questions this reads 2.2-3.1 passages of 5 on average and halves
the median cost (``benchmarks/abstention.py``); the passages left unread
carry no mark, and the verdict's score is then a lower bound.

A follow-up with history and at most one content word of its own ("any fee
for that?") is read twice, alone and joined to the customer's earlier
messages, and each passage keeps the higher read (`bare_follow_up_reading`).

The judge needs no retrieval score, so it also checks passages of a wrapped
chain whose retriever reports none; without the judge such passages cannot be
judged and the guard allows the turn and says so. No passages at all is an
abstention.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any, ClassVar, Literal

from pydantic import Field

from ragfort.contact import contact_channels, printed_channels
from ragfort.context import RunContext
from ragfort.conversation import conversation_query, follow_up_words, is_follow_up
from ragfort.guards.account import account_question
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.judges import PairJudge, load_judge
from ragfort.judges.answerable import QuestionModel, load_question_model
from ragfort.judges.runtime import MODEL_FILE
from ragfort.replies import ABSTAIN_MESSAGE
from ragfort.text import plain_quotes, search_text
from ragfort.types import ANSWERABILITY_KEY, ANSWERS_KEY, Action, Passage, Stage, Turn, Verdict

# At most this many content words of its own ("any fee for that?"): a follow-up also read with the conversation.
BARE_FOLLOW_UP_WORDS = 1

__all__ = [
    "BARE_FOLLOW_UP_WORDS",
    "DEFAULT_MIN_ANSWERABILITY",
    "DEFAULT_MIN_SCORE",
    "RelevanceGuard",
    "RelevanceSettings",
    "bare_follow_up_reading",
]

# Chosen by benchmarks/relevance_threshold.py on ClapNQ dev and the help-center
# golden set: 0% of answerable help-center and 10.7% of answerable ClapNQ
# questions abstain; 57% of unanswerable ClapNQ questions do. (0.52, ClapNQ's
# best balanced accuracy, abstained on 18% / 5% of answerable ones.)
DEFAULT_MIN_SCORE = 0.45
# Chosen by `benchmarks/abstention.py --split dev --sweep`: the highest threshold at which the judge
# refuses about as many answerable dev questions as the cosine floor alone does (northbeam 12% vs 8%,
# voltwise 9.1% vs 9.1%, golden set 3.4% vs 0%, ClapNQ 5.6% vs 5.6%) while abstaining on more of the
# unanswerable ones (0.44 vs 0.39, 0.33 vs 0.11, 0.33 vs 0, 0.22 vs 0.22). The probabilities are
# calibrated per passage on the dev cases, where one passage in eight answers: hence a low number.
DEFAULT_MIN_ANSWERABILITY = 0.07


class RelevanceSettings(GuardSettings):
    """Settings of the relevance guard (the ``relevance`` entry of a policy).

    Attributes:
        min_score: the retrieval score at least one passage must reach (default:
            the question model's own floor when it decides, else `DEFAULT_MIN_SCORE`).
        abstain_message: the answer given instead (default: `ragfort.replies.ABSTAIN_MESSAGE`,
            also the default of the policy's ``messages.abstain``).
        abstain_without_passages: abstain when retrieval returned nothing.
        answerability: ask the answerability judge whether a passage answers.
        min_answerability: the judge's probability at least one passage must reach.
        answerability_passages: how many of the top passages the judge reads.
        answerability_model_path: a judge model folder to use instead of the
            shipped one (``python -m ragfort.judges.train --task answerability --out DIR``).
        question_model: decide per question with the question model rather than
            by the best passage alone.
        min_answerable: the question model's probability under which the guard
            abstains (default: the threshold shipped with the model).
        question_model_path: a question model JSON to use instead of the shipped
            one (``python benchmarks/abstention.py --split dev --fit PATH``).
        stop_when_answered: read the top passages a round at a time (as many
            as the judge scores side by side) and stop once the reads so far
            settle the question as answerable, whatever the unread passages
            would score: the decision is the same as after every read, and
            the passages left unread carry no mark.
        account_questions: ``abstain`` refuses a question about the customer's
            own account records (`ragfort.guards.account.account_question`)
            before any passage is read; ``answer`` (the default: a corpus may
            hold the user's own records) lets it through to the other steps.
        account_message: the answer given to such a question (default:
            `abstain_message`), for example one that says how to reach a
            person who can see the account.
        unknown_name_min_answerable: the question model's probability a
            question must reach when it names something the corpus never uses
            (`ragfort.guards.names`; the default chain finds them), if higher
            than `min_answerable`; None (the default) asks the same of every
            question. 0.7 is the value measured (docs/judges.md, "Session 29").
        contact_questions: ``answer`` (the default): a question that only
            asks how to reach the business ("What's your phone number?",
            "How do I contact you?"; `ragfort.contact.contact_channels`) is
            answered from the retrieved passages that print a phone number or
            e-mail address of the channel asked, whatever the cosine floor and
            the judge read (they read such questions badly); without such a
            passage it goes through the other steps. ``judge``: like any
            other question.
    """

    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    abstain_message: str = ABSTAIN_MESSAGE
    abstain_without_passages: bool = True
    answerability: bool = True
    min_answerability: float = Field(default=DEFAULT_MIN_ANSWERABILITY, ge=0.0, le=1.0)
    answerability_passages: int = Field(default=5, ge=1, le=50)
    answerability_model_path: str | None = None
    question_model: bool = True
    min_answerable: float | None = Field(default=None, gt=0.0, lt=1.0)
    question_model_path: str | None = None
    stop_when_answered: bool = True
    account_questions: Literal["answer", "abstain"] = "answer"
    account_message: str | None = None
    unknown_name_min_answerable: float | None = Field(default=None, gt=0.0, lt=1.0)
    contact_questions: Literal["answer", "judge"] = "answer"


class RelevanceGuard(BaseGuard):
    """Abstains when no retrieved passage is on the topic (cosine) or answers the question (judge).

    Args:
        stage: must be `Stage.RETRIEVAL`.
        required: a fault in a required guard fails the request closed.
        **settings: `RelevanceSettings` fields.
    """

    name: ClassVar[str] = "relevance"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.RETRIEVAL})
    Settings: ClassVar[type[GuardSettings]] = RelevanceSettings

    def __init__(self, *, stage: Stage = Stage.RETRIEVAL, required: bool = False, **settings: Any) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = RelevanceSettings(**settings)
        # Loaded here, not on the first question: a missing or damaged model is a start-up error.
        self.judge: PairJudge | None = _answerability_judge(self.settings)
        self.questions: QuestionModel | None = None
        if self.judge is not None and self.settings.question_model:
            path = self.settings.question_model_path
            self.questions = load_question_model(os.path.realpath(path) if path else None)
            self.questions.check_judge(self.judge.manifest.files[MODEL_FILE], judge=repr(self.judge))

    @property
    def min_score(self) -> float:
        """The cosine floor in force: the setting, else the question model's floor, else `DEFAULT_MIN_SCORE`."""
        if self.settings.min_score is not None:
            return self.settings.min_score
        return self.questions.min_score if self.questions is not None else DEFAULT_MIN_SCORE

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Abstain unless some passage is on the topic and (with the judge) answers the question."""
        s = self.settings
        if s.account_questions == "abstain":
            # The customer's own words: a follow-up's reading may join earlier messages, which asked other things.
            shape = account_question(turn.question)
            if shape is not None:
                return self.verdict(
                    Action.ABSTAIN,
                    score=0.0,
                    reason=f"asks about the customer's own account ({shape}), which the passages cannot show",
                    turn=turn.evolve(answer=s.account_message or s.abstain_message),
                )
        if not turn.documents:
            if not s.abstain_without_passages:
                return self.verdict(Action.ALLOW, reason="no passages retrieved")
            return self.verdict(
                Action.ABSTAIN, score=0.0, reason="no passages retrieved", turn=turn.evolve(answer=s.abstain_message)
            )
        if s.contact_questions == "answer" and (contact := self._contact(turn)) is not None:
            return contact
        scores = [p.score for p in turn.documents if p.score is not None]
        best = max(0.0, min(1.0, max(scores))) if scores else None
        floor = self.min_score
        if best is not None and best < floor:
            return self.verdict(
                Action.ABSTAIN,
                score=best,
                reason=f"best retrieval score {best:.3f} < min_score {floor:.3f}",
                turn=turn.evolve(answer=s.abstain_message),
            )
        if self.judge is None:
            if best is None:
                return self.verdict(Action.ALLOW, reason="passages carry no retrieval score; relevance not checked")
            return self.verdict(Action.ALLOW, score=best, reason=f"best retrieval score {best:.3f} >= {floor:.3f}")
        names = ctx.state.unknown_names if s.unknown_name_min_answerable is not None else None
        return self._judge(turn, self.judge, ctx.state.search_text, (names() or ()) if names is not None else ())

    def _contact(self, turn: Turn) -> Verdict | None:
        """A question that only asks how to reach the business, answered by the passages that print a contact
        point of the channel asked (the others marked as not answering); None for any other question, or when no
        passage prints one."""
        channels = contact_channels(turn.question)
        if not channels:
            return None
        printing = [bool(printed_channels(p.text) & channels) for p in turn.documents]
        if not any(printing):
            return None
        documents = tuple(
            dataclasses.replace(p, metadata={**p.metadata, ANSWERS_KEY: answers})
            for p, answers in zip(turn.documents, printing, strict=True)
        )
        asked = " or ".join(sorted(channels))
        return self.verdict(
            Action.REWRITE,
            score=1.0,
            reason=f"asks how to reach the help center ({asked}); {sum(printing)} of {len(printing)} passages "
            f"print a contact point of that channel",
            turn=turn.evolve(documents=documents),
        )

    def read(
        self,
        turn: Turn,
        judge: PairJudge,
        searched: str | None = None,
        *,
        until_settled: bool = False,
        names: tuple[str, ...] = (),
    ) -> tuple[tuple[Passage, ...], list[float]]:
        """The passages the judge reads (the top `answerability_passages`) and its probability for each read.

        Args:
            turn: the question and its retrieved passages.
            judge: the answerability judge.
            searched: what retrieval searched on, when ragfort retrieved; else
                the same reading of the question is taken.
            until_settled: read the first round (as many passages as the judge
                scores side by side) and the rest only when those reads do not
                settle the question as answerable (`stop_when_answered`); the
                probabilities then cover the first ``len(probs)`` passages.
            names: the names the question typed that the corpus never uses
                (``RequestState.unknown_names``): what settles it is then higher.
        """
        question = searched or search_text(turn.resolved_question or turn.question)
        readings = [question]
        if (joined := bare_follow_up_reading(turn)) is not None and joined != question:
            readings.append(joined)
        top = turn.documents[: self.settings.answerability_passages]
        first = max(1, judge.lanes) if until_settled else len(top)

        def score(passages: tuple[Passage, ...]) -> list[float]:
            texts = [plain_quotes(p.text) for p in passages]
            reads = [judge.score([(text, reading) for text in texts]) for reading in readings]
            return [float(max(r[i] for r in reads)) for i in range(len(passages))]

        probs = score(top[:first])
        if len(probs) < len(top) and not self._settled(top, probs, names):
            probs += score(top[first:])
        return top, probs

    def _settled(self, top: tuple[Passage, ...], probs: list[float], names: tuple[str, ...] = ()) -> bool:
        """Whether the reads so far (of the first ``len(probs)`` passages of `top`) make the question answerable
        whatever the rest would read.

        The top-ranked passage is read in the first round and the retrieval
        scores are known before any read, so only the best read can still
        change; when the question model weighs it positively
        (`QuestionModel.monotone`), more reads can only raise its
        probability, and reads that already reach the threshold settle it
        (as one passage reaching `min_answerability` does without the model).
        """
        if self.questions is None:
            return max(probs) >= self.settings.min_answerability
        scored = _cosines(top) is not None
        if not self.questions.monotone(scored=scored):
            return False
        return self._question_probability(self.questions, top, probs) >= self._floor(self.questions, scored, names)

    @staticmethod
    def _question_probability(model: QuestionModel, top: tuple[Passage, ...], probs: list[float]) -> float:
        """The question model's probability from the reads of the first ``len(probs)`` passages of `top`.

        Unread passages count at the lowest read, so after an early stop this
        is a lower bound; ``best_cosine`` is over every passage of `top`.
        """
        cosines = _cosines(top)
        if cosines is None:
            return model.probability(probs)
        return model.probability(probs + [min(probs)] * (len(top) - len(probs)), cosines)

    def _floor(self, model: QuestionModel, scored: bool, names: tuple[str, ...] = ()) -> float:
        """The probability the question model must give: `min_answerable` (or the model's threshold), raised to
        `unknown_name_min_answerable` for a question that names something the corpus never uses."""
        s = self.settings
        floor = model.threshold_for(scored) if s.min_answerable is None else s.min_answerable
        if names and s.unknown_name_min_answerable is not None:
            floor = max(floor, s.unknown_name_min_answerable)
        return floor

    def _judge(self, turn: Turn, judge: PairJudge, searched: str | None, names: tuple[str, ...] = ()) -> Verdict:
        s = self.settings
        top, probs = self.read(turn, judge, searched, until_settled=s.stop_when_answered, names=names)
        marked = tuple(_marked(p, prob, prob >= s.min_answerability) for p, prob in zip(top, probs, strict=False))
        documents = marked + turn.documents[len(marked) :]
        best = max(probs)
        answering = sum(prob >= s.min_answerability for prob in probs)
        if self.questions is not None:
            return self._decide(turn, self.questions, documents, top, probs, answering, names)
        if answering:
            return self.verdict(
                Action.REWRITE,
                score=best,
                reason=f"{answering} of {len(probs)} passages read answer (best answerability {best:.3f} >= "
                f"{s.min_answerability:.3f}){_unread(top, probs)}",
                turn=turn.evolve(documents=documents),
            )
        return self.verdict(
            Action.ABSTAIN,
            score=best,
            reason=f"no passage answers the question (best answerability {best:.3f} < "
            f"min_answerability {s.min_answerability:.3f})",
            turn=turn.evolve(documents=documents, answer=s.abstain_message),
        )

    def _decide(
        self,
        turn: Turn,
        model: QuestionModel,
        documents: tuple[Passage, ...],
        top: tuple[Passage, ...],
        probs: list[float],
        answering: int,
        names: tuple[str, ...] = (),
    ) -> Verdict:
        """The question model's decision over the passages the judge read (all of `top`, or the first rounds)."""
        prob = self._question_probability(model, top, probs)
        scored = _cosines(top) is not None
        base, floor = self._floor(model, scored), self._floor(model, scored, names)
        read = (
            f"question answerable {prob:.3f}; {answering} of {len(probs)} passages read answer, best {max(probs):.3f}"
            f"{_unread(top, probs)}"
        )
        if floor > base:
            named = ", ".join(f"'{n}'" for n in names)
            read += f"; it names {named}, which the help center never mentions"
        if prob >= floor:
            return self.verdict(
                Action.REWRITE, score=prob, reason=f"{read} (>= {floor:.3f})", turn=turn.evolve(documents=documents)
            )
        return self.verdict(
            Action.ABSTAIN,
            score=prob,
            reason=f"no passage answers the question: {read} (< min_answerable {floor:.3f})",
            turn=turn.evolve(documents=documents, answer=self.settings.abstain_message),
        )


def bare_follow_up_reading(turn: Turn) -> str | None:
    """The customer's earlier messages joined with the question, for a follow-up with almost nothing of its own.

    "any fee for that?", "then what?", "when does it come through?": read alone, such a question
    gives the judge nothing to weigh against a passage, and every passage reads as not answering it.
    A follow-up (`is_follow_up`) with history and at most `BARE_FOLLOW_UP_WORDS` content words of its own
    is also read joined to what the customer said before (`conversation_query`), and the judge takes
    the higher read of each passage. A follow-up with more words of its own is read alone: joined, it
    would inherit the earlier question's answerability.
    """
    if not turn.history or not is_follow_up(turn.question):
        return None
    if len(follow_up_words(search_text(turn.question))) > BARE_FOLLOW_UP_WORDS:
        return None
    return search_text(conversation_query(turn.question, turn.history))


def _cosines(top: tuple[Passage, ...]) -> list[float] | None:
    """Every passage's retrieval score, or None when one carries none (the question model's unscored variant)."""
    scores = [p.score for p in top]
    return None if any(c is None for c in scores) else [float(c or 0.0) for c in scores]


def _unread(top: tuple[Passage, ...], probs: list[float]) -> str:
    left = len(top) - len(probs)
    return f"; settled after {len(probs)} reads, {left} passages left unread" if left else ""


def _marked(passage: Passage, probability: float, answers: bool) -> Passage:
    metadata = {**passage.metadata, ANSWERABILITY_KEY: round(probability, 4), ANSWERS_KEY: answers}
    return dataclasses.replace(passage, metadata=metadata)


def _answerability_judge(s: RelevanceSettings) -> PairJudge | None:
    if not s.answerability:
        return None
    if s.answerability_model_path:
        return _judge_at(os.path.realpath(s.answerability_model_path))
    return load_judge("answerability")


@functools.lru_cache(maxsize=8)
def _judge_at(path: str) -> PairJudge:
    # One loaded (and checksum-verified) model per folder per process, as `load_judge` does for shipped ones.
    return PairJudge(path)
