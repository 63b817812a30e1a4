"""The Celery surface of the Parc Fermé ingestion workers: `celery -A tasks worker` finds `app` here."""

from celery import Celery

app = Celery("parcferme")
app.config_from_object("celeryconfig")

from tasks import sync  # noqa: E402,F401  (registers the tasks on `app`)

__all__ = ["app"]
