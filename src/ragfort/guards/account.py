"""Questions about the customer's own account: what a help center cannot see.

"Has my complaint been passed to Stage 2 yet?", "How much credit is on my
account at the moment?" and "Which plan are we on right now?" are about one
customer's records. A help center's articles explain how complaints,
credit and plans work, so retrieval finds passages on the topic and the
answerability judge often reads them as answering; the true answer lives in
an account system the agent cannot query. `account_question` recognises the
common shapes of such questions, so that the relevance guard can hand them
to a person (``account_questions: abstain``) instead of answering with the
general rule.

It is deliberately narrow. A question that asks how something works for
the customer ("Is my card blocked after three wrong PINs?", "Which tariff am
I on if I do nothing at the end of my fix?", "How many users are in my
plan?") is answered from the help center and must not match: a conditional
clause (if, when, once, after, until, unless, before, even though) rules out
the status, plan and tracking shapes, and the balance shape needs a word of
what is left (left, remaining, waiting, balance, outstanding, owed) or of
now. Known misses, left as measured: a value asked without a word of what is
left ("What's my overdraft limit at the moment?"), a count of what something
earned ("How much interest has my saver made so far?") and an order's
arrival ("When will order #88231 get to me?"). Session 18 added the next
amount due, a booked appointment and what the customer has or gets now;
session 25 the shapes people type in a chat ("did my payment come out",
"has the refund for booking WR4K92LP gone through yet", "whats happening
with the report i filed", "how many club points have i got"); session 29
follow-ups that ask after the customer's one thing ("has the refund gone
thru yet", "what time's the engineer turning up"; "thru" is read as
"through" everywhere).

The shapes (the name is what `account_question` returns):

- ``receipt``: did you get / receive what I sent ("Did you get the meter
  reading I sent yesterday?");
- ``status``: has my X been approved / confirmed / issued ..., or is my X
  already / yet / now something ("Has my refund been issued yet?"); has the
  X for my Y / for booking <id> been done or gone through; what's happening
  with the X I filed / sent / reported; has the X / has it been done or gone
  through yet (a follow-up naming the customer's one thing by "the" or "it");
- ``balance``: how much is left / waiting / on my account now;
- ``history``: how much did I pay / have we sent, last month / so far;
- ``plan``: which plan / tariff / (rewards) tier am I on or in (will I be on);
- ``handler``: who is handling / dealing with my X;
- ``outcome``: did my payment / last night's export go through / work / come
  out / get approved (a yes/no question: "why did my transfer fail?" asks for
  the reasons, which a help center gives);
- ``members``: which of my team / users still has not ...;
- ``tracking``: where is my refund / order, with an id or a complaint of
  waiting ("where's my refund for booking QH4T8Z? it's been ages");
- ``next_amount``: how much is / will my next bill / payment be;
- ``appointment``: what time / what day / when is my engineer / delivery /
  check-up / session coming, booked, due, scheduled, or the engineer /
  courier / driver turning up (a conditional does not rule it out: "when"
  opens it);
- ``current``: am I getting / on / eligible for X at the moment, how much /
  many X do I have right now, how many X have I got (the question ending
  there: "... got to earn" asks the rule), is there an X on my account now.
"""

from __future__ import annotations

import re

__all__ = ["ACCOUNT_SHAPES", "account_question"]

_ME = r"(?:i|we)"
_MY = r"(?:my|our)"
_NOW = r"(?:yet|already|right now|at the moment|currently|as of today|so far|to date)"
_PAST = (
    r"(?:yesterday|last (?:night|week|month|year|quarter|bill|invoice|time)|this (?:morning|week|month|year|quarter)"
    r"|earlier today|so far|to date)"
)
_DONE = (
    r"(?:approved|rejected|declined|confirmed|processed|issued|received|paid|refunded|passed|cleared|"
    r"completed|booked|registered|escalated|resolved|credited|actioned|dispatched|shipped|posted|reviewed)"
)
# A clause that asks for the rule, not the record: "Is my card blocked if ...", "what tariff am I on when ...".
_CONDITIONAL = re.compile(r"\b(?:if|when|whenever|once|after|until|till|unless|before|even though|although|though)\b")

# (shape, pattern, whether a conditional clause rules it out), tried in order. The plan shape also
# needs to open the text: "I've moved into a home you supply. What tariff am I on?" asks the rule.
# fmt: off
_SHAPES: tuple[tuple[str, str, bool], ...] = (
    ("receipt",
     rf"\bdid (?:you|u|you guys) (?:get|receive|see|process)\b[^?]*\b(?:{_ME} (?:sent|submitted|posted|"
     rf"made|uploaded|emailed|filed|requested|gave)|{_MY})\b",
     False),
    ("status",
     rf"^(?:and |so )?(?:has|have|is|are|was|were) {_MY} (?:[\w'-]+ ){{1,8}}?(?:been |got |being )?{_DONE}\b",
     True),
    ("status", rf"^(?:and |so )?(?:has|have|is|are|was|were) {_MY}\b.*\b{_NOW}\b", True),
    # "Has the refund for my return R-55321 been issued yet?", "has the refund for booking WR4K92LP gone through".
    ("status",
     rf"^(?:and |so )?(?:has|have|is|are|was|were) the (?:[\w'-]+ ){{1,4}}?for (?:{_MY}\b|(?:booking|order|return|"
     r"claim|ticket|reference) (?=[a-z-]*\d)[a-z0-9-]{5,}\b)[^?]*\b(?:(?:been |got |being )?"
     rf"{_DONE}|gone through|come through)\b",
     True),
    # "i emailed last tuesday, has the refund gone thru yet", "so has it cleared yet??": a follow-up asking after
    # one thing of the customer's, named by "the" or "it", with a word of now.
    ("status",
     rf"(?:^|, )(?:and |so )?(?:has|have|is|are) (?:the (?:[\w'-]+ ){{0,3}}?[\w'-]+|it|that|they) "
     rf"(?:been |got |being )?(?:{_DONE}|gone through|come through)\b[^?]*\b(?:yet|already)\b",
     True),
    # "whats happening with the accident report i filed on tuesday": the progress of what the customer sent.
    ("status",
     rf"\bwhat(?:'s| is|s) happening (?:with|to) (?:{_MY}|the) (?:[\w'-]+ ){{0,3}}?[\w'-]+ (?:that )?{_ME} "
     r"(?:filed|sent|submitted|reported|made|raised|opened|lodged|posted)\b",
     False),
    ("balance",
     r"\bhow (?:much|many)\b[^?]*\b(?:left|remaining|waiting|outstanding|owed)\b[^?]*"
     rf"\b(?:on|in|for) {_MY}\b",
     False),
    ("balance",
     rf"\bhow (?:much|many)\b[^?]*\b(?:is|are) (?:there )?(?:on|in) {_MY}\b[^?]*"
     r"\b(?:now|right now|at the moment|currently|today)\b",
     False),
    ("balance", rf"\bwhat(?:'s| is) {_MY} (?:current |account |outstanding )*balance\b", False),
    ("history",
     rf"\b(?:how (?:much|many)|what)\b[^?]*\b(?:did|have|had) {_ME} (?:\w+ )?(?:pay|paid|spend|spent|use|used|"
     rf"send|sent|get|got|earn|earned|buy|bought|order|ordered)\b[^?]*\b{_PAST}\b",
     False),
    ("history", rf"\bwhat (?:\w+ ){{1,3}}did {_ME} (?:get|end up with|sign up for|choose|pick) on {_MY}\b", False),
    ("plan",
     r"\b(?:which|what) (?:[\w'-]+ )?(?:plan|tariff|tier|package|bundle|fare|account type|subscription|level) "
     r"(?:am i|are we|will (?:i|we) be) (?:on|in)\b",
     True),
    ("handler",
     r"\bwho(?:'s| is) (?:handling|dealing with|looking (?:at|into)|working on|assigned to|in charge of) "
     rf"{_MY}\b",
     False),
    ("outcome",
     rf"^(?:and |so )?did (?:{_MY}|last night's|yesterday's|today's|this morning's|last week's) "
     r"(?:[\w'-]+ ){1,6}?(?:actually )?(?:work|go through|get through|succeed|fail|arrive|clear|bounce|come out|"
     rf"go out|get {_DONE})\b",
     False),
    ("members",
     rf"\b(?:which|who) of {_MY} (?:[\w'-]+ ){{1,2}}?(?:still |already )?"
     r"(?:has|have|hasn't|haven't|is|are|isn't|aren't|did|didn't)\b",
     False),
    ("tracking",
     rf"\bwhere(?:'s| is| are) {_MY} (?:[\w'-]+ ){{0,3}}?(?:refund|order|parcel|package|delivery|payment|"
     r"claim|card|cheque|check)\b[^?]*(?:\b(?=[a-z-]*\d)[a-z0-9-]{5,}\b|\bit'?s been\b|\bstill\b|\byet\b)",
     True),
    ("next_amount",
     rf"\bhow much (?:is|will) {_MY} next (?:[\w'-]+ ){{0,2}}?(?:bill|payment|premium|invoice|statement|instalment|"
     r"installment|repayment) (?:be|going to be|come to|going to come to)\b",
     True),
    # "what time's the engineer turning up?": the person coming to the customer, named by "the".
    ("appointment",
     r"\b(?:what time|what day|what date|when)(?:'s| is| are) the (?:[\w'-]+ ){0,2}?(?:engineer|technician|installer|"
     r"courier|driver) (?:arriving|coming|turning up|showing up|getting here)\b",
     False),
    ("appointment",
     rf"\b(?:what time|what day|what date|when) (?:is|are) {_MY} (?:[\w'-]+ ){{0,2}}?(?:engineer|technician|"
     r"installer|install|installation|appointment|visit|delivery|courier|driver|check[- ]?up|cleaning|"
     r"consultation|session) "
     r"(?:arriving|coming|booked|due|scheduled)\b",
     False),
    ("current",
     r"^(?:and |so )?(?:am i|are we) (?:getting|receiving|on|eligible for|entitled to|signed up (?:for|to))\b"
     r"[^?]*\b(?:right now|at the moment|currently)\b",
     True),
    ("current",
     rf"\bhow (?:much|many)\b[^?]*\b(?:do|have) {_ME} (?:got |have )(?:left )?(?:right now|at the moment|currently)\b",
     True),
    # "how many club points have i got", "how many api requests has our workspace got left for today": a count
    # of the customer's own, the question ending there ("how many points have I got to earn" asks the rule).
    ("current",
     rf"^(?:and |so )?how (?:much|many) (?:[\w'-]+ ){{1,4}}?(?:have {_ME} |has {_MY} (?:[\w'-]+ ){{1,2}}?)got"
     r"(?: left)?(?: (?:for )?today| this (?:month|week))?\s*\??$",
     True),
    ("current",
     rf"^(?:and |so )?is there (?:a|an|any) (?:[\w'-]+ ){{1,3}}?on {_MY} account "
     r"(?:right now|at the moment|currently)\b",
     True),
)
# fmt: on
_PATTERNS = tuple((shape, re.compile(pattern), conditional) for shape, pattern, conditional in _SHAPES)
ACCOUNT_SHAPES: tuple[str, ...] = tuple(dict.fromkeys(shape for shape, _, _ in _SHAPES))
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_THRU = re.compile(r"\bthru\b")  # as people type "through"


def account_question(text: str) -> str | None:
    """The shape of `text` when it asks about the customer's own account records, else None.

    Each sentence is read on its own, lower-cased; a sentence with a
    conditional clause never matches the shapes that ask for a status, a plan
    or a parcel's whereabouts, and the plan shape must be the first sentence
    (one after a description of the customer's situation asks for the rule).
    """
    low = _THRU.sub("through", _SPACES.sub(" ", text.translate(_QUOTES).lower()).strip())
    for i, sentence in enumerate(_SENTENCE.split(low)):
        conditional = bool(_CONDITIONAL.search(sentence))
        for shape, pattern, ruled_out in _PATTERNS:
            if (ruled_out and conditional) or (shape == "plan" and i > 0):
                continue
            if pattern.search(sentence):
                return shape
    return None
