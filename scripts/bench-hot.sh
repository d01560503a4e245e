#!/usr/bin/env bash
# Flash-sale benchmark with the system and the load generator as separate
# processes: starts `stockflow dev` on a fresh data dir, waits until it is
# ready, runs `loadgen --scenario hot` against it, then stops it.
# Usage: scripts/bench-hot.sh [loadgen flags...]
#   scripts/bench-hot.sh --orders 20000     # the reservations only
#   BENCH_CPUPROFILE=res.prof BENCH_PROFILE_SECONDS=8 scripts/bench-hot.sh --orders 20000
#     also writes a CPU profile of stockflow's first N seconds under load
#   BENCH_STOCKFLOW=/tmp/stockflow-old scripts/bench-hot.sh   # another build, for A/B runs
set -euo pipefail
cd "$(dirname "$0")/.."
port=${BENCH_HTTP_PORT:-18080}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
STOCKFLOW_ADMIN_EMAIL=admin@example.com STOCKFLOW_ADMIN_PASSWORD=admin-password \
  "${BENCH_STOCKFLOW:-bin/stockflow}" dev --data-dir "$dir" --http-addr "127.0.0.1:$port" --embedded-kafka-port 0 --write-rate 0 --log-level warn \
  ${BENCH_CPUPROFILE:+--pprof-addr "127.0.0.1:$((port + 1))"} &
pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
# CPU seconds the stockflow process has used (user + system), from /proc.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$pid/stat"; }
# read(2)- and write(2)-like system calls it has made, from /proc (a count
# the machine's load does not change, unlike CPU time).
sys() { awk '/^sysc[rw]:/ { n += $2 } END { print n }' "/proc/$pid/io"; }
before=$(cpu)
sbefore=$(sys)
if [ -n "${BENCH_CPUPROFILE:-}" ]; then
  curl -s -o "$BENCH_CPUPROFILE" "http://127.0.0.1:$((port + 1))/debug/pprof/profile?seconds=${BENCH_PROFILE_SECONDS:-10}" &
  prof=$!
fi
out=$(bin/loadgen --scenario hot --url "http://127.0.0.1:$port" "$@" | tee /dev/stderr)
after=$(cpu)
safter=$(sys)
[ -z "${prof:-}" ] || wait "$prof"
requests=$(echo "$out" | sed -n 's/^orders: \([0-9]*\) in.*/\1/p')
awk -v b="$before" -v a="$after" -v n="$requests" 'BEGIN { printf "service CPU: %.1f s for %d requests = %.3f ms per request\n", a - b, n, (a - b) * 1000 / n }'
awk -v b="$sbefore" -v a="$safter" -v n="$requests" 'BEGIN { printf "service syscalls (read+write): %.1f per request\n", (a - b) / n }'
