"""Snapshots from events: bulk and incremental paths agree; weights, dislikes, windows, cells; the service."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from profiles.config import PreprocessingSettings, Settings, load_settings
from profiles.encoder import EmbeddingCache, item_texts
from profiles.eventlog import open_event_log
from profiles.events import EVENT_COLUMNS, Event
from profiles.geo import cell_of
from profiles.ingest import ITEMS_FILE, ingest, read_events, read_items
from profiles.preprocessing import preprocess
from profiles.profile import ACTION_WEIGHTS, CatchUp, ProfileService, leaf_categories, window_labels
from profiles.snapshots import Snapshot
from profiles.stores import LogPosition
from profiles.stores.faiss_store import FaissProfileStore

DIM = 32
MIDTOWN = (40.7484, -73.9857)
VILLAGE = (40.7336, -74.0027)  # about 2 km from Midtown: another H3 cell

ITEMS = pd.DataFrame(
    [
        ("jazz", "Blue Note", "Jazz Club", "Arts and Entertainment > Music Venue > Jazz Club", *VILLAGE),
        ("coffee", "Joe", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", *MIDTOWN),
        ("park", "Bryant Park", "Park", "Landmarks and Outdoors > Park", *MIDTOWN),
        ("bar", "Dead Rabbit", "Bar", "Dining and Drinking > Bar", *VILLAGE),
        ("museum", "MoMA", "Art Museum", "Arts and Entertainment > Museum > Art Museum", *MIDTOWN),
        ("office", "HQ", "Office", "", *MIDTOWN),
    ],
    columns=["item_id", "name", "category", "category_path", "latitude", "longitude"],
).assign(description="")


class HashingEncoder:
    """A tiny deterministic stand-in for InterestEncoder: each word hashes to a signed unit direction."""

    dim = DIM

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace("|", " ").replace(">", " ").split():
                digest = hashlib.sha256(word.encode()).digest()
                vectors[row, digest[0] % DIM] += 1.0 if digest[1] % 2 else -1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else 1 / np.sqrt(DIM)
        return vectors

    def encode_items(self, items: pd.DataFrame, cache: Any = None, progress: bool = False) -> np.ndarray:
        return self.encode(item_texts(items))


def events_frame(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """Preprocessed events from (user, item, time, (lat, lon), action) rows; repeats are kept."""
    frame = pd.DataFrame(
        [(user, item, when, lat, lon, action) for user, item, when, (lat, lon), action in rows],
        columns=["user_id", "item_id", "timestamp", "latitude", "longitude", "action"],
    ).assign(text=None, category=None)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return preprocess(frame[list(EVENT_COLUMNS)], PreprocessingSettings(collapse_window_minutes=0)).events


def as_events(frame: pd.DataFrame) -> list[Event]:
    return [Event(**{column: row[column] for column in EVENT_COLUMNS}) for _, row in frame.iterrows()]


def random_rows(count: int, seed: int = 0) -> list[tuple[Any, ...]]:
    """Three users, two places, all actions, over four days: every day part occurs, most snapshots hold several."""
    rng = np.random.default_rng(seed)
    actions = ["visit", "visit", "like", "view", "search", "dislike"]
    rows = []
    for _ in range(count):
        when = pd.Timestamp("2012-04-02T00:00Z") + pd.Timedelta(minutes=int(rng.integers(0, 4 * 24 * 60)))
        place = (MIDTOWN, VILLAGE)[int(rng.integers(2))]
        jitter = (place[0] + float(rng.normal(0, 1e-4)), place[1] + float(rng.normal(0, 1e-4)))
        user = ("ana", "ben", "cy")[int(rng.integers(3))]
        rows.append((user, str(rng.choice(ITEMS["item_id"])), when, jitter, str(rng.choice(actions))))
    return rows


def snapshot_key(snapshot: Snapshot) -> tuple[Any, ...]:
    return (
        snapshot.snapshot_id,
        snapshot.count,
        snapshot.weight_sum,
        snapshot.start,
        snapshot.end,
        snapshot.top_labels,
    )


def assert_same_snapshots(got: list[Snapshot], expected: list[Snapshot]) -> None:
    assert sorted(map(snapshot_key, got)) == sorted(map(snapshot_key, expected))
    by_id = {snapshot.snapshot_id: snapshot for snapshot in expected}
    for snapshot in got:
        other = by_id[snapshot.snapshot_id]
        assert snapshot.latitude == pytest.approx(other.latitude, abs=1e-12)
        assert snapshot.longitude == pytest.approx(other.longitude, abs=1e-12)
        assert snapshot.label_weights == pytest.approx(other.label_weights)
        gap = abs(snapshot.hour_of_week - other.hour_of_week) % 168
        assert min(gap, 168 - gap) == pytest.approx(0, abs=1e-9)
        assert snapshot.hour_concentration == pytest.approx(other.hour_concentration, abs=1e-12)
        np.testing.assert_allclose(snapshot.vector, other.vector, rtol=1e-5, atol=1e-6)


@pytest.fixture
def service(settings: Settings) -> Iterator[ProfileService]:
    with ProfileService(settings, encoder=HashingEncoder(), items=ITEMS) as opened:
        yield opened


def other_service(folder: Path, **overrides: Any) -> ProfileService:
    return ProfileService(load_settings(state_dir=folder, **overrides), encoder=HashingEncoder(), items=ITEMS)


def only(service: ProfileService, user: str) -> Snapshot:
    snapshots = service.store.get_user(user)
    assert len(snapshots) == 1, snapshots
    return snapshots[0]


# ---- bulk and incremental --------------------------------------------------------------------------------


def test_bulk_and_incremental_build_the_same_snapshots(service: ProfileService, tmp_path: Path) -> None:
    events = events_frame(random_rows(150))
    report = service.build(events, progress=False)
    assert report.events == 150 and report.used + report.dislikes == 150 and report.dislikes > 0
    shuffled = as_events(events)
    np.random.default_rng(1).shuffle(shuffled)  # observation order must not matter
    with other_service(tmp_path / "live") as live:
        observed = [live.observe(event) for event in shuffled]
        assert sum(snapshot is None for snapshot in observed) == report.dislikes
        for user in ("ana", "ben", "cy"):
            assert_same_snapshots(live.store.get_user(user), service.store.get_user(user))
    assert report.snapshots == service.store.count() and report.users == 3
    assert max(snapshot.count for snapshot in service.store.get_user("ana")) >= 3  # merges were exercised


def test_observe_continues_a_bulk_build(service: ProfileService, tmp_path: Path) -> None:
    events = events_frame(random_rows(80, seed=3))
    service.build(events.iloc[:50], progress=False)
    for event in as_events(events.iloc[50:]):
        service.observe(event)
    with other_service(tmp_path / "all") as whole:
        whole.build(events, progress=False)
        for user in ("ana", "ben", "cy"):
            assert_same_snapshots(service.store.get_user(user), whole.store.get_user(user))


def test_weights_follow_the_action(service: ProfileService) -> None:
    assert ACTION_WEIGHTS["like"] > ACTION_WEIGHTS["visit"] > ACTION_WEIGHTS["view"] == ACTION_WEIGHTS["search"] > 0
    events = events_frame(
        [
            ("ana", "jazz", "2012-04-07T23:00Z", VILLAGE, "like"),
            ("ana", "bar", "2012-04-07T23:30Z", VILLAGE, "visit"),
            ("ana", "museum", "2012-04-07T23:45Z", VILLAGE, "view"),
        ]
    )
    service.build(events, progress=False)
    snapshot = only(service, "ana")
    vectors = dict(zip(ITEMS["item_id"], HashingEncoder().encode_items(ITEMS), strict=True))
    expected = (2.0 * vectors["jazz"] + 1.0 * vectors["bar"] + 0.5 * vectors["museum"]) / 3.5
    np.testing.assert_allclose(snapshot.vector, expected, rtol=1e-6)
    assert (snapshot.count, snapshot.weight_sum) == (3, 3.5)
    assert snapshot.top_labels == ["Jazz Club", "Bar", "Art Museum"]  # leaf categories, heaviest first
    assert snapshot.label_weights == [2.0, 1.0, 0.5]


def test_dislikes_are_left_out(service: ProfileService, tmp_path: Path) -> None:
    liked = [("ana", "jazz", "2012-04-07T23:00Z", VILLAGE, "like")]
    disliked = [("ana", "bar", "2012-04-07T23:30Z", VILLAGE, "dislike")]
    service.build(events_frame(liked + disliked), progress=False)
    with other_service(tmp_path / "liked") as reference:
        reference.build(events_frame(liked), progress=False)
        assert_same_snapshots(service.store.get_user("ana"), reference.store.get_user("ana"))
    assert service.observe(as_events(events_frame(disliked))[0]) is None
    only_dislikes = service.build(
        events_frame([("ben", "bar", "2012-04-07T23:30Z", VILLAGE, "dislike")]), progress=False
    )
    assert only_dislikes.snapshots == 0 and service.store.get_user("ben") == []


def test_windows_split_by_day_part_and_cell(service: ProfileService) -> None:
    # New York is UTC-4 in April: 13:00Z is 9:00 (morning), 23:00Z is 19:00 (evening) on Saturday 7 April.
    events = events_frame(
        [
            ("ana", "coffee", "2012-04-07T13:00Z", MIDTOWN, "visit"),
            ("ana", "park", "2012-04-07T14:00Z", MIDTOWN, "visit"),  # same morning, same cell: same snapshot
            ("ana", "museum", "2012-04-07T23:00Z", MIDTOWN, "visit"),  # evening
            ("ana", "jazz", "2012-04-07T23:30Z", VILLAGE, "visit"),  # evening, another cell
            ("ana", "coffee", "2012-04-08T03:30Z", MIDTOWN, "visit"),  # 23:30 local: Saturday night, not evening
        ]
    )
    service.build(events, progress=False)
    snapshots = service.store.get_user("ana")
    assert sorted((s.window, s.cell, s.count) for s in snapshots) == sorted(
        [
            ("2012-04-07 morning", cell_of(*MIDTOWN, 8), 2),
            ("2012-04-07 evening", cell_of(*MIDTOWN, 8), 1),
            ("2012-04-07 evening", cell_of(*VILLAGE, 8), 1),
            ("2012-04-07 night", cell_of(*MIDTOWN, 8), 1),
        ]
    )
    morning = next(s for s in snapshots if s.window.endswith("morning"))
    assert morning.start == datetime(2012, 4, 7, 13, tzinfo=UTC) and morning.end == datetime(2012, 4, 7, 14, tzinfo=UTC)
    assert morning.hour_of_week == pytest.approx(5 * 24 + 9.5) and morning.hour_concentration > 0.99
    assert morning.latitude == pytest.approx(MIDTOWN[0]) and morning.longitude == pytest.approx(MIDTOWN[1])


def test_other_windows() -> None:
    local = pd.Series(pd.to_datetime(["2012-04-07 09:00", "2012-04-07 19:00", "2012-04-09 01:00"]))
    assert window_labels(local, "daypart").tolist() == ["2012-04-07 morning", "2012-04-07 evening", "2012-04-09 night"]
    # A night keeps each hour's own date: 23:30 and the 01:00 after it are two windows.
    late = pd.Series(pd.to_datetime(["2012-04-07 23:30", "2012-04-08 01:00"]))
    assert window_labels(late, "daypart").tolist() == ["2012-04-07 night", "2012-04-08 night"]
    assert window_labels(local, "day").tolist() == ["2012-04-07", "2012-04-07", "2012-04-09"]
    assert window_labels(local, "week").tolist() == ["2012-W14", "2012-W14", "2012-W15"]
    with pytest.raises(ValueError, match="window"):
        window_labels(local, "month")


def test_weekly_window_means_hours_on_the_circle(tmp_path: Path) -> None:
    # Sunday 23:00 and Monday 1:00 local are two hours apart across the week's end, not 166.
    events = events_frame(
        [
            ("ana", "coffee", "2012-04-09T03:00Z", MIDTOWN, "visit"),  # Sunday 23:00 local: hour 167, week 14
            ("ana", "coffee", "2012-04-02T05:00Z", MIDTOWN, "visit"),  # Monday 1:00 local: hour 1, week 14
        ]
    )
    with other_service(tmp_path / "week", context={"snapshot_window": "week"}) as weekly:
        weekly.build(events, progress=False)
        snapshot = only(weekly, "ana")
    assert snapshot.window == "2012-W14"
    assert min(snapshot.hour_of_week, 168 - snapshot.hour_of_week) == pytest.approx(0, abs=1e-9)
    assert snapshot.hour_concentration == pytest.approx(np.cos(np.pi * 2 / 168))


def test_unknown_items_use_the_event_category(service: ProfileService) -> None:
    events = events_frame([("ana", "new-place", "2012-04-07T23:00Z", VILLAGE, "visit")])
    report = service.build(events.assign(category="Ramen Restaurant"), progress=False)
    assert report.unknown_items == 0 and only(service, "ana").top_labels == ["Ramen Restaurant"]
    nameless = service.build(events_frame([("ben", "nowhere", "2012-04-07T23:00Z", VILLAGE, "visit")]), progress=False)
    assert nameless.unknown_items == 1 and nameless.snapshots == 0


def test_leaf_categories() -> None:
    assert leaf_categories(ITEMS).tolist() == ["Jazz Club", "Coffee Shop", "Park", "Bar", "Art Museum", "Office"]


def test_build_needs_preprocessed_events(service: ProfileService) -> None:
    raw = pd.DataFrame({"user_id": ["ana"], "item_id": ["jazz"], "timestamp": [pd.Timestamp("2012-04-07", tz="UTC")]})
    with pytest.raises(ValueError, match="preprocessed"):
        service.build(raw, progress=False)
    with pytest.raises(ValueError, match="unknown actions"):
        service.build(events_frame(random_rows(3)).assign(action="shrug"), progress=False)


def test_build_reads_what_ingest_stored(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True)
    with ProfileService(settings, encoder=HashingEncoder()) as empty, pytest.raises(ValueError, match="ingest"):
        empty.build(progress=False)
    with open_event_log(settings.state_dir) as log:
        log.append(as_events(events_frame(random_rows(20))))
    ITEMS.to_parquet(settings.state_dir / ITEMS_FILE)
    with ProfileService(settings, encoder=HashingEncoder()) as service:
        report = service.build(progress=False)
        assert report.events == 20 and report.snapshots == service.store.count() > 0


def test_catch_up_replays_only_newer_events_and_equals_a_fresh_build(settings: Settings, tmp_path: Path) -> None:
    events = as_events(events_frame(random_rows(60)))
    with (
        open_event_log(settings.state_dir) as log,
        ProfileService(settings, encoder=HashingEncoder(), items=ITEMS) as live,
    ):
        log.append(events[:40])
        first = live.catch_up(log)
        assert first.rebuilt and live.store.log_position() == LogPosition(log.generation, log.seq)
        log.append(events[40:])
        assert live.catch_up(log) == CatchUp(rebuilt=False, replayed=20)
        assert live.catch_up(log) == CatchUp(rebuilt=False, replayed=0)  # nothing newer: nothing counted twice
        fresh_settings = load_settings(state_dir=tmp_path / "fresh")
        with ProfileService(fresh_settings, encoder=HashingEncoder(), items=ITEMS) as fresh:
            fresh.build(read_events(settings, log), progress=False)
            for user in {event.user_id for event in events}:
                assert_same_snapshots(live.store.get_user(user), fresh.store.get_user(user))
        log.reset()  # a new generation (ingest --replace): everything is built again from what the log holds
        log.append(events[:5])
        again = live.catch_up(log)
        assert again.rebuilt
        counted = sum(ACTION_WEIGHTS[event.action] > 0 for event in events[:5])  # dislikes shape no snapshot
        stored = [snapshot for user in live.store.users() for snapshot in live.store.get_user(user)]
        assert sum(snapshot.count for snapshot in stored) == counted


# ---- the stores' columnar paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("memory_limit", [2_000_000, 0])
def test_user_columns_follow_every_write(service: ProfileService, tmp_path: Path, memory_limit: int) -> None:
    service.build(events_frame(random_rows(60)), progress=False)
    with FaissProfileStore(tmp_path / "copy", memory_limit=memory_limit) as store:
        store.add(service.store.get_user("ana") + service.store.get_user("ben"))

        def columns_of(user: str) -> list[Snapshot]:
            return sorted(store.user_columns(user).snapshots(), key=lambda s: s.snapshot_id)

        def snapshots_of(user: str) -> list[Snapshot]:
            return sorted(store.get_user(user), key=lambda s: s.snapshot_id)

        assert columns_of("ana") == snapshots_of("ana") and len(columns_of("ana")) > 1
        changed = store.get_user("ana")[0].model_copy(update={"count": 99})
        store.add([changed])
        assert store.get(changed.snapshot_id) == changed and changed in columns_of("ana")
        assert store.delete_user("ana") > 0 and len(store.user_columns("ana")) == 0
        assert columns_of("ben") == snapshots_of("ben")
        store.add_columns(service.store.user_columns("cy"))
        assert (
            columns_of("cy") == snapshots_of("cy") == sorted(service.store.get_user("cy"), key=lambda s: s.snapshot_id)
        )
        assert store.user_columns("nobody").embedding.shape == (0, DIM)


def test_add_columns_validates_like_add(service: ProfileService, tmp_path: Path) -> None:
    service.build(events_frame(random_rows(30)), progress=False)
    columns = service.store.user_columns("ana")
    with FaissProfileStore(tmp_path / "copy") as store:
        doubled = columns.take(np.r_[np.arange(len(columns)), 0])
        store.add_columns(doubled)  # a repeated id: the last row wins, as in add()
        assert store.count() == len(columns)
        bad = {
            "contains '|'": replace(columns, user_id=np.full(len(columns), "a|b", dtype=object)),
            "latitude": replace(columns, latitude=np.full(len(columns), 91.0)),
            "all zeros": replace(columns, embedding=np.zeros_like(columns.embedding)),
            "dimension": replace(columns, embedding=np.ones((len(columns), DIM + 1), dtype=np.float32)),
            "non-finite": replace(columns, embedding=np.full_like(columns.embedding, np.nan)),
        }
        for message, wrong in bad.items():
            with pytest.raises(ValueError, match=message):
                store.add_columns(wrong)
        assert store.count() == len(columns)


# ---- the service's context ---------------------------------------------------------------------------------


def test_context_through_the_service(service: ProfileService) -> None:
    events = events_frame(
        [
            ("ana", "jazz", "2012-04-07T23:00Z", VILLAGE, "visit"),  # Saturday evening in the Village
            ("ana", "coffee", "2012-04-09T13:00Z", MIDTOWN, "visit"),  # Monday morning in Midtown
        ]
    )
    service.build(events, progress=False)
    saturday_evening = datetime(2012, 4, 14, 23, 30, tzinfo=UTC)
    plain = service.context("ana", saturday_evening, *VILLAGE)
    assert plain.now == "Saturday evening" and plain.snapshots[0].top_labels == ["Jazz Club"]
    monday_morning = datetime(2012, 4, 16, 13, tzinfo=UTC)
    assert service.context("ana", monday_morning, *MIDTOWN, k=1).snapshots[0].top_labels == ["Coffee Shop"]
    # Asking for coffee on Saturday evening in the Village moves the coffee snapshot up.
    asked = service.context("ana", saturday_evening, *VILLAGE, query="coffee shop")
    coffee = {s.top_labels[0]: s for s in asked.snapshots}["Coffee Shop"]
    jazz = {s.top_labels[0]: s for s in asked.snapshots}["Jazz Club"]
    assert coffee.query_similarity is not None and jazz.query_similarity is not None
    assert coffee.query_similarity > jazz.query_similarity and "'coffee shop'" in coffee.reason
    assert coffee.share > {s.top_labels[0]: s for s in plain.snapshots}["Coffee Shop"].share
    unknown = service.context("nobody", saturday_evening, *VILLAGE)
    assert unknown.snapshots == [] and unknown.note is not None and "no profile" in unknown.note
    with pytest.raises(ValueError, match="time zone"):
        service.context("ana", datetime(2012, 4, 14, 23), *VILLAGE)


def test_injected_store_is_persisted_not_closed(settings: Settings, tmp_path: Path) -> None:
    store = FaissProfileStore(tmp_path / "store")
    with ProfileService(settings, store=store, encoder=HashingEncoder(), items=ITEMS) as service:
        service.build(events_frame(random_rows(10)), progress=False)
    assert store.count() > 0  # still open
    store.close()


def test_observe_without_a_catalogue_reads_the_ingested_one(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True)
    ITEMS.to_parquet(settings.state_dir / ITEMS_FILE)
    with ProfileService(settings, encoder=HashingEncoder()) as service:
        event = as_events(events_frame([("ana", "park", "2012-04-07T13:00Z", MIDTOWN, "like")]))[0]
        snapshot = service.observe(event)
        assert snapshot is not None and snapshot.top_labels == ["Park"] and snapshot.weight_sum == 2.0


def test_items_are_encoded_once_per_service(service: ProfileService) -> None:
    calls: list[int] = []
    encoder = service.encoder
    original = encoder.encode_items

    def counting(items: pd.DataFrame, cache: EmbeddingCache | None = None, progress: bool = False) -> np.ndarray:
        calls.append(len(items))
        return original(items, cache=cache, progress=progress)

    encoder.encode_items = counting  # type: ignore[method-assign]
    events = events_frame(random_rows(40))
    service.build(events, progress=False)
    service.observe(as_events(events)[0])
    assert calls == [events["item_id"].nunique()]


# ---- the real NYC data -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_nyc_profiles(nyc_data_dir: Path, settings: Settings, tmp_path: Path) -> None:
    ingest([nyc_data_dir], settings, progress=False)
    with ProfileService(settings, encoder=HashingEncoder()) as service:
        report = service.build(progress=False)
        assert (report.events, report.used, report.users) == (101_957, 101_957, 1_080)
        assert report.snapshots == service.store.count() > 50_000
        events = read_events(settings)
        assert events is not None
        counts = events["user_id"].value_counts()
        typical = str(counts.index[len(counts) // 2])  # observed one by one below: a user of median activity
        live_settings = load_settings(state_dir=tmp_path / "live")
        with ProfileService(live_settings, encoder=HashingEncoder(), items=read_items(settings)) as live:
            for event in as_events(events[events["user_id"] == typical]):
                live.observe(event)
            assert_same_snapshots(live.store.get_user(typical), service.store.get_user(typical))
        last = events["timestamp"].max().to_pydatetime()
        context = service.context(typical, last, *MIDTOWN)
        assert len(context.snapshots) == service.settings.context.top_k and context.labels_overall
