"""Grounding: venue names in crafted replies, sorted into allowed / known but not allowed / unknown, and repaired."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assistant.grounding import (
    GroundingReport,
    LinkHold,
    NameIndex,
    check_reply,
    find_named_venues,
    repair_reply,
    sentence_spans,
)

CATALOGUE = {
    "v1": "Fat Cat",
    "v2": "Pastis",
    "v3": "Joe's Pizza",
    "v4": "Starbucks",
    "v5": "Starbucks",
    "v6": "Target",
    "v7": "Home",
    "v8": "SoHo",  # the catalogue lists neighbourhoods as venues too
    "v9": "Café Mogador",
    "v10": "St. Mark's Comics",
    "v11": "B&H Dairy",
    "v12": "Continental",
    "v13": "The Smith Bar and Grill",
    "v14": "Katz's Delicatessen",
}
ALLOWED = {"v1": "Fat Cat", "v2": "Pastis", "v5": "Starbucks"}


def statuses(text: str, allowed: dict[str, str] = ALLOWED) -> list[tuple[str, str]]:
    return [(mention.text, mention.status) for mention in check_reply(text, allowed, CATALOGUE).mentions]


def test_allowed_known_and_unknown() -> None:
    text = "Try Fat Cat for jazz. Katz's Delicatessen is great too. Or the Blue Moon Tavern if you're hungry."
    assert statuses(text) == [
        ("Fat Cat", "allowed"),
        ("Katz's Delicatessen", "not_allowed"),
        ("Blue Moon Tavern", "unknown"),
    ]
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert not report.ok and [m.item_ids for m in report.allowed] == [("v1",)]
    assert report.not_allowed[0].item_ids == ("v14",)


def test_a_chain_is_allowed_through_the_id_in_the_results() -> None:
    report = check_reply("Grab a coffee at Starbucks.", ALLOWED, CATALOGUE)
    assert report.ok and report.allowed[0].item_ids == ("v5",)
    assert check_reply("Grab a coffee at Starbucks.", {"v1": "Fat Cat"}, CATALOGUE).not_allowed[0].item_ids == (
        "v4",
        "v5",
    )


def test_common_words_are_not_venues() -> None:
    text = "Home is close. Take the subway home, hit your target, then head to Fat Cat."
    assert statuses(text) == [("Fat Cat", "allowed")]
    # Mid-sentence and capitalised, the same words are the venues.
    assert statuses("After Fat Cat, try Continental or Target.") == [
        ("Fat Cat", "allowed"),
        ("Continental", "not_allowed"),
        ("Target", "not_allowed"),
    ]


def test_spelling_variants_match() -> None:
    text = "Cafe Mogador does brunch, Joes Pizza does slices, B and H Dairy does soup, Smith Bar and Grill does steak."
    assert statuses(text) == [
        ("Cafe Mogador", "not_allowed"),
        ("Joes Pizza", "not_allowed"),
        ("B and H Dairy", "not_allowed"),
        ("Smith Bar and Grill", "not_allowed"),
    ]


def test_neighbourhoods_days_streets_and_cities_are_not_venues() -> None:
    text = (
        "Fat Cat in the West Village, near SoHo and Upper East Side, is on Christopher St. in New York. "
        "Go on Saturday Afternoon or Friday Night."
    )
    assert statuses(text) == [("Fat Cat", "allowed")]


def test_abbreviations_do_not_split_sentences() -> None:
    text = "St. Mark's Comics is fun. Fat Cat is better."
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert [m.text for m in report.not_allowed] == ["St. Mark's Comics"]
    assert repair_reply(text, report, ALLOWED) == "Fat Cat is better."


def test_an_initial_does_not_end_a_sentence() -> None:
    # Seen with the local model: "J. Hood Wright Dog Park is …" was cut to "J." as the reply's first sentence.
    text = "J. Hood Wright Dog Park is a park. Try P.S. 1 too."
    assert [text[start:end] for start, end in sentence_spans(text)] == [
        "J. Hood Wright Dog Park is a park.",
        "Try P.S. 1 too.",
    ]


def test_lists_and_markdown() -> None:
    text = (
        "Here you go:\n- **Fat Cat**: live jazz, you went 3 times on Fridays\n- Smalls Jazz Club: late sets\n- Pastis"
    )
    assert statuses(text) == [("Fat Cat", "allowed"), ("Smalls Jazz Club", "unknown"), ("Pastis", "allowed")]
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert repair_reply(text, report, ALLOWED) == (
        "Here you go:\n- **Fat Cat**: live jazz, you went 3 times on Fridays\n- Pastis"
    )


@pytest.mark.parametrize(
    "text",
    [
        "You'd love Mamoun's.",  # a possessive
        "Head to Balthazar tonight.",  # one word after "to"
        "Rolf's German Restaurant is festive.",
        "Le Coucou and Via Carota are both lovely.",
        "Head to Thai Villa.",  # a cuisine with a place's word is still a name
        "Try Sushi Yasuda tonight.",
    ],
)
def test_invented_places_are_unknown(text: str) -> None:
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert report.unknown and not report.allowed


@pytest.mark.parametrize(
    "text",
    [
        "Fat Cat has live jazz most nights, and you often go there on Fridays.",
        "I'd suggest Pastis. You visited it twice last month, always on a Sunday.",
        "Thanks! Enjoy your evening in New York.",
        "I can't find anything that fits; would Chelsea work instead?",
        # Cuisines are what is eaten, not invented places (y1 §10: "to try American food", "delicious BBQ").
        "Fat Cat is a great place to try American food.",
        "Pastis has delicious BBQ.",
        "Try Mexican at Pastis.",
    ],
)
def test_grounded_replies_pass(text: str) -> None:
    assert check_reply(text, ALLOWED, CATALOGUE).ok


def test_repair_removes_only_offending_sentences() -> None:
    text = "Fat Cat is a good fit tonight. Katz's Delicatessen is a classic. You often go to Pastis on Sundays."
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert repair_reply(text, report, ALLOWED) == "Fat Cat is a good fit tonight. You often go to Pastis on Sundays."


def test_repair_lists_results_when_nothing_grounded_is_left() -> None:
    text = "Try the Blue Moon Tavern. Katz's Delicatessen is a classic."
    report = check_reply(text, ALLOWED, CATALOGUE)
    assert repair_reply(text, report, ALLOWED) == "I'd suggest Fat Cat, Pastis or Starbucks."
    assert "could you tell me more" in repair_reply(text, check_reply(text, {}, CATALOGUE), {})
    # A place only the evidence names may be named, but it is no suggestion to list.
    with_evidence = {**ALLOWED, "evidence:Target": "Target"}
    assert "Target" not in repair_reply(text, check_reply(text, with_evidence, CATALOGUE), with_evidence)


def test_repair_keeps_a_clean_reply() -> None:
    text = "Fat Cat it is."
    assert repair_reply(text, check_reply(text, ALLOWED, CATALOGUE), ALLOWED) == text
    assert repair_reply(text, GroundingReport(), ALLOWED) == text


def test_find_named_venues() -> None:
    found = find_named_venues("After Pastis, then Fat Cat; not fat cat.", ["Fat Cat", "Pastis", "Fat"])
    assert [(venue.name, venue.start, venue.end) for venue in found] == [("Pastis", 6, 12), ("Fat Cat", 19, 26)]
    index = NameIndex.from_names(["Fat Cat"])
    assert find_named_venues("Meet at Fat Cat", index)[0].name == "Fat Cat"


def test_results_missing_from_the_catalogue_are_still_allowed() -> None:
    assert check_reply("New Spot Bar opened.", {"x": "New Spot Bar"}, CATALOGUE).ok


def test_real_catalogue(nyc_data_dir: Path) -> None:
    venues = pd.read_csv(nyc_data_dir / "venues.csv.gz")
    catalogue = dict(zip(venues["venue_id"].astype(str), venues["name"].fillna("").astype(str), strict=True))
    index = NameIndex(catalogue)
    by_name = {name: item_id for item_id, name in catalogue.items()}
    allowed = {by_name["Fat Cat"]: "Fat Cat", by_name["Pastis"]: "Pastis"}
    reply = (
        "Take the subway to the West Village for Fat Cat: you go to jazz bars there on Saturday evenings. "
        "Pastis is a calmer second choice. Balthazar in SoHo is also lovely."
    )
    report = check_reply(reply, allowed, index)
    assert [m.text for m in report.allowed] == ["Fat Cat", "Pastis"]
    assert [m.text for m in report.not_allowed] == ["Balthazar"] and not report.unknown
    assert repair_reply(reply, report, allowed) == reply.rsplit(" Balthazar", 1)[0]


def test_names_with_their_own_punctuation_match_when_copied() -> None:
    catalogue = {
        "moma": "Museum of Modern Art (MoMA)",
        "intrepid": "Intrepid Sea, Air & Space Museum",
        "pj": "P.J. Clarke's",
        "crunch": "Crunch Fitness - 34th Street",
        "sea": "Sea",
    }
    reply = (
        "Try Museum of Modern Art (MoMA), Intrepid Sea, Air & Space Museum, P.J. Clarke's or Crunch Fitness - "
        "34th Street."
    )
    report = check_reply(reply, catalogue, catalogue)
    assert report.ok
    assert [m.item_ids for m in report.mentions] == [("moma",), ("intrepid",), ("pj",), ("crunch",)]
    # Only what the name itself writes between its words joins them: a comma elsewhere still separates.
    assert [m.text for m in check_reply("Intrepid, Sea", {}, catalogue).mentions] == ["Sea"]


def test_kinds_of_place_are_not_venues() -> None:
    catalogue = {"g": "Gym", "x": "Blue Bottle Coffee"}
    reply = "Blue Bottle Coffee is one of the Coffee Shops you like; an American Restaurant or a Gym would do too."
    flagged = check_reply(reply, {"x": "Blue Bottle Coffee"}, catalogue)
    assert not flagged.ok
    kinds = ["Coffee Shop", "American Restaurant", "Gym"]
    assert check_reply(reply, {"x": "Blue Bottle Coffee"}, catalogue, kinds).ok


@pytest.mark.parametrize(
    ("pieces", "shown"),
    [
        (["Try ", "Joe's", " Coffee", ", 0.3", " km away."], "Try Joe's Coffee, 0.3 km away."),
        (["Go to ", "https", "://", "evil", ".example", "/x now"], "Go to  now"),
        (["Visit evil", ".", "example", " today"], "Visit  today"),
        (["mail ", "me@", "evil.example"], "mail "),
    ],
)
def test_link_hold_never_releases_a_link(pieces: list[str], shown: str) -> None:
    draft = LinkHold()
    released = [draft.feed(piece) for piece in pieces]
    released.append(draft.flush())
    assert "".join(released) == shown
    assert all("evil" not in text for text in released)


def test_a_kind_or_a_name_written_with_an_ampersand_is_one_phrase() -> None:
    catalogue = {"e": "Eataly", "b": "Barnes & Noble"}
    kind = check_reply(
        "Eataly is a Food & Drink Shop, 1.8 km from here.", {"e": "Eataly"}, catalogue, ["Food & Drink Shop"]
    )
    assert kind.ok and [m.text for m in kind.allowed] == ["Eataly"]  # no venue called "Drink Shop"
    named = check_reply("Try Barnes & Noble.", {"b": "Barnes & Noble"}, catalogue)
    assert named.ok and [m.text for m in named.allowed] == ["Barnes & Noble"]
