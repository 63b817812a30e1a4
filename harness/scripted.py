"""An upstream that answers from a script, for a source client's tests: each request gets the script's next
answer, `(status, body, headers)`, the last one repeating; `("close", None, {})` drops the connection, and
`("slow", seconds, {})` answers `[]` after that long. Every request is logged with its time."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator


class Script:
    """Answers in order; the last answer repeats."""

    def __init__(self, *answers: tuple[Any, Any, dict[str, str]]) -> None:
        self.answers, self.calls = list(answers), []

    def next(self) -> tuple[Any, Any, dict[str, str]]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class Upstream:
    """The server's address and the script it plays (`play` sets a new one)."""

    def __init__(self, url: str) -> None:
        self.url, self.script = url, Script((200, "[]", {}))

    def play(self, *answers: tuple[Any, Any, dict[str, str]]) -> Script:
        self.script = Script(*answers)
        return self.script


@contextmanager
def scripted_upstream(headers: dict[str, str] | None = None) -> Iterator[Upstream]:
    """A local HTTP server playing `Upstream.script`; `headers` go with every answer (before the script's own)."""
    upstream: Upstream

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script = upstream.script
            script.calls.append((time.monotonic(), self.path))
            status, body, extra = script.next()
            if status == "close":
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            if status == "slow":
                time.sleep(body)  # the slow upstream the script asks for: the behaviour under test
                status, body, extra = 200, "[]", {}
            payload = body.encode()
            self.send_response(status)
            for key, value in {**(headers or {}), **extra}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    upstream = Upstream(f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()
