"""Pure mapping of The Third Turn's pages to Parc Fermé rows (docs/sources/thethirdturn.md): a hub to its series, a
season line to a round with its circuit and Race session, a race page to drivers, teams, entrants and results.

No network, database or clock access. Every identity is a page title (docs/identity.md, source `thethirdturn`), kept
under `SOURCE_KEY`; a round's is `{hub title}|{race title}`, so a race counted by two series is a round of each.

Decisions of our own, where the data contract is silent (docs/sources/thethirdturn.md):
- A circuit's Name is its title in words, disambiguator included (`Dixie Speedway (MI)`): the title is all the
  season page gives, and namesakes stay told apart. Location is "City, ST" as written for a US state or Canadian
  province code (a city alone repeats across states), else the city; Country "" when the text names none.
- A driver's name is split from the link's text; a disambiguator some texts carry (`Mike Olson (WI)`) is dropped,
  and a name particle (`Van`, `De` …) goes with the last name (`Benny` `Van Cleve`). FirstName + " " + LastName
  is the text as written (`Eddie` `Lemay, Jr.`).
- A Sponsor cell that links several sponsors (`Lenz Farms, Helke-Rakow Builders, Sandy's Bar`): the team is the
  first one.
- Result status: a blank status with a Fin that is not a number is DNF (the contract's "anything else"); `dns` is DNS.
  A DSQ row keeps the place the page lists (`Position` = Fin when a number, as the contract says).
- A Pts, Laps or St cell that is neither blank nor a number rejects its row (never a guess), with the column
  named, not its value.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timezone
from typing import Any, Sequence

from workers.rows import (SOURCE_KEY, EntrantInfo, EntrantRows, Mapped, MappingError, Rejected, ResultStatus,
                          SessionStatus, SessionType, slugify)
from workers.sources.thirdturn.pages import HubPage, Link, RacePage, RaceRow, SeasonPage, SeasonRace

ENDPOINT = "race"
INDEPENDENT = {"Name": "Independent", "Slug": "independent", "PrimaryColor": None}

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR "
    "PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split())
CANADIAN_PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
# "City, Country" → ISO 3166 alpha-3, for the countries where ISO and OpenF1's codes agree; others stay None.
COUNTRY_CODES = {
    "united states": "USA", "usa": "USA", "canada": "CAN", "mexico": "MEX", "australia": "AUS",
    "new zealand": "NZL", "england": "GBR", "united kingdom": "GBR", "scotland": "GBR", "wales": "GBR",
    "italy": "ITA", "france": "FRA", "spain": "ESP", "japan": "JPN", "brazil": "BRA", "argentina": "ARG",
    "belgium": "BEL", "austria": "AUT", "sweden": "SWE", "finland": "FIN", "norway": "NOR", "ireland": "IRL",
}
NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "di", "da", "du", "del", "della", "la", "le", "st.",
                            "mac", "ten", "ter", "vander", "vanden"})
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"})
DSQ_WORDS = frozenset({"dq", "dsq", "disqualified"})


def words(title: str) -> str:
    """A page title as text: underscores as spaces."""
    return " ".join(title.replace("_", " ").split())


# -- series, rounds, circuits, sessions ---------------------------------------------------------------------------


def round_key(hub_title: str, season: SeasonPage, race: SeasonRace) -> str:
    """A round's identity: the series' hub and the race page (`|` and `#` cannot occur in a title); a line that
    links no race page is keyed by its season page and number."""
    if race.race is not None:
        return f"{hub_title}|{race.race.title}"
    return f"{hub_title}|{season.title}#{race.number:02d}"


def series_row(hub: HubPage) -> dict[str, Any]:
    return {"Name": hub.name, "Slug": slugify(hub.name), SOURCE_KEY: hub.title}


def circuit_row(track: Link | None) -> dict[str, Any]:
    """The season line's track link: its title for Name and Slug, its text ("City, ST") for the place."""
    if track is None:
        raise MappingError("the season's race line links no track")
    location, country, code = place(track.text)
    return {
        "Name": words(track.title),
        "Slug": slugify(track.title),
        "Location": location or words(track.title),
        "Country": country,
        "CountryCode": code,
        "LayoutMapUrl": None,
        SOURCE_KEY: track.title,
    }


def place(text: str) -> tuple[str, str, str | None]:
    """"Charlotte, NC" → ("Charlotte, NC", "United States", "USA"); "Monza, Italy" → ("Monza", "Italy", "ITA");
    a text without a comma is a place with no country ("" and None)."""
    text = " ".join(text.split())
    city, comma, region = text.rpartition(", ")
    if not comma:
        return text, "", None
    if region in US_STATES:
        return text, "United States", "USA"
    if region in CANADIAN_PROVINCES:
        return text, "Canada", "CAN"
    return city, region, COUNTRY_CODES.get(region.lower())


def event_name(title: str) -> str | None:
    """The event a race page is titled by (`2009_Memorial_100_(WCS)` → `Memorial 100`), or None for a title that
    is a code (`WCS:2007-03`, `NASCAR_Strictly_Stock:1949-01`): an event title is a year, then words."""
    year, _, rest = title.partition("_")
    if not (len(year) == 4 and year.isdigit()) or not rest:
        return None
    name = words(rest)
    if name.endswith(")") and " (" in name:
        name = name[:name.rindex(" (")]
    return name or None


def round_row(series_slug: str, season: SeasonPage, race: SeasonRace, key: str) -> dict[str, Any]:
    name = event_name(race.race.title) if race.race is not None else None
    if name is None:
        if race.track is None:
            raise MappingError(f"race {race.number} of {season.title} has no event name and links no track")
        name = f"Round {race.number} at {words(race.track.title)}"
    return {
        "Name": name,
        "Slug": f"{series_slug}-{season.year}-{race.number:02d}",
        "RoundNumber": race.number,
        "DateStart": race.day,
        "DateEnd": race.day,
        SOURCE_KEY: key,
    }


def has_results(page: RacePage | None) -> bool:
    return page is not None and any(not row.dnq for row in page.rows)


def race_start(race: SeasonRace) -> datetime:
    """A race's start: 00:00 UTC of its date (no page gives a time)."""
    return datetime.combine(race.day, time(0), tzinfo=timezone.utc)


def session_rows(race: SeasonRace, page: RacePage | None, key: str) -> list[dict[str, Any]]:
    """The round's one Race session, at 00:00 UTC of its date (no page gives a time)."""
    status = SessionStatus.COMPLETED if has_results(page) else SessionStatus.SCHEDULED
    return [{
        "Type": int(SessionType.RACE),
        "StartTimeUtc": race_start(race),
        "Status": int(status),
        SOURCE_KEY: f"{key}|race",
    }]


# -- drivers, teams, entrants -------------------------------------------------------------------------------------


def split_name(text: str) -> tuple[str, str]:
    """("Eddie", "Lemay, Jr.") from "Eddie Lemay, Jr."; ("Benny", "Van Cleve"); ("Pee Wee", "Martin"); a trailing
    disambiguator (`Mike Olson (WI)`) is dropped; a one-word name is all last name."""
    text = " ".join(text.split())
    if text.endswith(")") and " (" in text:
        text = text[:text.rindex(" (")]
    base, suffix = text, ""
    head, comma, tail = text.rpartition(", ")
    if comma and tail.lower() in NAME_SUFFIXES:
        base, suffix = head, f", {tail}"
    elif len(text.split()) > 2 and text.split()[-1].lower() in NAME_SUFFIXES:
        base, _, tail = text.rpartition(" ")
        suffix = f" {tail}"
    parts = base.split()
    last = len(parts) - 1
    while last > 1 and parts[last - 1].lower() in NAME_PARTICLES:
        last -= 1
    return " ".join(parts[:last]), " ".join(parts[last:]) + suffix


def driver_row(driver: Link) -> dict[str, Any]:
    first, last = split_name(driver.text or words(driver.title))
    return {"FirstName": first, "LastName": last, "Slug": slugify(driver.title), "Abbreviation": None,
            "Nationality": None, "HeadshotUrl": None, "DriverNumber": None, SOURCE_KEY: driver.title}


def team_row(sponsor: Link | None) -> dict[str, Any]:
    if sponsor is None:
        return dict(INDEPENDENT)
    return {"Name": words(sponsor.title), "Slug": slugify(sponsor.title), "PrimaryColor": None,
            SOURCE_KEY: sponsor.title}


def car_number(text: str) -> int | None:
    """`34` → 34, `0` → 0; `08K`, `00`, `08`, `99-A` → None (the text stays in the raw page)."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text.startswith("0")):
        return None
    return int(text)


def entry_key(row: RaceRow) -> tuple[str, str | None]:
    """The row's entrant by this source's identities: driver title, sponsor title (None: Independent)."""
    return row.driver.title if row.driver is not None else "", row.sponsor.title if row.sponsor is not None else None


def cells(row: RaceRow) -> dict[str, Any]:
    """A row as received, for a rejected record: the cells as text, with the pages the links point to."""
    return {"Fin": row.fin, "St": row.st, "#": row.number, "Driver": row.driver_text, "Sponsor": row.sponsor_text,
            "Make": row.make, "Laps": row.laps, "Led": row.led, "Status": row.status, "Pts": row.pts,
            "DriverPage": row.driver.title if row.driver is not None else None,
            "SponsorPages": [sponsor.title for sponsor in row.sponsors]}


def entrant_rows(page: RacePage) -> EntrantRows:
    """One entrant per (driver, sponsor) of the race's results; DNQ rows make none. A row without a driver link,
    and a second row of one (driver, team) (by slug: two titles of one slug are one row), are rejected with the
    reason."""
    drivers: dict[str, dict[str, Any]] = {}
    teams: dict[str, dict[str, Any]] = {}
    entrants: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    seen: set[tuple[str, str]] = set()
    for row in (r for r in page.rows if not r.dnq):
        if row.driver is None:
            rejected.append(Rejected(ENDPOINT, f"{page.title}: a results row links no driver page", cells(row)))
            continue
        driver, team = driver_row(row.driver), team_row(row.sponsor)
        if (driver["Slug"], team["Slug"]) in seen:
            rejected.append(Rejected(ENDPOINT, _twice(page, row), cells(row)))
            continue
        seen.add((driver["Slug"], team["Slug"]))
        drivers.setdefault(driver["Slug"], driver)
        teams.setdefault(team["Slug"], team)
        entrants.append({"DriverSlug": driver["Slug"], "TeamSlug": team["Slug"], "CarNumber": car_number(row.number)})
    return EntrantRows(list(drivers.values()), list(teams.values()), entrants, rejected)


def _twice(page: RacePage, row: RaceRow) -> str:
    driver, sponsor = entry_key(row)
    return (f"{page.title}: {driver} is listed twice for {sponsor or 'Independent'}; the first row is kept, since "
            "an entrant has one row per round and Results one per session")


# -- results ------------------------------------------------------------------------------------------------------


def result_status(row: RaceRow) -> ResultStatus:
    """`running`, or a blank status with a numeric Fin → Finished; DQ in Fin or Status (`DQ`, `running/DQ`) →
    DSQ; `dns` → DNS; anything else (`dnf`, `out`, `engine`, a blank status without a place) → DNF."""
    status = row.status.strip().lower()
    marks = set(status.replace("/", " ").split()) | set(row.fin.strip().lower().replace("/", " ").split())
    if marks & DSQ_WORDS:
        return ResultStatus.DSQ
    if status == "running" or (not status and row.fin.isdigit()):
        return ResultStatus.FINISHED
    if status == "dns":
        return ResultStatus.DNS
    return ResultStatus.DNF


def number(text: str, column: str, kind: type = int) -> Any:
    """A number cell: blank → None; a number → its value; anything else is an error naming the column only
    (results are spoiler data: never the value)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise MappingError(f"the {column} cell is not a number")
    return value


def result_row(row: RaceRow) -> dict[str, Any]:
    return {
        "Position": int(row.fin) if row.fin.isascii() and row.fin.isdigit() else None,
        "GridPosition": number(row.st, "St"),
        "Status": int(result_status(row)),
        "Points": number(row.pts, "Pts", float),
        "Time": None,
        "Laps": number(row.laps, "Laps"),
        "FastestLap": False,
    }


def result_rows(page: RacePage, session_id: Any, entrants: Sequence[EntrantInfo]) -> Mapped:
    """The race's results, each matched to its entrant by (driver title, sponsor title or None for Independent).
    DNQ rows are no results; a row without a driver link was rejected by `entrant_rows` and is skipped here."""
    entrant_by_key = {(e.driver_key, e.team_key): e.id for e in entrants if e.driver_key}
    mapped, used = Mapped(), set()
    for row in (r for r in page.rows if not r.dnq and r.driver is not None):
        entrant_id = entrant_by_key.get(entry_key(row))
        if entrant_id is None or entrant_id in used:
            reason = _twice(page, row) if entrant_id is not None else _no_entrant(page, row)
            mapped.rejected.append(Rejected(ENDPOINT, reason, cells(row)))
            continue
        try:
            values = result_row(row)
        except MappingError as exc:
            mapped.rejected.append(Rejected(ENDPOINT, f"{page.title}: {row.driver.title}: {exc}", cells(row)))
            continue
        used.add(entrant_id)
        mapped.rows.append({"SessionId": session_id, "EntrantId": entrant_id, **values})
    return mapped


def _no_entrant(page: RacePage, row: RaceRow) -> str:
    driver, sponsor = entry_key(row)
    return f"{page.title}: no entrant for {driver} in {sponsor or 'Independent'}"
