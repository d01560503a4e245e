package e2e_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stockflow/stockflow/system"
)

// realKafkaEnv names the bootstrap address (host:port) of a real Apache
// Kafka broker, for example one started by scripts/kafka.sh (make test-kafka).
const realKafkaEnv = "STOCKFLOW_TEST_KAFKA"

// startReal runs the whole system (every processor and the API, no embedded
// broker) against the real broker on a fresh local data directory.
func startReal(t *testing.T) *stack {
	t.Helper()
	broker := os.Getenv(realKafkaEnv)
	if broker == "" {
		t.Skipf("%s is not set (host:port of a real Kafka broker; see make test-kafka)", realKafkaEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dataDir := t.TempDir()
	cfg := testConfig(dataDir)
	cfg.Brokers = strings.Split(broker, ",")
	cfg.Partitions, cfg.Replication = 6, 1
	// On an empty broker this also proves topics.Ensure waits until the
	// broker's metadata shows the topics it created (KRaft acknowledges a
	// creation before its metadata has it).
	began := time.Now()
	sys, err := system.Start(ctx, cfg, system.Parts{Processors: system.ProcessorNames(), API: true})
	if err != nil {
		t.Fatalf("start against %s: %v", broker, err)
	}
	t.Logf("started against %s in %s", broker, time.Since(began).Round(time.Millisecond))
	s := &stack{t: t, sys: sys, brokers: sys.Brokers(), halt: sys.Stop, base: "http://" + sys.HTTPAddr(), dataDir: dataDir}
	t.Cleanup(s.stop)
	s.waitReady(ctx)
	t.Logf("system ready on %s %s after start began", broker, time.Since(began).Round(time.Millisecond))
	s.token = s.login(adminEmail, adminPassword)
	return s
}

// on returns the running system reporting failures to t (a subtest), so a
// failed helper stops the subtest, not its parent.
func (s *stack) on(t *testing.T) *stack {
	c := *s
	c.t = t
	return &c
}

// TestRealKafka runs every real-broker scenario on one started system:
// topics and the processors' fixed consumer groups outlive a system on a
// real broker, so scenarios share one system and stay independent of each
// other by creating their own warehouses, products and shops (fresh ids).
// The restart scenario runs last: it replaces the system.
func TestRealKafka(t *testing.T) {
	if os.Getenv(realKafkaEnv) == "" {
		t.Skipf("%s is not set (host:port of a real Kafka broker; see make test-kafka)", realKafkaEnv)
	}
	shared := startReal(t)
	// SKUs are unique for good: a per-run suffix keeps a rerun against the
	// same broker (without scripts/kafka.sh clean) from colliding.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	sku := func(base string) string { return base + "-" + run }

	t.Run("reserves_then_refuses_what_is_not_there", func(t *testing.T) {
		reservesThenRefuses(t, shared.on(t), sku)
	})

	t.Run("multi_line_order_failing_on_line_2_releases_line_1", func(t *testing.T) {
		multiLineAllOrNothing(t, shared.on(t), sku)
	})

	t.Run("concurrent_orders_never_oversell", func(t *testing.T) {
		neverOversell(t, shared.on(t), sku, 20, 200, 50)
	})

	t.Run("transfers_move_available_stock_and_respect_inactive_warehouses", func(t *testing.T) {
		transfersMoveAvailableStock(t, shared.on(t), sku)
	})

	t.Run("transfers_in_transit_credit_on_receipt", func(t *testing.T) {
		transfersInTransit(t, shared.on(t), sku)
	})

	// Expiry needs a short reservation TTL on the whole shared system (it
	// would expire the other scenarios' orders too): it stays in the kfake
	// suite (expiry_test.go).

	t.Run("restart_on_a_new_data_dir_rebuilds_levels_from_the_broker", func(t *testing.T) {
		// The new system has an empty local state directory and must
		// restore every table from the changelogs.
		restartKeepsLevels(t, shared.on(t), sku, func() *stack {
			shared.stop()
			return startReal(t)
		})
	})
}
