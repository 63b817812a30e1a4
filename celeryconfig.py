"""Celery settings for the Parc Fermé ingestion workers (read by `tasks.app`).

Broker and result backend are REDIS_URL. JSON only; late acks with redelivery when a worker dies, and a
prefetch of one so a long task never holds others hostage on a busy process.
"""

from workers.settings import get_settings

_settings = get_settings()  # a missing or malformed setting stops the worker here, named

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
worker_disable_rate_limits = True  # the OpenF1 limit is the fleet limiter (workers/ratelimit.py), not Celery's
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
}
result_backend_transport_options = {"visibility_timeout": _visibility}
broker_connection_retry_on_startup = True

worker_hijack_root_logger = False
worker_redirect_stdouts = False
timezone = "UTC"
enable_utc = True

# Beat: the schedule itself is in tasks/schedule.py (one place). RedBeat keeps it and a lock in Redis: a
# second beat started by mistake waits for the lock instead of sending every task twice. The running beat
# renews the lock at least every beat_max_loop_interval seconds; a beat that died without releasing it is
# replaced after BEAT_LOCK_TIMEOUT seconds (a standby retries every beat_max_loop_interval).
beat_scheduler = "redbeat.RedBeatScheduler"
beat_max_loop_interval = 30
redbeat_redis_url = _settings.REDIS_URL
redbeat_redis_options = {"retry_period": 60}  # RedBeat retries its Redis calls for up to 60 s (e.g. a restart)
redbeat_key_prefix = "parcferme:beat:"
redbeat_lock_timeout = _settings.BEAT_LOCK_TIMEOUT
