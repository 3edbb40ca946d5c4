"""Turns that state a preference ("no more bars", "I moved to Brooklyn") or a verdict on a place ("I loved the second
one": a 👍 or 👎, as the UI's buttons give): done through the service layer and
answered by code (``prompts/fixed.toml``), never by the LLM, saying what was stored and how to undo it.

A correction is heard the same way: a place closed for good is hidden ("Think Coffee closed last year"), visits the
user says never happened are shown with an offer to forget them ("I never went there"), and a place's kind is said
to be the catalogue's ("the second one isn't a bar"), which the assistant cannot change.

A forget of visits is destructive, so it is asked first ("Forget your 12 visits to X? yes/no"): the question is
kept in the conversation's state (``pending``) and the next "yes" does it and says what went, "no" keeps them.
"undo" ends what the conversation's last statement stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from assistant.gazetteer import lookup
from assistant.place_questions import visits_said
from assistant.requests import THERE, LatLon, StatedPreference
from assistant.service import Service
from profiles.places import category_name, elide_de, with_article
from profiles.preferences import (
    LOCATED_KINDS,
    NEW_PLACES_TARGET,
    NO_CHAINS_TARGET,
    ActivePreference,
    Preference,
    PreferenceKind,
)
from prompts import fixed_text


class StatedAnswer(NamedTuple):
    """What a stated-preference turn says, the question it leaves open, and the preferences it stored."""

    reply: str
    pending: dict[str, Any] | None
    stored: list[int]
    # The 👍 or 👎 this turn gave (item id, place, liked, its time in ISO 8601): what "undo" takes back next, as it
    # would a preference.
    verdict: tuple[str, str, bool, str] | None = None


def answer_stated(
    service: Service,
    user_id: str,
    stated: StatedPreference,
    language: str,
    now: datetime,
    pending: dict[str, Any] | None,
    last_stored: list[int],
    last_verdict: tuple[str, str, bool, str] | None = None,
) -> StatedAnswer | None:
    """Do what the statement asks and say so; None when it is no statement here (a "yes" or "no" with no
    question open is an ordinary message). ``last_verdict``: the 👍/👎 the conversation gave last, after any
    statement ("I love the third" then "undo": the 👍 goes)."""
    if stated.kind in ("yes", "no"):
        if pending is None:
            return None
        # A bare "no" tells no language: the answer is in the question's.
        return _confirmed(service, user_id, stated.kind == "yes", str(pending.get("language", language)), pending)
    if stated.kind == "time_limited":
        # "I don't drink on weeknights": a preference kept holds at all times, so one held to some is not kept (kept
        # for good it would leave bars out on a Saturday too); what was stored before stays as it was.
        return StatedAnswer(fixed_text("pref_time_limited", language), None, last_stored)
    named = [stated.words, f"the {stated.words}"]  # "the Grey Dog is terrible" names "The Grey Dog"
    known = stated.kind == "dispute_visits" or service.places_named(named) or service.places_starting(stated.words)
    if stated.unsure and not known:
        return None  # "I hate waiting": no place of that name, so no statement about one
    if stated.kind == "forget_stated":  # "forget what I told you": every stated preference, not the check-ins
        ended = service.clear_preferences(user_id, now)
        # A 👍 or 👎 is feedback on a place, kept with the check-ins: said to stay, not claimed forgotten.
        verdicts = service.verdicts(user_id)
        said = ", ".join(f"{'👍' if liked else '👎'} {label}" for label, liked in verdicts)
        kept = fixed_text("pref_verdicts_kept", language).format(verdicts=said) if verdicts else ""
        if not ended:
            return StatedAnswer(kept or fixed_text("pref_nothing_stated", language), None, [])
        forgot = fixed_text("pref_forgot_stated", language).format(what=_shown(ended, language))
        return StatedAnswer(f"{forgot} {kept}".strip(), None, [])
    if stated.kind == "take_back":  # "actually I do like sushi": what was said of it ends
        active = service.preferences(user_id)
        matched = [p for p in active if _named_by(service, p, stated)]
        if stated.wanted:  # "more jazz please" with jazz boosted: the boost stays, a ban ends
            boosts = (PreferenceKind.BOOST_CATEGORY, PreferenceKind.BOOST_LIKE_PLACE)
            matched = [p for p in matched if p.kind not in boosts]
        # "Bars are fine again" after "I don't drink": every kind muted by that one statement ends with bars.
        said_together = {(p.kind, p.label) for p in matched if p.kind == PreferenceKind.MUTE_CATEGORY}
        matched += [p for p in active if (p.kind, p.label) in said_together and p not in matched]
        if not matched:
            return None  # nothing said of it before: an ordinary message ("the first one is fine")
        ended = [p for p in (service.undo_preference(user_id, p.id, now) for p in matched) if p is not None]
        return StatedAnswer(fixed_text("pref_undone", language).format(what=_shown(ended, language)), None, [])
    if stated.kind == "undo":
        if last_verdict is not None:
            item_id, label, liked, given = last_verdict
            if service.retract_feedback(user_id, item_id, since=datetime.fromisoformat(given)):
                what = f"{'👍' if liked else '👎'} {label}"
                return StatedAnswer(fixed_text("pref_undone", language).format(what=what), None, [])
        ended = [p for p in (service.undo_preference(user_id, id_, now) for id_ in last_stored) if p is not None]
        if not ended:
            return StatedAnswer(fixed_text("pref_nothing_to_undo", language), None, [])
        return StatedAnswer(fixed_text("pref_undone", language).format(what=_shown(ended, language)), None, [])
    if stated.kind == "forget_place_visits" and stated.words == THERE and not stated.item_id and pending is not None:
        # "Forget those visits" after "forget your visits to X?": yes.
        return _confirmed(service, user_id, True, str(pending.get("language", language)), pending)
    if stated.kind == "forget_place_visits":
        place = service.place(stated.item_id) if stated.item_id else service.find_place(stated.words, user_id)
        visits = service.visits_at(user_id, place.item_id) if place is not None else 0
        if place is None or not visits:
            return StatedAnswer(fixed_text("pref_forget_none", language).format(words=stated.words), None, last_stored)
        question = {"item_id": place.item_id, "place": place.label, "visits": visits, "language": language}
        text = fixed_text("pref_forget_ask", language).format(visits=_visit_count(visits, language), place=place.label)
        return StatedAnswer(text, question, last_stored)
    if stated.kind in ("dispute_visits", "wrong_kind"):
        return _corrected(service, user_id, stated, language, now, pending, last_stored)
    if stated.kind in ("like_place", "dislike_place"):  # "I loved the second one": a 👍, as the UI's button gives
        place = service.place(stated.item_id) if stated.item_id else service.find_place(stated.words, user_id)
        if place is None:
            return StatedAnswer(
                fixed_text("pref_unknown_place", language).format(words=stated.words), None, last_stored
            )
        liked = stated.kind == "like_place"
        service.feedback(user_id, place.item_id, liked, now)
        text = fixed_text("feedback_liked" if liked else "feedback_disliked", language).format(place=place.label)
        # The verdict is now the last thing said: "undo" takes it back, not a statement before it.
        return StatedAnswer(text, None, [], (place.item_id, place.label, liked, now.isoformat()))
    closed = stated.kind == "closed_place"  # hidden, and said so in words of its own
    if closed:
        stated = stated.model_copy(update={"kind": "hide_place"})
    preferences = _preferences(service, stated)
    if preferences is None:
        key = {
            "home_area": "pref_unknown_area",
            "avoid_area": "pref_unknown_area",
            "mute_category": "pref_unknown_kind",
            "boost_category": "pref_unknown_kind",
        }
        unknown = key.get(stated.kind, "pref_unknown_place")
        return StatedAnswer(fixed_text(unknown, language).format(words=stated.words), None, last_stored)
    try:
        changes = [service.set_preference(user_id, preference, now) for preference in preferences]
    except ValueError as error:  # stated and undone at this very moment (a caller replaying a fixed time)
        return StatedAnswer(fixed_text("pref_not_stored", language).format(reason=error), None, last_stored)
    # Said again while in force, it is still what the reply's "undo" takes back ("no more bars" twice, then "undo").
    stored = [change.preference.id for change in changes if change.preference is not None]
    first = preferences[0]
    key = {
        PreferenceKind.MUTE_CATEGORY: "pref_muted",
        PreferenceKind.BOOST_CATEGORY: "pref_boosted",
        PreferenceKind.BOOST_LIKE_PLACE: "pref_like",
        PreferenceKind.HIDE_PLACE: "pref_hidden",
        PreferenceKind.HIDE_CHAIN: "pref_hidden_chain",
        PreferenceKind.NO_CHAINS: "pref_no_chains",
        PreferenceKind.NEW_PLACES_ONLY: "pref_new_places_only",
        PreferenceKind.HOME_AREA: "pref_home",
        PreferenceKind.WORK_AREA: "pref_work",
        PreferenceKind.AVOID_AREA: "pref_avoid_area",
    }[first.kind]
    key = "pref_closed" if closed else key
    # One kind of place is said in the reply's language ("comida rápida"); the user's words say several at once.
    kinds = (PreferenceKind.MUTE_CATEGORY, PreferenceKind.BOOST_CATEGORY)
    one_kind = len(preferences) == 1 and first.kind in kinds
    what = first.shown_in(language) if one_kind and language != "en" else stated.words
    if language != "en" and len(preferences) > 1 and all(preference.kind in kinds for preference in preferences):
        # "Soy vegetariano": the kinds muted, each said in the reply's language, not the English words of them.
        what = ", ".join(preference.shown_in(language) for preference in preferences)
    text = fixed_text(key, language).format(what=what, place=first.label, area=first.label)
    text = elide_de(text, language) if one_kind else text  # "plus d'hôtels"
    return StatedAnswer(text, None, stored)


def _named_by(service: Service, active: ActivePreference, stated: StatedPreference) -> bool:
    """Whether a change of mind's words name an active preference: its kind ("sushi" of a muted Sushi), its place
    or chain by name ("chipotle"), chains ("chains are fine again") or its area."""
    words = stated.words.casefold().removeprefix("the ").strip()
    if active.kind == PreferenceKind.NO_CHAINS:
        return "chain" in words
    if active.kind == PreferenceKind.NEW_PLACES_ONLY:  # "places I know are fine again"
        return bool(re.search(r"\b(?:known|know|been|old|usual|familiar|favou?rite)\b", words))
    if active.kind in (PreferenceKind.MUTE_CATEGORY, PreferenceKind.BOOST_CATEGORY):
        levels = {level for term in stated.categories for level in service.categories_named(term)}
        return active.target in levels or active.label.casefold() == words
    label = active.label.casefold()
    return bool(words) and (words == label or words in label or (len(label) >= 4 and label in words))


def _corrected(
    service: Service,
    user_id: str,
    stated: StatedPreference,
    language: str,
    now: datetime,
    pending: dict[str, Any] | None,
    last_stored: list[int],
) -> StatedAnswer | None:
    """The answer to visits disputed ("I never went there": what the data has, and an offer to forget it) or to a
    place's kind put right ("it's a restaurant, not a bar": the catalogue's, which stays)."""
    place = service.place(stated.item_id) if stated.item_id else service.find_place(stated.words, user_id)
    if place is None:
        if stated.unsure:
            return None
        return StatedAnswer(fixed_text("pref_unknown_place", language).format(words=stated.words), pending, last_stored)
    if stated.kind == "wrong_kind":
        kind = with_article(place.category) if language == "en" else category_name(place.category, language)
        text = fixed_text("pref_wrong_kind", language).format(place=place.label, kind=kind)
        return StatedAnswer(text, pending, last_stored)
    here = LatLon(place.latitude, place.longitude)
    details = service.place_details(user_id, place.item_id, now, here)
    if not details.your_visits:
        if stated.unsure:
            return None  # "I've never been to Shake Shack": nothing disputed, a question about it
        return StatedAnswer(fixed_text("pref_disputed_none", language).format(place=place.label), pending, last_stored)
    visits = details.your_visits
    question = {"item_id": place.item_id, "place": place.label, "visits": visits, "language": language}
    text = fixed_text("pref_disputed_ask", language).format(
        been=visits_said(details, language), visits=_visit_count(visits, language), place=place.label
    )
    return StatedAnswer(text, question, last_stored)


def _preferences(service: Service, stated: StatedPreference) -> list[Preference] | None:
    """The preferences a statement asks for, resolved against the catalogue; None when its words name nothing."""
    kind = PreferenceKind(stated.kind)
    if kind == PreferenceKind.NO_CHAINS:
        return [Preference(kind=kind, target=NO_CHAINS_TARGET, label=stated.words or NO_CHAINS_TARGET)]
    if kind == PreferenceKind.NEW_PLACES_ONLY:
        return [Preference(kind=kind, target=NEW_PLACES_TARGET, label=NEW_PLACES_TARGET)]
    if kind in (PreferenceKind.MUTE_CATEGORY, PreferenceKind.BOOST_CATEGORY):
        levels = dict.fromkeys(level for term in stated.categories for level in service.categories_named(term))
        return [Preference(kind=kind, target=level, label=stated.words) for level in levels] or None
    if kind == PreferenceKind.AVOID_AREA:
        avoided = lookup(stated.area) if stated.area else None
        return None if avoided is None else [Preference(kind=kind, target=avoided.name, label=avoided.name)]
    if kind in LOCATED_KINDS:
        area = lookup(stated.area) if stated.area else None
        if area is not None:
            return [
                Preference(
                    kind=kind, target=area.name, label=area.name, latitude=area.latitude, longitude=area.longitude
                )
            ]
        # "I moved near Prospect Park": no area of the gazetteer, a place of the catalogue.
        place = service.find_place(stated.words)
        if place is None:
            return None
        return [
            Preference(
                kind=kind, target=place.label, label=place.label, latitude=place.latitude, longitude=place.longitude
            )
        ]
    if (
        kind == PreferenceKind.HIDE_PLACE
        and not stated.item_id
        and len(named := service.places_named([stated.words])) > 1
    ):
        # "No more Starbucks": every place of the name, not the one branch the words would be matched to; shown by
        # its shortest name ("Starbucks", not "Starbucks - Times Square").
        names = service.items.set_index(service.items["item_id"].astype(str)).loc[named, "name"].astype(str)
        name = min(names, key=len)
        return [Preference(kind=PreferenceKind.HIDE_CHAIN, target=name, label=name)]
    place = service.place(stated.item_id) if stated.item_id else service.find_place(stated.words)
    return None if place is None else [Preference(kind=kind, target=place.item_id, label=place.label)]


def _confirmed(service: Service, user_id: str, yes: bool, language: str, pending: dict[str, Any]) -> StatedAnswer:
    place, visits = str(pending["place"]), int(pending["visits"])
    if not yes:
        return StatedAnswer(fixed_text("pref_forget_kept", language).format(place=place), None, [])
    events = service.forget_visits(user_id, str(pending["item_id"]))
    counted_visits = _visit_count(visits, language)
    text = fixed_text("pref_forget_done", language).format(visits=counted_visits, place=place, events=events)
    return StatedAnswer(text, None, [])


_VISIT_WORDS = {"en": ("visit", "visits"), "es": ("visita", "visitas"), "fr": ("visite", "visites")}


def _visit_count(visits: int, language: str) -> str:
    """'1 visit', '12 visits', in the reply's language."""
    one, many = _VISIT_WORDS.get(language, _VISIT_WORDS["en"])
    return f"{visits} {one if visits == 1 else many}"


def _shown(ended: list[ActivePreference], language: str = "en") -> str:
    """The ended preferences in words, in ``language``: 'bars and nightlife', 'Blue Bottle Coffee', 'bares'."""
    return ", ".join(dict.fromkeys(preference.shown_in(language) for preference in ended))


__all__ = ["StatedAnswer", "answer_stated"]
