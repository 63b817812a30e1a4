"""Upstream faults, injected at random but reproducibly (a seeded generator), for chaos tests of every replay.

Kinds: `500` (HTML body), `502`, `503`, `504`, `slow` (answers after `slow_seconds`, past a client's read
timeout), `close` (the connection is closed without an answer), `truncated` (200 with half a JSON body),
`429` (a burst: every request refused with the replay's 429 answer for `storm_seconds`).
A `lockout` refuses every data request for its first seconds with the replay's lock-out answer (OpenF1's:
401 `Session in progress`).
`refuse_ranges` names endpoints whose range queries (`meeting_key>=A&meeting_key<=B`: a whole season at once)
always get 504 Gateway Time-out, as a gateway gives up on a query too big to answer in time; a query for one
key is answered as usual.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

KINDS = ("500", "502", "503", "504", "slow", "close", "truncated", "429")
HTML_ERRORS = {
    500: b"<html><head><title>500 Internal Server Error</title></head>"
         b"<body><h1>Internal Server Error</h1></body></html>",
    502: b"<html><head><title>502 Bad Gateway</title></head>"
         b"<body><center><h1>502 Bad Gateway</h1></center></body></html>",
    503: b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
    504: b"<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>",
}


@dataclass
class FaultPlan:
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    lockout: float = 0.0
    slow_seconds: float = 2.0
    storm_seconds: float = 1.0
    endpoints: tuple[str, ...] = ()  # only these endpoints get faults (empty: all)
    refuse_ranges: tuple[str, ...] = ()  # these endpoints answer every range query with 504
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault kinds must be among {KINDS} and the rate within 0..1 "
                             f"(got {sorted(unknown)}, {self.rate})")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """The lock-out counts from now (server start or reset)."""
        self.locked_until = time.monotonic() + self.lockout

    def locked_out(self) -> bool:
        return time.monotonic() < self.locked_until

    def refuses(self, endpoint: str, query: str) -> bool:
        """A range query of an endpoint named in `refuse_ranges` (it is never answered)."""
        return endpoint in self.refuse_ranges and any(op in unquote(query) for op in (">", "<"))

    def draw(self, endpoint: str = "") -> str | None:
        """The fault for the next request, or None."""
        if self.endpoints and endpoint not in self.endpoints:
            return None
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(self.kinds)
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind


def parse_kinds(spec: str | None) -> tuple[str, ...]:
    return KINDS if not spec or spec == "all" else tuple(k.strip() for k in spec.split(",") if k.strip())
