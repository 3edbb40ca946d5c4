"""Prompt templates and code-written replies, kept as files beside this module and loaded by name."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

FALLBACK_LANGUAGE = "en"


def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.txt``; raises FileNotFoundError naming the prompt when absent."""
    resource = resources.files(__name__).joinpath(f"{name}.txt")
    if not resource.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} in the prompts package")
    return resource.read_text(encoding="utf-8")


@functools.cache
def _fixed_texts() -> dict[str, dict[str, str]]:
    return tomllib.loads(resources.files(__name__).joinpath("fixed.toml").read_text(encoding="utf-8"))


def fixed_names() -> list[str]:
    """The names of every code-written reply (``prompts/fixed.toml``), in file order."""
    return list(_fixed_texts())


def fixed_text(name: str, language: str = FALLBACK_LANGUAGE) -> str:
    """A reply code writes (``prompts/fixed.toml``) in ``language``, else in English; KeyError for an unknown name."""
    texts = _fixed_texts().get(name)
    if texts is None:
        raise KeyError(f"no fixed text named {name!r} in prompts/fixed.toml")
    return texts.get(language, texts[FALLBACK_LANGUAGE])
