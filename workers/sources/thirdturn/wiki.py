"""MediaWiki's HTML as The Third Turn serves it: the page's configuration (`RLCONF`: revision, page name), its
links (a link's page title from its href, red links, redirects) and its text, read with BeautifulSoup over lxml.
Nothing here knows a hub, season or race page (pages.py does)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bs4 import BeautifulSoup, SoupStrainer, Tag
from bs4.filter import ElementFilter


@dataclass(frozen=True)
class Link:
    """A wiki link: the page title it points to (`Curtis_Turner_(VA)`, `Jack_O'Brien`) and its text."""

    title: str
    text: str
    # Not part of the identity (not compared): a red link's page does not exist yet (`redlink=1`, or a form's
    # `Special:FormEdit/…` link); a redirect's title is an old or alternative name of another page.
    red: bool = field(default=False, compare=False)
    redirect: bool = field(default=False, compare=False)


RLCONF = "RLCONF="
FORM_EDIT = "Special:FormEdit/"  # a form's link to a page that does not exist yet: `Special:FormEdit/<form>/<title>`
WIKI_HOSTS = ("thethirdturn.com", "www.thethirdturn.com")


class _ContentAndScripts(ElementFilter):
    """Builds only the page's content and its scripts (the configuration): the skin around them (head, menus,
    footer) is a quarter of the tags and is never read."""

    def allow_tag_creation(self, nsprefix: str | None, name: str, attrs: Any) -> bool:
        return name == "script" or (attrs or {}).get("id") == "mw-content-text"

    def allow_string_creation(self, string: str) -> bool:
        return False


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml", parse_only=_ContentAndScripts())


def parse_scripts(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml", parse_only=SoupStrainer("script"))


def config(soup: BeautifulSoup) -> dict[str, Any]:
    """The wiki's `RLCONF={…}` object, read from the text of its inline script as JSON; {} when absent."""
    for script in soup.find_all("script"):
        text = script.string or ""
        start = text.find(RLCONF)
        if start >= 0:
            try:
                found, _ = json.JSONDecoder().raw_decode(text, start + len(RLCONF))
            except ValueError:
                return {}
            return found if isinstance(found, dict) else {}
    return {}


def revision_of(soup: BeautifulSoup) -> int | None:
    value = config(soup).get("wgCurRevisionId")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def revision(html: str) -> int | None:
    """The page's revision (`wgCurRevisionId`), None when the page carries none."""
    return revision_of(parse_scripts(html))


def page_name(html: str) -> str | None:
    """The page's title as the wiki names it (`wgPageName`: underscores, `NASCAR_Strictly_Stock:1949-01`)."""
    value = config(parse_scripts(html)).get("wgPageName")
    return value if isinstance(value, str) and value else None


def title_from_href(href: str) -> str | None:
    """The title of the page a link points to: `/wiki/Jack_O%27Brien` → `Jack_O'Brien`, a red link
    `/w/index.php?title=X&action=edit&redlink=1` → `X`, a form's red link `/wiki/Special:FormEdit/Sponsor/X` → `X`
    (the page it would create); spaces as underscores, no `#section`. None for external links and bare anchors."""
    parts = urlsplit(href.strip())
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc.lower() not in WIKI_HOSTS):
        return None
    if parts.path.startswith("/wiki/"):
        title = unquote(parts.path[len("/wiki/"):])
    elif parts.path == "/w/index.php":
        title = parse_qs(parts.query).get("title", [""])[0]
    else:
        return None
    title = title.replace(" ", "_").strip("_")
    if title.startswith(FORM_EDIT):
        title = title[len(FORM_EDIT):].partition("/")[2]
    return title or None


def is_red_link(href: str) -> bool:
    """A link to a page that does not exist: MediaWiki's `redlink=1`, or a form's `Special:FormEdit/…` link."""
    parts = urlsplit(href.strip())
    return "1" in parse_qs(parts.query).get("redlink", []) or FORM_EDIT in unquote(parts.path + "?" + parts.query)


def link(anchor: Tag) -> Link | None:
    title = title_from_href(anchor.get("href", ""))
    if title is None:
        return None
    return Link(title, text(anchor), red=is_red_link(anchor["href"]),
                redirect="mw-redirect" in (anchor.get("class") or []))


def links(element: Tag) -> list[Link]:
    return [found for anchor in element.find_all("a", href=True) if (found := link(anchor)) is not None]


def text(element: Tag) -> str:
    """The element's text as a browser shows it: whitespace runs as one space, stripped."""
    return " ".join(element.get_text().split())


def cells(row: Tag) -> list[Tag]:
    return row.find_all(["th", "td"], recursive=False)


def rows(table: Tag) -> list[Tag]:
    """The table's own rows (not those of a table nested in a cell)."""
    bodies = table.find_all("tbody", recursive=False) or [table]
    return [row for body in bodies for row in body.find_all("tr", recursive=False)]
