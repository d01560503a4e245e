#!/usr/bin/env bash
# Prints the path of a promtool binary, installing Debian's `prometheus`
# package (which ships promtool) when none is on PATH. CI machines are fresh,
# so the first `make test` installs it; later runs find it at once.
#
#   scripts/promtool.sh            print the path (install if missing)
#   $(scripts/promtool.sh) check rules deploy/prometheus/alerts.yml
#
# Environment:
#   PROMTOOL   use this binary instead (skips the lookup and the install)
set -euo pipefail

say() { echo "promtool.sh: $*" >&2; }

if [[ -n ${PROMTOOL:-} ]]; then
	echo "$PROMTOOL"
	exit 0
fi
if p=$(command -v promtool); then
	echo "$p"
	exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { say "promtool is missing and installing it needs root (or sudo)"; exit 1; }
	sudo="sudo"
fi
say "promtool not found; installing the Debian package prometheus"
export DEBIAN_FRONTEND=noninteractive
# Other jobs may hold the dpkg lock: wait for it instead of failing.
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >&2
# The package starts a Prometheus service where systemd runs; it is not needed.
command -v promtool
