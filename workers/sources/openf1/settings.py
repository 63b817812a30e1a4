"""OpenF1's settings: `OPENF1_…` variables (docs/sources/openf1.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from workers.settings import SourceSettings


class OpenF1Settings(SourceSettings):
    model_config = SettingsConfigDict(env_prefix="OPENF1_", env_file=".env", extra="ignore", case_sensitive=True)

    BASE_URL: str = "https://api.openf1.org/v1"
    RATE_LIMIT: str = "3/second;30/minute"  # the free tier; sponsors 6/second;60/minute
    USERNAME: SecretStr | None = None
    PASSWORD: SecretStr | None = None
    LIVE_RETRY_SECONDS: float = Field(300.0, gt=0)  # a live-session lock-out: come back this much later
    FIRST_YEAR: int = Field(2023, ge=2023)  # OpenF1 covers 2023 onwards; earlier seasons come from history
