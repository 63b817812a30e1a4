"""The Celery surface of the Parc Fermé ingestion workers: `celery -A tasks worker` finds `app` here."""

from celery import Celery

import workers.broker

workers.broker.install()  # before any connection: a Redis restart must not stop a worker

app = Celery("parcferme")
app.config_from_object("celeryconfig")

from tasks import sync  # noqa: E402,F401  (registers the tasks on `app`)
from tasks import resume  # noqa: E402,F401  (the sweep that sends again what the broker lost)
from tasks import follow  # noqa: E402,F401  (following the season in motion: the tick and its reads)
from tasks import schedule  # noqa: E402,F401  (the beat schedule and its task)
import workers.logs  # noqa: E402  (worker and beat logging: LOG_FORMAT, task ids, no secrets)

__all__ = ["app"]
