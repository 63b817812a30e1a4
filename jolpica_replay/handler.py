"""HTTP handler: Jolpica's season-level endpoints under ``/ergast/f1`` plus the ``/__replay/*`` controls.

In the order Jolpica's stack decides: a path that is no endpoint is 404 (no limit counted); a query parameter
whose name contains `cache` is 403 (the proxy's rule, before the API: not counted either); then the limits
(429 ``{"detail":"Request was throttled."}``, no Retry-After); then injected faults; then the answer, always 200
with JSON (an empty one has `total` "0" and `Races` []).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl

from replay_kit.handler import CONTROL_PREFIX, FAULT_STATUS, JSON_TYPE, ReplayRequestHandler, encode_json

from .tables import ENDPOINTS, envelope, paging

API_PREFIX = "/ergast/f1"
ROUTE = re.compile(
    r"^/ergast/f1/(?P<season>\d{4})(?:/(?P<round>\d{1,2}))?(?:/(?P<endpoint>races|results|qualifying|sprint))?"
    r"(?:\.json|/)?$"
)
THROTTLED = b'{"detail":"Request was throttled."}'
# Bodies of the proxy's 403 (nginx, as the Server header of recorded answers says) and Django's 404: only their
# statuses are recorded facts.
FORBIDDEN = (b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
             b"<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
NOT_FOUND = (b"<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n"
             b"  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n")
HTML_TYPE = "text/html"
JOLPICA_HEADERS = {"Vary": "Accept, origin", "Allow": "GET, HEAD, OPTIONS", "Cache-Control": "max-age=3600"}


def forbids_cache_busting(query: str) -> bool:
    return any("cache" in name.lower() for name, _ in parse_qsl(query, keep_blank_values=True))


class JolpicaRequestHandler(ReplayRequestHandler):
    """Serves one connection; ``self.server.replay`` is the JolpicaReplayServer."""

    server_version = "JolpicaReplay/1.0"
    throttled = (THROTTLED, JSON_TYPE)

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        path, _, query = self.path.split("#", 1)[0].partition("?")
        if path.startswith(CONTROL_PREFIX):
            self._control_get(path)
            return
        route = ROUTE.match(path)
        if route is None:
            self._send(404, NOT_FOUND, HTML_TYPE)
        elif forbids_cache_busting(query):
            self._send(403, FORBIDDEN, HTML_TYPE)
        else:
            self._serve_route(path, query, route)

    def do_POST(self) -> None:
        self._read_body()
        if not self._control_post(self.path.partition("?")[0]):
            self._send_json(405, {"detail": 'Method "POST" not allowed.'})

    def _serve_route(self, path: str, query: str, route: re.Match) -> None:
        endpoint = route["endpoint"] or "races"
        state = self.replay.state
        admission = self._admit(endpoint, path, query)
        if admission is None:
            return
        fault = self.replay.faults.draw(endpoint)
        if fault is not None and self._inject(fault):
            state.log(admission, path, query, FAULT_STATUS.get(fault, 0))
            return
        if self.replay.latency > 0:
            time.sleep(self.replay.latency)
        status, body = self._page(path, query, route)
        if fault == "truncated":
            body = body[: max(1, len(body) // 2)]
        state.log(admission, path, query, status)
        self._send(status, body, JSON_TYPE)

    def _page(self, path: str, query: str, route: re.Match) -> tuple[int, bytes]:
        try:
            limit, offset = paging(query)
            round_number = int(route["round"]) if route["round"] else None
            page = self.replay.catalogue.page(ENDPOINTS[route["endpoint"] or "races"], int(route["season"]),
                                              round_number, limit, offset)
            criteria = {"season": route["season"], **({"round": route["round"]} if route["round"] else {})}
            return 200, encode_json(envelope(self._absolute_url(path), limit, offset, page, criteria))
        except Exception as error:  # noqa: BLE001  (never drop the connection on a bug)
            self.log_error("error answering %s?%s: %r", path, query, error)
            return 500, encode_json({"detail": "Internal Server Error"})

    def _absolute_url(self, path: str) -> str:
        """Jolpica's `MRData.url`: the request's absolute URL without its query, lower-cased."""
        host = self.headers.get("Host") or self.replay.root_url.removeprefix("http://")
        return f"http://{host}{path}".lower()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 200:
            for name, value in JOLPICA_HEADERS.items():
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
