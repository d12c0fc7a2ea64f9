"""Prompt-injection detection: instructions to an AI hidden in text meant for customers.

Indirect prompt injection hides instructions in content the model reads as
context: a help-center page, a scraped web page, an uploaded document. This
package scores a text for them; the guard that acts on the scores at the
retrieval and input stages is `ragfort.guards.injection.InjectionGuard`.

How a text is scored, all on the CPU in well under a millisecond:

1. **Normalise** (`ragfort.injection.normalize`) a copy of the text while
   keeping a map back to the original offsets: decode HTML entities; NFKD
   with accents dropped (so the French and German rules need no accent
   variants); zero-width and other format characters removed; look-alike
   Cyrillic/Greek letters and leetspeak digits inside words mapped to Latin
   letters; spaced-out letters (``i g n o r e``, ``d-i-s-r-e-g-a-r-d``)
   joined; case folded; whitespace collapsed. Places changed by the
   de-obfuscating steps are remembered.
2. **Match** weighted rules (`ragfort.injection.rules`) grouped by
   *technique*: ``override`` (ignore or replace earlier instructions),
   ``prompt_exfiltration`` (reveal the system prompt), ``persona`` (role-play
   jailbreaks), ``link`` (send people to a link, look-alike or executable
   links, data in query strings), ``data_exfiltration`` (send a customer's
   data somewhere), ``data_harvest`` (dump other customers' records),
   ``output_control`` (dictate or hide parts of the reply),
   ``addressed_to_ai`` (imperatives to an assistant, fake role turns and
   control tokens), ``credential_request`` (ask for someone's PIN or
   password), ``multilingual`` (es/fr/de) and ``encoded`` (base64 payloads,
   decoded and scanned once). Each technique counts once, at its strongest
   match.
3. **Context**: a match inside hidden markup (an HTML comment, a
   ``display:none`` element, a Markdown comment or a link title) adds the
   ``hidden_markup`` signal; a match the de-obfuscation had to uncover adds
   ``obfuscation``. Legitimate help text has no reason to do either.
4. **Combine** (`ragfort.injection.scanner`) the technique weights as
   independent evidence, ``score = 1 - prod(1 - w)``; the guard compares it
   with its threshold. One strong rule (weight >= 0.8) is enough; weak cues
   such as "you are now" or a link to an unknown domain need company.

The rules are written against the shapes of attack, not the words of one
data set: ``benchmarks/injection_quality.py`` reports precision and recall
per technique on ``evals/injection/passages.jsonl`` with a split check. The
hard negatives are what a support corpus is full of: "ignore texts asking for
gift cards", "the setup prompt", "Settings > System", "visit our store",
"forward your receipt to support@...". Known limits: paraphrases that share
no cue with the rules, languages other than en/es/fr/de, payloads split
across passages, and instructions in images are not caught; an internal
agent-facing knowledge base ("tell the customer that ...") scores higher
than a customer-facing one. Hits name the technique and the offsets, never
the text.
"""

from __future__ import annotations

from ragfort.injection.normalize import NormalisedText, normalise
from ragfort.injection.rules import RULES, Rule
from ragfort.injection.scanner import InjectionHit, InjectionScan, InjectionScanner

__all__ = [
    "RULES",
    "InjectionHit",
    "InjectionScan",
    "InjectionScanner",
    "NormalisedText",
    "Rule",
    "normalise",
]
