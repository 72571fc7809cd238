# pdu2mqtt container image: the bridge (`run`, the default), or any other subcommand
# (`simulate`, `probe`, `outlet`, `check-config`, `health`).
#
#   docker build -t pdu2mqtt .
#   docker run -d --name pdu2mqtt -v "$PWD/pdu2mqtt.json:/config/pdu2mqtt.json:ro" pdu2mqtt
#   docker run --rm pdu2mqtt simulate --listen 0.0.0.0:1161
#
# Both stages are Debian 12 (bookworm), the release the project builds and tests on, so the
# runtime stage gets exactly the shared libraries the build stage linked against.
# tests/packaging/dockerfile_test.cpp checks that the runtime package list covers every
# library the built binary needs (ldd + dpkg -S).

# ---- build ----------------------------------------------------------------------------------
FROM debian:bookworm AS build

# The compile-time dependencies of the binary (scripts/setup lists these and the test tools).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential cmake ninja-build pkg-config \
        libpaho-mqttpp-dev libpaho-mqtt-dev libasio-dev nlohmann-json3-dev libspdlog-dev \
        libcli11-dev libssl-dev libcpp-httplib-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# The release preset, the binary only: no test suites (and so no GoogleTest).
RUN cmake --preset release -DPDU2MQTT_TESTS=OFF \
    && cmake --build --preset release --target pdu2mqtt \
    && install -D -s -m 0755 build-release/pdu2mqtt /out/pdu2mqtt

# ---- runtime --------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# Shared libraries the binary links (libc6, libstdc++6 and libgcc-s1 are in the base image):
#   libpaho-mqttpp3-1, libpaho-mqtt1.3  MQTT (C++ wrapper, C library)
#   libspdlog1.10, libfmt9              logging
#   libssl3                             TLS for mqtts://, SNMPv3 crypto (libssl.so.3,
#                                       libcrypto.so.3, the legacy provider for DES)
#   libcpp-httplib0.11, zlib1g, libbrotli1  the web page's HTTP server (built with both
#                                       compressions, so the binary links them too)
# and ca-certificates: an mqtts:// broker is verified against the system trust store.
# The bridge runs as pdu2mqtt (uid/gid 1000), never as root.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpaho-mqttpp3-1 libpaho-mqtt1.3 libspdlog1.10 libfmt9 libssl3 libcpp-httplib0.11 \
        zlib1g libbrotli1 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 pdu2mqtt \
    && useradd --uid 1000 --gid pdu2mqtt --no-create-home --no-log-init \
        --home-dir /nonexistent --shell /usr/sbin/nologin pdu2mqtt \
    && install -d -m 0755 /config

COPY --from=build /out/pdu2mqtt /usr/local/bin/pdu2mqtt

ARG PDU2MQTT_VERSION=0.1.0
LABEL org.opencontainers.image.title="pdu2mqtt" \
      org.opencontainers.image.description="CyberPower PDU (SNMP) to MQTT bridge with Home Assistant discovery" \
      org.opencontainers.image.version="${PDU2MQTT_VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"

# The bridge reads its configuration here (mount a file, or a directory holding
# pdu2mqtt.json); PDU2MQTT_MQTT_URL / _USERNAME / _PASSWORD override its MQTT section.
# The status file (for `pdu2mqtt health`) lives in /tmp, writable whatever --user is given;
# with --read-only, add --tmpfs /tmp.
ENV PDU2MQTT_CONFIG=/config/pdu2mqtt.json \
    PDU2MQTT_STATUS_FILE=/tmp/pdu2mqtt-status.json
VOLUME /config

USER 1000:1000
WORKDIR /config

# The web page, when the config has "http" (docs/web.md). Loopback inside a container reaches
# nobody: use "listen": "0.0.0.0:8080" with a password_file, and publish the port on the host's
# loopback or LAN as you mean it (-p 127.0.0.1:8080:8080).
EXPOSE 8080

# Healthy: the bridge is running and connected to the broker (its status file is fresh; the
# bridge rewrites it at least every 10 s). Containers running another subcommand (such as
# `simulate`) should set a healthcheck of their own, as docker-compose.yml does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["pdu2mqtt", "health"]

ENTRYPOINT ["pdu2mqtt"]
CMD ["run"]
