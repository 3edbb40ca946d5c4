"""context(), recommend() and item search latency on the PostgreSQL backends beside the embedded default, same run.

1. NYC size. The NYC data prepared by ``assistant.runtime.prepare`` three times: into an embedded state folder
   (SQLite log, FAISS stores; ``--embedded-state`` copies an already prepared folder to a temporary one instead),
   into ``store.backend = "postgres"`` (the log and both stores in PostgreSQL tables, vectors as pgvector
   ``vector(384)``, an HNSW index on the item store; the state folder keeps only the catalogue and the saved
   recommender), and, unless ``--no-chroma``, "chroma+pg": the log in PostgreSQL, both stores on a Chroma server
   (``chroma run`` on 127.0.0.1; a bench-only wiring, the settings have no such combination). Then, for
   ``--queries`` real users (a seeded sample), each asked a day after their last check-in at that check-in's place:
   ``Service.context`` and ``Service.recommend`` (``RecommendQuery(k=10)``, which fetches its own context as the
   API does), and the item index's search for one of ten typed descriptions (encoded once beforehand, so only the
   store's part is timed) within the service's 3 km and over the whole catalogue, the backends alternated per
   query (which goes first alternates too), after one untimed call each. The embedded backend is the baseline.
   Beside: recall@10 of each whole-catalogue search against FAISS Flat (exact) over the ten descriptions and 190
   places' vectors with noise (a hit as similar as the exact tenth counts: places with the same text tie), and the
   PostgreSQL item search with its HNSW index against an exact scan of the same table, and its per-user read
   (``user_columns``) from the pgvector table against a copy in the former ``real[]`` layout.
2. ``--scale`` × the NYC snapshots, embedded and PostgreSQL. Each backend's own snapshots copied ``scale - 1``
   times to new user ids (``u~1`` …) and written through the stores' bulk path (``ProfileStore.add_columns``, as
   ``ProfileService.build`` writes) into the prepared runtime's own profile store (the embedded one a temporary
   copy), so the same ``Service`` objects read the big store; then ``Service.context`` and ``Service.recommend``
   for the same real users as in part 1, backends alternated per query. What grows is the profile store every
   replica reads; the recommender (ranking model and history state) stays the NYC one: it never reads the profile
   store, and one for ten times the users would need a fit on ten times the events, far longer than the comparison
   is worth. So recommend at this size is the NYC ranking behind a context read from the big store.

The database: ``--dsn``, else ``WHERENOW_TEST_POSTGRES_DSN``, else a throwaway cluster from the installed PostgreSQL
binaries on 127.0.0.1 (as the tests start it), removed afterwards; each part gets a fresh schema. It needs pgvector
(``.ci/postgres.sh`` installs it). Target (informational): PostgreSQL p50 within 2x of the embedded p50 for context
and recommend at NYC size; the PostgreSQL store reads a user's rows over a local socket, where FAISS reads an
in-memory copy; recommend adds the recommender's ranking, the same in-memory object on every backend.

    .venv/bin/python bench/backend_latency.py --data /work/shared/data/foursquare-nyc \\
        [--embedded-state .wherenow-bench/nyc] [--queries 200] [--scale 10] [--dsn postgresql://...] [--no-chroma]
    .venv/bin/python bench/backend_latency.py --smoke    # the small test world, seconds; not judged
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from _reporting import exit_status, percentiles, write_report  # bench/ is the script's folder
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.postgres and tests.assistant.world: the clusters and world the tests use

from assistant.requests import LatLon  # noqa: E402
from assistant.runtime import Runtime, prepare  # noqa: E402
from assistant.service import SEARCH_RADIUS_KM, RecommendQuery, Service  # noqa: E402
from profiles.config import Settings, load_settings  # noqa: E402
from profiles.snapshots import SnapshotColumns  # noqa: E402
from profiles.stores.base import ProfileStore  # noqa: E402
from profiles.stores.chroma_store import ChromaProfileStore  # noqa: E402
from profiles.stores.postgres_store import _COLUMNS as PG_COLUMNS  # noqa: E402
from profiles.stores.postgres_store import PostgresProfileStore  # noqa: E402
from retrieval.item_index import ItemIndex  # noqa: E402
from tests.postgres import DSN_VARIABLE, fresh_schema, server_for  # noqa: E402
from tests.profiles.conftest import ChromaServer  # noqa: E402

RESULT = ROOT / "bench" / "results" / "backend_latency.json"
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "backend_latency.json"
TARGET_RATIO = 2.0  # PostgreSQL p50 / embedded p50, context and recommend at NYC size
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "foursquare-nyc"
WRITE_CHUNK = 50_000  # snapshots per add_columns call, as ProfileService.build writes
SMOKE = {"queries": 10, "scale": 10}
RECOMMENDER_AT_SCALE = (
    "the profile store (what every replica reads) holds the copies; the recommender (ranking model and history "
    "state) stays the NYC one, since a recommender for ten times the users would need a fit on ten times the events"
)
# Item searches, encoded once: what users type into the search box, cycled over the questions.
SEARCH_TEXTS = (
    "coffee",
    "quiet cafe with wifi",
    "pizza",
    "cheap sushi",
    "cocktail bar with live music",
    "museum",
    "park for a run",
    "bookstore",
    "gym",
    "late night diner",
)


@contextmanager
def database(dsn: str | None, smoke: bool) -> Iterator[str | None]:
    """A server DSN (``tests.postgres.server_for``); None (smoke only) without one."""
    with server_for(dsn) as server:
        if server is None:
            if not smoke:
                raise SystemExit(f"no PostgreSQL: pass --dsn, set {DSN_VARIABLE}, or install Debian's postgresql")
            print("no PostgreSQL binaries: the PostgreSQL half is skipped")
        yield server


def timed(call: Callable[..., object], *arguments: Any) -> float:
    started = time.perf_counter()
    call(*arguments)
    return time.perf_counter() - started


# ---- preparing the runtimes -----------------------------------------------------------------------------------


def postgres_settings(state_dir: Path, dsn: str, **overrides: Any) -> Settings:
    """Settings for a state folder whose log and stores are in the database at ``dsn``."""
    return load_settings(state_dir=state_dir, store={"backend": "postgres", "postgres_dsn": dsn}, **overrides)


@contextmanager
def stores_on_chroma(chroma: ChromaServer | None) -> Iterator[None]:
    """While preparing: every profile and item store on the Chroma server (bench-only wiring: the settings have no
    such combination), the event log where the settings put it (PostgreSQL)."""
    if chroma is None:
        yield
        return

    def opener(settings: Settings, name: str = "profiles", *, vector_index: bool = False) -> ProfileStore:
        return ChromaProfileStore.http(chroma.host, chroma.port, name)

    with mock.patch("profiles.profile.open_store", opener), mock.patch("retrieval.item_index.open_store", opener):
        yield


def nyc_runtimes(
    folder: Path, dsn: str, data: Path, embedded_state: Path | None, chroma: ChromaServer | None
) -> tuple[dict[str, Runtime], dict[str, float]]:
    """The NYC data prepared embedded, on PostgreSQL and (with a Chroma server) on Chroma with the log in
    PostgreSQL; seconds each preparation took."""
    embedded_dir = folder / "embedded"
    if embedded_state is not None:
        # A copy: prepare() takes the folder's lock and may write (replays, a saved recommender).
        shutil.copytree(embedded_state, embedded_dir, ignore=shutil.ignore_patterns("wherenow.lock"))
    embedded_settings = load_settings(state_dir=embedded_dir, data={"dir": data})
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    embedded = prepare(embedded_settings, progress=False)
    seconds["embedded"] = round(time.perf_counter() - started, 1)
    print(f"embedded prepared in {seconds['embedded']} s: {embedded.report.summary()}", flush=True)
    runtimes = {"embedded": embedded}
    for name, server in (("postgres", None), ("chroma+pg", chroma)):
        if name == "chroma+pg" and chroma is None:
            continue
        pg_settings = postgres_settings(folder / name, fresh_schema(dsn), data={"dir": data})
        started = time.perf_counter()
        with stores_on_chroma(server):
            runtimes[name] = prepare(pg_settings, progress=False)
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"{name} prepared in {seconds[name]} s: {runtimes[name].report.summary()}", flush=True)
    return runtimes, seconds


def world_runtimes(
    folder: Path, dsn: str | None, chroma: ChromaServer | None
) -> tuple[dict[str, Runtime], dict[str, float]]:
    """The tests' small world, embedded and (with a server) on PostgreSQL, and on Chroma with the log there."""
    from tests.assistant.replicas import seed_world
    from tests.assistant.world import _template, world_runtime, world_settings
    from tests.fixtures.world import small_config

    settings = world_settings(folder / "embedded")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    embedded = world_runtime(settings)
    seconds["embedded"] = round(time.perf_counter() - started, 1)
    runtimes = {"embedded": embedded}
    if dsn is None:
        return runtimes, seconds
    for name, server in (("postgres", None), ("chroma+pg", chroma)):
        if name == "chroma+pg" and chroma is None:
            continue
        schema = fresh_schema(dsn)
        pg_settings = postgres_settings(folder / name, schema, privacy={"insights_min_users": 2})
        # The catalogue from the world's folder, the events into the shared log: prepare() builds the rest there.
        shutil.copytree(_template(), pg_settings.state_dir, ignore=shutil.ignore_patterns("events.sqlite*", "stores"))
        seed_world(schema)
        started = time.perf_counter()
        with stores_on_chroma(server):
            runtimes[name] = prepare(pg_settings, progress=False, config=small_config())
        seconds[name] = round(time.perf_counter() - started, 1)
    return runtimes, seconds


# ---- part 1: the service on each backend -----------------------------------------------------------------------


def asked(runtime: Runtime, queries: int) -> list[tuple[str, datetime, LatLon]]:
    """Sampled users, each a day after their last logged event, at its place."""
    users = runtime.users()
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(users), size=min(queries, len(users)), replace=False)
    found = []
    for position in chosen:
        last = runtime.log.last(users[position])
        assert last is not None
        event = last.event
        found.append((event.user_id, event.timestamp + timedelta(days=1), LatLon(event.latitude, event.longitude)))
    # With fewer users than queries (the small world), users repeat.
    return [found[n % len(found)] for n in range(queries)]


def service_latency(
    services: dict[str, Service], questions: list[tuple[str, datetime, LatLon]], texts: list[np.ndarray]
) -> dict[str, Any]:
    """Per backend, the backends alternated per question: context() and recommend(); and the item index's searches
    (the query vectors encoded beforehand, so only the store's part differs) within the service's radius and over
    the whole catalogue."""
    query = RecommendQuery(k=10)
    indexes = {name: service.runtime.item_index for name, service in services.items()}
    for name, service in services.items():  # first calls load what is read once (encoder, caches)
        user, at, where = questions[0]
        service.context(user, at, where)
        service.recommend(user, at, where, query)
        indexes[name].search(texts[0], 10)
    kinds = ("context", "recommend", "search_3km", "search_all")
    samples: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in kinds} for name in services}
    names = list(services)
    for n, (user, at, where) in enumerate(questions):
        vector, near = texts[n % len(texts)], (where.latitude, where.longitude)
        for name in names if n % 2 == 0 else names[::-1]:
            service, index = services[name], indexes[name]
            samples[name]["context"].append(timed(service.context, user, at, where))
            samples[name]["recommend"].append(timed(service.recommend, user, at, where, query))
            samples[name]["search_3km"].append(timed(near_search, index, vector, near))
            samples[name]["search_all"].append(timed(index.search, vector, 10))
    return {name: {kind: percentiles(values, 2) for kind, values in table.items()} for name, table in samples.items()}


def near_search(index: ItemIndex, vector: np.ndarray, near: tuple[float, float]) -> None:
    """The service's place search: five places within its radius."""
    index.search(vector, 5, near=near, radius_km=SEARCH_RADIUS_KM)


def recall_queries(index: ItemIndex, texts: list[np.ndarray], count: int = 200) -> list[np.ndarray]:
    """The typed descriptions, then places' own vectors with noise (seeded) up to ``count`` queries."""
    vectors = index.vectors()
    rng = np.random.default_rng(2)
    chosen = vectors[rng.choice(len(vectors), size=max(0, count - len(texts)), replace=len(vectors) < count)]
    return [*texts, *(chosen + rng.normal(0.0, 0.05, chosen.shape).astype(np.float32))]


def search_recall(indexes: dict[str, ItemIndex], queries: list[np.ndarray], k: int = 10) -> dict[str, float]:
    """Recall@k of each backend's whole-catalogue search against the embedded one's (FAISS Flat: exact). Places
    with the same text share one vector, so a hit counts as found when it is as similar as the exact k-th."""
    kth = [indexes["embedded"].search(vector, k)[-1].similarity for vector in queries]
    recall = {}
    for name, index in indexes.items():
        if name != "embedded":
            found = [
                sum(hit.similarity >= last - 1e-5 for hit in index.search(vector, k))
                for vector, last in zip(queries, kth, strict=True)
            ]
            recall[name] = round(float(np.mean(found)) / k, 3)
    return recall


def postgres_user_read(runtime: Runtime, questions: list[tuple[str, datetime, LatLon]]) -> dict[str, Any]:
    """One user's rows as columns (what context() reads first) from the pgvector table and from a copy in the former
    layout (vectors as ``real[]``, read by the same code in binary), users alternated."""
    store = runtime.profiles.store
    assert isinstance(store, PostgresProfileStore) and runtime.settings.store.postgres_dsn is not None
    legacy = PostgresProfileStore(runtime.settings.store.postgres_dsn.get_secret_value(), store.name)
    try:
        columns = sql.SQL(", ").join(sql.Identifier(column) for column in PG_COLUMNS if column != "embedding")
        legacy._db.execute(
            sql.SQL("CREATE TABLE bench_real_array AS SELECT {}, embedding::real[] AS embedding FROM {}").format(
                columns, store._table
            )
        )
        legacy._db.execute("CREATE INDEX ON bench_real_array (user_id, latitude)")
        legacy._db.execute("ANALYZE bench_real_array")
        legacy._table = sql.Identifier("bench_real_array")  # bench-only: the store's own read, on the copy
        pair = [("vector", store), ("real_array", legacy)]
        samples: dict[str, list[float]] = {"vector": [], "real_array": []}
        for n, (user, _, _) in enumerate(questions):
            for name, reader in pair if n % 2 == 0 else pair[::-1]:
                samples[name].append(timed(reader.user_columns, user))
        return {f"user_columns_{name}": percentiles(values, 2) for name, values in samples.items()}
    finally:
        legacy.close()


def postgres_exact_search(runtime: Runtime, texts: list[np.ndarray], queries: int) -> dict[str, Any]:
    """The PostgreSQL item store searched without its HNSW index (an exact scan of the same table), beside it."""
    indexed = runtime.item_index
    assert runtime.settings.store.postgres_dsn is not None
    store = PostgresProfileStore(
        runtime.settings.store.postgres_dsn.get_secret_value(), indexed.store.name
    )  # the same table; vector_index off: exact order by
    exact = ItemIndex(store, indexed.catalogue, runtime.settings)
    try:
        exact.search(texts[0], 10)
        samples: dict[str, list[float]] = {"hnsw": [], "exact": []}
        pair = [("hnsw", indexed), ("exact", exact)]
        for n in range(queries):
            for name, index in pair if n % 2 == 0 else pair[::-1]:
                samples[name].append(timed(index.search, texts[n % len(texts)], 10))
        return {f"search_all_{name}": percentiles(values, 2) for name, values in samples.items()}
    finally:
        store.close()


# ---- part 2: a larger profile store ----------------------------------------------------------------------------


def every_snapshot(store: ProfileStore) -> SnapshotColumns:
    """Every snapshot of a store as one block of columns, user by user."""
    parts = [store.user_columns(user) for user in store.users()]
    return SnapshotColumns(
        user_id=np.concatenate([part.user_id for part in parts]),
        window=np.concatenate([part.window for part in parts]),
        cell=np.concatenate([part.cell for part in parts]),
        start_us=np.concatenate([part.start_us for part in parts]),
        end_us=np.concatenate([part.end_us for part in parts]),
        latitude=np.concatenate([part.latitude for part in parts]),
        longitude=np.concatenate([part.longitude for part in parts]),
        count=np.concatenate([part.count for part in parts]),
        weight_sum=np.concatenate([part.weight_sum for part in parts]),
        hour_of_week=np.concatenate([part.hour_of_week for part in parts]),
        hour_concentration=np.concatenate([part.hour_concentration for part in parts]),
        top_labels=[labels for part in parts for labels in part.top_labels],
        label_weights=[weights for part in parts for weights in part.label_weights],
        embedding=np.concatenate([part.embedding for part in parts]),
    )


def copies(original: SnapshotColumns, scale: int) -> Iterator[SnapshotColumns]:
    """``scale - 1`` copies of the original under new user ids (``u~1``, …), in write-sized chunks; the original
    itself is already in the store they are written to."""
    for copy in range(1, scale):
        renamed = np.array([f"{user}~{copy}" for user in original.user_id], dtype=object)
        columns = replace(original, user_id=renamed)
        for start in range(0, len(columns), WRITE_CHUNK):
            yield columns.take(np.arange(start, min(start + WRITE_CHUNK, len(columns))))


SCALED_BACKENDS = ("embedded", "postgres")  # Chroma: writing 10x through its HTTP API is not worth the wait


def scaled_service(
    services: dict[str, Service], scale: int, questions: list[tuple[str, datetime, LatLon]]
) -> dict[str, Any]:
    """Service.context() and Service.recommend() with each backend's own profile store grown to ``scale`` × its
    snapshots: the store every replica reads. The copies go into the prepared runtime's store itself (the embedded
    one is already a temporary copy), so the service's context fetch reads the big store. The recommender (model
    and history state) stays the NYC one: it never reads the profile store, and one for ten times the users would
    need a fit on ten times the events. The same real users as at NYC size, since only they are known to it."""
    chosen = {name: services[name] for name in SCALED_BACKENDS if name in services}
    result: dict[str, Any] = {"scale": scale}
    for name, service in chosen.items():
        store = service.runtime.profiles.store
        original = every_snapshot(store)  # the backend's own snapshots, so each copy matches its store
        started = time.perf_counter()
        for chunk in copies(original, scale):
            store.add_columns(chunk)
        store.persist()
        result[f"seconds_bulk_write_{name}"] = round(time.perf_counter() - started, 1)
        result[f"snapshots_{name}"] = count = store.count()
        print(f"{name}: {count:,} snapshots after {result[f'seconds_bulk_write_{name}']} s of writes", flush=True)
    query = RecommendQuery(k=10)
    for service in chosen.values():  # first calls after the writes: untimed, as at NYC size
        user, at, where = questions[0]
        service.context(user, at, where)
        service.recommend(user, at, where, query)
    samples: dict[str, dict[str, list[float]]] = {name: {"context": [], "recommend": []} for name in chosen}
    names = list(chosen)
    for n, (user, at, where) in enumerate(questions):
        for name in names if n % 2 == 0 else names[::-1]:
            service = chosen[name]
            samples[name]["context"].append(timed(service.context, user, at, where))
            samples[name]["recommend"].append(timed(service.recommend, user, at, where, query))
    result["service"] = {
        name: {kind: percentiles(values, 2) for kind, values in table.items()} for name, table in samples.items()
    }
    return result


# ---- report --------------------------------------------------------------------------------------------------


def ratio(table: dict[str, Any], name: str = "postgres") -> float | None:
    """A backend's p50 over the embedded p50 in a {backend: percentiles} table; None without that backend."""
    if name not in table:
        return None
    return round(table[name]["p50_ms"] / table["embedded"]["p50_ms"], 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data", type=Path, default=None, help=f"the NYC folder (default $WHERENOW_DATA__DIR or {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--embedded-state", type=Path, default=None, help="a prepared NYC state folder to copy (read only)"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--scale", type=int, default=10, help="the larger store holds this many times the snapshots; 0 skips it"
    )
    parser.add_argument("--dsn", default=None, help=f"a PostgreSQL server (default ${DSN_VARIABLE} or a throwaway one)")
    parser.add_argument(
        "--no-chroma", action="store_true", help="skip the Chroma server (stores) with PostgreSQL (log) variant"
    )
    parser.add_argument("--output", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"the tests' small world, {SMOKE}; not judged")
    arguments = parser.parse_args()
    if arguments.smoke:
        vars(arguments).update(SMOKE)
    output = arguments.output or (SMOKE_RESULT if arguments.smoke else RESULT)
    data = arguments.data or Path(os.environ.get("WHERENOW_DATA__DIR", DEFAULT_DATA))

    with (
        database(arguments.dsn, arguments.smoke) as server,
        tempfile.TemporaryDirectory(prefix="wherenow-backends-") as temporary,
        ExitStack() as stack,
    ):
        folder = Path(temporary)
        chroma = None
        if server is not None and not arguments.no_chroma:
            chroma = ChromaServer(folder / "chroma", folder / "chroma.log")
            chroma.start()
            stack.callback(chroma.stop)
        if arguments.smoke:
            runtimes, prepared = world_runtimes(folder, server, chroma)
        else:
            assert server is not None
            runtimes, prepared = nyc_runtimes(folder, server, data, arguments.embedded_state, chroma)
        for runtime in runtimes.values():
            stack.callback(runtime.close)
        embedded = runtimes["embedded"]
        questions = asked(embedded, arguments.queries)
        texts = list(embedded.item_index.encoder.encode(list(SEARCH_TEXTS)))
        # One Service per backend for both sizes: the 10x part grows the stores these services read.
        services = {name: Service(runtime) for name, runtime in runtimes.items()}
        nyc = service_latency(services, questions, texts)
        nyc_size = {"users": len(embedded.users()), "snapshots": embedded.profiles.store.count()}
        for name, runtime in runtimes.items():
            if name != "embedded":
                nyc_size[f"snapshots_{name}"] = runtime.profiles.store.count()
        for name, table in nyc.items():
            print(f"{name:<9} context {table['context']}  recommend {table['recommend']}")
            print(f"{name:<9} search_3km {table['search_3km']}  search_all {table['search_all']}")
        indexes = {name: runtime.item_index for name, runtime in runtimes.items()}
        recall = search_recall(indexes, recall_queries(embedded.item_index, texts))
        print(f"recall@10 of the whole-catalogue search against FAISS Flat (exact): {recall}")
        hnsw = postgres_exact_search(runtimes["postgres"], texts, arguments.queries) if "postgres" in runtimes else None
        if hnsw is not None:
            print(f"postgres item search without / with HNSW: {hnsw['search_all_exact']} / {hnsw['search_all_hnsw']}")
        read = postgres_user_read(runtimes["postgres"], questions) if "postgres" in runtimes else None
        if read is not None:
            print(
                f"postgres user read real[] / vector: {read['user_columns_real_array']} / {read['user_columns_vector']}"
            )
        scaled = scaled_service(services, arguments.scale, questions) if arguments.scale > 1 else None
    if scaled is not None:
        for name, table in scaled["service"].items():
            print(f"{arguments.scale}x {name:<9} context {table['context']}  recommend {table['recommend']}")
        print(f"{arguments.scale}x: {RECOMMENDER_AT_SCALE}")
    kinds = ("context", "recommend", "search_3km", "search_all")
    ratios = {
        backend: {kind: ratio({name: table[kind] for name, table in nyc.items()}, backend) for kind in kinds}
        for backend in nyc
        if backend != "embedded"
    }
    if scaled is not None and "postgres" in ratios:
        for kind in ("context", "recommend"):
            at_scale = {name: table[kind] for name, table in scaled["service"].items()}
            ratios["postgres"][f"{kind}_{arguments.scale}x"] = ratio(at_scale)
    judged = [ratios.get("postgres", {}).get(kind) for kind in ("context", "recommend")]
    passed = all(value is not None and value <= TARGET_RATIO for value in judged)
    report = {
        "what": "Service.context/recommend and item-index search p50/p99 on PostgreSQL with pgvector, and on a Chroma "
        "server for the stores with PostgreSQL for the log, vs the embedded default (baseline), same run",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "world": "tests' small world" if arguments.smoke else f"NYC ({data})",
        "size": nyc_size,
        "seconds_prepare": prepared,
        "queries": arguments.queries,
        "service": nyc,
        "search_recall_at_10_vs_exact": recall,
        "postgres_item_search_exact_vs_hnsw": hnsw,
        "postgres_user_read_vector_vs_former_real_array": read,
        "scaled_profile_store": scaled,
        "recommender_at_scale": RECOMMENDER_AT_SCALE if scaled is not None else None,
        "ratio_over_embedded_p50": ratios,
        "target": f"postgres p50 <= {TARGET_RATIO}x embedded p50 for context and recommend at NYC size",
        "passed": passed,
        "smoke": arguments.smoke,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
    }
    write_report(output, report)
    print(f"p50 ratio over embedded {ratios}")
    print(f"target postgres p50 <= {TARGET_RATIO}x embedded: {'met' if passed else 'MISSED'}; wrote {output}")
    return exit_status(passed, arguments.smoke, "the small world on shared cores")


if __name__ == "__main__":
    sys.exit(main())
