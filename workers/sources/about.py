"""What a source declares about itself without being loaded: its name, its role and what it serves, how a scope of
it is named and which scopes it follows, and the licence and attribution of its data.

Each source package's `__init__` holds its `ABOUT` (and its `Settings`), so the registry answers the command
line's questions (which source has the 2024 season, is this a valid series title, which series are followed,
how to credit a source) before anything is sent, with no client, model or mapping loaded. Everything else a
source declares is its `SOURCE` (workers/sources/base.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

# A source's role. SEASONS: it has seasons of one championship, by year, each season from the source of that
# championship whose first year is the latest one before it (OpenF1 from 2023, Jolpica before). SCOPES: it has
# scopes, each named by a title (The Third Turn's series, by their hub pages), synced a scope at a time.
SEASONS, SCOPES = "seasons", "scopes"


@dataclass(frozen=True)
class Licence:
    """The licence a source's data is used under (not its code's)."""

    name: str  # "CC BY-NC-SA 4.0"
    url: str
    commercial_use: bool  # whether the data may be used for a commercial purpose
    share_alike: bool  # whether what is derived from it must be shared under the same terms


CC_BY_NC_SA_4 = Licence("CC BY-NC-SA 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/",
                        commercial_use=False, share_alike=True)


@dataclass(frozen=True)
class Attribution:
    """Whom to credit for a source's data, and how: what the README's data section and the health check show."""

    name: str  # "The Third Turn"
    url: str  # the source's home page
    licence: Licence
    credit: str  # the line to show beside the data


@dataclass(frozen=True)
class About:
    """A source as the registry sees it before loading it."""

    name: str  # its key: in the registry, the landing, identities, runs and the fleet limiter's Redis keys
    label: str  # how messages name it: "OpenF1"
    role: str  # SEASONS or SCOPES
    # SEASONS: the slug of the championship's series row it writes ("formula-1"); SCOPES: the noun of a scope
    # ("series"), as messages and arguments name it.
    serves: str
    attribution: Attribution
    # SCOPES only: a scope's name as the source keys it, from what a person typed (a title, a URL of the source);
    # refused with a BadArgument, and the reason, before anything is sent. `settings` are the source's.
    normalise_scope: Callable[[Any, Any], str] | None = None
    # SCOPES only: the setting listing the scopes followed (comma-separated): beat keeps their newest season fresh.
    followed_setting: str | None = None
    scope_example: str = ""  # SCOPES only: a scope's name, for messages ("Wisconsin_Challenge_Series")

    def __post_init__(self) -> None:
        if self.role not in (SEASONS, SCOPES):
            raise ValueError(f"source {self.name!r}: role must be {SEASONS!r} or {SCOPES!r}, got {self.role!r}")
        if self.role == SCOPES and self.normalise_scope is None:
            raise ValueError(f"source {self.name!r} has scopes: it must declare how a scope's name is normalised")
