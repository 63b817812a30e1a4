"""HTTP handler: the wiki's URLs (``/wiki/<title>``, ``/w/index.php?title=``, ``/robots.txt``) plus the
``/__replay/*`` controls of ``replay_kit``.

Every request but the controls, in this order: the limit (fixed windows, robots.txt and 404s count too; over it
429 with Retry-After); then the route. A page view goes through MediaWiki's steps: a bad title is 400; a title
not in canonical form (spaces, ``%20``, a lower-case first letter) is a 301 to the canonical URL, as MediaWiki's
``tryNormaliseRedirect`` does when no other parameter is given; a title of the redirect table is a 301 to its
target (or, with ``redirect_status=200``, the target's page served under the old title); then injected faults;
then the recorded page's bytes (200) or MediaWiki's "no text in this page" (404). Each request is also judged
against robots.txt for its User-Agent and counted as ``disallowed`` when robots.txt forbids it (it is still
answered).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, unquote

from replay_kit.handler import CONTROL_PREFIX, FAULT_STATUS, ReplayRequestHandler

from .bodies import NOT_FOUND, bad_title, missing_page, too_many_requests
from .pages import title_path

ROBOTS_PATH = "/robots.txt"
ARTICLE_PREFIX = "/wiki/"
SCRIPT_PATHS = ("/w/index.php", "/index.php")
MAIN_PAGE = "Main_Page"
HTML_TYPE = "text/html; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
PAGE_HEADERS = {"Content-Language": "en", "Vary": "Accept-Encoding, Cookie",
                "Cache-Control": "private, must-revalidate, max-age=0", "X-Content-Type-Options": "nosniff"}
REDIRECT_HEADERS = {"Cache-Control": "s-maxage=1200, must-revalidate, max-age=0"}


class WikiRequestHandler(ReplayRequestHandler):
    """Serves one connection; ``self.server.replay`` is the ThirdTurnReplayServer."""

    server_version = "ThirdTurnReplay/1.0"
    _pending: tuple | None = None  # the wiki request being answered, until it is counted
    _title: str | None = None  # the canonical title of a page view, for the stats

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        target = self.path.split("#", 1)[0]
        path, _, query = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            self._control_get(path)
        else:
            self._serve_wiki(path, query)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self._read_body()
        if not self._control_post(self.path.partition("?")[0]):
            self._send_raw(405, NOT_FOUND, HTML_TYPE)

    # ------------------------------------------------------------------ routing

    def _serve_wiki(self, path: str, query: str) -> None:
        replay = self.replay
        admission = replay.state.admit(path, storm=replay.storming)
        agent = self.headers.get("User-Agent", "")
        disallowed = path != ROBOTS_PATH and not replay.robots.allows(agent, path + (f"?{query}" if query else ""))
        self._title = None
        self._pending = (admission, path, query, agent, disallowed)
        self._record(self._route(path, query, admission))

    def _record(self, status: int) -> None:
        """Count the request being answered, once, before its answer leaves (so a client that has its answer
        finds it in the stats)."""
        if self._pending is None:
            return
        admission, path, query, agent, disallowed = self._pending
        self._pending = None
        self.replay.state.record(admission, path, query, status, title=self._title, user_agent=agent,
                                 disallowed=disallowed)

    def _route(self, path: str, query: str, admission) -> int:
        if not admission.accepted:
            wait = admission.retry_after or max(0.0, self.replay.storm_until - time.monotonic())
            return self._throttled(wait)
        if path == ROBOTS_PATH:
            return self._send_raw(200, self.replay.robots.body, TEXT_TYPE)
        if path.startswith(ARTICLE_PREFIX):
            params = parse_qsl(query, keep_blank_values=True)
            return self._view(unquote(path[len(ARTICLE_PREFIX):]) or MAIN_PAGE, params)
        if path in SCRIPT_PATHS:
            params = parse_qsl(query, keep_blank_values=True)
            title = next((value for name, value in params if name == "title"), MAIN_PAGE)
            return self._view(title, [(name, value) for name, value in params if name != "title"])
        if path == "/":
            return self._moved(MAIN_PAGE)
        return self._send_raw(404, NOT_FOUND, HTML_TYPE)

    def _view(self, text: str, params: list[tuple[str, str]]) -> int:
        replay = self.replay
        title = replay.titles.canonical(text)
        if title is None:
            return self._send_raw(400, bad_title(text), HTML_TYPE)
        self._title = title
        if title != text and all(name == "action" and value == "view" for name, value in params):
            return self._moved(title)
        target = replay.redirects.get(title)
        if target is not None and replay.redirect_status == 301:
            return self._moved(target)
        return self._page(target or title)

    def _page(self, title: str) -> int:
        replay = self.replay
        fault = replay.faults.draw(title)
        if fault is not None and self._inject(fault):
            return FAULT_STATUS.get(fault, int(fault) if fault.isdigit() else 0)
        page = replay.pages.get(title)
        if page is None:
            return self._send_raw(404, missing_page(title), HTML_TYPE, PAGE_HEADERS)
        if replay.page_latency > 0:
            time.sleep(replay.page_latency)
        body = page.body[: max(1, len(page.body) // 2)] if fault == "truncated" else page.body
        return self._send_raw(200, body, HTML_TYPE, PAGE_HEADERS)

    # ------------------------------------------------------------------ answers

    def _moved(self, title: str) -> int:
        """301 to the title's canonical URL, absolute as MediaWiki writes it (from the request's Host)."""
        host = self.headers.get("Host") or self.replay.root_url.removeprefix("http://")
        location = f"http://{host}{title_path(title)}"
        return self._send_raw(301, b"", HTML_TYPE, {"Location": location, **REDIRECT_HEADERS})

    def _throttled(self, wait: float) -> int:
        retry_after = self.replay.format_retry_after(wait)
        body = too_many_requests(self.replay.describe_limit(), retry_after)
        return self._send_raw(429, body, HTML_TYPE, {"Retry-After": retry_after})

    def _inject(self, fault: str) -> bool:
        if fault == "429":
            self.replay.storm(self.replay.faults.storm_seconds)
            self._throttled(self.replay.faults.storm_seconds)
            return True
        if fault == "close":
            self._record(0)
        return super()._inject(fault)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._send_raw(status, body, content_type)

    def _send_raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> int:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status
