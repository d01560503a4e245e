#!/usr/bin/env bash
# A three-node Apache Kafka cluster (KRaft; each node broker and controller)
# on 127.0.0.1 for the fault suite (make test-faults, make chaos), run with
# scripts/kafka.sh, one JVM per node.
#
#   scripts/kafka-cluster.sh start            start every node, wait until all have started
#   scripts/kafka-cluster.sh stop             stop every node
#   scripts/kafka-cluster.sh clean            stop every node and remove the cluster's data
#   scripts/kafka-cluster.sh status           say which nodes run
#   scripts/kafka-cluster.sh start-node N     start node N (1-3) and wait for it (KAFKA_START_WAIT=0: do not wait)
#   scripts/kafka-cluster.sh wait-node N      wait until node N, if it runs, has started
#   scripts/kafka-cluster.sh stop-node N      stop node N (SIGTERM: a controlled shutdown)
#   scripts/kafka-cluster.sh kill-node N      SIGKILL node N (a crash)
#   scripts/kafka-cluster.sh brokers          print the client addresses, comma-separated
#   scripts/kafka-cluster.sh advertised       print the advertised addresses, comma-separated
#
# Node N (1-3) listens for clients on KAFKA_CLUSTER_PORT+10N (29310, 29320,
# 29330 by default), for its controller on +1, for replication between
# brokers on +2, and tells clients to dial +3 (29313, 29323, 29333), where
# the fault suite runs a TCP proxy in front of it: every client connection
# goes through a proxy, replication does not. Topics default to
# replication factor 3 and min.insync.replicas 2, so a cluster with one
# node down still takes writes with acks=all.
#
# Environment: KAFKA_CLUSTER_PORT (default 29300), KAFKA_CLUSTER_DIR (default
# .cache/kafka-cluster), KAFKA_HEAP_OPTS (default
# -Xms128m -Xmx384m per node), KAFKA_VERSION (see scripts/kafka.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${KAFKA_CLUSTER_DIR:-$ROOT/.cache/kafka-cluster}
BASE=${KAFKA_CLUSTER_PORT:-29300}
NODES=(1 2 3)
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}
# A node restarted under load (a fault) recovers every partition it holds.
export KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-180}

say() { echo "kafka-cluster.sh: $*" >&2; }

port() { echo $((BASE + 10 * $1 + $2)); }

voters() {
	local v= n
	for n in "${NODES[@]}"; do
		v+="${v:+,}$n@127.0.0.1:$(port "$n" 1)"
	done
	echo "$v"
}

cluster_id() {
	mkdir -p "$DIR"
	local id
	# A KRaft cluster id is 16 random bytes in URL-safe base64 without
	# padding; one starting with "-" would read as an option (Kafka's own
	# generator avoids those too).
	while [[ ! -s $DIR/cluster.id ]]; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
		[[ $id == -* ]] || echo "$id" >"$DIR/cluster.id"
	done
	cat "$DIR/cluster.id"
}

node() {
	local n=$1
	shift
	[[ $n =~ ^[123]$ ]] || { say "no node $n (1-3)"; exit 2; }
	KAFKA_NODE_ID=$n KAFKA_VOTERS=$(voters) KAFKA_STATE_DIR="$DIR/node-$n" KAFKA_CLUSTER_ID=$(cluster_id) \
		KAFKA_PORT=$(port "$n" 0) KAFKA_CONTROLLER_PORT=$(port "$n" 1) KAFKA_INTERNAL_PORT=$(port "$n" 2) \
		KAFKA_ADVERTISED_PORT=$(port "$n" 3) KAFKA_REPLICATION=3 KAFKA_MIN_ISR=2 \
		"$ROOT/scripts/kafka.sh" "$@"
}

addrs() {
	local a= n
	for n in "${NODES[@]}"; do
		a+="${a:+,}127.0.0.1:$(port "$n" "$1")"
	done
	echo "$a"
}

case "${1:-}" in
start)
	t0=$SECONDS
	# No node finishes starting before a quorum of controllers runs: launch
	# all, then wait for each.
	for n in "${NODES[@]}"; do
		node "$n" status >/dev/null 2>&1 || KAFKA_START_WAIT=0 node "$n" start
	done
	for n in "${NODES[@]}"; do
		node "$n" wait || { for m in "${NODES[@]}"; do node "$m" stop || true; done; exit 1; }
	done
	say "3 nodes started in $((SECONDS - t0)) s; clients: $(addrs 0), advertised $(addrs 3)"
	;;
stop)
	# All at once: the last node alone has no quorum for a controlled shutdown.
	for n in "${NODES[@]}"; do node "$n" stop & done
	wait
	;;
clean)
	for n in "${NODES[@]}"; do node "$n" clean; done
	rm -rf "$DIR"
	;;
status)
	rc=0
	for n in "${NODES[@]}"; do
		echo "node $n: $(node "$n" status || rc=1)"
	done
	exit $rc
	;;
start-node) node "${2:-}" start ;;
stop-node) node "${2:-}" stop ;;
wait-node)
	if node "${2:-}" status >/dev/null; then
		node "${2:-}" wait
	fi
	;;
kill-node) node "${2:-}" kill ;;
brokers) addrs 0 ;;
advertised) addrs 3 ;;
*)
	echo "usage: $0 start|stop|clean|status|start-node N|wait-node N|stop-node N|kill-node N|brokers|advertised" >&2
	exit 2
	;;
esac
