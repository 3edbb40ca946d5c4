"""The written reading set (bench/reading_set.jsonl): well formed, wide enough, read by the rules above a floor."""

from __future__ import annotations

from collections import Counter
from typing import Any, get_args

import pytest

from assistant.gazetteer import NEIGHBOURHOODS
from assistant.languages import LANGUAGES
from assistant.requests import ADULTS_ONLY, CATEGORY_TERMS, HERE, WATERSIDE, ChatRequest, Intent
from bench.request_reading import FIELDS, Example, accuracy, load_set, read_with, reading_errors, score

# Measured on the whole set with the rules alone: 1.000 (166 requests). Of the first 150, the last 49, written after
# the rules and tagged "heldout", were read 0.673 right before the rules learnt from them; the 16 questions about one
# place and requests with their words ("about", "about-request"), written after those rules, 16 of 16 at once (the
# older set then had 3 wrong, now right). A little room for a changed rule.
RULES_FLOOR = 0.96
# The least each kind of request must have.
TAG_MINIMUMS = {
    "paraphrase": 10,
    "typo": 10,
    "es": 8,
    "fr": 8,
    "profile": 6,
    "followup": 6,
    "offtopic": 6,
    "greeting": 2,
    "explain": 1,
    "about": 8,
    "about-request": 3,
}


def test_the_set_is_well_formed_and_wide() -> None:
    examples = load_set()
    assert len(examples) >= 60
    assert len({example.message for example in examples}) == len(examples)
    tags = Counter(tag for example in examples for tag in example.tags)
    assert not {tag: tags[tag] for tag, least in TAG_MINIMUMS.items() if tags[tag] < least}, tags
    for example in examples:
        expect = example.expect
        assert set(expect) <= {"intent", *FIELDS}, example.message
        assert expect["intent"] in get_args(Intent), example.message
        assert expect.get("category", "Bar") in CATEGORY_TERMS, example.message
        # Kinds left out are category terms, or the kinds an outing with children leaves out.
        assert set(expect.get("exclude_categories", [])) <= CATEGORY_TERMS | set(ADULTS_ONLY), example.message
        assert expect.get("near", HERE) in {HERE, WATERSIDE, *NEIGHBOURHOODS}, example.message
        assert expect.get("language", "en") in LANGUAGES, example.message
        assert ("es" in example.tags or "fr" in example.tags) == (expect.get("language", "en") != "en")
        for name in ("surprise", "familiar", "quiet"):
            assert expect.get(name, True) is True, (example.message, name)  # a default is left out, not written
        assert not (expect.get("surprise") and expect.get("familiar")), example.message


def test_the_rules_read_the_set() -> None:
    result = score(load_set(), read_with(None))
    assert result["overall"] >= RULES_FLOOR, result["wrong"]
    assert set(result["per_tag"]) >= set(TAG_MINIMUMS)


def reading(**fields: Any) -> ChatRequest:
    return ChatRequest(**fields)


@pytest.mark.parametrize(
    ("request_", "expect", "errors"),
    [
        (reading(category="Bar", near="here"), {"intent": "recommend", "category": "Bar", "near": "here"}, []),
        (reading(intent="profile"), {"intent": "recommend"}, ["intent"]),
        (reading(category="Bar", quiet=True), {"intent": "recommend", "category": "Bar"}, ["quiet"]),  # invented
        (reading(), {"intent": "recommend", "familiar": True}, ["familiar"]),
        (
            reading(exclude_categories=["Bar", "Cafe"]),
            {"intent": "recommend", "exclude_categories": ["Cafe", "Bar"]},
            [],
        ),
        (
            reading(exclude_categories=["Bar"]),
            {"intent": "recommend", "exclude_categories": ["Cafe", "Bar"]},
            ["exclude"],
        ),
        (reading(k=3), {"intent": "recommend"}, ["k"]),  # the default count is 5
        (reading(k=5), {"intent": "recommend"}, []),
        (reading(language="es"), {"intent": "recommend"}, ["language"]),
        (reading(intent="offtopic", surprise=True), {"intent": "offtopic", "language": "fr"}, ["surprise", "language"]),
        # Fields the set does not judge may be anything.
        (reading(when="tonight", pick=2, keyword="Joe's"), {"intent": "recommend"}, []),
    ],
)
def test_reading_errors(request_: ChatRequest, expect: dict[str, Any], errors: list[str]) -> None:
    found = reading_errors(request_, expect)
    assert [error.split(":")[0].split("_")[0] for error in found] == errors


def test_accuracy_per_tag() -> None:
    examples = [
        Example(message=f"m{n}", expect={"intent": "recommend"}, tags=tags)
        for n, tags in enumerate([["a"], ["a", "b"], ["b"]])
    ]
    result = accuracy([(examples[0], True), (examples[1], False), (examples[2], True)])
    assert result["overall"] == pytest.approx(0.667) and result["n"] == 3
    assert result["per_tag"] == {"a": {"accuracy": 0.5, "n": 2}, "b": {"accuracy": 0.5, "n": 2}}
