"""Settings from the environment (and an optional `.env`), validated once and reported by name."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names it and never echoes its value."""


def _require_scheme(value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
    return value


def _is_credential(pair: str) -> bool:
    user, sep, password = pair.partition(":")
    return bool(sep and user.strip() and password) and user == user.strip()


def corrections_at(value: str) -> tuple[float, ...]:
    """`3600,86400` → (3600.0, 86400.0): positive seconds, ascending; empty means no correction read."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    try:
        seconds = tuple(float(item) for item in items)
    except ValueError:
        raise ValueError("must be seconds after a round's end, comma-separated (e.g. 3600,86400)") from None
    if any(s <= 0 for s in seconds) or list(seconds) != sorted(set(seconds)):
        raise ValueError("must be positive seconds in ascending order, each once (e.g. 3600,86400)")
    return seconds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    DATABASE_URL: str = "postgresql://parcferme:localdev@localhost:5432/parcferme"
    REDIS_URL: str = "redis://localhost:6379/0"
    TASK_MAX_RETRIES: int = Field(8, ge=0)
    REDIS_VISIBILITY_TIMEOUT: int = Field(3600, ge=5)
    REDIS_OUTAGE_SECONDS: int = Field(60, ge=1, le=3600)
    RESUME_STALLED_AFTER: int | None = Field(None, ge=10)  # None: twice REDIS_VISIBILITY_TIMEOUT
    RESUME_MAX_RESENDS: int = Field(3, ge=0, le=100)
    DB_POOL_MAX_SIZE: int = Field(4, ge=1)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    LOG_FORMAT: Literal["text", "json"] = "text"
    # A day: the follow tick keeps the season in motion fresh (FOLLOW_*); the recent sync is its safety net.
    BEAT_SYNC_RECENT_EVERY: float = Field(86400.0, ge=1)
    BEAT_RECENT_DAYS: int = Field(3, ge=1, le=366)
    # auto: results once a round's last session has ended (the spoiler rule); always: each session's as soon as it ends;
    # never: no scheduled run or follow read brings results.
    BEAT_RESULTS: Literal["auto", "always", "never"] = "auto"
    BEAT_STALE_AFTER: float = Field(6 * 3600.0, ge=60)
    BEAT_LOCK_TIMEOUT: int = Field(150, ge=60)
    BEAT_RESUME_EVERY: float = Field(300.0, ge=1)
    BEAT_SYNC_SERIES_EVERY: float = Field(24 * 3600.0, ge=60)  # the followed series of The Third Turn
    FLOWER_BASIC_AUTH: SecretStr | None = None
    # Following the season in motion (workers/pipeline/follow.py): seconds between beat's follow ticks (0: off),
    # the days ahead whose rounds are read again, how often, how often results are looked for once wanted, and
    # when (seconds after a round ends) its results are read again for corrections.
    FOLLOW_TICK: float = Field(60.0, ge=0)
    FOLLOW_LOOKAHEAD_DAYS: float = Field(14.0, ge=0, le=366)
    FOLLOW_CALENDAR_EVERY: float = Field(3600.0, ge=1)
    FOLLOW_RESULTS_EVERY: float = Field(300.0, ge=1)
    FOLLOW_CORRECTIONS_AT: str = "3600,86400,259200,1209600"

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _require_scheme(value, ("postgresql", "postgres"))

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        return _require_scheme(value, ("redis", "rediss", "unix"))

    @field_validator("FLOWER_BASIC_AUTH", mode="before")
    @classmethod
    def _flower_basic_auth(cls, value: object) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or text == "":
            return None
        if not isinstance(text, str) or not all(_is_credential(pair) for pair in text.split(",")):
            raise ValueError("must be user:password, or several such pairs separated by commas")
        return text

    @field_validator("FOLLOW_CORRECTIONS_AT")
    @classmethod
    def _corrections_at(cls, value: str) -> str:
        corrections_at(value)
        return value

    @property
    def corrections_at(self) -> tuple[float, ...]:
        """FOLLOW_CORRECTIONS_AT as seconds after a round's end, in order."""
        return corrections_at(self.FOLLOW_CORRECTIONS_AT)

    @model_validator(mode="after")
    def _stalled_after(self) -> "Settings":
        if self.RESUME_STALLED_AFTER is not None and self.RESUME_STALLED_AFTER <= self.REDIS_VISIBILITY_TIMEOUT:
            raise ValueError("RESUME_STALLED_AFTER must exceed REDIS_VISIBILITY_TIMEOUT: a task of a worker that "
                             "died comes back only after the visibility timeout, and is not lost before it")
        return self

    @property
    def stalled_after(self) -> int:
        """Seconds without progress after which a pending round (or an unplanned run) counts as lost."""
        return self.RESUME_STALLED_AFTER or 2 * self.REDIS_VISIBILITY_TIMEOUT


class SourceSettings(BaseSettings):
    """What every source declares, read from `{PREFIX}_…` variables (`OPENF1_BASE_URL`, `OPENF1_RATE_LIMIT`, …).

    A source subclasses it with its `env_prefix` and defaults, and adds settings of its own."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    BASE_URL: str
    CONNECT_TIMEOUT: float = Field(5.0, gt=0)
    READ_TIMEOUT: float = Field(30.0, gt=0)
    MAX_ATTEMPTS: int = Field(4, ge=1, le=20)
    BACKOFF_SECONDS: float = Field(0.5, ge=0)
    BACKOFF_MAX_SECONDS: float = Field(8.0, gt=0)
    RATE_LIMIT: str = "off"
    RATE_GRACE: float = Field(0.25, ge=0, le=10)
    RATE_SPACING: float = Field(0.05, ge=0, le=10)
    RATE_MAX_SLEEP: float = Field(1.0, ge=0, le=5)
    # Seconds during which a landed answer is reused instead of fetched again (0: every sync fetches).
    REFRESH_AFTER: float = Field(0.0, ge=0)
    FIRST_YEAR: int = Field(1950, ge=1950)  # the first season the source is asked for (1950: Formula 1's first)

    @field_validator("RATE_LIMIT")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from workers.ratelimit import parse_rates

        parse_rates(value)  # BadArgument (a ValueError) names the expected notation
        return value

    @field_validator("BASE_URL")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return _require_scheme(value, ("http", "https")).rstrip("/")


def _problem(error: dict, prefix: str) -> str:
    """One validation error, named by its setting; a rule across settings names them in its message."""
    if error["loc"]:
        return f"{prefix}{'.'.join(map(str, error['loc']))}: {error['msg']}"
    return error["msg"].removeprefix("Value error, ")


def load(cls: type[BaseSettings]) -> BaseSettings:
    """Read and validate one settings class; raise SettingsError naming every bad one (values never shown)."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = cls.model_config.get("env_prefix", "")
        problems = "; ".join(_problem(e, prefix) for e in exc.errors())
        raise SettingsError(f"invalid setting(s): {problems}") from None


def load_settings() -> Settings:
    return load(Settings)  # type: ignore[return-value]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

