package system

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
)

// A process started while no broker answers waits for Kafka (until its
// context ends) instead of exiting at once.
func TestStartWaitsWhileKafkaIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	cfg := DefaultConfig()
	cfg.Brokers, cfg.DataDir, cfg.HTTPAddr = []string{addr}, t.TempDir(), "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, cfg, Parts{Processors: []string{"users"}})
	if err == nil {
		_ = s.Stop(context.Background())
		t.Fatal("started without Kafka")
	}
	if took := time.Since(began); took < 1500*time.Millisecond {
		t.Fatalf("gave up after %s (%v); want it to wait until its context ends", took, err)
	}
}

func TestUnreachable(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("list topics: unable to dial: %w", dialErr), true},
		// After a leader election (seen when an API started as the fault suite killed a leader).
		{fmt.Errorf("list outcome end offsets: %w", kerr.OffsetNotAvailable), true},
		{fmt.Errorf("processor: %w", sarama.ErrLeaderNotAvailable), true},
		// goka keeps only the text of its sarama clients' errors (most likely
		// what stopped an orders instance the fault suite had restarted).
		{fmt.Errorf("processor orders: %w", fmt.Errorf("Error creating topic manager: %v",
			fmt.Errorf("Error creating the kafka client: %v", sarama.ErrOutOfBrokers))), true},
		{fmt.Errorf("view orders-table: %w", fmt.Errorf("Error getting partitions for topic %s: %v", "orders-table", dialErr)), true},
		{errors.New("processor warehouses: Error getting config for topic warehouses-table: write tcp 127.0.0.1:54826->127.0.0.1:29323: write: broken pipe"), true},
		{fmt.Errorf("topic %q has %d partitions, want %d", "x", 3, 6), false},
		{fmt.Errorf("processor orders: %v", "Topic order-commands has partition gap: [0 2]"), false},
	} {
		if got := unreachable(c.err); got != c.want {
			t.Errorf("unreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
