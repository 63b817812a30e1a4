"""One rate limit per source for the whole fleet, kept in Redis (keys `parcferme:<source>:…`) and updated atomically.

Each request *reserves* its own future slot (a sliding log per rate, so any window of the server's, aligned
or not, holds at most the limit) and learns how long to wait; nobody polls and retries. A slot may be used up
to `grace` seconds late, so every period is lengthened by `grace`: lateness within it never breaks the
window. Slots are at least `spacing` apart so a burst is spread over the time a worker needs to use it.
Time comes from Redis `TIME`, so the hosts' clocks do not matter. A 429 anywhere sets a cool-down that
every reservation respects: Retry-After when given, else a backoff that grows while 429s keep coming.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from dataclasses import dataclass
from typing import Sequence

import limits
import redis

from workers.errors import BadArgument, Throttled

# The Celery task id when a task is running, so a re-scheduled task finds the slot it reserved.
current_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("slot_owner", default=None)

_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local owner_key, cool_key = KEYS[1], KEYS[2]
local n, grace, spacing, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cool = tonumber(redis.call('GET', cool_key) or '0')
local held = redis.call('HMGET', owner_key, 'at', 'members')
if held[1] then
  local at = tonumber(held[1])
  if at + grace >= now and at >= cool then
    return {tostring(at), tostring(now), 'held'}
  end
  for i = 3, #KEYS do
    for member in string.gmatch(held[2], '[^,]+') do redis.call('ZREM', KEYS[i], member) end
  end
  redis.call('DEL', owner_key)
  redis.call('INCR', ARGV[#ARGV])  -- a slot its owner came back too late for: lost
end
local x = math.max(now, cool)
for i = 3, #KEYS do
  local limit = tonumber(ARGV[6 + (i - 3) * 2])
  local period = tonumber(ARGV[7 + (i - 3) * 2]) + grace
  if n > limit then return redis.error_reply('a reservation of ' .. n .. ' exceeds the limit ' .. limit) end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. tostring(now - period - 1))
  local last = redis.call('ZREVRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if last[2] then x = math.max(x, tonumber(last[2]) + spacing) end
  local bound = redis.call('ZREVRANGE', KEYS[i], limit - n, limit - n, 'WITHSCORES')
  if bound[2] then x = math.max(x, tonumber(bound[2]) + period) end
end
local members = {}
for j = 1, n do members[j] = string.format('%.6f', x) .. ':' .. ARGV[5] .. ':' .. j end
for i = 3, #KEYS do
  for j = 1, n do redis.call('ZADD', KEYS[i], x, members[j]) end
  redis.call('EXPIRE', KEYS[i], ttl)
end
redis.call('HSET', owner_key, 'at', tostring(x), 'members', table.concat(members, ','))
redis.call('EXPIRE', owner_key, ttl)
return {tostring(x), tostring(now), 'new'}
"""

_COOL_DOWN = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
redis.call('INCR', KEYS[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wait = tonumber(ARGV[1])
if wait < 0 then
  if current > now then return tostring(current - now) end  -- a 429 of a request sent before the cool-down
  local level = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
  wait = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (level - 1))
end
local untill = now + wait
if untill > current then redis.call('SET', KEYS[1], tostring(untill), 'EX', math.ceil(wait) + 60) end
return tostring(math.max(untill, current) - now)
"""

MAX_GRACE_SHARE = 0.05
# The backoff level falls back to its start once no 429 has grown it for this long.
COOL_DOWN_MEMORY = 60


@dataclass(frozen=True)
class Rate:
    limit: int
    period: float


def parse_rates(spec: str | None, setting: str = "RATE_LIMIT") -> list[Rate]:
    """`3/second;30/minute` (the `limits` notation) → rates; empty, `none` or `off` → no limit."""
    if spec is None or spec.strip().lower() in ("", "none", "off", "0"):
        return []
    try:
        return [Rate(item.amount, float(item.get_expiry())) for item in limits.parse_many(spec)]
    except ValueError as exc:
        raise BadArgument(f"{setting} is not in the limits notation (e.g. 3/second;30/minute): {exc}") from None


def least_time(requests: int, rates: Sequence[Rate]) -> float:
    """The least seconds `requests` take under sliding windows of these rates (the first goes at 0)."""
    times: list[float] = []
    for k in range(requests):
        times.append(max([0.0] + [times[k - r.limit] + r.period for r in rates if k >= r.limit]))
    return times[-1] if times else 0.0


class FleetLimiter:
    """Reservations against the fleet's shared limit of one source."""

    def __init__(self, client: redis.Redis, rates: Sequence[Rate], *, source: str, grace: float = 0.25,
                 spacing: float = 0.05, max_sleep: float = 1.0, cooldown_base: float = 1.0,
                 cooldown_max: float = 60.0) -> None:
        self.redis, self.rates, self.source = client, list(rates), source
        self.prefix = f"parcferme:{source}"
        # Lateness allowed on a slot (and so added to every period): at most 5% of the shortest period,
        # so 3/second keeps 95% of its rate while 30/10s tolerates a busy worker's quarter-second delay.
        self.grace = min([grace] + [MAX_GRACE_SHARE * r.period for r in self.rates])
        # Slots of a burst are spread so one worker can use them in turn, never by more than half the
        # average interval a rate allows (that would lower the rate itself).
        self.spacing = min([spacing] + [0.5 * r.period / r.limit for r in self.rates])
        self.max_sleep = max_sleep
        self.cooldown_base, self.cooldown_max = cooldown_base, cooldown_max
        self._reserve = client.register_script(_RESERVE)
        self._cool = client.register_script(_COOL_DOWN)
        self._ttl = int(max([r.period for r in self.rates] + [cooldown_max]) * 4 + 600)

    def _keys(self, owner: str) -> list[str]:
        rate_keys = [f"{self.prefix}:log:{r.limit}/{r.period:g}" for r in self.rates]
        return [f"{self.prefix}:owner:{owner}", f"{self.prefix}:cooldown"] + rate_keys

    def reservation(self, owner: str, n: int = 1) -> tuple[float, float]:
        """(slot, now) in Redis time for the owner's n requests. Asking again returns the same slot."""
        args = [n, self.grace, self.spacing, self._ttl, owner]
        for rate in self.rates:
            args += [rate.limit, rate.period]
        args.append(f"{self.prefix}:stats:lost")
        at, now, _ = self._reserve(keys=self._keys(owner), args=args)
        return float(at), float(now)

    def reserve(self, owner: str, n: int = 1) -> float:
        """Seconds until the owner's n requests may go (≤ 0: now)."""
        at, now = self.reservation(owner, n)
        return at - now

    def acquire(self, owner: str | None = None, n: int = 1) -> float:
        """Wait (at most `max_sleep`) for a slot, or raise Throttled with the wait to re-schedule for."""
        owner = owner or uuid.uuid4().hex
        wait = self.reserve(owner, n)
        if wait > self.max_sleep:
            self.redis.incr(f"{self.prefix}:stats:throttled")
            raise Throttled(wait, self.source)
        if wait > 0:
            time.sleep(wait)
        self.redis.delete(f"{self.prefix}:owner:{owner}")  # used: a later acquire reserves a new slot
        return max(wait, 0.0)

    def cool_down(self, retry_after: float | None) -> float:
        """Record a 429: every worker waits Retry-After, or a growing backoff, before its next request."""
        keys = [f"{self.prefix}:cooldown", f"{self.prefix}:cooldown-level", f"{self.prefix}:stats:429"]
        wait = -1 if retry_after is None else retry_after
        return float(self._cool(keys=keys, args=[wait, self.cooldown_base, self.cooldown_max, COOL_DOWN_MEMORY]))

    def stats(self) -> dict[str, int]:
        names = ("429", "throttled", "lost")
        values = self.redis.mget([f"{self.prefix}:stats:{n}" for n in names])
        return {n: int(v or 0) for n, v in zip(names, values)}
