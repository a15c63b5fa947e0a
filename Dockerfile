# drillkit as an image: a slim Python base, a virtualenv built in a throw-away stage (no compilers,
# no pip left in the final image), a non-root user. Build: see README "Scheduled game days".
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
# Offline builds (scripts/image/build.sh) pass a wheelhouse: PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels.
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
WORKDIR /src
COPY pyproject.toml README.md ./
COPY drillkit ./drillkit
COPY drills ./drills
COPY runbooks/*.md ./runbooks/
COPY docs ./docs
RUN python3 -m venv /opt/drillkit \
 && /opt/drillkit/bin/pip install --no-cache-dir --disable-pip-version-check . \
 && /opt/drillkit/bin/pip uninstall --yes pip \
 && find /opt/drillkit -name '__pycache__' -prune -exec rm -rf {} +

FROM ${BASE}
RUN groupadd --gid 10001 drillkit \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/drillkit \
      --shell /usr/sbin/nologin drillkit \
 && mkdir -p /var/lib/drillkit && chown 10001:10001 /var/lib/drillkit
COPY --from=build /opt/drillkit /opt/drillkit
ENV PATH=/opt/drillkit/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /var/lib/drillkit
ENTRYPOINT ["drillkit"]
CMD ["--help"]
