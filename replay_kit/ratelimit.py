"""Production-like rate limiting: sliding windows (OpenF1) or fixed windows (Jolpica).

A spec is one or more ``N/PERIOD`` rules separated by ``;`` where PERIOD is
``second``, ``minute``, ``hour``, a number of seconds followed by ``s`` or a
number before a unit: ``30/10s``, ``3/second;30/minute``, ``30/1s``,
``1/5second``.  A request is accepted when,
for every rule, fewer than N requests were accepted in the last PERIOD seconds
(the window ``(now - PERIOD, now]`` on ``time.monotonic``).  Rejected requests
do not count.  ``FixedWindowLimiter`` counts per fixed window instead (see there).
The limiters are not thread safe by themselves; the caller locks.  ``scaled`` divides
every period by a time scale (a replay run faster than real time).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

_RULE = re.compile(r"^\s*(?P<limit>\d+)\s*/\s*(?P<period>\S+)\s*$")
_SECONDS = re.compile(r"^(?P<number>\d+(\.\d+)?|\.\d+)s$")
_COUNTED_UNIT = re.compile(r"^(?P<number>\d+(\.\d+)?|\.\d+)\s*(?P<unit>[a-z]+)$")  # 5second, 2minutes
_PERIOD_WORDS = {"second": 1.0, "sec": 1.0, "minute": 60.0, "min": 60.0, "hour": 3600.0}
_DISABLED = ("", "none", "off")
HISTORY_SECONDS = 3600.0


@dataclass(frozen=True)
class RateRule:
    limit: int
    period: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.period:g}s"


RateLimitSpec = str | Iterable[RateRule] | None


def parse_rate_limit(spec: RateLimitSpec) -> list[RateRule]:
    """Parse ``"3/second;30/minute"`` into rules; None/""/"none"/"off" -> []."""
    if spec is None:
        return []
    if not isinstance(spec, str):
        return [_checked_rule(rule) for rule in spec]
    if spec.strip().lower() in _DISABLED:
        return []
    return [parse_rule(chunk) for chunk in spec.split(";") if chunk.strip()]


def parse_rule(text: str) -> RateRule:
    match = _RULE.match(text)
    if match is None:
        raise ValueError(f"invalid rate limit {text.strip()!r}: expected N/PERIOD such as 30/10s or 3/second")
    return _checked_rule(RateRule(int(match["limit"]), parse_period(match["period"])))


def parse_period(text: str) -> float:
    word = text.strip().lower()
    seconds = _SECONDS.match(word)
    if seconds:
        return float(seconds["number"])
    counted = _COUNTED_UNIT.match(word)
    if counted and _unit_seconds(counted["unit"]) is not None:
        return float(counted["number"]) * _unit_seconds(counted["unit"])
    unit = _unit_seconds(word)
    if unit is None:
        raise ValueError(f"invalid rate limit period {text!r}: use second, minute, hour, a number with 's' (10s) "
                         "or with a unit (5second)")
    return unit


def _unit_seconds(word: str) -> float | None:
    singular = word[:-1] if word.endswith("s") else word
    return next((_PERIOD_WORDS[w] for w in (word, singular) if w in _PERIOD_WORDS), None)


def describe_rules(rules: Iterable[RateRule]) -> str:
    return ";".join(str(rule) for rule in rules) or "none"


def scaled(rules: list[RateRule], time_scale: float) -> list[RateRule]:
    """The rules with every period divided by `time_scale`."""
    if time_scale <= 0:
        raise ValueError(f"time scale must be > 0, got {time_scale}")
    return [RateRule(rule.limit, rule.period / time_scale) for rule in rules]


def max_in_window(timestamps: Iterable[float], seconds: float) -> int:
    """The most timestamps falling in any window ``(t - seconds, t]``."""
    ordered = sorted(timestamps)
    best = start = 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


class SlidingWindowLimiter:
    """Counts accepted request times and refuses those over any rule.

    Accepted times are remembered for at least ``HISTORY_SECONDS`` even without
    rules, so a limit switched on at run time sees the requests before it.
    """

    def __init__(self, rules: Iterable[RateRule] = ()) -> None:
        self.rules = list(rules)
        self._accepted: list[float] = []

    def try_acquire(self, now: float) -> bool:
        """Accept (and remember) a request at ``now`` unless a rule is full."""
        self._forget_before(now - max([HISTORY_SECONDS] + [rule.period for rule in self.rules]))
        if any(self._count_since(now - rule.period) >= rule.limit for rule in self.rules):
            return False
        self._accepted.append(now)
        return True

    def set_rules(self, rules: Iterable[RateRule]) -> None:
        self.rules = list(rules)

    def retry_after(self, now: float) -> float:
        """Seconds from ``now`` until every full rule has room again (0 when none is full)."""
        waits = [self._accepted[-rule.limit] + rule.period - now for rule in self.rules
                 if self._count_since(now - rule.period) >= rule.limit]
        return max([0.0] + waits)

    def reset(self) -> None:
        self._accepted.clear()

    def _count_since(self, start: float) -> int:
        return len(self._accepted) - bisect_right(self._accepted, start)

    def _forget_before(self, start: float) -> None:
        del self._accepted[: bisect_right(self._accepted, start)]


class FixedWindowLimiter:
    """Counts requests per fixed window of each rule, as django-ratelimit does behind Jolpica's throttles.

    Each rule's windows follow one another from the first request after creation or `reset` (PERIOD long
    each); a request is refused when it would be the (N+1)-th of a window of any rule. With `count_refused`
    (Jolpica: its throttles all increment on every request) a refused request still counts in every rule's
    window, so requests refused by the per-second rule use up the hourly one.
    """

    def __init__(self, rules: Iterable[RateRule] = (), count_refused: bool = True) -> None:
        self.rules = list(rules)
        self.count_refused = count_refused
        self._epoch: float | None = None
        self._windows: dict[int, tuple[int, int]] = {}  # rule index -> (window number, requests counted in it)

    def try_acquire(self, now: float) -> bool:
        if self._epoch is None:
            self._epoch = now
        windows = [int((now - self._epoch) // rule.period) for rule in self.rules]
        counts = [self._count(index, window) for index, window in enumerate(windows)]
        accepted = all(count < rule.limit for count, rule in zip(counts, self.rules))
        if accepted or self.count_refused:
            for index, (window, count) in enumerate(zip(windows, counts)):
                self._windows[index] = (window, count + 1)
        return accepted

    def set_rules(self, rules: Iterable[RateRule]) -> None:
        self.rules = list(rules)
        self._windows.clear()

    def retry_after(self, now: float) -> float:
        """Seconds from ``now`` until the windows of every full rule have ended (0 when none is full)."""
        if self._epoch is None:
            return 0.0
        waits = []
        for index, rule in enumerate(self.rules):
            window = int((now - self._epoch) // rule.period)
            if self._count(index, window) >= rule.limit:
                waits.append(self._epoch + (window + 1) * rule.period - now)
        return max([0.0] + waits)

    def reset(self) -> None:
        self._epoch = None
        self._windows.clear()

    def _count(self, index: int, window: int) -> int:
        counted_window, count = self._windows.get(index, (window, 0))
        return count if counted_window == window else 0


def _checked_rule(rule: RateRule) -> RateRule:
    if not isinstance(rule, RateRule):
        raise TypeError(f"expected RateRule, got {rule!r}")
    if rule.limit < 1 or rule.period <= 0:
        raise ValueError(f"invalid rate limit {rule}: need at least 1 request per positive period")
    return rule
