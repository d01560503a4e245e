#!/usr/bin/env bash
# Fuzz the live API against its own OpenAPI document with schemathesis:
# `stockflow dev` (embedded broker) on free ports with a temporary data
# directory, then `st run --checks all` three times: anonymously, as the
# admin and as a customer. Fails on any 5xx or non-conforming response.
#
#   scripts/schemathesis.sh             # SCHEMATHESIS_EXAMPLES=20 per operation
#   SCHEMATHESIS_EXAMPLES=200 scripts/schemathesis.sh
#
# schemathesis is installed (pinned) into ./bin/venv (SCHEMATHESIS_VENV) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-20}
VENV=${SCHEMATHESIS_VENV:-bin/venv}
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port)
KAFKA_PORT=$(free_port)
DATA=$(mktemp -d)
LOG="$DATA/stockflow.log"
API="http://127.0.0.1:$HTTP_PORT"
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=schemathesis-admin

go build -o bin/stockflow ./cmd/stockflow
# The write rate limit would only answer the fuzzer 429; it has its own test.
STOCKFLOW_ADMIN_EMAIL=$ADMIN_EMAIL STOCKFLOW_ADMIN_PASSWORD=$ADMIN_PASSWORD \
  bin/stockflow dev --demo --data-dir "$DATA/data" --http-addr "127.0.0.1:$HTTP_PORT" \
  --embedded-kafka-port "$KAFKA_PORT" --write-rate 0 --log-level warn >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

for _ in $(seq 1 600); do
  curl -fs "$API/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
curl -fs "$API/readyz" >/dev/null || { echo "stockflow not ready"; cat "$LOG"; exit 1; }

token() { curl -fs "$API/login" --json "{\"email\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
ADMIN=$(token "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
curl -fs "$API/register" --json '{"email":"fuzz-customer@example.com","password":"customer-password"}' >/dev/null
CUSTOMER=$(token fuzz-customer@example.com customer-password)

status=0
run() {
  local who=$1 token=$2 config="$DATA/schemathesis-$1.toml"
  cp scripts/schemathesis/schemathesis.toml "$config"
  if [ -n "$token" ]; then printf '\n[auth.openapi.bearer]\nbearer = "%s"\n' "$token" >>"$config"; fi
  echo "== schemathesis as $who ($EXAMPLES examples per operation)"
  # One worker: Python 3.11's ast module is not thread-safe, which Hypothesis trips over.
  SCHEMATHESIS_HOOKS=scripts/schemathesis/hooks.py "$VENV/bin/st" --config-file "$config" run "$API/openapi.json" \
    --checks all --max-examples "$EXAMPLES" --seed 1 --workers 1 --request-timeout 15 \
    --generation-database none --no-color --output-truncate true || status=1
}
run anonymous ""
run admin "$ADMIN"
run customer "$CUSTOMER"
if grep -q "panic" "$LOG"; then echo "stockflow panicked:"; grep -A5 panic "$LOG"; status=1; fi
exit $status
