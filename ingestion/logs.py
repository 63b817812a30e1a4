"""The command line's own log lines (what the modules a command runs log: a request retried, a wait for the
fleet's next slot, a source that cannot be reached): on stderr, at LOG_LEVEL (default WARNING: a command's
output is its own lines, progress and results), as text or JSON lines (LOG_FORMAT), with no secret. Without
Celery: a command's fast path does not import it."""

from __future__ import annotations

import logging
import sys

from workers.logformat import JsonFormatter, RedactSecrets

COMMAND_LEVEL = "WARNING"  # when LOG_LEVEL is not set
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


def setup() -> None:
    """The root logger's one stderr handler (once per process), from LOG_LEVEL and LOG_FORMAT."""
    from workers.settings import get_settings

    settings = get_settings()
    root = logging.getLogger()
    if any(getattr(h, "parcferme_command", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.parcferme_command = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if settings.LOG_FORMAT == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL if "LOG_LEVEL" in settings.model_fields_set else COMMAND_LEVEL)
    logging.captureWarnings(True)
