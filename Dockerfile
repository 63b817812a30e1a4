# Two images from one file (docker-compose.yml builds both):
#   runtime (the default target): the project and its runtime lock, nothing else: no test tool, replay server,
#            test or recording. The worker, beat, Flower and the migrations run from it.
#   demo:    runtime plus the three replay servers and the recordings they serve (the offline profile).
FROM python:3.11-slim AS python
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1

# The project as a wheel, built from its own sources by the pinned build backend.
FROM python AS wheel
WORKDIR /src
COPY requirements/build.txt requirements/
RUN pip install --require-hashes -r requirements/build.txt
COPY pyproject.toml README.md celeryconfig.py ./
COPY tasks tasks/
COPY workers workers/
COPY ingestion ingestion/
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# The runtime lock (exact versions, hash-checked), then the project without its dependencies: the lock has them.
FROM python AS app
COPY requirements/runtime.txt /tmp/runtime.txt
RUN pip install --require-hashes -r /tmp/runtime.txt && rm /tmp/runtime.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -r /tmp/wheels && pip check
RUN useradd --create-home parcferme
USER parcferme
WORKDIR /home/parcferme
CMD ["celery", "-A", "tasks", "worker", "--loglevel=INFO"]

# The offline demo: the replay servers run from /opt/replays, where they find the recordings beside them.
FROM app AS demo
WORKDIR /opt/replays
COPY recordings recordings/
COPY openf1_replay openf1_replay/
COPY jolpica_replay jolpica_replay/
COPY thirdturn_replay thirdturn_replay/
# What the replays share; a wildcard, so that the build does not depend on the folder existing yet.
COPY replay_ki[t] replay_kit/

# The default target: the runtime image.
FROM app AS runtime
