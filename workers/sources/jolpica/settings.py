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
    # Its four slots a second spread over the second rather than a burst (the limiter takes at most half the even
    # gap: 0.125 s at 4/second, less for a faster limit): fewer tasks re-scheduled onto one instant, so none comes
    # back after its slot (bench/history.py 1950-2022, 4 workers, 4/1s;100/30s: 2 slots lost at 0.05 s, 0 at
    # 0.25 s; 1.117 then 1.095 x the least the limit allows).
    RATE_SPACING: float = Field(0.25, ge=0, le=10)
    # History hardly changes: a landed page is reused for this long before a new run asks for it again.
    REFRESH_AFTER: float = Field(THIRTY_DAYS, ge=0)
    # Seasons both Jolpica and OpenF1 cover, from which the bridge of drivers, teams and circuits is learnt
    # (docs/identity.md).
    BRIDGE_SEASONS: str = Field("2023,2024", pattern=r"^\s*(\d{4}\s*(,\s*\d{4}\s*)*)?$")
