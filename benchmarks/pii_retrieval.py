"""Personal data in a question must not change what it retrieves or the answer it gets.

Run: ``python benchmarks/pii_retrieval.py`` (about a minute on 2 cores).

Every answerable question of ``evals/help_center.jsonl`` is asked three ways
through ``harden(build_chain(index), policy="support_agent")`` with the cache
off: as written, and wrapped in personal data the way customers write it
(a greeting with a name, e-mail and phone; an account or order number; a date
of birth; a street address; a sign-off). The input PII guard turns the
personal data into placeholders; the question is then retrieved on

* ``placeholders``: the redacted text as it is (what ragfort did before), or
* ``removed``: the redacted text without its placeholders
  (`ragfort.text.search_text`, what ragfort does now).

The table gives recall@5 (a relevant document among the top five passages),
token F1 of the answer against the reference, the share of questions that
abstained, and how many answers differ from the clean question's answer.
Each question gets one template, chosen by a seeded generator, so every
template is used about equally.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import help_center_uncached, peak_rss_mb, table

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "evals" / "help_center.jsonl"

NAMES = ["Maria Gonzalez", "Priya Natarajan", "Tomasz Kowalczyk", "Aisha Bello", "Liam O'Connor", "Chen Wei"]
STREETS = [
    "14 Elm Grove, Bristol BS6 5AB",
    "2210 Pine Street, Apt 4, Denver, CO 80205",
    "Kastanienallee 12, 10435 Berlin",
]
TEMPLATES = [
    "Hi, I'm {name}, {email}, {phone}. {q}",
    "{q} My account number is ACC-{acct} and my e-mail is {email}.",
    "Hello, this is {name} at {street}. {q}",
    "{q} You can reach me on {phone}. Thanks, {name}",
    "Order VW-{order}, placed by {name}: {q}",
    "{q} (account holder {name}, date of birth 03/14/1988)",
]


def _email(name: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@example.com"


def with_pii(question: str, rng: random.Random, template: str) -> str:
    name = rng.choice(NAMES)
    return template.format(
        q=question,
        name=name,
        email=_email(name),
        phone=f"+1 415-555-{rng.randrange(100, 200):04d}",
        street=rng.choice(STREETS),
        acct=f"{rng.randrange(10**7, 10**8)}",
        order=f"{rng.randrange(10**5, 10**6)}",
    )


def main() -> int:
    import ragfort
    from ragfort.chain import RagChain
    from ragfort.context import RequestState, RunContext
    from ragfort.evals.scoring import token_f1
    from ragfort.text import search_text
    from ragfort.types import Stage, Turn

    records = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [r for r in records if r.get("answerable", True)]
    rng = random.Random(13)
    variants = [with_pii(r["question"], rng, TEMPLATES[i % len(TEMPLATES)]) for i, r in enumerate(records)]

    with tempfile.TemporaryDirectory(prefix="ragfort-pii-retrieval-") as tmp:
        index, policy = help_center_uncached(tmp)

        class OldQuery(RagChain):
            """The chain as it was: the redacted question, placeholders and all, is the query."""

            def retrieve(self, question: str, *, state: RequestState | None = None, **_: Any) -> Any:
                vector = self.index.embed_query(question)
                if state is not None:
                    state.question_vector = vector
                    state.search_text = question
                    state.sentence_vectors = type(self.index).sentence_vectors
                return self.index.search(question, k=self.k, vector=vector)

        input_pii = next(g for g in policy.guards[Stage.INPUT] if g.name == "pii")
        searched_as = []
        for question in variants:
            checked = input_pii.check(Turn(question=question), RunContext())
            searched_as.append(search_text(checked.turn.question if checked.turn else question))
        new_chain = ragfort.build_chain(index)
        old_chain = OldQuery(new_chain.index)
        runs = {
            "clean question": (ragfort.harden(new_chain, policy=policy), [r["question"] for r in records]),
            "with PII, placeholders kept": (ragfort.harden(old_chain, policy=policy), variants),
            "with PII, placeholders removed": (ragfort.harden(new_chain, policy=policy), variants),
        }
        rows = []
        answers: dict[str, list[str]] = {}
        t0 = time.perf_counter()
        for label, (guarded, questions) in runs.items():
            hits, f1s, abstained, out = 0, [], 0, []
            for record, question in zip(records, questions, strict=True):
                result = guarded.invoke({"question": question})
                top = [p.doc_id for p in result.documents[:5]]
                hits += any(d in top for d in record["relevant_doc_ids"])
                f1s.append(token_f1(result.answer, record["reference_answer"]))
                abstained += result.status.value == "abstained"
                out.append(result.answer)
            answers[label] = out
            differ = sum(a != b for a, b in zip(out, answers["clean question"], strict=True))
            n = len(records)
            rows.append([label, n, hits / n, sum(f1s) / n, abstained / n, differ])
        seconds = time.perf_counter() - t0

    print(f"help-center golden set, {len(records)} answerable questions; support_agent policy, cache off\n")
    print(table(["questions", "n", "recall@5", "token F1", "abstained", "answers differing from clean"], rows))
    print(f"\n{seconds:.0f} s for {3 * len(records)} questions; peak RSS {peak_rss_mb():.0f} MB")
    example = "Hi, I'm <PERSON_1>, <EMAIL_ADDRESS_1>, <PHONE_NUMBER_1>. How do I change my address?"
    print(f"\nsearched as: {example!r} -> {search_text(example)!r}")
    print("\nanswers that still differ from the clean question's (the redacted question as searched):")
    clean, removed = answers["clean question"], answers["with PII, placeholders removed"]
    for record, searched, a, b in zip(records, searched_as, clean, removed, strict=True):
        if a != b:
            print(f"  {record['id']}: {searched!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
