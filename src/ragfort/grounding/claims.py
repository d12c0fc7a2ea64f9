"""Split an answer into checkable claims, with exact offsets, and drop untrusted citation markers.

A claim is a sentence (`ragfort.text.sentence_spans`), or a clause of a
compound sentence when the clauses can be true or false independently
("Laptops can be returned within 14 days; phones within 30 days."). Each
claim keeps the offsets of its text in the answer as the guard received it,
so findings point at what the model actually wrote.

Citation markers written by the model ("[2]", "[doc1]", "[source 3]") are
never trusted: `strip_markers` removes them before checking, and the guard
inserts its own, verified ones afterwards.

Support answers often open with the answer to a yes/no question ("No, Care+
has to be added within 30 days.", "Not yet. You need to be 18."). The opening
words answer the question; they are not a statement the passages could
contain, and "No" read as a negation would contradict the very passage that
backs the rest. `answer_core` gives the text to check without them, and a
sentence that is nothing but such an opening joins the claim after it, so it
is kept or removed with the statement that justifies it.

People who write support answers also wrap them in courtesy: "Sorry about that!", "Happy to help!",
"Let me know if you have any other questions." A sentence that is nothing but courtesy states no fact
the passages could hold or contradict, so it is no claim: `split_claims` leaves it out (`courteous`),
and the answer keeps it as written.

They also open statements with discourse frames: "Short answer: no, ...", "Just so you know, ...", "I've checked
and ...", "I'm afraid ...". A frame announces, confirms, softens, stresses, links or sums up and states
nothing, so `answer_core` checks the claim without it, `opening` finds a "No" written behind one, and `unframed`
gives the claim as the learned judge reads it (its yes/no opening kept, its frames dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragfort.text import FUNCTION_WORDS, plain_quotes, sentence_spans

__all__ = [
    "ClaimSpan",
    "CleanAnswer",
    "answer_core",
    "courteous",
    "courtesy_reading",
    "opening",
    "split_claims",
    "strip_markers",
    "unframed",
]

# Markers LLMs write: [1], [1, 2], [1][2], [doc1], [Doc 2], [source 3], [^4], 【1】.
_MARKER = re.compile(
    r"[ \t]*(?:\[\^?\s*(?:(?:doc|document|source|ref|passage|context)[\s_#-]*)?\d+(?:\s*[,;]\s*\d+)*\s*\]"
    r"|【[^】]{0,20}】)",
    re.IGNORECASE,
)
# Clause boundaries worth splitting at: semicolons, and contrastive or
# additive conjunctions after a comma. Both sides must be long enough to be
# claims on their own, so "black, white and red" is never split.
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:but|while|whereas|and|although|however)\s)", re.IGNORECASE)
_MIN_CLAUSE_WORDS = 4
# The opening of an answer to a yes/no question, up to its punctuation: "No,", "Yes.", "Not yet.",
# "Not straight away.", "It shouldn't be.", "That should work.", "Unfortunately not.". Openings chain, with
# the courtesy people wrap them in: "No, sorry.", "No, I'm afraid not.", "Yes, of course,".
_OPENING = re.compile(
    r"(?:(?:yes|yeah|yep|no|nope|sure|of course|correct|absolutely|unfortunately(?: not)?|sadly(?: not)?"
    r"|(?:i'?m |i am )?(?:sorry|afraid(?: not| so)?)|probably(?: not)?|possibly"
    r"|not (?:yet|straight away|right away|immediately|always|usually|quite|really|any ?more|at all)"
    r"|it (?:should|shouldn't|should not|will|won't|does|doesn't|can|can't|is|isn't)(?: be)?"
    r"|that (?:should|will|won't|would|wouldn't) (?:work|be fine))"
    r"\s*[.,!;:\u2014\u2013-]+\s*)+",
    re.IGNORECASE,
)

# Discourse frames: the words people who write support answers put before a statement to announce, confirm,
# reassure, soften, stress, link or sum it up ("Short answer: no.", "Just so you know, the fee is $5.", "I've
# checked and it ships today.", "I'm afraid you can't."). A frame states nothing the passages could hold or
# contradict, and one written before "No" hides the opening. Closed phrases only: "To confirm your identity, ...",
# "Note the fee ...", "For business accounts, ..." and "According to the manufacturer, ..." are no frames. A frame of
# `_FRAME_PUNCTUATED` ends in punctuation (a comma, colon, dash, "!" or "."); one of `_FRAME_SPACED` may end in a
# space, as it ends in "that", "and", "but" or a word a statement follows directly ("I'm afraid "). Frames may come
# before the yes/no opening and after it. Left out on purpose: hedges ("I think", "it seems", "as far as I know"),
# which mark what follows as the writer's impression (dialogue annotators read "I think ..." as unsupported), and
# the bare links "Well,", "So,", "However,", "Also,", which tie a sentence to the one before it; both moved the
# public dev sets (docs/grounding.md, "Session 27").
_A = "['\u2019]"  # an apostrophe, plain or typographic
_I = rf"(?:i|we)(?:{_A}(?:ve|ll|d)| have| will| would)?"  # I, I've, we'll, we have ...
_CHECKED = (  # what an agent did before answering: "I've looked into this", "we have reviewed your account"
    r"(?:checked|looked(?: in(?:to)?| at)?|reviewed|researched|gone (?:through|over)|been through|dug into"
    r"|done some digging|investigated|double[- ]checked|taken a(?: closer| quick)? look(?: at| into)?"
    r"|had a(?: closer| quick)? look(?: at| into)?)"
)
# "After checking your order, ...": "after checking" takes any object (`_OBJECT`), as DF4 measured it; the other
# "-ing" checks of `_CHECKING` ("After reviewing your claim,", "Looking at your account,") only the customer's own
# records (`_RECORD`).
_AFTER_CHECKING = _CHECKED.replace("(?:checked", "(?:checking", 1)
_CHECKING = (
    r"(?:checking|reviewing|looking (?:in(?:to)?|at|over)|investigating|researching|double[- ]checking"
    r"|taking a(?: closer| quick)? look(?: at| into)?|having a(?: closer| quick)? look(?: at| into)?)"
)
# What such a check looks at: the customer's own records, never a channel or a product ("Going through the app, you
# can ..." and "Looking at the Premium plan, ..." are no frames).
_RECORD = (
    r"(?: (?:this|it|that|for you|into (?:this|it)|(?:your|the|our) (?:account|order|claim|booking|case|request|query"
    r"|question|details|records?|history|file|notes|message|e?mail|complaint|ticket|application|reservation|payment"
    r"|transaction|bill|invoice)s?))*"
)
_OBJECT = r"(?: (?:this|it|that|on this|on it|for you|into (?:this|it)|(?:your|the|our) [a-z]+(?: [a-z]+)?))*"
_FRAME_PUNCTUATED = (
    # announce, sum up
    r"(?:the )?(?:short|quick|simple|brief|straight|honest) (?:answer|version)(?: is)?|in short|in brief|in a word"
    r"|in a nutshell|long story short|to sum (?:it )?up|to summari[sz]e|in summary|(?:so,? )?to recap|in conclusion"
    r"|all in all"
    r"|(?:so )?basically|essentially|simply put|put simply|to put it simply|bottom line|tl;? ?dr|overall"
    rf"|(?:so,? )?here{_A}s (?:the (?:thing|deal|short answer|short version|answer|situation)|where things stand"
    r"|what (?:you need to know|happens|i can tell you|i found)|how it works)|let me explain"
    r"|here is (?:the information|what) you (?:requested|asked for|need)"
    r"|in (?:response|reply|answer) to your (?:email|e-mail|message|question|query|enquiry|inquiry|request)"
    r"|(?:to|in) answer (?:to )?your question|(?:as for|regarding|re) your question|(?:great|good) question"
    r"|(?:the )?good news|great news|(?:the )?bad news"
    # confirm, clarify
    r"|(?:just )?to confirm(?: what i said(?: earlier| before)?)?|(?:just )?to clarify|(?:just )?to be clear"
    r"|(?:happy to |can )?confirm(?:ed|ing)?|to be honest|honestly"
    # reassure
    rf"|(?:please )?(?:do not|don{_A}t) (?:worry|panic|be alarmed)|not to worry|no worries|no stress|no need to worry"
    rf"|(?:please )?rest assured|you(?:{_A}re| are) in good hands|you needn{_A}t worry|(?:i )?totally understand"
    r"|fortunately|luckily|happily|thankfully|you can rest easy|rest easy|nothing to worry about(?: here)?"
    # stress, notice
    r"|(?:please |kindly )?note|(?:please )?(?:be aware|keep in mind|bear in mind)|(?:just )?(?:a )?heads[- ]up|fyi"
    rf"|for your information|for reference|(?:it{_A}s )?(?:worth|good) (?:knowing|to know|mentioning|noting)"
    r"|(?:most )?importantly|crucially|one thing to (?:note|know|keep in mind)|as a reminder|just a reminder"
    rf"|just so you know|just so you{_A}re aware|just to let you know"
    # link
    r"|as (?:i )?mentioned(?: above| earlier| before)?|actually|in fact|in this case|in that case|by the way"
    rf"|what{_A}s more|plus(?=,)|furthermore|moreover|additionally|in addition|as well as that|besides|further to this"
    r"|another thing|one more thing|on a separate note|separately|lastly|finally|that said|that being said"
    r"|having said that|on top of that|on that note|with that in mind|in other words|above all|remember"
    r"|(?:as for|moving on to|turning to|regarding) your (?:other|second|next|last|first) question"
    r"|quick (?:update|confirmation|note|heads[- ]up)|just letting you know|confirming for you|just to reconfirm"
    r"|one important thing|sorry to say"
    # checked
    rf"|after {_AFTER_CHECKING}{_OBJECT}|upon review|on review|after looking into it"
    rf"|(?:after |on |upon )?{_CHECKING}{_RECORD}(?: (?:further|again|more closely))?|on checking"
    rf"|having (?:checked|reviewed|looked into|looked at|investigated){_OBJECT}(?: (?:further|again|more closely))?"
    rf"|following (?:my|our|a) (?:investigation|review|check)"
    rf"|(?:from|based on) what you(?:{_A}ve)? (?:describe|described|said|mentioned|told me)|as it (?:happens|turns out)"
    r"|regrettably|alas|with apologies"
)
_FRAME_SPACED = (
    # confirm
    rf"(?:{_I}|i{_A}m|i am|we{_A}re|we are)"
    r"(?: can| can now| (?:am|are) able to| been able to| able to| happy to| pleased to| glad to| writing to| like to)?"
    r" (?:confirm|verify|say|report|let you know|tell you)(?: for you)? that"
    rf"|(?:i|we) can(?: now)? (?:confirm|verify)|this is to confirm that|confirming that"
    r"|(?:happy|glad|pleased|just) to (?:confirm|verify|say|report|let you know|tell you)(?: for you)? that"
    # stress, notice
    r"|(?:please |kindly )?(?:note|be aware|keep in mind|bear in mind|remember) that"
    r"|(?:the )?(?:good|bad) news is(?: that)?"
    rf"|it(?:{_A}s| is) (?:worth|important to|good to) (?:bearing in mind|bear in mind|noting|note|mentioning|mention"
    r"|knowing|know|remembering|remember|keeping in mind|keep in mind)(?: that)?"
    r"|i(?:'d| would) like to (?:stress|point out|mention|highlight|add)(?: that)?"
    r"|the key thing(?: to (?:know|note|remember))? is(?: that)?"
    r"|just so you know,?|(?:please )?rest assured that|i can assure you(?: that)?"
    rf"|you{_A}ll be (?:pleased|glad|happy) to (?:hear|know)(?: that)?"
    # announce, sum up
    r"|the answer to your question is(?: that)?|what (?:i|we) can tell you is(?: that)?|the upshot is(?: that)?"
    r"|the long and short of it is(?: that)?|so basically"
    # checked
    rf"|{_I}(?: just)? {_CHECKED}{_OBJECT}(?: (?:further|again|more closely))?(?:,? and|,)"
    rf"|{_I} (?:checked|spoke|confirmed) with (?:the|our|my) [a-z]+(?: [a-z]+)? and"
    # announce
    rf"|(?:i|we)(?: wanted| want| would like|{_A}d like) to"
    r" (?:let you know|inform you|confirm|tell you|say|emphasi[sz]e|stress)(?: that)?"
    r"|please be advised(?: that)?|just confirming(?: that)?|(?:i|we) can (?:definitely|now|happily) confirm(?: that)?"
    r"|(?:i|we) do want to (?:stress|emphasi[sz]e|point out)(?: that)?|just remember(?: that)?|oh,? and"
    r"|the main thing(?: to (?:know|note|remember))? is(?: that)?"
    r"|(?:i|we) can reassure you(?: that)?|i (?:totally |completely )?get it,? but"
    r"|while i understand your frustration,|i hate to be the bearer of bad news,? but"
    # soften: "I'm afraid you can't ...", "I know this is frustrating, but ..."
    rf"|(?:i{_A}m|i am|we{_A}re|we are) afraid(?: that)?(?!\s+(?:so|not)\b)"  # "I'm afraid not." is an opening
    rf"|(?:i{_A}m|i am|we{_A}re|we are) sorry to (?:say|tell you|report|be the bearer of bad news)"
    rf"(?: that|,? but)?|(?:i|we) regret to (?:inform you|say|tell you)(?: that)?"
    rf"|(?:(?:i{_A}m |i am |we{_A}re |we are )?(?:so |very |really )?sorry"
    r"|(?:my |our )?apologies|(?:i|we) (?:do )?apologi[sz]e),? but"
    r"|(?:i|we) (?:know|understand|realise|realize|appreciate)(?: that)? (?:this|that|it)"
    rf"(?:{_A}s| is| isn{_A}t| is not| may be| might be| will be| was)"
    r"(?: [a-z’']+){0,6},? but|i wish (?:i|we) had better news,? but|i hear you,? (?:and|but)"
    r"|i (?:completely |totally |fully )?understand(?: your (?:concern|frustration)| how you feel)?,? (?:and|but)"
)
_FRAME = re.compile(
    rf"\s*(?:(?:{_FRAME_PUNCTUATED})\s*(?:[,:;!.\u2014\u2013]|\s-)\s*|(?:{_FRAME_SPACED})\s+)",
    re.IGNORECASE,
)

# What support agents say around an answer, one phrase at a time: greetings, apologies, thanks, offers of more help,
# good wishes and sympathy. Each phrase is closed ("sorry about that", never "sorry about the fee"), so a sentence that
# says anything of its own is not matched and is checked as a claim.
_REASONS = r"(?:the |any )?(?:trouble|inconvenience|confusion|wait|delay|hassle|mix-up)"
_THANKS_FOR = (
    r"(?: for (?:getting in touch|reaching out|contacting us|your (?:patience|message|question|email)|asking"
    r"|waiting|letting us know|bearing with us))?"
)
_COURTESY_PHRASE = (
    r"(?:hi|hello|hey|dear)(?: there| [a-z]+| <[a-z_]+\d*>)?"
    rf"|(?:i'?m |i am |we'?re |we are )?(?:so |very |really |truly )?sorry"
    rf"(?: (?:about|for) (?:that|this|{_REASONS})| to hear (?:that|this|about [a-z ]{{1,30}}))?"
    rf"|(?:my |our )?apologies(?: for (?:that|{_REASONS}))?"
    rf"|(?:many |a lot of )?thanks(?: so much| a lot| very much)?{_THANKS_FOR}"
    rf"|thank you(?: so much| very much)?{_THANKS_FOR}"
    r"|(?:i'?m |we'?re )?(?:happy|glad) (?:to|i could|we could) help"
    r"|(?:i |we )?hope (?:that|this) helps"
    r"|(?:great|good) (?:question|news)"
    r"|no (?:problem|worries)(?: at all)?|you'?re (?:very )?welcome"
    r"|(?:please )?(?:let (?:me|us) know|just ask|get in touch) if (?:you (?:have|need) )?"
    r"(?:any(?:thing)? (?:else|other|more)(?: questions?)?|you have (?:any )?(?:other |more )?questions)"
    r"|(?:is there )?anything else (?:i|we) can (?:help(?: you)?|do)(?: for you)?(?: with)?(?: today)?"
    r"|(?:have|enjoy) (?:a )?(?:great|lovely|nice|good|wonderful) (?:day|evening|weekend|trip)"
    r"|(?:i |we )?(?:totally |completely )?understand"
    r"(?: (?:how|that) (?:frustrating|annoying|worrying) (?:that|this) (?:is|must be|can be))?"
    r"|take care|cheers|kind regards|best wishes|all the best"
)
_COURTESY = re.compile(rf"\s*(?:(?:{_COURTESY_PHRASE})\s*[.,!?]+\s*)+", re.IGNORECASE)
# A letter's opening and closing: "Hi Sam,", "Dear Ms Patel,"; "Kind regards,\nThe Support Team", "Thanks, Priya",
# "Best,\nAlex from Voltwise Support". The name words must look like a name or a team (capitalised, a placeholder,
# or a joining word), so "Regards, the fee is waived." is still checked.
# A team signs in lower case too: "The Brightwave crew", "Dr Evans' reception team".
_NAME_WORD = (
    r"(?:[A-Z][\w'.-]*|<[A-Z][A-Z0-9_]*>|from|the|at|of|and|&|team|crew|desk|reception|support|care|service"
    r"|services|department|office|customer|relations|x|xx)"
)
_GREETING = re.compile(
    rf"\s*(?i:hi|hello|hey|hiya|dear(?: sir or madam)?|(?:good )?(?:morning|afternoon|evening))"
    rf"(?:[ \t]+{_NAME_WORD}){{0,3}}"
    r"\s*[,!.:]?\s*"
)
# Name words of a sign-off may run over lines or be set apart with "|": "Priya\nCustomer Care", "Amira | Support".
_SIGN_OFF = re.compile(
    r"\s*(?i:(?:(?:with )?(?:best|kind|warm|warmest) (?:regards|wishes)|best|regards|many thanks|thanks(?: again)?"
    r"|thank you(?: again)?|cheers|ta|(?:yours )?sincerely|yours (?:truly|faithfully)|all the best|take care"
    r"|(?:speak|talk) soon))"
    rf"\s*(?:[,!.]\s*|\n\s*|$)(?:{_NAME_WORD}(?:(?:[ \t]+|\s*[|\n]\s*){_NAME_WORD}){{0,5}}\s*[.!]?\s*)?"
)
_SIGNATURE = re.compile(rf"\s*{_NAME_WORD}(?:(?:[ \t]+|\s*[|\n]\s*){_NAME_WORD}){{0,5}}\s*[.!]?\s*")
# Emoji and emoticons say nothing a passage could hold: ":)", ";-)", ":D", "🙂".
_EMOTICON = re.compile(r"(?<!\w)[:;]-?[)(DPp](?!\w)|[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]")


# The words courtesy is made of, beside the function words (`ragfort.text.FUNCTION_WORDS`): a sentence written
# only with them ("Feel free to reply if you have any other questions.", "Sorry for any inconvenience this may
# cause.", "Happy to help with this!") thanks, apologises, sympathises or offers more help, and states nothing a
# passage could hold. The lists leave out every word that carries a term of service (a fee, a time, a channel, a
# step), so a sentence that says anything of its own has a word outside them and stays a claim. Such a sentence
# needs one word that only courtesy uses (`_COURTESY_MARKS`, or a phrase of `_COURTESY_PHRASED`); the others
# (`_COURTESY_FILLERS`) also make instructions ("Ask again then.").
_COURTESY_MARKS = frozenset(
    ["hi", "hello", "hey", "hiya", "dear", "morning", "thanks", "thank", "thx", "ty", "ta", "cheers", "appreciate",
     "appreciated", "appreciation", "grateful", "gratitude", "patience", "understanding", "sorry", "apologies",
     "apology", "apologise", "apologize", "apologised", "apologized", "apologising", "apologizing", "forgive",
     "regret", "regrets", "unreservedly", "inconvenience", "inconvience", "frustration", "frustrating",
     "frustrated", "annoying", "upsetting", "upset", "stressful", "worrying", "disappointing", "disappointed",
     "distress", "confusion", "hassle", "hope", "hopefully", "hoping", "helps", "help", "helped", "helpful",
     "helping", "assist", "assistance", "assisting", "happy", "glad", "pleased", "delighted", "pleasure",
     "welcome", "question", "questions", "query", "queries", "enquiry", "enquiries", "inquiry", "inquiries",
     "concern", "concerns", "feedback", "great", "lovely", "nice", "wonderful", "fantastic", "brilliant",
     "perfect", "awesome", "amazing", "fab", "regards", "wishes", "wishing", "sincerely", "faithfully", "noted",
     "enjoy", "congratulations", "congrats", "bearing", "valid", "fair", "imagine", "understand", "understood",
     "understandable", "luck", "greetings", "bye", "goodbye", "thankyou", "confusing", "sympathy", "sympathies"]
)  # fmt: skip
_COURTESY_FILLERS = frozenset(
    ["afternoon", "evening", "trouble", "caused", "cause", "causing", "completely", "totally", "truly", "really",
     "need", "needs", "require", "anything", "else", "reach", "reaching", "reply", "replying", "respond",
     "response", "message", "drop", "know", "let", "let's", "ask", "asking", "look", "looked", "looking", "good",
     "best", "kind", "kindest", "warm", "warmest", "news", "further", "more", "other", "additional", "extra",
     "all", "again", "always", "please", "there's", "here's", "to", "in", "on", "from", "out", "up",
     "we're", "we've", "we'll", "we'd", "i'm", "i've", "i'll", "i'd", "you're", "you've", "you'd", "it's",
     "that's", "what's", "us", "them", "whatever", "anytime", "time", "ever", "soon", "much", "lot", "lots",
     "many", "well", "today", "everything", "hear", "sounds", "sure", "certainly", "absolutely", "definitely",
     "course", "matter", "speak", "talk", "team", "contact", "contacting", "ok", "okay", "x", "xx", "explain",
     "explaining", "clarify", "clarifying", "clearer", "clear", "unclear", "check", "checking", "checked",
     "review", "reviewed", "reviewing", "full", "now", "information", "info", "detail", "details", "say",
     "said", "stuck", "right", "sorted", "sort", "found", "find", "hand", "choosing", "raising", "flagging",
     "letting", "telling", "sharing", "sending", "experienced", "experience", "late", "slow", "delay", "wait",
     "waiting", "earlier", "missed", "words", "continued", "get", "got", "getting", "having", "feel",
     "feels", "feeling", "better", "point", "tell", "still", "way", "things", "thing", "bit",
     "little", "one", "long", "process", "whole", "sincere", "deepest", "huge", "big", "genuinely", "honestly",
     "quite", "indeed", "fully", "come", "comes", "around", "accept", "problem", "issue",
     "persists", "like", "case", "down", "whenever", "taking", "take", "confirming", "moment", "quick",
     "quickly", "sooner", "busy", "holding", "smoothly", "chase", "chasing", "difficult",
     "messages", "previous", "read", "through", "see", "happened", "happening", "oh", "fun", "u", "anything's",
     "only", "away", "write", "writing", "raise", "goes", "gets", "rest", "loyal", "customer", "customers",
     "important", "hard", "tough", "patient", "everyone", "someone", "somebody", "mind", "while", "needed",
     "once", "all's", "want", "wanted", "answer", "answers"]
)  # fmt: skip
# Phrases of courtesy whose words say something of their own elsewhere: "free" is a price, "day" a time, "chat"
# a channel, "no" a refusal, "back" a return, "new year" a date. Each counts only in its phrase ("feel free",
# "no problem"), and marks the sentence as courtesy.
_COURTESY_PHRASED = re.compile(
    r"\bfeel free\b|\b(?:great|good|nice|lovely|wonderful|fantastic|brilliant|rest of (?:the|your)) "
    r"(?:day|days|week|weekend|evening|afternoon|morning)\b|\btake care\b|\bstay safe\b"
    r"|\bno (?:problem|problems|worries|worry)\b|\b(?:speak|talk|chat) (?:soon|again)\b|\bdon'?t hesitate\b"
    r"|\bdo not hesitate\b|\b(?:get|getting|come|comes|coming) back\b|\b(?:(?:get|getting|keep|be|back) )?in touch\b"
    r"|\b(?:for|with) you\b|\blet (?:me|us) know\b|\bjust (?:say|ask|shout)\b|\banything (?:else|more|further)\b"
    r"|\b(?:i'm|we're|i am|we are) (?:always |still )?(?:here|around)\b|\bdrop us a (?:message|line|note)\b"
    r"|\bhave a (?:good|great|nice|lovely) one\b|\b(?:i|we) (?:totally |completely )?get it\b"
    r"|\bfire away\b|\bhappy (?:new year|holidays)\b|\bspeedy recovery\b|\bsafe travels\b|\bthanks a million\b"
    r"|\b(?:this|my) (?:email|message|note) finds you well\b|\bgood spot\b|\bsure thing\b|\bbear with (?:me|us)\b"
    r"|\bgive (?:me|us) a (?:shout|nudge)\b|\ba message away\b|\breach out\b|\bback and forth\b"
    r"|\bknow where (?:we are|to find us)\b|\b(?:you're|you are) (?:absolutely |quite |completely )?right\b"
    r"|\bfor choosing(?-i:(?: [A-Z][\w'&-]*){1,3})",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)
# The customer's name at the end, after a comma: "Thanks for the extra details, Sam."
_VOCATIVE = re.compile(r",\s*(?:<PERSON_\d+>|[A-Z][a-z]+\.?(?: [A-Z][a-z]+){0,2})(?=\s*[.!?]*\s*$)")
# An opening that answers the question ("Yes, we can do that."), however few its words: never courtesy alone.
_ANSWERS = re.compile(
    r"\s*(?:yes|yeah|yep|no|nope|sure(?! thing)|of course|correct|absolutely|definitely|certainly|not|probably|possibly"
    r"|unfortunately|sadly|it (?:should|will|does|can|is)|that (?:should|will|would))\b",
    re.IGNORECASE,
)


def courtesy_reading(text: str) -> tuple[list[str], bool] | None:
    """How courtesy is read in `text`: its words outside the phrases of courtesy (lower-cased), and whether it bears
    a mark of courtesy (a greeting, a phrase, or a word of `_COURTESY_MARKS`); None when something in it is never
    courtesy: a digit, an address, a placeholder (but the customer's name at the end) or a yes/no opening.

    `_courtesy_words_only` and the learned head's gate (`ragfort.grounding.courtesy.candidate`) both read it.
    """
    text = _VOCATIVE.sub("", text)
    if any(ch.isdigit() for ch in text) or "@" in text or "<" in text or _ANSWERS.match(text):
        return None
    words = [w.lower() for w in _WORDS.findall(_COURTESY_PHRASED.sub(" ", text))]
    marked = (_GREETING.match(text) is not None or _COURTESY_PHRASED.search(text) is not None
              or any(w in _COURTESY_MARKS for w in words))  # fmt: skip
    return words, marked


def _courtesy_words_only(text: str, *, greeted: bool = False) -> bool:
    """Whether `text` is written only with function words and the words of courtesy, one of them its mark
    (`greeted`: a greeting before it was). A digit, an address, a placeholder (but the customer's name at the end),
    a yes/no opening, or any other word makes it a claim.
    """
    reading = courtesy_reading(text)
    if reading is None:
        return False
    words, marked = reading
    allowed = all(w in _COURTESY_MARKS or w in FUNCTION_WORDS or w in _COURTESY_FILLERS for w in words)
    return allowed and (marked or greeted)


def courteous(sentence: str) -> bool:
    """True when `sentence` is nothing but courtesy ("Sorry about that!", "Thanks, and have a great day.").

    A letter's greeting ("Hi Sam,") and sign-off ("Kind regards,\nThe Support Team") count as courtesy, and so
    does a sentence written only with the words courtesy is made of (`_courtesy_words_only`: "Feel free to
    reply if you have any other questions.").
    """
    text = _EMOTICON.sub("", plain_quotes(sentence)).strip()
    if not text:
        return False
    if _GREETING.fullmatch(text) or _SIGN_OFF.fullmatch(text):
        return True
    if _COURTESY.fullmatch(text if text[-1] in ".!?," else text + ".") is not None:
        return True
    # A greeting with a name may open it ("Hi Sam, happy to help!"): the name is the greeting's, not a claim's.
    greeting = _GREETING.match(text)
    return _courtesy_words_only(text[greeting.end() :], greeted=True) if greeting else _courtesy_words_only(text)


# A list item's marker at the start of a line: "1. ", "2) ", "- ", "* ", "+ ", "• ".
_LIST_MARKER = re.compile(r"[ \t]*(?:\d{1,3}[.)]|[-*+\u2022])[ \t]+")


def _frames(claim: str, start: int = 0) -> int:
    """Where the discourse frames (`_FRAME`) at `start` of `claim` end; `start` when there are none."""
    end = start
    while (m := _FRAME.match(claim, end)) is not None and m.end() > end:
        end = m.end()
    return end


def _framed_opening(claim: str) -> tuple[int, re.Match[str] | None]:
    """Where `claim`'s leading discourse frames end, and its yes/no opening after them (None when it has none)."""
    framed = _frames(claim)
    return framed, _OPENING.match(claim, framed)


def _lead(claim: str) -> int:
    """Where `claim`'s opening ends: discourse frames ("Short answer: "), its yes/no answer ("No, "), then any
    courtesy or frames ("sorry about that! ", "just so you know, "), then the marker of a list item that starts a
    line after them ("Yes.\n\n1. Web chat ..." -> "Web chat ...")."""
    framed, m = _framed_opening(claim)
    end = m.end() if m else framed
    while True:
        polite = _COURTESY.match(claim, end)
        after = _frames(claim, polite.end() if polite else end)
        if after <= end:
            break
        end = after
    if end and "\n" in claim[:end]:
        item = _LIST_MARKER.match(claim, end)
        end = item.end() if item else end
    return end


def answer_core(claim: str) -> str:
    """The claim without an opening yes/no answer or courtesy ("No, Care+ ..." -> "Care+ ..."); the claim itself if
    nothing else is left (a bare "No.")."""
    end = _lead(claim)
    if end == 0:
        return claim
    if end >= len(claim):
        # Nothing but the opening: the bare answer ("Good news: No." -> "No.").
        return claim[_frames(claim) :] or claim
    return claim[end:]


def unframed(claim: str) -> str:
    """The claim without its discourse frames (`_FRAME`), its yes/no opening kept: "Short answer: no, just so you
    know, the fee is $5." -> "no, the fee is $5." (what the learned judge reads with the question)."""
    start, m = _framed_opening(claim)
    if m is None:
        return claim[start:] if start < len(claim) else claim
    return claim[start : m.end()] + claim[_frames(claim, m.end()) :]


def opening(claim: str) -> str:
    """The claim's opening yes/no answer as written ("No, " of "No, Care+ ..." and of "Short answer: no, Care+ ..."),
    or "" when it has none. Discourse frames before it (`_FRAME`) are not part of it."""
    _, m = _framed_opening(claim)
    return m.group(0) if m else ""


@dataclass(frozen=True, slots=True)
class CleanAnswer:
    """An answer with the model's citation markers removed.

    `text` is the cleaned answer; `offsets[i]` is the position in `original`
    of `text[i]` (with one extra entry for the end), so spans found in the
    cleaned text map back exactly. `markers` counts the removed markers.
    """

    original: str
    text: str
    offsets: tuple[int, ...]
    markers: int

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a `[start, end)` span of `text` to the same characters in `original`."""
        if start >= end:
            pos = self.offsets[start]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """One claim: its text and where it sits.

    Attributes:
        text: the claim as written (a sentence or a clause).
        start: offset of the claim in the cleaned answer.
        end: offset just past the claim in the cleaned answer.
        sentence: index of the sentence the claim belongs to.
        sentence_start: offset of that sentence in the cleaned answer.
        sentence_end: offset just past that sentence in the cleaned answer.
    """

    text: str
    start: int
    end: int
    sentence: int
    sentence_start: int
    sentence_end: int


def strip_markers(answer: str) -> CleanAnswer:
    """Remove citation markers the model wrote, keeping a map back to the original offsets."""
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    count = 0
    for m in _MARKER.finditer(answer):
        pieces.append(answer[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        pos = m.end()
        count += 1
    pieces.append(answer[pos:])
    offsets.extend(range(pos, len(answer)))
    offsets.append(len(answer))
    return CleanAnswer(original=answer, text="".join(pieces), offsets=tuple(offsets), markers=count)


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split the sentence `text[start:end]` at clause breaks whose both sides are long enough."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        left = text[cursor : m.start()]
        right = text[m.end() : end]
        if _word_count(left) >= _MIN_CLAUSE_WORDS and _word_count(right) >= _MIN_CLAUSE_WORDS:
            pieces.append((cursor, m.start()))
            cursor = m.end()
    pieces.append((cursor, end))
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            out.append((s, e))
    return out


def split_claims(text: str, *, split_clauses: bool = True) -> list[ClaimSpan]:
    """The claims of `text` (already cleaned of markers), in order.

    Args:
        text: the answer text.
        split_clauses: also split compound sentences into clauses.
    """
    claims: list[ClaimSpan] = []
    sentences = sentence_spans(text)
    polite = [courteous(text[s:e]) for s, e in sentences]
    # A sign-off's name, when the sentence splitter set it apart ("Cheers!\nThe Brightwave crew"): the last
    # sentences, name words only, right after courtesy.
    for index in range(len(sentences) - 1, 0, -1):
        if polite[index]:
            continue
        s, e = sentences[index]
        before = text[sentences[index - 1][0] : sentences[index - 1][1]]
        named = _SIGNATURE.fullmatch(text[s:e]) and not _ANSWERS.match(text[s:e])
        if not (polite[index - 1] and named and not _GREETING.fullmatch(plain_quotes(before).strip())):
            break
        polite[index] = True
    opening: int | None = None  # start of a sentence that was only a yes/no answer, joined to the next claim
    for index, (s, e) in enumerate(sentences):
        sentence = text[s:e]
        if polite[index]:
            continue
        # A sentence that is only a yes/no opening ("No."), or one and courtesy ("No, sorry about that!"), when a
        # claim follows it; with only courtesy after it ("No.\n\nKind regards, ..."), it is the claim.
        if not all(polite[index + 1 :]) and _lead(sentence) >= len(sentence):
            opening = s if opening is None else opening
            continue
        spans = _clauses(text, s, e) if split_clauses else [(s, e)]
        for n, (cs, ce) in enumerate(spans):
            if n == 0 and opening is not None:
                cs, s, opening = opening, opening, None
            claims.append(ClaimSpan(text[cs:ce], cs, ce, index, s, e))
    return claims
