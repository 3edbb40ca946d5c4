"""From raw events to model-ready ones: repeats collapsed, local time, hour of week, sessions and place cells.

The frame path (:func:`preprocess`) and the single-event path (:func:`event_features`) share the same
functions, so an event observed live gets exactly the features it would get in a batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd
import timezonefinder

from profiles.config import PreprocessingSettings
from profiles.events import EVENT_COLUMNS, Event
from profiles.geo import cell_of

AUTO_ZONE = "auto"
HOURS_PER_DAY = 24
FALLBACK_ZONE = "UTC"
# ~1 km: finer than any zone boundary matters for check-ins, coarse enough that a city is a few hundred lookups.
AUTO_ZONE_DECIMALS = 2
FEATURE_COLUMNS: tuple[str, ...] = ("local_time", "utc_offset_minutes", "hour_of_week", "session_id", "cell")


@dataclass
class PreprocessResult:
    """Preprocessed events (input columns plus ``FEATURE_COLUMNS``) and how many repeats were collapsed."""

    events: pd.DataFrame
    collapsed: int


def preprocess(events: pd.DataFrame, settings: PreprocessingSettings) -> PreprocessResult:
    """Collapse repeats, then add local time, hour of week, session ids and H3 cells; sorted by time."""
    missing = [column for column in EVENT_COLUMNS if column not in events.columns]
    if missing:
        raise ValueError(f"events lack columns {missing}")
    coordinates = events[["latitude", "longitude"]]
    if coordinates.isna().to_numpy().any():
        raise ValueError("events have missing coordinates")

    ordered = events.sort_values("timestamp", kind="stable").reset_index(drop=True)
    kept = collapse_repeats(ordered, timedelta(minutes=settings.collapse_window_minutes)).reset_index(drop=True)

    local, offsets = local_times(kept["timestamp"], kept["latitude"], kept["longitude"], settings.timezone)
    result = kept.assign(
        local_time=local,
        utc_offset_minutes=offsets,
        hour_of_week=hour_of_week(local),
        session_id=assign_sessions(kept, timedelta(minutes=settings.session_gap_minutes)),
        cell=_cells(kept["latitude"], kept["longitude"], settings.h3_resolution),
    )
    return PreprocessResult(events=result, collapsed=len(ordered) - len(kept))


def collapse_repeats(events: pd.DataFrame, window: timedelta) -> pd.DataFrame:
    """Drop events that repeat the user's previous event's item within ``window`` (<=); the earliest row stays.

    Only neighbours in one user's time-ordered stream count, so A, B, A keeps all three; a chain of repeats,
    each within ``window`` of the one before, collapses into its first. A zero window disables collapsing.
    Kept rows keep their order and index.
    """
    if window < timedelta(0):
        raise ValueError(f"collapse window must not be negative, got {window}")
    if window == timedelta(0) or events.empty:
        return events.copy()
    order, stream = _user_stream(events)
    items = events["item_id"].to_numpy()[order]
    same_item = np.zeros(len(order), dtype=bool)
    same_item[1:] = items[1:] == items[:-1]
    repeat = stream["same_user"].to_numpy() & same_item & (stream["pause"] <= window).to_numpy()
    drop = np.empty(len(order), dtype=bool)
    drop[order] = repeat
    return events[~drop]


def local_times(
    timestamps: pd.Series,
    latitudes: npt.ArrayLike | None,
    longitudes: npt.ArrayLike | None,
    zone: str,
) -> tuple[pd.Series, pd.Series]:
    """Naive wall-clock time and UTC offset in minutes for each aware timestamp.

    ``zone`` is an IANA name (DST handled by zoneinfo) or ``"auto"``, which looks each event's zone up from its
    coordinates (rounded to 0.01°; open sea and unknown places fall back to UTC). Coordinates are only read
    for ``"auto"``.
    """
    if not isinstance(timestamps.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"timestamps must be time-zone aware, got dtype {timestamps.dtype}")
    if zone == AUTO_ZONE:
        if latitudes is None or longitudes is None:
            raise ValueError("zone 'auto' needs latitudes and longitudes")
        zones = _map_unique_pairs(
            np.round(np.asarray(latitudes, dtype=float), AUTO_ZONE_DECIMALS),
            np.round(np.asarray(longitudes, dtype=float), AUTO_ZONE_DECIMALS),
            _zone_name_at,
        )
    else:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {zone!r}; give an IANA name or 'auto'") from error
        zones = np.full(len(timestamps), zone, dtype=object)

    utc = timestamps.dt.tz_convert("UTC").dt.tz_localize(None)
    offset_seconds = np.zeros(len(timestamps), dtype=np.int64)
    # One vectorised conversion per distinct zone, however many rows share it.
    for name in pd.unique(zones):
        rows = zones == name
        wall = timestamps[rows].dt.tz_convert(ZoneInfo(name)).dt.tz_localize(None)
        offset_seconds[rows] = (wall - utc[rows]).dt.total_seconds().to_numpy(dtype=np.int64)

    local = (utc + pd.to_timedelta(offset_seconds, unit="s")).rename("local_time")
    # Offsets are whole minutes in every zone since the 1970s; rounding only touches historic local mean time.
    minutes = pd.Series(
        np.round(offset_seconds / 60).astype(np.int64), index=timestamps.index, name="utc_offset_minutes"
    )
    return local, minutes


def hour_of_week(local_time: pd.Series) -> pd.Series:
    """Hour of the week of wall-clock times: Monday 00:00-00:59 is 0, Sunday 23:00-23:59 is 167."""
    return (local_time.dt.dayofweek * 24 + local_time.dt.hour).astype(np.int64).rename("hour_of_week")


def assign_sessions(events: pd.DataFrame, gap: timedelta) -> pd.Series:
    """Session ids ``"<user_id>:<n>"``, n from 0 per user in time order; a pause over ``gap`` starts a new one."""
    if gap < timedelta(0):
        raise ValueError(f"session gap must not be negative, got {gap}")
    if events.empty:
        return pd.Series([], index=events.index, dtype="str", name="session_id")
    order, stream = _user_stream(events)
    starts = ~stream["same_user"] | (stream["pause"] > gap)
    number = starts.astype(np.int64).groupby(stream["user_id"], sort=False).cumsum() - 1
    ids = stream["user_id"].astype(str) + ":" + number.astype(str)
    result = np.empty(len(order), dtype=object)
    result[order] = ids.to_numpy(dtype=object)
    return pd.Series(result, index=events.index, dtype="str", name="session_id")


def event_features(event: Event, settings: PreprocessingSettings) -> dict[str, Any]:
    """``local_time``, ``utc_offset_minutes``, ``hour_of_week`` and ``cell`` for one event, as the frame path has them.

    Sessions need the user's history, so the caller that holds it assigns those.
    """
    timestamps = pd.Series([event.timestamp]).dt.tz_convert("UTC")
    local, offsets = local_times(timestamps, [event.latitude], [event.longitude], settings.timezone)
    local_time: datetime = local.iloc[0].to_pydatetime()
    return {
        "local_time": local_time,
        "utc_offset_minutes": int(offsets.iloc[0]),
        "hour_of_week": int(hour_of_week(local).iloc[0]),
        "cell": _cells([event.latitude], [event.longitude], settings.h3_resolution)[0],
    }


def _user_stream(events: pd.DataFrame) -> tuple[npt.NDArray[np.intp], pd.DataFrame]:
    """Positions of ``events`` in per-user time order, and that stream's user, pause since the previous event
    and whether the previous event is the same user's; positions make duplicate index labels harmless."""
    stream = (
        events[["user_id", "timestamp"]].reset_index(drop=True).sort_values(["user_id", "timestamp"], kind="stable")
    )
    order = stream.index.to_numpy()
    stream = stream.reset_index(drop=True)
    same_user = stream["user_id"].eq(stream["user_id"].shift())
    # A user's first event has no pause: NaT, which compares False both ways.
    pause = stream["timestamp"].diff().where(same_user)
    return order, pd.DataFrame({"user_id": stream["user_id"], "same_user": same_user, "pause": pause})


def _cells(latitudes: npt.ArrayLike, longitudes: npt.ArrayLike, resolution: int) -> npt.NDArray[np.object_]:
    """H3 cell of each point, one lookup per distinct point."""
    return _map_unique_pairs(
        np.asarray(latitudes, dtype=float),
        np.asarray(longitudes, dtype=float),
        lambda latitude, longitude: cell_of(latitude, longitude, resolution),
    )


def _map_unique_pairs(
    latitudes: npt.NDArray[np.float64],
    longitudes: npt.NDArray[np.float64],
    function: Callable[[float, float], str],
) -> npt.NDArray[np.object_]:
    """``function`` called once per distinct (latitude, longitude) pair, broadcast back to every row."""
    if len(latitudes) == 0:
        return np.empty(0, dtype=object)
    groups = pd.DataFrame({"latitude": latitudes, "longitude": longitudes}).groupby(
        ["latitude", "longitude"], sort=False, dropna=False
    )
    values = np.array([function(float(lat), float(lon)) for lat, lon in groups.size().index], dtype=object)
    return values[groups.ngroup().to_numpy()]


@lru_cache(maxsize=65536)
def _zone_name_at(latitude: float, longitude: float) -> str:
    """The IANA zone of a land point, UTC for open sea or a point with no coordinates."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return FALLBACK_ZONE
    return timezonefinder.timezone_at_land(lng=longitude, lat=latitude) or FALLBACK_ZONE


def local_hour_of_week(at: datetime, latitude: float, longitude: float, zone: str) -> int:
    """The local hour of the week of one aware time at a place, exactly as :func:`preprocess` computes it for events."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"time {at.isoformat()} has no time zone; give an aware datetime (UTC)")
    if zone == AUTO_ZONE:  # the zone of the place: looked up as for events
        local, _ = local_times(pd.Series([pd.Timestamp(at)]), [latitude], [longitude], zone)
        return int(hour_of_week(local).iloc[0])
    # The same zoneinfo conversion as local_times, without a pandas round trip on the request path.
    local_time = at.astimezone(ZoneInfo(zone))
    return local_time.weekday() * HOURS_PER_DAY + local_time.hour
