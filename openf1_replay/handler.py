"""HTTP request handler: OpenF1's data endpoints and ``POST /token``, plus the ``/__replay/*`` controls."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from replay_kit.faults import HTML_ERRORS
from replay_kit.handler import CONTROL_PREFIX, FAULT_STATUS, JSON_TYPE, TEXT_TYPE, ReplayRequestHandler, encode_json

API_PREFIX = "/v1"
RATE_EXCEEDED = b"Rate exceeded"
SESSION_IN_PROGRESS = b'{"detail":"Session in progress. Data will be available after the session ends."}'


def to_route(path: str) -> str:
    """Drop an optional ``/v1`` prefix: ``/v1/drivers`` -> ``/drivers``."""
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX):] or "/"
    return path


class OpenF1RequestHandler(ReplayRequestHandler):
    """Serves one connection; ``self.server.replay`` is the ReplayServer."""

    server_version = "OpenF1Replay/1.0"
    throttled = (RATE_EXCEEDED, TEXT_TYPE)  # body and Content-Type of a 429

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
        replay = self.replay
        now = replay.now()
        extra = {"at": now.isoformat()} if replay.live is not None else {}  # live: the clock the timeline is on
        authorization = self.headers.get("Authorization")
        if authorization is not None and not replay.token_valid(authorization.removeprefix("Bearer ")):
            if replay.live is not None:  # live: every answer is in the log, this one too (not metered)
                replay.state.log(replay.state.unmetered(), path, query, 401, authenticated=True, **extra)
            self._send_json(401, {"detail": "Could not validate credentials"})
            return
        admission = self._admit(endpoint, path, query, **extra)
        if admission is None:
            return

        def log(status: int, **fields) -> None:
            replay.state.log(admission, path, query, status, **fields, **extra)

        if replay.faults.locked_out() or (authorization is None and replay.session_running(now)):
            log(401)
            self._send(401, SESSION_IN_PROGRESS, JSON_TYPE)
            return
        if replay.faults.refuses(endpoint, query):
            log(504)
            self._send(504, HTML_ERRORS[504], "text/html")
            return
        fault = replay.faults.draw(endpoint)
        if fault is not None and self._inject(fault):
            log(FAULT_STATUS.get(fault, 0))
            return
        if replay.latency > 0:
            time.sleep(replay.latency)
        status, body = self._answer(endpoint, query, now)
        if fault == "truncated":
            body = body[: max(1, len(body) // 2)]
        log(status, authenticated=authorization is not None)
        self._send(status, body, JSON_TYPE)

    def _answer(self, endpoint: str, query: str, now) -> tuple[int, bytes]:
        try:
            status, payload = self.replay.answer(endpoint, query, now)
            return status, encode_json(payload)
        except Exception as error:  # noqa: BLE001  (never drop the connection on a bug)
            self.log_error("error answering %s?%s: %r", endpoint, query, error)
            return 500, encode_json({"detail": "Internal Server Error"})

    def _control_answer(self, name: str) -> object | None:
        """The kit's controls, plus ``GET /__replay/live`` (the live weekend's timeline) in live mode."""
        if name == "live":
            return self.replay.live_timeline() if self.replay.live is not None else None
        return super()._control_answer(name)
