"""HTTP request handler: data endpoints plus the ``/__replay/*`` controls."""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from .faults import HTML_ERRORS, SESSION_IN_PROGRESS
from .query import answer_query

FAULT_STATUS = {"500": 500, "502": 502, "503": 503, "504": 504, "429": 429, "close": 0}

API_PREFIX = "/v1"
CONTROL_PREFIX = "/__replay/"
RATE_EXCEEDED = b"Rate exceeded"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"


def to_route(path: str) -> str:
    """Drop an optional ``/v1`` prefix: ``/v1/drivers`` -> ``/drivers``."""
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX):] or "/"
    return path


def encode_json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class ReplayRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection; ``self.server.replay`` is the ReplayServer."""

    protocol_version = "HTTP/1.1"
    server_version = "OpenF1Replay/1.0"
    timeout = 30  # seconds an idle keep-alive connection may stay open
    disable_nagle_algorithm = True  # headers and body are separate writes
    throttled = (RATE_EXCEEDED, TEXT_TYPE)  # body and Content-Type of a 429

    @property
    def replay(self):
        return self.server.replay

    def do_GET(self) -> None:
        path, _, query = self.path.split("#", 1)[0].partition("?")
        route = to_route(path)
        if route.startswith(CONTROL_PREFIX):
            self._control_get(route)
        else:
            self._serve_data(path, route.strip("/"), query)

    def do_POST(self) -> None:
        body = self._read_body()
        route = to_route(self.path.partition("?")[0])
        if route.strip("/") == "token":
            self._issue_token(body)
        elif not self._control_post(route):
            self._send_json(405, {"detail": "Method Not Allowed"})

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.replay.verbose:
            super().log_message(format, *args)

    def _issue_token(self, body: bytes) -> None:
        """OpenF1's sponsor login: form `username`, `password` → bearer token, `expires_in` as a string."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        token = self.replay.issue_token(form.get("username"), form.get("password"))
        if token is None:
            self._send_json(401, {"detail": "Invalid username or password"})
            return
        self._send_json(200, {"access_token": token, "token_type": "bearer",
                              "expires_in": str(int(self.replay.token_ttl))})

    def _serve_data(self, path: str, endpoint: str, query: str) -> None:
        state = self.replay.state
        authorization = self.headers.get("Authorization")
        if authorization is not None and not self.replay.token_valid(authorization.removeprefix("Bearer ")):
            self._send_json(401, {"detail": "Could not validate credentials"})
            return
        admission = state.admit(endpoint, storm=time.monotonic() < self.replay.storm_until)
        if not admission.accepted:
            state.log(admission, path, query, 429)
            self._send(429, *self.throttled)
            return
        if self.replay.faults.locked_out():
            state.log(admission, path, query, 401)
            self._send(401, SESSION_IN_PROGRESS, JSON_TYPE)
            return
        if self.replay.faults.refuses(endpoint, query):
            state.log(admission, path, query, 504)
            self._send(504, HTML_ERRORS[504], "text/html")
            return
        fault = self.replay.faults.draw(endpoint)
        if fault is not None and self._inject(fault):
            state.log(admission, path, query, FAULT_STATUS.get(fault, 0))
            return
        latency = self.replay.latency
        if latency > 0:
            time.sleep(latency)
        status, body = self._answer(endpoint, query)
        if fault == "truncated":
            body = body[: max(1, len(body) // 2)]
        state.log(admission, path, query, status, authenticated=authorization is not None)
        self._send(status, body, JSON_TYPE)

    def _inject(self, fault: str) -> bool:
        """Answer with the fault; False when the request must still be answered (slow, truncated)."""
        if fault in ("500", "502", "503", "504"):
            self._send(int(fault), HTML_ERRORS[int(fault)], "text/html")
        elif fault == "429":
            self.replay.storm(self.replay.faults.storm_seconds)
            self._send(429, *self.throttled)
        elif fault == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault == "slow":
            time.sleep(self.replay.faults.slow_seconds)
            return False
        else:
            return False
        return True

    def _answer(self, endpoint: str, query: str) -> tuple[int, bytes]:
        try:
            status, payload = answer_query(self.replay.records, endpoint, query)
            return status, encode_json(payload)
        except Exception as error:  # never drop the connection on a bug
            self.log_error("error answering %s?%s: %r", endpoint, query, error)
            return 500, encode_json({"detail": "Internal Server Error"})

    def _control_get(self, route: str) -> None:
        name = route[len(CONTROL_PREFIX):].rstrip("/")
        if name == "stats":
            self._send_json(200, self.replay.stats())
        elif name == "health":
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"detail": "Not Found"})

    def _control_post(self, route: str) -> bool:
        """Answer ``POST /__replay/reset``; False when `route` is not it (nothing sent)."""
        if route.rstrip("/") != CONTROL_PREFIX + "reset":
            return False
        self.replay.reset()
        self._send_json(200, {"ok": True})
        return True

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: object) -> None:
        self._send(status, encode_json(payload), JSON_TYPE)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
