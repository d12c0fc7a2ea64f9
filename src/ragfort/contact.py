"""Questions that ask how to reach the business, and the passages that answer them.

"What's your phone number?", "Can I email you?" and "How do I contact you?" are among the commonest questions a
support agent gets, and the answer is a line the help center prints: "Call 0345 600 7240, 08:00 to 20:00". The
learned judges read them badly: the answerability judge gives the contact article a low read (the question shares
few words with "Phone: 0345 600 7240"), and the extractive generator's best sentence by similarity is often about
the customer's own details ("Your contact number is used for security codes"). Over the nine help centers of
the dev split, 22% of such questions were answered with a contact point and 56% refused
(`benchmarks/contact_questions.py`).

`contact_channels` reads which channel a question asks for: ``phone``, ``email``, or both for a question that
asks how to reach the business at all. It is narrow on purpose: the question must name the business as the one
reached ("you", "your team", "customer service", "someone", "a real person") or ask for its number, line or
address ("your phone number", "a helpline", "which email address"), and ask nothing more (no word beyond the
channel, who is reached and courtesy: "Is the phone line open on Sundays?" and "What's the phone number for the
Chicago design studio?" are left to the judges); a question about the customer's own details ("How do I change
my phone number?", "I never got the confirmation email", "Can you call me back?") is none.
`printed_channels` says which channels a text prints (a phone number's digits, an e-mail address:
`ragfort.text.printed_contacts`). The relevance guard answers such a question from the retrieved passages that
print a contact point of the channel asked, and the extractive generator quotes the sentences that print one,
those of the help center's contact page first (`contact_page`, read from the document's title).
"""

from __future__ import annotations

import re

from ragfort.text import FUNCTION_WORDS, plain_quotes, printed_contacts

__all__ = ["CHANNELS", "contact_channels", "contact_page", "printed_channels"]

CHANNELS = frozenset(["phone", "email"])

# Who is reached: the business, someone who works there, a person rather than a bot.
_BUSINESS = (
    r"(?:you(?:r (?:team|staff|company|office|agents?|advisors?|advisers?|support(?: team)?|call cent(?:re|er)))?"
    r"|u|ur|someone|somebody|anyone|"
    r"an? (?:real |live |actual )?(?:person|human|agent|advisor|adviser|operator|representative|rep)|"
    r"(?:the )?(?:customer )?(?:service|services|support|care)(?: team| desk| line)?|"
    r"the (?:support |help |service |customer service )?(?:team|desk|office))\b"
)
_REACH = re.compile(
    r"\b(?:contact|reach|get in touch with|get hold of|get through to|speak (?:to|with)|talk (?:to|with)|"
    r"chat (?:to|with))\s+"
    + _BUSINESS
    # "Is there anyone I can speak to?", "who do i call"
    + r"|\b(?:someone|somebody|anyone|a person|a human) (?:i|we) (?:can|could) (?:speak|talk|chat) (?:to|with)\b"
    r"|\bwho (?:do|can|should|could) (?:i|we) (?:call|ring|phone|contact|speak to|talk to|email|write to)\b"
)
_ANY = re.compile(
    r"\bget in touch\b|\bhow (?:do|can|should|could) (?:i|we) contact\b|\bcontact (?:details|info|options)\b"
)
_PHONE = re.compile(
    r"\b(?:call|ring|phone|telephone)\s+" + _BUSINESS
    + r"|\b(?:helpline|hotline|phone line|telephone line|phone support|telephone support)\b"
    r"|\b(?:your|the|there a|you have a)\s+(?:\w+\s+){0,2}?"
    r"(?:phone|telephone|contact|service|support|help)\s+(?:number|no)\b"
    r"|\bnumber (?:i|we) (?:can|could|should) (?:call|ring|phone)\b"
    r"|\bnumber (?:for|to reach|to call) " + _BUSINESS
    + r"|\b(?:your|ur) (?:main |phone |telephone |contact |helpline )?(?:number|no)\b"
    r"|\b(?:what|which) number (?:do|can|should|could) (?:i|we) (?:call|ring|phone)\b"
    r"|\b(?:speak|talk) (?:to|with) " + _BUSINESS + r".*\b(?:phone|call)\b"
    r"|\bwho (?:do|can|should|could) (?:i|we) (?:call|ring|phone)\b"
)  # fmt: skip
_EMAIL = re.compile(
    r"\bemail\s+" + _BUSINESS
    + r"|\bwrite to\s+" + _BUSINESS
    + r"|\bsend (?:you an email|an email to " + _BUSINESS + r")"
    r"|\b(?:your|which|what|an?)\s+(?:support |contact |customer service |help )?email(?: address)?\b(?! you sent)"
)  # fmt: skip
_PHONE_WORD = re.compile(r"\b(?:phone|telephone|call|ring)\b")
_EMAIL_WORD = re.compile(r"\bemail\b")
# The customer's own details, or an action on them: never a question about reaching the business.
_OWN = re.compile(r"\b(?:my|mine)\s+(?:\w+\s+){0,2}?(?:phone|mobile|number|email|contact|address|details)\b")


# What a question that only asks how to reach the business is made of, besides function words: the channel, who is
# reached, and the courtesy around it. A question with any other word asks something more: the hours of a line
# ("Is the phone line open on Sundays?"), another party's number ("the phone number for the Chicago design
# studio"), what a channel can do ("can I email you to cancel my booking?"); the judges read those as before.
# fmt: off
_CONTACT_WORDS = frozenset([
    "phone", "phones", "telephone", "tel", "number", "numbers", "no", "call", "calling", "ring", "phoning",
    "email", "emails", "address", "addresses", "contact", "contacting", "reach", "touch", "hold", "speak",
    "talk", "chat", "write", "send", "line", "lines", "helpline", "hotline", "customer", "customers",
    "service", "services", "support", "care", "team", "staff", "office", "desk", "centre", "center", "someone",
    "somebody", "anyone", "person", "human", "real", "live", "actual", "agent", "agents", "advisor", "adviser",
    "operator", "representative", "rep", "u", "ya", "guys", "way", "best", "quickest", "easiest", "get", "got",
    "need", "want", "like", "use", "using", "on", "via", "by", "instead", "just", "please", "thanks", "thank",
    "hi", "hello", "hey", "whats", "what's", "is", "there", "any", "one", "else", "other", "s", "to", "in",
    "from", "through", "give", "tell", "find", "details", "info", "information", "i'd", "i'm", "id", "im",
    "would", "able", "possible", "ur",
])
# fmt: on
_WORDS = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _plain(question: str) -> str:
    text = plain_quotes(question).lower()
    return re.sub(r"\be-mail", "email", re.sub(r"\s+", " ", text))


def contact_channels(question: str) -> frozenset[str]:
    """The channels (``phone``, ``email``) `question` asks to reach the business by; empty when it asks no such
    thing. A question asking how to reach the business at all ("How do I contact you?") asks for both."""
    text = _plain(question)
    if _OWN.search(text) or any(w not in _CONTACT_WORDS and w not in FUNCTION_WORDS for w in _WORDS.findall(text)):
        return frozenset()
    channels = {name for name, pattern in (("phone", _PHONE), ("email", _EMAIL)) if pattern.search(text)}
    if not channels and (_REACH.search(text) or _ANY.search(text)):
        # "Can I contact you by email?" names its channel; "How do I contact you?" asks for any.
        named = {name for name, word in (("phone", _PHONE_WORD), ("email", _EMAIL_WORD)) if word.search(text)}
        return frozenset(named) or CHANNELS
    return frozenset(channels)


def printed_channels(text: str) -> frozenset[str]:
    """The channels `text` prints a contact point of: ``phone`` for a run of 7-15 digits, ``email`` for an
    address."""
    found = printed_contacts(text)
    return frozenset(
        name for name, present in (("phone", any("@" not in k for k in found)), ("email", any("@" in k for k in found)))
        if present
    )  # fmt: skip


# How help centers title the page that lists their channels: "Contact Us", "Contacting Tallyho support", "Complaints
# and Contacting Us", "Getting Help: Support Channels and Hours", "Get in touch".
_CONTACT_PAGE = re.compile(
    r"\bcontact(?:ing)?\b|\bget(?:ting)? in touch\b|\bgetting help\b|\bsupport channels\b|\breach(?:ing)? us\b",
    re.IGNORECASE,
)


def contact_page(title: str) -> bool:
    """Whether a document titled `title` reads as the help center's contact page ("Contact Us", "Getting Help:
    Support Channels and Hours"): where the main lines are, rather than a line printed in passing ("Hang up and
    call us on ..." in a fraud article)."""
    return _CONTACT_PAGE.search(title) is not None
