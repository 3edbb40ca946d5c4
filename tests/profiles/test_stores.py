"""The profile store backends: each runs the shared contract (profiles.stores.contract), then what only it has."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from profiles.config import Settings, load_settings
from profiles.snapshots import Snapshot
from profiles.stores import open_store
from profiles.stores.chroma_store import ChromaProfileStore
from profiles.stores.contract import (
    DIM,
    FILTERS,
    PER_USER,
    ProfileStoreContract,
    assert_same_hits,
    brute_force,
    make_snapshots,
    query_vector,
)
from profiles.stores.faiss_store import INDEX_FILE, FaissProfileStore

# ---- the backends under the contract -----------------------------------------------------------------------


class TestFaissStore(ProfileStoreContract):
    @pytest.fixture
    def store_opener(self, tmp_path: Path) -> Callable[[], FaissProfileStore]:
        return lambda: FaissProfileStore(tmp_path / "faiss")


class TestChromaPersistentStore(ProfileStoreContract):
    @pytest.fixture
    def store_opener(self, tmp_path: Path) -> Callable[[], ChromaProfileStore]:
        # Closing the last client stops Chroma's shared system, so the next open reads the folder afresh.
        return lambda: ChromaProfileStore.persistent(tmp_path / "chroma")


class TestChromaServerStore(ProfileStoreContract):
    """A real ``chroma run`` server (tests/profiles/conftest.py), one per session: a collection per test."""

    @pytest.fixture
    def store_opener(self, chroma_server: Any) -> Callable[[], ChromaProfileStore]:
        name = f"t{uuid.uuid4().hex[:16]}"
        return lambda: ChromaProfileStore.http(chroma_server.host, chroma_server.port, name)

    @pytest.fixture
    def store_restart(self, chroma_server: Any) -> Callable[[], None]:
        return chroma_server.restart


@pytest.fixture(scope="module")
def snapshots() -> list[Snapshot]:
    return make_snapshots()


ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["app.py", "profiles", "retrieval", "assistant", "prompts"]
CONTRACTS = ("profiles/stores/contract.py", "profiles/eventlog_contract.py")  # the test suites backends import


def test_the_product_never_imports_the_contract() -> None:
    """The contracts need pytest, a test-only dependency: no product module may import them, even lazily."""
    offenders = []
    for entry in PRODUCT:
        for path in [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py")):
            if path.relative_to(ROOT).as_posix() in CONTRACTS:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    # A relative import is resolved against the file's package ("from .contract import X").
                    package = ".".join(
                        path.relative_to(ROOT).parent.parts[: len(path.relative_to(ROOT).parts) - node.level]
                    )
                    module = ".".join(part for part in (package if node.level else "", node.module or "") if part)
                    names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
                else:
                    continue
                contracts = tuple(contract.removesuffix(".py").replace("/", ".") for contract in CONTRACTS)
                if any(name == "pytest" or name.startswith(("pytest.", *contracts)) for name in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


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


def test_faiss_opened_while_another_process_writes_its_first_rows(
    tmp_path: Path, snapshots: list[Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes opening a new store at once: one reads the empty meta table, the other then adds rows."""
    load_index = FaissProfileStore._load_index
    writes = iter([True])

    def load_after_the_other_writes(store: FaissProfileStore, stored_factory: str | None) -> Any:
        if next(writes, False):
            with FaissProfileStore(tmp_path) as other:
                other.add(snapshots)
        return load_index(store, stored_factory)

    monkeypatch.setattr(FaissProfileStore, "_load_index", load_after_the_other_writes)
    with FaissProfileStore(tmp_path) as store:
        assert store.dimension == DIM
        assert_same_hits(store.query(query_vector(), 10), brute_force(snapshots, query_vector(), 10))


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


def test_chroma_refuses_a_non_cosine_collection(tmp_path: Path) -> None:
    import chromadb

    client = chromadb.PersistentClient(path=str(tmp_path))
    try:
        client.create_collection("euclid", configuration={"hnsw": {"space": "l2"}}, embedding_function=None)
        with pytest.raises(ValueError, match="cosine"):
            ChromaProfileStore(client, "euclid")
    finally:
        client.close()


class _LossyCollection:
    """A Chroma collection whose approximate index misses the last few records, as HNSW can after deletes."""

    def __init__(self, real: Any, missed: int) -> None:
        self._real, self._missed = real, missed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def query(self, **kwargs: Any) -> Any:
        result = dict(self._real.query(**kwargs))
        for key in ("ids", "metadatas", "distances", "embeddings"):
            if result.get(key) is not None:
                result[key] = [result[key][0][: -self._missed]]
        return result


@pytest.mark.parametrize("filters", [{}, {"user_id": "bob"}], ids=["everyone", "one user"])
def test_chroma_short_approximate_answer_falls_back_to_exact(
    tmp_path: Path, snapshots: list[Snapshot], filters: dict[str, Any]
) -> None:
    store = ChromaProfileStore.persistent(tmp_path / "chroma")
    try:
        store.add(snapshots)
        store._collection = _LossyCollection(store._collection, missed=3)  # type: ignore[assignment]
        k = len(snapshots)
        assert_same_hits(
            store.query(query_vector(), k, **filters), brute_force(snapshots, query_vector(), k, **filters)
        )
    finally:
        store.close()
