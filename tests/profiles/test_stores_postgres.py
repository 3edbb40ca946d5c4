"""The PostgreSQL profile store passes the store contract; and what only a shared store needs: two replicas'
connections see each other's writes and forgets at once, and stores of different names keep apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from profiles.config import load_settings
from profiles.stores import open_store
from profiles.stores.base import LogPosition
from profiles.stores.contract import PER_USER, ProfileStoreContract, make_snapshots, query_vector, same
from profiles.stores.postgres_store import PostgresProfileStore


class TestPostgresStore(ProfileStoreContract):
    @pytest.fixture
    def store_opener(self, postgres_dsn: str) -> Callable[[], PostgresProfileStore]:
        return lambda: PostgresProfileStore(postgres_dsn)


def test_two_replicas_share_writes_and_forgets(postgres_dsn: str) -> None:
    snapshots = make_snapshots()
    with PostgresProfileStore(postgres_dsn) as one, PostgresProfileStore(postgres_dsn) as other:
        one.add(snapshots)
        assert other.count() == len(snapshots) and other.dimension == one.dimension
        assert same(other.get(snapshots[5].snapshot_id), snapshots[5])
        assert other.delete_user("carol") == PER_USER
        assert "carol" not in one.users()
        assert all(hit.user_id != "carol" for hit, _ in one.query(query_vector(), len(snapshots)))


def test_stores_of_different_names_keep_apart(postgres_dsn: str) -> None:
    snapshots = make_snapshots()
    long_name = f"items-{'f' * 64}"  # as the item index names its store: longer than a PostgreSQL identifier
    with PostgresProfileStore(postgres_dsn) as profiles, PostgresProfileStore(postgres_dsn, long_name) as items:
        profiles.add(snapshots[:10])
        assert items.count() == 0 and items.dimension is None
        items.add(snapshots[10:12])
        assert (profiles.count(), items.count()) == (10, 2)


def test_a_log_mark_never_moves_back_within_a_generation(postgres_dsn: str) -> None:
    """Replicas mark the events they applied; one marking 11 after another marked 12 leaves 12."""
    with PostgresProfileStore(postgres_dsn) as one, PostgresProfileStore(postgres_dsn) as other:
        one.mark_log_position(LogPosition("g", 12))
        other.mark_log_position(LogPosition("g", 11))
        assert one.log_position() == LogPosition("g", 12)
        other.mark_log_position(LogPosition("h", 3))  # a reset log starts again from its first number
        assert one.log_position() == LogPosition("h", 3)


def test_the_settings_choose_the_postgres_store(postgres_dsn: str, tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path / "state", store={"backend": "postgres", "postgres_dsn": postgres_dsn})
    with open_store(settings) as store:
        assert isinstance(store, PostgresProfileStore) and store.name == "profiles"
    assert "postgres_dsn=SecretStr('**********')" in repr(settings.store)  # it may hold a password
    with pytest.raises(ValidationError, match="postgres_dsn"):
        load_settings(state_dir=tmp_path / "state", store={"backend": "postgres"})
    assert load_settings(state_dir=tmp_path / "state").store.backend == "faiss"  # the embedded default stays
