"""Page titles as MediaWiki keys them, from what a person typed: a title, or a URL of a page of the wiki (light: the
command line checks a series' title before sending anything).

A series is named by its hub page, an article: a title in another namespace (Special:, Talk:, User:, File:, …,
the wiki's own project namespace "The Third Turn:") is refused with the reason, as is a URL of another site. A
colon alone makes no namespace: `WCS:2007-03` is an article of the wiki (a race page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from workers.errors import BadArgument

WIKI_HOSTS = ("www.thethirdturn.com", "thethirdturn.com")  # the live wiki; its page URLs may be given for titles
EXAMPLE = "Wisconsin_Challenge_Series"
FORBIDDEN = "|#<>[]{}"  # characters no MediaWiki title may hold
PAGE_PATH, INDEX_PATHS = "/wiki/", ("/w/index.php", "/index.php")
# Namespaces whose pages are not articles: MediaWiki's own (and their talk namespaces), the wiki's project
# namespace ("The Third Turn", also reached as "Project"), and those of the Semantic MediaWiki and Page Forms
# extensions the wiki runs (its pages link Special:FormEdit and Special:RunQuery). Compared in lower case, spaces
# for underscores.
_NAMESPACES = ("Talk", "User", "Project", "The Third Turn", "File", "Image", "MediaWiki", "Template", "Help",
               "Category", "Property", "Form", "Concept")
NOT_ARTICLES = frozenset({"media", "special"} | {n.lower() for n in _NAMESPACES}
                         | {f"{n} talk".lower() for n in _NAMESPACES if n != "Talk"})


def normalise_title(title: Any, hosts: tuple[str, ...] = ()) -> str:
    """A page title as MediaWiki keys it: spaces as underscores, the first letter upper-case. A URL of a page of the
    wiki (`https://www.thethirdturn.com/wiki/TITLE`, `/w/index.php?title=TITLE`, percent-encoded or not, with a
    fragment or not; of the live wiki, or of one of `hosts`) is read as its title. Refused, with the reason, when it
    is empty, holds a character no title may (`|`, `#`, `<`, `>`, `[`, `]`, `{`, `}`), is a URL of another site or
    of no page, or names a page that is no article (a namespace such as Special: or Talk:)."""
    if not isinstance(title, str) or not title.strip():
        raise BadArgument(f"a series is named by its hub page's title (e.g. {EXAMPLE}), got {title!r}")
    text = title.strip()
    if "://" in text:
        text = title_of_url(text, hosts)
    text = "_".join(text.replace("_", " ").split())
    bad = sorted(set(text) & set(FORBIDDEN))
    if bad:
        raise BadArgument(f"{title!r} is not a wiki page title: it holds {' '.join(bad)}")
    namespace, colon, _ = text.partition(":")
    if colon and namespace.replace("_", " ").strip().lower() in NOT_ARTICLES:
        raise BadArgument(f"{title!r} is a page of the wiki's {namespace.replace('_', ' ')} namespace, not an article: "
                          f"a series is named by its hub page's title (e.g. {EXAMPLE})")
    return text[0].upper() + text[1:]


def title_of_url(url: str, hosts: tuple[str, ...] = ()) -> str:
    """The title a URL of a page of the wiki names (percent-decoded, its fragment left out); refused, with the
    reason, when it is a URL of another site or of no page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in {h.lower() for h in (*WIKI_HOSTS, *hosts) if h}:
        raise BadArgument(f"{url!r} is not a page of The Third Turn: its host is {host or 'missing'}, not "
                          f"{WIKI_HOSTS[0]}")
    if parts.path.startswith(PAGE_PATH):
        found = unquote(parts.path[len(PAGE_PATH):])
    elif parts.path in INDEX_PATHS:
        found = parse_qs(parts.query).get("title", [""])[0]
    else:
        found = ""
    if not found.strip():
        raise BadArgument(f"{url!r} names no page of The Third Turn: a page is {WIKI_HOSTS[0]}{PAGE_PATH}TITLE "
                          f"(or {INDEX_PATHS[0]}?title=TITLE)")
    return found


def normalise_series(title: Any, settings: Any = None) -> str:
    """A series' hub page title (`normalise_title`), a URL of the configured wiki (THIRDTURN_BASE_URL: a replay on
    this machine) taken as the live wiki's."""
    base = getattr(settings, "BASE_URL", "") if settings is not None else ""
    return normalise_title(title, (urlsplit(base).hostname or "",) if base else ())
