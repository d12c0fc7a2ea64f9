"""The injection rules, one module per technique (or per family of techniques).

`RULES` holds every pattern rule, in a fixed order that is part of the
behaviour: of two equally weighted matches the first is the one reported, for
a technique and for the context signals its matches raise. The link, encoded and context signals are not pattern
rules: they need the company's domains, a second scan or the original markup,
and the scanner calls them itself.
"""

from __future__ import annotations

from ragfort.injection.rules.addressed import ADDRESSED_TO_AI
from ragfort.injection.rules.base import Rule
from ragfort.injection.rules.customer_data import CREDENTIAL_REQUEST, DATA_EXFILTRATION, DATA_HARVEST
from ragfort.injection.rules.multilingual import MULTILINGUAL
from ragfort.injection.rules.output_control import OUTPUT_CONTROL
from ragfort.injection.rules.override import OVERRIDE
from ragfort.injection.rules.persona import PERSONA
from ragfort.injection.rules.prompt_leak import PROMPT_EXFILTRATION

__all__ = [
    "ADDRESSED_TO_AI",
    "CREDENTIAL_REQUEST",
    "DATA_EXFILTRATION",
    "DATA_HARVEST",
    "MULTILINGUAL",
    "OUTPUT_CONTROL",
    "OVERRIDE",
    "PERSONA",
    "PROMPT_EXFILTRATION",
    "RULES",
    "Rule",
]

RULES: tuple[Rule, ...] = (
    OVERRIDE
    + PROMPT_EXFILTRATION
    + PERSONA
    + DATA_EXFILTRATION
    + DATA_HARVEST
    + OUTPUT_CONTROL
    + ADDRESSED_TO_AI
    + CREDENTIAL_REQUEST
    + MULTILINGUAL
)
