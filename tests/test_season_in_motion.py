"""The season in motion on the real parts: urgent work before bulk work on one plain worker (the queues' order),
and whole live weekends followed through the OpenF1 replay's live mode by real workers and a real beat."""

from __future__ import annotations

import re
import time

import pytest

from tests.support import broker_url, client_app, worker_nodes
from workers import routing

pytestmark = pytest.mark.integration
BROKER = broker_url("season_in_motion")


def finished_keys(log: str) -> list[str]:
    """The round keys of the finish_meeting steps a worker ran, in the order it ran them."""
    return re.findall(r"finish_meeting ok \{'round_key': '([^']+)'", log)


def test_a_plain_worker_takes_every_live_task_then_the_dispatchers_then_the_bulk_rounds(database, tmp_path):
    app = client_app(BROKER)
    with worker_nodes(BROKER, database, tmp_path) as start:
        keys = {routing.BULK: [f"bulk-{i}" for i in range(6)], routing.DISPATCH: ["dispatch-0", "dispatch-1"],
                routing.LIVE: [f"live-{i}" for i in range(3)]}
        for queue in (routing.BULK, routing.DISPATCH, routing.LIVE):  # bulk work queued first, live work last
            for key in keys[queue]:
                app.send_task("finish_meeting", kwargs={"source": "openf1", "season": 2026, "round_key": key},
                              queue=queue)
        node, = start("http://127.0.0.1:9/v1", concurrency=1)  # one process: the order is the order served
        deadline = time.monotonic() + 30
        while len(finished_keys(node.log())) < 11 and time.monotonic() < deadline:
            time.sleep(0.1)
        order = finished_keys(node.log())
    assert order == keys[routing.LIVE] + keys[routing.DISPATCH] + keys[routing.BULK], node.log()[-3000:]


def test_the_routes_send_beat_s_work_and_follow_reads_live_dispatchers_apart_and_rounds_by_their_run():
    from tasks import app

    route = app.amqp.router.route
    assert {name: route({}, name, (), {})["queue"].name for name in
            ("follow_tick", "follow_calendar", "follow_results", "sync_recent", "scheduled_sync_recent",
             "resume_stalled", "sync_season", "sync_series", "rebuild_season", "sync_meeting", "sync_results")} == {
        "follow_tick": "live", "follow_calendar": "live", "follow_results": "live", "sync_recent": "live",
        "scheduled_sync_recent": "live", "resume_stalled": "live", "sync_season": "dispatch",
        "sync_series": "dispatch", "rebuild_season": "dispatch", "sync_meeting": "celery", "sync_results": "celery"}
    assert [routing.queue_of_run(kind) for kind in ("calendar", "results", "recent", "season", "series")] == [
        "live", "live", "live", "celery", "celery"]
    assert [q.name for q in app.conf.task_queues] == ["live", "dispatch", "celery"]
    assert app.conf.broker_transport_options["queue_order_strategy"] == "priority"
