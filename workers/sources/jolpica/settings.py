"""Jolpica's settings: `JOLPICA_…` variables (docs/sources/jolpica.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from workers.settings import SourceSettings

THIRTY_DAYS = 30 * 24 * 3600.0


class JolpicaSettings(SourceSettings):
    model_config = SettingsConfigDict(env_prefix="JOLPICA_", env_file=".env", extra="ignore", case_sensitive=True)

    BASE_URL: str = "https://api.jolpi.ca/ergast/f1"
    RATE_LIMIT: str = "4/second;500/hour"  # per IP, fixed windows; the hour window may take an hour to reset
    # History hardly changes: a landed page is reused for this long before a new run asks for it again.
    REFRESH_AFTER: float = Field(THIRTY_DAYS, ge=0)
    # Seasons both Jolpica and OpenF1 cover, from which the bridge of drivers, teams and circuits is learnt
    # (docs/identity.md).
    BRIDGE_SEASONS: str = Field("2023,2024", pattern=r"^\s*(\d{4}\s*(,\s*\d{4}\s*)*)?$")
