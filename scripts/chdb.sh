#!/usr/bin/env bash
# Runs a Python script under a project-local virtualenv with chdb (an
# in-process current ClickHouse engine, from PyPI), creating it on first
# use. Tests use it to check SQL against a current engine beside the
# Debian 18.16 server.
#
#   scripts/chdb.sh install          create .cache/chdb-venv with chdb (once)
#   scripts/chdb.sh run SCRIPT ARGS  run SCRIPT with the venv's python
#
# Environment: CHDB_VERSION (default 4.4.0), CHDB_VENV (default .cache/chdb-venv).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHDB_VERSION=${CHDB_VERSION:-4.4.0}
VENV=${CHDB_VENV:-$ROOT/.cache/chdb-venv}

say() { echo "chdb.sh: $*" >&2; }
die() { say "$*"; exit 1; }

install() {
	if [[ -f $VENV/.chdb-$CHDB_VERSION ]]; then
		return
	fi
	command -v python3 >/dev/null || die "python3 not found"
	say "creating $VENV with chdb $CHDB_VERSION (PyPI)"
	mkdir -p "$(dirname "$VENV")"
	if ! python3 -m venv "$VENV" 2>"$VENV.log"; then
		# Debian splits venv support into its own package.
		if command -v apt-get >/dev/null; then
			local py
			py=$(python3 -c 'import sys; print(f"python{sys.version_info.major}.{sys.version_info.minor}-venv")')
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$py" >>"$VENV.log" 2>&1 ||
				{ apt-get update -qq >>"$VENV.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$py" >>"$VENV.log" 2>&1; } ||
				die "could not install $py (log: $VENV.log)"
		fi
		python3 -m venv "$VENV" 2>>"$VENV.log" || die "python3 -m venv failed (log: $VENV.log)"
	fi
	"$VENV/bin/pip" install -q "chdb==$CHDB_VERSION" >>"$VENV.log" 2>&1 || die "pip install chdb==$CHDB_VERSION failed (log: $VENV.log)"
	touch "$VENV/.chdb-$CHDB_VERSION"
}

case "${1:-}" in
install) install ;;
run)
	shift
	install
	exec "$VENV/bin/python" "$@"
	;;
*)
	echo "usage: $0 install | run SCRIPT [ARGS]" >&2
	exit 2
	;;
esac
