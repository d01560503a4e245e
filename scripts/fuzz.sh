#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx in a _test.go file) for FUZZTIME
# each. `go test -fuzz` takes one package and one target at a time, so the
# targets are listed with `go test -list '^Fuzz'` and run one after another.
# Their seed corpora (f.Add and testdata/fuzz) also run as plain tests in
# `go test ./...`; this script is the coverage-guided part.
#
#   scripts/fuzz.sh                  every target, FUZZTIME each (default 5s: make test)
#   FUZZTIME=1m scripts/fuzz.sh      the long run (make fuzz)
#   scripts/fuzz.sh Stock            only targets whose name matches the regexp
#
# Environment:
#   FUZZTIME        -fuzztime per target (default 5s; a duration or Nx)
#   FUZZ_PARALLEL   fuzzing workers per target (default 1: the machines are shared)
#
# A failing input is written to <package>/testdata/fuzz/<target>/ by go
# test; commit it with the fix, and it runs in every `go test` from then on.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-1}
MATCH=${1:-.}

# Packages with a fuzz target, then each target's name.
mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
targets=()
for d in "${dirs[@]}"; do
	while read -r name; do
		if [[ $name == Fuzz* && $name =~ $MATCH ]]; then
			targets+=("$d $name")
		fi
	done < <($GO test -list '^Fuzz' "$d")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no fuzz target matches $MATCH" >&2
	exit 1
fi

# deadline_race tells whether a failed run is Go's own race at the
# -fuzztime deadline (go.dev/issue/75804, fixed in Go 1.27): the coordinator
# reports "context deadline exceeded" as the target's failure although no
# input failed. A real failure writes its input to testdata/fuzz and says so.
deadline_race() {
	grep -q 'context deadline exceeded' "$1" && ! grep -q 'Failing input written to' "$1"
}

# fuzz runs target $2 of package $1 for FUZZTIME, its output into $3.
fuzz() {
	$GO test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" -parallel "$FUZZ_PARALLEL" "$1" >"$3" 2>&1
}

echo "fuzz.sh: ${#targets[@]} targets, $FUZZTIME each, $FUZZ_PARALLEL worker(s)"
status=0
summary=()
for t in "${targets[@]}"; do
	read -r dir name <<<"$t"
	log=$(mktemp)
	start=$(date +%s)
	if fuzz "$dir" "$name" "$log"; then
		result=ok
	elif deadline_race "$log" && fuzz "$dir" "$name" "$log"; then
		result=ok
		echo "fuzz.sh: $dir $name failed with the Go fuzzing coordinator's deadline race (no failing input written); passed on a second run" >&2
	else
		result=FAIL
		status=1
		cat "$log"
	fi
	# The last progress line holds the total: "fuzz: elapsed: 5s, execs: 1234 (246/sec), ..."
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	summary+=("$(printf '%-5s %-40s %10s execs %4ss' "$result" "${dir#./} $name" "${execs:-?}" "$(($(date +%s) - start))")")
	rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
