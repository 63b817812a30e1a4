FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# The application only: no virtualenv, tests or local .env from the build context.
COPY celeryconfig.py ./
COPY tasks ./tasks
COPY workers ./workers
COPY ingestion ./ingestion
COPY migrations ./migrations
COPY openf1_replay ./openf1_replay
RUN useradd --create-home parcferme
USER parcferme
# docker-compose.yml runs the worker, beat, Flower and the migrations from this one image.
CMD ["celery", "-A", "tasks", "worker", "--loglevel=INFO"]
