"""Jolpica's client: its error policy (one table), its settings, and its retries against a scripted local HTTP
server serving real recorded Jolpica answers (f1dataR's cassettes of api.jolpi.ca)."""

from __future__ import annotations

import pytest

from harness import jolpica_data as jd
from harness.scripted import Script, scripted_upstream
from workers.errors import BadArgument, PermanentError, RateLimited, UpstreamUnavailable
from workers.ratelimit import parse_rates
from workers.settings import load
from workers.sources.jolpica.client import JolpicaClient, classify, forbidden_parameters
from workers.sources.jolpica.settings import JolpicaSettings

THROTTLED = '{"detail":"Request was throttled."}'  # SPEC §5: Jolpica's 429, JSON, without Retry-After
SCHEDULE_1999 = jd.cassette_body("load_schedule", "1999.json")
EMPTY_SPRINT = jd.cassette_body("load_sprint", "2021/11/sprint.json")


@pytest.mark.parametrize("status, body, expected", [
    (200, SCHEDULE_1999, None),
    (200, EMPTY_SPRINT, None),  # an empty answer is 200 with total "0", never 404
    (200, jd.fixture_text("races/2023@99@races.json"), None),
    (429, THROTTLED, RateLimited),
    (403, '{"detail":"Forbidden"}', PermanentError),
    (200, SCHEDULE_1999[: len(SCHEDULE_1999) // 2], UpstreamUnavailable),  # a cut body
    (200, "<html><body>502 Bad Gateway</body></html>", UpstreamUnavailable),
    (200, '{"detail":"Not found."}', PermanentError),  # a complete document without MRData
    (500, "<html><h1>Server Error (500)</h1></html>", UpstreamUnavailable),
    (502, "", UpstreamUnavailable),
    (504, "", UpstreamUnavailable),
    (404, '{"detail":"Not found."}', PermanentError),
    (400, '{"detail":"Bad request"}', PermanentError),
])
def test_each_http_answer_maps_to_one_error_class(status, body, expected):
    error = classify("1999.json", status, body)
    assert (type(error) if error else None) is expected


def test_a_429_without_retry_after_is_rate_limited_with_no_wait_of_its_own():
    error = classify("2021/results.json", 429, THROTTLED)
    assert isinstance(error, RateLimited) and error.retry_after is None
    assert "Request was throttled." in str(error)


def test_a_403_names_its_cause():
    error = classify("2021/results.json", 403, '{"detail":"Forbidden"}')
    assert isinstance(error, PermanentError) and not isinstance(error, UpstreamUnavailable)
    assert "403" in str(error) and "'cache'" in str(error) and "Forbidden" in str(error)


@pytest.mark.parametrize("target, forbidden", [
    ("2021/results.json?limit=100&offset=0", []),
    ("2021.json?limit=100&offset=0&nocache=1", ["nocache"]),
    ("2021.json?Cache_Bust=2&limit=100", ["Cache_Bust"]),
    ("2021.json", []),
])
def test_query_parameters_named_like_cache_are_found(target, forbidden):
    assert forbidden_parameters(target) == forbidden


def test_the_settings_default_to_jolpicas_public_api_and_its_limits(monkeypatch):
    for name in ("JOLPICA_BASE_URL", "JOLPICA_RATE_LIMIT", "JOLPICA_REFRESH_AFTER", "JOLPICA_FIRST_YEAR"):
        monkeypatch.delenv(name, raising=False)
    settings = load(JolpicaSettings)
    assert settings.BASE_URL == "https://api.jolpi.ca/ergast/f1"
    assert [(r.limit, r.period) for r in parse_rates(settings.RATE_LIMIT)] == [(4, 1.0), (500, 3600.0)]
    assert settings.REFRESH_AFTER == 30 * 24 * 3600 and settings.FIRST_YEAR == 1950


def test_the_settings_read_the_jolpica_prefix(monkeypatch):
    monkeypatch.setenv("JOLPICA_REFRESH_AFTER", "60")
    monkeypatch.setenv("JOLPICA_BASE_URL", "http://127.0.0.1:8766/ergast/f1/")
    settings = load(JolpicaSettings)
    assert settings.REFRESH_AFTER == 60 and settings.BASE_URL == "http://127.0.0.1:8766/ergast/f1"


@pytest.fixture()
def scripted():
    with scripted_upstream(headers={"Content-Type": "application/json"}) as upstream:
        def use(*answers) -> tuple[JolpicaClient, Script]:
            script = upstream.play(*answers)
            settings = JolpicaSettings(BASE_URL=f"{upstream.url}/ergast/f1", RATE_LIMIT="off", CONNECT_TIMEOUT=1,
                                       READ_TIMEOUT=1, MAX_ATTEMPTS=4, BACKOFF_SECONDS=0.05, BACKOFF_MAX_SECONDS=0.2)
            return JolpicaClient(settings), script

        yield use


SCHEDULE = (200, SCHEDULE_1999, {})


@pytest.mark.parametrize("fault", [
    (429, THROTTLED, {}),
    (200, SCHEDULE_1999[:-40], {}),  # the body cut short
    (500, "<html><h1>Server Error (500)</h1></html>", {}),
    (503, "", {}),
])
def test_a_transient_fault_is_retried_and_the_page_arrives_as_received(scripted, fault):
    client, script = scripted(fault, SCHEDULE)
    answer = client.fetch("1999.json?limit=100&offset=0")
    assert answer.body == SCHEDULE_1999 and len(script.calls) == 2
    assert [path for _, path in script.calls] == ["/ergast/f1/1999.json?limit=100&offset=0"] * 2


def test_a_throttle_that_lasts_is_handed_to_the_task_after_the_attempts(scripted):
    client, script = scripted((429, THROTTLED, {}))
    with pytest.raises(RateLimited):
        client.fetch("1999.json?limit=100&offset=0")
    assert len(script.calls) == 4


def test_a_403_is_not_retried(scripted):
    client, script = scripted((403, '{"detail":"Forbidden"}', {}))
    with pytest.raises(PermanentError, match="403"):
        client.fetch("1999.json?limit=100&offset=0")
    assert len(script.calls) == 1


def test_a_query_parameter_named_like_cache_is_never_sent(scripted):
    client, script = scripted(SCHEDULE)
    with pytest.raises(BadArgument, match="nocache"):
        client.fetch("1999.json?limit=100&offset=0&nocache=1")
    assert script.calls == [] and client.requests_made == 0
