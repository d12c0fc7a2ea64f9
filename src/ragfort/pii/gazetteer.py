"""Spans that are not people: known non-person proper nouns, and phrases no name is written like.

spaCy's small English model, and the given-name lexicon, tag a lone
capitalised word as a person more often than they should in support
questions: "Can I pay with Bitcoin?" (the model), "Do you have a store in
Paris?" (Paris is a census given name), "Does Unlimited include roaming?"
(the model). Redacting those changes the question the retriever sees and
flips the verdict to ``redacted`` for text with nothing personal in it.

`not_a_person` vetoes a `PERSON` span when the whole span is one of these
words or phrases *and* nothing introduces it as a name: after "my name is",
"I'm", "Dear", "Hi", "Thanks" or an honorific the span stays a name ("Dear
Paris," is a greeting). Only the whole span is compared, so "Paris Hilton"
or "Victoria Lindqvist" are untouched.

Months and weekdays of the five languages are on the list ("12 September",
"am 3. Mai"); a relative's cue keeps them a name ("my sister June").

In German text (`german_text`: more German function words than English ones,
at least two) a span holding a German function word or greeting ("Guten
Tag", "Haben Sie"), or a lone word no cue introduces and the given-name
lexicon does not know ("Rechnung", "Urlaub"), is no person: the English model
reads German's capitalised nouns as names.

A span right after a definite article ("the Jordan 3-seater", "le Milan")
is a product, place or thing, not a person; one right after a pet or breed
word, or starting with one ("my dog Bailey", "Labrador Duke"), is an
animal; one made only of titles, greetings or sign-offs ("Madam", "Grazie")
or of one or two letters ("La", "Av") names no one.

`not_a_person` also vetoes spans that are not written like a name, which is
what the English model produces on French, German, Spanish and Italian text
("Je suis né le", "mon forfait", "Mein Router", "Número de"): a span that
starts with a determiner or pronoun of those languages, ends with a name
particle ("de", "van"), or holds a lower-case word other than a particle in
a text that does use capitals (all-lower-case messages and "my name is ana"
are left to the name rules).

Given names that are also places or products and common as names (Jordan,
Chad, Charlotte, Florence, Sydney, Milan, Israel, Kenya, Alexa, Brooklyn; the
list was checked against the census given-name lexicon) are left out on
purpose: a lone "Charlotte" in a support message is more often a person than
the city. "Paris" stays in: as a given name it is rare.
The lists are hand-written for the languages and markets ragfort serves;
extend them through the policy's ``allow_list`` rather than here when a
product name is your own.
"""

from __future__ import annotations

import functools
import re

from ragfort.pii.lexicon import given_names

__all__ = [
    "DEMONYMS",
    "FOREIGN_NAME_CUE",
    "INTRO_CUE",
    "NOT_PEOPLE",
    "RELATIVE_CUE",
    "german_text",
    "named_before",
    "not_a_person",
]

# A relative or someone the customer knows, named next: "my daughter Amara", "meine Tochter Lena".
RELATIVE_CUE = (
    r"(?:my|our|his|her|their|mon|ma|mes|mein|meine|meinen|meiner|mi|mis|mio|mia|il\s+mio|la\s+mia)\s+"
    r"(?:(?:step|grand|great[ -]grand)?(?:son|daughter|child|kid|mum|mom|mother|dad|father|parent)s?|"
    r"sister|brother|wife|husband|partner|fianc[ée]e?|nan|nana|gran|granny|grandma|grandad|grandpa|uncle|aunt|auntie|"
    r"cousin|niece|nephew|carer|caregiver|friend|colleague|neighbou?r|flatmate|housemate|roommate|boyfriend|girlfriend|"
    r"landlord|landlady|tenant|boss|manager|fils|fille|s(?:œ|oe)ur|fr[èe]re|femme|mari|m[èe]re|p[èe]re|"
    r"sohn|tochter|schwester|bruder|frau|mann|mutter|vater|hijo|hija|hermana|hermano|esposa|esposo|marido|madre|padre|"
    r"figlio|figlia|sorella|fratello|moglie|marito)"
)
# Self-introductions that also open other sentences ("it's broken", "je suis désolé"): a name follows
# only when the given-name lexicon knows the word.
INTRO_CUE = r"(?:its|c['’]est|ici|hier\s+ist|ich\s+bin|je\s+suis|soy|sono)"
# Phrases of French, German, Spanish and Italian that introduce a name ("je m'appelle", "au nom de", "Titulaire :").
FOREIGN_NAME_CUE = (
    r"(?:je\s+m['’]appelle|moi\s+c['’]est|mon\s+nom\s+est|au\s+nom\s+de|titulaire|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|auf\s+den\s+namen|inhaber(?:in)?|"
    r"me\s+llamo|mi\s+nombre\s+es|a\s+nombre\s+de|titular|"
    r"mi\s+chiamo|il\s+mio\s+nome\s+[èe]|a\s+nome\s+di|intestat[oa]\s+a)"
)

_LINES = (
    # Countries and regions customers name in shipping, roaming and travel questions.
    "afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahrain",
    "bangladesh belarus belgium bolivia bosnia brazil bulgaria cambodia cameroon canada chile colombia",
    "croatia cuba cyprus czechia denmark ecuador egypt estonia ethiopia finland ghana greece guatemala",
    "honduras hungary iceland indonesia iran iraq ireland italy jamaica japan kazakhstan",
    "korea kosovo kuwait latvia lebanon libya liechtenstein lithuania luxembourg madagascar malaysia malta",
    "mexico moldova monaco mongolia montenegro morocco mozambique myanmar namibia nepal netherlands",
    "nicaragua nigeria norway oman pakistan panama paraguay peru philippines poland portugal qatar",
    "romania russia rwanda scotland senegal serbia singapore slovakia slovenia somalia spain sudan sweden",
    "switzerland syria taiwan tanzania thailand tunisia turkey türkiye uganda ukraine uruguay uzbekistan",
    "venezuela vietnam wales yemen zambia zimbabwe europe asia africa america antarctica oceania",
    "scandinavia balkans caribbean england britain uk usa eu emea apac latam",
    "deutschland frankreich spanien italien österreich schweiz espagne allemagne italie suisse belgique",
    "españa alemania francia italia suiza méxico",
    # Capitals and large cities.
    "paris london berlin madrid rome roma milano munich münchen hamburg frankfurt cologne köln",
    "vienna wien zurich zürich genève bern basel lyon marseille nice toulouse bordeaux lille nantes",
    "strasbourg brussels bruxelles antwerp amsterdam rotterdam utrecht lisbon lisboa porto barcelona",
    "valencia seville sevilla bilbao malaga málaga naples napoli turin torino firenze venice",
    "venezia bologna dublin edinburgh glasgow manchester liverpool birmingham leeds bristol cardiff",
    "belfast oslo stockholm copenhagen helsinki reykjavik warsaw krakow prague budapest bucharest",
    "athens istanbul ankara moscow kyiv kiev riga tallinn vilnius zagreb belgrade ljubljana dubai",
    "doha riyadh cairo lagos nairobi johannesburg capetown casablanca tunis beijing shanghai shenzhen",
    "tokyo osaka kyoto seoul busan taipei manila jakarta bangkok hanoi singapore mumbai delhi bangalore",
    "bengaluru chennai kolkata karachi lahore dhaka melbourne brisbane perth auckland",
    "wellington toronto montreal montréal vancouver calgary ottawa quebec québec chicago boston seattle",
    "denver houston dallas phoenix atlanta miami detroit philadelphia pittsburgh portland",
    "sacramento oakland manhattan queens honolulu anchorage nashville memphis cleveland",
    "cincinnati columbus baltimore milwaukee minneapolis tampa raleigh vegas",
    "mexico bogota bogotá lima quito caracas havana montevideo asunción",
    # Currencies and crypto-assets.
    "bitcoin btc ethereum eth ether litecoin dogecoin solana cardano tether usdt usdc ripple xrp monero",
    "euro euros dollar dollars pound pounds sterling yen yuan renminbi rupee rupees franc francs peso",
    "pesos krona kronor krone kroner zloty forint lira rand real reais ruble rouble dirham riyal",
    # Payment brands and wallets.
    "paypal venmo zelle klarna afterpay affirm sofort ideal bancontact giropay sepa swift alipay wechat",
    "revolut monzo n26 stripe square cashapp payoneer skrill neteller maestro discover diners",
    # Products, platforms and services customers ask about.
    "iphone ipad ipod macbook imac airpods android pixel galaxy samsung huawei xiaomi oneplus motorola",
    "nokia sony lenovo dell asus acer windows linux ubuntu macos ios chromebook chromecast roku kindle",
    "siri cortana netflix spotify hulu disney youtube twitch whatsapp telegram instagram facebook",
    "tiktok snapchat linkedin twitter gmail outlook hotmail yahoo excel word powerpoint teams slack zoom",
    "dropbox onedrive icloud salesforce shopify wordpress amazon ebay etsy uber lyft airbnb booking",
    "expedia ryanair easyjet lufthansa vueling iberia klm delta united emirates qatar",
    "playstation xbox nintendo switch steam fortnite minecraft chatgpt",
    # Months and weekdays of the five languages served ("flight on 12 September", "am 3. Mai"); after a
    # name cue ("my sister June") the word stays a name.
    "january february march april may june july august september october november december",
    "monday tuesday wednesday thursday friday saturday sunday",
    "janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre decembre",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "januar jänner februar märz maerz mai juni juli oktober dezember",
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag",
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre",
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo",
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre",
    "lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica",
    # Plan and tier names.
    "unlimited premium basic plus pro starter essential essentials standard gold silver platinum bronze",
    "ultra lite family business enterprise student prime",
)
_PHRASES = (
    "apple pay",
    "google pay",
    "samsung pay",
    "amazon pay",
    "cash app",
    "american express",
    "new york",
    "new york city",
    "los angeles",
    "san francisco",
    "san diego",
    "san jose",
    "las vegas",
    "new orleans",
    "washington dc",
    "hong kong",
    "kuala lumpur",
    "buenos aires",
    "rio de janeiro",
    "são paulo",
    "sao paulo",
    "mexico city",
    "cape town",
    "tel aviv",
    "abu dhabi",
    "new delhi",
    "united kingdom",
    "united states",
    "great britain",
    "new zealand",
    "south africa",
    "south korea",
    "saudi arabia",
    "costa rica",
    "puerto rico",
    "czech republic",
    "apple watch",
    "google home",
    "fire tv",
    "prime video",
    "disney plus",
    "microsoft teams",
    "google drive",
)

NOT_PEOPLE: frozenset[str] = frozenset([w for line in _LINES for w in line.split()] + list(_PHRASES))

# Regions and towns customers name when they move, travel or ask about a branch ("we're moving to Dorchester",
# "the drive to Killarney", "shops in Boise Idaho"), written by kind for the markets the bundled
# help centers serve: US states, Canadian provinces, Australian states, Irish counties and towns, UK counties,
# regions, cities and large towns, Australian and New Zealand cities, large US cities, and the resort and regional
# cities of Portugal, Spain, Italy, France and Greece. Any entry with a word a given-name lexicon knows, or one of
# the 5,000 most common census surnames, is dropped when the list is loaded (`_places`): "Austin", "Sydney",
# "Victoria", "Shannon", "Kerry", "Hamilton" or "Wells" alone may well be a person. A span that is one entry, or a
# run of single-word entries ("Boise Idaho"), is a place.
_PLACE_LINES = (
    # US states and Canadian provinces.
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho illinois",
    "indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri",
    "montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington",
    "wisconsin wyoming alberta manitoba saskatchewan ontario nunavut yukon labrador newfoundland",
    # Australian states and territories; New Zealand regions.
    "queensland tasmania otago waikato northland southland taranaki",
    # Irish counties and towns.
    "antrim armagh carlow cavan cork donegal fermanagh galway kildare kilkenny laois leitrim limerick longford louth",
    "mayo meath monaghan offaly roscommon sligo tipperary waterford westmeath wexford wicklow dundalk drogheda",
    "swords bray navan athlone tralee killarney ennis letterkenny portlaoise mullingar clonmel",
    "carrick castlebar ballina bundoran westport kinsale cobh dingle kenmare clifden newry lisburn omagh",
    "enniskillen coleraine portrush ballymena larne",
    # UK counties and regions.
    "cornwall devon dorset somerset wiltshire hampshire surrey sussex kent essex suffolk norfolk cambridgeshire",
    "hertfordshire bedfordshire buckinghamshire oxfordshire berkshire gloucestershire worcestershire warwickshire",
    "leicestershire lincolnshire nottinghamshire derbyshire staffordshire shropshire herefordshire cheshire",
    "lancashire yorkshire cumbria northumberland merseyside teesside tyneside midlands cotswolds fife lothian",
    "ayrshire lanarkshire highlands orkney shetland hebrides anglesey gwynedd pembrokeshire powys snowdonia",
    # UK cities and large towns.
    "aberdeen dundee inverness stirling perth paisley ayr falkirk kirkcaldy dumfries oban swansea newport",
    "wrexham aberystwyth llandudno exeter plymouth truro penzance torquay bournemouth poole weymouth dorchester",
    "salisbury swindon bath wells taunton yeovil gloucester cheltenham oxford cambridge reading slough guildford",
    "woking brighton hove eastbourne hastings worthing crawley canterbury dover folkestone maidstone margate",
    "southampton portsmouth winchester basingstoke chelmsford colchester southend ipswich norwich peterborough",
    "luton bedford northampton coventry wolverhampton walsall dudley solihull worcester hereford",
    "telford shrewsbury stoke derby nottingham leicester loughborough stockport bolton wigan warrington",
    "blackpool blackburn burnley lancaster carlisle kendal sheffield rotherham doncaster barnsley wakefield",
    "huddersfield halifax bradford harrogate scarborough whitby hull grimsby sunderland durham darlington",
    "middlesbrough gateshead newcastle ely holyhead bangor caernarfon",
    # Australian and New Zealand cities.
    "brisbane hobart canberra geelong ballarat bendigo cairns townsville toowoomba wollongong",
    "launceston fremantle mandurah christchurch dunedin hamilton tauranga napier nelson rotorua queenstown",
    # Large US cities (those not on the list above).
    "boise spokane tacoma fresno tucson albuquerque omaha tulsa wichita louisville lexington indianapolis pittsburgh",
    "jacksonville charlotte richmond buffalo rochester syracuse albany hartford providence newark",
    # Resort and regional cities of Portugal, Spain, Italy, France and Greece.
    "faro albufeira lagos portimão portimao tavira vilamoura sintra cascais estoril coimbra braga funchal madeira",
    "azores algarve alicante benidorm marbella torremolinos fuengirola granada córdoba cordoba cádiz cadiz",
    "tenerife lanzarote fuerteventura ibiza mallorca majorca menorca palma zaragoza santander",
    "salamanca toledo girona tarragona murcia almería almeria valladolid sorrento amalfi positano capri",
    "sardinia sicily palermo catania verona padua pisa siena lucca genoa genova rimini bari brindisi",
    "avignon montpellier grenoble annecy cannes biarritz rennes dijon reims corsica crete rhodes corfu",
    "mykonos santorini thessaloniki heraklion chania kos zakynthos",
)


# Nationalities and their adjectives: "I'm Canadian", "an Irish phone", "I'm American and going to Madrid".
_DEMONYM_LINES = (
    "american canadian mexican brazilian argentinian argentine chilean colombian peruvian venezuelan cuban",
    "jamaican british english scottish welsh irish french german dutch belgian swiss austrian italian",
    "spanish portuguese greek turkish polish czech slovak hungarian romanian bulgarian croatian serbian slovenian",
    "ukrainian russian swedish norwegian danish finnish icelandic estonian latvian lithuanian maltese cypriot",
    "australian kiwi indian pakistani bangladeshi lankan nepali chinese japanese korean taiwanese",
    "filipino vietnamese thai malaysian singaporean indonesian israeli lebanese egyptian moroccan tunisian",
    "algerian nigerian ghanaian kenyan ethiopian emirati saudi qatari iranian iraqi syrian afghan",
    "european asian african latino latina hispanic",
)
DEMONYMS: frozenset[str] = frozenset(w for line in _DEMONYM_LINES for w in line.split())
# What still makes a nationality a name: "my name is Irish", "call me Kiwi", "Mr English".
_STRONG_NAME_CUE = re.compile(
    r"(?:\b(?:my\s+name\s+is|name\s*:|call\s+me|mr|mrs|ms|mx|miss|dr|prof)\.?,?\s*)$", re.IGNORECASE
)


# Places of more than one word, matched whole.
_PLACE_PHRASES = (
    "milton keynes", "st louis", "kansas city", "salt lake city", "el paso", "san antonio", "fort worth",
    "oklahoma city", "new jersey", "new hampshire", "new mexico", "north carolina", "south carolina", "north dakota",
    "south dakota", "west virginia", "rhode island", "british columbia", "nova scotia", "new brunswick",
    "prince edward island", "gran canaria", "fort william", "box hill", "inis mór", "inis mor", "st ives",
)  # fmt: skip


@functools.cache
def _places() -> frozenset[str]:
    """The place list less every entry holding a word that could be someone's given name (`any_given_names`) or is
    a common surname (`common_surnames`: "Hamilton", "Wells", "Durham")."""
    from ragfort.pii.lexicon import any_given_names, common_surnames

    people = any_given_names() | common_surnames()
    entries = {w for line in _PLACE_LINES for w in line.split()} | set(_PLACE_PHRASES)
    return frozenset(e for e in entries if not any(w in people for w in e.split()))


def _a_place(words: list[str]) -> bool:
    """Whether `words` name a place of `_places`: one entry, or a run of entries ("Boise Idaho")."""
    places = _places()
    text = " ".join(words).casefold()
    return text in places or (len(words) > 1 and all(w.casefold().strip(",") in places for w in words))


# What introduces a name even when the word is also a place or product: "Dear Paris,", "I'm Sydney".
_NAME_CUE = re.compile(
    r"(?:\b(?:my\s+name\s+is|name\s*:|i\s+am|i'm|i’m|this\s+is|call\s+me|dear|hi|hello|hey|thanks|thank\s+you|"
    r"regards|cheers|sincerely|mr|mrs|ms|mx|miss|dr|prof|sir|madam|"
    rf"{RELATIVE_CUE}|{FOREIGN_NAME_CUE}|{INTRO_CUE})\.?,?\s*)$",
    re.IGNORECASE,
)
_EDGE = "\"'“”‘’.,;:!?()[]"
# After these a lower-case word is a name ("my name is ana").
_LOWERCASE_CUE = re.compile(r"(?:\bname\s+is|\bname's|\bnamed|\bname\s*:|\bcall\s+me)\s*$", re.IGNORECASE)
# "named" as an adjective ("a named driver", "a second named insured"): no name follows it.
NAMED_ADJECTIVE = re.compile(
    r"\b(?:a|an|the|each|every|any|another|other|additional|extra|second|third|one|only|sole|main|lead)\s+named\s*$",
    re.IGNORECASE,
)


def _lowercase_cue(before: str) -> bool:
    """Whether `before` ends in a cue after which even a lower-case word is a name ("my name is ana")."""
    return _LOWERCASE_CUE.search(before) is not None and NAMED_ADJECTIVE.search(before) is None


# Words inside a name that may be lower case.
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du le la ten ter bin bint al el y e".split()  # noqa: SIM905
)
# Determiners and pronouns that begin sentences, never names, in French, German, Spanish and Italian.
_FOREIGN_LEAD = frozenset(
    w
    for line in (
        "je j'ai j’ai tu il elle nous vous ils mon ma mes ton ta notre votre leur un une les ce cette",
        "ich du er sie wir ihr mein meine meinen meiner dein deine unser unsere der die das dem den ein eine",
        "yo mi mis tu su sus nuestro nuestra los las una este esta",
        "io mio mia sono lo gli uno questo questa",
    )
    for w in line.split()
)


# Function words and greetings of German; the English model reads German's capitalised nouns as names.
_GERMAN = frozenset(
    w
    for line in (
        "und ist der die das den dem des ich nicht sie bitte mein meine meinen wurde wurden auch oder mit für fuer ein",
        "eine einen habe haben hat wie wann warum noch kann können koennen danke hallo guten vom zum zur bei auf aus",
        "nach über mich mir uns wir es sind war wird werden schon nur aber weil dass wenn hier bin ist gibt keine kein",
        "ihr ihre ihnen sehr geehrte geehrter damen herren tag morgen abend grüße gruesse freundlichen",
    )
    for w in line.split()
)
_ENGLISH = frozenset(
    "the and is to of my i it for in you on with can have was are this that be do not please your at me we".split()  # noqa: SIM905
)
_WORDS = re.compile(r"[^\W\d_]+")
# Titles, greetings and sign-offs of the five languages: a span made only of them names no one.
_ADDRESS_WORDS = frozenset(
    w
    for line in (
        "mr mrs ms mx miss dr prof sir madam ma'am maam mme mlle monsieur madame herr frau señor señora sr sra",
        "sig signor signora dott dottore dottoressa thanks thank cheers regards grazie gracias merci danke saludos",
        "saluti cordialement cordiali ciao hola bonjour hallo salut tschüss gruß grüße atentamente distinti",
        # An apology opening a message ("Hi! Sorry if this is a silly question"), and what a customer calls a
        # relative ("Mum's Fixed Saver"): a word on its own that names no one.
        "sorry apologies mum mom mam mummy mommy dad daddy nan nana gran granny grandma grandpa grandad granddad",
    )
    for w in line.split()
)
# Pets and breeds: a name right after one (or starting with one) is an animal's. Words that are also
# ordinary English ("chat" is a cat in French, "cane" a dog in Italian, "lab") are left out.
_PETS = frozenset(
    w
    for line in (
        "dog dogs puppy pup cat cats kitten rabbit bunny hamster parrot budgie horse pony tortoise ferret",
        "labrador retriever spaniel terrier poodle collie beagle dachshund shih pug husky bulldog greyhound",
        "whippet chihuahua cockapoo cavapoo schnauzer hund hündin katze kater chien chienne perro perra",
        "gato gata gatto gatta coniglio lapin conejo",
    )
    for w in line.split()
)
_PET_BEFORE = re.compile(rf"\b(?:{'|'.join(sorted(_PETS))}|shih tzu)[ \t]+$", re.IGNORECASE)
# A definite article right before a span: no person is written that way in a support message.
_ARTICLE_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:the|der|die|das|den|dem|le|la|les|el|los|las|il|lo|gli)\s+$|\bl['’]$", re.IGNORECASE
)


def german_text(text: str) -> bool:
    """Whether `text` reads as German: at least two German function words, and more than English ones."""
    words = [w.casefold() for w in _WORDS.findall(text)]
    german = sum(w in _GERMAN for w in words)
    return german >= 2 and german > sum(w in _ENGLISH for w in words)


def _not_name_shaped(text: str, start: int, end: int, words: list[str]) -> bool:
    if words[0].casefold() in _FOREIGN_LEAD or (len(words) > 1 and words[-1] in _PARTICLES):
        return True
    if not any(c.isupper() for c in text):
        return False
    lower = [w for w in words if w[:1].islower() and w not in _PARTICLES]
    if not lower or _lowercase_cue(text[max(0, start - 30) : start]):
        return False
    return not _known_lowercase_name(text, start, end, lower)


def _known_lowercase_name(text: str, start: int, end: int, lower: list[str]) -> bool:
    """A lower-case given name the lexicon knows, after a name cue ("hi its tom", "my son rory") or signing off
    the message ("... please refund. jordan")."""
    if len(lower) != 1 or text[start:end].strip(_EDGE).casefold() != lower[0].casefold():
        return False
    if lower[0].casefold() not in given_names():
        return False
    return _NAME_CUE.search(text[max(0, start - 30) : start]) is not None or not text[end:].strip(" \t\r\n.!?")


def _german_non_name(text: str, start: int, words: list[str]) -> bool:
    """In German text: a span holding a German function word or greeting ("Guten Tag", "Haben Sie"), or one
    word that no name cue introduces and the given-name lexicon does not know ("Rechnung", "Urlaub")."""
    if any(w.casefold() in _GERMAN for w in words):
        return True
    if len(words) > 1 or _NAME_CUE.search(text[max(0, start - 30) : start]) is not None:
        return False
    return words[0].casefold() not in given_names()


# What "max" and "min" typed short measure ("max size", "max labels per order", "max number of sims").
_MEASURES = frozenset(
    w
    for line in (
        "size sizes weight weights number length height width depth dimensions rows columns lines labels parcels",
        "holders users seats guests people passengers bags items files file upload uploads download data amount",
        "limit limits value price cost cover time speed page pages per of age stay term balance deposit spend",
    )
    for w in line.split()
)
_ABBREVIATED = frozenset(["max", "min"])


def _limit_abbreviation(text: str, start: int, end: int, words: list[str]) -> bool:
    """A span typed in lower case holding "max" or "min" that reads as the abbreviation: before a measure word,
    at the end of the message, or ("min") after a number."""
    if any(not w.islower() for w in words):
        return False
    for i, word in enumerate(words):
        w = word.strip(_EDGE)
        if w not in _ABBREVIATED:
            continue
        following = words[i + 1].strip(_EDGE) if i + 1 < len(words) else None
        if following is None:
            after = text[end:].split(maxsplit=1)
            following = after[0].strip(_EDGE).lower() if after else None
        if following in _MEASURES:
            return True
        if i == len(words) - 1 and not text[end:].strip(" \t\r\n.!?"):
            return True  # "contactless max", "starter api keys max"
        if w == "min" and i == 0 and re.search(r"\d\s*$", text[max(0, start - 6) : start]):
            return True  # "35 min late"
    return False


def _everyday_words(text: str, start: int, words: list[str]) -> bool:
    """A span typed in lower case, with no name cue before it, made only of English words that are no one's given
    name (`ragfort.cache.english`; `lexicon.any_given_names`)."""
    if any(not w.islower() for w in words) or named_before(text, start):
        return False
    from ragfort.cache.english import english_words, is_english  # imported late: the cache package is heavier
    from ragfort.pii.lexicon import any_given_names

    english, names = english_words(), any_given_names()
    if not english:
        return False
    plain = [w.strip(_EDGE) for w in words]
    return all(w.isalpha() and w not in names and is_english(w, english) for w in plain if w)


def named_before(text: str, start: int) -> bool:
    """Whether a name cue stands right before `start`: "my name is", "I'm", "Hi", "Thanks", an honorific, a relative."""
    before = text[max(0, start - 30) : start]
    return _NAME_CUE.search(before) is not None or _lowercase_cue(before)


def not_a_person(text: str, start: int, end: int, *, german: bool | None = None) -> bool:
    """Whether the `PERSON` span ``text[start:end]`` is no person.

    True for a known non-person word with no name cue before it, and for a
    span not written like a name (see the module docstring). `german` is
    `german_text(text)` when the caller has it (one text, many spans).
    """
    words = text[start:end].strip(_EDGE).split()
    if not words:
        return False
    if _not_name_shaped(text, start, end, words):
        return True
    if (german_text(text) if german is None else german) and _german_non_name(text, start, words):
        return True
    if all(w.casefold().rstrip(".") in _ADDRESS_WORDS for w in words):
        # "Mrs", "Madam", "Grazie", "Gracias" alone: a title or a greeting, no name.
        return True
    if _limit_abbreviation(text, start, end, words):
        # "max size", "starter api keys max", "35 min late": maximum and minimum (minutes), typed short.
        return True
    if _everyday_words(text, start, words):
        # "account manager", "insured": ordinary English in a message typed in lower case ("tiny" is a census name).
        return True
    if len(words) == 1 and len(words[0]) <= 2 and _NAME_CUE.search(text[max(0, start - 30) : start]) is None:
        # "La", "Av": a fragment; "I'm Li" keeps its name.
        return True
    if words[0].casefold() in _PETS or _PET_BEFORE.search(text[max(0, start - 24) : start]) is not None:
        # "Labrador Duke", "unser Hund Bello", "my dog Biscuit": a pet's name is no person's.
        return True
    if len(words) == 1 and words[0].casefold() in DEMONYMS:
        # "I'm Canadian", "an Irish phone": a nationality, unless introduced as a name ("my name is ...").
        return _STRONG_NAME_CUE.search(text[max(0, start - 20) : start]) is None
    if _ARTICLE_BEFORE.search(text[max(0, start - 8) : start]) is not None:
        # "the Jordan 3-seater", "the Florence Suite", "le Milan": an article makes it a thing or a place.
        return True
    if _NAME_CUE.search(text[max(0, start - 20) : start]) is not None:
        return False  # "Dear Paris,", "Thanks, Rico": a name cue keeps whatever follows a name
    if _place_or_schedule(text, start, end, words):
        return True
    return " ".join(words).casefold() in NOT_PEOPLE or _a_place(words)


# Weekdays as schedules abbreviate them ("Mon-Sat 10am-7pm, Sun 11am-5pm").
_DAY_ABBREVIATIONS = frozenset(["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"])
_DAY = rf"(?:{'|'.join(sorted(_DAY_ABBREVIATIONS, key=len, reverse=True))})[a-z]*\.?"
# Beside a time ("Sun 11am-5pm", "Sun: 10:00") or another day of a range or list ("Sat-Sun", "Fri and Sun").
_SCHEDULE_AFTER = re.compile(
    rf"\s*(?:\d{{1,2}}(?::\d\d)?\s*(?:am|pm|[-\u2013])|:\s*\d|[-\u2013]\s*{_DAY}|(?:to|and|&|,)\s*{_DAY}\b)",
    re.IGNORECASE,
)
_SCHEDULE_BEFORE = re.compile(rf"\b{_DAY}\s*(?:[-\u2013,&]|to|and)\s*$", re.IGNORECASE)
_WORDS_BEFORE = re.compile(r"((?:[\w'\u2019-]+\s+){1,2})$")
# "the Isle of <Man>", "Isle of <Skye>", "the Island of <Ireland>": what follows is the island's name.
_ISLAND_OF = re.compile(r"\b(?:isles?|islands?)\s+of\s+(?:the\s+)?$", re.IGNORECASE)


def _place_or_schedule(text: str, start: int, end: int, words: list[str]) -> bool:
    """A place the model cut in two, an island or a group of islands, or a weekday abbreviated in a schedule.

    "Puerto <Rico>", "puerto <rico>": with the word or two before it, the span is a listed phrase. "the US Virgin
    <Islands>", "the Northern <Mariana Islands>": no one's name ends in "Islands"; "the Isle of <Man>", "Isle of
    <Skye>": the name of an island follows "Isle of". "Mon-Sat 10am-7pm, <Sun>
    11am-5pm": a lone day abbreviation beside a time or another day of a range or list. Only multi-word listed
    phrases can match the first test: the span plus at least one word before it. The caller has ruled out a
    name cue before the span.
    """
    if words[-1].casefold() in ("islands", "isles") or _ISLAND_OF.search(text[max(0, start - 24) : start]):
        return True
    before = _WORDS_BEFORE.search(text[max(0, start - 40) : start])
    if before is not None:
        lead = before.group(1).split()
        for n in (1, 2):
            if len(lead) >= n and " ".join([*lead[-n:], *words]).casefold() in NOT_PEOPLE:
                return True
    if len(words) == 1 and words[0].casefold().rstrip(".") in _DAY_ABBREVIATIONS:
        return bool(_SCHEDULE_AFTER.match(text, end) or _SCHEDULE_BEFORE.search(text[max(0, start - 12) : start]))
    return False
