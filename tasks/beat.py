"""The beat scheduler: RedBeat, made to outlive a Redis outage.

RedBeat keeps the schedule and a lock in Redis. Its own retries (`redbeat_redis_options.retry_period`)
cover plain commands but not the lock nor the pipelines, so a Redis restart made `celery beat` exit with
"beat raised exception ConnectionError" (measured in tests/system/test_chaos.py), and the schedule, including the
resume sweep that repairs what the outage lost, stopped with it. This scheduler waits the outage out
instead, and when the lock is gone on return (a Redis that lost its data, or an outage longer than the
lock's timeout) it takes the lock again before sending anything, waiting while another beat holds it, so at
most one beat sends, and writes the schedule back.

Run it with `celery -A tasks beat -S tasks.beat:Scheduler` (also the app's `beat_scheduler`).
"""

from __future__ import annotations

import logging

import redis
from redbeat import RedBeatScheduler

log = logging.getLogger("parcferme.beat")

OUTAGE_RETRY = 5.0  # seconds between two ticks while Redis cannot be reached
_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class Scheduler(RedBeatScheduler):
    def tick(self, *args, **kwargs) -> float:
        try:
            return super().tick(*args, **kwargs)
        except redis.exceptions.LockError:
            return self._take_lock_again()
        except _UNREACHABLE as exc:
            log.warning("beat: Redis unreachable (%s), trying again in %gs", type(exc).__name__, OUTAGE_RETRY)
            return OUTAGE_RETRY

    def _take_lock_again(self) -> float:
        log.warning("beat: the lock was lost (Redis lost its data, or the outage outlived the lock): taking it again")
        try:
            self.lock.acquire()  # blocks while another beat holds it: that one sends, this one stands by
            log.info("beat: Acquired lock")
            self.setup_schedule()  # the static entries, in case Redis lost them
        except _UNREACHABLE as exc:
            log.warning("beat: Redis unreachable (%s), trying again in %gs", type(exc).__name__, OUTAGE_RETRY)
            return OUTAGE_RETRY
        return 0.0

    def close(self) -> None:
        try:
            super().close()
        except (*_UNREACHABLE, redis.exceptions.LockError) as exc:  # stopping during an outage: nothing to free
            log.warning("beat: could not release the lock (%s); it expires by itself", type(exc).__name__)
