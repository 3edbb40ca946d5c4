"""The PostgreSQL profile store passes the store contract, with and without its HNSW index; and what only a shared
store needs: two replicas' connections see each other's writes and forgets at once, and stores of different names
keep apart; tables of the former real[] layout are converted to pgvector on open."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pydantic import ValidationError

from profiles.config import load_settings
from profiles.snapshots import to_epoch_us
from profiles.stores import open_store
from profiles.stores.base import LogPosition
from profiles.stores.contract import PER_USER, ProfileStoreContract, make_snapshots, query_vector, same
from profiles.stores.postgres_store import PostgresProfileStore


class TestPostgresStore(ProfileStoreContract):
    @pytest.fixture
    def store_opener(self, postgres_dsn: str) -> Callable[[], PostgresProfileStore]:
        return lambda: PostgresProfileStore(postgres_dsn)


class TestPostgresStoreWithVectorIndex(ProfileStoreContract):
    """As the item index opens it: searches may walk the HNSW index."""

    @pytest.fixture
    def store_opener(self, postgres_dsn: str) -> Callable[[], PostgresProfileStore]:
        return lambda: PostgresProfileStore(postgres_dsn, vector_index=True)


def _indexes(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()").fetchall()
    return [row[0] for row in rows]


def test_only_a_store_searched_across_users_keeps_an_hnsw_index(postgres_dsn: str) -> None:
    snapshots = make_snapshots()
    with PostgresProfileStore(postgres_dsn, "profiles") as profiles:
        profiles.add(snapshots)
    assert not any("USING hnsw" in index for index in _indexes(postgres_dsn))
    with PostgresProfileStore(postgres_dsn, "items", vector_index=True) as items:
        items.add(snapshots)
        # Walking the index (the planner's choice made certain) finds the exact nearest snapshot.
        items._db.execute("SET enable_seqscan = off")
        best, score = items.query(snapshots[7].vector, 1)[0]
        assert best.snapshot_id == snapshots[7].snapshot_id and score == pytest.approx(1.0, abs=1e-5)
    assert [index for index in _indexes(postgres_dsn) if "USING hnsw (embedding public.vector_cosine_ops)" in index]


def test_the_item_index_asks_for_a_vector_index(postgres_dsn: str, tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path / "state", store={"backend": "postgres", "postgres_dsn": postgres_dsn})
    with open_store(settings, "items", vector_index=True) as store:
        assert isinstance(store, PostgresProfileStore) and store.vector_index
    with open_store(settings) as store:
        assert isinstance(store, PostgresProfileStore) and not store.vector_index


def test_without_pgvector_the_store_names_the_fix(postgres_server: str) -> None:
    """A database without the extension, opened by an account that may not create it: a clear refusal."""
    suffix = uuid.uuid4().hex[:12]
    database, role = f"novector_{suffix}", f"plain_{suffix}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
        admin.execute(f"CREATE ROLE {role} LOGIN")
        try:
            with pytest.raises(RuntimeError, match=r"needs the pgvector extension.*CREATE EXTENSION vector"):
                PostgresProfileStore(make_conninfo(postgres_server, dbname=database, user=role))
        finally:
            admin.execute(f"DROP DATABASE {database}")
            admin.execute(f"DROP ROLE {role}")


def test_a_real_array_table_is_converted_to_pgvector(postgres_dsn: str) -> None:
    """A store written before pgvector (vectors as real[] beside their norms) opens with its vectors intact."""
    snapshots = make_snapshots()[:3]
    with PostgresProfileStore(postgres_dsn) as store:
        table = store._table.as_string(store._db)
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute(f"DROP TABLE {table}")
        connection.execute(
            f'CREATE TABLE {table} (snapshot_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "window" TEXT NOT NULL, '
            "cell TEXT NOT NULL, start_us BIGINT NOT NULL, end_us BIGINT NOT NULL, latitude DOUBLE PRECISION NOT NULL, "
            "longitude DOUBLE PRECISION NOT NULL, count BIGINT NOT NULL, weight_sum DOUBLE PRECISION NOT NULL, "
            "hour_of_week DOUBLE PRECISION NOT NULL, hour_concentration DOUBLE PRECISION NOT NULL, "
            "top_labels TEXT NOT NULL, label_weights TEXT NOT NULL, embedding REAL[] NOT NULL, "
            "norm DOUBLE PRECISION NOT NULL)"
        )
        for s in snapshots:
            connection.execute(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (s.snapshot_id, s.user_id, s.window, s.cell, to_epoch_us(s.start), to_epoch_us(s.end), s.latitude,
                 s.longitude, s.count, s.weight_sum, s.hour_of_week, s.hour_concentration, json.dumps(s.top_labels),
                 json.dumps(s.label_weights), s.embedding, float(np.linalg.norm(s.embedding))),
            )  # fmt: skip
        connection.execute("UPDATE profile_store_meta SET dimension = %s", (len(snapshots[0].embedding),))
    with PostgresProfileStore(postgres_dsn) as store:
        assert all(same(store.get(s.snapshot_id), s) for s in snapshots)
        best, score = store.query(snapshots[1].vector, 1)[0]
        assert best.snapshot_id == snapshots[1].snapshot_id and score == pytest.approx(1.0, abs=1e-5)


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
