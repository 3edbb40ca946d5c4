"""The behaviour every profile store backend must have, as a pytest class that a backend's test module subclasses.

Like LangChain's standard tests: a new backend gets the whole suite by writing

    class TestMyStore(ProfileStoreContract):
        @pytest.fixture
        def store_opener(self, tmp_path):
            return lambda: MyProfileStore(tmp_path / "store")

``store_opener`` (required) returns a function that opens the store under test at one fixed place: its first call
gives a fresh, empty store, and every later call in the same test opens that same store again (as a new process
would). ``store_restart`` (optional, default: nothing) returns what happens between closing the store and opening
it again, for backends where that means more than a new client (a server restart).

Only tests import this module (pytest is a test dependency): the product never does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from profiles.geo import cell_of, haversine_km
from profiles.snapshots import Snapshot, SnapshotColumns
from profiles.stores.base import LogPosition, ProfileStore, QueryFilter

__all__ = [
    "BASE",
    "DIM",
    "FILTERS",
    "NYC",
    "PER_USER",
    "USERS",
    "ProfileStoreContract",
    "StoreBackend",
    "assert_same_hits",
    "brute_force",
    "far_away",
    "make_snapshot",
    "make_snapshots",
    "query_vector",
    "same",
]

DIM = 8
USERS = ("alice", "bob", "carol", "dave", "erin")
PER_USER = 40
BASE = datetime(2012, 4, 2, tzinfo=UTC)
NYC = (40.7484, -73.9857)


# ---- test data and reference answers ----------------------------------------------------------------------


def make_snapshot(
    user_id: str,
    window: str,
    *,
    start: datetime,
    days: float,
    lat: float,
    lon: float,
    vector: np.ndarray,
    count: int = 1,
) -> Snapshot:
    return Snapshot(
        user_id=user_id,
        window=window,
        cell=cell_of(lat, lon, 8),
        start=start,
        end=start + timedelta(days=days),
        latitude=lat,
        longitude=lon,
        count=count,
        top_labels=["Coffee Shop", "Bar"][: count % 3],
        embedding=vector.astype(np.float32),  # float32 values survive every backend exactly
    )


def make_snapshots(seed: int = 7) -> list[Snapshot]:
    """Five users, forty weekly snapshots each (contiguous per user), scattered over about 30 km around Midtown."""
    rng = np.random.default_rng(seed)
    snapshots = []
    for user in USERS:
        for week in range(PER_USER):
            # Microseconds in the start check that times survive storage exactly.
            start = BASE + timedelta(
                weeks=week, hours=float(rng.uniform(0, 48)), microseconds=int(rng.integers(1, 10**6))
            )
            lat = NYC[0] + float(rng.uniform(-0.15, 0.15))
            lon = NYC[1] + float(rng.uniform(-0.2, 0.2))
            snapshots.append(
                make_snapshot(
                    user,
                    f"2012-W{week + 14:02d}",
                    start=start,
                    days=float(rng.uniform(0.5, 6.5)),
                    lat=lat,
                    lon=lon,
                    vector=rng.standard_normal(DIM),
                    count=int(rng.integers(1, 20)),
                )
            )
    return snapshots


def far_away(seed: int = 11) -> list[Snapshot]:
    """Snapshots on both sides of the antimeridian and near the North Pole, where bounding boxes break."""
    rng = np.random.default_rng(seed)
    places = [(0.0, 179.95), (0.0, -179.95), (0.3, -179.9), (89.95, 0.0), (89.95, 180.0), (89.9, -90.0)]
    return [
        make_snapshot("frank", f"trip-{i}", start=BASE, days=1, lat=lat, lon=lon, vector=rng.standard_normal(DIM))
        for i, (lat, lon) in enumerate(places)
    ]


def query_vector(seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(DIM)


def brute_force(snapshots: list[Snapshot], vector: np.ndarray, k: int, **filters: Any) -> list[tuple[str, float]]:
    """The reference answer: exact cosine over the snapshots that pass the filters."""
    flt = QueryFilter(**filters)
    query = np.asarray(vector, dtype=np.float64)
    scored = [
        (s.snapshot_id, float(s.vector @ query / (np.linalg.norm(s.vector) * np.linalg.norm(query))))
        for s in snapshots
        if flt.matches(s)
    ]
    return sorted(scored, key=lambda hit: -hit[1])[:k]


def assert_same_hits(got: list[tuple[Snapshot, float]], expected: list[tuple[str, float]]) -> None:
    assert [s.snapshot_id for s, _ in got] == [i for i, _ in expected]
    assert [score for _, score in got] == pytest.approx([score for _, score in expected], abs=1e-5)


def same(got: Snapshot | list[Snapshot] | None, expected: Snapshot | list[Snapshot]) -> bool:
    """Equal snapshots; embeddings to float32 rounding (Chroma's cosine space hands back x / |x| · |x|)."""
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(map(same, got, expected))
    if not isinstance(got, Snapshot):
        return False
    mine, theirs = got.model_dump(), expected.model_dump()
    # Chroma also hands back some float metadata one ulp off; everything else must be exact.
    close = all(
        math.isclose(mine[key], value, rel_tol=1e-15) if isinstance(value, float) else mine[key] == value
        for key, value in theirs.items()
    )
    return close and np.allclose(got.vector, expected.vector, rtol=1e-6, atol=1e-7)


FILTERS: dict[str, dict[str, Any]] = {
    "user": {"user_id": "carol"},
    "since": {"since": BASE + timedelta(weeks=30)},
    "until": {"until": BASE + timedelta(weeks=4)},
    "since-until": {"since": BASE + timedelta(weeks=10, days=2), "until": BASE + timedelta(weeks=12)},
    "near": {"near": (40.75, -73.99), "radius_km": 5.0},
    "user-since-until": {"user_id": "bob", "since": BASE + timedelta(weeks=5), "until": BASE + timedelta(weeks=25)},
    "user-near": {"user_id": "dave", "near": (40.72, -73.97), "radius_km": 12.0},
    "all": {
        "user_id": "erin",
        "since": BASE + timedelta(weeks=3),
        "until": BASE + timedelta(weeks=30),
        "near": NYC,
        "radius_km": 12.0,
    },
}


class StoreBackend:
    """How the contract opens the store under test, and what a restart means for it; closes what it opened."""

    def __init__(self, opener: Callable[[], ProfileStore], restart: Callable[[], None]) -> None:
        self._opener = opener
        self._restart = restart
        self.opened: list[ProfileStore] = []

    def open(self) -> ProfileStore:
        """The store under test: empty on the first call of a test, the same store again on later calls."""
        store = self._opener()
        self.opened.append(store)
        return store

    def restart(self) -> None:
        """Between close() and the next open(): a new process, or for a server a server restart."""
        self._restart()

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


# ---- the contract -----------------------------------------------------------------------------------------


class ProfileStoreContract:
    """Every test a profile store backend must pass; subclass it as ``Test<Backend>`` and provide ``store_opener``."""

    # ---- hooks a backend's subclass provides ------------------------------------------------------------------

    @pytest.fixture
    def store_opener(self) -> Callable[[], ProfileStore]:
        """Required: a function opening the store under test (first call: fresh and empty; later: the same one)."""
        pytest.fail(f"{type(self).__name__} must override the store_opener fixture")

    @pytest.fixture
    def store_restart(self) -> Callable[[], None]:
        """Optional: what to do between closing the store and opening it again (default: nothing)."""
        return lambda: None

    # ---- fixtures the contract builds from them ---------------------------------------------------------------

    @pytest.fixture
    def backend(
        self, store_opener: Callable[[], ProfileStore], store_restart: Callable[[], None]
    ) -> Iterator[StoreBackend]:
        made = StoreBackend(store_opener, store_restart)
        yield made
        made.close_all()

    @pytest.fixture
    def store(self, backend: StoreBackend) -> ProfileStore:
        return backend.open()

    @pytest.fixture(scope="class")
    def snapshots(self) -> list[Snapshot]:
        return make_snapshots()

    @pytest.fixture
    def filled(self, store: ProfileStore, snapshots: list[Snapshot]) -> ProfileStore:
        store.add(snapshots)
        return store

    # ---- writes and reads -------------------------------------------------------------------------------------

    def test_add_get_count(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        assert filled.count() == len(snapshots)
        assert filled.dimension == DIM
        for snapshot in snapshots[::37]:
            assert same(filled.get(snapshot.snapshot_id), snapshot)  # embedding and microseconds included
        assert filled.get("nobody|2012-W14|x") is None

    def test_empty_store(self, store: ProfileStore) -> None:
        assert store.count() == 0
        assert store.users() == []
        assert store.get_user("alice") == []
        assert store.query(query_vector(), 5) == []
        assert store.query(query_vector(), 5, user_id="alice", near=NYC, radius_km=3) == []

    def test_upsert_replaces(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        old = snapshots[5]
        new_vector = -old.vector + 0.5
        changed = old.model_copy(update={"count": 99, "weight_sum": 99.0, "embedding": new_vector.tolist()})
        filled.add([changed])
        assert filled.count() == len(snapshots)
        assert same(filled.get(old.snapshot_id), changed)
        best, score = filled.query(new_vector, 1)[0]
        assert best.snapshot_id == old.snapshot_id and score == pytest.approx(1.0, abs=1e-5)
        # The old vector is gone from the index, not just shadowed.
        assert all(s.snapshot_id != old.snapshot_id or sc < 0.99 for s, sc in filled.query(old.vector, 10))

    def test_repeated_id_in_one_batch_last_wins(self, store: ProfileStore, snapshots: list[Snapshot]) -> None:
        first = snapshots[0]
        second = first.model_copy(update={"count": 7, "weight_sum": 7.0})
        store.add([first, second])
        assert store.count() == 1
        assert same(store.get(first.snapshot_id), second)

    # ---- queries ----------------------------------------------------------------------------------------------

    def test_query_ranks_by_cosine(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        for seed in range(3):
            vector = query_vector(seed)
            got = filled.query(vector, 10)
            assert_same_hits(got, brute_force(snapshots, vector, 10))
            scores = [score for _, score in got]
            assert scores == sorted(scores, reverse=True)
        # Cosine ignores the query's length.
        assert [s.snapshot_id for s, _ in filled.query(query_vector() * 42.0, 10)] == [
            s.snapshot_id for s, _ in filled.query(query_vector(), 10)
        ]

    def test_query_own_vector_scores_one(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        target = snapshots[123]
        best, score = filled.query(target.vector, 1)[0]
        assert same(best, target)
        assert score == pytest.approx(1.0, abs=1e-5)

    @pytest.mark.parametrize("case", list(FILTERS))
    def test_query_filters(self, filled: ProfileStore, snapshots: list[Snapshot], case: str) -> None:
        filters = FILTERS[case]
        matching = [s for s in snapshots if QueryFilter(**filters).matches(s)]
        assert 5 <= len(matching) < len(snapshots)  # the case really filters, and leaves something to rank
        vector = query_vector(len(case))
        got = filled.query(vector, 5, **filters)
        assert_same_hits(got, brute_force(snapshots, vector, 5, **filters))
        # Asking for more than match returns exactly the matches.
        everything = filled.query(vector, len(snapshots), **filters)
        assert sorted(s.snapshot_id for s, _ in everything) == sorted(s.snapshot_id for s in matching)

    def test_time_filter_is_overlap(self, store: ProfileStore) -> None:
        vector = query_vector()
        week = make_snapshot("alice", "w", start=BASE, days=7, lat=NYC[0], lon=NYC[1], vector=vector)
        store.add([week])

        def ids(**filters: Any) -> list[str]:
            return [s.snapshot_id for s, _ in store.query(vector, 5, **filters)]

        inside = {"since": BASE + timedelta(days=2), "until": BASE + timedelta(days=3)}
        assert ids(**inside) == [week.snapshot_id]  # window inside the snapshot
        assert ids(since=BASE - timedelta(days=1), until=BASE) == [week.snapshot_id]  # touching the start counts
        assert ids(since=BASE + timedelta(days=7)) == [week.snapshot_id]  # touching the end counts
        assert ids(since=BASE + timedelta(days=7, seconds=1)) == []
        assert ids(until=BASE - timedelta(microseconds=1)) == []

    def test_radius_uses_haversine(self, store: ProfileStore) -> None:
        vector = query_vector()
        origin = (40.0, -74.0)
        # Points 900 m to 1100 m away in eight directions: the 1 km radius keeps exactly those within it.
        points = []
        for i, bearing in enumerate(np.linspace(0, 2 * math.pi, 8, endpoint=False)):
            distance = 0.9 + 0.2 * (i % 2) + 0.001 * i
            lat = origin[0] + math.degrees(distance / 6371.0088) * math.cos(bearing)
            lon = origin[1] + math.degrees(distance / 6371.0088) * math.sin(bearing) / math.cos(math.radians(origin[0]))
            points.append(make_snapshot("alice", f"p{i}", start=BASE, days=1, lat=lat, lon=lon, vector=vector))
        store.add(points)
        got = {s.snapshot_id for s, _ in store.query(vector, 8, near=origin, radius_km=1.0)}
        expected = {s.snapshot_id for s in points if haversine_km(*origin, s.latitude, s.longitude) <= 1.0}
        assert got == expected and 0 < len(expected) < len(points)

    def test_radius_across_antimeridian_and_pole(self, store: ProfileStore) -> None:
        trips = far_away()
        store.add(trips)
        vector = query_vector()
        for near, radius in (((0.0, 180.0), 30.0), ((0.0, -180.0), 40.0), ((90.0, 0.0), 20.0), ((89.9, 45.0), 30.0)):
            got = store.query(vector, 10, near=near, radius_km=radius)
            assert_same_hits(got, brute_force(trips, vector, 10, near=near, radius_km=radius))
            assert got, f"nothing near {near}"

    def test_filter_without_matches(self, filled: ProfileStore) -> None:
        assert filled.query(query_vector(), 5, user_id="nobody") == []
        assert filled.query(query_vector(), 5, since=BASE + timedelta(weeks=500)) == []
        assert filled.query(query_vector(), 5, near=(-33.86, 151.21), radius_km=50) == []

    # ---- users and forgetting ---------------------------------------------------------------------------------

    def test_get_user(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        got = filled.get_user("bob")
        assert same(got, sorted((s for s in snapshots if s.user_id == "bob"), key=lambda s: s.start))
        assert filled.get_user("nobody") == []

    def test_user_columns_hold_the_users_snapshots(self, filled: ProfileStore) -> None:
        # What context() reads: the same rows as get_user(), as columns (order free).
        def rows(columns: SnapshotColumns) -> list[tuple[object, ...]]:
            order = sorted(range(len(columns)), key=lambda row: columns.snapshot_id[row])
            fields = ("user_id", "window", "cell", "start_us", "end_us", "count", "top_labels", "label_weights")
            return [tuple(str(getattr(columns, name)[row]) for name in fields) for row in order]

        expected = SnapshotColumns.from_snapshots(filled.get_user("bob"))
        got = filled.user_columns("bob")
        assert len(got) == PER_USER and rows(got) == rows(expected)
        by_id = {snapshot_id: row for row, snapshot_id in enumerate(got.snapshot_id)}
        mine = [by_id[snapshot_id] for snapshot_id in expected.snapshot_id]
        for name in ("latitude", "longitude", "weight_sum", "hour_of_week", "hour_concentration"):
            np.testing.assert_allclose(getattr(got, name)[mine], getattr(expected, name), rtol=1e-12)
        np.testing.assert_allclose(got.embedding[mine], expected.embedding, rtol=1e-6, atol=1e-7)
        assert len(filled.user_columns("nobody")) == 0

    def test_users(self, filled: ProfileStore) -> None:
        assert filled.users() == sorted(USERS)

    def test_delete_user(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        assert filled.delete_user("carol") == PER_USER
        assert filled.count() == len(snapshots) - PER_USER
        assert filled.users() == sorted(set(USERS) - {"carol"})
        assert filled.get_user("carol") == []
        assert all(filled.get(s.snapshot_id) is None for s in snapshots if s.user_id == "carol")
        hits = filled.query(query_vector(), len(snapshots))
        assert len(hits) == len(snapshots) - PER_USER
        assert all(s.user_id != "carol" for s, _ in hits)
        assert filled.query(query_vector(), 5, user_id="carol") == []
        # Nothing of the others moved.
        for user in set(USERS) - {"carol"}:
            assert same(
                filled.get_user(user), sorted((s for s in snapshots if s.user_id == user), key=lambda s: s.start)
            )
        assert filled.delete_user("carol") == 0
        assert filled.delete_user("nobody") == 0

    def test_delete_user_is_idempotent(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        """Forgetting an unknown user, or the same user twice, removes nothing and says 0, before and after reopen."""
        store = backend.open()
        assert store.delete_user("nobody") == 0  # an empty store, before anything fixed its dimension
        assert store.count() == 0
        store.add(snapshots)
        assert store.delete_user("nobody") == 0
        assert store.count() == len(snapshots)
        assert store.delete_user("carol") == PER_USER
        assert store.delete_user("carol") == 0
        assert store.count() == len(snapshots) - PER_USER
        assert store.users() == sorted(set(USERS) - {"carol"})
        store.persist()
        store.close()
        backend.restart()
        with backend.open() as reopened:
            assert reopened.delete_user("carol") == 0
            assert reopened.delete_user("nobody") == 0
            assert reopened.count() == len(snapshots) - PER_USER
            assert reopened.users() == sorted(set(USERS) - {"carol"})

    def test_delete_then_add_again(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        alice = [s for s in snapshots if s.user_id == "alice"]
        filled.delete_user("alice")
        filled.add(alice[:3])
        assert same(filled.get_user("alice"), sorted(alice[:3], key=lambda s: s.start))
        assert same(filled.query(alice[1].vector, 1)[0][0], alice[1])

    # ---- durability -------------------------------------------------------------------------------------------

    def test_persist_close_reopen(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        store = backend.open()
        store.add(snapshots)
        vector = query_vector()
        before = store.query(vector, 10, near=NYC, radius_km=10)
        store.persist()
        store.close()
        backend.restart()
        with backend.open() as reopened:
            assert reopened.count() == len(snapshots)
            assert reopened.dimension == DIM
            assert reopened.users() == sorted(USERS)
            assert same(reopened.get(snapshots[77].snapshot_id), snapshots[77])
            assert [
                (s.snapshot_id, pytest.approx(x, abs=1e-6))
                for s, x in reopened.query(vector, 10, near=NYC, radius_km=10)
            ] == [(s.snapshot_id, x) for s, x in before]

    def test_the_log_position_survives_a_reopen(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        """The event log position a store reflects survives a reopen, and the last mark wins."""
        store = backend.open()
        assert store.log_position() is None  # never marked: derived state must be built from the log
        store.add(snapshots[:10])
        store.mark_log_position(LogPosition("generation-a", 10))
        store.persist()
        store.add(snapshots[10:20])
        store.mark_log_position(LogPosition("generation-a", 20))
        store.close()
        backend.restart()
        with backend.open() as reopened:
            assert reopened.log_position() == LogPosition("generation-a", 20)
            assert reopened.count() == 20

    def test_writes_after_persist_survive_reopen(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        """Adds, a replacement and a forgotten user after the last persist() are kept by close() alone."""
        store = backend.open()
        store.add(snapshots[:60])
        store.persist()
        store.add(snapshots[60:120])
        store.persist()  # a second persist() writes only what changed since the first
        # After the last persist(): new snapshots, one replaced, one persisted user forgotten.
        store.add(snapshots[120:])
        old = snapshots[3]
        changed = old.model_copy(update={"count": 42, "weight_sum": 42.0, "embedding": (0.5 - old.vector).tolist()})
        store.add([changed])
        assert store.delete_user("bob") == PER_USER
        store.close()
        backend.restart()
        expected = [changed if s.snapshot_id == old.snapshot_id else s for s in snapshots if s.user_id != "bob"]
        with backend.open() as reopened:
            assert reopened.count() == len(expected)
            assert reopened.dimension == DIM
            assert reopened.users() == sorted(set(USERS) - {"bob"})
            assert same(reopened.get(old.snapshot_id), changed)
            assert reopened.get_user("bob") == []
            for user in ("carol", "erin"):  # written before, and after, the last persist()
                assert same(
                    reopened.get_user(user), sorted((s for s in expected if s.user_id == user), key=lambda s: s.start)
                )
            for seed in range(3):
                vector = query_vector(seed)
                assert_same_hits(reopened.query(vector, 10), brute_force(expected, vector, 10))
            best, score = reopened.query(changed.vector, 1)[0]
            assert best.snapshot_id == old.snapshot_id and score == pytest.approx(1.0, abs=1e-5)

    def test_context_manager_keeps_writes(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        with backend.open() as store:
            store.add(snapshots[:10])
        backend.restart()
        with backend.open() as store:
            assert store.count() == 10

    def test_forget_then_reopen(self, backend: StoreBackend, snapshots: list[Snapshot]) -> None:
        store = backend.open()
        store.add(snapshots)
        store.persist()
        assert store.delete_user("alice") == PER_USER
        store.persist()
        store.close()
        backend.restart()
        with backend.open() as reopened:
            alice = [s for s in snapshots if s.user_id == "alice"]
            assert reopened.count() == len(snapshots) - PER_USER
            assert "alice" not in reopened.users()
            assert reopened.get_user("alice") == []
            assert all(reopened.get(s.snapshot_id) is None for s in alice)
            for s in alice[::5]:
                assert all(hit.user_id != "alice" for hit, _ in reopened.query(s.vector, len(snapshots)))
            assert reopened.query(query_vector(), 10, user_id="alice") == []
            assert all(
                hit.user_id != "alice" for hit, _ in reopened.query(query_vector(), 500, near=NYC, radius_km=100)
            )

    def test_closed_store_refuses_use(self, backend: StoreBackend) -> None:
        store = backend.open()
        store.close()
        store.close()  # harmless
        with pytest.raises(RuntimeError, match="closed"):
            store.count()

    # ---- bad input --------------------------------------------------------------------------------------------

    def test_bad_vectors(self, filled: ProfileStore, snapshots: list[Snapshot]) -> None:
        wrong = make_snapshot("alice", "x", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.ones(DIM + 1))
        with pytest.raises(ValueError, match="dimension"):
            filled.add([wrong])
        with pytest.raises(ValueError, match="dimension"):
            filled.query(np.ones(DIM - 1), 3)
        with pytest.raises(ValueError, match="non-finite"):
            filled.query(np.array([np.nan] + [1.0] * (DIM - 1)), 3)
        with pytest.raises(ValueError, match="non-finite"):
            filled.query(np.array([np.inf] + [1.0] * (DIM - 1)), 3)
        with pytest.raises(ValueError, match="zeros"):
            filled.query(np.zeros(DIM), 3)
        zero = make_snapshot("alice", "z", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.zeros(DIM))
        with pytest.raises(ValueError, match="zeros"):
            filled.add([zero])
        with pytest.raises(ValueError, match="no embedding"):
            filled.add([snapshots[0].model_copy(update={"embedding": []})])
        # A rejected batch changes nothing, even when its first snapshots were fine.
        with pytest.raises(ValueError, match="dimension"):
            filled.add([snapshots[0].model_copy(update={"count": 1000, "weight_sum": 1000.0}), wrong])
        assert same(filled.get(snapshots[0].snapshot_id), snapshots[0])
        assert filled.count() == len(snapshots)

    def test_mixed_dimensions_in_first_batch(self, store: ProfileStore) -> None:
        a = make_snapshot("alice", "a", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.ones(DIM))
        b = make_snapshot("alice", "b", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.ones(DIM + 2))
        with pytest.raises(ValueError, match="dimension"):
            store.add([a, b])
        assert store.count() == 0

    def test_bad_query_arguments(self, filled: ProfileStore) -> None:
        vector = query_vector()
        with pytest.raises(ValueError, match="together"):
            filled.query(vector, 3, near=NYC)
        with pytest.raises(ValueError, match="together"):
            filled.query(vector, 3, radius_km=2.0)
        with pytest.raises(ValueError, match="time zone"):
            filled.query(vector, 3, since=datetime(2012, 4, 2))
        with pytest.raises(ValueError, match="after until"):
            filled.query(vector, 3, since=BASE + timedelta(days=1), until=BASE)
        with pytest.raises(ValueError, match="radius_km"):
            filled.query(vector, 3, near=NYC, radius_km=-1.0)
        with pytest.raises(ValueError, match="latitude"):
            filled.query(vector, 3, near=(91.0, 0.0), radius_km=1.0)
        with pytest.raises(ValueError, match="k must"):
            filled.query(vector, 0)
