"""The words ragfort says itself: the default replies when it abstains or refuses.

One place for each default, so a guard that answers in its own words (the
relevance and grounding guards' ``abstain_message``) and the policy's
``messages:`` section say the same thing unless a policy sets them apart.
This module imports nothing, so any layer may use it.
"""

from __future__ import annotations

__all__ = ["ABSTAIN_MESSAGE", "BLOCKED_MESSAGE"]

# The answer when ragfort abstains: nothing it retrieved answers the question.
ABSTAIN_MESSAGE = (
    "I'm sorry, I can't find that in our help center. Please contact our support team, who will be happy to help."
)
# The answer when a guard blocks the request.
BLOCKED_MESSAGE = "I'm sorry, I can't help with that request."
