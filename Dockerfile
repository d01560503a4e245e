# syntax=docker/dockerfile:1
#
# stockflow: one static binary, every part selected by subcommand
# (api | process <name> | topics | dev). Build:
#   docker build -t stockflow --build-arg VERSION=$(git describe --always) .

FROM golang:1.26-bookworm AS build
# The image pins GOTOOLCHAIN=local; auto fetches the go.mod toolchain if a
# cached 1.26 image is older than the go line in go.mod.
ENV GOTOOLCHAIN=auto
WORKDIR /src
# Dependencies first so the layer is reused while only our code changes.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/stockflow ./cmd/stockflow
# The runtime image has no shell to mkdir/chown with, so the data directory
# is prepared here and copied owned by the distroless "nonroot" user (65532).
# A fresh named volume mounted at /data inherits this ownership.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stockflow /stockflow
COPY --from=build --chown=65532:65532 /out/data /data
# Local table state (LevelDB copies of Kafka tables). Disposable: it is
# rebuilt from Kafka when missing, a volume only saves restore time.
ENV STOCKFLOW_DATA_DIR=/data \
    STOCKFLOW_HTTP_ADDR=:8080
VOLUME ["/data"]
# API, or /metrics /healthz /readyz for processors.
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/stockflow"]
CMD ["--help"]
