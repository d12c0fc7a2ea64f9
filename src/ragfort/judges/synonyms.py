"""Word lists for `ragfort.judges.perturb`: support-desk paraphrases, polarity flips, and entity types.

Every list is data, read by the generator and by nobody else. The rules are
written for the English of help-center articles and support answers; each
one must keep the meaning (`PARAPHRASES`) or reverse it (`FLIPS`), so a rule
that is only right in some contexts is narrowed by its pattern (a look-ahead
or look-behind) rather than left broad.

Patterns are regular expressions matched case-sensitively on the sentence
with its first word lower-cased (unless that word is a name), so UI labels
written in Title Case ("Start a return") are never touched.
"""

from __future__ import annotations

__all__ = [
    "CHANNELS",
    "CHANNEL_WORDS",
    "COUNTRIES",
    "FLIPS",
    "FREE_DROPS",
    "IMPERATIVES",
    "PARAPHRASES",
    "PAYMENT_METHODS",
    "PEOPLE",
    "QUANTIFIERS_TO_ALL",
    "RESTRICTIVE_ADJECTIVES",
    "UNIT_SWAPS",
    "VERBS",
    "WEEKDAYS",
]

# A time frame such as "14 days" or "1-2 business days" (for look-aheads).
_SPAN = r"\d+(?:-\d+)?(?:[ -](?:business|calendar|working))? (?:minutes?|hours?|days?|weeks?|months?|years?)"

# (pattern, replacements): each replacement keeps the meaning of the match.
# Group references (\1) are allowed in replacements.
PARAPHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (rf"\bwithin(?= {_SPAN}\b(?! (?:of|from|after|before)\b))", ("in under", "in less than")),
    (r"\bwithin(?= the\b)", ("inside",)),
    (r"\bfor free\b", ("at no cost", "free of charge")),
    (r"\b(ships?|shipped) free\b", (r"\1 at no cost", r"\1 free of charge")),
    (r"\b(is|are) free\b", (r"\1 free of charge", r"\1 at no cost")),
    (r"\bat no (?:extra )?cost\b", ("for free", "free of charge")),
    (r"\bfree of charge\b", ("at no cost",)),
    (r"\b(can|to|must|cannot|may|you) return\b(?= (?:a|an|the|your|unopened|opened|any)\b)", (r"\1 send back",)),
    (r"\b(be|are|is) returned\b", (r"\1 sent back",)),
    (r"\b(can|to|must|cannot|you) cancel\b(?= (?:your|the|a|any)\b)", (r"\1 end", r"\1 terminate")),
    (r"\bcontact(?= (?:us|support|your|the)\b)", ("get in touch with", "reach")),
    (r"\bpurchased\b", ("bought",)),
    (r"\bbought\b", ("purchased",)),
    (r"\b(to|can|you|we) buy\b", (r"\1 purchase",)),
    (r"\b(you|we|they|will|can|to) receive\b", (r"\1 get",)),
    (r"\breceives\b", ("gets",)),
    (r"\bimmediately\b", ("right away", "straight away", "at once")),
    (r"\bright away\b", ("immediately", "straight away")),
    (r"\bstraight away\b", ("immediately", "right away")),
    (r"\bat any time\b", ("whenever you like", "at any point")),
    (r"\b(you|we|they) must\b", (r"\1 have to", r"\1 need to")),
    (r"\b(you|we|they) need to\b", (r"\1 have to",)),
    (r"\bapproximately\b", ("about", "around")),
    (r"\bup to(?= [$€£]?\d)", ("no more than", "a maximum of")),
    (r"\bat least(?= [$€£]?\d)", ("no less than", "a minimum of")),
    (r"\bno more than(?= [$€£]?\d)", ("up to", "at most")),
    (r"(?<!no )(?<!not )\bmore than(?= \$?\d)", ("over",)),
    (
        r"\bbefore(?= (?:the|your|a|an|buying|paying|sending|shipping)\b(?! \w+ (?:is|are|was|were|has|have)\b))",
        ("prior to",),
    ),
    (r"\bper (month|day|week|year)\b", (r"a \1", r"each \1")),
    (r"\bbilled monthly\b", ("billed every month", "charged monthly")),
    (r"\bbusiness days\b", ("working days",)),
    (r"\bbusiness day\b", ("working day",)),
    (r"\bemail you\b", ("send you an email",)),
    (r"\bis not\b", ("isn't",)),
    (r"\bare not\b", ("aren't",)),
    (r"\bcannot\b", ("can't",)),
    (r"\bcan't\b", ("cannot",)),
    (r"\bdo not\b", ("don't",)),
    (r"\bdoes not\b", ("doesn't",)),
    (r"\bwill not\b", ("won't",)),
    (r"\b(be|are) eligible for\b", (r"\1 entitled to", "qualify for")),
    (r"\bis eligible for\b", ("qualifies for", "is entitled to")),
    (r"\bget (a|an|the|your)\b", (r"receive \1",)),
    (r"\bevery(?= (?:device|month|day|line|order|account|bill|plan|app)\b)", ("each",)),
    (r"\bremove your\b", ("take out your",)),
    (r"\bturn (it|this|roaming|autopay) on\b", (r"switch \1 on", r"enable \1")),
    (r"\bturn (it|this|roaming|autopay) off\b", (r"switch \1 off", r"disable \1")),
    (r"\bturn on\b", ("switch on", "enable")),
    (r"\bturn off\b", ("switch off", "disable")),
    (r"\bturned off\b", ("switched off", "disabled")),
    (r"\bturned on\b", ("switched on", "enabled")),
    (r"\bsign in\b", ("log in",)),
    (r"\bsign out\b", ("log out",)),
    (r"\bsigned in\b", ("logged in",)),
    (r"\bgo to\b", ("head to", "open")),
    (r"\bshown\b", ("displayed", "listed")),
    (r"\bcombined with\b", ("used together with",)),
    (r"\bbecause\b", ("since", "as")),
    (r"\bfor example\b", ("for instance", "e.g.")),
    (r"\bsuch as\b", ("like", "for example")),
    (r"\bdecline\b", ("refuse", "turn down")),
    (r"\bkeep\b(?! \w+ing\b)(?= (?:your|the|a|an|it|them|billing|[A-Z]\w+)\b)", ("retain",)),
    (r"\bvalid for\b", ("good for",)),
    (r"\bexpire\b", ("run out", "lapse")),
    (r"\bexpires\b", ("runs out", "lapses")),
    (r"\btakes effect\b", ("comes into effect", "kicks in")),
    (r"\btake effect\b", ("come into effect", "kick in")),
    (r"\badditional\b", ("extra",)),
    (r"\bextra\b(?! cost)", ("additional",)),
    (r"\basks for\b", ("requests",)),
    (r"\bask for\b", ("request",)),
    (r"\binstead of\b", ("rather than",)),
    (r"\bchoose\b", ("select", "pick")),
    (r"\bselect\b", ("choose", "pick")),
    (r"\bstarts\b", ("begins",)),
    (r"\bstart\b(?= (?:a|an|the|your|on|from|again|over)\b)", ("begin",)),
    (r"\brequired\b", ("needed", "necessary")),
    (r"\bneeded\b", ("required",)),
    (r"\bassistance\b", ("help",)),
    (r"\bhelp you\b", ("assist you",)),
    (r"\ballows you to\b", ("lets you",)),
    (r"\blets you (\w+)", (r"allows you to \1",)),
    (r"\bis charged\b", ("is billed",)),
    (r"\bare charged\b", ("are billed",)),
    (r"\bis refunded\b", ("is paid back",)),
    (r"\bare refunded\b", ("are paid back",)),
    (r"\bis issued\b", ("is given",)),
    (r"\bmistake\b", ("error",)),
    (r"\btelephone\b", ("phone",)),
    (r"\bquick\b", ("short", "brief")),
    (r"\bfor the rest of\b", ("for the remainder of",)),
    (r"\bas soon as\b", ("once",)),
    (r"\bdepending on\b", ("based on",)),
)

# Phrases whose removal never changes what a sentence says: asides and examples.
FREE_DROPS: tuple[str, ...] = (
    r",? \((?:for example|e\.g\.|such as|for instance|see|i\.e\.)[^()]*\)",
    r" \([A-Z0-9][A-Za-z0-9-]{0,7}\)",  # an acronym in brackets: "(2FA)"
    r", (?:for example|for instance|such as|e\.g\.|including) [^,;]+(?=[.;]$)",
    r"; see [^;]+(?=\.$)",
    r", so that [^,;]+(?=\.$)",
)

_COSTS = r"fee|charge|penalty|cost|refund|interest|limit|credit|deposit|discount|restocking"

# (pattern, replacement): each reverses the claim it edits. `{an}` becomes
# "a" or "an" to suit the next word.
FLIPS: tuple[tuple[str, str], ...] = (
    (r"\bcannot\b", "can"),
    (r"\bcan't\b", "can"),
    (r"\bcan no longer\b", "can still"),
    (r"\bcan still\b", "can no longer"),
    (r"\bcan\b(?! not\b| no\b| still\b)", "cannot"),
    (r"\bis not\b", "is"),
    (r"\bisn't\b", "is"),
    (r"\bare not\b", "are"),
    (r"\baren't\b", "are"),
    (r"\bis\b(?! not\b| no\b| never\b)(?= \w)", "is not"),
    (r"\bare\b(?! not\b| no\b| never\b)(?= \w)", "are not"),
    (r"\bwill not\b", "will"),
    (r"\bwon't\b", "will"),
    (r"\bwill\b(?! not\b| never\b)", "will not"),
    (r"\bmust not\b", "must"),
    (r"\bmust\b(?! not\b| never\b)", "need not"),
    (r"\bnever\b", "always"),
    (r"\balways\b", "never"),
    (r"\bno longer\b", "still"),
    (r"\bstill\b(?= (?:work|works|apply|applies|count|counts|need|needs|get|gets|be|covered|valid))", "no longer"),
    (r"\brequired\b", "optional"),
    (r"\boptional\b", "required"),
    (r"\bmandatory\b", "optional"),
    (r"\bbefore\b", "after"),
    (r"\bafter\b", "before"),
    (r"\bautomatically\b", "manually"),
    (r"\bmanually\b", "automatically"),
    (r"\bwithout\b(?! \w+ing\b)", "with"),
    (r"\bincluding\b", "excluding"),
    (r"\bincludes\b", "excludes"),
    (r"\bexcluding\b", "including"),
    (r"\bunavailable\b", "available"),
    (r"\bavailable\b", "unavailable"),
    (r"\bor more\b", "or less"),
    (r"\bor less\b", "or more"),
    (r"\bat least\b", "at most"),
    (r"\bat most\b", "at least"),
    (r"\bup to(?= \$?\d)", "at least"),
    (r"\bmore than\b", "less than"),
    (r"\bless than\b", "more than"),
    (r"\bminimum\b", "maximum"),
    (r"\bmaximum\b", "minimum"),
    (r"\bearlier\b", "later"),
    (r"\blater\b", "earlier"),
    (r"\blonger\b", "shorter"),
    (r"\bhigher\b", "lower"),
    (r"\blower\b", "higher"),
    (r"\bfaster\b", "slower"),
    (r"\bcheaper\b", "more expensive"),
    (r"\bfor free\b", "for a fee"),
    (r"\bfree of charge\b", "for a fee"),
    (r"\bat no (?:extra )?cost\b", "at an extra cost"),
    (r"\b(ships?|shipped) free\b", r"\1 for a fee"),
    (r"\bfree(?= (?:shipping|returns?|repairs?|replacements?|delivery|Limited|prepaid|label))", "paid"),
    (r"\bthe same\b(?= (?:for|as)\b)", "different"),
    (r"\bfirst\b", "last"),
    (r"\blast\b", "first"),
    (r"\bstarts\b", "ends"),
    (r"\bends\b", "starts"),
    (r"\b(turn|switch) (it|this|roaming|autopay) on\b", r"\1 \2 off"),
    (r"\b(turn|switch) (it|this|roaming|autopay) off\b", r"\1 \2 on"),
    (r"\bunless\b", "only if"),
    (r"\bno(?= (?:[a-z-]+ ){0,2}(?:" + _COSTS + r"))", "{an}"),
)

# Words that make a claim about part of a group; "all" makes it about the whole.
QUANTIFIERS_TO_ALL: tuple[tuple[str, str], ...] = (
    (r"\bMost\b", "All"),
    (r"\bmost\b(?= [a-z]+s\b)", "all"),
    (r"\bSome\b(?= [a-z]+s\b)", "All"),
    (r"\bsome\b(?= [a-z]+s\b)", "all"),
    (r"\bmany\b(?= [a-z]+s\b)", "all"),
    (r"\bcertain\b(?= [a-z]+s\b)", "all"),
    (r"\bselected\b(?= [a-z]+s\b)", "all"),
)

# Adjectives that narrow the noun after them; dropping one overstates a rule.
RESTRICTIVE_ADJECTIVES: frozenset[str] = frozenset(
    {
        "unopened", "opened", "unused", "defective", "damaged", "undamaged", "eligible", "domestic",
        "international", "verified", "unapplied", "sealed", "refurbished", "disputed", "undisputed",
        "approved", "registered", "premium", "personal", "business", "annual", "monthly",
    }
)  # fmt: skip

# Channels a customer uses to reach a business: (channel, pattern that finds it, phrase that names it).
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("app", r"\b(?:in|through|via|from|using) the (?:[A-Z][\w-]+ )?app\b", "in the app"),
    ("phone", r"\b(?:by phone|over the phone|by telephone)\b", "by phone"),
    ("email", r"\bby email\b", "by email"),
    ("post", r"\bby (?:post|mail)\b", "by post"),
    ("chat", r"\b(?:by|via|in|through) (?:live )?chat\b", "by chat"),
    ("store", r"\b(?:in|at) (?:a|any|the|one of our) (?:[A-Z][\w-]+ )?store\b", "in a store"),
    ("branch", r"\b(?:in|at) (?:a|any|the|your) (?:[A-Z][\w-]+ )?branch\b", "at a branch"),
    ("text", r"\bby (?:text|SMS)(?: message)?\b", "by text message"),
    ("online", r"\bonline\b", "online"),
    ("website", r"\bon (?:the|our) website\b", "on the website"),
)
# A channel counts as mentioned in a passage when one of its words is there.
CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "app": ("app",),
    "phone": ("phone", "call", "telephone"),
    "email": ("email", "e-mail"),
    "post": ("post", "mail", "letter"),
    "chat": ("chat",),
    "store": ("store", "shop"),
    "branch": ("branch",),
    "text": ("text", "sms"),
    "online": ("online", "website", "web"),
    "website": ("website", "online", "web"),
}

COUNTRIES: tuple[str, ...] = (
    "EU", "UK", "US", "USA", "United States", "United Kingdom", "Canada", "Mexico", "Germany", "France",
    "Spain", "Italy", "Ireland", "Netherlands", "Belgium", "Austria", "Switzerland", "Poland", "Portugal",
    "Sweden", "Norway", "Denmark", "Finland", "Australia", "New Zealand", "Japan", "India", "Brazil",
    "European Union", "EEA", "Europe", "Asia", "Africa", "North America", "South America", "Caribbean",
    "Scotland", "Wales", "England", "Northern Ireland", "Iceland", "Greece", "Turkey", "China", "Singapore",
)  # fmt: skip

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

PAYMENT_METHODS: tuple[str, ...] = (
    "credit card", "debit card", "bank account", "bank transfer", "PayPal", "gift card", "Apple Pay",
    "Google Pay", "direct debit", "cheque", "check", "cash", "store credit", "bill credit", "Visa",
    "Mastercard", "American Express", "wire transfer", "voucher",
)  # fmt: skip

# Nouns for people: a question about one is answered "they", not "it".
PEOPLE: frozenset[str] = frozenset(
    {
        "holder", "manager", "managers", "member", "members", "customer", "customers", "user", "users",
        "person", "people", "child", "children", "owner", "owners", "recipient", "agent", "agents",
        "passenger", "passengers", "traveller", "travellers", "traveler", "travelers", "employee",
        "employees", "admin", "admins", "administrator", "buyer", "seller", "team", "staff",
        "guest", "guests", "adult", "adults", "infant", "infants", "minor", "minors", "spouse", "partner",
    }
)  # fmt: skip

# Verbs whose third-person "-s" form marks a simple-present predicate ("VoltCare covers ...").
VERBS: frozenset[str] = frozenset(
    {
        "accept", "add", "affect", "allow", "apply", "arrive", "become", "begin", "charge", "close", "come",
        "continue", "cost", "count", "cover", "depend", "earn", "email", "end", "expire", "finish", "follow",
        "get", "give", "go", "happen", "have", "hold", "include", "install", "keep", "last", "let", "mean",
        "need", "offer", "open", "pay", "provide", "reach", "receive", "reduce", "refund", "remain", "renew",
        "replace", "require", "reset", "run", "send", "ship", "show", "start", "stay", "stop", "support",
        "take", "text", "transfer", "update", "use", "work", "appear", "change", "contain", "download",
        "extend", "increase", "matter", "qualify", "recalculate", "repeat", "retry", "sell", "share",
        "sign", "stack", "switch", "travel", "unlock", "waive", "owe", "process", "deliver", "post", "land",
        "fly", "depart", "board", "check", "carry", "book", "credit", "debit", "bill",
    }
)  # fmt: skip

# Verbs that open an imperative sentence ("Include the original box.").
IMPERATIVES: frozenset[str] = frozenset(
    {
        "include", "sign", "reset", "remove", "check", "go", "open", "tap", "choose", "select", "call",
        "email", "contact", "start", "cancel", "dispute", "enter", "hold", "wait", "put", "pack", "drop",
        "keep", "make", "use", "see", "suspend", "order", "send", "follow", "insert", "scan", "spend", "turn",
        "ask", "pay", "back", "write", "visit", "log", "click", "enroll", "enrol", "report", "update", "set",
        "print", "attach", "fill", "bring", "book", "add", "confirm", "read", "review", "find", "download",
        "install", "restart", "try", "note", "tell", "let", "give", "take", "return", "explain", "change",
        "correct", "tick", "clear", "plug", "press", "pair", "place", "leave", "avoid",
        "share", "link", "unlink", "connect", "disconnect", "swipe", "type", "request", "redeem",
    }
)  # fmt: skip

# A time unit and the units it is swapped for ("14 days" -> "14 weeks").
UNIT_SWAPS: dict[str, tuple[str, ...]] = {
    "day": ("week", "month"),
    "calendar day": ("business day", "week"),
    "business day": ("calendar day", "week"),
    "working day": ("calendar day", "week"),
    "week": ("day", "month"),
    "month": ("year", "week"),
    "year": ("month",),
    "hour": ("minute", "day"),
    "minute": ("hour", "second"),
    "second": ("minute",),
    "gb": ("mb",),
    "mb": ("gb",),
}
