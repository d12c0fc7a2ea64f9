"""The ``answerability`` task's data: (passage, question) -> 1 when the passage answers the question.

A pair's first text is one retrieved chunk exactly as ingest cuts it (its
heading included), the second the customer's question: the same shape the
relevance guard scores at serving time. The mix:

1. **cases**: the ``train`` split of the hand-written cases in
   ``evals/answerability/*.jsonl``, one pair per listed passage (its
   ``answers`` flag is the label), counted twice; their ``dev`` split
   becomes the ``cases/<corpus>`` dev sets the best checkpoint is chosen on.
   The ``test`` split is never read here.
2. **generated** pairs over every corpus of `perturb.CORPORA` (train
   documents only; dev documents become ``generated/<corpus>`` dev sets; a
   held-out corpus is all dev: the leave-one-corpus-out score). Questions are
   built from the corpus's own sentences with the support task's question
   writers (a wh-question about one quantity or party, or a yes/no
   question). Each question gives:

   - ``answered`` (1): the chunk that holds its sentence;
   - ``same_topic`` (0): another chunk of the same article that does not
     hold the sentence's content (the article's other section);
   - ``nearby`` (0): the chunk of another (training) article that shares
     most words with the question but not the sentence's content;
   - ``false_premise`` (0): a wh-question with one product, plan, channel
     or country swapped for another the chunk does not name ("How much is
     a screen repair for the Voltwise Tab?" against a table without it);
   - ``off_topic`` (0): a question of another corpus against the chunk of
     this one that shares most words with it;
   - ``ablated`` (0, with ``--counterfactual``): the question's own chunk with
     its sentence taken out.
3. **public** sets whose license allows a shipped model: ClapNQ dev (its
   ``train`` half by `clapnq_half`; the ``test`` half is never read here),
   QNLI dev, SelQA (both sentence-level) and CLINC150's out-of-scope queries
   against the in-domain chunk that shares most words with them.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ragfort.errors import ConfigError
from ragfort.index.loaders import discover
from ragfort.judges import perturb
from ragfort.judges.equivalence_mix import surface_form
from ragfort.judges.mix import (
    GENERATED_LICENSE,
    Mix,
    MixSettings,
    SourceCount,
    _best_sentences,
    _cap,
    _count,
    _detok,
    _sample_groups,
    chosen_corpora,
    document_split,
    finish_mix,
    hold_back,
    in_domain_selection,
    place_generated,
    read_labelled,
)
from ragfort.judges.perturb import Pair

__all__ = [
    "CLAPNQ_LICENSE",
    "answerability_mix",
    "case_pairs",
    "clapnq_dev_ids",
    "clapnq_half",
    "clapnq_pairs",
    "generate_question_pairs",
    "load_answerability_cases",
]

CLAPNQ_LICENSE = "Apache-2.0 (annotations), CC BY-SA (Wikipedia text)"
QNLI_LICENSE = "MIT (GLUE repo); SQuAD text CC BY-SA 4.0"
SELQA_LICENSE = "Apache-2.0"
CLINC_LICENSE = "CC BY 3.0"
CASE_REPEAT = 2  # hand-written training cases count twice: they are the closest to real traffic

_WS = re.compile(r"\s+")
T = TypeVar("T")


# --------------------------------------------------------------------------- hand-written cases


def case_pairs(case: Mapping[str, Any]) -> list[Pair]:
    """One hand-written case as pairs: each listed passage with the question, labelled by its ``answers`` flag."""
    question = str(case["question"]).strip()
    corpus = str(case["corpus"])
    out = []
    for p in case["passages"]:
        label = int(bool(p["answers"]))
        out.append(Pair(str(p["text"]), question, label, str(case.get("kind") or ""), corpus, str(p["doc_id"])))
    return out


def _checked(case: dict[str, Any]) -> dict[str, Any]:
    case_pairs(case)  # raises on a case of the wrong shape
    return case


def load_answerability_cases(root: Path, *, split: str) -> dict[str, list[dict[str, Any]]]:
    """The hand-written cases of one split, per corpus (``evals/answerability/*.jsonl``).

    Raises:
        ConfigError: a line that is not a case; names the file and line.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    folder = root / "evals" / "answerability"
    for case in read_labelled(folder, split=split, what="an answerability case", parse=_checked):
        out.setdefault(str(case["corpus"]), []).append(case)
    return out


# --------------------------------------------------------------------------- generated pairs


def _overlap(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / max(1, len(part))


def _questions(c: Any, text: str, rng: random.Random) -> list[tuple[str, bool]]:
    """(question, is a wh-question) built from one corpus sentence."""
    out: list[tuple[str, bool]] = []
    frag = perturb._fragment(c, text, rng)
    if frag:
        out.append((frag[0], True))
    yn = perturb._yes_no(c, text)
    if yn:
        out.append((yn[1], False))
    return out


def generate_question_pairs(
    root: Path,
    *,
    corpus: str,
    seed: int = 0,
    per_chunk: int = 2,
    negative_docs: Iterable[str] | None = None,
    counterfactual: bool = False,
    surface: bool = False,
) -> list[Pair]:
    """Generated (chunk, question) pairs over one corpus (see the module notes).

    Args:
        root: the corpus folder.
        corpus: the name stored on every pair.
        seed: the same seed gives the same pairs.
        per_chunk: at most this many questions start from each chunk.
        negative_docs: the documents a ``nearby`` negative's chunk may come
            from (default: all); a pair's ``doc_id`` is always the document
            its question was written from.
        counterfactual: also pair each answered question with its own chunk
            minus the sentence it was written from (``ablated``, 0), when
            what is left holds other sentences but not that one's content:
            the same passage, on the same topic, without the detail asked.
        surface: ask about half of the questions in another form, as people
            type them (`equivalence_mix.surface_form`); all the pairs of one
            question share its form. Its own random stream: the pairs made
            without it are unchanged.
    """
    rng = random.Random(f"{seed}:{corpus}")
    form_rng = random.Random(f"{seed}:{corpus}:surface")
    c = perturb._load_corpus(root, corpus)
    allowed = set(negative_docs) if negative_docs is not None else None
    chunks: list[tuple[int, int, str, frozenset[str]]] = [
        (d, k, text, perturb._stems(text)) for d, doc in enumerate(c.docs) for k, text in enumerate(doc.chunks)
    ]
    out: list[Pair] = []
    seen: set[tuple[str, str]] = set()

    def add(passage: str, question: str, label: int, kind: str, doc_id: str) -> None:
        key = (passage, question)
        if key in seen:
            return
        seen.add(key)
        out.append(Pair(passage, question, label, kind, corpus, doc_id))

    for d, doc in enumerate(c.docs):
        for k, chunk in enumerate(doc.chunks):
            sents = list(doc.sents[k])
            rng.shuffle(sents)
            made = 0
            for sent in sents:
                if made >= per_chunk:
                    break
                qs = _questions(c, sent.text, rng)
                if not qs:
                    continue
                question, wh = qs[0] if len(qs) == 1 or rng.random() < 0.6 else qs[1]
                if surface and form_rng.random() < 0.5:
                    question = surface_form(question, form_rng)[0]
                made += 1
                add(chunk, question, 1, "answered", doc.doc_id)
                content = sent.stems
                qstems = perturb._stems(question)
                # Another section of the same article that does not hold the sentence's content.
                siblings = [
                    text
                    for dd, kk, text, st in chunks
                    if dd == d and kk != k and _overlap(content, st) < 0.5 and sent.text not in text
                ]
                if siblings:
                    add(rng.choice(siblings), question, 0, "same_topic", doc.doc_id)
                if counterfactual:
                    ablated = _without(chunk, sent.text)
                    if ablated is not None and _overlap(content, perturb._stems(ablated)) < 0.5:
                        add(ablated, question, 0, "ablated", doc.doc_id)
                # The closest chunk of another article, unless it holds the sentence's content.
                best: tuple[float, str] | None = None
                for dd, _kk, text, st in chunks:
                    if dd == d or (allowed is not None and c.docs[dd].doc_id not in allowed):
                        continue
                    if _overlap(content, st) >= 0.5:
                        continue
                    score = _overlap(qstems, st) + rng.random() * 0.05
                    if best is None or score > best[0]:
                        best = (score, text)
                if best is not None and best[0] > 0.2:
                    add(best[1], question, 0, "nearby", doc.doc_id)
                if wh:
                    edit = perturb._swap_entity(c, question, chunk, rng)
                    if edit is not None and edit.text != question:
                        add(chunk, edit.text, 0, "false_premise", doc.doc_id)
    return out


def _without(chunk: str, sentence: str) -> str | None:
    """`chunk` with `sentence` taken out, or None when it is not there word for word or nothing else is left."""
    at = chunk.find(sentence)
    if at < 0:
        return None
    left, right = chunk[:at].rstrip(" "), chunk[at + len(sentence) :].lstrip(" ")
    # No space is put after a line break (the heading's): the rest reads as the chunk did.
    rest = (left + ("" if not left or left.endswith("\n") else " ") + right).strip()
    rest = re.sub(r"[ \t]{2,}", " ", rest)
    rest = re.sub(r"\n{3,}", "\n\n", rest)
    body = [line for line in rest.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return rest if body else None


def _off_topic(
    questions: Sequence[tuple[str, str]],
    chunks: Sequence[tuple[str, str, str, frozenset[str]]],
    rng: random.Random,
    *,
    kind: str,
) -> list[Pair]:
    """Each (corpus, question) against the chunk of another corpus that shares most words with it."""
    out: list[Pair] = []
    for corpus, question in questions:
        qstems = perturb._stems(question)
        best: tuple[float, str, str, str] | None = None
        for other, doc_id, text, st in chunks:
            if other == corpus:
                continue
            score = _overlap(qstems, st) + rng.random() * 0.05
            if best is None or score > best[0]:
                best = (score, other, doc_id, text)
        if best is not None:
            out.append(Pair(best[3], question, 0, kind, best[1], best[2]))
    return out


# --------------------------------------------------------------------------- public sets


def clapnq_half(question_id: str) -> str:
    """``train`` or ``test``: ClapNQ dev split in two halves by a hash of the question id (never tuned on ``test``)."""
    return "test" if hashlib.sha256(question_id.encode()).digest()[0] & 1 else "train"


def clapnq_pairs(folder: Path, *, half: str) -> list[Pair]:
    """ClapNQ dev's questions of one half with their gold passage, cut to the sentences nearest the question.

    Label 1 for the answerable file's questions, 0 for the unanswerable file's
    (their passage is on the topic but does not answer).
    """
    out: list[Pair] = []
    for name, label in (("clapnq_dev_answerable.jsonl", 1), ("clapnq_dev_unanswerable.jsonl", 0)):
        with (folder / name).open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if clapnq_half(str(row["id"])) != half or not row.get("passages"):
                    continue
                question = str(row["input"]).strip()
                p = row["passages"][0]
                text = _best_sentences(_detok(str(p["text"])), question, budget_words=110)
                title = str(p.get("title") or "").strip()
                passage = f"# {title}\n\n{text}" if title else text
                kind = "answerable" if label else "unanswerable"
                out.append(Pair(passage, question, label, kind, "clapnq", f"clapnq:{row['id']}"))
    return out


def clapnq_dev_ids(train_half: Sequence[Pair], *, seed: int, public_dev: int) -> set[str]:
    """The ClapNQ questions (``clapnq:<id>``) of the train half that the mix holds back as its dev set."""
    docs = sorted({p.doc_id for p in train_half})
    random.Random(seed).shuffle(docs)
    return set(docs[: public_dev // 2])


def _qnli(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    with (folder / "dev.tsv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            _i, question, sentence, label = parts
            out.append(Pair(sentence, question, int(label == "entailment"), label, "qnli", f"qnli:{question}"))
    return out


def _selqa(folder: Path) -> list[Pair]:
    out: list[Pair] = []
    for name in ("selqa-ass-dev.tsv", "selqa-ass-test.tsv"):
        with (folder / name).open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or parts[2] not in ("0", "1"):
                    continue
                question, sentence, label = parts
                out.append(Pair(_detok(sentence), _detok(question), int(label), label, "selqa", f"selqa:{question}"))
    return out


def _clinc_oos(folder: Path) -> list[str]:
    data = json.loads((folder / "data_full.json").read_text(encoding="utf-8"))
    out = []
    for part in ("oos_train", "oos_val", "oos_test"):
        for text, _label in data[part]:
            text = _WS.sub(" ", str(text)).strip()
            if text:
                out.append(text[:1].upper() + text[1:] + ("" if text.endswith("?") else "?"))
    return out


# --------------------------------------------------------------------------- the mix


def answerability_mix(settings: MixSettings) -> Mix:
    """The ``answerability`` task's mix (see the module notes).

    ``per_sentence`` is read as questions per chunk; ``public_max`` caps each
    public set (ClapNQ's train half is used whole), ``public_dev`` rows of
    each become its dev set.

    Raises:
        ConfigError: the data folder or a public set is missing, or a held-out
            corpus is unknown.
    """
    rng = random.Random(settings.seed)
    corpora = dict(perturb.CORPORA)
    chosen = chosen_corpora(settings)
    train: list[Pair] = []
    dev: dict[str, list[Pair]] = {}
    counts: list[SourceCount] = []

    # 1. hand-written cases
    for corpus, cases in sorted(load_answerability_cases(settings.root, split="train").items()):
        if corpus in settings.holdout:
            continue
        pairs = [p for case in cases for p in case_pairs(case)]
        train.extend(pairs * CASE_REPEAT)
        counts.append(_count(f"cases/{corpus}", "train", pairs, GENERATED_LICENSE))
    for corpus, cases in sorted(load_answerability_cases(settings.root, split="dev").items()):
        pairs = [p for case in cases for p in case_pairs(case)]
        dev[f"cases/{corpus}"] = pairs
        counts.append(_count(f"cases/{corpus}", f"cases/{corpus}", pairs, GENERATED_LICENSE))

    # 2. generated pairs
    questions_by_corpus: list[tuple[str, str]] = []
    train_chunks: list[tuple[str, str, str, frozenset[str]]] = []
    if settings.per_sentence > 0:
        for name in chosen:
            folder = Path(corpora[name])
            folder = folder if folder.is_absolute() else settings.root / folder
            split_of = document_split(settings.root, name)
            c_docs = [doc_id for doc_id, _path in discover(folder)]
            train_docs = [d for d in c_docs if split_of(d) == "train"]
            pairs = generate_question_pairs(
                folder,
                corpus=name,
                seed=settings.seed,
                per_chunk=settings.per_sentence,
                negative_docs=train_docs,
                counterfactual=settings.counterfactual,
                surface=settings.surface,
            )
            kept = place_generated(name, pairs, settings, rng, dev=dev, counts=counts)
            train.extend(kept)
            questions_by_corpus += [(name, p.hypothesis) for p in kept if p.label == 1]
            train_chunks += [(name, p.doc_id, p.premise, perturb._stems(p.premise)) for p in kept if p.label == 1]
        # Off-topic: a question of one corpus against the closest chunk of another.
        if len({n for n, *_ in train_chunks}) > 1:
            asked = _cap(questions_by_corpus, max(1, len(questions_by_corpus) // 4), rng)
            off = _off_topic(asked, train_chunks, rng, kind="off_topic")
            train.extend(off)
            counts.append(_count("generated/off_topic", "train", off, GENERATED_LICENSE))

    # 3. public sets
    if settings.public_max > 0 or settings.public_dev > 0:
        base = settings.data
        folders = {
            "clapnq": base / "clapnq",
            "qnli": base / "answerability" / "qnli",
            "selqa": base / "answerability" / "selqa",
            "clinc150": base / "answerability" / "clinc150",
        }
        for name, folder in folders.items():
            if not folder.is_dir():
                raise ConfigError(
                    f"public set {name!r} is missing: {str(folder)!r}; pass --data or set RAGFORT_SHARED_DATA"
                )
        try:
            clap = clapnq_pairs(folders["clapnq"], half="train")
            sentence_sets = {
                "qnli": (_qnli(folders["qnli"]), QNLI_LICENSE),
                "selqa": (_selqa(folders["selqa"]), SELQA_LICENSE),
            }
            oos = _clinc_oos(folders["clinc150"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"cannot read a public answerability set under {str(base)!r}: {exc!r}") from exc
        clap_dev = clapnq_dev_ids(clap, seed=settings.seed, public_dev=settings.public_dev)
        dev["public/clapnq"] = [p for p in clap if p.doc_id in clap_dev]
        clap_train = [p for p in clap if p.doc_id not in clap_dev]
        train.extend(clap_train)
        counts.append(_count("clapnq", "train", clap_train, CLAPNQ_LICENSE))
        counts.append(_count("clapnq", "public/clapnq", dev["public/clapnq"], CLAPNQ_LICENSE))
        for name, (pairs, terms) in sentence_sets.items():
            picked = _sample_groups(pairs, settings.public_max + settings.public_dev, rng)
            held_rows, rest = hold_back(picked, settings.public_dev)
            rest = rest[: settings.public_max]
            train.extend(rest)
            counts.append(_count(name, "train", rest, terms))
            if held_rows:
                dev[f"public/{name}"] = held_rows
                counts.append(_count(name, f"public/{name}", held_rows, terms))
        if train_chunks:
            picked_oos = [("clinc150", q) for q in _cap(oos, settings.public_max // 2, rng)]
            oos_pairs = _off_topic(picked_oos, train_chunks, rng, kind="out_of_scope")
            train.extend(oos_pairs)
            counts.append(_count("clinc150/oos", "train", oos_pairs, CLINC_LICENSE))

    selection = in_domain_selection(dev, settings)
    if not selection:
        raise ConfigError("no in-domain dev set to choose the best checkpoint on (no dev cases or dev documents)")
    rng.shuffle(train)
    return finish_mix(
        "answerability", settings, train=train, dev=dev, selection=selection, counts=counts, corpora=chosen,
        case_repeat=CASE_REPEAT,
    )  # fmt: skip
