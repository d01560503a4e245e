package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/system"
)

// outageBroker is a kfake broker the test stops and restarts on the same
// port and data directory, like a real broker going away and coming back.
type outageBroker struct {
	t    *testing.T
	port int
	dir  string
	b    *kafka.Embedded
}

func (o *outageBroker) start() {
	o.t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Port: o.port, DataDir: o.dir})
	if err != nil {
		o.t.Fatalf("start broker: %v", err)
	}
	o.b = b
}

func (o *outageBroker) stop() {
	if o.b != nil {
		o.b.Close()
		o.b = nil
	}
}

func (o *outageBroker) addr() string { return "127.0.0.1:" + strconv.Itoa(o.port) }

// TestProcessorsRideOutABrokerOutage stops the broker under running
// processors, brings it back on the same port and data, and checks that the
// processors restarted by themselves (counted in stockflow_part_restarts_total)
// and that an order placed afterwards completes.
func TestProcessorsRideOutABrokerOutage(t *testing.T) {
	dir := t.TempDir()
	broker := &outageBroker{t: t, port: freePort(t), dir: filepath.Join(dir, "kafka")}
	broker.start()
	t.Cleanup(broker.stop)
	restartsBefore := partRestarts()

	// Processors and API in separate systems, as in production: the API's
	// readiness then depends on what it can see of Kafka, not on its own
	// processors restarting.
	useBroker := func(c *system.Config) { c.Brokers = []string{broker.addr()}; c.WaitTimeout = 5 * time.Second }
	cfg := testConfig(filepath.Join(dir, "processors"))
	useBroker(&cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	procs, err := system.Start(ctx, cfg, system.Parts{Processors: system.ProcessorNames()})
	if err != nil {
		t.Fatalf("start processors: %v", err)
	}
	t.Cleanup(func() { _ = procs.Stop(context.Background()) })
	s := startWith(t, filepath.Join(dir, "api"), system.Parts{API: true}, useBroker)
	w := s.warehouse("outage-w")
	p := s.product("OUTAGE-1")
	shop := s.shop(w)
	s.receive(w, p, 10)
	if status, body := s.place(shop, lines(p, 1)); status != http.StatusCreated {
		t.Fatalf("order before the outage = %d %s", status, body)
	}

	eventually(t, func() string {
		if r := s.readiness(); r.status != http.StatusOK || len(r.Groups) != len(system.ProcessorNames()) || r.Status != "ready" {
			return fmt.Sprintf("/readyz before the outage = %d %+v, want ready with every group", r.status, r)
		}
		return ""
	})

	broker.stop()
	eventually(t, func() string {
		if partRestarts() == restartsBefore {
			return "no processor noticed the broker went away"
		}
		return ""
	})
	waitFor(t, 40*time.Second, "/readyz to answer 503 while Kafka is away", func() bool { return s.readiness().status == http.StatusServiceUnavailable })
	for _, sys := range []*system.System{procs, s.sys} {
		select {
		case <-sys.Failed():
			t.Fatal("a part stopped its process while the broker was away")
		default:
		}
	}
	broker.start()
	waitFor(t, 40*time.Second, "/readyz to answer 200 again", func() bool { return s.readiness().status == http.StatusOK })

	recovered := time.Now()
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, body, err := s.tryCall(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(p, 1)}, "Idempotency-Key", "after-outage")
		if err == nil && status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no order completed within 90 s of the broker's return: %d %s %v", status, body, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("first order completed %s after the broker came back; %v part restarts", time.Since(recovered).Round(100*time.Millisecond), partRestarts()-restartsBefore)
	s.expectLevel(p, w, 10, 2)
}

// partRestarts sums stockflow_part_restarts_total over every part.
func partRestarts() float64 {
	var sum float64
	for _, name := range system.ProcessorNames() {
		sum += testutil.ToFloat64(metrics.PartRestarts.WithLabelValues(fmt.Sprintf("processor/%s", name)))
	}
	return sum
}

// readiness is a /readyz answer.
type readiness struct {
	status int
	Status string `json:"status"`
	Groups []struct {
		Group   string `json:"group"`
		Members int    `json:"members"`
	} `json:"groups"`
}

func (s *stack) readiness() readiness {
	var r readiness
	status, body, err := s.tryCall(http.MethodGet, "/readyz", nil)
	if err == nil && status == http.StatusOK {
		_ = json.Unmarshal(body, &r)
	}
	r.status = status
	if status != http.StatusOK {
		r.Status = string(body)
	}
	return r
}

// waitFor polls cond until it holds, failing the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%s: %s", what, time.Since(start).Round(100*time.Millisecond))
}
