"""Questions about one place ("is the third one open now?", "how far is it?", "do they take reservations?"): what
they ask, and the answer code writes from what the data says of the place (``Service.place_details``).

The data holds each place's name, kind and position and everyone's check-ins, so a question about distance, area,
busy times or the user's own visits gets those details, and one about opening hours, prices, menus, bookings,
contacts, amenities or reviews gets a plain "I don't have that" with the details there are: the LLM writes none of
it, so nothing is made up. Messages are read in the English of ``assistant.requests.read``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, get_args

from profiles.calendar import DAYPARTS, WEEKDAYS, WEEKEND, calendar_day
from profiles.places import category_name, counted, label_in, times, with_article
from prompts import fixed_text

if TYPE_CHECKING:
    from datetime import datetime

    from assistant.service import PlaceDetails, Suggestion, WeekSlice

Topic = Literal[
    "address",
    "hours",
    "price",
    "menu",
    "booking",
    "contact",
    "amenities",
    "reviews",
    "character",
    "style",
    "history",
    "events",
    "allergens",
    "diet",
    "stay",
    "route",
    "distance",
    "where",
    "busy",
    "kind",
    "visits",
    "general",
    "going",
]
TOPICS: tuple[Topic, ...] = get_args(Topic)
# What no stored data says of any place: asked about, the answer says so rather than guess.
UNKNOWN_TOPICS: dict[Topic, str] = {
    "address": "street addresses",
    "hours": "opening hours",
    "price": "prices",
    "menu": "menus",
    "booking": "booking details",
    "contact": "phone numbers or websites",
    "amenities": "amenities (Wi-Fi, seating, access and the like)",
    "reviews": "reviews or ratings",
    "character": "what places are like (size, décor, atmosphere)",
    "style": "style ratings (how fancy, casual or lively a place is)",
    "history": "how long places have been open",
    "events": "event listings (what is on, where and when)",
    "allergens": "allergen information",
    "diet": "halal, kosher or gluten-free labels",
    "stay": "how long visits last",
    "route": "routes, transit lines or travel times",
}
# The same in the other languages a reply is written in ("No tengo información sobre los precios ni sobre …").
UNKNOWN_TOPICS_IN: dict[str, dict[Topic, str]] = {
    "es": {
        "address": "las direcciones",
        "hours": "los horarios de apertura",
        "price": "los precios",
        "menu": "los menús",
        "booking": "las reservas",
        "contact": "los teléfonos o las webs",
        "amenities": "los servicios (wifi, asientos, accesibilidad y similares)",
        "reviews": "las reseñas o valoraciones",
        "character": "cómo son los lugares (tamaño, decoración, ambiente)",
        "style": "el estilo (lo elegante, informal o animado que es un sitio)",
        "history": "desde cuándo están abiertos los lugares",
        "events": "la agenda de eventos (qué hay, dónde y cuándo)",
        "allergens": "los alérgenos",
        "diet": "las etiquetas halal, kosher o sin gluten",
        "stay": "cuánto duran las visitas",
        "route": "las rutas, las líneas de transporte o los tiempos de viaje",
    },
    "fr": {
        "address": "les adresses",
        "hours": "les horaires d'ouverture",
        "price": "les prix",
        "menu": "les menus",
        "booking": "les réservations",
        "contact": "les téléphones ou les sites web",
        "amenities": "les équipements (wifi, places assises, accessibilité, etc.)",
        "reviews": "les avis ou les notes",
        "character": "à quoi ressemblent les lieux (taille, décor, ambiance)",
        "style": "le style (à quel point un lieu est chic, décontracté ou animé)",
        "history": "depuis quand les lieux sont ouverts",
        "events": "les événements (ce qui a lieu, où et quand)",
        "allergens": "les allergènes",
        "diet": "les labels halal, casher ou sans gluten",
        "stay": "combien de temps durent les visites",
        "route": "les itinéraires, les lignes de transport ou les temps de trajet",
    },
}
_TOPIC_OF = {what: topic for topic, what in UNKNOWN_TOPICS.items()}
_NOR = {"es": " ni sobre ", "fr": " ni sur "}
# What a request for places may ask that no data can honour ("somewhere cheap", "anything open late"): the reply
# says so before the places that fit the rest.
UNHONOURED_IN_REQUESTS: tuple[Topic, ...] = (
    "hours", "price", "amenities", "reviews", "style", "history", "events", "allergens", "diet", "booking",
)  # fmt: skip
# How fancy, casual or lively, asked as a change ("something fancier", "more casual", "plus chic", "algo más casual"):
# no data says it of any place (read in the English of ``read``, Spanish and French words kept, accents folded).
_TASTE = (
    r"(?:upscale|upmarket|elegant|elegante|sophisticated|refined|high[- ]end|classy|classe|fancy|posh|chic|swanky"
    r"|formal|dressy|casual|relaxed|laid[- ]back|low[- ]key|lowkey|chill|lively|buzzy|happening|stuffy|informal"
    r"|anime|animee|animado|animada|animados|animadas|decontracte|decontractee|habille|habillee|arreglado|arreglada)"
)
_MORE_TASTE = rf"\b(?:more|less|plus|moins|mas|menos)\s+(?:(?:of\s+)?an?\s+)?{_TASTE}\b"
# "More casual" asks for the same places, differently; "more" alone asks for others.
MORE_TASTE_RE = re.compile(_MORE_TASTE, re.IGNORECASE)
_STYLE = (
    r"\b(?:fancier|classier|posher|swankier|livelier|chicer)\b"
    r"|\b(?:something|somewhere|anything|one|ones|a bit|a little|bit|little) nicer\b"
    rf"|{_MORE_TASTE}|\bwhite[- ]?tablecloth\b"
)
# Amenity words a request for places is read for elsewhere: going out with children asks for the kinds of place they
# go to (``assistant.requests``), so it is honoured.
# A big party ("we're 6 people", "a table for eight"): how many a place seats is no data here.
_PARTY = r"(?:[5-9]|[1-3]\d|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
PARTY_RE = re.compile(
    rf"\b(?:party of|group of|table for) {_PARTY}\b"
    # "Good for a big group like 8 people?", "a group of about 10": how many come, whatever the words between.
    rf"|\b(?:group|party|crowd|bunch)(?: of)?(?: like| of like| about| around| maybe)? {_PARTY} (?:people|ppl|persons"
    r"|guests|of us|friends)\b|\b(?:big|large|huge) (?:group|party|crowd)\b(?! (?:of|like|for)\b)"
    rf"|\b(?:we(?:'re| are)|we'll be|for|there(?:'s| is| are|'ll be| will be)) {_PARTY}"
    r"(?: of us| people| persons| guests|(?=\s*[.!?,]|\s*$))"
    # "Room for 8", "a place that can fit 8", "seats 10 people", "dinner for 8 at 7", "8 of us tonight": how many
    # come, wherever the sentence goes on.
    rf"|\b(?:room|space|seating|seats?|tables?|reservations?|booking|dinner|lunch|brunch|breakfast|drinks)"
    rf" for {_PARTY}\b(?!\s*(?:[ap]\.?m\b|:\d|o'?clock|h\b))"
    rf"|\b(?:fit|fits|seat|seats|accommodate|accommodates|hold|holds|take|takes) (?:a group of |a party of )?"
    rf"{_PARTY}(?: of us| people| persons| guests|(?=\s*[.!?,]|\s*$))"
    rf"|\b{_PARTY} of us\b|\b(?:just|only|about|like|around|with) {_PARTY} (?:people|persons|guests|friends|ppl)\b"
    rf"|\bfor {_PARTY} (?:friends|ppl|adults|coworkers|colleagues)\b",
    re.IGNORECASE,
)
# An event the user is going to at a named place ("before the movie at AMC Empire 25", "heading to a concert at
# Barclays Center"): where to look, and no listing asked for.
EVENT_AT = (
    r"(?:before|after|ahead of|heading to|going to|off to|on (?:my|our) way to)"
    r" (?:the|my|our|a|an|his|her|their) (?:[\w'-]+ ){1,2}?at"
)
# The user's own event, named with no place ("somewhere to eat after the concert", "drinks before the show"): one
# they go to, no listing asked for either.
_EVENT_AT_RE = re.compile(
    rf"\b{EVENT_AT}\b|\b(?:before|after|ahead of) (?:the|my|our|this|that|tonight's) (?:concert|gig|show|festival"
    r"|event|exhibition)\b",
    re.IGNORECASE,
)
# What the user says does not matter ("budget isn't an issue", "money is no object") asks nothing of the data.
_NO_MATTER_RE = re.compile(
    r"\b(?:the )?(?:budget|money|price|prices|cost|costs)\s+(?:is|are)(?:n'?t| not| no)\s+(?:an?\s+)?"
    r"(?:issue|problem|object|concern|worry)\b"
    r"|\b(?:budget|money|price|prices|cost)\s+(?:doesn'?t|does not|don'?t|do not)\s+matter\b"
    r"|\bno budget\b|\bwhatever it costs\b|\bmoney'?s no object\b|\bprice is no object\b",
    re.IGNORECASE,
)
_FOR_CHILDREN_RE = re.compile(r"\b(?:kids?|children|(?:kid|family)[- ]friendly)\b", re.IGNORECASE)
# A straight line in Manhattan's grid is walked about a quarter longer, at about 5 km/h.
DETOUR = 1.25
WALKING_KMH = 5.0
WALK_AT_MOST_KM = 3.0

# "What's Lucky Dog like?": a place by its name, not "what's the weather like" or "what's my week like".
_WHATS_IT_LIKE = (
    r"^\W*what(?:'s| is) (?!(?:the )?(?:weather|forecast|traffic|crowd|vibe)\b)(?!(?:my|your|our)\b)"
    r"(?P<liked>[\w'&. -]{2,40}) like\W*$"
)
_WHATS_IT_LIKE_RE = re.compile(_WHATS_IT_LIKE, re.IGNORECASE)
# One place of the list pointed at by its rank ("the 1st one", "ese first", "le 3rd" as Spanish and French are read),
# then a question about it: "yep the 1st one, how's it on fridays?", "the last one, how far", "el 2 ¿cómo está?".
_RANKED = (
    r"(?:(?:the|that|this|ese|este|esa|el|la|le)\s+)?(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|[4-9]th)"
    r"(?:\s+(?:one|place|spot))?"
)
_LEAD = r"^\W*(?:(?:yep|yeah|yes|ok|okay|and|so|hmm+|y|et)\W+)*"
_POINTED_RE = re.compile(rf"{_LEAD}{_RANKED}\s*[,;:.!-]?\s*(?:how|what|when|where|who|is|does|do|has|was)\b", re.I)
# A vague question after the rank, or before it: "the first, what about?" ("el primero, ¿qué tal?"), "the third
# what's?" ("le troisième c'est quoi ?"), "what's le 3rd?", "the 1st one, how's it on fridays?", "the third, que onda?".
_VAGUE = r"(?:what about(?: es)?|how(?:'s| is)(?: it| that| this)?|what's|what is it|que onda)"
_WHEN_TAIL = r"(?:\s+(?:on|at|in|during|this|tonight|today|tomorrow|now)\b[\w ]*)?"
_VAGUE_ABOUT_RANKED = (
    rf"{_LEAD}(?:{_RANKED}\W+{_VAGUE}|(?:how(?:'s| is)|what's|que onda(?: con)?)\s+{_RANKED}){_WHEN_TAIL}\W*$"
)
_TOPIC_RES: dict[Topic, re.Pattern[str]] = {
    topic: re.compile(pattern, re.IGNORECASE)
    for topic, pattern in {
        "hours": r"\bopens?\b(?! (?:to|minded|mind|up|mics?|mikes?)\b)|\bclos(?:es|ed|ing)\b|\bclose at\b"
        r"|\bdo(?:es)? (?:the |that |this |they |these |those )?(?:[\w'’-]+ ){0,3}close\b(?! (?:to|by)\b)"
        r"|\b(?:opening|business|their|its|the|what) hours\b|\bhours (?:of|are)\b|\bhow late\b|\b(?:until|till) when\b"
        r"|\bhappy hours?\b"  # a time of day with cheaper drinks: neither is in the data
        # "What time does the movie start?": a showtime, no more in the data than an opening hour.
        r"|\bshow ?times?\b|\bwhat time (?:does|do|is) (?:the |it |that |this )?(?:movie|film|show|concert|game|gig)"
        r"|\btoo (?:late|early) (?:to go|to visit|to head|to get in|for)\b"
        # "Late night food": whether a kitchen is still open is an opening hour.
        r"|\blate[- ]night (?:food|eats?|bites?|snacks?|dining|munchies|meals?)\b",
        "price": r"\bprices?\b|\bpric(?:ey|ier|iest)\b|\bexpensive\b|\bcheap(?:er|est)?\b|\bcosts?\b|\bcover charge\b"
        r"|\bhow much\b(?! time\b)|\baffordable\b|\bbudget\b|\$"
        r"|\b(?:not much|little|no|low on|short on|tight on) (?:money|cash)\b"
        r"|\binexpensive\b|\bcheap eats\b"
        # "Museums that are free?", "anything free to do": what entry costs, nothing else free.
        r"|\bfor free\b|\bfree (?:entry|entrance|admission|of charge|to (?:get in|enter|visit))\b"
        r"|\b(?:that|which|those|these|they|ones) (?:are|is) (?:always |usually )?free\b"
        r"|\b(?:is|are) (?:it|they|the \w+(?: one)?) free\b"
        r"|\b(?:anything|something|things|stuff|activities|museums?) free\b|\b(?:any|some|the) free ones?\b"
        r"|\bfree (?:events?|concerts?|shows?|things to do|stuff to do|activities|museums?|exhibitions?)\b",
        "menu": r"\bmenus?\b|\bserves?\b|\bsells?\b|\bdishes\b|\bwhat do they (?:have|serve|sell|make|do)\b"
        r"|\b(?:vegan|vegetarian|gluten[- ]free|halal|kosher) (?:options?|food|dishes|menu)\b"
        # "Is the first one vegetarian friendly?": what a kitchen offers.
        r"|\b(?:is|are) (?:it|that|this|they|the \w+(?: one)?) (?:\w+ )?"
        r"(?:vegan|vegetarian|veggie|gluten[- ]free|halal|kosher)(?:[- ]friendly)?\b"
        r"|\bgood for (?:a )?(?:vegetarians?|vegans?|veggies)\b"
        r"|\bdo they (?:have|do) (?:food|drinks|beer|wine|coffee|brunch|breakfast|lunch|dinner|cocktails)\b",
        # "Book a table", not "read a book" or "a good book".
        "booking": r"\breserv\w*|(?<!\ba )(?<!\bread )(?<!\bgood )\bbook(?:ings?|ed)?\b(?! (?:store|shop|club))"
        r"|\btable for\b|\bwalk-?ins?\b|\bwait(?:ing)? ?(?:time|list)\b"
        r"|\bqueues?\b|\btickets?\b|\bentry fee\b|\badmission\b",
        "contact": r"\bphone\b|\bcall (?:them|it|ahead)\b|\bweb ?site\b|\burl\b|\bemail\b|\binstagram\b|\bcontact\b"
        r"|\btheir number\b",
        "amenities": r"\bwi-?fi\b|\binternet\b|\bparking\b|\bwheelchair\b|\baccessib\w+|\bstep-free\b"
        # A dog said as one, not a name's ("The Grey Dog", "Lucky Dog", "Mad Dog & Beans").
        r"|\b(?:my|our|a|the|your|with|bring|take|for|allow|allows|allowed|no|any) dogs?\b"
        r"|\bdogs?[- ](?:friendly|allowed|ok|okay|welcome)\b|\bpets?\b"
        r"|\bkids?\b|\bchildren\b|\bfamily[- ]friendly\b|\boutdoor (?:seating|tables|space)\b"
        r"|\b(?:sit|eat|seats?|tables?) (?:outside|outdoors|al fresco)\b|\bal fresco\b|\bgarden (?:seating|tables)\b"
        r"|\bpatio\b|\bterrace\b|\brooftop\b|\b(?:bath|rest)rooms?\b|\btoilets?\b|\bdress code\b|\bcash\b"
        r"|\bcredit cards?\b|\bsmok\w*|\bbyob\b|\boutlets?\b|\bsockets?\b|\bair ?con\w*|\bseating\b"
        # "Any with a pool?" after gyms: what a place has, not swimming as a kind ("swimming pool" is read as one).
        r"|\b(?:with|has|have|got) (?:a |an )?(?:indoor |outdoor |heated |rooftop )?pool\b(?! (?:halls?|tables?)\b)"
        r"|\bsaunas?\b|\bsteam rooms?\b|\bjacuzzis?\b|\bhot tubs?\b|\blockers?\b"
        # "One with a café inside" after bookstores: what is inside a place, not a café of its own.
        r"|\b(?:with|has|have|got) (?:a |an )?[\w-]+(?: [\w-]+)? (?:inside|in-house|on site|on-site|in it)\b"
        r"|\b(?:big|large|flat)[- ]?screens?\b|\btvs\b|\btelevisions?\b|\bprojectors?\b|\bpool tables?\b|\bdarts\b"
        rf"|{PARTY_RE.pattern}|\bbig (?:group|party)\b|\blarge (?:group|party)\b",
        "reviews": r"\breviews?\b|\bratings?\b|\brated\b|\bstars\b"
        r"|\bworth (?:it|going|a visit|visiting|seeing|the trip|the hype|checking out|a look)\b"
        r"|\b(?:is|are|was|were|would|will) (?:it|they|(?:that|this)(?: place| spot| one)?|the \w+(?: one)?)"
        r" (?:be )?(?:an? )?(?:any |really |very )?(?:good|nice|great|decent)\b"
        # "Is it good for kids?", "a good place for dogs?": whether it suits them is an amenity, not a rating.
        r"(?! (?:\w+ )?for (?:the |my |our )?(?:kids?|children|families|family|toddlers|babies|dogs?"
        r"|vegetarians?|vegans?|veggies|celiacs?|coeliacs?)\b)"
        # "Is Joe's Pizza good?": a named place's quality, the whole question.
        r"|^\W*(?:and |so |but )?(?:is|was) [\w'’&.-]+(?: [\w'’&.-]+){0,4} (?:any |really |very )?(?:good|great|decent)"
        r"\s*[?.!]*\s*$"
        # "Is it better than the first one?": a judgement of quality, which no data makes.
        r"|\b(?:is|are) (?:it|that|this|they|the \w+(?: one)?) (?:any |much )?(?:better|worse|nicer|fancier) than\b",
        # "I'm allergic to nuts": whether a kitchen is safe for it, no data says (a health matter: said, never guessed).
        "allergens": r"\ballerg\w*|\b(?:nut|peanut|shellfish|dairy|lactose)[- ]free\b|\bc(?:o)?eliac\b|\bepi-?pen\b",
        # A diet no listing here records ("halal food nearby?" had a BBQ joint first, as if it were halal).
        "diet": r"\b(?:halal(?! guys\b)|kosher|casher|cacher|gluten[- ]free|sin gluten|sans gluten)\b",
        # What is on ("any free events this weekend?", "concerts tonight"): no listings are stored.
        "events": r"\b(?:events?|happenings|festivals?|gigs?|exhibitions?)\b(?! spaces?\b)|\bconcerts?\b(?! halls?\b)"
        r"|\bwhat(?:'s| is) on\b(?! (?:the|their|its) menu\b)|\bwhat(?:'s| is) (?:going on|happening)\b",
        # What a place is like ("is it romantic?", "is the first one big?", "what's the vibe?"): no data says.
        # "Which one has been around longest?", "how old is it?": no data says when a place opened.
        "history": r"\bbeen (?:around|open|there) (?:the )?(?:longest|for (?:long|years|ages|decades))\b"
        r"|\bhow old is\b|\b(?:the )?oldest\b"
        r"|\bwhen (?:did|was) (?:it|that|this|the \w+(?: one)?) (?:open|founded|built)\b"
        r"|\bhow long (?:has|have) (?:it|that|this|they|the \w+(?: one)?) been (?:around|open|there)\b",
        "style": _STYLE,
        "character": r"^\W*(?:and |so |but |ok,? )?(?:is|are|was|were) (?:it|that|this|they|those|these"
        r"|the \w+(?: one)?|that place|this place|the place|that spot)"
        r" (?:really |very |too |pretty |quite |kind of |a bit |a little )?"
        r"(?:romantic|big|small|large|huge|tiny|spacious|cramped|cozy|cosy|nice|fancy|casual|upscale|trendy|hip"
        r"|classy|chill|relaxed|clean|dirty|modern|old|pretty|beautiful|cute|intimate|elegant|dressy|touristy"
        r"|authentic|safe|fun|lively|comfortable|comfy|crowded with tourists)\b"
        r"|\bvibes?\b|\batmosphere\b|\bambian?ce\b|\bdecor\b|\bdécor\b|\bwhat(?:'s| is) it like inside\b"
        # "Does it have a view?", "what's the view like from there?": of one place, not a request for views.
        r"|\b(?:(?:does|do) (?:it|that|this|they|the \w+(?: one)?) have|has it got) (?:a |any )?(?:good |nice |great )?"
        r"views?\b"
        r"|\bwhat(?:'s| is) the view like\b|\bhow(?:'s| is) the view\b"
        # "Is number 3 good for groups?": of one place, and no data says.
        r"|\b(?:good|ok|okay|suitable|right|fine|big enough) for (?:a )?(?:groups?|large groups|big groups|parties"
        r"|a party|birthdays?|a birthday)\b",
        # "How long would I need there?": a check-in marks an arrival, never how long anyone stayed.
        "stay": r"\bhow (?:long|much time) (?:would|will|should|do|does|can|could) (?:i|we|one|people|you)"
        r" (?:need|spend|stay|want|usually spend)\b|\bhow (?:long|much time) (?:to spend|to stay|is a visit)\b"
        r"|\bhow long (?:would|will|does) it take to (?:see|visit|do|go through|get through|explore)\b",
        # "How do I get to Union Square?", "get me to the Bedford L stop", "directions to the Met", "¿cómo llego a…?",
        # "comment aller à… ?" (read "how do i get to", "how to get to"): a route, which no data holds; the distance and
        # the map are said ("how do I get there?" after a card asks its distance, said as before).
        "route": r"\bhow (?:do|can|would|should|could) (?:i|we) (?:get|go) to\b|\bhow to (?:get|go) to\b"
        r"|\b(?:get|take|bring) (?:me|us) to\b|\b(?:directions?|route) (?:to|from)\b"
        r"|\b(?:best|quickest|fastest|easiest|shortest) (?:way|route) (?:to get |to go )?to\b"
        r"|\b(?:directions?|route) (?:there|please)\b|^\W*directions\W*$",
        "distance": r"\bhow far\b|\bdistance\b|\bhow long (?:to|does it take|will it take|would it take)\b"
        r"|\bhow long (?:is|would be|will be) the (?:walk|ride|trip)\b"
        r"|\bwalkable\b|\bcan i walk\b|\bget there\b|\bhow close\b|\bminutes? (?:away|walk)\b"
        r"|\bhow many (?:minutes|mins|blocks|km|kilometres|kilometers|miles|meters|metres)\b"
        r"|\b(?:is|are) (?:it|that|this|they|the \w+(?: \w+)?(?: one)?) (?:close|near|nearby|far)\b"
        # "Is fat cat far from me?", "is south beach far from here": a named place's distance, the whole question.
        # Only its "is" is the topic's word, so that the name stays for ``named_words``.
        r"|^(?=\W*(?:and |so |but )?(?:is|are) (?!(?:you|we|i|there|anything|something|this the)\b)"
        r"[\w'’&.-]+(?: [\w'’&.-]+){0,4} (?:very |really |too |that )?"
        r"(?:far|close|near|nearby)(?: (?:from|to) (?:me|here|us|where i am))?\s*[?.!]*\s*$)\W*(?:and |so |but )?"
        r"(?:is|are)\b"
        # "¿Está cerca de mi casa?", "c'est près de chez moi ?", "est-ce loin de mon appartement ?" (read "esta near my
        # home?", "c'est near my home ?", "est-ce far de my appartement ?"): the place talked about, asked of.
        r"|^\W*(?:esta|queda|c'est|est-ce|est-ce que c'est) (?:muy |tres |very |really |too )?(?:far|close|near)\b"
        r"[^?,;]*\?"  # ("c'est près de chez moi, un café ?" asks for a café)
        # "Le deuxième est loin de chez moi ?" (read "the second is far de my home ?"): from the user's home.
        r"|\b(?:it|that|this|they|the \w+(?: one)?)(?:'s| is| are) (?:very |really )?(?:far|close|near)"
        r"(?: (?:from|de) (?:me|here|us|(?:my|me|mi) (?:home|place|house|apartment|casa)|home|casa))?\s*\?"
        # "Is it less than 1 km away?", "is the first one within 10 minutes?": its distance, not a new ask.
        r"|\b(?:is|are) (?:it|that|this|they|the \w+(?: one)?) (?:less|more|under|over|within|further|farther)\b"
        r"[^?.!]*(?:\b|\d)(?:km|kilomet\w+|miles?|m|meters?|metres?|minutes?|mins?|blocks?|walk)\b",
        # "What street is it on?", not "near Wall Street".
        "address": r"\baddress(?:es)?\b|\b(?:what|which) (?:street|cross ?streets?)\b|\bcross ?streets?\b"
        r"|\bstreet (?:number|name|corner)\b|\bzip\b|\bpostcode\b",
        # "Where's the third one?"; "where's good for a date?" asks for places.
        "where": r"\bwhere(?: is|'s| are| exactly)\b(?! (?:good|nice|great|best|fun|a good|the best)\b)"
        r"|\blocated\b|\blocation\b|\bdirections?\b"
        r"|\b(?:which|what) (?:neighbou?rhood|area|street|part of town|borough)\b(?! (?:do|did|have) (?:i|we)\b)"
        r"|\bhow (?:do|can|would|should) (?:i|we) get\b"
        r"|\bmap\b|\bcoordinates\b",
        "busy": r"\bbusy\b|\bbusiest\b|\bcrowded\b|\bpacked\b|\bpopular\b|\bbest time\b|\bpeak\b"
        r"|\bwhat time is (?:it )?(?:best|good|ideal) to go\b|\bwhen should (?:i|we) go(?: there)?\W*$"
        r"|\bwhen do (?:people|most people|locals)\b"
        # "What time do people usually go there?": when everyone checks in.
        r"|\bwhat times? (?:do|does|did|are) (?:people|most people|locals|folks|others|crowds?)\b"
        r"|\bhow many people\b|\bquiet\b|\bnoisy\b|\bloud\b",
        "kind": r"\bwhat (?:kind|sort|type) of (?:place|spot|venue)\b|\bwhat (?:is|'s) (?:it|that|this|the \w+ one)\W*$"
        # "What kind of food is the second one?", "what cuisine is it?": its kind is all the data says of it.
        r"|\bwhat (?:kind|sort|type) of (?:food|cuisine|restaurant|bar|shop|store|museum) (?:is|are|'s)\b"
        r"|\bwhat cuisine\b"
        r"|\bis (?:it|that|this|the \w+ one) an? \w+|\b(?:is|are) (?:it|that|this|they|the \w+ one) independent\b",
        "visits": r"(?<!\bwhere )\bhave i (?:ever |already )?been\b(?! up to)|\bwas i (?:ever )?there\b"
        # "When was the last time?", "how many times was I there?", "am I a regular?" after a place's card.
        r"|\bwhen was the (?:last|first) time\b|\bhow long since (?:i|my)\b|\bhow many times (?:was i|were we)\b"
        r"|\bhow many (?:times|visits)\W*$|\bam i a regular\b"
        r"|\bdo i (?:still )?(?:go|come)(?: there| here)? (?:often|a lot)\b"
        # "Any of those I've been to?", "are any of them places I've been?": the list's places the user knows.
        r"|\bany of (?:these|those|them)(?: places| ones| spots)?(?: that)? (?:i|we)(?:'ve| have)? (?:already )?"
        r"(?:been|gone|visited)\b"
        r"|\bare any of (?:these|those|them) (?:places|ones|spots) (?:i|we)(?:'ve| have)? (?:already )?"
        r"(?:been|gone|visited)\b"
        r"|(?<!\bwhere )\bdid i (?:ever |first |last )?(?:go|visit)\b|\bbeen there\b|\bwhen was i\b"
        r"|\bmy first (?:visit|time)\b(?! (?:in|to|visiting|ever in)\b)|\bwhen did i (?:first|last)\b"
        r"|\bhow (?:many times|often) (?:have|did|do) i\b|\bmy last visit\b"
        r"|\bdo i (?:go|come) there\b|\b(?:is|are) (?:it|that|this|they|those|these|the \w+(?: one)?) new to me\b"
        r"|\bdo i know (?:it|that|this|them|the \w+(?: one)?)\b"
        # "which have I never been to?", "which ones haven't I tried?", "which are new to me?"
        r"|(?<!\bwhere )\b(?:have|had) i (?:never|not) (?:been|tried|visited)\b|\bhaven'?t i (?:been|tried|visited)\b"
        r"|\bi(?:'ve| have) (?:never|not) (?:been|tried|visited)\b|^\W*which\b.*\bnew to me\b"
        # "Which ones have I already been to?": the list's places the user knows.
        r"|^\W*(?:and |so |ok )?which(?: ones?| of (?:them|these|those)| places?)? (?:have|had|did) i (?:already |ever "
        r"|actually )(?:been|visited|gone|tried)\b"
        r"|^\W*(?:and |so |ok )?which(?: ones?| of (?:them|these|those)| places?)? do i (?:already |actually )?know\b",
        # Not a question: the user picks one ("perfect, I'll go to the second one"); the answer is how to get there.
        # ("I'm going to be in SoHo" says where the user will be, and picks nothing.)
        "going": r"\b(?:i|we)(?:'ll| will| am| are|'m|'re|'d| would)(?: \w+ly)? (?:go|going|gonna|head|heading|try"
        r"|check out|pick|choose|take|go with|going with|like)\b(?! back\b)(?! (?:to )?be\b)"
        r"|\b(?:i|we) (?:pick|choose|take)\b"
        r"|\blet'?s (?:go|try|do|head|check out)\b"
        # "The first one it is": the choice made.
        r"|\b(?:first|second|third|fourth|fifth|last|that|this|[1-9](?:st|nd|rd|th)?)(?: one| place)? it is\b"
        # "Good call, the second one thx", "ok the third one then, thanks": taken, and thanked for.
        r"|^\W*(?:(?:ok|okay|good call|great|cool|perfect|alright|fine)\W+)*(?:the )?"
        r"(?:first|second|third|fourth|fifth|last|[1-9](?:st|nd|rd|th)?)(?: one| place)?(?: then)?\W+"
        r"(?:thx|thanks|thank you|ty|cheers)\b"
        # "The first one sounds nice, thx!", "ok the first one is fine", "the second one works": taken.
        r"|\b(?:first|second|third|fourth|fifth|last|[1-9](?:st|nd|rd|th)?)(?: one| place)?"
        r"(?: (?:sounds|is|'s)(?: \w+)? (?:nice|good|great|perfect|fine|fun|lovely|ok|okay|cool)|(?: totally)? works)\b"
        r"(?![^?]*\?)(?! (?:but|except|if)\b)",
        # "Tell me about my habits" is about the user, not a place.
        "general": r"\btell me (?:more )?about\b(?! (?:me|myself|us|ourselves|my|our)\b)|\btell me more\s*[?.!]*\s*$"
        # "What's the 3rd one?", "what is number 2", "hmm what was the first one again": what is known of it.
        r"|^\W*(?:(?:and|so|ok|okay|wait|hmm+|um+|oh|sorry)\W+)*what(?:'s| is| was) (?:the (?:(?:first|second|third"
        r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last) one|\d{1,2}(?:st|nd|rd|th)(?: one)?)"
        r"|number \d{1,2})(?: called)?(?: again)?\W*$"
        r"|\bmore (?:info|information|details)\b|\bdetails\b"
        r"|\bwhat do you know about (?:it|that|this|the|them)\b"
        # "Who goes there?": how many people check in there is what the data knows of them.
        r"|\bwho (?:goes|go|hangs out|is) (?:there|to it|to that (?:one|place))\b|\bwhat(?:'s| is) the crowd like\b"
        r"|\bwhat(?:'s| is| are) (?:it|that|this|they|the \w+ (?:one|place|spot)|(?:that|this) (?:one|place|spot))"
        r" like\b"
        # "What's Lucky Dog like?": a place by its name (``named_words`` keeps the name).
        rf"|{_WHATS_IT_LIKE}|{_VAGUE_ABOUT_RANKED}",
    }.items()
}
# Words pointing at a place already in the conversation; "there" only where it is a place, not "is there", and
# "that" only alone ("is that far?", "where's that?"), not in "bars that aren't loud".
_REFERENCE_RE = re.compile(
    r"\b(?:it|its|it's|they|them|their|that (?:one|place|spot)|this (?:one|place|spot)|the place|that's)\b"
    r"|\b(?:is|was|'s) that\b|\bthat\s*(?:[?.!]|$)|\b(?:on|in) (?:a|the) map\b|\bmap (?:it|them|that)\b"
    # "Is there a bar?" points at nothing; "been there a lot?" does.
    r"|(?<!\bis )(?<!\bare )(?<!'s )\bthere\b(?! (?:is|are|any|an|some)\b| a\b(?! lot\b))"
    # "¿Está cerca de mi casa?" (read "esta near my home?"): Spanish and French say "it" in the verb.
    r"|^\W*(?:esta|queda|c'est|est-ce)\s+(?:muy |tres )?(?:far|close|near|lejos|cerca|loin|pres)\b",
    re.IGNORECASE,
)
_QUESTION_RE = re.compile(
    r"\?\s*$|^\W*(?:is|are|was|were|do|does|did|can|could|will|would|should|how|what|what's|whats|when|where"
    r"|which|who|tell me|i wonder)\b",
    re.IGNORECASE,
)
# Things to do are places to go ("what can we do with the kids?", "anything fun tonight?"); also read by
# ``assistant.requests`` as a request.
# Fun asked for ("somewhere fun", "fun things"): a request, of any kind (a bar may well be it).
FUN = (
    r"\b(?:something|somewhere|anything|have|for) fun\b|\bfun (?:to do|things|stuff|places?|spots?)\b"
    # "Whats fun tonight", "what's fun around here?", "where's the fun at": fun of any kind, not a question about a
    # place ("what's fun about it?").
    r"|\bwhat(?:'?s| is) (?:there )?fun\b(?! about\b| part\b)|\bwhere(?:'?s| is) (?:the )?fun\b"
    # "Entertain me", "amuse us", "something entertaining".
    r"|\b(?:entertain|amuse) (?:me|us)\b|\b(?:something|somewhere|anything) entertaining\b"
)
THINGS_TO_DO = (
    rf"\b(?:things to do|activities)\b|{FUN}"
    r"|\bwhat (?:can|could|should|shall|do) (?:i|we) do\b"
    r"|\b(?:i'?m|i am|we'?re|we are|so|getting) bored\b|\bnothing to do\b|\b(?:anything|something|stuff) \w+ to do\b"
    # Time on one's hands ("2 hrs to kill", "killing time", "what can I do for an hour").
    r"|\b(?:time|hours?|hrs?|minutes|mins|an hour|half an hour|a while) to kill\b|\bkill(?:ing)? (?:some )?time\b"
    # What is on ("what's on tonight?", "what's happening this weekend?"), not what is on a menu.
    r"|\bwhat(?:'s| is) on\b(?! (?:the|their|its|a) (?:menu|list|map)\b)|\bwhat(?:'s| is) happening\b"
    r"|\b(?:any|some) (?:free |fun |good |cool )?events\b"
)
# Asking for (other) places, not about one: a request with a topic word ("somewhere cheap", "anything open late").
_REQUEST_RE = re.compile(
    r"\b(?:recommend|suggest|suggestions|find|looking for|look for|somewhere|anywhere|anything|any ?place|places"
    # "Do they have vegan options?" asks what a kitchen offers, not for other places.
    r"|spots|(?<!vegan )(?<!vegetarian )(?<!veggie )(?<!halal )(?<!kosher )(?<!gluten-free )(?<!gluten free )options"
    r"|ideas|where can (?:i|we)|where could (?:i|we)|where should|where shall|where to|is there"
    r"|are there|what(?:'s| is) open|others?"
    r"|like (?:that|this|it|those|these)|make (?:it|them|that|this))\b"
    # "Museums that are free?", "bars that stay open late": places of a kind, asked for.
    r"|\b(?!one)\w+s (?:that|which) (?:are|have|serve|sell|open|stay)\b"
    rf"|{THINGS_TO_DO}",
    re.IGNORECASE,
)
# The place of the user's latest check-in ("the last place I went", "my last check-in").
_LAST_VISITED_RE = re.compile(
    r"\b(?:the )?(?:last|latest|most recent) (?:place|spot|one) (?:i|we) (?:went(?: to)?|visited|checked in(?: at)?"
    r"|was at|have been(?: to)?|'ve been(?: to)?|been to)\b"
    # "My last visit", not "my last visit there" (a place's own).
    r"|\bmy (?:last|latest|most recent) (?:check-?in|visit|place)\b(?! (?:there|to|at|in|here)\b)"
    # "When did I last check in anywhere?": the latest check-in, not one at a place named ("… at Starbucks").
    r"|\bwhen did (?:i|we) last check(?:ed)?[ -]?in\b(?! (?:at|to|in)\b)|\bmy (?:last|latest|most recent) check in\b"
    # "Where did I go last?", not "where did I go last week?" (the user's habits then).
    r"|\bwhere (?:did )?(?:i|we) (?:go|went) last(?=\s*(?:[?.!,]|$))|\bwhere (?:was i|were we) last(?=\s*(?:[?.!,]|$))",
    re.IGNORECASE,
)
_CHECKIN_ANYWHERE_RE = re.compile(r"\bcheck(?:ed)?[ -]?in anywhere\b", re.IGNORECASE)
# The place of the user's first check-in ("what was my first check in ever"), not the first of a list, nor the first
# visit to a place named ("my first check-in at Starbucks").
_FIRST_VISITED_RE = re.compile(
    r"(?:\bmy (?:very )?first (?:ever )?check[ -]?in(?: ever)?|\bwhen did (?:i|we) first check(?:ed)?[ -]?in"
    r"|\b(?:the )?first (?:place|spot) (?:i|we) (?:ever )?(?:went(?: to)?|visited|checked in(?: at)?))\b"
    r"(?! (?:at|to|in)\b)",
    re.IGNORECASE,
)
# "Like the one I went to yesterday", "the bar we were at last night": a past visit by its time.
VISITED_THEN_RE = re.compile(
    r"\b(?:the|that) (?:[\w'-]+ ){0,2}(?:i|we) (?:went to|visited|was at|were at|ate at|had \w+ at|checked in at|tried)"
    r" (?:yesterday|last night|this (?:morning|afternoon)|earlier(?: today)?"
    r"|(?:on|last) (?:mon|tues|wednes|thurs|fri|satur|sun)day|last weekend)\b",
    re.IGNORECASE,
)
# "Cheaper ones?", "somewhere closer?": other places than the last ones, unless the message points at one.
_OTHER_RE = re.compile(r"\b(?:cheap|pric|clos|near|quiet|calm|bus|livel)i?er\b|(?<!\bwhich )\bones\b", re.IGNORECASE)
# Words of a request for places around, unless the message points at one ("is it nearby?").
_AROUND_RE = re.compile(r"\b(?:around here|near (?:here|me)|nearby|in the area|around me)\b", re.IGNORECASE)


# A question about every place of the last list ("which of those have I been to?").
_ALL_RE = re.compile(
    r"\b(?:which|any|all|how many|none) (?:one )?of (?:those|these|them|the places|your suggestions)\b"
    r"|\bhave i been to any\b|\bwhich ones\b|^\W*which (?:have|haven'?t|did|didn'?t|are|aren'?t)\b"
    r"|^\W*which (?:one|place) (?:have|did) i (?:been|gone|go|visit(?:ed)?)\b"
    # "Any with outdoor seating?", "do they have wifi?": of each of them.
    r"|^\W*(?:and\s+)?any (?:ones? )?(?:with|that|where)\b|^\W*(?:do|are|have|did) (?:they|those|these)\b"
    # "Open now?", "cheapest?" right after a list: asked of all of it.
    r"|^\W*(?:(?:and|so|ok|okay)\W+)?(?:(?:still )?open(?: now| late| tonight| today)?|(?:the )?(?:cheapest|priciest)"
    r"(?: ones?)?)\W*$",
    re.IGNORECASE,
)


def about_all(message: str) -> bool:
    """Whether a question is about every place of the last list, not one of them."""
    return _ALL_RE.search(message) is not None


def describe_chain_visits(name: str, visits: int, places: int, last: datetime) -> str:
    """The user's visits to every place of one name ("how many times have I been to Starbucks?"), before the card
    of the one the question was matched to."""
    return (
        f"You have been to a {name} {times(visits)} in all, at {places} of its places, last on {calendar_day(last)}."
        " The one I matched:"
    )


def describe_no_chain_visits(name: str, places: int) -> str:
    """That the user has been to none of the places of one name ("how many times have I been to Starbucks?"),
    before the card of the one the question was matched to."""
    return f"You have no check-ins at any of the {places} places called {name} in my data. The one I matched:"


def describe_visits(suggestions: Sequence[Suggestion]) -> str:
    """Which of the listed places the user has been to, in their own evidence's words, and which are new."""
    been = [f"**{item.label}** ({item.evidence[-1].split(' · ')[0]})" for item in suggestions if item.is_return]
    new = [f"**{item.label}**" for item in suggestions if not item.is_return]
    if not been:
        # Said the same way whether the question was "which have I been to?" or "which are new to me?".
        if len(new) > 1:
            return f"All {len(new)} are new to you: you have been to none of them."
        return "It is new to you: you have not been there."
    text = f"Of those, you have been to {_joined(been, 'and')}"
    return f"{text}; {_joined(new, 'and')} {'is' if len(new) == 1 else 'are'} new to you." if new else f"{text}."


def asked_topics(message: str) -> tuple[Topic, ...]:
    """The topics a message asks about, in :data:`TOPICS` order (a message may ask two: "is it open and cheap?")."""
    return tuple(topic for topic in TOPICS if _TOPIC_RES[topic].search(message))


def unhonoured(message: str) -> list[str]:
    """What a request for places asks that no data holds ("somewhere cheap", "a bar with a rooftop"), as
    :data:`UNKNOWN_TOPICS` says it; children are no such ask."""
    topics = asked_topics(_EVENT_AT_RE.sub(" ", _NO_MATTER_RE.sub(" ", _FOR_CHILDREN_RE.sub(" ", message))))
    return [UNKNOWN_TOPICS[topic] for topic in topics if topic in UNHONOURED_IN_REQUESTS]


# "Something like last Saturday", "like what I did last Sunday", "similar to where we went last night": the places
# of a past day, named as the seed of look-alikes (``past_day_seed``).
_PAST_DAY_SEED_RE = re.compile(
    r"^(?:(?:what|where|the (?:places?|spots?|stuff|things?)(?: that)?) (?:i|we) (?:did|went(?: to)?|was(?: at)?"
    r"|were(?: at)?|had|ate(?: at)?|tried|visited|do|go(?: to)?)\s+)?(?:on\s+)?"
    r"(?:yesterday(?: (?:morning|afternoon|evening|night))?|last night|the other (?:day|night)|last weekend"
    r"|(?:last|this past|on) (?:mon|tues|wednes|thurs|fri|satur|sun)day(?: (?:morning|afternoon|evening|night))?)$",
    re.IGNORECASE,
)


def past_day_seed(words: str) -> bool:
    """Whether the words a look-alike request names are a past day of the user's, not a place ("something like last
    Saturday": the places they went to then)."""
    return _PAST_DAY_SEED_RE.match(words.strip()) is not None


def visited_then(message: str) -> bool:
    """Whether the message points at a place the user went to at a past time it names ("like the one I went to
    yesterday", "the bar we were at last night"): which one, the agent finds among the visits of that time."""
    return VISITED_THEN_RE.search(message) is not None


def the_last_visited(message: str) -> bool:
    """Whether the message asks about the place the user went to last ("tell me about the last place I went")."""
    return _LAST_VISITED_RE.search(message) is not None


# "A bar that's not too crowded": a relative clause of a place asked for, no pointer to one already named.
_RELATIVE_CLAUSE_RE = re.compile(
    r"\b(?:a|an|some|any|somewhere|something|anywhere|anything|places?|spots?|ones?)(?: [\w-]+){0,2} that(?:'s| is)\b",
    re.IGNORECASE,
)


def the_first_visited(message: str) -> bool:
    """Whether the message asks about the place of the user's first check-in ("what was my first check in ever")."""
    return _FIRST_VISITED_RE.search(message) is not None


def refers_to_place(message: str) -> bool:
    """Whether the message points at a place already named ("it", "that place", "there")."""
    return _REFERENCE_RE.search(_RELATIVE_CLAUSE_RE.sub(" ", message)) is not None


_FILLER_RE = re.compile(
    r"\b(?:is|are|was|were|do|does|did|can|could|will|would|should|how|what|what's|whats|when|where|which|who|tell"
    r"|me|i|you|my|your|it|its|they|them|their|the|a|an|now|today|tonight|right|still|currently|please|there|here"
    r"|of|to|at|in|on|for|with|and|or|about|know|any|far|much|long|late|good|from"
    # "Is Katz's busy on Sundays?": the time asked about names no place.
    r"|this|next|usually|tomorrow|yesterday|weekends?|weekdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|mornings?|afternoons?|evenings?|nights?"
    # "The cheapest one?" names no place called "One".
    r"|one|ones|cheapest|priciest|best|nicest|worst|most|least|nearest|closest|near|nearby|close"
    # "How many times have I been?": what is left of a visits question names no place.
    r"|been|gone|went|go|visited|ever|before|times|walking|walk)\b|[^\w\s'&-]",
    re.IGNORECASE,
)


def named_words(message: str) -> str:
    """What is left of a question once its topic, question and filler words are gone: the words that may name a
    place ("is mexican radio open now?" → "mexican radio"); "" when none are left."""
    # "Good for a big group like 8 people?": how many, not "People Magazine" (nor "for 10" a clock time).
    text = _PARTY_SAID_RE.sub(" ", message)
    text = _CLOCK_SAID_RE.sub(" ", text)  # "is the Met busy around 2pm on Saturdays?": no "around 2pm" in it
    text = _PERIOD_SAID_RE.sub(" ", text)  # "how many times did I go to Applebees last month?": no "last month"
    text = _ON_FOOT_RE.sub(" ", text)  # "how far on foot?": how, not "Foot Care Center"
    text = _WHATS_IT_LIKE_RE.sub(r"\g<liked>", text)  # "what's Lucky Dog like?": Lucky Dog
    # "Show me my visits to ding dong lounge": ding dong lounge.
    text = MY_VISITS_AT_RE.sub(lambda found: f" {_visits_name(found)} ", text)
    for pattern in _TOPIC_RES.values():
        text = pattern.sub(" ", text)
    return " ".join(_FILLER_RE.sub(" ", text).split())


# A clock time in a question ("at 1", "around 2pm", "by 7:30"): when, not part of a place's name ("Bar 13" keeps its
# number, which follows no such word).
_CLOCK_SAID_RE = re.compile(
    r"\b(?:at|around|about|by|after|before|until|till|from|for|like)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"(?!\w)|\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b(?:at|around) (?:noon|midnight)\b",
    re.IGNORECASE,
)


_ON_FOOT_RE = re.compile(r"\b(?:on|by) foot\b", re.IGNORECASE)
# How many come along ("a big group like 8 people", "10 ppl", "twelve of us", "a party of 6"): no place's name.
_COUNT = r"(?:\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty)"
_PEOPLE = r"(?:people|persons|ppl|pax|guests|adults|friends|of us)"
_PARTY_SAID_RE = re.compile(
    rf"\b(?:(?:a|an|our|my)\s+)?(?:(?:big|large|small|huge)\s+(?:group|party|crowd)s?\b|(?:group|party|table)s?"
    rf"(?=\s+(?:of|like|of like|of about|around|about)\s+{_COUNT}\b))(?:\s+(?:of|like|of like|of about|around"
    rf"|about))?(?:\s+{_COUNT})?(?:\s+{_PEOPLE})?\b|\b{_COUNT}\s+{_PEOPLE}\b",
    re.IGNORECASE,
)
# A stretch of the past a visits question names ("last month", "in December", "how often … this year"), and the
# "last" or "first" of "when was I last at …": when, not part of a place's name.
_MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
_PERIOD_SAID_RE = re.compile(
    r"\b(?:(?:this|last|past) (?:day|week|month|year|weekend)|(?:in|during|over|for|last|this past|back in|through)"
    rf" (?:{_MONTH_NAMES})(?: \d{{4}})?|yesterday|last night|how often|often"
    r"|(?:last|first)(?= (?:at|in|to|went|go|time)\b)|(?<=\blast )time|(?<=\bfirst )time|lately|recently"
    # "Been there a lot lately?", "the park bar i went to once": how often, not "Lot M" nor "Once Upon a Tart".
    r"|a lot|lots|a bunch|a ton|so much|too much|(?:once|twice)(?=\s*(?:[,.;:!?]|$|and\b|but\b)))\b",
    re.IGNORECASE,
)
# "When was I last at Joe's Pizza?": a place by its name, whatever kind its name says ("when was I last at a bar?" asks
# about the user's bars).
_NOT_A_NAME = r"(?!(?:a|an|any|one|some|the (?:last|first)|the \w+ one|it|there|that|this|those|these|them)\b)"
# "How many times did I go to the gym?" asks of a kind, not of a place by its name.
_A_NAME = r"(?!(?:a|an|any|one|some|the|my|it|there|that|this|those|these|them)\b)"
_VISIT_AT_NAMED_RE = re.compile(
    rf"\bwhen (?:was|were) (?:i|we) (?:last |first )?(?:at|in) {_NOT_A_NAME}"
    # "How many times have I been to Joe's Pizza?", "when did I last go to Katz's?", "how long since I went to …"
    rf"|\bhow many times (?:have|had|did|was|were) (?:i|we)(?: been| go| gone| visit(?:ed)?)? (?:to|at|in)"
    rf" {_A_NAME}"
    rf"|\bwhen did (?:i|we) (?:last |first )?(?:go|went) (?:to|at) {_A_NAME}"
    rf"|\bhow long since (?:i|we)(?: last)? (?:went|was|were|been) (?:to|at|in) {_A_NAME}"
    # "Have I been to Marquee", "have i ever been to joe's pizza": a name, even with no "?" or with a kind in it ("the
    # Strand" too; "have I been to the gym?" is read as the user's gyms, ``assistant.requests._KIND_VISIT_RE``).
    rf"|^\W*(?:(?:so|and|ok|okay|hey|wait),? )?(?:have|had) (?:i|we) (?:ever |already |actually )?been (?:to|at|in)"
    rf" {_NOT_A_NAME}(?!(?:my|our)\b)",
    re.IGNORECASE,
)


# "Show me my visits to Ding Dong Lounge", "my check-ins at Mijana", "list every time I went there": the user's visits
# to one place (``name``), asked as a list rather than a question; the name may hold a kind's word ("lounge") and
# still be one place's (``assistant.requests`` keeps "my check-ins at bars" the user's bars).
_VISITS_WORD = r"(?:visits?|check-?ins?|checkins|visitas|visites)"
_OFTEN = (
    r"(?:a lot|lots|a bunch|(?:very |that |too |so )?(?:often|much)|regularly|frequently|all the time|every week"
    r"|more than (?:i should|i think))"
)
_VISITS_END = r"\s*(?=[?.!]|$|\s(?:in|on|during|since|last|this|before|after|from|for)\b|\s(?:please|pls|thanks)\W*$)"
MY_VISITS_AT_RE = re.compile(
    r"^\W*(?:(?:ok|okay|so|and|now|hey|please|pls|can you|could you|can i see)\W+)*"
    r"(?:(?:show|list|give|tell|see|pull up|get)(?: me| us)?(?: all| each)?(?: of)? )?"
    rf"(?:(?:(?:all |each of |every one of )?(?:my|our) )?(?:past |previous |recent |last |\d+ )?{_VISITS_WORD}"
    r"|(?:every|each|all the) times? (?:i|we) (?:went|was|were|have been|'ve been|been|checked in|visited)"
    # "How often do I go to Ding Dong Lounge?", "how frequently am I at Mijana?"
    r"|how (?:often|frequently|regularly) (?:do|did|have|am|was|were) (?:i|we)"
    r"(?: (?:go|went|gone|been|come|check in|hang out|eat|drink))?"
    # "Which days did I go to Ding Dong Lounge?", "what dates was I at Mijana?"
    r"|(?:which|what) (?:days?|dates?) (?:did|have|was|were) (?:i|we)(?: (?:go|went|gone|been|come|check in))?)"
    # "Mis visitas a Mijana", "mes visites à Mijana" are read as "my visitas a mijana".
    r"\s+(?:(?:to|at|in|a|à|en|chez)\s+|(?=(?:there|here)\b))"
    rf"(?P<name>(?!(?:in|on|during|since|last|this|before|after|from|for)\b)[^?.!,;]{{2,60}}?){_VISITS_END}"
    # "My Ding Dong Lounge check-ins": the name before the word.
    r"|^\W*(?:(?:ok|okay|so|and|now|hey|please|pls|can you|could you|can i see)\W+)*"
    r"(?:(?:show|list|give|tell|see|pull up|get)(?: me| us)?(?: all| each)?(?: of)? )?(?:all )?(?:my|our) "
    rf"(?P<before>(?!(?:past|previous|recent|latest|last|first|most recent|\d+)\b)[^?.!,;]{{2,60}}?)"
    rf" {_VISITS_WORD}{_VISITS_END}"
    # "Do I go to Ding Dong Lounge a lot?", "am I at Mijana too often?": how often, said after the name.
    r"|^\W*(?:(?:ok|okay|so|and|now|hey|wait|honestly)\W+)*(?:do|did|am|are|was|were) (?:i|we)"
    r"(?: (?:really|actually|still))?(?: (?:go|get|come|head|hang out|hang|end up|eat|drink|check in))?"
    # ("Am I at home a lot?", "do I go to the same place a lot?" name no place.)
    r" (?:to|at|in) (?P<often>(?!(?:the )?(?:same|this|that|these|those|home|work|school|my|our)\b)"
    rf"[^?.!,;]{{2,60}}?)\s+{_OFTEN}\W*$",
    re.IGNORECASE,
)


# "Every time I went there in November", "list all my visits to Mijana", "which days did I go to Ding Dong Lounge?":
# each visit's day asked for, not how many ("how often do I go to …" asks how many).
_VISIT_DATES_RE = re.compile(
    r"\b(?:every|each|all the) times? (?:i|we) (?:went|was|were|have been|'ve been|been|checked in|visited)\b"
    rf"|\b(?:list|show|give|pull up|see|tell)\b(?: me| us)?(?: all| each| every one)?(?: of)?(?: my| our)"
    rf"(?: past| previous| \w+)? {_VISITS_WORD}\b|\ball (?:of )?(?:my|our) {_VISITS_WORD}\b"
    r"|\b(?:which|what|on which) (?:days?|dates?) (?:did|have|was|were) (?:i|we)\b"
    r"|\bwhen (?:all|exactly) (?:did|have) (?:i|we) (?:go|gone|been|went)\b|\bthe dates? of (?:my|our) visits?\b",
    re.IGNORECASE,
)


def visit_dates_asked(message: str) -> bool:
    """Whether a question about the user's visits to a place asks for each visit's day ("every time I went there",
    "list all my visits to Mijana", "which days did I go to …"), not only how many or the last."""
    return _VISIT_DATES_RE.search(message) is not None


def my_visits_named(message: str) -> str | None:
    """The place's words of "my visits to …", "every time I went to …", "how often do I go to …" or "my … visits"
    ("show me my visits to ding dong lounge" → "ding dong lounge", "… there" → "there"), else None."""
    found = MY_VISITS_AT_RE.search(message)
    return _visits_name(found).strip() if found is not None else None


def _visits_name(found: re.Match[str]) -> str:
    """The place's words of a ``MY_VISITS_AT_RE`` match, whichever way round it was said."""
    return found["name"] or found["before"] or found["often"]


def asks_a_named_visit(message: str) -> bool:
    """Whether a message asks when the user was at a place it names ("when was I last at Joe's Pizza?")."""
    return _VISIT_AT_NAMED_RE.search(message) is not None


# "Book me a table", "can you reserve a table for two": a booking asked for.
_BOOK_IT_RE = re.compile(
    r"^\W*(?:(?:ok|okay|great|cool|so|and)\W+)*(?:(?:can|could|would) (?:you|u) |please |pls )?"
    r"(?:book|reserve|make (?:a|me a|us a) reservation)\b",
    re.IGNORECASE,
)


def place_question(message: str, *, picked: bool, kind_named: bool) -> tuple[Topic, ...]:
    """The topics when the message asks about one place, else (): a question ("…?", "is", "how far…") or a pointer
    to a suggestion ("the third one", "it") about a topic, and no ask for other places. ``picked``: the message
    picks a suggestion by its number; ``kind_named``: it names a kind of place that is not "the" kind of one
    ("a café", not "the café"), which, like "around here", makes a question that points at no place a request."""
    topics = asked_topics(message)
    # "What was my last check-in?", "what was my first check in ever?"; "when did I last check in anywhere?" asks for
    # no place anywhere.
    unasked = not _REQUEST_RE.search(_CHECKIN_ANYWHERE_RE.sub("check in", message))
    if (the_last_visited(message) or the_first_visited(message)) and unasked:
        return topics or ("general",)
    if not topics or _REQUEST_RE.search(message):
        return ()
    if topics == ("booking",) and _BOOK_IT_RE.match(message):
        return topics  # "book me a table": no booking is possible, whichever place is meant
    # "Have I been to any of these?", "the last one, how far": about places of the list.
    if picked or refers_to_place(message) or about_all(message) or _POINTED_RE.match(message):
        return topics
    if "visits" in topics and asks_a_named_visit(message):  # "when was I last at Joe's Pizza?": a name
        return topics
    if "route" in topics and not kind_named and not _AROUND_RE.search(message):
        return topics  # "get me to the Met", "directions to Union Square": a way asked, no question mark needed
    if kind_named or _AROUND_RE.search(message) or _OTHER_RE.search(message) or not _QUESTION_RE.search(message):
        return ()
    return topics


def describe_place(
    details: PlaceDetails,
    topics: Sequence[Topic],
    language: str = "en",
    origin: str | None = None,
    asked_time: bool = False,
    quiet: bool = False,
    *,
    guessed_here: bool = False,
) -> str:
    """The answer to a question about a place: what the data never says, when asked, then what it does say,
    the asked details first. ``origin`` names where ``details.distance_km`` is measured from when that is not the
    user ("is it far from Central Park?"); ``asked_time``: the details are for a time the question named ("is it busy
    on Sundays?"), not for now; ``quiet``: the question is when it is quiet, so the quietest day parts are said;
    ``guessed_here``: where the user is was guessed (their last check-in, their usual place), not said."""
    unknown = [UNKNOWN_TOPICS[topic] for topic in topics if topic in UNKNOWN_TOPICS]
    lines = _fact_lines(details, origin, asked_time, quiet, language, guessed_here=guessed_here)
    # An address is asked for where the place is: the map is the answer there is.
    asked: set[str] = {*topics, "where"} if "address" in topics else set(topics)
    if "hours" in topics:  # "is it still open?": when people check in there is the nearest the data comes
        asked.add("busy")
    label = label_in(details.label, language)  # "una casa (privada)" for an unnamed place
    heading = fixed_text("card_heading", language).format(place=label)
    if "route" in topics:  # "how do I get to Union Square?": no route, but how far and where it is, first
        asked |= {"distance", "where"}
    if "going" in topics:  # how to get there comes first
        asked |= {"distance", "where"}
        heading = f"{fixed_text('card_enjoy', language).format(place=label)} {heading}"
    first = [line for topic, line in lines if topic in asked]
    rest = [line for topic, line in lines if topic not in asked]
    card = "\n".join(f"- {line[:1].upper()}{line[1:]}" for line in [*first, *rest])
    if unknown:
        return f"{no_details(unknown, language)} {heading}\n{card}"
    return f"{heading}\n{card}"


def no_details(unknown: Sequence[str], language: str = "en") -> str:
    """The sentence saying the data has none of ``unknown`` (``UNKNOWN_TOPICS`` values) for any place, each named in
    the reply's ``language``."""
    if language == "en":
        return fixed_text("no_details", language).format(what=_joined(unknown))
    named = [UNKNOWN_TOPICS_IN[language][_TOPIC_OF[what]] for what in unknown]
    return fixed_text("no_details", language).format(what=_NOR[language].join(named))


def walking_minutes(distance_km: float) -> int | None:
    """A rough walk in minutes for a straight-line distance, None beyond a walk's reach."""
    if distance_km > WALK_AT_MOST_KM:
        return None
    return max(1, round(distance_km * DETOUR / WALKING_KMH * 60))


def map_link(latitude: float, longitude: float) -> str:
    """An OpenStreetMap link centred on a point (nothing is fetched: the user follows it or not)."""
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}#map=18/{latitude:.5f}/{longitude:.5f}"
    )


def _fact_lines(
    details: PlaceDetails,
    origin: str | None = None,
    asked_time: bool = False,
    quiet: bool = False,
    language: str = "en",
    *,
    guessed_here: bool = False,
) -> list[tuple[Topic, str]]:
    # English puts an article before a category ("a Park"); Spanish and French say the kind bare, in their own words
    # ("Parque, en SoHo"), as their templates expect.
    def kind_of(category: str) -> str:
        return with_article(category) if language == "en" else category_name(category, language)

    kind = kind_of(details.category)
    if details.area:
        kind = fixed_text("card_kind_in", language).format(kind=kind, area=details.area)
    # "The Flat": a Bar in the 2012 check-ins, a Café by its listing today; both are said.
    if details.listed_as:
        kind += fixed_text("card_listed_now", language).format(kind=kind_of(details.listed_as))
    map_line = fixed_text("card_map", language).format(link=map_link(details.latitude, details.longitude))
    return [
        ("kind", kind),
        (
            "distance",
            _distance(
                details.distance_km, origin, language, walkable=not details.across_the_hudson, guessed=guessed_here
            ),
        ),
        ("where", map_line),
        ("busy", _busy(details, asked_time, quiet, language)),
        ("visits", visits_said(details, language)),
    ]


def _distance(
    km: float, origin: str | None = None, language: str = "en", *, walkable: bool = True, guessed: bool = False
) -> str:
    if km < 0.05:
        if origin:
            return fixed_text("card_right_at", language).format(origin=origin)
        # Measured from a guess (the user's last check-in, where they usually are): no "right where you are".
        return fixed_text("card_right_here_guessed" if guessed else "card_right_here", language)
    minutes = walking_minutes(km) if walkable else None
    walk = ""
    if minutes is not None:
        walk = fixed_text("card_walk_one" if minutes == 1 else "card_walk", language).format(minutes=minutes)
    where = origin or fixed_text("you", language)
    return fixed_text("card_distance", language).format(km=f"{km:.1f}", origin=where) + walk


def _busy(details: PlaceDetails, asked_time: bool = False, quiet: bool = False, language: str = "en") -> str:
    if details.checkins is None:
        return fixed_text("card_too_few", language)
    one_checkin, checkins, one_person, people = _listed("card_checkin_words", language)
    text = fixed_text("card_checkins", language).format(
        checkins=counted(details.checkins, one_checkin, checkins),
        people=counted(details.people or 0, one_person, people),
    )
    few, both = fixed_text("card_few", language), f" {fixed_text('card_and', language)} "
    if quiet and details.quietest:  # "when is it quiet?": the day parts with the fewest check-ins
        parts = _joined([_slice(item, language) for item in details.quietest], fixed_text("card_and", language))
        fewest = few if details.quietest_withheld else details.quietest[0].visits
        text += (
            f"; {fixed_text('card_fewest', language)} {parts} ({fewest or fixed_text('card_closed_then', language)})"
        )
    if details.busiest:
        busiest = both.join(f"{_slice(item, language)} ({item.visits})" for item in details.busiest)
        text += f"; {fixed_text('card_busiest', language)} {busiest}"
    # "On Sundays" asked is no "now".
    now = _slice(details.now, language) + ("" if asked_time else fixed_text("card_now", language))
    if details.now_withheld:
        return f"{text}; {now} {few}"
    return f"{text}; {now}: {details.now.visits or fixed_text('card_none', language)}"


def describe_checkins_then(places: Sequence[PlaceDetails], asked_time: bool = False) -> str:
    """'Check-ins on Saturday nights (now): **Ace Bar** 12; none at **Lucky Cat**.': how many check-ins each of the
    listed places has in the slice of the week asked about (the closest the data comes to opening hours), a count
    too few people make said as a few."""
    then = _slice(places[0].now) + ("" if asked_time else " (now)")
    counted_ones = [f"**{d.label}** {d.now.visits}" for d in places if d.now.visits and not d.now_withheld]
    few = [f"**{d.label}**" for d in places if d.now_withheld]
    none = [f"**{d.label}**" for d in places if not d.now.visits and not d.now_withheld]
    said = [", ".join(counted_ones)] if counted_ones else []
    if few:
        said.append(f"a few, by too few people to count, at {_joined(few, 'and')}")
    if none:
        said.append(f"none at {_joined(none, 'or')}")
    return f"Check-ins {then}: {'; '.join(said)}."


def visits_said(details: PlaceDetails, language: str = "en") -> str:
    """The user's visits to the place in words: 'you have been here 8 times, first on May 15, 2012, last on …'."""
    if details.your_visits == 0 or details.your_last is None:
        return fixed_text("card_new_to_you", language)
    once, twice, many = _listed("card_times", language)
    visits = details.your_visits
    said = once if visits == 1 else twice if visits == 2 else many.format(n=f"{visits:,}")
    last = said_day(details.your_last, language)
    if details.your_first is not None and visits > 1:
        first = said_day(details.your_first, language)
        return fixed_text("card_been_since", language).format(times=said, first=first, last=last)
    return fixed_text("card_been", language).format(times=said, last=last)


def said_day(moment: datetime, language: str) -> str:
    """'May 29, 2012', '29 de mayo de 2012', '29 mai 2012'."""
    if language == "en":
        return calendar_day(moment)
    month = _listed("card_months", language)[moment.month - 1]
    return fixed_text("card_date", language).format(month=month, day=moment.day, year=moment.year)


def _slice(item: WeekSlice, language: str = "en") -> str:
    """'on Friday evenings'; 'in the evenings' or 'at night' for a day part on every day; 'on weekends'; in
    ``language``."""
    weekday = _WEEKDAY_INDEX.get(item.weekday) if item.weekday else None
    if item.daypart is None:
        if weekday is None:
            return _listed("card_weekend", language)[1]  # any day
        if weekday == len(WEEKDAYS):
            return _listed("card_weekend", language)[0]
        return _listed("card_weekdays", language)[weekday]
    part = DAYPARTS.index(item.daypart)
    if weekday is not None:
        day = _listed("card_weekday_names", language)[weekday]
        return _listed("card_weekday_dayparts", language)[part].format(day=day)
    return _listed("card_dayparts", language)[part]


# A slice's weekday by its index in the fixed texts' lists, the weekend after Sunday.
_WEEKDAY_INDEX = {name: index for index, name in enumerate([*WEEKDAYS, WEEKEND])}


def _listed(name: str, language: str) -> list[str]:
    """A fixed text that lists words ("once|twice|{n} times"), as its words."""
    return fixed_text(name, language).split("|")


def _joined(parts: Sequence[str], conjunction: str = "or") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


__all__ = [
    "DETOUR",
    "EVENT_AT",
    "FUN",
    "MORE_TASTE_RE",
    "PARTY_RE",
    "THINGS_TO_DO",
    "TOPICS",
    "UNHONOURED_IN_REQUESTS",
    "UNKNOWN_TOPICS",
    "UNKNOWN_TOPICS_IN",
    "VISITED_THEN_RE",
    "WALKING_KMH",
    "Topic",
    "about_all",
    "asked_topics",
    "asks_a_named_visit",
    "describe_chain_visits",
    "describe_checkins_then",
    "describe_no_chain_visits",
    "describe_place",
    "describe_visits",
    "map_link",
    "my_visits_named",
    "named_words",
    "no_details",
    "place_question",
    "refers_to_place",
    "said_day",
    "the_first_visited",
    "the_last_visited",
    "unhonoured",
    "visit_dates_asked",
    "visited_then",
    "walking_minutes",
]


def describe_my_slices(place: str, slices: Sequence[WeekSlice], language: str = "en") -> str:
    """'You go to **San Marco Pizzeria** most on Tuesday evenings (4), Thursday evenings (4) and …': the user's own
    visits there by slice of the week ("what days do I usually go there?"); that they have none, else."""
    if not slices:
        return fixed_text("my_slices_none", language).format(place=place)
    parts = [f"{_slice(item, language)} ({item.visits})" for item in slices]
    joined = _joined(parts, fixed_text("card_and", language))
    return fixed_text("my_slices", language).format(place=place, slices=joined)
