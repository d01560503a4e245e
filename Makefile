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
# Flags for the load generator, e.g. make bench BENCH_FLAGS="--orders 50000 --clients 128".
BENCH_FLAGS ?=

.PHONY: help run build test test-unit test-e2e test-kafka test-faults chaos bench lint generate tools up down clean

help: ## List targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## Run everything in one process (embedded Kafka, processors, API on :8080).
	$(GO) build -o $(BIN)/stockflow ./cmd/stockflow
	$(BIN)/stockflow dev $(RUN_FLAGS)

build: ## Build bin/stockflow and bin/loadgen.
	$(GO) build -o $(BIN)/stockflow ./cmd/stockflow
	$(GO) build -o $(BIN)/loadgen ./cmd/loadgen

test: ## Vet, then every test: unit, goka tester, integration over kfake, crash test, then the real-Kafka suite.
	$(GO) vet ./...
	$(GO) test -count=1 -race -timeout 15m ./...
	$(MAKE) test-kafka

test-unit: ## Only the fast unit tests (rules, sagas, goka tester).
	$(GO) test -count=1 -race ./processors/... ./api/... ./internal/kafka/...

test-e2e: ## Only the integration tests (whole system over kfake).
	$(GO) test -count=1 -race ./internal/e2e/...

test-kafka: ## Integration tests against a real Apache Kafka broker (KRaft, one node on 127.0.0.1) started by scripts/kafka.sh.
	scripts/kafka.sh clean && scripts/kafka.sh start || { scripts/kafka.sh stop; exit 1; }; \
	STOCKFLOW_TEST_KAFKA=127.0.0.1:$${KAFKA_PORT:-29092} $(GO) test -count=1 -race -timeout 10m -run RealKafka -v ./internal/e2e/; \
	status=$$?; scripts/kafka.sh stop; exit $$status

# The fault suite's own broker: Kafka on FAULTS_KAFKA_PORT (controller on
# the next port) advertising FAULTS_PROXY_PORT, where the suite's in-process
# TCP proxy listens (internal/e2e/faults_test.go).
FAULTS_KAFKA_PORT ?= 29192
FAULTS_PROXY_PORT ?= 29194
FAULT_ROUNDS      ?= 1

test-faults: ## Fault suite: every part its own process on a real Kafka behind a TCP proxy; kills, cuts, latency (FAULT_ROUNDS=20 for the long run).
	export KAFKA_PORT=$(FAULTS_KAFKA_PORT) KAFKA_ADVERTISED_PORT=$(FAULTS_PROXY_PORT); \
	scripts/kafka.sh clean && scripts/kafka.sh start || { scripts/kafka.sh stop; exit 1; }; \
	STOCKFLOW_FAULTS_KAFKA=127.0.0.1:$(FAULTS_KAFKA_PORT) STOCKFLOW_FAULTS_PROXY=127.0.0.1:$(FAULTS_PROXY_PORT) STOCKFLOW_FAULT_ROUNDS=$(FAULT_ROUNDS) \
	  $(GO) test -count=1 -timeout 60m -run FaultsOnRealKafka -v ./internal/e2e/; \
	status=$$?; scripts/kafka.sh stop; exit $$status

chaos: ## Crash suite: 10 rounds of SIGKILL mid-flight and restart, then conservation checks.
	STOCKFLOW_CHAOS_ROUNDS=$${STOCKFLOW_CHAOS_ROUNDS:-10} $(GO) test -count=1 -run Kill -v -timeout 30m ./internal/e2e/

bench: ## Micro-benchmarks, then the load generator (throughput, p50/p95/p99).
	$(GO) test -run '^$$' -bench . -benchmem ./processors/...
	$(GO) run ./cmd/loadgen --scenario orders $(BENCH_FLAGS)
	$(GO) run ./cmd/loadgen --scenario catalog $(BENCH_FLAGS)

lint: $(BIN)/staticcheck ## go vet, gofmt and staticcheck; buf lint when buf is installed.
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	staticcheck ./...
	@if [ -x $(BIN)/buf ]; then cd schemas && buf lint; fi

generate: $(BIN)/buf $(BIN)/protoc-gen-go ## Lint the .proto files and regenerate Go code.
	cd schemas && buf lint && buf generate

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
