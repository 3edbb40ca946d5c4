"""One user's activity on a hand-built frame: their places (visits, feedback, names, order) and weekly rhythm."""

from __future__ import annotations

import pandas as pd
import pytest

from profiles.activity import (
    EVENT_MIN_PEOPLE,
    PLACE_COLUMNS,
    SLICE_COLUMNS,
    kind_change,
    one_off_events,
    place_slices,
    place_visits,
    user_events,
    user_habits,
    user_places,
    user_rhythm,
    usual_whereabouts,
    week_grid,
)


@pytest.fixture
def items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["cafe", "bar", "gym", "park"],
            "name": ["Corner Cafe", "Old Bar", "", "Riverside Park"],
            "category": ["Cafe", "Bar", "Gym", "Park"],
        }
    )


@pytest.fixture
def events() -> pd.DataFrame:
    """User "u": the cafe three times (then liked, then disliked), the bar once (liked), the gym once, and a place
    missing from the catalogue; user "v": the park. ``hour_of_week`` is 0 for Monday 00:00."""
    rows = [
        ("u", "cafe", "2012-06-04T12:00Z", 40.7200, -74.0000, "visit", 8),  # Monday 08:00
        ("u", "cafe", "2012-06-05T12:00Z", 40.7210, -74.0010, "visit", 24 + 8),  # Tuesday 08:00
        ("u", "cafe", "2012-06-11T12:00Z", 40.7230, -74.0030, None, 8),  # Monday 08:00; no action: a visit
        ("u", "cafe", "2012-06-12T12:00Z", 40.7200, -74.0000, "like", 24 + 9),
        ("u", "cafe", "2012-06-13T12:00Z", 40.7200, -74.0000, "dislike", 48 + 9),
        ("u", "bar", "2012-06-09T02:00Z", 40.7300, -73.9900, "visit", 5 * 24 + 22),  # Saturday 22:00
        ("u", "bar", "2012-06-10T02:00Z", 40.7300, -73.9900, "like", 6 * 24 + 22),
        ("u", "gym", "2012-06-06T22:00Z", 40.7400, -73.9800, "visit", 8),  # Monday 08:00 again
        ("u", "nowhere", "2012-06-07T22:00Z", 40.7500, -73.9700, "visit", 3 * 24 + 18),
        ("v", "park", "2012-06-04T16:00Z", 40.7000, -74.0100, "visit", 12),
    ]
    frame = pd.DataFrame(
        rows, columns=["user_id", "item_id", "timestamp", "latitude", "longitude", "action", "hour_of_week"]
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def test_user_events_are_the_users_rows_and_empty_without_events_or_user(events: pd.DataFrame) -> None:
    assert user_events(events, "v")["item_id"].tolist() == ["park"]
    assert len(user_events(events, "u")) == 9
    assert user_events(None, "u").empty and user_events(events, "").empty
    assert user_events(events, "nobody").empty


def test_places_count_visits_likes_and_dislikes_most_visited_first(events: pd.DataFrame, items: pd.DataFrame) -> None:
    places = user_places(events, items, "u")
    assert list(places.columns) == list(PLACE_COLUMNS)
    # The cafe (3 visits) first; then the one-visit places by their last event, latest first: the bar (its like on
    # the 10th), the uncatalogued place (the 7th), the gym (the 6th).
    assert places["item_id"].tolist() == ["cafe", "bar", "nowhere", "gym"]
    cafe = places.iloc[0]
    assert (cafe["visits"], cafe["likes"], cafe["dislikes"]) == (3, 1, 1)
    assert cafe["latitude"] == pytest.approx(40.72) and cafe["longitude"] == pytest.approx(-74.0)  # the median
    assert cafe["last"] == pd.Timestamp("2012-06-13T12:00Z")
    bar = places.iloc[1]
    assert (bar["visits"], bar["likes"], bar["dislikes"], bar["feedback"]) == (1, 1, 0, "like")


def test_the_latest_feedback_wins_and_unrated_places_have_none(events: pd.DataFrame, items: pd.DataFrame) -> None:
    feedback = user_places(events, items, "u").set_index("item_id")["feedback"]
    assert feedback.to_dict() == {"cafe": "dislike", "bar": "like", "nowhere": "", "gym": ""}


def test_places_are_named_from_the_catalogue_else_after_their_category(
    events: pd.DataFrame, items: pd.DataFrame
) -> None:
    places = user_places(events, items, "u").set_index("item_id")
    assert places.loc["cafe", "name"] == "Corner Cafe" and places.loc["cafe", "category"] == "Cafe"
    assert places.loc["gym", "name"] == "a Gym"  # no name in the catalogue
    assert places.loc["nowhere", "name"] == "a place" and places.loc["nowhere", "category"] == ""


def test_no_places_without_events(events: pd.DataFrame, items: pd.DataFrame) -> None:
    for places in (user_places(None, items, "u"), user_places(events, items, "nobody"), user_places(events, items, "")):
        assert places.empty and list(places.columns) == list(PLACE_COLUMNS)


def test_week_grid_counts_cells_and_breaks_ties_alphabetically() -> None:
    grid = week_grid([0, 0, 2, 6], [8, 8, 13, 23], ["Gym", "Cafe", "Bar", "Bar"])
    assert grid.shape == (7, 24) and grid.index[0] == "Monday" and grid.index[6] == "Sunday"
    assert grid.loc["Monday", 8] == 2 and grid.loc["Wednesday", 13] == 1 and grid.loc["Sunday", 23] == 1
    assert int(grid.to_numpy().sum()) == 4
    top = grid.attrs["top"]
    assert top.loc["Monday", 8] == "Cafe"  # one each: the first alphabetically
    assert top.loc["Wednesday", 13] == "Bar" and top.loc["Friday", 0] == ""
    assert "top" not in week_grid([1], [2]).attrs  # without labels


def test_user_rhythm_counts_every_action_by_hour_of_week_with_the_top_category(
    events: pd.DataFrame, items: pd.DataFrame
) -> None:
    grid = user_rhythm(events, items, "u")
    assert int(grid.to_numpy().sum()) == 9  # visits, likes and dislikes alike
    assert grid.loc["Monday", 8] == 3 and grid.loc["Tuesday", 8] == 1 and grid.loc["Saturday", 22] == 1
    assert grid.loc["Tuesday", 9] == 1 and grid.loc["Wednesday", 9] == 1 and grid.loc["Sunday", 22] == 1
    top = grid.attrs["top"]
    assert top.loc["Monday", 8] == "Cafe"  # two cafe check-ins beat one at the gym
    assert top.loc["Thursday", 18] == ""  # a place missing from the catalogue has no category
    assert top.loc["Saturday", 22] == "Bar"


def test_user_rhythm_falls_back_to_local_time(events: pd.DataFrame, items: pd.DataFrame) -> None:
    local = events.drop(columns="hour_of_week").assign(
        local_time=pd.to_datetime(["2012-06-04T08:00", "2012-06-05T08:00", *["2012-06-10T23:00"] * 8])
    )
    grid = user_rhythm(local, items, "u")
    assert grid.loc["Monday", 8] == 1 and grid.loc["Tuesday", 8] == 1 and grid.loc["Sunday", 23] == 7
    assert grid.attrs["top"].loc["Sunday", 23] == "Cafe"  # 3 cafe events beat 2 bar, 1 gym and 1 uncatalogued


def test_a_places_visits_by_slice_of_the_week_count_visits_and_people(events: pd.DataFrame) -> None:
    visits = place_visits(events, "cafe")
    assert len(visits) == 3  # a like or a dislike is not a visit; a row without an action is
    slices = place_slices(visits)
    assert list(slices.columns) == list(SLICE_COLUMNS)
    assert slices.to_dict("records") == [
        {"weekday": 0, "daypart": "morning", "visits": 2, "users": 1},
        {"weekday": 1, "daypart": "morning", "visits": 1, "users": 1},
    ]
    week = place_slices(visits, by_weekday=False)
    assert week.to_dict("records") == [{"weekday": -1, "daypart": "morning", "visits": 3, "users": 1}]
    assert place_slices(place_visits(events, "nowhere-at-all")).empty
    assert place_visits(None, "cafe").empty


def test_a_change_of_kinds_compares_the_latest_visits_with_all_before(items: pd.DataFrame) -> None:
    """Cafés in May, bars in the last week of June: the bar's share rises by as much as the café's falls."""
    stamps = [f"2012-05-{day:02d}T12:00Z" for day in range(1, 11)]
    stamps += [f"2012-06-{day:02d}T23:00Z" for day in (25, 27, 29)]
    places = ["cafe"] * 8 + ["bar"] * 2 + ["bar", "bar", "cafe"]
    frame = pd.DataFrame({"user_id": "u", "item_id": places, "timestamp": pd.to_datetime(stamps, utc=True)})
    frame["hour_of_week"], frame["action"], frame["latitude"], frame["longitude"] = 12, "visit", 40.72, -74.0
    until = pd.Timestamp("2012-12-01T00:00Z").to_pydatetime()  # long after: the latest month is the user's own
    table, start = kind_change(frame, items, "u", recent_days=30, until=until)
    assert start == pd.Timestamp("2012-05-30T23:00Z").to_pydatetime()
    rows = table.set_index("kind")
    assert rows.loc["Bar", ["recent", "earlier"]].tolist() == [2, 2]
    assert rows.loc["Cafe", ["recent", "earlier"]].tolist() == [1, 8]
    assert rows.loc["Bar", "shift"] == pytest.approx(2 / 3 - 2 / 10)
    assert rows.loc["Cafe", "shift"] == pytest.approx(-(2 / 3 - 2 / 10))
    # Nothing after ``until`` counts: a month ending in May has no June in it.
    may, _ = kind_change(frame, items, "u", recent_days=30, until=pd.Timestamp("2012-05-31T00:00Z").to_pydatetime())
    assert may.set_index("kind").loc["Bar", "recent"] == 2 and may["earlier"].sum() == 0
    assert kind_change(frame, items, "nobody", recent_days=30, until=until)[1] is None


def _visits_at(rows: list[tuple[str, float, float, int]], days: list[int] | None = None) -> pd.DataFrame:
    """Visits of one user: (place, latitude, longitude, local hour of the week), each on its own day unless ``days``
    (days after May 1, 2012, one per row) say otherwise."""
    frame = pd.DataFrame(rows, columns=["item_id", "latitude", "longitude", "hour_of_week"])
    frame["user_id"] = "u"
    offsets = pd.to_timedelta(days if days is not None else range(len(frame)), unit="D")
    frame["timestamp"] = pd.Timestamp("2012-05-01T12:00Z") + offsets + pd.to_timedelta(frame.index, unit="s")
    return frame


def test_usual_whereabouts_is_the_busiest_neighbourhood_at_that_time_of_the_week() -> None:
    home = [("home", 40.745, -73.953, day * 24 + 8) for day in range(5)]  # weekday mornings in Long Island City
    bars = [("bar", 40.7265, -73.9815, 5 * 24 + 22), ("pub", 40.7270, -73.9820, 5 * 24 + 23)] * 2  # Saturday nights
    airport = [("airport", 40.6413, -73.7781, 2 * 24 + 9)]
    visits = _visits_at(home + bars + airport)
    assert usual_whereabouts(visits, 3 * 24 + 9) == (40.745, -73.953, True)  # Thursday morning: home
    # Saturday night: the East Village, where the two bars (four visits, 70 m apart) count together.
    usual = usual_whereabouts(visits, 5 * 24 + 23)
    assert usual is not None and usual[:2] in {(40.7265, -73.9815), (40.7270, -73.9820)} and usual.at_that_time
    # Sunday afternoon, when the user was never seen: where they are most of all.
    assert usual_whereabouts(visits, 6 * 24 + 15) == (40.745, -73.953, False)
    assert usual_whereabouts(visits.iloc[:0], 8) is None


def test_one_trips_check_ins_are_one_day_of_whereabouts() -> None:
    # Two check-ins at the airport seconds apart on one Saturday morning are one day there; a gym on two Saturday
    # mornings is where the user usually is then.
    # The same goes for the airport and its terminal, two places of one trip.
    airport = [("airport", 40.6413, -73.7781, 5 * 24 + 9)] * 2 + [("terminal", 40.6451, -73.7845, 5 * 24 + 9)]
    gym = [("gym", 40.7708, -73.9550, 5 * 24 + 10)] * 2
    visits = _visits_at(airport + gym + [("cinema", 40.7342, -73.9905, 5 * 24 + 11)], days=[10, 10, 10, 3, 17, 24])
    assert usual_whereabouts(visits, 5 * 24 + 9) == (40.7708, -73.9550, True)
    # Places of as many days: the latest (the terminal, checked in at last).
    visits = _visits_at(airport + gym[:1] + [("cinema", 40.7342, -73.9905, 5 * 24 + 11)], days=[30, 30, 30, 3, 5])
    assert usual_whereabouts(visits, 5 * 24 + 9) == (40.6451, -73.7845, True)


def test_usual_whereabouts_counts_neighbouring_places_together() -> None:
    # Three places a few hundred metres apart in Williamsburg outweigh the single place visited most (Midtown).
    visits = _visits_at(
        [("office", 40.754, -73.984, 10)] * 3
        + [("cafe", 40.714, -73.961, 9), ("bakery", 40.716, -73.959, 10), ("deli", 40.712, -73.957, 11)] * 2
    )
    usual = usual_whereabouts(visits, 11)
    assert usual is not None and usual[:2] in {(40.714, -73.961), (40.716, -73.959), (40.712, -73.957)}


def test_a_kinds_usual_time_is_the_weekday_and_day_part_most_visits_fell_on_together(items: pd.DataFrame) -> None:
    # Three Saturday evenings and a Saturday afternoon, then two Sunday afternoons: Saturdays and afternoons are each
    # the most common, but most visits were on Saturday evenings.
    hours = [5 * 24 + 19, 5 * 24 + 20, 5 * 24 + 21, 5 * 24 + 14, 6 * 24 + 14, 6 * 24 + 15]
    visits = pd.DataFrame(
        {
            "user_id": "u",
            "item_id": "bar",
            "timestamp": pd.date_range("2012-06-01", periods=len(hours), freq="D", tz="UTC"),
            "latitude": 40.73,
            "longitude": -73.99,
            "action": "visit",
            "hour_of_week": hours,
        }
    )
    kinds, _ = user_habits(visits, items, "u")
    assert kinds[["kind", "visits", "weekday", "daypart"]].to_dict("records") == [
        {"kind": "Bar", "visits": 6, "weekday": 5, "daypart": "evening"}
    ]


def test_a_place_visited_by_many_within_a_few_days_only_was_a_one_off_event() -> None:
    start = pd.Timestamp("2012-12-01 20:00", tz="UTC")
    rows = [("santacon", f"u{n}", start + pd.Timedelta(hours=n)) for n in range(EVENT_MIN_PEOPLE)]
    rows += [("bar", f"u{n}", start + pd.Timedelta(days=7 * n)) for n in range(EVENT_MIN_PEOPLE)]  # weeks apart
    rows += [("party", f"u{n}", start) for n in range(EVENT_MIN_PEOPLE - 1)]  # too few people to tell
    events = pd.DataFrame(rows, columns=["item_id", "user_id", "timestamp"])
    over = one_off_events(events)
    assert list(over.index) == ["santacon"]
    assert over["santacon"] == start + pd.Timedelta(hours=EVENT_MIN_PEOPLE - 1)
    liked = events.assign(action="like")  # a 👍 is no visit
    assert one_off_events(liked).empty and one_off_events(None).empty
