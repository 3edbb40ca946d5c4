"""Offline defaults: the product never reaches a model hub or a telemetry endpoint at run time."""

from __future__ import annotations

import os

OFFLINE_ENVIRONMENT: dict[str, str] = {
    # Without these, a transformers / sentence-transformers load first asks the hub and stalls ~70 s.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Chroma's client sends product telemetry unless told not to.
    "ANONYMIZED_TELEMETRY": "False",
    # Ray reports usage to its makers unless told not to (profiles.batch_ray).
    "RAY_USAGE_STATS_ENABLED": "0",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_defaults() -> None:
    """Set the offline variables unless the caller has already chosen a value for them."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
