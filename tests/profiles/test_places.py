"""The place vocabulary: one definition of a category path's levels and of how a place is called, used everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from assistant.requests import CATEGORY_WORDS
from profiles import events, places
from profiles.events import Item
from profiles.insights import top_categories as insights_top_categories
from profiles.loaders import load_venues
from profiles.places import (
    CATEGORY_SEPARATOR,
    GROUP_WORDS,
    KIND_GROUPS,
    UNSUGGESTABLE_CATEGORIES,
    Place,
    PlaceAnswer,
    category_kinds,
    category_name,
    category_named,
    category_names,
    category_with_article,
    elide_de,
    is_of_kind,
    is_suggestable,
    kind_pattern,
    kind_words,
    label_in,
    leaf_category,
    leaf_category_column,
    other_category_names,
    other_names,
    place_label,
    plural,
    shown_kind,
    subway_lines,
    suggestable_column,
    top_category,
    top_category_column,
    unsuggestable_group,
    usual_paths,
    with_article,
)
from tests.fixtures.world import KINDS as WORLD_KINDS

PATHS = [
    "Dining and Drinking > Cafe > Coffee Shop",
    "Arts and Entertainment > Music Venue > Jazz and Blues Venue",
    "Residence > Home (private)",
    "Landmarks and Outdoors > Park",
]


@pytest.mark.parametrize(
    ("value", "top", "leaf"),
    [
        ("Dining and Drinking > Cafe > Coffee Shop", "Dining and Drinking", "Coffee Shop"),
        ("Landmarks and Outdoors > Park", "Landmarks and Outdoors", "Park"),
        ("Coffee Shop", "Coffee Shop", "Coffee Shop"),  # a bare category is its own top and leaf
        (" Residence > Home (private) ", "Residence", "Home (private)"),
        ("", "", ""),
    ],
)
def test_levels_of_a_category_path(value: str, top: str, leaf: str) -> None:
    assert top_category(value) == top and leaf_category(value) == leaf
    column = pd.Series([value, None, value], index=[7, 8, 9])
    assert top_category_column(column).tolist() == [top, "", top]
    assert leaf_category_column(column).index.tolist() == [7, 8, 9]


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("MTA Subway - Lorimer St (J/M)", {"J", "M"}),
        ("MTA Subway - 14th St/Union Square (4/5/6/L/N/Q/R/W)", {"4", "5", "6", "L", "N", "Q", "R", "W"}),
        ("MTA Subway - L Train", {"L"}),
        ("Starbucks (Penn Station)", set()),  # words in brackets are no lines
        ("Lorimer Market", set()),
    ],
)
def test_the_subway_lines_a_station_name_lists(name: str, lines: set[str]) -> None:
    assert subway_lines(name) == lines


def test_an_unnamed_place_goes_by_its_category() -> None:
    assert place_label("Fat Cat", "Jazz Club") == "Fat Cat"
    assert place_label("  ", "Home (private)") == "a Home (private)"
    assert place_label("", "Office") == "an Office" == with_article("Office")
    assert place_label("", "") == places.UNNAMED_PLACE


@pytest.mark.parametrize(
    ("noun", "many"),
    [
        ("Coffee Shop", "Coffee Shops"),
        ("Jazz and Blues Venue", "Jazz and Blues Venues"),
        ("Home (private)", "Homes (private)"),
        ("Deli", "Delis"),
        ("Brewery", "Breweries"),
        ("Sandwich", "Sandwiches"),
        ("Other Great Outdoors", "Other Great Outdoors"),
        ("Gym / Fitness Center", "Gym / Fitness Centers"),
    ],
)
def test_categories_in_the_plural(noun: str, many: str) -> None:
    assert plural(noun) == many


def test_place_model() -> None:
    home = Place(item_id="h", name="", category="Home (private)", category_path=PATHS[2], latitude=40.7, longitude=-74)
    assert home.label == "a Home (private)" and home.top_category == "Residence"
    bare = Place(item_id="b", name="Joe", category="Coffee Shop", latitude=40.7, longitude=-74)
    assert bare.label == "Joe" and bare.top_category == "Coffee Shop"
    with pytest.raises(ValueError, match="frozen"):
        bare.name = "Jane"  # type: ignore[misc]
    assert "category_path" in home.model_dump()


def test_answers_keep_the_path_but_leave_it_out_of_their_json() -> None:
    fields = {"item_id": "h", "name": "", "category": "Home (private)", "latitude": 1.0, "longitude": 2.0}
    answer = PlaceAnswer(**fields, category_path=PATHS[2])
    assert answer.top_category == "Residence"
    assert list(answer.model_dump()) == ["item_id", "name", "category", "latitude", "longitude"]
    assert "category_path" not in answer.model_dump_json()


def test_every_top_level_category_is_the_same_definition() -> None:
    assert events.CATEGORY_SEPARATOR is CATEGORY_SEPARATOR  # still importable from profiles.events
    items = pd.DataFrame(
        {
            "item_id": list("ABCDE"),
            "name": ["Joe", "Fat Cat", "", "Union Square", "Bare"],
            "category": [path.split(CATEGORY_SEPARATOR)[-1] for path in PATHS] + ["Food Truck"],
            "category_path": [*PATHS, ""],
            "latitude": 40.7,
            "longitude": -74.0,
        }
    )
    pairs = zip(items["category_path"], items["category"], strict=True)
    expected = [top_category(path or category) for path, category in pairs]
    assert expected == [
        "Dining and Drinking",
        "Arts and Entertainment",
        "Residence",
        "Landmarks and Outdoors",
        "Food Truck",
    ]
    assert [Item(**row).top_category for row in items.to_dict("records")] == expected
    visits = pd.DataFrame({"item_id": list("ABCDE"), "category": ""})
    assert insights_top_categories(visits, items).tolist() == expected


# Suggestable places ---------------------------------------------------------------------------------------------------

# (category, category_path, name, why it is not suggested or None): rows as the NYC catalogue has them.
VENUES = [
    ("Coffee Shop", "Dining and Drinking > Cafe, Coffee, and Tea House > Coffee Shop", "Joe Coffee", None),
    ("Spa / Massage", "Business and Professional Services > Health and Beauty Service > Spa", "Great Jones Spa", None),
    ("Hotel", "Travel and Transportation > Lodging > Hotel", "The Standard", None),
    ("Harbor / Marina", "Travel and Transportation > Pier", "Chelsea Piers", None),
    ("Library", "Community and Government > Library", "New York Public Library", None),
    ("Paper / Office Supplies Store", "Retail > Office Supply Store", "Staples", None),  # a level, not a substring
    ("Building", "Landmarks and Outdoors > Landmark Building", "Empire State Building", None),
    # The path is the precise kind: a "Government Building" check-in filed as a monument is the monument.
    ("Government Building", "Landmarks and Outdoors > Monument", "General Grant National Memorial", None),
    ("Gastropub", "Dining and Drinking > Restaurant > Gastropub", "Fitzgerald's 1928", None),
    ("Home (private)", "Home (private)", "", "private"),
    (
        "Residential Building (Apartment / Condo)",
        "Community and Government > Residential Building > Apartment or Condo",
        "The Ansonia",
        "private",
    ),
    (
        "College Academic Building",
        "Community and Government > Education > College and University > College Residence Hall",
        "Whittier Hall",
        "private",
    ),
    ("Bar", "Dining and Drinking > Bar", "", "unnamed"),
    (
        "Mexican Restaurant",
        "Dining and Drinking > Restaurant > Mexican Restaurant",
        "Cinco de Mayopocalypse 2012",
        "happening",
    ),
    # A race is a day's happening, whatever it is filed as: not a gym to suggest in October.
    (
        "Gym / Fitness Center",
        "Sports and Recreation > Running and Track > Track",
        "More Magazine/Women's Fitness Magazine Half Marathon",
        "happening",
    ),
    ("Park", "Landmarks and Outdoors > Park", "NYRR Brooklyn Half Marathon", "happening"),
    ("Park", "Landmarks and Outdoors > Park", "Prospect Park Turkey Trot 5K Run", "happening"),
    ("Gym / Fitness Center", "Landmarks and Outdoors > Park", "Hudson River Park Run", None),  # a running path
    ("Gym / Fitness Center", "Sports and Recreation > Gym and Studio", "5K Fitness", None),
    ("Office", "Business and Professional Services > Office > Tech Startup", "Foursquare HQ", "work"),
    ("Office", "Landmarks and Outdoors > Structure", "The New York Times Building", "work"),
    ("Medical Center", "Health and Medicine > Hospital", "NewYork-Presbyterian Hospital", "medical"),
    ("Medical Center", "Health and Medicine > Dentist", "GoodDay Dental", "medical"),
    ("Drugstore / Pharmacy", "Retail > Pharmacy", "Duane Reade", "medical"),
    ("Subway", "Travel and Transportation > Transport Hub > Metro Station", "MTA Subway - 14th St (L)", "transit"),
    ("Train Station", "Travel and Transportation > Transport Hub > Rail Station", "New York Penn Station", "transit"),
    ("Airport", "Travel and Transportation > Transport Hub > Airport > Airport Terminal", "JFK Terminal 4", "transit"),
    ("Bridge", "Landmarks and Outdoors > Bridge", "Williamsburg Bridge", "transit"),
    ("Road", "Travel and Transportation > Road > Intersection", "Houston St & Broadway", "transit"),
    # A bare top level says only the family: the check-in category decides.
    ("General Travel", "Travel and Transportation", "MTA Bus Stop- B46", "transit"),
    (
        "School",
        "Community and Government > Education > Primary and Secondary School > High School",
        "Stuyvesant High School",
        "education",
    ),
    (
        "College Academic Building",
        "Community and Government > Education > College and University > College Cafeteria",
        "Marillac Cafeteria",
        "education",
    ),
    (
        "Government Building",
        "Community and Government > Government Building > Courthouse",
        "NY Supreme Court",
        "government",
    ),
    ("Post Office", "Community and Government > Government Building > Post Office", "US Post Office", "government"),
    (
        "Bank",
        "Business and Professional Services > Financial Service > Banking and Finance > Bank",
        "Chase Bank",
        "errand",
    ),
    (
        "Neighborhood",
        "Landmarks and Outdoors > States and Municipalities > Neighborhood",
        "East Village",
        "not a venue",
    ),
    ("General Entertainment", "Event > Entertainment Event > Parade", "Macy's Thanksgiving Day Parade", "not a venue"),
]


@pytest.mark.parametrize(("category", "path", "name", "why"), VENUES)
def test_open_requests_offer_only_places_people_go_to_by_choice(
    category: str, path: str, name: str, why: str | None
) -> None:
    assert unsuggestable_group(category, path, name) == why
    assert is_suggestable(category, path, name) is (why is None)
    place = Place(item_id="x", name=name, category=category, category_path=path, latitude=40.7, longitude=-74.0)
    assert place.suggestable is (why is None)


@pytest.mark.parametrize(
    ("name", "asked", "lifted"),
    [
        ("NewYork-Presbyterian Hospital", ["Hospital"], True),
        ("NewYork-Presbyterian Hospital", ["hospital", None], True),
        ("GoodDay Dental", ["Dentist"], True),
        ("GoodDay Dental", ["Hospital"], False),
        ("New York Penn Station", ["train station"], True),  # the check-in category counts too
        ("New York Penn Station", [None, "Penn"], True),  # asked by name
        ("New York Penn Station", ["Outdoors"], False),
        ("Williamsburg Bridge", ["Outdoors"], False),  # "Landmarks and Outdoors > Bridge": a family word is not a kind
        ("Williamsburg Bridge", ["bridge"], True),
        ("Stuyvesant High School", ["school"], True),
        ("Marillac Cafeteria", ["Cafe"], False),  # words, not substrings: a cafe is not a "Cafeteria"
        ("Foursquare HQ", ["Office"], True),
        ("", ["home"], False),  # never, asked or not
        ("Cinco de Mayopocalypse 2012", ["Mexican"], False),
        ("East Village", ["neighborhood"], False),
    ],
)
def test_a_request_that_names_the_kind_still_gets_it(name: str, asked: list[str | None], lifted: bool) -> None:
    category, path, name, why = next(venue for venue in VENUES if venue[2] == name)
    assert why is not None and not is_suggestable(category, path, name)
    assert is_suggestable(category, path, name, asked=asked) is lifted
    assert is_suggestable(category, path, name, asked=[None, " "]) is False  # blanks ask for nothing


def test_an_unnamed_place_is_never_offered_even_when_asked_for() -> None:
    assert not is_suggestable("Bar", "Dining and Drinking > Bar", "", asked=["bar"])


def test_the_rule_reads_the_category_only_when_the_path_says_no_more_than_a_family() -> None:
    assert category_kinds("Coffee Shop", "Dining and Drinking > Cafe") == ("Dining and Drinking", "Cafe")
    assert category_kinds("General Travel", "Travel and Transportation") == (
        "Travel and Transportation",
        "General Travel",
    )
    assert category_kinds("Subway", "") == ("Subway",)
    assert is_suggestable("Office", "") is False and is_suggestable("Coffee Shop") is True
    assert is_suggestable("Coffee Shop", "", name=None) and not is_suggestable("Coffee Shop", "", name=" ")
    assert len(set(UNSUGGESTABLE_CATEGORIES)) == len(UNSUGGESTABLE_CATEGORIES)


def test_the_column_form_is_the_same_rule_row_by_row() -> None:
    frame = pd.DataFrame(
        VENUES, columns=["category", "category_path", "name", "why"], index=range(100, 100 + len(VENUES))
    )
    frame.loc[100, "name"] = None  # a missing name is no name
    expected = [
        is_suggestable(c, p, "" if pd.isna(n) else n)
        for c, p, n in zip(frame["category"], frame["category_path"], frame["name"], strict=True)
    ]
    column = suggestable_column(frame)
    assert column.index.equals(frame.index) and column.dtype == bool and column.tolist() == expected
    asked = suggestable_column(frame, ["hospital"])
    hospital = frame.index[frame["name"] == "NewYork-Presbyterian Hospital"][0]
    assert (asked & ~column).sum() == 1 and asked[hospital]
    # Without names or paths, the categories alone decide.
    bare = suggestable_column(frame[["category"]])
    assert bare.tolist() == [is_suggestable(category) for category in frame["category"]]


def test_the_nyc_catalogue_keeps_the_places_people_go_to(nyc_data_dir: Path) -> None:
    items = load_venues(nyc_data_dir / "venues.csv.gz")
    suggestable = suggestable_column(items)
    groups = pd.Series(
        [
            unsuggestable_group(*row)
            for row in zip(items["category"], items["category_path"], items["name"], strict=True)
        ]
    )
    assert (groups.isna().to_numpy() == suggestable.to_numpy()).all()
    # 2,238: the two half marathons (a "gym" and a park) are happenings too.
    assert len(items) == 4_988 and (~suggestable).sum() == 2_238
    assert groups.value_counts()[["transit", "private", "work", "medical", "education"]].min() > 100
    tops = top_category_column(items["category_path"].where(items["category_path"] != "", items["category"]))
    kept = tops[suggestable].value_counts()
    assert kept["Dining and Drinking"] > 1_500 and "Health and Medicine" not in kept
    assert not suggestable[tops == "Home (private)"].any()
    hospitals = items["category_path"].str.endswith("Hospital")
    assert not suggestable[hospitals].any() and suggestable_column(items, ["hospital"])[hospitals].all()


@pytest.mark.parametrize(
    ("kind", "text", "holds"),
    [
        ("Bar", "Dining and Drinking > Bar > Wine Bar", True),
        ("bar", "Wine Bar", True),
        ("Bar", "Business and Professional Services > Salon / Barbershop", False),
        ("Cafe", "Dining and Drinking > Cafe, Coffee, and Tea House > Coffee Shop", True),
        ("Coffee Shop", "Coffee Shops", False),
        ("Café", "Café", True),
        ("Bar (Irish)", "Bar (Irish)", True),  # the kind is text, not a pattern
    ],
)
def test_a_kind_is_found_as_whole_words(kind: str, text: str, holds: bool) -> None:
    assert (re.search(kind_pattern(kind), text, re.IGNORECASE) is not None) == holds


@pytest.mark.parametrize(
    ("kind", "category", "path", "holds"),
    [
        ("Bar", "Bar", "Dining and Drinking > Bar > Wine Bar", True),
        ("bar", "Sports Bar", "", True),
        # Twelve NYC juice bars carry the check-in category "Bar": their paths say what they are.
        ("Bar", "Bar", "Dining and Drinking > Juice Bar", False),
        ("juice bar", "Bar", "Dining and Drinking > Juice Bar", True),
        ("Dining and Drinking", "Bar", "Dining and Drinking > Juice Bar", True),
        ("Bar", "Barbershop", "", False),
    ],
)
def test_a_kind_is_its_whole_words_unless_a_look_alike(kind: str, category: str, path: str, holds: bool) -> None:
    assert places.is_of_kind(kind, category, path) is holds
    items = pd.DataFrame({"category": [category, "Sports Bar"], "category_path": [path, ""]})
    assert places.of_kind_column(items, kind).tolist() == [holds, kind.casefold() == "bar"]


def test_a_place_is_also_of_the_kinds_its_category_usually_is() -> None:
    # The user's Dunkin', checked in at as a "Coffee Shop", is filed under "Donut Shop": coffee holds it.
    coffee = "Dining and Drinking > Cafe, Coffee, and Tea House > Coffee Shop"
    assert places.is_of_kind("Cafe", "Coffee Shop", "Dining and Drinking > Donut Shop", coffee)
    assert not places.is_of_kind("Cafe", "Coffee Shop", "Dining and Drinking > Donut Shop")
    # A look-alike in its own path still rules it out; the usual path only adds kinds.
    assert not places.is_of_kind("Bar", "Bar", "Dining and Drinking > Juice Bar", "Dining and Drinking > Bar")
    assert places.is_of_kind("Bar", "Bar", "", "Dining and Drinking > Juice Bar")
    items = pd.DataFrame(
        {
            "category": ["Coffee Shop", "Coffee Shop", "Donut Shop", "Bar"],
            "category_path": [coffee, "Dining and Drinking > Donut Shop", "Dining and Drinking > Donut Shop", ""],
        }
    )
    assert places.of_kind_column(items, "Cafe").tolist() == [True, True, False, False]
    assert places.of_kind_column(items, "Donut Shop").tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    ("group", "category", "path", "holds"),
    [
        ("Family Outing", "Playground", "Landmarks and Outdoors > Park > Playground", True),
        ("family outing", "Science Museum", "Arts and Entertainment > Museum > Science Museum", True),
        ("Family Outing", "Ice Cream Shop", "Dining and Drinking > Dessert Shop > Ice Cream Parlor", True),
        ("Family Outing", "Gym / Fitness Center", "Sports and Recreation > Gym and Studio > Gym", False),
        ("Family Outing", "Beer Garden", "Dining and Drinking > Bar > Beer Garden", False),  # a garden by its word
        ("Family Outing", "Museum", "Arts and Entertainment > Museum > Erotic Museum", False),
        ("Sightseeing", "Scenic Lookout", "Landmarks and Outdoors > Scenic Lookout", True),
        ("Sightseeing", "Historic Site", "Landmarks and Outdoors > Historic and Protected Site", True),
        ("Sightseeing", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", False),
        ("Breakfast", "Breakfast Spot", "Dining and Drinking > Breakfast Spot", True),
        ("Breakfast", "Café", "Dining and Drinking > Cafe, Coffee, and Tea House > Café", True),
        ("Breakfast", "Bar", "Dining and Drinking > Restaurant > American Restaurant", False),
        ("After Dinner", "Bar", "Dining and Drinking > Bar > Cocktail Bar", True),
        ("After Dinner", "Bar", "Dining and Drinking > Bar > Juice Bar", False),  # a juice bar is no bar
        ("After Dinner", "Dessert Shop", "Dining and Drinking > Dessert Shop", True),
        ("After Dinner", "Steakhouse", "Dining and Drinking > Restaurant > Steakhouse", False),
        ("Swimming", "Pool", "Sports and Recreation > Swimming Pool", True),
        ("Swimming", "Pool Hall", "Sports and Recreation > Pool Hall", False),  # billiards
        ("Views", "Scenic Lookout", "Landmarks and Outdoors > Scenic Lookout", True),
        ("Groceries", "Food & Drink Shop", "Retail > Food and Beverage Retail > Grocery Store", True),
        ("Celebration", "Karaoke Bar", "Arts and Entertainment > Karaoke Bar", True),
        ("Celebration", "Office", "Business and Professional Services > Office", False),
        ("Celebration", "Deli / Bodega", "Dining and Drinking > Restaurant > Deli", False),  # a bite, not a party
        ("Celebration", "Mexican Restaurant", "Dining and Drinking > Restaurant > Mexican Restaurant", True),
        ("Date Night", "Wine Bar", "Dining and Drinking > Bar > Wine Bar", True),
        ("Date Night", "French Restaurant", "Dining and Drinking > Restaurant > French Restaurant", True),
        ("Date Night", "Diner", "Dining and Drinking > Restaurant > Diner", False),  # no date
        ("Date Night", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", False),
        ("Date Night", "Sports Bar", "Dining and Drinking > Bar > Sports Bar", False),
        ("Sit-down Dinner", "French Restaurant", "Dining and Drinking > Restaurant > French Restaurant", True),
        ("Sit-down Dinner", "Diner", "Dining and Drinking > Restaurant > Diner", False),
        ("Sit-down Dinner", "Wine Bar", "Dining and Drinking > Bar > Wine Bar", False),  # a dinner, not drinks
        ("Culture", "Art Museum", "Arts and Entertainment > Museum > Art Museum", True),
        ("Culture", "Theater", "Arts and Entertainment > Performing Arts Venue > Theater", True),
        ("Culture", "Movie Theater", "Arts and Entertainment > Movie Theater", False),  # a film is no stage
        # A gym is where people work out: not a dance or rehearsal studio filed under "Gym and Studio".
        ("Gym", "Gym / Fitness Center", "Sports and Recreation > Gym and Studio > Gym", True),
        ("Gym", "Performing Arts Venue", "Sports and Recreation > Gym and Studio > Dance Studio", False),
    ],
)
def test_a_group_of_kinds_holds_any_of_its_members(group: str, category: str, path: str, holds: bool) -> None:
    assert places.is_of_kind(group, category, path) is holds


def test_chain_branches_share_a_name_at_three_places_or_more() -> None:
    assert places.chain_key("Starbucks - Times Square") == places.chain_key("Starbucks #12") == "starbucks"
    assert places.chain_key("Dunkin' Donuts (Penn Station)") == "dunkin donuts"
    assert places.chain_key("") == ""
    items = pd.DataFrame(
        {
            "item_id": ["a", "b", "c", "d", "e", "f"],
            "name": ["Starbucks", "Starbucks - SoHo", "STARBUCKS #3", "Joe's Pizza", "Joe's Pizza", None],
        }
    )
    assert places.chain_item_ids(items) == frozenset({"a", "b", "c"})  # two Joe's are not a chain
    assert places.chain_item_ids(items, min_places=2) == frozenset({"a", "b", "c", "d", "e"})


def test_a_national_chain_is_a_chain_even_at_one_place() -> None:
    items = pd.DataFrame(
        {"item_id": ["a", "b", "c", "d"], "name": ["Red Lobster", "Chevys Fresh Mex", "Subway Inn", "Subway"]}
    )
    # "Subway Inn" is a dive bar: only the sandwich chain's bare name is the chain.
    assert places.chain_item_ids(items) == frozenset({"a", "b", "d"})
    assert not places.is_national_chain(places.chain_key("Red Hook Lobster Pound"))


def test_brunch_is_no_coffee_shop_and_breakfast_may_be() -> None:
    coffee = ("Coffee Shop", "Dining and Drinking > Cafe, Coffee, and Tea House > Coffee Shop")
    cafe = ("Café", "Dining and Drinking > Cafe, Coffee, and Tea House > Café")
    assert not is_of_kind("Brunch", *coffee) and is_of_kind("Brunch", *cafe) and is_of_kind("Breakfast", *coffee)


def test_a_dog_goes_to_parks_and_dog_runs_not_theme_parks() -> None:
    assert is_of_kind("With a Dog", "Dog Run", "Landmarks and Outdoors > Park > Dog Park")
    assert is_of_kind("With a Dog", "Park", "Landmarks and Outdoors > Park")
    assert not is_of_kind("With a Dog", "Theme Park", "Arts and Entertainment > Amusement Park > Theme Park")
    assert not is_of_kind("With a Dog", "Café", "Dining and Drinking > Cafe, Coffee, and Tea House > Café")


def test_things_to_do_are_shows_sights_and_games_not_meals_drinks_or_workouts() -> None:
    assert is_of_kind("Things to Do", "Movie Theater", "Arts and Entertainment > Movie Theater")
    assert is_of_kind("Things to Do", "Park", "Landmarks and Outdoors > Park")
    assert is_of_kind("Things to Do", "Bowling Alley", "Sports and Recreation > Bowling Alley")
    # A karaoke bar's path runs through Arts and Entertainment; a drink is named when it is wanted.
    assert not is_of_kind("Things to Do", "Bar", "Arts and Entertainment > Bar")
    assert not is_of_kind("Things to Do", "Pizza Place", "Dining and Drinking > Restaurant > Pizza Place")
    assert not is_of_kind("Things to Do", "Gym / Fitness Center", "Sports and Recreation > Gym / Fitness Center")


def test_a_toll_plaza_is_no_sight() -> None:
    toll = ("Road", "Travel and Transportation > Toll Plaza")
    assert not is_of_kind("Sightseeing", *toll) and not is_of_kind("Things to Do", *toll)
    assert is_of_kind("Sightseeing", "Plaza", "Landmarks and Outdoors > Plaza")


def test_a_place_listed_for_a_kind_shows_the_category_that_holds_that_kind() -> None:
    cafe_now = "Dining and Drinking > Cafe, Coffee, and Tea House > Café"
    assert shown_kind("Cafe", "Bar", cafe_now) == "Café"  # a 2012 bar that is a café today, asked for coffee
    assert shown_kind("Bar", "Bar", cafe_now) == "Bar"
    assert shown_kind("Pub", "Bar", "Dining and Drinking > Bar > Pub") == "Pub"
    assert shown_kind(None, "Bar", cafe_now) == "Bar"
    assert shown_kind("Museum", "Bar", cafe_now) == "Bar"  # neither holds it: the category as it is
    # A category that is of the kind by the path most of its places have keeps its name.
    jazz = "Arts and Entertainment > Music Venue > Jazz and Blues Venue"
    assert shown_kind("Music Venue", "Jazz Club", jazz, usual_path=jazz) == "Jazz Club"
    assert usual_paths(pd.DataFrame({"category": ["Bar", "Bar", "Bar"], "category_path": ["B", "B", cafe_now]})) == {
        "Bar": "B"
    }


def test_kinds_are_said_as_places_of_that_kind() -> None:
    assert kind_words("Wine Bar") == "wine bars"
    assert kind_words("Sushi") == "sushi places"
    assert kind_words("Mexican") == "Mexican places"
    assert kind_words("BBQ") == "BBQ places"
    assert kind_words("Clothing") == "clothing stores"
    assert kind_words("Family Outing") == "places for a family outing"


# ---- Kinds of place in Spanish and French ----------------------------------------------------------------------------


def test_a_category_is_said_in_spanish_and_french_and_english_keeps_its_words() -> None:
    assert category_name("Coffee Shop", "es") == "cafetería" and category_name("Coffee Shop", "fr") == "café"
    assert category_name("Mexican Restaurant", "fr", plural=True) == "restaurants mexicains"
    assert category_name("Home (private)", "es", plural=True) == "casas (privadas)"
    assert category_name("Dining and Drinking", "es", plural=True) == "sitios para comer y beber"
    # English is the catalogue's name, and its plural is plural()'s: English replies do not change.
    for category in ("Coffee Shop", "Home (private)", "Deli / Bodega", "Bar"):
        assert category_name(category, "en") == category
        assert category_name(category, "en", plural=True) == plural(category)
    # Case and spacing aside ("fast food" of a stated preference); a name the table lacks stays in English.
    assert category_name("fast food", "es", plural=True) == "sitios de comida rápida"
    assert category_name("Ramen / Noodle House", "fr") == "restaurant de ramen"
    assert category_name("Quantum Lab", "es") == "Quantum Lab"
    assert category_name("Quantum Lab", "fr", plural=True) == "Quantum Labs"


def test_a_kind_with_its_article_and_an_unnamed_places_label_in_the_language() -> None:
    assert category_with_article("Home (private)", "es") == "una casa (privada)"
    assert category_with_article("Home (private)", "fr") == "un domicile (privé)"
    assert category_with_article("Rest Area", "es") == "un área de descanso"  # a stressed "a" takes "un"
    assert category_with_article("Office", "en") == "an Office"
    assert place_label("", "Home (private)", "fr") == "un domicile (privé)"
    assert label_in("a Home (private)", "es") == "una casa (privada)"
    assert label_in("a Home (private)", "en") == "a Home (private)"
    assert label_in("a Bar Called Ohio", "es") == "a Bar Called Ohio"  # a name, not a kind
    assert label_in("Fat Cat", "fr") == "Fat Cat"


def test_the_kinds_a_request_names_are_said_in_spanish_and_french() -> None:
    assert kind_words("Mexican", "es") == "sitios de comida mexicana"
    assert kind_words("Date Night", "fr") == "lieux pour un rendez-vous"
    assert kind_words("Wine Bar", "es") == "bares de vinos"
    assert kind_words("Mexican") == "Mexican places"  # English as it was
    for kind in {*CATEGORY_WORDS.values(), *GROUP_WORDS, *KIND_GROUPS, "Place"}:
        for language in ("es", "fr"):
            assert kind_words(kind, language) == category_name(kind, language, plural=True) != plural(kind), kind


def test_english_plurals_the_recommender_writes_name_their_categories() -> None:
    assert category_named("American Restaurants") == "American Restaurant"
    assert category_named("Homes (private)") == "Home (private)"
    assert category_named("Dining and Drinking") == "Dining and Drinking"
    assert category_named("Quantum Labs") is None


def test_every_name_in_the_table_has_spanish_and_french_singular_plural_and_gender() -> None:
    table = category_names()
    assert len(table) > 500
    for english, said in table.items():
        assert set(said) == {"es", "fr"}, english
        for language, name in said.items():
            assert name.singular and name.plural and name.gender in ("m", "f"), (english, language)
            assert name.singular[:1] == name.singular[:1].lower(), (english, language)  # common nouns, lower case
    # The test world's kinds and every level of their paths are named too.
    for category, path in WORLD_KINDS.values():
        for level in (category, *path.split(CATEGORY_SEPARATOR)):
            assert level in table, level


def test_other_spanish_and_french_names_are_of_named_kinds_and_differ_from_the_tables() -> None:
    table = category_names()
    other = other_category_names()
    assert set(other) == {"es", "fr"}
    for language, names in other.items():
        for english, words in names.items():
            assert english in table, english  # keyed like category_names.toml
            assert words and all(word == word.lower() for word in words), (language, english)
            assert table[english][language].singular not in words, (language, english)  # the table has it already
    # Looked up whatever the case or spacing, and through a kind's alternatives ("Gym / Fitness Center").
    assert "salle de gym" in other_names("Gym / Fitness Center", "fr") and "salle de gym" in other_names("gym", "fr")
    assert "pastelería" in other_names("Dessert Shop", "es") and other_names("Bar", "en") == ()


def test_every_category_of_the_nyc_data_has_spanish_and_french_names(nyc_data_dir: Path) -> None:
    venues = pd.read_csv(nyc_data_dir / "venues.csv.gz", usecols=["category", "category_path"])
    checkins = pd.read_csv(nyc_data_dir / "checkins.csv.gz", usecols=["venue_category"])
    names = {*venues["category"].dropna(), *checkins["venue_category"].dropna()}
    for path in venues["category_path"].dropna().unique():
        names |= {level.strip() for level in str(path).split(CATEGORY_SEPARATOR) if level.strip()}
    assert len(names) > 450
    missing = sorted(name for name in names if name not in category_names())
    assert not missing


def test_french_de_is_elided_before_a_vowel_or_a_mute_h() -> None:
    assert elide_de("plus de hôtels", "fr") == "plus d'hôtels" and elide_de("pas de églises", "fr") == "pas d'églises"
    assert elide_de("plus de hot-dogs", "fr") == "plus de hot-dogs" and elide_de("pas de bars", "fr") == "pas de bars"
    assert elide_de("studios de yoga", "fr") == "studios de yoga"
    assert elide_de("más de hoteles", "es") == "más de hoteles"


def test_kinds_of_which_either_will_do_hold_places_of_each_and_are_said_joined() -> None:
    either = "Sushi|Thai"
    assert is_of_kind(either, "Sushi Restaurant") and is_of_kind(either, "Thai Restaurant")
    assert not is_of_kind(either, "Pizza Place")
    # A category whose name says "or" is one kind, not two.
    assert is_of_kind("Apartment or Condo", "Apartment or Condo") and not is_of_kind("Apartment or Condo", "Condo")
    assert kind_words(either) == "sushi places or Thai places"
    assert kind_words("Bar|Cafe", "fr") == f"{kind_words('Bar', 'fr')} ou {kind_words('Cafe', 'fr')}"
    assert category_name("Bar|Coffee Shop", "es", plural=True) == "bares o cafeterías"
    assert category_with_article("Bar|Museum", "en") == "a Bar or a Museum"
