"""Which times the product accepts: the representable range of any time, and the horizon of incoming events.

Times are held as pandas nanosecond timestamps downstream, so a time outside :data:`EARLIEST` … :data:`LATEST` is
refused where it enters (an event's ``timestamp``, a query's ``at``) rather than overflowing later. An incoming
event may be at most :data:`FUTURE_TOLERANCE` after "now" (:func:`event_horizon`): one dated decades ahead would
otherwise sit in the log and outweigh every real event. The API, the UI and ingest all call these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, AwareDatetime, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from profiles.events import Event

# Inside pandas' datetime64[ns] range (1677-09-21 … 2262-04-11) with a margin for any UTC offset.
EARLIEST = datetime(1678, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


def representable(moment: datetime, name: str = "time") -> datetime:
    """``moment`` in UTC, or ValueError naming ``name`` when it is naive or outside EARLIEST … LATEST (including
    times whose conversion to UTC leaves Python's own range, such as 9999-12-31T23:00-12:00)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} has no time zone; give an offset such as Z or +02:00")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(
            f"{name} {moment.isoformat()} is outside the supported range {EARLIEST:%Y-%m-%d} … {LATEST:%Y-%m-%d}"
        )
    return utc


def _representable_at(moment: datetime) -> datetime:
    return representable(moment, "at")


RepresentableTime = Annotated[AwareDatetime, AfterValidator(_representable_at)]
"""A request's ``at``: aware and inside the representable range (a pydantic field type for the API)."""


def event_horizon(
    demo_now: datetime | None = None, clock: datetime | None = None, newest: datetime | None = None
) -> datetime:
    """The latest time an incoming event may carry: :data:`FUTURE_TOLERANCE` after "now".

    "Now" is this machine's clock (``clock``, default the real one). In demo mode (``server.demo_now`` set) it is
    the demo's instead: the later of ``demo_now`` and the newest stored event (``newest``), so a demo of 2012 takes
    the feedback of its own days but refuses an event of 2020, and a demo set ahead of its data still stores what it
    is shown. Ingest passes no ``newest``: its files are what becomes the stored data.
    """
    if demo_now is None:
        return (clock or datetime.now(UTC)) + FUTURE_TOLERANCE
    return (demo_now if newest is None else max(demo_now, newest)) + FUTURE_TOLERANCE


def check_horizon(events: Sequence[Event], horizon: datetime) -> None:
    """Refuse the batch when an event is after ``horizon``: a pydantic ValidationError locating each such event's
    ``timestamp`` by its index (a ValueError, which callers already answer as invalid input)."""
    problems = [
        InitErrorDetails(
            type=PydanticCustomError(
                "timestamp_after_horizon",
                "timestamp {timestamp} is more than a day after now (latest accepted {horizon})",
                {"timestamp": event.timestamp.isoformat(), "horizon": horizon.isoformat()},
            ),
            loc=(index, "timestamp"),
            input=event.timestamp.isoformat(),
        )
        for index, event in enumerate(events)
        if event.timestamp > horizon
    ]
    if problems:
        raise ValidationError.from_exception_data("events", problems)


__all__ = [
    "EARLIEST",
    "FUTURE_TOLERANCE",
    "LATEST",
    "RepresentableTime",
    "check_horizon",
    "event_horizon",
    "representable",
]
