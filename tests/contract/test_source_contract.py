"""What each source declares for the generic code, without a database: its role and what it serves, how a scope
is named (The Third Turn's series: a title or a URL of the wiki, refused with the reason before anything is
sent), the scopes it follows, its health check (ok, failed with the reason, or not configured), what `verify`
compares, its natural keys, and its licence and attribution as the docs state them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workers import sources
from workers.errors import BadArgument
from workers.sources.base import FAILED, NOT_CONFIGURED, OK, Listed
from workers.sources.thirdturn.titles import normalise_series, normalise_title

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("OPENF1_REPLAY_DIR", REPO / "recordings" / "openf1"))
OPENF1, JOLPICA, THIRDTURN = (sources.get(name) for name in ("openf1", "jolpica", "thirdturn"))
WCS = "Wisconsin_Challenge_Series"


# -- roles ----------------------------------------------------------------------------------------------------

def test_each_source_declares_its_role_and_what_it_serves():
    assert [(s.name, s.role, s.serves) for s in sources.all_sources()] == [
        ("openf1", "seasons", "formula-1"), ("jolpica", "seasons", "formula-1"), ("thirdturn", "scopes", "series")]
    assert sources.championships() == ["formula-1"] and sources.season_source_names() == ["openf1", "jolpica"]
    assert sources.scope_source_names() == ["thirdturn"] and sources.scope_source_name() == "thirdturn"
    assert sources.SERIES_SOURCE == "thirdturn" and sources.SEASON_SOURCES == ("openf1", "jolpica")  # as before


def test_a_season_comes_from_the_source_of_its_championship_that_starts_latest_before_it():
    assert [sources.name_for_season(y) for y in (1950, 2022, 2023, 2026)] == ["jolpica", "jolpica", "openf1", "openf1"]
    with pytest.raises(BadArgument, match="no source has seasons of 'motogp'"):
        sources.for_season(2024, "motogp")


def test_a_source_of_seasons_has_no_scope_and_a_source_of_scopes_is_named_by_registry():
    with pytest.raises(BadArgument, match="OpenF1 has no scopes"):
        OPENF1.normalise_scope(WCS)
    with pytest.raises(BadArgument, match="source must name a source of scopes"):
        sources.scope_source("openf1")
    assert sources.scope_source("thirdturn").scoped("wisconsin Challenge Series").scope == WCS


# -- The Third Turn's series, from a title or a URL --------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "Wisconsin_Challenge_Series", "wisconsin Challenge  Series", f"https://www.thethirdturn.com/wiki/{WCS}",
    f"http://thethirdturn.com/wiki/{WCS}", f"https://www.thethirdturn.com/wiki/{WCS}#2007",
    f"https://www.thethirdturn.com/w/index.php?title={WCS}&action=history",
    "https://www.thethirdturn.com/w/index.php?title=Wisconsin+Challenge+Series",
    "https://www.thethirdturn.com/wiki/Wisconsin%20Challenge_Series",
])
def test_a_series_is_its_hub_title_typed_or_read_from_a_url_of_the_wiki(typed):
    assert normalise_title(typed) == sources.normalise_scope(typed) == WCS


def test_a_url_is_percent_decoded_and_a_title_with_a_colon_that_is_no_namespace_is_an_article():
    assert normalise_title("https://www.thethirdturn.com/wiki/Lane%27s_Motor_Co.") == "Lane's_Motor_Co."
    assert normalise_title("WCS:2007-03") == "WCS:2007-03"  # a race page of the wiki, an article
    assert normalise_title("https://www.thethirdturn.com/wiki/Modified_Nationals:2012-05") \
        == "Modified_Nationals:2012-05"


def test_a_url_of_the_configured_wiki_replay_is_read_as_the_wiki_s():
    class Replay:
        BASE_URL = "http://127.0.0.1:8767"

    assert normalise_series(f"http://127.0.0.1:8767/wiki/{WCS}", Replay()) == WCS
    with pytest.raises(BadArgument, match="its host is 127.0.0.1, not www.thethirdturn.com"):
        normalise_series(f"http://127.0.0.1:8767/wiki/{WCS}")


@pytest.mark.parametrize("typed, reason", [
    (f"https://en.wikipedia.org/wiki/{WCS}", "not a page of The Third Turn: its host is en.wikipedia.org"),
    (f"ftp://www.thethirdturn.com/wiki/{WCS}", "not a page of The Third Turn"),
    ("https://www.thethirdturn.com/", "names no page of The Third Turn"),
    ("https://www.thethirdturn.com/w/api.php?action=query", "names no page of The Third Turn"),
    ("https://www.thethirdturn.com/wiki/A%7CB", "not a wiki page title: it holds |"),
    ("Special:Random", "a page of the wiki's Special namespace, not an article"),
    ("https://www.thethirdturn.com/wiki/Special:RecentChanges", "Special namespace"),
    ("Talk:Wisconsin_Challenge_Series", "Talk namespace"),
    ("user:Someone", "user namespace"),
    ("User_talk:Someone", "User talk namespace"),
    ("File:Logo.png", "File namespace"),
    ("Image:Logo.png", "Image namespace"),
    ("MediaWiki:Common.css", "MediaWiki namespace"),
    ("Template:Series", "Template namespace"),
    ("Template talk:Series", "Template talk namespace"),
    ("Help:Contents", "Help namespace"),
    ("Category:Series", "Category namespace"),
    ("The_Third_Turn:About", "The Third Turn namespace"),
    ("The Third Turn talk:About", "The Third Turn talk namespace"),
    ("Project:About", "Project namespace"),
    ("", "a series is named by its hub page's title"),
    ("A|B", "not a wiki page title"),
])
def test_a_series_that_names_no_article_of_the_wiki_is_refused_with_the_reason(typed, reason):
    with pytest.raises(BadArgument, match=reason.replace("|", r"\|")):
        sources.normalise_scope(typed)


def test_the_followed_series_are_read_from_the_source_s_setting(monkeypatch):
    for settings in (THIRDTURN.settings, sources._settings("thirdturn")):
        monkeypatch.setattr(settings, "FOLLOWED_SERIES", f" {WCS.replace('_', ' ')}, https://www.thethirdturn.com/"
                                                        f"wiki/NASCAR_Cup_Series_Central ,{WCS}")
    assert sources.followed_scopes() == {"thirdturn": [WCS, "NASCAR_Cup_Series_Central"]}
    assert THIRDTURN.followed_scopes() == [WCS, "NASCAR_Cup_Series_Central"] and OPENF1.followed_scopes() == []
    assert sources.env_name("thirdturn", sources.about("thirdturn").followed_setting) == "THIRDTURN_FOLLOWED_SERIES"


# -- health ---------------------------------------------------------------------------------------------------

def wiki_settings(monkeypatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setattr(THIRDTURN.settings, name, value)


def test_the_wiki_without_a_contact_nor_a_followed_series_is_not_configured_and_asks_nothing(monkeypatch):
    wiki_settings(monkeypatch, BASE_URL="https://www.thethirdturn.com", CONTACT="", FOLLOWED_SERIES="")
    health = THIRDTURN.health(None, 1.0)
    assert (health.state, health.ok) == (NOT_CONFIGURED, None) and "THIRDTURN_CONTACT" in health.detail


def test_the_wiki_followed_without_a_contact_fails_with_the_reason(monkeypatch):
    wiki_settings(monkeypatch, BASE_URL="https://www.thethirdturn.com", CONTACT="", FOLLOWED_SERIES=WCS)
    health = THIRDTURN.health(None, 1.0)
    assert (health.state, health.ok) == (FAILED, False) and "THIRDTURN_CONTACT is not set" in health.detail


def test_a_source_that_cannot_be_reached_fails_its_health_check_with_the_reason(monkeypatch):
    monkeypatch.setattr(OPENF1.settings, "BASE_URL", "http://127.0.0.1:9/v1")
    health = OPENF1.health(None, 1.0)
    assert (health.state, health.ok) == (FAILED, False) and "OpenF1 meetings unreachable" in health.detail
    monkeypatch.setattr(JOLPICA.settings, "BASE_URL", "http://127.0.0.1:9/ergast/f1")
    assert JOLPICA.health(None, 1.0).state == FAILED


@pytest.mark.integration
def test_the_three_sources_answer_their_health_checks_through_their_replays(replay_log, history_replay, wiki_replay,
                                                                            monkeypatch):
    for source, base in ((OPENF1, replay_log.base_url), (JOLPICA, history_replay.base_url),
                         (THIRDTURN, wiki_replay.base_url)):
        monkeypatch.setattr(source.settings, "BASE_URL", base)
    history_replay.reset()
    wiki_replay.reset()
    found = {s.name: s.health(None, 3.0) for s in sources.all_sources()}
    assert {name: h.state for name, h in found.items()} == {"openf1": OK, "jolpica": OK, "thirdturn": OK}, found
    assert "meetings" in found["openf1"].detail and "races" in found["jolpica"].detail
    assert replay_log.stats()["requests"] == 1 and history_replay.stats()["requests"] == 1
    assert [e["path"] for e in wiki_replay.stats()["log"]] == ["/robots.txt"]  # no page: robots.txt alone


# -- verify, natural keys ---------------------------------------------------------------------------------------

class Fresh:
    """Answers as verify fetches them: the recorded `meetings?year=` and `sessions?year=` of a season."""

    season = None

    def __init__(self, year: int) -> None:
        self.found = {e: json.loads((DATA_DIR / str(year) / f"{e}.json").read_text()) for e in ("meetings", "sessions")}

    def records(self, endpoint: str, round_key: str | None = None) -> list:
        return self.found.get(endpoint, [])


def test_verify_compares_openf1_s_meetings_and_sessions_and_history_s_races():
    assert [r.key for r in OPENF1.verify_requests(2024, Fresh(2024))] == ["meetings?year=2024", "sessions?year=2024"]
    meetings, sessions = OPENF1.listed(2024, Fresh(2024))
    assert (meetings.name, meetings.kind, sessions.name, sessions.kind) == ("meetings", "round", "sessions", "session")
    assert "1229" in meetings.keys and len(sessions.keys) == len(Fresh(2024).found["sessions"])
    assert all(key.isdigit() for key in sessions.keys)
    assert JOLPICA.rounds_called == "races" and [r.key for r in JOLPICA.verify_requests(1988, Fresh(2024))] == [
        "1988.json?limit=100&offset=0"]


def test_a_series_is_verified_against_the_rounds_held_under_its_hub():
    scoped = THIRDTURN.scoped(WCS)
    assert scoped.held_prefix() == f"{WCS}|" and scoped.rounds_called == "races"
    assert [r.key for r in scoped.catalog_requests()] == [f"wiki/{WCS}"]
    assert Listed("races", "round", frozenset(), f"{WCS}|").held_prefix == f"{WCS}|"


def test_only_openf1_writes_its_own_key_columns_the_others_are_found_by_identity():
    keys = {s.name: s.natural_keys for s in sources.all_sources()}
    assert (keys["openf1"].round.column, keys["openf1"].session.column) == ("OpenF1MeetingKey", "OpenF1SessionKey")
    assert keys["jolpica"].round is keys["jolpica"].session is keys["thirdturn"].session is None


# -- licence and attribution --------------------------------------------------------------------------------------

def test_every_source_is_credited_as_its_docs_page_says_under_a_licence_that_forbids_commercial_use():
    pages = {"openf1": "openf1.md", "jolpica": "jolpica.md", "thirdturn": "thethirdturn.md"}
    for name, attribution in sources.attributions().items():
        page = " ".join((REPO / "docs" / "sources" / pages[name]).read_text(encoding="utf-8").split())
        assert f"*\"{attribution.credit}\"*" in page, name
        assert attribution.licence.url in page and attribution.licence.name in page
        assert attribution.licence.commercial_use is False and attribution.licence.share_alike is True
    assert sources.attributions()["thirdturn"].credit in " ".join((REPO / "README.md").read_text().split())


def test_only_openf1_records_a_season_in_its_replay_s_layout():
    assert [s.name for s in sources.all_sources() if s.records_seasons] == ["openf1"]
    with pytest.raises(BadArgument, match="Jolpica seasons are not recorded"):
        JOLPICA.record_season(Path("."), 1988, None, lambda target: None, None)


@pytest.mark.integration
def test_openf1_records_a_season_file_for_file_as_the_replay_was_given_it(replay_log, data_dir, tmp_path, monkeypatch):
    """2024 with results, recorded from the replay (which serves the recorded files): the same files, records."""
    from datetime import datetime, timezone

    monkeypatch.setattr(OPENF1.settings, "BASE_URL", replay_log.base_url)
    lines: list[str] = []
    recorded = OPENF1.record_season(tmp_path, 2024, None, OPENF1.client(None).fetch, datetime.now(timezone.utc),
                                    lines.append)
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved == sorted(p.name for p in (data_dir / "2024").glob("*.json"))
    assert all(json.loads((tmp_path / n).read_text()) == json.loads((data_dir / "2024" / n).read_text()) for n in saved)
    assert (recorded.rounds, recorded.files, recorded.include_results) == (25, len(saved), True)  # the season ended
    assert len(lines) == 25 and all("files" in line for line in lines)  # counts only, never a result


# -- the tasks' arguments ------------------------------------------------------------------------------------------

def test_sync_series_takes_an_optional_source_records_it_and_the_resume_sweep_sends_it_again():
    from tasks.sync import season_selection, series_selection
    from workers.pipeline import kinds

    selection = series_selection(f"https://www.thethirdturn.com/wiki/{WCS}", 2007, None)
    assert (selection.source.name, selection.source.scope, selection.years) == ("thirdturn", WCS, (2007,))
    assert selection.arguments == {"series": WCS, "season": 2007, "include_results": None, "source": "thirdturn"}
    assert series_selection(WCS, "latest", True, source="thirdturn").arguments["source"] == "thirdturn"
    for source, reason in (("openf1", "must name a source of scopes"), ("nosuch", "source must be one of")):
        with pytest.raises(BadArgument, match=reason):
            series_selection(WCS, None, None, source=source)
    assert kinds.of("series").task_kwargs({**selection.arguments, "scheduled": True}) == {
        "title": WCS, "season": 2007, "include_results": None, "source": "thirdturn"}
    season = season_selection("season", 2024, None)  # a Formula 1 season, as operators have always sent it
    assert (season.source.name, season.arguments) == ("openf1", {"year": 2024, "include_results": None})
    with pytest.raises(BadArgument, match="championship must be one of formula-1"):
        season_selection("season", 2024, None, championship="motogp")
