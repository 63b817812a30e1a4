"""The recorded wiki pages, indexed by title, and MediaWiki's rules for titles in URLs.

Every ``*.html`` under the data directory (recursively) is one page; its title is the ``wgPageName`` of the
``RLCONF`` script MediaWiki puts in every page's head, read with a real HTML parser. Files are read in place,
once, at load; their bytes are served unchanged. Default directory: ``$THIRDTURN_REPLAY_DIR``, else
the repository's ``recordings/thethirdturn``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bs4 import BeautifulSoup, SoupStrainer

DATA_DIR_ENV = "THIRDTURN_REPLAY_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "recordings" / "thethirdturn"
RLCONF = re.compile(r"\bRLCONF\s*=\s*")
# MediaWiki's standard namespaces (The Third Turn's project namespace is its name) and their aliases; namespaces
# of recorded pages (``wgCanonicalNamespace``, e.g. Series_Database) are added at load.
STANDARD_NAMESPACES = (
    "Media", "Special", "Talk", "User", "User_talk", "The_Third_Turn", "The_Third_Turn_talk", "File", "File_talk",
    "MediaWiki", "MediaWiki_talk", "Template", "Template_talk", "Help", "Help_talk", "Category", "Category_talk",
)
NAMESPACE_ALIASES = {"image": "File", "image_talk": "File_talk", "project": "The_Third_Turn",
                     "project_talk": "The_Third_Turn_talk"}
ILLEGAL_TITLE_CHARACTERS = set("<>[]|{}")
URL_SAFE = ";@$!*(),/~:"  # what MediaWiki's wfUrlencode leaves as is; `'` becomes %27, `&` %26, `?` %3F


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class Page:
    title: str  # wgPageName: the canonical title, underscores for spaces
    path: Path
    body: bytes
    namespace: str  # wgCanonicalNamespace ("" for the main namespace)


def page_config(html: bytes | str) -> dict:
    """The ``RLCONF`` object of a MediaWiki page (``mw.config`` values such as wgPageName)."""
    soup = BeautifulSoup(html, "lxml", parse_only=SoupStrainer("script"))
    for script in soup.find_all("script"):
        text = script.string or ""
        found = RLCONF.search(text)
        if found:
            config, _ = json.JSONDecoder().raw_decode(text, found.end())
            return config
    raise ValueError("no RLCONF script: not a MediaWiki page")


def load_pages(data_dir: str | Path) -> dict[str, Page]:
    """Every recorded page under ``data_dir``, by title; two files of one title are an error."""
    root = Path(data_dir).expanduser().resolve()
    if not root.is_dir():
        raise ValueError(f"recorded wiki pages not found: {root} is not a directory (set ${DATA_DIR_ENV})")
    pages: dict[str, Page] = {}
    for path in sorted(root.rglob("*.html")):
        body = path.read_bytes()
        config = page_config(body)
        page = Page(config["wgPageName"], path, body, config.get("wgCanonicalNamespace") or "")
        if page.title in pages:
            raise ValueError(f"two recordings of {page.title!r}: {pages[page.title].path} and {path}")
        pages[page.title] = page
    if not pages:
        raise ValueError(f"no recorded wiki page (*.html) under {root}")
    return pages


class TitleRules:
    """MediaWiki's title normalisation: underscores for spaces, one at a time, none at the ends; namespace
    names in their canonical case; the first letter of the name (after any namespace) upper-case."""

    def __init__(self, extra_namespaces: tuple[str, ...] = ()) -> None:
        names = STANDARD_NAMESPACES + tuple(n for n in extra_namespaces if n)
        self.namespaces = {name.lower(): name for name in names} | NAMESPACE_ALIASES

    def canonical(self, text: str) -> str | None:
        """The canonical title of ``text`` (already percent-decoded), or None for a bad title."""
        title = re.sub(r"_+", "_", text.replace(" ", "_")).strip("_")
        if not title or ILLEGAL_TITLE_CHARACTERS & set(title):
            return None
        prefix, colon, rest = title.partition(":")
        namespace = self.namespaces.get(prefix.lower()) if colon else None
        if namespace is None:
            return upper_first(title)
        return f"{namespace}:{upper_first(rest.lstrip('_'))}"


def upper_first(title: str) -> str:
    first = title[:1].upper()
    return first + title[1:] if len(first) == 1 else title  # 'ß' stays: MediaWiki does not make it 'SS'


def title_path(title: str) -> str:
    """``/wiki/<title>`` encoded as MediaWiki writes its links (``Jack_O%27Brien``, ``R%26M``)."""
    return "/wiki/" + quote(title, safe=URL_SAFE)
