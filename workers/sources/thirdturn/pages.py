"""The Third Turn's pages as data: the hub (a series and its seasons), a season (its races) and a race (its
results table), parsed with a real HTML parser (BeautifulSoup over lxml), never regular expressions over HTML.

Pure: no network, database or clock. A page whose structure is not recognised raises `PageNotRecognised` with
the reason (the caller quarantines it and goes on with the rest of the series).

Identity is always the page title a link points to (`Link.title`, from its href, percent-decoded, spaces as
underscores), never the link's text (docs/sources/thethirdturn.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bs4 import BeautifulSoup, NavigableString, Tag

from workers.rows import MappingError
from workers.sources.thirdturn import wiki
from workers.sources.thirdturn.wiki import Link, is_red_link, page_name, revision, title_from_href

__all__ = ["HubPage", "Link", "PageNotRecognised", "RacePage", "RaceRow", "SeasonLink", "SeasonPage", "SeasonRace",
           "is_red_link", "page_name", "parse_hub", "parse_race", "parse_season", "revision", "title_from_href"]


class PageNotRecognised(MappingError):
    """The page is not the kind of page expected, or its structure changed; the message says what is missing."""


@dataclass(frozen=True)
class SeasonLink:
    year: int
    title: str  # the season page's title (`1949_NASCAR_Strictly_Stock_Central`)


@dataclass(frozen=True)
class HubPage:
    title: str
    revision: int | None  # wgCurRevisionId
    name: str  # the series' name, from the page header (`Wisconsin Challenge Series`)
    seasons: list[SeasonLink] = field(default_factory=list)


@dataclass(frozen=True)
class SeasonRace:
    """One line of a season page's race listings."""

    number: int  # "Race" column: the round of this series' season
    day: date
    race: Link | None  # the race page (None when the line links none)
    track: Link | None  # the track's page as the season page links it (its text is the city: `Charlotte, NC`)


@dataclass(frozen=True)
class SeasonPage:
    title: str
    revision: int | None
    year: int
    races: list[SeasonRace] = field(default_factory=list)


@dataclass(frozen=True)
class RaceRow:
    """One row of a race page's results table, cells as text (stripped; '' when empty)."""

    fin: str
    st: str
    number: str  # car number as text (`08K`, `00`)
    driver: Link | None
    sponsor: Link | None
    sponsor_text: str
    make: str
    laps: str
    led: str
    status: str
    pts: str
    dnq: bool = False  # a row of the "DID NOT QUALIFY" part of the table
    driver_text: str = ""  # the Driver cell's text (kept for a row whose driver has no link)
    sponsors: tuple[Link, ...] = ()  # every sponsor the cell links (`sponsor` is the first): some list three


@dataclass(frozen=True)
class RacePage:
    title: str
    revision: int | None
    day: date | None  # "Held on June 19, 1949 …"
    track: Link | None  # as the race page links it (may be an old name that redirects: use the season page's)
    location: str  # "in Charlotte, NC" → "Charlotte, NC" ('' when absent)
    rows: list[RaceRow] = field(default_factory=list)


# -- reading a page's tables ---------------------------------------------------------------------------

MONTHS = {name: number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"), start=1)}
RESULT_COLUMNS = ("Fin", "St", "#", "Driver", "Sponsor", "Make", "Laps", "Led", "Status", "Pts")
LISTING_COLUMNS = ("Race", "Date", "Track")
DNQ_SECTION = "DID NOT QUALIFY"


def _content(soup: BeautifulSoup, title: str) -> Tag:
    content = soup.find(class_="mw-parser-output")
    if content is None:
        raise PageNotRecognised(f"{title}: no wiki content (no mw-parser-output element)")
    return content


def _column_index(header: list[str], wanted: tuple[str, ...], title: str, table: str) -> dict[str, int]:
    missing = [name for name in wanted if name not in header]
    if missing:
        raise PageNotRecognised(f"{title}: the {table} table has no {', '.join(missing)} column (has {header})")
    return {name: header.index(name) for name in wanted}


def _day(day: int, month: str, year: str) -> date | None:
    if month not in MONTHS or not year.isdigit():
        return None
    try:
        return date(int(year), MONTHS[month], day)
    except ValueError:
        return None


def _heading(content: Tag, text: str) -> Tag | None:
    """The header cell whose text is `text` (`FEATURE RESULTS`, `RACE LISTINGS`)."""
    node = content.find(string=lambda s: s.strip() == text)
    return node.find_parent("th") if node is not None else None


def _kind(content: Tag) -> str:
    """What the page looks like, for the reason of a refusal."""
    for text, kind in (("FEATURE RESULTS", "a race page"), ("RACE LISTINGS", "a season page"),
                       ("Viewing Series Seasons", "a series hub")):
        if content.find(string=lambda s, text=text: s.strip() == text) is not None:
            return kind
    return "another kind of page"


def _refuse(content: Tag, title: str, what: str) -> PageNotRecognised:
    return PageNotRecognised(f"{title}: {what} (the page looks like {_kind(content)})")


# -- the hub: a series and its seasons ----------------------------------------------------------------------------


def parse_hub(html: str, title: str) -> HubPage:
    """A series' page (`Wisconsin_Challenge_Series`, `NASCAR_Cup_Series_Central`): its name, from the header
    above "Viewing Series Seasons", and the seasons its table lists (a season whose page does not exist is left
    out: there is nothing to read)."""
    soup = wiki.parse(html)
    content = _content(soup, title)
    marker = content.find(string=lambda s: s.strip() == "Viewing Series Seasons")
    header = marker.find_parent("td") if marker is not None else None
    name = wiki.text(header.find("b")) if header is not None and header.find("b") is not None else ""
    if not name:
        raise _refuse(content, title, "no series header (a name above 'Viewing Series Seasons')")
    return HubPage(title, wiki.revision_of(soup), name, _hub_seasons(content, title))


def _hub_seasons(content: Tag, title: str) -> list[SeasonLink]:
    table = next((t for t in content.find_all("table") if _header_texts(t)[:1] == ["Season"]), None)
    if table is None:
        raise _refuse(content, title, "no seasons table (a table whose header starts with 'Season')")
    seasons = []
    for row in wiki.rows(table)[1:]:
        cells = wiki.cells(row)
        link = next(iter(wiki.links(cells[0])), None) if cells else None
        if link is not None and not link.red:
            seasons.append(SeasonLink(_season_year(link, title), link.title))
    return seasons


def _header_texts(table: Tag) -> list[str]:
    rows = wiki.rows(table)
    return [wiki.text(cell) for cell in wiki.cells(rows[0])] if rows else []


def _season_year(link: Link, title: str) -> int:
    for text in (link.text, link.title[:4]):
        if len(text) == 4 and text.isdigit():
            return int(text)
    raise PageNotRecognised(f"{title}: the season line {link.title!r} gives no year")


# -- a season: its races ------------------------------------------------------------------------------------------


def parse_season(html: str, title: str) -> SeasonPage:
    """A season's page (`1949_NASCAR_Strictly_Stock_Central`): its year (the title's) and the lines of its RACE
    LISTINGS table: number, date (`19 June 1949`), the race page and the track page (whose text is the city)."""
    soup = wiki.parse(html)
    content = _content(soup, title)
    heading = _heading(content, "RACE LISTINGS")
    table = heading.find_parent("table") if heading is not None else None
    if table is None:
        raise _refuse(content, title, "no RACE LISTINGS table")
    head = title[:4]
    if not (head.isdigit() and title[4:5] in ("_", "-", " ")):
        raise PageNotRecognised(f"{title}: the season's title does not start with its year")
    return SeasonPage(title, wiki.revision_of(soup), int(head), _listed_races(table, title))


def _listed_races(table: Tag, title: str) -> list[SeasonRace]:
    rows = wiki.rows(table)
    header_at = next((i for i, row in enumerate(rows) if "Race" in [wiki.text(c) for c in wiki.cells(row)]), None)
    if header_at is None:
        raise PageNotRecognised(f"{title}: the RACE LISTINGS table has no header row (Race, Date, Track)")
    header = [wiki.text(cell) for cell in wiki.cells(rows[header_at])]
    at = _column_index(header, LISTING_COLUMNS, title, "race listings")
    races = []
    for row in rows[header_at + 1:]:
        cells = wiki.cells(row)
        if len(cells) <= 1:
            continue  # a note spanning the table
        if len(cells) != len(header):
            raise PageNotRecognised(f"{title}: a race listing line has {len(cells)} cells, the header {len(header)}")
        races.append(_listed_race(cells, at, title))
    return races


def _listed_race(cells: list[Tag], at: dict[str, int], title: str) -> SeasonRace:
    number, when = wiki.text(cells[at["Race"]]), wiki.text(cells[at["Date"]])
    if not number.isdigit():
        raise PageNotRecognised(f"{title}: a race listing line has no race number ({number!r})")
    parts = when.split()
    day = _day(int(parts[0]), parts[1], parts[2]) if len(parts) == 3 and parts[0].isdigit() else None
    if day is None:
        raise PageNotRecognised(f"{title}: race {number} has no date like '19 June 1949' ({when!r})")
    race = next(iter(wiki.links(cells[at["Race"]])), None)
    track = next(iter(wiki.links(cells[at["Track"]])), None)
    return SeasonRace(int(number), day, race, track)


# -- a race: where, when, and its results table -------------------------------------------------------------------


def parse_race(html: str, title: str) -> RacePage:
    """A race's page: "Held on June 19, 1949 at <track> in Charlotte, NC" and the rows of its FEATURE RESULTS
    table, including those of its "DID NOT QUALIFY" part (flagged `dnq`). A race not yet run has a table without
    rows. The rest of the page (race data, leftover template text like `[[Special:FormEdit/…`) is not read."""
    soup = wiki.parse(html)
    content = _content(soup, title)
    heading = _heading(content, "FEATURE RESULTS")
    table = heading.find_next("table") if heading is not None else None
    if table is None:
        raise _refuse(content, title, "no FEATURE RESULTS table")
    day, track, location = _held_on(content)
    return RacePage(title, wiki.revision_of(soup), day, track, location, _result_rows(table, title))


def _held_on(content: Tag) -> tuple[date | None, Link | None, str]:
    """"Held on June 19, 1949 at <track link> in Charlotte, NC" → the date, the track link and the place; what
    the line does not give is None ('' for the place)."""
    node = content.find(string=lambda s: s.strip().startswith("Held on"))
    if node is None:
        return None, None, ""
    line = node.parent
    when = wiki.text(line).removeprefix("Held on").partition(" at ")[0].replace(",", " ").split()
    day = _day(int(when[1]), when[0], when[2]) if len(when) == 3 and when[1].isdigit() else None
    anchors = [a for a in line.find_all("a", href=True) if wiki.link(a) is not None]
    if not anchors:
        return day, None, ""
    after = "".join(s if isinstance(s, NavigableString) else s.get_text() for s in anchors[-1].next_siblings)
    place = " ".join(after.split()).removeprefix("in ").strip()
    return day, wiki.link(anchors[-1]), place


def _result_rows(table: Tag, title: str) -> list[RaceRow]:
    rows = wiki.rows(table)
    header = [wiki.text(cell) for cell in wiki.cells(rows[0])] if rows else []
    at = _column_index(header, RESULT_COLUMNS, title, "results")
    results, section = [], ""
    for row in rows[1:]:
        cells = wiki.cells(row)
        if len(cells) == 1:
            section = wiki.text(cells[0])
            if section != DNQ_SECTION:
                raise PageNotRecognised(f"{title}: the results table has an unknown part {section!r}")
        elif len(cells) == len(header):
            results.append(_result_row(cells, at, section == DNQ_SECTION))
        elif cells:
            raise PageNotRecognised(f"{title}: a results row has {len(cells)} cells, the header {len(header)}")
    return results


def _result_row(cells: list[Tag], at: dict[str, int], dnq: bool) -> RaceRow:
    text = {name: wiki.text(cells[i]) for name, i in at.items()}
    drivers, sponsors = wiki.links(cells[at["Driver"]]), tuple(wiki.links(cells[at["Sponsor"]]))
    return RaceRow(
        fin=text["Fin"], st=text["St"], number=text["#"], driver=drivers[0] if drivers else None,
        sponsor=sponsors[0] if sponsors else None, sponsor_text=text["Sponsor"], make=text["Make"],
        laps=text["Laps"], led=text["Led"], status=text["Status"], pts=text["Pts"],
        dnq=dnq or text["Status"].upper() == "DNQ", driver_text=text["Driver"], sponsors=sponsors)
