"""The street gazetteer read from the catalogue's addresses (``assistant.streets``)."""

from __future__ import annotations

import pytest

from assistant.streets import StreetIndex, address_of, has_suffix, street_key

# Two avenues and two streets crossing in a grid, a second Broadway in Brooklyn, and descriptions with no address.
_VENUES = [
    ("A is a Bar located at 300 W 14th St, New York, NY.", 40.7400, -74.0030),
    ("B is a Bar located at 320 W 14th St, New York, NY.", 40.7398, -74.0040),
    ("C is a Cafe located at 75 8th Ave, New York, NY.", 40.7392, -74.0024),
    ("D is a Cafe located at 110 8th Ave, New York, NY.", 40.7420, -74.0010),
    ("E is a Bar located at 12 E 14th St Fl 2, New York, NY.", 40.7355, -73.9930),
    ("F is a Bar located at 200 Bleecker St, New York, NY.", 40.7290, -74.0010),
    ("G is a Bar located at 300 Bleecker St, New York, NY.", 40.7320, -74.0040),
    ("H is a Bar located at 800 Broadway, New York, NY.", 40.7320, -73.9910),
    ("I is a Bar located at 600 Broadway, Brooklyn, NY.", 40.7050, -73.9500),
    ("J is a Bar located at 700 Broadway, Brooklyn, NY.", 40.7000, -73.9400),
    ("A Home (private) venue.", 40.7000, -74.0000),
]
GREENWICH, WILLIAMSBURG = (40.7336, -73.9990), (40.7081, -73.9571)


@pytest.fixture(scope="module")
def streets() -> StreetIndex:
    descriptions, latitudes, longitudes = zip(*_VENUES, strict=True)
    return StreetIndex.from_columns(descriptions, list(latitudes), list(longitudes))


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("West 4th Street", "w 4 st"),
        ("W 4th St", "w 4 st"),
        ("w. fourth st", "w 4 st"),
        ("Fifth Avenue", "5 av"),
        ("5th ave", "5 av"),
        ("Avenue C", "av c"),
        ("Avenue of the Americas", "6 av"),
        ("Bleecker Street", "bleecker st"),
        ("the Bowery", "bowery"),
        ("Park Ave S", "park av s"),
    ],
)
def test_street_keys_forget_how_a_street_is_written(said: str, key: str) -> None:
    assert street_key(said) == key


def test_an_address_is_read_from_a_description() -> None:
    address = address_of("Fat Cat is a Music Venue located at 75 Christopher St, New York, NY.")
    assert address is not None and (address.number, address.street, address.city) == (75, "Christopher St", "New York")
    assert address_of("A Home (private) venue.") is None
    assert has_suffix("Bleecker Street") and has_suffix("Broadway") and not has_suffix("Bleecker")


def test_a_street_is_searched_at_its_stretch_nearest_the_user(streets: StreetIndex) -> None:
    found = streets.street("bleecker street", GREENWICH)
    assert found is not None and found.name == "Bleecker St"
    assert (found.latitude, found.longitude) == (40.7320, -74.0040) or (found.latitude, found.longitude) == (
        40.7290,
        -74.0010,
    )
    assert streets.street("bleecker", GREENWICH) is not None  # said bare
    assert streets.street("Foo Street", GREENWICH) is None
    assert streets.street("myself", GREENWICH) is None


def test_a_house_number_picks_the_venue_nearest_it(streets: StreetIndex) -> None:
    found = streets.street("Bleecker St", WILLIAMSBURG, number=290)
    assert found is not None and (found.latitude, found.longitude) == (40.7320, -74.0040)


def test_a_street_in_several_boroughs_prefers_the_users_and_says_the_others(streets: StreetIndex) -> None:
    manhattan = streets.street("broadway", GREENWICH)
    brooklyn = streets.street("broadway", WILLIAMSBURG)
    assert manhattan is not None and manhattan.borough == "Manhattan" and manhattan.label == "Broadway, Manhattan"
    assert brooklyn is not None and brooklyn.borough == "Brooklyn"
    assert set(brooklyn.boroughs) == {"Manhattan", "Brooklyn"}
    assert streets.street("broadway", WILLIAMSBURG, borough="Manhattan").borough == "Manhattan"  # type: ignore[union-attr]


@pytest.mark.parametrize(("one", "other"), [("14th", "8th"), ("8th", "14th"), ("8th ave", "14th"), ("14th st", "8th")])
def test_a_corner_is_where_two_streets_venues_meet(streets: StreetIndex, one: str, other: str) -> None:
    found = streets.corner(one, other, WILLIAMSBURG)
    assert found is not None and found.borough == "Manhattan"
    assert found.latitude == pytest.approx((40.7400 + 40.7392) / 2)


def test_streets_that_never_meet_have_no_corner(streets: StreetIndex) -> None:
    assert streets.corner("bleecker", "broadway", GREENWICH) is None
    assert streets.corner("14th", "Foo St", GREENWICH) is None
