"""Logging of the worker and beat processes: text or JSON lines (LOG_FORMAT) at LOG_LEVEL, the task's id and name
on every line logged inside a task, and no secret in any line.

Applied through Celery's logging signals, so `celery -A tasks worker|beat` need no option. Every handler
Celery installs (root, `celery.task`, multiprocessing) gets the same formatter and the redaction filter.
The task-outcome line is Celery's own (`Task sync_results[id] succeeded in 0.05s: {counts}`). In JSON every line
logged for a task carries what can be queried as fields: `task_id`, `task_name`, the run's `run_id`, `source`,
`round_key` and `season` (from the task's keyword arguments), and on its outcome line `duration` and the counts it
returned (`requests`, `written`, `deleted`, `quarantined`, `changes`, `rounds`, `statuses`). A line may add such
fields itself (`log.info(…, extra={"requests": 3})`). Task results are counts only (the spoiler rule), and only the
counts named here become fields."""

from __future__ import annotations

import ast
import logging
import sys
from typing import Any

from celery._state import get_current_task
from celery.signals import after_setup_logger, after_setup_task_logger, celeryd_after_setup, celeryd_init
from celery.utils.log import get_multiprocessing_logger

from workers import logformat
from workers.logformat import CONTEXT, COUNTS, FIELDS, RedactSecrets, extra_fields  # noqa: F401
from workers.pipeline.kinds import KINDS
from workers.settings import get_settings

TEXT_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(task)s%(message)s"


# A dispatcher's run is the dispatcher's own task id.
DISPATCHERS = frozenset(kind.task for kind in KINDS.values())


def task_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The task the line belongs to (id, name), its run, source, round and season; on Celery's task-outcome line
    its duration and the counts it returned; and any field the line itself carries (`extra=`)."""
    data = getattr(record, "data", None)  # celery.app.trace passes id, name, kwargs, runtime, return value
    if isinstance(data, dict) and data.get("id"):
        fields = {"task_id": data["id"], "task_name": data.get("name"),
                  **_context(_literal(data.get("kwargs")), data["id"], data.get("name"))}
        if isinstance(data.get("runtime"), (int, float)):
            fields["duration"] = round(float(data["runtime"]), 4)
        fields.update(_counts(_literal(data.get("return_value"))))
    else:
        task = get_current_task()
        fields = {}
        if task is not None and task.request is not None and task.request.id:
            fields = {"task_id": task.request.id, "task_name": task.name,
                      **_context(task.request.kwargs or {}, task.request.id, task.name)}
    fields.update(extra_fields(record))
    return fields


def _literal(text: Any) -> Any:
    """A value Celery logged as its repr (a task's keyword arguments, its return value), or None."""
    if isinstance(text, dict):
        return text
    try:
        return ast.literal_eval(text) if isinstance(text, str) else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _context(kwargs: Any, task_id: str, task_name: str | None) -> dict[str, Any]:
    found = {k: kwargs[k] for k in CONTEXT if isinstance(kwargs, dict) and kwargs.get(k) is not None}
    if "run_id" not in found and task_name in DISPATCHERS:
        found["run_id"] = task_id
    return found


def _counts(returned: Any) -> dict[str, int]:
    if not isinstance(returned, dict):
        return {}
    return {k: v for k, v in returned.items() if k in COUNTS and isinstance(v, int) and not isinstance(v, bool)}


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


class JsonFormatter(logformat.JsonFormatter):
    """One JSON object per line: time (UTC), level, logger, process, message, task fields, exception."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        return task_fields(record)


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
        root.setLevel(level() or logging.INFO)
        configure(root)


def level() -> int | None:
    """LOG_LEVEL when it is set (in the environment or .env): it wins over the command's --loglevel."""
    settings = get_settings()
    return logging.getLevelName(settings.LOG_LEVEL) if "LOG_LEVEL" in settings.model_fields_set else None


@after_setup_logger.connect
def _setup_root_logger(logger: logging.Logger, **_: Any) -> None:
    logging.captureWarnings(True)
    configure(logger)
    if level() is not None:
        logger.setLevel(level())
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
