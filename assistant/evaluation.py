"""A scripted evaluation of the assistant: conversations with real NYC users, checked turn by turn.

    python -m assistant.evaluation --out bench/results/chat_evaluation.json [--conversations 60] [--threads 2]
    python -m assistant.evaluation --out prefs.json --only-preferences [--preference-conversations 8]

Each conversation follows one of the scripts below for one real user, a day after their last check-in, at their last
place. The scripts mix phrasings: plain requests, typos, Spanish and French, follow-ups that change one thing,
questions about oneself and requests off the assistant's topic. Every turn's expectations are written in the script,
not read back from the assistant's own parse: the category asked for, the area (every suggestion within
``near_radius_km`` of it), surprise (every suggestion new to the user), familiar (every one known to them),
exclusions, how many, for "why…?" an explanation, for a question about oneself an answer from their own places, for
an off-topic request a short answer with no places. Open requests (no kind of place named) must offer only places
people go to by choice (``profiles.places.is_suggestable``). Each turn's written reply has its claims checked again
as shown (``assistant.claims``): the report counts the claims checked, those the LLM's drafts made without support
(rewritten or replaced by code) and those left in what the user saw (target 0); venues named outside the catalogue;
suggestions without evidence; and the share of constrained turns whose constraints all held. It keeps every turn
(text, items, trace) for reading.

The preference scripts (``PREFERENCE_SCRIPTS``) ask the same open requests before and after the user states a
preference ("I don't drink anymore", "I love coffee"), then undo it and ask again: a muted category must be absent
from every later turn, a boosted category's share of the suggestions must go up, and after the undo the list must be
the one from before. The summary's ``preferences`` section reports them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from assistant.agent import Assistant, Turn, allowed_names, place_kinds
from assistant.claims import Situation, check_claims, turn_places
from assistant.gazetteer import lookup
from assistant.grounding import NameIndex, check_reply
from assistant.requests import DEFAULT_K
from assistant.service import Service, levels_holding, near_radius_km, quiet_exclusions
from profiles.config import Settings, load_settings
from profiles.geo import haversine_km
from profiles.places import is_of_kind, of_kind_column, suggestable_column
from profiles.preferences import in_categories

logger = logging.getLogger(__name__)

# Suggestions must lie within this distance of the place asked for (the assistant's own radius).
REQUIRED_SHARE = 0.95
# An off-topic request gets a short word on what the assistant does, not an essay.
OFFTOPIC_MAX_CHARS = 320


class Expect(BaseModel):
    """What one turn must show."""

    category: str | None = Field(None, description="A term every suggestion's category path contains.")
    near: str | None = Field(None, description="'here' or a neighbourhood; every suggestion within near_radius_km.")
    surprise: bool = False
    exclude: list[str] = Field(default_factory=list, description="Terms no suggestion's category path contains.")
    quiet: bool = False
    familiar: bool = False
    k: int | None = None
    explain: bool = False
    profile: bool = Field(False, description="A question about oneself: answered from the user's own places.")
    offtopic: bool = Field(False, description="Not about places: a short answer, no places.")

    @property
    def constrained(self) -> bool:
        return bool(
            self.category
            or self.near
            or self.surprise
            or self.familiar
            or self.exclude
            or self.quiet
            or self.k
            or self.profile
            or self.offtopic
        )

    @property
    def open_request(self) -> bool:
        """A request for places that names no kind of place: only suggestable places may answer it."""
        return not (self.category or self.explain or self.profile or self.offtopic)


Script = list[tuple[str, Expect]]

SCRIPTS: list[Script] = [
    [
        ("somewhere for dinner near here tonight", Expect(category="Restaurant", near="here")),
        ("why that one?", Expect(explain=True)),
        ("not bars, something quieter", Expect(category="Restaurant", near="here", exclude=["Bar"], quiet=True)),
    ],
    [
        ("I'm in Williamsburg on Saturday afternoon, surprise me", Expect(near="Williamsburg", surprise=True)),
        ("why the second one?", Expect(explain=True)),
    ],
    [
        ("any coffee near here?", Expect(category="Cafe", near="here")),
        ("surprise me", Expect(surprise=True)),
    ],
    [
        ("a museum in Midtown this weekend", Expect(category="Museum", near="Midtown")),
        ("why that one?", Expect(explain=True)),
    ],
    [
        ("where can I get a drink in the East Village tonight?", Expect(category="Bar", near="East Village")),
        ("not bars, something quieter", Expect(near="East Village", exclude=["Bar"], quiet=True)),
    ],
    [("show me 3 gyms near here", Expect(category="Gym", near="here", k=3))],
    [
        ("pizza near here for lunch", Expect(category="Pizza", near="here")),
        ("why the first one?", Expect(explain=True)),
    ],
    [
        ("a park for a walk on Sunday morning", Expect(category="Outdoors")),
        ("surprise me", Expect(surprise=True)),
    ],
    [
        ("somewhere for breakfast in SoHo", Expect(category="Breakfast", near="SoHo")),
        ("why that one?", Expect(explain=True)),
    ],
    [("I'm bored, surprise me with somewhere new near here", Expect(near="here", surprise=True))],
    # New phrasings: follow-ups that change one thing, typos, Spanish, French, oneself, off-topic.
    [
        ("somewhere to eat around here tonight", Expect(category="Restaurant", near="here")),
        ("only places I already know", Expect(category="Restaurant", near="here", familiar=True)),
    ],
    [
        ("any cofee around here?", Expect(category="Cafe", near="here")),
        ("what about somewhere new?", Expect(category="Cafe", near="here", surprise=True)),
    ],
    [("i want a good resturant in wiliamsburg", Expect(category="Restaurant", near="Williamsburg"))],
    [
        ("¿Dónde puedo tomar un café cerca de aquí?", Expect(category="Cafe", near="here")),
        ("¿por qué el primero?", Expect(explain=True)),
    ],
    [
        ("Un bar sympa près d'ici ce soir ?", Expect(category="Bar", near="here")),
        ("plutôt quelque chose de calme", Expect(near="here", quiet=True)),
    ],
    [
        ("what do you know about me?", Expect(profile=True)),
        ("where do I usually go on Saturdays?", Expect(profile=True)),
    ],
    [
        ("write me a poem about the ocean", Expect(offtopic=True)),
        ("ok then, a park nearby", Expect(category="Outdoors", near="here")),
    ],
    [("something fun to do tonight", Expect())],
    [
        ("take me somewhere I've never been in the East Village", Expect(near="East Village", surprise=True)),
        ("why the first one?", Expect(explain=True)),
    ],
    [("sorpréndeme", Expect(surprise=True)), ("¿qué sabes de mí?", Expect(profile=True))],
    [("un musée à Midtown ce week-end", Expect(category="Museum", near="Midtown"))],
    [
        ("a bar I know, for a drink tonight", Expect(category="Bar", familiar=True)),
        ("what's the weather tomorrow?", Expect(offtopic=True)),
    ],
]


class PreferenceScript(BaseModel):
    """A stated preference between the same open requests, then its undo (``PREFERENCE_SCRIPTS``)."""

    name: str
    requests: list[str] = Field(description="Open requests asked before and after the statement.")
    statement: str
    effect: str = Field(description="'mute': the categories vanish; 'boost': their share goes up.")
    categories: list[str] = Field(description="Category levels the statement is about, as the catalogue names them.")
    undo: str = "undo"


PREFERENCE_SCRIPTS: list[PreferenceScript] = [
    PreferenceScript(
        name="no more drinking",
        requests=["somewhere to go tonight", "something fun to do tonight", "surprise me"],
        statement="I don't drink anymore",
        effect="mute",
        categories=["Bar", "Pub", "Night Club", "Beer Garden", "Lounge", "Brewery"],
    ),
    PreferenceScript(
        name="no more fast food",
        requests=["somewhere to eat near here", "somewhere to go now"],
        statement="stop suggesting fast food",
        effect="mute",
        categories=["Fast Food Restaurant"],
    ),
    PreferenceScript(
        name="more coffee",
        requests=["somewhere to go now", "surprise me"],
        statement="I love coffee",
        effect="boost",
        # Coffee is the whole branch (coffee shops, cafés, tea rooms), not the "Café" leaf alone.
        categories=["Cafe, Coffee, and Tea House"],
    ),
    PreferenceScript(
        name="more parks",
        requests=["somewhere to go this afternoon", "something to do near here"],
        statement="more parks from now on",
        effect="boost",
        categories=["Landmarks and Outdoors"],
    ),
]


def pick_users(events: pd.DataFrame, count: int, seed: int = 0) -> list[str]:
    """``count`` real users with at least 20 check-ins, drawn at random (fixed seed)."""
    visits = events["user_id"].astype(str).value_counts()
    eligible = sorted(visits[visits >= 20].index, key=lambda user: (len(user), user))
    rng = np.random.default_rng(seed)
    return [str(user) for user in rng.choice(eligible, size=min(count, len(eligible)), replace=False)]


def check_turn(
    turn: Turn,
    expect: Expect,
    here: tuple[float, float],
    items: pd.DataFrame,
    seen: set[str],
    known: set[str],
) -> dict[str, Any]:
    """Which of the turn's expectations held, and which venues its written reply names outside the catalogue or
    the results. ``here`` is where the user is; ``seen`` the places suggested earlier in the conversation (a
    refinement shows new ones); ``known`` the places the user has been to. Fewer suggestions than asked (or none)
    hold only when the catalogue has no more places that meet the request's hard constraints (category, area,
    exclusions, new to the user) among those the service may suggest."""
    kinds = zip(items["category"].fillna(""), items["category_path"].fillna(""), strict=True)
    kinds_by_id = dict(zip(items["item_id"], kinds, strict=True))
    failures: list[str] = []
    suggested = turn.items
    far: list[str] = []

    # Only places the service may offer this request count (the suggestable rule: no homes, and offices or
    # stations only when the category names them).
    feasible = suggestable_column(items, [expect.category])

    def holds(kind: str, item_id: str) -> bool:
        return is_of_kind(kind, *kinds_by_id[item_id])

    if expect.category:
        feasible &= of_kind_column(items, expect.category)
        if any(not holds(expect.category, s.item_id) for s in suggested):
            failures.append(f"category {expect.category!r} not honoured")
    if expect.near:
        area = lookup(expect.near) if expect.near != "here" else None
        place = here if area is None else (area.latitude, area.longitude)
        apart = haversine_km(place[0], place[1], items["latitude"].to_numpy(), items["longitude"].to_numpy())
        radius = near_radius_km(expect.near)
        feasible &= apart <= radius
        far = [s.name for s in suggested if haversine_km(place[0], place[1], s.latitude, s.longitude) > radius]
    if expect.surprise:
        feasible &= ~items["item_id"].isin(known)
        if any(s.is_return for s in suggested):
            failures.append("surprise: a place the user knows")
    if expect.familiar:
        feasible &= items["item_id"].isin(known)
        if any(s.item_id not in known for s in suggested):
            failures.append("familiar: a place the user has not been to")
    loud = quiet_exclusions(expect.category, levels_holding(expect.category, items) if expect.category else frozenset())
    for term in [*expect.exclude, *(loud if expect.quiet else ())]:
        feasible &= ~of_kind_column(items, term)
        if any(holds(term, s.item_id) for s in suggested):
            failures.append(f"excluded {term!r} suggested")
    if expect.exclude or expect.quiet or expect.surprise:
        # A follow-up asking for other, quieter or new places wants others than those just shown.
        feasible &= ~items["item_id"].isin(seen)
    available = int(feasible.sum())
    # Farther places are right only when nothing near qualifies, every one is farther and code said so.
    said_far = turn.grounding.get("by_code") and len(far) == len(suggested)
    if far and not (available == 0 and said_far):
        failures.append(f"not near {expect.near}: {far}")
    unsuggestable = [s.name for s in suggested if not suggestable_column(items[items["item_id"] == s.item_id]).all()]
    if expect.open_request and unsuggestable:
        failures.append(f"open request offered places people do not go to by choice: {unsuggestable}")
    if expect.profile:
        if not known:
            failures.append("profile: no history to answer from")  # pick_users only picks users with history
        elif not suggested or any(s.item_id not in known for s in suggested) or not turn.grounding.get("by_code"):
            failures.append("profile: not answered from the user's own places")
    elif expect.offtopic:
        if suggested or len(turn.reply) > OFFTOPIC_MAX_CHARS or not turn.grounding.get("by_code"):
            failures.append("off-topic: not a short answer without places")
    elif expect.explain:
        # With nothing suggested before, the right answer is to say so.
        explained = turn.explanation is not None and bool(turn.explanation.evidence)
        if explained != bool(seen):
            failures.append("no explanation with evidence" if seen else "explained a place never suggested")
    elif expect.constrained:
        wanted = min(expect.k or DEFAULT_K, available)
        if len(suggested) < wanted:
            failures.append(f"{len(suggested)} suggestions where {wanted} qualify")
    catalogue = NameIndex(dict(zip(items["item_id"].astype(str), items["name"].fillna(""), strict=True)))
    allowed = allowed_names(suggested, turn.explanation, catalogue)
    # Replies written by code name only the results; the check is for what the LLM wrote.
    written = "" if turn.grounding.get("by_code") else turn.reply
    report = check_reply(written, allowed, catalogue, place_kinds(items))
    places = turn_places(suggested, turn.explanation, {s.item_id: s for s in suggested}, allowed)
    claims = check_claims(written, places, report.allowed, place_kinds(items), Situation.of(turn.message, turn.context))
    return {
        "constrained": expect.constrained,
        "honoured": not failures,
        "open_request": expect.open_request,
        "unsuggestable": unsuggestable if expect.open_request else [],
        "claims_checked": len(turn.grounding.get("claims_checked", [])),
        "claims_unsupported_in_drafts": len(turn.grounding.get("claims_unsupported", [])),
        "claims_unsupported_shown": [checked.record() for checked in claims.unsupported],
        "failures": failures,
        "available": available,
        "outside_catalogue": [m.text for m in report.unknown],
        "not_from_results": [m.text for m in report.not_allowed],
        "suggestions": len(suggested),
        "without_evidence": sum(1 for s in suggested if not s.evidence),
    }


def run(assistant: Assistant, settings: Settings, conversations: int, seed: int = 0) -> dict[str, Any]:
    """Play ``conversations`` scripted conversations and summarise them."""
    events = assistant.service.events()
    if events is None:
        raise SystemExit(f"no events in {settings.state_dir}; start the app or run `wherenow prepare` first")
    items = assistant.service.items
    users = pick_users(events, conversations, seed)
    events = events.assign(user_id=events["user_id"].astype(str))
    last = events.sort_values("timestamp").groupby("user_id").tail(1).set_index("user_id")
    visited = events.groupby("user_id")["item_id"].agg(set)
    records = []
    started = time.perf_counter()
    for number, user in enumerate(users):
        script = SCRIPTS[number % len(SCRIPTS)]
        row = last.loc[user]
        at = row["timestamp"].to_pydatetime() + timedelta(days=1)
        here = (float(row["latitude"]), float(row["longitude"]))
        seen: set[str] = set()
        for message, expect in script:
            turn = assistant.chat(user, message, at=at, where=here, conversation_id=f"eval-{number}")
            verdict = check_turn(turn, expect, here, items, seen, visited[user])
            seen.update(s.item_id for s in turn.items)
            records.append(
                {
                    "conversation": number,
                    "user_id": user,
                    "at": at.isoformat(),
                    "message": message,
                    "expect": expect.model_dump(exclude_defaults=True),
                    **verdict,
                    "reply": turn.reply,
                    "text": turn.text,
                    "items": [s.model_dump() for s in turn.items],
                    "explanation": turn.explanation.model_dump() if turn.explanation else None,
                    "trace": [{"name": call.name, "arguments": call.arguments} for call in turn.trace],
                    "grounding": turn.grounding,
                    "timings": turn.timings,
                }
            )
            logger.info("%s %s: %s", user, message, "ok" if verdict["honoured"] else verdict["failures"])
    constrained = [r for r in records if r["constrained"]]
    summary = {
        "conversations": len(users),
        "turns": len(records),
        "venues_outside_catalogue": sum(len(r["outside_catalogue"]) for r in records),
        "venues_not_from_results": sum(len(r["not_from_results"]) for r in records),
        "suggestions": sum(r["suggestions"] for r in records),
        "suggestions_without_evidence": sum(r["without_evidence"] for r in records),
        "constrained_turns": len(constrained),
        "constraints_honoured": sum(r["honoured"] for r in constrained),
        "constraints_honoured_share": round(sum(r["honoured"] for r in constrained) / max(1, len(constrained)), 4),
        "claims_checked": sum(r["claims_checked"] for r in records),
        "claims_unsupported_in_drafts": sum(r["claims_unsupported_in_drafts"] for r in records),
        "claims_unsupported_shown": sum(len(r["claims_unsupported_shown"]) for r in records),
        "open_request_turns": sum(1 for r in records if r["open_request"]),
        "unsuggestable_in_open_requests": sum(len(r["unsuggestable"]) for r in records),
        "by_kind": _by_kind(records),
        "explain_turns": sum(1 for r in records if r["expect"].get("explain")),
        "explain_turns_ok": sum(1 for r in records if r["expect"].get("explain") and r["honoured"]),
        "rewritten_replies": sum(1 for r in records if r["grounding"].get("attempts", 1) > 1),
        "repaired_replies": sum(1 for r in records if r["grounding"].get("repaired")),
        "seconds": round(time.perf_counter() - started, 1),
        "median_turn_s": float(np.median([r["timings"]["total_s"] for r in records])) if records else 0.0,
    }
    summary["passed"] = (
        summary["venues_outside_catalogue"] == 0
        and summary["claims_unsupported_shown"] == 0
        and summary["unsuggestable_in_open_requests"] == 0
        and summary["suggestions_without_evidence"] == 0
        and summary["constraints_honoured_share"] >= REQUIRED_SHARE
    )
    return {"summary": summary, "turns": records}


def run_preferences(
    assistant: Assistant,
    conversations: int,
    seed: int = 0,
    scripts: Sequence[PreferenceScript] = PREFERENCE_SCRIPTS,
    users: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Play the preference scripts for ``conversations`` real users (or the given ones), each a day after their last
    check-in at their last place, and summarise them; every preference stated is ended again afterwards."""
    service = assistant.service
    events = service.events()
    if events is None:
        raise SystemExit("no events stored; start the app or run `wherenow prepare` first")
    events = events.assign(user_id=events["user_id"].astype(str))
    chosen = list(users) if users is not None else pick_users(events, conversations, seed + 1)
    last = events.sort_values("timestamp").groupby("user_id").tail(1).set_index("user_id")
    records = []
    started = time.perf_counter()
    for number, user in enumerate(chosen):
        script = scripts[number % len(scripts)]
        row = last.loc[user]
        at = row["timestamp"].to_pydatetime() + timedelta(days=1)
        here = (float(row["latitude"]), float(row["longitude"]))
        thread = f"eval-preferences-{number}"

        def ask(message: str, user: str = user, at: Any = at, here: Any = here, thread: str = thread) -> Turn:
            return assistant.chat(user, message, at=at, where=here, conversation_id=thread)

        before = [ask(message) for message in script.requests]
        stated = ask(script.statement)
        stored = service.preferences(user)
        after = [ask(message) for message in script.requests]
        undone = ask(script.undo)
        again = ask(script.requests[0])
        service.clear_preferences(user, at)  # the next script starts from the user's own history
        kinds = _Kinds(service.items, script.categories)
        share_before, share_after, in_after = kinds.share(before), kinds.share(after), kinds.count(after)
        record = {
            "conversation": number,
            "user_id": user,
            "script": script.name,
            "effect": script.effect,
            "statement_reply": stated.text,
            "stored": [preference.model_dump(mode="json") for preference in stored],
            "suggestions_before": sum(len(turn.items) for turn in before),
            "suggestions_after": sum(len(turn.items) for turn in after),
            "in_category_before": kinds.count(before),
            "in_category_after": in_after,
            "share_before": share_before,
            "share_after": share_after,
            "undo_reply": undone.text,
            "restored": [item.item_id for item in again.items] == [item.item_id for item in before[0].items],
            "before": [[item.item_id for item in turn.items] for turn in before],
            "after": [[item.item_id for item in turn.items] for turn in after],
            "seconds": round(sum(turn.timings["total_s"] for turn in [*before, stated, *after, undone, again]), 3),
        }
        if script.effect == "mute":
            record["honoured"] = bool(stored) and in_after == 0
        else:  # a share already whole cannot go up
            record["honoured"] = bool(stored) and (share_after > share_before or share_before == 1.0)
        records.append(record)
        logger.info("%s %s: %s", user, script.name, "ok" if record["honoured"] else "not honoured")
    mutes = [r for r in records if r["effect"] == "mute"]
    boosts = [r for r in records if r["effect"] == "boost"]
    after_turns = sum(len(script.requests) for script in (scripts[n % len(scripts)] for n in range(len(records))))
    summary = {
        "conversations": len(records),
        "turns": after_turns,
        "stored": sum(bool(r["stored"]) for r in records),
        "mute_scripts": len(mutes),
        "muted_in_baseline": sum(r["in_category_before"] for r in mutes),
        "muted_shown_after": sum(r["in_category_after"] for r in mutes),
        "muted_absent_share": round(sum(r["in_category_after"] == 0 for r in mutes) / max(1, len(mutes)), 4),
        "boost_scripts": len(boosts),
        "boost_share_before": round(float(np.mean([r["share_before"] for r in boosts])), 4) if boosts else 0.0,
        "boost_share_after": round(float(np.mean([r["share_after"] for r in boosts])), 4) if boosts else 0.0,
        "boost_up_share": round(sum(r["honoured"] for r in boosts) / max(1, len(boosts)), 4),
        "undo_restored_share": round(sum(r["restored"] for r in records) / max(1, len(records)), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    summary["passed"] = bool(records) and all(r["honoured"] and r["restored"] for r in records)
    return {"summary": summary, "conversations": records}


class _Kinds:
    """Whether suggested places belong to categories, by their catalogue rows (a turn's items do not carry the
    category path)."""

    def __init__(self, items: pd.DataFrame, categories: Sequence[str]) -> None:
        paths = items["category_path"].fillna("") if "category_path" in items else pd.Series("", index=items.index)
        rows = zip(items["item_id"].astype(str), items["category"].fillna(""), paths, strict=True)
        self.inside = {item_id for item_id, leaf, path in rows if in_categories(str(leaf), str(path), categories)}

    def count(self, turns: Sequence[Turn]) -> int:
        return sum(item.item_id in self.inside for turn in turns for item in turn.items)

    def share(self, turns: Sequence[Turn]) -> float:
        """The share of the turns' suggestions in the categories."""
        items = sum(len(turn.items) for turn in turns)
        return round(self.count(turns) / items, 4) if items else 0.0


def _by_kind(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Turns honoured and median seconds per kind of turn (explain, profile, off-topic, request)."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        expect = record["expect"]
        kind = next((name for name in ("explain", "profile", "offtopic") if expect.get(name)), "request")
        kinds.setdefault(kind, []).append(record)
    return {
        kind: {
            "turns": len(group),
            "honoured_share": round(sum(r["honoured"] for r in group) / len(group), 4),
            "median_turn_s": round(float(np.median([r["timings"]["total_s"] for r in group])), 3),
        }
        for kind, group in kinds.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Where to write the JSON report.")
    parser.add_argument("--conversations", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads of the local LLM.")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument(
        "--preference-conversations", type=int, default=8, help="Conversations of the preference scripts."
    )
    parser.add_argument(
        "--only-preferences", action="store_true", help="Play only the preference scripts (no 60 conversations)."
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # Imported here: the runtime and the model are heavy, and --help should not wait for them.
    from assistant.llm import build_chat_model
    from assistant.runtime import prepare

    settings = load_settings(args.config)
    with prepare(settings, progress=True) as runtime:
        llm = build_chat_model(settings, n_threads=args.threads)
        assistant = Assistant(Service(runtime), llm, arguments=settings.assistant.arguments)
        report: dict[str, Any] = (
            {"summary": {"passed": True}, "turns": []}
            if args.only_preferences
            else run(assistant, settings, args.conversations, args.seed)
        )
        preferences = run_preferences(assistant, args.preference_conversations, args.seed)
    report["summary"]["preferences"] = preferences["summary"]
    report["summary"]["passed"] = report["summary"]["passed"] and preferences["summary"]["passed"]
    report["preference_conversations"] = preferences["conversations"]
    report["model"] = getattr(llm, "name", None) or type(llm).__name__
    args.out.write_text(json.dumps(report, indent=2, default=str))
    summary = report["summary"]
    for key, value in summary.items():
        print(f"{key:>30}: {value}")
    print(f"report: {args.out}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
