"""Why places were suggested, in code's words: what the request that listed them asked for, then their evidence.

The evidence lines are the ranker's own (``Suggestion.evidence``); what the request asked for says which filters
made a place qualify at all (its kind, area, time, "quiet", "no chains"), which no evidence line repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from assistant.reasons import reasons_in
from assistant.requests import HERE, ChatRequest
from assistant.service import Explanation, Suggestion
from profiles.calendar import DAYPARTS, daypart
from profiles.places import elide_de, kind_words
from prompts import fixed_text

# "Why those?", "why did you pick these?", "why all of them?": the whole last list, not its first place.
_THE_LIST_RE = re.compile(r"\b(?:those|these|them|they|all of them|this list|the list|the others)\b", re.IGNORECASE)


# A request's yes/no filters, in the order a sentence says them (``asked_flags`` says each, in this order).
_FLAGS = ("popular", "surprise", "familiar", "not_lately", "unusual", "quiet", "independent", "local")


def asks_about_the_list(message: str, pick: int | None) -> bool:
    """Whether a "why" question is about every place of the last list rather than one of them."""
    return pick is None and _THE_LIST_RE.search(message) is not None


def asked_for(request: ChatRequest | None, at: datetime | None = None, language: str = "en") -> str | None:
    """What a request that listed places asked for, as one clause in ``language`` ("places for a date, quiet kinds
    of place, no chains, around the East Village, for Saturday evening"); ``at``: its time on the local clock when it
    named one. None for a request that asked nothing in particular."""
    if request is None or request.intent not in ("recommend", "refine"):
        return None
    named, without, either, around, when, outside = fixed_text("asked_parts", language).split("|")
    parts: list[str] = []
    if request.category:
        parts.append(kind_words(request.category, language))
    if request.keyword:
        parts.append(named.format(keyword=request.keyword))
    flags = fixed_text("asked_flags", language).split("|")
    parts += [words for flag, words in zip(_FLAGS, flags, strict=True) if getattr(request, flag)]
    if request.exclude_categories:
        kinds = either.join(kind_words(kind, language) for kind in request.exclude_categories)
        parts.append(elide_de(without.format(kinds=kinds), language))
    if request.near and request.near != HERE:
        parts.append(around.format(area=request.near))
    if request.not_in:
        parts.append(outside.format(areas=", ".join(request.not_in)))
    if at is not None and request.when:
        day = fixed_text("asked_days", language).split("|")[at.weekday()]
        part = fixed_text("habits_dayparts_after_day", language).split("|")[DAYPARTS.index(daypart(at.hour))]
        parts.append(when.format(day=day, part=part))
    return ", ".join(parts) or None


def explain_one(explanation: Explanation, asked: str | None, language: str, *, lead: str = "why") -> str:
    """Why one place was suggested: its evidence lines, then what the request asked for; ``lead``: the fixed text
    that introduces them ("top_pick" when the user asked which one the assistant would pick). The evidence is said
    in ``language``, as the list's reasons are."""
    evidence = [reasons_in(line, language) for line in explanation.evidence]
    lines = [*evidence, *([fixed_text("asked_for", language).format(asked=asked)] if asked else [])]
    return fixed_text(lead, language).format(place=explanation.name) + "\n" + "\n".join(f"- {line}" for line in lines)


def explain_list(suggestions: Sequence[Suggestion], asked: str | None, language: str) -> str:
    """Why the last list holds its places: what the request asked for, then each place's evidence."""
    lines = ["- " + fixed_text("asked_for", language).format(asked=asked)] if asked else []
    lines += [f"- **{item.label}**: {reasons_in('; '.join(item.evidence), language)}" for item in suggestions]
    return fixed_text("why_these", language) + "\n" + "\n".join(lines)
