"""What every process's log lines share, without Celery: the redaction filter, the fields a line may carry, and
the JSON formatter. `workers/logs.py` builds the worker's and beat's logging on it (through Celery's
signals, adding the task's fields); `ingestion/logs.py` the command line's (stderr, at LOG_LEVEL)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from workers.redaction import redact


class RedactSecrets(logging.Filter):
    """Rewrites each record's message (and traceback) without secrets, whatever logger it came from."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# The keyword arguments of a task that say which run, source, round and season a line is about.
CONTEXT = ("run_id", "source", "round_key", "season")
# The counts a task returns (or a line adds) that become fields: counts only, never a result value.
COUNTS = ("rounds", "requests", "written", "deleted", "quarantined", "changes", "statuses")
FIELDS = CONTEXT + COUNTS + ("duration",)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a line carries itself (`log.info(…, extra={"requests": 3})`), of those named above."""
    return {name: getattr(record, name) for name in FIELDS if name in record.__dict__}


def json_line(record: logging.LogRecord, fields: dict[str, Any]) -> dict[str, Any]:
    """A line as one JSON object: time (UTC), level, logger, process, message, the fields given."""
    return {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "process": record.processName,
            "message": record.getMessage(), **fields}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, process, message, the line's fields, exception."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The fields of the line: those it carries itself (a worker's formatter adds its task's)."""
        return extra_fields(record)

    def format(self, record: logging.LogRecord) -> str:
        line = json_line(record, self.fields(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)
