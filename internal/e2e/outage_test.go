package e2e_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stockflow/stockflow/internal/app"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/metrics"
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

	s := startWith(t, filepath.Join(dir, "state"), app.Parts{Processors: app.ProcessorNames(), API: true},
		func(c *app.Config) { c.Brokers = []string{broker.addr()}; c.WaitTimeout = 5 * time.Second })
	w := s.warehouse("outage-w")
	p := s.product("OUTAGE-1")
	shop := s.shop(w)
	s.receive(w, p, 10)
	if status, body := s.place(shop, lines(p, 1)); status != http.StatusCreated {
		t.Fatalf("order before the outage = %d %s", status, body)
	}

	broker.stop()
	eventually(t, func() string {
		if partRestarts() == restartsBefore {
			return "no processor noticed the broker went away"
		}
		return ""
	})
	time.Sleep(2 * time.Second) // let the parts fail and retry against a dead port
	select {
	case <-s.sys.Failed():
		t.Fatal("a part stopped the process while the broker was away")
	default:
	}
	broker.start()

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
	for _, name := range app.ProcessorNames() {
		sum += testutil.ToFloat64(metrics.PartRestarts.WithLabelValues(fmt.Sprintf("processor/%s", name)))
	}
	return sum
}
