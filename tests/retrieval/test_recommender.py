"""The product recommender: recommend() is score_all()'s top k with true reasons, the knobs and filters hold, it learns
online, cold-starts, trains only on the past, is deterministic, refuses bad input, and beats the baselines on NYC."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math
import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from profiles.calendar import DAYPARTS, WEEKDAYS, ago, describe_hour
from profiles.config import load_settings
from profiles.events import Event
from profiles.geo import haversine_km
from profiles.places import is_suggestable, plural
from retrieval import evaluate, split
from retrieval.catalogue import Catalogue
from retrieval.features import FEATURE_NAMES, SOURCES, FeatureBuilder, Query, column
from retrieval.history import EventStream, HistoryState
from retrieval.protocol import Recommender, make_recommender, top_k
from retrieval.ranker import CONTEXT_COLUMNS, Replay, TrainingSet, replay_training_groups
from retrieval.recommender import (
    NotFittedError,
    PlaceRecommender,
    Recommendation,
    _Explainer,
    alike_enough,
    boost_amount,
    build_recommender,
    in_slots,
)
from tests.fixtures.world import make_history, make_items, small_config

ITEMS = make_items()
HISTORY = make_history(ITEMS)
END = HISTORY["timestamp"].iloc[-1].to_pydatetime()
LATER = END + timedelta(days=1, hours=10)  # a Tuesday or so, in the afternoon in New York


def fitted(settings, **overrides: float | int | bool) -> PlaceRecommender:
    recommender = PlaceRecommender(settings, small_config(**overrides))
    recommender.fit(HISTORY, ITEMS)
    return recommender


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> PlaceRecommender:
    return fitted(load_settings(state_dir=tmp_path_factory.mktemp("state")))


@pytest.fixture
def recommender(trained: PlaceRecommender) -> PlaceRecommender:
    """A private copy of the trained recommender, free to observe."""
    return copy.deepcopy(trained)


def _last_place(user: str) -> tuple[float, float]:
    row = HISTORY[HISTORY["user_id"] == user].iloc[-1]
    return float(row["latitude"]), float(row["longitude"])


def _ids(recommendations: list[Recommendation]) -> list[str]:
    return [recommendation.item_id for recommendation in recommendations]


# The seam ---------------------------------------------------------------------------------------------------------


def test_build_recommender_gives_a_recommender_the_evaluation_can_use(settings):
    assert isinstance(build_recommender(settings), Recommender)
    assert isinstance(make_recommender("model", settings), PlaceRecommender)


def test_the_ranker_learnt_from_the_replay(recommender):
    assert recommender.ranker.learnt
    assert recommender.training is not None and len(recommender.training) > 50
    assert recommender.importances()


@pytest.mark.parametrize("user", ["0", "3", "7"])
@pytest.mark.parametrize("hours", [0, 5, 11])
def test_recommend_is_the_top_k_of_score_all(recommender, user, hours):
    at = LATER + timedelta(hours=hours)
    latitude, longitude = _last_place(user)
    scores = recommender.score_all(user, at, latitude, longitude)
    assert scores.dtype == np.float64 and scores.shape == (len(ITEMS),)
    shown = recommender.recommend(user, at, latitude, longitude, k=7)
    assert _ids(shown) == [ITEMS["item_id"].iloc[position] for position in top_k(scores, 7)]
    assert [item.score for item in shown] == [scores[position] for position in top_k(scores, 7)]
    assert all(item.reasons for item in shown)


def test_places_no_source_proposed_score_minus_infinity(recommender):
    scores = recommender.score_all("0", LATER, *_last_place("0"))
    assert np.isneginf(scores).any()
    assert np.isfinite(scores).sum() >= 10


# Reasons ------------------------------------------------------------------------------------------------------------

DAY_PARTS = rf"(?:{'|'.join(WEEKDAYS)}) (?:{'|'.join(part + 's' for part in DAYPARTS)})"
NEW_YORK = "America/New_York"


def _count(text: str) -> int:
    return {"once": 1, "twice": 2}.get(text) or int(text.split()[0])


def _occasions(times: pd.Series) -> pd.Series:
    """Each time's occasion in the calendar's words ('Tuesday mornings'), on New York's clock."""
    local = times.dt.tz_convert(NEW_YORK)
    return (local.dt.weekday * 24 + local.dt.hour).map(lambda hour: describe_hour(hour, plural=True))


def _check_facts(line: str, item: Recommendation, here: pd.DataFrame, past: pd.DataFrame, at: datetime) -> None:
    """The facts line: how well the user knows the place, how far it is, and whether it is busy now."""
    match = re.fullmatch(
        rf"(new to you|been here (once|twice|\d+ times),(?: most recently)? (.+?)) · (right here|\d+\.\d km)"
        rf"(?: · busy on ({DAY_PARTS}))?",
        line,
    )
    assert match, f"unexpected facts line {line!r}"
    if match[1] == "new to you":
        assert here.empty and not item.is_return
    else:
        assert _count(match[2]) == len(here) and item.is_return
        # By New York's calendar: "yesterday" is the day before there, not 24 to 48 hours.
        assert match[3] == ago(here["timestamp"].max(), pd.Timestamp(at).tz_convert(NEW_YORK))
        assert ("most recently" in line) is (len(here) > 1)
    if match[4] == "right here":
        assert item.distance_km < 0.05
    else:
        assert match[4] == f"{item.distance_km:.1f} km"  # as the card's own distance says it
    if match[5]:
        assert match[5] == _occasions(pd.Series([pd.Timestamp(at)]))[0]
        visits = past[past["item_id"] == item.item_id]
        busy = int((_occasions(visits["timestamp"]) == match[5]).sum())
        assert len(visits) >= 10 and busy >= 3 and busy >= 2 * len(visits) * 7 / 168  # a day part is 7 hours or 5


def _check_reason(reason: str, item: Recommendation, user: str, at: datetime) -> None:
    """Each reason template's facts, checked against the history, and its numbers big enough to mean something."""
    past = HISTORY[HISTORY["timestamp"] < pd.Timestamp(at)]
    mine = past[past["user_id"] == user]
    here = mine[mine["item_id"] == item.item_id]
    names = dict(zip(ITEMS["item_id"], ITEMS["name"], strict=True))
    leaves = dict(zip(ITEMS["item_id"], ITEMS["category_path"].str.split(" > ").str[-1], strict=True))
    last_item = mine["item_id"].iloc[-1]
    now = _occasions(pd.Series([pd.Timestamp(at)]))[0]
    suggestable = {
        row.item_id for row in ITEMS.itertuples() if is_suggestable(row.category, row.category_path, row.name)
    }

    if match := re.fullmatch(rf"you come here on ({DAY_PARTS}) — (\d+) visits", reason):
        assert match[1] == now and int(match[2]) >= 3
        assert int(match[2]) == int((_occasions(here["timestamp"]) == now).sum())
        return
    if match := re.fullmatch(rf"you go to (.+) on ({DAY_PARTS}) — (\d+) visits", reason):
        assert match[1] == plural(leaves[item.item_id]) and match[2] == now and int(match[3]) >= 3
        same_kind = mine[mine["item_id"].map(leaves) == leaves[item.item_id]]
        assert int(match[3]) == int((_occasions(same_kind["timestamp"]) == now).sum())
        return
    if match := re.fullmatch(r"(\d+)% of your check-ins are (at|in) (.+)", reason):
        kinds = mine["item_id"].map(
            leaves
            if match[2] == "at"
            else dict(zip(ITEMS["item_id"], ITEMS["category_path"].str.split(" > ").str[0], strict=True))
        )
        kind = (
            leaves[item.item_id]
            if match[2] == "at"
            else ITEMS.set_index("item_id").at[item.item_id, "category_path"].split(" > ")[0]
        )
        assert match[3] == (plural(kind) if match[2] == "at" else kind)
        assert int(match[1]) == round(100 * (kinds == kind).mean()) >= 10
        return
    if match := re.fullmatch(r"(next to|\d+\.\d km from) (.+), a place you know", reason):
        known = [known for known in mine["item_id"].unique() if names[known] == match[2]]
        assert known and set(known) <= suggestable, "a place you know: named, and one to go to (no office)"
        if match[1] != "next to":
            assert float(match[1].split()[0]) <= 1.0
        return
    if match := re.fullmatch(r"people often come here after (.+) \((once|twice|\d+ times)\)", reason):
        assert match[1] == names[last_item]
        following = past.groupby("user_id")["item_id"].shift(-1)
        count = int(((past["item_id"] == last_item) & (following == item.item_id)).sum())
        assert _count(match[2]) == count >= 3
        return
    if match := re.fullmatch(r"you often come here after (.+) \((once|twice|\d+ times)\)", reason):
        assert match[1] == names[last_item]
        following = mine["item_id"].shift(-1)
        count = int(((mine["item_id"] == last_item) & (following == item.item_id)).sum())
        assert _count(match[2]) == count >= 3
        return
    if match := re.fullmatch(r"popular: (\d+) check-ins by (\d+) people", reason):
        visits = past[past["item_id"] == item.item_id]
        assert (int(match[1]), int(match[2])) == (len(visits), visits["user_id"].nunique())
        assert int(match[2]) >= 5
        return
    if match := re.fullmatch(r"people who go to (.+) also go here", reason):
        partners = [known for known in mine["item_id"].unique() if names[known] == match[1]]
        assert partners and set(partners) <= suggestable  # never a home, an office or a happening
        return
    if match := re.fullmatch(r"after an? (.+), (\d+)% of people's next stops are (.+)", reason):
        assert (match[1], match[3]) == (leaves[last_item], plural(leaves[item.item_id]))
        assert int(match[2]) >= 10
        return
    raise AssertionError(f"unexpected reason {reason!r}")


@pytest.mark.parametrize("user", ["1", "4", "7"])
def test_reasons_cite_evidence_that_is_true(recommender, user):
    for hours in (0, 9, 14):
        at = LATER + timedelta(hours=hours)
        shown = recommender.recommend(user, at, *_last_place(user), k=10)
        assert len(shown) == 10
        past = HISTORY[HISTORY["timestamp"] < pd.Timestamp(at)]
        for item in shown:
            *reasons, facts = item.reasons
            assert len(reasons) <= 2
            mine = past[past["user_id"] == user]
            _check_facts(facts, item, mine[mine["item_id"] == item.item_id], past, at)
            for reason in reasons:
                _check_reason(reason, item, user, at)
    # A regular's favourite says how often they have been.
    top = recommender.recommend(user, LATER, *_last_place(user), k=3)
    assert any(item.reasons[-1].startswith("been here") for item in top if item.is_return)


def test_a_similar_reason_names_only_a_place_alike_enough():
    # Cosines of the packaged encoder's item vectors: a noodle shop and a Walmart 0.25, a beer garden and a Starbucks
    # 0.50 (no likeness to cite); two burger joints 0.57.
    assert alike_enough(np.array([0.25, 0.50])) is None
    assert alike_enough(np.array([0.25, 0.57, 0.50])) == 1
    assert alike_enough(np.array([])) is None


def test_thin_evidence_is_left_out(recommender):
    """Over many users and times, no sentence rests on a pattern seen once or twice, nor names a home."""
    reasons = [
        reason
        for user in ("0", "2", "5", "8")
        for hours in (0, 4, 9, 14)
        for item in recommender.recommend(user, LATER + timedelta(hours=hours), *_last_place(user), k=10)
        for reason in item.reasons
    ]
    assert reasons
    homes = ("a Home (private), a place you know", "after a Home (private) (", "go to a Home (private)")
    assert not any(home in reason for reason in reasons for home in homes)
    assert not any(reason.endswith(("(once)", "(twice)")) for reason in reasons)
    assert not any(re.search(r"\b[0-9]%", reason) for reason in reasons)  # no single-digit shares


def test_recommendations_carry_the_place(recommender):
    latitude, longitude = _last_place("2")
    for item in recommender.recommend("2", LATER, latitude, longitude, k=5):
        row = ITEMS.set_index("item_id").loc[item.item_id]
        assert (item.name, item.category) == (row["name"], row["category"])
        assert (item.latitude, item.longitude) == (row["latitude"], row["longitude"])
        expected = float(haversine_km(latitude, longitude, row["latitude"], row["longitude"]))
        assert item.distance_km == pytest.approx(expected, abs=1e-3)
        assert item.is_return == bool(((HISTORY["user_id"] == "2") & (HISTORY["item_id"] == item.item_id)).any())


# Knobs and filters --------------------------------------------------------------------------------------------------


def test_surprise_one_shows_only_places_new_to_the_user(recommender):
    latitude, longitude = _last_place("5")
    known = set(HISTORY.loc[HISTORY["user_id"] == "5", "item_id"])
    natural = recommender.recommend("5", LATER, latitude, longitude, k=10)
    assert any(item.is_return for item in natural)
    fresh = recommender.recommend("5", LATER, latitude, longitude, k=10, surprise=1.0)
    assert fresh
    assert not any(item.is_return for item in fresh)
    assert not known & set(_ids(fresh))


def test_more_surprise_never_shows_more_returns(recommender):
    latitude, longitude = _last_place("6")
    returns = [
        sum(item.is_return for item in recommender.recommend("6", LATER, latitude, longitude, k=10, surprise=s))
        for s in (0.0, 0.3, 0.6, 0.9, 0.99, 1.0)
    ]
    assert returns == sorted(returns, reverse=True)
    assert returns[0] > returns[-1] == 0


def test_the_new_place_offset_moves_only_new_places_and_equals_a_surprise(recommender):
    latitude, longitude = _last_place("6")
    known = np.asarray(ITEMS["item_id"].isin(HISTORY.loc[HISTORY["user_id"] == "6", "item_id"]))
    before = recommender.score_all("6", LATER, latitude, longitude)
    surprised = recommender.recommend("6", LATER, latitude, longitude, k=10, surprise=0.6)
    recommender.config = dataclasses.replace(recommender.config, new_place_offset=-math.log1p(-0.6))
    after = recommender.score_all("6", LATER, latitude, longitude)
    np.testing.assert_array_equal(after[known], before[known])
    proposed = np.isfinite(before) & ~known
    assert proposed.any()
    np.testing.assert_allclose(after[proposed] - before[proposed], -math.log1p(-0.6))
    assert np.array_equal(np.isfinite(after), np.isfinite(before))  # nothing unproposed joins
    # Offsetting new places by -log(1 - s) is the surprise s, applied to every request.
    assert _ids(recommender.recommend("6", LATER, latitude, longitude, k=10)) == _ids(surprised)


def test_a_negative_new_place_offset_never_shows_fewer_returns(recommender):
    latitude, longitude = _last_place("2")
    returns = []
    for offset in (0.0, -0.5, -2.0, -50.0):
        recommender.config = dataclasses.replace(recommender.config, new_place_offset=offset)
        returns.append(sum(item.is_return for item in recommender.recommend("2", LATER, latitude, longitude, k=10)))
    assert returns == sorted(returns)
    assert returns[0] < returns[-1]


def test_category_and_keyword_filters(recommender):
    latitude, longitude = _last_place("0")
    jazz = recommender.recommend("0", LATER, latitude, longitude, k=5, category="jazz and blues")
    assert len(jazz) == 5  # more jazz clubs than the candidates alone would hold: matches join the pool
    assert all(item.category == "Jazz Club" for item in jazz)
    dining = recommender.recommend("0", LATER, latitude, longitude, k=50, category="Dining and Drinking")
    assert {item.category for item in dining} == {"Coffee Shop"}
    named = recommender.recommend("0", LATER, latitude, longitude, k=3, keyword="gym 1")
    assert named and all("gym 1" in item.name.lower() for item in named)
    assert recommender.recommend("0", LATER, latitude, longitude, category="Aquarium") == []


def test_excluded_categories_are_never_shown(recommender):
    latitude, longitude = _last_place("0")
    everything = recommender.recommend("0", LATER, latitude, longitude, k=40)
    kept = recommender.recommend("0", LATER, latitude, longitude, k=40, exclude_categories=["jazz", "COFFEE"])
    assert any(item.category in ("Jazz Club", "Coffee Shop") for item in everything)
    assert kept and not any(item.category in ("Jazz Club", "Coffee Shop") for item in kept)
    assert [item.item_id for item in kept] == [
        item.item_id for item in everything if item.category not in ("Jazz Club", "Coffee Shop")
    ][: len(kept)]


def test_within_km_keeps_only_places_that_close(recommender):
    latitude, longitude = _last_place("2")
    near = recommender.recommend("2", LATER, latitude, longitude, k=10, within_km=0.5)
    assert near
    assert all(haversine_km(latitude, longitude, item.latitude, item.longitude) <= 0.5 for item in near)
    with pytest.raises(ValueError, match="within_km"):
        recommender.recommend("2", LATER, latitude, longitude, within_km=-1)


def test_beyond_km_keeps_only_places_that_far(recommender):
    latitude, longitude = _last_place("2")
    far = recommender.recommend("2", LATER, latitude, longitude, k=10, beyond_km=1.0)
    assert far
    assert all(haversine_km(latitude, longitude, item.latitude, item.longitude) >= 1.0 for item in far)
    with pytest.raises(ValueError, match="beyond_km"):
        recommender.recommend("2", LATER, latitude, longitude, beyond_km=float("nan"))


def test_popular_orders_what_qualifies_by_how_many_people_go(recommender):
    latitude, longitude = _last_place("3")
    people = HISTORY.groupby("item_id")["user_id"].nunique()
    popular = recommender.recommend("3", LATER, latitude, longitude, k=5, popular=True)
    assert [people.get(item.item_id, 0) for item in popular] == sorted(people.sort_values().tail(5), reverse=True)
    # Filters still hold: the most visited within a kind and a radius, none left out shown.
    coffee = recommender.recommend("3", LATER, latitude, longitude, k=3, category="Coffee", popular=True)
    categories = ITEMS.set_index("item_id")["category"]
    kind = people[[item_id for item_id in people.index if "Coffee" in categories[item_id]]]
    assert [people[item.item_id] for item in coffee] == sorted(kind.sort_values().tail(3), reverse=True)
    without = recommender.recommend("3", LATER, latitude, longitude, k=3, popular=True, exclude=[popular[0].item_id])
    assert popular[0].item_id not in _ids(without)
    # The model's order is another one.
    fitted = recommender.recommend("3", LATER, latitude, longitude, k=5)
    assert _ids(fitted) != _ids(popular)


def test_nearest_orders_what_qualifies_by_distance_wherever_the_point_is(recommender):
    # "Coffee near JFK": from a point 10 km west of the grid, the cafés nearest it, not the user's usual ones.
    latitude, longitude = 40.714, -74.13
    categories = ITEMS.set_index("item_id")["category"]
    coffee = ITEMS[ITEMS["category"].str.contains("Coffee")]
    apart = pd.Series(
        haversine_km(latitude, longitude, coffee["latitude"].to_numpy(), coffee["longitude"].to_numpy()),
        index=coffee["item_id"].to_numpy(),
    ).sort_values(kind="stable")
    nearest = recommender.recommend("3", LATER, latitude, longitude, k=3, category="Coffee", nearest=True)
    assert _ids(nearest) == list(apart.index[:3])
    assert all("Coffee" in categories[item.item_id] for item in nearest)
    # What is left out stays out, and the next nearest takes its place.
    without = recommender.recommend(
        "3", LATER, latitude, longitude, k=3, category="Coffee", nearest=True, exclude=[apart.index[0]]
    )
    assert _ids(without) == list(apart.index[1:4])
    # Beyond a distance, the nearest past it.
    past = recommender.recommend(
        "3", LATER, latitude, longitude, k=1, category="Coffee", nearest=True, beyond_km=float(apart.iloc[1]) + 0.01
    )
    assert _ids(past) == [apart.index[2]]


def test_filtered_lists_keep_the_unfiltered_order(recommender):
    latitude, longitude = _last_place("3")
    everything = recommender.recommend("3", LATER, latitude, longitude, k=40)
    coffee = recommender.recommend("3", LATER, latitude, longitude, k=40, category="Coffee")
    # Matches no source proposed join the list, scored by the same model; every other score is unchanged.
    scores = {item.item_id: item.score for item in everything}
    shared = [item for item in coffee if item.item_id in scores]
    assert shared and len(coffee) == 8
    assert all(item.score == scores[item.item_id] for item in shared)
    assert [item.item_id for item in shared] == [item for item in _ids(everything) if item in _ids(coffee)]
    assert [item.score for item in coffee] == sorted((item.score for item in coffee), reverse=True)


def test_exclude_and_dislikes_are_never_shown(recommender):
    latitude, longitude = _last_place("4")
    first = _ids(recommender.recommend("4", LATER, latitude, longitude, k=5))
    without = _ids(recommender.recommend("4", LATER, latitude, longitude, k=5, exclude=first[:2]))
    assert not set(first[:2]) & set(without)
    assert without[:3] == first[2:]
    dislike = Event(
        user_id="4", item_id=first[0], timestamp=LATER, latitude=latitude, longitude=longitude, action="dislike"
    )
    recommender.observe(dislike)
    assert first[0] not in _ids(recommender.recommend("4", LATER, latitude, longitude, k=5))


def test_muted_categories_drop_every_level_and_keep_the_order(recommender):
    latitude, longitude = _last_place("0")
    everything = recommender.recommend("0", LATER, latitude, longitude, k=40)
    # "Music Venue" is a middle level of the jazz clubs' path; "Cafe" of the coffee shops'.
    kept = recommender.recommend("0", LATER, latitude, longitude, k=40, muted_categories=["music venue", "Cafe"])
    assert any(item.category in ("Jazz Club", "Coffee Shop") for item in everything)
    assert kept and not any(item.category in ("Jazz Club", "Coffee Shop") for item in kept)
    assert (
        _ids(kept)
        == [item.item_id for item in everything if item.category not in ("Jazz Club", "Coffee Shop")][: len(kept)]
    )
    # A word inside a level is no level: "Ven" mutes nothing.
    assert _ids(recommender.recommend("0", LATER, latitude, longitude, k=40, muted_categories=["Ven"])) == _ids(
        everything
    )


def _share(items: list[Recommendation], category: str) -> float:
    return sum(item.category == category for item in items) / len(items)


def test_a_boosted_category_gets_a_larger_share(recommender):
    for user in ("0", "3", "5"):
        latitude, longitude = _last_place(user)
        before = recommender.recommend(user, LATER, latitude, longitude, k=8)
        after = recommender.recommend(user, LATER, latitude, longitude, k=8, boost_categories=["Gym"])
        assert _share(after, "Gym") > _share(before, "Gym") or _share(before, "Gym") == 1.0
        # Scores stay the model's: a boost reorders, it does not rewrite the evidence.
        scores = {item.item_id: item.score for item in before}
        assert all(item.score == scores[item.item_id] for item in after if item.item_id in scores)


def test_a_boost_reaches_the_upper_half_of_the_list_however_low_the_category_scored() -> None:
    ranked = np.array([10.0, 9.0, 8.0, 7.0, 6.0, 0.5, 0.0, -np.inf])
    lift = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    order = np.argsort(-(ranked + boost_amount(ranked, lift, k=4) * lift), kind="stable")
    assert list(order[:4]) == [0, 5, 1, 6]  # the best boosted is second of four, the boosted keep their order
    assert np.isneginf((ranked + boost_amount(ranked, lift, k=4) * lift)[7])  # what cannot be shown stays out
    # A look-alike (lift 0.5) gets half the raise; already near the top, a boost adds one spread only.
    near = np.array([10.0, 9.5, 1.0])
    assert boost_amount(near, np.array([0.0, 1.0, 0.0]), k=2) == pytest.approx(np.std(near))
    assert boost_amount(ranked, np.zeros(len(ranked)), k=4) == pytest.approx(np.std(ranked[:7]))


def test_places_like_a_named_one_go_up_but_not_the_place_itself(recommender):
    latitude, longitude = _last_place("1")
    before = recommender.recommend("1", LATER, latitude, longitude, k=8)
    jazz = ITEMS.loc[ITEMS["category"] == "Jazz Club", "item_id"].iloc[0]
    after = recommender.recommend("1", LATER, latitude, longitude, k=8, boost_like=[jazz])
    assert _share(after, "Jazz Club") > _share(before, "Jazz Club")
    unknown = recommender.recommend("1", LATER, latitude, longitude, k=8, boost_like=["no-such-place"])
    assert _ids(unknown) == _ids(before)


def _events_of(user: str) -> list[Event]:
    mine = HISTORY[HISTORY["user_id"] == user]
    return [
        Event(
            user_id=user, item_id=row.item_id, timestamp=row.timestamp, latitude=row.latitude, longitude=row.longitude
        )
        for row in mine.itertuples()
    ]


def _same_shared_counts(state: HistoryState, expected: HistoryState) -> None:
    for name in ("counts", "visitors", "hours", "hour_totals", "leaf_counts", "leaf_transitions", "covisit_totals"):
        np.testing.assert_allclose(getattr(state, name), getattr(expected, name), atol=1e-9, err_msg=name)
    for name in ("transitions", "covisits", "peers"):
        assert getattr(state, name) == getattr(expected, name), name  # whole counts: exact
    for name in ("decayed", "newcomers"):
        np.testing.assert_allclose(
            getattr(state, name).at(0.0), getattr(expected, name).at(0.0), rtol=1e-9, atol=1e-12, err_msg=name
        )
    assert (state.total, state.events) == (expected.total, expected.events)
    assert state.centroid() == pytest.approx(expected.centroid())


def test_forgetting_a_user_takes_their_part_out_of_the_shared_counts(recommender):
    # What the shared counts would be had user 4 never been seen: everyone else's check-ins, in time order.
    never = recommender.state.alike()
    others = HISTORY[HISTORY["user_id"] != "4"]
    EventStream.from_frame(others, recommender.state.catalogue, recommender.timezone).observe_into(never)
    # Check-ins learnt live, after the fit and out of time order, go too: the state forgets what it learnt, in the
    # order it learnt it, with no events handed to it (a replica hears of a forget after the deletion).
    for event in reversed(_events_of("4")[:3]):
        recommender.observe(event.model_copy(update={"timestamp": event.timestamp + timedelta(days=2)}))
    assert recommender.state.counts.sum() > never.counts.sum()
    assert recommender.training is not None and recommender.training.new_places is not None
    assert "4" in recommender.training.new_places.query_users
    assert recommender.forget("4")
    assert recommender.state.user("4") is None
    assert "4" not in recommender.training.query_users + recommender.training.new_places.query_users
    _same_shared_counts(recommender.state, never)
    # Forgetting again takes nothing more: the user is gone, and so are their counts.
    assert not recommender.forget("4")
    _same_shared_counts(recommender.state, never)


def test_relearning_a_user_without_one_place_forgets_only_it(recommender):
    mine = HISTORY[HISTORY["user_id"] == "6"]
    place = mine["item_id"].value_counts().index[0]
    position = recommender.state.catalogue.positions[place]
    assert position in recommender.state.user("6").slots
    counts = recommender.state.counts.copy()
    events = [
        Event(user_id="6", item_id=row.item_id, timestamp=row.timestamp, latitude=row.latitude, longitude=row.longitude)
        for row in mine.itertuples()
        if row.item_id != place
    ]
    assert recommender.relearn("6", events)
    user = recommender.state.user("6")
    assert position not in user.slots and user.total == len(events)
    # The shared counts lose the forgotten visits, and only them.
    counts[position] -= int((mine["item_id"] == place).sum())
    np.testing.assert_allclose(recommender.state.counts, counts)
    latitude, longitude = _last_place("6")
    assert not any(
        item.is_return for item in recommender.recommend("6", LATER, latitude, longitude, k=40) if item.item_id == place
    )


# Cold start and online learning -------------------------------------------------------------------------------------


def test_an_unknown_user_gets_popular_nearby_places(recommender):
    shown = recommender.recommend("stranger", LATER, 40.71, -74.0, k=5)
    assert len(shown) == 5
    assert not any(item.is_return for item in shown)
    assert all(item.reasons for item in shown)
    scores = recommender.score_all("stranger", LATER, 40.71, -74.0)
    assert _ids(shown) == [ITEMS["item_id"].iloc[p] for p in top_k(scores, 5)]


def test_observing_visits_creates_the_user_and_raises_the_place(recommender):
    target = "v39"  # a gym in the far corner of the grid from where the newcomer is
    latitude, longitude = 40.70, -74.01

    def rank(at: datetime) -> float:
        scores = recommender.score_all("newcomer", at, latitude, longitude)
        return float((scores > scores[ITEMS.index[ITEMS["item_id"] == target][0]]).sum())

    before = rank(LATER)
    assert recommender.state is not None and recommender.state.user("newcomer") is None
    for day in range(4):
        moment = LATER + timedelta(days=day)
        recommender.observe(
            Event(user_id="newcomer", item_id=target, timestamp=moment, latitude=latitude, longitude=longitude)
        )
        recommender.observe(
            Event(
                user_id="newcomer",
                item_id="v07",
                timestamp=moment + timedelta(hours=2),
                latitude=latitude,
                longitude=longitude,
            )
        )
    assert recommender.state.user("newcomer") is not None
    after = rank(LATER + timedelta(days=5))
    assert after < before
    shown = recommender.recommend("newcomer", LATER + timedelta(days=5), latitude, longitude, k=5)
    assert target in _ids(shown)
    assert next(item for item in shown if item.item_id == target).is_return


def test_a_visit_outside_the_catalogue_only_moves_the_user(recommender):
    state = recommender.state
    assert state is not None
    total = state.total
    recommender.observe(Event(user_id="0", item_id="nowhere", timestamp=LATER, latitude=40.75, longitude=-73.98))
    assert state.total == total
    assert state.users["0"].last_place == (40.75, -73.98)
    assert state.users["0"].last_position is None


# Training is leak-free and deterministic ---------------------------------------------------------------------------


def test_training_groups_only_use_the_past(settings):
    """Every feature row of the replay agrees with counts over the events strictly before its query."""
    config = small_config(negatives=1000)
    catalogue = Catalogue.from_items(ITEMS)
    stream = EventStream.from_frame(HISTORY, catalogue, settings.preprocessing.timezone)
    warmup = int(len(stream) * config.warmup_fraction)
    state = config.state(catalogue)
    stream.slice(0, warmup).observe_into(state)
    training = replay_training_groups(
        state,
        stream.slice(warmup),
        config.builder(catalogue, None),
        config.generator(catalogue),
        negatives=1000,
        hard_negatives=1000,
        seed=config.seed,
        discovery=config.discovery_generator(catalogue),
        discovery_negatives=1000,
    )
    new_places = training.new_places
    assert len(training) > 100 and new_places is not None and len(new_places) > 20

    users, positions, seconds = stream.users, stream.positions, stream.seconds
    for groups, only_new in ((training, False), (new_places, True)):
        starts = np.concatenate([[0], np.cumsum(groups.sizes)[:-1]])
        assert np.all(np.diff(groups.query_seconds) >= 0)  # groups in time order
        for group in range(0, len(groups), 7 if not only_new else 1):
            moment, user = groups.query_seconds[group], groups.query_users[group]
            rows = slice(starts[group], starts[group] + groups.sizes[group])
            before = seconds < moment
            truth = positions[(seconds == moment) & (users == user)]
            for row, position in zip(range(rows.start, rows.stop), groups.positions[rows], strict=True):
                mine = int(np.count_nonzero(before & (users == user) & (positions == position)))
                everyone = int(np.count_nonzero(before & (positions == position)))
                assert groups.features[row, column("user_visits")] == mine
                assert groups.features[row, column("popularity_log")] == pytest.approx(math.log1p(everyone))
                assert groups.labels[row] == int(position in truth)
                assert mine == 0 or not only_new  # the discovery ranker's groups hold only places new to the user
            assert groups.labels[rows].sum() == 1
        assert groups.discovery.all() or not only_new
    # The state the replay leaves behind has seen the whole history, as the served one has.
    assert state.total == len(HISTORY)


def test_the_replay_starts_where_the_warmup_ends(trained):
    assert trained.training is not None and trained.state is not None
    cut = HISTORY["timestamp"].iloc[int(len(HISTORY) * trained.config.warmup_fraction)]
    assert trained.training.query_seconds[0] >= (cut - pd.Timestamp(0, tz="UTC")).total_seconds() - 1e-3
    assert trained.state.total == len(HISTORY)


def test_fitting_is_deterministic(settings, trained):
    first, second = trained, fitted(settings)
    for user in ("0", "5", "stranger"):
        np.testing.assert_array_equal(
            first.score_all(user, LATER, 40.71, -74.0), second.score_all(user, LATER, 40.71, -74.0)
        )
    assert first.training is not None and second.training is not None
    np.testing.assert_array_equal(first.training.features, second.training.features)
    other = fitted(settings, seed=7)
    assert other.training is not None
    assert not np.array_equal(other.training.positions, first.training.positions)  # the seed draws the negatives


def test_a_replay_cut_into_spans_gives_the_groups_of_one_pass(settings, trained):
    """What the Ray tasks do (retrieval.batch_ray): each span from a state that counted what precedes it, joined in
    order, gives the one-pass training set, random negatives included."""
    assert trained.training is not None and trained.builder is not None and trained.generator is not None
    config = trained.config
    stream = EventStream.from_frame(HISTORY, trained.catalogue, settings.preprocessing.timezone)
    ranker_from = int(len(stream) * config.warmup_fraction)
    start = min(ranker_from, int(len(stream) * config.discovery_from))
    replay = Replay(config, stream, trained.builder, trained.generator, start, ranker_from, trained.discovery_generator)
    cuts = [replay.start, replay.start + 1, replay.start + 97, len(stream) - 40, len(stream)]
    joined = TrainingSet.joined([replay.span(start, stop) for start, stop in itertools.pairwise(cuts)])
    assert joined.new_places is not None and trained.training.new_places is not None
    for mine, whole in ((joined, trained.training), (joined.new_places, trained.training.new_places)):
        for name in ("features", "labels", "sizes", "query_seconds", "discovery", "positions"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(whole, name), err_msg=name)
        assert mine.query_users == whole.query_users and mine.candidate_counts == whole.candidate_counts
        assert (mine.queries, mine.recalled, mine.discoveries) == (whole.queries, whole.recalled, whole.discoveries)


# The discovery ranker ------------------------------------------------------------------------------------------------


def test_the_discovery_ranker_orders_new_places_in_the_slots_the_ranker_gave_them(settings, trained):
    """Returns keep their scores; new places fill the same scores the ranker gave new places, in the discovery
    ranker's order, drawn from a wider pool than the ranker's."""
    plain = fitted(settings, discovery_scale=0)
    assert trained.discoverer is not None and trained.discoverer.learnt and plain.discoverer is None
    assert plain.training is not None and trained.training is not None
    np.testing.assert_array_equal(plain.training.features, trained.training.features)  # the same ranker
    widened = 0
    for user in ("0", "3", "7", "stranger"):
        where = _last_place(user) if user != "stranger" else (40.71, -74.0)
        ours, theirs = trained.score_all(user, LATER, *where), plain.score_all(user, LATER, *where)
        known = trained.state.user(user)
        returns = known.positions[: len(known)] if known is not None else np.zeros(0, dtype=np.intp)
        np.testing.assert_array_equal(ours[returns], theirs[returns])
        new = np.ones(len(ITEMS), dtype=bool)
        new[returns] = False
        slots = np.sort(theirs[new & np.isfinite(theirs)])[::-1]
        filled = np.sort(ours[new & np.isfinite(ours)])[::-1][: len(slots)]
        # Each is one of the slots' scores (places the discovery ranker ties share one), all of them when none tie.
        assert np.isin(filled, slots).all()
        if len(np.unique(filled)) == len(filled):
            np.testing.assert_array_equal(filled, slots)
        widened += int(np.isfinite(ours[new]).sum() - len(slots))
        assert not np.array_equal(ours[new], theirs[new])  # reordered
    assert widened > 0


def test_new_places_are_explained_by_the_discovery_ranker(recommender):
    shown = recommender.recommend("3", LATER, *_last_place("3"), k=10, surprise=1.0)
    assert shown and not any(place.is_return for place in shown) and all(place.reasons for place in shown)
    scored = recommender._score(recommender._query("3", LATER, *_last_place("3")))
    new = [place.item_id for place in shown]
    rows = np.isin(scored.positions, [recommender.catalogue.positions[item] for item in new])
    assert scored.by_discoverer[rows].all()


def test_in_slots_fills_the_rankers_scores_in_the_discovery_order() -> None:
    discovered = np.array([0.5, 2.0, -1.0, 1.0, 3.0])
    slots = np.array([4.0, 1.0, -2.0])
    mapped = in_slots(discovered, discovered, slots)
    # The three best (3.0, 2.0, 1.0) take 4, 1, -2; the others continue below at slope 1.
    np.testing.assert_allclose(mapped, [-2.5, 1.0, -4.0, -2.0, 4.0])
    # A place only a filter added is mapped by the same function and moves nobody.
    extra = in_slots(np.append(discovered, 5.0), discovered, slots)
    np.testing.assert_allclose(extra[:-1], mapped)
    assert extra[-1] == pytest.approx(6.0)
    assert np.all(np.diff(in_slots(np.linspace(-3, 4, 50), discovered, slots)) >= 0)  # monotone


def test_a_history_too_short_to_learn_from_falls_back_to_the_prior(settings):
    short = HISTORY.iloc[:40]
    recommender = PlaceRecommender(settings, small_config())
    recommender.fit(short, ITEMS)
    assert not recommender.ranker.learnt
    shown = recommender.recommend("0", LATER, *_last_place("0"), k=3)
    assert len(shown) == 3 and all(item.reasons for item in shown)


# Bad input ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_k_must_be_a_positive_whole_number(recommender, k):
    with pytest.raises(ValueError, match="k must be a positive whole number"):
        recommender.recommend("0", LATER, 40.71, -74.0, k=k)


def test_a_huge_k_is_capped_at_what_there_is(recommender):
    shown = recommender.recommend("0", LATER, 40.71, -74.0, k=10**9)
    scores = recommender.score_all("0", LATER, 40.71, -74.0)
    assert len(shown) == int(np.isfinite(scores).sum()) <= len(ITEMS)


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [(math.nan, -74.0, "latitude"), (40.7, math.inf, "longitude"), (91.0, -74.0, "latitude"), (40.7, 200, "longitude")],
)
def test_coordinates_must_be_finite_and_on_earth(recommender, latitude, longitude, message):
    with pytest.raises(ValueError, match=message):
        recommender.recommend("0", LATER, latitude, longitude)
    with pytest.raises(ValueError, match=message):
        recommender.score_all("0", LATER, latitude, longitude)


@pytest.mark.parametrize("surprise", [-0.1, 1.01, math.nan, "lots"])
def test_surprise_must_be_between_0_and_1(recommender, surprise):
    with pytest.raises(ValueError, match="surprise must be a number between 0 and 1"):
        recommender.recommend("0", LATER, 40.71, -74.0, surprise=surprise)


def test_times_need_a_zone_and_users_an_id(recommender):
    with pytest.raises(ValueError, match="no time zone"):
        recommender.recommend("0", LATER.replace(tzinfo=None), 40.71, -74.0)
    with pytest.raises(ValueError, match="user_id"):
        recommender.recommend("", LATER, 40.71, -74.0)


def test_scoring_before_fitting_is_a_clear_error(settings):
    recommender = build_recommender(settings)
    with pytest.raises(NotFittedError, match="fit"):
        recommender.recommend("0", LATER, 40.71, -74.0)
    with pytest.raises(NotFittedError, match="fit"):
        recommender.observe(Event(user_id="0", item_id="v00", timestamp=LATER, latitude=40.7, longitude=-74.0))


# The real data --------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_model_beats_the_baselines_on_the_nyc_test_period(nyc_data_dir: Path, tmp_path: Path, capsys):
    """Acc@10 ≥ 1.05 × counter, Acc@1 ≥ 1.2 × Markov, MRR ≥ counter, discovery Acc@10 ≥ 2 × popularity."""
    assert (
        split.main(
            ["--checkins", str(nyc_data_dir / "checkins.csv.gz"), "--test-fraction", "0.1", "--out-dir", str(tmp_path)]
        )
        == 0
    )
    out = tmp_path / "results.json"
    argv = [
        "--history",
        str(tmp_path / "history.csv.gz"),
        "--test",
        str(tmp_path / "test.csv.gz"),
        "--venues",
        str(nyc_data_dir / "venues.csv.gz"),
        "--out",
        str(out),
    ]
    assert evaluate.main(argv) == 0
    print(capsys.readouterr().out)
    results = json.loads(out.read_text())
    model, counter, markov, popularity = (results[name] for name in ("model", "counter", "markov", "popularity"))
    assert model["all"]["acc@10"] >= 1.05 * counter["all"]["acc@10"]
    assert model["all"]["acc@1"] >= 1.2 * markov["all"]["acc@1"]
    assert model["all"]["mrr"] >= counter["all"]["mrr"]
    assert model["discovery"]["acc@10"] >= 2 * popularity["discovery"]["acc@10"]


# Extreme times ------------------------------------------------------------------------------------------------------


def test_an_event_a_century_ahead_does_not_break_recommending_today(recommender):
    # Stored before events were checked against the horizon, it is replayed at every start.
    latitude, longitude = _last_place("1")
    recommender.observe(
        Event(
            user_id="1",
            item_id=str(ITEMS["item_id"].iloc[0]),
            timestamp="2100-01-01T00:00:00Z",
            latitude=latitude,
            longitude=longitude,
        )
    )
    scores = recommender.score_all("0", LATER, *_last_place("0"))
    assert np.isfinite(scores).sum() >= 10
    assert recommender.recommend("1", LATER, latitude, longitude, k=5)


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+14:00", "2300-01-01T00:00:00Z", "1500-06-01T00:00:00Z"]
)
def test_times_outside_the_representable_range_are_a_clear_error(recommender, at):
    moment = datetime.fromisoformat(at)
    with pytest.raises(ValueError, match=r"at .* is outside the supported range"):
        recommender.recommend("0", moment, 40.71, -74.0)


# Saving ---------------------------------------------------------------------------------------------------------------


class _Marker:
    """Unpickling this creates a file: proof that a pickle was executed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_saved_recommender_loads_back_scoring_the_same(trained, tmp_path):
    path = trained.save(tmp_path / "model.pkl")
    loaded = PlaceRecommender.load(path, trained.settings)
    for user in ("0", "3", "stranger"):
        np.testing.assert_array_equal(
            loaded.score_all(user, LATER, 40.71, -74.0), trained.score_all(user, LATER, 40.71, -74.0)
        )


def test_a_foreign_or_tampered_file_is_refused_before_anything_is_unpickled(trained, tmp_path):
    import pickle

    marker = tmp_path / "executed"
    malicious = pickle.dumps({"format": "place-recommender/3", "state": _Marker(str(marker))})
    path = tmp_path / "model.pkl"
    # Unsigned, then with a forged trailer, then a genuine file with its pickle swapped: none may run.
    genuine = trained.save(tmp_path / "genuine.pkl").read_bytes()
    trailer = genuine[genuine.rindex(b"\nwherenow-hmac-sha256\n") :]
    for content in (malicious, malicious + b"\nwherenow-hmac-sha256\n" + b"\0" * 32, malicious + trailer):
        path.write_bytes(content)
        with pytest.raises(ValueError, match="not a saved recommender"):
            PlaceRecommender.load(path, trained.settings)
        assert not marker.exists()
    pickle.loads(malicious)  # the file really was malicious
    assert marker.exists()


def test_a_file_signed_with_another_key_is_refused(trained, tmp_path):
    path = trained.save(tmp_path / "model.pkl")
    elsewhere = load_settings(state_dir=tmp_path / "state", models={"cache_dir": tmp_path / "other-machine"})
    with pytest.raises(ValueError, match="signed on this machine"):
        PlaceRecommender.load(path, elsewhere)
    assert PlaceRecommender.load(path, trained.settings).state is not None


def _unit_rows(count: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, 8)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_discovery_context_reaches_the_discovery_ranker_alone(tmp_path):
    settings = load_settings(state_dir=tmp_path / "state")
    config = small_config(use_embeddings=True, discovery_context=7, context_pool=20)
    model = PlaceRecommender(
        settings,
        config,
        embedder=lambda items: _unit_rows(len(items), 0),
        text_embedder=lambda batch: _unit_rows(len(batch), 1),
    )
    model.fit(HISTORY, ITEMS)
    context = SOURCES.index("context")
    assert config.reads_context and model.generator.limits[context] == 0
    assert model.discovery_generator is not None and model.discovery_generator.limits[context] == 7
    features = model._score(model._query("3", LATER, *_last_place("3"))).features
    intent = features[:, column("context_similarity")]
    assert np.isfinite(intent).all()
    # The ranker reads the context column as missing: any value there leaves its scores as they were.
    shuffled = features.copy()
    shuffled[:, column("context_similarity")] = -intent
    np.testing.assert_array_equal(model.ranker.predict(shuffled), model.ranker.predict(features))
    assert model.ranker.learnt and list(model.ranker.blind) == [column(name) for name in CONTEXT_COLUMNS]


def test_the_context_source_and_its_feature_come_from_the_encoder_and_survive_a_reload(tmp_path):
    settings = load_settings(state_dir=tmp_path / "state")
    phrases: list[list[str]] = []

    def texts(batch: list[str]) -> np.ndarray:
        phrases.append(batch)
        return _unit_rows(len(batch), 1)

    config = small_config(use_embeddings=True, context=5, context_pool=20)
    model = PlaceRecommender(settings, config, embedder=lambda items: _unit_rows(len(items), 0), text_embedder=texts)
    model.fit(HISTORY, ITEMS)
    assert phrases == [[describe_hour(hour) for hour in range(168)]]
    query = model._query("3", LATER, *_last_place("3"))
    scored = model._score(query)
    context, features = scored.context, scored.features
    assert context.intent is not None
    # The context source ranks its pool (20 places) and proposes its first 5, all of them scored.
    ranks = features[:, column("rank_context")]
    assert np.isfinite(ranks).sum() <= 20 and sorted(ranks[ranks < 5].tolist()) == [0, 1, 2, 3, 4]
    assert np.isfinite(features[:, column("context_similarity")]).all()
    loaded = PlaceRecommender.load(model.save(tmp_path / "model.pkl"), settings)
    np.testing.assert_array_equal(
        loaded.score_all("3", LATER, *_last_place("3")), model.score_all("3", LATER, *_last_place("3"))
    )
    # Without the encoder's context (the default) nothing is encoded and the column stays empty.
    plain_scored = fitted(settings)._score(query)
    plain, rows = plain_scored.context, plain_scored.features
    assert plain.intent is None and np.isnan(rows[:, column("context_similarity")]).all()


def test_a_place_is_not_busy_to_a_user_because_of_their_own_visits() -> None:
    items = pd.DataFrame(
        {"item_id": ["A"], "name": ["Joe"], "category": ["Bar"], "latitude": [40.73], "longitude": [-73.99]}
    )
    catalogue = Catalogue.from_items(items)
    state = HistoryState(
        catalogue, recency_half_life_hours=24.0, popularity_half_life_hours=48.0, recent_size=3, covisit_window=2
    )
    friday_evening = 4 * 24 + 20
    for week in range(12):  # a regular: every Friday evening
        state.observe("regular", 0, week * 604_800.0, friday_evening, 40.73, -73.99)
    for hour in range(0, 168, 14):  # everyone else: spread over the week
        state.observe("other", 0, hour * 3600.0, hour, 40.73, -73.99)
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=3.0, distance_bandwidth_km=1.0, embeddings=None)
    row = np.zeros(len(FEATURE_NAMES))

    def busy_to(user: str) -> str | None:
        query = Query(user, 12 * 604_800.0, friday_evening, 40.73, -73.99)
        return _Explainer(state, builder, builder.context(state, query)).render("popular_now", 0, row)

    assert busy_to("newcomer") == "busy on Friday evenings"
    assert busy_to("regular") is None


def test_people_who_go_to_a_place_are_other_people_than_the_user() -> None:
    items = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "name": ["Joe", "Blue Bottle"],
            "category": ["Bar", "Coffee Shop"],
            "latitude": [40.73, 40.74],
            "longitude": [-73.99, -73.98],
        }
    )
    catalogue = Catalogue.from_items(items)
    state = HistoryState(
        catalogue, recency_half_life_hours=24.0, popularity_half_life_hours=48.0, recent_size=3, covisit_window=2
    )
    for visit in range(8):  # only the user goes from Joe to Blue Bottle, again and again
        state.observe("me", 0, visit * 7200.0, 10, 40.73, -73.99)
        state.observe("me", 1, visit * 7200.0 + 3600, 11, 40.74, -73.98)
    state.observe("me", 0, 58_000.0, 10, 40.73, -73.99)  # and is at Joe now
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=3.0, distance_bandwidth_km=1.0, embeddings=None)
    row = np.zeros(len(FEATURE_NAMES))
    row[column("covisit_share")] = row[column("transitions")] = 1.0

    def said(user: str, group: str) -> str | None:
        query = Query(user, 60_000.0, 12, 40.73, -73.99)
        context = builder.context(state, query)
        row[column("transitions")] = state.transitions.get(0, {}).get(1, 0.0)
        return _Explainer(state, builder, context).render(group, 1, row)

    assert said("me", "covisit") is None and said("me", "transition") is None
    for visit in range(3):  # three other people do the same
        state.observe(f"other{visit}", 0, 59_000.0 + visit, 10, 40.73, -73.99)
        state.observe(f"other{visit}", 1, 59_100.0 + visit, 11, 40.74, -73.98)
    assert said("me", "covisit") == "people who go to Joe also go here"
    assert said("me", "transition") == "people often come here after Joe (3 times)"


def test_a_place_is_never_said_to_come_after_itself() -> None:
    items = pd.DataFrame(
        {"item_id": ["A"], "name": ["Alewife"], "category": ["Bar"], "latitude": [40.74], "longitude": [-73.94]}
    )
    catalogue = Catalogue.from_items(items)
    state = HistoryState(
        catalogue, recency_half_life_hours=24.0, popularity_half_life_hours=48.0, recent_size=3, covisit_window=2
    )
    for person in ("me", "a", "b", "c"):  # everyone checks in twice in a row at Alewife, the user three times
        for visit in range(2 if person != "me" else 4):
            state.observe(person, 0, visit * 7200.0 + ord(person[0]), 20, 40.74, -73.94)
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=3.0, distance_bandwidth_km=1.0, embeddings=None)
    context = builder.context(state, Query("me", 40_000.0, 21, 40.74, -73.94))
    row = np.zeros(len(FEATURE_NAMES))
    row[column("transitions")] = state.transitions[0][0]
    row[column("own_transitions")] = context.own_transitions[0]
    assert row[column("transitions")] - row[column("own_transitions")] >= 3 and row[column("own_transitions")] >= 3
    explainer = _Explainer(state, builder, context)
    assert explainer.render("transition", 0, row) is None
    assert explainer.render("own_transition", 0, row) is None
