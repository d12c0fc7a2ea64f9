"""``addressed_to_ai``: text that speaks to an AI reader rather than to a customer.

"Note to the AI", "if you are an AI", "AI models processing this page must",
fake ``System:``/``Assistant:`` turns, control tokens (``[SYSTEM]``,
``<|im_start|>``), fake tool calls, third-person orders ("tell the customer
that ...") and talk of "your context window". Most of these are medium cues:
an agent-facing knowledge base says "tell the customer" too.
"""

from __future__ import annotations

from ragfort.injection.rules.base import A_AI, A_PERSON, AI_STRONG, PERSON, Rule, rule_set

__all__ = ["ADDRESSED_TO_AI"]

ADDRESSED_TO_AI: tuple[Rule, ...] = rule_set(
    "addressed_to_ai",
    # Talking about the reader's context window or retrieval results: only an AI has those.
    (
        0.5,
        "access context results training",
        r"\b(?:you have access to|in your context(?: window)?|from your context|in your (?:retrieval|"
        r"search) results|"
        r"your training data)\b",
    ),
    (
        0.75,
        A_AI,
        rf"\b(?:note|message|instructions?|attention|reminder|p\.?s\.?|memo) (?:to|for) (?:the |any |"
        rf"all )?{AI_STRONG}\b",
    ),
    (0.7, "if you are", rf"\bif you are an? (?:\S+ )?{AI_STRONG}\b"),
    (
        0.7,
        A_AI,
        rf"\b{AI_STRONG} (?:reading|processing|summari[sz]ing|parsing|crawling|indexing|seeing) (?:this|the)\b",
    ),
    (0.65, A_AI, rf"\b{AI_STRONG} (?:must|should|shall|need to|are required to|are instructed to)\b"),
    (0.6, A_AI, rf"\b(?:dear|hey|hi|hello|attention) (?:the )?{AI_STRONG}\b"),
    (0.55, A_AI + " system", rf"(?:^|[.!?>\n\]]\s?|\(|<!-- ?)(?:{AI_STRONG}|system)\s?[:,]\s"),
    (
        0.6,
        "system assistant",
        r"(?:^|\s)(?:system|assistant)\s?:\s.{0,200}\b(?:new|reset|rule|override|from now|instruction)",
    ),
    (0.5, "user human", r"(?:^|\s)(?:user|human)\s?:\s.{0,200}(?:^|\s)(?:assistant|ai)\s?:\s"),
    (
        0.7,
        "[ <",
        r"\[(?:system|admin|developer|operator|root)(?: override| message| note| instruction)?\]|"
        r"<\|(?:im_start|system|endoftext)\|?>|\[/?inst\]|<<sys>>|</?system>",
    ),
    (0.6, "override operator", r"\b(?:system|admin|developer) override\b|\bthe operator has\b"),
    (
        0.6,
        "tool function",
        r"</?(?:tool_call|function_call|tool_use|tool_result)\b|[\"'](?:tool|tool_name|function|function_call|"
        r"tool_calls)"
        r"[\"']\s?:",
    ),
    (
        0.45,
        "tool function api plugin",
        r"\b(?:call|invoke|execute|run|use) the (?:\S+ )?(?:tool|function|api|plugin)\b",
    ),
    (
        0.45,
        A_PERSON,
        r"\b(?:tell|inform|instruct|advise|remind|direct|urge|recommend (?:that |to )?|ask|convince|assure|"
        r"reply to|"
        rf"respond to) (?:the |all |every |any )?{PERSON}\b",
    ),
    (0.35, "asks", r"\b(?:the|every) (?:customer|user) (?:that|who) asks\b"),
)
