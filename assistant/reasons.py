"""The reasons beside each suggestion, in the reply's language.

The recommender writes its reasons in English ("popular: 16 check-ins by 16 people", "been here twice, most recently
3 weeks ago", "busy on Saturday evenings"); a Spanish or French reply says them in its own language, from the
templates of ``prompts/fixed.toml`` (``reason_*``), with the same numbers and names. Place names stay as the catalogue
writes them; kinds of place ("Coffee Shops", "Dining and Drinking") are said as the language calls them
(``profiles.places.category_name``). A reason no template knows stays in English rather than be guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from profiles.places import category_name, category_named, category_with_article
from prompts import fixed_text

# Each English reason the recommender and the service write, and its template's key.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^new to you$", "reason_new"),
        (r"^popular: (?P<count>[\d,]+) check-ins by (?P<people>[\d,]+) people$", "reason_popular"),
        (r"^(?P<km>[\d.]+) km from (?P<place>.+), a place you know$", "reason_near_known"),
        (r"^next to (?P<place>.+), a place you know$", "reason_next_to_known"),
        # A branch of a place the user knows ("Shake Shack"), and the one they know.
        (r"^a branch you haven't been to$", "reason_new_branch"),
        (r"^(?P<km>[\d.]+) km from the (?P<place>.+) you know, in (?P<area>.+)$", "reason_near_branch_in"),
        (r"^(?P<km>[\d.]+) km from the (?P<place>.+) you know$", "reason_near_branch"),
        (r"^next to the (?P<place>.+) you know$", "reason_next_to_branch"),
        (r"^(?P<km>[\d.]+) km from (?P<place>.+), for after it$", "reason_after"),
        (r"^outside (?P<area>.+), (?P<km>[\d.]+) km from its centre$", "reason_outside_area"),
        (r"^people who go to (?P<place>.+) also go here$", "reason_covisit"),
        (r"^(?P<share>\d+)% of your check-ins are (?:at|in) (?P<kind>.+)$", "reason_share"),
        (r"^been here once, (?P<ago>.+)$", "reason_once"),
        (r"^been here (?P<times>.+), most recently (?P<ago>.+)$", "reason_been"),
        (r"^busy on (?P<occasion>.+)$", "reason_busy"),
        (r"^similar to (?P<place>.+), where you went recently$", "reason_similar"),
        (r"^people often come here after (?P<place>.+) \((?P<times>[^()]+)\)$", "reason_transition"),
        (r"^you often come here after (?P<place>.+) \((?P<times>[^()]+)\)$", "reason_own_transition"),
        (r"^you come here on (?P<occasion>.+) — (?P<visits>\d+) visits?$", "reason_routine"),
        # The user's context cites where too ("… on Monday evenings around Gramercy — 4 visits").
        (
            r"^you go to (?P<kind>.+) on (?P<occasion>\S+ \S+) (?P<where>around .+|[\d.]+ km from here)"
            r" — (?P<visits>\d+) visits?$",
            "reason_habit_where",
        ),
        (r"^you go to (?P<kind>.+) on (?P<occasion>.+) — (?P<visits>\d+) visits?$", "reason_habit"),
        (r"^(?P<km>[\d.]+) km from you$", "reason_from_you"),
        (r"^after (?P<one>an? .+), (?P<share>\d+)% of people's next stops are (?P<kind>.+)$", "reason_next_stops"),
    )
)
_AGO_RE = re.compile(
    r"^(?P<n>\d+|an?) (?P<unit>hour|day|week|month|year)s?(?:, (?P<n2>\d+|an?) (?P<unit2>hour|day|week|month|year)s?)?"
    r" ago$"
)
_TIMES_RE = re.compile(r"^(?:once|twice|(?P<n>\d+) times)$")
_WHERE_RE = re.compile(r"^(?:around (?P<area>.+)|(?P<km>[\d.]+) km from here)$")
_OCCASION_RE = re.compile(
    r"^(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|weekend) "
    r"(?P<part>mornings|afternoons|evenings|nights)$"
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "weekend")
_PARTS = ("mornings", "afternoons", "evenings", "nights")
_UNITS = ("hour", "day", "week", "month", "year")
# Between the parts of a facts line ("new to you · busy on Saturday evenings"), as the recommender joins them.
_PARTS_JOINT = " · "


def reasons_in(evidence: str, language: str) -> str:
    """One suggestion's reasons (joined by "; ", a facts line's parts by " · ") in ``language``; English as is."""
    if language == "en":
        return evidence
    return "; ".join(
        _PARTS_JOINT.join(_reason_in(part, language) for part in reason.split(_PARTS_JOINT))
        for reason in evidence.split("; ")
    )


def _reason_in(reason: str, language: str) -> str:
    for pattern, key in _REASONS:
        if (match := pattern.match(reason)) is None:
            continue
        words = match.groupdict()
        for name in words.keys() & _SAID_IN.keys():
            said = _SAID_IN[name](words[name], language)
            if said is None:
                return reason  # a phrase no template knows: the reason stays in English
            words[name] = said
        return fixed_text(key, language).format(**words)
    return reason


def _ago_in(ago: str, language: str) -> str | None:
    """'3 weeks ago', 'yesterday', 'within the hour', '1 year, 1 month ago' in ``language``; None when unknown."""
    fixed = {"within the hour": 0, "yesterday": 1}
    if ago in fixed:
        return fixed_text("reason_ago_fixed", language).split("|")[fixed[ago]]
    match = _AGO_RE.match(ago)
    if match is None:
        return None
    spans = [_span_in(match["n"], match["unit"], language)]
    if match["unit2"]:
        spans.append(_span_in(match["n2"], match["unit2"], language))
    return fixed_text("reason_ago", language).format(span=fixed_text("reason_and", language).join(spans))


def _span_in(count: str, unit: str, language: str) -> str:
    number = 1 if count in ("a", "an") else int(count)
    one, many = fixed_text("reason_units", language).split("|")[_UNITS.index(unit)].split("/")
    return f"{number} {one if number == 1 else many}"


def _times_in(times: str, language: str) -> str | None:
    """'once', 'twice', '12 times' in ``language``."""
    match = _TIMES_RE.match(times)
    if match is None:
        return None
    once, twice, many = fixed_text("card_times", language).split("|")
    return once if times == "once" else twice if times == "twice" else many.format(n=match["n"])


def _occasion_in(occasion: str, language: str) -> str | None:
    """'Saturday evenings' in ``language`` ('los sábados al anochecer', 'le samedi soir')."""
    match = _OCCASION_RE.match(occasion)
    if match is None:
        return None
    day = fixed_text("card_weekday_names", language).split("|")[_WEEKDAYS.index(match["day"])]
    parts = fixed_text("card_weekday_dayparts", language).split("|")
    return parts[_PARTS.index(match["part"])].format(day=day)


def _kind_in(kind: str, language: str) -> str:
    """A kind of place as the recommender writes it ('Coffee Shops', 'Dining and Drinking') in ``language``, in the
    plural ('cafeterías', 'lieux où manger et boire'); one the table lacks stays as written."""
    category = category_named(kind)
    return kind if category is None else category_name(category, language, plural=True)


def _one_in(one: str, language: str) -> str | None:
    """'a Coffee Shop' in ``language`` ('una cafetería', 'un café'); None for a kind the table lacks."""
    category = category_named(one.partition(" ")[2])
    return None if category is None else category_with_article(category, language)


def _where_in(where: str, language: str) -> str | None:
    """'around here', 'around Gramercy', '1.2 km from here' in ``language``; None when unknown."""
    match = _WHERE_RE.match(where)
    if match is None:
        return None
    here, around, away = fixed_text("reason_where", language).split("|")
    if match["km"]:
        return away.format(km=match["km"])
    return here if match["area"] == "here" else around.format(area=match["area"])


# The phrases inside a reason that are said in the language first ("3 weeks ago", "twice", "Saturday evenings").
_SAID_IN: dict[str, Callable[[str, str], str | None]] = {
    "ago": _ago_in,
    "times": _times_in,
    "occasion": _occasion_in,
    "kind": _kind_in,
    "one": _one_in,
    "where": _where_in,
}

__all__ = ["reasons_in"]
