"""A street gazetteer built from the catalogue's addresses: "on Bleecker Street", "14th and 8th", "123 Smith St".

The catalogue's descriptions end with each venue's address ("… located at 75 Christopher St, New York, NY."); the
venues of one street draw that street as a line of points, and two streets whose venues come within
:data:`CORNER_KM` of each other meet there. Streets are matched by a key that forgets how they are written:
"West 4th Street", "W 4th St" and "w. fourth st" are all "w 4 st", and the key without its direction ("4 st") is the
whole street, east and west. It is no geocoder: a street without a venue in the catalogue is unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from assistant.gazetteer import boroughs_at
from assistant.requests import ORDINALS
from assistant.spelling import fold
from profiles.geo import haversine_km

# How street words are written, to one spelling each ("Avenue" and "Ave" are "av").
SUFFIXES: dict[str, str] = {
    "street": "st",
    "st": "st",
    "str": "st",
    "streets": "st",
    "avenue": "av",
    "ave": "av",
    "av": "av",
    "avenues": "av",
    "boulevard": "blvd",
    "blvd": "blvd",
    "road": "rd",
    "rd": "rd",
    "place": "pl",
    "pl": "pl",
    "lane": "ln",
    "ln": "ln",
    "drive": "dr",
    "dr": "dr",
    "parkway": "pkwy",
    "pkwy": "pkwy",
    "terrace": "ter",
    "ter": "ter",
    "court": "ct",
    "ct": "ct",
    "highway": "hwy",
    "hwy": "hwy",
    "turnpike": "tpke",
    "tpke": "tpke",
    "expressway": "expy",
    "expy": "expy",
}
# Streets with no suffix ("on Broadway", "the Bowery").
BARE_STREETS = frozenset({"broadway", "bowery"})
_DIRECTIONS = {"west": "w", "w": "w", "east": "e", "e": "e", "north": "n", "n": "n", "south": "s", "s": "s"}
# Avenues by their ordinal words ("fifth avenue"): a list's ordinals, and the avenues beyond them.
_ORDINAL_WORDS = {**{word: rank for word, rank in ORDINALS.items() if word.isalpha()}, "eleventh": 11, "twelfth": 12}
# Whole names New Yorkers use for another ("Avenue of the Americas" is Sixth Avenue).
_SAME_STREET = {"av of the americas": "6 av", "av of americas": "6 av", "the bowery": "bowery"}
_ORDINAL_RE = re.compile(r"^(\d+)(?:st|nd|rd|th|e|er|eme|a|o)?$")
# An address: its number ("149-15", "96", "2A"), the street, then a unit ("Fl 11", "Ste 200") the street ends at.
_NUMBER_RE = re.compile(r"^(?P<number>\d+)(?:-\d+)?[a-z]?\s+(?=\S)", re.IGNORECASE)
_UNIT_RE = re.compile(r"\s+(?:fl|flr|floor|ste|suite|rm|room|apt|unit|#|frnt|lowr|bsmt|lbby|bldg)\b.*$", re.I)
_ADDRESS_RE = re.compile(r"\blocated at (?P<address>[^,]+),\s*(?P<city>[^,]+),\s*[A-Z]{2}\.?\s*$")

# Two streets whose venues come this close meet there (a Manhattan block is 80 m by 270 m).
CORNER_KM = 0.2
# A reference point this close to a street is on its stretch ("on Bleecker" from the Village); farther, the street
# is where most of its venues are.
STREET_NEAR_KM = 2.0
# A street's venues this close to one another are of one stretch (the densest is where a far street is searched).
STRETCH_KM = 0.4


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s&-]", " ", fold(text).casefold().replace("'", "")).split()


def street_key(text: str) -> str:
    """The one spelling of a street's name: suffix, direction and ordinal written one way ("West Fourth Street",
    "W 4th St" → "w 4 st"); "" for words that are no street."""
    words = _words(text)
    if words and words[0] == "the":
        words = words[1:]
    key: list[str] = []
    for index, word in enumerate(words):
        if index == 0 and word in _DIRECTIONS and len(words) > 1:
            key.append(_DIRECTIONS[word])
        elif index == len(words) - 1 and word in _DIRECTIONS and len(words) > 2 and key[-1] in SUFFIXES.values():
            key.append(_DIRECTIONS[word])  # "Park Ave S"
        elif (number := _ORDINAL_RE.match(word)) is not None:
            key.append(str(int(number[1])))
        elif word in _ORDINAL_WORDS:
            key.append(str(_ORDINAL_WORDS[word]))
        elif (index > 0 and word in SUFFIXES) or (index == 0 and word in ("avenue", "ave", "av") and len(words) > 1):
            key.append(SUFFIXES[word])  # "Avenue C" keeps its letter after the suffix
        else:
            key.append(word)
    joined = " ".join(key)
    return _SAME_STREET.get(joined, joined)


def _core(key: str) -> str:
    """A street key less its direction: "w 4 st" and "e 4 st" are one street, 4th Street."""
    words = key.split()
    if len(words) > 1 and words[0] in _DIRECTIONS.values():
        words = words[1:]
    if len(words) > 2 and words[-1] in _DIRECTIONS.values() and words[-2] in SUFFIXES.values():
        words = words[:-1]
    return " ".join(words)


def _bare(core: str) -> str:
    """A street's name without its suffix ("bleecker st" → "bleecker", "av c" stays)."""
    words = core.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in SUFFIXES.values() else core


def has_suffix(words: str) -> bool:
    """Whether words name a street by its kind ("Bleecker Street", "5th Ave"), or are Broadway or the Bowery."""
    key = street_key(words).split()
    return bool(key) and (key[-1] in SUFFIXES.values() or key[0] == "av" or " ".join(key) in BARE_STREETS)


class Address(NamedTuple):
    """A venue's address as its description gives it."""

    number: int | None
    street: str  # as written, "W 14th St"
    city: str


def address_of(description: str) -> Address | None:
    """The address at the end of a catalogue description ("… located at 75 Christopher St, New York, NY."), or None
    when it gives none."""
    found = _ADDRESS_RE.search(description or "")
    if found is None:
        return None
    address = found["address"].strip()
    number = _NUMBER_RE.match(address)
    street = _UNIT_RE.sub("", address[number.end() :] if number else address).strip()
    if not street or (street[0].isdigit() and not _ORDINAL_RE.match(street.split()[0].casefold())):
        return None
    return Address(int(number["number"]) if number else None, street, found["city"].strip())


class StreetPoint(NamedTuple):
    """Where on a street (or at a corner) a search goes: its name as the addresses write it, the borough, the point,
    and every borough the street (or corner) is found in."""

    name: str
    borough: str
    latitude: float
    longitude: float
    boroughs: tuple[str, ...]

    @property
    def label(self) -> str:
        """The name, with the borough when the street is in more than one ("Broadway, Brooklyn")."""
        return f"{self.name}, {self.borough}" if len(self.boroughs) > 1 else self.name


class _Street(NamedTuple):
    spellings: tuple[str, ...]
    numbers: npt.NDArray[np.float64]  # NaN where no number is given
    latitudes: npt.NDArray[np.float64]
    longitudes: npt.NDArray[np.float64]
    boroughs: npt.NDArray[np.str_]


class StreetIndex:
    """The streets of the catalogue's addresses, by key without direction (``_core``)."""

    def __init__(self, streets: dict[str, _Street]) -> None:
        self._streets = streets
        self._by_bare: dict[str, list[str]] = {}
        for core in streets:
            self._by_bare.setdefault(_bare(core), []).append(core)

    @classmethod
    def from_columns(
        cls, descriptions: Iterable[object], latitudes: Sequence[float], longitudes: Sequence[float]
    ) -> StreetIndex:
        """The index of the addresses in catalogue descriptions, at their venues' coordinates."""
        rows: dict[str, list[tuple[str, float, float, float]]] = {}
        for description, latitude, longitude in zip(descriptions, latitudes, longitudes, strict=True):
            address = address_of(description) if isinstance(description, str) else None
            if address is None or not np.isfinite(latitude) or not np.isfinite(longitude):
                continue
            core = _core(street_key(address.street))
            if core:
                number = float(address.number) if address.number is not None else np.nan
                rows.setdefault(core, []).append((address.street, number, float(latitude), float(longitude)))
        streets: dict[str, _Street] = {}
        for core, found in rows.items():
            lats = np.array([row[2] for row in found])
            lons = np.array([row[3] for row in found])
            streets[core] = _Street(
                tuple(row[0] for row in found),
                np.array([row[1] for row in found]),
                lats,
                lons,
                boroughs_at(lats, lons),
            )
        return cls(streets)

    def cores(self, words: str, kinds: Sequence[str] = ()) -> list[str]:
        """The streets words may name: the very street ("bleecker st"), else any street of that bare name
        ("bleecker", "14th": 14th Street and 14th Avenue), of the suffixes ``kinds`` when given."""
        core = _core(street_key(words))
        if not core:
            return []
        if core in self._streets and (not kinds or core.split()[-1] in kinds or core in BARE_STREETS):
            return [core]
        if _bare(core) != core:
            return []  # "Foo St" is no "Foo Ave"
        found = self._by_bare.get(core, [])
        return [one for one in found if not kinds or one.split()[-1] in kinds]

    def street(
        self, words: str, near: tuple[float, float], number: int | None = None, borough: str | None = None
    ) -> StreetPoint | None:
        """The point of a street to search around: at the house ``number`` when one is said, else the street's venue
        nearest ``near`` when one is within ``STREET_NEAR_KM``, else where most of its venues are (a street is a line:
        its centre may be kilometres from any stretch the user means). The borough ``borough`` (else ``near``'s) is
        preferred where the street runs through several (Broadway in Manhattan, Brooklyn and Queens)."""
        cores = self.cores(words)
        if not cores:
            return None
        streets = [self._streets[core] for core in cores]
        spellings = [spelling for street in streets for spelling in street.spellings]
        numbers = np.concatenate([street.numbers for street in streets])
        lats = np.concatenate([street.latitudes for street in streets])
        lons = np.concatenate([street.longitudes for street in streets])
        boroughs = np.concatenate([street.boroughs for street in streets])
        every = tuple(dict.fromkeys(str(name) for name in boroughs))
        own = borough or str(boroughs_at(np.array([near[0]]), np.array([near[1]]))[0])
        chosen = boroughs == own if (boroughs == own).any() else np.ones(len(lats), dtype=bool)
        apart = np.where(chosen, haversine_km(near[0], near[1], lats, lons), np.inf)
        if number is not None and (chosen & np.isfinite(numbers)).any():
            at = int(np.where(chosen & np.isfinite(numbers), np.abs(numbers - number), np.inf).argmin())
        elif apart.min() <= STREET_NEAR_KM:
            at = int(apart.argmin())
        else:
            inside = np.flatnonzero(chosen)
            between = haversine_km(lats[inside, None], lons[inside, None], lats[None, inside], lons[None, inside])
            at = int(inside[(between <= STRETCH_KM).sum(1).argmax()])
        stretch = chosen & (haversine_km(lats[at], lons[at], lats, lons) <= STRETCH_KM)
        name = _display(Counter(spelling for spelling, on in zip(spellings, stretch, strict=True) if on))
        return StreetPoint(name, str(boroughs[at]), float(lats[at]), float(lons[at]), every)

    def corner(self, one: str, other: str, near: tuple[float, float], borough: str | None = None) -> StreetPoint | None:
        """Where two streets meet: the nearest two venues, one on each, within ``CORNER_KM`` of each other, in the
        borough ``borough`` (else ``near``'s) when they meet there too. Two bare numbers are a street and an avenue
        ("14th and 8th", the order either way), a bare number beside a named kind the other kind ("5th Ave and
        23rd"); None when they meet nowhere known."""
        first_kinds, second_kinds = _corner_kinds(one, other)
        crossing = bool(first_kinds) and first_kinds == second_kinds  # two bare numbers: never two streets
        pairs = [
            (first, second)
            for first in self.cores(one, first_kinds)
            for second in self.cores(other, second_kinds)
            if first != second and not (crossing and first.split()[-1] == second.split()[-1])
        ]
        own = borough or str(boroughs_at(np.array([near[0]]), np.array([near[1]]))[0])
        found: list[tuple[bool, float, float, StreetPoint]] = []
        for first, second in pairs:
            a, b = self._streets[first], self._streets[second]
            between = haversine_km(a.latitudes[:, None], a.longitudes[:, None], b.latitudes[None, :], b.longitudes)
            for borough_found in dict.fromkeys(str(name) for name in a.boroughs):
                apart = np.where((a.boroughs == borough_found)[:, None], between, np.inf)
                i, j = np.unravel_index(int(apart.argmin()), apart.shape)
                if apart[i, j] > CORNER_KM:
                    continue
                latitude = float((a.latitudes[i] + b.latitudes[j]) / 2)
                longitude = float((a.longitudes[i] + b.longitudes[j]) / 2)
                name = f"{_display(Counter([a.spellings[i]]))} & {_display(Counter([b.spellings[j]]))}"
                point = StreetPoint(name, borough_found, latitude, longitude, ())
                distance = float(haversine_km(near[0], near[1], latitude, longitude))
                found.append((borough_found != own, distance, float(apart[i, j]), point))
        if not found:
            return None
        best = min(found, key=lambda one_found: one_found[:3])[3]
        return best._replace(boroughs=tuple(dict.fromkeys(point.borough for *_, point in found)))


def _corner_kinds(one: str, other: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The suffixes each of two corner streets may have: a street meets an avenue when numbers are said bare."""
    first, second = street_key(one).split(), street_key(other).split()
    numbered = {"st": ("av",), "av": ("st",)}
    first_bare = len(first) == 1 and first[0].isdigit()
    second_bare = len(second) == 1 and second[0].isdigit()
    if first_bare and second_bare:
        return ("st", "av"), ("st", "av")
    if first_bare and second and second[-1] in numbered:
        return numbered[second[-1]], ()
    if second_bare and first and first[-1] in numbered:
        return (), numbered[first[-1]]
    return (), ()


def _display(spellings: Counter[str]) -> str:
    """The way most addresses of a stretch write its street, less a house number's unit."""
    return spellings.most_common(1)[0][0] if spellings else ""
