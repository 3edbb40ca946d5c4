"""k-anonymous interests by area and hour of the week: suppression, distinct users, local time, heat maps."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from profiles.config import PreprocessingSettings, PrivacySettings, Settings, load_settings
from profiles.geo import cell_of
from profiles.insights import (
    AREA_COLUMNS,
    DAY_NAMES,
    OTHER_CATEGORY,
    TABLE_COLUMNS,
    area_hour_table,
    area_summary,
    build_insights,
    hour_table,
    released_visits,
    suppressed_rows,
    visit_frame,
    week_heatmap,
)
from profiles.loaders import load_nyc
from profiles.preprocessing import preprocess

ZONE = "America/New_York"
RESOLUTION = 7
# Two venues in different resolution-7 cells: Greenwich Village and Long Island City.
VILLAGE = (40.7308, -73.9973)
QUEENS = (40.7447, -73.9485)
# Monday 2012-06-04 12:30 in New York (EDT, UTC-4).
MONDAY_NOON_UTC = "2012-06-04T16:30:00Z"


def _events(rows: list[tuple[str, str, str, tuple[float, float]]], action: str | None = None) -> pd.DataFrame:
    """Events from (user, item, UTC time, (lat, lon)); category 'Cafe' unless the catalogue says otherwise."""
    frame = pd.DataFrame(
        {
            "user_id": [user for user, _, _, _ in rows],
            "item_id": [item for _, item, _, _ in rows],
            "timestamp": pd.to_datetime([at for _, _, at, _ in rows], utc=True),
            "latitude": [point[0] for _, _, _, point in rows],
            "longitude": [point[1] for _, _, _, point in rows],
            "category": "Cafe",
        }
    )
    if action is not None:
        frame["action"] = action
    return frame


def _same_hour(users: int, point: tuple[float, float] = VILLAGE, item: str = "v1") -> list:
    return [(f"u{n}", item, MONDAY_NOON_UTC, point) for n in range(users)]


def _table(events: pd.DataFrame, min_users: int, items: pd.DataFrame | None = None) -> pd.DataFrame:
    return area_hour_table(events, items, resolution=RESOLUTION, min_users=min_users, timezone=ZONE)


def _random_events(seed: int, size: int = 3000) -> pd.DataFrame:
    """Visits of a few dozen users to a few venues across a fortnight: many rows near the threshold."""
    rng = np.random.default_rng(seed)
    venues = np.array([VILLAGE, QUEENS, (40.7580, -73.9855), (40.6782, -73.9442)])
    categories = np.array(["Cafe", "Bar", "Park"])
    venue = rng.integers(0, len(venues), size)
    start = pd.Timestamp("2012-06-04", tz="UTC")
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(0, 40, size).astype(str),
            "item_id": venue.astype(str),
            "timestamp": start + pd.to_timedelta(rng.integers(0, 14 * 24 * 60, size), unit="min"),
            "latitude": venues[venue, 0],
            "longitude": venues[venue, 1],
            "category": categories[rng.integers(0, len(categories), size)],
            "action": np.where(rng.random(size) < 0.9, "visit", "view"),
        }
    )
    return frame


# --- settings ---------------------------------------------------------------------------------------------------------


def test_settings_defaults_and_bounds() -> None:
    privacy = PrivacySettings()
    assert privacy.insights_min_users == 5
    assert privacy.insights_resolution == 7
    with pytest.raises(ValidationError):
        PrivacySettings(insights_min_users=0)
    with pytest.raises(ValidationError):
        PrivacySettings(insights_resolution=16)


# --- suppression and distinct users -------------------------------------------------------------------------------


def test_four_users_are_suppressed_at_five_and_shown_at_four() -> None:
    events = _events(_same_hour(4))

    assert _table(events, min_users=5).empty
    visits = visit_frame(events, None, resolution=RESOLUTION, timezone=ZONE)
    assert suppressed_rows(visits, min_users=5) == 1
    assert area_summary(visits, min_users=5).empty

    shown = _table(events, min_users=4)
    assert len(shown) == 1
    row = shown.iloc[0]
    assert (row["area"], row["day"], row["hour"], row["category"]) == (cell_of(*VILLAGE, RESOLUTION), 0, 12, "Cafe")
    assert (row["events"], row["users"]) == (4, 4)
    assert suppressed_rows(visits, min_users=4) == 0


def test_a_heavy_user_counts_once() -> None:
    heavy = [("u0", "v1", MONDAY_NOON_UTC, VILLAGE)] * 100
    events = _events(_same_hour(5) + heavy)

    table = _table(events, min_users=5)
    assert table[["events", "users"]].to_numpy().tolist() == [[105, 5]]
    # One user many times over is still fewer than five people.
    assert _table(_events(heavy + _same_hour(4)), min_users=5).empty


def test_the_unit_is_the_category_row_not_the_hour() -> None:
    # Six users in one cell and hour, but only one of them at the bar: a bar row would single that user out.
    events = _events([*_same_hour(6, item="cafe"), ("u0", "bar", MONDAY_NOON_UTC, VILLAGE)])
    items = pd.DataFrame(
        {
            "item_id": ["cafe", "bar"],
            "category": ["Café", "Cocktail Bar"],
            "category_path": ["Dining and Drinking > Café", "Nightlife Spot > Cocktail Bar"],
        }
    )

    table = _table(events, min_users=5, items=items)
    assert table["category"].tolist() == ["Dining and Drinking"]
    assert table["events"].sum() == 6
    visits = visit_frame(events, items, resolution=RESOLUTION, timezone=ZONE)
    areas = area_summary(visits, min_users=5)
    # The area total is the released rows' total, so area minus rows cannot reveal the bar visit.
    assert areas[["events", "users"]].to_numpy().tolist() == [[6, 6]]
    assert areas["top_categories"].iloc[0] == ["Dining and Drinking"]


def test_only_visits_count() -> None:
    assert _table(_events(_same_hour(5), action="view"), min_users=5).empty
    assert len(_table(_events(_same_hour(5), action="visit"), min_users=5)) == 1


def test_categories_come_from_the_catalogue_then_the_event() -> None:
    events = _events(_same_hour(5, item="known") + _same_hour(5, item="unknown"))
    events.loc[events["item_id"] == "unknown", "category"] = None
    items = pd.DataFrame(
        {"item_id": ["known"], "category": ["Park"], "category_path": ["Landmarks and Outdoors > Park"]}
    )

    visits = visit_frame(events, items, resolution=RESOLUTION, timezone=ZONE)
    assert sorted(set(visits["category"])) == sorted({"Landmarks and Outdoors", OTHER_CATEGORY})
    assert set(visit_frame(events.head(5), None, resolution=RESOLUTION, timezone=ZONE)["category"]) == {"Cafe"}


# --- local time -------------------------------------------------------------------------------------------------------


def test_day_and_hour_are_local_sunday_23h_for_0330_utc_on_monday() -> None:
    events = _events(_same_hour(5))
    events["timestamp"] = pd.Timestamp("2012-06-04T03:30:00Z")

    computed = _table(events, min_users=5)
    assert computed[["day", "hour"]].to_numpy().tolist() == [[6, 23]]

    # The stored frame carries local time from preprocessing; it gives the same answer.
    stored = preprocess(events.assign(action="visit", text=None), PreprocessingSettings(timezone=ZONE)).events
    assert "local_time" in stored.columns
    pd.testing.assert_frame_equal(_table(stored, min_users=5), computed)

    heatmap = week_heatmap(computed)
    assert heatmap.loc["Sunday", 23] == 5
    assert heatmap.to_numpy().sum() == 5


def test_stored_local_time_wins_over_the_zone_argument() -> None:
    events = _events(_same_hour(5))
    stored = preprocess(events.assign(action="visit", text=None), PreprocessingSettings(timezone=ZONE)).events
    table = area_hour_table(stored, None, resolution=RESOLUTION, min_users=5, timezone="UTC")
    assert table[["day", "hour"]].to_numpy().tolist() == [[0, 12]]


# --- heat map ---------------------------------------------------------------------------------------------------------


def test_heatmap_shape_and_sums_equal_the_released_events() -> None:
    events = _random_events(seed=1)
    visits = visit_frame(events, None, resolution=RESOLUTION, timezone=ZONE)
    table = hour_table(visits, min_users=5)
    assert suppressed_rows(visits, min_users=5) > 0, "the fixture should suppress something"

    heatmap = week_heatmap(table)
    assert heatmap.shape == (7, 24)
    assert heatmap.index.tolist() == list(DAY_NAMES)
    assert heatmap.columns.tolist() == list(range(24))
    assert heatmap.to_numpy().sum() == table["events"].sum() == len(released_visits(visits, min_users=5))
    assert heatmap.to_numpy().sum() < len(visits)
    for category in ("Cafe", "Bar", "Park"):
        assert (
            week_heatmap(table, category=category).to_numpy().sum()
            == table.loc[table["category"] == category, "events"].sum()
        )
    area = table["area"].iloc[0]
    by_area = week_heatmap(table, area=area)
    expected = table[table["area"] == area].groupby(["day", "hour"])["events"].sum()
    for (day, hour), count in expected.items():
        assert by_area.iloc[day][hour] == count
    assert by_area.to_numpy().sum() == expected.sum()


def test_heatmap_refuses_visits_and_handles_nothing_released() -> None:
    visits = visit_frame(_events(_same_hour(2)), None, resolution=RESOLUTION, timezone=ZONE)
    with pytest.raises(ValueError, match="released hour table"):
        week_heatmap(visits)
    empty = week_heatmap(hour_table(visits, min_users=5))
    assert empty.shape == (7, 24)
    assert empty.to_numpy().sum() == 0


# --- the guarantee, on random data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("min_users", [1, 3, 5, 12])
def test_no_released_figure_rests_on_fewer_than_min_users(seed: int, min_users: int) -> None:
    events = _random_events(seed)
    visits = visit_frame(events, None, resolution=RESOLUTION, timezone=ZONE)
    table = hour_table(visits, min_users=min_users)
    areas = area_summary(visits, min_users=min_users)

    assert table.columns.tolist() == list(TABLE_COLUMNS)
    assert areas.columns.tolist() == list(AREA_COLUMNS)
    assert (table["users"] >= min_users).all()
    assert (areas["users"] >= min_users).all()
    assert "user_id" not in table.columns and "user_id" not in areas.columns

    # Brute force: recount each released row's users from the raw visit events, and every row released or counted.
    kept = events[events["action"] == "visit"]
    local = kept["timestamp"].dt.tz_convert(ZONE)
    users_of: dict[tuple, set[str]] = defaultdict(set)
    for user, lat, lon, day, hour, category in zip(
        kept["user_id"],
        kept["latitude"],
        kept["longitude"],
        local.dt.dayofweek,
        local.dt.hour,
        kept["category"],
        strict=True,
    ):
        users_of[(cell_of(lat, lon, RESOLUTION), day, hour, category)].add(user)
    users_by_key = {key: len(users) for key, users in users_of.items()}
    released = {key for key, users in users_by_key.items() if users >= min_users}
    assert set(zip(table["area"], table["day"], table["hour"], table["category"], strict=True)) == released
    for row in table.itertuples():
        assert row.users == users_by_key[(row.area, row.day, row.hour, row.category)]
    assert suppressed_rows(visits, min_users=min_users) == len(users_by_key) - len(released)

    # Area figures are exactly their released rows': nothing suppressed can be recovered by subtraction.
    per_area = table.groupby("area")["events"].sum()
    assert areas.set_index("area")["events"].sort_index().to_dict() == per_area.sort_index().to_dict()
    assert week_heatmap(table).to_numpy().sum() == table["events"].sum()


# --- the bundle -------------------------------------------------------------------------------------------------------


def test_build_insights_uses_the_settings(settings: Settings) -> None:
    events = _events(_same_hour(5) + _same_hour(4, point=QUEENS, item="v2") + _same_hour(3, item="v3"))
    insights = build_insights(events, None, settings)
    assert (insights.min_users, insights.resolution) == (5, 7)
    assert insights.table["area"].tolist() == [cell_of(*VILLAGE, 7)]
    # The Village's 5 + 3 users share a row ("Cafe" at Monday noon), so only Queens' row is withheld.
    assert insights.table["users"].tolist() == [5]
    assert insights.table["events"].tolist() == [8]
    assert (insights.suppressed_rows, insights.suppressed_areas) == (1, 1)
    assert insights.heatmap.loc["Monday", 12] == 8

    looser = load_settings(state_dir=settings.state_dir, privacy={"insights_min_users": 4, "insights_resolution": 6})
    relaxed = build_insights(events, None, looser)
    assert relaxed.resolution == 6
    assert {h3.get_resolution(area) for area in relaxed.table["area"]} == {6}
    assert relaxed.suppressed_rows == 0
    assert relaxed.areas["events"].sum() == 12


# --- the real NYC data ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_nyc_insights(nyc_data_dir: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    loaded = load_nyc(nyc_data_dir / "checkins.csv.gz", nyc_data_dir / "venues.csv.gz")
    events = preprocess(loaded.events, settings.preprocessing).events
    assert settings.privacy.insights_min_users == 5

    started = time.perf_counter()
    insights = build_insights(events, loaded.items, settings)
    elapsed = time.perf_counter() - started

    assert (insights.table["users"] >= 5).all()
    assert (insights.areas["users"] >= 5).all()
    # NYC at resolution 7 (~5 km² cells): the busy core of Manhattan and Brooklyn shows, the long tail does not.
    assert 20 <= len(insights.areas) <= 200, len(insights.areas)
    assert insights.suppressed_rows > 0 and insights.suppressed_areas > 0
    released = int(insights.table["events"].sum())
    assert 0 < released < len(events)
    assert insights.heatmap.to_numpy().sum() == released == insights.areas["events"].sum()
    assert insights.areas["top_categories"].iloc[0][0] == "Dining and Drinking"
    # Measured at ~0.5 s on 2 busy cores; a per-row implementation would be far slower than this loose guard.
    assert elapsed < 10, f"build_insights took {elapsed:.1f} s"
    with capsys.disabled():
        print(
            f"\nNYC insights: {len(insights.areas)} areas, {len(insights.table)} rows, {released:,} of "
            f"{len(events):,} visits released, {insights.suppressed_rows} rows suppressed, {elapsed:.2f} s"
        )
