"""workers/broker.py: closing a channel whose connection kombu has already torn down (what Celery does right
after the broker drops) must not raise, and must leave the unacknowledged message where the
visibility-timeout sweep finds it. On a real Redis (a DB of its own), through kombu's own channel."""

from __future__ import annotations

import logging

import pytest
import redis
from kombu import Connection
from kombu.transport import redis as kombu_redis

from harness.workers import broker_url

pytestmark = pytest.mark.integration
URL = broker_url("broker_repair")
QUEUE = "pytest-broker-repair"


@pytest.fixture()
def delivered():
    """A channel holding one delivered, unacknowledged message, its connection torn down as after a drop."""
    import tasks  # noqa: F401  (installs the repair, as every worker does)

    client = redis.Redis.from_url(URL)
    client.flushdb()
    with Connection(URL) as conn:
        queue = conn.SimpleQueue(QUEUE)
        queue.put({"meeting_key": 1229})
        queue.get(timeout=2)  # delivered, not acknowledged
        channel = queue.channel
        channel._disconnect_pools()
        channel.connection.client = None
        yield channel, client
    client.flushdb()


def test_kombu_alone_raises_here_so_the_repair_is_still_needed(delivered):
    channel, _ = delivered
    with pytest.raises(AttributeError, match="hostname"):
        kombu_redis.QoS.restore_unacked_once(channel.qos)  # once kombu stops raising, workers/broker.py can go


def test_closing_the_torn_down_channel_keeps_the_message_for_the_visibility_sweep(delivered, caplog):
    channel, client = delivered
    assert type(channel.qos).__module__ == "workers.broker"
    with caplog.at_level(logging.WARNING, logger="parcferme.broker"):
        channel.close()  # no exception: the consumer goes on to reconnect
    assert "could not give back 1 unacknowledged message(s)" in caplog.text
    assert client.hlen("unacked") == 1 and client.zcard("unacked_index") == 1


def test_acknowledging_on_the_torn_down_channel_leaves_the_message_for_redelivery(delivered, caplog):
    channel, client = delivered
    (tag,) = list(channel.qos._delivered)
    channel.close()  # the consumer closes the lost connection first; the task ends afterwards
    with caplog.at_level(logging.WARNING, logger="parcferme.broker"):
        channel.qos.ack(tag)
        channel.qos.reject(tag)
    assert caplog.text.count("on a lost broker connection") == 2
    assert client.hlen("unacked") == 1, "the message must stay where the visibility sweep gives it back"


def test_kombu_alone_raises_on_that_acknowledgement_too(delivered):
    channel, _ = delivered
    (tag,) = list(channel.qos._delivered)
    channel.close()
    with pytest.raises(AttributeError):
        kombu_redis.QoS.ack(channel.qos, tag)
