"""The tools over the service layer: how ``recommend`` widens a radius with nothing in it, and drops a minimum
distance nothing is beyond, against a stub service that answers by the query's distances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assistant.requests import LatLon
from assistant.service import RecommendQuery
from assistant.tools import DISTANCE_ROUNDING_KM, FAR_LIST_KM, WIDENED_AT_LEAST, WIDER_RADII, langchain_tools

NOW = datetime(2012, 11, 20, 18, 0, tzinfo=UTC)


class _Found:
    """What a recommendation needs here: an item id, a distance and its rank in the search that found it."""

    def __init__(self, item_id: str, distance_km: float, rank: int = 1) -> None:
        self.item_id = item_id
        self.name = item_id.rstrip("0123456789")  # "starbucks1" and "starbucks2" are two Starbucks
        self.distance_km = distance_km
        self.rank = rank

    def model_copy(self, update: dict[str, Any]) -> _Found:
        return _Found(self.item_id, self.distance_km, update.get("rank", self.rank))

    def model_dump_json(self) -> str:
        return f'{{"item_id": "{self.item_id}"}}'


class _StubService:
    """Places at fixed distances; a query gets those within its radius and beyond its minimum, nearest first."""

    def __init__(self, distances: dict[str, float], farther_first: bool = False) -> None:
        self.distances = distances
        self.farther_first = farther_first  # a ranking by score need not be by distance
        self.queries: list[RecommendQuery] = []

    def recommend(self, user_id: str, at: datetime, where: LatLon, query: RecommendQuery) -> list[_Found]:
        self.queries.append(query)
        found = [
            item_id
            for item_id, distance in sorted(
                self.distances.items(), key=lambda pair: pair[1], reverse=self.farther_first and not query.nearest
            )
            if (query.within_km is None or distance <= query.within_km)
            and (query.beyond_km is None or distance >= query.beyond_km)
            and (query.in_borough is None or item_id.startswith(query.in_borough))
        ]
        return [_Found(item_id, self.distances[item_id], rank) for rank, item_id in enumerate(found[: query.k], 1)]


def _recommend(service: _StubService, **arguments: Any) -> list[_Found]:
    tool = next(tool for tool in langchain_tools(service) if tool.name == "recommend")  # type: ignore[arg-type]
    state = {"user_id": "u", "now": NOW, "here": (40.7, -74.0)}
    assert tool.func is not None
    _, found = tool.func(state, **arguments)
    return found


def test_a_widened_search_keeps_widening_until_a_few_are_found_nearer_first() -> None:
    # Nothing within 2 km, one place within 5, two more within 10, many farther.
    service = _StubService({"a": 4.0, "b": 8.0, "c": 9.5, "far1": 20.0, "far2": 21.0})
    found = _recommend(service, k=5, within_km=2.0)
    assert [item.item_id for item in found] == ["a", "b", "c"]
    by_fit = [query.within_km for query in service.queries if not query.nearest]
    assert by_fit == [2.0, *(2.0 * factor for factor in WIDER_RADII)]
    assert len(found) >= WIDENED_AT_LEAST


def test_too_few_within_the_radius_are_added_to_unless_the_user_said_the_distance() -> None:
    # One place within 2 km: a lone choice, so the next nearest follow it; within a walk the user named, it stays alone.
    service = _StubService({"a": 0.3, "b": 3.0, "c": 4.5, "far": 20.0})
    assert [item.item_id for item in _recommend(service, k=5, within_km=2.0)] == ["a", "b", "c"]
    said = _StubService({"a": 0.3, "b": 3.0, "c": 4.5})
    assert [item.item_id for item in _recommend(said, k=5, within_km=2.0, radius_said=True)] == ["a"]
    enough = _StubService({"a": 0.3, "b": 0.5, "c": 1.0, "d": 3.0})
    assert [item.item_id for item in _recommend(enough, k=5, within_km=2.0)] == ["a", "b", "c"]
    assert len(enough.queries) == 1


def test_anywhere_only_when_the_widest_radius_holds_nothing() -> None:
    one_near = _StubService({"a": 4.0, "far": 20.0})
    assert [item.item_id for item in _recommend(one_near, k=5, within_km=2.0)] == ["a"]
    none_near = _StubService({"far": 20.0})
    assert [item.item_id for item in _recommend(none_near, k=5, within_km=2.0)] == ["far"]
    # Not anywhere by fit: among the nearest that qualify, wherever they are.
    assert none_near.queries[-1].within_km == 20.0 + DISTANCE_ROUNDING_KM


def test_past_the_widest_radius_the_best_fits_are_sought_among_the_nearest_which_is_always_listed() -> None:
    # "Coffee near JFK": nothing within 5 km; the nearest three at 5.7, 7.5 and 8.7 km, the user's usual cafés at
    # 19 km and more. Ranked by fit (here the farther first), the usual ones would fill the list.
    distances = {"starbucks": 5.7, "truck": 7.5, "dunkin": 8.7, "other": 9.3, "usual1": 19.4, "usual2": 19.6}
    service = _StubService(distances, farther_first=True)
    found = _recommend(service, k=3, within_km=1.0)
    assert sorted(item.item_id for item in found) == ["dunkin", "starbucks", "truck"]  # by fit, among the nearest
    assert [item.rank for item in found] == [1, 2, 3]
    # The steps the nearest is past are not searched; the nearest are sought once, by distance, beyond the radius.
    assert [query.within_km for query in service.queries if not query.nearest] == [1.0, 8.7 + DISTANCE_ROUNDING_KM]
    assert [(query.beyond_km, query.k) for query in service.queries if query.nearest] == [(1.0, 3)]
    # A step within reach that ranks others first still lists the nearest, first beyond the radius.
    sparse = _StubService({"a": 0.5, "near": 3.0, "b": 4.0, "c": 4.5}, farther_first=True)
    assert [item.item_id for item in _recommend(sparse, k=3, within_km=2.0)] == ["a", "near", "c"]


def _without_far(recommend: Any) -> Any:
    """A search with no radius that keeps only its nearest place, as the service's stragglers rule may."""

    def searched(user_id: str, at: datetime, where: LatLon, query: RecommendQuery) -> list[_Found]:
        found = recommend(user_id, at, where, query)
        return found[:1] if query.within_km is None and query.beyond_km is None else found

    return searched


def test_a_widened_list_holds_two_places_of_a_name_at_most_but_the_nearest() -> None:
    # Three widening steps each found two Starbucks: the merged list holds two, and other cafés.
    service = _StubService({"starbucks1": 3.3, "starbucks2": 7.6, "starbucks3": 8.8, "cafe": 9.0, "tea": 9.5})
    found = _recommend(service, k=5, within_km=2.0)
    assert [item.item_id for item in found] == ["starbucks1", "starbucks2", "cafe", "tea"]
    # Asked by name, as many as there are.
    named = _StubService({"starbucks1": 3.3, "starbucks2": 7.6, "starbucks3": 8.8})
    assert len(_recommend(named, k=5, within_km=2.0, keyword="starbucks")) == 3


def test_a_list_with_no_radius_far_from_the_user_gives_way_to_places_around_them() -> None:
    # "Lunch?" from Newark: by fit, Manhattan's places 15 km off; two diners 2.3 and 2.5 km away come first.
    service = _StubService({"diner": 2.3, "antojos": 2.5, "bakery": 4.1, "manhattan": 15.5}, farther_first=True)
    found = _recommend(service, k=1)
    assert found[0].distance_km < FAR_LIST_KM
    # Too few to choose from ("lunch?" on Throgs Neck: one diner, Manhattan's places too far to keep): around the user.
    thin = _StubService({"diner": 0.6, "deli": 3.1, "pizza": 4.2, "manhattan": 18.0})
    thin.recommend = _without_far(thin.recommend)  # type: ignore[method-assign]
    assert [item.item_id for item in _recommend(thin, k=5)] == ["diner", "deli", "pizza"]
    # What is wanted wherever it is stays as found: the user's own places, the most popular.
    for wanted in ({"familiar": True}, {"popular": True}):
        kept = _StubService({"diner": 2.3, "manhattan": 15.5}, farther_first=True)
        assert [item.item_id for item in _recommend(kept, k=1, **wanted)] == ["manhattan"]


def test_beyond_a_distance_nothing_is_at_falls_back_to_any_distance() -> None:
    service = _StubService({"a": 0.3, "b": 0.6})
    found = _recommend(service, k=5, beyond_km=1.0)
    assert [item.item_id for item in found] == ["a", "b"]
    assert [query.beyond_km for query in service.queries] == [1.0, None]


def test_a_widened_list_is_ranked_once_whatever_each_search_ranked() -> None:
    # Each search ranks its own finds from 1, here the farther first: the merged list must not show two "1."s.
    service = _StubService({"a": 4.0, "b": 8.0, "c": 9.5}, farther_first=True)
    found = _recommend(service, k=5, within_km=2.0)
    assert [item.item_id for item in found] == ["a", "c", "b"]  # the nearer search's find first
    assert [item.rank for item in found] == [1, 2, 3]


def test_a_borough_with_nothing_of_the_kind_falls_back_to_the_others() -> None:
    service = _StubService({"Manhattan-a": 1.0, "Manhattan-b": 1.5, "Brooklyn-a": 0.5})
    assert [item.item_id for item in _recommend(service, k=5, in_borough="Brooklyn")] == ["Brooklyn-a"]
    none_there = _StubService({"Manhattan-a": 1.0, "Manhattan-b": 1.5})
    found = _recommend(none_there, k=5, in_borough="Staten Island")
    assert [item.item_id for item in found] == ["Manhattan-a", "Manhattan-b"]
    assert [query.in_borough for query in none_there.queries][:2] == ["Staten Island", None]
