"""Claim-level grounding: hand-written true and false sentences about hand-built suggestions, the report, the repair,
and the agent loop with a scripted model that keeps claiming a visit to a place the user has never been to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from langchain_core.messages import BaseMessage

from assistant.agent import Assistant
from assistant.claims import (
    ClaimReport,
    PlaceFacts,
    Situation,
    check_claims,
    claims_in_reply,
    code_sentence,
    kind_words,
    repair_claims,
    rewrite_note,
    turn_places,
)
from assistant.grounding import check_reply
from assistant.service import Explanation, Service, Suggestion
from profiles.places import category_with_article
from tests.assistant.world import ScriptedChatModel, listed_names


def suggestion(
    item_id: str, name: str, category: str, path: str, km: float, is_return: bool, evidence: list[str]
) -> Suggestion:
    return Suggestion(
        rank=1, item_id=item_id, name=name, category=category, category_path=path, latitude=40.72,
        longitude=-73.99, distance_km=km, is_return=is_return, score=1.0, evidence=evidence,
    )  # fmt: skip


# A bar the user has never been to.
BAR = suggestion(
    "bar", "No Name Bar", "Bar", "Dining and Drinking > Bar", 0.76, False,
    ["popular on Tuesday nights", "popular: 12 check-ins by 11 people", "0.8 km from you"],
)  # fmt: skip
# A coffee shop the user has been to 12 times, on Saturday mornings.
COFFEE = suggestion(
    "joes", "Joe's Coffee", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", 0.3, True,
    ["you've been here 12 times, most recently 3 days ago", "you've come here 12 times on Saturday mornings",
     "0.3 km from you"],
)  # fmt: skip
# A burger joint the user has never been to, whose evidence speaks of *a* burger joint they went to.
BURGERS = suggestion(
    "shack", "Shake Shack", "Burger Joint", "Dining and Drinking > Restaurant > Burger Joint", 0.71, False,
    ["you went to a Burger Joint on a Friday afternoon around Downtown Brooklyn (2 months ago)",
     "popular: 18 check-ins by 15 people", "popular on Tuesday evenings", "0.7 km from you"],
)  # fmt: skip
MARKET = suggestion(
    "smorg", "Smorgasburg Williamsburg", "Flea Market", "Retail > Flea Market", 1.48, False,
    ["popular: 35 check-ins by 27 people", "popular on Saturday afternoons", "1.5 km from you",
     "similar to Birreria, where you went recently"],
)  # fmt: skip
GYM = suggestion(
    "equinox", "Equinox", "Gym / Fitness Center", "Sports and Recreation > Gym / Fitness Center", 1.05, False,
    ["similar to 200 Water St Gym, where you went recently", "matches your taste for Gym (16% of your check-ins)"],
)  # fmt: skip
# Its name holds a kind word that is not its kind.
DESSERTS = suggestion(
    "milk", "Milk Bar", "Dessert Shop", "Dining and Drinking > Dessert Shop", 0.69, False, ["0.7 km from you"]
)
# A kind written with "&".
EATALY = suggestion(
    "eataly", "Eataly", "Food & Drink Shop", "Retail > Food & Drink Shop", 1.8, False, ["1.8 km from you"]
)
SUGGESTIONS = [BAR, COFFEE, BURGERS, MARKET, GYM, DESSERTS, EATALY]
CATALOGUE = {item.item_id: item.name for item in SUGGESTIONS} | {
    "water": "200 Water St Gym",
    "beer": "Birreria",
    "x": "Fat Cat",
}
# What the agent allows: the results, and the places their evidence names.
ALLOWED = {item.item_id: item.name for item in SUGGESTIONS} | {
    "evidence:200 Water St Gym": "200 Water St Gym",
    "evidence:Birreria": "Birreria",
}
KINDS = frozenset(
    """Bar|Coffee Shop|Cafe|Café|Burger Joint|Restaurant|Dining and Drinking|Flea Market|Retail|Gym / Fitness Center|
    Sports and Recreation|Dessert Shop|Art Museum|Museum|Arts and Entertainment|Park|Jazz Club|Home (private)|
    Residence|Office|Pizza Place|Food & Drink Shop|Food Court|Food""".replace("\n", "").split("|")
)
PLACES = turn_places(SUGGESTIONS, None, {}, ALLOWED)
# The turn's own time: a Tuesday evening.
NOW = Situation(when=("any ideas for tonight?", "Tuesday evening"), habits=("any ideas for tonight?",))


def check(text: str) -> ClaimReport:
    names = check_reply(text, ALLOWED, CATALOGUE, KINDS)
    assert names.ok, names  # these sentences test claims, not names
    return check_claims(text, PLACES, names.allowed, KINDS, NOW)


FALSE = [
    "No Name Bar is just around the corner.",  # 0.8 km
    "Smorgasburg Williamsburg is only a few minutes away.",  # 1.5 km is 20 minutes on foot
    "Shake Shack is steps away from you.",
    # The evaluation report's examples.
    "No Name Bar is a popular coffee shop near your home that you often go to.",
    "Shake Shack is a popular burger joint in Downtown Brooklyn that you went to on a Friday afternoon.",
    "Smorgasburg Williamsburg is a popular destination for high school students.",
    # Visits to places the user has never been to, and paraphrases.
    "You've been to No Name Bar twice.",
    "No Name Bar is your usual spot.",
    "Head back to No Name Bar tonight.",
    "Equinox is a gym you've been to before.",
    "No Name Bar is a bar. You often go there.",
    "Shake Shack, which you love, is 0.7 km away.",
    "You're a regular at No Name Bar.",
    "No Name Bar is nearby and you know it well.",
    "Shake Shack, where you had burgers last week, is close.",
    # Not visited: false of a place the user knows.
    "You haven't been to Joe's Coffee yet.",
    # Kinds the catalogue does not give.
    "No Name Bar is a cozy café.",
    "Joe's Coffee is a bar.",
    "Milk Bar is a bar.",
    "Equinox is a museum.",
    "Eataly is a food court.",
    "Smorgasburg Williamsburg: similar to Birreria, where you went recently, it is another museum.",
    # Distances, counts and times the evidence does not say.
    "No Name Bar is 5 minutes away.",
    "No Name Bar is 2 km from you.",
    "You've checked in at Joe's Coffee 20 times.",
    "Shake Shack has 7 check-ins by 7 people.",
    "No Name Bar is busiest on Saturday evenings.",
    "No Name Bar is a great spot on Monday mornings.",
    # Popularity and audiences.
    "Joe's Coffee is a crowded spot.",
    "No Name Bar is popular with locals.",
    "It's the favourite of art students.",
    # A habit nothing says.
    "You often go to museums on Sundays.",
    # Hours, prices and the user's home or work: no evidence ever says them.
    "The third one is open now at No Name Bar.",
    "No Name Bar is open until 2am.",
    "Joe's Coffee closes at 6 pm, so go early.",
    "Shake Shack is cheap and quick.",
    "Eataly is affordable, with mains under $15.",
    "No Name Bar is a bar you can visit for free.",  # f80: "a theater … you can visit for free"
    "Shake Shack is a great burger joint with fresh noodles and flavors.",  # f81
    "Dinner options around you include Shake Shack, a new establishment in the area.",  # f83
    "Entry is free at Eataly.",
    "No Name Bar is a bar 0.8 km from your workplace.",
    "Joe's Coffee is close to where you live.",
    # The assistant has been nowhere.
    "Joe's Coffee is a coffee shop 0.3 km away that I haven't tried yet.",
    "No Name Bar is my favourite bar.",
    "The quietest place in New York City is Joe's Coffee.",
    "I've been to Shake Shack, and I love it.",
    # What a place is like: a check-in log never says.
    "Joe's Coffee is a great coffee shop offering fresh coffee with a warm atmosphere.",
    "No Name Bar is a cozy spot with friendly staff.",
    "Shake Shack is known for its delicious burgers.",
    "Eataly has a huge menu of authentic Italian food.",
    "No Name Bar has amazing collections and exhibits for all ages.",
    "Joe's Coffee has stunning views of the river.",
    # Who it suits: no visit says how it went with a baby.
    "Shake Shack is a great place for a baby with you.",
    "Eataly is perfect for families.",
    "Joe's Coffee offers a relaxing environment with coffee and snacks.",
    "Eataly is a food & drink shop located in the heart of New York City.",
    "No Name Bar is an iconic bar on a bustling street.",
    "No Name Bar offers drinks at a reasonable price.",
    "Shake Shack is a burger joint near you with a rating of 4.1 out of 5 stars.",
    "Eataly gets great reviews.",
    # What a place offers or stocks.
    "Equinox is a great gym near you with new equipment and classes.",
    "Eataly is a great food hall with new arrivals.",
    "Shake Shack serves burgers and shakes.",
    "Eataly has a wide selection of Italian wines.",
    "Equinox is a great option for those looking for a gym with a pool.",
    "No Name Bar has a rooftop.",
    "Eataly is a great place to enjoy drinks and music.",
    "No Name Bar is a good spot to watch the sunset.",
    "Shake Shack est une excellente option avec une note moyenne de 4.6 sur un échelle de 5.",
    # Where a place is: every place here is in Manhattan, between SoHo and the Lower East Side.
    "Shake Shack is a burger joint in Brooklyn that's new to you.",
    "Joe's Coffee is a coffee shop near Times Square.",
    "No Name Bar est un bar à Williamsburg.",
    # The same in Spanish and French.
    "Shake Shack est un bon restaurant avec une note moyenne de 4.6 sur 5.",
    "No Name Bar est célèbre pour ses cocktails.",
    "Joe's Coffee es delicioso y barato.",
    "No Name Bar está abierto hasta las 2.",
    "Joe's Coffee est à deux pas de chez vous.",
    "Joe's Coffee : café, à proximité de votre lieu de travail.",
    "Shake Shack est un restaurant de burgers à proximité qui a été récemment ouvert.",
    "Shake Shack acaba de abrir cerca de aquí.",
    "You might want to try Joe's Coffee, which is 0.3 km away and has a good reputation for being quiet.",
    # A rank among the city's places, or fame: the data ranks places for one user and moment only.
    "Shake Shack is the best place for burgers in New York City.",
    "Eataly is one of the most famous food halls of Manhattan.",
    "The best coffee shop near SoHo is Joe's Coffee, about 0.3 km away.",
    "No Name Bar is a famous bar.",
    "Joe's Coffee is a beautiful café.",
    "Shake Shack is a burger joint that has just opened.",
    "Shake Shack is perfect for a quick bite and has been recently introduced.",
    "No Name Bar is 0.8 km away and has been there for a while.",
    "Shake Shack is a great place for burgers and has been around since 2017.",
    "User 300 goes to Shake Shack.",  # one user's data never reaches another
    "No Name Bar is a great place for therapy and relaxation.",
    # "You might want to try" hedges the suggestion, not what the sentence says of the place.
    "You might want to try Shake Shack for its delicious burgers.",
    # Another day than the one asked about ("any ideas for tonight?"), and meals no evidence ties to the place.
    "No Name Bar is a great spot for your date tomorrow.",
    "No Name Bar is a good spot for dinner.",
    "Equinox is a great place for breakfast and lunch.",
    "Shake Shack is a great place with big screens and wings.",
    "No Name Bar is a great place for free events this weekend.",
    "Joe's Coffee is a café you can trust for your allergy-free needs.",
    "Joe's Coffee is a good place to go for burgers.",  # a dish no evidence ties to the place
    "No Name Bar has great pizza.",
    "No Name Bar is at 987 2nd Ave.",  # no address is stored
    "Shake Shack se trouve à l'adresse 59 rue 9e.",
    # What a place is or sells, in Spanish and French as in English (y1 §1, §4: a half-marathon called "el mejor lugar
    # para comprar material de arte", "ofrece una buena comida para brunch").
    "No Name Bar es un gimnasio.",
    "No Name Bar est une salle de sport.",
    "Joe's Coffee es un restaurante cerca de aquí.",
    "El mejor lugar para comprar material de arte es Equinox.",
    "Le meilleur endroit pour un verre est No Name Bar.",
    "Joe's Coffee ofrece una buena comida para el brunch.",
    "No Name Bar propose des cocktails maison.",
    "Shake Shack offre une terrasse.",
    "Equinox is a great place to buy art supplies.",
    # How loud or calm a place is, what it pours or screens (y1 §2).
    "Joe's Coffee is a quiet café.",
    "No Name Bar is quieter than the others.",
    "No Name Bar is a lively bar.",
    "No Name Bar can get loud on weeknights.",
    "No Name Bar has a great beer list.",
    "No Name Bar is a great place to watch the game.",
    "Joe's Coffee es tranquilo y romántico.",
    "No Name Bar est un bar animé.",
    "Joe's Coffee est un café calme.",
    # Popularity in other words, of a place whose evidence does not say it is popular (y1 §3).
    "Joe's Coffee has been visited by many people.",
    "Joe's Coffee is a favorite spot for many visitors.",
    "Joe's Coffee gets lots of visitors.",
    "Joe's Coffee attracts a crowd.",
    "Joe's Coffee is well-known.",
    "Joe's Coffee is the best place for a coffee today!",
    "Joe's Coffee es muy concurrido.",
    "Joe's Coffee est très fréquenté.",
    # "New to you" is no opening (y1 §5: "a new donut shop").
    "Shake Shack is a new burger joint.",
    "Shake Shack is new and close by.",
    "Shake Shack es un nuevo restaurante.",
    "Shake Shack est un nouveau restaurant.",
    # In an area: the place's own neighbourhood, not any within 2.5 km (y1 §7); "on the …"; after a pronoun.
    "No Name Bar is in the West Village.",
    "Joe's Coffee is a coffee shop in Greenwich Village.",
    "No Name Bar is on the Upper West Side.",
    "No Name Bar, on the Upper East Side, is a bar.",
    "No Name Bar is a great bar. It's located in Brooklyn.",
    # Spanish and French words for a kind that code's own sentences do not use (profiles/category_other_names.toml).
    "No Name Bar es una pastelería.",
    "No Name Bar est une pâtisserie.",
    "No Name Bar est une salle de gym.",
    "Joe's Coffee est une salle de musculation.",
    "Joe's Coffee es una taberna.",
    "Joe's Coffee est un troquet.",
    # A Spanish or French word that names two kinds ("tienda") does not make them one.
    "Eataly is a dessert shop.",
    "Milk Bar is a food and drink shop.",
    # Popularity in other words, of a place whose evidence does not say it is popular.
    "Joe's Coffee draws a big following.",
    "Joe's Coffee has a loyal following.",
    "Joe's Coffee is always packed.",
    "Joe's Coffee is a neighbourhood staple.",
    "Joe's Coffee is a local institution.",
    "Locals flock to Joe's Coffee.",
    "Joe's Coffee is a go-to spot for locals.",
    "Joe's Coffee siempre está lleno.",
    "Joe's Coffee tiene muchos seguidores.",
    "Joe's Coffee est toujours plein.",
    "Joe's Coffee est très prisé.",
    "Joe's Coffee attire les foules.",
    # Reputation, ambience and quality: no evidence line holds them, however popular the place.
    "No Name Bar is a stylish bar.",
    "No Name Bar has a warm, inviting feel.",
    "No Name Bar is highly recommended.",
    "No Name Bar is top-notch.",
    "No Name Bar is a classic New York bar.",
    "No Name Bar is well-known for its wings.",
    "No Name Bar es una joya escondida.",
    "No Name Bar es un bar de moda.",
    "No Name Bar es un bar con encanto.",
    "No Name Bar es muy conocido por sus cócteles.",
    "No Name Bar est un bar branché.",
    "No Name Bar est connu pour ses cocktails.",
    "No Name Bar est un incontournable du quartier.",
    "No Name Bar est un bar convivial.",
]

TRUE = [
    "Feel free to visit Joe's Coffee, a coffee shop 0.3 km away.",  # not a price
    "Try Joe's Coffee, a coffee shop 0.3 km away.",
    "You've been to Joe's Coffee 12 times, mostly on Saturday mornings.",
    "Joe's Coffee is your usual spot on Saturday mornings.",
    "Your favourite, Joe's Coffee, is a short walk away.",
    "Joe's Coffee is just around the corner.",  # 0.3 km
    "Joe's Coffee is just a few minutes away.",  # 0.3 km
    "No Name Bar is new to you: you haven't been there yet.",
    "Shake Shack is a burger joint you haven't tried yet.",
    "I'd suggest Joe's Coffee; I think you will like it.",  # the assistant suggests; it claims no visit
    "No Name Bar is a bar 0.8 km from you, popular on Tuesday nights with 12 check-ins by 11 people.",
    "You went to a Burger Joint on a Friday afternoon, so Shake Shack could be a good fit.",
    "Equinox is similar to 200 Water St Gym, where you went recently.",
    "Equinox is a gym that matches your taste (16% of your check-ins).",
    "No Name Bar isn't a coffee shop, it's a bar.",
    "Joe's Coffee is a great café; go back this Saturday morning.",
    "Smorgasburg Williamsburg is a flea market, busy on Saturday afternoons.",
    "Since you love coffee, Joe's Coffee is an easy pick.",
    "If you go to No Name Bar, try the cocktails.",
    "No Name Bar is perfect for this evening.",
    "Joe's Coffee (Coffee Shop, 0.3 km): you've come here 12 times on Saturday mornings",
    "Shake Shack is a restaurant with 18 check-ins by 15 people.",
    "No Name Bar is a crowd favourite on Tuesday nights, and far less crowded than the clubs.",
    "Smorgasburg Williamsburg is about 1.5 km away, and it's popular: 35 check-ins by 27 people.",
    "Shake Shack is 700 m from you.",
    "No Name Bar is 0.8 km from you; Joe's Coffee, which you know well, is 0.3 km away.",
    "Near No Name Bar? Try Joe's Coffee, where you go on Saturday mornings.",
    "It's Tuesday evening, and Shake Shack is popular on Tuesday evenings.",
    "Milk Bar is a dessert shop near you.",
    "Smorgasburg Williamsburg: similar to Birreria, where you went recently, it is another flea market.",
    "You're a regular at Joe's Coffee, and you know it well.",
    "You had asked for a bar, so try No Name Bar.",
    "You might enjoy No Name Bar, a great bar on Tuesday nights.",
    "Fancy a drink? No Name Bar is right for the evening.",
    "Eataly is a Food & Drink Shop, 1.8 km from here.",
    "Check whether No Name Bar is open tonight before you go.",
    "I can't tell if Shake Shack is cheap, but it is 0.7 km from you.",
    "No Name Bar is a good place for a drink after work.",
    "No Name Bar is an open, airy bar.",
    "A fresh find for you: Shake Shack, a burger joint 0.7 km away.",
    "Joe's Coffee is known to you: you've been there 12 times.",
    "The best of what I found is Joe's Coffee, 0.3 km away.",
    "Joe's Coffee is the best match for your request.",
    "Joe's Coffee is the best match near you.",
    "You might want to check if No Name Bar is open tonight.",
    "There is a wide choice of places near you; No Name Bar is the closest.",
    "Pour boire un verre près d'ici, tu peux aller à No Name Bar.",
    "No Name Bar is a bar in Manhattan.",
    "Joe's Coffee is a coffee shop in SoHo, near the Lower East Side.",
    "No Name Bar is not in Brooklyn.",
    "Shake Shack is 0.7 km from you; you went to a Burger Joint around Downtown Brooklyn.",
    "Smorgasburg Williamsburg is a flea market.",
    "Joe's Coffee es una cafetería cerca de aquí.",
    "No Name Bar is a great bar for tonight.",
    "Joe's Coffee is great for breakfast.",
    "Shake Shack is a good spot for lunch.",
    "Joe's Coffee is 0.3 km away; I don't have its address.",
    "Shake Shack is a good place to go for burgers.",  # a burger joint
    # Kinds, newness, popularity and areas that are true, in English, Spanish and French.
    "No Name Bar es un bar a 0.8 km.",
    "No Name Bar est un bar à 0.8 km d'ici.",
    "Equinox es un gimnasio a 1.05 km.",
    "Si buscas un gimnasio, prueba Equinox.",
    "Joe's Coffee est un café, à 0.3 km d'ici.",
    "Joe's Coffee es la mejor opción para esta noche.",
    "No Name Bar est le meilleur choix pour ce soir.",
    "Try something new: No Name Bar, 0.8 km away.",
    "Shake Shack is a new spot for you, 0.7 km away.",
    "Shake Shack es nuevo para ti.",
    "Shake Shack est nouveau pour toi.",
    "No Name Bar is visited by many people: 12 check-ins by 11 people.",
    "If you want somewhere quieter, No Name Bar is 0.8 km away.",
    "No Name Bar is not noisy, as far as I know.",
    "No Name Bar is near Union Square.",
    "No Name Bar is in the Lower East Side.",
    "No Name Bar is a bar. It's in Manhattan.",
    "No Name Bar is the best place for you tonight.",
    "Eataly is a great place to buy food.",  # a Food & Drink Shop: its kind says what it sells
    # Other Spanish and French words for the place's own kind; popularity paraphrases its evidence holds.
    "Milk Bar es una pastelería a 0.7 km.",
    "Milk Bar est une pâtisserie à 0.7 km.",
    "Equinox est une salle de gym à 1 km.",
    "No Name Bar es una taberna a 0.8 km.",
    "No Name Bar draws a big crowd: 12 check-ins by 11 people.",
    "No Name Bar est très prisé : 12 check-ins de 11 personnes.",
    "No Name Bar is a neighbourhood staple: 12 check-ins by 11 people.",
    "Joe's Coffee is a favourite of yours: you've been here 12 times.",
    "No Name Bar is an outstanding choice for tonight.",
    "Joe's Coffee is a classic choice for a coffee.",
    "Joe's Coffee could be your go-to spot.",
]


@pytest.mark.parametrize(
    ("message", "text", "holds"),
    [
        # y1 §10: what the user said is not held against the reply; what they did not say still is.
        ("coffee near the office?", "Joe's Coffee is a coffee shop near your office.", True),
        ("un café sympa près du bureau ce matin ?", "Joe's Coffee est un bon choix près de votre bureau.", True),
        ("somewhere with live music tonite", "Try No Name Bar for live music tonight.", True),
        ("necesito material de arte, dónde lo compro?", "Para comprar material de arte, prueba Eataly.", True),
        ("coffee please", "Joe's Coffee is a coffee shop near your office.", False),
        ("somewhere fun tonite", "Try No Name Bar for live music tonight.", False),
        # Ambience is never the user's to say: "somewhere quieter" does not make a place quiet.
        ("somewhere quieter than that", "No Name Bar is a quiet bar.", False),
    ],
)
def test_the_users_own_words_are_not_claims(message: str, text: str, holds: bool) -> None:
    names = check_reply(text, ALLOWED, CATALOGUE, KINDS)
    report = check_claims(text, PLACES, names.allowed, KINDS, Situation.of(message))
    assert report.ok is holds, [checked.record() for checked in report.unsupported]


def test_a_meal_or_a_day_the_user_asked_for_holds() -> None:
    asked = Situation(when=("a bar for dinner tmrw?",), habits=())
    sentences = {
        "No Name Bar is a good spot for dinner tomorrow.": True,  # the meal asked for, whatever the kind
        "No Name Bar is a good spot for lunch.": False,
        "No Name Bar is a good spot for tonight.": False,  # "tmrw" is tomorrow
    }
    for text, holds in sentences.items():
        names = check_reply(text, ALLOWED, CATALOGUE, KINDS)
        assert check_claims(text, PLACES, names.allowed, KINDS, asked).ok is holds, text


def test_a_dish_the_user_asked_for_holds_and_one_they_ruled_out_does_not() -> None:
    text = "Joe's Coffee is a good place to go for burgers."
    names = check_reply(text, ALLOWED, CATALOGUE, KINDS)
    for message, holds in {"burgers near me?": True, "lunch, no burgers": False, "lunch?": False}.items():
        asked = Situation(when=(message,), habits=())
        assert check_claims(text, PLACES, names.allowed, KINDS, asked).ok is holds, message


def facts_of(category: str, path: str, name: str = "Halvorsen") -> PlaceFacts:
    """A place of one kind, 0.4 km away in the Lower East Side."""
    return PlaceFacts(
        item_id=name.lower(), name=name, category=category, category_path=path, distance_km=0.4, latitude=40.72,
        longitude=-73.99, evidence=("0.4 km from you",),
    )  # fmt: skip


DRINK_SENTENCES = [
    "Halvorsen is a great place to grab a drink.",
    "Halvorsen is good for a drink after work.",
    "Halvorsen is perfect for a beer after work.",
    "Halvorsen is a nice spot to sip a cocktail.",
    "Have a pint at Halvorsen.",
    "Halvorsen es un buen sitio para tomar algo.",
    "Halvorsen es ideal para unas cervezas.",
    "Halvorsen est un bon endroit pour boire un verre.",
    "Halvorsen est parfait pour l'apéro.",
]
POURING = [
    ("Bar", "Dining and Drinking > Bar > Pub"),
    ("Bar", "Dining and Drinking > Bar > Lounge"),
    ("Bar", "Dining and Drinking > Bar > Wine Bar"),
    ("Brewery", "Dining and Drinking > Brewery"),
    ("Nightclub", "Nightlife Spot > Nightclub"),
    ("Mexican Restaurant", "Dining and Drinking > Restaurant > Mexican Restaurant"),
    ("Gastropub", "Dining and Drinking > Restaurant > Gastropub"),
]
NOT_POURING = [
    ("Gym / Fitness Center", "Sports and Recreation > Gym and Studio > Gym"),
    ("Laundry Service", "Business and Professional Services > Laundry Service"),
    ("Office", "Business and Professional Services > Office"),
    ("Bank", "Business and Professional Services > Financial Service > Banking and Finance > Bank"),
    ("Fast Food Restaurant", "Dining and Drinking > Restaurant > Fast Food Restaurant"),  # a counter, not a table
]


@pytest.mark.parametrize(("category", "path"), POURING + NOT_POURING)
def test_a_drink_holds_at_the_kinds_of_place_that_pour_one(category: str, path: str) -> None:
    place = facts_of(category, path)
    for text in DRINK_SENTENCES:
        report = claims_in_reply(text, [place], {category})
        assert any(checked.claim.value == ("drinks",) for checked in report.checked), text
        assert report.ok is ((category, path) in POURING), (text, [c.record() for c in report.unsupported])


def test_a_drink_is_the_place_it_is_had_at() -> None:
    places = [facts_of(*NOT_POURING[0], name="Crunch"), facts_of(*POURING[0], name="Stout NYC")]
    kinds = {"Gym / Fitness Center", "Bar"}
    assert claims_in_reply("After your workout at Crunch, grab a drink at Stout NYC.", places, kinds).ok
    assert claims_in_reply("Crunch is a gym; for drinks afterwards, Stout NYC is 0.4 km away.", places, kinds).ok
    assert not claims_in_reply("Grab a drink at Crunch, then head to Stout NYC.", places, kinds).ok
    # Any drink at a café; beer, wine or a cocktail only where they pour them. The user's wish is no claim.
    cafe = [facts_of("Café", "Dining and Drinking > Cafe, Coffee, and Tea House > Café")]
    assert claims_in_reply("Halvorsen is a good place to grab a drink.", cafe, {"Café"}).ok
    assert not claims_in_reply("Halvorsen is a good place to grab a beer.", cafe, {"Café"}).ok
    assert claims_in_reply("Since you asked for drinks, Crunch is not it; Stout NYC is.", places, kinds).ok
    # Music with the drink is still no kind's ("enjoy drinks and music").
    assert not claims_in_reply("Stout NYC is a great place to enjoy drinks and music.", places, kinds).ok


KIND_NAMES = [
    ("Scenic Lookout", "Landmarks and Outdoors > Scenic Lookout"),
    ("Snack Place", "Dining and Drinking > Restaurant > Deli"),
    ("Student Center", "Community and Government > Education > Student Center"),
    ("Outdoors & Recreation", "Landmarks and Outdoors"),
]


@pytest.mark.parametrize(("category", "path"), KIND_NAMES)
def test_a_places_own_kind_is_no_claim_of_the_words_in_its_name(category: str, path: str) -> None:
    place = facts_of(category, path)
    kinds = {category, "Playground", "Rest Area", "Bar"}
    sentences = [code_sentence(place, origin, language) for origin in (None, "here") for language in ("en", "es", "fr")]
    sentences += [f"Halvorsen is {category_with_article(category, 'en').lower()}."]
    for text in sentences:
        report = claims_in_reply(text, [place], kinds)
        assert report.ok, (text, [checked.record() for checked in report.unsupported])
    # The same words said of a place of another kind are still claims ("a scenic lookout" of a bar).
    bar = facts_of("Bar", "Dining and Drinking > Bar")
    assert not claims_in_reply(f"Halvorsen is {category_with_article(category, 'en')}.", [bar], kinds).ok


@pytest.mark.parametrize("sentence", FALSE)
def test_a_false_sentence_is_flagged(sentence: str) -> None:
    report = check(sentence)
    assert not report.ok, [checked.record() for checked in report.checked]
    assert all(checked.reason for checked in report.unsupported)


@pytest.mark.parametrize("sentence", TRUE)
def test_a_true_sentence_passes(sentence: str) -> None:
    report = check(sentence)
    assert report.ok, [checked.record() for checked in report.unsupported]


def kinds_of(report: ClaimReport) -> dict[str, str]:
    """Each unsupported claim's text and kind."""
    return {checked.claim.text: checked.claim.kind for checked in report.unsupported}


def test_the_report_says_which_claims_fail_and_why() -> None:
    report = check("No Name Bar is a popular coffee shop near your home that you often go to.")
    assert kinds_of(report) == {"coffee shop": "category", "your home": "unknown", "you often go": "visit"}
    reasons = {checked.claim.kind: checked.reason for checked in report.unsupported}
    assert reasons == {
        "category": "No Name Bar is a Bar",
        "unknown": "nothing in the evidence of No Name Bar speaks of where the user lives or works ('your home')",
        "visit": "the user has never been to No Name Bar",
    }
    # "popular" is supported (the bar's evidence says so); where the user lives is known to no evidence.
    assert [(checked.claim.text, checked.supported) for checked in report.checked] == [
        ("popular", True),
        ("coffee shop", False),
        ("your home", False),
        ("you often go", False),
    ]
    assert report.sentences[0].named == ("bar",)
    record = report.unsupported[0].record()
    assert record == {
        "sentence": "No Name Bar is a popular coffee shop near your home that you often go to.",
        "claim": "coffee shop",
        "kind": "category",
        "reason": "No Name Bar is a Bar",
    }


def test_a_visit_is_about_the_place_not_the_kind_the_evidence_speaks_of() -> None:
    # The evidence says the user went to *a* burger joint on a Friday afternoon, not to Shake Shack.
    assert kinds_of(check("Shake Shack is a burger joint that you went to on a Friday afternoon.")) == {
        "you went": "visit"
    }
    assert check("You went to a Burger Joint on a Friday afternoon.").ok


def test_a_sentence_without_a_name_speaks_of_the_previous_one() -> None:
    report = check("Joe's Coffee is 0.3 km away. You've been there 12 times.")
    assert report.ok and report.sentences[1].about == ("joes",)
    report = check("No Name Bar is 0.8 km away. You've been there 12 times.")
    assert kinds_of(report) == {"You've been": "visit", "12 times": "count"}
    assert report.sentences[0].ok and not report.sentences[1].ok


def test_with_no_place_named_anywhere_every_suggestion_may_support_a_claim() -> None:
    assert check("You've been there 12 times on Saturday mornings.").ok  # true of Joe's Coffee
    assert not check("You've been there 40 times.").ok


def test_a_place_only_the_evidence_names_is_known_through_those_lines() -> None:
    water = next(place for place in PLACES if place.name == "200 Water St Gym")
    assert not water.suggested and water.is_return and water.evidence == (GYM.evidence[0],)
    assert check("You went to 200 Water St Gym recently.").ok
    assert not check("200 Water St Gym is a museum.").ok  # its kind is not known; a museum it is not called


def test_kind_words_come_from_the_catalogue() -> None:
    words = kind_words(KINDS)
    assert ("coffee", "shop") in words.keys and ("club",) in words.keys  # "club": the last word of "Jazz Club"
    assert ("spot",) not in words.keys and ("place",) not in words.keys  # generic: always fine
    assert ("pizzeria",) in words.keys  # a synonym of a catalogue kind ("Pizza Place")
    assert ("cinema",) not in words.keys  # no kind of its group is in this catalogue
    # Spanish and French: code's own names ("gimnasio") and the other names people use ("salle de gym").
    assert {("gimnasio",), ("salle", "de", "gym"), ("pasteleria",), ("patisserie",)} <= words.keys
    assert ("oficina",) not in words.keys and ("bureau",) not in words.keys  # "Office" is generic in any language
    of_gym = words.of_place(PlaceFacts.of(GYM))
    assert {("gym",), ("fitness", "center"), ("sport", "and", "recreation")} <= of_gym


def test_words_inside_a_name_are_not_claims() -> None:
    report = check("Milk Bar is 0.7 km from you.")
    assert report.ok and [checked.claim.kind for checked in report.checked] == ["distance"]


def test_code_sentences_pass_the_check() -> None:
    for place in PLACES:
        if place.suggested:
            sentence = code_sentence(place)
            assert sentence.startswith(place.name)
            assert check(sentence).ok, sentence
    assert code_sentence(PlaceFacts.of(COFFEE)) == "Joe's Coffee is a Coffee Shop, 0.3 km from here."
    # Suggestions around a place the request named are that far from it, not from the user.
    assert code_sentence(PlaceFacts.of(COFFEE), "SoHo") == "Joe's Coffee is a Coffee Shop, 0.3 km from SoHo."
    # In the request's language: the model wrote a French reply, so code's sentence in it is French.
    assert code_sentence(PlaceFacts.of(COFFEE), None, "fr") == "Joe's Coffee est un café, à 0.3 km d'ici."
    assert code_sentence(PlaceFacts.of(COFFEE), "SoHo", "es") == "Joe's Coffee es una cafetería, a 0.3 km de SoHo."
    for language in ("es", "fr"):
        assert check(code_sentence(PlaceFacts.of(COFFEE), "SoHo", language)).ok


def test_the_repair_replaces_a_false_sentence_and_keeps_the_true_ones() -> None:
    text = "Try Joe's Coffee, a coffee shop 0.3 km away. No Name Bar is your usual spot. You love it there."
    report = check(text)
    assert [sentence.ok for sentence in report.sentences] == [True, False, False]
    repaired = repair_claims(text, report, PLACES)
    assert repaired == "Try Joe's Coffee, a coffee shop 0.3 km away. No Name Bar is a Bar, 0.8 km from here."
    assert check(repaired).ok


def test_the_repair_says_nothing_twice_of_one_name() -> None:
    text = "Try Joe's Coffee, a coffee shop 0.3 km away. Joe's Coffee is your office café."
    report = check(text)
    assert [sentence.ok for sentence in report.sentences] == [True, False]
    assert repair_claims(text, report, PLACES) == "Try Joe's Coffee, a coffee shop 0.3 km away."


def test_one_name_of_two_places_gets_one_code_sentence() -> None:
    other = COFFEE.model_copy(update={"item_id": "joes2", "distance_km": 1.5})
    places = turn_places([COFFEE, other], None, {}, {"joes": "Joe's Coffee", "joes2": "Joe's Coffee"})
    text = "Joe's Coffee is the best café near your office."
    names = check_reply(text, {"joes": "Joe's Coffee", "joes2": "Joe's Coffee"}, CATALOGUE, KINDS)
    report = check_claims(text, places, names.allowed, KINDS, NOW)
    assert not report.ok
    assert repair_claims(text, report, places) == "Joe's Coffee is a Coffee Shop, 0.3 km from here."


def test_the_repair_keeps_line_breaks_and_never_leaves_nothing() -> None:
    text = "1. No Name Bar: your usual.\n2. Joe's Coffee (Coffee Shop, 0.3 km)"
    repaired = "1. No Name Bar is a Bar, 0.8 km from here.\n2. Joe's Coffee (Coffee Shop, 0.3 km)"
    assert repair_claims(text, check(text), PLACES) == repaired
    only = "You go there every Monday."
    assert repair_claims(only, check(only), PLACES) == code_sentence(PLACES[0])


def test_the_explained_place_has_its_suggestion_facts_and_the_explanation_lines() -> None:
    explanation = Explanation(item_id="bar", name="No Name Bar", evidence=["you often go to Bars on Friday nights"])
    places = turn_places([], explanation, {"bar": BAR}, {"bar": "No Name Bar"})
    assert len(places) == 1 and places[0].category == "Bar" and not places[0].is_return
    assert places[0].evidence[-1] == "you often go to Bars on Friday nights"
    report = claims_in_reply("No Name Bar is a bar; you often go to bars on Friday nights.", places, KINDS)
    assert report.ok
    assert not claims_in_reply("You often go to No Name Bar on Friday nights.", places, KINDS).ok


def test_the_rewrite_note_lists_each_problem_once() -> None:
    records = check("No Name Bar is your usual spot. No Name Bar is your usual spot.").records(unsupported=True)
    note = rewrite_note(records)
    assert note.count('"your usual"') == 1 and "the user has never been to No Name Bar" in note
    assert rewrite_note([]) == ""


# ---- the agent loop --------------------------------------------------------------------------------------------


def test_a_model_that_keeps_claiming_a_visit_is_overruled(services: Service, world_now: datetime) -> None:
    def script(messages: Sequence[BaseMessage]) -> str:
        names = listed_names(messages)
        return f"You've been to {names[0]} many times, it's your usual spot." if names else "Hello."

    model = ScriptedChatModel(script=script, calls=[])
    events = list(Assistant(services, model).stream("5", "surprise me with somewhere nearby tonight", at=world_now))
    turn = events[-1].turn
    assert turn is not None and turn.items and not any(item.is_return for item in turn.items)
    assert [event.kind for event in events].count("reset") == 1  # written again once
    assert "been to" not in turn.reply and "usual" not in turn.reply
    assert turn.reply == code_sentence(PlaceFacts.of(turn.items[0]))
    unsupported = turn.grounding["claims_unsupported"]
    assert {record["attempt"] for record in unsupported} == {1, 2}
    assert {record["claim"] for record in unsupported} == {"You've been", "your usual"}
    assert all(record["kind"] == "visit" and "never been" in record["reason"] for record in unsupported)
    assert turn.grounding["repaired"] and not turn.grounding["ok"]
    assert turn.grounding["named"] == [turn.items[0].name]
    rewrite = model.calls[-1][-1].text  # the second request lists the problems
    assert "Do not say these again" in rewrite and '"You\'ve been"' in rewrite


def test_a_model_that_corrects_itself_keeps_its_rewrite(services: Service, world_now: datetime) -> None:
    attempts: list[int] = []

    def script(messages: Sequence[BaseMessage]) -> str:
        attempts.append(1)
        name = listed_names(messages)[0]
        return f"{name} is your usual spot." if len(attempts) == 1 else f"Try {name}, it is new to you."

    model = ScriptedChatModel(script=script, calls=[])
    turn = Assistant(services, model).chat("5", "surprise me with somewhere nearby tonight", at=world_now)
    assert turn.reply == f"Try {turn.items[0].name}, it is new to you."
    assert turn.grounding["ok"] and "repaired" not in turn.grounding
    assert [record["claim"] for record in turn.grounding["claims_unsupported"]] == ["your usual"]
    assert [(record["claim"], record["attempt"]) for record in turn.grounding["claims_checked"]] == [
        ("your usual", 1),
        ("new to you", 2),
    ]


def test_an_area_holds_when_one_branch_of_a_shared_name_is_there() -> None:
    def branch(item_id: str, latitude: float, longitude: float) -> Suggestion:
        path = "Dining and Drinking > Cafe > Coffee Shop"
        found = suggestion(item_id, "Starbucks", "Coffee Shop", path, 0.2, False, ["0.2 km from you"])
        return found.model_copy(update={"latitude": latitude, "longitude": longitude})

    branches = [branch("ts", 40.7580, -73.9855), branch("wb", 40.7081, -73.9571)]  # Times Square, Williamsburg
    allowed = {item.item_id: item.name for item in branches}
    places = turn_places(branches, None, {}, allowed)

    def report(text: str) -> ClaimReport:
        return check_claims(text, places, check_reply(text, allowed, allowed, KINDS).allowed, KINDS, NOW)

    assert report("Starbucks in Times Square is a coffee shop.").ok
    assert report("Starbucks is a coffee shop in Williamsburg.").ok
    assert not report("Starbucks is a coffee shop in the Bronx.").ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Joe's Coffee est à moins de 1 kilomètre d'ici.", True),  # 0.3 km: within the bound
        ("Joe's Coffee est à moins de 0.1 kilomètre d'ici.", False),
        ("Joe's Coffee está a 3 kilómetros.", False),  # Spanish units are read too
        ("Joe's Coffee is less than 2 km away.", True),
    ],
)
def test_distances_in_other_languages_and_bounds_are_checked(text: str, ok: bool) -> None:
    assert check(text).ok is ok


def test_the_origin_of_a_distance_is_no_area_the_place_is_in() -> None:
    # Joe's Coffee is in SoHo: code's own "a 0.3 km de Times Square" measures from Times Square, in any language.
    for language in ("en", "es", "fr"):
        assert check(code_sentence(PlaceFacts.of(COFFEE), "Times Square", language)).ok, language
    assert check("Joe's Coffee está a 10 minutos de Times Square.").ok is False  # minutes no evidence says
    assert check("Joe's Coffee est à Times Square.").ok is False
    assert check("Joe's Coffee est à 0.3 km, à Times Square.").ok is False
