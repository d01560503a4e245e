#!/usr/bin/env bash
# Flash-sale benchmark with the system and the load generator as separate
# processes: starts `stockflow dev` on a fresh data dir, waits until it is
# ready, runs `loadgen --scenario hot` against it, then stops it.
# Usage: scripts/bench-hot.sh [loadgen flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${BENCH_HTTP_PORT:-18080}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
STOCKFLOW_ADMIN_EMAIL=admin@example.com STOCKFLOW_ADMIN_PASSWORD=admin-password \
  bin/stockflow dev --data-dir "$dir" --http-addr "127.0.0.1:$port" --embedded-kafka-port 0 --log-level warn &
pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
bin/loadgen --scenario hot --url "http://127.0.0.1:$port" "$@"
