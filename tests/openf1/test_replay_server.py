"""Behaviour of the OpenF1 replay server against the real recorded data.

Expected answers are computed from the recorded JSON files themselves, so no
count is hard-coded.  The data lives in the repository's ``recordings/openf1``.
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from harness.commands import running
from openf1_replay import ReplayServer, load_records, max_in_window, parse_rate_limit
from openf1_replay.loader import default_data_dir, endpoint_for_filename
from replay_kit.ratelimit import RateRule

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = (REPO / "recordings" / "openf1").resolve()
SNAPSHOT_DIR = DATA_DIR / "snapshot_2025-12_all_sessions_2023-2025"
YEARS = ("2023", "2024")
NO_RESULTS_BODY = '{"detail":"No results found."}'

pytestmark = pytest.mark.recordings(DATA_DIR, "recorded OpenF1 data")  # missing, every test here fails


# ---------------------------------------------------------------- helpers


def recorded(relative_path: str) -> list[dict]:
    return json.loads((DATA_DIR / relative_path).read_text(encoding="utf-8"))


def session_key_of(path: Path) -> int:
    return int(re.search(r"_session_(\d+)\.json$", path.name).group(1))


def recorded_endpoint(prefix: str) -> list[dict]:
    """All records of per-session files ``<prefix>_session_N.json``, 2023 then 2024, keys ascending."""
    records = []
    for year in YEARS:
        files = sorted((DATA_DIR / year).glob(f"{prefix}_session_*.json"), key=session_key_of)
        for path in files:
            records.extend(json.loads(path.read_text(encoding="utf-8")))
    return records


def recorded_sessions() -> list[dict]:
    return [record for year in YEARS for record in recorded(f"{year}/sessions.json")]


def utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def get(server: ReplayServer, path: str, params=None) -> requests.Response:
    return requests.get(f"{server.base_url}/{path}", params=params, timeout=10)


def wait_for_line(stream, timeout: float = 10.0) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server():
    with ReplayServer(data_dir=DATA_DIR) as srv:
        yield srv


@pytest.fixture
def fresh_server(server):
    """A separate server sharing the loaded records, for stats and limits."""
    with ReplayServer(records=server.records) as srv:
        yield srv


# ---------------------------------------------------------------- filters


def test_meetings_of_a_year_are_exactly_that_seasons_recorded_meetings(server):
    response = get(server, "meetings", {"year": 2024})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == recorded("2024/meetings.json")


def test_drivers_of_a_meeting_are_the_union_of_its_session_driver_files(server):
    expected = [driver for driver in recorded_endpoint("drivers") if driver["meeting_key"] == 1229]
    assert len({driver["session_key"] for driver in expected}) > 1
    assert get(server, "drivers", {"meeting_key": 1229}).json() == expected


def test_session_result_of_one_session_equals_its_recorded_file(server):
    assert get(server, "session_result", {"session_key": 9472}).json() == recorded(
        "2024/session_result_session_9472.json"
    )


def test_a_date_range_uses_two_filters_on_the_same_field(server):
    start, end = utc("2024-03-01T00:00:00+00:00"), utc("2024-04-01T00:00:00+00:00")
    expected = [s for s in recorded_sessions() if start <= utc(s["date_start"]) < end]
    assert expected
    for query in (
        "date_start>=2024-03-01&date_start<2024-04-01",
        "date_start%3E%3D2024-03-01&date_start%3C2024-04-01",
    ):
        assert requests.get(f"{server.base_url}/sessions?{query}", timeout=10).json() == expected
    as_params = {"date_start>=": "2024-03-01", "date_start<": "2024-04-01"}
    assert get(server, "sessions", as_params).json() == expected


def test_a_datetime_with_offset_is_compared_in_utc(server):
    first_race = recorded("2024/meetings.json")[1]
    moment = utc(first_race["date_start"])
    expected = [s for s in recorded_sessions() if utc(s["date_start"]) <= moment]
    query = "date_start<=" + moment.astimezone(timezone(timedelta(hours=3))).isoformat().replace("+", "%2B")
    assert requests.get(f"{server.base_url}/sessions?{query}", timeout=10).json() == expected


def test_a_greater_than_filter_needs_no_equals_sign(server):
    expected = [s for s in recorded_sessions() if s["session_key"] > 9600]
    assert expected
    assert requests.get(f"{server.base_url}/sessions?session_key>9600", timeout=10).json() == expected


def test_numbers_compare_numerically_so_an_integer_matches_a_float(server):
    results = recorded("2024/session_result_session_9472.json")
    winner_points = int(results[0]["points"])
    expected = [r for r in results if r["points"] == winner_points]
    response = get(server, "session_result", {"session_key": 9472, "points": winner_points})
    assert response.json() == expected
    top_three = get(server, "session_result", {"session_key": 9472, "position<=": 3}).json()
    assert top_three == [r for r in results if r["position"] is not None and r["position"] <= 3]


def test_booleans_match_json_booleans(server):
    expected = [r for r in recorded_endpoint("session_result") if r["dnf"] is True]
    assert expected
    assert get(server, "session_result", {"dnf": "true"}).json() == expected


def test_latest_session_key_picks_the_greatest_recorded_key(server):
    drivers = recorded_endpoint("drivers")
    latest = max(driver["session_key"] for driver in drivers)
    expected = [driver for driver in drivers if driver["session_key"] == latest]
    assert get(server, "drivers", {"session_key": "latest"}).json() == expected


def test_the_v1_prefix_is_optional(server):
    response = requests.get(f"{server.root_url}/meetings?year=2023", timeout=10)
    assert response.json() == recorded("2023/meetings.json")


def test_filtering_on_a_field_the_records_lack_is_404_no_results(server):
    response = get(server, "drivers", {"year": 2024})
    assert response.status_code == 404
    assert response.text == NO_RESULTS_BODY


def test_an_unknown_endpoint_is_404_no_results(server):
    response = get(server, "car_data", {"session_key": 9472})
    assert (response.status_code, response.text) == (404, NO_RESULTS_BODY)


def test_a_query_part_without_operator_is_400(server):
    response = requests.get(f"{server.base_url}/drivers?session_key", timeout=10)
    assert response.status_code == 400
    assert "session_key" in response.json()["detail"]


def test_the_default_folder_does_not_serve_the_snapshot_or_format_examples(server):
    assert get(server, "sessions", {"year": 2025}).status_code == 404
    assert server.endpoints == ["drivers", "meetings", "session_result", "sessions", "starting_grid"]


def test_the_snapshot_folder_loads_as_its_own_dataset():
    snapshot = json.loads((SNAPSHOT_DIR / "sessions_all_2023-2025.json").read_text(encoding="utf-8"))
    expected = [s for s in snapshot if s["year"] == 2025]
    assert expected
    with ReplayServer(data_dir=SNAPSHOT_DIR) as srv:
        assert srv.endpoints == ["meetings", "session_result", "sessions", "starting_grid"]
        assert get(srv, "sessions", {"year": 2025}).json() == expected


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("file_name", "endpoint"),
    [
        ("drivers_session_9472.json", "drivers"),
        ("session_result_session_9472.json", "session_result"),
        ("session_result_all_2023-2025.json", "session_result"),
        ("meetings.json", "meetings"),
    ],
)
def test_the_endpoint_is_the_file_name_without_its_session_or_all_suffix(file_name, endpoint):
    assert endpoint_for_filename(file_name) == endpoint


def test_loading_reads_year_folders_in_natural_order_and_objects_as_lists(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "2024" / "drivers_session_10.json").write_text('[{"n": 10}]')
    (tmp_path / "2024" / "drivers_session_9.json").write_text('[{"n": 9}, {"n": 9.5}]')
    (tmp_path / "notes" / "drivers_session_1.json").write_text('[{"n": 1}]')
    (tmp_path / "meetings.json").write_text('{"meeting_key": 1}')
    assert load_records(tmp_path) == {"drivers": [{"n": 9}, {"n": 9.5}, {"n": 10}], "meetings": [{"meeting_key": 1}]}


def test_a_missing_data_dir_is_an_error_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        ReplayServer(data_dir=missing)


def test_the_default_data_dir_is_the_env_var_or_the_repository_s_recordings_whatever_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENF1_REPLAY_DIR", raising=False)
    assert default_data_dir() == DATA_DIR
    monkeypatch.setenv("OPENF1_REPLAY_DIR", str(SNAPSHOT_DIR))
    assert default_data_dir() == SNAPSHOT_DIR


# ---------------------------------------------------------------- rate limit, latency, stats


def test_a_host_from_the_environment_must_be_loopback_and_one_on_the_command_line_is_taken_as_given(monkeypatch):
    from openf1_replay.cli import _create_server, build_parser
    from replay_kit.cli import resolve_host

    monkeypatch.setenv("OPENF1_REPLAY_HOST", "localhost")
    assert resolve_host(None, "OPENF1_REPLAY_HOST") == "localhost"
    monkeypatch.setenv("OPENF1_REPLAY_HOST", "0.0.0.0")
    with pytest.raises(ValueError, match="refusing non-loopback host '0.0.0.0' from OPENF1_REPLAY_HOST"):
        resolve_host(None, "OPENF1_REPLAY_HOST")
    assert resolve_host("0.0.0.0", "OPENF1_REPLAY_HOST") == "0.0.0.0"
    with pytest.raises(ValueError, match="from OPENF1_REPLAY_HOST"):  # the command asks before loading anything
        _create_server(build_parser().parse_args(["--port", "0"]))


def test_rate_limit_specs_parse_into_rules():
    assert parse_rate_limit("3/second;30/minute") == [RateRule(3, 1.0), RateRule(30, 60.0)]
    assert parse_rate_limit("30/10s") == [RateRule(30, 10.0)]
    assert parse_rate_limit("100/hour") == [RateRule(100, 3600.0)]
    assert parse_rate_limit(None) == []
    with pytest.raises(ValueError):
        parse_rate_limit("30 per minute")


def test_max_in_window_counts_the_busiest_sliding_window():
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5, 3.0], 1.0) == 3
    assert max_in_window([], 1.0) == 0


def test_over_the_rate_limit_answers_429_rate_exceeded_until_the_window_passes(fresh_server):
    fresh_server.set_rate_limit("5/1s")
    with requests.Session() as client:
        responses = [client.get(f"{fresh_server.base_url}/meetings?year=2024", timeout=10) for _ in range(6)]
        assert [r.status_code for r in responses] == [200] * 5 + [429]
        rejected = responses[-1]
        assert rejected.text == "Rate exceeded"
        assert rejected.headers["Content-Type"] == "text/plain"
        assert "Retry-After" not in rejected.headers
        first_accepted = fresh_server.stats()["log"][0]["t"]
        time.sleep(max(0.0, first_accepted + 1.02 - time.monotonic()))  # the window passing is what is tested
        assert client.get(f"{fresh_server.base_url}/meetings?year=2024", timeout=10).status_code == 200
    stats = fresh_server.stats()
    assert (stats["requests"], stats["rejected"]) == (6, 1)
    accepted = [entry["t"] for entry in stats["log"] if entry["status"] != 429]
    assert max_in_window(accepted, 1.0) <= 5


def test_every_rule_of_a_combined_limit_applies(fresh_server):
    fresh_server.set_rate_limit("2/0.3s;3/minute")
    statuses = [get(fresh_server, "meetings", {"year": 2023}).status_code for _ in range(3)]
    time.sleep(0.35)  # past the 0.3 s window on purpose: the minute's rule still applies
    statuses += [get(fresh_server, "meetings", {"year": 2023}).status_code for _ in range(2)]
    assert statuses == [200, 200, 429, 200, 429]


def test_concurrent_clients_share_one_global_limit(fresh_server):
    fresh_server.set_rate_limit("10/10s")
    statuses = []

    def client():
        for _ in range(3):
            statuses.append(get(fresh_server, "drivers", {"session_key": 9472}).status_code)

    threads = [threading.Thread(target=client) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (statuses.count(200), statuses.count(429)) == (10, 20)
    assert fresh_server.stats()["rejected"] == 20


def test_control_endpoints_are_never_limited_and_the_limit_can_be_lifted(fresh_server):
    fresh_server.set_rate_limit("1/10s")
    assert get(fresh_server, "meetings", {"year": 2024}).status_code == 200
    assert get(fresh_server, "meetings", {"year": 2024}).status_code == 429
    health = requests.get(f"{fresh_server.root_url}/__replay/health", timeout=10)
    assert (health.status_code, health.json()) == (200, {"ok": True})
    assert requests.get(f"{fresh_server.root_url}/__replay/stats", timeout=10).status_code == 200
    fresh_server.set_rate_limit(None)
    assert get(fresh_server, "meetings", {"year": 2024}).status_code == 200


def test_latency_delays_each_data_answer(fresh_server):
    fresh_server.latency = 0.25
    started = time.monotonic()
    assert get(fresh_server, "meetings", {"year": 2024}).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_stats_count_accepted_and_rejected_requests_and_reset_clears_them(fresh_server):
    get(fresh_server, "drivers", {"meeting_key": 1229})
    get(fresh_server, "drivers", {"year": 2024})
    fresh_server.set_rate_limit("2/10s")
    get(fresh_server, "meetings", {"year": 2024})
    stats = requests.get(f"{fresh_server.root_url}/__replay/stats", timeout=10).json()
    assert stats == fresh_server.stats()
    assert (stats["requests"], stats["rejected"]) == (2, 1)
    assert stats["by_endpoint"] == {"drivers": 2}
    assert [(e["path"], e["query"], e["status"]) for e in stats["log"]] == [
        ("/v1/drivers", "meeting_key=1229", 200),
        ("/v1/drivers", "year=2024", 404),
        ("/v1/meetings", "year=2024", 429),
    ]
    assert requests.post(f"{fresh_server.root_url}/__replay/reset", timeout=10).status_code == 200
    assert fresh_server.stats() == {"requests": 0, "rejected": 0, "by_endpoint": {}, "log": []}
    assert get(fresh_server, "meetings", {"year": 2024}).status_code == 200


# ---------------------------------------------------------------- command line


def test_the_command_line_server_answers_and_stops_on_sigterm():
    with running("openf1_replay", "--port", "0", env={"OPENF1_REPLAY_DIR": str(DATA_DIR)}) as process:
        banner = wait_for_line(process.stdout)
        assert banner.startswith(f"OpenF1 replay of {DATA_DIR} (")
        base_url = re.search(r" on (http://\S+/v1)$", banner.strip()).group(1)
        response = requests.get(f"{base_url}/meetings?year=2024", timeout=10)
        assert response.json() == recorded("2024/meetings.json")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_command_line_rejects_a_missing_data_dir_with_exit_code_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "openf1_replay", "--data-dir", str(tmp_path / "nowhere")],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert str(tmp_path / "nowhere") in result.stderr
