"""Everything the app, the HTTP API and the chat assistant need, prepared once and reused on later starts.

:func:`prepare` brings a state folder to a ready :class:`Runtime`, doing each expensive step only when its result
is missing: ingest the data (once), encode the catalogue into the item index (once per catalogue and encoder),
build the profile snapshots (once), and fit the recommender (once per stored events, catalogue and settings; the
fitted recommender is saved under ``<state_dir>/recommender/<digest>.pkl`` and loaded on later starts). A second
start on the same state folder therefore only opens stores and unpickles the recommender.

The runtime keeps the three views of behaviour — stored events, profile snapshots and the recommender's state —
in step: :meth:`Runtime.add_events` stores events and then teaches both models; :meth:`Runtime.forget` removes a
user from all three. Both change the stored events, so the next start refits the recommender on what remains.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ValidationError

from profiles.config import Settings
from profiles.context import InterestContext
from profiles.encoder import EmbeddingCache, encoder_model_id
from profiles.events import EVENT_COLUMNS, Action, Event
from profiles.ingest import EVENTS_FILE, ITEMS_FILE, ingest, read_events, read_items, write_frame
from profiles.loaders import DataError
from profiles.preprocessing import collapse_repeats, preprocess
from profiles.profile import ForgetReport, ProfileService
from retrieval.item_index import Embedder, ItemIndex
from retrieval.ranker import RankerConfig
from retrieval.recommender import RECOMMENDER_FORMAT, PlaceRecommender, Recommendation

logger = logging.getLogger(__name__)

RECOMMENDER_DIR = "recommender"
DATA_DIR_VARIABLE = "WHERENOW_DATA__DIR"  # named in messages only; profiles.config reads the environment
CUSTOM_EMBEDDER = "custom-embedder"  # the model id ItemIndex gives an injected embedder's vectors
# Libraries whose objects are inside the pickle: a new version refits instead of unpickling what it may misread.
_PICKLED_LIBRARIES = ("numpy", "pandas", "scikit-learn", "lightgbm")
_ROW = "_runtime_row"  # marks added events through preprocessing: their index in the batch, -1 for stored rows


# ---- the prepared runtime ----------------------------------------------------------------------------------


@dataclass
class PrepareReport:
    """What prepare() did and found, and where its time went (seconds per phase)."""

    ingested: bool = False
    profiles_built: bool = False
    recommender_fitted: bool = False
    recommender_file: Path | None = None
    events: int = 0
    users: int = 0
    places: int = 0
    snapshots: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the counts, what was built or reused, and the total time."""
        steps = [
            "ingested" if self.ingested else "events reused",
            "profiles built" if self.profiles_built else "profiles reused",
            "recommender fitted" if self.recommender_fitted else "recommender loaded",
        ]
        return (
            f"ready in {sum(self.timings.values()):.1f} s: {self.events:,} events · {self.users:,} users · "
            f"{self.places:,} places · {self.snapshots:,} snapshots ({', '.join(steps)})"
        )


@dataclass
class Runtime:
    """The ingested catalogue, the profile service, the recommender and the item index of one state folder.

    Made by :func:`prepare`; close it (or use it as a context manager) to persist and release the stores. Methods
    that change state hold ``lock`` (the app serves requests from several threads); :meth:`recommend` and
    :meth:`context` hold it too, so a read never sees an event half applied. Code that calls ``recommender`` or
    ``profiles`` directly from threads should take ``lock`` itself.
    """

    settings: Settings
    items: pd.DataFrame
    profiles: ProfileService
    recommender: PlaceRecommender
    item_index: ItemIndex
    report: PrepareReport = field(default_factory=PrepareReport)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)  # type: ignore[valid-type]
    _users: set[str] = field(init=False, repr=False, compare=False)
    model_id: str = ""  # the item vectors' model: part of the saved recommender's digest
    _closed: bool = field(default=False, init=False, repr=False, compare=False)
    # Events learnt since the recommender was loaded or fitted: close() saves it for the events as they are now.
    _learnt: bool = field(default=False, init=False, repr=False, compare=False)
    # A user was forgotten: the recommender's shared counts still hold their check-ins, so it is never saved again
    # and the next start refits without them.
    _forgot: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._users = set(_stored_user_ids(self.settings))

    # ---- users -----------------------------------------------------------------------------------------------

    def known_user(self, user_id: str) -> bool:
        """Whether the user has stored events."""
        return user_id in self._users

    def users(self) -> list[str]:
        """Users with stored events; numeric ids in numeric order first, then the others alphabetically."""
        with self.lock:
            return sorted(self._users, key=_user_order)

    # ---- reading ---------------------------------------------------------------------------------------------

    def recommend(
        self, user_id: str, at: datetime, latitude: float, longitude: float, k: int = 10, **options: Any
    ) -> list[Recommendation]:
        """``recommender.recommend`` under the lock (``options``: surprise, category, keyword, exclude, ...)."""
        with self.lock:
            return self.recommender.recommend(user_id, at, latitude, longitude, k, **options)

    def context(
        self,
        user_id: str,
        at: datetime,
        latitude: float,
        longitude: float,
        query: str | None = None,
        k: int | None = None,
    ) -> InterestContext:
        """``profiles.context`` under the lock."""
        with self.lock:
            return self.profiles.context(user_id, at, latitude, longitude, query=query, k=k)

    # ---- changing --------------------------------------------------------------------------------------------

    def add_events(self, events: Sequence[Event | Mapping[str, Any]]) -> int:
        """Store new events durably, then teach the profiles and the recommender; returns how many were added.

        Every event is checked before anything is written: an invalid one, or one whose item is not in the
        catalogue, raises ValueError naming its index in ``events`` and nothing is stored. Feedback (like,
        dislike) takes the same path. Not added: exact copies of stored events, and a visit that repeats the
        user's previous visit to the same place within ``preprocessing.collapse_window_minutes`` (as ingest
        collapses them). Events are applied in time order; they should not predate the user's stored ones,
        since the recommender learns forwards in time.
        """
        batch = self._checked(events)
        if not batch:
            return 0
        with self.lock:
            added = self._store(batch)
            for event in added:
                self.profiles.observe(event)
                self.recommender.observe(event)
            self.profiles.persist()
            self._users.update(event.user_id for event in added)
            if added:
                discard_saved_recommenders(self.settings)  # fitted on the old events: no start will load it again
                self._learnt = True
        return len(added)

    def forget(self, user_id: str) -> ForgetReport:
        """Remove a user everywhere, durably: snapshots and stored events, the recommender's state about them, and
        the saved recommender (it holds their state); the next start refits without their events."""
        with self.lock:
            report = self.profiles.forget(user_id)
            known = self.recommender.forget(user_id)
            self._users.discard(user_id)
            if known or report.events or report.snapshots:  # a stranger's forget changes nothing worth a refit
                discard_saved_recommenders(self.settings)
                self._forgot = True
            return report

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Persist and close the profile service and the item index; a second call does nothing.

        When events were learnt since the start (and nobody was forgotten), the recommender is saved for the
        events as stored now, so the next start loads it instead of refitting.
        """
        with self.lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._learnt and not self._forgot:
                    self._save_recommender()
                self.profiles.close()
            finally:
                self.item_index.close()

    def _save_recommender(self) -> None:
        digest = recommender_digest(self.settings, self.recommender.config, self.model_id)
        path = recommender_path(self.settings, digest)
        try:
            self.recommender.save(path)
        except OSError as error:  # only costs a refit at the next start
            logger.warning("could not save the recommender to %s (%s)", path, error)
            return
        discard_saved_recommenders(self.settings, keep=path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ---- internals -------------------------------------------------------------------------------------------

    def _checked(self, events: Sequence[Event | Mapping[str, Any]]) -> list[Event]:
        """The events as Event models, all valid and of catalogue items, else ValueError naming the first bad ones."""
        batch: list[Event] = []
        for index, event in enumerate(events):
            if isinstance(event, Event):
                batch.append(event)
                continue
            try:
                batch.append(Event.model_validate(event))
            except ValidationError as error:
                raise ValueError(f"event {index} is invalid: {_first_error(error)}") from None
        positions = self.item_index.catalogue.positions
        unknown = [(index, event.item_id) for index, event in enumerate(batch) if event.item_id not in positions]
        if unknown:
            named = "; ".join(f"event {index}: unknown item {item_id!r}" for index, item_id in unknown[:5])
            more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
            raise ValueError(f"{named}{more}; items must be in the catalogue of {len(positions):,} places")
        return batch

    def _store(self, batch: list[Event]) -> list[Event]:
        """Merge the batch into the stored events and write them; the batch's events that were kept, in time order.

        Stored rows are never dropped or re-collapsed (ingest collapsed them already), and only visits collapse:
        a like or dislike right after a visit to the same place is feedback, not a repeat visit. Only the batch's
        users' rows are preprocessed again (sessions are per user; local time and cells per event), so adding one
        event does not redo the whole history.
        """
        stored = read_events(self.settings)
        new = _events_frame(batch).assign(**{_ROW: np.arange(len(batch))})
        untouched = None
        frames = [new]
        if stored is not None:
            theirs = stored["user_id"].astype(str).isin(set(new["user_id"])).to_numpy()
            untouched = stored[~theirs]
            frames.insert(0, stored.loc[theirs, list(EVENT_COLUMNS)].assign(**{_ROW: -1}))
        combined = pd.concat(frames, ignore_index=True).drop_duplicates(subset=list(EVENT_COLUMNS), keep="first")
        visits = combined[combined["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]
        window = timedelta(minutes=self.settings.preprocessing.collapse_window_minutes)
        repeats = visits.index.difference(collapse_repeats(visits, window).index)
        combined = combined[~(combined.index.isin(repeats) & (combined[_ROW] >= 0).to_numpy())]
        # Collapsing is done above; preprocessing only adds local time, sessions and cells to every row.
        no_collapse = self.settings.preprocessing.model_copy(update={"collapse_window_minutes": 0.0})
        prepared = preprocess(combined, no_collapse).events
        kept = prepared[_ROW].to_numpy()
        if not (kept >= 0).any():
            return []
        merged = prepared.drop(columns=_ROW)
        if untouched is not None and len(untouched):
            merged = pd.concat([untouched, merged], ignore_index=True)
            merged = merged.sort_values("timestamp", kind="stable", ignore_index=True)
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        write_frame(merged, self.settings.state_dir / EVENTS_FILE)
        return [batch[row] for row in kept[kept >= 0].tolist()]


# ---- preparing ---------------------------------------------------------------------------------------------


def prepare(
    settings: Settings, data_dir: Path | None = None, progress: bool = True, *, embedder: Embedder | None = None
) -> Runtime:
    """A ready runtime for ``settings.state_dir``, building only what is missing.

    Ingests ``data_dir`` (default ``settings.data.dir``) when nothing is ingested yet, opens the item index
    (encoding the catalogue on first use), opens the profile service and builds the snapshots when its store is
    empty, and loads the recommender saved for exactly these events, catalogue and settings, else fits and saves
    it. ``embedder`` replaces the interest encoder for the item vectors (tests). Phases and their times are logged,
    and printed on stderr with ``progress``.
    """
    report = PrepareReport()
    if not (settings.state_dir / EVENTS_FILE).is_file():
        folder = Path(data_dir) if data_dir is not None else settings.data.dir
        if not folder.exists():
            raise DataError(
                f"nothing is ingested in {settings.state_dir} yet and the data folder {folder} does not exist; "
                f"set {DATA_DIR_VARIABLE} (or data.dir in wherenow.toml) to the folder with checkins.csv.gz and "
                "venues.csv.gz, or run `wherenow ingest PATH` first"
            )
        with _phase("ingest", report, progress):
            ingest([folder], settings, progress=progress)
        report.ingested = True
    items = read_items(settings)
    if items is None:
        raise DataError(
            f"no place catalogue is ingested in {settings.state_dir}; ingest the NYC folder or a TSMC2014 dump, "
            "or pass --venues to `wherenow ingest`"
        )

    with _phase("item index", report, progress):
        item_index = ItemIndex.open(settings, items, embedder=embedder)
    profiles: ProfileService | None = None
    try:
        events: pd.DataFrame | None = None
        with _phase("profiles", report, progress):
            profiles = ProfileService(settings, encoder=_IndexEncoder(item_index), items=items)
            if profiles.store.count() == 0:
                events = _read_all_events(settings)
                profiles.build(events, progress=progress)
                report.profiles_built = True
        with _phase("recommender", report, progress):
            model_id = CUSTOM_EMBEDDER if embedder is not None else encoder_model_id(settings.models)
            config = RankerConfig.from_settings(settings)
            path = recommender_path(settings, recommender_digest(settings, config, model_id))
            recommender = _load(path, settings)
            if recommender is None:
                recommender = PlaceRecommender(settings, config, embedder=lambda _items: item_index.vectors())
                recommender.fit(events if events is not None else _read_all_events(settings), items, progress)
                recommender.save(path)
                discard_saved_recommenders(settings, keep=path)
                report.recommender_fitted = True
            report.recommender_file = path
        runtime = Runtime(settings, items, profiles, recommender, item_index, report, model_id=model_id)
    except BaseException:
        # Nothing half-open survives a failed start: the stores hold locks and unwritten changes.
        if profiles is not None:
            profiles.close()
        item_index.close()
        raise
    report.events = _stored_event_count(settings)
    report.users = len(runtime._users)
    report.places = len(items)
    report.snapshots = profiles.store.count()
    logger.info("prepare: %s", report.summary())
    return runtime


def recommender_digest(settings: Settings, config: RankerConfig, model_id: str) -> str:
    """SHA-256 over what a fitted recommender depends on: the stored events and catalogue (their bytes), the ranker
    configuration, the time zone, the item vectors' model, the save format and the pickled libraries' versions."""
    digest = hashlib.sha256(RECOMMENDER_FORMAT.encode())
    for name in (EVENTS_FILE, ITEMS_FILE):
        path = settings.state_dir / name
        digest.update(f"\x1e{name}\x1f".encode())
        if path.is_file():
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    versions = [f"{name}=={importlib.metadata.version(name)}" for name in _PICKLED_LIBRARIES]
    for part in (repr(config), settings.preprocessing.timezone, model_id, *versions):
        digest.update(f"\x1e{part}".encode())
    return digest.hexdigest()


def recommender_path(settings: Settings, digest: str) -> Path:
    """Where the recommender fitted for ``digest`` is saved."""
    return settings.state_dir / RECOMMENDER_DIR / f"{digest}.pkl"


# ---- helpers -----------------------------------------------------------------------------------------------


class _IndexEncoder:
    """The profile service's encoder: catalogue places take their vectors from the item index, so profiles are
    built without encoding the catalogue again; other texts (queries, places outside the catalogue) go to the
    index's encoder, loaded on first use, so the process holds one encoder."""

    def __init__(self, index: ItemIndex) -> None:
        self.index = index

    def encode(
        self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False
    ) -> npt.NDArray[np.float32]:
        return self.index.encoder.encode(texts, batch_size=batch_size, progress=progress)

    def encode_items(
        self, items: pd.DataFrame, cache: EmbeddingCache | None = None, progress: bool = False
    ) -> npt.NDArray[np.float32]:
        vectors = self.index.vectors()
        rows = items["item_id"].astype(str).map(self.index.catalogue.positions)
        found = rows.notna().to_numpy()
        out = np.empty((len(items), vectors.shape[1]), dtype=np.float32)
        out[found] = vectors[rows[found].astype(np.intp).to_numpy()]
        if not found.all():
            out[~found] = self.index.encoder.encode_items(items[~found], cache=cache, progress=progress)
        return out


@contextmanager
def _phase(name: str, report: PrepareReport, progress: bool) -> Iterator[None]:
    """Time one phase of prepare(); log it, and print it when showing progress."""
    started = time.perf_counter()
    yield
    report.timings[name] = seconds = time.perf_counter() - started
    logger.info("prepare: %s %.1f s", name, seconds)
    if progress:
        print(f"prepare: {name:<12} {seconds:6.1f} s", file=sys.stderr, flush=True)


def _load(path: Path, settings: Settings) -> PlaceRecommender | None:
    """The saved recommender at ``path``, or None when there is none or it cannot be read (then it is refitted)."""
    if not path.is_file():
        return None
    try:
        return PlaceRecommender.load(path, settings)
    except Exception as error:  # a damaged or foreign file only costs a refit; it must never stop a start
        logger.warning("cannot load the saved recommender %s (%s: %s); refitting", path, type(error).__name__, error)
        return None


def discard_saved_recommenders(settings: Settings, keep: Path | None = None) -> None:
    """Delete saved recommenders other than ``keep``: fitted on other events, they would never be loaded again."""
    folder = settings.state_dir / RECOMMENDER_DIR
    if folder.is_dir():
        for path in folder.glob("*.pkl"):
            if path != keep:
                path.unlink(missing_ok=True)


def _read_all_events(settings: Settings) -> pd.DataFrame:
    events = read_events(settings)
    if events is None:
        raise DataError(f"no events stored in {settings.state_dir}; run `wherenow ingest` first")
    return events


def _stored_user_ids(settings: Settings) -> list[str]:
    path = settings.state_dir / EVENTS_FILE
    if not path.is_file():
        return []
    return pd.read_parquet(path, columns=["user_id"])["user_id"].astype(str).unique().tolist()


def _stored_event_count(settings: Settings) -> int:
    import pyarrow.parquet as pq  # pandas' Parquet engine; only the row count is read

    path = settings.state_dir / EVENTS_FILE
    return pq.ParquetFile(path).metadata.num_rows if path.is_file() else 0


def _events_frame(batch: Sequence[Event]) -> pd.DataFrame:
    """Events as an ``EVENT_COLUMNS`` frame like the loaders give (UTC timestamps, actions as text)."""
    frame = pd.DataFrame([event.model_dump() for event in batch], columns=list(EVENT_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["action"] = [event.action.value for event in batch]
    return frame


def _user_order(user_id: str) -> tuple[int, int, str]:
    """Numeric ids by value ('2' before '10'), then the rest by text; the id itself breaks ties ('7' and '007')."""
    numeric = user_id.isascii() and user_id.isdigit()
    return (0, int(user_id), user_id) if numeric else (1, 0, user_id)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


__all__ = ["PrepareReport", "Runtime", "prepare", "recommender_digest", "recommender_path"]
