"""Celery settings for the Parc Fermé ingestion workers (read by `tasks.app`).

Broker and result backend are REDIS_URL. JSON only; late acks with redelivery when a worker dies, and a
prefetch of one so a long task never holds others hostage on a busy process.
"""

from kombu import Exchange, Queue

from workers import routing, sources
from workers.settings import get_settings

_settings = get_settings()  # a missing or malformed setting stops the worker here, named
for _source in sources.all_sources():
    _source.settings  # noqa: B018  (each source's settings too: OPENF1_…)

broker_url = _settings.REDIS_URL
result_backend = _settings.REDIS_URL

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
result_accept_content = ["json"]

task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
task_track_started = False  # progress is in the run table; saves a backend write per task
worker_disable_rate_limits = True  # each source's limit is the fleet limiter (workers/ratelimit.py), not Celery's
result_expires = 24 * 3600
result_extended = True  # task name and arguments (keys only) are shown in Flower and the backend

# A message not acknowledged within the visibility timeout is delivered again (Redis transport): it must
# exceed the longest task plus the longest retry countdown, see README. kombu's restore sweep is tuned to
# it, so a short timeout (tests) also means a quick recovery after a whole worker is killed.
_visibility = _settings.REDIS_VISIBILITY_TIMEOUT
broker_transport_options = {
    "visibility_timeout": _visibility,
    "unacked_restore_interval": max(1, min(10, _visibility // 5)),
    "unacked_restore_throttle": 1 if _visibility < 600 else 10,
    # A worker consuming several queues pops them in the order declared below, always the first non-empty one
    # (kombu's default rotates between them): urgent work is never behind bulk work (workers/routing.py).
    "queue_order_strategy": "priority",
}
result_backend_transport_options = {"visibility_timeout": _visibility}

# The queues (workers/routing.py): live (the season in motion, beat's syncs, the resume sweep), dispatch (the
# dispatchers of bulk runs, which hold rate-limit slots) and celery (the bulk runs' rounds). A plain worker serves
# all three in that order; `celery -A tasks worker -Q live` dedicates one.
task_queues = [Queue(name, Exchange(name), routing_key=name) for name in routing.QUEUES]
task_default_queue = routing.BULK
task_routes = (routing.route,)
broker_connection_retry_on_startup = True

# A broker outage (Redis restarted, a failover) must not lose the next step of a meeting's chain: the step a
# task publishes when it ends, and the result it stores, are retried for about REDIS_OUTAGE_SECONDS
# (Celery's defaults give up after 0.6 s and the chain is silently cut; measured in tests/system/test_chaos.py).
# A pool process waits through the outage instead; the consumer reconnects on its own.
_outage = _settings.REDIS_OUTAGE_SECONDS
task_publish_retry_policy = {"max_retries": max(3, -(-_outage // 2)), "interval_start": 0, "interval_step": 0.5,
                             "interval_max": 2}
result_backend_always_retry = True
result_backend_max_retries = max(3, _outage)  # full-jitter waits of at most 2 s: about 1 s each
result_backend_base_sleep_between_retries_ms = 100
result_backend_max_sleep_between_retries_ms = 2000
# A task running when the connection drops finishes its (idempotent) work; its message may come once more
# after the visibility timeout. Cancelling it instead would stall its meeting for that whole timeout.
worker_cancel_long_running_tasks_on_connection_loss = False

# Time limits: a backstop for a task that hangs, never a cut of a slow but healthy one (a round step reads the
# landing and takes well under 5 s). The longest healthy request, with the default source settings, is one
# whose every attempt times out: 4 attempts x (5 s connect + 30 s read + 1 s slot wait) + 3 backoffs of at most
# 2 s + a 35 s token renewal: about 190 s; two of them and the pool waits make about 400 s. A longer wait
# re-schedules the task instead (throttles, live-session lock-outs). On top of it, the publish of the next step
# and the write of the result may each ride out a broker outage (about REDIS_OUTAGE_SECONDS). Past the soft
# limit the task is retried like any retryable error (tasks/sync.py): a dispatcher then goes on from what it
# had landed. The hard limit kills the pool process a broker outage and 30 s later. With the defaults (520 s
# and 610 s) both end a hung task long before the visibility timeout (3600 s) hands its message to a second
# worker. Raise them with a source's READ_TIMEOUT or MAX_ATTEMPTS.
_LONGEST_HEALTHY_TASK = 400
task_soft_time_limit = _LONGEST_HEALTHY_TASK + 2 * _outage
task_time_limit = task_soft_time_limit + _outage + 30

worker_hijack_root_logger = False
worker_redirect_stdouts = False
timezone = "UTC"
enable_utc = True

# Beat: the schedule itself is in tasks/schedule.py (one place). RedBeat keeps it and a lock in Redis: a
# second beat started by mistake waits for the lock instead of sending every task twice. The running beat
# renews the lock at least every beat_max_loop_interval seconds; a beat that died without releasing it is
# replaced after BEAT_LOCK_TIMEOUT seconds (a standby retries every beat_max_loop_interval).
beat_scheduler = "tasks.beat:Scheduler"  # RedBeat that outlives a Redis outage
beat_max_loop_interval = 30
redbeat_redis_url = _settings.REDIS_URL
redbeat_redis_options = {"retry_period": 60}  # RedBeat retries its Redis calls for up to 60 s (e.g. a restart)
redbeat_key_prefix = "parcferme:beat:"
redbeat_lock_timeout = _settings.BEAT_LOCK_TIMEOUT
