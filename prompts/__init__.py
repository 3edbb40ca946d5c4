"""Prompt templates, kept as files beside this module and loaded by name."""

from __future__ import annotations

from importlib import resources


def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.txt``; raises FileNotFoundError naming the prompt when absent."""
    resource = resources.files(__name__).joinpath(f"{name}.txt")
    if not resource.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} in the prompts package")
    return resource.read_text(encoding="utf-8")
