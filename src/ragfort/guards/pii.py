"""The PII guard: personal data never reaches the LLM, logs, traces, cache or reports.

One class, three stages:

* **input**: user-typed placeholder syntax is neutralised, then the question
  is redacted with session placeholders (``<PERSON_1>``); a `Redaction` per
  replaced value is appended to the turn.
* **retrieval**: a passage from a source declared public at ingest
  (`Passage.public`: a help center) is left exactly as indexed: its support
  line, store addresses and product names are published on purpose, and
  rewriting them broke answers ("call <PHONE_NUMBER_1>") and citations.
  With ``at_retrieval: request`` every other passage is redacted
  with the same session mapping (so the question's ``<PERSON_1>`` is the
  passages' ``<PERSON_1>``) and its sentence offsets recomputed. With
  ``at_retrieval: ingest`` passages were redacted by `redact_corpus`; a cheap
  patterns-only pass (plus the session's known values) catches anything an
  older index still holds.
* **output**: the answer is checked again: the LLM may echo or invent
  personal data. Values the session already mapped get their old placeholder;
  existing placeholders are left alone. A span the answer copied from a
  public passage of this turn is public too and stays, unless it is one of
  the customer's own values.

The session mapping lives in ``ctx.extras["pii.session"]`` for the request
and in the vault under (tenant, session) between requests. Without a
session id the request's trace id scopes it, and nothing is written to the
vault (no later request can use it, so nothing should be kept).

`finalize` runs on the text shown to the customer, after caching: with
``restore_for_owner`` it puts the customer's own values back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from ragfort.context import RunContext
from ragfort.guards.base import BaseGuard, CorpusTransform, GuardSettings
from ragfort.paths import data_dir
from ragfort.pii.corpus import redact_corpus
from ragfort.pii.detect import Detection, get_detector
from ragfort.pii.pseudonym import (
    RedactedText,
    SessionMapping,
    apply,
    known_value_detections,
    merge,
    neutralize,
    placeholder_spans,
)
from ragfort.pii.settings import NER_ENTITIES, PIISettings
from ragfort.pii.vault import Vault, VaultKeys, open_vault
from ragfort.pii.vocabulary import corpus_term, published_contact
from ragfort.text import CorpusVocabulary, sentence_spans
from ragfort.types import Action, Finding, Passage, Redaction, Stage, Turn, Verdict

__all__ = ["PIIGuard"]

STATE_KEY = "pii.session"


class PIIGuardSettings(GuardSettings, PIISettings):
    """Settings of the ``pii`` guard: the detection settings of `PIISettings` plus these.

    Args:
        restore_for_owner: `finalize` puts the session's own values back into
            the answer shown to the customer.
        at_retrieval: ``ingest`` when the index was built with `redact_corpus`
            (then only a cheap pattern check runs), ``request`` to redact
            passages at every request.
        vault: ``memory``, ``sqlite``, ``redis`` (``$RAGFORT_REDIS_URL``, shared by
            replicas) or ``auto`` (``redis`` when that variable is set, else ``sqlite``).
        vault_path: the SQLite file; default ``data_dir()/vault.sqlite``.
        vault_ttl_s: how long a session's mappings are kept.
        corpus_namespace: must equal the ``namespace`` given to `redact_corpus`.
        corpus_names: at the question stage, a span the NER model reads as a
            person is kept when it is a name the help center itself writes
            ("cover max", "Skylark Miles"; `ragfort.pii.vocabulary`), for a
            chain that retrieves from ragfort's index. Off: every such span
            is redacted, as for a wrapped chain.
        corpus_contacts: at the question stage, a phone number or e-mail
            address that a public document of ragfort's index prints is
            kept: the help center's own support line, typed by the customer
            or quoted in the assistant's earlier answers
            (`ragfort.pii.vocabulary.published_contact`). Off: redacted.
    """

    restore_for_owner: bool = False
    at_retrieval: Literal["ingest", "request"] = "ingest"
    vault: Literal["memory", "sqlite", "redis", "auto"] = "auto"
    vault_path: str | None = None
    vault_ttl_s: float = Field(default=3600.0, gt=0)
    corpus_namespace: str = "default"
    corpus_names: bool = True
    corpus_contacts: bool = True


_WORD = re.compile(r"\w+")
_SENTENCE_STOP = re.compile(r"[.!?]")


def _copied_from_public(text: str, found: Detection, public_sources: Sequence[str]) -> bool:
    """Whether `found` is published text that the answer copied, not personal data.

    A structured value (a phone number, an e-mail address, a street address)
    that a public passage holds is the company's own: the support line is
    public whoever types it. A name-like span (an NER type) must also be
    copied with a word of its context on each side ("On the Unlimited plan,"
    from "On the Unlimited plan, data is not capped"), so that a customer's
    name that happens to appear in a public passage ("John" in "John Lewis")
    is still redacted when the answer greets them with it.
    """
    value = text[found.start : found.end]
    if found.entity not in NER_ENTITIES:
        return any(value in src for src in public_sources)
    before = list(_WORD.finditer(text, 0, found.start))
    after = _WORD.search(text, found.end)
    start = before[-1].start() if before else found.start
    end = after.end() if after else found.end
    # The context stops at a sentence's end: an answer joins sentences of different passages ("... under Policy >
    # Documents." then "A Fernhill renters policy ..."), and the word after the full stop is another passage's.
    # A span that is a sentence of its own still needs the words around it.
    left = _SENTENCE_STOP.search(text, before[-1].end(), found.start) if before else None
    right = _SENTENCE_STOP.search(text, found.end, after.start()) if after else None
    if left is None or right is None:
        start = left.end() if left is not None else start
        end = right.end() if right is not None else end
    window = text[start:end].strip()
    return any(window in src for src in public_sources)


class PIIGuard(BaseGuard):
    """Redacts personal data at input, retrieval and output; restores it for its owner.

    Args:
        stage: where this instance runs.
        required: a fault fails the request closed.
        **settings: `PIIGuardSettings` fields.
    """

    name = "pii"
    stages = frozenset(Stage)
    Settings = PIIGuardSettings
    redacts = True

    def __init__(self, *, stage: Stage = Stage.INPUT, required: bool = True, **settings: Any) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = PIIGuardSettings(**settings)
        detection = self.settings.model_dump(include=set(PIISettings.model_fields))
        self.pii_settings = PIISettings(**detection)
        # Built (or fetched from the process cache) now, not on the first request.
        self.detector = get_detector(self.pii_settings)
        self._vault: Vault | None = None
        # Fixed now, so that the guards of one policy (one per stage) share one
        # vault even if the data dir setting changes later in the process.
        self._vault_path = self.settings.vault_path or str(data_dir() / "vault.sqlite")

    # -- plumbing -----------------------------------------------------------
    @property
    def vault(self) -> Vault:
        """The vault backend (opened on first use)."""
        if self._vault is None:
            self._vault = open_vault(self.settings.vault, path=self._vault_path)
        return self._vault

    def _keys(self) -> VaultKeys:
        keys = getattr(self.vault, "keys", None)
        return keys if isinstance(keys, VaultKeys) else VaultKeys.load()

    def session(self, ctx: RunContext) -> SessionMapping:
        """This request's session mapping, loaded from the vault on first use."""
        mapping = ctx.extras.get(STATE_KEY)
        if isinstance(mapping, SessionMapping) and mapping.tenant == ctx.tenant:
            return mapping
        if ctx.session_id:
            mapping = SessionMapping.from_records(
                ctx.tenant, ctx.session_id, self.vault.load(ctx.tenant, ctx.session_id)
            )
        else:
            mapping = SessionMapping(tenant=ctx.tenant, session=ctx.trace_id)
        ctx.extras[STATE_KEY] = mapping
        return mapping

    def _persist(self, mapping: SessionMapping, ctx: RunContext) -> None:
        new = mapping.take_unsaved()
        if new and ctx.session_id:
            self.vault.save(ctx.tenant, ctx.session_id, new, ttl_s=self.settings.vault_ttl_s)

    def _redact(
        self,
        text: str,
        mapping: SessionMapping,
        ctx: RunContext,
        *,
        patterns_only: bool = False,
        checked_sources: Sequence[str] = (),
        public_sources: Sequence[str] = (),
        vocabulary: CorpusVocabulary | None = None,
    ) -> RedactedText:
        protected = placeholder_spans(text)
        detector = get_detector(self.pii_settings, patterns_only=True) if patterns_only else self.detector
        # What a text held is reused only within its conversation (`Detector.detect`'s memo).
        scope = f"{ctx.tenant}\x1f{ctx.session_id}" if ctx.session_id else None
        found: list[Detection] = detector.detect(text, protected=protected, scope=scope)
        if vocabulary is not None and self.settings.corpus_names:
            # "does cover max cover windscreens": the help center's product, which the NER model read as a person.
            found = [d for d in found if d.entity != "PERSON" or not corpus_term(text, d.start, d.end, vocabulary)]
        if vocabulary is not None and self.settings.corpus_contacts:
            # "Call us on 0345 712 3400" in the assistant's last answer: the support line a public article prints.
            found = [d for d in found if not published_contact(d.entity, text[d.start : d.end], vocabulary)]
        if checked_sources:
            # A name-like span copied from passages that were already checked (at ingest, with the whole
            # corpus's vocabulary, or at this request's retrieval stage) was judged not personal there:
            # "If Number Lock is on" read alone looks like a person to the NER model.
            found = [
                d for d in found
                if d.entity not in NER_ENTITIES or not any(text[d.start : d.end] in src for src in checked_sources)
            ]  # fmt: skip
        found = merge(found, known_value_detections(text, mapping, protected=protected))
        if public_sources:
            found = [d for d in found if not _copied_from_public(text, d, public_sources)]
        return apply(
            text,
            found,
            settings=self.pii_settings,
            mapping=mapping,
            keys=self._keys(),
            tenant=ctx.tenant,
            from_customer=self.stage is Stage.INPUT,
        )

    def _result(self, turn: Turn, new_turn: Turn, results: list[RedactedText]) -> Verdict:
        replaced = [r for res in results for r in res.replacements]
        if not replaced:
            return self.verdict(Action.ALLOW, score=0.0)
        findings = tuple(Finding(label=r.entity, start=r.start, end=r.end, score=r.score) for r in replaced)
        types = sorted({r.entity for r in replaced})
        reason = f"redacted {len(replaced)} value(s) of type {', '.join(types)}"
        return self.verdict(
            Action.REWRITE,
            turn=new_turn,
            score=max(r.score for r in replaced),
            reason=reason,
            findings=findings,
        )

    def _records(self, results: list[RedactedText]) -> tuple[Redaction, ...]:
        return tuple(
            Redaction(stage=self.stage, entity=r.entity, placeholder=r.placeholder)
            for res in results
            for r in res.replacements
        )

    # -- the guard ----------------------------------------------------------
    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Redact the text of `turn` that belongs to this guard's stage."""
        mapping = self.session(ctx)
        if self.stage is Stage.INPUT:
            verdict = self._check_question(turn, mapping, ctx)
        elif self.stage is Stage.RETRIEVAL:
            verdict = self._check_passages(turn, mapping, ctx)
        else:
            verdict = self._check_answer(turn, mapping, ctx)
        self._persist(mapping, ctx)
        return verdict

    def _check_question(self, turn: Turn, mapping: SessionMapping, ctx: RunContext) -> Verdict:
        # The conversation's earlier messages first, in order, so that a value given in turn 1 and repeated
        # in the question keeps the placeholder it got in turn 1.
        results: list[RedactedText] = []
        redacted_history = []
        read = ctx.state.vocabulary if self.settings.corpus_names or self.settings.corpus_contacts else None
        vocabulary = read() if read is not None else None
        for message in turn.history:
            # The session's own placeholders in earlier messages are ragfort's (a conversation store keeps
            # redacted history and sends it back); look-alikes it never issued are still neutralised. The
            # corpus rule reads every message: the assistant's earlier answers quote the help center's names
            # ("Flexi Season holders can claim Delay Repay") as often as the customer's questions do.
            content = neutralize(message.content, keep=mapping.records)
            result = self._redact(content, mapping, ctx, vocabulary=vocabulary)
            results.append(result)
            redacted_history.append(dataclasses.replace(message, content=result.text))
        history = tuple(redacted_history)
        question = neutralize(turn.question)
        result = self._redact(question, mapping, ctx, vocabulary=vocabulary)
        results.append(result)
        if question == turn.question and history == turn.history and not any(r.changed for r in results):
            return self.verdict(Action.ALLOW, score=0.0)
        new_turn = turn.evolve(
            question=result.text, history=history, redactions=turn.redactions + self._records(results)
        )
        verdict = self._result(turn, new_turn, results)
        if verdict.action is Action.ALLOW:
            # Only look-alike placeholders were neutralised: still a rewrite.
            return self.verdict(Action.REWRITE, turn=new_turn, score=0.0, reason="neutralised placeholder syntax")
        return verdict

    def _check_passages(self, turn: Turn, mapping: SessionMapping, ctx: RunContext) -> Verdict:
        request_mode = self.settings.at_retrieval == "request"
        passages: list[Passage] = []
        results: list[RedactedText] = []
        changed = False
        for passage in turn.documents:
            if passage.public:
                passages.append(passage)  # published text: never rewritten, so citations quote it exactly
                continue
            text = neutralize(passage.text) if request_mode else passage.text
            result = self._redact(text, mapping, ctx, patterns_only=not request_mode)
            if result.text != passage.text:
                changed = True
                passage = dataclasses.replace(passage, text=result.text, sentences=tuple(sentence_spans(result.text)))
            passages.append(passage)
            results.append(result)
        if not changed:
            return self.verdict(Action.ALLOW, score=0.0)
        new_turn = turn.evolve(documents=tuple(passages), redactions=turn.redactions + self._records(results))
        verdict = self._result(turn, new_turn, results)
        if verdict.action is Action.ALLOW:
            return self.verdict(Action.REWRITE, turn=new_turn, score=0.0, reason="neutralised placeholder syntax")
        return verdict

    def _check_answer(self, turn: Turn, mapping: SessionMapping, ctx: RunContext) -> Verdict:
        if not turn.answer:
            return self.verdict(Action.ALLOW, score=0.0)
        # The answer's placeholders are the LLM repeating ours: keep them.
        result = self._redact(
            turn.answer,
            mapping,
            ctx,
            checked_sources=self._checked_passages(turn, ctx),
            public_sources=tuple(p.text for p in turn.documents if p.public),
        )
        if not result.changed:
            return self.verdict(Action.ALLOW, score=0.0)
        new_turn = turn.evolve(answer=result.text, redactions=turn.redactions + self._records([result]))
        return self._result(turn, new_turn, [result])

    def _checked_passages(self, turn: Turn, ctx: RunContext) -> tuple[str, ...]:
        """The passages' texts, when this policy's PII guard checked them at the retrieval stage of this request."""
        checked = any(
            v.guard == self.name and v.stage is Stage.RETRIEVAL and v.action in (Action.ALLOW, Action.REWRITE)
            for v in ctx.verdicts
        )
        return tuple(p.text for p in turn.documents) if checked else ()

    def corpus_transform(self) -> CorpusTransform | None:
        """The ingest-time redaction of documents, and an id naming its settings.

        Only the retrieval-stage instance with ``at_retrieval: ingest`` has
        one; `ragfort.ingest` applies it so the index stores redacted text.
        """
        if self.stage is not Stage.RETRIEVAL or self.settings.at_retrieval != "ingest":
            return None
        settings = self.pii_settings
        namespace = self.settings.corpus_namespace

        def transform(texts: list[str]) -> list[str]:
            return [r.text for r in redact_corpus(texts, settings=settings, namespace=namespace)]

        ident = json.dumps({"pii": settings.model_dump(mode="json"), "namespace": namespace}, sort_keys=True)
        return transform, "pii:" + hashlib.sha256(ident.encode()).hexdigest()[:16]

    def finalize(self, answer: str, ctx: RunContext) -> str:
        """The answer as shown to the customer: with `restore_for_owner`, their own values put back.

        Only placeholders of this tenant's session are restored; anything else
        (corpus placeholders, other sessions' numbers, user-typed look-alikes)
        stays as it is.
        """
        if not self.settings.restore_for_owner:
            return answer
        return self.session(ctx).restore(answer)
