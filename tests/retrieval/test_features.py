"""The ranker's state and features: hours of the week, decayed counts, what observe() remembers, feature values."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from profiles.encoder import intent_vector
from profiles.geo import haversine_km
from profiles.preprocessing import hour_of_week, local_hour_of_week, local_times
from retrieval.candidates import CandidateGenerator
from retrieval.catalogue import Catalogue
from retrieval.features import FEATURE_GROUPS, FEATURE_NAMES, SOURCES, FeatureBuilder, Query, circular_kernel, column
from retrieval.history import DecayedCounts, EventStream, HistoryState, epoch_seconds

T0 = datetime(2012, 6, 4, 12, 0, tzinfo=UTC)  # a Monday, 08:00 in New York
ZONE = "America/New_York"


def make_items() -> pd.DataFrame:
    names = ["Joe", "Fat Cat", "", "Union Square", "Pastis"]
    paths = [
        "Dining and Drinking > Cafe > Coffee Shop",
        "Arts and Entertainment > Music Venue > Jazz and Blues Venue",
        "Residence > Home (private)",
        "Landmarks and Outdoors > Park",
        "Dining and Drinking > Restaurant > French Restaurant",
    ]
    return pd.DataFrame(
        {
            "item_id": list("ABCDE"),
            "name": names,
            "category": [path.split(" > ")[-1] for path in paths],
            "category_path": paths,
            "description": "",
            "latitude": [40.730, 40.733, 40.710, 40.736, 40.740],
            "longitude": [-73.990, -74.003, -73.950, -73.991, -74.006],
        }
    )


def make_state(catalogue: Catalogue) -> HistoryState:
    return HistoryState(
        catalogue, recency_half_life_hours=24.0, popularity_half_life_hours=48.0, recent_size=3, covisit_window=2
    )


def visit(state: HistoryState, user: str, item: str, at: datetime) -> None:
    position = state.catalogue.positions.get(item)
    latitude, longitude = (
        (40.0, -74.0) if position is None else (state.catalogue.latitude[position], state.catalogue.longitude[position])
    )
    hour = local_hour_of_week(at, latitude, longitude, ZONE)
    state.observe(user, position, epoch_seconds(at), hour, float(latitude), float(longitude))


def test_hour_of_week_matches_the_preprocessing_definition_across_dst():
    moments = [
        T0,
        datetime(2012, 11, 4, 5, 30, tzinfo=UTC),
        datetime(2012, 11, 4, 6, 30, tzinfo=UTC),
        datetime(2012, 3, 11, 7, 30, tzinfo=UTC),
        datetime(2012, 12, 30, 4, 59, tzinfo=UTC),
    ]
    local, _ = local_times(pd.Series(pd.to_datetime(moments, utc=True)), None, None, ZONE)
    expected = hour_of_week(local).tolist()
    assert [local_hour_of_week(moment, 40.7, -74.0, ZONE) for moment in moments] == expected
    assert local_hour_of_week(T0, 40.7, -74.0, ZONE) == 8  # Monday 08:00
    assert local_hour_of_week(T0, 40.7, -74.0, "auto") == 8
    with pytest.raises(ValueError, match="no time zone"):
        local_hour_of_week(T0.replace(tzinfo=None), 40.7, -74.0, ZONE)


def test_the_week_kernel_wraps_sunday_night_into_monday_morning():
    week = circular_kernel(3.0, 168)
    assert week.shape == (168, 168)
    np.testing.assert_allclose(week, week.T)
    assert week[0, 167] == pytest.approx(week[0, 1]) == pytest.approx(math.exp(-1 / 18))
    assert week[0, 84] < 1e-100
    day = circular_kernel(3.0, 24)
    assert day[8, 8 + 24 * 3] == 1.0  # every day's 08:00 is the same hour of the day
    assert day[23, 24] == pytest.approx(week[23, 24])


def test_decayed_counts_halve_every_half_life_far_apart_too():
    counts = DecayedCounts(2, half_life=10.0)
    counts.add(0, 0.0)
    assert counts.at(10.0)[0] == pytest.approx(0.5)
    counts.add(0, 10.0)
    assert counts.at(20.0)[0] == pytest.approx(0.25 + 0.5)
    counts.add(1, 10.0 * 1000)  # a thousand half-lives later
    assert counts.at(10.0 * 1000).tolist() == pytest.approx([0.0, 1.0])
    assert counts.log2_at(20.0).tolist() == pytest.approx([math.log2(0.75), 998.0])  # no overflow looking back


def test_observe_counts_places_users_transitions_and_categories():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    for hours, (user, item) in enumerate([("u", "A"), ("u", "B"), ("u", "A"), ("v", "A"), ("v", "Z")]):
        visit(state, user, item, T0 + timedelta(hours=hours))
    a, b = catalogue.positions["A"], catalogue.positions["B"]
    assert state.counts[a] == 3 and state.visitors[a] == 2 and state.total == 4
    assert state.transitions == {a: {b: 1.0}, b: {a: 1.0}}
    assert state.covisits[a][b] == state.covisits[b][a] == 2.0  # A-B and B-A, both ways
    u = state.users["u"]
    assert u.total == 3 and u.returns == 1 and len(u) == 2
    assert u.counts[u.slots[a]] == 2 and u.last_position == a
    assert list(u.recent) == [b, a]
    assert catalogue.leaf_names[catalogue.leaf[b]] == "Jazz and Blues Venue"
    assert catalogue.top_names[catalogue.top[b]] == "Arts and Entertainment"
    assert u.leaf_counts[int(catalogue.leaf[a])] == 2
    # Z is outside the catalogue: v moved there, nothing was counted.
    v = state.users["v"]
    assert v.last_position is None and v.last_place == (40.0, -74.0) and v.total == 1


def test_event_streams_keep_visits_in_time_order_with_the_same_clock():
    items = make_items()
    catalogue = Catalogue.from_items(items)
    events = pd.DataFrame(
        {
            "user_id": ["u", "u", "v"],
            "item_id": ["B", "A", "Q"],
            "timestamp": pd.to_datetime([T0 + timedelta(hours=2), T0, T0 + timedelta(hours=1)], utc=True),
            "latitude": [40.7, 40.7, 40.7],
            "longitude": [-74.0, -74.0, -74.0],
            "action": ["visit", "visit", "visit"],
            "text": None,
            "category": None,
        }
    )
    events = pd.concat([events, events.iloc[[0]].assign(action="like")], ignore_index=True)
    stream = EventStream.from_frame(events, catalogue, ZONE)
    assert stream.users.tolist() == ["u", "v", "u"]
    assert stream.positions.tolist() == [0, -1, 1]
    assert stream.seconds.tolist() == [epoch_seconds(T0 + timedelta(hours=h)) for h in range(3)]
    assert stream.hours.tolist() == [8, 9, 10]


def _built(state: HistoryState, builder: FeatureBuilder, query: Query) -> np.ndarray:
    positions = np.arange(len(state.catalogue))
    ranks = np.full((len(positions), len(SOURCES)), np.inf)
    ranks[0, 1] = 4.0
    features = builder.build(state, builder.context(state, query), positions, ranks)
    assert features[0, column("rank_nearby")] == 4.0
    assert np.isnan(features[1:, column("rank_nearby")]).all()
    return features


def test_features_describe_the_past_of_the_user_and_the_place():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    for day in range(3):
        visit(state, "u", "A", T0 + timedelta(days=day))  # coffee at 08:00
        visit(state, "u", "B", T0 + timedelta(days=day, hours=12))  # jazz at 20:00
        visit(state, "w", "B", T0 + timedelta(days=day, hours=13))
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=None)
    at = T0 + timedelta(days=7, hours=-0.5)  # the next Monday 07:30, just before coffee time
    query = Query("u", epoch_seconds(at), local_hour_of_week(at, 40.73, -73.99, ZONE), 40.733, -74.003)
    features = _built(state, builder, query)
    assert features.shape == (len(catalogue), len(FEATURE_NAMES))
    a, b, d = (catalogue.positions[item] for item in "ABD")

    def value(name: str, position: int) -> float:
        return float(features[position, column(name)])

    assert value("user_visits", a) == 3 and value("user_visits", d) == 0
    assert value("user_share", a) == pytest.approx(0.5)
    assert value("hours_since_visit", a) == pytest.approx(5 * 24 - 0.5)
    assert math.isnan(value("hours_since_visit", d))
    assert value("is_last_place", b) == 1 and value("is_last_place", a) == 0
    # At 07:30 the coffee habit dominates the user's routine; at this hour nobody goes to the jazz club.
    assert value("user_week_affinity", a) > 0.5 > value("user_week_affinity", b)
    assert value("user_day_affinity", a) > value("user_day_affinity", b)
    assert value("distance_km", a) == pytest.approx(float(haversine_km(40.733, -74.003, 40.730, -73.990)))
    assert value("distance_km", b) == pytest.approx(0.0)
    assert value("transitions", a) == 2  # B → A twice (u), the last place is B
    assert value("own_transitions", a) == 2
    assert value("popularity_log", b) == pytest.approx(math.log1p(6))
    assert value("leaf_share", a) == pytest.approx(0.5)
    assert value("hours_since_last_checkin", a) == pytest.approx(4 * 24 + 11.5)
    assert value("known_places_near_query", a) == 2
    assert math.isnan(value("similarity", a))  # no embeddings


def test_a_stranger_gets_place_features_only():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    visit(state, "u", "A", T0)
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=None)
    query = Query("nobody", epoch_seconds(T0 + timedelta(hours=1)), 9, 40.73, -73.99)
    features = _built(state, builder, query)
    assert (features[:, column("user_visits")] == 0).all()
    assert np.isfinite(features[:, column("popularity_log")]).all()
    assert np.isnan(features[:, column("hours_since_last_checkin")]).all()


def test_embeddings_give_the_similarity_to_recent_places():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    visit(state, "u", "A", T0)
    embeddings = np.eye(5, dtype=np.float32)
    embeddings[4] = np.array([1, 0, 0, 0, 1]) / math.sqrt(2)  # E is half like A
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=embeddings)
    query = Query("u", epoch_seconds(T0 + timedelta(hours=1)), 9, 40.73, -73.99)
    features = _built(state, builder, query)
    assert features[:, column("similarity")].tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0, math.sqrt(0.5)])
    with pytest.raises(ValueError, match="embeddings for"):
        FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=embeddings[:3])


def test_every_feature_has_a_reason_group():
    assert set(FEATURE_GROUPS) == set(FEATURE_NAMES)
    assert {f"rank_{source}" for source in SOURCES} <= set(FEATURE_NAMES)


def test_candidates_merge_the_sources_without_duplicates():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    visit(state, "u", "C", T0)
    visit(state, "w", "C", T0 + timedelta(hours=1))
    visit(state, "w", "E", T0 + timedelta(hours=2))
    generator = CandidateGenerator(
        catalogue, repertoire=10, nearby=2, pool=3, transitions=5, covisits=5, peers=5, similar=0, popular_now=1
    )
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=None)
    query = Query("u", epoch_seconds(T0 + timedelta(hours=3)), 11, 40.733, -74.003)  # at Fat Cat (B)
    ranks = generator.rank(state, builder.context(state, query))
    candidates = ranks.candidates()
    assert candidates.positions.tolist() == sorted(set(candidates.positions.tolist()))
    proposed = candidates.ranks < generator.limits
    assert proposed.any(axis=1).all()
    flags = {
        catalogue.ids[p]: dict(zip(SOURCES, row, strict=True))
        for p, row in zip(candidates.positions, proposed, strict=True)
    }
    distance = haversine_km(40.733, -74.003, catalogue.latitude, catalogue.longitude)
    nearest_two = {catalogue.ids[p] for p in np.argsort(distance)[:2]}
    assert {item for item, row in flags.items() if row["nearby"]} == nearest_two
    assert flags["C"]["repertoire"]  # u's own place
    assert flags["E"]["transition"]  # people go C → E
    assert flags["E"]["covisit"]
    assert generator.nearest(40.733, -74.003, 10).tolist() == np.argsort(distance, kind="stable").tolist()
    # Every place has a rank in every source, proposed or not: nearby ranks the pool by distance.
    pool = ranks.ranks[:, SOURCES.index("nearby")]
    assert np.argsort(pool)[:3].tolist() == np.argsort(distance)[:3].tolist()
    assert np.isinf(pool).sum() == len(catalogue) - 3
    assert ranks.ranks[catalogue.positions["C"], SOURCES.index("repertoire")] == 0
    assert np.isinf(np.delete(ranks.ranks[:, SOURCES.index("repertoire")], catalogue.positions["C"])).all()


def test_the_context_vector_proposes_places_like_the_hour_and_the_last_places():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    visit(state, "u", "A", T0)  # coffee, then jazz: the context is the jazz club, then the coffee shop
    visit(state, "u", "B", T0 + timedelta(hours=1))
    embeddings = np.eye(5, dtype=np.float32)
    embeddings[4] = np.array([0, 1, 0, 0, 1]) / math.sqrt(2)  # Pastis is half like the jazz club
    hours = np.zeros((168, 5), dtype=np.float32)
    hours[:, 3] = 1.0  # every hour's phrase is like the park
    builder = FeatureBuilder(
        catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=embeddings, hour_vectors=hours
    )
    query = Query("u", epoch_seconds(T0 + timedelta(hours=2)), 10, 40.733, -74.003)
    context = builder.context(state, query)
    expected = intent_vector(hours[10], embeddings[[1, 0]])
    np.testing.assert_allclose(context.intent, expected, atol=1e-6)
    # Latest place weighs 1, the one before 1/2, the hour 1/2 (HOUR_WEIGHT): B > A = D > E·... > C.
    similarity = builder.build(state, context, np.arange(5), np.full((5, len(SOURCES)), np.inf))
    values = similarity[:, column("context_similarity")]
    assert values[1] > values[0] == pytest.approx(values[3]) and values[2] == 0
    generator = CandidateGenerator(
        catalogue,
        repertoire=0,
        nearby=0,
        pool=5,
        transitions=0,
        covisits=0,
        peers=0,
        similar=0,
        popular_now=0,
        context=2,
        context_pool=5,
    )
    ranks = generator.rank(state, context)
    order = np.argsort(ranks.ranks[:, SOURCES.index("context")], kind="stable")
    assert catalogue.ids[order[0]] == "B"
    assert {catalogue.ids[p] for p in ranks.candidates().positions} == {"B", catalogue.ids[order[1]]}
    # Without hour vectors there is no context vector, so no context source and a NaN column.
    plain = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=embeddings)
    context = plain.context(state, query)
    assert context.intent is None
    assert np.isinf(generator.rank(state, context).ranks[:, SOURCES.index("context")]).all()


def test_a_query_at_a_past_time_knows_only_the_users_visits_until_then():
    catalogue = Catalogue.from_items(make_items())
    state = make_state(catalogue)
    for hours, item in enumerate(["A", "B", "C", "D"]):
        visit(state, "u", item, T0 + timedelta(hours=hours))
    visit(state, "v", "E", T0 + timedelta(hours=10))
    then = epoch_seconds(T0 + timedelta(hours=1, minutes=30))
    past = state.user_as_of("u", then)
    assert past is not None and past is not state.users["u"]
    assert sorted(catalogue.ids[past.positions[: len(past)]]) == ["A", "B"]
    assert past.last_position == catalogue.positions["B"] and past.total == 2
    assert state.user_as_of("u", epoch_seconds(T0 + timedelta(hours=5))) is state.users["u"]  # nothing later: itself
    assert state.user_as_of("u", epoch_seconds(T0 - timedelta(hours=1))) is None  # nothing yet
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=2.0, distance_bandwidth_km=2.0, embeddings=None)
    query = Query(user_id="u", seconds=then, hour=9, latitude=40.73, longitude=-73.99)
    assert builder.context(state, query).user.total == 2
