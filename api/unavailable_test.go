package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/topics"
)

// TestCommandsAnswerWithinTheWaitTimeoutWhenTheBrokerIsDown produces over
// a real (embedded) broker: 202 while it is up but no processor answers,
// 503 with Retry-After once it is gone, each within the wait timeout.
func TestCommandsAnswerWithinTheWaitTimeoutWhenTheBrokerIsDown(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, string(topics.WarehouseCommands)))
	if err != nil {
		t.Fatal(err)
	}
	producer, err := kafka.NewProducer(cluster.ListenAddrs(), "api-test")
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	const wait = time.Second
	f := newFixture(t, func(d *api.Deps) {
		d.Sender = kafka.Sender{Client: producer}
		d.WaitTimeout = wait
	})
	create := func() (*http.Response, time.Duration) {
		start := time.Now()
		resp := f.do(http.MethodPost, "/warehouses", authorization(f.admin), map[string]any{"name": "north"})
		return resp, time.Since(start)
	}

	resp, took := create()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") == "" {
		t.Fatalf("broker up, no processor: %d (Location %q), want 202 with a Location", resp.StatusCode, resp.Header.Get("Location"))
	}
	if took > wait+500*time.Millisecond {
		t.Fatalf("202 took %s, past the %s wait timeout", took, wait)
	}

	cluster.Close()
	for i := range 2 {
		resp, took = create()
		checkProblem(t, f, http.MethodPost, "/warehouses", resp, http.StatusServiceUnavailable)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		if took > wait+500*time.Millisecond {
			t.Fatalf("503 #%d took %s, past the %s wait timeout", i+1, took, wait)
		}
	}
}
