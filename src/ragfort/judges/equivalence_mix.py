"""The ``equivalence`` task's data: (q1, q2; 1 = one answer serves both questions).

Sources, each with its license in `Mix.counts`:

1. **cases**: the hand-written pairs of ``evals/equivalence/<corpus>.jsonl``.
   Their ``train`` split is trained on, their ``dev`` split is a dev set
   (``cases/<corpus>``, the selection sets) and their ``test`` split is
   skipped unread beyond its ``split`` field.
2. **generated** in-domain pairs over every corpus of `perturb.CORPORA`
   (`generate_equivalence`): support tasks written here ("change my
   address", "pay in a cheque") are placed in the document of a corpus that
   is most about them, then asked in several frames with a slot on one
   axis (a channel, a payment method, a plan or product of that corpus, a
   country, a time frame, one vs all, whose account, new vs refurbished,
   prepaid vs monthly, business vs personal roles, on vs off, a number).
   A positive changes only the surface (another frame of the same ask,
   another wording of the same slot value, word order, politeness, context,
   typos, terse); a near-miss changes the slot value, the direction of a
   move, the kind of answer asked for, a negation, the person or the
   number, and is often reworded as well so that the wording is no cue.
   The train-split questions of ``evals/grounding`` and of the cases seed
   more pairs the same way. A corpus with ``evals/grounding/<corpus>.splits.json``
   contributes only pairs placed in its ``train`` documents; ``dev``
   documents become the ``generated/<corpus>`` dev set and ``test``
   documents are never used.
3. **public**: banking77 (CC BY 4.0) and clinc150 (CC BY 3.0) queries, two
   of one intent as a positive and two of different intents of one domain as
   a negative, and the ``images`` genre of STS-B (captions CC BY-SA, scores
   CC BY-SA 4.0; the other genres' texts carry licenses of their own, so
   they are left out), scores >= 4.4 positive and <= 2.6 negative. MRPC,
   the Quora sample and stackfaq state no license and are never read.

Every training pair appears in both orders (the judge is symmetric; the
cache also averages the two orders when it asks). Dev pairs appear once.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.errors import ConfigError
from ragfort.judges.mix import (
    GENERATED_LICENSE,
    Mix,
    MixSettings,
    SourceCount,
    _count,
    chosen_corpora,
    finish_mix,
    in_domain_selection,
    place_generated,
    read_labelled,
)
from ragfort.judges.perturb import Pair

__all__ = [
    "EQUIVALENCE_PUBLIC",
    "case_questions",
    "equivalence_mix",
    "generate_equivalence",
    "load_equivalence_cases",
    "surface_form",
]

# --------------------------------------------------------------------------- the hand-written cases


def _question_pair(row: dict[str, Any]) -> Pair:
    doc_ids = row.get("doc_ids") or [row["id"]]
    equivalent = row["equivalent"]
    if not isinstance(equivalent, bool):
        raise TypeError(f"equivalent must be true or false, got {equivalent!r}")
    pair = Pair(
        premise=str(row["q1"]).strip(),
        hypothesis=str(row["q2"]).strip(),
        label=int(equivalent),
        kind=str(row.get("kind") or ""),
        corpus=str(row["corpus"]),
        doc_id=str(doc_ids[0]),
    )
    if not pair.premise or not pair.hypothesis:
        raise ValueError("q1 and q2 must be non-empty")
    return pair


def load_equivalence_cases(root: Path, *, split: str) -> dict[str, list[Pair]]:
    """The hand-written pairs of one split, per corpus (``evals/equivalence/*.jsonl``), in one order.

    Raises:
        ConfigError: a line that is not a pair; names the file and line.
    """
    if split not in ("train", "dev", "test"):
        raise ConfigError(f"split must be 'train', 'dev' or 'test', got {split!r}")
    out: dict[str, list[Pair]] = {}
    folder = root / "evals" / "equivalence"
    for pair in read_labelled(folder, split=split, what="a question pair", parse=_question_pair):
        out.setdefault(pair.corpus, []).append(pair)
    return out


def _question_of(row: dict[str, Any]) -> tuple[str, str, str] | None:
    if not row.get("question"):
        return None
    doc = str(row["passages"][0]["doc_id"]) if row.get("passages") else str(row["id"])
    return str(row["corpus"]), str(row["question"]).strip(), doc


def _grounding_questions(root: Path, *, split: str) -> dict[str, list[tuple[str, str]]]:
    """(question, doc_id) of the hand-written grounding cases of one split, per corpus."""
    out: dict[str, list[tuple[str, str]]] = {}
    folder = root / "evals" / "grounding"
    for found in read_labelled(folder, split=split, what="a grounding case", parse=_question_of):
        if found is not None:
            corpus, question, doc = found
            out.setdefault(corpus, []).append((question, doc))
    return out


SIBLINGS_PER_CORPUS = 600  # sibling pairs per corpus, at most


def case_questions(root: Path, *, split: str) -> dict[str, list[tuple[str, str]]]:
    """(question, doc_id) of the grounding and answerability cases of one split, per corpus, each pair once."""
    out = _grounding_questions(root, split=split)
    folder = root / "evals" / "answerability"
    if folder.is_dir():
        for found in read_labelled(folder, split=split, what="an answerability case", parse=_question_of):
            if found is not None:
                corpus, question, doc = found
                out.setdefault(corpus, []).append((question, doc))
    return {c: list(dict.fromkeys(rows)) for c, rows in out.items()}


def _sibling_pairs(rows: Sequence[tuple[str, str]], corpus: str, rng: random.Random) -> list[Pair]:
    """Pairs of distinct questions about one document, as near-misses (kind ``near/sibling``).

    Labelled by rule, not read: about one in twenty such pairs asks the same thing (measured on
    the pairs the 2026-12-04 gate served), so this source is a little noisy by design.
    """
    by_doc: dict[str, list[str]] = {}
    for question, doc in rows:
        if question not in by_doc.setdefault(doc, []):
            by_doc[doc].append(question)
    out: list[Pair] = []
    for doc, questions in sorted(by_doc.items()):
        for a, b in itertools.combinations(questions, 2):
            if a.strip().lower() != b.strip().lower():
                out.append(Pair(a, b, 0, "near/sibling", corpus, doc))
    rng.shuffle(out)
    return out[:SIBLINGS_PER_CORPUS]


# --------------------------------------------------------------------------- slots and their wordings

# Each axis: groups of wordings; wordings in one group mean the same, groups differ.
# Slots go at the end of a frame ("Can I pay my bill ___?").
AXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "channel": (
        ("in a store", "at one of your stores", "in person at a store", "at a shop"),
        ("by post", "by mail", "through the post", "by sending it in the mail"),
        ("in the app", "using the app", "through the mobile app", "on my phone's app"),
        ("online", "on the website", "on your website", "through the website"),
        ("by phone", "over the phone", "by calling you", "by ringing customer service"),
        ("by email", "by sending an email", "over email"),
        ("by live chat", "in the chat", "through web chat"),
        ("at a branch", "in a branch", "at my local branch"),
        ("by text message", "by SMS", "by text"),
        ("at a cash machine", "at an ATM", "at a cashpoint"),
    ),
    "payment": (
        ("by card", "with my card", "with a debit or credit card", "using a card"),
        ("by direct debit", "with a direct debit", "through direct debit"),
        ("with PayPal", "through PayPal", "using PayPal"),
        ("by bank transfer", "with a bank transfer", "by transferring from my bank"),
        ("in cash", "with cash", "using cash"),
        ("by cheque", "with a cheque", "using a cheque"),
        ("with a gift card", "using a gift card", "with a gift voucher"),
        ("with Apple Pay", "using Apple Pay", "through Apple Pay"),
        ("with store credit", "using store credit", "with my account credit"),
        ("with a standing order", "by standing order", "through a standing order"),
    ),
    "billing": (
        ("on a prepaid plan", "on pay as you go", "as a prepaid customer", "on prepay"),
        ("on a monthly plan", "on pay monthly", "on a monthly contract", "as a pay-monthly customer"),
        ("on an annual plan", "on yearly billing", "when I pay annually"),
    ),
    "condition": (
        ("for a new device", "for a brand-new device", "for a device bought new"),
        ("for a refurbished device", "for a renewed device", "for a device bought refurbished"),
        ("for a used device", "for a second-hand device", "for a device I bought used"),
    ),
    "account": (
        ("on a personal account", "on my personal account", "for my personal account"),
        ("on a business account", "on my business account", "for my company account"),
        ("on a joint account", "on our joint account", "on the account I share with my partner"),
        ("on a student account", "on my student account", "as a student account holder"),
    ),
    "person": (
        ("for myself", "for me", "on my own behalf"),
        ("for my son", "on behalf of my son", "for my teenage son"),
        ("for my mother", "on behalf of my mum", "for my elderly mother"),
        ("for my wife", "for my partner", "on behalf of my spouse"),
        ("for a friend", "on behalf of a friend", "for someone I know"),
        ("for a colleague", "for someone on my team", "for a coworker"),
    ),
    "scope": (
        ("for one line", "for a single line", "for just one of my lines"),
        ("for all my lines", "for every line on my account", "for all of my lines"),
        ("for one order", "for a single order", "for just this order"),
        ("for all my orders", "for every order I've placed", "for all of my orders"),
        ("for one card", "for a single card", "for just one card"),
        ("for all my cards", "for every card I hold", "for all of my cards"),
    ),
    "time": (
        ("today", "later today", "this afternoon"),
        ("tomorrow", "by tomorrow", "the next day"),
        ("at the weekend", "on a Saturday or Sunday", "over the weekend"),
        ("on a bank holiday", "on a public holiday", "during a bank holiday"),
        ("this month", "during this month", "within the current month"),
        ("next month", "in the coming month", "from next month"),
        ("before my bill date", "ahead of my billing date", "before the bill is issued"),
        ("after my bill date", "once the bill has been issued", "after the billing date"),
        ("at night", "overnight", "late at night"),
    ),
    "status": (
        ("while my order is processing", "before my order ships", "while the order is still being prepared"),
        ("after my order has shipped", "once the order is on its way", "after it has been dispatched"),
        ("while my account is in credit", "when my account is in credit", "while I'm in credit"),
        ("while my account is overdrawn", "when I'm overdrawn", "while my account is in the red"),
    ),
}

# Country slots: "... if I'm in {X}", filled from the corpus's countries and this list.
_COUNTRY_POOL = ("the UK", "Canada", "Mexico", "France", "Spain", "Germany", "Ireland", "Japan", "Australia", "Italy")
_COUNTRY_FRAMES = (("while I'm in {c}", "when I'm travelling in {c}", "while abroad in {c}"),)

# Frames by the kind of answer they ask for: frames of one ask are paraphrases, asks differ.
# ``{t}`` is a task ("change my address"), ``{s}`` the slot (may be empty).
ASKS: dict[str, tuple[str, ...]] = {
    "how": (
        "How do I {t}{s}?",
        "How can I {t}{s}?",
        "What are the steps to {t}{s}?",
        "What's the way to {t}{s}?",
        "What do I need to do to {t}{s}?",
        "Walk me through how to {t}{s}.",
    ),
    "can": (
        "Can I {t}{s}?",
        "Is it possible to {t}{s}?",
        "Am I able to {t}{s}?",
        "Is there a way to {t}{s}?",
        "Could I {t}{s}?",
        "Do you let customers {t}{s}?",
    ),
    "cost": (
        "How much does it cost to {t}{s}?",
        "What's the fee to {t}{s}?",
        "Is there a charge to {t}{s}?",
        "What will I pay to {t}{s}?",
        "How much do you charge to {t}{s}?",
    ),
    "time": (
        "How long does it take to {t}{s}?",
        "How quickly can I {t}{s}?",
        "How many days does it take to {t}{s}?",
        "What's the turnaround to {t}{s}?",
    ),
    "limit": (
        "Is there a limit on how often I can {t}{s}?",
        "How many times can I {t}{s}?",
        "Is there a maximum number of times I can {t}{s}?",
    ),
    "need": (
        "What do I need to have ready to {t}{s}?",
        "Which documents do I need to {t}{s}?",
        "What information should I have to hand to {t}{s}?",
    ),
}
# Asks a near-miss may swap between (a price is not a time, a how-to is not a yes/no on eligibility).
_ASK_SWAPS = (("cost", "time"), ("how", "cost"), ("can", "cost"), ("how", "need"), ("time", "limit"), ("can", "time"))

# Support tasks, written once; a corpus uses the ones one of its documents is about.
# (task, opposite-direction task or "", words that place it in a document)
TASKS: tuple[tuple[str, str, str], ...] = (
    ("change my address", "", "address change update move"),
    ("update my email address", "", "email update contact details"),
    ("change my phone number", "", "phone number change contact"),
    ("reset my password", "", "password reset sign forgot"),
    ("turn on two-factor authentication", "turn off two-factor authentication", "two-factor authentication code"),
    ("close my account", "reopen my account", "close account closure"),
    ("open an account", "close an account", "open account apply application"),
    ("cancel my order", "", "cancel order cancellation"),
    ("track my order", "", "track order delivery tracking"),
    ("return a device", "", "return returns refund device"),
    ("get a refund", "", "refund refunds money back"),
    ("exchange a faulty item", "", "exchange faulty defective replacement"),
    ("pay my bill", "", "pay bill payment billing"),
    ("set up autopay", "cancel autopay", "autopay automatic payment"),
    ("dispute a charge", "", "dispute charge chargeback"),
    ("get a replacement SIM", "", "sim replacement card esim"),
    ("activate an eSIM", "deactivate an eSIM", "esim activate qr"),
    ("upgrade my plan", "downgrade my plan", "plan upgrade downgrade change"),
    ("add a data add-on", "remove a data add-on", "data add-on addon extra"),
    ("turn on roaming", "turn off roaming", "roaming abroad travel international"),
    ("transfer my number to you", "transfer my number away from you", "port number transfer carrier"),
    ("suspend my line", "reactivate my line", "suspend line lost stolen"),
    ("book a repair", "cancel a repair", "repair screen warranty"),
    ("claim on my warranty", "", "warranty claim repair defect"),
    ("trade in my old phone", "", "trade-in trade credit"),
    ("finance a new phone", "", "financing finance instalment installment"),
    ("report a lost card", "report a found card", "lost stolen card report"),
    ("freeze my card", "unfreeze my card", "freeze card lock"),
    ("order a new card", "", "card replacement new order"),
    ("change my PIN", "", "pin change"),
    ("set up a standing order", "cancel a standing order", "standing order payment"),
    ("cancel a direct debit", "set up a direct debit", "direct debit cancel"),
    ("send money abroad", "receive money from abroad", "international payment abroad send"),
    ("send money to someone abroad", "receive money from someone abroad",
     "international payment abroad send receive"),
    ("turn my sole account into a joint account", "turn my joint account into a sole account",
     "joint account sole holder"),
    ("move money from my savings to my current account", "move money from my current account to my savings",
     "savings current account transfer move"),
    ("give someone else access to my account", "get access to someone else's account",
     "access another person third party authority"),
    ("make a CHAPS payment", "", "chaps payment same-day"),
    ("pay in a cheque", "", "cheque deposit pay in"),
    ("apply for an overdraft", "", "overdraft arranged apply"),
    ("apply for a personal loan", "", "loan personal borrow apply"),
    ("repay my loan early", "", "loan repay early overpay"),
    ("move money into my savings account", "take money out of my savings account", "savings saver withdraw"),
    ("switch my current account to you", "switch my current account away from you", "switch switching current account"),
    ("transfer my ISA to you", "transfer my ISA away from you", "isa transfer tax-free"),
    ("report fraud", "", "fraud scam suspicious"),
    ("make a complaint", "", "complaint complain ombudsman"),
    ("book a flight", "cancel a flight", "book booking flight"),
    ("change my flight", "", "change flight rebook date"),
    ("choose a seat", "", "seat selection seats"),
    ("add checked baggage", "remove checked baggage", "baggage bag checked luggage"),
    ("bring a pet on board", "", "pet animal cabin"),
    ("check in for my flight", "", "check-in online boarding"),
    ("request special assistance", "", "assistance wheelchair mobility"),
    ("claim compensation for a delay", "", "delay compensation cancelled"),
    ("use the lounge", "", "lounge pass access"),
    ("report damaged baggage", "", "damaged baggage claim"),
    ("add a team member", "remove a team member", "seat seats team invite member role"),
    ("transfer ownership of the workspace", "", "owner ownership transfer"),
    ("send an invoice", "void an invoice", "invoice invoicing send"),
    ("export my data", "import my data", "export data csv"),
    ("create an API key", "revoke an API key", "api key keys developer"),
    ("connect my bank feed", "disconnect my bank feed", "bank feed integration connect"),
    ("change my billing plan", "", "plan billing pricing subscription"),
    ("submit a meter reading", "", "meter reading submit"),
    ("switch tariff", "", "tariff switch fixed variable"),
    ("install a smart meter", "remove a smart meter", "smart meter install"),
    ("move home", "", "moving home tenancy"),
    ("switch my energy supply to you", "switch my energy supply away from you", "switch supplier switching"),
    ("get solar panels installed", "", "solar panel panels install export"),
    ("sell my solar power back to you", "buy power from you", "export solar tariff"),
    ("set up a payment plan", "", "payment plan debt arrears"),
    ("get my deposit back", "pay a deposit", "deposit security"),
)

# Opening context that does not change the need (a positive adds one).
_CONTEXT = (
    "I'm new here. ",
    "Quick question: ",
    "I've been a customer for years. ",
    "My friend recommended you. ",
    "Sorry if this is obvious, ",
    "I couldn't find this in the help pages. ",
    "Hi there! ",
    "Hello, ",
)
_POLITE = (
    ("Could you tell me: ", ""),
    ("", " Thanks!"),
    ("Hi, ", " Thank you."),
    ("Please help: ", ""),
    ("I was wondering, ", ""),
    ("", " Many thanks in advance."),
)


def _slot(axis: str, group: int, wording: int, countries: Sequence[str]) -> str:
    if not axis:
        return ""
    if axis == "country":
        frame = _COUNTRY_FRAMES[0]
        return " " + frame[wording % len(frame)].format(c=countries[group])
    groups = AXES[axis]
    words = groups[group]
    return " " + words[wording % len(words)]


def _front_slot(text: str, slot: str) -> str:
    """Move a trailing slot to the front ("Can I pay by post?" -> "By post, can I pay?")."""
    if not slot or slot not in text:
        return text
    body = text.replace(slot, "", 1)
    body = body[0].lower() + body[1:]
    s = slot.strip()
    return f"{s[0].upper()}{s[1:]}, {body}"


_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def _typo(text: str, rng: random.Random) -> str:
    """One or two keyboard slips in longer words, and often no capitals or final question mark."""
    words = text.split()
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    for i in rng.sample(idx, min(len(idx), rng.choice((1, 2)))):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        op = rng.randrange(3)
        if op == 0:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif op == 1:
            w = w[:j] + w[j + 1 :]
        else:
            w = w[:j] + w[j] + w[j:]
        words[i] = w
    out = " ".join(words)
    if rng.random() < 0.6:
        out = out.lower()
    if rng.random() < 0.5:
        out = out.rstrip("?.")
    return out


def surface_form(text: str, rng: random.Random) -> tuple[str, str]:
    """A meaning-keeping change of form: (new text, kind)."""
    op = rng.randrange(4)
    if op == 0:
        ctx = rng.choice(_CONTEXT)
        return ctx + text[0].lower() + text[1:] if ctx.endswith(", ") or ctx.endswith(": ") else ctx + text, "context"
    if op == 1:
        pre, post = rng.choice(_POLITE)
        body = text[0].lower() + text[1:] if pre else text
        return pre + body + post, "politeness"
    if op == 2:
        return _typo(text, rng), "typo"
    return text, "same"


# Near-miss edits on free text (the seed questions written by people).
_SWAPS: tuple[tuple[str, str], ...] = (
    (r"\bupgrade\b", "downgrade"),
    (r"\bdowngrade\b", "upgrade"),
    (r"\bturn on\b", "turn off"),
    (r"\bturn off\b", "turn on"),
    (r"\binto\b", "out of"),
    (r"\bprepaid\b", "monthly"),
    (r"\bmonthly\b", "prepaid"),
    (r"\bnew\b", "refurbished"),
    (r"\brefurbished\b", "new"),
    (r"\bbusiness\b", "personal"),
    (r"\bpersonal\b", "business"),
    (r"\bdomestic\b", "international"),
    (r"\binternational\b", "domestic"),
    (r"\bbefore\b", "after"),
    (r"\bafter\b", "before"),
    (r"\bwith\b", "without"),
    (r"\bwithout\b", "with"),
    (r"\bcredit card\b", "debit card"),
    (r"\bdebit card\b", "credit card"),
    (r"\bonline\b", "in a store"),
    (r"\bin (?:a|the) store\b", "online"),
    (r"\bby post\b", "in person"),
    (r"\bby phone\b", "by email"),
    (r"\bin the app\b", "at a branch"),
    (r"\bmy\b", "my son's"),
    (r"\bCan I\b", "Can my wife"),
    (r"\bone\b", "all"),
    (r"\ball\b", "one"),
    (r"\btoday\b", "tomorrow"),
    (r"\bweek\b", "month"),
    (r"\bmonth\b", "year"),
    (r"\bdays\b", "weeks"),
    (r"\bhours\b", "days"),
)
_NEG: tuple[tuple[str, str], ...] = (
    (r"^Can I\b", "Can't I"),
    (r"^Do I\b", "Don't I"),
    (r"\bif I have\b", "if I don't have"),
    (r"\bif I\b", "if I don't"),
    (r"\bis\b", "isn't"),
    (r"\bcan\b", "can't"),
)
_ARTICLES = frozenset({"a", "an", "the", "my", "your", "our", "their", "this", "that", "one"})
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
_FROM_TO = re.compile(r"\bfrom (\w[\w' -]*?) to (\w[\w' -]*?)(?=[?,.]|$| (?:and|do|does|will|is)\b)")
# "my sole account into a joint account": two phrases with one head noun, their modifiers swapped.
_SHARED_HEAD = re.compile(r"\b(\w+) (\w+) (into|to|for|with) (a|an|the|my|your) (\w+) \2\b")
# "Can I send money to my son?" <-> "Can my son send money to me?": who gives and who receives.
_I_TO = re.compile(
    r"^(Can|Could|Will|Should) I (send|give|transfer|pay|lend|sell|gift|pass) (.+?) to "
    r"(someone|somebody|a friend|another customer|my \w+)\b(.*)$"
)
_THEY_TO_ME = re.compile(
    r"^(Can|Could|Will|Should) (someone|somebody|a friend|another customer|my \w+) "
    r"(send|give|transfer|pay|lend|sell|gift|pass) (.+?) to me\b(.*)$"
)


def _edit_question(text: str, rng: random.Random) -> tuple[str, str] | None:
    """A near-miss of a person's question by one rule-based edit: (new text, kind), or None."""
    options: list[tuple[str, str]] = []
    m = _FROM_TO.search(text)
    if m and m.group(1).lower() != m.group(2).lower():
        swapped = f"from {m.group(2)} to {m.group(1)}"
        options.append((text[: m.start()] + swapped + text[m.end() :], "roles"))
    h = _SHARED_HEAD.search(text)
    if h and h.group(1).lower() != h.group(5).lower() and h.group(1).lower() not in _ARTICLES:
        swapped = f"{h.group(5)} {h.group(2)} {h.group(3)} {h.group(4)} {h.group(1)} {h.group(2)}"
        options.append((text[: h.start()] + swapped + text[h.end() :], "roles"))
    if r := _I_TO.match(text):
        options.append((f"{r.group(1)} {r.group(4)} {r.group(2)} {r.group(3)} to me{r.group(5)}", "roles"))
    if r := _THEY_TO_ME.match(text):
        options.append((f"{r.group(1)} I {r.group(3)} {r.group(4)} to {r.group(2)}{r.group(5)}", "roles"))
    for n in _NUMBER.finditer(text):
        value = float(n.group(1))
        new = value * rng.choice((2, 3, 0.5)) if value not in (0, 1) else value + rng.choice((1, 2))
        shown = f"{new:g}"
        if shown != n.group(1):
            options.append((text[: n.start()] + shown + text[n.end() :], "quantity"))
            break
    for pattern, repl in _SWAPS:
        m2 = re.search(pattern, text)
        if m2:
            kind = "person" if "son" in repl or "wife" in repl else "swap"
            options.append((text[: m2.start()] + repl + text[m2.end() :], kind))
    for pattern, repl in _NEG:
        m3 = re.search(pattern, text)
        if m3:
            options.append((text[: m3.start()] + repl + text[m3.end() :], "negation"))
            break
    if not options:
        return None
    return rng.choice(options)


# --------------------------------------------------------------------------- generation

_TEMPLATE_ROUNDS = 6  # template questions per placed task, per `per_seed`
_ROLE_ROUNDS = 10  # role-swap pairs per corpus, per `per_seed`
_ROLE_VERBS: tuple[tuple[str, str], ...] = (
    ("send", "money"), ("send", "a gift card"), ("transfer", "credit"), ("transfer", "my points"),
    ("give", "my seat"), ("pay", "the bill"), ("lend", "a device"), ("sell", "a used phone"),
    ("transfer", "a booking"), ("send", "an invoice"), ("give", "a refund"), ("pass", "my discount"),
)
_DATIVE = frozenset({"send", "give", "lend", "sell", "pay", "pass"})
_ROLE_PEOPLE = ("my son", "my daughter", "my partner", "a friend", "someone abroad", "another customer",
                "my landlord", "my employer", "a family member")  # fmt: skip
_ROLE_KINDS = ("sole", "joint", "personal", "business", "monthly", "yearly", "prepaid", "free", "paid", "basic",
               "premium", "standard")  # fmt: skip
_ROLE_HEADS = ("account", "plan", "subscription", "membership", "booking", "card")


def _place_tasks(corpus: Any) -> list[tuple[int, str]]:
    """Each task of `TASKS` in the document most about it, as (index into `TASKS`, doc_id); unplaced tasks left out."""
    from ragfort.judges.perturb import _stems

    placed: list[tuple[int, str]] = []
    doc_stems = [frozenset(st for row in d.sents for s in row for st in s.stems) for d in corpus.docs]
    for i, (task, _opp, words) in enumerate(TASKS):
        want = _stems(f"{task} {words}")
        best, best_score = -1, 0.0
        for d, stems in enumerate(doc_stems):
            shared = want & stems
            topical = want & corpus.topics[d]
            score = len(shared) + 2 * len(topical)
            if len(shared) >= 2 and topical and score > best_score:
                best, best_score = d, score
        if best >= 0:
            placed.append((i, corpus.docs[best].doc_id))
    return placed


def _entity_axis(corpus: Any) -> tuple[tuple[str, ...], ...]:
    """The corpus's own plan and product names (families harvested by perturb), one group per name."""
    names = sorted({k for k in corpus.alternatives if 3 <= len(k) <= 30 and not k.isdigit()})
    return tuple((f"on {n}", f"with {n}", f"for {n}") for n in names[:40])


def generate_equivalence(
    root: Path,
    *,
    corpus: str,
    seed: int = 0,
    per_seed: int = 2,
    extra_seeds: Sequence[tuple[str, str]] = (),
) -> list[Pair]:
    """Generated question pairs over one corpus folder (see the module notes); pairs in one order.

    Args:
        root: the corpus folder.
        corpus: its name (recorded in each pair).
        seed: every random choice.
        per_seed: positives and near-misses made from each seed question (each).
        extra_seeds: (question, doc_id) written by people, varied too.

    Raises:
        ConfigError: the folder does not exist or `per_seed` is below 1.
    """
    from ragfort.judges.perturb import _load_corpus

    if not root.is_dir():
        raise ConfigError(f"corpus folder does not exist: {str(root)!r}")
    if per_seed < 1:
        raise ConfigError(f"per_seed must be at least 1, got {per_seed!r}")
    rng = random.Random(f"{seed}:{corpus}")
    c = _load_corpus(root, corpus)
    countries = [x for x in c.regions if len(x) > 3] + [x for x in _COUNTRY_POOL if x not in c.regions]
    countries = countries[:12]
    axes: dict[str, tuple[tuple[str, ...], ...]] = dict(AXES)
    entity = _entity_axis(c)
    if len(entity) >= 2:
        axes["entity"] = entity
    axis_names = [*axes, "country"]
    out: list[Pair] = []

    def slot_text(axis: str, group: int, wording: int) -> str:
        if axis == "entity":
            words = axes["entity"][group]
            return " " + words[wording % len(words)]
        return _slot(axis, group, wording, countries)

    def groups(axis: str) -> int:
        return len(countries) if axis == "country" else len(axes[axis])

    def render(task: str, ask: str, frame: int, axis: str, group: int, wording: int) -> str:
        frames = ASKS[ask]
        return frames[frame % len(frames)].format(t=task, s=slot_text(axis, group, wording) if axis else "")

    def add(a: str, b: str, label: int, kind: str, doc_id: str) -> None:
        if a.strip().lower() != b.strip().lower():
            out.append(Pair(a, b, label, kind, corpus, doc_id))

    placed = _place_tasks(c)
    for ti, doc_id in placed:
        task, opposite, _ = TASKS[ti]
        for _ in range(per_seed * _TEMPLATE_ROUNDS):
            ask = rng.choice(list(ASKS))
            axis = rng.choice(axis_names) if rng.random() < 0.85 else ""
            group = rng.randrange(groups(axis)) if axis else 0
            frame, wording = rng.randrange(8), rng.randrange(4)
            base = render(task, ask, frame, axis, group, wording)
            # positive: another frame of the same ask, another wording of the slot, maybe moved, plus a surface change
            para = render(task, ask, frame + 1 + rng.randrange(5), axis, group, wording + 1 + rng.randrange(3))
            if axis and rng.random() < 0.3:
                para = _front_slot(para, slot_text(axis, group, wording + 1))
            para, how = surface_form(para, rng)
            add(base, para, 1, f"paraphrase/{how}", doc_id)
            # near-miss: one thing changed; the wording often changed too
            choices = ["ask"] + (["slot"] * 3 if axis else []) + (["direction"] * 2 if opposite else [])
            choice = rng.choice(choices)
            nframe = frame + (rng.randrange(1, 5) if rng.random() < 0.5 else 0)
            nwording = wording + (rng.randrange(1, 3) if rng.random() < 0.5 else 0)
            if choice == "slot":
                other = rng.choice([g for g in range(groups(axis)) if g != group])
                near = render(task, ask, nframe, axis, other, nwording)
                kind = f"near/{axis}"
            elif choice == "direction":
                near = render(opposite, ask, nframe, axis, group, nwording)
                kind = "near/direction"
            else:
                pairs = [p for p in _ASK_SWAPS if ask in p]
                if not pairs:
                    continue
                other_ask = next(x for x in rng.choice(pairs) if x != ask)
                near = render(task, other_ask, nframe, axis, group, nwording)
                kind = "near/asks"
            if rng.random() < 0.35:
                near, _how = surface_form(near, rng)
            add(base, near, 0, kind, doc_id)
            # a topic near-miss now and then: same frame and slot, another task of this corpus
            if rng.random() < 0.15:
                other_task = TASKS[rng.choice(placed)[0]][0]
                if other_task != task:
                    add(base, render(other_task, ask, frame, axis, group, wording), 0, "near/topic", doc_id)

    # Who gives and who receives, which phrase changes into which: the same words in other roles
    # ("Can I send money to my son?" / "Can my son send money to me?"), beside rewordings that keep the roles.
    role_doc = placed[0][1] if placed else (c.docs[0].doc_id if c.docs else corpus)
    for _ in range(per_seed * _ROLE_ROUNDS):
        verb, obj = rng.choice(_ROLE_VERBS)
        who = rng.choice(_ROLE_PEOPLE)
        aux = rng.choice(("Can", "Could", "Will"))
        mine = f"{aux} I {verb} {obj} to {who}?"
        theirs = f"{aux} {who} {verb} {obj} to me?"
        base, swapped = (mine, theirs) if rng.random() < 0.5 else (theirs, mine)
        add(base, swapped, 0, "near/roles", role_doc)
        # The giver and the receiver of `base`, kept in its rewording.
        if base == mine:
            giver, to, able, want, tag = "I", who, "Am I able", "I want", "can I"
        else:
            giver, to, able, want, tag = who, "me", f"Is {who} able", f"{who.capitalize()} wants", "can they"
        same = rng.choice((
            f"Is it possible for {'me' if giver == 'I' else giver} to {verb} {obj} to {to}?",
            f"{able} to {verb} {obj} to {to}?",
            f"{aux} {giver} {verb} {to} {obj}?" if verb in _DATIVE else f"{want} to {verb} {obj} to {to}, {tag}?",
        ))  # fmt: skip
        add(base, surface_form(same, rng)[0], 1, "paraphrase/roles", role_doc)
        a, b = rng.sample(_ROLE_KINDS, 2)
        head = rng.choice(_ROLE_HEADS)
        verb2 = rng.choice(("turn", "change", "convert", "switch"))
        one = f"How do I {verb2} my {a} {head} into a {b} {head}?"
        add(one, f"How do I {verb2} my {b} {head} into a {a} {head}?", 0, "near/roles", role_doc)
        same_roles = surface_form(f"Can I {verb2} a {a} {head} into a {b} {head}?", rng)[0]
        add(one, same_roles, 1, "paraphrase/roles", role_doc)

    for question, doc_id in extra_seeds:
        for _ in range(per_seed):
            para, how = surface_form(question, rng)
            if how == "same":
                para, how = surface_form(question, rng)
            add(question, para, 1, f"paraphrase/{how}", doc_id)
            edited = _edit_question(question, rng)
            if edited is not None:
                near, kind = edited
                if rng.random() < 0.3:
                    near, _how = surface_form(near, rng)
                add(question, near, 0, f"near/{kind}", doc_id)
    return out


# --------------------------------------------------------------------------- public sets


@dataclass(frozen=True, slots=True)
class _Public:
    name: str
    path: str  # under the shared data folder
    license: str


EQUIVALENCE_PUBLIC: dict[str, _Public] = {
    p.name: p
    for p in (
        _Public("banking77", "answerability/banking77", "CC BY 4.0"),
        _Public("clinc150", "answerability/clinc150", "CC BY 3.0"),
        _Public("stsb_images", "paraphrase/stsb", "CC BY-SA 4.0 (scores); image captions CC BY-SA"),
    )
}


def _intent_pairs(rows: Sequence[tuple[str, str, str]], name: str, rng: random.Random) -> list[Pair]:
    """(text, intent, domain) rows -> one positive (same intent) and one negative (another intent, same domain) each."""
    by_intent: dict[str, list[str]] = {}
    domain_of: dict[str, str] = {}
    for text, intent, domain in rows:
        by_intent.setdefault(intent, []).append(text)
        domain_of[intent] = domain
    by_domain: dict[str, list[str]] = {}
    for intent, domain in domain_of.items():
        by_domain.setdefault(domain, []).append(intent)
    out: list[Pair] = []
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        others = [i for i in by_domain[domain_of[intent]] if i != intent]
        for n, text in enumerate(texts):
            group = f"{name}:{intent}:{n // 4}"
            other = rng.choice([t for t in texts if t != text] or [text])
            if other != text:
                out.append(Pair(text, other, 1, "same_intent", name, group))
            if others:
                neg_intent = rng.choice(others)
                out.append(Pair(text, rng.choice(by_intent[neg_intent]), 0, "other_intent", name, group))
    return out


def _banking77(folder: Path, rng: random.Random) -> list[Pair]:
    with (folder / "train.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["text"].strip(), r["category"], "banking") for r in csv.DictReader(fh)]
    return _intent_pairs(rows, "banking77", rng)


def _clinc150(folder: Path, rng: random.Random) -> list[Pair]:
    data = json.loads((folder / "data_full.json").read_text(encoding="utf-8"))
    domains: dict[str, str] = {}
    domain_file = folder / "domains.json"
    if domain_file.is_file():  # pragma: no cover - not shipped in the shared copy
        for domain, intents in json.loads(domain_file.read_text(encoding="utf-8")).items():
            for intent in intents:
                domains[intent] = domain
    # Without the domain map every intent is one domain: negatives are then often easy, which is fine here.
    rows = [(str(t).strip(), str(i), domains.get(str(i), "all")) for t, i in data["train"]]
    return _intent_pairs(rows, "clinc150", rng)


def _stsb_images(folder: Path, rng: random.Random) -> list[Pair]:
    out: list[Pair] = []
    for part in ("train", "dev"):
        with (folder / f"sts-{part}.tsv").open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 7 or cols[1] != "images":
                    continue
                score = float(cols[4])
                if 2.6 < score < 4.4:
                    continue
                out.append(Pair(cols[5].strip(), cols[6].strip(), int(score >= 4.4), "sts", "stsb_images", f"sts:{n}"))
    rng.shuffle(out)
    return out


_LOADERS = {"banking77": _banking77, "clinc150": _clinc150, "stsb_images": _stsb_images}


# --------------------------------------------------------------------------- the mix


def _both_orders(pairs: Iterable[Pair]) -> Iterator[Pair]:
    for p in pairs:
        yield p
        yield Pair(p.hypothesis, p.premise, p.label, p.kind, p.corpus, p.doc_id)


def equivalence_mix(settings: MixSettings) -> Mix:
    """The ``equivalence`` task's mix (see the module notes).

    ``per_sentence`` is read as the pairs of each kind made per seed question,
    ``public_max`` as the rows per public set (0 leaves them out),
    ``cases_repeat`` as the times each hand-written pair enters (in both orders).

    Raises:
        ConfigError: an unknown corpus, a bad case line, or a missing public set.
    """
    from ragfort.judges import perturb

    rng = random.Random(settings.seed)
    corpora = dict(perturb.CORPORA)
    chosen = chosen_corpora(settings)
    train: list[Pair] = []
    dev: dict[str, list[Pair]] = {}
    counts: list[SourceCount] = []

    # 1. the hand-written pairs
    for corpus, pairs in sorted(load_equivalence_cases(settings.root, split="train").items()):
        if corpus in settings.holdout:
            continue
        train.extend(list(_both_orders(pairs)) * settings.cases_repeat)
        counts.append(_count(f"cases/{corpus}", "train", pairs, GENERATED_LICENSE))
    for corpus, pairs in sorted(load_equivalence_cases(settings.root, split="dev").items()):
        dev[f"cases/{corpus}"] = pairs
        counts.append(_count(f"cases/{corpus}", f"cases/{corpus}", pairs, GENERATED_LICENSE))

    # 2. generated pairs, by document split
    if settings.per_sentence > 0:
        seeds: dict[str, list[tuple[str, str]]] = {}
        for corpus, rows in _grounding_questions(settings.root, split="train").items():
            seeds.setdefault(corpus, []).extend(rows)
        for corpus, pairs in load_equivalence_cases(settings.root, split="train").items():
            for p in pairs:
                seeds.setdefault(corpus, []).extend([(p.premise, p.doc_id), (p.hypothesis, p.doc_id)])
        dev_seeds = _grounding_questions(settings.root, split="dev")
        for name in chosen:
            folder = Path(corpora[name])
            folder = folder if folder.is_absolute() else settings.root / folder
            extra = sorted(set(seeds.get(name, [])) | set(dev_seeds.get(name, [])))
            pairs = generate_equivalence(
                folder, corpus=name, seed=settings.seed, per_seed=settings.per_sentence, extra_seeds=extra
            )
            train.extend(_both_orders(place_generated(name, pairs, settings, rng, dev=dev, counts=counts)))

    # 2b. sibling questions: two questions people wrote about one document (train split) mostly want
    # different answers ("What phone number did I set up for my 2FA codes?" / "How do I turn on 2FA?").
    if settings.per_sentence > 0:
        for corpus, rows in sorted(case_questions(settings.root, split="train").items()):
            if corpus in settings.holdout or corpus not in chosen:
                continue
            pairs = _sibling_pairs(rows, corpus, random.Random(f"{settings.seed}:siblings:{corpus}"))
            train.extend(_both_orders(pairs))
            counts.append(_count(f"siblings/{corpus}", "train", pairs, GENERATED_LICENSE))

    # 3. public sets
    if settings.public_max > 0 or settings.public_dev > 0:
        for spec in EQUIVALENCE_PUBLIC.values():
            folder = settings.data / spec.path
            if not folder.is_dir():
                raise ConfigError(
                    f"public set {spec.name!r} is missing: {str(folder)!r}; pass --data or set RAGFORT_SHARED_DATA"
                )
            try:
                pairs = _LOADERS[spec.name](folder, random.Random(f"{settings.seed}:{spec.name}"))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"cannot read public set {spec.name!r} from {str(folder)!r}: {exc!r}") from exc
            groups: dict[str, list[Pair]] = {}
            for p in pairs:
                groups.setdefault(p.doc_id, []).append(p)
            keys = sorted(groups)
            rng.shuffle(keys)
            held: list[Pair] = []
            rest: list[Pair] = []
            for key in keys:
                if len(held) < settings.public_dev:
                    held.extend(groups[key])
                elif len(rest) < settings.public_max:
                    rest.extend(groups[key])
            train.extend(_both_orders(rest))
            counts.append(_count(spec.name, "train", rest, spec.license))
            if held:
                dev[f"public/{spec.name}"] = held
                counts.append(_count(spec.name, f"public/{spec.name}", held, spec.license))

    selection = in_domain_selection(dev, settings, fallback=("generated/", "heldout/"))
    if not selection:
        raise ConfigError("the equivalence mix has no in-domain dev set: no dev cases and no dev documents")
    return finish_mix(
        "equivalence", settings, train=train, dev=dev, selection=selection, counts=counts, corpora=chosen,
        per_sentence_means="pairs of each kind per seed question",
    )  # fmt: skip
