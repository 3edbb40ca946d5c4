"""The assistant's tools: LangChain wrappers over the service layer (``assistant.service.Service``).

Code decides which tools run (``assistant.agent``); each returns JSON text for the model and the service's pydantic
result as the tool message's artifact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from assistant.requests import LatLon
from assistant.service import (
    Explanation,
    FeedbackResult,
    RecommendQuery,
    Service,
    Suggestion,
    digest,
)
from profiles.context import InterestContext
from retrieval.item_index import PlaceHit

# "Surprise me" shows only places new to the user.
SURPRISE_LEVEL = 1.0


# ---- LangChain wrappers --------------------------------------------------------------------------------------


class _Where(BaseModel):
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ContextArgs(_Where):
    at: datetime | None = Field(None, description="ISO time; now when absent.")
    query: str | None = Field(None, description="What the user is after, in words.")


class RecommendArgs(_Where):
    at: datetime | None = None
    k: int = Field(5, ge=1, le=20)
    category: str | None = None
    keyword: str | None = None
    exclude_categories: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list, description="Item ids not to suggest again.")
    surprise: bool = False
    quiet: bool = False
    within_km: float | None = Field(None, gt=0, description="Only places this close to the point.")


class SearchArgs(_Where):
    text: str = Field(min_length=1, max_length=200)
    k: int = Field(5, ge=1, le=20)


class ExplainArgs(BaseModel):
    item_id: str


class FeedbackArgs(BaseModel):
    item_id: str
    liked: bool


def langchain_tools(
    service: Service, user_id: str, now: datetime, here: LatLon, shown: dict[str, Suggestion]
) -> list[BaseTool]:
    """The tools as LangChain tools for one user's turn. The user, the time and the place are bound here, so no
    tool call can reach another user's data; ``shown`` is the conversation's suggestions so far (``explain``
    looks places up there, ``recommend`` adds to it). Each tool returns JSON text for the model and the
    pydantic result as the tool message's artifact."""

    def where(latitude: float | None, longitude: float | None) -> LatLon:
        return LatLon(latitude, longitude) if latitude is not None and longitude is not None else here

    def get_interest_context(
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        query: str | None = None,
    ) -> tuple[str, InterestContext]:
        context = service.context(user_id, at or now, where(latitude, longitude), query)
        return digest(context).model_dump_json(), context

    def recommend(
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        k: int = 5,
        category: str | None = None,
        keyword: str | None = None,
        exclude_categories: Sequence[str] = (),
        exclude: Sequence[str] = (),
        surprise: bool = False,
        quiet: bool = False,
        within_km: float | None = None,
    ) -> tuple[str, list[Suggestion]]:
        place, moment = where(latitude, longitude), at or now
        query = RecommendQuery(
            k=k,
            category=category,
            keyword=keyword,
            exclude_categories=list(exclude_categories),
            exclude=list(exclude),
            surprise=SURPRISE_LEVEL if surprise else 0.0,
            quiet=quiet,
            within_km=within_km,
        )
        found = service.recommend(user_id, moment, place, query)
        shown.update({suggestion.item_id: suggestion for suggestion in found})
        return _json_list(found), found

    def search_places(
        text: str, k: int = 5, latitude: float | None = None, longitude: float | None = None
    ) -> tuple[str, list[PlaceHit]]:
        hits = service.search_places(text, where(latitude, longitude), k)
        return _json_list(hits), hits

    def explain(item_id: str) -> tuple[str, Explanation]:
        suggestion = shown.get(item_id)
        if suggestion is None:
            raise ValueError(f"{item_id!r} was not suggested in this conversation")
        context = service.context(user_id, now, here, suggestion.category)
        explanation = service.explain(suggestion, context)
        return explanation.model_dump_json(), explanation

    def record_feedback(item_id: str, liked: bool) -> tuple[str, FeedbackResult]:
        result = service.feedback(user_id, item_id, liked, now)
        return result.model_dump_json(), result

    specs = [
        (get_interest_context, ContextArgs, "The user's interests for a time and place, with the evidence."),
        (recommend, RecommendArgs, "Ranked places for the user, each with its evidence; filters by category/name."),
        (search_places, SearchArgs, "Catalogue places matching a description, near a point."),
        (explain, ExplainArgs, "Why a place suggested in this conversation suits the user, from its evidence."),
        (record_feedback, FeedbackArgs, "Record that the user liked or disliked a place."),
    ]
    return [
        StructuredTool.from_function(
            function,
            name=function.__name__,
            description=description,
            args_schema=schema,
            response_format="content_and_artifact",
            handle_tool_error=True,
        )
        for function, schema, description in specs
    ]


def _json_list(models: Sequence[BaseModel]) -> str:
    return "[" + ",".join(model.model_dump_json() for model in models) + "]"
