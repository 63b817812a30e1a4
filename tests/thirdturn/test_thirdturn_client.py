"""The Third Turn's client against the wiki replay: a polite crawler. robots.txt read once for the fleet and
honoured (a disallowed page is never asked for, a Crawl-delay slows every worker), a User-Agent naming the project
and its contact (required before the live wiki), a 404 landed as an answer, a cut page retried, a 429 cooling the
fleet down, a redirect followed."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from harness.recordings import THIRDTURN_DIR
from harness.workers import broker_url
from workers.errors import BadArgument, PermanentError, RateLimited, UpstreamUnavailable
from workers.ratelimit import FleetLimiter, parse_rates
from workers.settings import load
from workers.sources.thirdturn.client import ThirdTurnClient, classify, page_target, user_agent
from workers.sources.thirdturn.settings import ThirdTurnSettings

REDIS_URL = broker_url("ratelimit")  # the limiter's keys, under a source name of this test's own
CONTACT = "ingestion@parcferme.example"
HUB = "Wisconsin_Challenge_Series"
NO_DELAY = "User-agent: *\nDisallow: /w/\nDisallow: /wiki/Special:\n"  # the default's rules without its Crawl-delay


@pytest.fixture(scope="module")
def wiki_pages():
    from thirdturn_replay import load_pages

    return load_pages(THIRDTURN_DIR)


@pytest.fixture()
def wiki(wiki_pages):
    from thirdturn_replay import ThirdTurnReplayServer

    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit=None, robots=NO_DELAY) as server:
        yield server


def settings(base_url: str, **env: str) -> ThirdTurnSettings:
    values = {"BASE_URL": base_url, "CONTACT": CONTACT, "BACKOFF_SECONDS": "0.01", "READ_TIMEOUT": "1", **env}
    return ThirdTurnSettings(**values)


def limiter(rate: str = "50/second", source: str | None = None) -> FleetLimiter:
    client = redis.Redis.from_url(REDIS_URL)
    return FleetLimiter(client, parse_rates(rate), source=source or f"thirdturn-test-{uuid.uuid4().hex[:8]}",
                        max_sleep=3.0)


def forget_robots(base_url: str) -> None:
    redis.Redis.from_url(REDIS_URL).delete(f"parcferme:thirdturn:robots:{base_url}")


def test_the_user_agent_names_the_project_and_the_contact(wiki):
    forget_robots(wiki.base_url)
    ThirdTurnClient(settings(wiki.base_url), limiter()).fetch(page_target(HUB))
    agents = wiki.stats()["user_agents"]
    assert agents == [user_agent(CONTACT)]
    assert "ParcFerme" in agents[0] and CONTACT in agents[0] and "github.com" in agents[0]


def test_the_live_wiki_is_not_crawled_without_a_contact_or_without_the_limit():
    client = ThirdTurnClient(settings("https://www.thethirdturn.com", CONTACT=""), limiter())
    with pytest.raises(BadArgument, match="THIRDTURN_CONTACT"):
        client.fetch(page_target(HUB))
    unlimited = ThirdTurnClient(settings("https://www.thethirdturn.com"), None)
    with pytest.raises(BadArgument, match="THIRDTURN_RATE_LIMIT is off"):
        unlimited.fetch(page_target(HUB))
    assert client.requests_made == unlimited.requests_made == 0


def test_robots_txt_is_read_once_for_the_whole_fleet(wiki):
    forget_robots(wiki.base_url)
    shared = limiter()
    first, second = ThirdTurnClient(settings(wiki.base_url), shared), ThirdTurnClient(settings(wiki.base_url), shared)
    first.fetch(page_target(HUB))
    second.fetch(page_target(HUB))  # another worker: the fleet's copy, no request for it
    paths = [e["path"] for e in wiki.stats()["log"]]
    assert paths == ["/robots.txt", f"/wiki/{HUB}", f"/wiki/{HUB}"]
    assert first.requests_made == 2 and second.requests_made == 1


def test_a_page_robots_txt_disallows_is_never_asked_for(wiki):
    forget_robots(wiki.base_url)
    wiki.set_robots(f"User-agent: *\nDisallow: /wiki/{HUB}\n")
    client = ThirdTurnClient(settings(wiki.base_url), limiter())
    with pytest.raises(PermanentError, match="robots.txt disallows"):
        client.fetch(page_target(HUB))
    client.fetch(page_target("2007_Wisconsin_Challenge_Series_Central"))  # allowed
    assert [e["path"] for e in wiki.stats()["log"]] == ["/robots.txt", "/wiki/2007_Wisconsin_Challenge_Series_Central"]
    assert wiki.stats()["disallowed"] == 0


def test_a_crawl_delay_longer_than_the_limit_slows_the_fleet_to_it(wiki):
    forget_robots(wiki.base_url)
    wiki.set_robots("User-agent: *\nDisallow: /w/\nCrawl-delay: 1\n")
    client = ThirdTurnClient(settings(wiki.base_url, RATE_MAX_SLEEP="2"), limiter("50/second"))
    for _ in range(3):
        client.fetch(page_target(HUB))
    times = [e["t"] for e in wiki.stats()["log"] if e["path"].startswith("/wiki/")]
    assert len(times) == 3 and min(b - a for a, b in zip(times, times[1:])) >= 0.95


def test_a_missing_page_is_an_answer_landed_as_such(wiki):
    forget_robots(wiki.base_url)
    answer = ThirdTurnClient(settings(wiki.base_url), limiter()).fetch(page_target("NASCAR_Strictly_Stock:1949-03"))
    assert answer.status == 404 and "There is currently no text in this page" in answer.body


def test_a_title_with_an_apostrophe_is_asked_for_as_the_wiki_writes_it(wiki):
    forget_robots(wiki.base_url)
    answer = ThirdTurnClient(settings(wiki.base_url), limiter()).fetch(page_target("2006_Governor's_Cup_50"))
    assert answer.status == 200 and wiki.stats()["log"][-1]["path"] == "/wiki/2006_Governor%27s_Cup_50"


def test_a_redirect_is_followed_to_its_page(wiki):
    forget_robots(wiki.base_url)
    wiki.add_redirect("WCS", HUB)
    answer = ThirdTurnClient(settings(wiki.base_url), limiter()).fetch(page_target("WCS"))
    assert answer.status == 200 and '"wgPageName":"Wisconsin_Challenge_Series"' in answer.body


def test_a_cut_page_is_retried_and_a_page_always_cut_fails_as_unavailable(wiki_pages):
    from replay_kit.faults import FaultPlan
    from thirdturn_replay import ThirdTurnReplayServer

    plan = FaultPlan(rate=1.0, kinds=("truncated",), endpoints=(HUB,))
    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit=None, faults=plan, robots=NO_DELAY) as wiki:
        forget_robots(wiki.base_url)
        client = ThirdTurnClient(settings(wiki.base_url, MAX_ATTEMPTS="3"), limiter())
        with pytest.raises(UpstreamUnavailable, match="cut page"):
            client.fetch(page_target(HUB))
        assert wiki.stats()["by_title"][HUB] == 3


def test_a_429_cools_the_whole_fleet_down(wiki):
    forget_robots(wiki.base_url)
    shared = limiter()
    client = ThirdTurnClient(settings(wiki.base_url, MAX_ATTEMPTS="1"), shared)
    client.robots()
    wiki.storm(0.5)
    with pytest.raises(RateLimited):
        client.fetch(page_target(HUB))
    assert shared.stats()["429"] == 1
    started = time.monotonic()
    wiki.storm(0)
    ThirdTurnClient(settings(wiki.base_url, RATE_MAX_SLEEP="5"), shared).fetch(page_target(HUB))  # another worker
    assert time.monotonic() - started >= 0.5  # waited the cool-down out before asking


@pytest.mark.parametrize("status, body, expected", [
    (200, "<!DOCTYPE html><html><body>page</body></html>\n", None),
    (404, "<html><body>There is currently no text in this page.</body></html>", None),
    (200, "<!DOCTYPE html><html><body>pa", UpstreamUnavailable),
    (429, "<html>Too Many Requests</html>", RateLimited),
    (503, "<html>Service Unavailable</html>", UpstreamUnavailable),
    (403, "<html>Forbidden</html>", PermanentError),
])
def test_each_answer_of_the_wiki_maps_to_one_error_class(status, body, expected):
    error = classify("wiki/X", status, body)
    assert (type(error) if error else None) is expected


def test_its_settings_default_to_one_page_every_five_seconds():
    loaded = load(ThirdTurnSettings)
    assert parse_rates(ThirdTurnSettings.model_fields["RATE_LIMIT"].default) == parse_rates("1/5second")
    assert loaded.model_config["env_prefix"] == "THIRDTURN_"
