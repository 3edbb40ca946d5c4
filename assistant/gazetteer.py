"""A small built-in gazetteer of New York City neighbourhoods: approximate centroids, good to a few hundred metres.

It turns "in Williamsburg" into a point to rank around; it is not a geocoder. Names are matched whole-word and
case-insensitively, longest first, so "East Harlem" wins over "Harlem"; ``lookup`` also forgives a misspelt name
("Wiliamsburg"), within the edits ``assistant.spelling.max_edits`` allows for its length.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt
import shapely
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from assistant.spelling import closest, fold
from profiles.geo import haversine_km


class Neighbourhood(NamedTuple):
    """A named area and its approximate centre."""

    name: str
    latitude: float
    longitude: float


NEIGHBOURHOODS: dict[str, tuple[float, float]] = {
    # Manhattan
    "Financial District": (40.7075, -74.0113),
    "Battery Park City": (40.7117, -74.0159),
    "Tribeca": (40.7163, -74.0086),
    "Chinatown": (40.7158, -73.9970),
    "Little Italy": (40.7191, -73.9973),
    "Lower East Side": (40.7150, -73.9843),
    "SoHo": (40.7233, -74.0030),
    "Nolita": (40.7230, -73.9955),
    "NoHo": (40.7265, -73.9935),  # Bond Street: at Astor Place, E 12th Street was "NoHo"
    "East Village": (40.7265, -73.9815),
    "Greenwich Village": (40.7336, -73.9990),
    "West Village": (40.7358, -74.0036),
    "Union Square": (40.7359, -73.9911),
    "Gramercy": (40.7368, -73.9845),
    "Flatiron": (40.7410, -73.9897),
    "Chelsea": (40.7465, -74.0014),
    "Murray Hill": (40.7479, -73.9757),
    # Parts of Midtown and the East Side New Yorkers name on their own: "Midtown East" is not Bryant Park, where
    # plain Midtown's centre is ("anything in midtown east instead" after Grand Central had moved west to Times Square).
    "Midtown East": (40.7540, -73.9720),
    "Midtown West": (40.7590, -73.9920),
    "Turtle Bay": (40.7527, -73.9680),
    "Kips Bay": (40.7420, -73.9780),
    "NoMad": (40.7450, -73.9880),
    "Meatpacking District": (40.7410, -74.0070),
    "Hudson Yards": (40.7540, -74.0010),
    "Lenox Hill": (40.7680, -73.9590),
    "Yorkville": (40.7765, -73.9490),
    "Carnegie Hill": (40.7845, -73.9550),
    "Koreatown": (40.7478, -73.9865),
    "Midtown": (40.7549, -73.9840),
    "Times Square": (40.7580, -73.9855),
    "Hell's Kitchen": (40.7638, -73.9918),
    "Central Park": (40.7829, -73.9654),
    "Upper West Side": (40.7870, -73.9754),
    "Upper East Side": (40.7736, -73.9566),
    "Morningside Heights": (40.8090, -73.9620),
    "Harlem": (40.8116, -73.9465),
    "East Harlem": (40.7957, -73.9389),
    "Washington Heights": (40.8417, -73.9394),
    "Inwood": (40.8677, -73.9212),
    "Roosevelt Island": (40.7614, -73.9497),
    # Brooklyn
    "Williamsburg": (40.7081, -73.9571),
    "Greenpoint": (40.7304, -73.9515),
    "Bushwick": (40.6990, -73.9210),  # Myrtle-Wyckoff to Morgan Avenue: at Gates Avenue, Ocean Hill was Bushwick
    "DUMBO": (40.7033, -73.9881),
    "Brooklyn Heights": (40.6960, -73.9936),
    "Downtown Brooklyn": (40.6928, -73.9903),
    "Fort Greene": (40.6892, -73.9747),
    "Cobble Hill": (40.6860, -73.9966),
    "Carroll Gardens": (40.6795, -73.9991),
    "Gowanus": (40.6735, -73.9900),
    "Red Hook": (40.6734, -74.0080),
    "Park Slope": (40.6710, -73.9814),
    "Prospect Heights": (40.6775, -73.9692),
    "Bedford-Stuyvesant": (40.6872, -73.9418),
    "Crown Heights": (40.6694, -73.9422),
    "Bay Ridge": (40.6264, -74.0299),
    "Sunset Park": (40.6455, -74.0124),
    "Flatbush": (40.6415, -73.9594),
    "Sheepshead Bay": (40.5910, -73.9442),
    "Coney Island": (40.5755, -73.9707),
    # Southern and eastern Brooklyn, far from the centres above: their places were only "elsewhere in Brooklyn".
    "Brighton Beach": (40.5777, -73.9610),
    "Gravesend": (40.5975, -73.9760),
    "Bensonhurst": (40.6040, -73.9950),
    "Dyker Heights": (40.6215, -74.0115),
    "Borough Park": (40.6340, -73.9920),
    "Kensington": (40.6395, -73.9760),
    "Midwood": (40.6205, -73.9595),
    "Prospect Park": (40.6602, -73.9690),
    "East Flatbush": (40.6480, -73.9300),
    "Flatlands": (40.6250, -73.9290),
    "Canarsie": (40.6400, -73.9030),
    "Mill Basin": (40.6100, -73.9150),  # Kings Plaza
    "Brownsville": (40.6620, -73.9100),
    "East New York": (40.6620, -73.8850),  # from Broadway Junction to Starrett City and the Gateway malls
    "Cypress Hills": (40.6800, -73.8760),
    # Queens
    "Long Island City": (40.7447, -73.9485),
    "Astoria": (40.7644, -73.9235),
    "Sunnyside": (40.7433, -73.9196),
    "Woodside": (40.7454, -73.9054),
    "Ridgewood": (40.7043, -73.9018),
    "Jackson Heights": (40.7557, -73.8831),
    "Elmhurst": (40.7362, -73.8780),
    "Flushing": (40.7675, -73.8331),
    "Forest Hills": (40.7181, -73.8448),
    "Jamaica": (40.7020, -73.8000),  # Jamaica Center, between the LIRR station and Parsons Boulevard
    # Eastern and southern Queens, far from the centres above: their places were only "elsewhere in Queens".
    "East Elmhurst": (40.7660, -73.8870),
    "LaGuardia Airport": (40.7740, -73.8720),
    "Flushing Meadows": (40.7500, -73.8450),  # Citi Field, the tennis center, the Queens Museum
    "College Point": (40.7860, -73.8430),
    "Whitestone": (40.7880, -73.8090),
    "Bayside": (40.7650, -73.7750),
    "Douglaston": (40.7660, -73.7420),
    "Fresh Meadows": (40.7340, -73.7900),
    "Kew Gardens Hills": (40.7310, -73.8210),
    "Rego Park": (40.7270, -73.8620),
    "Middle Village": (40.7170, -73.8810),
    "Maspeth": (40.7270, -73.9100),
    "Glendale": (40.7010, -73.8820),
    "Kew Gardens": (40.7080, -73.8300),
    "Richmond Hill": (40.6960, -73.8280),
    "Ozone Park": (40.6790, -73.8440),
    "South Ozone Park": (40.6720, -73.8100),
    "Howard Beach": (40.6580, -73.8410),
    "Broad Channel": (40.6080, -73.8180),
    "JFK Airport": (40.6430, -73.7820),
    "Queens Village": (40.7190, -73.7390),
    "St. Albans": (40.6940, -73.7620),
    "Springfield Gardens": (40.6650, -73.7620),
    "Laurelton": (40.6720, -73.7440),
    "Rosedale": (40.6590, -73.7370),
    "Rockaway Beach": (40.5850, -73.8170),
    "Far Rockaway": (40.6050, -73.7550),
    # The Bronx and Staten Island
    "Mott Haven": (40.8091, -73.9229),
    "Fordham": (40.8615, -73.8905),
    "Kingsbridge": (40.8790, -73.9030),
    "Morris Heights": (40.8500, -73.9160),
    "Grand Concourse": (40.8290, -73.9210),  # Yankee Stadium, the courthouse, the Concourse from 149th to 170th
    "Hunts Point": (40.8150, -73.8850),
    "West Farms": (40.8400, -73.8800),
    "Soundview": (40.8260, -73.8660),
    "Castle Hill": (40.8200, -73.8500),
    "Parkchester": (40.8370, -73.8600),
    "Morris Park": (40.8540, -73.8570),
    "Norwood": (40.8790, -73.8790),
    "Williamsbridge": (40.8780, -73.8630),
    "Wakefield": (40.8960, -73.8580),
    "Co-op City": (40.8740, -73.8290),
    "Pelham Bay": (40.8500, -73.8290),
    "Throgs Neck": (40.8220, -73.8190),
    "City Island": (40.8470, -73.7860),
    "Riverdale": (40.8960, -73.9110),
    "St. George": (40.6437, -74.0736),
    "Stapleton": (40.6270, -74.0780),
    "West Brighton": (40.6280, -74.1070),
    "Port Richmond": (40.6340, -74.1360),
    "Willowbrook": (40.6030, -74.1400),
    "New Springville": (40.5900, -74.1630),
    "South Beach": (40.5890, -74.0680),  # its boardwalk, under the Verrazzano; read with care: Miami has one too
    "Midland Beach": (40.5730, -74.0930),
    "New Dorp": (40.5730, -74.1170),
    "Great Kills": (40.5530, -74.1520),
    "Tottenville": (40.5100, -74.2390),
    # New Jersey across the Hudson, where an eighth of the data's check-ins are: without its own centres a Hoboken
    # point was the nearest Manhattan centre's, and "a restaurant in Manhattan" ("Houlihan's" in Weehawken).
    "Hoboken": (40.7440, -74.0324),
    "Jersey City": (40.7250, -74.0430),
    "Newport": (40.7270, -74.0340),  # Jersey City's waterfront by the PATH, "something in Newport"
    "Weehawken": (40.7696, -74.0204),
    "Union City": (40.7795, -74.0238),
    "North Bergen": (40.8043, -74.0121),
    "Edgewater": (40.8180, -73.9800),
    "Fort Lee": (40.8509, -73.9701),
    "Secaucus": (40.7895, -74.0565),
    "Bayonne": (40.6687, -74.1143),
    "Newark": (40.7357, -74.1724),
    "Hackensack": (40.8859, -74.0435),
    "Paramus": (40.9445, -74.0754),
    # Boroughs, for "somewhere in Queens"
    "Manhattan": (40.7831, -73.9712),
    "Brooklyn": (40.6782, -73.9442),
    "Queens": (40.7282, -73.7949),
    "The Bronx": (40.8448, -73.8648),
    "Staten Island": (40.5795, -74.1502),
    "New Jersey": (40.7350, -74.0400),  # where New Yorkers mean: the waterfront from Jersey City to Hoboken
}

# Broad parts of Manhattan that New Yorkers name ("drinks downtown"): looked up and searched around like a
# neighbourhood, but never given as a place's area nor counted in the neighbourhoods' partition (``of_area``), which
# would take Lower Manhattan's points from SoHo and Chinatown.
DISTRICTS: dict[str, tuple[float, float]] = {
    "Lower Manhattan": (40.7180, -74.0020),
    "Upper Manhattan": (40.8350, -73.9450),
}
# How far from its centre a district reaches: below 14th Street; from 96th Street to Inwood.
DISTRICT_REACH_KM: dict[str, float] = {"Lower Manhattan": 2.5, "Upper Manhattan": 5.0}

# New Jersey is no borough, but is told from them the same way: the borough of a point is the outline it is in
# (``OUTLINES``), beyond them all its nearest centre's.
Borough = Literal["Manhattan", "Brooklyn", "Queens", "The Bronx", "Staten Island", "New Jersey"]
BOROUGHS: frozenset[str] = frozenset(get_args(Borough))
# The borough each name above lies in (a borough in itself).
_BOROUGH_OF: dict[str, Borough] = (
    {
        name: borough
        for borough, first, last in (
            ("Manhattan", "Financial District", "Roosevelt Island"),
            ("Brooklyn", "Williamsburg", "Cypress Hills"),
            ("Queens", "Long Island City", "Far Rockaway"),
            ("The Bronx", "Mott Haven", "Riverdale"),
            ("Staten Island", "St. George", "Tottenville"),
            ("New Jersey", "Hoboken", "Paramus"),
        )
        for name in list(NEIGHBOURHOODS)[list(NEIGHBOURHOODS).index(first) : list(NEIGHBOURHOODS).index(last) + 1]
    }
    | {borough: borough for borough in BOROUGHS}
    | {district: "Manhattan" for district in DISTRICTS}
)
# The boroughs' outlines, coarse (a few hundred metres): (latitude, longitude) vertices along the middle of the rivers
# between them and along the city line. A point's borough is the outline it lies in, not its nearest centre's: the
# centres are few outside Manhattan, and South Beach was Bay Ridge's across the Narrows, Yankee Stadium Manhattan's
# across the Harlem River, and a Rockaway beach "farther out". The stretches two outlines share are written once.
_Outline = list[tuple[float, float]]

_SPUYTEN_DUYVIL = (40.8770, -73.9290)
_HELL_GATE = (40.7935, -73.9120)
_NEWTOWN_CREEK = (40.7380, -73.9675)  # its mouth in the East River
_BUTTERMILK_CHANNEL = (40.6840, -74.0150)
_NARROWS = (40.6070, -74.0460)
_ROCKAWAY_INLET = (40.5660, -73.9400)
_BREEZY_POINT = (40.5560, -73.9450)
_THROGS_NECK = (40.8030, -73.7700)
_HUDSON: _Outline = [  # Manhattan | New Jersey, south to north
    (40.7000, -74.0250),
    (40.7100, -74.0230),
    (40.7300, -74.0180),
    (40.7450, -74.0150),
    (40.7650, -74.0070),
    (40.7800, -73.9970),
    (40.8000, -73.9830),
    (40.8200, -73.9680),
    (40.8400, -73.9550),
    (40.8600, -73.9420),
]
_HARLEM_RIVER: _Outline = [  # Manhattan (Marble Hill, Randall's Island) | The Bronx, north to south
    (40.8775, -73.9200),
    (40.8790, -73.9120),
    (40.8775, -73.9040),
    (40.8725, -73.9070),
    (40.8680, -73.9105),
    (40.8625, -73.9150),
    (40.8530, -73.9230),
    (40.8460, -73.9280),
    (40.8400, -73.9300),
    (40.8300, -73.9320),
    (40.8200, -73.9315),
    (40.8100, -73.9315),
    (40.8040, -73.9280),
    (40.8010, -73.9200),
]
_EAST_RIVER_QUEENS: _Outline = [  # Manhattan (Wards and Roosevelt Islands) | Queens, north to south
    (40.7870, -73.9170),
    (40.7820, -73.9260),
    (40.7760, -73.9360),
    (40.7700, -73.9390),
    (40.7600, -73.9465),
    (40.7540, -73.9510),
    (40.7510, -73.9580),
    (40.7460, -73.9630),
]
_EAST_RIVER_BROOKLYN: _Outline = [  # Manhattan (Governors Island) | Brooklyn, north to south
    (40.7300, -73.9670),
    (40.7200, -73.9680),
    (40.7110, -73.9710),
    (40.7070, -73.9900),
    (40.7052, -73.9975),
    (40.7000, -74.0040),
    (40.6930, -74.0100),
]
_UPPER_BAY: _Outline = [(40.6700, -74.0300), (40.6500, -74.0400), (40.6300, -74.0480)]  # Brooklyn's, north to south
_KILLS: _Outline = [  # Staten Island | New Jersey: the Kill van Kull and the Arthur Kill, east to west and south
    (40.6300, -74.0560),
    (40.6460, -74.0620),
    (40.6465, -74.1000),
    (40.6455, -74.1400),
    (40.6440, -74.1800),
    (40.6380, -74.1980),
    (40.6150, -74.2030),
    (40.6000, -74.2050),
    (40.5800, -74.2080),
    (40.5550, -74.2250),
    (40.5300, -74.2450),
    (40.5050, -74.2580),
    (40.4950, -74.2500),
]
_BROOKLYN_QUEENS: _Outline = [  # Newtown Creek, Bushwick | Ridgewood, City Line, Jamaica Bay: north to south
    (40.7395, -73.9520),
    (40.7365, -73.9410),
    (40.7310, -73.9330),
    (40.7275, -73.9300),
    (40.7210, -73.9245),
    (40.7150, -73.9225),
    (40.7075, -73.9215),
    (40.7000, -73.9105),
    (40.6930, -73.8930),
    (40.6890, -73.8780),
    (40.6860, -73.8670),
    (40.6800, -73.8615),
    (40.6660, -73.8600),
    (40.6500, -73.8580),
    (40.5850, -73.8700),
    (40.5740, -73.8900),
]
_BRONX_QUEENS: _Outline = [  # the East River's north shore, west to east
    (40.7890, -73.9000),
    (40.7850, -73.8900),
    (40.7900, -73.8680),
    (40.7960, -73.8450),
    (40.8000, -73.8200),
    (40.8000, -73.7930),
]
OUTLINES: dict[Borough, _Outline] = {
    "Manhattan": [
        (40.6840, -74.0300),
        *_HUDSON,
        _SPUYTEN_DUYVIL,
        *_HARLEM_RIVER,
        _HELL_GATE,
        *_EAST_RIVER_QUEENS,
        _NEWTOWN_CREEK,
        *_EAST_RIVER_BROOKLYN,
        _BUTTERMILK_CHANNEL,
    ],
    "The Bronx": [
        (40.9000, -73.9240),
        (40.9160, -73.9220),
        (40.9145, -73.9000),
        (40.9060, -73.8680),
        (40.9030, -73.8520),
        (40.8900, -73.8300),
        (40.8850, -73.8060),
        (40.8800, -73.7750),
        (40.8400, -73.7650),
        _THROGS_NECK,
        *reversed(_BRONX_QUEENS),
        _HELL_GATE,
        *reversed(_HARLEM_RIVER),
        _SPUYTEN_DUYVIL,
    ],
    "Queens": [
        _ROCKAWAY_INLET,
        *reversed(_BROOKLYN_QUEENS),
        _NEWTOWN_CREEK,
        *reversed(_EAST_RIVER_QUEENS),
        _HELL_GATE,
        *_BRONX_QUEENS,
        _THROGS_NECK,
        # The Nassau County line, north to south, then the Rockaways' beaches west to Breezy Point.
        (40.8000, -73.7580),
        (40.7800, -73.7520),
        (40.7720, -73.7400),
        (40.7660, -73.7050),
        (40.7500, -73.7000),
        (40.7380, -73.7030),
        (40.7270, -73.7120),
        (40.7000, -73.7270),
        (40.6800, -73.7300),
        (40.6650, -73.7250),
        (40.6500, -73.7380),
        (40.6350, -73.7450),
        (40.6150, -73.7380),
        (40.5950, -73.7370),
        (40.5700, -73.7400),
        (40.5600, -73.8300),
        (40.5500, -73.9000),
        (40.5450, -73.9500),
        _BREEZY_POINT,
    ],
    "Brooklyn": [
        _NEWTOWN_CREEK,
        *_EAST_RIVER_BROOKLYN,
        _BUTTERMILK_CHANNEL,
        *_UPPER_BAY,
        _NARROWS,
        (40.5900, -74.0320),
        (40.5700, -74.0250),
        (40.5600, -74.0100),
        _BREEZY_POINT,
        _ROCKAWAY_INLET,
        *reversed(_BROOKLYN_QUEENS),
    ],
    "Staten Island": [
        _NARROWS,
        *_KILLS,
        (40.5100, -74.2000),
        (40.5300, -74.1400),
        (40.5550, -74.0900),
        (40.5800, -74.0550),
        (40.5950, -74.0450),
    ],
    # Only what lies across the Hudson and the Kills, as far as the data reaches (Paterson, Princeton's way).
    "New Jersey": [
        (41.2000, -73.9300),
        (40.9160, -73.9220),
        (40.9000, -73.9240),
        _SPUYTEN_DUYVIL,
        *reversed(_HUDSON),
        (40.6950, -74.0420),  # Liberty State Park and Bayonne's shore: the Upper Bay is New York's
        (40.6700, -74.0600),
        *_KILLS[1:],
        (40.4000, -74.2000),
        (40.3000, -75.2000),
        (41.2000, -75.2000),
    ],
}

# How big a neighbourhood is against a typical one, for telling which a point is in: a point belongs to the
# centre nearest it in distance divided by this size. Nearest-centre alone let a square or a few blocks claim half of
# Midtown: Penn Station and Madison Square Garden were "Koreatown" (32nd Street between Fifth and Sixth), MoMA and
# Rockefeller Center "Times Square", Lincoln Center "Hell's Kitchen".
AREA_SIZE: dict[str, float] = {
    "Koreatown": 0.5,
    "Union Square": 0.8,
    "NoMad": 0.8,  # 25th to 30th Street: not Penn Station's block of 31st
    "Midtown": 1.3,
    # Centred at 86th Street and at 170th, their southern blocks are nearer the next centre: Lincoln Center.
    "Upper West Side": 1.5,
    "Washington Heights": 1.5,
    # Outside Manhattan the neighbourhoods are wider and their centres farther apart: Ditmars is Astoria, Bay Terrace
    # Bayside, the Beach 100s the Rockaways.
    "Astoria": 1.3,
    "Forest Hills": 1.2,
    "Queens Village": 1.3,
    "Jamaica": 1.4,
    "Bayside": 1.5,
    "Whitestone": 1.3,
    "JFK Airport": 1.5,
    "Rockaway Beach": 1.5,
    "Far Rockaway": 1.3,
    "East New York": 1.5,
    "Williamsburg": 1.2,  # East Williamsburg: Graham Avenue
    "Bedford-Stuyvesant": 1.3,
    "Crown Heights": 1.3,
    "Flatbush": 1.3,
    "Bensonhurst": 1.3,
    "Riverdale": 1.4,
    "Throgs Neck": 1.3,
    "Grand Concourse": 1.3,
    "New Springville": 1.3,
}


# A place this close to a neighbourhood's centre may be said to be in it ("a bar in Williamsburg").
AREA_CLAIM_KM = 2.5
# A sentence that puts a place IN a neighbourhood ("Irving Plaza is in Chelsea") names the place's own: one whose
# centre is within ``OWN_AREA_KM`` of it, or no more than ``OWN_AREA_SLACK_KM`` farther than the nearest centre (the
# centres are a few hundred metres apart in Manhattan, and a place between two is in either).
OWN_AREA_KM = 1.2
OWN_AREA_SLACK_KM = 0.8

ALIASES: dict[str, str] = {
    "FiDi": "Financial District",
    "Wall Street": "Financial District",
    # Broadway's theatres, around Times Square ("dinner near the theater district").
    "Theater District": "Times Square",
    "Theatre District": "Times Square",
    "Broadway theaters": "Times Square",
    "LES": "Lower East Side",
    "the Village": "Greenwich Village",
    "Hells Kitchen": "Hell's Kitchen",
    "Midtown Manhattan": "Midtown",
    "East Midtown": "Midtown East",
    "West Midtown": "Midtown West",
    "Downtown": "Lower Manhattan",
    "Downtown Manhattan": "Lower Manhattan",
    "Uptown": "Upper Manhattan",
    "Uptown Manhattan": "Upper Manhattan",
    "Alphabet City": "East Village",
    "Meatpacking": "Meatpacking District",
    "the Meatpacking District": "Meatpacking District",
    "Stuy Town": "Gramercy",
    "Clinton Hill": "Fort Greene",
    "Boerum Hill": "Cobble Hill",
    "Ktown": "Koreatown",
    "K-town": "Koreatown",
    "UWS": "Upper West Side",
    "UES": "Upper East Side",
    "Spanish Harlem": "East Harlem",
    "El Barrio": "East Harlem",
    "Dumbo": "DUMBO",
    "Bed-Stuy": "Bedford-Stuyvesant",
    "Bed Stuy": "Bedford-Stuyvesant",
    "Bedford Stuyvesant": "Bedford-Stuyvesant",
    "LIC": "Long Island City",
    "Bronx": "The Bronx",
    "NJ": "New Jersey",
    "Jersey": "New Jersey",
    "JC": "Jersey City",
    "Saint George": "St. George",
    "St George": "St. George",
    "the Rockaways": "Rockaway Beach",
    "Rockaways": "Rockaway Beach",
    "Throggs Neck": "Throgs Neck",
    "Boro Park": "Borough Park",
    "Coop City": "Co-op City",
    "Co op City": "Co-op City",
    "St Albans": "St. Albans",
    "Saint Albans": "St. Albans",
    "Flushing Meadows Corona Park": "Flushing Meadows",
    "Flushing Meadows-Corona Park": "Flushing Meadows",
    "JFK International Airport": "JFK Airport",
    "LGA Airport": "LaGuardia Airport",
    "NYC": "Manhattan",
    "New York City": "Manhattan",
}
# What New Yorkers call some of the city's venues ("near MSG", "not the Met"), for the catalogue's names: the words a
# request names a place with are read through these before the catalogue is searched (``Service.find_place``).
VENUE_ALIASES: dict[str, str] = {
    "msg": "Madison Square Garden",
    "the garden": "Madison Square Garden",
    "the met": "The Metropolitan Museum of Art",
    "met": "The Metropolitan Museum of Art",  # "is the Met open?" names it without the article
    "met museum": "The Metropolitan Museum of Art",
    "the met museum": "The Metropolitan Museum of Art",
    "moma": "Museum of Modern Art (MoMA)",
    "the moma": "Museum of Modern Art (MoMA)",
    "amnh": "American Museum of Natural History",
    "the natural history museum": "American Museum of Natural History",
    "the guggenheim": "Solomon R Guggenheim Museum",
    "guggenheim": "Solomon R Guggenheim Museum",
    "esb": "Empire State Building",
    "the empire state": "Empire State Building",
    "jfk": "John F. Kennedy International Airport (JFK)",
    "laguardia": "LaGuardia Airport (LGA)",
    "lga": "LaGuardia Airport (LGA)",
    "port authority": "Port Authority Bus Terminal",
    # A Nets game or a concert is at the arena, not at the bank's office the catalogue also calls "Barclays".
    "barclays": "Barclays Center",
    "radio city": "Radio City Music Hall",
    "penn station": "New York Penn Station",
    "penn": "New York Penn Station",
    "grand central": "Grand Central Terminal",
    "the whitney": "Whitney Museum of American Art",
    "whitney": "Whitney Museum of American Art",
    "lincoln center": "Lincoln Center for the Performing Arts",
    "javits": "Jacob K. Javits Convention Center",
    "javits center": "Jacob K. Javits Convention Center",
    "the javits center": "Jacob K. Javits Convention Center",
    "wtc": "World Trade Center PATH Station",
    "the wtc": "World Trade Center PATH Station",
    "wtc path": "World Trade Center PATH Station",
    "the wtc path": "World Trade Center PATH Station",
    "world trade center": "World Trade Center PATH Station",
    "the world trade center": "World Trade Center PATH Station",
    "hoboken path": "Hoboken PATH Station",
    "the staten island ferry": "Staten Island Ferry - St. George Terminal",
    "staten island ferry": "Staten Island Ferry - St. George Terminal",
}


# Acronyms that are also words of a language the reader knows (French "les"): found only as written, in capitals.
_ACRONYMS = frozenset({"les"})


def _key(text: str) -> str:
    return " ".join(fold(text).split()).casefold()


_CENTRES = NEIGHBOURHOODS | DISTRICTS


@cache
def _index() -> dict[str, str]:
    index = {_key(name): name for name in _CENTRES}
    index.update({_key(alias): name for alias, name in ALIASES.items()})
    return index


@cache
def _pattern() -> re.Pattern[str]:
    names = sorted(_index(), key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(name) for name in names) + r")(?![\w'])", re.IGNORECASE)


def lookup(text: str) -> Neighbourhood | None:
    """The neighbourhood called ``text`` (any case or accents, aliases included, a typo forgiven), or None."""
    key = _key(text)
    index = _index()
    name = index.get(key.removeprefix("the ")) or index.get(key)
    if name is None and (near := closest(key.removeprefix("the "), list(index))) is not None:
        name = index[near]
    if name is None:
        return None
    latitude, longitude = _CENTRES[name]
    return Neighbourhood(name, latitude, longitude)


# A landmark named after an area ("the Manhattan Bridge", "the Bronx Zoo", "Queens Center"): no mention of the area.
_LANDMARK_AFTER_RE = re.compile(
    r"\s+(?:bridge|museum|zoo|botanic(?:al)? gardens?|public library|navy yard|college|borough hall|academy of music"
    r"|children's museum|flea|bowl|brewery|cyclones|mall|center|centre|terminal|plaza|ferry|tech|hospital"
    r"|university|winery|kitchen|diner|pizza|bagels?|bar\b|roasting|mike'?s|boys|shore|devils)\b",
    re.IGNORECASE,
)
# "Downtown Jersey City", "uptown Hoboken": a part of the area named next, not Lower Manhattan.
_PART_OF_NEXT = frozenset({"downtown", "uptown", "midtown"})
# A way of cooking or dressing named after a place ("Jamaica-style jerk chicken", "East New York style"), and a
# namesake far away ("Kensington, London", "Glendale, California"): no mention of the area.
_NOT_THE_AREA_AFTER_RE = re.compile(
    r"(?:[\s-]*style\b|,?\s+(?:in\s+)?(?:london|england|uk|california|los angeles|florida|miami|chicago|toronto"
    r"|ontario|canada|ohio|texas|arizona)\b)",
    re.IGNORECASE,
)
# Areas whose names are ordinary words, or another city's ("a great kills streak", "a broad channel of options",
# "college point average", "a south beach vibe"): read only when written as a name ("Great Kills"), after a word
# that puts a place ("in", "near", "around", "cerca de", "près de"), or as a whole answer ("and great kills?").
_ORDINARY_WORDS = frozenset(
    {
        "great kills",
        "broad channel",
        "castle hill",
        "college point",
        "middle village",
        "mill basin",
        "west farms",
        "south beach",  # "the South Beach diet", "a south beach vibe"
    }
)
_PLACING_BEFORE_RE = re.compile(
    r"\b(?:in|near|nr|around|at|by|to|from|towards?|off|and|or|about|en|cerca de|por|pres de|vers|dans)"
    r"\s+(?:the\s+|el\s+|le\s+)?$",
    re.IGNORECASE,
)
_ANSWER_BEFORE_RE = re.compile(r"^\W*(?:(?:what|how) about\s+)?$", re.IGNORECASE)


def _read_as_area(folded: str, match: re.Match[str]) -> bool:
    """Whether a name found in a message names the area there, not words that only spell it."""
    if _NOT_THE_AREA_AFTER_RE.match(folded, match.end()):
        return False
    name = match.group(0)
    if _key(name) not in _ORDINARY_WORDS or all(word[0].isupper() for word in name.split()):
        return True
    before, after = folded[: match.start()], folded[match.end() :]
    answer = bool(_ANSWER_BEFORE_RE.match(before)) and not re.search(r"\w", after)
    return answer or bool(_PLACING_BEFORE_RE.search(before))


def find_neighbourhoods(text: str) -> list[tuple[Neighbourhood, tuple[int, int]]]:
    """Every neighbourhood named in free text, with the character span of its mention, in order of appearance."""
    found: list[tuple[Neighbourhood, tuple[int, int]]] = []
    folded = fold(text)
    matches = list(_pattern().finditer(folded))
    for index, match in enumerate(matches):
        following = matches[index + 1] if index + 1 < len(matches) else None
        if match.group(0).casefold() in _ACRONYMS and not match.group(0).isupper():
            continue  # "les enfants" is French; "LES" is the Lower East Side
        if _LANDMARK_AFTER_RE.match(folded, match.end()) or not _read_as_area(folded, match):
            continue
        if (
            match.group(0).casefold() in _PART_OF_NEXT
            and following is not None
            and following.start() - match.end() <= 1
        ):
            continue
        place = lookup(match.group(0))
        if place is not None:
            found.append((place, match.span()))
    return found


def most_specific(
    found: list[tuple[Neighbourhood, tuple[int, int]]],
) -> list[tuple[Neighbourhood, tuple[int, int]]]:
    """The areas found, less a borough when a neighbourhood in it is named too ("visiting my sister in Brooklyn,
    what's around Park Slope?" asks about Park Slope)."""
    inside = {_BOROUGH_OF[place.name] for place, _ in found if place.name not in BOROUGHS}
    return [(place, span) for place, span in found if place.name not in BOROUGHS or place.name not in inside]


def borough_of(area: str) -> Borough | None:
    """The borough a named area lies in (a borough is its own); None for a name the gazetteer does not know."""
    place = lookup(area)
    return None if place is None else _BOROUGH_OF[place.name]


@cache
def _outline_polygons() -> dict[Borough, shapely.Polygon]:
    """The outlines as prepared polygons, in (longitude, latitude) order, made once."""
    polygons = {borough: shapely.Polygon([(lon, lat) for lat, lon in outline]) for borough, outline in OUTLINES.items()}
    for polygon in polygons.values():
        shapely.prepare(polygon)
    return polygons


def outline_boroughs_at(latitudes: npt.ArrayLike, longitudes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """The borough whose outline (``OUTLINES``) holds each point, None beyond them all (Yonkers, Long Island, the
    ocean): what tells a Staten Island beach from "farther out"."""
    latitudes, longitudes = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    found = np.full(latitudes.shape, None, dtype=object)
    for borough, polygon in _outline_polygons().items():
        found[np.equal(found, None) & shapely.contains_xy(polygon, longitudes, latitudes)] = borough
    return found


def borough_within(latitude: float, longitude: float) -> Borough | None:
    """:func:`outline_boroughs_at` for one point."""
    return outline_boroughs_at([latitude], [longitude])[0]


def borough_at(latitude: float, longitude: float) -> str:
    """The borough a point is in (:func:`boroughs_at`)."""
    return str(boroughs_at([latitude], [longitude])[0])


def boroughs_at(latitudes: npt.ArrayLike, longitudes: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The borough of each point: the outline it lies in (:func:`outline_boroughs_at`), beyond them all the borough
    of the gazetteer's nearest centre (Yonkers is told as the Bronx, Great Neck as Queens)."""
    latitudes, longitudes = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    names = list(NEIGHBOURHOODS)
    centres = np.array([NEIGHBOURHOODS[name] for name in names])
    nearest = haversine_km(latitudes[:, None], longitudes[:, None], centres[None, :, 0], centres[None, :, 1]).argmin(1)
    outlined = outline_boroughs_at(latitudes, longitudes)
    by_centre = np.array([_BOROUGH_OF[name] for name in names])[nearest]
    return np.where(np.equal(outlined, None), by_centre, outlined).astype(str)


def across_the_hudson(one: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether two points are on either side of the Hudson (one in New Jersey, one in the city): a walk between them,
    however short the straight line, is no walk."""
    return (borough_at(*one) == "New Jersey") != (borough_at(*other) == "New Jersey")


def is_in_area(area: str, latitude: float, longitude: float) -> bool:
    """Whether a point may be said to be in a named area: in its borough (:func:`borough_at`, which tells "in
    Brooklyn" from Lower Manhattan across the river) and, for a neighbourhood, within ``AREA_CLAIM_KM`` of its
    centre."""
    return bool(in_area(area, [latitude], [longitude])[0])


def is_in_own_area(area: str, latitude: float, longitude: float) -> bool:
    """Whether a point may be said to be IN a named area, which is stricter than near it (:func:`is_in_area`, within
    ``AREA_CLAIM_KM``, half of Manhattan's width): for a neighbourhood, its centre is within ``OWN_AREA_KM`` of the
    point or at most ``OWN_AREA_SLACK_KM`` farther than the nearest neighbourhood centre; boroughs and districts as
    :func:`is_in_area`. True for an area the gazetteer does not know."""
    place = lookup(area)
    if place is None or not is_in_area(area, latitude, longitude):
        return place is None
    if place.name in BOROUGHS or place.name in DISTRICTS:
        return True
    centres = np.array([centre for name, centre in NEIGHBOURHOODS.items() if name not in BOROUGHS])
    nearest = float(haversine_km(latitude, longitude, centres[:, 0], centres[:, 1]).min())
    own = float(haversine_km(latitude, longitude, place.latitude, place.longitude))
    return own <= max(OWN_AREA_KM, nearest + OWN_AREA_SLACK_KM)


def in_area(area: str, latitudes: npt.ArrayLike, longitudes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """:func:`is_in_area` for many points at once; every point is in an area the gazetteer does not know (nothing
    to hold the words against)."""
    latitudes, longitudes = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    place = lookup(area)
    if place is None:
        return np.ones(latitudes.shape, dtype=bool)
    inside = boroughs_at(latitudes, longitudes) == _BOROUGH_OF[place.name]
    if place.name in BOROUGHS:
        return inside
    return inside & (haversine_km(latitudes, longitudes, place.latitude, place.longitude) <= reach_km(place.name))


def reach_km(area: str) -> float:
    """How far from its centre a point may be and still be said to be in an area (not a borough)."""
    return DISTRICT_REACH_KM.get(area, AREA_CLAIM_KM)


def of_area(area: str, latitudes: npt.ArrayLike, longitudes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The points that belong to a named area more than to any other: for a borough, the points in it
    (:func:`borough_at`); for a neighbourhood, those it holds (:func:`neighbourhoods_at`, within ``AREA_CLAIM_KM``);
    for a district, those in it. Narrower than :func:`in_area`, which allows "a bar in Chinatown" 1 km away in
    Tribeca: what a user keeps away from is Chinatown itself. No point is of an area the gazetteer does not know."""
    latitudes, longitudes = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    place = lookup(area)
    if place is None:
        return np.zeros(latitudes.shape, dtype=bool)
    if place.name in BOROUGHS or place.name in DISTRICTS:
        return in_area(place.name, latitudes, longitudes)
    return neighbourhoods_at(latitudes, longitudes, AREA_CLAIM_KM) == place.name


def neighbourhoods_at(latitudes: npt.ArrayLike, longitudes: npt.ArrayLike, within_km: float) -> npt.NDArray[np.object_]:
    """The neighbourhood each point is in, or None: of the neighbourhoods (not boroughs) of the borough whose outline
    holds the point (:func:`outline_boroughs_at`: no Manhattan name for a Hoboken pier, no Queens one for a mall in
    Valley Stream, beyond the city line) whose centre is within ``within_km`` times their size (``AREA_SIZE``), the
    nearest by distance over size."""
    latitudes, longitudes = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    names = [name for name in NEIGHBOURHOODS if name not in BOROUGHS]
    centres = np.array([NEIGHBOURHOODS[name] for name in names])
    sizes = np.array([AREA_SIZE.get(name, 1.0) for name in names])
    scaled = haversine_km(latitudes[:, None], longitudes[:, None], centres[None, :, 0], centres[None, :, 1]) / sizes
    boroughs = np.array([_BOROUGH_OF[name] for name in names])
    own = outline_boroughs_at(latitudes, longitudes)[:, None] == boroughs[None, :]
    scaled = np.where(own & (scaled <= within_km), scaled, np.inf)
    found = np.array(names, dtype=object)[scaled.argmin(1)] if names else np.array([], dtype=object)
    return np.where(np.isfinite(scaled.min(1)), found, None)


def neighbourhood_at(latitude: float, longitude: float, within_km: float) -> str | None:
    """:func:`neighbourhoods_at` for one point."""
    return neighbourhoods_at([latitude], [longitude], within_km)[0]


# "The West 4th subway", "the 23rd St station": a station by the street it is under, as the catalogue's names write
# streets ("MTA Subway - W 4th St/Washington Sq"). The words that say a station is meant, those that only say so, and
# the abbreviations the names use.
_A_STATION_RE = re.compile(r"\b(?:subway|station|stop|metro|stn)\b", re.IGNORECASE)
_STATION_WORDS_RE = re.compile(r"\b(?:subway|station|stop|train|metro|the|stn)\b", re.IGNORECASE)
_STREET_ABBREVIATIONS = {"west": "w", "east": "e", "street": "st", "avenue": "av", "ave": "av", "square": "sq"}
STATION_KINDS = ("Subway", "Train Station", "Metro Station", "Light Rail Station", "Platform")
# How well the street words must match a station's name (token set ratio: 100 when every word said is in the name).
STATION_MATCH = 90


def _street(text: str) -> str:
    return " ".join(_STREET_ABBREVIATIONS.get(word, word) for word in default_process(text).split())


def station_for(words: str, stations: dict[int, str]) -> int | None:
    """The key of the station (of ``stations``: key → name) that ``words`` name by its street; None when the words
    say no station ("Subway" alone is a sandwich chain), name no street ("the subway": any station) or match none."""
    if not _A_STATION_RE.search(words):
        return None
    street = _street(_STATION_WORDS_RE.sub(" ", words))
    if not re.search(r"\d|\w{4,}", street):
        return None
    named = {key: _street(name) for key, name in stations.items()}
    found = process.extractOne(street, named, scorer=fuzz.token_set_ratio, score_cutoff=STATION_MATCH)
    return found[2] if found is not None else None
