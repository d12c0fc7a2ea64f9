"""Personal data found in questions that hold none, with and without the help center's own wording.

Run: ``python benchmarks/pii_questions.py [--show]``.

1. **Questions with nothing personal.** Every question of the labelled sets under ``evals/`` (answerability,
   equivalence, grounding, conversations, cache pairs; the golden questions tagged ``pii`` and the PII sets
   themselves left out) is written about a help center with no personal data in it, so whatever the
   ``support_agent`` policy's PII settings find there is a false positive that changes the question retrieval,
   the relevance guard and the cache read. Each is counted per entity type twice: as the detector finds it, and
   after the input PII guard's corpus rule (`ragfort.pii.vocabulary.corpus_term`) with the vocabulary of the help
   center the question is about (read from its Markdown files as `Index` reads its chunks).
   The same count over the answers of those sets (the assistant turns of the conversations' histories, their
   reference answers, the grounding cases' answers): what the input PII guard reads in a conversation's earlier
   assistant messages, which it judges with the same corpus rule since session 36.
   Phone numbers and e-mail addresses a help center prints in its (public) articles are its own
   (`ragfort.pii.vocabulary.published_contact`, session 37): the "other" columns count the rest.
2. **Values that must stay redacted.** The gold ``PERSON``, ``PHONE_NUMBER`` and ``EMAIL_ADDRESS`` spans of the
   three PII sets (`evals/pii/`, 622 messages over many businesses) that the detector finds: how many the corpus
   rule (names) and the printed contact points (phones, e-mails) would let through under each help center's
   vocabulary, and under all of them pooled (the largest vocabulary, the worst case).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "guards" / "support_agent.yaml"
PII_SETS = ["support_messages.jsonl", "support_messages_fresh.jsonl", "support_messages_fresh2.jsonl"]
# Set files named after something other than their help center.
VOLTWISE_FILES = {"help_center", "cache_pairs", "cache_distinct", "conversations", "grounding_followups"}


def _detector() -> Any:
    import yaml

    from ragfort.pii.detect import get_detector
    from ragfort.pii.settings import PIISettings

    block = yaml.safe_load(POLICY.read_text())["x-pii"]
    return get_detector(PIISettings(**{k: v for k, v in block.items() if k in PIISettings.model_fields}))


def _vocabularies() -> dict[str, Any]:
    from ragfort.judges.perturb import BLIND_CORPORA, CORPORA, UNSEEN_CORPORA
    from ragfort.text import corpus_vocabulary

    found = {}
    for name, folder in {**CORPORA, **UNSEEN_CORPORA, **BLIND_CORPORA}.items():
        texts = [path.read_text(encoding="utf-8") for path in sorted(Path(folder).rglob("*.md"))]
        found[name] = corpus_vocabulary(texts, public=texts)  # every help center here is published
    return found


def _corpus(path: Path, record: dict[str, Any], known: dict[str, Any]) -> str | None:
    name = record.get("corpus")
    if isinstance(name, str) and name in known:
        return name
    stem = path.stem
    if stem in known:
        return stem
    if stem in VOLTWISE_FILES:
        return "voltwise"
    return next((n for n in known if stem.startswith(n)), None)


def _questions(known: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """question -> (set family, help center), each distinct question once."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "evals").rglob("*.jsonl")):
        family = path.relative_to(ROOT / "evals").parts[0].removesuffix(".jsonl")
        if family in ("pii", "injection"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if "pii" in (record.get("tags") or []):
                continue  # golden questions written with personal data on purpose
            corpus = _corpus(path, record, known)
            if corpus is None:
                continue
            texts = [record.get(k) for k in ("question", "q1", "q2", "first", "second")]
            for turn in record.get("turns") or []:
                if isinstance(turn, dict):
                    texts += [turn.get(k) for k in ("question", "user", "content")]
            for text in texts:
                if isinstance(text, str) and text.strip():
                    found.setdefault(text, (family.split("_")[0], corpus))
    return found


def _answers(known: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """answer -> (kind, help center): assistant turns of histories, reference answers, grounding answers."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "evals").rglob("*.jsonl")):
        if path.relative_to(ROOT / "evals").parts[0] in ("pii", "injection"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            corpus = _corpus(path, record, known)
            if corpus is None or "pii" in (record.get("tags") or []):
                continue
            texts = [
                ("assistant turn", m.get("content"))
                for m in record.get("history") or []
                if isinstance(m, dict) and m.get("role") == "assistant"
            ]
            texts += [(key.replace("_", " "), record.get(key)) for key in ("reference_answer", "answer")]
            for kind, text in texts:
                if isinstance(text, str) and text.strip():
                    found.setdefault(text, (kind, corpus))
    return found


Counts = tuple[Counter[str], Counter[str], Counter[tuple[str, str]], Counter[tuple[str, str]]]


def _count(texts: dict[str, tuple[str, str]], detector: Any, vocabularies: dict[str, Any], shown: Any) -> Counts:
    """Per group: texts changed plainly and after the corpus rule; entities found plainly and kept."""
    from ragfort.pii.vocabulary import corpus_term, published_contact

    touched: Counter[str] = Counter()
    touched_after: Counter[str] = Counter()
    plain: Counter[tuple[str, str]] = Counter()
    kept: Counter[tuple[str, str]] = Counter()
    for text, (family, corpus) in texts.items():
        found = detector.detect(text)
        vocabulary = vocabularies[corpus]
        after = [
            d
            for d in found
            if (d.entity != "PERSON" or not corpus_term(text, d.start, d.end, vocabulary))
            and not published_contact(d.entity, text[d.start : d.end], vocabulary)
        ]
        touched[family] += bool(found)
        touched_after[family] += bool(after)
        for d in found:
            plain[(family, d.entity)] += 1
            label = "kept" if d in after else "let through"
            shown[label].append(f"[{text[d.start : d.end]}] {d.entity} in {text[:100]!r} ({corpus})")
        for d in after:
            kept[(family, d.entity)] += 1
    return touched, touched_after, plain, kept


def _print_counts(texts: dict[str, tuple[str, str]], counts: Counts, label: str) -> None:
    touched, touched_after, plain, kept = counts
    per_family: Counter[str] = Counter(family for family, _ in texts.values())
    print(
        f"| {label} | texts | changed: plain | with corpus | PERSON: plain | with corpus | other: plain | with corpus |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    families = sorted(per_family)
    for family in [*families, "all"]:
        fams = families if family == "all" else [family]
        n = sum(per_family[f] for f in fams)
        t0 = sum(touched[f] for f in fams)
        t1 = sum(touched_after[f] for f in fams)
        p0 = sum(plain[(f, "PERSON")] for f in fams)
        p1 = sum(kept[(f, "PERSON")] for f in fams)
        other = sum(v for (f, e), v in plain.items() if f in fams and e != "PERSON")
        other_kept = sum(v for (f, e), v in kept.items() if f in fams and e != "PERSON")
        print(f"| {family} | {n} | {t0} ({t0 / n:.1%}) | {t1} ({t1 / n:.1%}) | {p0} | {p1} | {other} | {other_kept} |")
    others = Counter(e for (f, e), v in plain.items() for _ in range(v) if e != "PERSON")
    others_kept = Counter(e for (f, e), v in kept.items() for _ in range(v) if e != "PERSON")
    print(f"\nother types found: {dict(others) or 'none'}; with corpus: {dict(others_kept) or 'none'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="list the spans still found and the ones let through")
    args = parser.parse_args()
    started = time.perf_counter()
    from ragfort.pii.vocabulary import corpus_term, published_contact
    from ragfort.text import CorpusVocabulary

    detector = _detector()
    vocabularies = _vocabularies()
    questions = _questions(vocabularies)
    shown: dict[str, list[str]] = defaultdict(list)
    print("1. Questions with nothing personal (support_agent PII settings; 'with corpus': after the corpus rule)")
    print()
    _print_counts(questions, _count(questions, detector, vocabularies, shown), "set family")
    answers = _answers(vocabularies)
    print("\n1b. Answers with nothing personal, as the input guard reads a conversation's earlier assistant turns")
    print()
    _print_counts(answers, _count(answers, detector, vocabularies, shown), "answer kind")

    print("\n2. Gold spans of the PII sets (evals/pii) let through: PERSON by the corpus rule, PHONE_NUMBER and")
    print("   EMAIL_ADDRESS by a help center's printed contact points")
    print()
    gold_found: Counter[str] = Counter()
    lost: Counter[tuple[str, str]] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    pooled = CorpusVocabulary(
        *(
            frozenset().union(*(getattr(v, f) for v in vocabularies.values()))
            for f in ("words", "pairs", "proper", "contacts")
        )
    )
    checks = {**vocabularies, "all pooled": pooled}
    kinds = {"PERSON": "names", "PHONE_NUMBER": "contacts", "EMAIL_ADDRESS": "contacts"}
    for name in PII_SETS:
        for line in (ROOT / "evals" / "pii" / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text = record["text"]
            gold = [s for s in record.get("spans", []) if s["entity"] in kinds]
            for d in detector.detect(text):
                if d.entity not in kinds or not any(min(d.end, s["end"]) > max(d.start, s["start"]) for s in gold):
                    continue
                kind = kinds[d.entity]
                gold_found[kind] += 1
                for corpus, vocabulary in checks.items():
                    value = text[d.start : d.end]
                    if (kind == "names" and corpus_term(text, d.start, d.end, vocabulary)) or (
                        kind == "contacts" and published_contact(d.entity, value, vocabulary)
                    ):
                        lost[(corpus, kind)] += 1
                        examples[corpus].append(value)
    print("| vocabulary | gold names found | let through | gold phones and e-mails found | let through |")
    print("|---|---:|---:|---:|---:|")
    for corpus in checks:
        print(
            f"| {corpus} | {gold_found['names']} | {lost[(corpus, 'names')]} | {gold_found['contacts']} | "
            f"{lost[(corpus, 'contacts')]} {sorted(set(examples[corpus]))[:5] or ''} |"
        )

    if args.show:
        for label in ("let through", "kept"):
            print(f"\n--- {label} ({len(shown[label])}):")
            for row in sorted(shown[label]):
                print("  " + row)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{time.perf_counter() - started:.0f} s; peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
