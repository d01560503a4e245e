#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on
# 127.0.0.1 for the real-broker integration suite (make test-kafka).
#
#   scripts/kafka.sh start   fetch jars (once), format storage (once), start, wait for the port
#   scripts/kafka.sh stop    stop the broker started by this script
#   scripts/kafka.sh clean   stop it and remove its data (.cache/kafka/data)
#   scripts/kafka.sh kill    SIGKILL it (a crash: the next start recovers its logs)
#   scripts/kafka.sh wait    wait until a broker started with KAFKA_START_WAIT=0 has started
#   scripts/kafka.sh status  say whether it runs
#
# With the KAFKA_NODE_ID, KAFKA_VOTERS, KAFKA_STATE_DIR and KAFKA_CLUSTER_ID
# variables below it runs one node of a multi-node cluster;
# scripts/kafka-cluster.sh runs three that way (the fault suite).
#
# Needs only Java 17+ and mvn; the jars come from Maven Central into
# .cache/kafka/libs-<version> (and ~/.m2). Every command is idempotent.
#
# Environment:
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version (default 3.9.1, see below)
#   KAFKA_PORT             PLAINTEXT port on 127.0.0.1 (default 29092: below the ephemeral range 32768-60999, which client sockets may hold)
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 (default KAFKA_PORT+1)
#   KAFKA_ADVERTISED_PORT  port the broker tells clients to dial (default KAFKA_PORT); the fault
#                          suite sets it to a TCP proxy's port so every connection goes through it
#   KAFKA_START_TIMEOUT    seconds to wait for the port (default 60)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms256m -Xmx512m)
#   KAFKA_NODE_ID          node.id (default 1)
#   KAFKA_VOTERS           controller.quorum.voters (default: this node alone)
#   KAFKA_STATE_DIR        config, data, log and pid file of this node (default .cache/kafka)
#   KAFKA_CLUSTER_ID       cluster id to format a new data dir with (default: a random one)
#   KAFKA_INTERNAL_PORT    a separate listener for replication between brokers, advertised as
#                          itself (default: none, brokers replicate over KAFKA_PORT)
#   KAFKA_REPLICATION      default and internal topics' replication factor (default 1)
#   KAFKA_MIN_ISR          min.insync.replicas (default 1)
#   KAFKA_START_WAIT       0: start returns once the JVM runs, without waiting for the port
#                          (the first node of a cluster cannot start before a quorum of them)
#
# Kafka 3.9.x is the default: it is the last line with KRaft *and* every old
# protocol version, so sarama configured for V2_8_0_0 (internal/kafka/goka.go)
# talks to it unchanged. Kafka 4.x removed old request versions (KIP-896);
# KAFKA_VERSION=4.1.0 also passes the suite today. Run `clean` before
# switching versions (the data dir is formatted for one version).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$ROOT/.cache/kafka"
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
# Logging: Kafka 3.x logs through slf4j 1.7 + reload4j (log4j 1), 4.x through
# slf4j 1.7 + log4j2. Neither binding is a compile dependency of kafka_2.13,
# so the pom adds it; without one the broker logs nothing (and start cannot
# see "Kafka Server started").
SLF4J_VERSION=${SLF4J_VERSION:-1.7.36}
LOG4J2_VERSION=${LOG4J2_VERSION:-2.24.3}
if [[ ${KAFKA_VERSION%%.*} -ge 4 ]]; then
	LOG_DEP="<groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J2_VERSION</version>"
	LOG_FLAG=-Dlog4j2.configurationFile=
else
	LOG_DEP="<groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version>"
	LOG_FLAG=-Dlog4j.configuration=file:
fi
KAFKA_PORT=${KAFKA_PORT:-29092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_ADVERTISED_PORT=${KAFKA_ADVERTISED_PORT:-$KAFKA_PORT}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_NODE_ID=${KAFKA_NODE_ID:-1}
KAFKA_VOTERS=${KAFKA_VOTERS:-$KAFKA_NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT}
KAFKA_INTERNAL_PORT=${KAFKA_INTERNAL_PORT:-}
KAFKA_REPLICATION=${KAFKA_REPLICATION:-1}
KAFKA_MIN_ISR=${KAFKA_MIN_ISR:-1}
KAFKA_START_WAIT=${KAFKA_START_WAIT:-1}
HOST=127.0.0.1

LIBS="$DIR/libs-$KAFKA_VERSION"
STATE=${KAFKA_STATE_DIR:-$DIR}
DATA="$STATE/data"
PIDFILE="$STATE/kafka.pid"
LOG="$STATE/kafka.log"
PROPS="$STATE/server.properties"
LOG4J="$STATE/log4j.properties"

say() { echo "kafka.sh: $*" >&2; }
die() { say "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

running_pid() {
	[[ -f $PIDFILE ]] || return 1
	local pid
	pid=$(cat "$PIDFILE")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
	# Only a pid that is still our broker counts (pids are reused).
	grep -q 'kafka\.Kafka' "/proc/$pid/cmdline" 2>/dev/null || return 1
	echo "$pid"
}

fetch_jars() {
	if [[ -f $LIBS/.complete ]]; then
		return
	fi
	command -v mvn >/dev/null || die "mvn not found"
	command -v java >/dev/null || die "java not found"
	mkdir -p "$DIR"
	local pom="$DIR/pom-$KAFKA_VERSION.xml"
	cat >"$pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/kafka.sh: only used to resolve the broker's jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stockflow</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>$LOG_DEP</dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.6.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
	say "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $LIBS"
	rm -rf "$LIBS"
	local start=$SECONDS
	if ! mvn -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$LIBS" >"$DIR/mvn.log" 2>&1; then
		tail -n 30 "$DIR/mvn.log" >&2
		die "mvn could not resolve the Kafka jars (log: $DIR/mvn.log)"
	fi
	touch "$LIBS/.complete"
	say "jars ready in $((SECONDS - start)) s ($(ls "$LIBS"/*.jar | wc -l) jars)"
}

write_config() {
	mkdir -p "$DATA"
	local listeners="PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT"
	local advertised="PLAINTEXT://$HOST:$KAFKA_ADVERTISED_PORT" inter=PLAINTEXT
	local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
	if [[ -n $KAFKA_INTERNAL_PORT ]]; then
		# Replication between brokers bypasses the port clients are told to
		# dial (the fault suite's proxy), so cutting clients off leaves the
		# cluster itself whole.
		listeners+=",INTERNAL://$HOST:$KAFKA_INTERNAL_PORT"
		advertised+=",INTERNAL://$HOST:$KAFKA_INTERNAL_PORT"
		protocols+=",INTERNAL:PLAINTEXT"
		inter=INTERNAL
	fi
	cat >"$PROPS" <<EOF
# Generated by scripts/kafka.sh.
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_VOTERS
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protocols
inter.broker.listener.name=$inter
controller.listener.names=CONTROLLER
log.dirs=$DATA/logs
num.partitions=1
default.replication.factor=$KAFKA_REPLICATION
min.insync.replicas=$KAFKA_MIN_ISR
offsets.topic.replication.factor=$KAFKA_REPLICATION
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$KAFKA_REPLICATION
transaction.state.log.min.isr=$KAFKA_MIN_ISR
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.cleaner.backoff.ms=1000
# Load (and after a crash, recover) partitions in parallel: a restarted
# node of the fault suite's cluster holds a replica of every partition.
num.recovery.threads.per.data.dir=4
EOF
	if [[ ${KAFKA_VERSION%%.*} -ge 4 ]]; then
		cat >"$LOG4J" <<EOF
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.raft.name = org.apache.kafka.raft
logger.raft.level = warn
EOF
		return
	fi
	cat >"$LOG4J" <<EOF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.org.apache.kafka.raft=WARN
EOF
}

java_cmd() {
	# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several flags.
	java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
		"$LOG_FLAG$LOG4J" -cp "$LIBS/*" "$@"
}

format_storage() {
	if [[ -f $DATA/logs/meta.properties ]]; then
		return
	fi
	local id=${KAFKA_CLUSTER_ID:-}
	[[ -n $id ]] || id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n 1)
	[[ -n $id ]] || die "could not make a cluster id (see $LOG)"
	say "formatting $DATA/logs with cluster id $id"
	java_cmd kafka.tools.StorageTool format -t "$id" -c "$PROPS" >>"$LOG" 2>&1 ||
		die "storage format failed (see $LOG)"
}

start() {
	if pid=$(running_pid); then
		say "already running (pid $pid) on $HOST:$KAFKA_PORT"
		return
	fi
	# A broker stopped a moment ago may still hold the port briefly.
	local free_by=$((SECONDS + 10))
	while port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; do
		((SECONDS < free_by)) || die "$HOST:$KAFKA_PORT or :$KAFKA_CONTROLLER_PORT is taken by another process"
		sleep 0.2
	done
	fetch_jars
	write_config
	: >"$LOG"
	format_storage
	local t0=$SECONDS
	# setsid: the broker outlives this script and make's process group.
	setsid bash -c 'exec "$@"' _ java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
		"$LOG_FLAG$LOG4J" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
		>>"$LOG" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$PIDFILE"
	if [[ $KAFKA_START_WAIT == 0 ]]; then
		say "Kafka $KAFKA_VERSION node $KAFKA_NODE_ID launched (pid $pid) on $HOST:$KAFKA_PORT, log $LOG"
		return
	fi
	wait_started "$pid" "$t0"
}

# wait_started waits until the broker pid listens and says it started.
wait_started() {
	local pid=$1 t0=$2
	local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
	# Ready = the port accepts connections and the broker says it started
	# (KRaft binds the listener a moment before the broker is registered).
	while ! { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOG"; }; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$LOG" >&2
			rm -f "$PIDFILE"
			die "broker exited during start (log: $LOG)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 30 "$LOG" >&2
			stop
			die "broker did not listen on $HOST:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s"
		fi
		sleep 0.2
	done
	say "Kafka $KAFKA_VERSION node $KAFKA_NODE_ID started in $((SECONDS - t0)) s (pid $pid) on $HOST:$KAFKA_PORT, log $LOG"
}

kill_broker() {
	local pid
	if ! pid=$(running_pid); then
		rm -f "$PIDFILE"
		say "not running"
		return
	fi
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$PIDFILE"
	say "killed (pid $pid)"
}

stop() {
	local pid
	if ! pid=$(running_pid); then
		rm -f "$PIDFILE"
		say "not running"
		return
	fi
	kill -TERM "$pid"
	local deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			say "pid $pid did not stop within 30 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	rm -f "$PIDFILE"
	say "stopped (pid $pid)"
}

clean() {
	stop
	rm -rf "$DATA"
	say "removed $DATA"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
clean) clean ;;
kill) kill_broker ;;
wait)
	pid=$(running_pid) || die "not running"
	wait_started "$pid" "$SECONDS"
	;;
status)
	if pid=$(running_pid); then
		echo "running (pid $pid) on $HOST:$KAFKA_PORT"
	else
		echo "not running"
		exit 1
	fi
	;;
*)
	echo "usage: $0 start|stop|clean|kill|wait|status" >&2
	exit 2
	;;
esac
