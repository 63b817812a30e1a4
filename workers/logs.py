"""Logging of the worker and beat processes: text or JSON lines (LOG_FORMAT), the task's id and name on every
line logged inside a task, and no secret in any line.

Applied through Celery's logging signals, so `celery -A tasks worker|beat` need no option. Every handler
Celery installs (root, `celery.task`, multiprocessing) gets the same formatter and the redaction filter.
The task-outcome line is Celery's own (`Task sync_results[id] succeeded in 0.05s: {counts}`); in JSON it
carries `task_id`, `task_name` and `duration` as fields. Task results are counts only (SPEC §3)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

from celery._state import get_current_task
from celery.signals import after_setup_logger, after_setup_task_logger, celeryd_after_setup, celeryd_init
from celery.utils.log import get_multiprocessing_logger

from workers.redaction import redact
from workers.settings import get_settings

TEXT_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(task)s%(message)s"

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


def task_fields(record: logging.LogRecord) -> dict[str, Any]:
    """task_id and task_name of the task the line belongs to; `duration` on Celery's task-outcome line."""
    data = getattr(record, "data", None)  # celery.app.trace passes id, name, runtime of the outcome
    if isinstance(data, dict) and data.get("id"):
        fields = {"task_id": data["id"], "task_name": data.get("name")}
        if isinstance(data.get("runtime"), (int, float)):
            fields["duration"] = round(float(data["runtime"]), 4)
        return fields
    task = get_current_task()
    if task is not None and task.request is not None and task.request.id:
        return {"task_id": task.request.id, "task_name": task.name}
    return {}


class TextFormatter(logging.Formatter):
    """Celery's line, with `task_name[task_id]: ` before the message of a line logged inside a task (unless the
    message already names it, as Celery's own task lines do)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = task_fields(record)
        tag = f"{fields['task_name']}[{fields['task_id']}]" if fields else ""
        record.task = f"{tag}: " if tag and tag not in record.getMessage() else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, process, message, task fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "process": record.processName,
            "message": record.getMessage(), **task_fields(record)}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(logger: logging.Logger, log_format: str | None = None) -> None:
    """Give every handler of `logger` the formatter of LOG_FORMAT and the redaction filter (idempotent)."""
    formatter = make_formatter(log_format or get_settings().LOG_FORMAT)
    for handler in logger.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


@celeryd_init.connect
def _early_worker_logging(**_: Any) -> None:
    """Before the worker's first warning (e.g. running as root): warnings become log records, and in JSON
    mode the root logger already writes JSON."""
    root = logging.getLogger()
    if get_settings().LOG_FORMAT == "json" and not root.handlers:
        logging.captureWarnings(True)
        root.addHandler(logging.StreamHandler(sys.__stderr__))
        root.setLevel(logging.INFO)
        configure(root)


@after_setup_logger.connect
def _setup_root_logger(logger: logging.Logger, **_: Any) -> None:
    logging.captureWarnings(True)
    configure(logger)
    multiprocessing_logger = get_multiprocessing_logger()
    if multiprocessing_logger is not None:
        configure(multiprocessing_logger)


@after_setup_task_logger.connect
def _setup_task_logger(logger: logging.Logger, **_: Any) -> None:
    configure(logger)


@celeryd_after_setup.connect
def _quiet_banner_in_json(instance: Any, **_: Any) -> None:
    """The worker's start-up banner is plain text on stdout: left out when the log is JSON lines."""
    if get_settings().LOG_FORMAT == "json":
        instance.quiet = True
