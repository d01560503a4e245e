#!/usr/bin/env bash
# Sets up the Python consumer example: a virtualenv with requirements.txt
# (PyPI), then Python code generated from the .proto files into gen/.
#
#   examples/python-consumer/setup.sh                  # venv + gen/
#   examples/python-consumer/setup.sh run ARGS...      # set up, then run consumer.py ARGS
#
# Environment:
#   PY_CONSUMER_VENV  the virtualenv (default: .cache/python-consumer-venv at the repo root)
#   SCHEMAS           the proto root (default: schemas/proto of this repo)
#
# A downstream team that copied this folder runs the same three steps by
# hand (README.md).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${PY_CONSUMER_VENV:-$ROOT/.cache/python-consumer-venv}
SCHEMAS=${SCHEMAS:-$ROOT/schemas/proto}

say() { echo "python-consumer: $*" >&2; }
die() { say "$*"; exit 1; }

venv() {
	local stamp
	stamp="$VENV/.requirements-$(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
	[[ -f $stamp ]] && return
	command -v python3 >/dev/null || die "python3 not found"
	say "creating $VENV from requirements.txt (PyPI)"
	mkdir -p "$(dirname "$VENV")"
	if ! python3 -m venv "$VENV" 2>"$VENV.log"; then
		# Debian splits venv support into its own package.
		command -v apt-get >/dev/null || die "python3 -m venv failed (log: $VENV.log)"
		local py
		py=$(python3 -c 'import sys; print(f"python{sys.version_info.major}.{sys.version_info.minor}-venv")')
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$py" >>"$VENV.log" 2>&1 ||
			{ apt-get update -qq >>"$VENV.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$py" >>"$VENV.log" 2>&1; } ||
			die "could not install $py (log: $VENV.log)"
		python3 -m venv "$VENV" 2>>"$VENV.log" || die "python3 -m venv failed (log: $VENV.log)"
	fi
	"$VENV/bin/pip" install -q -r "$HERE/requirements.txt" >>"$VENV.log" 2>&1 || die "pip install failed (log: $VENV.log)"
	touch "$stamp"
}

# generate writes gen/stockflow/v1/*_pb2.py with the protoc bundled in
# grpcio-tools (so the generated code matches the pinned protobuf runtime).
generate() {
	rm -rf "$HERE/gen.tmp" && mkdir -p "$HERE/gen.tmp"
	"$VENV/bin/python" -m grpc_tools.protoc -I "$SCHEMAS" --python_out="$HERE/gen.tmp" "$SCHEMAS"/stockflow/v1/*.proto ||
		die "protoc failed"
	rm -rf "$HERE/gen" && mv "$HERE/gen.tmp" "$HERE/gen"
}

venv
generate
case "${1:-}" in
"") ;;
run)
	shift
	exec "$VENV/bin/python" "$HERE/consumer.py" "$@"
	;;
*) die "usage: $0 [run ARGS...]" ;;
esac
