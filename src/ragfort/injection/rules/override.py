"""``override``: ignoring, forgetting or replacing the instructions the assistant already has.

"Ignore all previous instructions", "the system prompt is outdated", "your new
task is", "from now on". Help text says "ignore texts asking for gift cards"
and "the setup instructions": the strong rules need both an override verb and
a noun for the assistant's rules, with an earlier/system qualifier or a
possessive in between.
"""

from __future__ import annotations

from ragfort.injection.rules.base import Rule, gap, rule_set

__all__ = ["OVERRIDE"]

_RULES_NOUN = (
    r"(?:instructions?|rules|guidelines|guidance|directives|directions|prompts?|programming|"
    r"system (?:prompt|message|messages|instructions)|constraints|restrictions|policies|safety (?:rules|filters))"
)
_PRIOR = r"(?:previous|prior|earlier|above|preceding|former|original|initial|old|existing|foregoing|system|developer)"
_OVERRIDE_VERB = (
    r"(?:ignore|disregard|forget|override|overrule|bypass|set aside|put aside|abandon|discard|drop|"
    r"throw out|stop following|do not follow|don't follow|no longer follow)"
)
_A_OVERRIDE = "ignor disregard forget overr bypass aside abandon discard drop throw follow"

OVERRIDE: tuple[Rule, ...] = rule_set(
    "override",
    (0.9, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s{gap(4)}{_PRIOR}\s{gap(2)}{_RULES_NOUN}"),
    (
        0.9,
        _A_OVERRIDE,
        rf"\b{_OVERRIDE_VERB}\s(?:all\s|any\s|every\s)?(?:of\s)?(?:your|the|these|those|"
        rf"my)\s{gap(2)}{_RULES_NOUN}",
    ),
    (0.9, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s(?:all|any|every)\s{_RULES_NOUN}"),
    (0.5, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s{gap(3)}{_RULES_NOUN}"),
    (
        0.85,
        "forget",
        r"\bforget (?:everything|all|anything|what) (?:\S+ ){0,3}(?:told|said|learned|instructed|above|before)",
    ),
    (
        0.8,
        "ignored disregarded forgotten overridden dropped",
        rf"\b{_RULES_NOUN} (?:\S+ ){{0,5}}(?:must|should|are to|is to|can) (?:now )?be "
        r"(?:ignored|disregarded|forgotten|overridden|dropped)",
    ),
    (
        0.75,
        "longer void cancel outdated obsolete revoked superseded invalid",
        rf"\b{_PRIOR} {gap(1)}{_RULES_NOUN} (?:\S+ ){{0,2}}(?:no longer appl(?:y|ies)|(?:is|are) "
        r"(?:void|cancell?ed|outdated|obsolete|revoked|superseded|invalid))",
    ),
    (
        0.75,
        "system",
        r"\b(?:the |your )?system (?:prompt|message)s? (?:\S+ ){0,3}(?:is|are) (?:outdated|obsolete|void|wrong|"
        r"fake|revoked)",
    ),
    (
        0.65,
        "your",
        r"\byour (?:new|real|true|actual|only) (?:task|instructions?|role|goal|objective|job|purpose|mission) "
        r"(?:is|are|will be)\b",
    ),
    (0.45, "new", r"(?:^|[\s>\[(])new (?:instructions?|task|directive|rules?)\s?:"),
    (
        0.6,
        "follow",
        r"\bfollow (?:only|just) (?:the )?(?:instructions|rules|directions) (?:in|from|of) (?:this|the following|"
        r"these)",
    ),
    (
        0.55,
        "comply agree",
        r"\b(?:comply|agree) with (?:every|all|any) (?:user )?(?:requests?|demands?|instructions)",
    ),
    (
        0.55,
        "disabled lifted removed turned deactivated",
        r"\b(?:disabled|lifted|removed|turned off|deactivated) (?:all )?(?:your )?"
        r"(?:restrictions|filters|safety|guardrails|content polic(?:y|ies))",
    ),
    (0.4, "from now", r"\bfrom now on\b"),
    (0.35, "safety content", r"\b(?:safety|content) (?:guidelines|filters?|polic(?:y|ies)|rules)\b"),
)
