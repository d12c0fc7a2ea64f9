"""The embedded default RAG chain: Chroma on disk + MiniLM retriever + generator.

`build_chain(index=...)` returns a `RagChain`, a plain LangChain Runnable
(``{"question"}`` in, ``{"question", "answer", "context"}`` out) that also
exposes its retrieval and generation as separate pipeline steps. `harden()`
uses those steps, so with the default chain the retrieval guards run
*between* retrieval and generation (an irrelevant retrieval abstains before
any LLM call) and the generation budget can fall back to an extractive
answer from the passages already retrieved.

With ``llm=None`` the generator is extractive (no LLM at all); with any
LangChain chat model it asks for an answer citing the numbered passages.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from functools import partial
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig

from ragfort import _loops
from ragfort.budget import backoff_s, is_transient
from ragfort.cache.english import english_words
from ragfort.cache.equivalence import TASK as EQUIVALENCE_TASK
from ragfort.cache.equivalence import judge_speller, judge_vocabulary
from ragfort.cache.typos import Speller, respelt
from ragfort.context import RequestState, RunContext
from ragfort.conversation import (
    FollowUpRule,
    conversation_query,
    fuse_rankings,
    rewrite_messages,
    standalone_query,
    with_own_chunks,
)
from ragfort.errors import ChainError, InputError
from ragfort.generate import EXTRACTIVE_VERSION, ExtractiveSettings, blend_vectors, extractive_answer, llm_messages
from ragfort.guards.names import unknown_names
from ragfort.index.store import Index
from ragfort.integrations.convert import passage_to_document
from ragfort.judges import MODELS_DIR
from ragfort.pipeline import ChainSteps, GenerationFailed
from ragfort.policy import Policy
from ragfort.streaming import SentenceFeed
from ragfort.text import CorpusVocabulary, search_text
from ragfort.types import Action, Passage, Stage, Turn, Verdict

__all__ = ["RagChain", "build_chain"]

log = logging.getLogger(__name__)


class RagChain(Runnable[Any, dict[str, Any]]):
    """Retriever + generator over an `Index`. Build it with `build_chain`."""

    def __init__(
        self,
        index: Index,
        *,
        llm: BaseChatModel | None = None,
        k: int = 5,
        extractive: ExtractiveSettings = ExtractiveSettings(),
        follow_ups: FollowUpRule = "auto",
        respell: bool = True,
    ) -> None:
        if k <= 0:
            raise ValueError(f"k must be positive, got {k!r}")
        if follow_ups not in ("auto", "always", "never"):
            raise ValueError(f"follow_ups must be 'auto', 'always' or 'never', got {follow_ups!r}")
        self.index = index
        self.llm = llm
        self.k = k
        self.extractive = extractive
        self.follow_ups: FollowUpRule = follow_ups
        self.respell = respell
        # version, known words, the corpus's speller, the embedder vocabulary's, the corpus's hyphenated compounds
        self._spelling: tuple[str, frozenset[str], Speller, Speller, dict[str, str]] | None = None

    @property
    def model_id(self) -> str:
        """Identifies the generator, for cache keys."""
        if self.llm is None:
            # The version and settings are part of the id: answers made by an
            # older generator or other settings are never served from the cache.
            return f"extractive-{EXTRACTIVE_VERSION}:{self.extractive!r}"
        return f"{type(self.llm).__name__}:{getattr(self.llm, 'model_name', '') or getattr(self.llm, 'model', '')}"

    def query(self, question: str) -> str:
        """What retrieval searches on for `question`: `search_text`, with its typos respelt as the corpus spells
        the word meant (``respell``, the default), and a word typed closed up that the corpus writes hyphenated
        as the corpus writes it ("checkin" is "check-in").

        A misspelt word ("servce", "alreeady") embeds far from the word meant and retrieves other passages,
        and the answerability judge then reads a question it cannot match to them. A word that is neither a
        word of the corpus nor one of the embedder's vocabulary, and is one typo from exactly one word of the
        corpus, else (six letters or more) from exactly one word of that vocabulary (`ragfort.cache.typos.respelt`),
        is read as that word. When the corpus's words cannot be read (an index server that went away), the
        question is searched as typed.
        """
        query = search_text(question)
        if not self.respell:
            return query
        version = self.index.version
        if self._spelling is None or self._spelling[0] != version:
            try:
                corpus = self.index.words()
                joined = {c.replace("-", ""): c for c in self.index.compounds()}
            except Exception as exc:  # an index server that went away: search as typed, not not at all
                log.warning("cannot read the corpus's words to respell questions (%s); searching as typed",
                            type(exc).__name__)  # fmt: skip
                return query
            model = MODELS_DIR / EQUIVALENCE_TASK  # the embedder's WordPiece vocabulary, as the judges hold it
            known = corpus | judge_vocabulary(model)
            self._spelling = (version, known, Speller(corpus), judge_speller(model), joined)
        _, known, speller, fallback, joined = self._spelling
        return respelt(query, known, speller, fallback, english_words(), compounds=joined)

    def vocabulary(self) -> CorpusVocabulary | None:
        """The corpus's words, word pairs and capitalised names, or None when they cannot be read (an index server
        that went away).

        The PII guard reads a customer's "cover max" or "Skylark Miles" as the help center's name rather than a
        person's with them (`ragfort.pii.vocabulary`); without them it redacts as it would for any chain.
        """
        try:
            return self.index.vocabulary()
        except Exception as exc:  # an index server that went away: redact as for any chain
            log.warning("cannot read the corpus's words for the PII guard (%s)", type(exc).__name__)
            return None

    def unknown_names(self, question: str) -> tuple[str, ...] | None:
        """The names typed in `question` (redacted) that the corpus never uses (`ragfort.guards.names`), or None
        when the corpus's words cannot be read (an index server that went away).

        A relevance guard with ``unknown_name_min_answerable`` set asks more of the answerability judge before
        answering such a question: "How do I link my Shopify store?" over a help center that never mentions
        Shopify.
        """
        try:
            corpus, pairs = self.index.words(), self.index.word_pairs()
        except Exception as exc:  # an index server that went away: no names, not no answer
            log.warning("cannot read the corpus's words to find unknown names (%s)", type(exc).__name__)
            return None
        return unknown_names(question, corpus, pairs)

    # -- the two steps -------------------------------------------------------
    def retrieve(
        self,
        question: str,
        *,
        state: RequestState | None = None,
        also: str | None = None,
        reading: str | None = None,
        context: str | None = None,
    ) -> list[Passage]:
        """The top-k passages; the question vector and the text searched are kept in `state` for the generator.

        The query is the question without its redaction placeholders
        (`ragfort.text.search_text`): personal data the customer typed must not
        steer retrieval. With `also` (a second reading of the question: the
        question with the customer's side of the conversation), both are
        searched and the two rankings fused (`fuse_rankings`), so a follow-up
        finds what its conversation is about and a change of topic still finds
        its own articles; the chunks of the question's own top k that fusion
        left out follow the fused k (`with_own_chunks`), so up to 2k passages.
        `reading` is how the generator should read the question (a follow-up
        joined to its conversation); its vector, not the question's, is kept
        in `state`. The relevance guard's judge reads
        `state.search_text`: the question itself when `also` is searched
        beside it (a follow-up read by the no-LLM rule: the judge is trained
        on single questions, and the joined text carries the earlier, answered
        ones; `benchmarks/conversations.py`), else the reading. `context` (a
        conversation the question, read alone, was asked in) is weighed into
        the kept vector and kept for the generator
        (``ExtractiveSettings.context_weight``).
        """
        query = self.query(question)
        vector = self.index.embed_query(query)
        other = None if also is None else self.query(also)
        other_vector = None if other is None or other == query else self.index.embed_query(other)

        def embedded(text: str) -> np.ndarray:
            if text == query:
                return vector
            return other_vector if text == other and other_vector is not None else self.index.embed_query(text)

        if state is not None:
            read = self.query(reading) if reading else query
            state.question_vector = embedded(read)
            state.search_text = query if also is not None else read
            state.sentence_vectors = Index.sentence_vectors
            state.reading_context = None
            weight = self.extractive.context_weight
            # The conversation is the text also searched (`_queries`): its reading is `other`, already respelt.
            seen = (other if context == also else self.query(context)) if context and weight > 0 else None
            if seen and seen != read:
                state.question_vector = blend_vectors(state.question_vector, embedded(seen), weight)
                state.reading_context = seen
        if other is None or other_vector is None:
            return self.index.search(query, k=self.k, vector=vector)
        depth = 2 * self.k
        first = self.index.search(query, k=depth, vector=vector)
        second = self.index.search(other, k=depth, vector=other_vector)
        return with_own_chunks(fuse_rankings([first, second], k=self.k), first[: self.k])

    def extract(
        self, question: str, passages: list[Passage], *, vector: np.ndarray | None = None, context: str | None = None
    ) -> str:
        """The extractive answer ("" when nothing is relevant enough); `context` as `retrieve` kept it."""
        query = self.query(question)
        if vector is None:
            vector = self.index.embed_query(query)
        return extractive_answer(
            vector, query, passages, Index.sentence_vectors(passages), settings=self.extractive, context=context
        )

    # -- plain Runnable use (without harden) ----------------------------------
    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict[str, Any]:
        question = input if isinstance(input, str) else (input or {}).get("question")
        if not isinstance(question, str) or not question.strip():
            raise InputError(f"the question must be a non-empty string, got {question!r}")
        state = RequestState()
        passages = self.retrieve(question, state=state)
        if self.llm is None:
            answer = self.extract(question, passages, vector=state.question_vector)
        else:
            answer = str(self.llm.invoke(llm_messages(question, passages), config).text)
        return {"question": question, "answer": answer, "context": [passage_to_document(p) for p in passages]}

    # -- pipeline steps (used by harden) ------------------------------------
    def ragfort_steps(self, policy: Policy) -> ChainSteps:
        """Retrieval, generation and the extractive answer as separate pipeline handlers."""

        async def retrieve(turn: Turn, ctx: RunContext) -> Turn:
            query, also, reading, context = await self._queries(turn, ctx)
            find = partial(self.retrieve, query, state=ctx.state, also=also, reading=reading, context=context)
            # Read only if a guard asks: the customer's own message (redacted), not a rewrite or the conversation.
            ctx.state.unknown_names = partial(self.unknown_names, turn.question)
            with ctx.timed("retrieval"):
                # Embedding + query is CPU work: off the event loop (unless called synchronously),
                # so other requests' timers and streams keep running meanwhile.
                passages = find() if ctx.state.sync else await asyncio.to_thread(find)
            resolved = reading if reading and reading != turn.question else None
            return turn.evolve(documents=tuple(passages), resolved_question=resolved)

        async def extract(turn: Turn, ctx: RunContext) -> Turn:
            with ctx.timed("generation"):
                question = turn.resolved_question or turn.question
                answer = self.extract(
                    question, list(turn.documents), vector=ctx.state.question_vector, context=ctx.state.reading_context
                )
            if not answer:
                ctx.record(
                    Verdict("generator", Stage.OUTPUT, Action.ABSTAIN, reason="no passage sentence is relevant enough")
                )
                ctx.stop(Action.ABSTAIN)
                return turn.evolve(answer=policy.messages.abstain)
            return turn.evolve(answer=answer)

        async def generate(turn: Turn, ctx: RunContext) -> Turn:
            if self.llm is None:
                return await extract(turn, ctx)
            with ctx.timed("generation"):
                answer = await self._generate_llm(turn, ctx)
            if answer is None:
                raise GenerationFailed  # the pipeline's fallback layer serves budget.on_timeout
            ctx.state.can_regenerate = True
            return turn.evolve(answer=answer)

        return ChainSteps(generate=generate, retrieve=retrieve, extract=extract, vocabulary=self.vocabulary)

    async def _queries(self, turn: Turn, ctx: RunContext) -> tuple[str, str | None, str | None, str | None]:
        """What to retrieve on, a second text whose ranking to fuse with it (or None), how to read the question,
        and a conversation to weigh into that reading (or None).

        With no history, the question. With an LLM, its standalone rewrite
        (within the generation budget). Otherwise, or when the rewrite fails,
        the no-LLM rule of `ragfort.conversation`: the generator reads the
        question joined to the customer's side of the conversation when it
        reads as a follow-up, and retrieval fuses the question's ranking with
        that joined text's (``auto``); a question that does not read as one is
        read with the joined text weighed in (``ExtractiveSettings.context_weight``);
        ``always`` searches the joined text only, ``never`` ignores the history.
        """
        if not turn.history or self.follow_ups == "never":
            return turn.question, None, None, None
        if self.llm is not None:
            llm = self.llm
            messages = rewrite_messages(turn.question, turn.history)
            limit = ctx.stage_limit_ms("generation")
            try:
                call = _loops.call(lambda: llm.ainvoke(messages, ctx.state.config))
                rewritten = str((await asyncio.wait_for(call, None if limit is None else limit / 1000.0)).text)
            except Exception:  # the LLM is the user's: a failed rewrite falls back to the rule
                rewritten = ""
            line = rewritten.strip().splitlines()[0].strip() if rewritten.strip() else ""
            if line:
                return line, None, line, None
        joined = conversation_query(turn.question, turn.history)
        if self.follow_ups == "always":
            return joined, None, joined, None
        reading = standalone_query(turn.question, turn.history)
        return turn.question, joined, reading, (joined if reading == turn.question else None)

    async def _generate_llm(self, turn: Turn, ctx: RunContext) -> str | None:
        """The LLM's answer, or None when it failed or ran out of budget (the caller falls back).

        Transient errors are retried with jittered backoff while the
        generation budget leaves room for the wait. On timeout the LLM call
        is cancelled: an async LLM's task really stops; a sync-only LLM runs
        in LangChain's executor thread, which Python cannot interrupt.
        """
        assert self.llm is not None
        # A second try (the grounding guard's `regenerate`) names what the first answer got wrong.
        messages = llm_messages(
            turn.question, list(turn.documents), unsupported=ctx.state.regenerating, history=turn.history
        )
        config = ctx.state.config
        limit = ctx.stage_limit_ms("generation")
        deadline = None if limit is None else time.perf_counter() + max(limit, 0.0) / 1000.0
        feed = SentenceFeed(turn, ctx)
        for attempt in range(ctx.budget.retries + 1):
            try:
                if deadline is None and ctx.state.sync:
                    text = str(self.llm.invoke(messages, config).text)
                else:
                    timeout = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
                    call = self._stream_llm(messages, config, feed) if feed.active else self._ask_llm(messages, config)
                    text = await asyncio.wait_for(call, timeout)
                if not text.strip():
                    # An empty completion is a failed one: fall back, never show a blank answer.
                    raise ChainError("the LLM returned an empty answer")
                return text
            except Exception as exc:  # the LLM is the user's; its faults degrade, they don't crash
                left = None if deadline is None else deadline - time.perf_counter()
                if isinstance(exc, TimeoutError) and left is not None and left <= 0:
                    ctx.degrade("generation")
                    return None
                wait = backoff_s(attempt, ctx.budget.backoff_ms)
                if attempt < ctx.budget.retries and is_transient(exc) and (left is None or left > wait):
                    await asyncio.sleep(wait)
                    continue
                ctx.degrade("generation")
                ctx.degrade(f"generation:{type(exc).__name__}")
                return None
        return None  # pragma: no cover - the loop always returns

    async def _ask_llm(self, messages: list[Any], config: Any) -> str:
        assert self.llm is not None
        llm = self.llm
        return str((await _loops.call(lambda: llm.ainvoke(messages, config))).text)

    async def _stream_llm(self, messages: list[Any], config: Any, feed: SentenceFeed) -> str:
        """The LLM's answer token by token; each completed sentence goes to the streaming guards."""
        assert self.llm is not None
        text = ""
        llm = self.llm
        async for piece in _loops.iterate(lambda: llm.astream(messages, config)):
            text += str(piece.text)
            await feed.update(text)
        return text


def build_chain(
    index: str | os.PathLike[str] | Index = ".ragfort/index",
    llm: BaseChatModel | None = None,
    *,
    k: int = 5,
    follow_ups: FollowUpRule = "auto",
    respell: bool = True,
) -> RagChain:
    """The embedded default RAG chain over an index folder.

    Args:
        index: the index folder (made by ``ragfort ingest``) or an `Index`.
        llm: any LangChain chat model; None for the extractive generator.
        k: passages to retrieve.
        follow_ups: how a question asked with a conversation (``chat_history``)
            is resolved before retrieval when there is no LLM to rewrite it:
            ``auto`` (the question is joined to the customer's previous one when
            it reads as a follow-up), ``always`` or ``never``; see `ragfort.conversation`.
        respell: search on a question's typos respelt as the corpus spells the word meant
            (`RagChain.query`); False searches on the question as typed.

    Raises:
        IndexError_: no complete index at that path.
    """
    idx = index if isinstance(index, Index) else Index(index)
    idx.check_ready()
    _ = idx.embedder  # load the model now, not inside the first request's timings
    chain = RagChain(idx, llm=llm, k=k, follow_ups=follow_ups, respell=respell)
    chain.query("")  # read the corpus's words now, not inside the first request's timings
    return chain
