"""The recommender's training replay as Ray tasks, giving the training set and model the single-process fit gives.

The replayed check-ins are cut into consecutive spans of equal length; each task rebuilds the history state up to
its span's start by counting (``Replay.span``: the same ``HistoryState.observe`` the fit uses) and builds that
span's query groups, whose random negatives are seeded per check-in (``retrieval.ranker.replay_training_groups``),
so they do not depend on how the replay is cut. The spans' groups are joined in time order; meanwhile this process
counts the replayed check-ins into the fit's own state, which then serves. The LightGBM fit stays in this process:
it is one single-threaded job over the joined rows, which would only travel to a worker and back.

Start Ray first (``profiles.batch_ray.start_local`` on one machine, ``ray.init(address=...)`` on a cluster), then
``recommender.fit(history, items, replayer=replay_on_ray(spans))``.
"""

from __future__ import annotations

import itertools

import numpy as np
import ray

from retrieval.history import HistoryState
from retrieval.ranker import Replay, TrainingSet
from retrieval.recommender import Replayer


@ray.remote
def _replay_span(replay: Replay, start: int, stop: int) -> TrainingSet:
    return replay.span(start, stop)


def replay_spans(replay: Replay, state: HistoryState, spans: int) -> TrainingSet:
    """``replay`` as ``spans`` Ray tasks on the running Ray instance, joined in time order; ``state``, which has
    seen the check-ins before the replay's start, is left having seen the whole stream (as one pass leaves it)."""
    end = len(replay.stream)
    bounds = np.linspace(replay.start, end, max(min(spans, end - replay.start), 1) + 1).astype(int)
    shared = ray.put(replay)  # one copy in the object store for every task, not one per task
    refs = [_replay_span.remote(shared, int(start), int(stop)) for start, stop in itertools.pairwise(bounds)]
    replay.stream.slice(replay.start).observe_into(state)  # while the tasks run
    return TrainingSet.joined(ray.get(refs))


def replay_on_ray(spans: int) -> Replayer:
    """A replayer for :meth:`PlaceRecommender.fit` that runs the replay as ``spans`` Ray tasks."""

    def replayer(replay: Replay, state: HistoryState) -> TrainingSet:
        return replay_spans(replay, state, spans)

    return replayer


__all__ = ["replay_on_ray", "replay_spans"]
