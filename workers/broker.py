"""A repair to kombu's Redis transport, so that a Redis restart never stops a worker.

When the broker connection drops, Celery closes the old connection and opens a new one. Two calls on the
old, closed channel then fail with something other than a connection error, because kombu 5.7 builds a
new client from a connection it has already torn down (`AttributeError: 'NoneType' object has no attribute
'hostname'` / `'client'`, the class of kombu issues #582 and #970):

- closing it gives its unacknowledged messages back to the queue (`QoS.restore_unacked_once`);
- a task that was running through the outage ends and acknowledges (or rejects) its message on it.

Celery ignores only connection errors there, so the worker died with "Unrecoverable error" (measured in
tests/system/test_chaos.py, about 1 Redis restart in 3). Neither call is needed for correctness: the messages are
still in Redis's unacked set and the visibility-timeout sweep gives them back (REDIS_VISIBILITY_TIMEOUT),
so a task whose acknowledgement was lost runs once more, which every task here allows. The failure is
logged and the worker goes on; the consumer reconnects as after any connection loss.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from kombu.transport import redis as kombu_redis

log = logging.getLogger("parcferme.broker")


class QoS(kombu_redis.QoS):
    def restore_unacked_once(self, stderr=None):
        pending = len(self._delivered)
        try:
            return super().restore_unacked_once(stderr)
        except Exception as exc:  # noqa: BLE001  (any failure here must not stop the worker, see above)
            log.warning("could not give back %d unacknowledged message(s) while closing a lost broker connection "
                        "(%s); the visibility-timeout sweep brings them back", pending, type(exc).__name__)
            return None

    def ack(self, delivery_tag):
        with self._on_a_lost_connection("acknowledge", delivery_tag):
            return super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        with self._on_a_lost_connection("reject", delivery_tag):
            return super().reject(delivery_tag, requeue=requeue)

    @contextmanager
    def _on_a_lost_connection(self, what: str, delivery_tag) -> Iterator[None]:
        try:
            yield
        except AttributeError as exc:
            if not self.channel.closed:  # not the torn-down channel: a bug of its own, let it show
                raise
            self._delivered.pop(delivery_tag, None)
            log.warning("could not %s a message on a lost broker connection (%s); it is delivered again after the "
                        "visibility timeout", what, type(exc).__name__)


def install() -> None:
    """Make kombu's Redis channels (the plain and the Sentinel one) use the QoS above; idempotent."""
    kombu_redis.Channel.QoS = QoS
