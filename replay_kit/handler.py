"""The request handler every replay's handler extends: the ``/__replay/*`` controls (``GET /__replay/stats``,
``GET /__replay/health``, ``POST /__replay/reset``), the limiter's admission of a data request, injected faults
and the helpers that send an answer. A replay's handler adds its own routes and answers on top."""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler

from .faults import HTML_ERRORS
from .state import Admission

FAULT_STATUS = {"500": 500, "502": 502, "503": 503, "504": 504, "429": 429, "close": 0}  # status logged per fault

CONTROL_PREFIX = "/__replay/"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"


def encode_json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class ReplayRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection; ``self.server.replay`` is the replay server (a ``replay_kit.ReplayBase``)."""

    protocol_version = "HTTP/1.1"
    server_version = "Replay/1.0"
    timeout = 30  # seconds an idle keep-alive connection may stay open
    disable_nagle_algorithm = True  # headers and body are separate writes
    throttled = (b"Too Many Requests", TEXT_TYPE)  # body and Content-Type of a 429: each replay names its own

    @property
    def replay(self):
        return self.server.replay

    def do_GET(self) -> None:
        path = self.path.split("#", 1)[0].partition("?")[0]
        if path.startswith(CONTROL_PREFIX):
            self._control_get(path)
        else:
            self._send_json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        self._read_body()
        if not self._control_post(self.path.partition("?")[0]):
            self._send_json(405, {"detail": "Method Not Allowed"})

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.replay.verbose:
            super().log_message(format, *args)

    # ------------------------------------------------------------------ data requests

    def _admit(self, endpoint: str, path: str, query: str, **extra) -> Admission | None:
        """The limiter's admission of a data request, or None when it was refused (the 429 answered and logged,
        with `extra` fields). A 429 storm refuses every request."""
        state = self.replay.state
        admission = state.admit(endpoint, storm=self.replay.storming)
        if admission.accepted:
            return admission
        state.log(admission, path, query, 429, **extra)
        self._send(429, *self.throttled)
        return None

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

    # ------------------------------------------------------------------ controls

    def _control_get(self, route: str) -> None:
        """Answer ``GET /__replay/<name>`` from ``_control_answer`` (404 for a name it does not know)."""
        payload = self._control_answer(route[len(CONTROL_PREFIX):].rstrip("/"))
        if payload is None:
            self._send_json(404, {"detail": "Not Found"})
        else:
            self._send_json(200, payload)

    def _control_answer(self, name: str) -> object | None:
        """The JSON of ``GET /__replay/<name>``, or None for a name that is no control (a replay adds its own)."""
        if name == "stats":
            return self.replay.stats()
        if name == "health":
            return {"ok": True}
        return None

    def _control_post(self, route: str) -> bool:
        """Answer ``POST /__replay/reset``; False when `route` is not it (nothing sent)."""
        if route.rstrip("/") != CONTROL_PREFIX + "reset":
            return False
        self.replay.reset()
        self._send_json(200, {"ok": True})
        return True

    # ------------------------------------------------------------------ sending

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
