"""The product's recommender: candidates → features → LightGBM ranking, with reasons, behind ``retrieval.protocol``.

``build_recommender(settings)`` gives a :class:`PlaceRecommender`. ``score_all`` is what the evaluation ranks;
``recommend`` is the top ``k`` of those same scores (``retrieval.protocol.top_k``) with human-readable reasons
rendered from the features that pushed each place up (LightGBM's per-feature contributions), each only when its
numbers mean something, then a facts line ("new to you · 0.4 km · busy on Saturday afternoons"). Two knobs reorder
on purpose: ``surprise`` discounts the places the user already knows, and ``category``/``keyword``/``exclude``
restrict the list; with their defaults the list is exactly ``top_k(score_all(...), k)``. Places new to the user
are ordered by the discovery ranker (``retrieval.ranker``), in the ranks the ranker gave new places.

A fitted recommender is saved with :meth:`PlaceRecommender.save` and read back with :meth:`PlaceRecommender.load`
(a pickle of the fitted state, ``RECOMMENDER_FORMAT``, signed with a key kept outside the state folder and checked
before anything is unpickled), so a restart need not refit.
"""

from __future__ import annotations

import logging
import math
import pickle
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from tqdm.auto import tqdm

from profiles.atomic import atomic_path
from profiles.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, SECONDS_PER_HOUR, age_phrase, describe_hour
from profiles.clock import representable
from profiles.config import Settings
from profiles.encoder import hour_phrases
from profiles.events import Action, Event
from profiles.geo import haversine_km
from profiles.places import (
    NEVER_SUGGESTED,
    PlaceAnswer,
    counted,
    of_kind_column,
    place_label,
    plural,
    times,
    unsuggestable_group,
    with_article,
)
from profiles.preferences import in_categories
from profiles.preprocessing import local_hour_of_week
from profiles.signing import DIGEST_BYTES, sign, signing_key, verified
from profiles.stores import LogPosition
from retrieval.candidates import CandidateGenerator, SourceRanks
from retrieval.catalogue import Catalogue, FloatArray, IntArray
from retrieval.features import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    FeatureBuilder,
    Query,
    QueryContext,
    column,
)
from retrieval.history import EventStream, HistoryState, UserState, epoch_seconds
from retrieval.protocol import Scores, top_k
from retrieval.ranker import CONTEXT_COLUMNS, Ranker, RankerConfig, Replay, TrainingSet
from retrieval.threads import single_threaded_blas

logger = logging.getLogger(__name__)

Embedder = Callable[[pd.DataFrame], npt.NDArray[np.floating]]
TextEmbedder = Callable[[list[str]], npt.NDArray[np.floating]]

# Reasons before the facts line: the evidence a suggestion shows is one or two short lines.
MAX_REASONS = 2
# Version of what save() writes; bump it when the fitted state's layout changes, so old files are refitted, not misread.
# 2: records the log position; 3: signed; 4: the context source; 5: each user's learnt check-ins; 6: the discovery
# ranker; 7: the configuration's new_place_offset; 8: the columns a ranker is blind to (the discovery context).
RECOMMENDER_FORMAT = "place-recommender/8"
# What follows the pickle in a saved file: this mark, then the keyed digest of the format name and the pickle.
_SIGNATURE_MARK = b"\nwherenow-hmac-sha256\n"
_SIGNED_AS = f"{RECOMMENDER_FORMAT}\x00".encode()
# Groups whose value is the same for every candidate of a query (or only says which source proposed it):
# they never explain why one place beats another.
_SILENT_GROUPS = frozenset({"query", "source"})
# A stated boost raises a place by at least this many standard deviations of the query's best scores ...
BOOST_SPREAD = 1.0
BOOST_POOL = 50  # (the best this many places that can be shown)
# ... and by enough that the best boosted place lands this high among the k shown (0.5: the upper half).
BOOST_REACH = 0.5
# Places less alike than this (item vectors' cosine) to a place the user wants more of are not raised.
MIN_LIKENESS = 0.6
# A "similar to X" reason needs at least this cosine: two places of one kind score 0.57-0.71 (Shake Shack and Five
# Guys, Blue Bottle and Starbucks), a noodle shop and a Walmart 0.25, a beer garden and a Starbucks 0.50; half of
# all pairs of places score over 0.24.
MIN_SIMILAR_REASON = 0.55
# Nearer than this, a place is "right here" (or "next to" another): a tenth of a kilometre would round to 0.0 km.
RIGHT_HERE_KM = 0.05


# Runs a fit's training replay and leaves the state (which has seen the check-ins before the replay's start) having
# seen the whole stream, as the replay in one pass does.
Replayer = Callable[[Replay, HistoryState], TrainingSet]


def replay_here(replay: Replay, state: HistoryState) -> TrainingSet:
    """The training replay in this process, in one pass over ``state``."""
    return replay.run(state, replay.start, len(replay.stream))


def alike_enough(likeness: FloatArray) -> int | None:
    """Which of some places (their cosines to a candidate) a "similar to" reason may name: the most alike, when it is
    at least MIN_SIMILAR_REASON alike; None when none is."""
    if not len(likeness) or float(likeness.max()) < MIN_SIMILAR_REASON:
        return None
    return int(np.argmax(likeness))


# Between the parts of a facts line: "been here 3 times, most recently yesterday · 0.4 km · busy on …".
FACTS_JOINT = " · "


def familiarity(visits: float, since_last: timedelta | None, into_day: float | None = None) -> str:
    """How well the user knows a place, as a list says it: 'new to you', 'been here once, 3 weeks ago', 'been here 12
    times, most recently yesterday' (by the calendar given ``into_day``, the hours since midnight now)."""
    if visits <= 0 or since_last is None:
        return "new to you"
    last = age_phrase(since_last, into_day)
    if round(visits) == 1:
        return f"been here once, {last}"
    return f"been here {times(visits)}, most recently {last}"  # "most recently": the phrase may be "within the hour"


def with_familiarity(facts: str, visits: float, since_last: timedelta | None, into_day: float | None = None) -> str:
    """A facts line (:meth:`Explainer.facts`) saying ``visits`` instead of what it said of them; a line that opens
    otherwise (a bare distance) as it was."""
    known, joint, rest = facts.partition(FACTS_JOINT)
    if not known.startswith(("new to you", "been here")):
        return facts
    return familiarity(visits, since_last, into_day) + joint + rest


def is_busy(total: float, here: float, share: float) -> bool:
    """Whether a place is busy in a slice of the week: at least BUSY_LIFT times the check-ins an even spread would put
    in it (``share``: the slice's part of the week's hours), of at least MIN_BUSY_VISITS in all, MIN_TIMES in it."""
    return total >= MIN_BUSY_VISITS and here >= MIN_TIMES and here >= BUSY_LIFT * total * share


def busy_phrase(hour_of_week: int) -> str:
    """'busy on Friday evenings': what a facts line says of a place busy at that local hour of the week."""
    return f"{BUSY_NOW} {_OCCASIONS[hour_of_week]}"


def occasion_share(hour_of_week: int) -> float:
    """The part of the week's hours in the occasion ('Friday evenings') of a local hour of the week."""
    return float(_OCCASION_HOURS[_OCCASIONS[hour_of_week]].mean())


def with_busy(facts: str, busy: str | None) -> str:
    """A facts line saying ``busy`` ('busy on Friday evenings') as its last part, or nothing of it when None."""
    parts = [part for part in facts.split(FACTS_JOINT) if not part.startswith(f"{BUSY_NOW} ")]
    return FACTS_JOINT.join([*parts, busy] if busy else parts)


class NotFittedError(RuntimeError):
    """The recommender was asked for scores before ``fit``."""


class Recommendation(PlaceAnswer):
    """One recommended place: its score (the ``score_all`` value, before any ``surprise`` discount), whether the user
    has been there, and why it is recommended: up to ``MAX_REASONS`` sentences, strongest first, then always the
    facts line ("been here 12 times, most recently yesterday · 0.4 km · busy on Saturday afternoons")."""

    distance_km: float
    score: float
    is_return: bool
    reasons: list[str]


def encoder_embeddings(settings: Settings) -> Embedder:
    """Item embeddings from the item index (``retrieval.item_index``): encoded and stored on the first fit of a
    catalogue, read back from the store afterwards."""

    def embed(items: pd.DataFrame) -> npt.NDArray[np.floating]:
        # Imported here: torch and the model load only when a fit uses embeddings.
        from retrieval.item_index import ItemIndex

        with ItemIndex.open(settings, items) as index:
            return index.vectors()

    return embed


def encoder_texts(settings: Settings) -> TextEmbedder:
    """The configured interest encoder on a few texts (the hour phrases of the context vector)."""

    def embed(texts: list[str]) -> npt.NDArray[np.floating]:
        from profiles.encoder import InterestEncoder  # torch loads only when a fit asks for these

        return InterestEncoder(settings.models).encode(texts)

    return embed


class PlaceRecommender:
    """Learns from check-ins, scores the catalogue for (user, time, place), recommends with reasons, learns online."""

    def __init__(
        self,
        settings: Settings,
        config: RankerConfig | None = None,
        embedder: Embedder | None = None,
        text_embedder: TextEmbedder | None = None,
    ) -> None:
        self.settings = settings
        self.config = config or RankerConfig.from_settings(settings)
        self.timezone = settings.preprocessing.timezone
        self._embedder = embedder
        self._text_embedder = text_embedder
        self.catalogue: Catalogue | None = None
        self.state: HistoryState | None = None
        self.builder: FeatureBuilder | None = None
        self.generator: CandidateGenerator | None = None
        self.ranker = Ranker(self.config)
        # Orders the places new to the user (RankerConfig.discovery_scale); None when there is none or too little to
        # learn from.
        self.discovery_generator: CandidateGenerator | None = None
        self.discoverer: Ranker | None = None
        self.training: TrainingSet | None = None
        self.timings: dict[str, float] = {}
        self._disliked: dict[str, set[int]] = {}
        self._own_states: dict[tuple[int, str, int], HistoryState] = {}  # _own_state's, by state, user and check-ins
        # The event log position the learnt state reflects (set by whoever feeds it events from the log).
        self.log_position: LogPosition | None = None

    # Learning -------------------------------------------------------------------------------------------------

    def fit(
        self, history: pd.DataFrame, items: pd.DataFrame, progress: bool = False, replayer: Replayer | None = None
    ) -> None:
        """Fit the state on the earliest history, train the ranker on replaying the rest, end with all of it seen.

        Dislikes in the history hide their places as :meth:`observe` would (until the user's next visit there), so
        a refit on stored events keeps the user's feedback. ``progress`` shows a bar over the four phases.
        ``replayer`` runs the training replay (default :func:`replay_here`, in this process; Ray tasks:
        ``retrieval.batch_ray.replay_on_ray``).
        """
        replayer = replayer or replay_here
        config = self.config
        with tqdm(total=4, desc="recommender", unit="step", disable=not progress) as steps:
            steps.set_postfix_str("embeddings")
            started = time.perf_counter()
            catalogue = Catalogue.from_items(items)
            embeddings = None
            if config.use_embeddings:
                embedder = self._embedder or encoder_embeddings(self.settings)
                try:
                    embeddings = embedder(catalogue.items)
                except (ImportError, RuntimeError, OSError) as error:  # embeddings only add a feature and a source
                    logger.warning("item embeddings failed (%s); ranking without them", error)
            self.timings["embeddings_s"] = time.perf_counter() - started
            steps.update()

            steps.set_postfix_str("warm-up")
            self.catalogue = catalogue
            hour_vectors = None
            if embeddings is not None and config.reads_context:
                hour_vectors = (self._text_embedder or encoder_texts(self.settings))(hour_phrases())
            self.builder = config.builder(catalogue, embeddings, hour_vectors)
            self.generator = config.generator(catalogue)
            self.discovery_generator = config.discovery_generator(catalogue) if config.discovers else None
            self.state = config.state(catalogue)
            self._disliked = _dislikes(history, catalogue)
            stream = EventStream.from_frame(history, catalogue, self.timezone)
            ranker_from = int(len(stream) * config.warmup_fraction)
            warmup = min(ranker_from, int(len(stream) * config.discovery_from)) if config.discovers else ranker_from
            moment = time.perf_counter()
            stream.slice(0, warmup).observe_into(self.state)
            self.timings["warmup_s"] = time.perf_counter() - moment
            steps.update()

            steps.set_postfix_str(f"replaying {len(stream) - warmup:,} check-ins")
            moment = time.perf_counter()
            replay = Replay(config, stream, self.builder, self.generator, warmup, ranker_from, self.discovery_generator)
            self.training = replayer(replay, self.state)
            self.timings["replay_s"] = time.perf_counter() - moment
            steps.update()

            steps.set_postfix_str("training")
            moment = time.perf_counter()
            self.ranker = Ranker(
                config, blind=CONTEXT_COLUMNS if config.reads_context and not config.context else ()
            ).fit(self.training)
            new_places = self.training.new_places
            discoverer = Ranker(config).fit(new_places) if new_places is not None else None
            self.discoverer = discoverer if discoverer is not None and discoverer.learnt else None
            self.timings["train_s"] = time.perf_counter() - moment
            self.timings["fit_s"] = time.perf_counter() - started
            steps.update()
        logger.info(
            "ranker: %d groups, %d rows, candidate recall %.3f, best iteration %s, timings %s",
            len(self.training),
            len(self.training.labels),
            self.training.recall,
            self.ranker.best_iteration,
            {name: round(value, 1) for name, value in self.timings.items()},
        )

    def observe(self, event: Event) -> None:
        """Learn one event: a visit updates every count (a new user is created); a dislike hides the place."""
        state = self._fitted()
        position = state.catalogue.positions.get(event.item_id)
        if event.action == Action.DISLIKE:
            if position is not None:
                self._disliked.setdefault(event.user_id, set()).add(position)
            return
        if event.action != Action.VISIT:
            return  # views, searches and likes are not check-ins; the ranker was trained on visits only
        if position is not None:
            self._disliked.get(event.user_id, set()).discard(position)
        hour = local_hour_of_week(event.timestamp, event.latitude, event.longitude, self.timezone)
        state.observe(event.user_id, position, epoch_seconds(event.timestamp), hour, event.latitude, event.longitude)

    def forget(self, user_id: str) -> bool:
        """Drop what is kept about one user: their history state and their part of the shared counts, their dislikes
        and their training groups.

        Afterwards the user is a stranger: no repertoire, no returns, no own transitions, and no place counts,
        transitions or co-visits of theirs tell anyone else anything (:meth:`HistoryState.alone` replays the
        check-ins the state learnt from them, in the order learnt, and :meth:`HistoryState.subtract` takes that
        out: exact, and needing no events, so a replica that hears of a forget after the events were deleted
        forgets as exactly as the one that deleted them). The learnt ranker's weights still reflect them until the
        next fit. Returns whether anything about the user was known.
        """
        known = self._disliked.pop(user_id, None) is not None
        if self.state is not None:
            alone = self.state.alone(user_id)
            if alone is not None:
                self.state.subtract(alone)
                del self.state.users[user_id]
                known = True
        if self.training is not None and user_id in _asked_by(self.training):
            self.training = _without_user(self.training, user_id)
            known = True
        return known

    def relearn(self, user_id: str, events: Iterable[Event]) -> bool:
        """Replace what is kept about one user by what ``events`` (all of theirs that remain) say, after some were
        deleted ("forget my visits there"): :meth:`forget`, then the remaining ones are learnt again, in time
        order, shared counts included. Returns whether anything about the user was known."""
        live = self._fitted()
        known = self.forget(user_id)
        for event in sorted((e for e in events if e.user_id == user_id), key=lambda e: e.timestamp):
            self.observe(event)
        return known or live.user(user_id) is not None

    # Saving ---------------------------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the embedder: a closure (often over an open item index) is code and handles, not state."""
        state = self.__dict__.copy()
        state.pop("_embedder", None)
        state.pop("_text_embedder", None)
        state.pop("_own_states", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._embedder = None
        self._text_embedder = None
        self._own_states = {}

    def _own_state(self, state: HistoryState, user_id: str) -> HistoryState:
        """The user's check-ins alone (:meth:`HistoryState.alone`), kept for the next few queries until the user's
        next check-in: a heavy user's replay takes a tenth of a second."""
        user = state.user(user_id)
        key = (id(state), user_id, len(user.learnt) if user is not None else 0)
        found = self._own_states.get(key)
        if found is None:
            found = state.alone(user_id) or state.alike()
            if len(self._own_states) >= OWN_STATES_KEPT:
                self._own_states.pop(next(iter(self._own_states)))
            self._own_states[key] = found
        return found

    def save(self, path: Path) -> Path:
        """Write the fitted recommender to ``path`` atomically (a temporary file beside it, renamed over it).

        The pickle is followed by its keyed digest (``profiles.signing``, the key outside the state folder), which
        :meth:`load` checks before unpickling anything. Left out: the settings (they may hold secrets; :meth:`load`
        takes the caller's) and the training set (the replay's feature rows, hundreds of MB on NYC, which no
        prediction reads).
        """
        self._fitted()
        state = self.__getstate__()
        for name in ("settings", "training"):
            state.pop(name, None)
        payload = pickle.dumps({"format": RECOMMENDER_FORMAT, "state": state}, protocol=pickle.HIGHEST_PROTOCOL)
        signature = sign(_SIGNED_AS + payload, signing_key(self.settings.models.cache_dir))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as partial, partial.open("wb") as handle:
            # pickle.load stops at the pickle's end, so the trailer never reaches it.
            handle.write(payload + _SIGNATURE_MARK + signature)
        return path

    @classmethod
    def load(cls, path: Path, settings: Settings) -> Self:
        """A recommender saved by :meth:`save`, scoring exactly as it did; its ``training`` is None.

        Nothing is unpickled unless the file carries a valid digest under this machine's key: a file another
        program or machine wrote, or one changed since it was saved, raises ValueError (callers refit).
        """
        data = Path(path).read_bytes()
        signed, signature = data[:-DIGEST_BYTES], data[-DIGEST_BYTES:]
        payload, mark = signed[: -len(_SIGNATURE_MARK)], signed[-len(_SIGNATURE_MARK) :]
        key = signing_key(settings.models.cache_dir)
        if mark != _SIGNATURE_MARK or not verified(_SIGNED_AS + payload, signature, key):
            raise ValueError(
                f"{path}: not a saved recommender of format {RECOMMENDER_FORMAT!r} signed on this machine "
                "(unsigned, changed since it was saved, or written elsewhere); not loaded"
            )
        loaded = pickle.loads(payload)  # signed by save() with our key: our own bytes
        if not isinstance(loaded, dict) or loaded.get("format") != RECOMMENDER_FORMAT:
            found = loaded.get("format") if isinstance(loaded, dict) else type(loaded).__name__
            raise ValueError(f"{path}: not a saved recommender of format {RECOMMENDER_FORMAT!r} (found {found!r})")
        recommender = cls.__new__(cls)
        recommender.__setstate__({**loaded["state"], "settings": settings, "training": None})
        return recommender

    # Scoring --------------------------------------------------------------------------------------------------

    def score_all(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Scores:
        """Model scores over the whole catalogue; places no candidate source proposed get -inf."""
        query = self._query(user_id, at, latitude, longitude)
        with single_threaded_blas():
            return self._score(query).scores

    def source_ranks(self, user_id: str, at: datetime, latitude: float, longitude: float) -> SourceRanks:
        """Every candidate source's ranking of the catalogue for (user, time, place), as ``score_all`` sees it."""
        self._fitted()
        assert self.generator is not None
        return self._ranks(self.generator, user_id, at, latitude, longitude)

    def discovery_ranks(self, user_id: str, at: datetime, latitude: float, longitude: float) -> SourceRanks | None:
        """The discovery ranker's wider pool's source ranks for (user, time, place); None without a discovery ranker."""
        if self.discoverer is None or self.discovery_generator is None:
            return None
        return self._ranks(self.discovery_generator, user_id, at, latitude, longitude)

    def _ranks(
        self, generator: CandidateGenerator, user_id: str, at: datetime, latitude: float, longitude: float
    ) -> SourceRanks:
        query = self._query(user_id, at, latitude, longitude)
        state, builder = self._fitted(), self.builder
        assert builder is not None
        with single_threaded_blas():
            return generator.rank(state, builder.context(state, query))

    def _score(self, query: Query, extra: IntArray | None = None) -> Scored:
        """Full-catalogue scores, the query context, the scored positions, their feature rows and which model scored
        each row.

        ``extra`` positions (a filter's matches) are scored too, with the source ranks they have for this query;
        adding them changes no other place's score, since every feature is a function of (query, place) and the
        discovery ranker's scale is set by the proposed places alone (:func:`in_slots`).
        """
        state, builder, generator = self._fitted(), self.builder, self.generator
        assert builder is not None and generator is not None
        context = builder.context(state, query)
        ranks = generator.rank(state, context)
        candidates = ranks.candidates()
        offered = candidates.positions  # what the sources proposed, before any filter's extra places
        if extra is not None and len(extra):
            candidates = ranks.of(np.union1d(candidates.positions, extra))
        positions = candidates.positions
        features = builder.build(state, context, positions, candidates.ranks)
        scores = np.full(len(state.catalogue), -np.inf, dtype=np.float64)
        by_discoverer = np.zeros(len(positions), dtype=bool)
        if len(positions):
            scores[positions] = self.ranker.predict(features)
        known = _known(context, len(state.catalogue))
        slots = offered[~known[offered]]  # the ranker's scores of the new places it was offered
        if self.discoverer is not None and self.discovery_generator is not None and len(slots):
            # New places: the discovery ranker orders them, drawn from its wider pool, in the slots the ranker gave
            # new places.
            wide = self.discovery_generator.rank(state, context)
            proposed = np.union1d(wide.candidates().positions, slots)
            pool = np.union1d(proposed, positions)
            pool = pool[~known[pool]]
            pool_features = builder.build(state, context, pool, wide.of(pool).ranks)
            discovered = self.discoverer.predict(pool_features)
            proposed = np.isin(pool, proposed)
            scores[pool] = in_slots(discovered, discovered[proposed], scores[slots])  # pool ⊇ slots: none empty
            keep = known[positions]
            positions = np.concatenate([positions[keep], pool])
            features = np.vstack([features[keep], pool_features])
            by_discoverer = np.concatenate([np.zeros(int(keep.sum()), dtype=bool), np.ones(len(pool), dtype=bool)])
            order = np.argsort(positions, kind="stable")
            positions, features, by_discoverer = positions[order], features[order], by_discoverer[order]
        if self.config.new_place_offset:
            new = positions[~known[positions]]
            scores[new] += self.config.new_place_offset
        return Scored(scores, context, positions, features, by_discoverer)

    def recommend(
        self,
        user_id: str,
        at: datetime,
        latitude: float,
        longitude: float,
        k: int = 10,
        *,
        surprise: float = 0.0,
        familiar: bool = False,
        category: str | None = None,
        keyword: str | None = None,
        exclude: Collection[str] = (),
        exclude_categories: Collection[str] = (),
        within_km: float | None = None,
        beyond_km: float | None = None,
        muted_categories: Collection[str] = (),
        boost_categories: Collection[str] = (),
        boost_like: Collection[str] = (),
        popular: bool = False,
        nearest: bool = False,
    ) -> list[Recommendation]:
        """The top ``k`` places for (user, time, place), best first, each with its reasons.

        ``surprise`` in [0, 1] discounts the odds of places the user has been to by ``1 - surprise``: 0 keeps the
        model's ranking, 1 shows only places new to the user; ``familiar`` shows only places the user has been to
        (the opposite request, "somewhere I know"). ``category`` keeps places whose category path
        contains it, ``keyword`` places whose name contains it (both case-insensitive); ``exclude`` drops item
        ids and ``exclude_categories`` places whose category path contains any of them; ``within_km`` keeps places
        within that distance of (latitude, longitude), ``beyond_km`` places at least that far; places the user disliked
        are never shown. Fewer than ``k`` come
        back when fewer qualify.

        A user's stated preferences (``profiles.preferences``) steer the list: ``muted_categories`` drops places with
        any of them as a level of their category path (so 'Bar' drops cocktail bars, not barbershops);
        ``boost_categories`` raises places of those categories, and ``boost_like`` (item ids) places like those, by
        their item vectors' cosine (the same leaf category without vectors), by up to ``BOOST_SPREAD`` standard
        deviations of the query's scores; the nearest such places join the candidates, so a boost is never lost
        because no source proposed them.

        ``popular`` orders the places that qualify by how many people checked in there (then by check-ins), not by
        the model: "the most popular bar in the Lower East Side" asks for everyone's favourites, not the user's.
        ``nearest`` orders them by distance from the point, nearest first, not by the model: the nearest café to an
        airport, when none is within reach, whatever the user's usual cafés across the city.
        """
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
            raise ValueError(f"k must be a positive whole number, got {k!r}")
        if not isinstance(surprise, int | float) or not 0.0 <= surprise <= 1.0:
            raise ValueError(f"surprise must be a number between 0 and 1, got {surprise!r}")
        query = self._query(user_id, at, latitude, longitude)
        state = self._fitted()
        catalogue = state.catalogue
        allowed = np.ones(len(catalogue), dtype=bool)
        if category:
            allowed &= self._of_kind(category)
        if keyword:
            allowed &= self._named(keyword)
        for unwanted in exclude_categories:
            allowed &= ~self._of_kind(unwanted)
        if within_km is not None:
            if not isinstance(within_km, int | float) or not math.isfinite(within_km) or within_km <= 0:
                raise ValueError(f"within_km must be a positive number of kilometres, got {within_km!r}")
            apart = haversine_km(query.latitude, query.longitude, catalogue.latitude, catalogue.longitude)
            allowed &= apart <= within_km
        if beyond_km is not None:
            if not isinstance(beyond_km, int | float) or not math.isfinite(beyond_km) or beyond_km <= 0:
                raise ValueError(f"beyond_km must be a positive number of kilometres, got {beyond_km!r}")
            apart = haversine_km(query.latitude, query.longitude, catalogue.latitude, catalogue.longitude)
            allowed &= apart >= beyond_km
        extra = None
        if category or keyword or within_km is not None or beyond_km is not None:
            # A narrow request must not come back empty because no source proposed a match: the matches nearest
            # the query point join the candidates.
            matches = np.flatnonzero(allowed)
            apart = haversine_km(
                query.latitude, query.longitude, catalogue.latitude[matches], catalogue.longitude[matches]
            )
            extra = matches[np.argsort(apart, kind="stable")[: self.config.nearby_pool]]
        lift = self._lift(boost_categories, boost_like)
        if lift is not None:
            lifted = np.flatnonzero(lift > 0)
            where = (catalogue.latitude[lifted], catalogue.longitude[lifted])
            apart = haversine_km(query.latitude, query.longitude, *where)
            near_lifted = lifted[np.argsort(apart, kind="stable")[: self.config.nearby_pool]]
            extra = near_lifted if extra is None else np.union1d(extra, near_lifted)
        if popular:  # the most visited of what qualifies are scored, whether or not a source proposed them
            busiest = np.flatnonzero(allowed)
            busiest = busiest[np.argsort(-state.visitors[busiest], kind="stable")[: self.config.nearby_pool]]
            extra = busiest if extra is None else np.union1d(extra, busiest)
        if nearest:  # the nearest of what qualifies are scored, whether or not a source proposed them
            shown = allowed.copy()
            left_out = [catalogue.positions.get(str(item)) for item in exclude]
            shown[[position for position in left_out if position is not None]] = False
            shown[list(self._disliked.get(query.user_id, ()))] = False
            if muted_categories:
                shown &= ~self._in_categories(muted_categories)
            closest = np.flatnonzero(shown)
            apart = haversine_km(
                query.latitude, query.longitude, catalogue.latitude[closest], catalogue.longitude[closest]
            )
            closest = closest[np.argsort(apart, kind="stable")[: self.config.nearby_pool]]
            extra = closest if extra is None else np.union1d(extra, closest)
        if familiar and (known := state.user_as_of(query.user_id, query.seconds)) is not None and len(known):
            # Every place the user knows is scored, so that "somewhere I know" never misses one no source proposed.
            own = known.positions[: len(known)]
            extra = own if extra is None else np.union1d(extra, own)
        with single_threaded_blas():
            scored = self._score(query, extra)
        scores, context, positions, features = scored.scores, scored.context, scored.positions, scored.features

        ranked = scores.copy()
        if muted_categories:
            allowed &= ~self._in_categories(muted_categories)
        ranked[~allowed] = -np.inf
        for item_id in exclude:
            position = catalogue.positions.get(str(item_id))
            if position is not None:
                ranked[position] = -np.inf
        disliked = self._disliked.get(query.user_id)
        if disliked:
            ranked[list(disliked)] = -np.inf
        user = context.user
        is_return = np.zeros(len(catalogue), dtype=bool)
        if user is not None and len(user):
            is_return[user.positions[: len(user)]] = True
        if familiar:
            ranked[~is_return] = -np.inf
        if surprise > 0:
            # Scores act as log-odds here: adding log(1 - surprise) multiplies a known place's odds by 1 - surprise.
            with np.errstate(divide="ignore"):
                ranked[is_return] += np.log1p(-surprise)  # -inf at 1: known places are gone
        if lift is not None:  # last, so that the boost is sized among the places that can still be shown
            ranked += boost_amount(ranked, lift, int(k)) * lift
        if popular:  # people first, check-ins on a tie; what is left out stays out
            by_people = state.visitors + state.counts / (state.counts.max() + 1.0)
            ranked = np.where(np.isfinite(ranked), by_people, -np.inf)
        elif nearest:  # the nearest first; what is left out stays out
            apart = haversine_km(query.latitude, query.longitude, catalogue.latitude, catalogue.longitude)
            ranked = np.where(np.isfinite(ranked), -apart, -np.inf)
        chosen = [int(p) for p in top_k(ranked, min(int(k), len(catalogue))) if np.isfinite(ranked[p])]
        if not chosen:
            return []
        row_of = {int(position): row for row, position in enumerate(positions)}
        rows = np.asarray([row_of[position] for position in chosen], dtype=np.intp)
        contributions = self.ranker.contributions(features[rows])
        if self.discoverer is not None and scored.by_discoverer[rows].any():
            new = scored.by_discoverer[rows]
            contributions[new] = self.discoverer.contributions(features[rows][new])
        explainer = _Explainer(state, self.builder, context, lambda: self._own_state(state, context.query.user_id))
        distances = features[rows, column("distance_km")]
        return [
            Recommendation(
                **dict(catalogue.place(position)),
                distance_km=round(float(distances[index]), 3),
                score=float(scores[position]),
                is_return=bool(is_return[position]),
                reasons=explainer.reasons(position, features[rows[index]], contributions[index], popular=popular),
            )
            for index, position in enumerate(chosen)
        ]

    def importances(self) -> dict[str, float]:
        """The learnt ranker's feature importances (total gain), largest first (the discovery ranker's:
        ``discoverer.importances()``)."""
        return self.ranker.importances()

    # Helpers --------------------------------------------------------------------------------------------------

    def _fitted(self) -> HistoryState:
        if self.state is None:
            raise NotFittedError("the recommender is not fitted yet: call fit(history, items) first")
        return self.state

    def _query(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Query:
        self._fitted()
        if not isinstance(user_id, str) or not user_id:
            raise ValueError(f"user_id must be a non-empty string, got {user_id!r}")
        for name, value, limit in (("latitude", latitude, 90.0), ("longitude", longitude, 180.0)):
            if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > limit:
                raise ValueError(f"{name} must be a finite number within ±{limit:g}, got {value!r}")
        if not isinstance(at, datetime):
            raise ValueError(f"at must be a datetime, got {type(at).__name__}")
        at = representable(at, "at")
        hour = local_hour_of_week(at, latitude, longitude, self.timezone)
        return Query(user_id, epoch_seconds(at), hour, float(latitude), float(longitude))

    def _in_categories(self, names: Collection[str]) -> npt.NDArray[np.bool_]:
        """Places with any of the categories as a level of their category path (``profiles.preferences``)."""
        items = self._fitted().catalogue.items
        paths = items["category_path"] if "category_path" in items else pd.Series("", index=items.index)
        pairs = zip(items["category"].fillna("").astype(str), paths.fillna("").astype(str), strict=True)
        return np.fromiter((in_categories(leaf, path, names) for leaf, path in pairs), dtype=bool, count=len(items))

    def _lift(self, categories: Collection[str], like: Collection[str]) -> FloatArray | None:
        """How much each place is raised, in [0, 1]: 1 for a boosted category, the best cosine to a named place
        (its leaf category without item vectors) for look-alikes; None when nothing is boosted."""
        if not categories and not like:
            return None
        catalogue = self._fitted().catalogue
        lift = np.zeros(len(catalogue), dtype=np.float64)
        if categories:
            lift[self._in_categories(categories)] = 1.0
        named = [position for item in like if (position := catalogue.positions.get(str(item))) is not None]
        if named:
            vectors = self.builder.embeddings if self.builder is not None else None
            if vectors is not None:
                similar = np.clip((vectors @ vectors[named].T).max(axis=1), 0.0, 1.0)
                similar[similar < MIN_LIKENESS] = 0.0
            else:
                leaves = catalogue.items["category"].fillna("").astype(str).to_numpy()
                similar = np.isin(leaves, leaves[named]).astype(np.float64)
            similar[named] = 0.0  # "more places like X" asks for others; X itself keeps its own score
            lift = np.maximum(lift, similar)
        return lift if lift.any() else None

    def _of_kind(self, kind: str) -> npt.NDArray[np.bool_]:
        """Places of a kind: whole words of their category or path (``profiles.places.is_of_kind``)."""
        return of_kind_column(self._fitted().catalogue.items, kind).to_numpy()

    def _named(self, text: str) -> npt.NDArray[np.bool_]:
        """Places whose name holds ``text`` (any case)."""
        names = self._fitted().catalogue.items["name"].fillna("").astype(str)
        return names.str.contains(text, case=False, regex=False).to_numpy()


# Reasons ------------------------------------------------------------------------------------------------------

OWN_STATES_KEPT = 4  # users whose own check-ins, replayed alone, are kept for their next queries

# Evidence too thin to mean anything is left out: a pattern seen once or twice, a handful of people, a share of a
# few percent ("after an Office, 1% of people's next stop is a Mexican Restaurant").
MIN_TIMES = 3  # repeated behaviour: visits at this time of the week, transitions, places seen together
MIN_PEOPLE = 5  # "popular: N check-ins by M people"
POPULAR_QUANTILE = 0.8  # "popular": more visitors than this share of the catalogue's visited places
MIN_SHARE = 0.10  # a share of the user's check-ins, or of the next stops after a kind of place
MIN_NEXT_STOPS = 20  # next stops behind a category-transition share
NEAR_KNOWN_KM = 1.0  # "0.3 km from X, a place you know": farther says little
# "Busy on Saturday afternoons": at least this many times the check-ins an even spread over the week would put in
# that day part, over at least MIN_BUSY_VISITS check-ins of the place.
BUSY_LIFT = 2.0
MIN_BUSY_VISITS = 10
# Groups shown in the facts line, not as reasons: how well the user knows the place, how far, how busy now.
_FACT_GROUPS = frozenset({"visits", "distance", "popular_now"})
# Each hour of the week's occasion in the calendar's words ("Saturday afternoons"): the hours a sentence about
# "Saturday afternoons" may count are exactly those.
_OCCASIONS = tuple(describe_hour(hour, plural=True) for hour in range(HOURS_PER_WEEK))
_OCCASION_HOURS = {occasion: np.asarray(_OCCASIONS) == occasion for occasion in set(_OCCASIONS)}


POPULAR_PREFIX = "popular: "
BUSY_NOW = "busy on"  # the facts line's word for a place busy at the query's hour of the week ("busy on Fridays …")


def popular_reason(count: int, people: int) -> str | None:
    """'popular: 24 check-ins by 16 people', the one wording of a place's popularity; None below ``MIN_PEOPLE``."""
    return f"{POPULAR_PREFIX}{count} check-ins by {people} people" if people >= MIN_PEOPLE else None


class _Explainer:
    """Renders what raised a place's score as short sentences that cite the evidence, and its facts line.

    A sentence is only written when its numbers mean something (the thresholds above) and it names only places a
    person can recognise: where the user just was must have a name; a landmark ("0.3 km from X, a place you know")
    or a partner ("people who go to X also go here") must be a suggestable place.
    """

    def __init__(
        self,
        state: HistoryState,
        builder: FeatureBuilder | None,
        context: QueryContext,
        own: Callable[[], HistoryState] | None = None,
    ) -> None:
        self.state = state
        self._own_of = own
        self.catalogue = state.catalogue
        self.builder = builder
        self.context = context
        self.query = context.query
        self._groups: dict[int, str | None] = {}  # unsuggestable_group by position, for this query's sentences
        self._popular_from: float | None = None  # visitors that make a place popular, worked out when first asked
        self._own_state: HistoryState | None = None  # the user's check-ins alone, worked out when first asked

    def label(self, position: int) -> str:
        """A place's name, or 'a <category>' for the unnamed ones (private homes)."""
        return place_label(self.catalogue.place(position).name, self.catalogue.leaf_name(position))

    def reasons(self, position: int, row: FloatArray, contributions: FloatArray, popular: bool = False) -> list[str]:
        """Up to MAX_REASONS sentences, the strongest first, then the facts line (always last, always there); for a
        list ordered by ``popular``, how many people go there comes first (when enough do to say it)."""
        totals: dict[str, float] = {}
        if popular:
            totals["popular"] = math.inf
        for name, value in zip(FEATURE_NAMES, contributions[: len(FEATURE_NAMES)], strict=True):
            group = FEATURE_GROUPS[name]
            if group not in _SILENT_GROUPS and group not in _FACT_GROUPS:
                totals[group] = totals.get(group, 0.0) + float(value)
        reasons: list[str] = []
        for group, total in sorted(totals.items(), key=lambda pair: -pair[1]):
            if total <= 0 or len(reasons) == MAX_REASONS:
                break
            sentence = self.render(group, position, row)
            if sentence and sentence not in reasons:
                reasons.append(sentence)
        return [*reasons, self.facts(position, row)]

    def facts(self, position: int, row: FloatArray) -> str:
        """'new to you · 0.4 km · busy on Saturday afternoons': familiarity, distance, and how busy it is now."""
        visits = float(row[column("user_visits")])
        since = timedelta(hours=float(row[column("hours_since_visit")])) if visits > 0 else None
        # The query's local hour, and its seconds within the hour (for time zones of whole-hour offsets, as New York's).
        into_day = self.query.hour % HOURS_PER_DAY + self.query.seconds % SECONDS_PER_HOUR / SECONDS_PER_HOUR
        known = familiarity(visits, since, into_day)
        # Rounded as the recommendation's distance_km is, so a card never says 0.2 km and 0.3 km of one place.
        distance = round(float(row[column("distance_km")]), 3)
        where = "right here" if distance < RIGHT_HERE_KM else f"{distance:.1f} km"
        return FACTS_JOINT.join(part for part in (known, where, self.render("popular_now", position, row)) if part)

    def render(self, group: str, position: int, row: FloatArray) -> str | None:
        """The sentence for one reason group, or None when its evidence is too thin or names no known place."""
        value = {name: float(row[column(name)]) for name in FEATURE_NAMES}
        user = self.context.user
        last = self.context.last_position
        now = self._now()
        if group == "routine" and user is not None and value["user_visits"] > 0:
            here = float(user.hours[user.slots[position]][now].sum())
            if here >= MIN_TIMES:
                return f"you come here on {self._occasion()} — {counted(here, 'visit')}"
        if group == "near_known" and user is not None and len(user):
            nearest = self._nearest_known(position)
            if nearest is not None:
                other, distance = nearest
                where = "next to" if distance < RIGHT_HERE_KM else f"{distance:.1f} km from"
                return f"{where} {self.label(other)}, a place you know"
        # A place "after" itself is the user staying where they are ("people often come here after Alewife Taproom",
        # said of Alewife Taproom): a repeat check-in, not a next stop worth citing.
        if group in ("transition", "own_transition") and last == position:
            return None
        if group == "transition" and self._recognisable(last) and last is not None:
            # Other people's: the user's own steps from there are "you often come here after …".
            mine = user.transitions.get(last, {}).get(position, 0.0) if user is not None else 0.0
            if value["transitions"] - mine >= MIN_TIMES:
                return f"people often come here after {self.label(last)} ({times(value['transitions'] - mine)})"
        if group == "own_transition" and self._recognisable(last) and value["own_transitions"] >= MIN_TIMES:
            return f"you often come here after {self.label(last)} ({times(value['own_transitions'])})"
        if group == "category_transition" and last is not None:
            return self._category_transition(position, last, value["category_transition_share"])
        if group == "taste" and user is not None and user.total > 0:
            return self._taste(position, user)
        if group == "popular" and self._popular(position):
            return popular_reason(int(self.state.counts[position]), int(self.state.visitors[position]))
        if group == "popular_now" and self._busy(position):
            return busy_phrase(self.query.hour)
        if group == "covisit" and user is not None and value["covisit_share"] > 0:
            partner = self._best_partner(position, user.recent, self.state.covisits, self._own().covisits)
            if partner is not None:
                return f"people who go to {self.label(partner)} also go here"
        if group == "peers" and user is not None and value["peer_share"] > 0:
            partner = self._best_partner(
                position, user.positions[: len(user)].tolist(), self.state.peers, self._own().peers
            )
            if partner is not None:
                return f"people who go to {self.label(partner)} also go here"
        if group == "similar" and user is not None and self.builder is not None and self.builder.embeddings is not None:
            recent = [other for other in user.recent if other != position and self._suggestable(other)]
            if recent:
                closest = alike_enough(self.builder.embeddings[recent] @ self.builder.embeddings[position])
                if closest is not None:
                    return f"similar to {self.label(recent[closest])}, where you went recently"
        return None

    def _now(self) -> npt.NDArray[np.bool_]:
        """The hours of the week in the query's occasion ('Saturday afternoons')."""
        return _OCCASION_HOURS[self._occasion()]

    def _occasion(self) -> str:
        return _OCCASIONS[self.query.hour]

    def _taste(self, position: int, user: UserState) -> str | None:
        """The user's habit with this kind of place now ('you go to Cafés on Saturday mornings — 12 visits'), else
        its share of their check-ins. The kind is the place's shown category, else its path's leaf, and it counts
        the check-ins at places of that kind by either: "43% of your check-ins are at Coffee Shops" was 3 of 7 when
        the user's Dunkin', a "Coffee Shop" filed under "Donut Shop", was left out of the other 2."""
        shown, leaf = self.catalogue.category_name(position), self.catalogue.leaf_name(position)
        names = [name for name in dict.fromkeys((shown, leaf)) if name]
        visits = [(name, *self._kind_visits(user, name)) for name in names]
        for name, _, hours in visits:
            now = float(hours[self._now()].sum())
            if now >= MIN_TIMES:
                return f"you go to {plural(name)} on {self._occasion()} — {counted(now, 'visit')}"
        shares = [(count, f"at {plural(name)}") for name, count, _ in visits]
        if top := self.catalogue.top_name(position):  # a top level is a family of places
            shares.append((user.top_counts.get(int(self.catalogue.top[position]), 0.0), f"in {top}"))
        for count, kind in shares:
            if count >= MIN_TIMES and count / user.total >= MIN_SHARE:
                return f"{count / user.total:.0%} of your check-ins are {kind}"
        return None

    def _kind_visits(self, user: UserState, name: str) -> tuple[float, FloatArray]:
        """The user's check-ins at places whose shown category or path leaf is ``name``: how many, and by hour of
        the week."""
        slots = len(user)
        catalogue = self.catalogue
        mine = user.positions[:slots].tolist()
        kinds = [name in (catalogue.category_name(at), catalogue.leaf_name(at)) for at in mine]
        mask = np.array(kinds, dtype=bool)
        return float(user.counts[:slots][mask].sum()), user.hours[:slots][mask].sum(axis=0)

    def _category_transition(self, position: int, last: int, share: float) -> str | None:
        """'after a Coffee Shop, 18% of next stops are Jazz Clubs', when the share and the stops behind it count."""
        leaf, before = self.catalogue.leaf_name(position), self.catalogue.leaf_name(last)
        stops = float(self.state.leaf_transitions[self.catalogue.leaf[last]].sum())
        if not leaf or not before or share < MIN_SHARE or stops < MIN_NEXT_STOPS:
            return None
        return f"after {with_article(before)}, {share:.0%} of people's next stops are {plural(leaf)}"

    def _popular(self, position: int) -> bool:
        """Whether more people have been to the place than to POPULAR_QUANTILE of the places anyone has been to."""
        if self._popular_from is None:
            visitors = self.state.visitors
            seen = visitors[visitors > 0]
            self._popular_from = max(float(np.quantile(seen, POPULAR_QUANTILE)) if len(seen) else 0.0, MIN_PEOPLE)
        return bool(self.state.visitors[position] >= self._popular_from)

    def _busy(self, position: int) -> bool:
        """Whether the place gets at least BUSY_LIFT times its even share of check-ins in the query's occasion, not
        counting the user's own: someone's Friday-evening regular is not "busy on Friday evenings" because of them."""
        total = float(self.state.counts[position])
        now = self._now()
        here = float(self.state.hours[position][now].sum())
        user = self.context.user
        slot = user.slots.get(position) if user is not None else None
        if user is not None and slot is not None:
            total -= float(user.counts[slot])
            here -= float(user.hours[slot][now].sum())
        return is_busy(total, here, float(now.mean()))

    def _nearest_known(self, position: int) -> tuple[int, float] | None:
        """The user's nearest other suggestable place within NEAR_KNOWN_KM, and how far (a landmark the user chose
        to go to: not their office, a road or a station)."""
        user = self.context.user
        assert user is not None
        known = user.positions[: len(user)]
        others = known[known != position]
        apart = self._distances(position, others)
        for index in np.argsort(apart, kind="stable"):
            if apart[index] > NEAR_KNOWN_KM:
                break
            if self._suggestable(int(others[index])):
                return int(others[index]), float(apart[index])
        return None

    def _group(self, position: int) -> str | None:
        if position not in self._groups:
            place = self.catalogue.place(position)
            self._groups[position] = unsuggestable_group(place.category, place.category_path, place.name)
        return self._groups[position]

    def _recognisable(self, position: int | None) -> bool:
        """Whether a sentence may name the place: it has a name, and is not a home, an area or a past happening."""
        return position is not None and self._group(position) not in NEVER_SUGGESTED

    def _suggestable(self, position: int) -> bool:
        """Whether the place is one to suggest (``profiles.places.is_suggestable``)."""
        return self._group(position) is None

    def _distances(self, position: int, others: IntArray) -> FloatArray:
        catalogue = self.catalogue
        return haversine_km(
            catalogue.latitude[position],
            catalogue.longitude[position],
            catalogue.latitude[others],
            catalogue.longitude[others],
        )

    def _own(self) -> HistoryState:
        """The asking user's check-ins alone (:meth:`HistoryState.alone`), worked out when first needed: their part
        of the shared pairs, which "people who go to X also go here" must not count."""
        if self._own_state is None:
            own = self._own_of() if self._own_of is not None else self.state.alone(self.query.user_id)
            self._own_state = own or self.state.alike()
        return self._own_state

    def _best_partner(
        self,
        position: int,
        places: Collection[int],
        pairs: dict[int, dict[int, float]],
        own: dict[int, dict[int, float]],
    ) -> int | None:
        """The suggestable place among ``places`` seen together with ``position`` most often by other people than
        the user (``own``: the user's part of ``pairs``), MIN_TIMES at least."""
        best, best_count = None, MIN_TIMES - 1e-9
        for other in places:
            count = pairs.get(other, {}).get(position, 0.0) - own.get(other, {}).get(position, 0.0)
            if count > best_count and other != position and self._suggestable(other):
                best, best_count = other, count
        return best


def _dislikes(history: pd.DataFrame, catalogue: Catalogue) -> dict[str, set[int]]:
    """The places each user disliked and has not visited since, as ``observe`` would leave them."""
    if "action" not in history:
        return {}
    actions = history["action"].fillna(Action.VISIT.value).astype(str).str.lower()
    if not (actions == Action.DISLIKE.value).any():
        return {}
    mask = actions.isin([Action.VISIT.value, Action.DISLIKE.value]).to_numpy()
    relevant = history.loc[mask, ["user_id", "item_id", "timestamp"]].reset_index(drop=True)
    relevant["action"] = actions.to_numpy()[mask]
    relevant["position"] = relevant["item_id"].astype(str).map(catalogue.positions)
    # The latest of a user's visits and dislikes of a place decides: a visit after a dislike lifts it.
    latest = (
        relevant.dropna(subset=["position"])
        .sort_values("timestamp", kind="stable")
        .drop_duplicates(["user_id", "position"], keep="last")
    )
    disliked = latest[latest["action"] == Action.DISLIKE.value]
    found: dict[str, set[int]] = {}
    for user_id, position in zip(disliked["user_id"].astype(str), disliked["position"].astype(int), strict=True):
        found.setdefault(user_id, set()).add(position)
    return found


def _known(context: QueryContext, size: int) -> npt.NDArray[np.bool_]:
    """Which catalogue places the query's user has been to."""
    known = np.zeros(size, dtype=bool)
    if context.user is not None:
        known[context.user.positions[: len(context.user)]] = True
    return known


def _asked_by(training: TrainingSet) -> set[str]:
    """The users any query group of ``training`` (the discovery ranker's included) was asked for."""
    users = set(training.query_users)
    return users | set(training.new_places.query_users) if training.new_places is not None else users


def _without_user(training: TrainingSet, user_id: str) -> TrainingSet:
    """The training set without the query groups asked for ``user_id`` (the aggregate counters stay)."""
    keep = np.array([user != user_id for user in training.query_users], dtype=bool)
    rows = np.repeat(keep, training.sizes)
    return replace(
        training,
        features=training.features[rows],
        labels=training.labels[rows],
        sizes=training.sizes[keep],
        query_seconds=training.query_seconds[keep],
        query_users=[user for user in training.query_users if user != user_id],
        discovery=training.discovery[keep],
        positions=training.positions[rows],
        new_places=_without_user(training.new_places, user_id) if training.new_places is not None else None,
    )


def in_slots(scores: FloatArray, proposed: FloatArray, slots: FloatArray) -> FloatArray:
    """The discovery ranker's ``scores`` on the ranker's scale: the i-th best of the ``proposed`` ones takes the i-th
    best of the ranker's scores of new places (``slots``), so new places fill exactly the ranks the ranker gave them,
    in the discovery ranker's order; beyond the slots (and above the first) scores continue at slope 1.

    A monotone map fixed by the proposed places alone: a place added by a filter gets a score without moving another.
    Both ``proposed`` and ``slots`` must be non-empty.
    """
    ours = np.sort(proposed)[::-1][: len(slots)]
    theirs = np.sort(slots)[::-1][: len(ours)]
    # np.interp wants increasing knots; below the last slot and above the first, the difference is kept.
    mapped = np.interp(scores, ours[::-1], theirs[::-1])
    below, above = scores < ours[-1], scores > ours[0]
    mapped[below] = theirs[-1] - (ours[-1] - scores[below])
    mapped[above] = theirs[0] + (scores[above] - ours[0])
    return mapped


@dataclass(frozen=True)
class Scored:
    """One query's scores over the catalogue and what they came from: the scored positions (ascending), their
    feature rows, and which rows the discovery ranker scored (whose contributions explain them)."""

    scores: Scores
    context: QueryContext
    positions: IntArray
    features: FloatArray
    by_discoverer: npt.NDArray[np.bool_]


def build_recommender(settings: Settings) -> PlaceRecommender:
    """The product's recommender, unfitted, configured from ``settings``."""
    return PlaceRecommender(settings)


def boost_amount(ranked: FloatArray, lift: FloatArray, k: int) -> float:
    """How far a stated boost raises a fully lifted place (``lift`` 1; a look-alike with lift 0.7 gets 0.7 of it).

    At least ``BOOST_SPREAD`` standard deviations of the best ``BOOST_POOL`` scores, and more when needed for the
    best boosted place to reach the upper ``BOOST_REACH`` of the ``k`` shown: "more coffee" must show more coffee
    however far below the user's usual places the cafés scored, while the boosted places keep their own order.
    """
    finite = np.isfinite(ranked)
    if not finite.any():
        return 0.0
    best = np.sort(ranked[finite])[::-1][:BOOST_POOL]
    spread = (float(np.std(best)) if len(best) > 1 else 1.0) or 1.0
    amount = BOOST_SPREAD * spread
    boosted = np.flatnonzero(finite & (lift > 0))
    if len(boosted):
        slot = min(max(int(np.ceil(k * BOOST_REACH)), 1), len(best)) - 1
        leader = boosted[np.argmax(ranked[boosted] + amount * lift[boosted])]
        needed = (best[slot] - ranked[leader]) / lift[leader]
        amount = max(amount, float(needed) + 1e-6 * spread)  # just above the place it must pass
    return amount


__all__ = [
    "RECOMMENDER_FORMAT",
    "NotFittedError",
    "PlaceRecommender",
    "Recommendation",
    "Replayer",
    "boost_amount",
    "build_recommender",
    "replay_here",
]
