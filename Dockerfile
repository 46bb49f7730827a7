# commerce-server in a container. Build: docker build -t commerce-server .
# Run both services:  docker run -p 3000:3000 -p 5000:5000 -v commerce-data:/data \
#                       -e JWT_SECRET=... -e API_KEY=... commerce-server
# One service:        docker run ... commerce-server commerce-server user     (or: order)
# The image has no ENTRYPOINT: the command is the whole command line, so a platform that replaces it
# (Render's dockerCommand, Kubernetes' command/args, docker run's arguments) names it the same way.
# Every setting is an environment variable: Documentation/Configuration.md.

# --- build: the Swift toolchain, a release build with the Swift runtime linked in statically ---
FROM swift:6.3.1-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# The manifest first, so the dependency download is cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --traits OTLPExporter --product commerce-server --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/commerce-server" /usr/local/bin/commerce-server

# --- run: a slim Debian with SQLite and curl (for HEALTHCHECK), as a non-root user ---
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libsqlite3-0 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin commerce \
    && mkdir -p /data && chown commerce:commerce /data
COPY --from=build /usr/local/bin/commerce-server /usr/local/bin/commerce-server
USER commerce
# Listen on every interface; keep data (SQLite files) on the volume; refuse to start without real
# secrets; log one JSON object per line.
ENV HOST=0.0.0.0 \
    COMMERCE_DATA_DIR=/data \
    COMMERCE_ENV=production \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 3000 5000
# Liveness of the first service in the container (PORT in user/order mode, 3000 in all mode).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT:-3000}/health" > /dev/null || exit 1
# SIGTERM (docker stop) drains in-flight requests for SHUTDOWN_GRACE_SECONDS (25 s by default; docker
# stop waits 10 s unless given --time, so pass --time 30).
STOPSIGNAL SIGTERM
CMD ["commerce-server", "all"]
