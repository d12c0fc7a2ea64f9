"""Questions that ask how to reach the business: answered with a contact point the help center prints?

Run: ``python benchmarks/contact_questions.py [--split dev|test] [--show]``.

"What's your phone number?", "Can I email you?", "How do I contact you?" are among the commonest questions a
support agent gets. Each contact question of ``evals/contact/contact_questions.jsonl`` is asked, alone, of every
help center of its split (dev: the eleven written for training and tuning, ``CORPORA``; test: the eight never tuned
on, ``UNSEEN_CORPORA`` and ``BLIND_CORPORA``), through ``build_chain`` and the ``support_agent`` policy with its
cache off. It counts as answered with a contact when the pipeline answers (no abstention) and the answer prints a
phone number (for a phone question) or an e-mail address (for an e-mail question; either for a general one) that
the help center's own documents print (`ragfort.text.printed_contacts`).

The set's negatives ("How do I change my phone number?", "Can you call me back?") are about the customer's own
details or something else: `ragfort.contact.contact_channels` must find no contact question in them. The same
function is run over every question of the other labelled sets under ``evals/``: the ones it reads as contact
questions are listed with ``--show``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_rss_mb, summary, support_agent_uncached, table

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "evals" / "contact" / "contact_questions.jsonl"
# Each help center's contact page (its document id), or null where it has none.
PAGES = ROOT / "evals" / "contact" / "contact_articles.json"
# Each help center's general phone line (its digits) and e-mail address, or null where it has none.
GENERAL = ROOT / "evals" / "contact" / "general_lines.json"


def _corpora(split: str) -> dict[str, Path]:
    from ragfort.judges.perturb import BLIND_CORPORA, CORPORA, UNSEEN_CORPORA

    return dict(CORPORA) if split == "dev" else {**UNSEEN_CORPORA, **BLIND_CORPORA}


def _detector() -> Any:
    try:
        from ragfort.contact import contact_channels
    except ImportError:  # a checkout from before the contact rule: the pipeline columns still run
        return None
    return contact_channels


def _printed(text: str) -> tuple[set[str], set[str]]:
    from ragfort.text import printed_contacts

    found = printed_contacts(text)
    return {k for k in found if "@" not in k}, {k for k in found if "@" in k}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument(
        "--show", action="store_true", help="list each answer, and the other sets' questions read as contact"
    )
    args = parser.parse_args()
    started = time.perf_counter()

    import ragfort
    from ragfort.ingest import ingest_paths

    records = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    pages: dict[str, str | None] = json.loads(PAGES.read_text(encoding="utf-8"))
    cited: Counter[str] = Counter()  # over help centers with a contact page: asked, answered from it
    general: dict[str, dict[str, str | None]] = json.loads(GENERAL.read_text(encoding="utf-8"))
    main_line: Counter[str] = Counter()  # asked where the help center has a general line of a channel asked
    records = [r for r in records if r["split"] == args.split]
    asked = [r for r in records if r["contact"]]
    # Questions about when a line is open: answered or refused, each answer listed with --show to be read by hand
    # (a time in the answer is no measure of the right hours: docs/grounding.md, session 37).
    hours_asked = [r for r in records if r.get("hours")]
    hours_outcome: Counter[str] = Counter()
    detector = _detector()
    policy = support_agent_uncached()
    outcome: Counter[tuple[str, str]] = Counter()  # (channel kind, outcome)
    per_corpus: dict[str, Counter[str]] = {}
    shown: list[str] = []
    latency: list[float] = []  # ms per contact question, the whole pipeline
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder in _corpora(args.split).items():
            phones, emails = _printed("\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.md")))
            index = Path(tmp) / name
            ingest_paths([folder], index=index, policy="support_agent")
            hardened = ragfort.harden(ragfort.build_chain(index), policy=policy)
            counts: Counter[str] = Counter()
            for record in asked:
                began = time.perf_counter()
                result = hardened.invoke({"question": record["question"]})
                latency.append((time.perf_counter() - began) * 1000)
                got_phones, got_emails = _printed(result.answer or "")
                wanted = set(record["channels"])
                hit = ("phone" in wanted and bool(got_phones & phones)) or (
                    "email" in wanted and bool(got_emails & emails)
                )
                if result.status.value != "ok":
                    label = "abstained"
                elif hit:
                    label = "answered with a contact"
                else:
                    label = "answered without one"
                lines = {ch: general[name][ch] for ch in wanted if general[name].get(ch)}
                if lines:
                    main_line["asked"] += 1
                    main_line["given"] += result.status.value == "ok" and (
                        any(d.endswith(str(lines["phone"])) for d in got_phones if "phone" in lines)
                        or lines.get("email") in got_emails
                    )
                if pages.get(name):
                    cited["asked"] += 1
                    cited["cited"] += (
                        hit and result.status.value == "ok" and any(c.doc_id == pages[name] for c in result.citations)
                    )
                kind = "+".join(sorted(wanted))
                outcome[(kind, label)] += 1
                counts[label] += 1
                shown.append(f"{name:12} {label:24} {record['question']!r}: {(result.answer or '')[:110]!r}")
            for record in hours_asked:
                result = hardened.invoke({"question": record["question"]})
                label = "answered" if result.status.value == "ok" else "refused"
                hours_outcome[label] += 1
                shown.append(f"{name:12} hours {label:18} {record['question']!r}: {(result.answer or '')[:160]!r}")
            per_corpus[name] = counts
    labels = ["answered with a contact", "answered without one", "abstained"]
    print(f"Contact questions, {args.split} split: {len(asked)} questions x {len(per_corpus)} help centers\n")
    rows: list[list[object]] = []
    for kind in ["phone", "email", "email+phone"]:
        n = sum(outcome[(kind, label)] for label in labels)
        if n:
            rows.append(
                [kind, n, *(f"{outcome[(kind, label)]} ({outcome[(kind, label)] / n:.0%})" for label in labels)]
            )
    total = sum(outcome.values())
    rows.append(["all", total, *(f"{sum(v for (k, lb), v in outcome.items() if lb == label)} "
                                  f"({sum(v for (k, lb), v in outcome.items() if lb == label) / total:.0%})"
                                  for label in labels)])  # fmt: skip
    print(table(["asks for", "asked", *labels], rows))
    print()
    print(table(["help center", *labels], [[n, *(c[label] for label in labels)] for n, c in per_corpus.items()]))
    p50, p95, _ = summary(latency)
    print(f"\nper contact question, the whole pipeline: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if hours_asked:
        print(
            f"\nquestions about when a line is open ({len(hours_asked)} x {len(per_corpus)}): answered "
            f"{hours_outcome['answered']}, refused {hours_outcome['refused']} (read the answers with --show)"
        )
    if main_line["asked"]:
        print(
            f"\nanswered with the help center's general line of a channel asked (`{GENERAL.relative_to(ROOT)}`): "
            f"{main_line['given']} of {main_line['asked']} ({main_line['given'] / main_line['asked']:.0%})"
        )
    if cited["asked"]:
        print(
            f"\nanswered with a contact quoted from the help center's contact page "
            f"(`{PAGES.relative_to(ROOT)}`; help centers that have one): {cited['cited']} of {cited['asked']} "
            f"({cited['cited'] / cited['asked']:.0%})"
        )

    if detector is not None:
        negatives = [r for r in records if not r["contact"] and not r.get("hours")]
        fired = [r["question"] for r in negatives if detector(r["question"])]
        missed = [r["question"] for r in asked if not detector(r["question"])]
        print(f"\ncontact_channels: {len(asked) - len(missed)} of {len(asked)} contact questions read as such "
              f"(missed: {missed}); {len(fired)} of {len(negatives)} negatives read as contact ({fired})")  # fmt: skip
        others: list[str] = []
        total_others = 0
        for path in sorted((ROOT / "evals").rglob("*.jsonl")):
            if path.parent.name in ("contact", "pii", "injection"):
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                record = json.loads(line)
                for key in ("question", "q1", "q2"):
                    text = record.get(key)
                    if isinstance(text, str):
                        total_others += 1
                        if detector(text):
                            others.append(f"{path.relative_to(ROOT)}: {text}")
        print(f"other labelled sets: {len(others)} of {total_others} questions read as contact questions")
        if args.show:
            for row in sorted(set(others)):
                print("  " + row)
    if args.show:
        print()
        for row in shown:
            print(row)
    print(f"\n{time.perf_counter() - started:.0f} s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
