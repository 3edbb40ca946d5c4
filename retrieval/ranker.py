"""The learning-to-rank model (LightGBM lambdarank), its tunables, and the time-ordered replay that trains it.

Training never reaches into its own future: the state is fitted on the earliest share of the history, then the
rest is replayed check-in by check-in. Each check-in becomes one query group (the true place against sampled
other candidates), built from the state as it stood just before that check-in, which is observed only after.
The last groups in time are the early-stopping validation set. Once the replay ends the state has seen the
whole history, exactly as if it had been fitted on all of it, and serves with the trained weights.

The same replay, started earlier, trains the **discovery ranker**: a second LightGBM model whose groups are the
check-ins at places new to the user, each against other new places from a pool several times wider than the
ranker's. The recommender lets it order new places within the ranks the ranker gave new places
(``retrieval.recommender.in_slots``), so returns keep their ranks and new places come from the wider pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError

from profiles.calendar import HOURS_PER_DAY
from profiles.config import Settings
from retrieval.candidates import CandidateGenerator, Candidates
from retrieval.catalogue import Catalogue, FloatArray, IntArray
from retrieval.features import FEATURE_NAMES, SOURCES, FeatureBuilder, Query, QueryContext, column
from retrieval.history import EventStream, HistoryState
from retrieval.threads import single_threaded_blas

_REPERTOIRE = SOURCES.index("repertoire")
_SIGNED = frozenset({"new_place_offset"})  # the RankerConfig fields that may be negative
# The columns read from the context vector: the ranker is blind to them when only the discovery ranker has it.
CONTEXT_COLUMNS: tuple[str, ...] = ("context_similarity", "rank_context")


@dataclass(frozen=True)
class RankerConfig:
    """Every tunable of candidates, features, training and LightGBM, with the defaults tuned on an inner split."""

    seed: int = 42
    # State and features (recency and rhythm come from settings.context when built from settings).
    recency_half_life_hours: float = 14.0 * HOURS_PER_DAY
    popularity_half_life_hours: float = 7.0 * HOURS_PER_DAY
    rhythm_bandwidth_hours: float = 3.0
    distance_bandwidth_km: float = 2.0
    recent_places: int = 10
    covisit_window: int = 3
    use_embeddings: bool = True
    # Candidate sources: how many each may propose.
    repertoire: int = 300
    nearby: int = 100
    nearby_pool: int = 400
    transitions: int = 40
    covisits: int = 60
    peers: int = 40
    peer_places: int = 10
    similar: int = 20
    popular_now: int = 30
    # The context source: the places among the context_pool nearest whose embeddings are nearest the context vector
    # (the hour and the last places, profiles.encoder.intent_vector); 0: no context source and no context feature.
    context: int = 0
    context_pool: int = 1500
    # The context source of the discovery ranker's pool alone (its size there; 0: ``context`` times the scale). With
    # ``context`` 0 the ranker stays blind to the context vector and only the discovery ranker reads it.
    discovery_context: int = 0
    # Training replay. Up to half the negatives are the user's own places, what any place must beat to be chosen:
    # the share and the count set how readily the natural ranking shows new places. Chosen on two inner time folds
    # of the history by overall MRR: 25 of 50 against 15 of 30 raised Acc@10 0.691 -> 0.703 and MRR 0.4445 -> 0.4505
    # (mean of the folds) and cost discovery Acc@10 0.144 -> 0.135; the discovery ranker keeps new places' order.
    warmup_fraction: float = 0.78
    validation_fraction: float = 0.15
    negatives: int = 50
    hard_negatives: int = 25
    min_training_queries: int = 20
    # The discovery ranker (0 scale: none). It orders the places new to the user among themselves, within the slots
    # the ranker gives new places, and draws them from a wider pool: every source's limit times discovery_scale,
    # the nearby sources within the discovery_pool nearest. It learns from the check-ins at new places replayed from
    # discovery_from of the history on (earlier than the ranker's replay: they are a fifth of all), each against
    # discovery_negatives other new places of that pool. Tuned on an inner time split of the history.
    discovery_scale: float = 8.0
    discovery_pool: int = 1200
    discovery_from: float = 0.5
    discovery_negatives: int = 200
    # Added to the score of every place new to the user (the scores act as log-odds; 0 keeps the rankers' own
    # balance). Negative favours returns, positive new places; a request's surprise adds -log(1 - surprise) on top.
    # The two are one trade-off, measured on two inner time folds (Acc@10 / discovery Acc@10, fold 1 | fold 2):
    # -0.5 gives 0.702 / 0.115 | 0.718 / 0.115 against 0 at 0.695 / 0.135 | 0.711 / 0.135, and MRR +0.003; 0 stays
    # the default because discoveries are what the interest encoder is for (README: "Returns against discoveries").
    new_place_offset: float = 0.0
    # LightGBM.
    n_estimators: int = 600
    learning_rate: float = 0.1
    num_leaves: int = 15
    min_child_samples: int = 40
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    early_stopping_rounds: int = 40
    eval_at: int = 10
    # LightGBM's OpenMP threads spin while they wait; on a busy 2-core machine two threads trained six times slower.
    threads: int = 1

    def __post_init__(self) -> None:
        for name in ("warmup_fraction", "validation_fraction", "discovery_from", "subsample", "colsample_bytree"):
            value = getattr(self, name)
            if not 0 < value < 1 and not (name in ("subsample", "colsample_bytree") and value == 1):
                raise ValueError(f"{name} must be in (0, 1), got {value}")
        if self.hard_negatives > self.negatives:
            raise ValueError(f"hard_negatives ({self.hard_negatives}) cannot exceed negatives ({self.negatives})")
        if not math.isfinite(self.new_place_offset):
            raise ValueError(f"new_place_offset must be a finite number, got {self.new_place_offset}")
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in _SIGNED:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{item.name} must not be negative, got {value}")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RankerConfig:
        """Defaults, then ``settings.context``, then the ``settings.ranker`` overrides, then ``overrides``.

        Values are converted to each field's type (an environment variable arrives as text); an unknown name or a
        bad value raises ``ValueError`` naming it.
        """
        context = settings.context
        values: dict[str, Any] = {
            "recency_half_life_hours": context.recency_half_life_days * HOURS_PER_DAY,
            "rhythm_bandwidth_hours": context.rhythm_bandwidth_hours,
            "distance_bandwidth_km": context.distance_bandwidth_km,
        }
        values.update(settings.ranker)
        values.update(overrides)
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown ranker setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return TypeAdapter(cls).validate_python(values)
        except ValidationError as error:  # one line naming the setting, as every other bad setting gets
            problems = [
                f"ranker.{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
                if problem["loc"]
                else problem["msg"].removeprefix("Value error, ")
                for problem in error.errors()
            ]
            raise ValueError(f"invalid ranker setting: {'; '.join(problems)}") from None

    def state(self, catalogue: Catalogue) -> HistoryState:
        """An empty state with these settings."""
        return HistoryState(
            catalogue,
            recency_half_life_hours=self.recency_half_life_hours,
            popularity_half_life_hours=self.popularity_half_life_hours,
            recent_size=self.recent_places,
            covisit_window=self.covisit_window,
        )

    def builder(
        self,
        catalogue: Catalogue,
        embeddings: npt.NDArray[np.floating] | None,
        hour_vectors: npt.NDArray[np.floating] | None = None,
    ) -> FeatureBuilder:
        """The feature builder with these settings (``hour_vectors``: see :class:`FeatureBuilder`)."""
        return FeatureBuilder(
            catalogue,
            rhythm_bandwidth_hours=self.rhythm_bandwidth_hours,
            distance_bandwidth_km=self.distance_bandwidth_km,
            embeddings=embeddings,
            peer_places=self.peer_places,
            hour_vectors=hour_vectors,
        )

    def generator(self, catalogue: Catalogue) -> CandidateGenerator:
        """The candidate generator with these settings."""
        return CandidateGenerator(
            catalogue,
            repertoire=self.repertoire,
            nearby=self.nearby,
            pool=self.nearby_pool,
            transitions=self.transitions,
            covisits=self.covisits,
            peers=self.peers,
            similar=self.similar,
            popular_now=self.popular_now,
            context=self.context,
            context_pool=self.context_pool,
        )

    @property
    def discovers(self) -> bool:
        """Whether a discovery ranker orders the new places (see ``discovery_scale``)."""
        return self.discovery_scale > 0

    def discovery_generator(self, catalogue: Catalogue) -> CandidateGenerator:
        """The wider candidate generator the discovery ranker draws new places from."""
        scale = self.discovery_scale

        def wider(limit: int) -> int:
            return round(limit * scale)

        return CandidateGenerator(
            catalogue,
            repertoire=0,  # the user's own places are never new
            nearby=wider(self.nearby),
            pool=max(self.discovery_pool, self.nearby_pool),
            transitions=wider(self.transitions),
            covisits=wider(self.covisits),
            peers=wider(self.peers),
            similar=wider(self.similar),
            popular_now=wider(self.popular_now),
            context=self.discovery_context or wider(self.context),
            context_pool=self.context_pool,
        )

    @property
    def reads_context(self) -> bool:
        """Whether any source or model reads the context vector (so the hour phrases must be encoded)."""
        return self.context > 0 or (self.discovers and self.discovery_context > 0)


# Training data ------------------------------------------------------------------------------------------------


@dataclass
class TrainingSet:
    """Query groups from the replay, in time order: feature rows, 0/1 labels, group sizes and what each row is."""

    features: FloatArray
    labels: npt.NDArray[np.int32]
    sizes: IntArray
    query_seconds: FloatArray  # one per group
    query_users: list[str]  # one per group
    discovery: npt.NDArray[np.bool_]  # one per group: the true place was new to the user
    positions: IntArray  # one per row: the candidate's catalogue position
    queries: int = 0  # check-ins replayed whose place is in the catalogue
    recalled: int = 0  # of those, how many had the true place among the candidates
    discoveries: int = 0  # replayed check-ins at places new to the user
    discoveries_recalled: int = 0
    candidate_counts: list[int] = field(default_factory=list)
    # The discovery ranker's groups (each a check-in at a place new to the user against other new places), if any.
    new_places: TrainingSet | None = None

    @property
    def recall(self) -> float:
        """Share of replayed check-ins whose place was a candidate (the ceiling of every metric)."""
        return self.recalled / self.queries if self.queries else float("nan")

    @property
    def discovery_recall(self) -> float:
        """The same share among check-ins at places new to the user."""
        return self.discoveries_recalled / self.discoveries if self.discoveries else float("nan")

    def __len__(self) -> int:
        return len(self.sizes)

    @classmethod
    def joined(cls, parts: Sequence[TrainingSet]) -> TrainingSet:
        """The groups of consecutive replay spans, in order, as one set (what replaying them in one pass gives)."""
        if not parts:
            raise ValueError("no training sets to join")
        return cls(
            features=np.vstack([part.features for part in parts]),
            labels=np.concatenate([part.labels for part in parts]),
            sizes=np.concatenate([part.sizes for part in parts]),
            query_seconds=np.concatenate([part.query_seconds for part in parts]),
            query_users=[user for part in parts for user in part.query_users],
            discovery=np.concatenate([part.discovery for part in parts]),
            positions=np.concatenate([part.positions for part in parts]),
            queries=sum(part.queries for part in parts),
            recalled=sum(part.recalled for part in parts),
            discoveries=sum(part.discoveries for part in parts),
            discoveries_recalled=sum(part.discoveries_recalled for part in parts),
            candidate_counts=[count for part in parts for count in part.candidate_counts],
            new_places=cls.joined([part.new_places for part in parts if part.new_places is not None])
            if any(part.new_places is not None for part in parts)
            else None,
        )


def query_for(state: HistoryState, user_id: str, seconds: float, hour: int) -> Query:
    """The query the evaluation would ask: the user's last known place, else the centroid of everything seen."""
    user = state.user(user_id)
    latitude, longitude = user.last_place if user is not None and user.last_place else state.centroid()
    return Query(user_id=user_id, seconds=seconds, hour=hour, latitude=latitude, longitude=longitude)


def replay_training_groups(
    state: HistoryState,
    stream: EventStream,
    builder: FeatureBuilder,
    generator: CandidateGenerator,
    *,
    negatives: int,
    hard_negatives: int,
    seed: int,
    first: int = 0,
    ranker_from: int = 0,
    discovery: CandidateGenerator | None = None,
    discovery_negatives: int = 0,
) -> TrainingSet:
    """One query group per check-in of ``stream``, each from ``state`` before that check-in; observes every one.

    A group holds the true place and ``negatives`` other candidates: up to ``hard_negatives`` of them drawn from the
    user's own places (what a place must beat to be chosen, whether a return or a discovery), the rest at random. A
    check-in whose place no source proposed teaches nothing to a ranker of candidates and is skipped (but observed).
    Each group draws from a generator seeded with ``seed`` and the check-in's index in the whole stream (``first``:
    that of ``stream``'s first), not from one generator run through the stream, so a replay split into spans
    (:class:`Replay`) draws the negatives the whole draws. Only check-ins from index ``ranker_from`` on make the
    ranker's groups; with a ``discovery`` generator, every check-in at a place new to the user also makes a group
    of ``TrainingSet.new_places``: the place against ``discovery_negatives`` other new places that generator proposes.
    """
    collector = _Collector(seed, negatives, hard_negatives)
    new_places = _Collector(seed, discovery_negatives, 0, new_only=True) if discovery is not None else None
    with single_threaded_blas():
        for k in range(len(stream)):
            user_id, position = str(stream.users[k]), int(stream.positions[k])
            moment, hour = float(stream.seconds[k]), int(stream.hours[k])
            index = first + k
            if position >= 0:
                query = query_for(state, user_id, moment, hour)
                context = builder.context(state, query)
                if index >= ranker_from:
                    collector.add(state, builder, context, generator.generate(state, context), position, index)
                if new_places is not None and discovery is not None and _is_new(context, position):
                    new_places.add(state, builder, context, discovery.generate(state, context), position, index)
            place = position if position >= 0 else None
            state.observe(user_id, place, moment, hour, float(stream.latitude[k]), float(stream.longitude[k]))
    training = collector.result()
    training.new_places = new_places.result() if new_places is not None else None
    return training


def _is_new(context: QueryContext, position: int) -> bool:
    return context.user is None or position not in context.user.slots


class _Collector:
    """Accumulates query groups for :func:`replay_training_groups` (``new_only``: groups of new places only)."""

    def __init__(self, seed: int, negatives: int, hard_negatives: int, new_only: bool = False) -> None:
        self.seed = seed
        self.negatives = negatives
        self.hard_negatives = hard_negatives
        self.new_only = new_only
        self.blocks: list[FloatArray] = []
        self.labels: list[npt.NDArray[np.int32]] = []
        self.rows: list[IntArray] = []
        self.sizes: list[int] = []
        self.seconds: list[float] = []
        self.users: list[str] = []
        self.counts: list[int] = []
        self.new: list[bool] = []
        self.recalled = 0
        self.discoveries = 0
        self.discoveries_recalled = 0

    def add(
        self,
        state: HistoryState,
        builder: FeatureBuilder,
        context: QueryContext,
        candidates: Candidates,
        position: int,
        index: int,
    ) -> None:
        self.counts.append(len(candidates))
        new = _is_new(context, position)
        self.discoveries += new
        where = int(np.searchsorted(candidates.positions, position))
        if where == len(candidates) or candidates.positions[where] != position:
            return
        self.recalled += 1
        self.discoveries_recalled += new
        others = np.delete(np.arange(len(candidates)), where)
        known = np.isfinite(candidates.ranks[others, _REPERTOIRE])
        if self.new_only:
            # Its own stream of draws, so that adding the discovery ranker leaves the ranker's groups as they were.
            rng = np.random.default_rng((self.seed, index, 1))
            others = _draw(rng, others[~known], self.negatives)
        else:
            rng = np.random.default_rng((self.seed, index))
            own, rest = _draw(rng, others[known], self.hard_negatives), others[~known]
            others = np.concatenate([own, _draw(rng, rest, self.negatives - len(own))])
        if not len(others):
            return
        # In catalogue order, not true place first: lambdarank and its NDCG keep the input order inside score
        # ties, so a group with its answer on top would look solved before any tree is grown.
        chosen = np.sort(np.concatenate([[where], others]))
        self.blocks.append(builder.build(state, context, candidates.positions[chosen], candidates.ranks[chosen]))
        self.labels.append((chosen == where).astype(np.int32))
        self.rows.append(candidates.positions[chosen])
        self.sizes.append(len(chosen))
        self.seconds.append(context.query.seconds)
        self.users.append(context.query.user_id)
        self.new.append(new)

    def result(self) -> TrainingSet:
        return TrainingSet(
            features=np.vstack(self.blocks) if self.blocks else np.zeros((0, len(FEATURE_NAMES))),
            labels=np.concatenate(self.labels) if self.labels else np.zeros(0, dtype=np.int32),
            sizes=np.asarray(self.sizes, dtype=np.intp),
            query_seconds=np.asarray(self.seconds, dtype=np.float64),
            query_users=self.users,
            discovery=np.asarray(self.new, dtype=bool),
            positions=np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.intp),
            queries=len(self.counts),
            recalled=self.recalled,
            discoveries=self.discoveries,
            discoveries_recalled=self.discoveries_recalled,
            candidate_counts=self.counts,
        )


def _draw(rng: np.random.Generator, rows: IntArray, size: int) -> IntArray:
    return rows if len(rows) <= size else rng.choice(rows, size=max(size, 0), replace=False)


@dataclass(frozen=True)
class Replay:
    """One fit's training replay: the check-ins of ``stream`` from ``start`` on become query groups.

    :meth:`span` replays any part of it on its own, from a fresh state that first counts every check-in before the
    part (what the replay itself would have observed by then), so parts can run apart (as Ray tasks:
    ``retrieval.batch_ray``) and, joined in order (:meth:`TrainingSet.joined`), give what one pass gives.
    """

    config: RankerConfig
    stream: EventStream
    builder: FeatureBuilder
    generator: CandidateGenerator
    start: int
    # Where the ranker's own groups begin (None: at ``start``); the discovery ranker's begin at ``start``.
    ranker_from: int | None = None
    discovery: CandidateGenerator | None = None

    def run(self, state: HistoryState, start: int, stop: int) -> TrainingSet:
        """The groups of check-ins ``start:stop``, from ``state`` having seen exactly the check-ins before ``start``;
        leaves it having seen those before ``stop``."""
        config = self.config
        return replay_training_groups(
            state,
            self.stream.slice(start, stop),
            self.builder,
            self.generator,
            negatives=config.negatives,
            hard_negatives=config.hard_negatives,
            seed=config.seed,
            first=start,
            ranker_from=self.start if self.ranker_from is None else self.ranker_from,
            discovery=self.discovery,
            discovery_negatives=config.discovery_negatives,
        )

    def span(self, start: int, stop: int) -> TrainingSet:
        """The groups of check-ins ``start:stop``, from a fresh state counting the check-ins before ``start``."""
        state = self.config.state(self.builder.catalogue)
        self.stream.slice(0, start).observe_into(state)
        return self.run(state, start, stop)


# Models -------------------------------------------------------------------------------------------------------

# The fallback's weights: a transparent "your visits, then where people go next, then popularity, then nearness"
# score for a history too short to learn from.
_PRIOR_WEIGHTS: dict[str, float] = {
    "user_visits_log": 4.0,
    "is_last_place": -2.0,
    "own_transition_share": 2.0,
    "transition_share": 1.0,
    "user_week_affinity": 1.0,
    "popularity_log": 0.3,
    "distance_log": -0.5,
}


class Ranker:
    """Scores feature rows: LightGBM lambdarank when there was enough to learn from, a fixed prior otherwise."""

    def __init__(self, config: RankerConfig, blind: Sequence[str] = ()) -> None:
        self.config = config
        # Columns this model reads as missing (the ranker's view when only the discovery ranker reads the context).
        self.blind = np.asarray([column(name) for name in blind], dtype=np.intp)
        self.booster: lgb.Booster | None = None
        self.best_iteration: int | None = None
        self.validation_score: float | None = None
        self._prior = np.zeros(len(FEATURE_NAMES), dtype=np.float64)
        for name, weight in _PRIOR_WEIGHTS.items():
            self._prior[column(name)] = weight

    @property
    def learnt(self) -> bool:
        return self.booster is not None

    def fit(self, training: TrainingSet) -> Self:
        """Train on the earlier groups, stop early on the later ones; too few groups keep the prior."""
        config = self.config
        if len(training) < config.min_training_queries:
            self.booster = None
            return self
        n_valid = max(1, round(len(training) * config.validation_fraction))
        n_train = len(training) - n_valid
        cut = int(training.sizes[:n_train].sum())
        model = lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=config.n_estimators,
            learning_rate=config.learning_rate,
            num_leaves=config.num_leaves,
            min_child_samples=config.min_child_samples,
            subsample=config.subsample,
            subsample_freq=1 if config.subsample < 1 else 0,
            colsample_bytree=config.colsample_bytree,
            reg_lambda=config.reg_lambda,
            random_state=config.seed,
            n_jobs=config.threads,
            deterministic=True,
            force_col_wise=True,
            verbose=-1,
        )
        features = self._seen(training.features)
        model.fit(
            features[:cut],
            training.labels[:cut],
            group=training.sizes[:n_train],
            eval_X=(features[cut:],),
            eval_y=(training.labels[cut:],),
            eval_group=[training.sizes[n_train:]],
            eval_at=[config.eval_at],
            feature_name=list(FEATURE_NAMES),
            callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
        )
        self.booster = model.booster_
        self.best_iteration = model.best_iteration_ or None
        scores = model.best_score_.get("valid_0", {})
        self.validation_score = next(iter(scores.values()), None)
        return self

    def _seen(self, features: FloatArray) -> FloatArray:
        if not len(self.blind):
            return features
        seen = features.copy()
        seen[:, self.blind] = np.nan
        return seen

    def predict(self, features: FloatArray) -> FloatArray:
        """One score per row; higher is better."""
        features = self._seen(features)
        if self.booster is None:
            return np.nan_to_num(features) @ self._prior
        return np.asarray(
            self.booster.predict(features, num_iteration=self.best_iteration, num_threads=1), dtype=np.float64
        )

    def contributions(self, features: FloatArray) -> FloatArray:
        """Per-row, per-feature additive contributions to the score (SHAP values; the last column is the bias)."""
        features = self._seen(features)
        if self.booster is None:
            values = np.nan_to_num(features) * self._prior
            return np.column_stack([values, np.zeros(len(features))])
        return np.asarray(
            self.booster.predict(features, num_iteration=self.best_iteration, pred_contrib=True, num_threads=1),
            dtype=np.float64,
        )

    def importances(self, kind: str = "gain") -> dict[str, float]:
        """Feature importances of the learnt model, largest first (empty for the prior)."""
        if self.booster is None:
            return {}
        values = self.booster.feature_importance(importance_type=kind, iteration=self.best_iteration)
        pairs = sorted(zip(FEATURE_NAMES, values.tolist(), strict=True), key=lambda pair: -pair[1])
        return dict(pairs)
