"""The Third Turn replay against the 117 recorded wiki pages (recordings/thethirdturn, see its SOURCES.md).

Real HTTP over loopback with `requests`; no database, no Celery. Each page is checked against its file's bytes
and its title is read back from the file's own `<title>` ("… - The Third Turn"), apart from the replay's index.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from urllib.parse import quote
from urllib.robotparser import RobotFileParser

import pytest
import requests

from replay_kit.faults import FaultPlan
from replay_kit.ratelimit import FixedWindowLimiter, RateRule, SlidingWindowLimiter, parse_rate_limit
from thirdturn_replay import ThirdTurnReplayServer, TitleRules, default_robots, load_pages
from thirdturn_replay.cli import main as cli_main
from thirdturn_replay.cli import parse_redirects

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("THIRDTURN_REPLAY_DIR") or REPO / "recordings" / "thethirdturn").resolve()
AGENT = "ParcFerme/1.0 (+https://github.com/TheAnarchoX/ParcFerme; tests)"
ALONSO = "Fernando_Alonso"
RACE = "NASCAR_Strictly_Stock:1949-01"
AMPERSAND = "2004_Rainbow_Bingo_&_Casino_Championship_80"
APOSTROPHE = "2006_Governor's_Cup_50"
SLASH = "2006_Budweiser/WAPL_Spring_Classic"
UNRECORDED = "NASCAR_Strictly_Stock:1949-03"

pytestmark = pytest.mark.recordings(DATA_DIR, "recorded wiki pages", "THIRDTURN_REPLAY_DIR")  # missing, all fail


# ---------------------------------------------------------------- helpers


@cache
def recorded_files() -> dict[str, Path]:
    """Every recorded page by its title as its own <title> gives it (spaces → underscores)."""
    files = {}
    for path in sorted(DATA_DIR.rglob("*.html")):
        head = path.read_bytes()[:4000].decode("utf-8")
        (title,) = re.findall(r"<title>(.*?) - The Third Turn</title>", head)
        files[title.replace("&amp;", "&").replace("&#039;", "'").replace(" ", "_")] = path
    return files


@pytest.fixture(scope="module")
def pages():
    return load_pages(DATA_DIR)


@pytest.fixture
def wiki(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit=None) as server:
        yield server


def get(server: ThirdTurnReplayServer, path: str, **kwargs) -> requests.Response:
    kwargs.setdefault("allow_redirects", False)
    headers = {"User-Agent": AGENT, **kwargs.pop("headers", {})}
    return requests.get(server.base_url + path, headers=headers, timeout=10, **kwargs)


def body_of(title: str) -> bytes:
    return recorded_files()[title].read_bytes()


# ---------------------------------------------------------------- pages


def test_every_recorded_page_is_served_byte_identical_at_its_title(wiki):
    files = recorded_files()
    assert len(files) == 117 and set(files) == set(wiki.pages)
    with requests.Session() as session:
        for title, path in files.items():
            answer = session.get(f"{wiki.base_url}/wiki/{quote(title, safe='')}", allow_redirects=False, timeout=10)
            assert answer.status_code == 200, title
            assert answer.headers["Content-Type"] == "text/html; charset=UTF-8"
            assert answer.content == path.read_bytes(), title
    assert wiki.stats()["by_status"] == {"200": 117}


@pytest.mark.parametrize("path, title", [
    ("/wiki/2004_Rainbow_Bingo_%26_Casino_Championship_80", AMPERSAND),  # as the wiki's own links write it
    ("/wiki/2006_Governor%27s_Cup_50", APOSTROPHE),
    ("/wiki/2006_Governor's_Cup_50", APOSTROPHE),
    ("/wiki/2006_Budweiser/WAPL_Spring_Classic", SLASH),
    ("/wiki/2006_Budweiser%2FWAPL_Spring_Classic", SLASH),
    ("/wiki/NASCAR_Strictly_Stock%3A1949-01", RACE),
    ("/wiki/Series_Database:Index", "Series_Database:Index"),
])
def test_a_title_with_special_characters_is_found_encoded_or_not(wiki, path, title):
    answer = get(wiki, path)
    assert answer.status_code == 200 and answer.content == body_of(title)


def test_page_url_encodes_a_title_as_the_wikis_links_do(wiki):
    assert wiki.page_url(AMPERSAND).endswith("/wiki/2004_Rainbow_Bingo_%26_Casino_Championship_80")
    assert wiki.page_url(APOSTROPHE).endswith("/wiki/2006_Governor%27s_Cup_50")
    assert requests.get(wiki.page_url(SLASH), timeout=10).content == body_of(SLASH)


@pytest.mark.parametrize("path, canonical", [
    ("/wiki/Fernando Alonso", "/wiki/Fernando_Alonso"),
    ("/wiki/Fernando%20Alonso", "/wiki/Fernando_Alonso"),
    ("/wiki/fernando_Alonso", "/wiki/Fernando_Alonso"),
    ("/wiki/_Fernando__Alonso_", "/wiki/Fernando_Alonso"),
    ("/wiki/2006 Governor's Cup 50", "/wiki/2006_Governor%27s_Cup_50"),
    ("/wiki/series_database:index", "/wiki/Series_Database:Index"),
    ("/w/index.php?title=fernando+Alonso", "/wiki/Fernando_Alonso"),
])
def test_a_title_in_another_form_answers_301_to_the_canonical_url(wiki, path, canonical):
    answer = get(wiki, path)
    assert answer.status_code == 301
    assert answer.headers["Location"] == wiki.base_url + canonical
    followed = get(wiki, path, allow_redirects=True)
    assert followed.status_code == 200 and followed.url == wiki.base_url + canonical


def test_the_case_after_the_first_letter_is_part_of_the_title(wiki):
    assert get(wiki, "/wiki/Fernando_alonso").status_code == 404


def test_an_unrecorded_title_is_mediawikis_404_page(wiki):
    answer = get(wiki, f"/wiki/{UNRECORDED}")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "There is currently no text in this page" in answer.text
    assert '"wgPageName": "NASCAR_Strictly_Stock:1949-03"' in answer.text and '"wgArticleId": 0' in answer.text


def test_a_bad_title_is_400_and_a_path_outside_the_wiki_is_404(wiki):
    assert get(wiki, "/wiki/A%5BB%5D").status_code == 400
    assert get(wiki, "/favicon.ico").status_code == 404
    assert get(wiki, "/").headers["Location"] == f"{wiki.base_url}/wiki/Main_Page"


def test_index_php_serves_the_same_page_as_the_short_url(wiki):
    answer = get(wiki, "/w/index.php", params={"title": AMPERSAND})
    assert answer.status_code == 200 and answer.content == body_of(AMPERSAND)
    assert get(wiki, "/w/index.php", params={"title": UNRECORDED}).status_code == 404


def test_a_head_request_has_the_headers_and_no_body(wiki):
    answer = requests.head(f"{wiki.base_url}/wiki/{ALONSO}", timeout=10)
    assert answer.status_code == 200 and answer.content == b""
    assert int(answer.headers["Content-Length"]) == len(body_of(ALONSO))


@pytest.mark.parametrize("text, canonical", [
    ("fernando alonso", "Fernando_alonso"),
    ("Curtis Turner (VA)", "Curtis_Turner_(VA)"),
    ("special:random", "Special:Random"),
    ("project:about", "The_Third_Turn:About"),
    ("badger_Mod_Tour:2012-03", "Badger_Mod_Tour:2012-03"),  # not a namespace: the whole title's first letter
    ("series_database:index", "Series_Database:Index"),  # a namespace of a recorded page
    ("a|b", None),
    ("___", None),
])
def test_title_rules_are_mediawikis(text, canonical):
    assert TitleRules(("Series_Database",)).canonical(text) == canonical


# ---------------------------------------------------------------- redirects


def test_a_redirect_page_answers_301_to_its_target(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit=None, redirects={"Charlotte Speedway": RACE}) as wiki:
        answer = get(wiki, "/wiki/Charlotte_Speedway")
        assert answer.status_code == 301
        assert answer.headers["Location"] == f"{wiki.base_url}/wiki/{RACE}"
        followed = get(wiki, "/wiki/charlotte Speedway", allow_redirects=True)  # normalised, then redirected
        assert [r.status_code for r in followed.history] == [301, 301] and followed.content == body_of(RACE)
        assert get(wiki, f"/wiki/{RACE}").status_code == 200  # the target is no redirect


def test_a_redirect_page_can_serve_its_target_in_place_as_mediawiki_does(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit=None, redirects={"Old_Name": ALONSO},
                               redirect_status=200) as wiki:
        answer = get(wiki, "/wiki/Old_Name")
        assert answer.status_code == 200 and answer.content == body_of(ALONSO)
        assert '"wgPageName":"Fernando_Alonso"' in answer.text  # the page says its own title


def test_redirects_from_the_command_line_are_old_new_pairs():
    assert parse_redirects(["Charlotte Speedway=Charlotte_Motor_Speedway"]) == {
        "Charlotte Speedway": "Charlotte_Motor_Speedway"}
    with pytest.raises(ValueError):
        parse_redirects(["no-equals-sign"])


# ---------------------------------------------------------------- robots.txt


def test_robots_txt_lets_a_crawler_read_articles_and_not_the_script_path(wiki):
    answer = get(wiki, "/robots.txt")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    robots = RobotFileParser(f"{wiki.base_url}/robots.txt")
    robots.read()
    assert robots.can_fetch(AGENT, f"{wiki.base_url}/wiki/{ALONSO}")
    assert robots.can_fetch(AGENT, wiki.page_url(APOSTROPHE))
    assert not robots.can_fetch(AGENT, f"{wiki.base_url}/w/index.php?title={ALONSO}")
    assert not robots.can_fetch(AGENT, f"{wiki.base_url}/wiki/Special:Random")
    assert robots.crawl_delay(AGENT) == 5


@pytest.mark.parametrize("time_scale, delay", [(1, 5), (2.5, 2), (50, None)])
def test_the_crawl_delay_is_scaled_like_the_limit(time_scale, delay):
    robots = RobotFileParser()
    robots.parse(default_robots(time_scale).splitlines())
    assert robots.crawl_delay(AGENT) == delay
    assert robots.can_fetch(AGENT, f"/wiki/{ALONSO}") and not robots.can_fetch(AGENT, "/w/index.php")


def test_robots_txt_can_be_replaced(pages):
    robots = "User-agent: *\nDisallow: /wiki/Fernando\n"
    with ThirdTurnReplayServer(pages=pages, rate_limit=None, robots=robots) as wiki:
        assert get(wiki, "/robots.txt").text == "User-agent: *\nDisallow: /wiki/Fernando\n"
        get(wiki, f"/wiki/{ALONSO}")
        get(wiki, f"/w/index.php?title={RACE}")  # allowed by this robots.txt
        assert wiki.stats()["disallowed_paths"] == [f"/wiki/{ALONSO}"]


def test_requests_robots_txt_disallows_are_answered_and_counted(wiki):
    for path in ("/robots.txt", f"/wiki/{ALONSO}", wiki.page_url(APOSTROPHE)[len(wiki.base_url):]):
        assert get(wiki, path).status_code == 200
    assert wiki.stats()["disallowed"] == 0  # a polite client so far
    assert get(wiki, f"/w/index.php?title={ALONSO}").status_code == 200
    assert get(wiki, "/wiki/Special:RecentChanges").status_code == 404
    stats = wiki.stats()
    assert stats["disallowed"] == 2
    assert stats["disallowed_paths"] == [f"/w/index.php?title={ALONSO}", "/wiki/Special:RecentChanges"]


# ---------------------------------------------------------------- rate limit


def test_the_default_limit_is_one_request_per_five_seconds_with_retry_after(pages):
    with ThirdTurnReplayServer(pages=pages) as wiki:
        assert wiki.rate_limit == [RateRule(1, 5.0)]
        assert get(wiki, "/robots.txt").status_code == 200  # robots.txt counts too
        refused = get(wiki, f"/wiki/{ALONSO}")
        assert refused.status_code == 429 and refused.headers["Content-Type"] == "text/html; charset=UTF-8"
        assert refused.headers["Retry-After"] == "5"
        assert "Too Many Requests" in refused.text


def test_the_limit_is_scaled_and_allows_again_after_the_scaled_period(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit="1/5second", time_scale=25) as wiki:  # window 0.2 s
        assert get(wiki, f"/wiki/{ALONSO}").status_code == 200
        refused = get(wiki, f"/wiki/{RACE}")
        assert refused.status_code == 429
        wait = float(refused.headers["Retry-After"])
        assert 0 < wait <= 0.2
        time.sleep(wait + 0.01)  # waiting out Retry-After is the behaviour under test
        assert get(wiki, f"/wiki/{RACE}").content == body_of(RACE)
        stats = wiki.stats()
        assert (stats["requests"], stats["rejected"], stats["throttled"]) == (2, 1, 1)
        assert stats["by_status"] == {"200": 2, "429": 1}


def test_no_limit_when_disabled(wiki):
    assert all(get(wiki, f"/wiki/{ALONSO}").status_code == 200 for _ in range(10))


def test_limiters_say_how_long_until_they_have_room():
    fixed = FixedWindowLimiter([RateRule(1, 5.0)])
    assert fixed.retry_after(100.0) == 0.0 and fixed.try_acquire(100.0) and not fixed.try_acquire(101.0)
    assert fixed.retry_after(101.0) == pytest.approx(4.0)
    sliding = SlidingWindowLimiter([RateRule(2, 10.0)])
    assert sliding.try_acquire(0.0) and sliding.try_acquire(3.0) and not sliding.try_acquire(4.0)
    assert sliding.retry_after(4.0) == pytest.approx(6.0)
    assert parse_rate_limit("1/5second") == [RateRule(1, 5.0)]
    assert parse_rate_limit("2/3minutes") == [RateRule(2, 180.0)]


# ---------------------------------------------------------------- latency and faults


def test_a_page_takes_the_scaled_latency_and_robots_txt_does_not(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit=None, latency=4.0, time_scale=10) as wiki:
        started = time.perf_counter()
        get(wiki, "/robots.txt")
        assert time.perf_counter() - started < 0.3
        started = time.perf_counter()
        assert get(wiki, f"/wiki/{ALONSO}").status_code == 200
        assert time.perf_counter() - started >= 0.4


def faulty(pages, kind: str, **plan) -> ThirdTurnReplayServer:
    """Every view of Fernando_Alonso gets the fault; other pages are answered."""
    faults = FaultPlan(rate=1.0, kinds=(kind,), endpoints=(ALONSO,), **plan)
    return ThirdTurnReplayServer(pages=pages, rate_limit=None, faults=faults)


@pytest.mark.parametrize("kind", ["500", "502", "503", "504"])
def test_an_injected_server_error_is_an_html_page(pages, kind):
    with faulty(pages, kind) as wiki:
        answer = get(wiki, f"/wiki/{ALONSO}")
        assert answer.status_code == int(kind) and answer.text.startswith("<html>")
        assert get(wiki, f"/wiki/{RACE}").status_code == 200
        assert wiki.stats()["faults"] == {kind: 1} and wiki.stats()["by_status"][kind] == 1


def test_an_injected_truncation_is_half_the_page(pages):
    with faulty(pages, "truncated") as wiki:
        answer = get(wiki, f"/wiki/{ALONSO}")
        whole = body_of(ALONSO)
        assert answer.status_code == 200 and answer.content == whole[: len(whole) // 2]
        assert b"</html>" not in answer.content


def test_an_injected_close_drops_the_connection(pages):
    with faulty(pages, "close") as wiki:
        with pytest.raises(requests.ConnectionError):
            get(wiki, f"/wiki/{ALONSO}")
        assert wiki.stats()["by_status"] == {"0": 1}


def test_an_injected_slow_answer_comes_late(pages):
    with faulty(pages, "slow", slow_seconds=0.3) as wiki:
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{wiki.base_url}/wiki/{ALONSO}", timeout=0.1)
        started = time.perf_counter()
        assert get(wiki, f"/wiki/{ALONSO}").content == body_of(ALONSO)
        assert time.perf_counter() - started >= 0.3


def test_an_injected_429_storm_refuses_every_page_for_a_while(pages):
    with faulty(pages, "429", storm_seconds=0.3) as wiki:
        first = get(wiki, f"/wiki/{ALONSO}")
        assert first.status_code == 429 and first.headers["Retry-After"] == "1"
        assert get(wiki, f"/wiki/{RACE}").status_code == 429  # the storm, whatever the page
        time.sleep(0.35)  # past the 0.3 s storm on purpose
        assert get(wiki, f"/wiki/{RACE}").status_code == 200
        assert wiki.stats()["throttled"] == 2


# ---------------------------------------------------------------- stats and controls


def test_stats_count_statuses_titles_and_user_agents_and_reset_clears_them(wiki):
    get(wiki, f"/wiki/{ALONSO}")
    get(wiki, "/wiki/fernando_Alonso", headers={"User-Agent": "OtherBot/2.0"})
    get(wiki, f"/wiki/{UNRECORDED}")
    stats = requests.get(f"{wiki.base_url}/__replay/stats", timeout=10).json()
    assert stats["total"] == 3 and stats["requests"] == 3 and stats["rejected"] == 0
    assert stats["by_status"] == {"200": 1, "301": 1, "404": 1}
    assert stats["by_title"] == {ALONSO: 2, UNRECORDED: 1}
    assert stats["by_path"] == {f"/wiki/{ALONSO}": 1, "/wiki/fernando_Alonso": 1, f"/wiki/{UNRECORDED}": 1}
    assert stats["user_agents"] == sorted([AGENT, "OtherBot/2.0"])
    assert [entry["status"] for entry in stats["log"]] == [200, 301, 404]
    assert stats == {**wiki.stats(), "log": stats["log"]}
    assert requests.get(f"{wiki.base_url}/__replay/health", timeout=10).json() == {"ok": True}
    assert requests.post(f"{wiki.base_url}/__replay/reset", timeout=10).json() == {"ok": True}
    assert wiki.stats()["total"] == 0 and wiki.stats()["user_agents"] == []


def test_controls_are_not_rate_limited(pages):
    with ThirdTurnReplayServer(pages=pages, rate_limit="1/minute") as wiki:
        assert get(wiki, f"/wiki/{ALONSO}").status_code == 200
        for _ in range(3):
            assert get(wiki, "/__replay/stats").status_code == 200
        assert get(wiki, f"/wiki/{ALONSO}").status_code == 429


def test_a_second_recording_of_one_title_is_refused(tmp_path):
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_bytes(body_of(ALONSO))
    with pytest.raises(ValueError, match="two recordings"):
        load_pages(tmp_path)


# ---------------------------------------------------------------- command line


def test_the_command_line_serves_the_pages_until_terminated():
    command = [sys.executable, "-m", "thirdturn_replay", "--port", "0", "--data-dir", str(DATA_DIR),
               "--time-scale", "50", "--redirect", "Charlotte Speedway=" + RACE]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        base_url = re.search(r"on (http://\S+)/wiki/ ", banner)[1]
        assert "117 pages" in banner and "1/0.1s" in banner
        moved = requests.get(f"{base_url}/wiki/Charlotte_Speedway", allow_redirects=False, timeout=10)
        assert moved.status_code == 301 and moved.headers["Location"] == f"{base_url}/wiki/{RACE}"
        assert requests.get(moved.headers["Location"], timeout=10).status_code == 429  # 1 per 0.1 s
        time.sleep(0.11)  # past the 0.1 s window on purpose
        assert requests.get(moved.headers["Location"], timeout=10).content == body_of(RACE)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_command_line_refuses_a_bad_option(capsys):
    assert cli_main(["--redirect", "nothing", "--data-dir", str(DATA_DIR)]) == 2
    assert "expected OLD=NEW" in capsys.readouterr().err
