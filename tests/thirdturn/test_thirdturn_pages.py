"""The Third Turn's pages parsed (SPEC §7), on the 117 real recorded pages (the repository's recordings/thethirdturn,
copied unchanged). Expected values come from SOURCES.md, from the pages read here with lxml's own XPath (not
BeautifulSoup, not the parser under test), or are written out from the pages by hand."""

from __future__ import annotations

import copy
import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pytest
from bs4 import BeautifulSoup

from workers.sources.thirdturn import pages
from workers.sources.thirdturn.pages import Link, PageNotRecognised

DATA_DIR = Path(os.environ.get("THIRDTURN_REPLAY_DIR",
                               Path(__file__).resolve().parents[2] / "recordings" / "thethirdturn")).resolve()
MUSEUM = "racing-museum"
WCS_HUB = f"{MUSEUM}/wisconsin_challenge_series.html"
BADGER_HUB = f"{MUSEUM}/badger_modified_tour/series_page.html"
CUP_HUB = "nascar_cup_series_central.html"
SEASON_1949 = "season_1949_nascar_strictly_stock_central.html"
RACE_1949_01 = "nascar_strictly_stock_1949_01.html"
TWO_SERIES_RACE = f"{MUSEUM}/badger_modified_tour/races/Modified_Nationals_2012-05.html"
WITH_DNQ = f"{MUSEUM}/badger_modified_tour/races/Badger_Mod_Tour_2013-01.html"
KINDS = {"race": "race", "season central": "season", "series central": "hub", "series central (hub)": "hub",
         "driver": None, "track": None, "series index": None}


def html_of(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def recorded() -> dict[str, dict[str, str]]:
    """SOURCES.md's tables: file → page type, wiki page (title) and revision."""
    found = {}
    for line in (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cols) not in (7, 10):
            continue
        if len(cols) == 10:  # origin project: file, bytes, sha, blob, commit, [page](url), type, revision, …
            file, page, kind, rev = cols[0], cols[5].rsplit("/wiki/", 1)[1].rstrip(")"), cols[6], cols[7]
        else:  # racing-museum: file, type, bytes, sha, `page`, revision, rendered
            file, page, kind, rev = f"{MUSEUM}/{cols[0].strip('`')}", cols[4], cols[1], cols[5]
        found[file.strip("`")] = {"kind": kind, "title": page.strip("`"), "revision": rev}
    return found


def files_of(kind: str) -> list[str]:
    return sorted(f for f, page in recorded().items() if KINDS[page["kind"]] == kind)


def title_of(name: str) -> str:
    return recorded()[name]["title"]


def tree(name: str):
    return lxml.html.fromstring(html_of(name))


def href_title(href: str) -> str:
    """What a plain `/wiki/…` href names, decoded here for the cross-checks (red links are checked one by one)."""
    return unquote(href.split("/wiki/", 1)[1]).split("#")[0]


def text(el) -> str:
    return " ".join(el.text_content().split())


@lru_cache(maxsize=None)
def results_by_xpath(name: str) -> list[dict]:
    """The FEATURE RESULTS table's rows as lxml reads them: each row's ten cells, and whether it follows the
    DID NOT QUALIFY line."""
    table = tree(name).xpath("//th[normalize-space()='FEATURE RESULTS']/following::table[1]")[0]
    rows, dnq = [], False
    for tr in table.xpath("./tbody/tr | ./tr")[1:]:
        cells = tr.xpath("./th | ./td")
        if len(cells) == 1:
            dnq = text(cells[0]) == "DID NOT QUALIFY"
            continue
        driver = cells[3].xpath(".//a/@href")
        rows.append({"fin": text(cells[0]), "st": text(cells[1]), "number": text(cells[2]),
                     "driver": href_title(driver[0]) if driver else None, "driver_text": text(cells[3]),
                     "sponsors": [a.get("href") for a in cells[4].xpath(".//a")], "sponsor_text": text(cells[4]),
                     "make": text(cells[5]), "laps": text(cells[6]), "led": text(cells[7]),
                     "status": text(cells[8]), "pts": text(cells[9]), "dnq": dnq})
    return rows


def listing_by_xpath(name: str) -> list[tuple]:
    rows = tree(name).xpath("//th[normalize-space()='RACE LISTINGS']/ancestor::table[1]/tbody/tr[td]")
    return [(int(text(r[0])), text(r[1]), href_title(r[0].xpath(".//a/@href")[0]),
             href_title(r[2].xpath(".//a/@href")[0]), text(r[2])) for r in rows]


@lru_cache(maxsize=None)
def race(name: str) -> pages.RacePage:
    return pages.parse_race(html_of(name), title_of(name))


@lru_cache(maxsize=None)
def season(name: str) -> pages.SeasonPage:
    return pages.parse_season(html_of(name), title_of(name))


def hub(name: str) -> pages.HubPage:
    return pages.parse_hub(html_of(name), title_of(name))


# -- the recordings themselves ------------------------------------------------------------------------------------


def test_sources_md_lists_the_117_recorded_pages_and_each_is_here():
    assert len(recorded()) == 117
    assert all((DATA_DIR / name).is_file() for name in recorded())
    assert (len(files_of("race")), len(files_of("season")), len(files_of("hub"))) == (96, 15, 3)


@pytest.mark.parametrize("name", sorted(recorded()))
def test_every_page_gives_the_revision_and_title_sources_md_records(name):
    html = html_of(name)
    assert pages.revision(html) == int(recorded()[name]["revision"])
    assert pages.page_name(html) == title_of(name).replace(" ", "_")


def test_a_page_without_the_wiki_configuration_has_no_revision_or_title():
    assert pages.revision("<html><body><p>RLCONF={}</p></body></html>") is None
    assert pages.page_name("<html><head><script>var x = 1;</script></head></html>") is None


@pytest.mark.parametrize("name", sorted(recorded()))
def test_every_page_is_read_only_as_the_kind_it_is(name):
    html, title = html_of(name), title_of(name)
    kind = KINDS[recorded()[name]["kind"]]
    for parser, parses in (("race", pages.parse_race), ("season", pages.parse_season), ("hub", pages.parse_hub)):
        if parser == kind:
            parses(html, title)
        else:
            with pytest.raises(PageNotRecognised, match=re.escape(title)):
                parses(html, title)


# -- links: identity is the title a link points to ----------------------------------------------------------------


@pytest.mark.parametrize("href, title", [
    ("/wiki/Jack_O%27Brien", "Jack_O'Brien"),
    ("/wiki/Curtis_Turner_(VA)", "Curtis_Turner_(VA)"),
    ("/wiki/B_%26_B_Racing_Engines", "B_&_B_Racing_Engines"),
    ("/wiki/2006_Governor%27s_Cup_50", "2006_Governor's_Cup_50"),
    ("/wiki/Jack_Smith_(Sandy_Springs,_GA)", "Jack_Smith_(Sandy_Springs,_GA)"),
    ("/wiki/The_Third_Turn:Projects#Project_Status", "The_Third_Turn:Projects"),
    ("/wiki/Some Page", "Some_Page"),
    ("/w/index.php?title=Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet_Central/Drivers"
     "&action=edit&redlink=1", "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet_Central/Drivers"),
    ("/w/index.php?title=Template:))&action=edit&amamp;redlink=1", "Template:))"),
    ("/wiki/Special:FormEdit/Sponsor/Auto_Tech_Centers", "Auto_Tech_Centers"),
    ("https://www.thethirdturn.com/wiki/Charlotte_Speedway", "Charlotte_Speedway"),
    ("https://www.nascar.com/news/monster-energy-nascar-cup-series/", None),
    ("http://www.twitter.com/NASCAR", None),
    ("#cite_note-1", None),
    ("mailto:someone@example.org", None),
    ("", None),
])
def test_a_link_names_the_page_it_points_to(href, title):
    assert pages.title_from_href(href) == title


@pytest.mark.parametrize("href, red", [
    ("/w/index.php?title=Template:((&action=edit&redlink=1", True),
    ("/wiki/Special:FormEdit/Sponsor/Six_Crew", True),
    ("/wiki/Mecklenburg_Motors", False),
    ("/w/index.php?title=Jim_Roper&action=history", False),
])
def test_red_links_are_told_from_pages_that_exist(href, red):
    assert pages.is_red_link(href) is red


def test_percent_encoded_hrefs_of_the_real_pages_decode_to_their_titles():
    page = race(RACE_1949_01)
    expected = [r for r in results_by_xpath(RACE_1949_01) if any("%" in h for h in r["sponsors"])]
    assert [r["sponsor_text"] for r in expected] == ["Lane's Motor Co."]
    assert [row.sponsor for row in page.rows if row.sponsor and "'" in row.sponsor.title] == [
        Link("Lane's_Motor_Co.", "Lane's Motor Co.")]


# -- the hub ------------------------------------------------------------------------------------------------------


def test_the_wisconsin_challenge_series_hub_lists_its_twelve_seasons():
    page = hub(WCS_HUB)
    years = list(range(2001, 2010)) + [2017, 2018, 2019]  # dormant 2010–2016 (SOURCES.md)
    assert page.name == "Wisconsin Challenge Series"
    assert page.title == "Wisconsin_Challenge_Series" and page.revision == 7092508
    assert [(s.year, s.title) for s in page.seasons] == [(y, f"{y}_Wisconsin_Challenge_Series_Central") for y in years]


def test_the_badger_mod_tour_hub_lists_two_seasons_under_its_sponsors_name():
    page = hub(BADGER_HUB)
    name = "Custom Windows Plus Badger Mod Tour presented by Gandrud Chevrolet"
    assert page.name == name
    assert [(s.year, s.title) for s in page.seasons] == [(y, f"{y}_{name.replace(' ', '_')}_Central")
                                                         for y in (2012, 2013)]


def test_the_nascar_cup_hub_lists_every_season_its_table_links():
    page = hub(CUP_HUB)
    rows = tree(CUP_HUB).xpath("//table[tbody/tr[1]/th[1][normalize-space()='Season']]/tbody/tr[td]")
    expected = [(int(text(r[0])), href_title(r[0].xpath(".//a/@href")[0])) for r in rows]
    assert page.name == "NASCAR Cup Series"  # the header, not the title (`NASCAR_Cup_Series_Central`)
    assert len(expected) > 70 and [(s.year, s.title) for s in page.seasons] == expected
    assert page.seasons[0] == pages.SeasonLink(1949, "1949_NASCAR_Strictly_Stock_Central")


def test_the_hub_s_red_links_and_leftover_template_text_are_not_seasons():
    html = html_of(BADGER_HUB)
    assert "redlink=1" in html and "{{{FormerlyKnown}}}" in html
    assert all("redlink" not in s.title and "{" not in s.title for s in hub(BADGER_HUB).seasons)


# -- a season -----------------------------------------------------------------------------------------------------


def test_the_1949_season_lists_eight_races_with_dates_tracks_and_race_pages():
    page = season(SEASON_1949)
    assert page.year == 1949 and page.revision == 8243291
    assert len(page.races) == 8 and [r.number for r in page.races] == list(range(1, 9))
    first = page.races[0]
    assert first.day == date(1949, 6, 19)
    assert first.race == Link("NASCAR_Strictly_Stock:1949-01", "1")
    assert first.track == Link("Charlotte_Speedway", "Charlotte, NC")
    assert page.races[-1].race.title == "1949_Wilkes_200"  # a race titled by its event, among coded ones


@pytest.mark.parametrize("name", files_of("season"))
def test_every_season_line_is_read_as_lxml_reads_it(name):
    page = season(name)
    expected = listing_by_xpath(name)
    assert [(r.number, f"{r.day.day} {r.day:%B %Y}", r.race.title, r.track.title, r.track.text)
            for r in page.races] == expected
    assert page.year == int(title_of(name)[:4]) and all(r.day.year == page.year for r in page.races)


def test_the_seasons_list_the_races_sources_md_counts():
    wcs = [season(f) for f in files_of("season") if "wisconsin_challenge" in f]
    badger = [season(f) for f in files_of("season") if "badger" in f]
    assert len(wcs) == 12 and sum(len(s.races) for s in wcs) == 81
    assert len(badger) == 2 and sum(len(s.races) for s in badger) == 14
    assert sum(len(season(f).races) for f in files_of("season")) == 81 + 14 + 8


def test_every_museum_race_a_season_lists_is_a_recorded_race_page():
    listed = {r.race.title for f in files_of("season") if f.startswith(MUSEUM) for r in season(f).races}
    recorded_races = {title_of(f) for f in files_of("race") if f.startswith(MUSEUM)}
    assert listed == recorded_races and len(listed) == 95


# -- a race -------------------------------------------------------------------------------------------------------


def test_the_first_strictly_stock_race_is_held_at_charlotte_with_33_rows():
    page = race(RACE_1949_01)
    assert (page.title, page.revision, page.day) == ("NASCAR_Strictly_Stock:1949-01", 8310677, date(1949, 6, 19))
    assert page.track == Link("Charlotte_Speedway", "Charlotte Speedway") and page.location == "Charlotte, NC"
    assert len(page.rows) == 33 and not any(r.dnq for r in page.rows)
    assert page.rows[0] == pages.RaceRow(
        fin="1", st="12", number="34", driver=Link("Jim_Roper", "Jim Roper"),
        sponsor=Link("Mecklenburg_Motors", "Mecklenburg Motors"), sponsor_text="Mecklenburg Motors",
        make="1949 Lincoln Cosmopolitan", laps="197", led="0", status="running", pts="250", driver_text="Jim Roper",
        sponsors=(Link("Mecklenburg_Motors", "Mecklenburg Motors"),))


@pytest.mark.parametrize("name", files_of("race"))
def test_every_results_row_is_read_as_lxml_reads_it(name):
    page = race(name)
    expected = results_by_xpath(name)
    got = [{"fin": r.fin, "st": r.st, "number": r.number, "driver": r.driver.title if r.driver else None,
            "driver_text": r.driver_text, "sponsors": [s.title for s in r.sponsors], "sponsor_text": r.sponsor_text,
            "make": r.make, "laps": r.laps, "led": r.led, "status": r.status, "pts": r.pts, "dnq": r.dnq}
           for r in page.rows]
    for row in expected:
        row["sponsors"] = [pages.title_from_href(h) for h in row["sponsors"]]
    assert got == expected and len(got) > 0


def test_every_race_is_held_on_the_day_and_in_the_place_its_season_lists():
    listed = {r.race.title: r for f in files_of("season") for r in season(f).races}
    for name in files_of("race"):
        page, line = race(name), listed[title_of(name)]
        assert (name, page.day, page.location) == (name, line.day, line.track.text)


def test_the_driver_is_the_linked_page_not_the_text():
    page = race(RACE_1949_01)
    by_title = {r.driver.title: r.driver.text for r in page.rows}
    assert by_title["Curtis_Turner_(VA)"] == "Curtis Turner"
    assert by_title["Jack_Smith_(Sandy_Springs,_GA)"] == "Jack Smith"
    assert "Curtis_Turner" not in by_title


def test_a_driver_linked_through_a_redirect_keeps_the_redirect_s_title_and_is_flagged():
    name = f"{MUSEUM}/races/2019_01_wcs-2019-01.html"
    redirects = [r.driver for r in race(name).rows if r.driver.redirect]
    assert redirects == [Link("Mike_Olson", "Mike Olson (WI)")]


def test_a_race_page_may_name_its_track_by_an_old_title_that_redirects():
    name = f"{MUSEUM}/races/2001_01_marvelous-marv-91.html"
    line = next(r for r in season(f"{MUSEUM}/seasons/2001_wisconsin_challenge_series.html").races
                if r.race.title == "2001_Marvelous_Marv_91")
    page = race(name)
    assert page.track.title == "Golden_Sands_Raceway" and page.track.redirect
    assert line.track == Link("Golden_Sands_Speedway", "Plover, WI") and not line.track.redirect


def test_car_numbers_are_text():
    numbers = {name: [r.number for r in race(name).rows][:25] for name in (
        f"{MUSEUM}/races/2001_01_marvelous-marv-91.html", WITH_DNQ, f"{MUSEUM}/races/2004_03_first-supply-100.html")}
    assert numbers[f"{MUSEUM}/races/2001_01_marvelous-marv-91.html"][0] == "08K"
    assert numbers[WITH_DNQ][20] == "08"
    assert numbers[f"{MUSEUM}/races/2004_03_first-supply-100.html"][4] == "00"
    assert "0" in [r.number for r in race(RACE_1949_01).rows]


def test_empty_cells_are_empty_text():
    page = race(TWO_SERIES_RACE)
    second = page.rows[1]
    assert (second.st, second.number, second.sponsor, second.sponsor_text, second.laps, second.status,
            second.pts) == ("", "", None, "", "", "", "")


def test_dq_is_written_two_ways():
    dunaway = race(RACE_1949_01).rows[-1]
    lemirande = next(r for r in race(f"{MUSEUM}/badger_modified_tour/races/Badger_Mod_Tour_2012-03.html").rows
                     if r.driver.title == "Tim_Lemirande")
    assert (dunaway.fin, dunaway.status) == ("33", "running/DQ")
    assert (lemirande.fin, lemirande.status) == ("DQ", "DQ")


def test_did_not_qualify_rows_inside_the_results_table_are_flagged():
    page = race(WITH_DNQ)
    expected = [r["driver"] for r in results_by_xpath(WITH_DNQ) if r["dnq"]]
    assert len(expected) > 5
    assert [r.driver.title for r in page.rows if r.dnq] == expected
    assert all(r.status == "DNQ" and not r.fin for r in page.rows if r.dnq)
    assert not any(r.dnq for r in page.rows[:len(page.rows) - len(expected)])


def test_leftover_template_text_is_on_the_page_but_in_no_field():
    html = html_of(RACE_1949_01)
    assert "[[Special:FormEdit/Driver/" in BeautifulSoup(html, "lxml").get_text()
    page = race(RACE_1949_01)
    fields = [str(v) for r in page.rows for v in vars(r).values()] + [page.location, str(page.track)]
    assert not any("[[" in f or "{" in f or "Template:" in f for f in fields)


def test_a_sponsor_cell_may_link_three_sponsors_and_the_first_is_the_sponsor():
    page = race(f"{MUSEUM}/races/2002_04_larry-detjens-memorial.html")
    multi = [r for r in page.rows if len(r.sponsors) > 1]
    assert len(multi) == 4
    lenz = next(r for r in multi if r.sponsors[0].title == "Lenz_Farms")
    assert [s.title for s in lenz.sponsors] == ["Lenz_Farms", "Helke-Rakow_Builders", "Sandy's_Bar"]
    assert lenz.sponsor == lenz.sponsors[0] and lenz.sponsor_text == "Lenz Farms, Helke-Rakow Builders, Sandy's Bar"


def test_a_sponsor_without_a_page_links_its_form_and_names_the_page_it_would_be():
    page = race(f"{MUSEUM}/races/2003_09_geneva-challenge-100.html")
    red = [r.sponsor for r in page.rows if r.sponsor is not None and r.sponsor.red]
    assert red == [Link("Auto_Tech_Centers", "Auto Tech Centers")]


def test_a_race_counted_by_two_series_names_both_and_parses_once():
    html = html_of(TWO_SERIES_RACE)
    headers = [text(c) for c in tree(TWO_SERIES_RACE).xpath("//center[contains(., 'Race #')]")]
    assert len(headers) == 2 and "Modified Nationals" in headers[0] and "Badger Mod Tour" in headers[1]
    page = pages.parse_race(html, "Modified_Nationals:2012-05")
    assert page.day == date(2012, 6, 17) and page.track.title == "Wilmot_Raceway"
    assert len(page.rows) == len(results_by_xpath(TWO_SERIES_RACE)) > 20
    badger_2012 = season(f"{MUSEUM}/badger_modified_tour/season_2012.html")
    assert (badger_2012.races[0].number, badger_2012.races[0].race.title) == (1, "Modified_Nationals:2012-05")


# -- pages not recognised -----------------------------------------------------------------------------------------


def mutated(name: str, change) -> str:
    soup = BeautifulSoup(html_of(name), "lxml")
    change(soup)
    return str(soup)


def results_table(soup):
    return soup.find("th", string=lambda s: s and s.strip() == "FEATURE RESULTS").find_next("table")


def test_a_race_page_without_its_results_table_is_not_recognised():
    html = mutated(RACE_1949_01, lambda soup: results_table(soup).decompose())
    with pytest.raises(PageNotRecognised, match="results table has no Fin, St, #, Driver, Sponsor"):
        pages.parse_race(html, "NASCAR_Strictly_Stock:1949-01")
    html = mutated(RACE_1949_01, lambda soup: soup.find_all(class_="racetable")[0].decompose())
    with pytest.raises(PageNotRecognised, match="no FEATURE RESULTS table"):
        pages.parse_race(html, "NASCAR_Strictly_Stock:1949-01")


def test_a_results_table_without_a_status_column_is_not_recognised():
    def drop_status(soup):
        results_table(soup).find("th", string=lambda s: s and s.strip() == "Status").string = "Result"
    with pytest.raises(PageNotRecognised, match="has no Status column"):
        pages.parse_race(mutated(RACE_1949_01, drop_status), "NASCAR_Strictly_Stock:1949-01")


def test_a_results_table_with_an_unknown_part_is_not_recognised():
    def add_part(soup):
        row = copy.copy(results_table(soup).find_all("tr")[5])
        row.clear()
        cell = soup.new_tag("th", colspan="10")
        cell.string = "DID NOT START"
        row.append(cell)
        results_table(soup).find_all("tr")[5].insert_before(row)
    with pytest.raises(PageNotRecognised, match="unknown part 'DID NOT START'"):
        pages.parse_race(mutated(RACE_1949_01, add_part), "NASCAR_Strictly_Stock:1949-01")


def test_a_results_row_of_another_width_is_not_recognised():
    html = mutated(RACE_1949_01, lambda soup: results_table(soup).find_all("tr")[3].find_all("td")[-1].decompose())
    with pytest.raises(PageNotRecognised, match="a results row has 9 cells, the header 10"):
        pages.parse_race(html, "NASCAR_Strictly_Stock:1949-01")


def test_a_page_of_one_kind_read_as_another_says_what_it_looks_like():
    with pytest.raises(PageNotRecognised, match="no FEATURE RESULTS table .*looks like a series hub"):
        pages.parse_race(html_of(WCS_HUB), "Wisconsin_Challenge_Series")
    with pytest.raises(PageNotRecognised, match="no RACE LISTINGS table .*looks like a race page"):
        pages.parse_season(html_of(RACE_1949_01), "NASCAR_Strictly_Stock:1949-01")
    with pytest.raises(PageNotRecognised, match="no series header .*looks like a season page"):
        pages.parse_hub(html_of(SEASON_1949), "1949_NASCAR_Strictly_Stock_Central")


def test_a_season_line_without_a_date_is_not_recognised():
    def blank_date(soup):
        heading = soup.find("th", string=lambda s: s and s.strip() == "RACE LISTINGS")
        if heading is None:
            heading = soup.find(string=lambda s: s.strip() == "RACE LISTINGS").find_parent("th")
        heading.find_parent("table").find_all("tr")[4].find_all("td")[1].string = "sometime in 1949"
    with pytest.raises(PageNotRecognised, match="race 3 has no date like '19 June 1949'"):
        pages.parse_season(mutated(SEASON_1949, blank_date), "1949_NASCAR_Strictly_Stock_Central")


def test_a_page_without_wiki_content_is_not_recognised():
    with pytest.raises(PageNotRecognised, match="no wiki content"):
        pages.parse_race("<html><body><p>Service unavailable</p></body></html>", "NASCAR_Strictly_Stock:1949-01")


def test_a_row_under_did_not_qualify_is_flagged_whatever_its_status_says():
    def blank_dnq_statuses(soup):
        for cell in results_table(soup).find_all("td", string="DNQ"):
            cell.string = ""
    page = pages.parse_race(mutated(WITH_DNQ, blank_dnq_statuses), title_of(WITH_DNQ))
    assert [r.driver.title for r in page.rows if r.dnq] == [r["driver"] for r in results_by_xpath(WITH_DNQ)
                                                            if r["dnq"]]
    assert not any(r.status for r in page.rows if r.dnq)


def test_a_season_whose_page_does_not_exist_yet_is_not_listed():
    def redden_2019(soup):
        anchor = soup.find("a", href="/wiki/2019_Wisconsin_Challenge_Series_Central")
        anchor["href"] = "/w/index.php?title=2019_Wisconsin_Challenge_Series_Central&action=edit&redlink=1"
    page = pages.parse_hub(mutated(WCS_HUB, redden_2019), "Wisconsin_Challenge_Series")
    assert [s.year for s in page.seasons][-2:] == [2017, 2018]
