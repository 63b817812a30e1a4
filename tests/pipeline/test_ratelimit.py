"""The fleet limiter on the real Redis: reservations keep every sliding window within the limit, a slot is
the same when asked again, 429s set a shared cool-down, and many processes together stay within the limit."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import pytest
import redis

from openf1_replay import max_in_window
from harness.workers import broker_url
from workers.errors import BadArgument
from workers.errors import Throttled
from workers.ratelimit import FleetLimiter, Rate, parse_rates

REDIS_URL = broker_url("ratelimit")


@pytest.fixture()
def limiter_factory():
    client = redis.Redis.from_url(REDIS_URL)
    sources = []

    def make(rates, **options) -> FleetLimiter:
        sources.append(f"test-{uuid.uuid4().hex[:8]}")
        return FleetLimiter(client, rates, source=sources[-1], **options)

    yield make
    for source in sources:
        for key in client.scan_iter(f"parcferme:{source}:*"):
            client.delete(key)


def slots(limiter: FleetLimiter, count: int, n: int = 1) -> list[float]:
    """Reserved slot times (Redis clock) of `count` owners."""
    return [limiter.reservation(f"o{i}", n)[0] for i in range(count)]


def test_the_limits_notation_is_read_and_off_means_no_limit():
    assert parse_rates("3/second;30/minute") == [Rate(3, 1.0), Rate(30, 60.0)]
    assert parse_rates("off") == [] and parse_rates("") == []
    with pytest.raises(BadArgument, match="limits notation"):
        parse_rates("three per second")


@pytest.mark.parametrize("rates", [[Rate(3, 1.0)], [Rate(3, 1.0), Rate(5, 3.0)], [Rate(30, 10.0)]])
def test_reserved_slots_never_put_more_than_the_limit_in_any_window(limiter_factory, rates):
    limiter = limiter_factory(rates, grace=0.0, spacing=0.0)
    reserved = slots(limiter, 40)
    for rate in rates:
        assert max_in_window(reserved, rate.period) <= rate.limit
    # ... and use the window fully: the first burst is the limit itself, not less
    first_window = min(r.period for r in rates) / 2
    assert sum(1 for t in reserved if t - reserved[0] < first_window) == min(r.limit for r in rates)


def test_a_burst_at_a_window_edge_cannot_double_the_rate(limiter_factory):
    limiter = limiter_factory([Rate(5, 1.0)], grace=0.0, spacing=0.0)
    reserved = slots(limiter, 15)
    # a fixed window would allow 5 at 0.99 s and 5 more at 1.0 s: a sliding one never has 10 within a second
    assert max_in_window(reserved, 1.0) == 5
    assert reserved[10] - reserved[0] >= 2.0 - 1e-3


def test_asking_again_returns_the_slot_already_reserved(limiter_factory):
    limiter = limiter_factory([Rate(2, 5.0)], grace=0.0, spacing=0.0)
    limiter.reserve("a"), limiter.reserve("b")
    first = limiter.reserve("late")
    time.sleep(0.2)  # time passing is the test: the same slot, 0.2 s nearer
    again = limiter.reserve("late")
    assert first > 4.5 and abs((first - again) - 0.2) < 0.05


def test_a_slot_not_used_in_time_is_given_up_and_reserved_anew(limiter_factory):
    limiter = limiter_factory([Rate(1, 0.5)], grace=0.05, spacing=0.0)
    stale, _ = limiter.reservation("x")
    time.sleep(0.1)  # later than the grace: using the old slot now could break the window
    fresh, now = limiter.reservation("x")
    assert fresh >= now > stale + 0.09  # a new slot from now, not the old one ...
    assert limiter.reservation("y")[0] == pytest.approx(fresh + 0.5 + limiter.grace, abs=0.01)  # the old one freed


def test_a_wait_over_the_bound_raises_throttled_with_the_wait(limiter_factory):
    limiter = limiter_factory([Rate(1, 30.0)], max_sleep=1.0)
    limiter.acquire("first")
    with pytest.raises(Throttled) as caught:
        limiter.acquire("second")
    assert 29 < caught.value.wait <= 30.5
    assert limiter.stats()["throttled"] == 1


def test_a_short_wait_is_slept_inside_the_bound(limiter_factory):
    limiter = limiter_factory([Rate(1, 0.3)], grace=0.0, spacing=0.0, max_sleep=1.0)
    limiter.acquire("a")
    started = time.monotonic()
    limiter.acquire("b")
    assert 0.25 <= time.monotonic() - started < 0.6


def test_a_429_sets_a_shared_cool_down_that_grows_and_honours_retry_after(limiter_factory):
    limiter = limiter_factory([Rate(100, 1.0)], cooldown_base=0.2, cooldown_max=10.0)
    assert limiter.cool_down(None) == pytest.approx(0.2, abs=0.02)
    assert limiter.cool_down(None) == pytest.approx(0.2, abs=0.02)  # same burst: the cool-down does not grow
    time.sleep(0.25)  # past the cool-down on purpose: a 429 after it is a new burst
    assert limiter.cool_down(None) == pytest.approx(0.4, abs=0.02)  # 429s go on after it: it grows
    time.sleep(0.45)  # past the grown cool-down on purpose
    assert limiter.cool_down(None) == pytest.approx(0.8, abs=0.02)
    assert limiter.reserve("after-429") == pytest.approx(0.8, abs=0.05)  # every caller waits it out
    other = FleetLimiter(limiter.redis, [Rate(100, 1.0)], source=limiter.source)  # another worker
    assert other.reserve("elsewhere") == pytest.approx(0.8, abs=0.05)
    assert limiter.cool_down(7.0) == pytest.approx(7.0, abs=0.1)  # Retry-After wins
    assert limiter.stats()["429"] == 5


def test_a_reservation_made_before_a_429_waits_for_the_cool_down(limiter_factory):
    limiter = limiter_factory([Rate(1, 2.0)], grace=0.0, spacing=0.0)
    limiter.reserve("a")
    held = limiter.reserve("b")
    limiter.cool_down(5.0)
    assert limiter.reserve("b") > max(held, 4.5)


def _reserve_many(source: str, count: int, queue) -> None:
    limiter = FleetLimiter(redis.Redis.from_url(REDIS_URL), [Rate(10, 1.0), Rate(25, 5.0)], source=source,
                           grace=0.0, spacing=0.0)
    queue.put([limiter.reservation(uuid.uuid4().hex)[0] for _ in range(count)])


def test_processes_reserving_at_once_share_one_limit(limiter_factory):
    source = limiter_factory([Rate(10, 1.0)]).source
    queue = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(target=_reserve_many, args=(source, 20, queue))
             for _ in range(4)]
    for p in procs:
        p.start()
    reserved = sorted(t for _ in procs for t in queue.get(timeout=30))
    for p in procs:
        p.join(10)
    assert len(reserved) == 80
    assert max_in_window(reserved, 1.0) <= 10 and max_in_window(reserved, 5.0) <= 25


def test_a_429_cools_down_its_own_source_only(limiter_factory):
    limited, other = limiter_factory([Rate(10, 1.0)], grace=0.0, spacing=0.0), limiter_factory([Rate(10, 1.0)])
    limited.cool_down(30.0)
    assert limited.reserve("a") > 29 and other.reserve("a") <= 0
