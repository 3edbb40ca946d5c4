"""Privacy: keyed pseudonyms, coarsened coordinates, and forgetting a user everywhere (with the real encoder)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pydantic import SecretStr

from profiles.config import ModelSettings, PreprocessingSettings, Settings, load_settings
from profiles.encoder import EmbeddingCache, InterestEncoder, item_texts
from profiles.eventlog import events_from_frame, open_event_log
from profiles.events import EVENT_COLUMNS
from profiles.geo import cell_centre, cell_of, haversine_km
from profiles.ingest import ITEMS_FILE, read_events
from profiles.preprocessing import preprocess
from profiles.privacy import PSEUDONYM_HEX_DIGITS, coarsen, pseudonymise, stored_user_id
from profiles.profile import ProfileService

KEY = "a-test-key-kept-out-of-real-configs"
ALICE, BOB = "alice.raw-7f3e", "bob.raw-91c2"  # distinctive, so a byte search cannot match by chance
MIDTOWN = (40.7484, -73.9857)
VILLAGE = (40.7336, -74.0027)
SATURDAY_EVENING = datetime(2012, 4, 14, 23, 30, tzinfo=UTC)

ITEMS = pd.DataFrame(
    [
        ("jazz", "Blue Note", "Jazz Club", "Arts and Entertainment > Music Venue > Jazz Club", *VILLAGE),
        ("coffee", "Joe", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", *MIDTOWN),
        ("park", "Bryant Park", "Park", "Landmarks and Outdoors > Park", *MIDTOWN),
    ],
    columns=["item_id", "name", "category", "category_path", "latitude", "longitude"],
).assign(description="")
ROWS = [
    (ALICE, "jazz", "2012-04-07T23:00Z", VILLAGE, "like"),
    (ALICE, "jazz", "2012-04-07T23:50Z", (VILLAGE[0] + 0.0005, VILLAGE[1]), "visit"),
    (ALICE, "coffee", "2012-04-09T13:00Z", MIDTOWN, "visit"),
    (BOB, "park", "2012-04-08T15:00Z", MIDTOWN, "visit"),
    (BOB, "coffee", "2012-04-10T13:00Z", MIDTOWN, "search"),
]


@pytest.fixture(scope="module")
def encoder() -> InterestEncoder:
    return InterestEncoder(ModelSettings())


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[EmbeddingCache]:
    with EmbeddingCache(tmp_path / "embeddings.sqlite") as opened:
        yield opened


def private_settings(folder: Path, backend: str = "faiss") -> Settings:
    privacy = {"pseudonymise_users": True, "pseudonym_key": KEY, "coarsen_coordinates": True}
    return load_settings(state_dir=folder, store={"backend": backend}, privacy=privacy)


def ingested(settings: Settings) -> pd.DataFrame:
    """What an ingest leaves in the state folder: preprocessed events and the catalogue."""
    frame = pd.DataFrame(
        [(user, item, when, lat, lon, action) for user, item, when, (lat, lon), action in ROWS],
        columns=["user_id", "item_id", "timestamp", "latitude", "longitude", "action"],
    ).assign(text=None, category=None)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    events = preprocess(frame[list(EVENT_COLUMNS)], PreprocessingSettings()).events
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with open_event_log(settings.state_dir) as log:
        log.append(events_from_frame(events))
    ITEMS.to_parquet(settings.state_dir / ITEMS_FILE)
    return events


def folder_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


# ---- the functions ------------------------------------------------------------------------------------------


def test_pseudonyms_are_keyed_stable_and_opaque() -> None:
    name = pseudonymise(ALICE, KEY)
    assert name == pseudonymise(ALICE, SecretStr(KEY)) == pseudonymise(ALICE, KEY.encode())
    assert name == hmac.new(KEY.encode(), ALICE.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]
    assert len(name) == 32 and int(name, 16) >= 0 and ALICE not in name
    assert pseudonymise(ALICE, "another key") != name and pseudonymise(BOB, KEY) != name
    with pytest.raises(ValueError, match="key"):
        pseudonymise(ALICE, "")
    with pytest.raises(ValueError, match="user_id"):
        pseudonymise("", KEY)


def test_pseudonymising_needs_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pseudonym_key"):
        load_settings(privacy={"pseudonymise_users": True})
    plain = load_settings(state_dir=tmp_path)
    assert stored_user_id(ALICE, plain.privacy) == ALICE
    assert stored_user_id(ALICE, private_settings(tmp_path).privacy) == pseudonymise(ALICE, KEY)


def test_coarsen_gives_the_cell_centre() -> None:
    latitude, longitude = coarsen(*MIDTOWN, 8)
    assert (latitude, longitude) == cell_centre(cell_of(*MIDTOWN, 8))
    assert cell_of(latitude, longitude, 8) == cell_of(*MIDTOWN, 8)
    assert 0 < haversine_km(*MIDTOWN, latitude, longitude) < 0.6  # within a resolution-8 cell


# ---- the service ----------------------------------------------------------------------------------------------


def test_the_store_holds_pseudonyms_and_cell_centres(tmp_path: Path, encoder: InterestEncoder, cache: EmbeddingCache):
    settings = private_settings(tmp_path / "state")
    ingested(settings)
    with ProfileService(settings, encoder=encoder, cache=cache) as service:
        service.build(progress=False)
        assert service.store.users() == sorted([pseudonymise(ALICE, KEY), pseudonymise(BOB, KEY)])
        snapshots = service.store.get_user(pseudonymise(ALICE, KEY))
        assert len(snapshots) == 2
        assert all((s.latitude, s.longitude) == cell_centre(s.cell) for s in snapshots)
        # Callers keep using the raw id; the real encoder knows jazz from coffee.
        context = service.context(ALICE, SATURDAY_EVENING, *VILLAGE, query="late night jazz")
        by_label = {entry.top_labels[0]: entry for entry in context.snapshots}
        jazz, coffee = by_label["Jazz Club"], by_label["Coffee Shop"]
        assert jazz.count == 2
        assert jazz.query_similarity is not None and coffee.query_similarity is not None
        assert jazz.query_similarity > coffee.query_similarity + 0.1
        assert context.snapshots[0] == jazz and context.user_id == ALICE
        # The cache holds the items' texts and nothing else: no query, no user.
        assert cache.count() == len(ITEMS)
        assert set(cache.get_many(encoder.model_id, map(_key, item_texts(ITEMS)))) == set(map(_key, item_texts(ITEMS)))
    stored = folder_bytes(settings.state_dir / "stores")
    assert ALICE.encode() not in stored and BOB.encode() not in stored
    assert pseudonymise(ALICE, KEY).encode() in stored


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


@pytest.mark.parametrize("backend", ["faiss", "chroma"])
def test_forget_removes_the_user_everywhere(tmp_path: Path, encoder: InterestEncoder, backend: str) -> None:
    settings = private_settings(tmp_path / "state", backend)
    events = ingested(settings)
    with ProfileService(settings, encoder=encoder, items=ITEMS) as service:
        service.build(progress=False)
        before = service.store.count()
        assert service.forget(ALICE) == 2
        assert service.store.count() == before - 2
        assert service.context(ALICE, SATURDAY_EVENING, *VILLAGE).snapshots == []
        assert service.forget(ALICE) == 0  # twice is harmless
    with open_event_log(settings.state_dir) as log:
        assert log.delete_user(ALICE) == 3 and log.delete_user(ALICE) == 0
    stored_events = read_events(settings)
    assert stored_events is not None
    assert ALICE not in set(stored_events["user_id"]) and len(stored_events) == (events["user_id"] == BOB).sum()
    assert not list(settings.state_dir.glob("*.partial"))
    # Reopened, in a fresh service and store: still gone, and Bob untouched.
    with ProfileService(settings, encoder=encoder, items=ITEMS) as reopened:
        assert reopened.store.users() == [pseudonymise(BOB, KEY)]
        assert reopened.store.get_user(pseudonymise(ALICE, KEY)) == []
        gone = reopened.context(ALICE, SATURDAY_EVENING, *VILLAGE)
        assert gone.snapshots == [] and gone.note is not None and "no profile" in gone.note
        assert len(reopened.context(BOB, SATURDAY_EVENING, *MIDTOWN).snapshots) == 2
    if backend == "faiss":
        # SQLite overwrites deleted rows and the index file is rewritten: not even the pseudonym remains, and the
        # event log keeps no trace of the raw id either.
        assert pseudonymise(ALICE, KEY).encode() not in folder_bytes(settings.state_dir)
        assert ALICE.encode() not in folder_bytes(settings.state_dir)


def test_forget_without_stored_events(settings: Settings, encoder: InterestEncoder) -> None:
    with ProfileService(settings, encoder=encoder, items=ITEMS) as service:
        assert service.forget("nobody") == 0
