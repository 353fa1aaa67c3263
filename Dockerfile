# syntax=docker/dockerfile:1

# ---- build: the browser bundle (trunk) and the portal binary ----
FROM rust:1.95-bookworm AS build

RUN rustup target add wasm32-unknown-unknown
# trunk 0.22 needs a newer rustc than 1.95.
RUN cargo install trunk --version 0.21.14 --locked

WORKDIR /src

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. No --locked: its own
# lock file names a crate version the registry lacks.
COPY Cargo.lock ./
RUN version="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)" \
 && test -n "$version" \
 && cargo install wasm-bindgen-cli --version "$version"

COPY . .

# The caches keep downloaded crates and build output between image builds; the results are
# copied out of the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cd frontend \
 && trunk build --release --locked --dist /out/dist \
 && find /out/dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
      -exec gzip -9 -k {} +
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p server --bin portal \
 && cp target/release/portal /out/portal

# ---- run: the binary, the browser bundle, a non-root user ----
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin portal \
 && mkdir /data \
 && chown portal:portal /data

COPY --from=build /out/portal /app/portal
COPY --from=build /out/dist /app/dist

ENV PORTAL_LISTEN=0.0.0.0:8080 PORTAL_DATA_DIR=/data PORTAL_STATIC_DIR=/app/dist
# Declared after the chown so a new volume starts out owned by the portal user.
VOLUME /data
USER 10001:10001
EXPOSE 8080

# `portal ready` asks the portal on PORTAL_LISTEN (on loopback) for /readyz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 CMD ["/app/portal", "ready"]
# On SIGTERM a change under way may take the request timeout and 5 s more to finish: run
# `docker stop` with --stop-timeout 70 (with the defaults) rather than its 10 s.

ENTRYPOINT ["/app/portal"]
CMD ["serve"]
