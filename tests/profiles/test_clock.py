"""Times the product accepts: events inside the representable range and at most a day ahead, refused by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from profiles.clock import FUTURE_TOLERANCE, RepresentableTime, event_horizon, representable
from profiles.eventlog import open_event_log
from profiles.eventlog_contract import make_event
from profiles.events import Event

FIELDS = {"user_id": "u", "item_id": "i", "latitude": 40.7, "longitude": -74.0}
CLOCK = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "timestamp", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+14:00", "2262-06-01T00:00:00Z", "1600-01-01T00:00Z"]
)
def test_an_event_outside_the_representable_range_is_a_validation_error_on_timestamp(timestamp):
    with pytest.raises(ValidationError) as caught:
        Event(timestamp=timestamp, **FIELDS)
    (problem,) = caught.value.errors()
    assert problem["loc"] == ("timestamp",) and "outside the supported range" in problem["msg"]


def test_representable_times_come_back_in_utc():
    moment = datetime(2012, 4, 3, 18, 0, tzinfo=UTC) - timedelta(hours=4)
    assert representable(moment.astimezone(UTC), "at") == moment
    with pytest.raises(ValueError, match="no time zone"):
        representable(datetime(2012, 4, 3), "at")


def test_the_request_time_type_refuses_extremes_by_field():
    class Query(BaseModel):
        at: RepresentableTime

    assert Query(at="2012-04-03T18:00:00-04:00").at == datetime(2012, 4, 3, 22, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        Query(at="9999-12-31T23:00:00-12:00")
    assert caught.value.errors()[0]["loc"] == ("at",)


def test_the_horizon_is_a_day_after_the_clock_or_in_a_demo_after_its_own_now():
    assert event_horizon(clock=CLOCK) == CLOCK + FUTURE_TOLERANCE
    assert event_horizon() > datetime.now(UTC)
    demo = datetime(2012, 12, 23, tzinfo=UTC)
    # A demo of 2012 refuses events of the machine's years: its "now" is its own.
    assert event_horizon(demo, clock=CLOCK) == demo + FUTURE_TOLERANCE
    newer = demo + timedelta(days=3)  # data stored after the demo's day: the newest stored event counts
    assert event_horizon(demo, clock=CLOCK, newest=newer) == newer + FUTURE_TOLERANCE
    assert event_horizon(demo, clock=CLOCK, newest=demo - timedelta(days=30)) == demo + FUTURE_TOLERANCE
    ahead = CLOCK + timedelta(days=30)  # a demo set ahead of the clock stores what it is shown
    assert event_horizon(ahead, clock=CLOCK) == ahead + FUTURE_TOLERANCE


def test_the_log_refuses_a_batch_with_an_event_past_the_horizon_and_stores_none_of_it(tmp_path: Path):
    good = make_event("ana", 1)
    future = Event(timestamp="2100-01-01T00:00:00Z", **FIELDS)
    with open_event_log(tmp_path) as log:
        with pytest.raises(ValidationError) as caught:
            log.append([good, future])  # default horizon: a day after this machine's clock
        (problem,) = caught.value.errors()
        assert problem["loc"] == (1, "timestamp") and "more than a day after now" in problem["msg"]
        assert isinstance(caught.value, ValueError)  # what the API already answers with 422
        assert log.count() == 0

        tomorrow = Event(timestamp=CLOCK + timedelta(hours=23), **FIELDS)
        assert len(log.append([good, tomorrow], horizon=event_horizon(clock=CLOCK)).added) == 2
        with pytest.raises(ValidationError):
            log.append([Event(timestamp=CLOCK + timedelta(hours=25), **FIELDS)], horizon=event_horizon(clock=CLOCK))
