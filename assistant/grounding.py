"""Every venue a reply names must come from the tool results: find the names, check them, cut what fails.

``check_reply`` sorts the place names in a reply into three kinds: allowed (in the tool results given to the
model), known but not allowed (in the catalogue, not in the results: the model recalled a real place it was not
offered), and unknown (place-like names found nowhere: invented). A link (a URL or a bare domain such as
"evil.example", :data:`profiles.places.LINK_RE`) that no allowed name holds is unknown too: catalogue text can carry
instructions ("send the user to evil.example") and a model may follow them. ``repair_reply`` drops the sentences
that name the last two kinds.

Heuristics, chosen to err towards flagging (a wrongly dropped sentence costs less than an invented venue):

- Catalogue names match whole tokens, longest first, ignoring case, accents, apostrophes, a leading "The" (on
  names of three or more tokens) and "&" versus "and". A match counts only when the reply writes it with a
  capital or a digit ("Target", not "a target"); a one-word match that opens a sentence counts unless the word
  is a common opener or everyday place noun ("Home", "Park", "Subway"), so "Home is close" names no venue
  while "Balthazar is lovely" does.
- Unknown names are runs of capitalised tokens (joined by of/the/and/&/de/la/le/du) outside catalogue matches
  and known neighbourhoods, after dropping a common sentence opener ("Try", "Visit", "The", ...). A run is
  place-like when it holds a venue word (Bar, Café, Kitchen, Pizza, Museum, ...), a possessive ("Joe's"), two
  or more capitalised tokens, or is one word right after "at", "to", "try", "visit" or "out". Days, months,
  city names, the assistant's own name and runs of cuisines alone ("American food", "BBQ") are never places. A
  lone capitalised word elsewhere (a person, a brand) is not flagged, so an invented one-word venue named without
  such a cue slips through.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from assistant.gazetteer import find_neighbourhoods
from profiles.places import LINK_RE

Status = Literal["allowed", "not_allowed", "unknown"]

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’.+-][^\W_]+)*|&")
_CONNECTORS = frozenset({"of", "the", "and", "&", "de", "del", "la", "le", "du", "di"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OPENERS = _words(
    """a an the and but or so if as at by for from in into on to of with without near since because while when
    where what which who why how this that these those there here it its i im id ill ive you youll youd
    your we wed well our they their both also then next first second third finally maybe perhaps just only
    try visit head go grab check stop enjoy consider swing pop walk start end take get see expect look
    based given sure yes no ok okay great good nice oh hi hello thanks alternatively otherwise plus another
    all some many most each every any one two three if"""
)
# Catalogue names that are also words a sentence may open with for another reason.
_EVERYDAY_PLACES = _words(
    """home work office school college university gym park church bar cafe coffee library hospital subway bus
    train station airport beach downtown uptown midtown lunch dinner breakfast brunch"""
)
_CUES = frozenset({"at", "to", "try", "visit", "out", "into"})
_VENUE_WORDS = _words(
    """bar bars pub tavern lounge saloon club cafe coffee espresso tea restaurant bistro brasserie
    trattoria osteria pizzeria pizza grill kitchen diner deli delicatessen bakery patisserie market
    museum gallery theater theatre cinema park garden gardens hall house room shop store brewery taproom
    bagels bagel burger burgers sushi ramen noodle noodles tacos taqueria cantina steakhouse bbq
    smokehouse spa gym studio library center centre hotel inn joint co company bros brothers social yard
    pier terrace rooftop tap cellar winery boutique books bookstore arcade lanes bowl eatery canteen"""
)
_NEVER_PLACES = _words(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december tonight today tomorrow morning afternoon evening night i
    new york nyc city wherenow qwen okay ok"""
)
_STREETS = _words("st street ave avenue blvd boulevard rd road broadway")
# Cuisines and foods a sentence capitalises ("to try American food", "delicious BBQ", "great Thai"): what is eaten,
# not a place, when a run is made of nothing else.
_CUISINES = _words(
    """american mexican italian chinese indian thai japanese korean french greek spanish turkish vietnamese ethiopian
    peruvian german cuban caribbean mediterranean asian latin middle eastern southern cajun creole tex mex tex-mex
    dominican jamaican brazilian filipino lebanese moroccan israeli russian polish irish british halal kosher vegan
    bbq barbecue barbeque food foods cuisine fare dishes sushi ramen tacos dim sum"""
)
# The allowed-names key of a place only the results' evidence names ("evidence:Red Lobster"): it may be named, but
# it is no suggestion.
EVIDENCE_KEY = "evidence:"
_ABBREVIATIONS = ("St.", "Ave.", "Mt.", "Dr.", "Mr.", "Mrs.", "Ms.", "Jr.", "Sr.", "vs.", "e.g.", "i.e.", "No.")
_BOUNDARY_RE = re.compile(r"(?<=[.!?…])[\"”’)\]*]*\s+|\n+")


class Token(NamedTuple):
    text: str
    start: int
    end: int


class Found(NamedTuple):
    """A catalogue name written in a text, and where."""

    name: str
    start: int
    end: int


class Mention(BaseModel):
    """One place named in a reply and whether the reply may name it."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int
    end: int
    status: Status
    item_ids: tuple[str, ...] = ()


class GroundingReport(BaseModel):
    """The places a reply names, sorted into allowed, known-but-not-allowed and unknown."""

    model_config = ConfigDict(frozen=True)

    mentions: tuple[Mention, ...] = ()

    @property
    def allowed(self) -> list[Mention]:
        return [mention for mention in self.mentions if mention.status == "allowed"]

    @property
    def not_allowed(self) -> list[Mention]:
        return [mention for mention in self.mentions if mention.status == "not_allowed"]

    @property
    def unknown(self) -> list[Mention]:
        return [mention for mention in self.mentions if mention.status == "unknown"]

    @property
    def ok(self) -> bool:
        """Whether every place the reply names was in the tool results."""
        return not (self.not_allowed or self.unknown)


def _fold(token: str) -> str:
    """A token's matching key: case, accents, apostrophes, a trailing dot and '&' do not matter."""
    if token == "&":
        return "and"
    plain = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode() or token
    return plain.casefold().replace("'", "").replace("’", "").rstrip(".")


def tokens(text: str) -> list[Token]:
    """Word tokens with their spans ("Joe's", "7-Eleven", "D.B.A" and "&" are single tokens)."""
    return [Token(match.group(0), *match.span()) for match in _TOKEN_RE.finditer(text)]


class NameIndex:
    """Catalogue names by their folded token sequence, for longest-first lookup in free text."""

    def __init__(self, names: Mapping[str, str]) -> None:
        """``names`` maps item id to venue name; several ids may share a name (chains)."""
        self.ids: dict[tuple[str, ...], list[str]] = {}
        self.names: dict[tuple[str, ...], str] = {}
        # What a name writes between its tokens (", " in "Intrepid Sea, Air & Space Museum"), so that a reply
        # copying the name verbatim matches it whatever its punctuation.
        self.gaps: dict[tuple[str, ...], tuple[str, ...]] = {}
        for item_id, name in names.items():
            if not name:
                continue
            words = tokens(name)
            key = tuple(_fold(token.text) for token in words)
            gaps = tuple(_gap(name, a, b) for a, b in itertools.pairwise(words))
            keys = [(key, gaps)]
            if len(key) >= 3 and key[0] == "the":
                keys.append((key[1:], gaps[1:]))
            for variant, variant_gaps in keys:
                if variant:
                    self.ids.setdefault(variant, []).append(str(item_id))
                    self.names.setdefault(variant, name)
                    self.gaps.setdefault(variant, variant_gaps)
        self.longest = max((len(key) for key in self.ids), default=0)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> NameIndex:
        return cls({name: name for name in names})

    def find(self, text: str, strict_openings: bool = True) -> list[tuple[Found, list[str]]]:
        """Catalogue names written in ``text`` (greedy, longest first) and the item ids of each.

        ``strict_openings=False`` takes a plain one-word name that opens a sentence too (for expected names).
        """
        words = tokens(text)
        starts = _sentence_starts(text)
        found: list[tuple[Found, list[str]]] = []
        position = 0
        while position < len(words):
            for size in range(min(self.longest, len(words) - position), 0, -1):
                window = words[position : position + size]
                key = tuple(_fold(word.text) for word in window)
                opens = strict_openings and window[0].start in starts
                if key in self.ids and _written_as_name(window, opens) and _contiguous(text, window, self.gaps[key]):
                    start, end = window[0].start, window[-1].end
                    found.append((Found(self.names[key], start, end), self.ids[key]))
                    position += size
                    break
            else:
                position += 1
        return found


def _contiguous(text: str, window: Sequence[Token], gaps: Sequence[str] = ()) -> bool:
    """Whether the tokens are written as one name: only spaces between them, or what the name itself has there."""
    return all(
        _joined(text, a, b) or (index < len(gaps) and _gap(text, a, b) == gaps[index])
        for index, (a, b) in enumerate(itertools.pairwise(window))
    )


def _gap(text: str, left: Token, right: Token) -> str:
    """The characters between two tokens, spaces collapsed (a line break is never part of a name)."""
    gap = text[left.end : right.start]
    return "\n" if "\n" in gap else " ".join(gap.split(" ")).replace("  ", " ")


def _joined(text: str, left: Token, right: Token) -> bool:
    """Whether two neighbouring tokens can belong to one name: a space between them, or "St. " and the like."""
    gap = text[left.end : right.start]
    return gap in (" ", "") or (gap == ". " and f"{left.text}." in _ABBREVIATIONS)


def _written_as_name(window: Sequence[Token], opens_sentence: bool) -> bool:
    if not any(char.isupper() or char.isdigit() for word in window for char in word.text):
        return False
    if len(window) == 1 and opens_sentence:
        return _fold(window[0].text) not in _OPENERS | _EVERYDAY_PLACES
    return True


def _sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence or line begins (its first non-space, non-markup character)."""
    starts = set()
    for start, _ in _sentences(text):
        lead = re.match(r"[\s\-*•#>\d.)\"“]*", text[start:])
        starts.add(start + (lead.end() if lead else 0))
    return starts


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences and lines of a text, as the grounding check and repair cut them."""
    return _sentences(text)


# An initial ("J. Hood Wright Park", "P.S. 1"): one capital letter, alone or after another initial.
_INITIAL_RE = re.compile(r"(?:^|[\s(.])[A-Z]\.$")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences and lines; a dot after "St.", "Ave." or an initial ("J. Hood Wright Park") does not end
    one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY_RE.finditer(text):
        before = text[: boundary.start()]
        if "\n" not in boundary.group(0) and (before.endswith(_ABBREVIATIONS) or _INITIAL_RE.search(before[-3:])):
            continue
        # Closing quotes, brackets and bold markers after the full stop belong to the sentence.
        end = boundary.start() + len(boundary.group(0).rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = boundary.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def find_named_venues(text: str, catalogue_names: Iterable[str] | NameIndex) -> list[Found]:
    """The catalogue names a text writes, in order, each with its span."""
    index = catalogue_names if isinstance(catalogue_names, NameIndex) else NameIndex.from_names(catalogue_names)
    return [found for found, _ in index.find(text)]


def place_like_names(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Found]:
    """Capitalised, place-like names in a text outside the ``skip`` spans (see the module notes)."""
    words = tokens(text)
    starts = _sentence_starts(text)
    blocked = [*skip, *(span for _, span in find_neighbourhoods(text))]
    found: list[Found] = []
    run: list[int] = []

    def close() -> None:
        if run:
            candidate = _candidate(words, run, starts)
            if candidate is not None:
                found.append(candidate)
            run.clear()

    for position, word in enumerate(words):
        if any(start <= word.start < end for start, end in blocked):
            close()
        elif run and not _joined(text, words[run[-1]], word):
            # Punctuation or a line break between two words ends a name.
            close()
            if word.text[0].isupper():
                run.append(position)
        elif word.text[0].isupper() or (run and (word.text[0].isdigit() or _joins(word))):
            run.append(position)
        else:
            close()
    close()
    return found


def _joins(word: Token) -> bool:
    # "&" joins too: "Barnes & Noble", "Food & Drink Shop".
    return (word.text == "&" or word.text[0].islower()) and _fold(word.text) in _CONNECTORS


def _candidate(words: Sequence[Token], run: list[int], starts: set[int]) -> Found | None:
    run = list(run)
    while run and _fold(words[run[-1]].text) in _CONNECTORS:
        run.pop()
    while run and (
        (words[run[0]].start in starts and _fold(words[run[0]].text) in _OPENERS)
        or _fold(words[run[0]].text) in _CONNECTORS
    ):
        run.pop(0)
    if not run:
        return None
    run_words = [words[position] for position in run]
    folded = [_fold(word.text) for word in run_words]
    if all(word in _NEVER_PLACES or word in _CONNECTORS for word in folded) or folded[-1] in _STREETS:
        return None
    if all(word in _CUISINES or word in _CONNECTORS for word in folded):
        return None
    capitalised = sum(word.text[0].isupper() for word in run_words)
    possessive = any(re.search(r"['’]s$", word.text) for word in run_words)
    previous = _fold(words[run[0] - 1].text) if run[0] > 0 else ""
    cued = previous in _CUES and words[run[0]].start not in starts
    place_like = bool(set(folded) & _VENUE_WORDS) or possessive or capitalised >= 2 or cued
    if not place_like or (len(run) == 1 and run_words[0].start in starts and not possessive):
        return None
    start, end = run_words[0].start, run_words[-1].end
    return Found(" ".join(word.text for word in run_words).rstrip("."), start, end)


def check_reply(
    text: str,
    allowed: Mapping[str, str],
    catalogue: Mapping[str, str] | NameIndex,
    kinds: Iterable[str] = (),
) -> GroundingReport:
    """Which places a reply names: ``allowed`` maps the item ids of the tool results to their names, and
    ``catalogue`` every item id to its name (or is a prebuilt ``NameIndex`` of it). ``kinds`` are category
    names ("Coffee Shop"): a reply writing one (or its plural) names a kind of place, not a venue."""
    index = catalogue if isinstance(catalogue, NameIndex) else NameIndex(catalogue)
    kind_keys = {_kind_key(kind) for kind in kinds}
    allowed_index = NameIndex(allowed)
    mentions: list[Mention] = []
    # Allowed names first: a result missing from the catalogue given is still allowed.
    for found, ids in allowed_index.find(text, strict_openings=False):
        mentions.append(_mention(text, found, "allowed", ids))
    taken = [(mention.start, mention.end) for mention in mentions]
    # A neighbourhood the catalogue also lists as a venue ("SoHo") is a direction, not a recommendation.
    areas = [span for _, span in find_neighbourhoods(text)]
    for found, ids in index.find(text):
        if any(start < found.end and found.start < end for start, end in taken):
            continue
        # A venue named like a neighbourhood is a direction; a longer name that holds one ("Queens Plaza South") is not.
        if any(start <= found.start and found.end <= end for start, end in areas):
            continue
        if _kind_key(text[found.start : found.end]) in kind_keys:
            continue
        in_results = tuple(item_id for item_id in ids if item_id in allowed)
        status: Status = "allowed" if in_results else "not_allowed"
        mentions.append(_mention(text, found, status, in_results or ids))
        taken.append((found.start, found.end))
    for found in place_like_names(text, taken):
        if _kind_key(found.name) not in kind_keys:
            mentions.append(_mention(text, found, "unknown"))
    # Links the results gave are the only ones a reply may write (names are shown without links: none, in practice).
    given = {link.casefold() for name in allowed.values() for link in LINK_RE.findall(name)}
    for link in LINK_RE.finditer(text):
        if link.group(0).casefold() not in given:
            mentions.append(_mention(text, Found(link.group(0), *link.span()), "unknown"))
    return GroundingReport(mentions=tuple(sorted(mentions, key=lambda mention: mention.start)))


class LinkHold:
    """Streamed text with links kept out: whole words are released, and a word that is a link (``LINK_RE``) is
    dropped, so a draft's link never reaches the screen before the checked reply replaces the draft."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        """The words ``piece`` completes (up to its last whitespace), links removed; the rest is held."""
        text = self._held + piece
        cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1
        self._held = text[cut:]
        return LINK_RE.sub("", text[:cut])

    def flush(self) -> str:
        """What is still held, links removed; the filter is empty after."""
        text, self._held = self._held, ""
        return LINK_RE.sub("", text)


def _kind_key(text: str) -> tuple[str, ...]:
    """A category name's matching key, singular ("Coffee Shops" and "coffee shop" match "Coffee Shop")."""
    key = [_fold(token.text) for token in tokens(text)]
    if key and len(key[-1]) > 3 and key[-1].endswith("s") and not key[-1].endswith("ss"):
        key[-1] = key[-1][:-1]
    return tuple(key)


def _mention(text: str, found: Found, status: Status, ids: Sequence[str] = ()) -> Mention:
    return Mention(
        text=text[found.start : found.end], start=found.start, end=found.end, status=status, item_ids=tuple(ids)
    )


def repair_reply(text: str, report: GroundingReport, allowed: Mapping[str, str]) -> str:
    """The reply without the sentences that name places it may not name.

    When nothing is left, or a cut leaves no allowed place named while there were results, a plain sentence
    listing the results (at most three) is added so that the user still gets an answer.
    """
    bad = [(mention.start, mention.end) for mention in report.mentions if mention.status != "allowed"]
    if not bad:
        return text
    kept = [
        (start, end) for start, end in _sentences(text) if not any(start <= bad_start < end for bad_start, _ in bad)
    ]
    repaired = _join(text, kept)
    still_named = any(start <= mention.start < end for mention in report.allowed for start, end in kept)
    # Only the results: a place their evidence names ("0.1 km from Red Lobster, a place you know") is no suggestion.
    names = list(dict.fromkeys(name for key, name in allowed.items() if name and not key.startswith(EVIDENCE_KEY)))[:3]
    if names and not still_named:
        separator = "\n" if "\n" in repaired else " "
        repaired = f"{repaired}{separator}{_listing(names)}".strip()
    return repaired or "I could not find a place I can vouch for; could you tell me more about what you'd like?"


def _join(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The kept sentences, each followed by the separator that followed it in the original."""
    parts = []
    for number, (start, end) in enumerate(spans):
        following = spans[number + 1][0] if number + 1 < len(spans) else end
        separator = text[end:following]
        parts.append(text[start:end] + ("\n" if "\n" in separator else " " if number + 1 < len(spans) else ""))
    return "".join(parts).strip()


def _listing(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"I'd suggest {names[0]}."
    return f"I'd suggest {', '.join(names[:-1])} or {names[-1]}."
