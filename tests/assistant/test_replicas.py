"""Two app processes over one PostgreSQL database (``store.backend = "postgres"``): what one is told the other
knows shortly after, a forget through one removes the user from the other, and a replica that starts late catches
up from the shared log. (How shortly is measured by bench/replica_propagation.py, not asserted here.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.assistant.replicas import Replica, seed_world, visit, wait_until

PATIENCE_S = 60.0  # a generous bound for shared cores; the follower looks at least once a second


@pytest.fixture
def replicas(tmp_path: Path, postgres_dsn: str) -> Iterator[list[Replica]]:
    made = [Replica(tmp_path / f"replica-{n}", postgres_dsn) for n in range(2)]
    yield made
    for replica in made:
        replica.stop()


def test_two_replicas_share_events_and_forgets(replicas: list[Replica], postgres_dsn: str) -> None:
    after = seed_world(postgres_dsn)
    one, other = replicas
    one.start()
    assert one.call("POST", "/api/events", {"events": [visit("early-bird", after, 1)]}) == (200, {"added": 1})

    other.start()  # late: catches up from the log
    assert other.recommends_for("early-bird")

    # Told to one, known by the other without a restart.
    assert not other.recommends_for("newcomer")
    assert one.call("POST", "/api/events", {"events": [visit("newcomer", after, 2)]})[0] == 200
    assert wait_until(lambda: other.recommends_for("newcomer"), PATIENCE_S) is not None
    # Feedback given through the other replica is one more event in the shared log, stored once.
    body = {"events": [visit("newcomer", after, 3)]}
    assert other.call("POST", "/api/events", body) == (200, {"added": 1})
    assert one.call("POST", "/api/events", body) == (200, {"added": 0})

    # Forgotten through the other, gone from the one, and from the shared database.
    status, report = other.call("DELETE", "/api/users/newcomer")
    assert status == 200 and report["events"] == 2 and report["snapshots"] > 0
    assert wait_until(lambda: not one.recommends_for("newcomer"), PATIENCE_S) is not None
    assert one.recommends_for("early-bird")  # nobody else went
    with psycopg.connect(postgres_dsn) as connection:
        assert connection.execute("SELECT COUNT(*) FROM event_log WHERE user_id = 'newcomer'").fetchone() == (0,)
        tables = [
            row[0]
            # This test's schema only: other tests' schemas in the same server hold tables of the same names.
            for row in connection.execute(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename LIKE 'profile_store_%'"
            )
        ]
        assert len(tables) > 1  # the stores' tables beside their meta table
        for table in tables:
            if table != "profile_store_meta":
                held = connection.execute(f'SELECT COUNT(*) FROM "{table}" WHERE user_id = %s', ("newcomer",))
                assert held.fetchone() == (0,)
