"""Everything the app, the HTTP API and the chat assistant need, prepared once and kept in step with the event log.

:func:`prepare` takes the state folder's lock (one process per folder), brings it to a ready :class:`Runtime`, doing
each expensive step only when its result is missing — ingest the data into the event log (once), encode the
catalogue into the item index (once per catalogue and encoder), build the profile snapshots (once per log
generation), fit the recommender (once per catalogue and settings; saved under ``<state_dir>/recommender/``) — and
then lets every derived view catch up with the log: snapshots and the recommender record the log position they
reflect and replay only the newer events. A start after a crash (kill -9 included) therefore loses no acknowledged
event and needs no refit.

:meth:`Runtime.add_events` appends to the log (durable when it returns), then teaches the profiles and the
recommender; :meth:`Runtime.forget` removes a user from the log and from every derived view.

With ``store.backend = "postgres"`` the event log and the stores live in one PostgreSQL database that several app
processes (replicas, each with its own state folder for the catalogue and the saved recommender) share: a
:class:`LogFollower` per replica wakes on the log's NOTIFY (or every second) and :meth:`Runtime.follow` teaches the
replica's in-memory views what the others appended, and drops users the others forgot.
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
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ValidationError

from profiles.atomic import clean_partials
from profiles.clock import event_horizon
from profiles.closing import Closing
from profiles.config import Settings
from profiles.context import InterestContext
from profiles.encoder import EmbeddingCache, encoder_model_id
from profiles.eventlog import EventLog, LoggedEvent, open_event_log
from profiles.events import BEHAVIOUR_ACTIONS, Action, Event
from profiles.ingest import ITEMS_FILE, admit_events, ingest, read_events, read_items
from profiles.loaders import DataError, forget_rejects
from profiles.profile import ProfileService
from profiles.statelock import StateLock
from profiles.stores import LogPosition
from retrieval.item_index import Embedder, ItemIndex
from retrieval.ranker import RankerConfig
from retrieval.recommender import RECOMMENDER_FORMAT, PlaceRecommender, Recommendation

logger = logging.getLogger(__name__)

RECOMMENDER_DIR = "recommender"
DATA_DIR_VARIABLE = "WHERENOW_DATA__DIR"  # named in messages only; profiles.config reads the environment
CUSTOM_EMBEDDER = "custom-embedder"  # the model id ItemIndex gives an injected embedder's vectors
# Libraries whose objects are inside the pickle: a new version refits instead of unpickling what it may misread.
_PICKLED_LIBRARIES = ("numpy", "pandas", "scikit-learn", "lightgbm")
FOLLOW_POLL_S = 1.0  # how often a replica looks at the shared log when no NOTIFY woke it


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
    replayed_profiles: int = 0  # newer log events folded into the snapshots at this start
    replayed_recommender: int = 0  # newer log events the saved recommender learnt at this start
    cleaned: int = 0  # leftovers of interrupted writes removed
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the counts, what was built, reused or replayed, and the total time."""
        steps = [
            "ingested" if self.ingested else "events reused",
            "profiles built" if self.profiles_built else f"profiles reused (+{self.replayed_profiles:,} replayed)",
            "recommender fitted"
            if self.recommender_fitted
            else f"recommender loaded (+{self.replayed_recommender:,} replayed)",
        ]
        return (
            f"ready in {sum(self.timings.values()):.1f} s: {self.events:,} events · {self.users:,} users · "
            f"{self.places:,} places · {self.snapshots:,} snapshots ({', '.join(steps)})"
        )


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a user removed from the state folder."""

    events: int
    snapshots: int
    recommender: bool  # whether the recommender held anything about them
    rejects: int  # rejected rows of theirs dropped from the rejects file


@dataclass
class Runtime(Closing):
    """The event log, the catalogue, the profile service, the recommender and the item index of one state folder.

    Made by :func:`prepare`; close it (or use it as a context manager) to persist, release the stores and the
    folder's lock. Methods that change state hold ``lock`` (the app serves requests from several threads);
    :meth:`recommend` and :meth:`context` hold it too, so a read never sees an event half applied.
    """

    settings: Settings
    items: pd.DataFrame
    log: EventLog
    profiles: ProfileService
    recommender: PlaceRecommender
    item_index: ItemIndex
    report: PrepareReport = field(default_factory=PrepareReport)
    folder_lock: StateLock | None = field(default=None, repr=False, compare=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)  # type: ignore[valid-type]
    model_id: str = ""  # the item vectors' model: part of the saved recommender's digest
    _users: set[str] = field(init=False, repr=False, compare=False)
    _closed: bool = field(default=False, init=False, repr=False, compare=False)
    _events_version: tuple[str, int, int] | None = field(default=None, init=False, repr=False, compare=False)
    _events_frame: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _newest: datetime | None = field(default=None, init=False, repr=False, compare=False)
    # Events learnt since the recommender was loaded or fitted: close() saves it, so the next start replays less.
    _learnt: bool = field(default=False, init=False, repr=False, compare=False)
    # A user was forgotten: the recommender's shared counts still hold their check-ins, so it is never saved again
    # and the next start refits without them.
    _forgot: bool = field(default=False, init=False, repr=False, compare=False)
    # Following a shared log: every event up to _followed is applied here; _own holds this replica's appends above.
    _followed: int = field(default=0, init=False, repr=False, compare=False)
    _own: set[int] = field(default_factory=set, init=False, repr=False, compare=False)
    _forgets: int = field(default=0, init=False, repr=False, compare=False)
    follower: LogFollower | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Forgets first: one that lands between the two reads is then seen again by follow(), never missed.
        # Only the shared log counts forgets; the embedded one never imports its module (nor psycopg).
        self._forgets = getattr(self.log, "forgets", 0)
        self._users = set(self.log.users())
        position = self.recommender.log_position
        self._followed = position.seq if position is not None else self.log.seq

    # ---- users -----------------------------------------------------------------------------------------------

    def known_user(self, user_id: str) -> bool:
        """Whether the user has stored events."""
        return user_id in self._users

    def users(self) -> list[str]:
        """Users with stored events; numeric ids in numeric order first, then the others alphabetically."""
        with self.lock:
            return sorted(self._users, key=_user_order)

    def events(self) -> pd.DataFrame | None:
        """Every stored event, preprocessed (local time, hour of week, sessions, cells), or None when none; read
        again only after the log changed (an append or a forget)."""
        with self.lock:
            version = (self.log.generation, self.log.seq, self.log.count())
            if version != self._events_version:
                self._events_frame = read_events(self.settings, self.log)
                self._events_version = version
            return self._events_frame

    # ---- reading ---------------------------------------------------------------------------------------------

    def recommend(
        self, user_id: str, at: Any, latitude: float, longitude: float, k: int = 10, **options: Any
    ) -> list[Recommendation]:
        """``recommender.recommend`` under the lock (``options``: surprise, category, keyword, exclude, ...)."""
        with self.lock:
            return self.recommender.recommend(user_id, at, latitude, longitude, k, **options)

    def context(
        self,
        user_id: str,
        at: Any,
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
        """Append new events to the log (durable when this returns), then teach the profiles and the recommender;
        returns how many were added.

        Every event is checked before anything is written: an invalid one, or one whose item is not in the
        catalogue, raises ValueError naming its index in ``events`` and nothing is stored. Feedback (like,
        dislike) takes the same path. Not added: exact copies of stored events (so a retried request adds
        nothing), and a visit that repeats the user's previous visit to the same place within
        ``preprocessing.collapse_window_minutes`` (as ingest collapses them).
        """
        batch = self._checked(events)
        if not batch:
            return 0
        with self.lock:
            admitted = admit_events(self.log, batch, self.settings.preprocessing)
            demo_now = self.settings.server.demo_now
            horizon = event_horizon(demo_now, newest=self._newest_event() if demo_now is not None else None)
            result = self.log.append([batch[row] for row in admitted], horizon=horizon)
            self._apply(result.added)
            if result.added and self._newest is not None:
                self._newest = max(self._newest, *(logged.event.timestamp for logged in result.added))
        return len(result.added)

    def _newest_event(self) -> datetime | None:
        """The time of the newest stored event (read once, then kept up with this process's appends; a forget
        may leave it later than the log's newest, which only ever lets a demo take a day more)."""
        if self._newest is None:
            events = self.events()
            if events is not None and len(events):
                self._newest = events["timestamp"].max().to_pydatetime()
        return self._newest

    def follow(self) -> int:
        """Apply what other processes appended to a shared log since the last look (this process's own appends
        are already applied), and drop users they forgot; how many events were new here.

        Snapshots are not touched: the replica that appended an event folded it into the shared store.
        """
        from profiles.eventlog_postgres import PostgresEventLog

        with self.lock:
            if self._closed:
                return 0
            newer = list(self.log.read(since=self._followed))
            theirs = [entry for entry in newer if entry.seq not in self._own]
            self._observe(theirs)
            if newer:
                self._followed = newer[-1].seq
                self._own = {seq for seq in self._own if seq > self._followed}
                # Every event up to here is applied; this replica's own later appends may have gaps below them.
                self.recommender.log_position = LogPosition(self.log.generation, self._followed)
            if isinstance(self.log, PostgresEventLog):
                forgotten, self._forgets = self.log.forgotten_since(self._forgets, sorted(self._users))
                for user_id in forgotten:
                    self.recommender.forget(user_id)
                    self._users.discard(user_id)
                    self._forgot = True
                if forgotten:
                    discard_saved_recommenders(self.settings)
            return len(theirs)

    def forget(self, user_id: str) -> Forgotten:
        """Remove a user everywhere in the state folder, durably (see :func:`forget_user`); the recommender is never
        saved again in this process, so the next start refits without their check-ins."""
        with self.lock:
            removed = forget_user(self.settings, self.log, self.profiles, user_id, self.recommender)
            self._users.discard(user_id)
            if removed.recommender or removed.events or removed.snapshots:
                self._forgot = True
            return removed

    def forget_visits(self, user_id: str, item_id: str) -> Forgotten:
        """Remove the user's events at one place everywhere in the state folder (see :func:`forget_visits`); as
        after :meth:`forget`, the recommender is never saved again in this process."""
        with self.lock:
            removed = forget_visits(self.settings, self.log, self.profiles, user_id, item_id, self.recommender)
            if removed.events:
                self._forgot = True
            return removed

    def retract_verdicts(self, user_id: str, item_id: str, since: datetime | None = None) -> int:
        """Take back the user's 👍/👎 at one place ("undo" right after one; see :func:`retract_verdicts`); how many
        events went."""
        with self.lock:
            return retract_verdicts(self.log, self.profiles, user_id, item_id, self.recommender, since)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def advertise(self, url: str) -> None:
        """Record in the folder's lock where this process serves the HTTP API (``wherenow forget`` goes there)."""
        if self.folder_lock is not None:
            self.folder_lock.advertise(url)

    def close(self) -> None:
        """Persist and close the stores and the log, then release the folder; a second call does nothing.

        When events were learnt since the start (and nobody was forgotten), the recommender is saved with the log
        position it reflects, so the next start replays fewer events.
        """
        if self.follower is not None:
            self.follower.stop()  # before the lock: the follower may be waiting for it
            self.follow()  # so that the saved recommender's log position has no gap below it
        with self.lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._learnt and not self._forgot:
                    self._save_recommender()
                self.profiles.close()
            finally:
                try:
                    self.item_index.close()
                    self.log.close()
                finally:
                    if self.folder_lock is not None:
                        self.folder_lock.close()

    def _apply(self, logged: Sequence[Any]) -> None:
        """Teach the derived views events the log just stored (or that a start found newer than they are)."""
        if not logged:
            return
        self.profiles.apply(logged, self.log.generation)
        self._own.update(entry.seq for entry in logged if entry.seq > self._followed)
        self._observe(logged)

    def _observe(self, logged: Sequence[LoggedEvent]) -> None:
        """Teach the in-memory views (the recommender, the known users) logged events."""
        if not logged:
            return
        for entry in logged:
            self.recommender.observe(entry.event)
        self.recommender.log_position = LogPosition(self.log.generation, max(entry.seq for entry in logged))
        self._users.update(entry.event.user_id for entry in logged)
        self._learnt = True

    def _save_recommender(self) -> None:
        digest = recommender_digest(self.settings, self.recommender.config, self.model_id)
        path = recommender_path(self.settings, digest)
        try:
            self.recommender.save(path)
        except OSError as error:  # only costs a longer replay at the next start
            logger.warning("could not save the recommender to %s (%s)", path, error)
            return
        discard_saved_recommenders(self.settings, keep=path)

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
        # A stated preference is about a category or an area as often as a place (profiles.preferences).
        unknown = [
            (index, event.item_id)
            for index, event in enumerate(batch)
            if event.item_id not in positions and event.action not in (Action.PREFER, Action.UNPREFER)
        ]
        if unknown:
            named = "; ".join(f"event {index}: unknown item {item_id!r}" for index, item_id in unknown[:5])
            more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
            raise ValueError(f"{named}{more}; items must be in the catalogue of {len(positions):,} places")
        return batch


# ---- preparing ---------------------------------------------------------------------------------------------


def prepare(
    settings: Settings,
    data_dir: Path | None = None,
    progress: bool = True,
    *,
    embedder: Embedder | None = None,
    config: RankerConfig | None = None,
) -> Runtime:
    """A ready runtime for ``settings.state_dir``, building only what is missing and replaying what is newer.

    Takes the folder's lock (StateFolderInUse when another process holds it) and removes leftovers of interrupted
    writes. Ingests ``data_dir`` (default ``settings.data.dir``) when the event log is empty, opens the item index
    (encoding the catalogue on first use), brings the profile snapshots up to the log, and loads the recommender
    saved for this catalogue and these settings (replaying the log events newer than it), else fits and saves it.
    ``embedder`` replaces the interest encoder for the item vectors and ``config`` the ranker's settings (tests).
    Phases and their times are logged, and printed on stderr with ``progress``.
    """
    report = PrepareReport()
    folder_lock = StateLock(settings.state_dir)
    log: EventLog | None = None
    item_index: ItemIndex | None = None
    profiles: ProfileService | None = None
    try:
        report.cleaned = clean_partials(settings.state_dir)
        log = open_log(settings)
        if settings.store.backend == "postgres":
            from profiles.eventlog_postgres import PostgresEventLog

            # Replicas starting together on a new database would each build the shared stores: one at a time.
            assert isinstance(log, PostgresEventLog)
            log.lock_preparation()
        if log.count() == 0:
            folder = Path(data_dir) if data_dir is not None else settings.data.dir
            if not folder.exists():
                raise DataError(
                    f"nothing is ingested in {settings.state_dir} yet and the data folder {folder} does not exist; "
                    f"set {DATA_DIR_VARIABLE} (or data.dir in wherenow.toml) to the folder with checkins.csv.gz and "
                    "venues.csv.gz, or run `wherenow ingest PATH` first"
                )
            with _phase("ingest", report, progress):
                ingest([folder], settings, progress=progress, log=log)
            report.ingested = True
        items = read_items(settings)
        if items is None:
            raise DataError(
                f"no place catalogue is ingested in {settings.state_dir}; ingest the NYC folder or a TSMC2014 dump, "
                "or pass --venues to `wherenow ingest`"
            )

        with _phase("item index", report, progress):
            item_index = ItemIndex.open(settings, items, embedder=embedder)
        with _phase("profiles", report, progress):
            profiles = ProfileService(settings, encoder=_IndexEncoder(item_index), items=items)
            caught_up = profiles.catch_up(log, progress=progress)
            report.profiles_built, report.replayed_profiles = caught_up.rebuilt, caught_up.replayed
        with _phase("recommender", report, progress):
            model_id = CUSTOM_EMBEDDER if embedder is not None else encoder_model_id(settings.models)
            config = config or RankerConfig.from_settings(settings)
            path = recommender_path(settings, recommender_digest(settings, config, model_id))
            recommender = _load(path, settings, log)
            if recommender is None:
                recommender = PlaceRecommender(settings, config, embedder=lambda _items: item_index.vectors())
                position = LogPosition(log.generation, log.seq)
                events = read_events(settings, log)
                if events is None:
                    raise DataError(f"no events stored in {settings.state_dir}; run `wherenow ingest` first")
                recommender.fit(events, items, progress)
                recommender.log_position = position
                recommender.save(path)
                discard_saved_recommenders(settings, keep=path)
                report.recommender_fitted = True
            else:
                assert recommender.log_position is not None
                newer = list(log.read(since=recommender.log_position.seq))
                for entry in newer:
                    recommender.observe(entry.event)
                if newer:
                    recommender.log_position = LogPosition(log.generation, newer[-1].seq)
                report.replayed_recommender = len(newer)
            report.recommender_file = path
        runtime = Runtime(
            settings, items, log, profiles, recommender, item_index, report, folder_lock=folder_lock, model_id=model_id
        )
        runtime._learnt = report.replayed_recommender > 0
        if settings.store.backend == "postgres":
            assert isinstance(log, PostgresEventLog)
            log.unlock_preparation()
            runtime.follower = LogFollower(runtime)
    except BaseException:
        # Nothing half-open survives a failed start: the stores hold locks and unwritten changes.
        for part in (profiles, item_index, log, folder_lock):
            if part is not None:
                part.close()
        raise
    report.events = log.count()
    report.users = len(runtime._users)
    report.places = len(items)
    report.snapshots = profiles.store.count()
    logger.info("prepare: %s", report.summary())
    return runtime


def open_log(settings: Settings) -> EventLog:
    """The event log the settings choose: SQLite in the state folder, or the PostgreSQL log replicas share."""
    if settings.store.backend == "postgres":
        from profiles.eventlog_postgres import PostgresEventLog

        assert settings.store.postgres_dsn is not None  # the settings refuse postgres without a DSN
        return PostgresEventLog(settings.store.postgres_dsn.get_secret_value())
    return open_event_log(settings.state_dir)


class LogFollower:
    """A thread that keeps a runtime in step with a shared PostgreSQL log: it LISTENs on the log's channel and calls
    :meth:`Runtime.follow` on every NOTIFY, and every ``poll_s`` anyway (a notification is lost while the
    listening connection is down). Started on creation; :meth:`stop` ends it."""

    def __init__(self, runtime: Runtime, poll_s: float = FOLLOW_POLL_S) -> None:
        dsn = runtime.settings.store.postgres_dsn
        assert dsn is not None  # the settings refuse postgres without a DSN
        self._dsn = dsn.get_secret_value()
        self._runtime = runtime
        self._poll_s = poll_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        import psycopg

        from profiles.eventlog_postgres import CHANNEL

        while not self._stopped.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as listener:
                    listener.execute(f"LISTEN {CHANNEL}")
                    while not self._stopped.is_set():
                        self._runtime.follow()
                        for _ in listener.notifies(timeout=self._poll_s, stop_after=1):
                            pass
            except Exception:  # the database may restart; following resumes, and the poll catches up
                logger.exception("following the shared event log failed; retrying")
                self._stopped.wait(self._poll_s)


def forget_user(
    settings: Settings,
    log: EventLog,
    profiles: ProfileService,
    user_id: str,
    recommender: PlaceRecommender | None = None,
) -> Forgotten:
    """The one forget of the state folder: the user's events leave the log, their snapshots and vectors the
    profile store, their state the live recommender (when there is one), their rejected rows the rejects file;
    saved recommenders (which hold their state) are deleted, so the next start refits. Idempotent: a second call
    removes nothing and says so."""
    events = log.delete_user(user_id)
    snapshots = profiles.forget(user_id)
    known = recommender.forget(user_id) if recommender is not None else False
    rejects = forget_rejects(settings.rejects_file, user_id)
    if known or events or snapshots:  # a stranger's forget changes nothing worth a refit
        discard_saved_recommenders(settings)
    return Forgotten(events=events, snapshots=snapshots, recommender=known, rejects=rejects)


def forget_visits(
    settings: Settings,
    log: EventLog,
    profiles: ProfileService,
    user_id: str,
    item_id: str,
    recommender: PlaceRecommender | None = None,
) -> Forgotten:
    """Forget the user's behaviour at one place ("forget my visits to the hospital"): those events leave the log,
    then the user's snapshots and recommender state are dropped as :func:`forget_user` drops them and rebuilt from
    their remaining events, and saved recommenders are deleted (the next start refits). Idempotent."""
    events = log.delete_events(user_id, item_id, BEHAVIOUR_ACTIONS)
    if not events:
        return Forgotten(events=0, snapshots=0, recommender=False, rejects=0)
    remaining = [entry.event for entry in log.read(user_id=user_id)]
    snapshots = profiles.forget(user_id)
    for event in remaining:
        profiles.observe(event)
    profiles.persist()
    known = recommender.relearn(user_id, remaining) if recommender is not None else False
    discard_saved_recommenders(settings)
    return Forgotten(events=events, snapshots=snapshots, recommender=known, rejects=0)


def retract_verdicts(
    log: EventLog,
    profiles: ProfileService,
    user_id: str,
    item_id: str,
    recommender: PlaceRecommender | None = None,
    since: datetime | None = None,
) -> int:
    """Take back the user's 👍 and 👎 at one place, those given at ``since`` or later when it is given (the one an
    "undo" is of, not an older one): those events leave the log and what was learnt of the user is rebuilt from their
    remaining events, as :func:`forget_visits` does; the visits stay. No erasure was asked, so saved recommenders are
    kept (a 👍 already in one goes at its next refit). How many events went."""
    events = log.delete_events(user_id, item_id, (Action.LIKE, Action.DISLIKE), since)
    if not events:
        return 0
    remaining = [entry.event for entry in log.read(user_id=user_id)]
    profiles.forget(user_id)
    for event in remaining:
        profiles.observe(event)
    profiles.persist()
    if recommender is not None:
        recommender.relearn(user_id, remaining)
    return events


def recommender_digest(settings: Settings, config: RankerConfig, model_id: str) -> str:
    """SHA-256 over what a fitted recommender depends on besides the events (which it follows through the log): the
    catalogue (its bytes), the ranker configuration, the time zone, the item vectors' model, the save format and
    the pickled libraries' versions."""
    digest = hashlib.sha256(RECOMMENDER_FORMAT.encode())
    path = settings.state_dir / ITEMS_FILE
    digest.update(f"\x1e{ITEMS_FILE}\x1f".encode())
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


def _load(path: Path, settings: Settings, log: EventLog) -> PlaceRecommender | None:
    """The saved recommender at ``path`` when it follows this log (same generation, not ahead of it), else None
    (then it is refitted)."""
    if not path.is_file():
        return None
    try:
        recommender = PlaceRecommender.load(path, settings)
    except Exception as error:  # a damaged or foreign file only costs a refit; it must never stop a start
        logger.warning("cannot load the saved recommender %s (%s: %s); refitting", path, type(error).__name__, error)
        return None
    position = recommender.log_position
    if position is None or position.generation != log.generation or position.seq > log.seq:
        logger.info("the saved recommender %s follows another event log; refitting", path)
        return None
    return recommender


def discard_saved_recommenders(settings: Settings, keep: Path | None = None) -> None:
    """Delete saved recommenders other than ``keep``: fitted on other events, they would never be loaded again."""
    folder = settings.state_dir / RECOMMENDER_DIR
    if folder.is_dir():
        for path in folder.glob("*.pkl"):
            if path != keep:
                path.unlink(missing_ok=True)


def _user_order(user_id: str) -> tuple[int, int, str]:
    """Numeric ids by value ('2' before '10'), then the rest by text; the id itself breaks ties ('7' and '007')."""
    numeric = user_id.isascii() and user_id.isdigit()
    return (0, int(user_id), user_id) if numeric else (1, 0, user_id)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


__all__ = [
    "Forgotten",
    "PrepareReport",
    "Runtime",
    "forget_user",
    "forget_visits",
    "prepare",
    "recommender_digest",
    "recommender_path",
    "retract_verdicts",
]
