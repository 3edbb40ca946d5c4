"""Claim-level grounding: what a sentence says about a place must be what that place's evidence and catalogue say.

``assistant.grounding`` checks which venues a reply NAMES; this module checks what each sentence SAYS of them. A
reply is cut into sentences (grounding's splitting), each sentence is tied to the places it speaks of (grounding's
name matching), and seven kinds of claims are found in it and checked against those places' :class:`PlaceFacts`:

- visit: "you went", "you've been", "you often go", "your usual", "again", "back to", "return", "a place you know"
  hold only for a place the user has been to (``is_return``; for a place only the evidence names, an evidence line
  about it that speaks of the user). Negated ("you haven't been there yet") they hold only for a new place. When the
  verb's object is a kind of place or a thing ("you often go to coffee shops", "you love jazz"), the claim is about
  the user's habits and holds when a line about the user says it (the place's evidence, the context summary, the
  user's own message).
- category: a kind-of-place word ("a bar", "the coffee shop", "(Burger Joint, 0.7 km)") must match the place's
  category or a level of its category path (or that level's last word, or a listed synonym). The kind words are the
  catalogue's own, the Spanish and French names code gives them ("es un gimnasio", "est une salle de sport") and the
  other names people use for them (``profiles/category_other_names.toml``: "una donutería", "une salle de gym"); a
  Spanish or French word names its kinds one way only ("tienda" is true of a donut shop and of a grocery store, which
  does not make one the other). Generic words ("spot", "place", "venue", "lugar", "endroit", "oficina") are always
  fine.
- time: a weekday or day part ("Saturday mornings", "on a Friday afternoon", "evenings") must appear in the place's
  evidence, or in what is true of the turn itself (the user's message, the hour of the context).
- count: "12 visits", "twice", "35 check-ins", "29 people", "16%" must appear in the place's evidence; the user's
  "times" and "visits" and everyone's "check-ins" are counted apart.
- distance: "0.4 km", "400 m" must match the place's distance or a distance in its evidence (within 10%, at least
  50 m); minutes and blocks must appear in the evidence as they are (code never writes them); nearness in words
  ("a short walk", "around the corner") must be true of the place's distance.
- popularity: "popular", "busy", "crowded", "a favourite of", "visited by many people", "lots of visitors", "muy
  concurrido", "très fréquenté", and the "popularity" opinion family ("always packed", "a neighbourhood staple",
  "draws a big following", "siempre lleno", "très prisé") need an evidence line that says the place is popular; an
  audience ("students", "locals", "art enthusiasts") must be named by an evidence line.
- area: a neighbourhood or borough a place is put in ("a Mexican restaurant in Brooklyn", "near Times Square", "à
  SoHo", "on the Upper West Side"; not "from Times Square", a distance's origin) must be where its coordinates are:
  near an area (``assistant.gazetteer.is_in_area``: the borough whose outline holds the place, and for a
  neighbourhood within 2.5 km of its centre), in it only if it is the place's own neighbourhood
  (``assistant.gazetteer.is_in_own_area``). Only the last place named before it in the sentence is held to it (in a
  sentence that names none, "It's located in Brooklyn", the last place named earlier), and not across a "you"
  ("Joe's, since you go to cafés around the West Village" speaks of the user).
- unknown: what no data here holds: opening hours ("open now", "open until 2am", "closes at"), prices ("cheap",
  "affordable", "pricey", "$12"), what a place is like ("cozy", "delicious", "a warm atmosphere", "known for its
  menu", "famous", "quiet", "lively", "a new donut shop" where the evidence says "new to you", "the best place for
  dumplings in New York", "the best place for a beach day"; the "reputation", "ambience" and "quality" opinion
  families: "a hidden gem", "famous for", "stylish", "top-notch", "una joya escondida", "branché"), what it offers
  ("new equipment and classes", "serves pasta", "a wide selection of wines", "a great beer list", "to watch the
  game", "to buy art supplies"), ratings
  ("4.1 out of 5 stars", "great reviews") and where the user lives or works ("your office", "near your home") hold
  only when an evidence line says the same kind of thing, which the product's evidence never does (these are also
  read in Spanish and French: "une note de 4.6 sur 5", "delicioso y barato", "chez vous", "ofrece", "propose",
  "tranquilo", "animé", "el mejor lugar para"; as are kinds, popularity and areas; every other claim is read in
  English only); hedged ("check whether it is open", "not sure if it's cheap") they are not claims. What a place
  offers and where the user is hold too when the user's message said the same words ("near the office", "live
  music"); what a place is like never does ("somewhere quieter" makes no place quiet).
  Drinks ("a great place to grab a drink", "good for a beer after work", "un buen sitio para tomar algo", "un bon
  endroit pour boire un verre") are what a place offers too, and hold of the kinds of place that pour them, as meals
  and dishes hold of the kinds that serve them: bars and the rest of nightlife and sit-down restaurants, and for a
  drink of any sort cafés too; never a gym or a bank, whatever the user asked for. The drink is the place's it is had
  at ("after Crunch, grab a drink at Stout NYC"), else the nearest place's.

Which place a claim is about: visit and category claims go to the nearest place named in their sentence (a visit
verb's own object first; for a kind word, the nearest suggestion when the nearest place is one only the evidence
names, whose kind is unknown); time, count, distance and popularity claims hold if they are true of any place the
sentence names. A sentence that names no place, or speaks through a pronoun ("it", "there"), is also about the places
of the last earlier sentence that named one; with none, it is checked against every place of the turn.

Heuristics, chosen so that a true sentence copied or paraphrased from the evidence passes: kind words count only in
a predicate or apposition ("a", "the", "its", "are" before at most three other words, or "(" right after a name),
not after a preposition, a possessive or "has" ("near a park", "your home", "it has a bar"); words inside a place's
name are never claims ("Milk Bar"), nor are those of a kind the check holds ("HK Catwalk is a Scenic Lookout", "a
Student Center": no view, no audience; "un sitio al aire libre": no "aire de jeux"); times after "this", "tomorrow"
or "next" speak of the turn, not the place, and are not checked; present-tense visits after "if" or "when" are
conditions, not claims; negated popularity ("less crowded") is not checked. What no sentence pattern here catches (a
place's menu or ambience in other words, or where one place is relative to another) is not checked.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from assistant.gazetteer import find_neighbourhoods, is_in_area, is_in_own_area
from assistant.grounding import Mention, NameIndex, Token, check_reply, sentence_spans, tokens
from assistant.requests import DISH_WORDS, DISHES, DRINKING_KINDS
from assistant.service import Explanation, Suggestion, digest
from assistant.spelling import expand_shorthand, fold
from profiles.calendar import DAYPARTS, WEEKDAYS
from profiles.places import (
    CATEGORY_SEPARATOR,
    category_name,
    category_with_article,
    is_of_kind,
    other_names,
    with_article,
)
from prompts import fixed_text

if TYPE_CHECKING:
    from profiles.context import InterestContext

ClaimKind = Literal["visit", "category", "time", "count", "distance", "popularity", "area", "unknown"]
Key = tuple[str, ...]


# ---- what is true -------------------------------------------------------------------------------------------------


class PlaceFacts(BaseModel):
    """What is true of one place a reply may speak of: its catalogue entry and its code-written evidence lines.

    ``suggested`` is False for a place that only the evidence names ("similar to Joe's, where you went recently"):
    its facts are the lines that name it, and it has no category or distance of its own.
    """

    model_config = ConfigDict(frozen=True)

    item_id: str
    name: str
    category: str = ""
    category_path: str = ""
    is_return: bool = False
    distance_km: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    evidence: tuple[str, ...] = ()
    suggested: bool = True

    @classmethod
    def of(cls, suggestion: Suggestion, extra: Sequence[str] = ()) -> PlaceFacts:
        """The facts of a suggestion; ``extra`` evidence lines (an explanation's) are added after its own."""
        return cls(
            item_id=suggestion.item_id,
            name=suggestion.label,
            category=suggestion.category,
            category_path=suggestion.category_path,
            is_return=suggestion.is_return,
            distance_km=suggestion.distance_km,
            latitude=suggestion.latitude,
            longitude=suggestion.longitude,
            evidence=tuple(dict.fromkeys([*suggestion.evidence, *extra])),
        )


class Situation(NamedTuple):
    """What is true of the turn itself, whatever place a sentence speaks of."""

    when: tuple[str, ...] = ()  # lines whose weekday and day-part words are true now: the message, the context hour
    habits: tuple[str, ...] = ()  # lines about the user's habits and wishes: the context summary, the message

    @classmethod
    def of(cls, message: str, context: InterestContext | None = None) -> Situation:
        """A turn's situation: the user's message, and the hour and summary of their interest context."""
        if context is None:
            return cls(when=(message,), habits=(message,))
        return cls(when=(message, context.now), habits=(message, digest(context).summary()))


NO_SITUATION = Situation()


def turn_places(
    suggestions: Sequence[Suggestion],
    explanation: Explanation | None,
    shown: Mapping[str, Suggestion],
    allowed: Mapping[str, str],
) -> list[PlaceFacts]:
    """The facts a turn's reply may draw on: each suggestion, the explained place (its suggestion's facts and the
    explanation's lines), and each other place in ``allowed`` (item id → name), which only the evidence names."""
    places = {item.item_id: PlaceFacts.of(item) for item in suggestions}
    if explanation is not None:
        base = shown.get(explanation.item_id)
        places[explanation.item_id] = (
            PlaceFacts.of(base, explanation.evidence)
            if base is not None
            else PlaceFacts(
                item_id=explanation.item_id,
                name=explanation.name,
                evidence=tuple(explanation.evidence),
                is_return=any(_BEEN_HERE_RE.search(line) for line in explanation.evidence),
            )
        )
    lines = [line for place in places.values() for line in place.evidence]
    for item_id, name in allowed.items():
        if item_id not in places and name:
            naming = tuple(line for line in lines if name.casefold() in line.casefold())
            places[item_id] = PlaceFacts(
                item_id=item_id,
                name=name,
                evidence=naming,
                is_return=any(_about_user(line) for line in naming),
                suggested=False,
            )
    return list(places.values())


# ---- what a sentence claims ---------------------------------------------------------------------------------------


class Claim(BaseModel):
    """One checkable thing a sentence says, where it says it (offsets in the reply), and its normalised value."""

    model_config = ConfigDict(frozen=True)

    kind: ClaimKind
    text: str
    start: int
    end: int
    value: tuple[str, ...] = ()
    negated: bool = False

    @classmethod
    def found(
        cls, kind: ClaimKind, match: re.Match[str], offset: int, value: tuple[str, ...] = (), negated: bool = False
    ) -> Claim:
        """The claim a pattern's ``match`` in a sentence makes (``offset``: the sentence's start in the reply)."""
        return cls(
            kind=kind,
            text=match.group(0),
            start=offset + match.start(),
            end=offset + match.end(),
            value=value,
            negated=negated,
        )


class CheckedClaim(BaseModel):
    """A claim, the places it was checked against, and whether their facts support it (if not, why)."""

    model_config = ConfigDict(frozen=True)

    claim: Claim
    sentence: str
    places: tuple[str, ...] = ()
    supported: bool
    reason: str = ""

    def record(self) -> dict[str, str]:
        """The claim as ``Turn.grounding`` lists it."""
        return {"sentence": self.sentence, "claim": self.claim.text, "kind": self.claim.kind, "reason": self.reason}


class SentenceReport(BaseModel):
    """One sentence of a reply: the places it names and those it speaks of (item ids), and its checked claims."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str
    named: tuple[str, ...] = ()
    about: tuple[str, ...] = Field((), description="The places named, then those a pronoun refers back to.")
    claims: tuple[CheckedClaim, ...] = ()

    @property
    def ok(self) -> bool:
        return all(checked.supported for checked in self.claims)


class ClaimReport(BaseModel):
    """Every claim of a reply, sentence by sentence, checked against the facts of the places it speaks of."""

    model_config = ConfigDict(frozen=True)

    sentences: tuple[SentenceReport, ...] = ()

    @property
    def checked(self) -> list[CheckedClaim]:
        return [checked for sentence in self.sentences for checked in sentence.claims]

    @property
    def unsupported(self) -> list[CheckedClaim]:
        return [checked for checked in self.checked if not checked.supported]

    @property
    def ok(self) -> bool:
        return not self.unsupported

    def records(self, unsupported: bool = False, **extra: Any) -> list[dict[str, Any]]:
        """The checked (or only the unsupported) claims as plain dicts, each with ``extra`` keys added."""
        return [{**checked.record(), **extra} for checked in (self.unsupported if unsupported else self.checked)]


# ---- words -------------------------------------------------------------------------------------------------------


def _lower(word: str) -> str:
    """A word without case, accents or apostrophes ("Isn't" → "isnt"), to compare with the word lists here."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode() or word
    return plain.casefold().replace("'", "").replace("’", "")


def _plain(word: str) -> str:
    """A word's matching key for kinds: ``_lower`` and singular ("Cafés" → "cafe")."""
    return _singular(_lower(word))


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


def _key(text: str) -> Key:
    """A phrase's matching key: its words' keys ("Food & Drink Shops" → ("food", "and", "drink", "shop"))."""
    return _key_words(tokens(text))


def _key_words(words: Sequence[Token]) -> Key:
    return tuple("and" if word.text == "&" else _plain(word.text) for word in words)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Kind words that are always fine: they say "a place", not which kind.
GENERIC_KINDS = _words(
    """spot place venue option choice pick destination location establishment hangout haunt joint gem find stop
    area neighborhood neighbourhood city town district street home office building event one thing"""
)
# Synonyms: a sentence may call a place by any word of its group ("a café" for a Coffee Shop).
_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("cafe", "coffee shop", "coffeehouse", "coffee house"),
    ("pizza place", "pizzeria", "pizza joint", "pizza shop"),
    ("burger joint", "burger place", "burger bar"),
    ("nightclub", "night club", "club"),
    ("bar", "pub", "tavern", "saloon"),
    ("gym", "fitness center", "fitness centre"),
    ("movie theater", "movie theatre", "cinema"),
    ("theater", "theatre"),
    ("deli", "bodega"),
    ("restaurant", "eatery"),
)
# The last word of a kind that is too everyday to be a kind on its own ("the house wine", "a room").
_EVERYDAY_HEADS = _words("house room center centre hall space service stand court field lot point line way private")
# Before the article of a kind word, these make it another place's, or something the place has ("near a park",
# "if you want a bar", "take the subway", "it has a bar").
_NOT_ABOUT_IT = _words(
    """to at near by from after before than like of beside behind past around with into in for towards toward
    across opposite unlike besides instead about among between off outside inside within along through over under
    up down onto want wants need needs prefer fancy crave seek find found visit visiting take catch ride has have
    had offers offer features boasts includes
    de del d al au aux en dans para pour por par con avec cerca pres sin sans como comme desde depuis hacia vers
    entre chez sur sous tras apres despues antes avant busca buscas cherche cherches cherchez quieres veux voulez
    necesitas prefieres preferes tiene tienes hay visitar visiter ver voir prendre tomar boire beber manger comer
    trouver encontrar disfrutar profiter"""
)
# "Es un gimnasio", "est une salle de sport": the same predicates in Spanish and French.
_DETERMINERS = _words(
    "a an the this that another its are these those both un una unos unas une des el la los las le les es est son sont"
)
# Spanish and French kind names that say only "a place", as the generic English ones do ("un lugar", "un endroit").
_GENERIC_TRANSLATIONS = _words("lugar sitio endroit lieu local zona quartier barrio espacio espace ciudad ville")
_POSSESSIVES = _words("your yours my our his her their")
_NEGATORS = _words("not no never nor")
_PRONOUNS = _words("it its itself there they them their both")


class KindWords:
    """The kinds of place a sentence may name, from the catalogue's categories and category-path levels, in English,
    and in the Spanish and French names code's own sentences give them (``profiles.places.category_name``) or that
    people use for them (``profiles.places.other_names``: "una donutería", "une salle de gym")."""

    def __init__(self, kinds: Iterable[str]) -> None:
        kinds = list(kinds)
        keys: set[Key] = set()
        for kind in kinds:
            for part in _parts(kind):
                key = _key(part)
                if key:
                    keys.add(key)
                    # The last word of a specific kind ("Jazz Club" → "club") is a kind too; not of "X and Y" levels
                    # ("Dining and Drinking") nor of a bracket ("Home (private)").
                    head = _key(re.sub(r"\(.*?\)", "", part))[-1:]
                    if len(key) > 1 and "and" not in key and head and head[0] not in _EVERYDAY_HEADS:
                        keys.add(head)
        # English synonyms are one group each ("a café" is a "coffee shop" and back).
        self.synonyms: dict[Key, frozenset[Key]] = {}
        for group in _SYNONYMS:
            members = frozenset(_key(word) for word in group)
            if members & keys:
                keys |= members
                for member in members:
                    self.synonyms[member] = self.synonyms.get(member, frozenset()) | members
        # A Spanish or French word names its English kinds one way only: "tienda" is true of a Donut Shop and of an
        # Arts & Crafts Store, which does not make a donut shop an arts and crafts store.
        translations: dict[Key, set[Key]] = {}
        meanings: dict[Key, set[Key]] = {}
        for english, translated in _translations(kinds):
            keys.add(translated)
            translations.setdefault(english, set()).add(translated)
            meanings.setdefault(translated, set()).add(english)
        self.translations = {key: frozenset(words) for key, words in translations.items()}
        self.meanings = {key: frozenset(words) for key, words in meanings.items()}
        # What Spanish and French call a generic kind is as generic ("una oficina", "un bureau", "un edificio").
        generic = {(word,) for word in GENERIC_KINDS} | _generic_translations(kinds)
        self.keys = frozenset(key for key in keys if key not in generic)
        self.generic = frozenset(generic)
        # A Spanish or French name that says "a place of …" ("un sitio al aire libre", "un lieu de plein air") is as
        # generic, and the words in it are no kinds of their own ("aire" of "aire de jeux").
        self.generic_names = frozenset(_generic_headed(kinds)) - self.keys
        self.longest = max((len(key) for key in self.keys | self.generic_names), default=0)

    def find(self, words: Sequence[Token], start: int = 0, generic: bool = False) -> tuple[int, Key] | None:
        """The longest kind phrase starting at ``words[start]``: how many words it takes and its key."""
        folded = list(_key_words(words[start : start + self.longest]))
        for size in range(len(folded), 0, -1):
            key = tuple(folded[:size])
            if key in self.keys or (generic and key in self.generic):
                return size, key
        return None

    def generic_name(self, words: Sequence[Token], start: int = 0) -> int:
        """How many words the longest generic Spanish or French kind name starting at ``words[start]`` takes (0:
        none)."""
        folded = _key_words(words[start : start + self.longest])
        return next((size for size in range(len(folded), 1, -1) if folded[:size] in self.generic_names), 0)

    def of_place(self, place: PlaceFacts) -> frozenset[Key]:
        """Every kind key true of a place: its category and path levels, their last words, their English synonyms,
        and what Spanish and French call any of these."""
        texts = [place.category, *place.category_path.split(CATEGORY_SEPARATOR)] if place.category else [place.name]
        true: set[Key] = set()
        for text in texts:
            for part in _parts(text):
                key = _key(part)
                true.update(key[index:] for index in range(len(key)))
        for _ in range(2):  # "Café" is a "cafe", which is a "coffee shop"
            for key in list(true):
                true |= self.synonyms.get(key, frozenset())
        for key in list(true):  # a "coffee shop", which Spanish calls a "cafetería"
            true |= self.translations.get(key, frozenset())
        return frozenset(true)

    def synonyms_of(self, key: Key) -> frozenset[Key]:
        """A kind's synonyms, its Spanish and French names, and for one of those, the English kinds it names."""
        synonyms = self.synonyms.get(key, frozenset()) | self.translations.get(key, frozenset())
        return synonyms | self.meanings.get(key, frozenset()) | {key}


def _translations(kinds: Iterable[str]) -> list[tuple[Key, Key]]:
    """Each kind's key and the keys of its Spanish and French names, singular and plural ("Gym" → "gimnasio",
    "salle de sport"), and of the other names those languages use ("salle de gym"); not of generic kinds, nor
    names that say only "a place" ("Food" → "lieu de restauration" is kept, a bare "lieu" would not be)."""
    pairs = []
    for kind in kinds:
        english = _key(kind)
        if not english or (len(english) == 1 and english[0] in GENERIC_KINDS):
            continue
        for language in ("es", "fr"):
            names = [category_name(kind, language), category_name(kind, language, plural=True)]
            for translated in (_key(name) for name in [*names, *other_names(kind, language)]):
                if not translated or translated == english or set(translated[:1]) <= _GENERIC_TRANSLATIONS:
                    continue
                pairs.append((english, translated))
                # The first word heads a Spanish or French kind ("tienda de donas" is a "tienda"), as the last word
                # heads an English one.
                if len(translated) > 2 and translated[1] in ("de", "d", "du", "des"):
                    pairs.append((english, translated[:1]))
    return pairs


def _generic_headed(kinds: Iterable[str]) -> set[Key]:
    """The keys of the Spanish and French kind names that begin with a word for "a place" ("sitio al aire libre",
    "lieu de plein air"), which :func:`_translations` leaves out."""
    return {
        translated
        for kind in kinds
        for language in ("es", "fr")
        for name in [
            category_name(kind, language),
            category_name(kind, language, plural=True),
            *other_names(kind, language),
        ]
        if len(translated := _key(name)) > 1 and set(translated[:1]) <= _GENERIC_TRANSLATIONS
    }


def _generic_translations(kinds: Iterable[str]) -> set[Key]:
    """The Spanish and French names of the generic kinds ("Office" → "oficina", "bureau")."""
    return {
        _key(category_name(kind, language, plural=plural))
        for kind in kinds
        if len(_key(kind)) == 1 and _key(kind)[0] in GENERIC_KINDS
        for language in ("es", "fr")
        for plural in (False, True)
    }


def _parts(kind: str) -> list[str]:
    """A category and its alternatives: "Gym / Fitness Center" is also "Gym" and "Fitness Center"."""
    kind = kind.strip()
    alternatives = [part.strip() for part in kind.split("/")] if "/" in kind else []
    return [kind, *(part for part in alternatives if part)]


@functools.lru_cache(maxsize=8)
def kind_words(kinds: frozenset[str]) -> KindWords:
    """The kind vocabulary of a catalogue (cached: a turn's check must not rebuild it)."""
    return KindWords(kinds)


# ---- finding claims -----------------------------------------------------------------------------------------------

_APOSTROPHE = "['’]"
_CLAUSE_END_RE = re.compile(r"[,;:!?()\[\]—–]|\.\s")
_ADVERBS = (
    r"(?:(?:often|usually|always|regularly|already|frequently|recently|sometimes|also|really|just|previously|"
    r"typically|normally|generally|even|once|last)\s+)*"
)
_MEAL = r"(?:a|an|your|some|dinner|lunch|brunch|breakfast|drinks?|coffee|burgers?)"
_PERFECT = (
    rf"(?:been|visited|gone|come|stopped|dropped|checked|tried|frequented|enjoyed|loved|liked going|eaten|had {_MEAL})"
)
_PAST = (
    rf"(?:went|visited|came|stopped by|dropped by|checked in|tried|frequented|loved|enjoyed|ate|dined|drank|"
    rf"had {_MEAL}|used to (?:go|come|visit))"
)
_PRESENT = (
    r"(?:go|visit|come|frequent|stop by|drop by|head|love|enjoy going|like going|like to go|keep going|keep coming)"
)
_NEGATED_VERBS = r"(?:been|visited|gone|went|go|visit|tried|try|come|came|checked|stopped)"
# Verb claims: the object that follows says which place (or habit) they are about.
_VISIT_VERB_RES = (
    re.compile(rf"\byou(?:{_APOSTROPHE}ve|{_APOSTROPHE}d|\s+have|\s+had)\s+{_ADVERBS}{_PERFECT}\b", re.I),
    re.compile(rf"\byou\s+{_ADVERBS}{_PAST}\b", re.I),
    re.compile(rf"\byou\s+{_ADVERBS}{_PRESENT}\b", re.I),
)
# Present-tense visits after these are wishes or conditions ("if you go", "before you go"), not claims.
_CONDITIONS = _words(
    "if when whenever unless once before until after do did does can could will would should might may"
)
# Past and perfect visits after these are questions or hypotheses ("if you went", "did you go").
_HYPOTHETICAL = _words("if did have had")
# Phrase claims: about the nearest place.
_VISIT_PHRASE_RES = (
    re.compile(rf"\b(?:place|spot|one|which|that|where)\s+you\s+{_ADVERBS}know\b", re.I),
    re.compile(r"\byou\s+know\s+(?:it|them|this place|the place)\s+well\b", re.I),
    re.compile(rf"\byou(?:{_APOSTROPHE}re|\s+are)\s+(?:a\s+)?regulars?\b", re.I),
    re.compile(r"\byour\s+(?:usual|regular|routine|favou?rite|go-to|old|local|frequent)\b", re.I),
    re.compile(r"\bfamiliar\b|\bagain\b|\bonce more\b", re.I),
    re.compile(r"\b(?:go|goes|going|went|come|comes|coming|came|head|heading|get|getting)\s+back\b|\bback to\b", re.I),
    re.compile(r"\b(?:return|returns|returning|revisit|revisiting)\b", re.I),
)
_NOT_VISITED_RES = (
    re.compile(
        rf"\byou(?:{_APOSTROPHE}ve|{_APOSTROPHE}d|\s+have|\s+had|\s+did|\s+do)?\s+(?:not|never)\s+{_ADVERBS}"
        rf"(?:yet\s+)?{_NEGATED_VERBS}\b",
        re.I,
    ),
    re.compile(rf"\byou\s+(?:haven|hadn|didn|don){_APOSTROPHE}t\s+{_ADVERBS}(?:yet\s+)?{_NEGATED_VERBS}\b", re.I),
    re.compile(r"\bnew\s+to\s+you\b|\bfirst\s+(?:visit|time)\b|\byet\s+to\s+(?:visit|try|go)\b|\bnever\s+been\b", re.I),
)
_BEEN_HERE_RE = re.compile(rf"\byou{_APOSTROPHE}ve\s+(?:been|come)\s+here\b|\byour\s+routine\b", re.I)
_OBJECT_SKIP = _words("to at by in into out over the a an some many lots of plenty several other such similar more")
_OBJECT_PRONOUNS = _words("there here it this that them these those")

_DAY_WORDS = "|".join(day.lower() for day in WEEKDAYS)
_PART_WORDS = "|".join(DAYPARTS)
_TIME_RE = re.compile(
    rf"\b(?:(?P<day>{_DAY_WORDS}|weekend|weekday)s?(?:[\s-]+(?P<part>{_PART_WORDS})s?)?|(?P<alone>{_PART_WORDS})s?)\b",
    re.I,
)
# A time after these is the turn's ("this evening", "tomorrow morning"), not a fact about the place.
_DEICTIC = _words("this tomorrow today tonight yesterday next later coming upcoming")
# The day a sentence says it speaks of ("for your date tonight"): the day the user asked about, or none.
_DAY_SAID_RE = re.compile(
    r"\b(?:(?P<today>tonight|today|this (?:morning|afternoon|evening))|(?P<tomorrow>tomorrow|tmrw))\b", re.I
)
_WEEKEND = ("saturday", "sunday")
_WEEKDAY = tuple(day.lower() for day in WEEKDAYS[:5])

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
}
_NUMBER = rf"(?P<number>\d+(?:\.\d+)?|{'|'.join(_NUMBER_WORDS)})"
# The evidence counts the user's visits in "times" (and "visits"), everyone's in "check-ins": they do not mix.
_COUNT_UNITS = {"time": "visit", "visit": "visit", "checkin": "checkin", "check": "checkin"}
_COUNT_RE = re.compile(
    rf"\b{_NUMBER}\s+(?:more\s+)?(?P<unit>times?|visits?|check-?ins?|check\s+ins?|people|persons?|visitors?)\b"
    r"|\b(?P<twice>twice|thrice)\b"
    r"|(?P<percent>\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)"
    r"|\b(?:been|visited|went|gone|come|came|there|here|only|just)\s+(?:(?:here|there)\s+)?(?P<once>once)\b",
    re.I,
)
_ONCE_RE = re.compile(r"\bonce\b", re.I)
_DISTANCE_RE = re.compile(
    rf"(?<![\w.]){_NUMBER}\s*-?\s*(?P<unit>km|kil[oó]m[eéè]t(?:er|re|ro)s?|m|m[eéè]t(?:er|re|ro)s?|mi|miles?|minut[eo]s?"
    r"|mins?|blocks?)(?!\w)",
    re.I,
)
# "Less than 1 km away", "à moins de 1 kilomètre": a bound, true of a place at most that far.
_AT_MOST_RE = re.compile(r"\b(?:less than|under|within|no more than|moins de|menos de)\s*$", re.I)
_KM_PER_UNIT = {"km": 1.0, "m": 0.001, "mi": 1.609}
# Nearness in words, and the farthest a place may be for it to hold: "a short walk" of 2.9 km is not.
_NEAR_WORDS: tuple[tuple[re.Pattern[str], float], ...] = (
    (
        re.compile(
            r"\baround the corner\b|\bsteps (?:away|from)\b|\ba stone'?s throw\b|\b(?:right )?next door\b"
            r"|\bacross the street\b|\b[aà] deux pas\b|\ba (?:pocos|unos) pasos\b",
            re.I,
        ),
        0.4,
    ),
    (
        re.compile(
            r"\b(?:short|quick|easy|brief|little|few minutes'?)\s+(?:walk|stroll)\b"
            r"|\bwalking distance\b|\bwalkable\b|\bquelques minutes [aà] pied\b|\bpocos minutos a pie\b",
            re.I,
        ),
        1.5,
    ),
    (
        # "Just a few minutes away" from 1.4 km off is 20 minutes on foot.
        re.compile(
            r"\b(?:just |only )?(?:a few|a couple(?: of)?|few) minutes? (?:away|from)\b"
            r"|\b[aà] quelques minutes\b|\ba (?:pocos|unos) minutos\b",
            re.I,
        ),
        1.0,
    ),
)

_POPULAR = (
    r"popular(?:ity)?|busy|busiest|bustling|buzzing|crowded|packed|hot\s?spots?|well[-\s]known|famous|beloved|"
    r"highly\s+visited|much\s+visited|frequented|trendy|iconic|must-visit|crowd[-\s]pleaser|"
    # "A favourite of yours" is the user's habit, a visit claim, not popularity.
    r"(?:crowd|local)\s+favou?rite|(?:a|an)\s+favou?rite\s+(?:of|among|with|for)(?!\s+(?:you|yours|your)\b)|"
    # Popularity in other words ("has been visited by many people", "a favorite spot for many visitors", "gets lots
    # of visitors", "attracts a crowd"): the 1.5B model's usual ways of saying it.
    r"(?:visited|loved|enjoyed|frequented|liked)\s+by\s+(?:so\s+)?(?:many|lots|a\s+lot|plenty|numerous|hundreds|thousands|"
    r"countless|crowds|locals|everyone)|"
    r"(?:many|lots\s+of|a\s+lot\s+of|plenty\s+of|numerous|hundreds\s+of|thousands\s+of|countless)\s+"
    r"(?:people|visitors|customers|guests|patrons|new\s+yorkers|diners|fans)|"
    r"favou?rite\s+(?:[\w-]+\s+)?(?:for|of|among|with)\s+(?:so\s+)?(?:many|lots|a\s+lot|locals|people|visitors|everyone|"
    r"new\s+yorkers)|(?:attracts?|draws?|pulls?\s+in)\s+(?:a\s+lot|lots|many|crowds?|visitors|people|a\s+crowd)|"
    # The same in Spanish and French ("muy concurrida", "très fréquentée", "beaucoup de monde").
    r"concurrid[oa]s?|frecuentad[oa]s?|(?:muy|bien|tr[eè]s)\s+(?:visitad[oa]s?|visit[ée]e?s?|conocid[oa]s?|connue?s?)|"
    r"fr[ée]quent[ée]e?s?|bond[ée]e?s?|populaires?|mucha\s+gente|muchas\s+personas|muchos\s+visitantes|"
    r"beaucoup\s+de\s+(?:monde|gens|visiteurs)"
)
_AUDIENCE = (
    r"(?:(?:high[-\s]school|college|university|grad(?:uate)?|local|young|older|art|music|tea|coffee|food|beer|wine)"
    r"\s+)?(?:students?|locals|tourists?|families|kids|children|couples|professionals|hipsters|foodies|regulars|"
    r"new\s+yorkers|office\s+workers|commuters|artists|creatives|teens|teenagers|seniors|crowds?|patrons|lovers|"
    r"enthusiasts|fans|residents|neighbou?rs|men\s+and\s+women|celebrities)"
)

# ---- opinions -----------------------------------------------------------------------------------------------------
# What only people's opinions could say of a place, in families, each with its trigger phrases per language, in one
# place. The data has check-ins and who made them, never a review or a description, so: "popularity" ("always packed",
# "a neighbourhood staple", "draws a big following", "siempre lleno", "très prisé") holds only when an evidence line
# says the place is popular (a ``popularity`` claim); "reputation" ("a hidden gem", "famous for", "una joya
# escondida", "incontournable"), "ambience" ("a great vibe", "cozy", "de moda", "branché") and "quality" ("top-notch",
# "de gran calidad") never hold (an ``unknown`` claim of "what it is like"). Each phrase is a regex matched from a word
# start to a word end; the older lists (``_POPULAR``, ``_UNKNOWN_RES``) hold the single words.
_LOCAL = r"(?:local|neighbou?rhood|community|city|new\s+york|nyc|brooklyn|manhattan|queens|hometown)"
_OPINION_FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "popularity": {
        "en": (
            # How many come: "draws a big following", "has a loyal following", "a devoted clientele".
            r"(?:draws?|drawing|attracts?|attracting|pulls?\s+in|brings?\s+in|has|have|gets|enjoys|boasts|with)\s+"
            r"(?:a\s+|an\s+)?(?:\w+\s+)?(?:following|fan\s?base|clientele|crowds?|regulars|customer\s+base)",
            r"(?:big|large|huge|loyal|devoted|dedicated|strong|steady|faithful|cult|massive|growing)\s+"
            r"(?:following|fan\s?base|clientele|customer\s+base)",
            # How full it gets: "always packed", "usually full", "lines out the door", "fills up fast".
            r"(?:always|often|usually|constantly|typically|regularly|frequently|generally|normally|reliably)\s+"
            r"(?:packed|busy|full|crowded|buzzing|hopping|jammed|jam-packed|mobbed|bustling|humming|heaving|lively)",
            r"lines?\s+(?:out|around)\s+the\s+(?:door|block)|fills?\s+up\s+(?:fast|quickly|early)|standing\s+room\s+only|"
            r"(?:hard|tough|difficult)\s+to\s+(?:get|find|snag)\s+a\s+(?:table|seat|spot)|in\s+(?:high\s+)?demand|"
            r"sought[-\s]after",
            # Who loves it: "a neighbourhood staple", "a local institution", "locals flock to it", "a fan favourite".
            rf"{_LOCAL}\s+(?:favou?rites?|staples?|institutions?|fixtures?|mainstays?|go-tos?|hot\s?spots?)",
            r"(?:a|an)\s+(?:true\s+|real\s+)?(?:staple|institution|mainstay|fixture)(?!\s+(?:of|for)\s+(?:you|yours)\b)",
            r"fan\s+favou?rites?|go-to\s+(?:\w+\s+)?(?:for|among|of|with)\s+(?:many|locals|people|new\s+yorkers|"
            r"everyone|visitors|the\s+neighbou?rhood)",
            r"(?:locals|new\s+yorkers|people|everyone|visitors|regulars|crowds|fans|tourists|students|residents)\s+"
            r"(?:love|adore|flock|swear\s+by|rave\s+about|line\s+up|queue|pack|keep\s+coming|come\s+back)",
            r"flocks?\s+(?:to|here)|(?:much|well|widely)[-\s](?:loved|liked)|(?:a\s+)?(?:big\s+|huge\s+|real\s+)?hit\s+"
            r"(?:with|among)",
        ),
        "es": (
            r"(?:siempre|suele\s+estar|a\s+menudo)\s+(?:est[aá]\s+)?(?:llen[oa]s?|abarrotad[oa]s?|a\s+tope|repletos?|"
            r"repletas?|de\s+bote\s+en\s+bote)",
            r"llen[oa]s?\s+de\s+gente|abarrotad[oa]s?|hay\s+(?:que\s+hacer\s+)?colas?",
            r"favorit[oa]s?\s+de\s+(?:los\s+|las\s+|la\s+)?(?:vecinos|locales|neoyorquinos|gente|barrio|muchos|todos|"
            r"clientes|visitantes)",
            r"(?:muchos|fieles|numerosos|miles\s+de)\s+(?:seguidores|fans|clientes|fieles)|clientela\s+fiel|"
            r"(?:atrae|re[uú]ne|convoca)\s+a\s+(?:mucha\s+gente|multitudes|muchos|miles|cientos|una\s+multitud)|"
            r"multitudes",
            r"(?:un|una)\s+(?:cl[aá]sico|instituci[oó]n|referente)\s+(?:del|de\s+la|en\s+el|en\s+la)\s+"
            r"(?:barrio|ciudad|zona|vecindario)|(?:muy|bien)\s+querid[oa]s?",
            r"(?:los\s+)?(?:vecinos|locales|neoyorquinos)\s+(?:lo|la)\s+(?:adoran|aman|prefieren)",
        ),
        "fr": (
            r"toujours\s+(?:plein|pleine|pleins|pleines|bond[ée]e?s?|complet|compl[eè]te|blind[ée]e?s?)",
            r"plein(?:e|s|es)?\s+[àa]\s+craquer|(?:tr[eè]s|fort|bien|particuli[eè]rement)\s+pris[ée]e?s?|prisé(?:e|s|es)?|(?:tr[eè]s|fort|bien)\s+appr[ée]ci[ée]e?s?|"
            r"appr[ée]ci[ée]e?s?\s+(?:des|par\s+les)\s+(?:habitants|locaux|new-yorkais|gens|riverains|clients)",
            r"chouchou|(?:attire|rassemble)\s+(?:les\s+foules|une\s+foule|du\s+monde|beaucoup|les\s+habitants|"
            r"une\s+client[eè]le)|les\s+foules|client[eè]le\s+fid[eè]le",
            r"(?:une?\s+)?(?:v[ée]ritable\s+|vraie?\s+)?(?:institution|classique)\s+(?:du|de\s+la)\s+(?:quartier|ville)",
            r"(?:une?\s+)(?:v[ée]ritable\s+|vraie\s+)institution|(?:les\s+)?(?:habitants|locaux|new-yorkais)\s+"
            r"(?:l['’]adorent|adorent|raffolent)",
        ),
    },
    "reputation": {
        "en": (
            r"acclaimed|critically|reputed|notorious|storied|renown|cult\s+(?:favou?rite|classic|status|spot)",
            # "A classic New York bar", not "a classic choice".
            rf"(?:a|an)\s+(?:true\s+|real\s+)?classic\s+{_LOCAL}",
            r"must-(?:see|go|eat|do)|(?:a\s+)?(?:true|real|total|little|local|neighbou?rhood)\s+(?:gem|treasure|legend|icon)s?",
            r"highly\s+(?:recommended|rated|regarded|praised|acclaimed)|(?:rave|glowing)\s+about|swear\s+by|"
            r"known\s+as\s+(?:the|a|an|one)\b|(?:well|widely|best)[-\s]known\s+for|famous\s+(?:for|as)",
        ),
        "es": (
            r"joyas?\s+(?:escondidas?|ocultas?)|(?:muy\s+|bien\s+)?conocid[oa]s?\s+por|emblem[aá]tic[oa]s?|"
            r"legendari[oa]s?|ic[oó]nic[oa]s?|m[ií]tic[oa]s?|imprescindibles?|(?:de\s+)?visita\s+obligada|"
            r"(?:muy|altamente)\s+recomendad[oa]s?|prestigios[oa]s?|reconocid[oa]s?|de\s+renombre|renombrad[oa]s?|"
            r"premiad[oa]s?",
        ),
        "fr": (
            r"p[ée]pites?|perles?\s+rares?|joyaux?|tr[ée]sors?\s+cach[ée]s?|incontournables?|embl[ée]matiques?|"
            r"l[ée]gendaires?|iconiques?|mythiques?|renomm[ée]e?s?|connue?s?\s+pour|(?:tr[eè]s|vivement|fortement)\s+"
            r"recommand[ée]e?s?|prim[ée](?:e|s|es)?",
        ),
    },
    "ambience": {
        "en": (
            r"chic|stylish|elegant|classy|swanky|posh|inviting|homey|homely|rustic|quaint|funky|quirky|eclectic|"
            r"artsy|spacious|roomy|cramped|candle-?lit|dimly[-\s]lit|exposed\s+brick|d[ée]cor|decorated|"
            r"hip(?![-\s]?hop)|chill(?=\s+(?:spot|place|bar|vibes?|atmosphere|crowd|space|hangout|caf[eé]|setting))",
            r"(?:great|nice|warm|cozy|cosy|cool|good|relaxed|friendly|welcoming|homey|local|neighbou?rhood|fun|"
            r"laid-back|chill|unique|special)\s+(?:feel|energy|character|charm|personality|scene)",
            r"(?:great|good|fun|young|hip|trendy|cool|friendly|lively|mixed|diverse|older|artsy|chill|hip)\s+crowd",
        ),
        "es": (
            r"con\s+(?:mucho\s+)?encanto|encantador(?:a|es|as)?|de\s+moda|buen\s+rollo|buena\s+onda|[ií]ntim[oa]s?|"
            r"elegantes?|chic|con\s+estilo|con\s+(?:mucha\s+)?(?:vida|onda|personalidad)",
        ),
        "fr": (
            r"cosy|cocooning|convivia(?:l|le|les|ux)|branché(?:e|s|es)?|tendance|[àa]\s+la\s+mode|intimistes?|"
            r"charmante?s?|(?:plein|beaucoup)\s+de\s+(?:charme|caract[eè]re|cachet)|[ée]l[ée]gante?s?|chic|"
            r"d[ée]contract[ée]e?s?",
        ),
    },
    "quality": {
        # Not "an outstanding choice": the ranker's own verdict, like "a great option".
        "en": (
            r"(?:top[-\s]notch|high[-\s]quality|world[-\s]class|first[-\s]rate|top[-\s]quality|superb|exceptional|"
            r"outstanding|impeccable|stellar|phenomenal|unbeatable|second\s+to\s+none)"
            r"(?!\s+(?:options?|choices?|picks?|fits?|matche?s?|bets?|ideas?|suggestions?)\b)",
        ),
        "es": (r"de\s+(?:gran|alta|buena|excelente|primera|m[aá]xima)\s+calidad",),
        "fr": (r"de\s+(?:grande|haute|bonne|excellente|premi[eè]re)\s+qualit[ée]",),
    },
}


def _opinions(*families: str) -> str:
    """The trigger phrases of the named opinion families, in every language, as one regex alternation."""
    return "|".join(
        phrase for family in families for phrases in _OPINION_FAMILIES[family].values() for phrase in phrases
    )


_POPULAR_RE = re.compile(rf"\b(?:{_POPULAR}|{_opinions('popularity')})\b", re.I)
_AUDIENCE_RE = re.compile(rf"\b(?P<audience>{_AUDIENCE})\b", re.I)
_POPULAR_NEGATORS = _NEGATORS | _words("less fewer without avoid away escape quieter pas moins menos sin sans")


def _about_user(line: str) -> bool:
    """Whether a line speaks of the user ("you", "your", "you've")."""
    return any(_lower(token.text) in ("you", "your", "youve", "youre") for token in tokens(line))


def _previous_tokens(text: str, start: int, count: int = 3) -> list[Token]:
    """The ``count`` words before an offset in its clause (punctuation ends a clause), nearest last."""
    clause = _CLAUSE_END_RE.split(text[:start])[-1]
    offset = start - len(clause)
    return [Token(token.text, token.start + offset, token.end + offset) for token in tokens(clause)][-count:]


def _previous_words(text: str, start: int, count: int = 3) -> list[str]:
    """The ``count`` words before an offset in its clause, nearest last, lower-cased."""
    return [_lower(token.text) for token in _previous_tokens(text, start, count)]


def _negation(word: str) -> bool:
    """Whether a lower-cased word negates: "not", "never", "isn't" (folded "isnt")."""
    return word in _NEGATORS or (word.endswith("nt") and word[:-2] in _NT_STEMS)


def _negated(text: str, start: int) -> bool:
    """Whether one of the three words before an offset, in its clause, negates what follows ("No" opening a name,
    as in "No Name Bar", does not)."""
    previous = _previous_tokens(text, start)
    return any(
        _negation(_lower(token.text))
        and not (token.text[:1].isupper() and text[token.end : token.end + 2].strip()[:1].isupper())
        for token in previous
    )


# "isn't" folds to "isnt": these stems before "nt" make a negation.
_NT_STEMS = _words("is are was were do does did has have had could would should ca wo aren")


def visit_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Claims that the user has (or has not) been to a place, or has a habit: value ``("place",)`` for phrases about
    the nearest place ("your usual"), ``("object",)`` for verbs whose object the checker reads ("you went to X")."""
    found: list[Claim] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], negated: bool, value: tuple[str, ...]) -> None:
        if any(start < match.end() and match.start() < end for start, end in taken):
            return
        taken.append(match.span())
        found.append(Claim.found("visit", match, offset, value, negated))

    for pattern in _NOT_VISITED_RES:
        for match in pattern.finditer(sentence):
            add(match, True, ("object",) if match.group(0).lower().startswith("you") else ("place",))
    for number, pattern in enumerate(_VISIT_VERB_RES):
        for match in pattern.finditer(sentence):
            before = _previous_words(sentence, match.start(), 1)
            if before and before[0] in (_CONDITIONS if number == 2 else _HYPOTHETICAL):
                continue
            add(match, False, ("object",))
    for pattern in _VISIT_PHRASE_RES:
        for match in pattern.finditer(sentence):
            add(match, False, ("place",))
    return sorted(found, key=lambda claim: claim.start)


def category_claims(sentence: str, vocabulary: KindWords, offset: int = 0) -> list[Claim]:
    """Kind-of-place words the sentence says a place is: after "a", "the", "its", "are" (and up to three other
    words), or in brackets right after a name; value: the kind's key."""
    words = tokens(sentence)
    found: list[Claim] = []
    position = 0
    while position < len(words):
        if skip := vocabulary.generic_name(words, position):  # "un sitio al aire libre" is no "aire de jeux"
            position += skip
            continue
        match = vocabulary.find(words, position)
        if match is None:
            position += 1
            continue
        size, key = match
        claimed = _predicate(sentence, words, position)
        if claimed is not None:
            start, end = words[position].start, words[position + size - 1].end
            found.append(
                Claim(
                    kind="category",
                    text=sentence[start:end],
                    start=offset + start,
                    end=offset + end,
                    value=key,
                    negated=claimed,
                )
            )
        position += size
    return found


def _predicate(sentence: str, words: Sequence[Token], position: int) -> bool | None:
    """Whether the kind word at ``position`` is said of a place (None if not; True if negated, False if not)."""
    before = sentence[: words[position].start].rstrip()
    if before.endswith("("):
        # "Joe's Coffee (Coffee Shop, 0.3 km)" copies the listing; "your interests (Coffee Shop)" does not.
        last = before[:-1].split()[-1:]
        return False if last and (last[0][:1].isupper() or last[0][:1].isdigit()) else None
    index = position - 1
    between: list[str] = []
    while index >= 0 and position - index <= 4 and _tight(sentence, words[index], words[index + 1]):
        word = _lower(words[index].text)
        if word in _POSSESSIVES:
            return None
        if word in _DETERMINERS:
            previous = _previous_words(sentence, words[index].start, 1)
            if previous and previous[0] in _NOT_ABOUT_IT:
                return None
            return _negated(sentence, words[index].start) or any(_negation(other) for other in between)
        between.append(word)
        index -= 1
    return None


def _tight(sentence: str, left: Token, right: Token) -> bool:
    """Whether two words are in one phrase: only spaces or a hyphen between them."""
    return sentence[left.end : right.start].strip(" -") == ""


def time_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Weekdays and day parts the sentence ties a place to; value ``(day, part)``, either may be ''."""
    found = []
    for match in _TIME_RE.finditer(sentence):
        previous = _previous_words(sentence, match.start(), 1)
        if previous and previous[0] in _DEICTIC:
            continue
        day, part = _time_value(match)
        found.append(Claim.found("time", match, offset, (day, part), _negated(sentence, match.start())))
    return found


def day_said_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """ "Tonight", "today", "tomorrow": value ``("day said", "today" | "tomorrow")``, checked against the message."""
    return [
        Claim.found("time", match, offset, ("day said", match.lastgroup or ""), _negated(sentence, match.start()))
        for match in _DAY_SAID_RE.finditer(sentence)
    ]


def _days_said(text: str) -> set[str]:
    return {match.lastgroup or "" for match in _DAY_SAID_RE.finditer(expand_shorthand(text))}


def _time_value(match: re.Match[str]) -> tuple[str, str]:
    return (match.group("day") or "").lower(), (match.group("part") or match.group("alone") or "").lower()


def count_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Numbers of visits, check-ins, people and shares; value ``(number, unit)``."""
    return [Claim.found("count", match, offset, value) for match, value in _counts(sentence)]


def _counts(text: str) -> list[tuple[re.Match[str], tuple[str, str]]]:
    found = []
    for match in _COUNT_RE.finditer(text):
        if match.group("twice"):
            value = ("2" if match.group("twice").lower() == "twice" else "3", "visit")
        elif match.group("percent"):
            value = (_number(match.group("percent")), "percent")
        elif match.group("once"):
            value = ("1", "visit")
        else:
            unit = _plain(match.group("unit")).replace("-", "").split()[0]
            value = (_number(match.group("number")), _COUNT_UNITS.get(unit, "people"))
        found.append((match, value))
    return found


def _number(text: str) -> str:
    """A number's canonical text ("twelve" → "12", "12.0" → "12")."""
    text = text.lower()
    value = float(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else float(text)
    return f"{value:g}"


def distance_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Distances: value ``("km", <km>)``, ``("within", <km>)`` for nearness in words ("a short walk"), or
    ``("minute" | "block", <number>)`` for those code never writes."""
    return [Claim.found("distance", match, offset, value) for match, value in _distances(sentence)]


def _distances(text: str) -> list[tuple[re.Match[str], tuple[str, str]]]:
    found: list[tuple[re.Match[str], tuple[str, str]]] = [
        (match, ("within", f"{at_most:g}")) for pattern, at_most in _NEAR_WORDS for match in pattern.finditer(text)
    ]
    for match in _DISTANCE_RE.finditer(text):
        unit = match.group("unit").lower()
        number = float(_number(match.group("number")))
        if unit.startswith("min"):
            found.append((match, ("minute", f"{number:g}")))
        elif unit.startswith("block"):
            found.append((match, ("block", f"{number:g}")))
        else:
            base = "km" if unit.startswith("k") else "mi" if unit.startswith("mi") else "m"
            km = f"{number * _KM_PER_UNIT[base]:.3f}"
            bound = _AT_MOST_RE.search(text[: match.start()]) is not None
            found.append((match, ("within", km) if bound else ("km", km)))
    return found


def popularity_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Popularity ("popular", "busy") with value ``("popular",)`` and audiences ("students") with
    ``("audience", <noun>)``; negated ones ("less crowded") are marked."""
    found: list[Claim] = []
    for pattern, audience in ((_POPULAR_RE, False), (_AUDIENCE_RE, True)):
        for match in pattern.finditer(sentence):
            previous = _previous_words(sentence, match.start(), 1)
            if audience and previous and previous[0][:1].isdigit():
                continue  # "45 visitors" is a count
            if audience and any(
                claim.start - offset < match.end() and match.start() < claim.end - offset for claim in found
            ):
                continue  # "a crowd favourite" is popularity, not an audience
            negated = any(word in _POPULAR_NEGATORS for word in _previous_words(sentence, match.start()))
            value = ("audience", _plain(match.group(0).split()[-1])) if audience else ("popular",)
            found.append(Claim.found("popularity", match, offset, value, negated))
    return found


# "In Brooklyn", "near Times Square", "en plein cœur de SoHo": where a place is. "From Times Square" is a distance's
# origin, and "New York" the whole city.
_AREA_PREPOSITIONS = _words("in at on near around inside within by en dans a au sur pres cerca")
# After these a place is only said to be near an area ("near Union Square"), which a place 2 km off may be; after the
# others it is said to be in it ("in Chelsea", "on the Upper West Side"), which only its own neighbourhood is.
_NEAR_PREPOSITIONS = _words("near around by pres cerca")
_WHOLE_CITY = frozenset({"nyc", "new york", "new york city"})
_DISTANCE_UNITS = _words("km m mi miles minutes minutos min mins blocks cuadras metros metres meters kilometres")


def area_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Neighbourhoods and boroughs a sentence puts a place in ("a Mexican restaurant in Brooklyn"), with value
    ``(<area>,)``: a gazetteer name after "in", "at", "near" and the like, in English, Spanish or French."""
    if len(fold(sentence)) != len(sentence):  # the gazetteer's spans are the folded text's
        return []
    found = []
    for area, (start, end) in find_neighbourhoods(sentence):
        if sentence[start:end].casefold() in _WHOLE_CITY:
            continue
        before = [_lower(word) for word in _previous_words(sentence, start, 4)]
        prepositions = [index for index, word in enumerate(before) if word in _AREA_PREPOSITIONS]
        # "A 0.5 km de Times Square", "à 10 minutes de SoHo": a distance's origin, as "0.5 km from Times Square" is.
        if not prepositions or set(before[prepositions[-1] :]) & _DISTANCE_UNITS:
            continue
        prepositions = [before[index] for index in prepositions]
        negated = _negated(sentence, start)
        text = sentence[start:end]
        how = "near" if prepositions[-1] in _NEAR_PREPOSITIONS else "in"
        found.append(
            Claim(
                kind="area", text=text, start=offset + start, end=offset + end, value=(area.name, how), negated=negated
            )
        )
    return found


# What no evidence line holds, by subject: a place's hours, prices, what it is like, ratings; the user's home or work.
_UNKNOWN_RES: dict[str, re.Pattern[str]] = {
    "hours": re.compile(
        r"\b(?:open(?:s|ed)?\s+(?:right\s+)?(?:now|late|early|until|till|til|24|all\s+night|around\s+the\s+clock|"
        r"today|tonight|daily|every\s+day|on\s+\w+days?|from\s+\d)|opening\s+(?:hours|times)|business\s+hours|"
        r"clos(?:es|ed|ing)(?:\s+(?:at|by|early|late|now|time|on|today|tonight))?|24/7|24\s+hours)\b",
        re.I,
    ),
    "price": re.compile(
        r"(?:\$\s?\d[\d.,]*|\b(?:cheap(?:er|est|ly)?|affordable|inexpensive|expensive|pricey|pricy|overpriced|"
        r"budget(?:-friendly)?|bargains?|reasonabl[ey]\s+pric\w*|great\s+deals?|low[- ]cost|high[- ]end|upscale|"
        r"pric(?:es|ed|ing)|"
        r"good\s+value|value\s+for\s+money|dollars?|"
        # "A theater you can visit for free" (f80): no price, not even none, is held.
        r"(?:for|is|it's|are|entry\s+is|admission\s+is)\s+free|"
        r"(?<!feel )free\s+(?:entry|entrance|admission|of\s+charge|to\s+(?:visit|enter|get\s+in|go|use))|"
        r"no\s+(?:cover|entry\s+fee|admission\s+fee))\b)",
        re.I,
    ),
    # Taste, atmosphere and service: a check-in log says who went when, never what it was like.
    "what it is like": re.compile(
        r"\b(?:atmosphere|ambian?ce|vibes?|cozy|cosy|charming|romantic|trendy|intimate|welcoming|"
        r"friendly\s+(?:staff|service|people)|(?:great|excellent|good|fast|quick|attentive|warm)\s+service|"
        r"delicious|tasty|yummy|mouth-?watering|flavou?rful|authentic|fresh(?:ly)?\s+(?:brewed|baked|made|roasted|coffee|food|bread|pastr(?:y|ies)|pasta|ingredients|noodles|fish|seafood|salads?|sushi|juices?|produce)|hidden\s+gems?|must-(?:try|visit)|"
        r"famous\s+for|known\s+for|renowned|reputations?|award-winning|menus?|collections?|exhibit(?:s|ions?)|for\s+all\s+ages|"
        r"(?:kid|family|baby|child|stroller)-friendly|"
        # Who it suits ("a great place for a baby", "perfect for families"): no one's visit says how it went.
        r"(?:great|good|perfect|ideal|nice|suitable|safe|fine|wonderful)\s+(?:\w+\s+)?for\s+(?:a\s+|the\s+|your\s+|"
        r"young\s+|little\s+|small\s+)?(?:bab(?:y|ies)|kids?|children|toddlers?|famil(?:y|ies)|little\s+ones)|views?|scenic|stunning|breathtaking|gorgeous|beautiful|(?:just|newly|recently)\s+(?:been\s+)?(?:opened|introduced|added|launched|renovated|reopened)|brand[-\s]new|new\s+(?:establishment|opening|addition)s?|(?:has|have)\s+been\s+(?:there|around|open|here)\s+(?:for\s+)?(?:a\s+(?:long\s+)?while|years|ages|decades|a\s+long\s+time)|long-?standing|(?:around|open|operating|in\s+business|established|founded|opened)\s+(?:since|in)\s+(?:1[89]|20)\d\d|"
        r"relaxing|relaxation|snacks?|in\s+the\s+heart\s+of|(?:watch|see|catch|enjoy)\s+(?:the\s+)?sun(?:set|rise)s?|"
        r"iconic|bustling|vibrant|legendary|(?:world[-\s])?famous|best[-\s]known|well[-\s]known|beloved|celebrated|"
        # A rank among places ("the best place for dumplings in New York", "the largest park in the city"): the
        # data ranks places for this user and moment, never against the city.
        r"(?:the|one\s+of\s+the)\s+(?:very\s+)?(?:best|finest|greatest|largest|biggest|oldest|top|quietest|calmest|"
        r"coziest|cosiest|nicest|prettiest|coolest|trendiest|liveliest|"
        r"most\s+(?:famous|beautiful|historic|celebrated|beloved|authentic|romantic|peaceful|charming))"
        r"(?!\s+of\s+(?:what|these|those|them|the\s+(?:list|lot|bunch|options|suggestions|results)))"
        # The ranker's own verdict for this user ("the best match nearby") is no rank among the city's places.
        r"(?!\s+(?:matche?s?|fits?|picks?|bets?|options?|choices?|ways?|times?|things?|parts?)\b)"
        # "The best place for a beach day" ranks it too; "the best place for you" is the ranker's verdict.
        r"(?!(?:\s+[\w'&-]+){0,2}?\s+for\s+(?:you|your\s+\w+|today|tonight|now|this)\b)"
        r"(?=(?:\s+[\w'&-]+){0,5}?\s+(?:in|of|on|near|around|nearby|close\s+to|for|to)\b)|"
        r"(?:quiet|calm|peaceful|relaxed|cozy|cosy|pleasant|friendly|lively)\s+(?:environment|setting|surroundings)|"
        # How loud or calm it is ("a quiet pizza place", "quieter than that", "a lively bar"): no check-in says.
        r"quiet(?:er|est)?|calm(?:er)?|peaceful|tranquil|serene|lively|livelier|loud(?:er)?|nois(?:y|ier)|rowdy|"
        r"laid[-\s]back|low[-\s]key|buzzy|"
        # Newness ("a new donut shop", "it's new"): the evidence says only "new to you", never that a place opened.
        r"(?<!try\s)(?<!discover\s)(?<!explore\s)(?:a|an)\s+(?:brand\s+)?new\s+"
        r"(?!(?:[\w'-]+\s+)?(?:to|for)\s+(?:you|your)\b)(?!(?:experience|adventure|favou?rite|option|choice|"
        r"suggestion|idea|one|thing|things|spin|take|twist|way|flavou?rs?|dish(?:es)?|cuisine|taste|try|pick|kind|"
        r"type|find|discovery|level)\b)[\w'-]+|(?:is|are|['’]s)\s+(?:brand\s+)?new\b(?!\s+(?:to|for)\s+(?:you|your)\b)|"
        r"signature\s+\w+|specialit(?:y|ies)|specialt(?:y|ies))\b",
        re.I,
    ),
    # What a place offers or stocks ("a gym with new equipment and classes", "a bookstore with new arrivals", "it
    # serves great pasta"): the catalogue has a kind, never a stock or a programme.
    "what it offers": re.compile(
        r"\b(?:equipment|classes|arrivals|live\s+music|happy\s+hours?|"
        # Allergens ("a bakery you can trust for your allergy-free needs"): no menu, let alone its allergens, is stored.
        r"allerg\w*|(?:nut|peanut|gluten|dairy|lactose|shellfish)[- ]free|"
        # What is on there ("a great place for free events"): no listings are stored.
        r"(?:free\s+|live\s+|special\s+|upcoming\s+|weekly\s+|regular\s+|private\s+)?(?:events?|concerts|festivals?)"
        r"(?!\s+(?:spaces?|halls?|venues?))|"
        # What people do there ("a great place to enjoy music"); a drink is a kind's ("drinks" below), the music
        # with it is not ("enjoy drinks and music").
        r"(?:enjoy|enjoying|grab|grabbing|sip|sipping)\s+(?:some\s+|a\s+|the\s+|great\s+|good\s+)?"
        r"(?:music|dancing|shows?|performances?|concerts?)|"
        r"(?:drinks?|cocktails?|beers?|wine)\s+(?:and|&)\s+(?:live\s+)?(?:music|dancing|shows?|performances?|games)|"
        r"(?:wide|great|huge|large|extensive|excellent|impressive|diverse|good)\s+(?:selection|variety|range|choice|"
        r"assortment)\s+of\s+(?!(?:places|options|spots|venues|choices|suggestions)\b)\w+|"
        r"(?:offers|offering|serves|serving|boasts|boasting|stocks|sells|selling)\s+(?:up\s+)?"
        r"(?!(?:drinks|cocktails|beers?|wine)\b)\w+|"
        # What one can buy there ("a great place to buy art supplies"): the catalogue keeps a kind, not a stock.
        r"(?:to\s+buy|to\s+shop\s+for|buy\s+your|para\s+comprar|de\s+comprar|d[oó]nde\s+comprar|pour\s+acheter|"
        r"d['’]acheter|o[uù]\s+acheter)\s+[\w'-]+(?:\s+(?!(?:for|in|at|near|before|after|and|or|this|today|tonight|"
        r"en|a|à|au|pour|para|cerca|pr[eè]s|ce|cette|hoy|esta|con|avec|with)\b)[\w'-]+){0,2}|"
        # What drinks or screens it has ("a great beer list", "a great place to watch the game").
        r"(?:beer|wine|cocktail|drinks?|tap|whiske?y)\s+(?:lists?|menus?|selections?|programs?)|craft\s+beers?|"
        r"on\s+tap|(?:watch|catch|see)\s+(?:the\s+|a\s+)?(?:game|games|match|sports?|football|soccer|basketball)|"
        # amenities: "a gym with a pool", "it has a rooftop"
        r"(?:with|has|have|having|featuring)\s+(?:an?\s+|its\s+own\s+|their\s+own\s+)?(?:\w+\s+)?(?:pool|pools|"
        r"sauna|spa|jacuzzi|hot\s+tub|steam\s+room|lockers|showers|parking|wi-?fi|outdoor\s+seating|patio|terrace|"
        r"rooftop|roof\s+deck|garden|backyard|dance\s+floor|pool\s+tables?|karaoke|playground|fireplace|screens?|tvs?|"
        r"televisions?|projectors?|darts))\b",
        re.I,
    ),
    # Meals ("a great place for breakfast and lunch"): true of the kinds of place that serve them, or of what the user
    # asked for (see ``_Checker._meal``).
    "meals": re.compile(
        r"\b(?:for|serves?|serving|grab|get|have|enjoy)\s+(?:a\s+|some\s+|your\s+)?"
        r"(?:quick\s+|late\s+|early\s+|good\s+|great\s+|nice\s+|delicious\s+|tasty\s+|light\s+|hearty\s+)?"
        r"(?:breakfast|brunch|lunch|dinner|supper)s?\b(?:\s+(?:and|or)\s+(?:breakfast|brunch|lunch|dinner|supper)\b)?",
        re.I,
    ),
    # Dishes ("a good place to go for burgers", "it has great pizza"): true of the kinds of place known for them, or of
    # what the user asked for (see ``_Checker._dish``).
    "dishes": re.compile(
        r"\b(?:for|serves?|serving|grab|get|have|has|enjoy|try|its|their|great|good|delicious|tasty|amazing|best)\s+"
        r"(?:a\s+|some\s+|the\s+|its\s+|their\s+)?(?:[a-z]+\s+)?(?P<dish>" + DISH_WORDS + r")\b",
        re.I,
    ),
    # Drinks ("a great place to grab a drink", "good for a beer after work", "un buen sitio para tomar algo", "un bon
    # endroit pour boire un verre"): true of the kinds of place that pour them (see ``_Checker._drinks``). Not
    # "asked for drinks" (the user's wish) nor a kind's own name ("a cocktail bar", "a wine bar", "a beer garden").
    "drinks": re.compile(
        r"\b(?:(?:enjoy|enjoying|grab|grabbing|sip|sipping|have|having|get|getting|share|sharing|order|ordering|"
        r"serves|serving|offers|offering|pours|pouring|(?<!asked\s)(?<!asking\s)(?<!looking\s)(?<!searching\s)"
        r"(?<!wanted\s)(?<!craving\s)(?<!mood\s)for)\s+"
        r"(?:a\s+|an\s+|some\s+|the\s+|your\s+|one\s+|another\s+|a\s+few\s+|a\s+couple\s+(?:of\s+)?)?"
        r"(?:(?:quick|cold|nice|good|great|relaxed|casual|late[-\s]night|after[-\s]work|post[-\s]work|pre[-\s]dinner|"
        r"first|last|celebratory)\s+)?"
        r"(?:drinks?(?!\s+of\s+water)|cocktails?|beers?|pints?|wine|glass(?:es)?\s+of\s+(?!water)\w+|nightcap|booze)"
        r"(?!\s+(?:bars?|lounges?|gardens?|halls?|lists?|menus?|selections?|programs?|shops?|stores?|tastings?)\b)|"
        r"(?:somewhere|place|spot|where)\s+to\s+drink|to\s+drink\s+with|drinks\s+(?:spot|place|venue)s?|"
        # Spanish: "tomar algo", "unas copas", "para unas cervezas", "un lugar para beber".
        r"(?:tomar|tomarse|beber|pedir|disfrutar\s+de)\s+(?:algo(?!\s+de\s+comer)|(?:una?s?\s+)?(?:copas?|tragos?|"
        r"cervezas?|cañas?|vinos?|c[oó]cteles|c[oó]ctel|bebidas?)(?:\s+de\s+vino)?)|"
        r"para\s+(?:una?s?\s+)?(?:copas?|tragos?|cervezas?|cañas?|c[oó]cteles|c[oó]ctel)\b|"
        # French: "boire un verre", "prendre un pot", "pour l'apéro", "un endroit où boire".
        r"(?:boire|prendre|siroter|d[ée]guster|partager)\s+(?:un|une|des|quelques|un\s+petit|une\s+petite|"
        r"l['’])\s*(?:verres?|coups?|bi[eè]res?|cocktails?|vins?|pots?|ap[ée]ros?|boissons?|pintes?)|"
        r"pour\s+(?:un|une|des|l['’])\s*(?:verre|ap[ée]ro|cocktail|bi[eè]re|pot|pinte)s?|"
        r"(?:pour|o[uù])\s+boire(?!\s+(?:un|une|des|du|quelques|l['’]))|(?:para|donde|d[oó]nde)\s+beber)\b",
        re.I,
    ),
    # A street address ("located at 55 Fulton Street", "à l'adresse 59 Rue 9e"): the catalogue keeps none.
    "address": re.compile(
        r"\b\d{1,5}\s+(?!(?:minutes?|mins?|km|kilometers?|kilometres?|miles?|blocks?|meters?|metres?|m)\b)"
        r"(?:[ewns]\.?\s+|east\s+|west\s+)?(?:\d{1,3}(?:st|nd|rd|th)\s+|[a-z][\w'-]*\s+){1,2}"
        r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|place|pl|lane|drive)\b|\b\d{1,5}\s+broadway\b"
        r"|\b\d{1,5},?\s+(?:rue|calle|avenida)\s+\w+",
        re.I,
    ),
    # Ratings and reviews: the data has none.
    "reviews": re.compile(
        r"(?:\b\d(?:\.\d)?\s*(?:out\s+of|/)\s*(?:5|10)\b|\b(?:\d(?:\.\d)?|one|two|three|four|five)[- ]stars?\b|"
        r"\b(?:rat(?:ed|ing|ings)|reviews?|reviewers?|yelp|zagat|michelin)\b)",
        re.I,
    ),
    # The assistant has been nowhere: "a Mexican place that I haven't tried yet", "my favourite spot", "I love it".
    "the assistant's own visits": re.compile(
        r"\bI(?:'ve|\s+have)?\s+(?:never\s+|not\s+|also\s+|personally\s+)?(?:been\s+(?:there|to)|tried|visited|eaten)\b"
        r"|\bI\s+(?:haven'?t|have\s+not|hadn'?t|didn'?t|never)\s+(?:been|tried|try|visited|visit|gone|eaten)\b"
        r"|\bmy\s+(?:personal\s+|own\s+|all-time\s+)?favou?rites?\b"
        r"|\bI\s+(?:personally\s+|really\s+)?(?:love|loved|enjoy|enjoyed|adore)\s+(?:it|this|that|their|the|going|eating)\b",
        re.I,
    ),
    # One user's data never reaches another: a reply that speaks of "user 300" states what it cannot know.
    "another person's visits": re.compile(r"\b(?:user|usuario|utilisateur)\s*#?\s*\d+\b", re.I),
    "where the user lives or works": re.compile(
        r"\b(?:your\s+(?:workplace|office|work|job|home|house|apartment|flat|hotel|school|campus)|"
        r"where\s+you\s+(?:work|live|stay)|(?:from|near)\s+work)\b",
        re.I,
    ),
}
# The same subjects in the Spanish and French a reply may be written in (the rest of the claims read English only).
_UNKNOWN_ES_FR = {
    "hours": r"ouvert(?:e|s)?\s+(?:maintenant|tard|jusqu|tous|le|du|de|24)|heures\s+d'ouverture|horaires?|"
    r"ferme\s+[àa]|abiert[oa]s?\s+(?:ahora|hasta|tarde|todos|los|las|24)|horarios?|cierra\s+a",
    "price": r"(?:pas|peu)\s+cher|bon\s+march[ée]|abordables?|[ée]conomiques?|prix|barat[oa]s?|asequibles?|"
    r"econ[óo]mic[oa]s?|precios?|car[oa]s?\b|\d+\s*(?:€|euros?|d[óo]lares)",
    "what it is like": r"d[ée]licieu(?:x|se)s?|savoureu(?:x|se)s?|d[ée]licios[oa]s?|sabros[oa]s?|ambiance|"
    r"ambiente|chaleureu(?:x|se)|acogedor[ae]?s?|c[ée]l[èe]bres?|c[ée]lebres?|famos[oa]s?|r[ée]put[ée]e?s?|"
    r"(?:le|la|les|el|los|las)\s+(?:meilleur(?:e|s)?|mejor(?:es)?)\s+(?:\w+\s+){0,3}?(?:de|du|des|en|à)\s+"
    r"(?:new\s+york|nueva\s+york|la\s+ville|la\s+ciudad|manhattan|brooklyn)|"
    # Novelty: "récemment ouvert", "vient d'ouvrir", "recién abierto", "acaba de abrir".
    r"(?:r[ée]cemment|nouvellement)\s+(?:ouvert|inaugur[ée])e?s?|vient\s+d'ouvrir|viennent\s+d'ouvrir|"
    r"(?:reci[ée]n|recientemente)\s+(?:abiert|inaugurad)[oa]s?|acaban?\s+de\s+abrir|"
    # "Una nueva tienda", "un nouveau café", "es nuevo": newness, not "nuevo para ti" / "nouveau pour toi".
    r"un[ao]?\s+nuev[oa]\s+(?!(?:[\w-]+\s+)?para\s+(?:ti|usted)\b)(?!(?:opci[oó]n|experiencia|idea)\b)\w+|"
    r"(?:es|son)\s+nuev[oa]s?\b(?!\s+para\s+(?:ti|usted)\b)|"
    r"une?\s+nouv(?:eau|el|elle)\s+(?!(?:[\w-]+\s+)?pour\s+(?:toi|vous)\b)(?!(?:option|exp[ée]rience|id[ée]e)\b)\w+|"
    r"(?:est|sont)\s+(?:tout\s+)?nouv(?:eau|elle)(?:x|s)?\b(?!\s+pour\s+(?:toi|vous)\b)|"
    # How loud, calm or pretty it is ("tranquilo y romántico", "un bar animé"), and rank ("el mejor lugar para").
    r"tranquil[oa]s?|tranquilles?|calmes?|silencios[oa]s?|paisibles?|ruidos[oa]s?|bruyante?s?|animad[oa]s?|"
    r"anim[ée]e?s?|rom[aá]ntic[oa]s?|romantiques?|bonit[oa]s?|lind[oa]s?|hermos[oa]s?|jolie?s?|magnifiques?|"
    r"relajad[oa]s?|d[ée]tendue?s?|"
    r"(?:buen[oa]s?|excelentes?|gran|ric[oa]s?)\s+(?:comida|cocina|ambiente|servicio|men[uú]|carta|caf[eé])|"
    r"(?:bonne|excellente|d[ée]licieuse|grande)\s+(?:cuisine|nourriture|bi[eè]re|ambiance|carte)|"
    r"(?:el|la|los|las|le|les)\s+(?:meilleur(?:e|s)?|mejor(?:es)?)\s+(?!(?:opci[oó]n|option|choix|elecci[oó]n|"
    r"alternativa|apuesta|pari)\b)(?:[\w'-]+\s+){0,2}?(?:para|pour|de|du|des|en|à|a)\b",
    # What it offers or sells ("ofrece una buena comida", "propose des cocktails", "avec une terrasse").
    "what it offers": r"(?<!\bte\s)(?<!\bvous\s)(?<!\bje\s)(?<!\bnous\s)(?<!\bi\s)(?:ofrecen?|ofreciendo|"
    r"sirven?|sirviendo|venden?|vendiendo|propos(?:e|ent)|offr(?:e|ent)|servent|vend(?:ent)?)\s+\w+|"
    r"terrasses?|terrazas?(?!\s+cervecer)|cervezas?\s+artesanales?|bi[eè]res?\s+artisanales?|"
    r"carta\s+de\s+(?:vinos|cervezas|c[oó]cteles)|carte\s+des\s+(?:vins|bi[eè]res|cocktails)|"
    r"ver\s+(?:el\s+|los\s+)?(?:partidos?|f[uú]tbol)|regarder\s+(?:le\s+|les\s+)?(?:match|matchs|foot)",
    "reviews": r"\d(?:[.,]\d)?\s*(?:sur|de)\s*(?:5|10)\b|[ée]toiles?|estrellas?|avis|rese[ñn]as?|"
    r"calificaci[óo]n|valoraci[óo]n|not[ée]e?\s+\d|note\s+moyenne|sur\s+une?\s+[ée]chelle",
    "where the user lives or works": r"chez\s+(?:vous|toi)|(?:votre|ton|ta)\s+(?:domicile|maison|bureau|travail|"
    r"appartement|h[ôo]tel|lieu\s+de\s+travail|quartier)|(?:tu|su)\s+(?:casa|oficina|trabajo|hotel|apartamento|"
    r"lugar\s+de\s+trabajo|barrio)",
}
for _subject, _pattern in _UNKNOWN_ES_FR.items():
    _UNKNOWN_RES[_subject] = re.compile(rf"{_UNKNOWN_RES[_subject].pattern}|\b(?:{_pattern})", re.I)
_UNKNOWN_RES["what it is like"] = re.compile(
    rf"{_UNKNOWN_RES['what it is like'].pattern}|\b(?:{_opinions('reputation', 'ambience', 'quality')})\b", re.I
)
_MEAL_RE = re.compile(r"breakfast|brunch|lunch|dinner|supper")
# The kinds of place each meal is had at (``profiles.places.KIND_GROUPS`` or categories).
_MEAL_KINDS: dict[str, tuple[str, ...]] = {
    "breakfast": ("Breakfast", "Deli"),
    "brunch": ("Brunch",),
    "lunch": ("Restaurant", "Breakfast", "Deli", "Sandwich", "Food Truck", "Food Court", "Gastropub", "Snack Place"),
    "dinner": ("Restaurant", "Food Truck", "Food Court", "Gastropub"),
}
_MEAL_KINDS["supper"] = _MEAL_KINDS["dinner"]
# The kinds of place that pour a drink: bars and the rest of nightlife, and the restaurants one sits down at (a deli or
# a pizza counter is no place for "a beer after work"); for a drink of any sort ("grab a drink", "tomar algo", "boire
# un verre"), cafés and tea rooms too.
_DRINKING_PLACES = (*DRINKING_KINDS, "Nightclub", "Nightlife", "Speakeasy", "Winery", "Sit-down Dinner")
_DRINK_PLACES = (*_DRINKING_PLACES, "Café", "Cafe", "Coffee Shop", "Tea Room", "Juice Bar", "Bubble Tea")
# What comes between a drink and the place it is had at ("a drink after work at Stout NYC", "un verre chez Joe's"),
# or the name a fronted drink is said of ("Crunch is a gym; for drinks afterwards, Stout NYC is 0.3 km away").
_AT_PLACE_RE = re.compile(r"\s+(?:[\w'-]+\s+){0,4}?(?:at|in|à|au|en|a|chez|dans)\s+|(?:\s+[\w'-]+){0,3},\s+", re.I)
_ALCOHOL_RE = re.compile(
    r"cocktail|c[oó]ctel|beer|bi[eè]re|cerveza|caña|pint|wine|\bvin|nightcap|booze|copa|trago|ap[ée]ro|champagne|"
    r"prosecco|whiske?y",
    re.I,
)
_HEDGES = _words("whether if check checking unsure sure know may might maybe perhaps cannot")
# "You might want to try X for its delicious food": the hedge is on the suggestion, not on the claim after it.
_SUGGESTING_RE = re.compile(
    r"\b(?:you|we)\s+(?:might|may)\s+(?:also\s+)?(?:want\s+to\s+|like\s+to\s+|wish\s+to\s+)?"
    r"(?:try|enjoy|like|love|want|prefer|consider|find|visit|check\s+out|head)\b",
    re.I,
)


def unknown_claims(sentence: str, offset: int = 0) -> list[Claim]:
    """Opening hours, prices, what a place is like, ratings and the user's home or work, with value
    ``(<subject>,)``; hedged ones ("check whether it is open now", "not sure it's cheap") are marked negated and not
    checked ("you might enjoy …" hedges the suggestion, not what it says of the place)."""
    found: list[Claim] = []
    # Blanked, not cut, so that positions stay those of the sentence.
    unhedged = _SUGGESTING_RE.sub(lambda match: " " * len(match.group(0)), sentence)
    for subject, pattern in _UNKNOWN_RES.items():
        for match in pattern.finditer(sentence):
            hedged = _negated(sentence, match.start()) or any(
                word in _HEDGES for word in _previous_words(unhedged, match.start(), 8)
            )
            found.append(Claim.found("unknown", match, offset, (subject,), hedged))
    return found


def find_claims(sentence: str, vocabulary: KindWords, offset: int = 0) -> list[Claim]:
    """Every claim of one sentence, in order (offsets shifted by ``offset``, the sentence's start in the reply)."""
    claims = [
        *visit_claims(sentence, offset),
        *category_claims(sentence, vocabulary, offset),
        *time_claims(sentence, offset),
        *day_said_claims(sentence, offset),
        *count_claims(sentence, offset),
        *distance_claims(sentence, offset),
        *popularity_claims(sentence, offset),
        *area_claims(sentence, offset),
        *unknown_claims(sentence, offset),
    ]
    return sorted(claims, key=lambda claim: (claim.start, claim.kind))


# ---- checking claims ----------------------------------------------------------------------------------------------


class _Sentence(NamedTuple):
    start: int
    end: int
    mentions: list[tuple[Mention, list[PlaceFacts]]]


def check_claims(
    text: str,
    places: Sequence[PlaceFacts],
    mentions: Sequence[Mention],
    kinds: Iterable[str],
    situation: Situation = NO_SITUATION,
) -> ClaimReport:
    """Every claim of a reply checked against the places it speaks of. ``mentions`` are the allowed place names
    the reply writes (``GroundingReport.allowed``), their ``item_ids`` keys of ``places``; ``kinds`` the catalogue's
    category names (``Assistant.kinds``)."""
    vocabulary = kind_words(frozenset(kinds))
    by_id = {place.item_id: place for place in places}
    named = [(mention, facts) for mention in mentions if (facts := _facts(mention, by_id))]
    sentences = [
        _Sentence(start, end, [(mention, facts) for mention, facts in named if start <= mention.start < end])
        for start, end in sentence_spans(text)
    ]
    reports = []
    for number, sentence in enumerate(sentences):
        earlier = next((s.mentions for s in reversed(sentences[:number]) if s.mentions), [])
        checker = _Checker(text, sentence, earlier, places, vocabulary, situation)
        reports.append(checker.report())
    return ClaimReport(sentences=tuple(reports))


def _facts(mention: Mention, by_id: Mapping[str, PlaceFacts]) -> list[PlaceFacts]:
    return [by_id[item_id] for item_id in mention.item_ids if item_id in by_id]


class _Checker:
    """Checks the claims of one sentence: finds them, picks the places each is about, asks their facts."""

    def __init__(
        self,
        text: str,
        sentence: _Sentence,
        earlier: list[tuple[Mention, list[PlaceFacts]]],
        places: Sequence[PlaceFacts],
        vocabulary: KindWords,
        situation: Situation,
    ) -> None:
        self.text = text
        self.sentence = sentence
        self.body = text[sentence.start : sentence.end]
        self.earlier = earlier
        self.places = list(places)
        self.vocabulary = vocabulary
        self.situation = situation
        words = {_lower(token.text) for token in tokens(self.body)}
        # "It", "there": the sentence also speaks of the last place named before it.
        self.refers_back = not sentence.mentions or bool(words & _PRONOUNS)

    def report(self) -> SentenceReport:
        names = [(m.start, m.end) for m, _ in self.sentence.mentions]
        claims = [
            claim
            for claim in find_claims(self.body, self.vocabulary, self.sentence.start)
            if not any(start < claim.end and claim.start < end for start, end in names)
        ]
        checked = [self.check(claim) for claim in claims]
        # A kind written out that holds (the place's own, or one denied) is no claim of what its words say: "HK
        # Catwalk is a Scenic Lookout", "a Student Center", "est un snack" name a kind, not a view, an audience or
        # a menu.
        held = [(c.claim.start, c.claim.end) for c in checked if c.claim.kind == "category" and c.supported]
        checked = [
            c
            for c in checked
            if c.claim.kind == "category"
            or not any(start <= c.claim.start and c.claim.end <= end for start, end in held)
        ]
        return SentenceReport(
            start=self.sentence.start,
            end=self.sentence.end,
            text=self.body,
            named=tuple(dict.fromkeys(place.item_id for _, facts in self.sentence.mentions for place in facts)),
            about=tuple(dict.fromkeys(place.item_id for facts in self._subjects() for place in facts)),
            claims=tuple(checked),
        )

    def _subjects(self) -> list[list[PlaceFacts]]:
        """The places the sentence speaks of: those it names, then (through a pronoun) the last ones named."""
        subjects = [facts for _, facts in self.sentence.mentions]
        if self.refers_back:
            subjects += [facts for _, facts in self.earlier]
        return subjects

    def _nearest(self, claim: Claim, known_kind: bool = False) -> list[PlaceFacts]:
        """The place named nearest a claim in its sentence (before it on a tie); else the last one named earlier;
        else every place of the turn (any of them may support the claim). ``known_kind``: only places whose
        category is known (a place only the evidence names cannot say what kind it is not)."""
        mentions = self.sentence.mentions
        if known_kind:
            mentions = [(mention, facts) for mention, facts in mentions if any(place.category for place in facts)]
        if mentions:

            def gap(mention: Mention) -> float:
                if mention.end <= claim.start:
                    return claim.start - mention.end
                return mention.start - claim.end + 0.5 if mention.start >= claim.end else 0

            return min(mentions, key=lambda pair: gap(pair[0]))[1]
        if self.earlier and (not self.sentence.mentions or self.refers_back):
            return self.earlier[-1][1]
        return self.places

    def _located(self, claim: Claim) -> list[PlaceFacts]:
        """What an area claim is about: the places of the last name before it in its sentence, with no "you"
        between ("Joe's, since you go to cafés around the West Village" speaks of the user's habit), else none."""
        before = [(mention, facts) for mention, facts in self.sentence.mentions if mention.end <= claim.start]
        if not before:
            # "Pier 84 is a great spot. It's located in Brooklyn.": a pronoun's place is the last one named earlier.
            if not self.refers_back or not self.earlier or _about_user(self.text[self.sentence.start : claim.start]):
                return []
            facts = self.earlier[-1][1]
            return [place for place in facts if place.latitude is not None and place.longitude is not None]
        mention, facts = before[-1]
        if _about_user(self.text[mention.end : claim.start]):
            return []
        return [place for place in facts if place.latitude is not None and place.longitude is not None]

    def _any(self) -> list[PlaceFacts]:
        subjects = [place for facts in self._subjects() for place in facts]
        return subjects or self.places

    def check(self, claim: Claim) -> CheckedClaim:
        if claim.kind == "visit":
            places, supported, reason = self._visit(claim)
        elif claim.kind == "category":
            places = self._nearest(claim)
            supported, reason = self._category(claim, places)
            if not supported and not any(place.category for place in places):
                # "Similar to Birreria, where you went, this is another restaurant": Birreria's kind is not known,
                # so the kind word is taken to speak of the suggestion nearest it.
                places = self._nearest(claim, known_kind=True)
                supported, reason = self._category(claim, places)
        elif claim.kind == "area":
            places = self._located(claim)
            # A name several branches share ("Starbucks in Times Square") holds if one of them is there.
            holds = is_in_area if claim.value[1:] == ("near",) else is_in_own_area
            inside = [p for p in places if holds(claim.value[0], p.latitude, p.longitude)]  # type: ignore[arg-type]
            supported = claim.negated or not places or bool(inside)
            reason = f"{_names(places)} is not in {claim.value[0]}"
        elif claim.kind == "unknown" and claim.value[0] == "drinks":
            places = self._poured_at(claim)
            supported, reason = self._drinks(claim, places)
        else:
            places = self._any()
            supported, reason = self._fact(claim, places)
        return CheckedClaim(
            claim=claim,
            sentence=self.body.strip(),
            places=tuple(dict.fromkeys(place.name for place in places)),
            supported=supported,
            reason="" if supported else reason,
        )

    def _said_by_user(self, claim: Claim, places: Sequence[PlaceFacts]) -> bool:
        """Whether a claim of what a place offers, or of where the user is, repeats what the user's message said
        ("near your office" after "coffee near the office", "près de votre bureau" after "près du bureau", "for live
        music" after "somewhere with live music"): every word of it but its frame ("your", "offers") is theirs. What
        one can buy there may also be said in the place's name or kind ("to buy art supplies" at Pearl Art & Craft
        Supply, an Arts & Crafts Store)."""
        if claim.value[0] not in _USER_WORD_SUBJECTS or not self.situation.when:
            return False
        said = {_plain(token.text) for token in tokens(self.situation.when[0])}
        if _BUYING_RE.match(claim.text):
            named = " ".join(f"{place.name} {place.category} {place.category_path}" for place in places)
            said |= {_plain(token.text) for token in tokens(named)}
        content = [_plain(token.text) for token in tokens(claim.text) if _lower(token.text) not in _FRAME_WORDS]
        return bool(content) and all(word in said for word in content)

    def _meal(self, claim: Claim, places: list[PlaceFacts]) -> tuple[bool, str]:
        """Each meal a sentence names is one the user asked for, or one every place it speaks of is a kind for."""
        asked = self.situation.when[0].lower() if self.situation.when else ""
        for meal in _MEAL_RE.findall(claim.text.lower()):
            kinds = _MEAL_KINDS[meal]
            known = [place for place in places if place.category]
            if meal in asked or all(any(is_of_kind(k, p.category, p.category_path) for k in kinds) for p in known):
                continue
            return False, f"the evidence of {_names(places)} does not say it is a place for {meal}"
        return True, ""

    def _dish(self, claim: Claim, places: list[PlaceFacts]) -> tuple[bool, str]:
        """A dish a sentence names is one the user asked for (not ruled out), or one every place it speaks of is of
        the kind for, or one in its name ("Joe's Pizza")."""
        match = _UNKNOWN_RES["dishes"].search(claim.text)
        dish = match["dish"].lower() if match else claim.text.lower()
        kind = DISHES.get(dish, "")
        message = self.situation.when[0].lower() if self.situation.when else ""
        said = re.finditer(rf"\b{re.escape(dish)}\b", message)
        asked = [found for found in said if not _negated(message, found.start())]
        known = [place for place in places if place.category]
        if asked or all(
            is_of_kind(kind, place.category, place.category_path) or dish.rstrip("s") in place.name.lower()
            for place in known
        ):
            return True, ""
        return False, f"the evidence of {_names(places)} does not say it is a place for {dish}"

    def _poured_at(self, claim: Claim) -> list[PlaceFacts]:
        """Where a drink is had: the place named after it behind "at" ("after Equinox, grab a drink at Stout NYC"),
        else the place named nearest it ("Stout NYC is a great place to grab a drink")."""
        for mention, facts in self.sentence.mentions:
            if mention.start >= claim.end and _AT_PLACE_RE.fullmatch(self.text[claim.end : mention.start]):
                return facts
        return self._nearest(claim)

    def _drinks(self, claim: Claim, places: list[PlaceFacts]) -> tuple[bool, str]:
        """A drink a sentence offers is one the kind of every place it speaks of pours (:data:`_DRINK_PLACES`; for
        beer, wine or a cocktail :data:`_DRINKING_PLACES`): true of a bar or a restaurant, never of a gym or a bank,
        whatever the user asked for."""
        if claim.negated:
            return True, ""
        kinds = _DRINKING_PLACES if _ALCOHOL_RE.search(claim.text) else _DRINK_PLACES
        known = [place for place in places if place.category]
        if all(any(is_of_kind(kind, place.category, place.category_path) for kind in kinds) for place in known):
            return True, ""
        return False, f"{_names(places)} is not a kind of place known for drinks ({claim.text!r})"

    # -- visits

    def _visit(self, claim: Claim) -> tuple[list[PlaceFacts], bool, str]:
        target = self._object(claim) if claim.value == ("object",) else None
        if isinstance(target, tuple):  # a habit: "you often go to coffee shops", "you love jazz"
            if claim.negated:
                return [], True, ""
            lines = [*self.situation.habits, *(line for p in self.places for line in p.evidence if _about_user(line))]
            # A place the user has been to also says what they go for: its kinds ("coffee" of a Coffee Shop).
            keys = [_key(line) for line in lines]
            keys += [key for p in self.places if p.is_return for key in self.vocabulary.of_place(p)]
            supported = any(_contains(key, alternative) for key in keys for alternative in target)
            words = " ".join(target[0])
            return [], supported, f"nothing about the user says they go for {words}"
        places = target if isinstance(target, list) else self._nearest(claim)
        if claim.negated:
            supported = not all(place.is_return for place in places)
            return places, supported, f"the user has been to {_names(places)}"
        supported = any(place.is_return for place in places)
        return places, supported, f"the user has never been to {_names(places)}"

    def _object(self, claim: Claim) -> list[PlaceFacts] | tuple[Key, ...] | None:
        """What a visit verb is about: the place named right after it, a kind of place or (after "love", "enjoy")
        a thing, as keys; or None: the nearest place ("you went there", "that you went to on Friday")."""
        words = tokens(self.text)
        after = [index for index, word in enumerate(words) if claim.end <= word.start < self.sentence.end]
        for step, index in enumerate(after[:4]):
            word = words[index]
            for mention, facts in self.sentence.mentions:
                if mention.start <= word.start < mention.end:
                    return facts
            folded = _lower(word.text)
            if folded in _OBJECT_PRONOUNS or (step and not _tight(self.text, words[index - 1], word)):
                return None
            if folded in _OBJECT_SKIP:
                continue
            for ahead in (index, index + 1):  # one describing word may come first ("quiet cafés")
                kind = self.vocabulary.find(words, ahead, generic=True) if ahead < len(words) else None
                if kind is not None and words[ahead].start < self.sentence.end:
                    others = sorted(self.vocabulary.synonyms_of(kind[1]) - {kind[1]})
                    return (kind[1], *others)
            liking = _LIKING_RE.search(claim.text) is not None
            if liking and word.text[:1].islower() and folded.isalpha() and folded not in _FUNCTION_WORDS:
                return ((_plain(word.text),),)
            return None
        return None

    # -- kinds

    def _category(self, claim: Claim, places: list[PlaceFacts]) -> tuple[bool, str]:
        true = [place for place in places if claim.value in self.vocabulary.of_place(place)]
        if claim.negated:
            return not true, f"{_names(places)} is {claim.text}"
        if true:
            return True, ""
        described = [f"{place.name} is {with_article(place.category)}" for place in places if place.category]
        unknown = [place.name for place in places if not place.category]
        reason = "; ".join(described) if described else ""
        if unknown:
            reason = "; ".join(
                filter(None, [reason, f"the evidence does not say what kind of place {_names(places)} is"])
            )
        return False, reason

    # -- times, counts, distances, popularity

    def _fact(self, claim: Claim, places: list[PlaceFacts]) -> tuple[bool, str]:
        lines = [line for place in places for line in place.evidence]
        names = _names(places)
        if claim.kind == "time":
            if claim.negated:
                return True, ""
            day, part = claim.value
            if day == "day said":  # "your date tonight" when the user asked about tomorrow
                asked = _days_said(self.situation.when[0]) if self.situation.when else set()
                return not asked or part in asked, f"the user did not ask about {claim.text!r}"
            times = [_time_value(match) for line in [*lines, *self.situation.when] for match in _TIME_RE.finditer(line)]
            supported = any(_same_time(day, part, other_day, other_part) for other_day, other_part in times)
            return supported, f"no evidence line of {names} says {claim.text!r}"
        if claim.kind == "count":
            counts = {value for line in lines for _, value in _counts(line)}
            if any(_ONCE_RE.search(line) for line in lines):
                counts.add(("1", "visit"))
            return claim.value in counts, f"no evidence line of {names} counts {claim.text!r}"
        if claim.kind == "distance":
            return _distance_ok(claim.value, places, lines), _distance_reason(claim, places)
        if claim.negated:
            return True, ""
        if claim.kind == "unknown" and claim.value[0] == "meals":
            return self._meal(claim, places)
        if claim.kind == "unknown" and claim.value[0] == "dishes":
            return self._dish(claim, places)
        if claim.kind == "unknown":
            pattern = _UNKNOWN_RES[claim.value[0]]
            supported = any(pattern.search(line) for line in lines) or self._said_by_user(claim, places)
            return supported, f"nothing in the evidence of {names} speaks of {claim.value[0]} ({claim.text!r})"
        if claim.value[0] == "audience":
            supported = any(_contains(_key(line), (claim.value[1],)) for line in lines)
            return supported, f"no evidence line of {names} speaks of {claim.text}"
        return any(_POPULAR_RE.search(line) for line in lines), f"no evidence line of {names} says it is popular"


_BUYING_RE = re.compile(
    r"(?:to\s+buy|to\s+shop\s+for|buy\s+your|para\s+comprar|de\s+comprar|d[oó]nde\s+comprar|"
    r"pour\s+acheter|d['’]acheter|o[uù]\s+acheter)\b",
    re.I,
)
# The subjects a claim of which may repeat the user's own words, and the words of such a claim that only frame it.
_USER_WORD_SUBJECTS = frozenset({"what it offers", "where the user lives or works"})
_FRAME_WORDS = _words(
    """your yours you where near from to for with a an the its their up some buy shop offers offering serves serving
    has have having featuring boasts stocks sells selling votre ton ta tes vos tu su sus chez vous toi pres de du des
    d para comprar donde pour acheter ou la le les el los las un una une cerca"""
)
_LIKING_RE = re.compile(r"\b(?:love|loved|enjoy|enjoyed|like|liked)\b", re.I)
_FUNCTION_WORDS = _words(
    """on at in for with every each and or but when where while during around about as so because since during
    this that these those there here it its them they their your my our his her a an the is are was were be been
    has have had will would can could should might may do does did not"""
)


def _same_time(day: str, part: str, other_day: str, other_part: str) -> bool:
    """Whether a claimed (day, part) is said by a line's (day, part); '' in the claim matches anything."""
    if part and part != other_part:
        return False
    if not day:
        return True
    if day == "weekend":
        return other_day in (*_WEEKEND, "weekend")
    if day == "weekday":
        return other_day in (*_WEEKDAY, "weekday")
    return day == other_day


def _distance_ok(value: tuple[str, ...], places: Sequence[PlaceFacts], lines: Sequence[str]) -> bool:
    said = {claimed for line in lines for _, claimed in _distances(line)}
    if value[0] == "within":  # "a short walk": true of a place that near
        return any(place.distance_km is not None and place.distance_km <= float(value[1]) for place in places)
    if value[0] != "km":
        return value in said
    claimed = float(value[1])
    known = [float(km) for unit, km in said if unit == "km"]
    known += [place.distance_km for place in places if place.distance_km is not None]
    return any(abs(claimed - km) <= max(0.05, 0.1 * km) + 1e-9 for km in known)


def _distance_reason(claim: Claim, places: Sequence[PlaceFacts]) -> str:
    distances = [f"{place.name} is {place.distance_km:.1f} km away" for place in places if place.distance_km]
    return "; ".join(distances) or f"no evidence line of {_names(places)} says {claim.text!r}"


def _contains(words: Key, part: Key) -> bool:
    """Whether ``part`` occurs in ``words`` as consecutive words."""
    size = len(part)
    return size > 0 and any(words[index : index + size] == part for index in range(len(words) - size + 1))


def _names(places: Sequence[PlaceFacts]) -> str:
    names = list(dict.fromkeys(place.name for place in places))
    if not names:
        return "any suggested place"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ---- a reply checked and repaired ---------------------------------------------------------------------------------


def claims_in_reply(
    text: str,
    places: Sequence[PlaceFacts],
    kinds: Iterable[str],
    catalogue: Mapping[str, str] | NameIndex | None = None,
    situation: Situation = NO_SITUATION,
) -> ClaimReport:
    """``check_claims`` with the place names found here (``catalogue``: every item id to its name; by default only
    the places themselves)."""
    kinds = frozenset(kinds)
    allowed = {place.item_id: place.name for place in places if place.name}
    report = check_reply(text, allowed, catalogue if catalogue is not None else allowed, kinds)
    return check_claims(text, places, report.allowed, kinds, situation)


def code_sentence(place: PlaceFacts, origin: str | None = None, language: str = "en") -> str:
    """What code says of a place in place of a sentence it could not trust, in the request's ``language``: its kind
    and distance (from ``origin``, the place a request searched around, else from the user), or its first evidence
    line."""
    if place.category:
        # "Gym / Fitness Center" in capitals would read as two unknown venues to the name check.
        kind = place.category.lower() if "/" in place.category else place.category
        # "Prime Cafe est un café.", a sentence, not the fragment "Prime Cafe : café.".
        kind = with_article(kind) if language == "en" else category_with_article(kind, language)
        if place.distance_km is None or place.distance_km < 0.05:
            return fixed_text("code_sentence", language).format(name=place.name, kind=kind)
        template = fixed_text("code_sentence_from" if origin else "code_sentence_here", language)
        return template.format(name=place.name, kind=kind, km=f"{place.distance_km:.1f}", origin=origin)
    return f"{place.name}: {place.evidence[0]}." if place.evidence else ""


def repair_claims(
    text: str, report: ClaimReport, places: Sequence[PlaceFacts], origin: str | None = None, language: str = "en"
) -> str:
    """The reply with each sentence that says something unsupported replaced by code sentences about the suggested
    places it speaks of (each place once; distances from ``origin``, see :func:`code_sentence`), or dropped when it
    speaks of none. A place already spoken of, or one of the same name (two Starbucks), is not described again."""
    by_id = {place.item_id: place for place in places}
    described: set[str] = set()
    parts: list[str] = []
    cursor = 0
    for sentence in report.sentences:
        parts.append(text[cursor : sentence.start])
        cursor = sentence.end
        named = [by_id[item_id] for item_id in sentence.named if item_id in by_id]
        if sentence.ok:
            parts.append(text[sentence.start : sentence.end])
            described.update(place.name.casefold() for place in named)
            continue
        written = []
        for place in named:
            if place.suggested and place.name.casefold() not in described:
                written.append(code_sentence(place, origin, language))
                described.add(place.name.casefold())
        parts.append(" ".join(line for line in written if line))
    parts.append(text[cursor:])
    repaired = re.sub(r"[ \t]{2,}", " ", "".join(parts))
    repaired = re.sub(r"\n{3,}", "\n\n", repaired).strip()
    if not repaired:
        first = next((place for place in places if place.suggested), None)
        repaired = code_sentence(first, origin, language) if first is not None else ""
    return repaired


def rewrite_note(records: Sequence[Mapping[str, Any]]) -> str:
    """The problems of a reply for the prompt that asks for it again ("" when there are none)."""
    problems = list(dict.fromkeys(f'"{record["claim"]}" ({record["reason"]})' for record in records))
    if not problems:
        return ""
    return " Do not say these again, the evidence does not support them: " + "; ".join(problems) + "."


__all__ = [
    "GENERIC_KINDS",
    "CheckedClaim",
    "Claim",
    "ClaimKind",
    "ClaimReport",
    "KindWords",
    "PlaceFacts",
    "SentenceReport",
    "Situation",
    "category_claims",
    "check_claims",
    "claims_in_reply",
    "code_sentence",
    "count_claims",
    "day_said_claims",
    "distance_claims",
    "find_claims",
    "kind_words",
    "popularity_claims",
    "repair_claims",
    "rewrite_note",
    "time_claims",
    "turn_places",
    "unknown_claims",
    "visit_claims",
]
