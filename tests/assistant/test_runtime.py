"""The runtime: prepared once and reused, kept in step with the event log by add_events and forget, catching up
after a crash, saved recommenders that score as fitted, and a `wherenow prepare` command; on a small NYC-format
dataset written here (and once on the real data)."""

from __future__ import annotations

import gzip
import pickle
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from assistant import runtime as runtime_module
from assistant.cli import main
from assistant.runtime import Forgotten, Runtime, prepare, recommender_digest
from profiles.config import Settings, load_settings
from profiles.events import EVENT_COLUMNS, Event
from profiles.ingest import read_events
from profiles.loaders import DataError
from profiles.preprocessing import preprocess
from profiles.profile import ProfileService
from retrieval.item_index import ItemIndex
from retrieval.ranker import RankerConfig
from retrieval.recommender import PlaceRecommender

START = datetime(2012, 5, 7, tzinfo=UTC)  # a Monday
KINDS = [
    ("Home (private)", "Residence > Home (private)"),
    ("Office", "Business and Professional Services > Office"),
    ("Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop"),
    ("Jazz Club", "Arts and Entertainment > Music Venue > Jazz and Blues Venue"),
    ("Gym", "Sports and Recreation > Gym"),
    ("Bar", "Dining and Drinking > Bar"),
]
N_PLACES = 30
USERS = ["1", "2", "10", "3", "7", "12"]
DAYS = 21
LATER = START + timedelta(days=DAYS, hours=17)


def venues() -> pd.DataFrame:
    """Five places of each kind on a 5 × 6 grid in lower Manhattan; homes are unnamed, as in the NYC data."""
    rows = []
    for index in range(N_PLACES):
        category, path = KINDS[index % len(KINDS)]
        rows.append(
            {
                "venue_id": f"v{index:02d}",
                "name": "" if index % len(KINDS) == 0 else f"{category} {index}",
                "category": category,
                "category_path": path,
                "locality": "New York",
                "region": "NY",
                "latitude": round(40.70 + 0.004 * (index // 6), 6),
                "longitude": round(-74.01 + 0.004 * (index % 6), 6),
                "description": "",
            }
        )
    return pd.DataFrame(rows)


def checkins(places: pd.DataFrame) -> pd.DataFrame:
    """Each user's routine (coffee, office, an evening place, home) with now and then a new place: ~500 check-ins."""
    rng = np.random.default_rng(0)
    where = places.set_index("venue_id")
    rows = []
    for number, user in enumerate(USERS):

        def place(kind: int, shift: int, number: int = number) -> str:
            return f"v{kind + len(KINDS) * ((number + shift) % 5):02d}"

        plan_places = [place(2, 1), place(1, 2), place(3 + number % 3, 3), place(0, 0)]
        for day in range(DAYS):
            for hours, item in zip((12, 14, 22, 26), plan_places, strict=True):
                if rng.random() < 0.15:
                    item = f"v{int(rng.integers(N_PLACES)):02d}"
                moment = START + timedelta(days=day, hours=hours + float(rng.uniform(-0.5, 0.5)))
                row = where.loc[item]
                rows.append((user, item, row["category"], row["latitude"], row["longitude"], moment))
    frame = pd.DataFrame(rows, columns=["user_id", "venue_id", "venue_category", "latitude", "longitude", "when"])
    frame = frame.sort_values("when", kind="stable")
    frame["utc_time"] = frame.pop("when").map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return frame


def _write_gzip_csv(frame: pd.DataFrame, path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as stream:
        frame.to_csv(stream, index=False)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small folder in the NYC format (checkins.csv.gz + venues.csv.gz)."""
    folder = tmp_path_factory.mktemp("nyc-small")
    places = venues()
    _write_gzip_csv(places, folder / "venues.csv.gz")
    _write_gzip_csv(checkins(places), folder / "checkins.csv.gz")
    return folder


class FakeEmbedder:
    """Unit vectors from the category (one-hot) plus a little of the place's index, so no two places tie."""

    def __call__(self, items: pd.DataFrame) -> npt.NDArray[np.float32]:
        names = [category for category, _ in KINDS]
        vectors = np.zeros((len(items), len(names) + 1), dtype=np.float32)
        for row, (item_id, category) in enumerate(zip(items["item_id"], items["category"], strict=True)):
            vectors[row, names.index(category)] = 1.0
            vectors[row, -1] = 0.01 * int(item_id[1:])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def start(settings: Settings, data_dir: Path) -> Runtime:
    return prepare(settings, data_dir=data_dir, progress=False, embedder=FakeEmbedder())


@pytest.fixture
def runtime(settings: Settings, data_dir: Path) -> Iterator[Runtime]:
    with start(settings, data_dir) as opened:
        yield opened


def _place(runtime: Runtime, item_id: str) -> tuple[float, float]:
    row = runtime.items.set_index("item_id").loc[item_id]
    return float(row["latitude"]), float(row["longitude"])


def _visit(runtime: Runtime, user: str, item_id: str, at: datetime, action: str = "visit") -> Event:
    latitude, longitude = _place(runtime, item_id)
    return Event(user_id=user, item_id=item_id, timestamp=at, latitude=latitude, longitude=longitude, action=action)


def _never_visited(runtime: Runtime, user: str) -> str:
    events = read_events(runtime.settings)
    assert events is not None
    seen = set(events.loc[events["user_id"] == user, "item_id"])
    return next(item for item in runtime.items["item_id"] if item not in seen)


def _digest(settings: Settings) -> str:
    return recommender_digest(settings, RankerConfig.from_settings(settings), runtime_module.CUSTOM_EMBEDDER)


def _forbid(monkeypatch: pytest.MonkeyPatch, *targets: tuple[object, str]) -> None:
    for owner, name in targets:

        def refuse(*args: object, _name: str = name, **kwargs: object) -> None:
            raise AssertionError(f"{_name} ran on a prepared state folder")

        monkeypatch.setattr(owner, name, refuse)


# Preparing once, reusing afterwards -----------------------------------------------------------------------------------


def test_first_prepare_builds_everything(runtime: Runtime) -> None:
    report = runtime.report
    assert report.ingested and report.profiles_built and report.recommender_fitted
    assert report.recommender_file is not None and report.recommender_file.is_file()
    assert report.recommender_file.stem == _digest(runtime.settings)
    assert runtime.profiles.store.count() == report.snapshots > 0
    assert (report.users, report.places) == (len(USERS), N_PLACES)
    assert report.events == len(read_events(runtime.settings))
    assert runtime.recommender.ranker.learnt
    assert set(report.timings) == {"ingest", "item index", "profiles", "recommender"}
    assert "ready in" in report.summary() and "recommender fitted" in report.summary()


def test_second_prepare_reuses_everything(settings: Settings, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, place = LATER, (40.71, -74.0)
    with start(settings, data_dir) as first:
        expected = {user: first.recommender.score_all(user, at, *place) for user in (*USERS, "stranger")}
        snapshots = first.profiles.store.count()
    _forbid(
        monkeypatch,
        (PlaceRecommender, "fit"),
        (ProfileService, "build"),
        (runtime_module, "ingest"),
        (ItemIndex, "_write"),  # encoding the catalogue again
        (FakeEmbedder, "__call__"),
    )
    with start(settings, data_dir) as second:
        report = second.report
        assert not (report.ingested or report.profiles_built or report.recommender_fitted)
        assert report.snapshots == snapshots
        assert "recommender loaded" in report.summary()
        for user, scores in expected.items():
            np.testing.assert_array_equal(second.recommender.score_all(user, at, *place), scores)


def test_a_damaged_saved_recommender_is_refitted(settings: Settings, data_dir: Path) -> None:
    with start(settings, data_dir) as first:
        path = first.report.recommender_file
    assert path is not None
    path.write_bytes(b"not a pickle")
    with start(settings, data_dir) as second:
        assert second.report.recommender_fitted and second.report.recommender_file == path
    assert PlaceRecommender.load(path, settings).state is not None


def test_missing_data_folder_names_the_folder_and_the_variable(settings: Settings, tmp_path: Path) -> None:
    absent = tmp_path / "no-such-folder"
    with pytest.raises(DataError) as caught:
        prepare(settings, data_dir=absent, progress=False)
    assert str(absent) in str(caught.value) and "WHERENOW_DATA__DIR" in str(caught.value)
    assert read_events(settings) is None  # nothing was stored


# Saving and loading the recommender -----------------------------------------------------------------------------------


def test_a_loaded_recommender_scores_exactly_as_the_saved_one(runtime: Runtime, tmp_path: Path) -> None:
    saved = runtime.recommender
    path = saved.save(tmp_path / "saved" / "model.pkl")
    loaded = PlaceRecommender.load(path, runtime.settings)
    assert loaded.training is None and loaded.settings is runtime.settings
    for user in (*USERS, "stranger"):
        for hours in (0, 7, 30):
            at = LATER + timedelta(hours=hours)
            np.testing.assert_array_equal(
                loaded.score_all(user, at, 40.71, -74.0), saved.score_all(user, at, 40.71, -74.0)
            )
    assert loaded.recommend("1", LATER, 40.71, -74.0, k=5) == saved.recommend("1", LATER, 40.71, -74.0, k=5)
    # Saved without the settings (they may hold secrets) or the training rows; no leftover temporary files.
    with path.open("rb") as handle:
        state = pickle.load(handle)["state"]
    assert not {"settings", "training", "_embedder"} & set(state)
    assert [entry.name for entry in path.parent.iterdir()] == ["model.pkl"]


def test_loading_a_file_of_another_format_is_an_error(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps({"format": "something-else", "state": {}}))
    with pytest.raises(ValueError, match="not a saved recommender"):
        PlaceRecommender.load(path, settings)


def test_an_unfitted_recommender_cannot_be_saved(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        PlaceRecommender(settings).save(tmp_path / "model.pkl")


# Adding events --------------------------------------------------------------------------------------------------------


def test_an_unknown_item_is_named_and_nothing_is_stored(runtime: Runtime) -> None:
    before = (runtime.log.seq, runtime.log.count())
    assert runtime.recommender.state is not None
    total = runtime.recommender.state.users["1"].total
    good = _visit(runtime, "1", "v05", LATER)
    bad = Event(user_id="1", item_id="nowhere", timestamp=LATER, latitude=40.7, longitude=-74.0)
    with pytest.raises(ValueError, match=r"event 1: unknown item 'nowhere'"):
        runtime.add_events([good, bad])
    with pytest.raises(ValueError, match=r"event 0 is invalid: latitude"):
        runtime.add_events([{"user_id": "1", "item_id": "v05", "timestamp": LATER, "latitude": 95, "longitude": 0}])
    assert (runtime.log.seq, runtime.log.count()) == before
    assert runtime.recommender.state.users["1"].total == total  # nothing was learnt either


def test_added_events_are_stored_and_learnt(runtime: Runtime, data_dir: Path) -> None:
    user, settings = "3", runtime.settings
    new_place = _never_visited(runtime, user)
    position = runtime.item_index.catalogue.positions[new_place]
    snapshots = len(runtime.profiles.store.get_user(user))
    digest = _digest(settings)
    visits = [_visit(runtime, user, new_place, LATER + timedelta(days=day)) for day in range(3)]
    before = read_events(settings)
    stored_before = len(before)

    assert runtime.add_events(visits) == 3
    assert runtime.recommender.state is not None and position in runtime.recommender.state.users[user].slots
    shown = runtime.recommend(user, LATER + timedelta(days=3), *_place(runtime, new_place), k=5)
    assert any(item.item_id == new_place and item.is_return for item in shown)
    assert len(runtime.profiles.store.get_user(user)) > snapshots
    stored = read_events(settings)
    assert len(stored) == stored_before + 3
    # Other users' rows are untouched; the user's are preprocessed exactly as a whole-history pass would.
    others = before["user_id"] != user
    pd.testing.assert_frame_equal(
        stored[stored["user_id"] != user].reset_index(drop=True), before[others].reset_index(drop=True)
    )
    whole = preprocess(
        stored[list(EVENT_COLUMNS)], settings.preprocessing.model_copy(update={"collapse_window_minutes": 0})
    )
    pd.testing.assert_frame_equal(stored.drop(columns="seq"), whole.events)
    # The saved recommender still follows the log: the next start loads it and replays the three events.
    assert _digest(settings) == digest and runtime.report.recommender_file.exists()

    # Exact copies, and a repeat visit within the collapse window, are not added again.
    repeat = _visit(runtime, user, new_place, LATER + timedelta(days=2, minutes=5))
    assert runtime.add_events([*visits, repeat]) == 0
    assert len(read_events(settings)) == stored_before + 3

    # A new user becomes known; the next start refits on the stored events and still knows the visits.
    assert runtime.add_events([_visit(runtime, "newcomer", "v07", LATER)]) == 1
    assert runtime.known_user("newcomer") and "newcomer" in runtime.users()
    runtime.close()  # saves the recommender that learnt them: the next start loads it
    with start(settings, data_dir) as again:
        assert not again.report.recommender_fitted and not again.report.profiles_built
        assert again.recommender.state is not None
        assert position in again.recommender.state.users[user].slots
        assert again.known_user("newcomer")


def test_feedback_takes_the_same_path_and_survives_a_restart(runtime: Runtime, data_dir: Path) -> None:
    user, at = "2", LATER
    later = at + timedelta(hours=1)
    top = runtime.recommend(user, at, 40.71, -74.0, k=3)[0].item_id
    assert top in [item.item_id for item in runtime.recommend(user, later, 40.71, -74.0, k=10)]
    # A dislike right after a visit to the same place is feedback, not a repeat visit: it is stored.
    added = runtime.add_events(
        [_visit(runtime, user, top, at), _visit(runtime, user, top, at + timedelta(minutes=2), "dislike")]
    )
    assert added == 2
    assert top not in [item.item_id for item in runtime.recommend(user, later, 40.71, -74.0, k=10)]
    assert runtime.add_events([_visit(runtime, user, "v04", later, "like")]) == 1
    runtime.close()
    with start(runtime.settings, data_dir) as again:
        assert not again.report.recommender_fitted
        assert top not in [item.item_id for item in again.recommend(user, later, 40.71, -74.0, k=10)]


def test_after_a_crash_the_next_start_replays_the_log_instead_of_refitting(
    runtime: Runtime, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, top = "2", "v04"
    snapshots = {snapshot.snapshot_id: snapshot.count for snapshot in runtime.profiles.store.get_user(user)}
    assert runtime.add_events([_visit(runtime, user, top, LATER)]) == 1
    expected = runtime.recommender.score_all(user, LATER, 40.71, -74.0)
    # A crash: nothing is closed or saved, the folder's lock goes with the process.
    assert runtime.folder_lock is not None
    runtime.folder_lock.close()
    _forbid(monkeypatch, (PlaceRecommender, "fit"), (ProfileService, "build"))
    with start(runtime.settings, data_dir) as again:
        assert not again.report.recommender_fitted and not again.report.profiles_built
        assert again.report.replayed_recommender == 1
        np.testing.assert_allclose(again.recommender.score_all(user, LATER, 40.71, -74.0), expected)
        after = {snapshot.snapshot_id: snapshot.count for snapshot in again.profiles.store.get_user(user)}
        assert sum(after.values()) == sum(snapshots.values()) + 1  # the visit counted once, not twice


def test_concurrent_additions_all_land(runtime: Runtime) -> None:
    def add(user: str) -> None:
        for day in range(4):
            runtime.add_events([_visit(runtime, user, "v10", LATER + timedelta(days=day))])

    threads = [threading.Thread(target=add, args=(user,)) for user in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = read_events(runtime.settings)
    assert (stored["user_id"].isin(["a", "b"])).sum() == 8
    assert runtime.recommender.state is not None
    assert runtime.recommender.state.users["a"].total == runtime.recommender.state.users["b"].total == 4


# Users and forgetting -------------------------------------------------------------------------------------------------


def test_users_are_listed_numerically(runtime: Runtime) -> None:
    assert runtime.users() == ["1", "2", "3", "7", "10", "12"]
    assert runtime.known_user("10") and not runtime.known_user("stranger")


def test_forget_removes_the_user_everywhere(runtime: Runtime, data_dir: Path) -> None:
    user, settings = "7", runtime.settings
    at, (latitude, longitude) = LATER, _place(runtime, "v00")
    assert any(item.is_return for item in runtime.recommend(user, at, latitude, longitude, k=10))
    saved = runtime.report.recommender_file

    report = runtime.forget(user)
    assert report.snapshots > 0 and report.events > 0 and report.recommender
    assert runtime.profiles.store.get_user(user) == []
    assert user not in set(read_events(settings)["user_id"])
    assert not runtime.known_user(user) and user not in runtime.users()
    recommender = runtime.recommender
    assert recommender.state is not None and recommender.state.user(user) is None
    assert recommender.training is not None and user not in recommender.training.query_users
    assert not any(item.is_return for item in runtime.recommend(user, at, latitude, longitude, k=10))
    assert saved is not None and not saved.exists()  # it held the user's state

    runtime.close()
    with start(settings, data_dir) as again:
        assert again.report.recommender_fitted
        assert again.recommender.state is not None and again.recommender.state.user(user) is None
        assert again.profiles.store.get_user(user) == []
        assert list((settings.state_dir / "recommender").glob("*.pkl")) == [again.report.recommender_file]


def test_forgetting_a_stranger_keeps_the_saved_recommender(runtime: Runtime) -> None:
    assert runtime.forget("stranger") == Forgotten(events=0, snapshots=0, recommender=False, rejects=0)
    assert runtime.report.recommender_file is not None and runtime.report.recommender_file.is_file()


def test_the_recommender_forgets_a_users_dislikes(runtime: Runtime) -> None:
    user = "12"
    top = runtime.recommend(user, LATER, 40.71, -74.0, k=1)[0].item_id
    runtime.add_events([_visit(runtime, user, top, LATER, "dislike")])
    assert runtime.recommender.forget(user)
    assert not runtime.recommender.forget(user)  # nothing left to forget
    assert top in [item.item_id for item in runtime.recommend(user, LATER, 40.71, -74.0, k=30)]


# The command line -----------------------------------------------------------------------------------------------------


def test_prepare_command_prints_one_line(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(tmp_path / "state"))
    assert main(["prepare", "--quiet", "--data", str(data_dir)]) == 0  # the real encoder
    first = capsys.readouterr().out.strip().splitlines()
    assert len(first) == 1 and first[0].startswith("ready in") and "recommender fitted" in first[0]
    assert main(["prepare", "--quiet"]) == 0
    assert "recommender loaded" in capsys.readouterr().out


def test_prepare_command_reports_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(tmp_path / "state"))
    assert main(["prepare", "--quiet", "--data", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "absent" in err and "WHERENOW_DATA__DIR" in err and "Traceback" not in err


# The real data --------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_nyc_second_prepare_does_not_fit(nyc_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(state_dir=tmp_path / "state")
    with prepare(settings, data_dir=nyc_data_dir, progress=False) as first:
        assert first.report.recommender_fitted and first.report.profiles_built
        expected = first.recommender.score_all("470", LATER, 40.7198, -74.0026)
    _forbid(monkeypatch, (PlaceRecommender, "fit"), (ProfileService, "build"), (runtime_module, "ingest"))
    with prepare(settings, progress=False) as second:
        assert not second.report.recommender_fitted and not second.report.profiles_built
        assert second.report.users == 1_080
        np.testing.assert_array_equal(second.recommender.score_all("470", LATER, 40.7198, -74.0026), expected)


def test_a_ranker_override_changes_the_saved_recommenders_key_and_a_default_value_does_not(tmp_path: Path) -> None:
    # A tuned setting must never serve a recommender fitted with another: the next start refits.
    settings = load_settings(state_dir=tmp_path)
    default = RankerConfig()
    assert _digest(load_settings(state_dir=tmp_path, ranker={"negatives": default.negatives})) == _digest(settings)
    assert _digest(load_settings(state_dir=tmp_path, ranker={"negatives": default.negatives + 10})) != _digest(settings)
