"""Where people go on from a place: next visits soon after, counted by person, released from a number of people on."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from profiles.next_stops import FOLLOWING_COLUMNS, following_visits, next_stops

START = pd.Timestamp("2013-05-10T20:00:00Z")


def _events(rows: list[tuple[str, str, float, str | None]]) -> pd.DataFrame:
    """(user, place, hours after START, action) rows in no particular order."""
    return pd.DataFrame(
        {
            "user_id": [user for user, _, _, _ in rows],
            "item_id": [place for _, place, _, _ in rows],
            "timestamp": [START + pd.Timedelta(hours=hours) for _, _, hours, _ in rows],
            "action": [action for _, _, _, action in rows],
        }
    )


def test_each_visit_is_paired_with_the_same_persons_next_visit() -> None:
    following = following_visits(
        _events([("b", "garden", 0, None), ("a", "bar", 1, None), ("a", "garden", 0, None), ("b", "bar", 2, "like")])
    )
    assert tuple(following.columns) == FOLLOWING_COLUMNS
    rows = {(row.user_id, row.item_id): (row.next_item_id, row.gap) for row in following.itertuples()}
    assert rows[("a", "garden")] == ("bar", pd.Timedelta(hours=1))
    assert pd.isna(rows[("a", "bar")][0])  # a person's last visit leads nowhere
    assert ("b", "bar") not in rows and pd.isna(rows[("b", "garden")][0])  # a 👍 is no visit
    assert following_visits(None).empty and following_visits(_events([])).empty


def test_next_stops_count_people_soon_after_and_release_only_places_enough_people_went_on_to() -> None:
    events = _events(
        [
            *[(user, "garden", 0, None) for user in "abcd"],
            ("a", "bar", 1, None),
            ("b", "bar", 3.5, None),
            ("c", "bar", 5, None),  # too long after to be the next stop of that outing
            ("d", "diner", 1, None),  # only one person went on there
            ("a", "garden", 30, None),
            ("a", "bar", 31, None),  # the same person again: still one person
            ("e", "garden", 0, None),
            ("e", "garden", 1, None),  # the same place again is no next stop; what follows it is
            ("e", "hotel", 2, None),
        ]
    )
    found = next_stops(following_visits(events), "garden", within=timedelta(hours=4), min_users=2)
    assert found.to_dict() == {"bar": 2}
    assert next_stops(following_visits(events), "garden", within=timedelta(hours=4), min_users=1).to_dict() == {
        "bar": 2,
        "diner": 1,
        "hotel": 1,
    }
    assert next_stops(following_visits(events), "nowhere", within=timedelta(hours=4), min_users=1).empty
