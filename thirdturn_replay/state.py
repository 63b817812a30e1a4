"""Request statistics of the wiki replay: the kit's counters and log, plus what a crawler's manners
are judged by (statuses, titles, User-Agents, requests robots.txt disallows, 429s)."""

from __future__ import annotations

from collections import Counter

from replay_kit.ratelimit import FixedWindowLimiter, RateRule
from replay_kit.state import Admission, ReplayState

MAX_DISALLOWED_PATHS = 1000


class WikiState(ReplayState):
    """Fixed-window limiter (every request counts, robots.txt included) and the wiki's statistics."""

    def __init__(self, rules: list[RateRule]) -> None:
        super().__init__(rules, limiter=FixedWindowLimiter)

    def record(self, admission: Admission, path: str, query: str, status: int, *, title: str | None,
               user_agent: str, disallowed: bool) -> None:
        """Count one answered request (status 0: connection closed) unless stats were reset since it came."""
        entry = {"t": admission.t, "path": path, "query": query, "status": status, "title": title,
                 "user_agent": user_agent, "disallowed": disallowed}
        with self._lock:
            if admission.generation != self._generation:
                return
            self._log.append(entry)
            self._by_status[str(status)] += 1
            self._by_path[path] += 1
            self._user_agents[user_agent] += 1
            if title is not None:
                self._by_title[title] += 1
            if disallowed:
                self._disallowed += 1
                if len(self._disallowed_paths) < MAX_DISALLOWED_PATHS:
                    self._disallowed_paths.setdefault(path + (f"?{query}" if query else ""), None)

    def snapshot(self) -> dict:
        """``requests``/``rejected``/``by_endpoint`` as the other replays (accepted by the limiter, refused by
        it, accepted per title), then every answered request by status, path and title, the User-Agents seen,
        the requests robots.txt disallows, and the 429s (limiter, storms and injected)."""
        snapshot = super().snapshot()
        with self._lock:
            snapshot.update({
                "total": sum(self._by_status.values()),
                "by_status": dict(self._by_status),
                "by_path": dict(self._by_path),
                "by_title": dict(self._by_title),
                "user_agents": sorted(self._user_agents),
                "by_user_agent": dict(self._user_agents),
                "disallowed": self._disallowed,
                "disallowed_paths": list(self._disallowed_paths),
                "throttled": self._by_status.get("429", 0),
            })
        return snapshot

    def _clear_stats(self) -> None:
        super()._clear_stats()
        self._by_status: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._by_title: Counter[str] = Counter()
        self._user_agents: Counter[str] = Counter()
        self._disallowed = 0
        self._disallowed_paths: dict[str, None] = {}
