"""The Third Turn's settings: `THIRDTURN_…` variables (docs/sources/thethirdturn.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from workers.settings import SourceSettings

DAY = 24 * 3600.0


class ThirdTurnSettings(SourceSettings):
    model_config = SettingsConfigDict(env_prefix="THIRDTURN_", env_file=".env", extra="ignore", case_sensitive=True)

    # The wiki's root: pages are `{BASE_URL}/wiki/{title}`, its robots.txt `{BASE_URL}/robots.txt`.
    BASE_URL: str = "https://www.thethirdturn.com"
    # A page costs the wiki 0.5–9 s to render: one page every 5 s for the whole fleet, whatever the workers.
    RATE_LIMIT: str = "1/5second"
    # Who to tell when the crawl misbehaves: an e-mail address or URL, sent in the User-Agent. Required before
    # crawling the live site; a replay on this machine (a loopback BASE_URL) does without.
    CONTACT: str = ""
    # Race pages of past seasons hardly change: a landed page is reused for this long. Hub and season pages
    # (which list new seasons and races) are read again after INDEX_REFRESH_AFTER.
    REFRESH_AFTER: float = Field(30 * DAY, ge=0)
    INDEX_REFRESH_AFTER: float = Field(DAY, ge=0)
    # robots.txt is read again after this long (the whole fleet shares one copy).
    ROBOTS_REFRESH_AFTER: float = Field(DAY, ge=60)
    # The series the team follows (hub page titles, comma-separated): beat keeps them fresh, `bulk_sync
    # --followed` crawls them.
    FOLLOWED_SERIES: str = ""
    FIRST_YEAR: int = Field(1900, ge=1890, le=2100)
