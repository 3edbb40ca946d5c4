"""The gazetteer's areas: a point is in an area by its borough and distance, and of the area it is nearest."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.gazetteer import BOROUGHS, NEIGHBOURHOODS, in_area, is_in_area, of_area

# Points across the city: centres, and points between them.
RNG = np.random.default_rng(0)
LATITUDES = RNG.uniform(40.57, 40.90, 300)
LONGITUDES = RNG.uniform(-74.15, -73.75, 300)


@pytest.mark.parametrize("area", ["Chinatown", "Brooklyn", "The Bronx", "Astoria", "Atlantis"])
def test_in_area_is_is_in_area_for_many_points(area: str) -> None:
    one_by_one = [is_in_area(area, lat, lon) for lat, lon in zip(LATITUDES, LONGITUDES, strict=True)]
    assert in_area(area, LATITUDES, LONGITUDES).tolist() == one_by_one


def test_a_point_is_of_the_one_neighbourhood_it_is_nearest() -> None:
    owners = np.stack([of_area(name, LATITUDES, LONGITUDES) for name in NEIGHBOURHOODS if name not in BOROUGHS])
    assert (owners.sum(0) <= 1).all() and owners.any()
    tribeca = NEIGHBOURHOODS["Tribeca"]
    assert is_in_area("Chinatown", *tribeca)  # "in Chinatown" may be said 1 km away…
    assert not of_area("Chinatown", [tribeca[0]], [tribeca[1]])[0]  # …but Tribeca's centre is Tribeca's
    assert of_area("Tribeca", [tribeca[0]], [tribeca[1]])[0]


def test_boroughs_hold_their_neighbourhoods_and_unknown_areas_hold_nothing() -> None:
    williamsburg = NEIGHBOURHOODS["Williamsburg"]
    assert of_area("Brooklyn", [williamsburg[0]], [williamsburg[1]])[0]
    assert not of_area("Manhattan", [williamsburg[0]], [williamsburg[1]])[0]
    assert not of_area("Atlantis", LATITUDES, LONGITUDES).any()


def test_districts_are_named_and_searched_but_own_no_neighbourhood_s_points() -> None:
    from assistant.gazetteer import find_neighbourhoods, lookup

    assert [place.name for place, _ in find_neighbourhoods("drinks downtown, or uptown?")] == [
        "Lower Manhattan",
        "Upper Manhattan",
    ]
    assert [place.name for place, _ in find_neighbourhoods("pizza in downtown brooklyn")] == ["Downtown Brooklyn"]
    soho, inwood = NEIGHBOURHOODS["SoHo"], NEIGHBOURHOODS["Inwood"]
    assert is_in_area("Downtown", *soho) and of_area("SoHo", [soho[0]], [soho[1]])[0]
    assert of_area("Lower Manhattan", [soho[0]], [soho[1]])[0]
    assert is_in_area("uptown", *inwood) and not is_in_area("downtown", *inwood)
    assert not is_in_area("Lower Manhattan", *NEIGHBOURHOODS["Williamsburg"])  # across the river
    # The Meatpacking District has its own centre now, by Gansevoort St, not the West Village's.
    assert lookup("the meatpacking district") == lookup("Meatpacking") != lookup("West Village")


def test_named_parts_of_midtown_and_the_east_side_have_their_own_centres() -> None:
    from assistant.gazetteer import borough_of, find_neighbourhoods, lookup

    midtown, east, west = lookup("Midtown"), lookup("midtown east"), lookup("Midtown West")
    assert midtown is not None and east is not None and west is not None
    # "Midtown East" is east of plain Midtown's centre (6th Ave), "Midtown West" west of it.
    assert east.longitude > midtown.longitude + 0.01 > west.longitude + 0.01 and lookup("East Midtown") == east
    for said, name, borough in (
        ("sushi in yorkville", "Yorkville", "Manhattan"),
        ("what about turtle bay", "Turtle Bay", "Manhattan"),
        ("lunch spot in gowanus", "Gowanus", "Brooklyn"),
        ("something in newport", "Newport", "New Jersey"),
        ("bars in nomad", "NoMad", "Manhattan"),
    ):
        assert [place.name for place, _ in find_neighbourhoods(said)] == [name]
        assert borough_of(name) == borough


def test_new_jersey_across_the_hudson_is_no_part_of_manhattan() -> None:
    from assistant.gazetteer import across_the_hudson, borough_at, lookup

    weehawken_restaurant, chelsea = (40.75993, -74.02246), NEIGHBOURHOODS["Chelsea"]
    assert borough_at(*weehawken_restaurant) == "New Jersey"
    assert not is_in_area("Manhattan", *weehawken_restaurant) and is_in_area("New Jersey", *weehawken_restaurant)
    assert across_the_hudson(weehawken_restaurant, chelsea)
    assert not across_the_hudson(NEIGHBOURHOODS["Hoboken"], NEIGHBOURHOODS["Jersey City"])
    assert not across_the_hudson(NEIGHBOURHOODS["DUMBO"], NEIGHBOURHOODS["Financial District"])  # a bridge's walk
    # The Manhattan shore stays Manhattan's: the Hudson's middle is where the nearest centre changes.
    assert borough_at(40.7450, -74.0080) == "Manhattan" and borough_at(40.7120, -74.0170) == "Manhattan"
    nj, jc = lookup("NJ"), lookup("JC")
    assert nj is not None and nj.name == "New Jersey" and jc is not None and jc.name == "Jersey City"
