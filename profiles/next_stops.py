"""Where people go on from a place: the next visits people made soon after a visit there, counted by person.

Every figure here counts distinct people, and a place is named only when at least ``min_users`` of them went there
next, so no one person's route stands behind an answer. Outputs never hold user ids.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from profiles.events import Action

FOLLOWING_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "next_item_id", "gap")


def following_visits(events: pd.DataFrame | None) -> pd.DataFrame:
    """Each visit with the same person's next visit (``FOLLOWING_COLUMNS``; ``gap`` the time between them, NaT after
    a person's last visit). A 👍 or a stated preference is no visit."""
    if events is None or events.empty:
        return pd.DataFrame(columns=list(FOLLOWING_COLUMNS))
    visits = events
    if "action" in events:
        visits = events[events["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]
    ordered = visits.sort_values(["user_id", "timestamp"], kind="stable")
    by_user = ordered.groupby("user_id", sort=False)
    return pd.DataFrame(
        {
            "user_id": ordered["user_id"].to_numpy(),
            "item_id": ordered["item_id"].astype(str).to_numpy(),
            "next_item_id": by_user["item_id"].shift(-1).to_numpy(),
            "gap": (by_user["timestamp"].shift(-1) - ordered["timestamp"]).to_numpy(),
        }
    )


def next_stops(following: pd.DataFrame, item_id: str, *, within: timedelta, min_users: int) -> pd.Series:
    """How many distinct people made their next visit at each other place within ``within`` of a visit to
    ``item_id``, for the places at least ``min_users`` people did (indexed by item id, most people first, ties in
    item id order); empty when none."""
    after = following[following["item_id"] == item_id]
    after = after[after["next_item_id"].notna() & (after["gap"] <= pd.Timedelta(within))]
    after = after[after["next_item_id"].astype(str) != item_id]
    if after.empty:
        return pd.Series(dtype="int64", name="people")
    people = after.groupby(after["next_item_id"].astype(str))["user_id"].nunique().rename("people")
    released = people[people >= min_users].sort_index()
    return released.sort_values(ascending=False, kind="stable").astype("int64")
