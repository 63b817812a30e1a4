"""The Third Turn (https://www.thethirdturn.com/wiki/), a MediaWiki of the results of most racing series
(docs/sources/thethirdturn.md), read page by page: settings.py, client.py (robots.txt, User-Agent, the fleet limit),
wiki.py (MediaWiki's HTML: configuration, links, text), pages.py (hub, season and race pages parsed), mapping.py (pure:
pages → rows), titles.py (page titles as MediaWiki keys them, from a title or a URL), source.py (the series plan) and
health.py.

Importing the package loads only what the registry reads cheaply: its `ABOUT` (with how a series is named) and its
settings class; `SOURCE` and the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.about import CC_BY_NC_SA_4, SCOPES, About, Attribution
from workers.sources.thirdturn.settings import ThirdTurnSettings as Settings
from workers.sources.thirdturn.titles import EXAMPLE, normalise_series

ABOUT = About(
    name="thirdturn", label="The Third Turn", role=SCOPES, serves="series",
    # docs/sources/thethirdturn.md: every page says so in its footer and its <link rel="license">.
    attribution=Attribution("The Third Turn", "https://www.thethirdturn.com/wiki/", CC_BY_NC_SA_4,
                            "Source: The Third Turn (thethirdturn.com), CC BY-NC-SA 4.0"),
    normalise_scope=normalise_series, followed_setting="FOLLOWED_SERIES", scope_example=EXAMPLE)

LAZY = ('SOURCE', 'ThirdTurn')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["ABOUT", "Settings", *LAZY]
