"""``persona``: role-play jailbreaks that give the assistant a new, unrestricted identity.

"Do anything now" (DAN), "you are now X without restrictions", "stay in
character", "pretend you are". "You are now the account holder" in help text
is a lone weak cue and stays under the threshold.
"""

from __future__ import annotations

from ragfort.injection.rules.base import AI_STRONG, Rule, rule_set

__all__ = ["PERSONA"]

PERSONA: tuple[Rule, ...] = rule_set(
    "persona",
    (0.9, "anything now", r"\bdo anything now\b"),
    (0.6, "dan", r"\b(?:you are|you're|act as|become|answer as|respond as|reply as) (?:now )?dan\b"),
    (
        0.85,
        "you are",
        rf"\byou are (?:now |no longer )?(?:an? |the )?(?:\S+ ){{0,3}}(?:{AI_STRONG}|persona|character)? ?"
        r"(?:without|with no|free (?:of|from)|not bound by|unrestricted|unfiltered|uncensored|jailbroken|"
        r"unchained)",
    ),
    (0.8, "character role persona", r"\b(?:stay|remain|keep) in (?:character|role|persona)\b"),
    (
        0.65,
        "pretend imagine act as act like",
        r"\b(?:pretend|imagine|act as if|act like) (?:that )?(?:you are|you're)\b",
    ),
    # "Pretend to be ..." as an order; "Fraudsters often pretend to be from a bank" describes someone else.
    (
        0.65,
        "pretend imagine act",
        r"(?:^|[.!?:;]\s+|\bplease\s+|\bnow\s+|\b(?:you (?:must|should|will|need to|have to)|i want you to)\s+)"
        r"(?:pretend|imagine|act) (?:that )?to be\b",
    ),
    (0.6, "play", r"\b(?:role-?play|roleplay)\b|\blet'?s play a game\b"),
    (
        0.6,
        "jailbr unrestricted unfiltered uncensored unchained evil god",
        r"\b(?:jailbreak|jailbroken|unrestricted|unfiltered|uncensored|unchained|evil|god) ?-?"
        r"(?:mode|assistant|ai|bot|model|persona|version)\b",
    ),
    (0.45, "developer", r"\bdeveloper[- ]mode (?:assistant|ai|bot|model|persona|enabled|activated)"),
    (
        0.7,
        "never",
        r"\b(?:has|have|with) no (?:rules|restrictions|limits|filters|content polic(?:y|ies))\b.{0,40}"
        r"\bnever (?:refuses?|declines?)",
    ),
    (0.6, "never", r"\bnever (?:refuses?|declines?|says? no)\b"),
    (0.5, "without", r"\bwithout (?:any )?(?:content polic(?:y|ies)|filters|guardrails|ethical|moral)"),
    (0.25, "you are", r"\byou are (?:now|no longer)\b"),
    (0.35, "anything", r"\b(?:discuss|say|do) anything\b"),
)
