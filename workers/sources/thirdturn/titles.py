"""Page titles as MediaWiki keys them (light: the command line checks a series' title before sending anything)."""

from __future__ import annotations

from typing import Any

from workers.errors import BadArgument


def normalise_title(title: Any) -> str:
    """A page title as MediaWiki keys it: spaces as underscores, the first letter upper-case; refused when it is
    empty or holds a character no title may (`|`, `#`, `<`, `>`, `[`, `]`, `{`, `}`)."""
    if not isinstance(title, str) or not title.strip():
        raise BadArgument(f"a series is named by its hub page's title (e.g. Wisconsin_Challenge_Series), got {title!r}")
    text = "_".join(title.strip().replace("_", " ").split())
    bad = sorted(set(text) & set("|#<>[]{}"))
    if bad:
        raise BadArgument(f"{title!r} is not a wiki page title: it holds {' '.join(bad)}")
    return text[0].upper() + text[1:]
