"""One shared suite for every profile store backend, then the few things only one backend has."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from profiles.config import Settings, load_settings
from profiles.geo import cell_of, haversine_km
from profiles.snapshots import Snapshot
from profiles.stores import ProfileStore, QueryFilter, open_store
from profiles.stores.chroma_store import ChromaProfileStore
from profiles.stores.faiss_store import INDEX_FILE, FaissProfileStore

DIM = 8
USERS = ("alice", "bob", "carol", "dave", "erin")
PER_USER = 40
BASE = datetime(2012, 4, 2, tzinfo=UTC)
NYC = (40.7484, -73.9857)


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
    """Five users, forty weekly snapshots each, scattered over about 30 km around Midtown."""
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


# ---- backends ---------------------------------------------------------------------------------------------


class Backend:
    """How the shared suite opens a store of one kind, and what a restart means for it."""

    def __init__(self, name: str, opener: Callable[[], ProfileStore], restart: Callable[[], None]) -> None:
        self.name = name
        self._opener = opener
        self._restart = restart
        self.opened: list[ProfileStore] = []

    def open(self) -> ProfileStore:
        store = self._opener()
        self.opened.append(store)
        return store

    def restart(self) -> None:
        """Between close() and the next open(): a new process, or for a server a server restart."""
        self._restart()


@pytest.fixture(params=["faiss", "chroma-persistent", "chroma-http"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    kind = request.param
    if kind == "faiss":
        made = Backend(kind, lambda: FaissProfileStore(tmp_path / "faiss"), lambda: None)
    elif kind == "chroma-persistent":
        # Closing the last client stops Chroma's shared system, so the next open reads the folder afresh.
        made = Backend(kind, lambda: ChromaProfileStore.persistent(tmp_path / "chroma"), lambda: None)
    else:
        server = request.getfixturevalue("chroma_server")
        name = f"t{uuid.uuid4().hex[:16]}"  # one server for the session: a collection per test
        made = Backend(kind, lambda: ChromaProfileStore.http(server.host, server.port, name), server.restart)
    yield made
    for store in made.opened:
        store.close()


@pytest.fixture
def store(backend: Backend) -> ProfileStore:
    return backend.open()


@pytest.fixture(scope="module")
def snapshots() -> list[Snapshot]:
    return make_snapshots()


@pytest.fixture
def filled(store: ProfileStore, snapshots: list[Snapshot]) -> ProfileStore:
    store.add(snapshots)
    return store


def query_vector(seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(DIM)


# ---- the shared suite -------------------------------------------------------------------------------------


def test_add_get_count(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
    assert filled.count() == len(snapshots)
    assert filled.dimension == DIM
    for snapshot in snapshots[::37]:
        assert same(filled.get(snapshot.snapshot_id), snapshot)  # embedding and microseconds included
    assert filled.get("nobody|2012-W14|x") is None


def test_empty_store(store: ProfileStore) -> None:
    assert store.count() == 0
    assert store.users() == []
    assert store.get_user("alice") == []
    assert store.query(query_vector(), 5) == []
    assert store.query(query_vector(), 5, user_id="alice", near=NYC, radius_km=3) == []


def test_upsert_replaces(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
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


def test_repeated_id_in_one_batch_last_wins(store: ProfileStore, snapshots: list[Snapshot]) -> None:
    first = snapshots[0]
    second = first.model_copy(update={"count": 7, "weight_sum": 7.0})
    store.add([first, second])
    assert store.count() == 1
    assert same(store.get(first.snapshot_id), second)


def test_query_ranks_by_cosine(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
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


def test_query_own_vector_scores_one(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
    target = snapshots[123]
    best, score = filled.query(target.vector, 1)[0]
    assert same(best, target)
    assert score == pytest.approx(1.0, abs=1e-5)


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


@pytest.mark.parametrize("case", list(FILTERS))
def test_query_filters(filled: ProfileStore, snapshots: list[Snapshot], case: str) -> None:
    filters = FILTERS[case]
    matching = [s for s in snapshots if QueryFilter(**filters).matches(s)]
    assert 5 <= len(matching) < len(snapshots)  # the case really filters, and leaves something to rank
    vector = query_vector(len(case))
    got = filled.query(vector, 5, **filters)
    assert_same_hits(got, brute_force(snapshots, vector, 5, **filters))
    # Asking for more than match returns exactly the matches.
    everything = filled.query(vector, len(snapshots), **filters)
    assert sorted(s.snapshot_id for s, _ in everything) == sorted(s.snapshot_id for s in matching)


def test_time_filter_is_overlap(store: ProfileStore) -> None:
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


def test_radius_uses_haversine(store: ProfileStore) -> None:
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


def test_radius_across_antimeridian_and_pole(store: ProfileStore) -> None:
    trips = far_away()
    store.add(trips)
    vector = query_vector()
    for near, radius in (((0.0, 180.0), 30.0), ((0.0, -180.0), 40.0), ((90.0, 0.0), 20.0), ((89.9, 45.0), 30.0)):
        got = store.query(vector, 10, near=near, radius_km=radius)
        assert_same_hits(got, brute_force(trips, vector, 10, near=near, radius_km=radius))
        assert got, f"nothing near {near}"


def test_filter_without_matches(filled: ProfileStore) -> None:
    assert filled.query(query_vector(), 5, user_id="nobody") == []
    assert filled.query(query_vector(), 5, since=BASE + timedelta(weeks=500)) == []
    assert filled.query(query_vector(), 5, near=(-33.86, 151.21), radius_km=50) == []


def test_get_user(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
    got = filled.get_user("bob")
    assert same(got, sorted((s for s in snapshots if s.user_id == "bob"), key=lambda s: s.start))
    assert filled.get_user("nobody") == []


def test_users(filled: ProfileStore) -> None:
    assert filled.users() == sorted(USERS)


def test_delete_user(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
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
        assert same(filled.get_user(user), sorted((s for s in snapshots if s.user_id == user), key=lambda s: s.start))
    assert filled.delete_user("carol") == 0
    assert filled.delete_user("nobody") == 0


def test_delete_then_add_again(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
    alice = [s for s in snapshots if s.user_id == "alice"]
    filled.delete_user("alice")
    filled.add(alice[:3])
    assert same(filled.get_user("alice"), sorted(alice[:3], key=lambda s: s.start))
    assert same(filled.query(alice[1].vector, 1)[0][0], alice[1])


def test_persist_close_reopen(backend: Backend, snapshots: list[Snapshot]) -> None:
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
            (s.snapshot_id, pytest.approx(x, abs=1e-6)) for s, x in reopened.query(vector, 10, near=NYC, radius_km=10)
        ] == [(s.snapshot_id, x) for s, x in before]


def test_context_manager_keeps_writes(backend: Backend, snapshots: list[Snapshot]) -> None:
    with backend.open() as store:
        store.add(snapshots[:10])
    backend.restart()
    with backend.open() as store:
        assert store.count() == 10


def test_forget_then_reopen(backend: Backend, snapshots: list[Snapshot]) -> None:
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
        assert all(hit.user_id != "alice" for hit, _ in reopened.query(query_vector(), 500, near=NYC, radius_km=100))


def test_bad_vectors(filled: ProfileStore, snapshots: list[Snapshot]) -> None:
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


def test_mixed_dimensions_in_first_batch(store: ProfileStore) -> None:
    a = make_snapshot("alice", "a", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.ones(DIM))
    b = make_snapshot("alice", "b", start=BASE, days=1, lat=NYC[0], lon=NYC[1], vector=np.ones(DIM + 2))
    with pytest.raises(ValueError, match="dimension"):
        store.add([a, b])
    assert store.count() == 0


def test_bad_query_arguments(filled: ProfileStore) -> None:
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


# ---- the Snapshot noun ------------------------------------------------------------------------------------


def test_snapshot_id_and_json(snapshots: list[Snapshot]) -> None:
    snapshot = snapshots[0]
    assert snapshot.snapshot_id == f"{snapshot.user_id}|{snapshot.window}|{snapshot.cell}"
    assert snapshot.weight_sum == snapshot.count
    text = snapshot.to_json()
    assert "embedding" not in text and "embedding" not in snapshot.model_dump()
    assert Snapshot.from_json(text) == snapshot.model_copy(update={"embedding": []})
    assert Snapshot.from_json(snapshot.to_json(include_embedding=True)) == snapshot


def test_snapshot_validation(snapshots: list[Snapshot]) -> None:
    data = snapshots[0].to_dict(include_embedding=True)
    with pytest.raises(ValueError, match="does not match"):
        Snapshot.model_validate({**data, "snapshot_id": "other"})
    with pytest.raises(ValueError, match="time zone"):
        Snapshot.model_validate({**data, "start": "2012-04-02T00:00:00"})
    with pytest.raises(ValueError, match="before start"):
        Snapshot.model_validate({**data, "end": "2000-01-01T00:00:00Z"})
    with pytest.raises(ValueError, match="non-finite"):
        Snapshot.model_validate({**data, "embedding": [float("nan")] * DIM})
    with pytest.raises(ValueError, match="must not contain"):
        Snapshot.model_validate({**data, "snapshot_id": None, "user_id": "a|b"})
    with pytest.raises(ValueError):
        Snapshot.model_validate({**data, "count": 0})
    local = Snapshot.model_validate({**data, "start": "2012-04-02T02:00:00+02:00"})
    assert local.start == datetime(2012, 4, 2, tzinfo=UTC) and local.start.tzinfo is UTC


# ---- the factory ------------------------------------------------------------------------------------------


def test_open_store_defaults_to_faiss(settings: Settings, snapshots: list[Snapshot]) -> None:
    with open_store(settings) as store:
        assert isinstance(store, FaissProfileStore)
        store.add(snapshots[:5])
    assert (settings.state_dir / "stores" / "profiles" / INDEX_FILE).is_file()
    with open_store(settings) as store:
        assert store.count() == 5


def test_open_store_chroma_persistent(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    settings = load_settings(state_dir=tmp_path / "state", store={"backend": "chroma"})
    with open_store(settings, "items") as store:
        assert isinstance(store, ChromaProfileStore)
        store.add(snapshots[:5])
    assert (settings.state_dir / "chroma").is_dir()
    with open_store(settings, "items") as store:
        assert store.count() == 5


def test_open_store_chroma_http(tmp_path: Path, chroma_server: Any, snapshots: list[Snapshot]) -> None:
    settings = load_settings(
        state_dir=tmp_path / "state",
        store={"backend": "chroma", "chroma_host": chroma_server.host, "chroma_port": chroma_server.port},
    )
    name = f"t{uuid.uuid4().hex[:16]}"
    with open_store(settings, name) as store:
        assert isinstance(store, ChromaProfileStore)
        store.add(snapshots[:5])
        assert store.count() == 5
    assert not (settings.state_dir / "chroma").exists()


# ---- FAISS only: index types, real deletes, crash safety -------------------------------------------------


def index_ids(store: FaissProfileStore) -> set[int]:
    return set(store._index_ids().tolist())


def test_faiss_delete_removes_vectors(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    import faiss

    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots)
        store.delete_user("bob")
        assert store._index is not None and store._index.ntotal == len(snapshots) - PER_USER
    index = faiss.read_index(str(tmp_path / INDEX_FILE))
    assert index.ntotal == len(snapshots) - PER_USER


def test_faiss_forgotten_bytes_are_gone(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    """After forgetting a user and closing, no file in the folder holds their vectors' bytes."""
    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots)
    with FaissProfileStore(tmp_path) as store:
        store.delete_user("alice")
    contents = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    for snapshot in snapshots:
        present = snapshot.vector.astype("<f4").tobytes() in contents
        assert present == (snapshot.user_id != "alice"), snapshot.snapshot_id


@pytest.mark.parametrize("factory", ["HNSW16", "IVF4,Flat"])
def test_faiss_other_index_types(tmp_path: Path, snapshots: list[Snapshot], factory: str) -> None:
    with FaissProfileStore(tmp_path, index_factory=factory) as store:
        store.add(snapshots)
        store.add([snapshots[0].model_copy(update={"count": 5, "weight_sum": 5.0})])  # HNSW: rebuilt
        assert store.delete_user("bob") == PER_USER
        hits = store.query(snapshots[0].vector, 3)
        assert hits[0][0].snapshot_id == snapshots[0].snapshot_id
        assert index_ids(store) == set(range(1, len(snapshots) + 2)) - {
            i + 1 for i, s in enumerate(snapshots) if s.user_id == "bob" or i == 0
        }
    with FaissProfileStore(tmp_path) as store:
        assert store.index_factory == factory
        assert store.count() == len(snapshots) - PER_USER
        assert_same_hits(
            store.query(query_vector(), 5, user_id="carol"), brute_force(snapshots, query_vector(), 5, user_id="carol")
        )


def test_faiss_change_index_type_rebuilds(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots)
    with FaissProfileStore(tmp_path, index_factory="HNSW16") as store:
        assert store.count() == len(snapshots)
        assert store.query(snapshots[9].vector, 1)[0][0] == snapshots[9]
    import faiss

    assert isinstance(faiss.downcast_index(faiss.read_index(str(tmp_path / INDEX_FILE)).index), faiss.IndexHNSW)


def test_faiss_selector_path_matches_exact_path(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    with FaissProfileStore(tmp_path / "a", exact_search_limit=0) as store:
        store.add(snapshots)
        for case, filters in FILTERS.items():
            vector = query_vector(len(case))
            assert_same_hits(store.query(vector, 5, **filters), brute_force(snapshots, vector, 5, **filters))


def test_faiss_failed_persist_loses_nothing(
    tmp_path: Path, snapshots: list[Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots[:100])
    good_index = (tmp_path / INDEX_FILE).read_bytes()

    def write_half_then_fail(index: Any, path: str) -> None:
        Path(path).write_bytes(b"half an index")
        raise OSError("disk full")

    store = FaissProfileStore(tmp_path)
    store.add(snapshots[100:])
    store.delete_user("alice")
    monkeypatch.setattr(faiss, "write_index", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        store.close()
    monkeypatch.undo()
    assert (tmp_path / INDEX_FILE).read_bytes() == good_index  # the old file was never touched
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []
    # SQLite committed before the index write failed; reopening repairs the index from it.
    with FaissProfileStore(tmp_path) as reopened:
        kept = [s for s in snapshots if s.user_id != "alice"]
        assert reopened.count() == len(kept)
        assert_same_hits(reopened.query(query_vector(), 10), brute_force(kept, query_vector(), 10))
        assert index_ids(reopened) == {int(i) for i in range(1, len(snapshots) + 1)} - {
            i + 1 for i, s in enumerate(snapshots) if s.user_id == "alice"
        }


def test_faiss_crash_before_persist_keeps_persisted_data(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots[:50])
    crashed = FaissProfileStore(tmp_path)
    crashed.add(snapshots[50:])
    crashed.delete_user("alice")
    crashed._db.close()  # the process dies: no persist, the open transaction is lost
    with FaissProfileStore(tmp_path) as reopened:
        assert reopened.count() == 50
        assert reopened.get_user("alice") == sorted(snapshots[:PER_USER], key=lambda s: s.start)
        assert_same_hits(reopened.query(query_vector(), 5), brute_force(snapshots[:50], query_vector(), 5))


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_faiss_index_file_rebuilt_from_sqlite(tmp_path: Path, snapshots: list[Snapshot], damage: str) -> None:
    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots)
    if damage == "missing":
        (tmp_path / INDEX_FILE).unlink()
    else:
        (tmp_path / INDEX_FILE).write_bytes(b"not an index")
    with FaissProfileStore(tmp_path) as store:
        assert_same_hits(store.query(query_vector(), 10), brute_force(snapshots, query_vector(), 10))
    with FaissProfileStore(tmp_path) as store:  # the repaired index was written back
        assert store._dirty is False


def test_faiss_dimension_is_fixed(tmp_path: Path, snapshots: list[Snapshot]) -> None:
    with FaissProfileStore(tmp_path) as store:
        store.add(snapshots[:3])
        store.delete_user(snapshots[0].user_id)
    with pytest.raises(ValueError, match="dimension"):
        FaissProfileStore(tmp_path, dimension=DIM * 2)
    with FaissProfileStore(tmp_path) as store:
        assert store.dimension == DIM  # kept even with no snapshots left
    with pytest.raises(ValueError, match="IDMap"):
        FaissProfileStore(tmp_path / "other", index_factory="IDMap2,Flat")


def test_closed_store_refuses_use(backend: Backend) -> None:
    store = backend.open()
    store.close()
    store.close()  # harmless
    with pytest.raises(RuntimeError, match="closed"):
        store.count()


def test_chroma_refuses_a_non_cosine_collection(tmp_path: Path) -> None:
    import chromadb

    client = chromadb.PersistentClient(path=str(tmp_path))
    try:
        client.create_collection("euclid", configuration={"hnsw": {"space": "l2"}}, embedding_function=None)
        with pytest.raises(ValueError, match="cosine"):
            ChromaProfileStore(client, "euclid")
    finally:
        client.close()
