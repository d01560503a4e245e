# stockflow — see README.md. Every target is phony; tools are pinned below
# and installed into ./bin on first use.

GO         ?= go
BIN        := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)

STATICCHECK_VERSION   := v0.8.2
BUF_VERSION           := v1.75.0
PROTOC_GEN_GO_VERSION := v1.36.12

# Flags for `make run`, e.g. make run RUN_FLAGS="--log-format json".
RUN_FLAGS ?= --demo
# The development admin account `make run` ensures (see README.md).
export STOCKFLOW_ADMIN_EMAIL    ?= admin@example.com
export STOCKFLOW_ADMIN_PASSWORD ?= admin-password
# What the schemas must stay wire- and JSON-compatible with: the previous
# commit by default (on main after a merge, the main before it); pass a
# release tag for a release, e.g. make schemas-breaking BUF_AGAINST=v1.0.0.
BUF_AGAINST ?= HEAD~1
# Flags for the load generator, e.g. make bench BENCH_FLAGS="--orders 50000 --clients 128".
BENCH_FLAGS ?=
# Fuzzing time per target: make fuzz (the long run) and the short run in
# make test (scripts/fuzz.sh runs each target for this long).
FUZZTIME       ?= 1m
FUZZTIME_SHORT ?= 5s
# make run ANALYTICS=1 also starts ClickHouse (scripts/clickhouse.sh) and the
# sink; make run uses a ClickHouse that scripts/clickhouse.sh already runs.
ANALYTICS ?=

.PHONY: help run build test test-unit test-e2e fuzz test-api test-kafka test-faults test-analytics schemas-breaking chaos bench bench-sink lint generate openapi dashboards tools up down clean

help: ## List targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## Run everything in one process (embedded Kafka, processors, API on :8080); ANALYTICS=1 adds ClickHouse and the sink.
	$(GO) build -o $(BIN)/stockflow ./cmd/stockflow
	@if [ "$(ANALYTICS)" = 1 ]; then scripts/clickhouse.sh start; fi; \
	if scripts/clickhouse.sh status >/dev/null 2>&1; then \
		export STOCKFLOW_CLICKHOUSE_ADDR=$${STOCKFLOW_CLICKHOUSE_ADDR:-$$(scripts/clickhouse.sh addr)}; \
		echo "analytics: movements go to ClickHouse at $$STOCKFLOW_CLICKHOUSE_ADDR (see README, Analytics)"; \
	fi; \
	exec $(BIN)/stockflow dev $(RUN_FLAGS)

build: ## Build bin/stockflow and bin/loadgen.
	$(GO) build -o $(BIN)/stockflow ./cmd/stockflow
	$(GO) build -o $(BIN)/loadgen ./cmd/loadgen

test: ## Vet, buf breaking, a short fuzz of every target, then every test (ClickHouse started by scripts/clickhouse.sh, chdb by scripts/chdb.sh), schemathesis, then the real-Kafka suite.
	$(GO) vet ./...
	$(MAKE) schemas-breaking
	FUZZTIME=$(FUZZTIME_SHORT) scripts/fuzz.sh
	scripts/clickhouse.sh start && scripts/chdb.sh install && examples/python-consumer/setup.sh
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) $(GO) test -count=1 -race -timeout 25m ./...; \
	status=$$?; scripts/clickhouse.sh stop; exit $$status
	$(MAKE) test-api
	$(MAKE) test-kafka
	$(MAKE) test-faults

test-analytics: ## Only the analytics tests: sink, migrations, dashboard SQL on ClickHouse 18.16 and chdb, end to end.
	scripts/clickhouse.sh start && scripts/chdb.sh install
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) $(GO) test -count=1 -race ./sinks/... ./internal/dashboards/ && \
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) $(GO) test -count=1 -race -run Analytics ./internal/e2e/

test-unit: ## Only the fast unit tests (rules, sagas, goka tester).
	$(GO) test -count=1 -race ./processors/... ./api/... ./internal/kafka/...

fuzz: ## The long fuzz run: every fuzz target (decoders, stock rules, order and transfer sagas) for FUZZTIME each (1m; FUZZ_PARALLEL workers).
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

test-e2e: ## Only the integration tests (whole system over kfake).
	$(GO) test -count=1 -race ./internal/e2e/...

test-api: ## Fuzz the live API against docs/openapi.json with schemathesis (SCHEMATHESIS_EXAMPLES per operation, default 20).
	scripts/schemathesis.sh

test-kafka: ## Integration tests against a real Apache Kafka broker (KRaft, one node on 127.0.0.1) started by scripts/kafka.sh, then its Java admin client against the embedded broker.
	scripts/kafka.sh clean && scripts/kafka.sh start || { scripts/kafka.sh stop; exit 1; }; \
	STOCKFLOW_TEST_KAFKA=127.0.0.1:$${KAFKA_PORT:-29092} $(GO) test -count=1 -race -timeout 10m -run RealKafka -v ./internal/e2e/; \
	status=$$?; scripts/kafka.sh stop; \
	STOCKFLOW_KAFKA_CLIENTS_CP='$(CURDIR)/.cache/kafka/libs-3.9.1/*' $(GO) test -count=1 -run JavaAdmin -v ./internal/kafka/ || status=1; \
	exit $$status

# The fault suite's own cluster: three Kafka nodes (scripts/kafka-cluster.sh,
# clients on 29310/29320/29330, advertising 29313/29323/29333 where the
# suite's in-process TCP proxies listen; internal/e2e/faults_test.go) and
# its own ClickHouse for the sink on FAULTS_CLICKHOUSE_PORT (without
# ClickHouse the suite runs without the sink and says so).
FAULTS_CLICKHOUSE_PORT ?= 29340
FAULTS_CLICKHOUSE := CLICKHOUSE_PORT=$(FAULTS_CLICKHOUSE_PORT) CLICKHOUSE_HTTP_PORT=$$(($(FAULTS_CLICKHOUSE_PORT) + 1)) CLICKHOUSE_DIR=$(CURDIR)/.cache/clickhouse-faults
FAULT_ROUNDS      ?= 1

test-faults: ## Fault suite: every part its own process on a 3-node Kafka behind TCP proxies; kills, joins, leaves, broker and leader loss, cuts, latency (FAULT_ROUNDS=20 for the long run).
	scripts/kafka-cluster.sh clean && scripts/kafka-cluster.sh start || { scripts/kafka-cluster.sh stop; exit 1; }; \
	ch=; if $(FAULTS_CLICKHOUSE) scripts/clickhouse.sh start; then ch=127.0.0.1:$(FAULTS_CLICKHOUSE_PORT); fi; \
	STOCKFLOW_TEST_CLICKHOUSE=$$ch STOCKFLOW_FAULTS_KAFKA=$$(scripts/kafka-cluster.sh brokers) \
	  STOCKFLOW_FAULTS_PROXY=$$(scripts/kafka-cluster.sh advertised) STOCKFLOW_FAULTS_NODECTL=$(CURDIR)/scripts/kafka-cluster.sh \
	  STOCKFLOW_FAULT_ROUNDS=$(FAULT_ROUNDS) $(GO) test -count=1 -timeout 100m -run FaultsOnRealKafka -v ./internal/e2e/; \
	status=$$?; scripts/kafka-cluster.sh stop; if [ -n "$$ch" ]; then $(FAULTS_CLICKHOUSE) scripts/clickhouse.sh stop; fi; exit $$status

chaos: ## Long fault runs: 10 rounds of SIGKILL mid-flight on the one-process system (orders, transfers, analytics), then the fault suite on 3 Kafka nodes with FAULT_ROUNDS (20 by default: every kind at least 20 times).
	scripts/clickhouse.sh start && \
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) STOCKFLOW_CHAOS_ROUNDS=$${STOCKFLOW_CHAOS_ROUNDS:-10} \
	  $(GO) test -count=1 -run Kill -v -timeout 30m ./internal/e2e/; \
	status=$$?; scripts/clickhouse.sh stop; exit $$status
	$(MAKE) test-faults FAULT_ROUNDS=$${FAULT_ROUNDS:-20}

bench: build ## Micro-benchmarks, the load generator (throughput, p50/p95/p99): flash sale, spread orders, transfers, catalog; then the ClickHouse sink.
	$(GO) test -run '^$$' -bench . -benchmem ./processors/... ./schemas/
	scripts/bench-hot.sh $(BENCH_FLAGS)
	$(GO) run ./cmd/loadgen --scenario orders $(BENCH_FLAGS)
	$(GO) run ./cmd/loadgen --scenario catalog $(BENCH_FLAGS)
	$(GO) run ./cmd/loadgen --scenario transfers $(BENCH_FLAGS)
	$(MAKE) bench-sink

bench-sink: ## ClickHouse sink: movements/s into ClickHouse, freshness p50/p99, insert by batch size, FINAL vs argMax.
	scripts/clickhouse.sh start
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) $(GO) test -run '^$$' \
		-bench 'SinkFreshness|Insert|ExactTotals' -benchtime 1x ./sinks/clickhouse/ 2>&1 | grep -v 'minimum supported'
	STOCKFLOW_TEST_CLICKHOUSE=$$(scripts/clickhouse.sh addr) $(GO) test -run '^$$' \
		-bench 'SinkThroughput' -benchtime 1000000x ./sinks/clickhouse/ 2>&1 | grep -v 'minimum supported'

lint: $(BIN)/staticcheck ## go vet, gofmt and staticcheck; buf lint when buf is installed.
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	staticcheck ./...
	@if [ -x $(BIN)/buf ]; then cd schemas && buf lint; fi

schemas-breaking: $(BIN)/buf ## buf breaking (WIRE_JSON): schemas/ against BUF_AGAINST (default the previous commit).
	@against=$$(git rev-parse --verify -q '$(BUF_AGAINST)^{commit}') || { echo "schemas-breaking: $(BUF_AGAINST) is not in this clone (shallow?); nothing to compare with"; exit 0; }; \
	echo "buf breaking against $(BUF_AGAINST) ($$against)"; \
	cd schemas && buf breaking --against "$$(git rev-parse --path-format=absolute --git-common-dir)#ref=$$against,subdir=schemas"
dashboards: ## Regenerate deploy/grafana/dashboards/stockflow-analytics.json from internal/dashboards.
	$(GO) run ./cmd/dashboards

generate: $(BIN)/buf $(BIN)/protoc-gen-go ## Lint the .proto files and regenerate Go code.
	cd schemas && buf lint && buf generate

openapi: ## Write docs/openapi.json, the OpenAPI 3.1 document the API serves (a test fails when it is stale).
	$(GO) run ./cmd/openapi > docs/openapi.json.tmp && mv docs/openapi.json.tmp docs/openapi.json

tools: $(BIN)/staticcheck $(BIN)/buf $(BIN)/protoc-gen-go ## Install pinned tools into ./bin.

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/buf:
	GOBIN=$(BIN) $(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)

$(BIN)/protoc-gen-go:
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

up: ## Start Kafka, Prometheus, Grafana and every stockflow part with docker compose.
	docker compose up -d --build

down: ## Stop the docker compose stack.
	docker compose down

clean: ## Remove ./bin and the dev data directory.
	rm -rf $(BIN) ./data
