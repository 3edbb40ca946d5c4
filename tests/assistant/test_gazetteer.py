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


def test_every_centre_lies_in_its_own_borough_s_outline() -> None:
    from assistant.gazetteer import _BOROUGH_OF, outline_boroughs_at

    names = list(NEIGHBOURHOODS)
    centres = np.array([NEIGHBOURHOODS[name] for name in names])
    found = outline_boroughs_at(centres[:, 0], centres[:, 1])
    assert {name: borough for name, borough in zip(names, found, strict=True) if borough != _BOROUGH_OF[name]} == {}


@pytest.mark.parametrize(
    ("point", "borough"),
    [
        ((40.5906, -74.0662), "Staten Island"),  # South Beach, across the Narrows from Bay Ridge's centre
        ((40.5767, -74.1043), "Staten Island"),  # Midland Beach
        ((40.8101, -73.8035), "The Bronx"),  # a bar in Throgs Neck
        ((40.8283, -73.9266), "The Bronx"),  # Yankee Stadium, across the Harlem River from Manhattan's centres
        ((40.5763, -73.8392), "Queens"),  # Rockaway Beach
        ((40.7795, -73.7767), "Queens"),  # Bayside
        ((40.6451, -73.7845), "Queens"),  # JFK
        ((40.7540, -73.9425), "Queens"),  # Queensbridge, across the river from Roosevelt Island's centre
        ((40.6730, -73.8710), "Brooklyn"),  # Cypress Hills, by the Queens line
        ((40.7506, -73.9886), "Manhattan"),
        ((40.7440, -74.0290), "New Jersey"),  # Hoboken
    ],
)
def test_a_point_s_borough_is_the_outline_it_is_in(point: tuple[float, float], borough: str) -> None:
    from assistant.gazetteer import borough_at, borough_within

    assert borough_at(*point) == borough and borough_within(*point) == borough
    assert is_in_area(borough, *point)


def test_beyond_the_outlines_is_no_borough_and_farther_out() -> None:
    from assistant.gazetteer import borough_within
    from assistant.service import FARTHER_OUT, area_words

    for point in [(40.9312, -73.8988), (40.7870, -73.7270), (40.8800, -74.2100)]:  # Yonkers, Great Neck, Montclair
        assert borough_within(*point) is None or borough_within(*point) == "New Jersey"
        assert area_words(*point) == FARTHER_OUT


def test_area_words_give_the_borough_for_places_far_from_every_centre() -> None:
    from assistant.service import area_words

    assert area_words(40.6055, -74.1794) == "elsewhere in Staten Island"  # the Teleport, Bloomfield
    assert area_words(40.8784, -73.9217) == "elsewhere in The Bronx"  # Spuyten Duyvil's station
    assert area_words(40.5671, -73.8655) == "elsewhere in Queens"  # Jacob Riis Park
    assert area_words(40.5917, -73.8953) == "elsewhere in Brooklyn"  # Floyd Bennett Field


@pytest.mark.parametrize(
    ("venue", "point", "area"),
    [
        ("Yankee Stadium", (40.8296, -73.9262), "Grand Concourse"),
        ("Citi Field", (40.7571, -73.8458), "Flushing Meadows"),
        ("JFK's Terminal 4", (40.6442, -73.7822), "JFK Airport"),
        ("LaGuardia's Terminal D", (40.7675, -73.8631), "LaGuardia Airport"),
        ("the Bay Terrace at Bayside", (40.7800, -73.7764), "Bayside"),
        ("Beach 105th Street", (40.5831, -73.8210), "Rockaway Beach"),
        ("LIRR Jamaica Station", (40.6997, -73.8085), "Jamaica"),
        ("Queens College", (40.7369, -73.8161), "Kew Gardens Hills"),
        ("a bar in Throgs Neck", (40.8101, -73.8035), "Throgs Neck"),
        ("Bay Plaza", (40.8725, -73.8331), "Co-op City"),
        ("Parkchester", (40.8366, -73.8629), "Parkchester"),
        ("City Island", (40.8470, -73.7860), "City Island"),
        ("L&B Spumoni Gardens", (40.5947, -73.9813), "Gravesend"),
        ("Kings Plaza", (40.6113, -73.9166), "Mill Basin"),
        ("Canarsie's L terminal", (40.6447, -73.8999), "Canarsie"),
        ("Maimonides Medical Center", (40.6390, -73.9979), "Borough Park"),
        ("Smorgasburg Williamsburg, not Greenpoint", (40.7206, -73.9631), "Williamsburg"),
        ("Roberta's", (40.7051, -73.9336), "Bushwick"),
        ("the Long Meadow", (40.6688, -73.9703), "Prospect Park"),
        ("South Beach's boardwalk", (40.5906, -74.0662), "South Beach"),
        ("Midland Beach", (40.5726, -74.0882), "Midland Beach"),
        ("the Staten Island Mall's Barnes & Noble", (40.5945, -74.1633), "New Springville"),
        ("Tappen Park", (40.6269, -74.0765), "Stapleton"),
    ],
)
def test_outer_boroughs_places_are_named_by_their_neighbourhood(
    venue: str, point: tuple[float, float], area: str
) -> None:
    from assistant.service import area_words

    assert area_words(*point) == area, venue


def test_beyond_the_city_line_is_no_neighbourhood_of_the_city() -> None:
    from assistant.service import FARTHER_OUT, area_words

    # Valley Stream's Green Acres Mall, a Starbucks in Great Neck: by Rosedale and Douglaston, but out of Queens.
    assert area_words(40.6627, -73.7202) == area_words(40.7743, -73.7328) == FARTHER_OUT
    # Elizabeth's mall is far from Jersey City, however near Staten Island's centres; Englewood Cliffs faces Riverdale.
    assert area_words(40.6593, -74.1688) == FARTHER_OUT
    assert area_words(40.8950, -73.9423) == "elsewhere in New Jersey"


def test_a_borough_s_centre_is_no_neighbourhood_of_its_places() -> None:
    from assistant.service import area_name, area_words

    # Fresh Meadows, near Queens' centre, and its neighbour a few blocks on: one label for the both of them.
    assert area_words(40.7340, -73.7930) == area_words(40.7410, -73.7800) == "Fresh Meadows"
    assert area_name(40.7812, -73.9732) == "Upper West Side"  # the Natural History Museum, by Manhattan's centre
    assert all(area_name(*NEIGHBOURHOODS[borough]) not in BOROUGHS for borough in BOROUGHS)


@pytest.mark.parametrize(
    ("venue", "point", "area"),
    [
        ("Penn Station", (40.7508, -73.9936), "Midtown"),
        ("Madison Square Garden", (40.7505, -73.9922), "Midtown"),
        ("MoMA", (40.7614, -73.9770), "Midtown"),
        ("Rockefeller Center", (40.7587, -73.9787), "Midtown"),
        ("Times Square itself", (40.7565, -73.9863), "Times Square"),
        ("Lincoln Center", (40.7725, -73.9834), "Upper West Side"),
        ("Halloween Adventure, E 12th and Broadway", (40.7322, -73.9903), "Union Square"),
        ("the Empire State Building, on Koreatown's edge", (40.7483, -73.9856), "Koreatown"),
        ("Union Square Park", (40.7353, -73.9904), "Union Square"),
    ],
)
def test_a_few_blocks_named_claim_no_more_than_a_few_blocks(venue: str, point: tuple[float, float], area: str) -> None:
    from assistant.gazetteer import neighbourhood_at

    assert neighbourhood_at(*point, 1.5) == area, venue


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("pizza in bensonhurst", "Bensonhurst"),
        ("drinks in throggs neck", "Throgs Neck"),
        ("coffee in the Rockaways", "Rockaway Beach"),
        ("lunch in coop city", "Co-op City"),
        ("something near boro park", "Borough Park"),
        ("things to do in Flushing Meadows-Corona Park", "Flushing Meadows"),
        ("any good pizza in great kills", "Great Kills"),
        ("and great kills?", "Great Kills"),
        ("Great Kills", "Great Kills"),
        ("a bar in south beach", "South Beach"),
        ("when was I last at South Beach", "South Beach"),
        ("bars in east flatbush", "East Flatbush"),
        ("tacos near kew gardens hills", "Kew Gardens Hills"),
        ("restaurantes en great kills", "Great Kills"),
        ("un café près de Broad Channel", "Broad Channel"),
        ("jamaican food in jamaica", "Jamaica"),
    ],
)
def test_the_outer_neighbourhoods_are_read_in_messages(said: str, name: str) -> None:
    from assistant.gazetteer import find_neighbourhoods

    assert [place.name for place, _ in find_neighbourhoods(said)] == [name]


@pytest.mark.parametrize(
    "said",
    [
        "that was a great kills streak",
        "a broad channel of options",
        "college point average",
        "the south beach diet",
        "a place with a south beach vibe",
        "a bar in south beach miami",
        "jamaican food",
        "jamaica-style jerk chicken",
        "jerk chicken, jamaica style",
        "brooklyn style pizza",
        "a pub like in Kensington, London",
        "kew gardens in london",
        "glendale california",
        "a food co-op",
        "drinks near the ridge",
        "a st george's day pub",
        "the throgs neck bridge",
    ],
)
def test_words_that_only_spell_an_outer_neighbourhood_are_no_mention_of_it(said: str) -> None:
    from assistant.gazetteer import find_neighbourhoods

    assert find_neighbourhoods(said) == []
