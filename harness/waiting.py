"""Waiting on a condition with a deadline, never on a fixed sleep: a test goes on as soon as what it waits for is
true, and when it never comes the failure names it."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05,
               detail: Callable[[], str] | None = None) -> T:
    """Ask `predicate` every `interval` seconds until it answers something true, and return that answer; after
    `timeout` seconds raise an AssertionError naming `what` it waited for, with `detail()` (a log's tail, say)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer:
            return answer
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout}s for {what}" + (f":\n{detail()}" if detail else ""))
        time.sleep(interval)  # the pause between two looks: how long it takes decides nothing
