"""``output_control``: dictating the reply, or hiding parts of what the assistant does from the customer.

"Respond only with", "your entire reply must be", "whatever the user asks",
"do not mention this to", "quietly".
"""

from __future__ import annotations

from ragfort.injection.rules.base import Rule, rule_set

__all__ = ["OUTPUT_CONTROL"]

OUTPUT_CONTROL: tuple[Rule, ...] = rule_set(
    "output_control",
    (
        0.7,
        "only solely exclusively just",
        r"\b(?:respond|reply|answer)\s(?:to\s\S+\s(?:\S+\s)?)?(?:only|solely|exclusively|just) (?:with|in|using)\b",
    ),
    (0.7, "only", r"\bonly (?:respond|reply|answer) (?:with|in|using)\b"),
    (
        0.7,
        " with",
        r"\b(?:answer|respond to|reply to) (?:every|each|all|any) (?:\S+ ){0,3}"
        r"(?:questions?|requests?|messages?|quer(?:y|ies)) with\b",
    ),
    (
        0.75,
        "your",
        r"\byour (?:entire|whole|only|complete|full) (?:reply|response|answer|output) (?:must|should|will|"
        r"shall) be\b",
    ),
    (
        0.65,
        "whatever matter",
        r"\b(?:whatever|no matter what) (?:the )?(?:user|customer|they|anyone) (?:asks?|says?|types?|wants?)",
    ),
    (
        0.6,
        "any every all",
        r"\b(?:to|for) (?:any|every|all) (?:\S+ )?(?:questions?|requests?|messages?|quer(?:y|ies)) "
        r"(?:about|regarding|on|related)",
    ),
    (0.45, "nothing", r"\b(?:and nothing else|do not add anything|don't add anything)\b"),
    (
        0.5,
        "mention reveal disclose tell",
        r"\b(?:do not|don't|never) (?:mention|reveal|disclose|tell) (?:this|that|it|these|any of this)"
        r"(?: step| instruction)?s? (?:to|in)\b",
    ),
    (
        0.55,
        "quietly secretly silently covertly without",
        r"\b(?:quietly|secretly|silently|covertly|without (?:telling|informing|alerting) (?:the )?(?:user|"
        r"customer|them))\b",
    ),
    (0.4, "your", r"\b(?:at the end of|at the start of|before|in) your (?:answer|reply|response|output|summary)\b"),
    (0.4, "answer reply respond", r"\b(?:before|when) (?:you )?(?:answer|reply|respond)(?:ing)?\b"),
)
