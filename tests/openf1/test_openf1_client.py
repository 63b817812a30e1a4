"""The OpenF1 client's error policy (one table) and its retries against a scripted local HTTP server."""

from __future__ import annotations

import json
import time

import pytest

from harness.scripted import Script, scripted_upstream
from workers.errors import PermanentError, RateLimited, UpstreamUnavailable
from workers.sources.openf1.client import OpenF1Client, SessionInProgress, classify
from workers.sources.openf1.settings import OpenF1Settings


def make_client(base_url: str, **settings) -> OpenF1Client:
    return OpenF1Client(OpenF1Settings(BASE_URL=base_url, RATE_LIMIT="off", **settings))


@pytest.mark.parametrize("status, body, expected", [
    (200, "[]", None),
    (404, '{"detail":"No results found."}', None),
    (429, "Rate exceeded", RateLimited),
    (200, "Rate exceeded", RateLimited),
    (401, '{"detail":"Session in progress. Data will be available after the session."}', SessionInProgress),
    (500, "<html><body>Internal Server Error</body></html>", UpstreamUnavailable),
    (502, "<html>Bad Gateway</html>", UpstreamUnavailable),
    (503, "", UpstreamUnavailable),
    (504, "", UpstreamUnavailable),
    (408, "", UpstreamUnavailable),
    (400, '{"detail":"bad filter"}', PermanentError),
    (401, '{"detail":"Not authenticated"}', PermanentError),
    (404, '{"detail":"Not Found"}', PermanentError),
    (404, '{"detail":"No res', UpstreamUnavailable),
    (404, "<html>404 Not Found</html>", UpstreamUnavailable),
])
def test_each_http_answer_maps_to_one_error_class(status, body, expected):
    error = classify(status, body)
    assert (type(error) if error else None) is expected


@pytest.fixture()
def scripted():
    with scripted_upstream() as upstream:
        def use(*answers) -> tuple[OpenF1Client, Script]:
            script = upstream.play(*answers)
            client = make_client(f"{upstream.url}/v1", CONNECT_TIMEOUT=1, READ_TIMEOUT=0.5,
                                 MAX_ATTEMPTS=4, BACKOFF_SECONDS=0.05, BACKOFF_MAX_SECONDS=0.2)
            return client, script

        yield use


OK = (200, json.dumps([{"meeting_key": 1229}]), {})


def test_404_no_results_found_is_an_empty_list(scripted):
    client, _ = scripted((404, '{"detail":"No results found."}', {}))
    assert client.get("drivers", meeting_key=1) == []


@pytest.mark.parametrize("fault", [
    (429, "Rate exceeded", {}),
    (500, "<html><h1>500</h1></html>", {}),
    (503, "", {}),
    ("close", "", {}),
    ("slow", 1.0, {}),
    (200, '[{"meeting_key": 12', {}),  # truncated JSON
])
def test_a_transient_fault_is_retried_and_the_records_arrive(scripted, fault):
    client, script = scripted(fault, OK)
    assert client.get("meetings", year=2024) == [{"meeting_key": 1229}]
    assert len(script.calls) == 2 and client.requests_made == 2


def test_retry_after_is_honoured_when_present(scripted):
    client, script = scripted((429, "Rate exceeded", {"Retry-After": "1"}), OK)
    client.get("meetings", year=2024)
    (first, _), (second, _) = script.calls
    assert second - first >= 1.0


def test_a_long_retry_after_is_handed_to_the_task_instead_of_slept(scripted):
    client, script = scripted((429, "Rate exceeded", {"Retry-After": "120"}), OK)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        client.get("meetings", year=2024)
    assert caught.value.retry_after == 120 and time.monotonic() - started < 1 and len(script.calls) == 1


def test_session_in_progress_is_come_back_later_without_hammering(scripted):
    client, script = scripted((401, '{"detail":"Session in progress"}', {}))
    with pytest.raises(SessionInProgress):
        client.get("drivers", meeting_key=1)
    assert len(script.calls) == 1  # handed to the task at once: it comes back after OPENF1_LIVE_RETRY_SECONDS


def test_the_attempts_are_finite_then_the_error_is_retryable(scripted):
    client, script = scripted((502, "<html>Bad Gateway</html>", {}))
    with pytest.raises(UpstreamUnavailable):
        client.get("sessions", meeting_key=1)
    assert len(script.calls) == 4


def test_a_permanent_refusal_is_not_retried(scripted):
    client, script = scripted((400, '{"detail":"invalid filter"}', {}))
    with pytest.raises(PermanentError):
        client.get("sessions", meeting_key="x")
    assert len(script.calls) == 1


# -- sponsor tier: bearer token from POST /token -----------------------------------------------------------

@pytest.fixture()
def sponsor_replay(data_dir):
    from openf1_replay import ReplayServer

    with ReplayServer(data_dir=str(data_dir), port=0, credentials=("sponsor", "pa55-w0rd!"), token_ttl=1) as server:
        yield server


def test_with_credentials_every_request_carries_a_bearer_token_renewed_before_it_expires(sponsor_replay):
    client = make_client(sponsor_replay.base_url, USERNAME="sponsor", PASSWORD="pa55-w0rd!")
    assert client.get("meetings", year=2024)
    assert client.get("sessions", meeting_key=1229)
    time.sleep(1.0)  # expires_in "1": the token must be renewed before the next request
    assert client.get("drivers", meeting_key=1229)
    log = sponsor_replay.stats()["log"]
    assert [e["auth"] for e in log] == [True, True, True] and all(e["status"] == 200 for e in log)
    assert sponsor_replay.tokens_issued == 2


def test_a_refused_login_is_a_clear_error_that_never_shows_the_password(sponsor_replay, caplog):
    client = make_client(sponsor_replay.base_url, USERNAME="sponsor", PASSWORD="wrong-s3cret")
    with caplog.at_level("DEBUG"), pytest.raises(PermanentError) as caught:
        client.get("meetings", year=2024)
    assert "OPENF1_USERNAME" in str(caught.value)
    assert "wrong-s3cret" not in str(caught.value) + caplog.text + repr(client) + repr(client.token)


def test_settings_keep_the_password_out_of_their_repr(monkeypatch):
    from workers.settings import load

    monkeypatch.setenv("OPENF1_USERNAME", "sponsor")
    monkeypatch.setenv("OPENF1_PASSWORD", "pa55-w0rd!")
    settings = load(OpenF1Settings)
    assert "pa55-w0rd!" not in repr(settings) + str(settings)
    client = OpenF1Client(settings)
    assert client.token is not None and "pa55-w0rd!" not in repr(client)
